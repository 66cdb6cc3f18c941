//! `--add-data SRC:DEST` and `--add-binary SRC:DEST` as given: parsed, the destination
//! normalised, the files the source names found. Placing them is the collect stage's
//! (`collect/app/data.rs`).

use std::path::{Path, PathBuf};

use crate::bundle::contents::DataFlag;
use crate::error::Error;

/// One `--add-data`/`--add-binary` argument, parsed, with the files its source names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataSpec {
    pub flag: DataFlag,
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
    pub fn parse(flag: DataFlag, spec: &str, base: &Path) -> Result<Self, Error> {
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
