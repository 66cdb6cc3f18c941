//! Bundling the distributions an app reaches. Starting from the app's imports that are not its
//! own modules, each name is looked up: the runtime provides it, a distribution in
//! site-packages owns it (then that whole distribution is bundled, its modules' imports and its
//! `Requires-Dist` followed in turn, with the extras a requirement asked of it: `b[x]` brings
//! what `b` requires under `extra == "x"`), or nothing does (then it is reported with the file that
//! imports it). Distributions go where the bundled interpreter's `site` finds them:
//! `_python/lib/python3.X/site-packages`, modules compiled, everything else as installed.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};
use std::fs;
use std::path::{Path, PathBuf};

use super::compiled::Compiled;
use super::distribution::Distribution;
use super::markers::{self, Environment};
use super::SiteIndex;
use crate::analysis::{self, Need, Site};
use crate::compile::{Compiler, Job};
use crate::contents::{Contents, Item};
use crate::error::Error;
use crate::excludes::Excludes;
use crate::interpreter::Interpreter;
use crate::layout;

#[derive(Debug, Default)]
pub struct Report {
    /// `(name, version)` of each bundled distribution.
    pub distributions: Vec<(String, String)>,
    /// Top-level names that nothing provides, imported by the app or by a module it reaches,
    /// with where.
    pub unresolved: BTreeMap<String, Site>,
    /// Runtime (stdlib) modules the app or a module it reaches imports, dotted names.
    pub runtime_used: BTreeSet<String>,
    /// Runtime modules imported by bundled modules that analysis did not see the app reach:
    /// code loaded by a computed name (plugins, setuptools' vendored packages) still finds
    /// them. Only their module-level code is followed (see `runtime::prune`).
    pub runtime_present: BTreeSet<String>,
    /// The compiled modules of the bundled distributions (see [`super::compiled`]).
    pub compiled: Vec<Compiled>,
}

/// What the search starts from and what it must skip.
pub struct Roots<'a> {
    /// Dotted name → where the app imports it.
    pub imports: &'a BTreeMap<String, Site>,
    /// Names the bundled runtime provides at top level (builtins, stdlib, lib-dynload).
    pub runtime: &'a BTreeSet<String>,
    /// `--exclude-module`: these and their submodules stay out.
    pub excluded: &'a Excludes,
    /// `--collect-all`/`--collect-data`: the distributions owning these are bundled with
    /// every installed file, build-time files and tool subpackages included.
    pub whole: &'a [String],
}

/// The search state: names to look up, modules reached, distributions to bundle.
struct Walk {
    queue: VecDeque<(String, Site)>,
    looked_up: HashSet<String>,
    /// Modules of bundled distributions → their imports (present once the distribution is).
    module_imports: HashMap<String, Vec<(String, Site)>>,
    /// Modules whose imports are queued (only code the app can reach is followed), with the
    /// greatest [`Site::need`] of the imports that reached them.
    reached: HashMap<String, Need>,
    /// Reached modules whose distribution is not bundled yet.
    waiting: Vec<(String, Need)>,
    wanted: VecDeque<usize>,
    bundled: BTreeSet<usize>,
    /// Distribution → the extras some requirement asked of it (normalised), whose own
    /// requirements are followed too.
    extras: HashMap<usize, BTreeSet<String>>,
    /// Bundled distributions asked for a new extra: their requirements are looked at again.
    asked_again: VecDeque<usize>,
}

impl Walk {
    /// `module` runs, reached by imports of at most `need`; its own imports matter no more
    /// (a module reached optionally makes optional imports). A module reached again by an
    /// import that matters more is followed again.
    fn reach(&mut self, module: &str, need: Need) {
        if self.reached.get(module).is_some_and(|&was| was >= need) {
            return;
        }
        match self.module_imports.get(module) {
            Some(imports) => {
                self.reached.insert(module.to_string(), need);
                self.queue
                    .extend((imports.iter()).map(|(name, site)| (name.clone(), site.capped(need))));
            }
            None => self.waiting.push((module.to_string(), need)),
        }
    }

    fn want(&mut self, id: usize) {
        if !self.bundled.contains(&id) && !self.wanted.contains(&id) {
            self.wanted.push_back(id);
        }
    }

    /// A requirement on `id` with `extras` (`pkg[a,b]`): bundle it, and follow what those
    /// extras require, again if it is bundled already.
    fn require(&mut self, id: usize, extras: &[String]) {
        let known = self.extras.entry(id).or_default();
        let before = known.len();
        known.extend(extras.iter().map(|e| markers::normalize(e)));
        if known.len() > before && self.bundled.contains(&id) && !self.asked_again.contains(&id) {
            self.asked_again.push_back(id);
        }
        self.want(id);
    }

