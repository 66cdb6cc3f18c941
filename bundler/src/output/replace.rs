//! Putting a finished output in place: built under a hidden temporary name in the same folder,
//! then swapped in with one rename (an atomic exchange when an old output exists). SIGINT,
//! SIGTERM and SIGHUP are held while this runs, so the temporary never outlives the build; one
//! left by a build killed outright (SIGKILL, power loss) is removed by the next build.

use std::ffi::CString;
use std::fs;
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI32, Ordering};

use crate::bundle::layout;
use crate::error::Error;

/// May the build replace what is at `path`? Files and our own output folders yes (a folder
/// only with `-y`); anything else is the user's and stays.
pub fn check_replaceable(path: &Path, noconfirm: bool) -> Result<(), Error> {
    let Ok(meta) = path.symlink_metadata() else {
        return Ok(());
    };
    if meta.is_file() {
        return Ok(());
    }
    if meta.is_dir() {
        let empty = fs::read_dir(path).is_ok_and(|mut d| d.next().is_none());
        // A onedir output holds its launcher under its own name (and a root beside it).
        let ours = path
            .file_name()
            .is_some_and(|name| pybundle_archive::trailer_of(&path.join(name)).is_ok())
            || path.join(layout::ONEDIR_INTERNAL).is_dir();
        if empty {
            return Ok(());
        }
        if !ours {
            return Err(Error::NotOurOutput(path.to_path_buf()));
        }
        if !noconfirm {
            return Err(Error::OutputExists(path.to_path_buf()));
        }
        return Ok(());
    }
    Err(Error::NotOurOutput(path.to_path_buf()))
}

/// Create the output at `path` by running `make` on a temporary path beside it, then move it
/// into place. On failure nothing new is left in `dist`.
pub fn install(
    dist: &Path,
    path: &Path,
    make: impl FnOnce(&Path) -> io::Result<()>,
) -> Result<(), Error> {
    let unwritable = |source| Error::Unwritable {
        path: dist.to_path_buf(),
        source,
    };
    fs::create_dir_all(dist).map_err(unwritable)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    sweep_leftovers(dist, &name);
    let tmp = dist.join(format!(".{name}.pybundle-{}.tmp", std::process::id()));
    let _held = HeldSignals::hold();
    pause_for_tests();
    remove_any(&tmp);
    let result = make(&tmp).and_then(|()| swap_in(&tmp, path));
    if let Err(source) = result {
        remove_any(&tmp);
        return Err(Error::WriteOutput {
            path: path.to_path_buf(),
            source,
        });
    }
    Ok(())
}

/// For the tests only (tests/e2e/output.rs): with `PYBUNDLE_TEST_PAUSE_HELD=FILE`, create
/// FILE once signals are held and wait, up to a minute, until it is removed, so a test can
/// interrupt the build inside the held region for certain rather than by timing.
fn pause_for_tests() {
    let Some(marker) = std::env::var_os("PYBUNDLE_TEST_PAUSE_HELD") else {
        return;
    };
    let marker = PathBuf::from(marker);
    if fs::write(&marker, b"held\n").is_err() {
        return;
    }
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while marker.exists() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
}

/// Remove the temporaries (`.NAME.pybundle-PID.tmp`, and its `.old`) that a build of the same
/// output killed outright left in `dist`: those whose process is gone. A running build's stay.
fn sweep_leftovers(dist: &Path, name: &str) {
    let Ok(entries) = fs::read_dir(dist) else {
        return;
    };
    let prefix = format!(".{name}.pybundle-");
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let Some(rest) = file_name.to_str().and_then(|n| n.strip_prefix(&prefix)) else {
            continue;
        };
        let pid = rest
            .strip_suffix(".tmp")
            .or_else(|| rest.strip_suffix(".tmp.old"))
            .and_then(|pid| pid.parse::<libc::pid_t>().ok());
        if pid.is_some_and(|pid| pid > 0 && !is_running(pid)) {
            remove_any(&entry.path());
        }
    }
}

