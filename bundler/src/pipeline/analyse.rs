//! The analyse stage: the app's module graph over the interpreter's (and, for another
//! target, the target's) packages, with PyInstaller's hooks run until they ask for nothing new;
//! what is missing is reported here.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::analysis::graph::app::AppFinder;
use crate::analysis::graph::site::SiteFinder;
use crate::analysis::graph::stdlib::StdlibFinder;
use crate::analysis::graph::{self, ModuleGraph};
use crate::analysis::{self, Need};
use crate::bundle::target::{Os, Target};
use crate::bundle::workpath::Bucket;
use crate::error::Error;
use crate::packages::compiled::{Compiled, Loaded};
use crate::packages::markers::Environment;
use crate::packages::{self, pyi_hooks, SiteIndex};
use crate::progress::Progress;
use crate::python::interpreter::Interpreter;
use crate::python::runtime::{self, Runtime, Source};
use crate::settings::BuildSettings;

/// What analysis found: the interpreter, the runtime, the module graph and what its finders
/// learnt.
pub struct Analysis {
    pub interp: Interpreter,
    pub runtime: Runtime,
    pub env: Environment,
    pub index: SiteIndex,
    pub graph: ModuleGraph,
    pub stdlib: StdlibFinder,
    /// The PyInstaller hooks run for the modules the app reaches, and what they said.
    pub hooks: pyi_hooks::Outcome,
}

/// Find the interpreter and follow the app's imports into a module graph.
pub fn analyse(s: &BuildSettings, progress: &Progress) -> Result<Analysis, Error> {
    let (interp, runtime) = open_pythons(s, progress)?;
    tell_settings(s, progress);
    progress.step("Following imports");
    let env = Environment::of(runtime.target, &runtime.version);
    let probe_cache = s.output.workpath.bucket(Bucket::Probe);
    let mut walk = Walk::new(s, &interp, &runtime, env.clone(), progress);
    let probe_host = |compiled: &[Compiled]| {
        progress.step("Asking compiled modules what they import");
        packages::compiled::loaded_by(&interp, compiled, &probe_cache)
    };
    let mut index = SiteIndex::scan(&interp.site_packages);
    let (mut graph, mut stdlib) = walk.run(&index, &probe_host)?;
    let for_target_only = target_packages(s, &env, &runtime.version)?;
    let cross = Target::host() != Some(runtime.target);
    if !cross && !s.input.target_packages.named.is_empty() {
        progress.note(&format!(
            "--target-package changes nothing in a build for this machine: install {} into {}",
            s.input.target_packages.named.join(", "),
            interp.described()
        ));
    }
    if cross && !(graph.distributions.is_empty() && for_target_only.is_empty()) {
        // The distributions the app reached here, as the target needs them; then the walk
        // again, over the target's files. Their compiled modules cannot be loaded here: what
        // the same distributions' modules import from C here stands in.
        progress.step(&format!("Fetching wheels for {}", runtime.target));
        let fetcher = packages::wheels::Fetcher::new(&interp, &runtime)?.joining(join_sites);
        let retargeted = packages::retarget::for_target(
            &graph.distributions,
            &for_target_only,
            &index,
            &env,
            &fetcher,
        )?;
        for swapped in &retargeted.swapped {
            progress.detail(&format!("{swapped}: the {} wheel", runtime.target));
        }
        for added in &retargeted.added {
            progress.detail(&format!("{added}: required on {} only", runtime.target));
        }
        if !retargeted.sites.is_empty() {
            let host_compiled = std::mem::take(&mut graph.compiled);
            let probe_stand_in = |compiled: &[Compiled]| {
                let names: BTreeSet<&str> = compiled.iter().map(|c| c.module.as_str()).collect();
                let stand_ins: Vec<Compiled> = (host_compiled.iter())
                    .filter(|c| names.contains(c.module.as_str()))
                    .cloned()
                    .collect();
                let unasked = names.len() - stand_ins.len();
                if unasked > 0 {
                    progress.detail(&format!(
                        "{unasked} compiled modules exist only in the {} wheels; what they import from C is not known",
                        runtime.target
                    ));
                }
                probe_host(&stand_ins)
            };
            let sites: Vec<PathBuf> = (retargeted.sites.into_iter())
                .chain(interp.site_packages.iter().cloned())
                .collect();
            index = SiteIndex::scan(&sites);
            (graph, stdlib) = walk.run(&index, &probe_stand_in)?;
        }
    }
    let outcome = walk.outcome;
    report_compiled_imports(&graph, &interp, progress);
    report_hooks(&outcome, progress);
    let cross = cross.then_some(runtime.target);
    report_missing(&graph.missing, &interp, cross, s.input.strict, progress)?;
    Ok(Analysis {
        interp,
        runtime,
        env,
        index,
        graph,
        stdlib,
        hooks: outcome,
    })
}

