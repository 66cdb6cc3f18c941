//! `--add-data SRC:DEST` and `--add-binary SRC:DEST`: files, folders and globs placed at DEST
//! inside the bundle root. Binaries are made executable; like every ELF file in the bundle,
//! their own shared-library dependencies are collected by [`crate::elf::collect`].

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use crate::contents::{Contents, Item};
use crate::error::Error;
use crate::layout;

pub const ADD_DATA: &str = "--add-data";
pub const ADD_BINARY: &str = "--add-binary";

/// One `--add-data`/`--add-binary` argument, parsed, with the files its source names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataSpec {
    /// `--add-data` or `--add-binary`.
    pub flag: &'static str,
    /// As the user wrote it, for messages.
    pub spec: String,
    /// The source, relative ones taken from the folder they were given in.
    pub source: PathBuf,
    /// Normalised: `""` for the root, else `a/b`.
    pub dest: String,
    /// What the source names (a glob may name many), found by [`DataSpec::expand`].
    pub sources: Vec<PathBuf>,
}

impl DataSpec {
    /// Split `SRC:DEST` (or `SRC;DEST`) at the last separator; a relative SRC is taken from
    /// `base` (the folder of the pyproject.toml it came from; empty: the current folder).
    pub fn parse(flag: &'static str, spec: &str, base: &Path) -> Result<Self, Error> {
        let at = spec.rfind([':', ';']).ok_or_else(|| Error::DataNoDest {
            flag,
            spec: spec.to_string(),
        })?;
        let (source, dest) = (&spec[..at], &spec[at + 1..]);
        if source.is_empty() {
            return Err(Error::DataNoSource {
                flag,
                spec: spec.to_string(),
            });
        }
        if dest.is_empty() {
            return Err(Error::DataNoDest {
                flag,
                spec: spec.to_string(),
            });
        }
        let normalised = normalise_dest(dest).ok_or_else(|| Error::DataBadDest {
            flag,
            dest: dest.to_string(),
        })?;
        Ok(DataSpec {
            flag,
            spec: spec.to_string(),
            source: base.join(source),
            dest: normalised,
            sources: Vec::new(),
        })
    }

    /// Find the files and folders the source names (a glob may name many), once.
    pub fn expand(&mut self) -> Result<(), Error> {
        let missing = || Error::DataMissing {
            flag: self.flag,
            spec: self.source.to_string_lossy().into_owned(),
        };
        let text = self.source.to_string_lossy();
        if text.contains(['*', '?', '[']) {
            let mut found: Vec<PathBuf> = glob::glob(&text)
                .map_err(|_| missing())?
                .flatten()
                .collect();
            found.sort();
            if found.is_empty() {
                return Err(missing());
            }
            self.sources = found;
        } else {
            if !self.source.exists() {
                return Err(missing());
            }
            self.sources = vec![self.source.clone()];
        }
        Ok(())
    }
}

/// `.` → ``; `./a/b/` → `a/b`; `None` for anything that would leave the root.
fn normalise_dest(dest: &str) -> Option<String> {
    let parts: Vec<&str> = dest
        .split('/')
        .filter(|p| !p.is_empty() && *p != ".")
        .collect();
    if dest.starts_with('/') || parts.iter().any(|p| *p == ".." || p.contains(['\\', '\0'])) {
        return None;
    }
    Some(parts.join("/"))
}

fn join(dest: &str, name: &str) -> String {
    if dest.is_empty() {
        name.to_string()
    } else {
        format!("{dest}/{name}")
    }
}

/// Add every `--add-data` source, refusing a folder that holds the build's own output.
pub fn add_all(
    specs: &[DataSpec],
    outputs: &[PathBuf],
    contents: &mut Contents,
) -> Result<usize, Error> {
    let before = contents.len();
    for spec in specs {
        for source in spec.sources.iter().cloned() {
            let origin = format!("{} {}", spec.flag, spec.spec);
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
                let tree = Tree {
                    dest: &spec.dest,
                    origin: &origin,
                    user_root: Some(&real),
                };
                add_tree_at_depth(&source, &tree, contents, 0)?;
            } else {
                check_regular(spec.flag, &source)?;
                let name = source
                    .file_name()
                    .and_then(|n| n.to_str())
                    .ok_or_else(|| Error::BadPath(source.clone()))?;
                let dest = join(&spec.dest, name);
                check_reserved(&source, &dest)?;
                let mut item = item_for(&source, dest.clone())?;
                item.origin = origin.clone();
                if spec.flag == ADD_BINARY {
                    item.mode = 0o755;
                }
                contents.add(dest, item)?;
            }
        }
    }
    Ok(contents.len() - before)
}

/// Every file under `dir`, placed under `dest` (pybundle's own placements: the runtime's
/// folders are allowed).
pub fn add_tree(
    dir: &Path,
    dest: &str,
    origin: &str,
    contents: &mut Contents,
) -> Result<(), Error> {
    let tree = Tree {
        dest,
        origin,
        user_root: None,
    };
    add_tree_at_depth(dir, &tree, contents, 0)
}