/// Is there a process `pid` (of any user)?
fn is_running(pid: libc::pid_t) -> bool {
    // SAFETY: signal 0 only checks that the process exists and may be signalled.
    let rc = unsafe { libc::kill(pid, 0) };
    rc == 0 || io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

/// Move `tmp` to `path`; an existing `path` is exchanged atomically and then removed.
fn swap_in(tmp: &Path, path: &Path) -> io::Result<()> {
    if path.symlink_metadata().is_err() {
        return fs::rename(tmp, path);
    }
    if exchange(tmp, path).is_ok() {
        remove_any(tmp);
        return Ok(());
    }
    // No atomic exchange here (old kernel, other file system): move the old one aside first.
    let aside = PathBuf::from(format!("{}.old", tmp.display()));
    fs::rename(path, &aside)?;
    let moved = fs::rename(tmp, path);
    if moved.is_err() {
        let _ = fs::rename(&aside, path);
    }
    remove_any(&aside);
    moved
}

/// Exchange `a` and `b` in one step: Linux's `renameat2(RENAME_EXCHANGE)`, macOS's
/// `renamex_np(RENAME_SWAP)`.
fn exchange(a: &Path, b: &Path) -> io::Result<()> {
    let a = CString::new(a.as_os_str().as_bytes())?;
    let b = CString::new(b.as_os_str().as_bytes())?;
    // SAFETY: both are valid NUL-terminated paths; the call does not keep them.
    #[cfg(target_os = "linux")]
    let rc = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            a.as_ptr(),
            libc::AT_FDCWD,
            b.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    // SAFETY: as above.
    #[cfg(target_os = "macos")]
    let rc = unsafe { libc::renamex_np(a.as_ptr(), b.as_ptr(), libc::RENAME_SWAP) };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

fn remove_any(path: &Path) {
    match path.symlink_metadata() {
        Ok(meta) if meta.is_dir() => {
            let _ = fs::remove_dir_all(path);
        }
        Ok(_) => {
            let _ = fs::remove_file(path);
        }
        Err(_) => {}
    }
}

/// Signals that would otherwise end the build while the output is half in place.
const HELD: [libc::c_int; 3] = [libc::SIGINT, libc::SIGTERM, libc::SIGHUP];

/// The first held signal that arrived, or 0.
static ARRIVED: AtomicI32 = AtomicI32::new(0);

extern "C" fn note_arrival(sig: libc::c_int) {
    let _ = ARRIVED.compare_exchange(0, sig, Ordering::SeqCst, Ordering::SeqCst);
}

/// Holds SIGINT, SIGTERM and SIGHUP until dropped; one that arrived is delivered then, with
/// its previous disposition back. A handler rather than a signal mask: the mask is per thread,
/// and a signal sent to the process would be taken by any other thread (the progress bar's)
/// and end the build on the spot.
struct HeldSignals {
    previous: [libc::sigaction; 3],
}

impl HeldSignals {
    fn hold() -> Self {
        // SAFETY: installs a handler that only does an atomic store; saves what was there.
        unsafe {
            let mut previous: [libc::sigaction; 3] = std::mem::zeroed();
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = note_arrival as *const () as usize;
            action.sa_flags = libc::SA_RESTART;
            libc::sigemptyset(&mut action.sa_mask);
            for (sig, old) in HELD.iter().zip(previous.iter_mut()) {
                libc::sigaction(*sig, &action, old);
            }
            HeldSignals { previous }
        }
    }
}

impl Drop for HeldSignals {
    fn drop(&mut self) {
        // SAFETY: restores the dispositions saved by `hold`, then re-sends what arrived.
        unsafe {
            for (sig, old) in HELD.iter().zip(self.previous.iter()) {
                libc::sigaction(*sig, old, std::ptr::null_mut());
            }
            let sig = ARRIVED.swap(0, Ordering::SeqCst);
            if sig != 0 {
                libc::raise(sig);
            }
        }
    }
}