    /// Follow the requirements of `dist` (index `id`) whose markers hold here, with the extras
    /// asked of it.
    fn follow_requirements(&mut self, id: usize, index: &SiteIndex, env: &Environment) {
        let extras: Vec<String> = self
            .extras
            .get(&id)
            .into_iter()
            .flatten()
            .cloned()
            .collect();
        for req in &index.dists[id].requires {
            let applies =
                (req.marker.as_deref()).is_none_or(|m| markers::evaluate(m, env, &extras));
            if let Some(dep) = index.by_key(&req.key).filter(|_| applies) {
                self.require(dep, &req.extras);
            }
        }
    }
}

pub fn collect(
    roots: Roots,
    index: &SiteIndex,
    interp: &Interpreter,
    compiler: &Compiler,
    contents: &mut Contents,
) -> Result<Report, Error> {
    let env = Environment::linux_cpython(&interp.version, std::env::consts::ARCH);
    let site_dest = layout::site_packages(interp);
    let mut report = Report::default();
    let mut walk = Walk {
        queue: roots
            .imports
            .iter()
            .map(|(n, s)| (n.clone(), s.clone()))
            .collect(),
        looked_up: HashSet::new(),
        module_imports: HashMap::new(),
        reached: HashMap::new(),
        waiting: Vec::new(),
        wanted: VecDeque::new(),
        bundled: BTreeSet::new(),
        extras: HashMap::new(),
        asked_again: VecDeque::new(),
    };

    loop {
        while let Some((name, site)) = walk.queue.pop_front() {
            if roots.excluded.contains(&name) {
                continue;
            }
            let top = name.split('.').next().unwrap_or(&name).to_string();
            if roots.runtime.contains(&top) {
                report.runtime_used.insert(name);
                continue;
            }
            let owners = index.owners(&name);
            if owners.is_empty() {
                if walk.looked_up.insert(name) {
                    record_missing(&mut report.unresolved, top, site);
                }
                continue;
            }
            for &id in owners {
                walk.want(id);
            }
            // Importing a.b.c runs a, a.b and a.b.c.
            let mut prefix = String::new();
            for part in name.split('.') {
                if !prefix.is_empty() {
                    prefix.push('.');
                }
                prefix.push_str(part);
                walk.reach(&prefix.clone(), site.need());
            }
        }
        if let Some(id) = walk.asked_again.pop_front() {
            walk.follow_requirements(id, index, &env);
            continue;
        }
        let Some(id) = walk.wanted.pop_front() else {
            break;
        };
        if !walk.bundled.insert(id) {
            continue;
        }
        let dist = &index.dists[id];
        report
            .distributions
            .push((dist.name.clone(), dist.version.clone()));
        let whole = roots
            .whole
            .iter()
            .any(|name| index.owners(name).contains(&id));
        let keep = |rel: &str| {
            whole
                || (!build_time_only(rel)
                    && super::hooks::tool_subpackage(rel).is_none_or(|tool| {
                        roots.imports.keys().any(|n| analysis::is_within(n, tool))
                    }))
        };
        walk.module_imports.extend(bundle(
            dist,
            &site_dest,
            &keep,
            compiler,
            contents,
            &mut report.compiled,
        )?);
        walk.follow_requirements(id, index, &env);
        for (module, need) in std::mem::take(&mut walk.waiting) {
            walk.reach(&module, need);
        }
    }
    for (module, imports) in &walk.module_imports {
        if walk.reached.contains_key(module) {
            continue;
        }
        for (name, _) in imports {
            let top = name.split('.').next().unwrap_or(name);
            if roots.runtime.contains(top) && !roots.excluded.contains(name) {
                report.runtime_present.insert(name.clone());
            }
        }
    }
    Ok(report)
}

fn record_missing(missing: &mut BTreeMap<String, Site>, top: String, site: Site) {
    missing
        .entry(top)
        .and_modify(|s| {
            if s.need() < site.need() {
                *s = site.clone();
            }
        })
        .or_insert(site);
}

/// Test modules outside a `tests` folder (`test_*.py`, conftest) are carried but not followed:
/// their imports (pytest, mock, ...) are not the app's. A `testing` package is not one: it is
/// API that apps call (`numpy.testing.assert_allclose`), and it needs `unittest`.
fn is_test_module(rel: &str) -> bool {
    let file = rel.rsplit('/').next().unwrap_or(rel);
    rel.split('/').any(|p| p == "tests" || p == "test")
        || file.starts_with("test_")
        || file.ends_with("_test.py")
        || file == "conftest.py"
}

/// Files of a distribution that nothing uses at run time: its test suites (numpy's are 500
/// files) and type stubs. Leaving them out keeps a onefile launch from writing them each time.
fn unused_at_run_time(rel: &str) -> bool {
    let mut dirs = rel.split('/').rev().skip(1);
    rel.ends_with(".pyi") || dirs.any(|d| d == "tests")
}

/// Files only a build against the package uses: C sources and headers (`numpy.get_include()`),
/// Cython declarations, static libraries. `--collect-data`/`--collect-all` keep them.
fn build_time_only(rel: &str) -> bool {
    let in_metadata = rel
        .split('/')
        .next()
        .is_some_and(|top| top.ends_with(".dist-info"));
    let ext = rel.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
    !in_metadata
        && matches!(
            ext,
            "c" | "h" | "cc" | "cpp" | "hpp" | "pxd" | "pyx" | "pxi" | "a" | "lib"
        )
}

