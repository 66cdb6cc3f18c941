//! The user's cache folder, for what builds fetch or unpack once and then reuse: target wheels
//! (`wheels/`) and `--runtime` archives (`runtimes/`). `PYBUNDLE_CACHE_DIR`, else
//! `$XDG_CACHE_HOME/pybundle`, else `~/.cache/pybundle` (where `--runtime-cache` bundles unpack
//! too, each in a folder named after the app).

use std::fs;
use std::path::{Path, PathBuf};

use crate::error::Error;

/// The cache folder's `part` (`wheels`, `runtimes`), made if need be.
pub fn dir(part: &str) -> Result<PathBuf, Error> {
    let from_env = |name: &str| {
        std::env::var_os(name)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    let base = from_env("PYBUNDLE_CACHE_DIR")
        .or_else(|| from_env("XDG_CACHE_HOME").map(|c| c.join("pybundle")))
        .or_else(|| from_env("HOME").map(|h| h.join(".cache").join("pybundle")))
        .ok_or_else(|| Error::Cache {
            path: PathBuf::from("~/.cache/pybundle"),
            source: std::io::Error::other("neither HOME nor XDG_CACHE_HOME is set"),
        })?;
    let dir = base.join(part);
    fs::create_dir_all(&dir).map_err(|source| Error::Cache {
        path: dir.clone(),
        source,
    })?;
    Ok(dir)
}

/// `dest`, made once: `make` fills a fresh folder beside it, which is then renamed into place,
/// so a folder that exists is always complete. When another build got there first, its folder
/// is kept and ours dropped.
pub fn once(dest: &Path, make: impl FnOnce(&Path) -> Result<(), Error>) -> Result<(), Error> {
    if dest.is_dir() {
        return Ok(());
    }
    let parent = dest.parent().unwrap_or(Path::new("."));
    let cache_err = |source| Error::Cache {
        path: parent.to_path_buf(),
        source,
    };
    fs::create_dir_all(parent).map_err(cache_err)?;
    let fresh = tempfile::Builder::new()
        .prefix(".filling-")
        .tempdir_in(parent)
        .map_err(cache_err)?;
    make(fresh.path())?;
    let filled = fresh.keep();
    match fs::rename(&filled, dest) {
        Ok(()) => Ok(()),
        Err(_) if dest.is_dir() => {
            let _ = fs::remove_dir_all(&filled);
            Ok(())
        }
        Err(source) => {
            let _ = fs::remove_dir_all(&filled);
            Err(Error::Cache {
                path: dest.to_path_buf(),
                source,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folder_is_made_once_and_whole() {
        let base = tempfile::tempdir().unwrap();
        let dest = base.path().join("one");
        let mut calls = 0;
        for _ in 0..2 {
            once(&dest, |dir| {
                calls += 1;
                fs::write(dir.join("f"), b"x").map_err(|e| Error::Internal(e.to_string()))
            })
            .unwrap();
        }
        assert_eq!(calls, 1);
        assert_eq!(fs::read(dest.join("f")).unwrap(), b"x");
        // A failed fill leaves nothing behind.
        let failed = base.path().join("two");
        let err = once(&failed, |_| Err(Error::Internal("no".into())));
        assert!(err.is_err() && !failed.exists());
        assert_eq!(fs::read_dir(base.path()).unwrap().count(), 1);
    }
}
