//! Why a launch failed, worded for the person who ran the executable.

use std::io;
use std::path::PathBuf;

use pybundle_archive::reader::ExtractError;
use pybundle_archive::FormatError;

#[derive(Debug, thiserror::Error)]
pub enum LaunchError {
    #[error("cannot find this executable's own file: {0}")]
    OwnPath(io::Error),
    #[error("cannot start because {0}; rebuild it or download it again")]
    Archive(FormatError),
    #[error("cannot find the {0} folder that must stay beside this executable")]
    NoFolder(PathBuf),
    #[error("cannot run {path}: {source}")]
    Exec { path: PathBuf, source: io::Error },
    #[error("cannot load the bundled Python {path}: {why} (keep the folder beside the executable complete, or rebuild it)")]
    LoadPython { path: PathBuf, why: String },
    #[error("the bundled Python {path} could not start: {why} (rebuild the app; if it persists, report it)")]
    #[cfg(unix)]
    StartPython { path: PathBuf, why: String },
    #[error("an argument holds a NUL byte, which cannot be passed on")]
    BadArgument,
    #[error("cannot run the app unpacked in {dir}: its file system is mounted noexec; choose another folder with PYBUNDLE_RUNTIME_TMPDIR or TMPDIR, or rebuild with --runtime-tmpdir")]
    #[cfg(unix)]
    NoExec { dir: PathBuf },
    #[error("cannot create a folder to unpack into under {base}: {source}; choose another with PYBUNDLE_RUNTIME_TMPDIR or TMPDIR, or rebuild with --runtime-tmpdir")]
    UnpackDir { base: PathBuf, source: io::Error },
    #[error("cannot unpack the app: {0}; free some space or choose another folder with PYBUNDLE_RUNTIME_TMPDIR or TMPDIR (or rebuild with --runtime-tmpdir)")]
    Unpack(ExtractError),
    #[error("cannot wait for the app: {0}")]
    Wait(io::Error),
}
