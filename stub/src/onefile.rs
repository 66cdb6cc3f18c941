//! Onefile mode: unpack, run the app as a child with signals forwarded, remove the unpack
//! folder, and end with the app's status (or its fatal signal).

use std::os::unix::process::{CommandExt, ExitStatusExt};

use pybundle_archive::Bundle;

use crate::command::{self, Invocation};
use crate::error::LaunchError;
use crate::signals;
use crate::unpack_dir::UnpackDir;

pub fn run(bundle: &Bundle, inv: &Invocation) -> Result<u8, LaunchError> {
    let dir = UnpackDir::create(&bundle.manifest)?;
    bundle
        .extract_all(dir.path(), 0o700)
        .map_err(LaunchError::Unpack)?;

    let launch = &bundle.manifest.launch;
    let mut cmd = command::build(launch, dir.path(), inv);
    // SAFETY: getpid has no preconditions.
    let parent = unsafe { libc::getpid() };
    // SAFETY: the hook only calls async-signal-safe functions.
    unsafe {
        cmd.pre_exec(move || signals::child_setup(parent));
    }
    signals::hold();
    let mut child = cmd.spawn().map_err(|source| LaunchError::UnpackedExec {
        dir: dir.path().to_path_buf(),
        source,
    })?;
    signals::forward_to(child.id());
    // Off the app's start-up path: it is already running.
    dir.sweep_leftovers();
    let status = child.wait().map_err(LaunchError::Wait)?;
    dir.remove();
    match (status.code(), status.signal()) {
        (Some(code), _) => Ok(code as u8),
        (None, Some(sig)) => signals::die_like(sig),
        (None, None) => Ok(1),
    }
}
