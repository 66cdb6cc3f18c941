//! Folders left behind by onefile launchers that were killed (SIGKILL, a power cut) before
//! they could clean up, and the lock that tells a live folder from an abandoned one.
//!
//! Every launcher holds a shared `flock` on its own unpack folder for as long as it runs, and
//! so does every multiprocessing helper that joined it (see [`super::workers`]); the filler of
//! a cache folder holds an exclusive one. The kernel drops a lock when its holder dies, however
//! it dies. A later launch removes a `_pb<pid>_<hex>` folder under the same base (or a
//! `.<key>.<pid>.<hex>.tmp` folder in the cache) only when all of these hold: it is a real
//! folder (not a link) owned by this user, the launcher whose pid is in its name is gone, and
//! an exclusive lock on it can be taken (nobody holds one of either kind). That lock is held
//! while the folder is removed, and removal never follows links.

use std::fs;
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

/// Prefix of every onefile unpack folder.
pub const PREFIX: &str = "_pb";

pub use pybundle_archive::cache::Inherit;
use pybundle_archive::cache::{lock_dir, Hold};

/// Open `dir` (never through a link) and take its exclusive lock without waiting. `None` when
/// it is not a folder or someone else holds a lock on it.
pub fn lock(dir: &Path) -> Option<OwnedFd> {
    lock_dir(dir, Hold::Exclusive, Inherit::No)
}

/// Open `dir` (never through a link) and take a shared lock without waiting: the folder is in
/// use. `None` when it is not a folder or is being removed (someone holds the exclusive lock).
pub fn share(dir: &Path, inherit: Inherit) -> Option<OwnedFd> {
    lock_dir(dir, Hold::Shared, inherit)
}

/// Turn the lock held through `fd` into an exclusive one: at once when nobody else holds a
/// lock on the folder (`true`), otherwise `false` (and `fd`'s own lock may be gone: flock
/// drops it before trying).
pub fn try_exclusive(fd: &OwnedFd) -> bool {
    // SAFETY: flock on a descriptor the caller owns.
    unsafe { libc::flock(fd.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) == 0 }
}

/// Wait until the lock held through `fd` can be made exclusive: every other holder is gone.
pub fn wait_exclusive(fd: &OwnedFd) -> bool {
    loop {
        // SAFETY: flock on a descriptor the caller owns.
        if unsafe { libc::flock(fd.as_raw_fd(), libc::LOCK_EX) } == 0 {
            return true;
        }
        if std::io::Error::last_os_error().raw_os_error() != Some(libc::EINTR) {
            return false;
        }
    }
}

/// The folder whose lock says `root` is in use: a onefile root's unpack folder (the
/// `_pb<pid>_<hex>` folder it sits in, see [`super::unpack_dir`]), or a cache entry itself.
pub fn locked_folder(root: &Path) -> &Path {
    match root.parent() {
        Some(parent)
            if parent
                .file_name()
                .is_some_and(|n| launcher_pid(n.as_bytes()).is_some()) =>
        {
            parent
        }
        _ => root,
    }
}

/// Remove abandoned unpack folders under `base`, except `own`. Best effort: anything that
/// cannot be checked or removed is left alone.
pub fn leftovers(base: &Path, own: &Path) {
    sweep(base, own, launcher_pid);
}

/// Remove half-filled cache folders whose launcher was killed, under the cache's `base`.
pub fn cache_leftovers(base: &Path, own: &Path) {
    sweep(base, own, cache_filler_pid);
}

fn sweep(base: &Path, own: &Path, pid_of: fn(&[u8]) -> Option<libc::pid_t>) {
    let Ok(entries) = fs::read_dir(base) else {
        return;
    };
    // SAFETY: geteuid has no preconditions.
    let uid = unsafe { libc::geteuid() };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = pid_of(name.as_bytes()) else {
            continue;
        };
        let path = entry.path();
        if path == own || launcher_alive(pid) {
            continue;
        }
        // `symlink_metadata`: a link named like a folder of ours is never followed.
        let Ok(meta) = fs::symlink_metadata(&path) else {
            continue;
        };
        if !meta.is_dir() || meta.uid() != uid {
            continue;
        }
        let Some(held) = lock(&path) else {
            continue;
        };
        // The folder we locked must be the one we checked (not swapped in between).
        let held = fs::File::from(held);
        let same = held
            .metadata()
            .is_ok_and(|m| m.dev() == meta.dev() && m.ino() == meta.ino());
        if same {
            let _ = fs::remove_dir_all(&path);
        }
        drop(held);
    }
}

/// The pid in a `_pb<pid>_<16 hex digits>` name; `None` for any other name.
fn launcher_pid(name: &[u8]) -> Option<libc::pid_t> {
    let rest = name.strip_prefix(PREFIX.as_bytes())?;
    let split = rest.iter().position(|&b| b == b'_')?;
    pid_before_random(&rest[..split], &rest[split + 1..])
}

