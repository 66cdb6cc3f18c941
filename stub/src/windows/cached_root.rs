//! `--runtime-cache` on Windows: a onefile app unpacks once into
//! `%LOCALAPPDATA%\pybundle\NAME-HASH` and later launches run from there after checking it
//! (every file's size and hash), as on Linux. A folder being filled has a temporary name and is
//! moved into place whole. Each launch marks its entry used and removes stale ones (the policy
//! of `pybundle_archive::cache`); an entry in use is one a process holds a handle on, which
//! keeps it from being renamed away.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use pybundle_archive::cache;
use pybundle_archive::Bundle;

use super::lock::{self, DirLock};
use super::unpack_dir;

/// The checked cache folder of this bundle, filled first if needed, and marked in use; `None`
/// when it cannot be had (the app then unpacks privately).
pub fn prepare(bundle: &Bundle) -> Option<(PathBuf, DirLock)> {
    let base = cache::base_dir()?;
    std::fs::create_dir_all(&base).ok()?;
    let key = cache::entry_name(&bundle.manifest.name, bundle.trailer.hash);
    let dir = base.join(&key);
    let app = cache::safe_name(&bundle.manifest.name);
    if let Some(lock) = lock::share(&dir) {
        if bundle.is_unpacked_at(&dir) {
            mark_used(&dir);
            tidy(&base, &app, &dir);
            return Some((dir, lock));
        }
        drop(lock);
        let aside = base.join(format!(".{key}.{:016x}.old", unpack_dir::random()));
        std::fs::rename(&dir, &aside).ok()?;
        let _ = std::fs::remove_dir_all(&aside);
    }
    let tmp = base.join(format!(
        ".{key}.{}.{:016x}.tmp",
        std::process::id(),
        unpack_dir::random()
    ));
    std::fs::create_dir(&tmp).ok()?;
    if bundle.extract_all(&tmp, 0o700).is_err() || std::fs::rename(&tmp, &dir).is_err() {
        let _ = std::fs::remove_dir_all(&tmp);
        let lock = lock::share(&dir)?;
        return bundle.is_unpacked_at(&dir).then_some((dir, lock));
    }
    let lock = lock::share(&dir)?;
    tidy(&base, &app, &dir);
    Some((dir, lock))
}

/// Mark the entry used now (its folder's modification time).
fn mark_used(dir: &Path) {
    use std::os::windows::fs::OpenOptionsExt;
    use windows_sys::Win32::Storage::FileSystem::{
        FILE_FLAG_BACKUP_SEMANTICS, FILE_WRITE_ATTRIBUTES,
    };
    let opened = std::fs::OpenOptions::new()
        .access_mode(FILE_WRITE_ATTRIBUTES)
        .custom_flags(FILE_FLAG_BACKUP_SEMANTICS)
        .open(dir);
    if let Ok(folder) = opened {
        let _ = folder.set_modified(SystemTime::now());
    }
}

/// Remove the cache's stale entries nobody uses (never `current`). Best effort: an entry
/// some process holds cannot be renamed aside, and stays.
fn tidy(base: &Path, app: &str, current: &Path) {
    let entries = cache::entries(base);
    for entry in cache::stale(&entries, app, current, SystemTime::now()) {
        let Some(taken) = lock::exclusive(&entry.path) else {
            continue;
        };
        drop(taken);
        let aside = base.join(format!(".{:016x}.old", unpack_dir::random()));
        if std::fs::rename(&entry.path, &aside).is_ok() {
            let _ = std::fs::remove_dir_all(&aside);
        }
    }
}
