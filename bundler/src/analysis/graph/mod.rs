//! The module graph: every module the app can reach, where each was found (the app's own
//! folders, the standard library, an installed distribution, or nowhere), and how much the app
//! needs it. One structure holds what depends on what (PyInstaller's single module graph); the
//! collectors read their share from it (`app` compiles the app's modules, `packages` bundles
//! the distributions whole, `runtime` keeps the standard library's files the walk kept).
//!
//! It is built by one walk from the script, the runtime hooks and the hints, in which three
//! finders answer where a name is and what it imports, in `sys.path`'s order: the app's
//! folders ([`app`]), then the standard library ([`stdlib`]), then site-packages ([`site`]).
//! Each kind of module is followed its own way:
//!
//! - the app's modules: every import, wherever it is in the code;
//! - a distribution's modules: only once something reaches them, their imports weighing no
//!   more than what reached them (a module reached only optionally imports optionally), and a
//!   distribution brings what it requires (`Requires-Dist`, with the extras asked of it);
//! - the standard library's: those the app or a package uses follow every import, start-up
//!   modules only their module-level ones.
//!
//! After the walk, the compiled modules the walk reached are asked what they load from C (an
//! edge no source shows, see `packages::compiled`): the standard library's modules join the
//! graph, and so do the distributions' (PySide6's `QtWidgets` loads `QtGui` and `QtCore`), which
//! may reach more compiled modules, asked in turn. A compiled module nothing reaches is not
//! needed: the bundle leaves it out (with the shared libraries only it would load). The
//! module-level imports of the distributions' modules nothing reached are looked at too (they
//! may run, as plugins or by computed names), for the standard-library modules they add.

pub mod app;
pub mod site;
pub mod stdlib;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};
use std::path::{Path, PathBuf};

use crate::analysis::excludes::Excludes;
use crate::analysis::{Hint, Need, Site};
use crate::bundle::module_name::{prefixes, top};
use crate::error::Error;
use crate::packages::compiled::{Compiled, Loaded};
use crate::packages::markers;

/// Where the walk starts.
pub struct Roots<'a> {
    pub script: &'a Path,
    /// The script's file name, as its imports' importer.
    pub script_name: &'a str,
    /// `--runtime-hook` scripts.
    pub hooks: &'a [PathBuf],
    /// `--hidden-import` names, and the packages `--collect-*` names.
    pub hidden: &'a [String],
    /// Packages of the app every submodule of which goes (`--collect-all/-submodules`).
    pub submodules_of: &'a [String],
    /// Modules PyInstaller hooks name (`hiddenimports`), with the hook that names each.
    pub hook_imports: &'a [(String, String)],
    /// (a hooked module, a name): the hooked package's modules' imports of that name are not
    /// followed (a hook's `excludedimports`).
    pub not_followed: &'a [(String, String)],
}

/// What the walk found.
#[derive(Default)]
pub struct ModuleGraph {
    /// The app's own modules, by name, with where each is.
    pub app: BTreeMap<String, app::Found>,
    /// Distributions (indexes into the site index) to bundle, in the order first wanted.
    pub distributions: Vec<usize>,
    /// Modules of those distributions that something reached, and how much each is needed.
    pub reached: BTreeMap<String, Need>,
    /// Every name of a distribution's module that something imported, unless only optionally
    /// from inside a package's function (compiled modules' included, which have no source to
    /// follow).
    pub imported: BTreeSet<String>,
    /// Top-level names found nowhere, with the import of them that matters most.
    pub missing: BTreeMap<String, Site>,
    /// Names the app's own code (or a hint) imports from outside itself.
    pub app_imports: BTreeSet<String>,
    /// The compiled modules of the distributions that the app needs: reached by an import,
    /// loaded from C by one that is, or in a distribution wanted whole (`--collect-all`).
    pub compiled: Vec<Compiled>,
    /// The compiled modules of the distributions that nothing needs.
    pub unneeded: Vec<Compiled>,
    /// Compiled modules needed only because modules nothing reached import them (pywin32's
    /// `mapi` for its helpers): they go if what they load can be had, as plugins do.
    pub only_unreached: BTreeSet<String>,
    /// The standard-library modules the compiled modules import from C and analysis did not
    /// see; `None` when they could not be asked.
    pub from_c: Option<Vec<String>>,
    /// Each distribution module something imported, with the file that first imported it
    /// (`app.py`, `pandas/core/frame.py`, `--hidden-import`): the import chains
    /// `pybundle inspect --why` shows.
    pub imported_by: BTreeMap<String, String>,
    /// Why each distribution (an index into the site index) is wanted: the first reason.
    pub wanted_by: BTreeMap<usize, Wanted>,
}

