//! The launch, written once for every system: the inner stage when this process is one; else
//! the outer stage's decision. A helper that `multiprocessing` starts joins its app's root; a
//! onedir app finds its root beside the executable; a cached onefile app uses its entry in the
//! user's cache when that can run programs; any other onefile app unpacks into a fresh private
//! folder and is supervised until it ends.
//!
//! Each system supplies the same primitives (`sys`: [`crate::unix`] or [`crate::windows`]):
//! `Status` (how wide an exit status is), `Lock` (the hold on a root in use), `run_inner`,
//! `enter` (start the app from a root: a new process on Unix, where the loader's search path
//! is only read at start, CPython in this process on Windows), `join_helper`, `cached`,
//! `onefile`, `process_name` and `exit` (how a result ends the process, and how a failure is
//! told).

use std::ffi::OsString;
use std::process::ExitCode;

use pybundle_archive::{Bundle, Mode};

use crate::error::LaunchError;
use crate::handoff::{self, Handoff};
#[cfg(unix)]
use crate::unix as sys;
#[cfg(windows)]
use crate::windows as sys;

/// How the user started us: `argv[0]` as typed, and the arguments after it.
pub struct Invocation {
    pub argv0: OsString,
    pub user_args: Vec<OsString>,
}

impl Invocation {
    fn of_this_process() -> Invocation {
        let mut args = std::env::args_os();
        let argv0 = args.next().unwrap_or_default();
        Invocation {
            argv0,
            user_args: args.collect(),
        }
    }
}

pub fn main() -> ExitCode {
    let inv = Invocation::of_this_process();
    let result = match handoff::take_inner() {
        Some((h, ld_state)) => sys::run_inner(&h, &inv, &ld_state),
        None => outer(&inv),
    };
    sys::exit(result, &inv)
}

/// The outer stage: find or make the root, then start the app from it.
fn outer(inv: &Invocation) -> Result<sys::Status, LaunchError> {
    let exe = std::env::current_exe().map_err(LaunchError::OwnPath)?;
    if let Some((tree, lock)) = sys::join_helper(&exe, &inv.user_args) {
        return sys::enter(&tree, inv, Some(lock));
    }
    let bundle = Bundle::open(&exe).map_err(LaunchError::Archive)?;
    let manifest = &bundle.manifest;
    let handoff = |root| {
        Handoff::new(
            bundle.trailer.hash,
            sys::process_name(inv),
            &manifest.launch,
            root,
        )
    };
    match &manifest.mode {
        Mode::Onedir { contents_dir } => {
            let root = crate::root::onedir(&exe, contents_dir, &manifest.launch)?;
            sys::enter(&handoff(root), inv, None)
        }
        Mode::Onefile { .. } => {
            if crate::root::cache_wanted(&bundle) {
                if let Some((root, lock)) = sys::cached(&bundle) {
                    return sys::enter(&handoff(root), inv, Some(lock));
                }
            }
            sys::onefile(&bundle, &exe, inv)
        }
    }
}
