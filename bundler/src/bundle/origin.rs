//! Where a file of a bundle came from ([`Origin`], PyInstaller's TOC typecodes) and which
//! option placed a user's file ([`DataFlag`]): words for messages and for `inspect --why`. A
//! leaf: it names nothing else of the crate, so errors and contents can both speak it.

use std::fmt;

/// Which of the two options placed a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataFlag {
    /// `--add-data`: files as they are.
    AddData,
    /// `--add-binary`: executable, their shared libraries collected too.
    AddBinary,
}

impl fmt::Display for DataFlag {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(match self {
            DataFlag::AddData => "--add-data",
            DataFlag::AddBinary => "--add-binary",
        })
    }
}

/// What put a file in the bundle (PyInstaller's TOC typecodes), for messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// The app's script or one of its modules, by its path in the app (`app.py`, `pkg/m.py`).
    App(String),
    /// A data file inside one of the app's packages (`pkg/templates`).
    PackageData(String),
    /// `--runtime-hook FILE`.
    Hook(String),
    /// A PyInstaller hook's `datas`, `binaries` or sources (`hook-faker.py of ...`).
    PyinstallerHook(String),
    /// `--add-data SPEC` or `--add-binary SPEC`, as written.
    Data { flag: DataFlag, spec: String },
    /// A file of a third-party distribution, by its path in site-packages.
    Distribution { name: String, file: String },
    /// `--copy-metadata`: a distribution's metadata.
    Metadata(String),
    /// The runtime: CPython's library, the standard library, lib-dynload, Tcl/Tk, the bootstrap.
    Runtime(&'static str),
    /// A shared library found for an ELF file of the bundle.
    Library { name: String, needed_by: String },
    /// The licence of a part that is in no distribution: a system package's copyright file.
    LicenceOf(String),
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            Origin::App(file) => f.write_str(file),
            Origin::PackageData(dir) => write!(f, "package data {dir}"),
            Origin::Hook(file) => write!(f, "--runtime-hook {file}"),
            Origin::PyinstallerHook(hook) => write!(f, "the PyInstaller hook {hook}"),
            Origin::Data { flag, spec } => write!(f, "{flag} {spec}"),
            Origin::Distribution { name, file } => write!(f, "{file} ({name})"),
            Origin::Metadata(name) => write!(f, "metadata of {name}"),
            Origin::Runtime(what) => f.write_str(what),
            Origin::Library { name, needed_by } => write!(f, "{name}, needed by {needed_by}"),
            Origin::LicenceOf(what) => write!(f, "the licence of {what}"),
        }
    }
}
