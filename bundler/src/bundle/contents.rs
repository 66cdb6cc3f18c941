//! What goes into a bundle: a map from path inside the root to where the bytes come from.
//! Every collector adds here. Two claims on one path with the same bytes are one entry (an
//! `--add-data` naming a package folder pybundle collects anyway, as PyInstaller users write);
//! two different files can never claim one path.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

pub use super::origin::{DataFlag, Origin};
use crate::error::Error;

/// Checks a folder being added makes of each entry (see [`Contents::add_tree`]).
pub trait Guard {
    /// `path` is about to go at `dest`; refuse it with an error, or let it in.
    fn check(&self, path: &Path, dest: &str) -> Result<(), Error>;
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    File(PathBuf),
    Bytes(Vec<u8>),
}

#[derive(Debug, Clone)]
pub struct Item {
    pub source: Source,
    /// Unix permission bits.
    pub mode: u32,
    /// What put it here, for messages.
    pub origin: Origin,
}

impl Item {
    pub fn file(path: PathBuf, mode: u32, origin: Origin) -> Self {
        Item {
            source: Source::File(path),
            mode,
            origin,
        }
    }

    pub fn bytes(data: Vec<u8>, mode: u32, origin: Origin) -> Self {
        Item {
            source: Source::Bytes(data),
            mode,
            origin,
        }
    }

    /// A file as it is on disk: executable (0755) if it is, else 0644. Paths pybundle cannot
    /// store (not UTF-8, a tab or a newline) are refused.
    pub fn from_file(path: &Path, origin: Origin) -> Result<Item, Error> {
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

    /// Its size in bytes.
    pub fn size(&self) -> Result<u64, Error> {
        match &self.source {
            Source::Bytes(data) => Ok(data.len() as u64),
            Source::File(path) => {
                fs::metadata(path)
                    .map(|m| m.len())
                    .map_err(|source| Error::Read {
                        path: path.clone(),
                        source,
                    })
            }
        }
    }

    pub fn read(&self) -> Result<Vec<u8>, Error> {
        match &self.source {
            Source::Bytes(data) => Ok(data.clone()),
            Source::File(path) => fs::read(path).map_err(|source| Error::Read {
                path: path.clone(),
                source,
            }),
        }
    }
}

/// A path claimed twice with the same bytes, bundled once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Merged {
    pub dest: String,
    /// What put it there first, and what claimed it again.
    pub first: Origin,
    pub second: Origin,
}

#[derive(Debug, Default)]
pub struct Contents {
    items: BTreeMap<String, Item>,
    merged: Vec<Merged>,
    /// Files that go in only when something loads them (a distribution's shared libraries,
    /// taken by the native closure): by their real path, where each would go.
    offered: BTreeMap<PathBuf, (String, Item)>,
    /// Files that go only if what they load can be had (a package's plugins, which it loads
    /// by path and does without).
    optional: BTreeSet<String>,
}

impl Contents {
    /// Add `item` at `dest`. The same source twice, or another source with the same bytes,
    /// is one entry; two different files are an error that names both.
    pub fn add(&mut self, dest: String, item: Item) -> Result<(), Error> {
        if let Some(existing) = self.items.get(&dest) {
            if existing.source == item.source || same_bytes(existing, &item)? {
                if existing.origin != item.origin {
                    self.merged.push(Merged {
                        dest,
                        first: existing.origin.clone(),
                        second: item.origin,
                    });
                }
                return Ok(());
            }
            return Err(Error::Collision {
                dest,
                first: existing.origin.to_string(),
                second: item.origin.to_string(),
            });
        }
        self.items.insert(dest, item);
        Ok(())
    }

    /// Offer the file `item` for `dest`: it goes in only if [`Contents::take_offered`] asks
    /// for it.
    pub fn offer(&mut self, dest: String, item: Item) {
        if let Source::File(path) = &item.source {
            let real = path.canonicalize().unwrap_or_else(|_| path.clone());
            self.offered.insert(real, (dest, item));
        }
    }

    /// The files on offer, as (where each would go, its real path).
    pub fn offered(&self) -> impl Iterator<Item = (&str, &Path)> {
        (self.offered.iter()).map(|(real, (dest, _))| (dest.as_str(), real.as_path()))
    }

    /// Put the offered file whose real path is `real` in the bundle; where it went, `None`
    /// when no such file was offered.
    pub fn take_offered(&mut self, real: &Path) -> Result<Option<String>, Error> {
        let Some((dest, item)) = self.offered.remove(real) else {
            return Ok(None);
        };
        self.add(dest.clone(), item)?;
        Ok(Some(dest))
    }

