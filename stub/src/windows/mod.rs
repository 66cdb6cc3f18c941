//! The launcher's primitives on Windows, for the one launch flow in [`crate::launch`]. There
//! is no `LD_LIBRARY_PATH` to set before a process starts: the
//! launcher loads CPython by its full path and names the root as a DLL folder, so a onedir app
//! (and a cached onefile) runs in the launcher's own process. A onefile app unpacks into a
//! private folder under `%TEMP%` and runs as a child in a job object that dies with the
//! launcher ([`onefile`]); a helper that `multiprocessing` starts joins its app's root
//! ([`workers`]). A windowed (GUI-subsystem) launcher has no console: its errors, and the app's
//! uncaught exception, are shown in a message box ([`gui`]).

mod cached_root;
mod gui;
mod job;
mod lock;
mod onefile;
mod python;
mod unpack_dir;
mod workers;

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use pybundle_archive::Bundle;

use self::lock::DirLock;
use crate::error::LaunchError;
use crate::handoff::Handoff;
use crate::launch::Invocation;

/// An exit status: Windows' are 32 bits wide.
pub type Status = u32;
/// A hold on a root in use: an open handle on its folder.
pub type Lock = DirLock;

/// The inner stage (a onefile app's child): CPython in this process.
pub fn run_inner(h: &Handoff, inv: &Invocation, _ld_state: &OsStr) -> Result<u32, LaunchError> {
    python::run(h, inv, None)
}

/// Start the app from `h.root`: CPython in this process, loaded by its full path with the
/// root as a DLL folder (nothing must be set before a process starts here).
pub fn enter(h: &Handoff, inv: &Invocation, lock: Option<Lock>) -> Result<u32, LaunchError> {
    python::run(h, inv, lock)
}

pub use workers::join as join_helper;

/// The cached onefile root.
pub fn cached(bundle: &Bundle) -> Option<(PathBuf, Lock)> {
    cached_root::prepare(bundle)
}

/// A onefile app: unpacked under `%TEMP%`, run as a child in a job that dies with us.
pub fn onefile(bundle: &Bundle, exe: &Path, _inv: &Invocation) -> Result<u32, LaunchError> {
    onefile::run(bundle, exe)
}

/// The process keeps the executable's own name on Windows: nothing to carry.
pub fn process_name(_inv: &Invocation) -> Vec<u8> {
    Vec::new()
}

/// End with the app's status exactly (32 bits), or tell the failure: on stderr, and in a
/// message box when there is no console.
pub fn exit(result: Result<u32, LaunchError>, inv: &Invocation) -> ExitCode {
    match result {
        Ok(code) => std::process::exit(code as i32),
        Err(err) => {
            let name = Path::new(&inv.argv0)
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            gui::report(
                &name,
                &format!("{}: {err}", PathBuf::from(&inv.argv0).display()),
            );
            ExitCode::from(crate::LAUNCH_FAILURE)
        }
    }
}

/// `s` as a NUL-terminated UTF-16 string, for Win32 calls.
pub fn wide(s: &std::ffi::OsStr) -> Vec<u16> {
    use std::os::windows::ffi::OsStrExt;
    s.encode_wide().chain(std::iter::once(0)).collect()
}
