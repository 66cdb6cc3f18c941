//! Files of the build caches in `--workpath` (bytecode, bootstrap, compressed chunks): written
//! beside their place and renamed in, so a crashed or concurrent build never leaves half a file
//! where another build reads.

use std::fs;
use std::io;
use std::path::Path;

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
