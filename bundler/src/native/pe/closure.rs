//! The DLL closure of a bundle for Windows: every PE file in it (extension modules, DLLs,
//! plugins) has the DLLs it imports found, recursively, where Windows' loader will look for
//! them in the bundle: the importing file's folder, the bundle's root (which the launcher
//! adds to the DLL search path), and the folders a package adds when it is imported (the
//! package rules' `dll-dirs`: PyQt6's `Qt6/bin`, delvewheel's `<dist>.libs`).
//!
//! A DLL is looked for, in order: already in the bundle where the loader looks; offered by a
//! distribution (Qt's DLLs go only when a bundled file links to them) where the loader looks,
//! or in the importer's own package; on the build machine beside the importing file or in
//! the runtime, then added at the root; in the bundle elsewhere. Windows' own DLLs are left out
//! ([`super::system`]). A plugin that imports a DLL found nowhere goes out again (with what
//! only it needed); anything else that does is reported missing. Names are compared without
//! regard to case, as Windows does.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::fs;
use std::path::{Path, PathBuf};

use super::{read, system};
use crate::bundle::contents::{Contents, Item, Origin, Source};
use crate::error::Error;
use crate::native::closure::{Closure, Needs};

/// Where Windows' loader looks in a bundle: besides the importing file's folder and the
/// root, the folders packages put on the DLL search path, which serve the packages' files
/// only: the runtime's (`python311.dll`, its extension modules) load before any package does.
pub struct SearchPath<'a> {
    /// Is this bundle folder (`/`-separated, relative to the root) one a package adds?
    pub is_dll_dir: &'a dyn Fn(&str) -> bool,
    /// The runtime's folder of extension modules (`DLLs`).
    pub dynload: &'a str,
}

impl SearchPath<'_> {
    /// Does the loader find the DLL at `at` for the file at `importer`?
    fn finds(&self, importer: &str, at: &str) -> bool {
        let dir = parent(at);
        let from = parent(importer);
        let early = from.is_empty() || from == self.dynload;
        dir.is_empty() || dir == from || (!early && (self.is_dll_dir)(dir))
    }
}

/// Add every DLL the bundle's PE files import, found as the module documentation says;
/// `runtime_dirs` are the runtime's folders on the build machine.
pub fn resolve(
    contents: &mut Contents,
    runtime_dirs: &[PathBuf],
    search: &SearchPath,
) -> Result<Closure, Error> {
    let mut report = Closure::default();
    let mut needs = Needs::default();
    // Every file the bundle carries, by file name in lower case → where.
    let mut bundled: HashMap<String, Vec<String>> = HashMap::new();
    for (dest, _) in contents.iter() {
        (bundled.entry(file_name(dest).to_ascii_lowercase()))
            .or_default()
            .push(dest.clone());
    }
    let mut queue: VecDeque<(String, PathBuf)> = contents
        .iter()
        .filter_map(|(dest, item)| match &item.source {
            Source::File(path) if read::starts_like_pe(path) => Some((dest.clone(), path.clone())),
            _ => None,
        })
        .collect();
    let mut listings = Listings::default();
    // Each DLL name in lower case → as the first file that imports it spells it.
    let mut spelled: HashMap<String, String> = HashMap::new();
    while let Some((dest, path)) = queue.pop_front() {
        let Some(names) = read::imports_of(&path)? else {
            continue;
        };
        for name in names {
            if system::is_system(&name) {
                continue;
            }
            let lower = name.to_ascii_lowercase();
            spelled.entry(lower.clone()).or_insert_with(|| name.clone());
            needs.edges.push((dest.clone(), lower.clone()));
            let carried = bundled.get(&lower).cloned().unwrap_or_default();
            if let Some(at) = carried.iter().find(|at| search.finds(&dest, at)) {
                needs.dest_of.insert(lower, at.clone());
                continue;
            }
            let offered: Vec<(String, PathBuf)> = (contents.offered())
                .filter(|(at, _)| file_name(at).eq_ignore_ascii_case(&name))
                .map(|(at, real)| (at.to_string(), real.to_path_buf()))
                .collect();
            let pick = (offered.iter().find(|(at, _)| search.finds(&dest, at)))
                .or_else(|| offered.iter().find(|(at, _)| top(at) == top(&dest)));
            if let Some((at, real)) = pick {
                contents.take_offered(real)?;
                bundled.entry(lower.clone()).or_default().push(at.clone());
                needs.dest_of.insert(lower.clone(), at.clone());
                needs.added.insert(at.clone());
                report.libraries.insert(lower, real.clone());
                queue.push_back((at.clone(), real.clone()));
                continue;
            }
            let beside = path.parent().map(Path::to_path_buf);
            let found =
                (beside.iter().chain(runtime_dirs)).find_map(|dir| listings.find(dir, &lower));
            if let Some(found) = found {
                let origin = Origin::Library {
                    name: name.clone(),
                    needed_by: dest.clone(),
                };
                contents.add(name.clone(), Item::file(found.clone(), 0o755, origin))?;
                bundled.entry(lower.clone()).or_default().push(name.clone());
                needs.dest_of.insert(lower.clone(), name.clone());
                needs.added.insert(name.clone());
                report.libraries.insert(lower, found.clone());
                queue.push_back((name, found));
            } else if let Some(at) = carried.first() {
                // A package that puts the folder on the search path in a way no rule says.
                needs.dest_of.insert(lower, at.clone());
            }
        }
    }
    for dead in needs.unloadable(contents, &mut report) {
        contents.remove(&dead);
    }
    let spell = |lower: &mut String| {
        if let Some(name) = spelled.get(lower.as_str()) {
            lower.clone_from(name);
        }
    };
    for (name, _) in report.missing.iter_mut() {
        spell(name);
    }
    for (_, name) in report.unloadable.iter_mut() {
        spell(name);
    }
    Ok(report)
}

