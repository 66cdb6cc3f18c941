//! One build, in order: check the inputs (so mistakes fail before any work), find the
//! interpreter, collect runtime, app, data and shared libraries, then write the output.

use std::collections::BTreeMap;
use std::time::Instant;

use pybundle_archive::Launch;

use std::path::PathBuf;

use crate::analysis::graph::app::AppFinder;
use crate::analysis::graph::site::SiteFinder;
use crate::analysis::graph::{self, ModuleGraph};
use crate::analysis::{self, Need};
use crate::app;
use crate::bootstrap;
use crate::compile::Compiler;
use crate::contents::{Contents, Item, Origin};
use crate::elf;
use crate::error::Error;
use crate::interpreter::Interpreter;
use crate::layout;
use crate::output::{self, Plan};
use crate::packages;
use crate::packages::compiled::Compiled;
use crate::progress::Progress;
use crate::runtime;
use crate::settings::{BuildSettings, OutputMode, Strip};
use crate::specpath;
use crate::stub;
use crate::summary::{self, Summary};
use crate::workpath::Bucket;

pub fn build(settings: BuildSettings) -> Result<(), Error> {
    let started = Instant::now();
    let progress = Progress::new(settings.verbosity);
    let s = &settings;

    // Settings were checked when they were resolved; what remains to check touches the disk.
    let dist = &s.distpath;
    let workpath = &s.workpath;
    if dist.exists() && !dist.is_dir() {
        return Err(Error::Unwritable {
            path: dist.clone(),
            source: std::io::Error::new(std::io::ErrorKind::AlreadyExists, "it is a file"),
        });
    }
    let output_path = dist.join(&s.name);
    output::check_replaceable(&output_path, s.noconfirm)?;
    if s.clean {
        workpath.clean();
    }
    for note in &s.notes {
        progress.note(note);
    }

    progress.step("Inspecting the interpreter");
    let interp = Interpreter::find(s.python.as_deref())?;
    progress.detail(&format!(
        "interpreter: {} (CPython {})",
        interp.real_executable.display(),
        interp.version
    ));
    if let Some(file) = &s.project_file {
        progress.detail(&format!("settings: [tool.pybundle] of {}", file.display()));
    }
    if s.windowed || s.icon.is_some() {
        progress.detail("--windowed and --icon change nothing in a Linux executable");
    }
    let compiler = Compiler::new(&interp, workpath, s.optimize)?;
    let mut contents = Contents::default();

    let excluded = &s.excludes;
    for (companion, module) in excluded.implied() {
        progress.detail(&format!(
            "--exclude-module {module} leaves out {companion} too (it exists only for {module})"
        ));
    }
    // --collect-*: the named package's whole distribution (and every submodule of a local
    // package) is wanted; bundling distributions whole already brings data and submodules.
    let hidden: Vec<String> = (s.hidden_imports.iter())
        .chain(s.collect.iter().map(|c| &c.package))
        .cloned()
        .collect();
    progress.step("Following imports");
    let env =
        packages::markers::Environment::linux_cpython(&interp.version, std::env::consts::ARCH);
    let index = packages::SiteIndex::scan(&interp.site_packages);
    let site = SiteFinder::new(&index, env.clone(), s.whole_distributions());
    let roots: Vec<PathBuf> = std::iter::once(s.script.dir.clone())
        .chain(s.paths.iter().cloned())
        .collect();
    let app_finder = AppFinder::new(roots, interp.stdlib.clone());
    let mut stdlib = runtime::finder(&interp)?;
    let probe_cache = workpath.bucket(Bucket::Probe);
    let probe = |compiled: &[Compiled]| {
        progress.step("Asking compiled modules what they import");
        packages::compiled::stdlib_imports(&interp, compiled, &probe_cache)
    };
    let graph = graph::analyse(
        &graph::Roots {
            script: &s.script.path,
            script_name: &s.script.file_name,
            hooks: &s.runtime_hooks,
            hidden: &hidden,
            submodules_of: &s.every_submodule(),
        },
        &app_finder,
        &site,
        &mut stdlib,
        excluded,
        &probe,
    )?;
    report_compiled_imports(&graph, &interp, &progress);

    progress.step("Collecting the app");
    let app = app::add_app(
        &s.script,
        &s.runtime_hooks,
        &graph.app,
        &compiler,
        &mut contents,
    )?;
    for module in &app.local_modules {
        progress.detail(&format!("app module: {module}"));
    }
    progress.step("Collecting packages");
    let packages = packages::bundle::add_distributions(
        &graph,
        &site,
        &layout::site_packages(&interp),
        &compiler,
        &mut contents,
    )?;
    for (name, version) in &packages.distributions {
        progress.detail(&format!("distribution: {name} {version}"));
    }
    if !s.copy_metadata.is_empty() {
        let copied = packages::metadata::copy(
            &s.copy_metadata,
            &index,
            &env,
            &layout::site_packages(&interp),
            &mut contents,
        )?;
        progress.detail(&format!("metadata of: {}", copied.join(", ")));
    }
    progress.step("Collecting the standard library");
    let runtime = runtime::add_runtime(&interp, &stdlib, excluded, &compiler, &mut contents)?;
    let data_files = app::data::add_all(
        &s.data,
        &[dist.clone(), workpath.root().to_path_buf()],
        &mut contents,
    )?;
    let boot = bootstrap::compile(
        &bootstrap::Plan {
            script: &s.script,
            hooks: &app.hooks,
            site_packages: &layout::site_packages(&interp),
            tcltk: &runtime.tcltk,
        },
        &compiler,
        workpath,
    )?;
    contents.add(
        layout::BOOTSTRAP.to_string(),
        Item::bytes(boot, 0o644, Origin::Runtime("the bootstrap")),
    )?;

    for merged in contents.merged() {
        progress.detail(&format!(
            "{}: {} is the same file as {}; bundled once",
            merged.dest, merged.second, merged.first
        ));
    }
    report_missing(&graph.missing, &interp, &progress);
    progress.step("Resolving shared libraries");
    let libs = elf::closure::resolve(
        &mut contents,
        &elf::search::Searcher::from_host(),
        match s.strip {
            Strip::All => elf::strip::Strip::All,
            Strip::Debug => elf::strip::Strip::Debug,
        },
    )?;
    for (lib, path) in &libs.libraries {
        progress.detail(&format!("library: {lib} from {}", path.display()));
    }
    for (lib, needed_by) in &libs.missing {
        progress.warn(&format!(
            "the shared library {lib}, needed by {needed_by}, was not found; that module will fail to import (install the library or pass its path with --add-binary)"
        ));
    }
    for clash in &libs.clashes {
        progress.warn(&format!(
            "{} would load {} from {}, but the bundle carries the one from {}; if it misbehaves, make both come from the same place",
            clash.needed_by,
            clash.library,
            clash.other.display(),
            clash.kept.display()
        ));
    }
    for file in &libs.unpatched {
        progress.warn(&format!(
            "{file} keeps a search path pybundle could not rewrite"
        ));
    }

    let launcher = stub::for_target(s.target)
        .ok_or_else(|| Error::Internal("no launcher for this platform".into()))?;
    progress.detail(&format!(
        "launcher: {} bytes, for {}",
        launcher.len(),
        stub::HOST_TARGET
    ));
    let plan = Plan {
        dist,
        name: &s.name,
        stub: launcher,
        launch: Launch {
            python: layout::python_library(&interp),
            bootstrap: layout::BOOTSTRAP.to_string(),
            library_dir: layout::LIB_DIR.to_string(),
            options: s.interpreter_options.clone(),
            signals: s.signals,
            trace: s.trace,
        },
        runtime_tmpdir: s.runtime_tmpdir.clone(),
        level: s.level,
        frames: workpath.bucket(Bucket::Frames),
        timestamp: s.timestamp,
    };
    let written = match &s.mode {
        OutputMode::Onefile(unpack) => output::onefile(plan, *unpack, &contents, &progress)?,
        OutputMode::Onedir { contents_dir } => {
            if contents_dir == "." && contents.contains(&s.name) {
                return Err(Error::Collision {
                    dest: s.name.clone(),
                    first: "the executable (--contents-directory .)".into(),
                    second: "a bundled file".into(),
                });
            }
            output::onedir(plan, contents_dir, &contents, &progress)?
        }
    };
    if let Some(dir) = &s.specpath {
        let file = specpath::write(dir, &s.name, &s.options, &s.script)?;
        progress.detail(&format!("settings written to {}", file.display()));
    }

    let mode = if s.onefile() { "onefile" } else { "onedir" };
    let elapsed = started.elapsed().as_secs_f64();
    if s.json {
        let told = progress.told();
        let summary = Summary {
            schema: summary::SCHEMA,
            status: "ok",
            output: written.path.clone(),
            mode,
            bytes: written.bytes,
            files: contents.len(),
            python: interp.version.clone(),
            seconds: (elapsed * 1000.0).round() / 1000.0,
            app_modules: app.local_modules.len(),
            stdlib_modules: runtime.modules,
            extensions: runtime.extensions,
            data_files,
            libraries: libs.libraries.len(),
            distributions: (packages.distributions.iter())
                .map(|(name, version)| summary::Distribution {
                    name: name.clone(),
                    version: version.clone(),
                })
                .collect(),
            missing_imports: (graph.missing.iter())
                .map(|(module, site)| summary::MissingImport {
                    module: module.clone(),
                    imported_by: site.importer.clone(),
                    need: site.need(),
                })
                .collect(),
            warnings: told.warnings,
            notes: told.notes,
        };
        println!("{}", summary::to_line(&summary));
    }
    progress.done(&format!(
        "Built {} ({mode}, {:.1} MB, {} files) in {elapsed:.1} s",
        written.path.display(),
        written.bytes as f64 / 1e6,
        contents.len(),
    ));
    Ok(())
}

/// Tell the user about imports found nowhere, by how much they matter: those that run whenever
/// their module does are a warning; those inside functions of installed packages (optional
/// features: pandas' Excel engines) a note naming them; those the code guards only with `-v`.
fn report_missing(
    unresolved: &BTreeMap<String, analysis::Site>,
    interp: &Interpreter,
    progress: &Progress,
) {
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
    if !required.is_empty() {
        progress.warn(&format!(
            "these imports were found nowhere and will fail if they run: {}; install them into {}, or leave them out with --exclude-module",
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