/// The pid in a cache filler's `.<key>.<pid>.<16 hex digits>.tmp` name.
fn cache_filler_pid(name: &[u8]) -> Option<libc::pid_t> {
    let rest = name.strip_prefix(b".")?.strip_suffix(b".tmp")?;
    let mut fields = rest.rsplitn(3, |&b| b == b'.');
    let (hex, pid, key) = (fields.next()?, fields.next()?, fields.next()?);
    if key.is_empty() {
        return None;
    }
    pid_before_random(pid, hex)
}

/// `pid` as a number when it is all digits and `hex` is the 16 hex digits of a folder name.
fn pid_before_random(pid: &[u8], hex: &[u8]) -> Option<libc::pid_t> {
    let well_formed = !pid.is_empty()
        && pid.iter().all(u8::is_ascii_digit)
        && hex.len() == 16
        && hex.iter().all(u8::is_ascii_hexdigit);
    if !well_formed {
        return None;
    }
    std::str::from_utf8(pid).ok()?.parse().ok()
}

/// Is there a process with this pid (ours or another user's)?
fn launcher_alive(pid: libc::pid_t) -> bool {
    // SAFETY: signal 0 only checks that the process exists.
    if unsafe { libc::kill(pid, 0) } == 0 {
        return true;
    }
    std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_unpack_folder_names_carry_a_pid() {
        assert_eq!(launcher_pid(b"_pb123_0123456789abcdef"), Some(123));
        for other in [
            &b"_pb123_0123456789abcde"[..],
            b"_pb_0123456789abcdef",
            b"_pbx_0123456789abcdef",
            b"_MEI12345",
            b"_pb123_0123456789abcdeg",
            b"pb123_0123456789abcdef",
        ] {
            assert_eq!(launcher_pid(other), None, "{other:?}");
        }
    }

    #[test]
    fn a_onefile_root_is_locked_through_its_unpack_folder() {
        let folder = std::env::temp_dir().join("_pb12_0123456789abcdef");
        assert_eq!(locked_folder(&folder.join("89abcdef")), folder);
        // A runtime cache entry is its own folder: nothing above it is an unpack folder.
        let entry = std::env::temp_dir().join("pybundle").join("app-00ff");
        assert_eq!(locked_folder(&entry), entry);
    }

    #[test]
    fn only_cache_filler_names_carry_a_pid() {
        assert_eq!(
            cache_filler_pid(b".app-00ff.12.0123456789abcdef.tmp"),
            Some(12)
        );
        assert_eq!(
            cache_filler_pid(b".my.app-00ff.12.0123456789abcdef.tmp"),
            Some(12)
        );
        for other in [
            &b"app-00ff"[..],
            b".app-00ff.0123456789abcdef.old",
            b".app-00ff.x.0123456789abcdef.tmp",
            b"..12.0123456789abcdef.tmp",
            b".app-00ff.12.0123456789abcdef",
        ] {
            assert_eq!(cache_filler_pid(other), None, "{other:?}");
        }
    }

    #[test]
    fn a_held_lock_keeps_a_folder_and_a_released_one_lets_it_go() {
        let base = std::env::temp_dir().join(format!("sweep-test-{}", std::process::id()));
        fs::create_dir_all(&base).expect("a test folder");
        // pid 0x7fffffff is never a live process.
        let dead = base.join("_pb2147483647_0000000000000001");
        let held = base.join("_pb2147483647_0000000000000002");
        let mine = base.join("_pb2147483647_0000000000000003");
        for dir in [&dead, &held, &mine] {
            fs::create_dir_all(dir.join("sub")).expect("a folder");
            fs::write(dir.join("sub/file"), b"x").expect("a file");
        }
        let outside = base.join("outside");
        fs::create_dir_all(&outside).expect("a folder");
        std::os::unix::fs::symlink(&outside, dead.join("link")).expect("a link");
        let link = base.join("_pb2147483647_0000000000000004");
        std::os::unix::fs::symlink(&outside, &link).expect("a link");

        let lock_held = share(&held, Inherit::No).expect("the lock is free");
        let second = share(&held, Inherit::No).expect("shared locks share");
        assert!(
            lock(&held).is_none(),
            "an exclusive lock beside shared ones"
        );
        drop(second);
        leftovers(&base, &mine);
        assert!(!dead.exists(), "an abandoned folder stays");
        assert!(held.join("sub/file").exists(), "a locked folder was swept");
        assert!(mine.join("sub/file").exists(), "our own folder was swept");
        assert!(
            outside.exists() && link.symlink_metadata().is_ok(),
            "a link was followed"
        );
        drop(lock_held);
        leftovers(&base, &mine);
        assert!(!held.exists());
        fs::remove_dir_all(&base).expect("cleanup");
    }
}
