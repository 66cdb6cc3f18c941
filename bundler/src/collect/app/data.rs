//! `--add-data SRC:DEST` and `--add-binary SRC:DEST`: files, folders and globs placed at DEST
//! inside the bundle root. Binaries are made executable; like every ELF file in the bundle,
//! their own shared-library dependencies are collected by [`crate::native::elf::closure`].

use crate::bundle::target::Os;
use std::fs;
use std::path::{Path, PathBuf};

use crate::bundle::contents::{join, Contents, DataFlag, Guard, Item, Origin};
use crate::bundle::layout;
use crate::error::Error;
use crate::settings::data::DataSpec;

/// Add every `--add-data` source, refusing a folder that holds the build's own output.
pub fn add_all(
    specs: &[DataSpec],
    outputs: &[PathBuf],
    os: Os,
    contents: &mut Contents,
) -> Result<usize, Error> {
    let before = contents.len();
    for spec in specs {
        let origin = Origin::Data {
            flag: spec.flag,
            spec: spec.spec.clone(),
        };
        for source in spec.sources.iter().cloned() {
            if source.is_dir() {
                let real = source.canonicalize().map_err(|e| Error::Read {
                    path: source.clone(),
                    source: e,
                })?;
                if let Some(output) = outputs.iter().find(|o| o.starts_with(&real)) {
                    return Err(Error::OutputInsideInput {
                        output: output.clone(),
                        input: source,
                    });
                }
                let guard = UserFolder {
                    flag: spec.flag,
                    root: &real,
                    os,
                };
                contents.add_tree(&source, &spec.dest, &origin, Some(&guard))?;
            } else {
                check_regular(spec.flag, &source)?;
                let name = source
                    .file_name()
                    .and_then(|n| n.to_str())
                    .ok_or_else(|| Error::BadPath(source.clone()))?;
                let dest = join(&spec.dest, name);
                check_reserved(&source, &dest, os)?;
                let mut item = Item::from_file(&source, origin.clone())?;
                if spec.flag == DataFlag::AddBinary {
                    item.mode = 0o755;
                }
                contents.add(dest, item)?;
            }
        }
    }
    Ok(contents.len() - before)
}

/// A folder the user named: links in it must stay inside it, its files must be regular, and
/// none may take a place the runtime reserves.
struct UserFolder<'a> {
    flag: DataFlag,
    /// Its real path.
    root: &'a Path,
    os: Os,
}

impl Guard for UserFolder<'_> {
    fn check(&self, path: &Path, dest: &str) -> Result<(), Error> {
        check_link_inside(path, self.root, self.flag)?;
        if !path.is_dir() {
            check_regular(self.flag, path)?;
            check_reserved(path, dest, self.os)?;
        }
        Ok(())
    }
}

/// A link inside a folder given to `--add-data` must point inside that folder: its target is
/// copied into the bundle, and a link out (to `/etc`, a home folder) would carry files the
/// user never named. A link given on the command line itself is followed, as named.
fn check_link_inside(path: &Path, root: &Path, flag: DataFlag) -> Result<(), Error> {
    let is_link = fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
    if !is_link {
        return Ok(());
    }
    match path.canonicalize() {
        Ok(target) if target.starts_with(root) => Ok(()),
        Ok(target) => Err(Error::DataLinkOutside {
            flag,
            path: path.to_path_buf(),
            target,
        }),
        // A dangling link: reported as such by `check_regular`.
        Err(_) => Ok(()),
    }
}

/// Data must be regular files (a link is followed to one). A FIFO would hang the build,
/// a device or socket has no content to copy, and a dangling link has nothing behind it.
fn check_regular(flag: DataFlag, path: &Path) -> Result<(), Error> {
    use std::os::unix::fs::FileTypeExt;
    let kind = match fs::metadata(path) {
        Ok(meta) if meta.is_file() => return Ok(()),
        Ok(meta) if meta.file_type().is_fifo() => "a named pipe",
        Ok(meta) if meta.file_type().is_socket() => "a socket",
        Ok(meta) if meta.file_type().is_block_device() || meta.file_type().is_char_device() => {
            "a device"
        }
        Ok(_) => "a special file",
        Err(_) => "a link to nothing",
    };
    Err(Error::DataNotRegular {
        flag,
        path: path.to_path_buf(),
        kind,
    })
}

fn check_reserved(path: &Path, dest: &str, os: Os) -> Result<(), Error> {
    if layout::is_reserved(dest, os) {
        return Err(Error::Reserved {
            path: path.to_path_buf(),
            dest: dest.to_string(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_both_separators_and_normalises_dest() {
        let here = Path::new("");
        let d = DataSpec::parse(DataFlag::AddData, "config.json:.", here).unwrap();
        assert_eq!(
            (d.source.as_path(), d.dest.as_str()),
            (Path::new("config.json"), "")
        );
        let d = DataSpec::parse(DataFlag::AddData, "assets;./img/", Path::new("/p")).unwrap();
        assert_eq!(
            (d.source.as_path(), d.dest.as_str()),
            (Path::new("/p/assets"), "img")
        );
        let d = DataSpec::parse(DataFlag::AddData, "/abs/x:.", Path::new("/p")).unwrap();
        assert_eq!(d.source, Path::new("/abs/x"));
    }

    #[test]
    fn refuses_missing_or_escaping_dest() {
        let here = Path::new("");
        assert!(matches!(
            DataSpec::parse(DataFlag::AddData, "config.json", here),
            Err(Error::DataNoDest { .. })
        ));
        assert!(matches!(
            DataSpec::parse(DataFlag::AddData, "config.json:", here),
            Err(Error::DataNoDest { .. })
        ));
        // The source is what is missing here, and the message says so.
        assert!(matches!(
            DataSpec::parse(DataFlag::AddData, ":.", here),
            Err(Error::DataNoSource { .. })
        ));
        assert!(matches!(
            DataSpec::parse(DataFlag::AddData, "a:../up", here),
            Err(Error::DataBadDest { .. })
        ));
        assert!(matches!(
            DataSpec::parse(DataFlag::AddData, "a:/abs", here),
            Err(Error::DataBadDest { .. })
        ));
    }
}
