//! The helpers `multiprocessing` starts on Windows (`EXE --multiprocessing-fork ...`, with the
//! app's environment) join the root of the app that started them, found through
//! [`crate::handoff::TREE`], instead of unpacking their own: when the executable carries the
//! same bundle and the root is still there, marked in use for as long as the helper runs.

use std::ffi::OsString;
use std::path::Path;

use super::lock::{self, DirLock};
use crate::handoff::{self, Handoff};

pub fn join(exe: &Path, args: &[OsString]) -> Option<(Handoff, DirLock)> {
    if args.first().is_none_or(|a| a != "--multiprocessing-fork") {
        return None;
    }
    let tree = handoff::tree()?;
    let trailer = pybundle_archive::trailer_of(exe).ok()?;
    if trailer.hash != tree.bundle {
        return None;
    }
    let lock = lock::share(&tree.root)?;
    Some((tree, lock))
}
