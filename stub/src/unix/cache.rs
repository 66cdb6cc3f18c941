//! Cached onefile mode (`pybundle --runtime-cache`): unpack once into the user's cache,
//! `$XDG_CACHE_HOME/pybundle/NAME-HASH` (else `~/.cache/pybundle/...`), and at each launch run
//! from there once every file is checked intact (size, permissions, content hash). A damaged
//! copy is replaced by a fresh unpack; concurrent first launches each unpack into a private
//! temporary folder and the first rename wins. When the cache cannot be written, the launcher
//! falls back to a private temporary folder, as in the default mode.

use std::fs::{self, DirBuilder};
use std::io;
use std::os::unix::fs::DirBuilderExt;
use std::path::PathBuf;

use pybundle_archive::Bundle;

use super::{sweep, unpack_dir};

/// The folder holding an intact unpack of `bundle`, made or repaired if needed; `None` when
/// the cache cannot be used.
pub fn prepare(bundle: &Bundle) -> Option<PathBuf> {
    let base = base_dir()?;
    DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(&base)
        .ok()?;
    let name: String = bundle
        .manifest
        .name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let key = format!("{name}-{:032x}", bundle.trailer.hash);
    let dir = base.join(&key);
    if bundle.is_unpacked_at(&dir) {
        return Some(dir);
    }
    let tmp = base.join(format!(
        ".{key}.{}.{:016x}.tmp",
        std::process::id(),
        unpack_dir::random()
    ));
    DirBuilder::new().mode(0o700).create(&tmp).ok()?;
    // Held until this function returns: a killed launcher's half-filled folder is swept by a
    // later first launch, never a live one's.
    let _filling = sweep::lock(&tmp);
    if bundle.extract_all(&tmp, 0o700).is_err() {
        let _ = fs::remove_dir_all(&tmp);
        return None;
    }
    sweep::cache_leftovers(&base, &tmp);
    for _ in 0..3 {
        match fs::rename(&tmp, &dir) {
            Ok(()) => return Some(dir),
            Err(e) if is_taken(&e) => {
                // Another launch got there first, or a damaged copy is in the way.
                if bundle.is_unpacked_at(&dir) {
                    let _ = fs::remove_dir_all(&tmp);
                    return Some(dir);
                }
                let aside = base.join(format!(".{key}.{:016x}.old", unpack_dir::random()));
                if fs::rename(&dir, &aside).is_ok() {
                    let _ = fs::remove_dir_all(&aside);
                }
            }
            Err(_) => break,
        }
    }
    let _ = fs::remove_dir_all(&tmp);
    None
}

fn is_taken(e: &io::Error) -> bool {
    matches!(e.raw_os_error(), Some(libc::ENOTEMPTY) | Some(libc::EEXIST))
}

fn base_dir() -> Option<PathBuf> {
    let from_env = |name| {
        std::env::var_os(name)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    let cache = from_env("XDG_CACHE_HOME")
        .filter(|p| p.is_absolute())
        .or_else(|| from_env("HOME").map(|home| home.join(".cache")))?;
    Some(cache.join("pybundle"))
}
