//! The launcher on Linux (and other Unix systems): the outer stage finds or makes the root and
//! runs this executable again as the inner stage, which loads CPython in its own process.
//! `LD_LIBRARY_PATH` only takes effect when a process starts, so the inner stage is always a
//! new process here (by `exec` where nothing must happen afterwards).

mod cache;
mod command;
mod init_config;
mod onefile;
pub mod python;
mod signals;
mod sweep;
mod unpack_dir;
pub mod workers;

use std::path::PathBuf;
use std::process::ExitCode;

use pybundle_archive::{Bundle, Mode};

use self::command::Invocation;
use crate::error::LaunchError;
use crate::handoff::{self, Handoff};

pub fn main() -> ExitCode {
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
            ExitCode::from(crate::LAUNCH_FAILURE)
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
            let root = crate::root::onedir(&exe, contents_dir, &manifest.launch)?;
            Err(command::exec_inner(&handoff(root), inv, None))
        }
        Mode::Onefile { .. } => {
            if crate::root::cache_wanted(&bundle) {
                // A cache that cannot load programs (mounted noexec) falls back to a private
                // temporary unpack.
                if let Some((root, held)) =
                    cache::prepare(&bundle).filter(|(root, _)| !unpack_dir::mounted_noexec(root))
                {
                    // The lock stays open through exec: the entry is in use while the app runs.
                    let _in_use = std::os::fd::IntoRawFd::into_raw_fd(held);
                    return Err(command::exec_inner(&handoff(root), inv, None));
                }
            }
            onefile::run(&bundle, inv)
        }
    }
}