/// One folder being added.
struct Tree<'a> {
    /// Where its contents go in the bundle.
    dest: &'a str,
    origin: &'a str,
    /// For a folder from the command line, its real path: links in it must stay inside it,
    /// and it may not touch the runtime's folders. `None` for pybundle's own placements.
    user_root: Option<&'a Path>,
}

fn add_tree_at_depth(
    dir: &Path,
    tree: &Tree,
    contents: &mut Contents,
    depth: usize,
) -> Result<(), Error> {
    if depth > 64 {
        return Err(Error::BadPath(dir.to_path_buf()));
    }
    let read_err = |source| Error::Read {
        path: dir.to_path_buf(),
        source,
    };
    let mut entries: Vec<_> = fs::read_dir(dir)
        .map_err(read_err)?
        .collect::<Result<_, _>>()
        .map_err(read_err)?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let path = entry.path();
        let name = entry
            .file_name()
            .into_string()
            .map_err(|_| Error::BadPath(path.clone()))?;
        let child = join(tree.dest, &name);
        if let Some(root) = tree.user_root {
            check_link_inside(&path, root, tree.origin)?;
        }
        let sub = Tree {
            dest: &child,
            ..*tree
        };
        if path.is_dir() {
            add_tree_at_depth(&path, &sub, contents, depth + 1)?;
        } else {
            if tree.user_root.is_some() {
                check_regular(flag_of(tree.origin), &path)?;
                check_reserved(&path, &child)?;
            } else if !path.is_file() {
                continue;
            }
            let mut item = item_for(&path, child.clone())?;
            item.origin = tree.origin.to_string();
            contents.add(child, item)?;
        }
    }
    Ok(())
}

/// A link inside a folder given to `--add-data` must point inside that folder: its target is
/// copied into the bundle, and a link out (to `/etc`, a home folder) would carry files the
/// user never named. A link given on the command line itself is followed, as named.
fn check_link_inside(path: &Path, root: &Path, origin: &str) -> Result<(), Error> {
    let is_link = fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
    if !is_link {
        return Ok(());
    }
    match path.canonicalize() {
        Ok(target) if target.starts_with(root) => Ok(()),
        Ok(target) => Err(Error::DataLinkOutside {
            flag: flag_of(origin),
            path: path.to_path_buf(),
            target,
        }),
        // A dangling link: reported as such by `check_regular`.
        Err(_) => Ok(()),
    }
}

/// Data must be regular files (a link is followed to one). A FIFO would hang the build,
/// a device or socket has no content to copy, and a dangling link has nothing behind it.
fn check_regular(flag: &'static str, path: &Path) -> Result<(), Error> {
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

/// `--add-data` or `--add-binary`, from an item's origin text.
fn flag_of(origin: &str) -> &'static str {
    if origin.starts_with(ADD_BINARY) {
        ADD_BINARY
    } else {
        ADD_DATA
    }
}

fn check_reserved(path: &Path, dest: &str) -> Result<(), Error> {
    if layout::is_reserved(dest) {
        return Err(Error::Reserved {
            path: path.to_path_buf(),
            dest: dest.to_string(),
        });
    }
    Ok(())
}

/// A data file keeps its executable bit; everything else is 0644.
pub fn item_for(path: &Path, origin: String) -> Result<Item, Error> {
    let meta = fs::metadata(path).map_err(|source| Error::Read {
        path: path.to_path_buf(),
        source,
    })?;
    if path.to_str().is_none_or(|p| p.contains(['\t', '\n'])) {
        return Err(Error::BadPath(path.to_path_buf()));
    }
    let mode = if meta.permissions().mode() & 0o111 != 0 {
        0o755
    } else {
        0o644
    };
    Ok(Item::file(path.to_path_buf(), mode, origin))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_both_separators_and_normalises_dest() {
        let here = Path::new("");
        let d = DataSpec::parse(ADD_DATA, "config.json:.", here).unwrap();
        assert_eq!(
            (d.source.as_path(), d.dest.as_str()),
            (Path::new("config.json"), "")
        );
        let d = DataSpec::parse(ADD_DATA, "assets;./img/", Path::new("/p")).unwrap();
        assert_eq!(
            (d.source.as_path(), d.dest.as_str()),
            (Path::new("/p/assets"), "img")
        );
        let d = DataSpec::parse(ADD_DATA, "/abs/x:.", Path::new("/p")).unwrap();
        assert_eq!(d.source, Path::new("/abs/x"));
    }

    #[test]
    fn refuses_missing_or_escaping_dest() {
        let here = Path::new("");
        assert!(matches!(
            DataSpec::parse(ADD_DATA, "config.json", here),
            Err(Error::DataNoDest { .. })
        ));
        assert!(matches!(
            DataSpec::parse(ADD_DATA, "config.json:", here),
            Err(Error::DataNoDest { .. })
        ));
        // The source is what is missing here, and the message says so.
        assert!(matches!(
            DataSpec::parse(ADD_DATA, ":.", here),
            Err(Error::DataNoSource { .. })
        ));
        assert!(matches!(
            DataSpec::parse(ADD_DATA, "a:../up", here),
            Err(Error::DataBadDest { .. })
        ));
        assert!(matches!(
            DataSpec::parse(ADD_DATA, "a:/abs", here),
            Err(Error::DataBadDest { .. })
        ));
    }
}