    /// Add `item` at `dest`, to be dropped again if a library it needs cannot be found.
    pub fn add_optional(&mut self, dest: String, item: Item) -> Result<(), Error> {
        self.optional.insert(dest.clone());
        self.add(dest, item)
    }

    pub fn is_optional(&self, dest: &str) -> bool {
        self.optional.contains(dest)
    }

    /// Take `dest` out of the bundle again.
    pub fn remove(&mut self, dest: &str) {
        self.items.remove(dest);
        self.optional.remove(dest);
    }

    /// How many offered files nothing took.
    pub fn offered_left(&self) -> usize {
        self.offered.len()
    }

    /// Paths claimed twice with the same bytes (for `-v`).
    pub fn merged(&self) -> &[Merged] {
        &self.merged
    }

    /// Give the file at `dest` new bytes (stripped, re-pointed), keeping where it came from;
    /// it becomes executable.
    pub fn replace_bytes(&mut self, dest: &str, bytes: Vec<u8>) {
        if let Some(item) = self.items.get_mut(dest) {
            item.source = Source::Bytes(bytes);
            item.mode = 0o755;
        }
    }

    pub fn get(&self, dest: &str) -> Option<&Item> {
        self.items.get(dest)
    }

    pub fn contains(&self, dest: &str) -> bool {
        self.items.contains_key(dest)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&String, &Item)> {
        self.items.iter()
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Every file under `dir`, placed under `dest` with `origin`, in name order. With a
    /// `guard` (a folder the user named), each entry is checked first; without one (pybundle's
    /// own placements), what is not a regular file is skipped.
    pub fn add_tree(
        &mut self,
        dir: &Path,
        dest: &str,
        origin: &Origin,
        guard: Option<&dyn Guard>,
    ) -> Result<(), Error> {
        self.add_tree_at_depth(dir, dest, origin, guard, 0)
    }

    fn add_tree_at_depth(
        &mut self,
        dir: &Path,
        dest: &str,
        origin: &Origin,
        guard: Option<&dyn Guard>,
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
            let child = join(dest, &name);
            if let Some(guard) = guard {
                guard.check(&path, &child)?;
            }
            if path.is_dir() {
                self.add_tree_at_depth(&path, &child, origin, guard, depth + 1)?;
            } else if path.is_file() {
                let item = Item::from_file(&path, origin.clone())?;
                self.add(child, item)?;
            }
        }
        Ok(())
    }
}

/// `dest/name`, or `name` at the root.
pub fn join(dest: &str, name: &str) -> String {
    if dest.is_empty() {
        name.to_string()
    } else {
        format!("{dest}/{name}")
    }
}

/// Do two items hold the same bytes? Sizes first, so different files are rarely read.
fn same_bytes(a: &Item, b: &Item) -> Result<bool, Error> {
    if a.size()? != b.size()? {
        return Ok(false);
    }
    Ok(a.read()? == b.read()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_bytes_twice_are_one_entry_and_different_ones_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b, c) = (
            dir.path().join("a"),
            dir.path().join("b"),
            dir.path().join("c"),
        );
        fs::write(&a, "same").unwrap();
        fs::write(&b, "same").unwrap();
        fs::write(&c, "diff").unwrap();
        let mut contents = Contents::default();
        let data = |spec: &str| Origin::Data {
            flag: DataFlag::AddData,
            spec: spec.into(),
        };
        let package = Origin::PackageData("t".into());
        contents
            .add("t/x".into(), Item::file(a.clone(), 0o644, package.clone()))
            .unwrap();
        contents
            .add("t/x".into(), Item::file(a, 0o644, package))
            .unwrap();
        contents
            .add("t/x".into(), Item::file(b, 0o644, data("t:t")))
            .unwrap();
        let generated = Item::bytes(b"same".to_vec(), 0o644, Origin::Runtime("generated"));
        contents.add("t/x".into(), generated).unwrap();
        assert_eq!(contents.len(), 1);
        assert_eq!(contents.merged().len(), 2);
        assert_eq!(contents.merged()[0].second.to_string(), "--add-data t:t");
        let err = contents
            .add("t/x".into(), Item::file(c, 0o644, data("other:t")))
            .unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("package data") && text.contains("--add-data other:t"),
            "{text}"
        );
    }
}
