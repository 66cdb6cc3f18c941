//! The runtime cache (`--runtime-cache`) as launchers and `pybundle cache` share it: where it
//! lives, how its entries are named, which entries a launch removes, and (on Unix) the folder
//! locks that tell an entry in use from an idle one.
//!
//! An entry is a folder `NAME-HASH` under the cache's base (`$XDG_CACHE_HOME/pybundle`, else
//! `~/.cache/pybundle`; `%LOCALAPPDATA%\pybundle` on Windows): the app's name, made safe for
//! a file name, and the archive's 128-bit hash in hex. A launch marks its entry used (the
//! folder's modification time) and then tidies the cache: of its own app, only the
//! [`KEEP_PER_APP`] most recently used entries stay; of any app, an entry unused for
//! [`UNUSED_DAYS`] days goes. An entry in use (a launcher or a running app holds a shared
//! lock on it) is never removed, and nothing that is not named like an entry is touched.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// Entries of one app kept by a launch of it: the one it runs and the most recently used
/// others (a rebuild, an older version run now and then).
pub const KEEP_PER_APP: usize = 3;
/// An entry of any app unused this long is removed by a later launch.
pub const UNUSED_DAYS: u64 = 30;

/// The cache's base folder, from the environment; `None` when it names none.
pub fn base_dir() -> Option<PathBuf> {
    let from_env = |name| {
        std::env::var_os(name)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .filter(|p| p.is_absolute())
    };
    if cfg!(windows) {
        return from_env("LOCALAPPDATA").map(|p| p.join("pybundle"));
    }
    let cache =
        from_env("XDG_CACHE_HOME").or_else(|| from_env("HOME").map(|h| h.join(".cache")))?;
    Some(cache.join("pybundle"))
}

/// The entry folder's name for the app `name` whose archive hash is `hash`.
pub fn entry_name(name: &str, hash: u128) -> String {
    format!("{}-{hash:032x}", safe_name(name))
}

/// An app's name as its entries carry it: what a file name cannot hold replaced by `_`.
pub fn safe_name(name: &str) -> String {
    (name.chars())
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// The app name of an entry folder's name; `None` for anything not named like an entry
/// (a folder being filled, one set aside, anything else).
pub fn app_of(entry: &str) -> Option<&str> {
    let (app, hash) = entry.rsplit_once('-')?;
    let is_hash = hash.len() == 32 && hash.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    (is_hash && !app.is_empty() && !app.starts_with('.')).then_some(app)
}

/// An entry of the cache.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub path: PathBuf,
    pub app: String,
    /// When a launch last ran from it.
    pub last_used: SystemTime,
}

/// The entries under `base`, in no particular order: real folders (not links) named like
/// entries, owned by this user.
pub fn entries(base: &Path) -> Vec<Entry> {
    let Ok(read) = std::fs::read_dir(base) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for item in read.flatten() {
        let name = item.file_name();
        let Some(app) = name.to_str().and_then(app_of) else {
            continue;
        };
        let path = item.path();
        let Ok(meta) = path.symlink_metadata() else {
            continue;
        };
        if !meta.is_dir() || !platform::owned_by_me(&meta) {
            continue;
        }
        out.push(Entry {
            app: app.to_string(),
            last_used: meta.modified().unwrap_or(SystemTime::UNIX_EPOCH),
            path,
        });
    }
    out
}

/// The entries a launch of `app` from `current` removes (if they are not in use): of `app`,
/// all but the [`KEEP_PER_APP`] most recently used (`current` always among those kept); of
/// any app, those unused for [`UNUSED_DAYS`] days. (No sorting: the launcher carries this
/// code, and every byte of it is in every bundle.)
pub fn stale<'a>(
    entries: &'a [Entry],
    app: &str,
    current: &Path,
    now: SystemTime,
) -> Vec<&'a Entry> {
    let limit = Duration::from_secs(UNUSED_DAYS * 24 * 60 * 60);
    let is_current = |e: &Entry| e.path.as_os_str() == current.as_os_str();
    let others: Vec<&Entry> = (entries.iter())
        .filter(|e| e.app == app && !is_current(e))
        .collect();
    (entries.iter())
        .filter(|entry| {
            if is_current(entry) {
                return false;
            }
            let unused = now.duration_since(entry.last_used).unwrap_or_default() > limit;
            let newer = (others.iter())
                .filter(|o| o.last_used > entry.last_used)
                .count();
            unused || (entry.app == app && newer >= KEEP_PER_APP - 1)
        })
        .collect()
}

#[cfg(unix)]
pub use platform::{lock_dir, mark_used, remove_idle, Hold, Inherit};

#[cfg(unix)]
mod platform {
    use std::ffi::CString;
    use std::fs::Metadata;
    use std::io;
    use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
    use std::os::unix::ffi::OsStrExt;
    use std::os::unix::fs::MetadataExt;
    use std::path::Path;

