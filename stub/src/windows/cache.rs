//! `--runtime-cache` on Windows: a onefile app unpacks once into
//! `%LOCALAPPDATA%\pybundle\NAME-HASH` and later launches run from there after checking it
//! (every file's size and hash), as on Linux. A folder being filled has a temporary name and is
//! moved into place whole.

use std::path::PathBuf;

use pybundle_archive::Bundle;

use super::lock::{self, DirLock};
use super::unpack_dir;

/// The checked cache folder of this bundle, filled first if needed, and marked in use; `None`
/// when it cannot be had (the app then unpacks privately).
pub fn prepare(bundle: &Bundle) -> Option<(PathBuf, DirLock)> {
    let base = pybundle_archive::cache::base_dir()?;
    std::fs::create_dir_all(&base).ok()?;
    let key = pybundle_archive::cache::entry_name(&bundle.manifest.name, bundle.trailer.hash);
    let dir = base.join(&key);
    if let Some(lock) = lock::share(&dir) {
        if bundle.is_unpacked_at(&dir) {
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
    Some((dir, lock))
}
