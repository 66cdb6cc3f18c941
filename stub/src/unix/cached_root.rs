//! Cached onefile mode (`pybundle --runtime-cache`): unpack once into the user's cache,
//! `$XDG_CACHE_HOME/pybundle/NAME-HASH` (else `~/.cache/pybundle/...`), and at each launch run
//! from there once every file is checked intact (size, permissions, content hash), holding a
//! shared lock on it for as long as the app runs. Each launch removes stale entries (older
//! builds of the same app beyond the newest few, anything unused for a month: see
//! `pybundle_archive::cache`), never one in use. A damaged copy nobody runs from is replaced
//! by a fresh unpack; concurrent first launches each unpack into a private
//! temporary folder and the first rename wins. When the cache cannot be written, the launcher
//! falls back to a private temporary folder, as in the default mode.

use std::fs::{self, DirBuilder};
use std::io;
use std::os::fd::OwnedFd;
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use pybundle_archive::cache;
use pybundle_archive::Bundle;

use super::sweep::{self, Inherit};

/// The folder holding an intact unpack of `bundle`, made or repaired if needed, and the
/// shared lock that marks it in use (kept open across exec, so it lasts as long as the app);
/// `None` when the cache cannot be used. Each launch marks its entry used and removes stale
/// ones (`pybundle_archive::cache`).
pub fn prepare(bundle: &Bundle) -> Option<(PathBuf, OwnedFd)> {
    let base = cache::base_dir()?;
    DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(&base)
        .ok()?;
    let app = cache::safe_name(&bundle.manifest.name);
    let key = cache::entry_name(&bundle.manifest.name, bundle.trailer.hash);
    let dir = base.join(&key);
    let ready = |dir: PathBuf| -> Option<(PathBuf, OwnedFd)> {
        let held = sweep::share(&dir, Inherit::AcrossExec)?;
        if !bundle.is_unpacked_at(&dir) {
            return None;
        }
        cache::mark_used(&held);
        tidy(&base, &app, &dir);
        Some((dir, held))
    };
    if let Some(found) = ready(dir.clone()) {
        return Some(found);
    }
    let tmp = base.join(format!(
        ".{key}.{}.{:016x}.tmp",
        std::process::id(),
        super::os::random()
    ));
    DirBuilder::new().mode(0o700).create(&tmp).ok()?;
    // Held until this function returns: a killed launcher's half-filled folder is swept by a
    // later first launch, never a live one's.
    let filling = sweep::lock(&tmp);
    if bundle.extract_all(&tmp, 0o700).is_err() {
        let _ = fs::remove_dir_all(&tmp);
        return None;
    }
    sweep::cache_leftovers(&base, &tmp);
    for _ in 0..3 {
        match fs::rename(&tmp, &dir) {
            Ok(()) => {
                // The folder is the entry now: in use from here, no longer being filled.
                drop(filling);
                return ready(dir);
            }
            Err(e) if is_taken(&e) => {
                // Another launch got there first, or a damaged copy is in the way (removed
                // only when nobody runs from it).
                if let Some(found) = ready(dir.clone()) {
                    let _ = fs::remove_dir_all(&tmp);
                    return Some(found);
                }
                if !matches!(cache::remove_idle(&dir), Ok(true)) {
                    break;
                }
            }
            Err(_) => break,
        }
    }
    let _ = fs::remove_dir_all(&tmp);
    None
}

/// Remove the cache's stale entries (never `current`, never one in use). Best effort.
fn tidy(base: &Path, app: &str, current: &Path) {
    let entries = cache::entries(base);
    for entry in cache::stale(&entries, app, current, SystemTime::now()) {
        let _ = cache::remove_idle(&entry.path);
    }
}

fn is_taken(e: &io::Error) -> bool {
    matches!(e.raw_os_error(), Some(libc::ENOTEMPTY) | Some(libc::EEXIST))
}
