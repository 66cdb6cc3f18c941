//! One build, in stages, each with a named output: [`check`] what touches the disk (settings
//! were checked when resolved), [`analyse`] the app into a module graph, [`collect`] the files
//! that graph calls for into [`Contents`], [`link`] their shared libraries, [`write`] the output;
//! then one [`Summary`] that the closing line and `--json` print from. `-v` details are told
//! as each stage goes.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::time::Instant;

use pybundle_archive::Launch;

use crate::analysis::graph::app::AppFinder;
use crate::analysis::graph::site::SiteFinder;
use crate::analysis::graph::stdlib::StdlibFinder;
use crate::analysis::graph::{self, ModuleGraph};
use crate::analysis::{self, Need};
use crate::app;
use crate::bootstrap;
use crate::compile::Compiler;
use crate::contents::{Contents, Item, Origin};
use crate::elf;
use crate::elf::glibc::GlibcVersion;
use crate::error::Error;
use crate::interpreter::Interpreter;
use crate::layout;
use crate::module_store;
use crate::output::{self, Plan, Written};
use crate::packages::compiled::{Compiled, Loaded};
use crate::packages::markers::Environment;
use crate::packages::{self, pyi_hooks, SiteIndex};
use crate::pe;
use crate::progress::Progress;
use crate::record;
use crate::runtime::{self, Runtime, Source};
use crate::settings::{self, BuildSettings, OutputMode, Strip};
use crate::specpath;
use crate::stub;
use crate::summary::{self, Summary};
use crate::target::{Os, Target};
use crate::workpath::Bucket;

/// Run one build, start to end.
pub fn build(settings: BuildSettings) -> Result<(), Error> {
    let started = Instant::now();
    let progress = Progress::new(settings.verbosity);
    check(&settings, &progress)?;
    let analysis = analyse(&settings, &progress)?;
    let compiler = Compiler::new(&analysis.interp, &settings.workpath, settings.optimize)?;
    let mut collected = collect(&settings, &analysis, &compiler, &progress)?;
    let closure = link(
        &settings,
        &analysis.runtime,
        &mut collected.contents,
        &collected.rules,
        &progress,
    )?;
    store(&settings, &analysis, &mut collected, &progress)?;
    let written = write(&settings, &analysis.runtime, &collected.contents, &progress)?;
    let summary = summarise(
        &settings,
        &analysis,
        &collected,
        &closure,
        &written,
        started.elapsed().as_secs_f64(),
        &progress,
    );
    if settings.json {
        println!("{}", summary::to_line(&summary));
    }
    let runs_on = match &summary.glibc {
        Some(floor) => format!("{}, glibc {floor}+", summary.target),
        None => summary.target.clone(),
    };
    let required = (summary.missing_imports.iter())
        .filter(|m| m.need == Need::Required)
        .count();
    let missing = match required {
        0 => String::new(),
        1 => "; 1 import it needs was found nowhere (the warning above; --strict fails the build)"
            .to_string(),
        n => format!(
            "; {n} imports it needs were found nowhere (the warning above; --strict fails the build)"
        ),
    };
    progress.done(&format!(
        "Built {} ({}, {:.1} MB, {} files, for {runs_on}) in {:.1} s{missing}",
        summary.output.display(),
        summary.mode,
        summary.bytes as f64 / 1e6,
        summary.files,
        summary.seconds,
    ));
    Ok(())
}

