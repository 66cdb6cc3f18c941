//! Onefile mode on Windows: unpack into a fresh private folder, run the app as a child bound
//! to the launcher ([`super::job`]), then remove the folder and end with the app's exit code.

use std::path::Path;

use pybundle_archive::Bundle;

use super::job::{self, Child};
use super::unpack_dir::UnpackDir;
use crate::error::LaunchError;
use crate::handoff::{self, Handoff};

pub fn run(bundle: &Bundle, exe: &Path) -> Result<u32, LaunchError> {
    let launch = &bundle.manifest.launch;
    let dir = UnpackDir::create(&bundle.manifest)?;
    handoff::trace(launch.trace, "unpacking into", dir.path());
    if let Err(e) = bundle.extract_all(dir.path(), 0o700) {
        dir.remove();
        return Err(LaunchError::Unpack(e));
    }
    let handoff = Handoff::new(
        bundle.trailer.hash,
        Vec::new(),
        launch,
        dir.path().to_path_buf(),
    );
    handoff::set(handoff::LAUNCH, &handoff.encode());
    job::leave_interrupts_to_the_app();
    let child = Child::spawn(exe).map_err(|source| LaunchError::Exec {
        path: exe.to_path_buf(),
        source,
    });
    let child = match child {
        Ok(child) => child,
        Err(e) => {
            dir.remove();
            return Err(e);
        }
    };
    // Off the app's start-up path: it is already running.
    dir.sweep_leftovers();
    let status = child.wait().map_err(LaunchError::Wait);
    drop(child);
    dir.remove();
    status
}
