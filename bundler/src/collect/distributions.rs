//! Bundling the distributions the module graph wants: each as installed (its RECORD, metadata
//! included), with its modules compiled, apart from what never matters at run time (see
//! `files`) and what the app does not reach: extension modules nothing needs, and the files
//! the package rules leave out (see `rules`). A distribution's shared libraries are offered:
//! the native closure takes those that a bundled file loads.

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};

use crate::analysis;
use crate::analysis::graph::site::SiteFinder;
use crate::analysis::graph::ModuleGraph;
use crate::bundle::contents::{Contents, Item, Origin};
use crate::bundle::module_name::ModuleName;
use crate::error::Error;
use crate::packages::distribution::{is_compiled_file, Distribution};
use crate::packages::files;
use crate::packages::rules::{Rules, Tally, Verdict};
use crate::python::compile::{Compiler, Job};

/// What was bundled, for the build summary: each distribution's name and version, and what
/// was left out of them.
#[derive(Debug, Default)]
pub struct Bundled {
    pub distributions: Vec<(String, String)>,
    /// Extension modules nothing needs.
    pub unneeded_modules: usize,
    /// Shared libraries offered to the native closure.
    pub offered: usize,
    /// What each package rule took and left.
    pub rules: Tally,
    /// Distributions that keep their modules' sources as files (one of them lists them).
    pub with_sources: Vec<String>,
}

/// How the files of the distributions are chosen beyond what the graph says.
pub struct Choice<'a> {
    pub rules: &'a Rules,
    /// Which shared libraries go only when a bundled file links to them.
    pub offer: Offer,
}

/// Which of a distribution's shared libraries the native closure is offered, to take those a
/// bundled file links to, rather than bundled whatever happens. A library that may be loaded
/// by path at run time (`ctypes`) is never offered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Offer {
    /// ELF: those by their versioned name (`libQt6Core.so.6`), the name the dynamic loader
    /// looks for; libraries named otherwise may be loaded by path.
    VersionedNames,
    /// PE: the DLLs another PE file of the same distribution links to (Qt's DLLs, which its
    /// modules and each other import), and those the rules call `linked-only`; any other DLL
    /// may be loaded by path.
    LinkedDlls,
}

/// Bundle every distribution `graph` wants into `site_dest` (the bundle's site-packages).
pub fn add_distributions(
    graph: &ModuleGraph,
    site: &SiteFinder,
    site_dest: &str,
    choice: &Choice,
    compiler: &Compiler,
    contents: &mut Contents,
) -> Result<Bundled, Error> {
    let mut bundled = Bundled::default();
    // The app's own top-level modules and packages come first on sys.path, as the script's
    // folder does under python: a distribution's files of the same name are never reached.
    let app_tops: HashSet<String> = (contents.iter())
        .filter(|(_, item)| matches!(item.origin, Origin::App(_)))
        .map(|(dest, _)| top_name(dest).to_string())
        .collect();
    let in_app = |tool: &str| files::app_imports_within(&graph.app_imports, tool);
    let unneeded: HashSet<&Path> = graph.unneeded.iter().map(|c| c.file.as_path()).collect();
    let optional_modules: HashSet<&Path> = (graph.compiled.iter())
        .filter(|c| graph.only_unreached.contains(&c.module))
        .map(|c| c.file.as_path())
        .collect();
    let reached: std::collections::BTreeSet<String> = (graph.imported.iter().cloned())
        .chain(graph.compiled.iter().map(|c| c.module.clone()))
        .collect();
    for &id in &graph.distributions {
        let dist = &site.index().dists[id];
        bundled
            .distributions
            .push((dist.name.clone(), dist.version.clone()));
        let mut files = site.files(id, &in_app);
        files.retain(|(rel, _)| !app_tops.contains(top_name(rel)));
        // Read before the rules leave any out: a developer tool links to Qt's DLLs too.
        let linked = match choice.offer {
            Offer::LinkedDlls if !site.is_whole(id) => linked_dlls(&files)?,
            _ => HashSet::new(),
        };
        let mut plugins = HashSet::new();
        if !site.is_whole(id) {
            // An extension module nothing imports may still be linked to as a DLL (pywin32's
            // axdebug.pyd links to axscript.pyd): on Windows it is offered too.
            let mut unimported = Vec::new();
            files.retain(|(rel, source)| {
                if unneeded.contains(source.as_path()) {
                    bundled.unneeded_modules += 1;
                    unimported.push((rel.clone(), source.clone()));
                    return false;
                }
                let verdict = choice.rules.verdict(rel, &reached);
                bundled.rules.count(&verdict);
                if matches!(verdict, Verdict::Take { .. }) && is_compiled_file(rel) {
                    plugins.insert(rel.clone());
                }
                if optional_modules.contains(source.as_path()) {
                    plugins.insert(rel.clone());
                }
                !matches!(verdict, Verdict::Leave { .. })
            });
            {
                let on_offer = |rel: &str| match choice.offer {
                    Offer::VersionedNames => is_versioned_library(rel),
                    Offer::LinkedDlls => {
                        let name = rel.rsplit('/').next().unwrap_or(rel).to_ascii_lowercase();
                        name.ends_with(".dll")
                            && (linked.contains(&name) || choice.rules.is_linked_only(rel))
                    }
                };
                let (offered, kept): (Vec<_>, Vec<_>) = files.into_iter().partition(|(rel, _)| {
                    on_offer(rel) && choice.rules.verdict(rel, &reached) == Verdict::Unnamed
                });
                let linked_pyds = (unimported.into_iter()).filter(|(rel, _)| {
                    choice.offer == Offer::LinkedDlls
                        && linked
                            .contains(&rel.rsplit('/').next().unwrap_or(rel).to_ascii_lowercase())
                });
                for (rel, source) in offered.into_iter().chain(linked_pyds) {
                    let item = Item::from_file(&source, dist.origin(&rel))?;
                    contents.offer(crate::bundle::layout::within(site_dest, &rel), item);
                    bundled.offered += 1;
                }
                files = kept;
            }
        }
        if bundle(dist, files, &plugins, site, site_dest, compiler, contents)? {
            bundled.with_sources.push(dist.name.clone());
        }
    }
    Ok(bundled)
}

