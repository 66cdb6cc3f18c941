//! What an installed CPython's files say, whichever way it was installed: its full version,
//! read from its library (and whether it is the build interpreter's minor version), and the
//! folders of a tree (shared by `given.rs`, a POSIX prefix,
//! and `windows.rs`, an embeddable CPython).

use std::fs;
use std::path::{Path, PathBuf};

use crate::error::Error;
use crate::python::interpreter::Interpreter;

/// A runtime (`named`, of `3.X` `version_short`) must be the build interpreter's minor
/// version: that interpreter compiles the bytecode the runtime will run.
pub fn same_minor(named: &Path, version_short: &str, interp: &Interpreter) -> Result<(), Error> {
    if version_short == interp.version_short {
        return Ok(());
    }
    Err(Error::RuntimeVersion {
        path: named.to_path_buf(),
        runtime: version_short.to_string(),
        python: interp.described(),
        host: interp.version.clone(),
    })
}

/// The folders in `dir`, sorted.
pub fn subdirs(dir: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| e.path())
        .collect();
    dirs.sort();
    dirs
}

/// The full version (`3.11.2`) a libpython of `short` (`3.11`) carries as its `PY_VERSION`
/// string: a NUL-terminated `3.11.` and a patch level (and a pre-release suffix, if any). The
/// linker may have kept that string only as the tail of a longer one (`.../Python-3.11.7`), so
/// a string that is the version alone wins, else the version most strings end with.
pub fn full_version(bytes: &[u8], short: &str) -> Option<String> {
    let prefix = format!("{short}.");
    let mut tails: Vec<String> = Vec::new();
    for s in bytes.split(|&b| b == 0) {
        let Ok(text) = std::str::from_utf8(s) else {
            continue;
        };
        let Some(at) = text.rfind(&prefix) else {
            continue;
        };
        let candidate = &text[at..];
        if !is_version(&candidate[prefix.len()..]) {
            continue;
        }
        if at == 0 {
            return Some(candidate.to_string());
        }
        let before = text.as_bytes()[at - 1];
        if !before.is_ascii_alphanumeric() && before != b'.' {
            tails.push(candidate.to_string());
        }
    }
    tails.sort();
    let mut best: Option<(usize, String)> = None;
    for group in tails.chunk_by(|a, b| a == b) {
        if best.as_ref().is_none_or(|(n, _)| group.len() > *n) {
            best = Some((group.len(), group[0].clone()));
        }
    }
    best.map(|(_, v)| v)
}

/// `7`, `0rc2`, `0a1`: a patch level and an optional pre-release.
fn is_version(rest: &str) -> bool {
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    let suffix = &rest[digits..];
    let pre = suffix.trim_start_matches(['a', 'b', 'r', 'c']);
    digits > 0
        && (suffix.is_empty()
            || (pre.len() < suffix.len()
                && !pre.is_empty()
                && pre.bytes().all(|b| b.is_ascii_digit())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_full_version_is_read_from_the_library() {
        let lib = b"\0junk\x003.11\0main\x003.11.2\0(main, Mar 13 2023)\0";
        assert_eq!(full_version(lib, "3.11").as_deref(), Some("3.11.2"));
        let pre = b"\x003.13.0rc2\0";
        assert_eq!(full_version(pre, "3.13").as_deref(), Some("3.13.0rc2"));
        assert_eq!(full_version(b"\x003.11.x\0", "3.11"), None);
        let merged = b"\0/opt/build/Python-3.11.7\0/opt/py/3.11.7\0lib3.11.9x\0";
        assert_eq!(full_version(merged, "3.11").as_deref(), Some("3.11.7"));
    }
}
