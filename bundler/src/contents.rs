//! What goes into a bundle: a map from path inside the root to where the bytes come from.
//! Every collector adds here. Two claims on one path with the same bytes are one entry (an
//! `--add-data` naming a package folder pybundle collects anyway, as PyInstaller users write);
//! two different files can never claim one path.

use std::collections::BTreeMap;
use std::fs;
use std::path::PathBuf;

use crate::error::Error;

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
    /// What put it here, for messages (e.g. `--add-data logo.png:.`).
    pub origin: String,
}

impl Item {
    pub fn file(path: PathBuf, mode: u32, origin: impl Into<String>) -> Self {
        Item {
            source: Source::File(path),
            mode,
            origin: origin.into(),
        }
    }

    pub fn bytes(data: Vec<u8>, mode: u32, origin: impl Into<String>) -> Self {
        Item {
            source: Source::Bytes(data),
            mode,
            origin: origin.into(),
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
    pub first: String,
    pub second: String,
}

#[derive(Debug, Default)]
pub struct Contents {
    items: BTreeMap<String, Item>,
    merged: Vec<Merged>,
}

impl Contents {
    /// Add `item` at `dest`. The same source twice, or another source with the same bytes,
    /// is one entry; two different files are an error that names both.
    pub fn add(&mut self, dest: String, item: Item) -> Result<(), Error> {
        if let Some(existing) = self.items.get(&dest) {
            if existing.source == item.source {
                return Ok(());
            }
            if same_bytes(existing, &item)? {
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
                first: existing.origin.clone(),
                second: item.origin,
            });
        }
        self.items.insert(dest, item);
        Ok(())
    }

    /// Paths claimed twice with the same bytes (for `-v`).
    pub fn merged(&self) -> &[Merged] {
        &self.merged
    }

    pub fn replace(&mut self, dest: &str, item: Item) {
        self.items.insert(dest.to_string(), item);
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
}

/// Do two items hold the same bytes? Sizes first, so different files are rarely read.
fn same_bytes(a: &Item, b: &Item) -> Result<bool, Error> {
    let size = |item: &Item| match &item.source {
        Source::Bytes(data) => Ok(data.len() as u64),
        Source::File(path) => fs::metadata(path)
            .map(|m| m.len())
            .map_err(|source| Error::Read {
                path: path.clone(),
                source,
            }),
    };
    if size(a)? != size(b)? {
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
        contents
            .add("t/x".into(), Item::file(a.clone(), 0o644, "package data"))
            .unwrap();
        contents
            .add("t/x".into(), Item::file(a, 0o644, "package data"))
            .unwrap();
        contents
            .add("t/x".into(), Item::file(b, 0o644, "--add-data t:t"))
            .unwrap();
        contents
            .add(
                "t/x".into(),
                Item::bytes(b"same".to_vec(), 0o644, "generated"),
            )
            .unwrap();
        assert_eq!(contents.len(), 1);
        assert_eq!(contents.merged().len(), 2);
        assert_eq!(contents.merged()[0].second, "--add-data t:t");
        let err = contents
            .add("t/x".into(), Item::file(c, 0o644, "--add-data other:t"))
            .unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("package data") && text.contains("--add-data other:t"),
            "{text}"
        );
    }
}