/// The top-level module or package a bundle path belongs to: `pkg/mod.pyc` → `pkg`,
/// `six.pyc` → `six`, `_x.cpython-311-x86_64-linux-gnu.so` → `_x`.
fn top_name(path: &str) -> &str {
    let first = path.split('/').next().unwrap_or(path);
    if path.contains('/') {
        first
    } else {
        first.split('.').next().unwrap_or(first)
    }
}

/// A shared library by its versioned name (`libQt6Core.so.6`, `libpyside6.abi3.so.6.12`):
/// the name the dynamic loader looks for when a file needs it. Libraries named otherwise may
/// be loaded by path at run time (ctypes), and ship whether or not anything needs them.
fn is_versioned_library(rel: &str) -> bool {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    is_compiled_file(rel) && name.contains(".so.")
}

/// The DLL names (lower case) that the PE files among `files` import.
fn linked_dlls(files: &[(String, PathBuf)]) -> Result<HashSet<String>, Error> {
    let mut linked = HashSet::new();
    for (rel, source) in files {
        let lower = rel.to_ascii_lowercase();
        if !(lower.ends_with(".dll") || lower.ends_with(".pyd") || lower.ends_with(".exe")) {
            continue;
        }
        if let Some(names) = crate::native::pe::read::imports_of(source)? {
            linked.extend(names.iter().map(|n| n.to_ascii_lowercase()));
        }
    }
    Ok(linked)
}

/// Add `files` of `dist` (relative to site-packages, with where each is read from), modules
/// compiled; `plugins` go only if what they load can be had. Whether its modules' sources
/// went too (a module of it lists them).
fn bundle(
    dist: &Distribution,
    files: Vec<(String, PathBuf)>,
    plugins: &HashSet<String>,
    site: &SiteFinder,
    site_dest: &str,
    compiler: &Compiler,
    contents: &mut Contents,
) -> Result<bool, Error> {
    let mut jobs = Vec::new();
    let mut dests = Vec::new();
    // `.py` files compiled, and the ones the code names in a string (`dir/name.py`).
    let mut compiled_sources: Vec<(String, PathBuf)> = Vec::new();
    let mut named: HashSet<String> = HashSet::new();
    // Some module lists module sources on disk: every module keeps its source as a file.
    let mut lists_sources = false;
    let as_source = |rel: &str, source: &Path, contents: &mut Contents| -> Result<(), Error> {
        let item = Item::from_file(source, dist.origin(rel))?;
        contents.add(crate::bundle::layout::within(site_dest, rel), item)
    };
    for (rel, source) in files {
        let Some(module_path) = rel.strip_suffix(".py") else {
            let item = Item::from_file(&source, dist.origin(&rel))?;
            if plugins.contains(&rel) {
                contents.add_optional(crate::bundle::layout::within(site_dest, &rel), item)?;
            } else {
                contents.add(crate::bundle::layout::within(site_dest, &rel), item)?;
            }
            continue;
        };
        let Some(module) = ModuleName::from_path(&rel) else {
            // `config-3.py` can never be imported: it is data, read as source.
            as_source(&rel, &source, contents)?;
            continue;
        };
        if !files::is_test_module(&rel) {
            let bytes = fs::read(&source).map_err(|e| Error::Read {
                path: source.clone(),
                source: e,
            })?;
            let is_package = module_path.ends_with("/__init__") || module_path == "__init__";
            let text = String::from_utf8_lossy(&bytes);
            let scan = analysis::imports::scan(&text, module.as_str(), is_package, site.env());
            lists_sources |= scan.lists_sources;
            let dir = rel.rsplit_once('/').map_or("", |(dir, _)| dir);
            named.extend(scan.py_files.iter().map(|f| match dir {
                "" => f.clone(),
                _ => format!("{dir}/{f}"),
            }));
        }
        jobs.push(Job {
            source: source.clone(),
            display: rel.clone(),
        });
        dests.push(crate::bundle::layout::within(site_dest, &format!("{rel}c")));
        compiled_sources.push((rel, source));
    }
    // A distribution may ship `.py` files that do not compile (templates, Python 2
    // leftovers): never importable, they can only be data, and go as they are.
    let results = compiler.compile(&jobs, false)?;
    for ((done, dest), (rel, source)) in results.into_iter().zip(dests).zip(&compiled_sources) {
        let compiled = done.is_some();
        if let Some(done) = done {
            contents.add(dest, Item::bytes(done.pyc, 0o644, dist.origin(rel)))?;
        }
        if !compiled || named.contains(rel) || lists_sources {
            as_source(rel, source, contents)?;
        }
    }
    Ok(lists_sources)
}
