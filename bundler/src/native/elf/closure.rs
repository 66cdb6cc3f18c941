//! The shared-library closure of a bundle: every ELF file in it has its DT_NEEDED libraries
//! found on the build machine and added under the bundle's library folder, recursively, apart
//! from the base OS's own. Then every bundled ELF file is stripped (see [`strip`]), and one
//! with a search path that points outside the bundle is pointed at the library folder instead.

use std::collections::{HashMap, HashSet, VecDeque};
use std::fs;
use std::path::{Path, PathBuf};

use super::patch::{self, Patched};
use super::read;
use super::search::Searcher;
use super::strip::{self, Strip};
use super::system;
use crate::bundle::contents::{Contents, Item, Origin, Source};
use crate::bundle::layout;
use crate::error::Error;
use crate::native::closure::{starts_with, Clash, Closure, Needs, Visits};

/// Add every library the bundle's ELF files need, strip them all, and point their search
/// paths at the bundle's library folder.
pub fn resolve(contents: &mut Contents, searcher: &Searcher, how: Strip) -> Result<Closure, Error> {
    let mut walk = Walk::new(contents);
    while let Some((dest, host_path, loaders)) = walk.queue.pop_front() {
        walk.visit(contents, searcher, dest, host_path, loaders)?;
    }
    let Walk {
        mut report,
        elf_files,
        needs,
        ..
    } = walk;
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

/// The breadth-first walk over the bundle's ELF files and the libraries they need.
struct Walk {
    report: Closure,
    /// (bundle path, file, DT_RPATH folders inherited from the objects that load it).
    queue: VecDeque<(String, PathBuf, Vec<PathBuf>)>,
    /// Each ELF file is read once: its bytes are kept for stripping and patching after.
    elf_files: Vec<(String, Vec<u8>)>,
    /// Libraries a package ships itself (numpy.libs/...) are found through its $ORIGIN search
    /// path and are already in the bundle at the right place: never copied again. Such a
    /// library is looked at again when reached through a loader chain, whose DT_RPATH
    /// folders may find what its own search path does not.
    already_bundled: HashMap<PathBuf, String>,
    visited: Visits,
    /// Who needs which library (by name), where each library found went, and which files
    /// this closure put in: what is needed only by plugins that cannot load goes out again.
    needs: Needs,
    read_once: HashSet<String>,
}

impl Walk {
    fn new(contents: &Contents) -> Walk {
        let queue = contents
            .iter()
            .filter_map(|(dest, item)| match &item.source {
                Source::File(path) if starts_like_elf(path) => {
                    Some((dest.clone(), path.clone(), Vec::new()))
                }
                _ => None,
            })
            .collect();
        let already_bundled = contents
            .iter()
            .filter_map(|(dest, item)| match &item.source {
                Source::File(path) => Some((path.canonicalize().ok()?, dest.clone())),
                _ => None,
            })
            .collect();
        Walk {
            report: Closure::default(),
            queue,
            elf_files: Vec::new(),
            already_bundled,
            visited: Visits::default(),
            needs: Needs::default(),
            read_once: HashSet::new(),
        }
    }

    /// Read the ELF file `host_path` (at `dest` in the bundle, loaded through `loaders`) and
    /// find what it needs.
    fn visit(
        &mut self,
        contents: &mut Contents,
        searcher: &Searcher,
        dest: String,
        host_path: PathBuf,
        loaders: Vec<PathBuf>,
    ) -> Result<(), Error> {
        let Some(bytes) = self.visited.first(&host_path, &loaders)? else {
            return Ok(());
        };
        let Some(info) = read::read(&bytes) else {
            return Ok(());
        };
        if let Some(needs) = &info.glibc {
            if (self.report.glibc.as_ref()).is_none_or(|(floor, _)| needs > floor) {
                self.report.glibc = Some((needs.clone(), dest.clone()));
            }
        }
        let file = Loading {
            dest: &dest,
            host_path: &host_path,
            info: &info,
            loaders: &loaders,
            chain: searcher.chain(&host_path, &info, &loaders),
        };
        for name in &info.needed {
            if !system::is_system(name) {
                self.needed(contents, searcher, &file, name)?;
            }
        }
        if self.read_once.insert(dest.clone()) {
            self.elf_files.push((dest, bytes));
        }
        Ok(())
    }

    /// The library `name` that `file` needs: already found, already in the bundle, offered
    /// by a distribution, found on this machine (added, and walked in turn), or missing.
    fn needed(
        &mut self,
        contents: &mut Contents,
        searcher: &Searcher,
        file: &Loading,
        name: &str,
    ) -> Result<(), Error> {
        let (dest, host_path, info, loaders) = (file.dest, file.host_path, file.info, file.loaders);
        let report = &mut self.report;
        let needs = &mut self.needs;
        needs.edges.push((dest.to_string(), name.to_string()));
        if let Some(first) = report.libraries.get(name) {
            let other = searcher.find(name, host_path, info, loaders);
            if let Some(other) = other.filter(|o| !same_file(o, first)) {
                report.clashes.push(Clash {
                    library: name.to_string(),
                    kept: first.clone(),
                    other,
                    needed_by: dest.to_string(),
                });
            }
            return Ok(());
        }
        let lib_dest = format!("{}/{}", layout::LIB_DIR, name);
        if contents.contains(&lib_dest) {
            needs.dest_of.insert(name.to_string(), lib_dest);
            return Ok(());
        }
        let found = searcher.find(name, host_path, info, loaders);
        let real = found.as_ref().and_then(|f| f.canonicalize().ok());
        // A library a distribution offered (its own, at its own place) goes in now, and what
        // it needs is looked at in turn.
        if let (Some(real), Some(found)) = (&real, &found) {
            if !self.already_bundled.contains_key(real) {
                if let Some(dest) = contents.take_offered(real)? {
                    self.already_bundled.insert(real.clone(), dest.clone());
                    needs.added.insert(dest.clone());
                    self.queue
                        .push_back((dest, found.clone(), file.chain.clone()));
                }
            }
        }
        let bundled = real
            .as_ref()
            .and_then(|real| self.already_bundled.get(real));
        match found {
            Some(found) if bundled.is_some() => {
                if let Some(at) = bundled {
                    needs.dest_of.insert(name.to_string(), at.clone());
                }
                if !file.chain.is_empty() {
                    let at = bundled.cloned().unwrap_or_default();
                    self.queue
                        .push_back((at, found.clone(), file.chain.clone()));
                }
                report.libraries.insert(name.to_string(), found);
            }
            Some(found) => {
                contents.add(
                    lib_dest.clone(),
                    Item::file(
                        found.clone(),
                        0o755,
                        Origin::Library {
                            name: name.to_string(),
                            needed_by: dest.to_string(),
                        },
                    ),
                )?;
                report.libraries.insert(name.to_string(), found.clone());
                needs.dest_of.insert(name.to_string(), lib_dest.clone());
                needs.added.insert(lib_dest.clone());
                self.queue.push_back((lib_dest, found, file.chain.clone()));
            }
            None => {
                if !report.missing.iter().any(|(n, _)| n == name) {
                    report.missing.push((name.to_string(), dest.to_string()));
                }
            }
        }
        Ok(())
    }
}

/// One ELF file being visited: where it is, what it says, and the search path its loaders
/// pass on to what it loads.
struct Loading<'a> {
    dest: &'a str,
    host_path: &'a std::path::Path,
    info: &'a read::ElfInfo,
    loaders: &'a [PathBuf],
    chain: Vec<PathBuf>,
}

fn same_file(a: &std::path::Path, b: &std::path::Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(x), Ok(y)) if x == y => true,
        _ => matches!((fs::read(a), fs::read(b)), (Ok(x), Ok(y)) if x == y),
    }
}

fn starts_like_elf(path: &Path) -> bool {
    starts_with::<4>(path, read::looks_like_elf)
}
