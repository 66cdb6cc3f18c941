//! A finished bundle opened from what the user named: a onefile executable, a onedir
//! executable, or a onedir folder (whatever it was renamed to); what it is for, and its
//! build's record.

use std::fs;
use std::io::Read as _;
use std::path::{Path, PathBuf};

use pybundle_archive::{Bundle, Mode};

use super::about;
use crate::error::Error;
use crate::store::record::Record;

/// A bundle and the folder its files are in (onedir), opened from what the user named.
pub(crate) struct Opened {
    pub(crate) exe: PathBuf,
    pub(crate) bundle: Bundle,
}

impl Opened {
    pub(crate) fn open(path: &Path) -> Result<Self, Error> {
        let exe = executable_of(path)?;
        let bundle = Bundle::open(&exe).map_err(|e| Error::BadBundle {
            path: exe.clone(),
            why: e.to_string(),
        })?;
        Ok(Opened { exe, bundle })
    }

    /// What the bundle is for: its target, CPython and glibc floor.
    pub(crate) fn about(&self) -> Result<about::About, Error> {
        let read_err = |path: &Path| {
            let path = path.to_path_buf();
            move |source| Error::Read { path, source }
        };
        let mut launcher = Vec::new();
        fs::File::open(&self.exe)
            .and_then(|f| {
                f.take(self.bundle.trailer.archive_offset)
                    .read_to_end(&mut launcher)
            })
            .map_err(read_err(&self.exe))?;
        let mut about = about::About::of_launcher(&launcher);
        let m = &self.bundle.manifest;
        let root = self.onedir_root();
        for f in (m.files.iter()).filter(|f| about::may_be_native(&f.path, f.mode)) {
            let bytes = match &root {
                Some(root) => fs::read(root.join(&f.path)).ok(),
                None => self
                    .bundle
                    .read_file(&f.path)
                    .map_err(|e| Error::BadBundle {
                        path: self.exe.clone(),
                        why: e.to_string(),
                    })?,
            };
            if let Some(bytes) = bytes {
                about.add(&f.path, &bytes, &m.launch.python);
            }
        }
        Ok(about)
    }

    /// The bytes of the bundle's file `path` (relative to its root), `None` when it has none.
    pub(crate) fn read(&self, path: &str) -> Result<Option<Vec<u8>>, Error> {
        match self.onedir_root() {
            Some(root) => Ok(fs::read(root.join(path)).ok()),
            None => self.bundle.read_file(path).map_err(|e| Error::BadBundle {
                path: self.exe.clone(),
                why: e.to_string(),
            }),
        }
    }

    /// The build's record, from the module store; `None` for a bundle made before pybundle
    /// kept one.
    pub(crate) fn record(&self) -> Result<Option<Record>, Error> {
        let store = self.read(crate::bundle::layout::MODULE_STORE)?;
        let record = store.and_then(|s| crate::store::read_record(&s));
        Ok(record.and_then(|bytes| serde_json::from_slice(&bytes).ok()))
    }

    /// A onedir bundle's root: the folder beside the executable that holds its files.
    pub(crate) fn onedir_root(&self) -> Option<PathBuf> {
        let Mode::Onedir { contents_dir } = &self.bundle.manifest.mode else {
            return None;
        };
        let dir = self.exe.parent()?;
        Some(pybundle_archive::manifest::onedir_root(dir, contents_dir))
    }
}

/// A onefile executable, a onedir executable, a onedir folder or a macOS `.app` → the
/// executable to open. In a folder: `FOLDER/FOLDER` when that is a bundle, else the one file
/// in it that is; in `NAME.app`, the same in `Contents/MacOS` with `NAME`.
pub(crate) fn executable_of(path: &Path) -> Result<PathBuf, Error> {
    if !path.is_dir() {
        return Ok(path.to_path_buf());
    }
    let macos = path.join("Contents/MacOS");
    let (dir, name) = if macos.is_dir() {
        (macos, path.file_stem())
    } else {
        (path.to_path_buf(), path.file_name())
    };
    if let Some(name) = name {
        let same_name = dir.join(name);
        if pybundle_archive::trailer_of(&same_name).is_ok() {
            return Ok(same_name);
        }
    }
    let mut found: Vec<PathBuf> = fs::read_dir(&dir)
        .map_err(|source| Error::Read {
            path: dir.clone(),
            source,
        })?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file() && pybundle_archive::trailer_of(p).is_ok())
        .collect();
    found.sort();
    match found.len() {
        1 => Ok(found.remove(0)),
        0 => Err(Error::BadBundle {
            path: path.to_path_buf(),
            why: "it is a folder that holds no pybundle executable; pass the executable itself, or the folder pybundle wrote (dist/NAME)".into(),
        }),
        _ => Err(Error::BadBundle {
            path: path.to_path_buf(),
            why: format!(
                "it holds {} pybundle executables; pass the one you mean",
                found.len()
            ),
        }),
    }
}