/// Why a distribution is in the bundle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Wanted {
    /// One of its modules is imported (`module`).
    Import(String),
    /// Another distribution requires it (`Requires-Dist`).
    Requires(usize),
}

/// One name for the walk to look at.
enum Visit {
    /// Imported by the app's own code, or named by a hint.
    App { name: String, site: Site },
    /// Imported by a reached module of a distribution (its site already weighed).
    Package { name: String, site: Site },
    /// Within the standard library.
    Stdlib(stdlib::Visit),
}

struct Walk<'a> {
    /// (hooked package, name) pairs whose imports are not followed.
    not_followed: &'a [(String, String)],
    app: &'a app::AppFinder,
    site: &'a site::SiteFinder<'a>,
    stdlib: &'a mut stdlib::StdlibFinder,
    excludes: &'a Excludes,
    graph: ModuleGraph,
    queue: VecDeque<Visit>,
    wanted: HashSet<usize>,
    /// Distributions whose requirements are to be followed (new, or asked for a new extra).
    to_follow: VecDeque<usize>,
    /// Distribution → the extras some requirement asked of it (normalised).
    extras: HashMap<usize, BTreeSet<String>>,
    /// Top-level names: whether the app has a module of that name.
    app_tops: HashMap<String, bool>,
}

/// Build the graph from `roots`. `probe` asks the build interpreter what compiled modules
/// import when they load.
pub fn analyse(
    roots: &Roots,
    app: &app::AppFinder,
    site: &site::SiteFinder,
    stdlib: &mut stdlib::StdlibFinder,
    excludes: &Excludes,
    probe: &dyn Fn(&[Compiled]) -> Option<Loaded>,
) -> Result<ModuleGraph, Error> {
    let mut walk = Walk {
        not_followed: roots.not_followed,
        app,
        site,
        stdlib,
        excludes,
        graph: ModuleGraph::default(),
        queue: VecDeque::new(),
        wanted: HashSet::new(),
        to_follow: VecDeque::new(),
        extras: HashMap::new(),
        app_tops: HashMap::new(),
    };
    walk.seed(roots)?;
    walk.run()?;
    // Standard-library modules that load a distribution by a name they compute, when it is
    // installed: zoneinfo reads its zones from the tzdata package where the system has none.
    for (module, distribution) in STDLIB_LOADS {
        if walk.stdlib.asked_by_app().contains(*module) && !site.owners(distribution).is_empty() {
            walk.queue.push_back(Visit::Package {
                name: distribution.to_string(),
                site: Site::app(module, true),
            });
        }
    }
    walk.run()?;

    // The bundle carries every Python module of a distribution, and any may run (Pillow loads
    // its format plugins by computed names, others run as plugins): what their module-level
    // code imports of the standard library, and of compiled modules beside them, is needed.
    let before: BTreeSet<String> = walk.graph.imported.clone();
    walk.unreached_imports()?;
    walk.run()?;
    walk.graph.only_unreached = (walk.graph.imported.difference(&before)).cloned().collect();
    let from_c = walk.follow_compiled(probe)?;
    let (compiled, unneeded) = walk.compiled_modules();
    walk.graph.from_c = from_c.map(|set| set.into_iter().collect());
    walk.graph.compiled = compiled;
    walk.graph.unneeded = unneeded;
    Ok(walk.graph)
}