/// Folder listings, read once each: file name in lower case → its path.
#[derive(Default)]
struct Listings(BTreeMap<PathBuf, BTreeMap<String, PathBuf>>);

impl Listings {
    fn find(&mut self, dir: &Path, lower: &str) -> Option<PathBuf> {
        let listing = self.0.entry(dir.to_path_buf()).or_insert_with(|| {
            (fs::read_dir(dir).into_iter().flatten().flatten())
                .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
                .filter_map(|e| {
                    Some((
                        e.file_name().into_string().ok()?.to_ascii_lowercase(),
                        e.path(),
                    ))
                })
                .collect()
        });
        listing.get(lower).cloned()
    }
}

fn file_name(dest: &str) -> &str {
    dest.rsplit('/').next().unwrap_or(dest)
}

fn parent(dest: &str) -> &str {
    dest.rsplit_once('/').map_or("", |(dir, _)| dir)
}

/// The first folder of `dest`, or "" for a file at the root.
fn top(dest: &str) -> &str {
    dest.split_once('/').map_or("", |(first, _)| first)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_loader_looks_beside_the_importer_at_the_root_and_in_dll_dirs() {
        let dll_dirs = |dir: &str| dir == "PyQt6/Qt6/bin" || dir.ends_with(".libs");
        let search = SearchPath {
            is_dll_dir: &dll_dirs,
            dynload: "DLLs",
        };
        assert!(search.finds("PySide6/QtCore.pyd", "PySide6/Qt6Core.dll"));
        assert!(search.finds("DLLs/_ssl.pyd", "libssl-3.dll"));
        assert!(search.finds("PyQt6/QtCore.pyd", "PyQt6/Qt6/bin/Qt6Core.dll"));
        assert!(search.finds("numpy/core/_multiarray.pyd", "numpy.libs/libopenblas.dll"));
        assert!(!search.finds("PySide6/plugins/platforms/qwindows.dll", "other/Qt6Gui.dll"));
        assert!(!search.finds("a/b.pyd", "a/c/d.dll"));
        // The runtime loads before any package adds its folder.
        assert!(!search.finds("python311.dll", "PyQt6/Qt6/bin/vcruntime140.dll"));
        assert!(!search.finds("DLLs/_ssl.pyd", "PyQt6/Qt6/bin/libssl-3.dll"));
    }
}
