//! The interpreter command line every launch runs, in one place for both modes.
//!
//! `INTERPRETER -I -B BOOTSTRAP EXE ARGV0 LD_STATE ARGS...`: `-I` isolates the interpreter from
//! `PYTHON*` variables and the user's site-packages; the bootstrap takes the next three
//! arguments for itself (the executable's path, the name it was run as, and the caller's
//! `LD_LIBRARY_PATH` so it can be restored for the app's own children) and hands the rest to
//! the app untouched. Nothing private travels in the environment except `LD_LIBRARY_PATH`,
//! which the bootstrap puts back.

use std::ffi::OsString;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use pybundle_archive::Launch;

use crate::error::LaunchError;

/// How the user started us.
pub struct Invocation {
    pub exe: PathBuf,
    pub argv0: OsString,
    pub user_args: Vec<OsString>,
}

/// The interpreter command for a bundle unpacked (or installed) at `root`.
pub fn build(launch: &Launch, root: &Path, inv: &Invocation) -> Command {
    let interpreter = root.join(&launch.interpreter);
    let mut ld_state = OsString::new();
    match std::env::var_os("LD_LIBRARY_PATH") {
        Some(value) => {
            ld_state.push("=");
            ld_state.push(value);
        }
        None => ld_state.push("-"),
    }
    let mut cmd = Command::new(&interpreter);
    cmd.arg0(&interpreter)
        .arg("-I")
        .arg("-B")
        .arg(root.join(&launch.bootstrap))
        .arg(&inv.exe)
        .arg(&inv.argv0)
        .arg(ld_state)
        .args(&inv.user_args)
        .env("LD_LIBRARY_PATH", root.join(&launch.library_dir));
    cmd
}

/// Replace this process with the interpreter; returns only on failure.
pub fn exec(launch: &Launch, root: &Path, inv: &Invocation) -> LaunchError {
    let source = build(launch, root, inv).exec();
    LaunchError::Exec {
        path: root.join(&launch.interpreter),
        source,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_interpreter_gets_the_bootstrap_and_the_users_arguments_unchanged() {
        let launch = Launch {
            interpreter: "_python/bin/python3.11".into(),
            bootstrap: "_pybundle_boot.pyc".into(),
            library_dir: "_python/lib".into(),
        };
        let inv = Invocation {
            exe: "/opt/app/app".into(),
            argv0: "./app".into(),
            user_args: vec!["-I".into(), "two words".into()],
        };
        let cmd = build(&launch, Path::new("/r"), &inv);
        assert_eq!(cmd.get_program(), "/r/_python/bin/python3.11");
        let args: Vec<_> = cmd.get_args().collect();
        assert_eq!(
            args[..5],
            ["-I", "-B", "/r/_pybundle_boot.pyc", "/opt/app/app", "./app"]
        );
        assert!(args[5] == "-" || args[5].to_string_lossy().starts_with('='));
        assert_eq!(args[6..], ["-I", "two words"]);
        let env: Vec<_> = cmd.get_envs().collect();
        assert!(env.contains(&("LD_LIBRARY_PATH".as_ref(), Some("/r/_python/lib".as_ref()))));
    }
}