/// Add every installed file of `dist` that can matter at run time, modules compiled; returns
/// each module's imports.
fn bundle(
    dist: &Distribution,
    site_dest: &str,
    keep: &dyn Fn(&str) -> bool,
    compiler: &Compiler,
    contents: &mut Contents,
    compiled: &mut Vec<Compiled>,
) -> Result<HashMap<String, Vec<(String, Site)>>, Error> {
    let mut jobs = Vec::new();
    let mut dests = Vec::new();
    let mut imports: HashMap<String, Vec<(String, Site)>> = HashMap::new();
    // An editable install's own .pth and finder would point the bundle back at the
    // project folder: its code is bundled instead (`linked`).
    let installed = (dist.files.iter())
        .filter(|rel| dist.linked.is_empty() || !super::editable::is_hook(rel))
        .map(|rel| (rel, dist.site.join(rel)));
    let linked = dist
        .linked
        .iter()
        .map(|(rel, source)| (rel, source.clone()));
    // `.py` files compiled, and the ones the code names in a string (`dir/name.py`).
    let mut compiled_sources: Vec<(String, PathBuf)> = Vec::new();
    let mut named: HashSet<String> = HashSet::new();
    let as_source = |rel: &str, source: &Path, contents: &mut Contents| -> Result<(), Error> {
        let item = Item::from_file(source, dist.origin(rel))?;
        contents.add(format!("{site_dest}/{rel}"), item)
    };
    for (rel, source) in installed.chain(linked) {
        if unused_at_run_time(rel) || !keep(rel) || !source.is_file() {
            continue;
        }
        let stem = rel
            .strip_suffix(".py")
            .map(|m| m.rsplit('/').next().unwrap_or(m));
        if stem.is_some_and(|stem| !analysis::is_identifier(stem)) {
            // `config-3.py` can never be imported: it is data, read as source.
            as_source(rel, &source, contents)?;
            continue;
        }
        if let Some(module_path) = rel.strip_suffix(".py") {
            let is_package = module_path.ends_with("/__init__") || module_path == "__init__";
            let module = module_path.trim_end_matches("/__init__").replace('/', ".");
            let bytes = fs::read(&source).map_err(|e| Error::Read {
                path: source.clone(),
                source: e,
            })?;
            let found = imports.entry(module.clone()).or_default();
            if !is_test_module(rel) {
                let text = String::from_utf8_lossy(&bytes);
                let scan = analysis::imports::scan(&text, &module, is_package);
                let dir = rel.rsplit_once('/').map_or("", |(dir, _)| dir);
                named.extend(scan.py_files.iter().map(|f| match dir {
                    "" => f.clone(),
                    _ => format!("{dir}/{f}"),
                }));
                for (name, how) in scan.imports {
                    if super::hooks::tool_only(&module, &name) {
                        continue;
                    }
                    let site = Site {
                        importer: rel.clone(),
                        optional: how.optional,
                        in_package_function: !how.always,
                    };
                    found.push((name, site));
                }
            }
            compiled_sources.push((rel.clone(), source.clone()));
            jobs.push(Job {
                source,
                display: rel.clone(),
            });
            dests.push(format!("{site_dest}/{rel}c"));
        } else {
            if let Some(module) = super::compiled::module_name(rel) {
                compiled.push(Compiled {
                    module,
                    file: source.clone(),
                });
            }
            let item = Item::from_file(&source, dist.origin(rel))?;
            contents.add(format!("{site_dest}/{rel}"), item)?;
        }
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
    Ok(imports)
}

#[cfg(test)]
mod tests {
    use super::{build_time_only, is_test_module, unused_at_run_time};

    #[test]
    fn build_time_files_are_told_apart() {
        assert!(build_time_only("numpy/_core/include/numpy/ndarrayobject.h"));
        assert!(build_time_only("numpy/random/lib/libnpyrandom.a"));
        assert!(build_time_only("numpy/__init__.pxd"));
        assert!(!build_time_only("numpy/__init__.py"));
        assert!(!build_time_only("numpy-2.4.6.dist-info/licenses/src/x.h"));
        assert!(!build_time_only("certifi/cacert.pem"));
    }

    #[test]
    fn tests_and_stubs_stay_out() {
        assert!(unused_at_run_time("numpy/_core/tests/test_api.py"));
        assert!(unused_at_run_time("numpy/_core/tests/data/x.csv"));
        assert!(unused_at_run_time("numpy/__init__.pyi"));
        assert!(!unused_at_run_time("numpy/testing/__init__.py"));
        assert!(!is_test_module("numpy/testing/_private/utils.py"));
        assert!(is_test_module("pkg/test/helpers.py") && is_test_module("pkg/conftest.py"));
        assert!(!unused_at_run_time("tests.py"));
        assert!(!unused_at_run_time("certifi/cacert.pem"));
    }
}