impl Walk<'_> {
    /// What the walk starts from: the start-up modules, the script, the runtime hooks, the
    /// hidden imports (with every submodule of `--collect-submodules` packages) and the
    /// hooks' hidden imports.
    fn seed(&mut self, roots: &Roots) -> Result<(), Error> {
        for name in stdlib::ALWAYS {
            self.queue.push_back(Visit::Stdlib(stdlib::Visit {
                name: name.to_string(),
                by_app: false,
                used: false,
            }));
        }
        self.app_source(roots.script, "__main__", false, roots.script_name)?;
        for hook in roots.hooks {
            let name = hook
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            self.app_source(hook, "__main__", false, &name)?;
        }
        let mut hidden: Vec<String> = roots.hidden.to_vec();
        for package in roots.submodules_of {
            hidden.extend(self.app.submodules(package));
        }
        for name in hidden {
            self.queue.push_back(Visit::App {
                name,
                site: Site::app("--hidden-import", false),
            });
        }
        // A hook's hidden imports are what its package may import: optional, as many name
        // drivers and backends that are not installed (SQLAlchemy's hook names MySQLdb).
        for (name, hook) in roots.hook_imports {
            self.queue.push_back(Visit::App {
                name: name.clone(),
                site: Site::hook(hook),
            });
        }
        Ok(())
    }

    /// What the compiled modules the app reaches load from C, followed until they load nothing
    /// new; the standard-library modules learnt so (`None` when the probe could not run).
    fn follow_compiled(
        &mut self,
        probe: &dyn Fn(&[Compiled]) -> Option<Loaded>,
    ) -> Result<Option<BTreeSet<String>>, Error> {
        let mut asked: BTreeSet<String> = BTreeSet::new();
        let mut from_c: Option<BTreeSet<String>> = Some(BTreeSet::new());
        for _ in 0..MAX_PROBES {
            // Each round asks only about the modules not asked before: what they load is
            // learnt just as well in a fresh process.
            let (needed, _) = self.compiled_modules();
            let new: Vec<Compiled> = (needed.into_iter())
                .filter(|c| !asked.contains(&c.module))
                .collect();
            if new.is_empty() {
                break;
            }
            asked.extend(new.iter().map(|c| c.module.clone()));
            let Some(loaded) = probe(&new) else {
                from_c = None;
                break;
            };
            for name in &loaded.stdlib {
                if self.stdlib.asked_by_app().contains(name) || self.excludes.contains(name) {
                    continue;
                }
                if let Some(new) = from_c.as_mut() {
                    new.insert(name.clone());
                }
                self.queue.push_back(Visit::Stdlib(stdlib::Visit {
                    name: name.clone(),
                    by_app: true,
                    used: true,
                }));
            }
            for name in loaded.others {
                // Modules a binding makes up as it loads (shiboken's `__feature__`) are no
                // file.
                let installed = !self.site.owners(&name).is_empty();
                if installed
                    && !self.graph.imported.contains(&name)
                    && !self.excludes.contains(&name)
                {
                    self.queue.push_back(Visit::Package {
                        name,
                        site: Site::loaded_from_c(),
                    });
                }
            }
            self.run()?;
        }
        Ok(from_c)
    }
}

/// (standard-library module, the distribution it loads by a computed name when installed).
const STDLIB_LOADS: &[(&str, &str)] = &[("zoneinfo", "tzdata")];

/// How many times the compiled modules are asked what they load: each answer may reach more.
const MAX_PROBES: usize = 4;

