//! The private folder a onefile app unpacks into: where it goes, how it is made (fresh, 0700,
//! with an unguessable name, locked for as long as the launcher lives), and its removal.

use std::fs::{self, DirBuilder};
use std::io;
use std::os::fd::OwnedFd;
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};

use pybundle_archive::Manifest;

use crate::error::LaunchError;
use crate::sweep;

/// Run-time override of where onefile apps unpack.
pub const TMPDIR_OVERRIDE: &str = "PYBUNDLE_RUNTIME_TMPDIR";

pub struct UnpackDir {
    base: PathBuf,
    path: PathBuf,
    /// The folder's lock: while it is held, no other launch sweeps the folder away.
    _lock: Option<OwnedFd>,
}

impl UnpackDir {
    /// Make a new folder under the first of: `$PYBUNDLE_RUNTIME_TMPDIR`, the baked-in
    /// `--runtime-tmpdir`, `$TMPDIR`, `/tmp`.
    pub fn create(manifest: &Manifest) -> Result<Self, LaunchError> {
        let base = base_dir(manifest);
        let mut last_err = io::Error::from(io::ErrorKind::AlreadyExists);
        for _ in 0..16 {
            let name = format!("{}{}_{:016x}", sweep::PREFIX, std::process::id(), random());
            let path = base.join(name);
            match DirBuilder::new().mode(0o700).create(&path) {
                Ok(()) => {
                    let lock = sweep::lock(&path);
                    return Ok(UnpackDir {
                        base,
                        path,
                        _lock: lock,
                    });
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

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Remove folders that killed launchers left under the same base.
    pub fn sweep_leftovers(&self) {
        sweep::leftovers(&self.base, &self.path);
    }

    /// Remove the folder and everything in it (links are removed, never followed).
    pub fn remove(self) {
        drop(self);
    }
}

impl Drop for UnpackDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.path);
    }
}

fn base_dir(manifest: &Manifest) -> PathBuf {
    let from_env = |name| std::env::var_os(name).filter(|v| !v.is_empty());
    from_env(TMPDIR_OVERRIDE)
        .map(PathBuf::from)
        .or_else(|| manifest.runtime_tmpdir.as_ref().map(PathBuf::from))
        .or_else(|| from_env("TMPDIR").map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from("/tmp"))
}

/// 64 unpredictable bits for folder names.
pub fn random() -> u64 {
    let mut bytes = [0u8; 8];
    // SAFETY: getrandom writes at most `bytes.len()` bytes into the buffer.
    let n = unsafe { libc::getrandom(bytes.as_mut_ptr().cast(), bytes.len(), 0) };
    if n == bytes.len() as isize {
        return u64::from_le_bytes(bytes);
    }
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    nanos ^ ((std::process::id() as u64) << 32)
}
