//! The command that starts the inner stage: this executable again ([`os::self_exe`]: on Linux
//! `/proc/self/exe`, so a file replaced meanwhile does not matter), with the caller's `argv[0]` and arguments unchanged,
//! the [`Handoff`] in its environment and the loader pointed at the bundle's libraries. The
//! inner stage names its process after the `argv[0]` the user ran (see [`super::python`]).

use std::os::fd::OwnedFd;
use std::os::unix::process::CommandExt;
use std::process::Command;

use super::os;
use crate::error::LaunchError;
use crate::handoff::{self, Handoff};
use crate::launch::Invocation;

/// The inner stage's command for the root `h.root`. The handoff goes into this process's own
/// environment, which the command inherits: the outer stage runs nothing else after it.
pub fn inner(h: &Handoff, inv: &Invocation) -> Command {
    handoff::set(handoff::LAUNCH, &h.encode());
    handoff::set(handoff::LD_STATE, &handoff::ld_state());
    handoff::set("LD_LIBRARY_PATH", h.root.join(&h.library_dir).as_os_str());
    let mut cmd = Command::new(os::self_exe());
    cmd.arg0(&inv.argv0).args(&inv.user_args);
    cmd
}

/// Replace this process with the inner stage; returns only on failure. `_lock` (a helper's
/// shared lock on the root) stays open across the exec.
pub fn exec_inner(h: &Handoff, inv: &Invocation, _lock: Option<OwnedFd>) -> LaunchError {
    handoff::trace(h.trace, "running from", &h.root);
    let source = inner(h, inv).exec();
    LaunchError::Exec {
        path: os::self_exe().into(),
        source,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    #[test]
    fn the_inner_stage_gets_the_users_argv_and_the_handoff() {
        let h = Handoff {
            bundle: 7,
            name: b"app".to_vec(),
            python: "lib/libpython3.11.so.1.0".into(),
            bootstrap: "_pybundle_boot.pyc".into(),
            library_dir: "lib".into(),
            options: Vec::new(),
            trace: false,
            root: PathBuf::from("/r"),
        };
        let inv = Invocation {
            argv0: "./dist/my-link".into(),
            user_args: vec!["-I".into(), "two words".into()],
        };
        assert_eq!(super::super::process_name(&inv), b"my-link");
        let cmd = inner(&h, &inv);
        assert_eq!(cmd.get_program(), os::self_exe().as_os_str());
        let args: Vec<_> = cmd.get_args().collect();
        assert_eq!(args, ["-I", "two words"]);
        assert_eq!(
            std::env::var_os("LD_LIBRARY_PATH").as_deref(),
            Some("/r/lib".as_ref())
        );
        let launch = std::env::var_os(handoff::LAUNCH).expect("the handoff is set");
        assert_eq!(Handoff::decode(&launch), Some(h));
    }
}
