//! Onefile mode: unpack, run the app as a child (the inner stage) with signals forwarded,
//! remove the unpack folder once the app and its helpers are done, and end with the app's
//! status (or its fatal signal).

use std::os::unix::process::{CommandExt, ExitStatusExt};

use pybundle_archive::{Bundle, Signals};

use super::command;
use super::os;
use super::signals::{self, Group};
use super::unpack_dir::UnpackDir;
use crate::error::LaunchError;
use crate::handoff::{self, Handoff};
use crate::launch::Invocation;

pub fn run(bundle: &Bundle, inv: &Invocation) -> Result<u8, LaunchError> {
    let launch = &bundle.manifest.launch;
    let dir = UnpackDir::create(&bundle.manifest)?;
    handoff::trace(launch.trace, "unpacking into", dir.root());
    bundle
        .extract_all(dir.root(), 0o700)
        .map_err(LaunchError::Unpack)?;

    let handoff = Handoff::new(
        bundle.trailer.hash,
        super::process_name(inv),
        launch,
        dir.root().to_path_buf(),
    );
    let mut cmd = command::inner(&handoff, inv);
    // SAFETY: getpid has no preconditions.
    let parent = unsafe { libc::getpid() };
    let group = Group::for_this_session();
    os::tie_to_launcher(&mut cmd, parent);
    // SAFETY: the hook only calls async-signal-safe functions.
    unsafe {
        cmd.pre_exec(move || signals::child_setup(parent, group));
    }
    signals::hold();
    let mut child = cmd.spawn().map_err(|source| LaunchError::Exec {
        path: os::self_exe().into(),
        source,
    })?;
    match launch.signals {
        Signals::Forward => signals::forward_to(child.id()),
        Signals::Ignore => signals::ignore(),
    }
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
