//! `pybundle extract`: a bundle's files written out into a folder.

use std::fs;
use std::path::Path;

use crate::error::Error;

use super::opened::Opened;
use super::print_all;

pub fn extract(exe: &Path, dest: &Path) -> Result<(), Error> {
    let opened = Opened::open(exe)?;
    if let Some(root) = opened.onedir_root() {
        return Err(Error::BadBundle {
            path: opened.exe,
            why: format!(
                "it is a onedir launcher; its files are already in {}",
                root.display()
            ),
        });
    }
    if fs::read_dir(dest).is_ok_and(|mut d| d.next().is_some()) {
        return Err(Error::Write {
            path: dest.to_path_buf(),
            source: std::io::Error::new(
                std::io::ErrorKind::AlreadyExists,
                "the folder is not empty; choose an empty or new DEST",
            ),
        });
    }
    fs::create_dir_all(dest).map_err(|source| Error::Write {
        path: dest.to_path_buf(),
        source,
    })?;
    opened
        .bundle
        .extract_all(dest, 0o755)
        .map_err(|e| Error::BadBundle {
            path: opened.exe.clone(),
            why: format!("it could not be extracted: {e}"),
        })?;
    print_all(&format!(
        "{} files written to {}\n",
        opened.bundle.manifest.files.len(),
        dest.display()
    ))
}