/// What touches the disk: the output's place, and `--clean`. The notes settings made.
pub fn check(s: &BuildSettings, progress: &Progress) -> Result<(), Error> {
    if s.distpath.exists() && !s.distpath.is_dir() {
        return Err(Error::Unwritable {
            path: s.distpath.clone(),
            source: std::io::Error::new(std::io::ErrorKind::AlreadyExists, "it is a file"),
        });
    }
    output::check_replaceable(&s.output_path(), s.noconfirm)?;
    stub::for_target(s.target)?;
    if s.target.os() == Os::Windows {
        // A mistake in the version information or manifest is told now, not after the build.
        windows_resources(s)?;
    }
    if s.clean {
        s.workpath.clean();
    }
    for note in &s.notes {
        progress.note(note);
    }
    Ok(())
}

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
    progress.step("Inspecting the interpreter");
    let interp = match &s.interpreter {
        Some(asked) => asked.clone(),
        None => Interpreter::find(s.python.as_deref())?,
    };
    progress.detail(&format!(
        "interpreter: {} (CPython {})",
        interp.real_executable.display(),
        interp.version
    ));
    let runtime = match &s.runtime {
        None => Runtime::of_interpreter(&interp, s.target)?,
        Some(named) => {
            progress.step("Opening the runtime");
            runtime::given::open(named, s.target, &interp)?
        }
    };
    if let Source::Given { prefix, .. } = &runtime.source {
        progress.detail(&format!(
            "runtime: {}, at {}",
            runtime.described(),
            prefix.display()
        ));
    }
    if let Some(file) = &s.project_file {
        progress.detail(&format!("settings: [tool.pybundle] of {}", file.display()));
    }
    if (s.windowed || s.icon.is_some()) && s.target.os() != Os::Windows {
        progress.detail("--windowed and --icon change nothing in a Linux executable");
    }
    for (companion, module) in s.excludes.implied() {
        progress.detail(&format!(
            "--exclude-module {module} leaves out {companion} too (it exists only for {module})"
        ));
    }
    // --collect-*: the named package's whole distribution (and every submodule of a local
    // package) is wanted; bundling distributions whole already brings data and submodules.
    // (A companion console script's code is reached through its module.)
    let hidden: Vec<String> = (s.hidden_imports.iter())
        .chain(s.collect.iter().map(|c| &c.package))
        .chain(s.companions.iter().map(|c| &c.module))
        .cloned()
        .collect();
    progress.step("Following imports");
    let env = Environment::of(runtime.target, &runtime.version);
    let roots: Vec<PathBuf> = (s.script.searched_folder().map(PathBuf::from).into_iter())
        .chain(s.paths.iter().cloned())
        .collect();
    let app_finder = AppFinder::new(roots, runtime.stdlib.clone());
    let probe_cache = s.workpath.bucket(Bucket::Probe);
    let runner = pyi_hooks::Runner {
        interp: &interp,
        target: pyi_hooks::TargetFacts::of(runtime.target),
        cache_dir: s.workpath.bucket(Bucket::Hooks),
        installed: installed_versions(&interp.site_packages),
    };
    let hook_set = pyi_hooks::HookSet::find(
        &s.options.additional_hooks_dir,
        &interp.site_packages,
        &runner,
    );
    for problem in &hook_set.problems {
        progress.warn(&format!(
            "{problem}; without PyInstaller's hooks, packages that load parts of themselves by name may miss some (install pyinstaller-hooks-contrib in the build environment, or name them with --hidden-import)"
        ));
    }
    let mut outcome = pyi_hooks::Outcome::default();
    let mut walk = |index: &SiteIndex, probe: &dyn Fn(&[Compiled]) -> Option<Loaded>| {
        let site = SiteFinder::new(index, env.clone(), s.whole_distributions());
        // The walk again while the hooks of the modules it reaches add imports to follow.
        for round in 0..=MAX_HOOK_ROUNDS {
            let mut stdlib = runtime::finder(&runtime)?;
            let graph = graph::analyse(
                &graph::Roots {
                    script: &s.script.path,
                    script_name: &s.script.file_name,
                    hooks: &s.runtime_hooks,
                    hidden: &hidden,
                    submodules_of: &s.every_submodule(),
                    hook_imports: &outcome.hidden_imports(),
                    not_followed: &outcome.excluded_imports(),
                },
                &app_finder,
                &site,
                &mut stdlib,
                &s.excludes,
                probe,
            )?;
            let reached = (graph.reached.keys().chain(&graph.imported))
                .chain(graph.app.keys())
                .chain(stdlib.asked_by_app())
                .map(String::as_str);
            let is_distributions =
                |m: &str| graph.reached.contains_key(m) || graph.imported.contains(m);
            let todo: Vec<pyi_hooks::Hook> = (hook_set.for_modules(reached, &is_distributions))
                .into_iter()
                .filter(|h| !outcome.has_run(&h.module))
                .cloned()
                .collect();
            if todo.is_empty() || round == MAX_HOOK_ROUNDS {
                return Ok::<_, Error>((graph, stdlib));
            }
            progress.step("Running PyInstaller's hooks");
            let started = Instant::now();
            let jobs: Vec<(String, PathBuf)> = (todo.iter())
                .map(|h| (h.module.clone(), h.file.clone()))
                .collect();
            // The app's own code, which a hook may read (matplotlib's looks for `use()`).
            let users: Vec<(String, PathBuf)> =
                std::iter::once(("__main__".to_string(), s.script.path.clone()))
                    .chain(graph.app.iter().filter_map(|(name, found)| {
                        found.source().map(|p| (name.clone(), p.to_path_buf()))
                    }))
                    .collect();
            // The target's wheels after everything else on the hooks' sys.path: a hook of a
            // distribution only the target has (pywin32's) finds its files there.
            let mut paths = hook_set.python_paths.clone();
            for dist in &index.dists {
                if !interp.site_packages.contains(&dist.site) && !paths.contains(&dist.site) {
                    paths.push(dist.site.clone());
                }
            }
            outcome
                .ran
                .extend(todo.into_iter().zip(runner.run(&jobs, &paths, &users)));
            outcome.seconds += started.elapsed().as_secs_f64();
            outcome.walks += 1;
        }
        unreachable!("the last round returns")
    };
    let probe_host = |compiled: &[Compiled]| {
        progress.step("Asking compiled modules what they import");
        packages::compiled::loaded_by(&interp, compiled, &probe_cache)
    };
    let mut index = SiteIndex::scan(&interp.site_packages);
    let (mut graph, mut stdlib) = walk(&index, &probe_host)?;
    let for_target_only = target_packages(s, &env, &runtime.version)?;
    let cross = Target::host() != Some(runtime.target);
    if !cross && !s.target_packages.named.is_empty() {
        progress.note(&format!(
            "--target-package changes nothing in a build for this machine: install {} into {}",
            s.target_packages.named.join(", "),
            interp.described()
        ));
    }
    if cross && !(graph.distributions.is_empty() && for_target_only.is_empty()) {
        // The distributions the app reached here, as the target needs them; then the walk
        // again, over the target's files. Their compiled modules cannot be loaded here: what
        // the same distributions' modules import from C here stands in.
        progress.step(&format!("Fetching wheels for {}", runtime.target));
        let fetcher = packages::wheels::Fetcher::new(&interp, &runtime)?;
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
            (graph, stdlib) = walk(&index, &probe_stand_in)?;
        }
    }
    report_compiled_imports(&graph, &interp, progress);
    report_hooks(&outcome, progress);
    let cross = cross.then_some(runtime.target);
    report_missing(&graph.missing, &interp, cross, s.strict, progress)?;
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

