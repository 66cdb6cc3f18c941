//! The build caches in `--workpath`: which there are ([`Bucket`]), where each lives
//! ([`Workpath`]), and how their files are written (whole, renamed in, so a crashed or
//! concurrent build never leaves half a file where another build reads). (uv's `CacheBucket`.)

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// One kind of cache, in a folder of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bucket {
    /// Compiled modules, by source and interpreter (`compile`).
    Pyc,
    /// Bootstrap sources, by content (`bootstrap`).
    Bootstrap,
    /// Compressed chunks of onefile archives, by content and level (`output::frames`).
    Frames,
    /// What compiled modules import, by distribution (`packages::compiled`).
    Probe,
    /// What PyInstaller's hooks said, by hook and installed packages (`packages::pyi_hooks`),
    /// and the stand-in for PyInstaller they run against.
    Hooks,
}

impl Bucket {
    pub const ALL: [Bucket; 5] = [
        Bucket::Pyc,
        Bucket::Bootstrap,
        Bucket::Frames,
        Bucket::Probe,
        Bucket::Hooks,
    ];

    fn folder(self) -> &'static str {
        match self {
            Bucket::Pyc => "pyc",
            Bucket::Bootstrap => "bootstrap",
            Bucket::Frames => "frames",
            Bucket::Probe => "probe",
            Bucket::Hooks => "hooks",
        }
    }
}

/// `--workpath`: where the build keeps its caches.
#[derive(Debug, Clone)]
pub struct Workpath {
    root: PathBuf,
}

impl Workpath {
    pub fn new(root: PathBuf) -> Self {
        Workpath { root }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn bucket(&self, bucket: Bucket) -> PathBuf {
        self.root.join(bucket.folder())
    }

    /// `--clean`: drop every cache (what cannot be removed is rebuilt over).
    pub fn clean(&self) {
        for bucket in Bucket::ALL {
            let _ = fs::remove_dir_all(self.bucket(bucket));
        }
    }
}

/// Write `bytes` to `path` whole or not at all; a failed attempt leaves nothing behind.
pub fn write_whole(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
    let written = fs::write(&tmp, bytes).and_then(|()| fs::rename(&tmp, path));
    if written.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    written
}

#[cfg(test)]
mod tests {
    #[test]
    fn writes_whole_and_leaves_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        super::write_whole(&dir.path().join("f"), b"abc").unwrap();
        assert_eq!(std::fs::read(dir.path().join("f")).unwrap(), b"abc");
        assert!(super::write_whole(&dir.path().join("missing/f"), b"x").is_err());
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert_eq!(names, ["f"]);
    }
}
