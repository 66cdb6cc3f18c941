//! What goes into a bundle: a map from path inside the root to where the bytes come from.
//! Every collector adds here, and two different files can never claim one path.

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

#[derive(Debug, Default)]
pub struct Contents {
    items: BTreeMap<String, Item>,
}

impl Contents {
    /// Add `item` at `dest`. The same source twice is fine; two different ones are an error.
    pub fn add(&mut self, dest: String, item: Item) -> Result<(), Error> {
        if let Some(existing) = self.items.get(&dest) {
            if existing.source == item.source {
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