/// What the build fetches for the target whether or not the app's imports reach it yet:
/// `--target-package`, and the project's dependencies whose markers hold on the target but
/// not on this machine (which could not install them).
fn target_packages(
    s: &BuildSettings,
    env: &Environment,
    version: &str,
) -> Result<Vec<packages::distribution::Requirement>, Error> {
    let mut out = Vec::new();
    for spec in &s.target_packages.named {
        let req = packages::distribution::parse_requirement(spec)
            .ok_or_else(|| Error::BadTargetPackage(spec.clone()))?;
        out.push(req);
    }
    let here = Target::host().map(|host| Environment::of(host, version));
    for spec in &s.target_packages.project {
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
fn installed_versions(sites: &[PathBuf]) -> Vec<(String, String)> {
    let index = SiteIndex::scan(sites);
    let mut out: Vec<(String, String)> = (index.dists.iter())
        .map(|d| (d.key.clone(), d.version.clone()))
        .collect();
    out.sort();
    out
}

/// Say which hooks ran (with `-v`) and warn of each that failed.
fn report_hooks(outcome: &pyi_hooks::Outcome, progress: &Progress) {
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

/// Everything the bundle holds, and what each part added.
pub struct Collected {
    pub contents: Contents,
    pub app: app::Collected,
    pub packages: packages::bundle::Bundled,
    pub runtime: runtime::Added,
    pub data_files: usize,
    /// The package rules in force (read once; the store needs them too).
    pub rules: packages::rules::Rules,
}

/// The files the graph calls for: the app's, the distributions', the standard library's,
/// `--add-data`, metadata asked for, and the bootstrap.
pub fn collect(
    s: &BuildSettings,
    a: &Analysis,
    compiler: &Compiler,
    progress: &Progress,
) -> Result<Collected, Error> {
    let mut contents = Contents::default();
    progress.step("Collecting the app");
    let app = app::add_app(
        &s.script,
        &s.runtime_hooks,
        &a.graph.app,
        compiler,
        &mut contents,
    )?;
    for module in &app.local_modules {
        progress.detail(&format!("app module: {module}"));
    }
    progress.step("Collecting packages");
    let site_packages = layout::SITE_PACKAGES;
    let site = SiteFinder::new(&a.index, a.env.clone(), s.whole_distributions());
    let rules = packages::rules::Rules::load(&s.options.additional_hooks_dir)?;
    let choice = packages::bundle::Choice {
        rules: &rules,
        offer: match s.target.os() {
            Os::Windows => packages::bundle::Offer::LinkedDlls,
            _ => packages::bundle::Offer::VersionedNames,
        },
    };
    let packages = packages::bundle::add_distributions(
        &a.graph,
        &site,
        site_packages,
        &choice,
        compiler,
        &mut contents,
    )?;
    for (name, version) in &packages.distributions {
        progress.detail(&format!("distribution: {name} {version}"));
    }
    if packages.unneeded_modules > 0 {
        progress.detail(&format!(
            "{} compiled modules of the distributions are left out: nothing imports them (--collect-all PKG brings a package whole)",
            packages.unneeded_modules
        ));
    }
    for name in &packages.with_sources {
        progress.detail(&format!(
            "{name}: its modules' sources go as files beside their bytecode (one of its modules lists them)"
        ));
    }
    for (rule, (taken, left)) in &packages.rules.by_rule {
        progress.detail(&format!(
            "rule {rule}: {taken} files taken for the modules the app uses, {left} left out"
        ));
    }
    if !s.copy_metadata.is_empty() {
        let copied = packages::metadata::copy(
            &s.copy_metadata,
            &a.index,
            &a.env,
            site_packages,
            &mut contents,
        )?;
        progress.detail(&format!("metadata of: {}", copied.join(", ")));
    }
    let hooked = pyi_hooks::files::add(
        &a.hooks,
        &a.interp.site_packages,
        &a.index,
        Target::host() == Some(s.target),
        &mut contents,
    )?;
    if hooked.files + hooked.sources > 0 {
        progress.detail(&format!(
            "PyInstaller hooks: {} files added, {} modules kept as sources beside their bytecode",
            hooked.files, hooked.sources
        ));
    }
    for (dest, hook, why) in &hooked.left {
        progress.detail(&format!("{hook}: {dest} left out: {why}"));
    }
    progress.step("Collecting the standard library");
    let runtime = runtime::add_runtime(
        &a.runtime,
        &a.interp,
        &a.stdlib,
        &s.excludes,
        compiler,
        &mut contents,
    )?;
    let data_files = app::data::add_all(
        &s.data,
        &[s.distpath.clone(), s.workpath.root().to_path_buf()],
        s.target.os(),
        &mut contents,
    )?;
    let pruned = a.stdlib.pruned();
    // The `.pth` files among the distributions go into the bootstrap, which does what `site`
    // would with them once the module store is serving: left at the root, the interpreter's
    // own `site` would run them too early on Windows (where the prefix is a site folder).
    let pth_files: Vec<String> = (contents.iter())
        .map(|(dest, _)| dest)
        .filter(|dest| dest.ends_with(".pth") && !dest.contains('/'))
        .cloned()
        .collect();
    let mut pth = Vec::new();
    for name in pth_files {
        if let Some(item) = contents.get(&name) {
            let text = String::from_utf8_lossy(&item.read()?).into_owned();
            pth.push(format!("{name}\n{text}"));
        }
        contents.remove(&name);
    }
    let frozen_path: Vec<String> = (rules.frozen_path())
        .filter(|dir| {
            let prefix = format!("{}/", layout::within(layout::SITE_PACKAGES, dir));
            contents.iter().any(|(dest, _)| dest.starts_with(&prefix))
        })
        .map(|dir| layout::within(layout::SITE_PACKAGES, dir))
        .collect();
    // One bootstrap per executable: the first script's, and each companion's, which also
    // brings its compiled script.
    let scripts = std::iter::once((&s.script, layout::BOOTSTRAP.to_string()))
        .chain((s.companions.iter()).map(|c| (&c.script, layout::companion_bootstrap(&c.name))));
    for (i, (script, dest)) in scripts.enumerate() {
        if i > 0 {
            let job = crate::compile::Job {
                source: script.path.clone(),
                display: script.file_name.clone(),
            };
            let pyc = (compiler.compile(&[job], true)?.pop().flatten())
                .ok_or_else(|| Error::Internal("no bytecode for a console script".into()))?;
            contents.add(
                script.compiled_dest(),
                Item::bytes(pyc.pyc, 0o644, Origin::App(script.file_name.clone())),
            )?;
        }
        let boot = bootstrap::compile(
            &bootstrap::Plan {
                script,
                hooks: &app.hooks,
                pth: &pth,
                frozen_path: &frozen_path,
                tcltk: &runtime.tcltk,
                // The store always exists: it holds the build's record at least.
                modules: layout::MODULE_STORE,
                pruned: &pruned,
            },
            compiler,
            &s.workpath,
        )?;
        contents.add(
            dest,
            Item::bytes(boot, 0o644, Origin::Runtime("the bootstrap")),
        )?;
    }
    for merged in contents.merged() {
        progress.detail(&format!(
            "{}: {} is the same file as {}; bundled once",
            merged.dest, merged.second, merged.first
        ));
    }
    Ok(Collected {
        contents,
        app,
        packages,
        runtime,
        data_files,
        rules,
    })
}

/// The last step before writing: the build's record made, and the app's and the
/// distributions' compiled modules moved into the module store with it.
pub fn store(
    s: &BuildSettings,
    a: &Analysis,
    collected: &mut Collected,
    progress: &Progress,
) -> Result<(), Error> {
    let (rules, contents) = (&collected.rules, &mut collected.contents);
    let record = record::build(&a.graph, &a.index, contents);
    let record = serde_json::to_vec(&record).map_err(|e| Error::Internal(e.to_string()))?;
    let modules = pack_modules(s, &a.runtime, rules, &a.hooks, record, contents)?;
    progress.detail(&format!(
        "module store: {} modules and {} resources in one file ({:.1} MB)",
        modules.modules,
        modules.resources,
        modules.bytes as f64 / 1e6
    ));
    for (path, rule) in &modules.on_disk {
        progress.detail(&format!("rule {rule}: {path} stays a file"));
    }
    Ok(())
}

/// The compiled modules moved into the module store, with `record`: stored as they are in a
/// onefile bundle (its archive compresses them better as a whole), each compressed in a
/// onedir folder when the bundle can inflate them (zlib is in it).
fn pack_modules(
    s: &BuildSettings,
    runtime: &Runtime,
    rules: &packages::rules::Rules,
    hooks: &pyi_hooks::Outcome,
    record: Vec<u8>,
    contents: &mut Contents,
) -> Result<module_store::Packed, Error> {
    let has_zlib = s.target.os() == Os::Windows
        || runtime.builtins.iter().any(|m| m == "zlib")
        || contents.iter().any(|(path, _)| {
            let name = path.rsplit('/').next().unwrap_or(path);
            path.contains("/lib-dynload/") && name.starts_with("zlib.")
        });
    let compression = if s.onefile() || !has_zlib {
        module_store::Compression::Stored
    } else {
        module_store::Compression::Zlib
    };
    // A rule's `on-disk`, or a hook's `pyc` collection mode.
    let compiled_files = hooks.keep_compiled();
    let on_disk = |rel: &str| {
        rules.on_disk(rel).map(str::to_string).or_else(|| {
            let module = rel.strip_suffix(".py").unwrap_or(rel).replace('/', ".");
            let module = module
                .strip_suffix(".__init__")
                .unwrap_or(&module)
                .to_string();
            (compiled_files.iter())
                .find(|(name, _)| crate::analysis::is_within(&module, name))
                .map(|(_, hook)| hook.clone())
        })
    };
    // Python 3.9's importlib.resources.files() takes a package's folder as it is on disk
    // and never asks its loader: there, resources stay files.
    let minor: u32 = (runtime.version_short.split('.').nth(1))
        .and_then(|m| m.parse().ok())
        .unwrap_or(0);
    let resources = |rel: &str| {
        (minor >= 10)
            .then(|| rules.resource(rel).map(str::to_string))
            .flatten()
    };
    let read_by_path: Vec<String> = std::iter::once(&s.script)
        .chain(s.companions.iter().map(|c| &c.script))
        .map(|script| script.compiled_dest())
        .collect();
    let plan = module_store::Plan {
        entries: &[layout::SITE_PACKAGES],
        read_by_path: &read_by_path,
        compression,
        on_disk: &on_disk,
        resources: &resources,
        record: Some(record),
    };
    module_store::pack(contents, layout::MODULE_STORE, &plan)
}

/// The shared libraries the bundle's ELF files need, added; every ELF file stripped and
/// pointed at the bundle's library folder.
pub fn link(
    s: &BuildSettings,
    runtime: &Runtime,
    contents: &mut Contents,
    rules: &packages::rules::Rules,
    progress: &Progress,
) -> Result<crate::closure::Closure, Error> {
    progress.step("Resolving shared libraries");
    let closure = match runtime.target.os() {
        Os::Windows => {
            let dirs = match &runtime.source {
                Source::Given { library_dirs, .. } => library_dirs.clone(),
                Source::Interpreter => Vec::new(),
            };
            let is_dll_dir = |dir: &str| {
                (dir.strip_prefix(layout::SITE_PACKAGES))
                    .map(|d| d.trim_start_matches('/'))
                    .is_some_and(|d| rules.is_dll_dir(d))
            };
            let dynload = layout::dynload(runtime);
            let search = pe::closure::SearchPath {
                is_dll_dir: &is_dll_dir,
                dynload: &dynload,
            };
            pe::closure::resolve(contents, &dirs, &search)?
        }
        _ => elf::closure::resolve(
            contents,
            &elf::search::Searcher::for_runtime(runtime),
            match s.strip {
                Strip::All => elf::strip::Strip::All,
                Strip::Debug => elf::strip::Strip::Debug,
            },
        )?,
    };
    for (lib, path) in &closure.libraries {
        progress.detail(&format!("library: {lib} from {}", path.display()));
    }
    if !closure.unloadable.is_empty() {
        let list: Vec<String> = (closure.unloadable.iter())
            .map(|(file, lib)| {
                let name = file.rsplit('/').next().unwrap_or(file);
                format!("{name} (needs {lib})")
            })
            .collect();
        // Platform plugins first: without one a GUI app cannot start.
        let mut list = list;
        list.sort_by_key(|p| {
            !p.starts_with("libq") || !p.contains("xcb") && !p.contains("wayland")
        });
        let shown = list.len().min(4);
        let more = match list.len() - shown {
            0 => String::new(),
            n => format!(" and {n} more (-v lists them)"),
        };
        progress.note(&format!(
            "{} plugins left out, as libraries they load are not installed here: {}{more}; install those libraries to ship them",
            list.len(),
            list[..shown].join(", ")
        ));
        progress.detail(&format!("plugins left out: {}", list.join(", ")));
    }
    if contents.offered_left() > 0 {
        progress.detail(&format!(
            "{} shared libraries of the distributions are left out: no bundled file loads them",
            contents.offered_left()
        ));
    }
    for (lib, needed_by) in &closure.missing {
        progress.warn(&format!(
            "the shared library {lib}, needed by {needed_by}, was not found; that module will fail to import (install the library or pass its path with --add-binary)"
        ));
    }
    for clash in &closure.clashes {
        progress.warn(&format!(
            "{} would load {} from {}, but the bundle carries the one from {}; if it misbehaves, make both come from the same place",
            clash.needed_by,
            clash.library,
            clash.other.display(),
            clash.kept.display()
        ));
    }
    if let Some((floor, file)) = &closure.glibc {
        progress.detail(&format!("newest glibc needed: {floor}, by {file}"));
    }
    for file in &closure.unpatched {
        progress.warn(&format!(
            "{file} keeps a search path pybundle could not rewrite"
        ));
    }
    Ok(closure)
}

/// The output, with the launcher for the target, and `--specpath`'s settings.
pub fn write(
    s: &BuildSettings,
    runtime: &Runtime,
    contents: &Contents,
    progress: &Progress,
) -> Result<Written, Error> {
    let stub = stub::for_target(s.target)?;
    let launcher: Cow<[u8]> = match s.target.os() {
        Os::Windows => Cow::Owned(pe::resources::apply(stub, &windows_resources(s)?)?),
        _ => Cow::Borrowed(stub),
    };
    progress.detail(&format!(
        "launcher: {} bytes, for {}",
        launcher.len(),
        s.target
    ));
    let executable = s.executable_name();
    let companions = (s.companions.iter())
        .map(|c| {
            let file = s.executable_file(&c.name);
            (file, c.name.clone(), layout::companion_bootstrap(&c.name))
        })
        .collect();
    let plan = Plan {
        dist: &s.distpath,
        name: &s.name,
        executable: &executable,
        folder: s.folder(),
        companions,
        stub: &launcher,
        launch: Launch {
            python: layout::python_library(runtime),
            bootstrap: layout::BOOTSTRAP.to_string(),
            library_dir: layout::library_dir(runtime).to_string(),
            options: s.interpreter_options.clone(),
            signals: s.signals,
            trace: s.trace,
        },
        runtime_tmpdir: s.runtime_tmpdir.clone(),
        level: s.level,
        frames: s.workpath.bucket(Bucket::Frames),
        timestamp: s.timestamp,
    };
    let written = match &s.mode {
        OutputMode::Onefile(unpack) => output::onefile(plan, *unpack, contents, progress)?,
        OutputMode::Onedir { contents_dir } => {
            if contents_dir == "." && contents.contains(&executable) {
                return Err(Error::Collision {
                    dest: s.name.clone(),
                    first: "the executable (--contents-directory .)".into(),
                    second: "a bundled file".into(),
                });
            }
            output::onedir(plan, contents_dir, contents, progress)?
        }
    };
    if let Some(dir) = &s.specpath {
        let file = specpath::write(dir, &s.name, &s.options, &s.script)?;
        progress.detail(&format!("settings written to {}", file.display()));
    }
    Ok(written)
}

/// What the launcher of a Windows executable carries: icon, subsystem, version information
/// (from the app's name, its pyproject.toml and `--version-file`) and manifest.
fn windows_resources(s: &BuildSettings) -> Result<pe::resources::Resources<'_>, Error> {
    let mut version = pe::version::VersionStrings::new(&s.name, &s.executable_name());
    if let Some(pyproject) = settings::project::find(&s.script.path) {
        version.from_project(&pyproject)?;
    }
    if let Some(file) = &s.options.version_file {
        version.from_version_file(file)?;
    }
    let manifest = match &s.options.manifest {
        Some(xml) if xml.trim_start().starts_with('<') => {
            pe::resources::Manifest::Given(xml.clone())
        }
        Some(file) => {
            pe::resources::Manifest::Given(std::fs::read_to_string(file).map_err(|e| {
                Error::WindowsInput {
                    flag: "--manifest",
                    path: PathBuf::from(file),
                    why: format!("is neither XML nor a file that can be read ({e})"),
                }
            })?)
        }
        None => pe::resources::Manifest::Generated {
            name: s.name.clone(),
            admin: s.options.uac_admin.unwrap_or(false),
            ui_access: s.options.uac_uiaccess.unwrap_or(false),
        },
    };
    Ok(pe::resources::Resources {
        icon: s.icon.as_deref(),
        windowed: s.windowed,
        version,
        manifest,
    })
}

/// The newest glibc the bundle needs, its launcher included, and the file that needs it.
fn glibc_floor(
    closure: &crate::closure::Closure,
    target: Target,
) -> Option<(GlibcVersion, String)> {
    let launcher = stub::for_target(target).ok().and_then(elf::read::read);
    let launcher = launcher
        .and_then(|info| info.glibc)
        .map(|v| (v, "the launcher".to_string()));
    closure
        .glibc
        .clone()
        .into_iter()
        .chain(launcher)
        .max_by(|a, b| a.0.cmp(&b.0))
}

/// The build's summary, from every stage's output.
fn summarise(
    s: &BuildSettings,
    a: &Analysis,
    c: &Collected,
    closure: &crate::closure::Closure,
    written: &Written,
    elapsed: f64,
    progress: &Progress,
) -> Summary {
    let told = progress.told();
    Summary {
        schema: summary::SCHEMA,
        status: "ok",
        output: written.path.clone(),
        executable: if s.onefile() {
            written.path.clone()
        } else {
            written.path.join(s.executable_name())
        },
        mode: if s.onefile() { "onefile" } else { "onedir" },
        bytes: written.bytes,
        files: c.contents.len(),
        target: s.target.to_string(),
        python: a.runtime.version.clone(),
        glibc: glibc_floor(closure, s.target).map(|(floor, _)| floor.to_string()),
        seconds: (elapsed * 1000.0).round() / 1000.0,
        app_modules: c.app.local_modules.len(),
        stdlib_modules: c.runtime.modules,
        extensions: c.runtime.extensions,
        data_files: c.data_files,
        libraries: closure.libraries.len(),
        distributions: (c.packages.distributions.iter())
            .map(|(name, version)| summary::Distribution {
                name: name.clone(),
                version: version.clone(),
            })
            .collect(),
        missing_imports: (a.graph.missing.iter())
            .map(|(module, site)| summary::MissingImport {
                module: module.clone(),
                imported_by: site.importer.clone(),
                need: site.need(),
            })
            .collect(),
        warnings: told.warnings,
        notes: told.notes,
    }
}

/// Tell the user about imports found nowhere, by how much they matter: those that run whenever
/// their module does are a warning (with `--strict`, the build's error); those inside
/// functions of installed packages (optional features: pandas' Excel engines) a note naming
/// them; those the code guards only with `-v`.
fn report_missing(
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
fn report_compiled_imports(graph: &ModuleGraph, interp: &Interpreter, progress: &Progress) {
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