/// The build interpreter, and the runtime the bundle carries (its own, or `--runtime`'s).
/// A distribution's arm64 and x86_64 wheels, or the two CPUs' CPythons, joined into one tree
/// for a universal2 bundle.
fn join_sites(arm64: &Path, x86_64: &Path, into: &Path) -> Result<(), Error> {
    crate::native::macho::join::join(arm64, x86_64, into)
        .map(drop)
        .map_err(|source| Error::Cache {
            path: into.to_path_buf(),
            source,
        })
}

fn open_pythons(s: &BuildSettings, progress: &Progress) -> Result<(Interpreter, Runtime), Error> {
    progress.step("Inspecting the interpreter");
    let interp = match &s.pythons.queried {
        Some(asked) => asked.clone(),
        None => Interpreter::find(s.pythons.interpreter.as_deref())?,
    };
    progress.detail(&format!(
        "interpreter: {} (CPython {})",
        interp.real_executable.display(),
        interp.version
    ));
    let runtime = match s.pythons.runtime.as_slice() {
        [] => Runtime::of_interpreter(&interp, s.pythons.target)?,
        [named] => {
            progress.step("Opening the runtime");
            runtime::given::open(named, s.pythons.target, &interp)?
        }
        [one, other] => {
            progress.step("Joining the two runtimes for both Mac CPUs");
            runtime::given::open_joined([one, other], s.pythons.target, &interp, join_sites)?
        }
        _ => return Err(Error::Internal("more than two runtimes".into())),
    };
    if let Source::Given { prefix, .. } = &runtime.source {
        progress.detail(&format!(
            "runtime: {}, at {}",
            runtime.described(),
            prefix.display()
        ));
    }
    Ok((interp, runtime))
}

/// `-v` details of what the settings mean for this build.
fn tell_settings(s: &BuildSettings, progress: &Progress) {
    if let Some(file) = &s.input.project_file {
        progress.detail(&format!("settings: [tool.pybundle] of {}", file.display()));
    }
    if (s.launch.windowed || s.launch.icon.is_some()) && s.pythons.target.os() != Os::Windows {
        progress.detail("--windowed and --icon change nothing in a Linux executable");
    }
    for (companion, module) in s.input.excludes.implied() {
        progress.detail(&format!(
            "--exclude-module {module} leaves out {companion} too (it exists only for {module})"
        ));
    }
}

/// The module graph's walk from the app, run again while the hooks of the modules it reaches
/// add imports to follow; what the hooks said accumulates in `outcome`.
struct Walk<'a> {
    s: &'a BuildSettings,
    interp: &'a Interpreter,
    runtime: &'a Runtime,
    env: Environment,
    progress: &'a Progress,
    /// What the walk starts from besides the script: hidden imports, `--collect-*` packages,
    /// companion console scripts' modules.
    hidden: Vec<String>,
    app_finder: AppFinder,
    runner: pyi_hooks::Runner<'a>,
    hook_set: pyi_hooks::HookSet,
    outcome: pyi_hooks::Outcome,
}

impl<'a> Walk<'a> {
    fn new(
        s: &'a BuildSettings,
        interp: &'a Interpreter,
        runtime: &'a Runtime,
        env: Environment,
        progress: &'a Progress,
    ) -> Self {
        // --collect-*: the named package's whole distribution (and every submodule of a local
        // package) is wanted; bundling distributions whole already brings data and submodules.
        // (A companion console script's code is reached through its module.)
        let hidden: Vec<String> = (s.input.hidden_imports.iter())
            .chain(s.input.collect.iter().map(|c| &c.package))
            .chain(s.input.companions.iter().map(|c| &c.module))
            .cloned()
            .collect();
        let roots: Vec<PathBuf> = (s
            .input
            .script
            .searched_folder()
            .map(PathBuf::from)
            .into_iter())
        .chain(s.input.paths.iter().cloned())
        .collect();
        let app_finder = AppFinder::new(roots, runtime.stdlib.clone());
        let runner = pyi_hooks::Runner {
            interp,
            target: pyi_hooks::TargetFacts::of(runtime.target),
            cache_dir: s.output.workpath.bucket(Bucket::Hooks),
            installed: installed_versions(&interp.site_packages),
        };
        let hook_set =
            pyi_hooks::HookSet::find(&s.input.hooks_dirs, &interp.site_packages, &runner);
        for problem in &hook_set.problems {
            progress.warn(&format!(
                "{problem}; without PyInstaller's hooks, packages that load parts of themselves by name may miss some (install pyinstaller-hooks-contrib in the build environment, or name them with --hidden-import)"
            ));
        }
        Walk {
            s,
            interp,
            runtime,
            env,
            progress,
            hidden,
            app_finder,
            runner,
            hook_set,
            outcome: pyi_hooks::Outcome::default(),
        }
    }

