//! The launcher at the front of every pybundle executable. It reads the archive attached to its
//! own file, checks it, and runs the bundled app in two stages (see [`handoff`]):
//!
//! - outer stage, by mode: onedir finds the root beside the executable; onefile unpacks into
//!   a fresh private folder, runs the inner stage as a child, forwards signals, removes the
//!   folder and ends the way the app ended ([`onefile`]); onefile with `--runtime-cache`
//!   unpacks once into the user's cache and checks it at each launch ([`cache`]). A helper
//!   that `multiprocessing` starts joins its app's root instead ([`workers`]).
//! - inner stage: this executable again, which loads CPython from the root and runs the app
//!   in its own process ([`python`]).
//!
//! Errors are one line on stderr and a non-zero exit; nothing of the app runs from an archive
//! that failed its check.

mod cache;
mod command;
mod error;
mod handoff;
mod onefile;
mod python;
mod signals;
mod sweep;
mod unpack_dir;
mod workers;

use std::path::PathBuf;
use std::process::ExitCode;

use pybundle_archive::{Bundle, Mode};

use crate::command::Invocation;
use crate::error::LaunchError;
use crate::handoff::Handoff;

/// Exit status when the launcher itself fails (the app never ran).
const LAUNCH_FAILURE: u8 = 255;

fn main() -> ExitCode {
    let mut args = std::env::args_os();
    let argv0 = args.next().unwrap_or_default();
    let inv = Invocation {
        argv0,
        user_args: args.collect(),
    };
    let result = match handoff::take_inner() {
        Some((h, ld_state)) => python::run(&h, &inv.argv0, &inv.user_args, &ld_state),
        None => outer(&inv),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            eprintln!("{}: {err}", PathBuf::from(&inv.argv0).display());
            ExitCode::from(LAUNCH_FAILURE)
        }
    }
}

fn outer(inv: &Invocation) -> Result<u8, LaunchError> {
    let exe = std::env::current_exe().map_err(LaunchError::OwnPath)?;
    if let Some((tree, lock)) = workers::join(&exe, &inv.user_args) {
        return Err(command::exec_inner(&tree, inv, Some(lock)));
    }
    let bundle = Bundle::open(&exe).map_err(LaunchError::Archive)?;
    let manifest = &bundle.manifest;
    let handoff = |root| {
        Handoff::new(
            bundle.trailer.hash,
            inv.process_name(),
            &manifest.launch,
            root,
        )
    };
    match &manifest.mode {
        Mode::Onedir { contents_dir } => {
            let dir = exe
                .parent()
                .ok_or_else(|| LaunchError::NoFolder(contents_dir.into()))?;
            let root = if contents_dir == "." {
                dir.to_path_buf()
            } else {
                dir.join(contents_dir)
            };
            if !root.join(&manifest.launch.python).is_file() {
                return Err(LaunchError::NoFolder(root));
            }
            Err(command::exec_inner(&handoff(root), inv, None))
        }
        Mode::Onefile { .. } => {
            if cache::wanted(&bundle) {
                // A cache that cannot load programs (mounted noexec) falls back to a private
                // temporary unpack.
                if let Some(root) =
                    cache::prepare(&bundle).filter(|root| !unpack_dir::mounted_noexec(root))
                {
                    return Err(command::exec_inner(&handoff(root), inv, None));
                }
            }
            onefile::run(&bundle, inv)
        }
    }
}
