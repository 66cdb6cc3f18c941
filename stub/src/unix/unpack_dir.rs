//! The private folder a onefile app unpacks into: where it goes, how it is made (fresh, 0700,
//! with an unguessable name, on a file system that may run programs, locked for as long as it
//! is in use), and its removal once the last process using it has ended.
//!
//! The folder (`$TMPDIR/_pb<pid>_<hex>`) holds one thing: the bundle's root, a folder with a
//! name of its own for each launch, which is `sys._MEIPASS`. The extra level is for ext4
//! without a journal (this project's CI machines, and many VMs), which skips every inode freed
//! in the last minute when it allocates one: launches that each create and remove hundreds of
//! files in the same block group make every later create scan past all of them (a launch of
//! the pandas + matplotlib bench app spent more time there than unpacking). The folder carries
//! ext4's "top of a hierarchy" flag, so the root made in it goes to a block group picked from
//! a hash of its name, like a folder made in `/`: a fresh name puts each launch's files where
//! few inodes were freed lately. Where the flag does not exist (tmpfs, other file systems),
//! setting it fails quietly and the root is just one folder deeper.

use std::fs::{self, DirBuilder};
use std::io;
use std::os::fd::OwnedFd;
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};

use pybundle_archive::Manifest;

use super::os::{mounted_noexec, random, spread_subfolders};
use super::sweep;
use crate::error::LaunchError;

/// Run-time override of where onefile apps unpack.
pub const TMPDIR_OVERRIDE: &str = "PYBUNDLE_RUNTIME_TMPDIR";

pub struct UnpackDir {
    base: PathBuf,
    /// `base/_pb<pid>_<hex>`: what is locked, swept and removed.
    folder: PathBuf,
    /// The bundle's root inside `folder`.
    root: PathBuf,
    /// A shared lock on `folder`: while any is held (ours, or a multiprocessing helper's),
    /// nobody sweeps the folder away.
    lock: Option<OwnedFd>,
}

impl UnpackDir {
    /// Make a new folder under the first of: `$PYBUNDLE_RUNTIME_TMPDIR`, the baked-in
    /// `--runtime-tmpdir`, `$TMPDIR`, `/tmp`; then the root inside it.
    pub fn create(manifest: &Manifest) -> Result<Self, LaunchError> {
        let base = base_dir(manifest);
        let mut last_err = io::Error::from(io::ErrorKind::AlreadyExists);
        for _ in 0..16 {
            let name = format!("{}{}_{:016x}", sweep::PREFIX, std::process::id(), random());
            let folder = base.join(name);
            match DirBuilder::new().mode(0o700).create(&folder) {
                Ok(()) => {
                    let lock = sweep::share(&folder, sweep::Inherit::No);
                    if let Some(fd) = &lock {
                        spread_subfolders(fd);
                    }
                    let root = folder.join(format!("{:08x}", random() as u32));
                    let dir = UnpackDir {
                        base,
                        folder,
                        root,
                        lock,
                    };
                    if let Err(source) = DirBuilder::new().mode(0o700).create(&dir.root) {
                        return Err(LaunchError::UnpackDir {
                            base: dir.base.clone(),
                            source,
                        });
                    }
                    if mounted_noexec(&dir.root) {
                        return Err(LaunchError::NoExec {
                            dir: dir.root.clone(),
                        });
                    }
                    return Ok(dir);
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => last_err = e,
                Err(source) => return Err(LaunchError::UnpackDir { base, source }),
            }
        }
        Err(LaunchError::UnpackDir {
            base,
            source: last_err,
        })
    }

    /// The bundle's root: where the files go, `sys._MEIPASS`.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Remove folders that killed launchers left under the same base.
    pub fn sweep_leftovers(&self) {
        sweep::leftovers(&self.base, &self.folder);
    }

    /// Remove the folder and everything in it (links are removed, never followed) once no
    /// process uses it: at once when the app's helpers are gone too, else by a small detached
    /// process that waits for the last of them, so the launcher can end with the app.
    pub fn remove(self) {
        drop(self);
    }
}

impl Drop for UnpackDir {
    fn drop(&mut self) {
        match &self.lock {
            Some(lock) if !sweep::try_exclusive(lock) => remove_when_free(&self.folder, lock),
            _ => {
                let _ = fs::remove_dir_all(&self.folder);
            }
        }
    }
}

/// Fork a process that waits for every other lock on `path` to go, then removes it. The
/// launcher is single-threaded by now, so the child may allocate. If the fork fails, the
/// folder stays until a later launch sweeps it.
fn remove_when_free(path: &Path, lock: &OwnedFd) {
    // SAFETY: fork in a single-threaded process; the child only waits, removes and _exits.
    let pid = unsafe { libc::fork() };
    if pid != 0 {
        return;
    }
    // SAFETY: detach from the terminal's session and ignore what would stop the cleanup.
    unsafe {
        libc::setsid();
        for sig in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP, libc::SIGQUIT] {
            libc::signal(sig, libc::SIG_IGN);
        }
    }
    if sweep::wait_exclusive(lock) {
        let _ = fs::remove_dir_all(path);
    }
    // SAFETY: ends the child without running the parent's exit handlers.
    unsafe { libc::_exit(0) }
}

fn base_dir(manifest: &Manifest) -> PathBuf {
    let from_env = |name| std::env::var_os(name).filter(|v| !v.is_empty());
    from_env(TMPDIR_OVERRIDE)
        .map(PathBuf::from)
        .or_else(|| manifest.runtime_tmpdir.as_ref().map(PathBuf::from))
        .or_else(|| from_env("TMPDIR").map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from("/tmp"))
}
