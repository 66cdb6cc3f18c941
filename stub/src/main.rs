//! The launcher at the front of every pybundle executable. It reads the archive attached to its
//! own file, checks it, and runs the bundled app with the bundled interpreter:
//!
//! - onefile: unpack into a fresh private folder, run the app as a child, forward signals,
//!   remove the folder, and end the way the app ended ([`onefile`]);
//! - onefile with `--runtime-cache`: unpack once into the user's cache, check it at each
//!   launch, and replace itself with the interpreter running from there ([`cache`]);
//! - onedir: replace itself with the interpreter, using the `_internal` folder beside it.
//!
//! Errors are one line on stderr and a non-zero exit; nothing of the app runs from an archive
//! that failed its check.

mod cache;
mod command;
mod error;
mod onefile;
mod signals;
mod sweep;
mod unpack_dir;

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;

use pybundle_archive::{Bundle, Mode};

use crate::error::LaunchError;

/// Exit status when the launcher itself fails (the app never ran).
const LAUNCH_FAILURE: u8 = 255;

fn main() -> ExitCode {
    let mut args = std::env::args_os();
    let argv0 = args.next().unwrap_or_default();
    let user_args: Vec<OsString> = args.collect();
    match run(&argv0, user_args) {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            eprintln!("{}: {err}", PathBuf::from(&argv0).display());
            ExitCode::from(LAUNCH_FAILURE)
        }
    }
}

fn run(argv0: &OsString, user_args: Vec<OsString>) -> Result<u8, LaunchError> {
    let exe = std::env::current_exe().map_err(LaunchError::OwnPath)?;
    let bundle = Bundle::open(&exe).map_err(LaunchError::Archive)?;
    let invocation = command::Invocation {
        exe,
        argv0: argv0.clone(),
        user_args,
    };
    match bundle.manifest.mode {
        Mode::Onedir => {
            let root = invocation
                .exe
                .parent()
                .map(|dir| dir.join("_internal"))
                .ok_or(LaunchError::NoFolder)?;
            Err(command::exec(&bundle.manifest.launch, &root, &invocation))
        }
        Mode::Onefile => {
            if cache::wanted(&bundle) {
                if let Some(root) = cache::prepare(&bundle) {
                    // Nothing to clean up afterwards: become the app, as onedir does. If the
                    // cache cannot run programs (mounted noexec), a temporary unpack may.
                    let _ = command::exec(&bundle.manifest.launch, &root, &invocation);
                }
            }
            onefile::run(&bundle, &invocation)
        }
    }
}
