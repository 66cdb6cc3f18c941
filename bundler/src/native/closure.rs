//! What resolving a bundle's native libraries found, for every format alike ([`Closure`]),
//! which optional files (a package's plugins) go out again because a library they load cannot
//! be had ([`Needs`]), and what the walks share: each file read once per way it is reached
//! ([`Visits`]) and told apart by its first bytes ([`starts_with`]). Where the libraries are
//! looked for is each format's own: `elf/closure.rs`, `pe/closure.rs`, `macho/closure.rs`.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::bundle::contents::Contents;
use crate::error::Error;
use crate::native::elf::glibc::GlibcVersion;

/// The files a walk has read, each with the search path its loaders passed on to it: a file
/// reached again the same way is not read again.
#[derive(Debug, Default)]
pub struct Visits(HashSet<(PathBuf, Vec<PathBuf>)>);

impl Visits {
    /// The bytes of `host`, the first time it is reached through `chain`; `None` after.
    pub fn first(&mut self, host: &Path, chain: &[PathBuf]) -> Result<Option<Vec<u8>>, Error> {
        if !self.0.insert((host.to_path_buf(), chain.to_vec())) {
            return Ok(None);
        }
        std::fs::read(host).map(Some).map_err(|source| Error::Read {
            path: host.to_path_buf(),
            source,
        })
    }
}

/// Does the file at `path` start with `N` bytes that `looks_like` accepts?
pub fn starts_with<const N: usize>(path: &Path, looks_like: impl Fn(&[u8]) -> bool) -> bool {
    let mut head = [0u8; N];
    std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut head))
        .is_ok_and(|()| looks_like(&head))
}

/// What resolving the bundle's shared libraries found.
#[derive(Debug, Default)]
pub struct Closure {
    /// Library name → where it was found.
    pub libraries: BTreeMap<String, PathBuf>,
    /// `(library, needed by)` pairs that were not found anywhere.
    pub missing: Vec<(String, String)>,
    /// Optional files (a package's plugins) left out again, each with a library it needs
    /// that was not found.
    pub unloadable: Vec<(String, String)>,
    /// Files whose search path could not be rewritten (too short to hold the new one).
    pub unpatched: Vec<String>,
    /// Mach-O files rewritten that could not be signed again (no `__LINKEDIT` to hold it).
    pub unsigned: Vec<String>,
    /// Mach-O files with no code for one of the target's CPUs, and that CPU's name.
    pub wrong_cpu: Vec<(String, &'static str)>,
    pub clashes: Vec<Clash>,
    /// The newest glibc a bundled file needs, and the first file that needs it.
    pub glibc: Option<(GlibcVersion, String)>,
}

/// One library name, two different files: the bundle holds one library per name in its
/// library folder, and the first found is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clash {
    pub library: String,
    /// The file bundled.
    pub kept: PathBuf,
    /// The one `needed_by` would have loaded.
    pub other: PathBuf,
    pub needed_by: String,
}

/// The closure's edges, for leaving out plugins that cannot load.
#[derive(Default)]
pub struct Needs {
    /// (file, library name it needs).
    pub edges: Vec<(String, String)>,
    /// Library name → where the bundle has it.
    pub dest_of: HashMap<String, String>,
    /// Files the closure put in.
    pub added: BTreeSet<String>,
}

impl Needs {
    /// The files to take out again: optional ones (plugins) that need, directly or through
    /// other libraries, one that was not found, and the libraries the closure put in only for
    /// those. Missing libraries only they needed are no longer reported missing; the plugins
    /// go to `report.unloadable`.
    pub fn unloadable(&self, contents: &Contents, report: &mut Closure) -> BTreeSet<String> {
        let found = |name: &str| self.dest_of.get(name);
        // Files that cannot load: a library they need is missing, or cannot load itself.
        let mut bad: BTreeMap<String, String> = BTreeMap::new();
        loop {
            let mut changed = false;
            for (file, name) in &self.edges {
                if bad.contains_key(file) {
                    continue;
                }
                let why = match found(name) {
                    None if !report.libraries.contains_key(name) => Some(name.clone()),
                    Some(dest) => bad.get(dest).cloned(),
                    None => None,
                };
                if let Some(why) = why {
                    bad.insert(file.clone(), why);
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
        let mut dead: BTreeSet<String> = (bad.keys())
            .filter(|f| contents.is_optional(f))
            .cloned()
            .collect();
        loop {
            let newly: Vec<String> = (self.added.iter())
                .filter(|lib| !dead.contains(*lib))
                .filter(|lib| {
                    let mut needers = (self.edges.iter())
                        .filter(|(_, name)| found(name) == Some(*lib))
                        .map(|(file, _)| file)
                        .peekable();
                    needers.peek().is_some() && needers.all(|f| dead.contains(f))
                })
                .cloned()
                .collect();
            if newly.is_empty() {
                break;
            }
            dead.extend(newly);
        }
        report.unloadable = (dead.iter())
            .filter(|f| contents.is_optional(f))
            .map(|f| (f.clone(), bad.get(f).cloned().unwrap_or_default()))
            .collect();
        // A missing library is reported for a file that stays, if any needs it.
        report.missing = Vec::new();
        for (file, name) in &self.edges {
            let missing = found(name).is_none() && !report.libraries.contains_key(name);
            if missing && !dead.contains(file) && !report.missing.iter().any(|(n, _)| n == name) {
                report.missing.push((name.clone(), file.clone()));
            }
        }
        dead
    }
}
