//! The private folder a onefile app unpacks into on Windows: under `%TEMP%` (or the run-time
//! or build-time override), with a fresh name, marked in use (see [`super::lock`]) for as long
//! as the launcher runs, removed when the app and its helpers are done; folders of killed
//! launchers are swept by a later launch.

use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use pybundle_archive::Manifest;

use super::lock::{self, DirLock};
use crate::error::LaunchError;

/// Run-time override of where onefile apps unpack.
pub const TMPDIR_OVERRIDE: &str = "PYBUNDLE_RUNTIME_TMPDIR";
/// Prefix of every onefile unpack folder.
pub const PREFIX: &str = "_pb";
/// A folder changed more recently than this is never swept: its launcher may be about to
/// lock it, or still filling it.
const GRACE: Duration = Duration::from_secs(60);

pub struct UnpackDir {
    base: PathBuf,
    path: PathBuf,
    lock: Option<DirLock>,
}

impl UnpackDir {
    /// Make a new folder under the first of: `%PYBUNDLE_RUNTIME_TMPDIR%`, the baked-in
    /// `--runtime-tmpdir` (with `%VARIABLES%` expanded), `%TEMP%`.
    pub fn create(manifest: &Manifest) -> Result<Self, LaunchError> {
        let base = base_dir(manifest);
        let mut last_err = io::Error::from(io::ErrorKind::AlreadyExists);
        for _ in 0..16 {
            let name = format!("{PREFIX}{}_{:016x}", std::process::id(), random());
            let path = base.join(name);
            match std::fs::create_dir(&path) {
                Ok(()) => match lock::share(&path) {
                    Some(lock) => {
                        return Ok(UnpackDir {
                            base,
                            path,
                            lock: Some(lock),
                        })
                    }
                    None => continue,
                },
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

    /// Remove folders that killed launchers left under the same base: those nobody has open.
    pub fn sweep_leftovers(&self) {
        let Ok(entries) = std::fs::read_dir(&self.base) else {
            return;
        };
        let now = SystemTime::now();
        for entry in entries.flatten() {
            let path = entry.path();
            let ours = entry.file_name().to_string_lossy().starts_with(PREFIX);
            // A folder's time changes as files are made in it: one being filled is young.
            let old = (entry.metadata().ok())
                .and_then(|m| m.modified().ok())
                .and_then(|t| now.duration_since(t).ok())
                .is_some_and(|age| age > GRACE);
            if !ours || !old || path == self.path {
                continue;
            }
            if let Some(taken) = lock::exclusive(&path) {
                drop(taken);
                let _ = std::fs::remove_dir_all(&path);
            }
        }
    }

    /// Remove the folder once the app's processes are gone (their DLLs stay mapped for a
    /// moment after they end, which keeps the files from being deleted).
    pub fn remove(mut self) {
        self.lock = None;
        for _ in 0..40 {
            match std::fs::remove_dir_all(&self.path) {
                Err(e) if e.kind() != io::ErrorKind::NotFound => {
                    std::thread::sleep(Duration::from_millis(50))
                }
                _ => return,
            }
        }
    }
}

fn base_dir(manifest: &Manifest) -> PathBuf {
    let from_env = |name| std::env::var_os(name).filter(|v| !v.is_empty());
    from_env(TMPDIR_OVERRIDE)
        .map(PathBuf::from)
        .or_else(|| manifest.runtime_tmpdir.as_deref().map(expand))
        .unwrap_or_else(std::env::temp_dir)
}

/// `%NAME%` replaced by the variable's value, as PyInstaller's `--runtime-tmpdir` allows on
/// Windows (`%LOCALAPPDATA%\\myapp`); an unset variable stays as written.
fn expand(text: &str) -> PathBuf {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find('%') {
        let Some(len) = rest[start + 1..].find('%') else {
            break;
        };
        let name = &rest[start + 1..start + 1 + len];
        out.push_str(&rest[..start]);
        match std::env::var(name) {
            Ok(value) if !name.is_empty() => out.push_str(&value),
            _ => out.push_str(&rest[start..start + len + 2]),
        }
        rest = &rest[start + len + 2..];
    }
    out.push_str(rest);
    PathBuf::from(out)
}

/// 64 bits for folder names: `%TEMP%` is the user's own, so they need to be fresh, not secret.
pub fn random() -> u64 {
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    let stack = &nanos as *const u64 as u64;
    nanos.rotate_left(17) ^ stack ^ ((std::process::id() as u64) << 40)
}
