//! Where a launch finds its root, decided the same way on every system: beside the executable
//! for onedir, and for onefile whether the user's cache is used (`--runtime-cache`, or
//! `PYBUNDLE_RUNTIME_CACHE` at run time). How a folder is made or cached is each system's.

use std::path::{Path, PathBuf};

use pybundle_archive::{Bundle, Launch, Mode, Unpack};

use crate::error::LaunchError;

/// Run-time switch: `0` forces a temporary unpack, `1` the cache.
pub const CACHE_OVERRIDE: &str = "PYBUNDLE_RUNTIME_CACHE";

/// Should this onefile launch use the user's cache?
pub fn cache_wanted(bundle: &Bundle) -> bool {
    match std::env::var_os(CACHE_OVERRIDE)
        .as_deref()
        .and_then(|v| v.to_str())
    {
        Some("0") => false,
        Some("1") => true,
        _ => matches!(
            bundle.manifest.mode,
            Mode::Onefile {
                unpack: Unpack::Cached
            }
        ),
    }
}

/// A onedir executable's root: `contents_dir` beside `exe` (`.`: its own folder), which must
/// hold CPython's library.
pub fn onedir(exe: &Path, contents_dir: &str, launch: &Launch) -> Result<PathBuf, LaunchError> {
    let dir = exe
        .parent()
        .ok_or_else(|| LaunchError::NoFolder(contents_dir.into()))?;
    let root = pybundle_archive::manifest::onedir_root(dir, contents_dir);
    if !root.join(&launch.python).is_file() {
        return Err(LaunchError::NoFolder(root));
    }
    Ok(root)
}