    /// Which lock a folder is held with.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Hold {
        /// In use: any number of holders.
        Shared,
        /// Being filled or removed: one holder, no shared ones.
        Exclusive,
    }

    /// Whether a lock's descriptor survives `exec`.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Inherit {
        /// Closed by exec (a launcher's own locks).
        No,
        /// Kept open by exec: the lock lasts while the program exec-ed runs.
        AcrossExec,
    }

    pub fn owned_by_me(meta: &Metadata) -> bool {
        // SAFETY: geteuid has no preconditions.
        meta.uid() == unsafe { libc::geteuid() }
    }

    /// Open `dir` (never through a link) and take a `hold` lock on it without waiting
    /// (`flock`: the kernel drops it when the last descriptor closes, however its holder
    /// ends). `None` when it is not a folder or the lock is held in a way that excludes it.
    pub fn lock_dir(dir: &Path, hold: Hold, inherit: Inherit) -> Option<OwnedFd> {
        let path = CString::new(dir.as_os_str().as_bytes()).ok()?;
        let mut flags = libc::O_RDONLY | libc::O_DIRECTORY | libc::O_NOFOLLOW;
        if inherit == Inherit::No {
            flags |= libc::O_CLOEXEC;
        }
        // SAFETY: `path` is a valid C string; the descriptor is owned below.
        let fd = unsafe { libc::open(path.as_ptr(), flags) };
        if fd < 0 {
            return None;
        }
        // SAFETY: `fd` was just opened and is owned by nobody else.
        let fd = unsafe { OwnedFd::from_raw_fd(fd) };
        let kind = match hold {
            Hold::Shared => libc::LOCK_SH,
            Hold::Exclusive => libc::LOCK_EX,
        };
        // SAFETY: flock on a descriptor we own.
        let locked = unsafe { libc::flock(fd.as_raw_fd(), kind | libc::LOCK_NB) } == 0;
        locked.then_some(fd)
    }

    /// Mark the folder held through `fd` as used now (its modification time).
    pub fn mark_used(fd: &OwnedFd) {
        // SAFETY: a null `times` sets both times to now, on a descriptor the caller owns.
        unsafe { libc::futimens(fd.as_raw_fd(), std::ptr::null()) };
    }

    /// Remove the entry folder `dir` if nobody uses it: under its exclusive lock, it is moved
    /// aside (so no launch can start using it) and removed without following links.
    /// `Ok(false)` when it is in use.
    pub fn remove_idle(dir: &Path) -> io::Result<bool> {
        let Some(_lock) = lock_dir(dir, Hold::Exclusive, Inherit::No) else {
            return if dir.symlink_metadata().is_ok() {
                Ok(false)
            } else {
                Err(io::ErrorKind::NotFound.into())
            };
        };
        let name = dir.file_name().unwrap_or_default().to_string_lossy();
        let aside = dir.with_file_name(format!(".{name}.{}.old", std::process::id()));
        std::fs::rename(dir, &aside)?;
        std::fs::remove_dir_all(&aside)?;
        Ok(true)
    }
}

#[cfg(windows)]
mod platform {
    pub fn owned_by_me(_meta: &std::fs::Metadata) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: Duration = Duration::from_secs(24 * 60 * 60);

    fn entry(name: &str, days_ago: u64, now: SystemTime) -> Entry {
        Entry {
            path: PathBuf::from("/c").join(name),
            app: app_of(name).unwrap().to_string(),
            last_used: now - DAY * days_ago as u32,
        }
    }

    #[test]
    fn entry_names_round_trip_and_nothing_else_is_an_entry() {
        let name = entry_name("my app", 0xab);
        assert_eq!(name, format!("my_app-{:032x}", 0xab));
        assert_eq!(app_of(&name), Some("my_app"));
        for other in [
            "app",
            "app-123",
            ".app-00000000000000000000000000000000.1.2.tmp",
            "-00000000000000000000000000000000",
            "app-0000000000000000000000000000000G",
        ] {
            assert_eq!(app_of(other), None, "{other}");
        }
    }

    #[test]
    fn a_launch_keeps_its_apps_newest_and_drops_what_nobody_used_for_a_month() {
        let now = SystemTime::now();
        let h = |n: u128| format!("{n:032x}");
        let entries = vec![
            entry(&format!("app-{}", h(1)), 5, now),
            entry(&format!("app-{}", h(2)), 1, now),
            entry(&format!("app-{}", h(3)), 3, now),
            entry(&format!("app-{}", h(4)), 9, now), // the one running: kept, however old
            entry(&format!("other-{}", h(5)), 2, now),
            entry(&format!("other-{}", h(6)), 31, now),
        ];
        let current = entries[3].path.clone();
        let stale: Vec<&str> = stale(&entries, "app", &current, now)
            .iter()
            .map(|e| e.path.file_name().unwrap().to_str().unwrap())
            .collect();
        // app: the current one and the two most recently used others stay.
        assert_eq!(stale, [format!("app-{}", h(1)), format!("other-{}", h(6))]);
    }
}
