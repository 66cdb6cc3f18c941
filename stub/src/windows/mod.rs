//! The launcher on Windows. There is no `LD_LIBRARY_PATH` to set before a process starts: the
//! launcher loads CPython by its full path and names the root as a DLL folder, so a onedir app
//! (and a cached onefile) runs in the launcher's own process. A onefile app unpacks into a
//! private folder under `%TEMP%` and runs as a child in a job object that dies with the
//! launcher ([`onefile`]); a helper that `multiprocessing` starts joins its app's root
//! ([`workers`]). A windowed (GUI-subsystem) launcher has no console: its errors, and the app's
//! uncaught exception, are shown in a message box ([`gui`]).

mod cache;
mod gui;
mod job;
mod lock;
mod onefile;
mod python;
mod unpack_dir;
mod workers;

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use pybundle_archive::{Bundle, Mode};

use crate::error::LaunchError;
use crate::handoff::{self, Handoff};

/// How the user started us: `argv[0]` as typed, and the arguments after it.
pub struct Invocation {
    pub argv0: OsString,
    pub user_args: Vec<OsString>,
}

pub fn main() -> ExitCode {
    let mut args = std::env::args_os();
    let argv0 = args.next().unwrap_or_default();
    let inv = Invocation {
        argv0,
        user_args: args.collect(),
    };
    let result = match handoff::take_inner() {
        Some((h, _)) => python::run(&h, &inv, None),
        None => outer(&inv),
    };
    match result {
        // Windows exit codes are 32 bits wide: end with the app's exactly.
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

fn outer(inv: &Invocation) -> Result<u32, LaunchError> {
    let exe = std::env::current_exe().map_err(LaunchError::OwnPath)?;
    if let Some((tree, lock)) = workers::join(&exe, &inv.user_args) {
        return python::run(&tree, inv, Some(lock));
    }
    let bundle = Bundle::open(&exe).map_err(LaunchError::Archive)?;
    let manifest = &bundle.manifest;
    let handoff = |root| Handoff::new(bundle.trailer.hash, Vec::new(), &manifest.launch, root);
    match &manifest.mode {
        Mode::Onedir { contents_dir } => {
            let root = crate::root::onedir(&exe, contents_dir, &manifest.launch)?;
            python::run(&handoff(root), inv, None)
        }
        Mode::Onefile { .. } => {
            if crate::root::cache_wanted(&bundle) {
                if let Some((root, lock)) = cache::prepare(&bundle) {
                    return python::run(&handoff(root), inv, Some(lock));
                }
            }
            onefile::run(&bundle, &exe)
        }
    }
}

/// `s` as a NUL-terminated UTF-16 string, for Win32 calls.
pub fn wide(s: &std::ffi::OsStr) -> Vec<u16> {
    use std::os::windows::ffi::OsStrExt;
    s.encode_wide().chain(std::iter::once(0)).collect()
}
