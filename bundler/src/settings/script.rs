//! The script a bundle is built from: the user's file, or the wrapper pybundle writes for a
//! console script, with the names the build derives from it.

use std::fs;
use std::path::{Path, PathBuf};

use crate::bundle::layout;
use crate::error::Error;

/// The script a bundle is built from.
#[derive(Debug, Clone)]
pub struct Script {
    pub path: PathBuf,
    pub dir: PathBuf,
    /// `app.py`: what `__file__` ends with at run time.
    pub file_name: String,
    /// `app`: the default output name and the compiled script's stem.
    pub stem: String,
    pub kind: ScriptKind,
}

/// Where a main script came from, which decides where its imports are looked for first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScriptKind {
    /// The user's file: its folder is searched first, as `python app.py` searches it.
    File,
    /// The wrapper pip writes for a console script, made by pybundle: its folder holds nothing
    /// of the app (pip's lives in `bin/`), so a script named like its package finds the
    /// package, not itself.
    ConsoleScript,
}

impl Script {
    /// The user's script file at `path`.
    pub fn locate(path: &Path) -> Result<Self, Error> {
        Self::of_kind(path, ScriptKind::File)
    }

    /// A console script's wrapper that pybundle wrote at `path`.
    pub fn console_script(path: &Path) -> Result<Self, Error> {
        Self::of_kind(path, ScriptKind::ConsoleScript)
    }

    /// The folder searched first for the app's modules, as `sys.path[0]` is for the script.
    pub fn searched_folder(&self) -> Option<&Path> {
        match self.kind {
            ScriptKind::File => Some(&self.dir),
            ScriptKind::ConsoleScript => None,
        }
    }

    fn of_kind(path: &Path, kind: ScriptKind) -> Result<Self, Error> {
        let meta = fs::metadata(path).map_err(|_| Error::ScriptMissing(path.to_path_buf()))?;
        if !meta.is_file() {
            return Err(Error::ScriptNotFile(path.to_path_buf()));
        }
        let path = path
            .canonicalize()
            .map_err(|_| Error::ScriptMissing(path.to_path_buf()))?;
        let bad = || Error::BadPath(path.clone());
        let file_name = path
            .file_name()
            .and_then(|n| n.to_str())
            .ok_or_else(bad)?
            .to_string();
        let stem = file_name
            .strip_suffix(".py")
            .or_else(|| file_name.strip_suffix(".pyw"))
            .unwrap_or(&file_name)
            .to_string();
        let dir = path.parent().ok_or_else(bad)?.to_path_buf();
        Ok(Script {
            path,
            dir,
            file_name,
            stem,
            kind,
        })
    }

    /// Where the compiled script sits in the bundle.
    pub fn compiled_dest(&self) -> String {
        format!("{}/{}.pyc", layout::MAIN_DIR, self.stem)
    }
}
