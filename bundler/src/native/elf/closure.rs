//! The shared-library closure of a bundle: every ELF file in it has its DT_NEEDED libraries
//! found on the build machine and added under the bundle's library folder, recursively, apart
//! from the base OS's own. Then every bundled ELF file is stripped (see [`strip`]), and one
//! with a search path that points outside the bundle is pointed at the library folder instead.

use std::collections::{HashMap, HashSet, VecDeque};
use std::fs;
use std::io::Read;
use std::path::PathBuf;

use super::patch::{self, Patched};
use super::read;
use super::search::Searcher;
use super::strip::{self, Strip};
use super::system;
use crate::bundle::contents::{Contents, Item, Origin, Source};
use crate::bundle::layout;
use crate::error::Error;
use crate::native::closure::{Clash, Closure, Needs};

/// Add every library the bundle's ELF files need, strip them all, and point their search
/// paths at the bundle's library folder.
pub fn resolve(contents: &mut Contents, searcher: &Searcher, how: Strip) -> Result<Closure, Error> {
    let mut report = Closure::default();
    // (bundle path, file, DT_RPATH folders inherited from the objects that load it).
    let mut queue: VecDeque<(String, PathBuf, Vec<PathBuf>)> = contents
        .iter()
        .filter_map(|(dest, item)| match &item.source {
            Source::File(path) if starts_like_elf(path) => {
                Some((dest.clone(), path.clone(), Vec::new()))
            }
            _ => None,
        })
        .collect();
    // Each ELF file is read once: its bytes are kept for stripping and patching below.
    let mut elf_files: Vec<(String, Vec<u8>)> = Vec::new();
    // Libraries a package ships itself (numpy.libs/...) are found through its $ORIGIN search
    // path and are already in the bundle at the right place: never copy those again.
    // Such a library is looked at again when reached through a loader chain, whose DT_RPATH
    // folders may find what its own search path does not.
    let mut already_bundled: HashMap<PathBuf, String> = contents
        .iter()
        .filter_map(|(dest, item)| match &item.source {
            Source::File(path) => Some((path.canonicalize().ok()?, dest.clone())),
            _ => None,
        })
        .collect();
    let mut visited: HashSet<(PathBuf, Vec<PathBuf>)> = HashSet::new();
    // Who needs which library (by name), where each library found went, and which files this
    // closure put in: what is needed only by plugins that cannot load goes out again.
    let mut needs = Needs::default();
    let mut read_once: HashSet<String> = HashSet::new();

    while let Some((dest, host_path, loaders)) = queue.pop_front() {
        if !visited.insert((host_path.clone(), loaders.clone())) {
            continue;
        }
        let bytes = fs::read(&host_path).map_err(|source| Error::Read {
            path: host_path.clone(),
            source,
        })?;
        let Some(info) = read::read(&bytes) else {
            continue;
        };
        if let Some(needs) = &info.glibc {
            if report.glibc.as_ref().is_none_or(|(floor, _)| needs > floor) {
                report.glibc = Some((needs.clone(), dest.clone()));
            }
        }
        let chain = searcher.chain(&host_path, &info, &loaders);
        for name in &info.needed {
            if system::is_system(name) {
                continue;
            }
            needs.edges.push((dest.clone(), name.clone()));
            if let Some(first) = report.libraries.get(name) {
                let other = searcher.find(name, &host_path, &info, &loaders);
                if let Some(other) = other.filter(|o| !same_file(o, first)) {
                    report.clashes.push(Clash {
                        library: name.clone(),
                        kept: first.clone(),
                        other,
                        needed_by: dest.clone(),
                    });
                }
                continue;
            }
            let lib_dest = format!("{}/{}", layout::LIB_DIR, name);
            if contents.contains(&lib_dest) {
                needs.dest_of.insert(name.clone(), lib_dest);
                continue;
            }
            let found = searcher.find(name, &host_path, &info, &loaders);
            let real = found.as_ref().and_then(|f| f.canonicalize().ok());
            // A library a distribution offered (its own, at its own place) goes in now, and
            // what it needs is looked at in turn.
            if let (Some(real), Some(found)) = (&real, &found) {
                if !already_bundled.contains_key(real) {
                    if let Some(dest) = contents.take_offered(real)? {
                        already_bundled.insert(real.clone(), dest.clone());
                        needs.added.insert(dest.clone());
                        queue.push_back((dest, found.clone(), chain.clone()));
                    }
                }
            }
            let bundled = real.as_ref().and_then(|real| already_bundled.get(real));
            match found {
                Some(found) if bundled.is_some() => {
                    if let Some(at) = bundled {
                        needs.dest_of.insert(name.clone(), at.clone());
                    }
                    if !chain.is_empty() {
                        let at = bundled.cloned().unwrap_or_default();
                        queue.push_back((at, found.clone(), chain.clone()));
                    }
                    report.libraries.insert(name.clone(), found);
                }
                Some(found) => {
                    contents.add(
                        lib_dest.clone(),
                        Item::file(
                            found.clone(),
                            0o755,
                            Origin::Library {
                                name: name.clone(),
                                needed_by: dest.clone(),
                            },
                        ),
                    )?;
                    report.libraries.insert(name.clone(), found.clone());
                    needs.dest_of.insert(name.clone(), lib_dest.clone());
                    needs.added.insert(lib_dest.clone());
                    queue.push_back((lib_dest, found, chain.clone()));
                }
                None => {
                    if !report.missing.iter().any(|(n, _)| n == name) {
                        report.missing.push((name.clone(), dest.clone()));
                    }
                }
            }
        }
        if read_once.insert(dest.clone()) {
            elf_files.push((dest, bytes));
        }
    }
    // Missing on one path, found on another (through a loader's search path): found.
    let libraries = &report.libraries;
    report
        .missing
        .retain(|(name, _)| !libraries.contains_key(name));

    let dead = needs.unloadable(contents, &mut report);
    for dest in &dead {
        contents.remove(dest);
    }
    let elf_files = (elf_files.into_iter()).filter(|(dest, _)| !dead.contains(dest));
    for (dest, original) in elf_files {
        let stripped = strip::strip(&original, how);
        let changed = stripped.is_some();
        let mut bytes = stripped.unwrap_or(original);
        let patched = patch::retarget(&mut bytes, &layout::origin_to_libs(&dest));
        if patched == Patched::TooShort {
            report.unpatched.push(dest.clone());
        }
        if changed || patched == Patched::Rewritten {
            contents.replace_bytes(&dest, bytes);
        }
    }
    Ok(report)
}

fn same_file(a: &std::path::Path, b: &std::path::Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(x), Ok(y)) if x == y => true,
        _ => matches!((fs::read(a), fs::read(b)), (Ok(x), Ok(y)) if x == y),
    }
}

fn starts_like_elf(path: &PathBuf) -> bool {
    let mut head = [0u8; 4];
    fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut head))
        .is_ok_and(|()| read::looks_like_elf(&head))
}