    /// The graph over `index`, compiled modules answered by `probe`.
    fn run(
        &mut self,
        index: &SiteIndex,
        probe: &dyn Fn(&[Compiled]) -> Option<Loaded>,
    ) -> Result<(ModuleGraph, StdlibFinder), Error> {
        let s = self.s;
        let site = SiteFinder::new(index, self.env.clone(), s.whole_distributions());
        for round in 0..=MAX_HOOK_ROUNDS {
            let mut stdlib = StdlibFinder::for_runtime(self.runtime)?;
            let graph = graph::analyse(
                &graph::Roots {
                    script: &s.input.script.path,
                    script_name: &s.input.script.file_name,
                    hooks: &s.input.runtime_hooks,
                    hidden: &self.hidden,
                    submodules_of: &s.every_submodule(),
                    hook_imports: &self.outcome.hidden_imports(),
                    not_followed: &self.outcome.excluded_imports(),
                },
                &self.app_finder,
                &site,
                &mut stdlib,
                &s.input.excludes,
                probe,
            )?;
            let reached = (graph.reached.keys().chain(&graph.imported))
                .chain(graph.app.keys())
                .chain(stdlib.asked_by_app())
                .map(String::as_str);
            let is_distributions =
                |m: &str| graph.reached.contains_key(m) || graph.imported.contains(m);
            let todo: Vec<pyi_hooks::Hook> =
                (self.hook_set.for_modules(reached, &is_distributions))
                    .into_iter()
                    .filter(|h| !self.outcome.has_run(&h.module))
                    .cloned()
                    .collect();
            if todo.is_empty() || round == MAX_HOOK_ROUNDS {
                return Ok((graph, stdlib));
            }
            self.run_hooks(todo, &graph, index);
        }
        unreachable!("the last round returns")
    }

    /// Run `todo`, the hooks of modules the last walk reached, with the app's own code to
    /// read (matplotlib's looks for `use()`).
    fn run_hooks(&mut self, todo: Vec<pyi_hooks::Hook>, graph: &ModuleGraph, index: &SiteIndex) {
        self.progress.step("Running PyInstaller's hooks");
        let started = Instant::now();
        let jobs: Vec<(String, PathBuf)> = (todo.iter())
            .map(|h| (h.module.clone(), h.file.clone()))
            .collect();
        let users: Vec<(String, PathBuf)> =
            std::iter::once(("__main__".to_string(), self.s.input.script.path.clone()))
                .chain(graph.app.iter().filter_map(|(name, found)| {
                    found.source().map(|p| (name.clone(), p.to_path_buf()))
                }))
                .collect();
        // The target's wheels after everything else on the hooks' sys.path: a hook of a
        // distribution only the target has (pywin32's) finds its files there.
        let mut paths = self.hook_set.python_paths.clone();
        for dist in &index.dists {
            if !self.interp.site_packages.contains(&dist.site) && !paths.contains(&dist.site) {
                paths.push(dist.site.clone());
            }
        }
        let ran = self.runner.run(&jobs, &paths, &users);
        self.outcome.ran.extend(todo.into_iter().zip(ran));
        self.outcome.seconds += started.elapsed().as_secs_f64();
        self.outcome.walks += 1;
    }
}

/// What the build fetches for the target whether or not the app's imports reach it yet:
/// `--target-package`, and the project's dependencies whose markers hold on the target but
/// not on this machine (which could not install them).
pub(super) fn target_packages(
    s: &BuildSettings,
    env: &Environment,
    version: &str,
) -> Result<Vec<packages::distribution::Requirement>, Error> {
    let mut out = Vec::new();
    for spec in &s.input.target_packages.named {
        let req = packages::distribution::parse_requirement(spec)
            .ok_or_else(|| Error::BadTargetPackage(spec.clone()))?;
        out.push(req);
    }
    let here = Target::host().map(|host| Environment::of(host, version));
    for spec in &s.input.target_packages.project {
        let Some(req) = packages::distribution::parse_requirement(spec) else {
            continue;
        };
        let Some(marker) = &req.marker else {
            continue;
        };
        let there = packages::markers::evaluate(marker, env, &[]);
        let not_here =
            (here.as_ref()).is_some_and(|h| !packages::markers::evaluate(marker, h, &[]));
        if there && not_here {
            out.push(req);
        }
    }
    Ok(out)
}

