//! The helper processes `multiprocessing` starts by running `sys.executable` (this executable)
//! again: spawn workers (`EXE --multiprocessing-fork ...`), the resource tracker and the fork
//! server (`EXE [FLAGS] -c "from multiprocessing.X import main; ..."`). A helper joins the
//! root of the app that started it, found through [`crate::handoff::TREE`], instead of
//! unpacking the bundle again: it starts about as fast as `python -c pass`, and its
//! `sys._MEIPASS` is its parent's.
//!
//! A helper holds a shared lock on that root for as long as it runs (the descriptor stays
//! open across the exec into the inner stage), so the launcher that made the root removes it
//! only once the last of them has ended (see [`super::unpack_dir`]), and no later launch
//! sweeps it while one runs. Any other run of the executable, a deliberate
//! `subprocess.run([sys.executable, ...])` included, is a new, independent instance.

use std::ffi::OsString;
use std::os::fd::OwnedFd;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

use super::sweep;
use crate::handoff::{self, Handoff};

/// What the commands multiprocessing runs start with.
const HELPER_COMMANDS: [&[u8]; 3] = [
    b"from multiprocessing.resource_tracker import main",
    b"from multiprocessing.forkserver import main",
    b"from multiprocessing.semaphore_tracker import main",
];

/// Are these the arguments multiprocessing gives a helper it starts?
pub fn is_helper(args: &[OsString]) -> bool {
    if args.first().is_some_and(|a| a == "--multiprocessing-fork") {
        return true;
    }
    let n = args.len();
    n >= 2
        && args[n - 2] == "-c"
        && HELPER_COMMANDS
            .iter()
            .any(|c| args[n - 1].as_bytes().starts_with(c))
        && args[..n - 2].iter().all(|a| a.as_bytes().starts_with(b"-"))
}

/// The app's handoff, when this process is one of its helpers and can join its root: the
/// same bundle (by archive hash), a root folder of this user that is still there, and a
/// shared lock on it (held until the process ends).
pub fn join(exe: &Path, args: &[OsString]) -> Option<(Handoff, OwnedFd)> {
    if !is_helper(args) {
        return None;
    }
    let tree = handoff::tree()?;
    let trailer = pybundle_archive::trailer_of(exe).ok()?;
    if trailer.hash != tree.bundle {
        return None;
    }
    let meta = std::fs::symlink_metadata(&tree.root).ok()?;
    // SAFETY: geteuid has no preconditions.
    if !meta.is_dir() || meta.uid() != unsafe { libc::geteuid() } {
        return None;
    }
    let lock = sweep::share(sweep::locked_folder(&tree.root), sweep::Inherit::AcrossExec)?;
    Some((tree, lock))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<OsString> {
        list.iter().map(OsString::from).collect()
    }

    #[test]
    fn helpers_are_told_by_their_command_lines() {
        assert!(is_helper(&args(&[
            "--multiprocessing-fork",
            "tracker_fd=5",
            "pipe_handle=7"
        ])));
        assert!(is_helper(&args(&[
            "-B",
            "-s",
            "-c",
            "from multiprocessing.resource_tracker import main;main(5)"
        ])));
        assert!(is_helper(&args(&[
            "-c",
            "from multiprocessing.forkserver import main; main(3, 4, ['__main__'], **{})"
        ])));
        for other in [
            &["app", "--multiprocessing-fork"][..],
            &["-c", "print(1)"],
            &[
                "input.txt",
                "-c",
                "from multiprocessing.forkserver import main",
            ],
            &[],
        ] {
            assert!(!is_helper(&args(other)), "{other:?}");
        }
    }
}
