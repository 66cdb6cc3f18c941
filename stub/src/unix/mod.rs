//! The launcher's primitives on Linux and macOS (where the two differ: [`os`]), for the one
//! launch flow in [`crate::launch`]: the app is entered by running this executable again as
//! the inner stage, which loads CPython in its own process. `LD_LIBRARY_PATH` only takes effect when a process
//! starts, so the inner stage is always a new process here (by `exec` where nothing must
//! happen afterwards).

mod cached_root;
mod command;
mod init_config;
mod onefile;
mod os;
pub mod python;
mod signals;
mod sweep;
mod unpack_dir;
pub mod workers;

use std::ffi::OsStr;
use std::os::fd::OwnedFd;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use pybundle_archive::Bundle;

use crate::error::LaunchError;
use crate::handoff::Handoff;
use crate::launch::Invocation;

/// An exit status: a byte.
pub type Status = u8;
/// A hold on a root in use: a lock on an open file, kept across `exec`.
pub type Lock = OwnedFd;

/// The inner stage: CPython in this process, from the root the handoff names.
pub fn run_inner(h: &Handoff, inv: &Invocation, ld_state: &OsStr) -> Result<u8, LaunchError> {
    os::watch_launcher();
    python::run(h, &inv.argv0, &inv.user_args, ld_state)
}

/// Start the app from `h.root`: this executable again as the inner stage, by `exec` (the
/// loader's search path is only read when a process starts); returns only on failure.
pub fn enter(h: &Handoff, inv: &Invocation, lock: Option<Lock>) -> Result<u8, LaunchError> {
    Err(command::exec_inner(h, inv, lock))
}

pub use workers::join as join_helper;

/// The cached onefile root, unless its file system cannot load programs (mounted noexec): a
/// private temporary unpack is then made instead.
pub fn cached(bundle: &Bundle) -> Option<(PathBuf, Lock)> {
    cached_root::prepare(bundle).filter(|(root, _)| !os::mounted_noexec(root))
}

/// A onefile app: unpacked, run as a child and supervised.
pub fn onefile(bundle: &Bundle, _exe: &Path, inv: &Invocation) -> Result<u8, LaunchError> {
    onefile::run(bundle, inv)
}

/// The name the app's process carries: the last part of `argv[0]`, a link's own name when the
/// user ran a link.
pub fn process_name(inv: &Invocation) -> Vec<u8> {
    let bytes = inv.argv0.as_bytes();
    let base = bytes.rsplit(|&b| b == b'/').next().unwrap_or(bytes);
    base.to_vec()
}

/// End with the app's status, or with one line on stderr when the launch failed.
pub fn exit(result: Result<u8, LaunchError>, inv: &Invocation) -> ExitCode {
    match result {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            eprintln!("{}: {err}", PathBuf::from(&inv.argv0).display());
            ExitCode::from(crate::LAUNCH_FAILURE)
        }
    }
}