/// How many times the walk runs again for the hidden imports of newly reached modules' hooks.
const MAX_HOOK_ROUNDS: usize = 6;

/// The distributions installed in `sites`, as (name, version): what hooks' answers depend on.
pub(super) fn installed_versions(sites: &[PathBuf]) -> Vec<(String, String)> {
    let index = SiteIndex::scan(sites);
    let mut out: Vec<(String, String)> = (index.dists.iter())
        .map(|d| (d.key.clone(), d.version.clone()))
        .collect();
    out.sort();
    out
}

/// Say which hooks ran (with `-v`) and warn of each that failed.
pub(super) fn report_hooks(outcome: &pyi_hooks::Outcome, progress: &Progress) {
    if !outcome.ran.is_empty() {
        progress.detail(&format!(
            "PyInstaller hooks: {} run in {:.2} s, and the walk again {} times for their hidden imports",
            outcome.ran.len(),
            outcome.seconds,
            outcome.walks
        ));
    }
    for (hook, said) in &outcome.ran {
        let added = said.hiddenimports.len();
        let files = said.datas.len() + said.binaries.len();
        progress.detail(&format!(
            "{}: {added} hidden imports, {} not followed, {files} files",
            hook.display(),
            said.excludedimports.len()
        ));
        for line in &said.log {
            progress.detail(&format!("{}: {line}", hook.display()));
        }
    }
    for (hook, why) in outcome.failures() {
        progress.warn(&format!(
            "the PyInstaller hook {hook} did not run to its end ({why}); what it would add is missing unless named with --hidden-import or --add-data"
        ));
    }
}

/// Tell the user about imports found nowhere, by how much they matter: those that run whenever
/// their module does are a warning (with `--strict`, the build's error); those inside
/// functions of installed packages (optional features: pandas' Excel engines) a note naming
/// them; those the code guards only with `-v`.
pub(super) fn report_missing(
    unresolved: &BTreeMap<String, analysis::Site>,
    interp: &Interpreter,
    cross: Option<Target>,
    strict: bool,
    progress: &Progress,
) -> Result<(), Error> {
    // A build for another platform: what only that platform can install is fetched for it.
    let elsewhere = match cross {
        Some(target) => format!(
            " (or, when only {target} can install one, name its distribution with --target-package)"
        ),
        None => String::new(),
    };
    let by_need = |need: Need| -> Vec<(&String, &analysis::Site)> {
        (unresolved.iter())
            .filter(|(_, site)| site.need() == need)
            .collect()
    };
    let describe = |list: &[(&String, &analysis::Site)]| {
        list.iter()
            .map(|(name, site)| format!("{name} (imported by {})", site.importer))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let required = by_need(Need::Required);
    if strict && !required.is_empty() {
        return Err(Error::MissingImports {
            count: required.len(),
            list: describe(&required),
            python: interp.described(),
            elsewhere,
        });
    }
    if !required.is_empty() {
        progress.warn(&format!(
            "these imports were found nowhere and will fail if they run: {}; install them into {}{elsewhere}, or leave them out with --exclude-module",
            describe(&required),
            interp.described()
        ));
    }
    let in_functions = by_need(Need::InFunction);
    if !in_functions.is_empty() {
        let names: Vec<&str> = in_functions.iter().map(|(n, _)| n.as_str()).collect();
        progress.note(&format!(
            "inside functions of bundled packages, {} import{} found nowhere (they fail only if the app uses those functions; -v shows where): {}",
            names.len(),
            if names.len() == 1 { " was" } else { "s were" },
            names.join(", ")
        ));
        progress.detail(&format!(
            "imports inside package functions not found: {}",
            describe(&in_functions)
        ));
    }
    let optional = by_need(Need::Optional);
    if !optional.is_empty() {
        progress.detail(&format!(
            "optional imports not found (the code handles their absence): {}",
            describe(&optional)
        ));
    }
    Ok(())
}

/// Say what the compiled modules of the bundled distributions import from C (with `-v`), or
/// warn that the interpreter could not be asked.
pub(super) fn report_compiled_imports(
    graph: &ModuleGraph,
    interp: &Interpreter,
    progress: &Progress,
) {
    if graph.compiled.is_empty() {
        return;
    }
    match &graph.from_c {
        Some(new) => progress.detail(&format!(
            "imported when the {} compiled modules load, besides what analysis found: {}",
            graph.compiled.len(),
            new.join(", ")
        )),
        None => progress.warn(&format!(
            "could not run {} to see what compiled modules import; if the app then fails with ModuleNotFoundError, pass that module with --hidden-import",
            interp.requested.display()
        )),
    }
}
