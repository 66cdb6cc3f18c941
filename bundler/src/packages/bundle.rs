//! Bundling the distributions the module graph wants: each whole, as installed (its RECORD,
//! metadata included), with its modules compiled, apart from what never matters at run time
//! (see `files`).

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};

use super::distribution::Distribution;
use super::files;
use crate::analysis;
use crate::analysis::graph::site::SiteFinder;
use crate::analysis::graph::ModuleGraph;
use crate::analysis::name::ModuleName;
use crate::compile::{Compiler, Job};
use crate::contents::{Contents, Item};
use crate::error::Error;

/// What was bundled, for the build summary: each distribution's name and version.
#[derive(Debug, Default)]
pub struct Bundled {
    pub distributions: Vec<(String, String)>,
}

/// Bundle every distribution `graph` wants into `site_dest` (the bundle's site-packages).
pub fn add_distributions(
    graph: &ModuleGraph,
    site: &SiteFinder,
    site_dest: &str,
    compiler: &Compiler,
    contents: &mut Contents,
) -> Result<Bundled, Error> {
    let mut bundled = Bundled::default();
    let in_app = |tool: &str| files::app_imports_within(&graph.app_imports, tool);
    for &id in &graph.distributions {
        let dist = &site.index().dists[id];
        bundled
            .distributions
            .push((dist.name.clone(), dist.version.clone()));
        bundle(dist, site.files(id, &in_app), site_dest, compiler, contents)?;
    }
    Ok(bundled)
}

/// Add `files` of `dist` (relative to site-packages, with where each is read from), modules
/// compiled.
fn bundle(
    dist: &Distribution,
    files: Vec<(String, PathBuf)>,
    site_dest: &str,
    compiler: &Compiler,
    contents: &mut Contents,
) -> Result<(), Error> {
    let mut jobs = Vec::new();
    let mut dests = Vec::new();
    // `.py` files compiled, and the ones the code names in a string (`dir/name.py`).
    let mut compiled_sources: Vec<(String, PathBuf)> = Vec::new();
    let mut named: HashSet<String> = HashSet::new();
    let as_source = |rel: &str, source: &Path, contents: &mut Contents| -> Result<(), Error> {
        let item = Item::from_file(source, dist.origin(rel))?;
        contents.add(format!("{site_dest}/{rel}"), item)
    };
    for (rel, source) in files {
        let Some(module_path) = rel.strip_suffix(".py") else {
            let item = Item::from_file(&source, dist.origin(&rel))?;
            contents.add(format!("{site_dest}/{rel}"), item)?;
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
            let scan = analysis::imports::scan(&text, module.as_str(), is_package);
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
        dests.push(format!("{site_dest}/{rel}c"));
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
        if !compiled || named.contains(rel) {
            as_source(rel, source, contents)?;
        }
    }
    Ok(())
}
