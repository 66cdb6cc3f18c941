//! The DLL closure of a bundle for Windows: every PE file in it (extension modules, DLLs) has
//! the DLLs it imports found and added to the bundle's root, which the launcher puts on the
//! DLL search path, recursively. A DLL is looked for beside the file that imports it, then in
//! the runtime's folders; one the bundle already carries anywhere (a wheel's `numpy.libs`, a
//! delvewheel folder its package adds at import) is not added again; Windows' own DLLs are
//! left out ([`super::system`]). Names are compared without regard to case, as Windows does.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use super::system;
use crate::closure::Closure;
use crate::contents::{Contents, Item, Origin, Source};
use crate::error::Error;

/// Add every DLL the bundle's PE files import, found beside them or in `runtime_dirs`.
pub fn resolve(contents: &mut Contents, runtime_dirs: &[PathBuf]) -> Result<Closure, Error> {
    let mut report = Closure::default();
    // Every file name the bundle carries, in lower case.
    let mut carried: BTreeSet<String> = contents
        .iter()
        .map(|(dest, _)| file_name(dest).to_ascii_lowercase())
        .collect();
    let mut queue: VecDeque<(String, PathBuf)> = contents
        .iter()
        .filter_map(|(dest, item)| match &item.source {
            Source::File(path) if starts_like_pe(path) => Some((dest.clone(), path.clone())),
            _ => None,
        })
        .collect();
    let mut listings = Listings::default();
    while let Some((dest, path)) = queue.pop_front() {
        let bytes = fs::read(&path).map_err(|source| Error::Read {
            path: path.clone(),
            source,
        })?;
        let Ok(pe) = goblin::pe::PE::parse(&bytes) else {
            continue;
        };
        for name in &pe.libraries {
            let lower = name.to_ascii_lowercase();
            if system::is_system(name) || carried.contains(&lower) {
                continue;
            }
            let beside = path.parent().map(Path::to_path_buf);
            let found =
                (beside.iter().chain(runtime_dirs)).find_map(|dir| listings.find(dir, &lower));
            match found {
                Some(found) => {
                    contents.add(
                        name.to_string(),
                        Item::file(
                            found.clone(),
                            0o755,
                            Origin::Library {
                                name: name.to_string(),
                                needed_by: dest.clone(),
                            },
                        ),
                    )?;
                    carried.insert(lower);
                    report.libraries.insert(name.to_string(), found.clone());
                    queue.push_back((name.to_string(), found));
                }
                None => {
                    if !report
                        .missing
                        .iter()
                        .any(|(n, _)| n.eq_ignore_ascii_case(name))
                    {
                        report.missing.push((name.to_string(), dest.clone()));
                    }
                }
            }
        }
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

fn starts_like_pe(path: &Path) -> bool {
    let mut head = [0u8; 2];
    fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut head))
        .is_ok_and(|()| &head == b"MZ")
}