impl Walk<'_> {
    /// Look at the imports of the distributions' modules nothing reached, once: the standard
    /// library's modules they import are queued (only their module-level code may run), and
    /// the compiled modules of wanted distributions that their module-level code imports from
    /// the same package count as imported.
    fn unreached_imports(&mut self) -> Result<(), Error> {
        let app_imports = self.graph.app_imports.clone();
        let in_app = |tool: &str| crate::packages::files::app_imports_within(&app_imports, tool);
        // Compiled module → its folder.
        let modules: BTreeMap<String, Option<PathBuf>> = (self.graph.distributions.iter())
            .flat_map(|&dist| self.site.compiled(dist, &in_app))
            .map(|c| (c.module, c.file.parent().map(Path::to_path_buf)))
            .collect();
        for &dist in &self.graph.distributions.clone() {
            for (module, file) in self.site.module_names(dist, &in_app) {
                if self.graph.reached.contains_key(&module) {
                    continue;
                }
                let imports = self
                    .site
                    .imports(dist, &module, &in_app)?
                    .unwrap_or_default();
                // A module that needs, as it loads, a tool the app never reaches (Pillow's
                // `ImageTk` and tkinter) cannot load in the bundle: nothing of it counts.
                let needs_idle_tool = (imports.iter()).any(|(name, site)| {
                    !site.deferred && !site.optional && self.stdlib.is_idle_tool(name)
                });
                if needs_idle_tool {
                    continue;
                }
                for (name, site) in imports {
                    if self.excludes.contains(&name) {
                        continue;
                    }
                    // A plugin's own native half, beside it in its package and its folder
                    // (Pillow's `WebPImagePlugin` and `_webp`), not another part of the
                    // distribution (PySide6's QML helpers and `QtQml`; pywin32's helpers in
                    // win32/lib and the modules in win32/, all top-level).
                    let parent = |n: &str| n.rsplit_once('.').map(|(p, _)| p.to_string());
                    if let Some(folder) = modules.get(&name) {
                        let beside =
                            parent(&name) == parent(&module) && folder.as_deref() == file.parent();
                        if !site.deferred && beside {
                            self.graph.imported.insert(name);
                        }
                    } else if self.stdlib.provides(&name) {
                        self.queue.push_back(Visit::Stdlib(stdlib::Visit {
                            name,
                            by_app: false,
                            used: false,
                        }));
                    }
                }
            }
        }
        Ok(())
    }

    /// The compiled modules of the wanted distributions: those needed (imported, or of a
    /// distribution wanted whole) and the others.
    fn compiled_modules(&self) -> (Vec<Compiled>, Vec<Compiled>) {
        let app_imports = &self.graph.app_imports;
        let in_app = |tool: &str| crate::packages::files::app_imports_within(app_imports, tool);
        let mut needed = Vec::new();
        let mut unneeded = Vec::new();
        for &dist in &self.graph.distributions {
            let whole = self.site.is_whole(dist);
            for c in self.site.compiled(dist, &in_app) {
                if whole || self.graph.imported.contains(&c.module) {
                    needed.push(c);
                } else {
                    unneeded.push(c);
                }
            }
        }
        (needed, unneeded)
    }

    /// Look at everything queued, and what it leads to.
    fn run(&mut self) -> Result<(), Error> {
        loop {
            if let Some(visit) = self.queue.pop_front() {
                match visit {
                    Visit::App { name, site } => self.app_visit(name, site)?,
                    Visit::Package { name, site } => self.external(name, site)?,
                    Visit::Stdlib(v) => {
                        if !self.excludes.contains(&v.name) {
                            let more = self.stdlib.visit(v);
                            self.queue.extend(more.into_iter().map(Visit::Stdlib));
                        }
                    }
                }
                continue;
            }
            let Some(dist) = self.to_follow.pop_front() else {
                return Ok(());
            };
            let extras: Vec<String> = self
                .extras
                .get(&dist)
                .into_iter()
                .flatten()
                .cloned()
                .collect();
            for (dep, dep_extras) in self.site.requirements(dist, &extras) {
                self.want(dep, &dep_extras, Wanted::Requires(dist));
            }
        }
    }

    /// Queue the imports of the app's source file `path` (the module `module`), shown as
    /// `importer`.
    fn app_source(
        &mut self,
        path: &Path,
        module: &str,
        is_package: bool,
        importer: &str,
    ) -> Result<(), Error> {
        let scan = app::scan_of(path, module, is_package, self.site.env())?;
        for (name, how) in scan.imports {
            if self.is_not_followed(module, &name) {
                continue;
            }
            // A name only spelled in a string: the app's own module, or the standard
            // library's; never a reason to bundle a distribution.
            let stdlib = self.stdlib.provides(&name) && !self.stdlib.is_idle_tool(&name);
            if how.by_name && !stdlib && !self.is_app_top(top(&name)) {
                continue;
            }
            self.queue.push_back(Visit::App {
                name,
                site: Site::app(importer, how.optional),
            });
        }
        // A package of the app that imports its own modules by computed names gets all of
        // them, as an installed distribution would (pygments' lexers, in its own project).
        let package = top(module);
        if scan.computed && module != "__main__" && self.is_app_top(package) {
            for name in self.app.submodules(package) {
                self.queue.push_back(Visit::App {
                    name,
                    site: Site::app(importer, true),
                });
            }
        }
        Ok(())
    }

    /// Does a hook say `module`'s imports of `name` are not followed (`excludedimports`)?
    fn is_not_followed(&self, module: &str, name: &str) -> bool {
        (self.not_followed.iter()).any(|(hooked, excluded)| {
            crate::bundle::module_name::is_within(module, hooked)
                && crate::bundle::module_name::is_within(name, excluded)
        })
    }

    /// Does the app have a top-level module `top`?
    fn is_app_top(&mut self, top: &str) -> bool {
        if let Some(&known) = self.app_tops.get(top) {
            return known;
        }
        let known = self.app.find(top).is_some();
        self.app_tops.insert(top.to_string(), known);
        known
    }

    fn app_visit(&mut self, name: String, site: Site) -> Result<(), Error> {
        if self.excludes.contains(&name) {
            return Ok(());
        }
        if !self.is_app_top(top(&name)) {
            self.graph.app_imports.insert(name.clone());
            return self.external(name, site);
        }
        // The app's: the module and the packages above it, as far as they exist.
        for prefix in prefixes(&name) {
            if self.graph.app.contains_key(prefix) {
                continue;
            }
            if self.excludes.contains(prefix) {
                break;
            }
            let Some(found) = self.app.find(prefix) else {
                break;
            };
            let is_package = matches!(found.local, app::Local::Package(_));
            if let Some(source) = found.source().map(Path::to_path_buf) {
                let display = found.display()?;
                self.app_source(&source, prefix, is_package, &display)?;
            }
            self.graph.app.insert(prefix.to_string(), found);
        }
        Ok(())
    }

    /// A name that is not the app's: the standard library's, a distribution's, or nowhere.
    fn external(&mut self, name: String, site: Site) -> Result<(), Error> {
        if self.excludes.contains(&name) {
            return Ok(());
        }
        if self.stdlib.provides(&name) {
            self.queue.push_back(Visit::Stdlib(stdlib::Visit {
                name,
                by_app: true,
                used: true,
            }));
            return Ok(());
        }
        let mut owners = self.site.owners(&name).to_vec();
        if site.hint == Hint::Below {
            // Imported by a module only a hook's hint reached: a distribution not bundled
            // already stays out, and a name found nowhere is no news.
            owners.retain(|d| self.wanted.contains(d));
            if owners.is_empty() {
                return Ok(());
            }
        }
        if owners.is_empty() {
            record_missing(&mut self.graph.missing, top(&name), site);
            return Ok(());
        }
        for prefix in prefixes(&name) {
            (self.graph.imported_by)
                .entry(prefix.to_string())
                .or_insert_with(|| site.importer.clone());
        }
        for dist in owners {
            self.want(dist, &[], Wanted::Import(name.clone()));
        }
        // Importing a.b.c runs a, a.b and a.b.c. A compiled module counts as imported unless
        // only an optional import inside a package's function asks for it (PySide6 tries
        // QtNetwork for its Windows OpenSSL set-up): that code copes without it.
        let weak = site.optional && site.deferred;
        for prefix in prefixes(&name) {
            if !weak {
                self.graph.imported.insert(prefix.to_string());
            }
            self.reach(prefix, site.need(), site.hint != Hint::None)?;
        }
        Ok(())
    }

    /// `module` runs, reached by imports of at most `need`; its own imports matter no more (a
    /// module reached optionally makes optional imports). A module reached again by an import
    /// that matters more is followed again.
    fn reach(&mut self, module: &str, need: Need, hinted: bool) -> Result<(), Error> {
        if self
            .graph
            .reached
            .get(module)
            .is_some_and(|&was| was >= need)
        {
            return Ok(());
        }
        let app_imports = &self.graph.app_imports;
        let in_app = |tool: &str| crate::packages::files::app_imports_within(app_imports, tool);
        let mut found = None;
        for &dist in self.site.owners(module) {
            if self.wanted.contains(&dist) {
                found = self.site.imports(dist, module, &in_app)?;
                if found.is_some() {
                    break;
                }
            }
        }
        let Some(imports) = found else {
            return Ok(());
        };
        self.graph.reached.insert(module.to_string(), need);
        for (name, site) in imports {
            let excluded = self.is_not_followed(module, &name);
            // A name only spelled in a string counts for the standard library alone, where
            // the pruning would otherwise leave it out (passlib's "configparser.ConfigParser").
            let by_name_elsewhere =
                site.by_name && (!self.stdlib.provides(&name) || self.stdlib.is_idle_tool(&name));
            if excluded || by_name_elsewhere {
                continue;
            }
            let mut site = site.capped(need);
            if hinted {
                site.hint = Hint::Below;
            }
            self.queue.push_back(Visit::Package { name, site });
        }
        Ok(())
    }

    /// Bundle `dist`, with `extras` asked of it; its requirements are followed (again, when
    /// an extra is new).
    fn want(&mut self, dist: usize, extras: &[String], why: Wanted) {
        self.graph.wanted_by.entry(dist).or_insert(why);
        let known = self.extras.entry(dist).or_default();
        let before = known.len();
        known.extend(extras.iter().map(|e| markers::normalize(e)));
        let grew = known.len() > before;
        if self.wanted.insert(dist) {
            self.graph.distributions.push(dist);
            self.to_follow.push_back(dist);
            // What its `.pth` files import at start-up runs in the bundle too.
            for name in &self.site.index().dists[dist].pth_imports {
                self.queue.push_back(Visit::Package {
                    name: name.clone(),
                    site: Site {
                        importer: "a .pth file, at start-up".to_string(),
                        ..Site::loaded_from_c()
                    },
                });
            }
        } else if grew && !self.to_follow.contains(&dist) {
            self.to_follow.push_back(dist);
        }
    }
}

/// Keep, per top-level name, the import of it that matters most.
fn record_missing(missing: &mut BTreeMap<String, Site>, top: &str, site: Site) {
    missing
        .entry(top.to_string())
        .and_modify(|s| {
            if s.need() < site.need() {
                *s = site.clone();
            }
        })
        .or_insert(site);
}
