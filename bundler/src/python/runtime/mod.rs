//! The Python runtime a bundle carries ([`Runtime`]: the build interpreter's own, or
//! `--runtime`'s, see [`given`]), and what its files say: the top-level names it provides and
//! the standard-library modules a bundle may carry ([`stdlib`] says which never go). Adding it
//! to a bundle is the collect stage's (`collect/stdlib.rs`).

pub mod cpython;
pub mod given;
pub mod prefix;
pub mod stdlib;
pub mod windows;

pub use cpython::{Runtime, Source};

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

use crate::bundle::target::Target;
use crate::error::Error;

/// Top-level module names the runtime provides: built-in, standard library (of every platform,
/// so `import msvcrt` is never taken for a missing package), lib-dynload.
pub fn provided_names(runtime: &Runtime) -> Result<BTreeSet<String>, Error> {
    let mut names: BTreeSet<String> = runtime.builtins.iter().cloned().collect();
    names.insert("__main__".to_string());
    names.extend(runtime.stdlib_names.iter().cloned());
    let extension = stdlib::extension_suffix(runtime.target);
    let extensions =
        (read_dir_sorted(&runtime.dynload)?.into_iter()).filter(|n| n.ends_with(extension));
    for name in read_dir_sorted(&runtime.stdlib)?
        .into_iter()
        .chain(extensions)
    {
        let top = name.split('.').next().unwrap_or(&name);
        if !top.is_empty() && !top.contains('-') {
            names.insert(top.to_string());
        }
    }
    Ok(names)
}

/// Every `.py` file of `runtime`'s standard library a bundle may carry, as `/`-separated paths
/// relative to it.
pub fn stdlib_sources(runtime: &Runtime) -> Result<Vec<String>, Error> {
    let mut sources = Vec::new();
    walk_stdlib(&runtime.stdlib, "", &mut sources)?;
    Ok(sources)
}

/// Every `.py` file under `root/rel` that the bundle keeps, as `/`-separated relative paths.
fn walk_stdlib(root: &Path, rel: &str, out: &mut Vec<String>) -> Result<(), Error> {
    let dir = if rel.is_empty() {
        root.to_path_buf()
    } else {
        root.join(rel)
    };
    for name in read_dir_sorted(&dir)? {
        let child_rel = if rel.is_empty() {
            name.clone()
        } else {
            format!("{rel}/{name}")
        };
        let path = dir.join(&name);
        if path.is_dir() {
            if stdlib::keep_dir(&child_rel) {
                walk_stdlib(root, &child_rel, out)?;
            }
        } else if stdlib::keep_module(&child_rel) {
            out.push(child_rel);
        }
    }
    Ok(())
}

/// The names in `dir` that are UTF-8, sorted.
pub fn read_dir_sorted(dir: &Path) -> Result<Vec<String>, Error> {
    let read_err = |source| Error::Read {
        path: dir.to_path_buf(),
        source,
    };
    let mut names = Vec::new();
    for entry in fs::read_dir(dir).map_err(read_err)? {
        let entry = entry.map_err(read_err)?;
        // Names that are not UTF-8 cannot be modules; skip them.
        if let Ok(name) = entry.file_name().into_string() {
            names.push(name);
        }
    }
    names.sort();
    Ok(names)
}

/// How the runtime `named` is refused for `target`: the one-line error, given why.
pub(crate) fn refusal(named: &Path, target: Target) -> impl Fn(String) -> Error + Copy + '_ {
    move |why| Error::BadRuntime {
        path: named.to_path_buf(),
        target,
        why,
    }
}
