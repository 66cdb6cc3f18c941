//! `pybundle cache list|clean`: the runtime cache `--runtime-cache` apps unpack into.

use std::fmt::Write as _;
use std::fs;
use std::path::Path;

use pybundle_archive::cache;

use crate::error::Error;

use super::print_all;

/// `pybundle cache list`: each entry of the runtime cache, with its size, when it was last
/// used and whether an app runs from it now.
pub fn cache_list() -> Result<(), Error> {
    let Some(base) = cache::base_dir() else {
        return print_all("no runtime cache: neither XDG_CACHE_HOME nor HOME is set\n");
    };
    let mut entries = cache::entries(&base);
    entries.sort_by(|a, b| a.path.cmp(&b.path));
    if entries.is_empty() {
        return print_all(&format!("the runtime cache {} is empty\n", base.display()));
    }
    let mut out = format!("runtime cache: {}\n", base.display());
    let mut total = 0;
    for entry in &entries {
        let size = folder_size(&entry.path);
        total += size;
        let state = if in_use(&entry.path) {
            "in use"
        } else {
            "idle"
        };
        let _ = writeln!(
            out,
            "{:<24} {:>9}  used {:<14} {:<6}  {}",
            entry.app,
            megabytes(size),
            ago(entry.last_used),
            state,
            entry.path.file_name().unwrap_or_default().to_string_lossy()
        );
    }
    let _ = writeln!(out, "{} entries, {}", entries.len(), megabytes(total));
    print_all(&out)
}

/// `pybundle cache clean [APP...]`: remove the entries nobody runs from (of the apps named, or
/// all); an entry in use stays and is named.
pub fn cache_clean(apps: &[String]) -> Result<(), Error> {
    let Some(base) = cache::base_dir() else {
        return print_all("no runtime cache: neither XDG_CACHE_HOME nor HOME is set\n");
    };
    let mut out = String::new();
    let (mut removed, mut freed) = (0, 0);
    for entry in cache::entries(&base) {
        if !apps.is_empty() && !apps.iter().any(|a| cache::safe_name(a) == entry.app) {
            continue;
        }
        let size = folder_size(&entry.path);
        match cache::remove_idle(&entry.path) {
            Ok(true) => {
                removed += 1;
                freed += size;
            }
            Ok(false) => {
                let _ = writeln!(out, "kept {}: an app runs from it", entry.path.display());
            }
            Err(source) => {
                return Err(Error::Write {
                    path: entry.path.clone(),
                    source,
                })
            }
        }
    }
    let _ = writeln!(out, "removed {removed} entries ({})", megabytes(freed));
    print_all(&out)
}

/// Whether an app runs from the entry `dir` (it holds a shared lock on it).
fn in_use(dir: &Path) -> bool {
    cache::lock_dir(dir, cache::Hold::Exclusive, cache::Inherit::No).is_none()
}

fn folder_size(dir: &Path) -> u64 {
    let Ok(read) = fs::read_dir(dir) else {
        return 0;
    };
    (read.flatten())
        .map(|item| match item.file_type() {
            Ok(t) if t.is_dir() => folder_size(&item.path()),
            Ok(t) if t.is_file() => item.metadata().map_or(0, |m| m.len()),
            _ => 0,
        })
        .sum()
}

fn megabytes(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
}

/// How long ago `when` was, roughly.
fn ago(when: std::time::SystemTime) -> String {
    let secs = when.elapsed().map_or(0, |d| d.as_secs());
    match secs {
        0..=119 => "just now".to_string(),
        120..=7199 => format!("{} min ago", secs / 60),
        7200..=172_799 => format!("{} h ago", secs / 3600),
        _ => format!("{} days ago", secs / 86_400),
    }
}
