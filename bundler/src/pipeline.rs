//! One build, in order: check the inputs (so mistakes fail before any work), find the
//! interpreter, collect runtime, app, data and shared libraries, then write the output.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Instant;

use pybundle_archive::{Launch, Signals, Unpack};

use crate::analysis;
use crate::app::data::{DataSpec, ADD_BINARY, ADD_DATA};
use crate::app::{self, Script};
use crate::bootstrap;
use crate::cli::BuildArgs;
use crate::compile::Compiler;
use crate::contents::{Contents, Item};
use crate::elf;
use crate::error::Error;
use crate::interpreter::Interpreter;
use crate::layout;
use crate::output::{self, Plan};
use crate::packages;
use crate::progress::Progress;
use crate::runtime;
use crate::stub;

pub fn build(args: BuildArgs) -> Result<(), Error> {
    let started = Instant::now();
    let progress = Progress::new(args.quiet, args.verbose);

    // Inputs first: every mistake a user can make is reported before anything is written.
    let script = Script::locate(&args.script)?;
    let name = args.name.clone().unwrap_or_else(|| script.stem.clone());
    check_name(&name)?;
    if let Some(icon) = &args.icon {
        check_icon(icon)?;
    }
    let timestamp = source_date_epoch()?;
    if !(1..=22).contains(&args.compression_level) {
        return Err(Error::BadLevel(args.compression_level));
    }
    let data: Vec<DataSpec> = (args.add_data.iter().map(|s| DataSpec::parse(ADD_DATA, s)))
        .chain(
            args.add_binary
                .iter()
                .map(|s| DataSpec::parse(ADD_BINARY, s)),
        )
        .collect::<Result<_, _>>()?;
    // --collect-*: the named package's whole distribution (and every submodule of a local
    // package) is wanted; bundling distributions whole already brings data and submodules.
    let hidden: Vec<String> = (args.hidden_import.iter())
        .chain(&args.collect_all)
        .chain(&args.collect_data)
        .chain(&args.collect_submodules)
        .cloned()
        .collect();
    for spec in &data {
        spec.sources()?;
    }
    let dist = absolute(&args.distpath)?;
    let workpath = absolute(&args.workpath)?;
    if dist.exists() && !dist.is_dir() {
        return Err(Error::Unwritable {
            path: dist,
            source: std::io::Error::new(std::io::ErrorKind::AlreadyExists, "it is a file"),
        });
    }
    let output_path = dist.join(&name);
    output::check_replaceable(&output_path, args.noconfirm)?;
    if args.clean {
        for cache in ["pyc", "bootstrap", "frames", "probe"] {
            let _ = fs::remove_dir_all(workpath.join(cache));
        }
    }

    progress.step("Inspecting the interpreter");
    let interp = Interpreter::find(args.python.as_deref())?;
    progress.detail(&format!(
        "interpreter: {} (CPython {})",
        interp.real_executable.display(),
        interp.version
    ));
    if let Some(file) = &args.config_file {
        progress.detail(&format!("settings: [tool.pybundle] of {}", file.display()));
    }
    if args.windowed || args.icon.is_some() {
        progress.detail("--windowed and --icon change nothing in a Linux executable");
    }
    let compiler = Compiler::new(&interp, &workpath)?;
    let mut contents = Contents::default();

    let excluded = &args.exclude_module;
    let collect_local: Vec<String> = args
        .collect_all
        .iter()
        .chain(&args.collect_submodules)
        .cloned()
        .collect();
    let provided = runtime::provided_names(&interp)?;
    progress.step("Collecting the app");
    let app = app::collect(
        &script,
        &hidden,
        &collect_local,
        excluded,
        &interp,
        &compiler,
        &mut contents,
    )?;
    for module in &app.local_modules {
        progress.detail(&format!("app module: {module}"));
    }
    progress.step("Collecting packages");
    let index = packages::SiteIndex::scan(&interp.site_packages);
    let whole: Vec<String> = (args.collect_all.iter())
        .chain(&args.collect_data)
        .cloned()
        .collect();
    let roots = packages::collect::Roots {
        imports: &app.external,
        runtime: &provided,
        excluded,
        whole: &whole,
    };
    let mut packages =
        packages::collect::collect(roots, &index, &interp, &compiler, &mut contents)?;
    for (name, version) in &packages.distributions {
        progress.detail(&format!("distribution: {name} {version}"));
    }
    add_compiled_imports(&mut packages, &interp, &workpath, excluded, &progress);
    progress.step("Collecting the standard library");
    let runtime = runtime::collect(
        &interp,
        excluded,
        &packages.runtime_used,
        &packages.runtime_present,
        &compiler,
        &mut contents,
    )?;
    let data_files = app::data::add_all(&data, &[dist.clone(), workpath.clone()], &mut contents)?;
    let boot = bootstrap::compile(
        &script,
        &layout::site_packages(&interp),
        &runtime.tcltk,
        &compiler,
        &workpath,
    )?;
    contents.add(
        layout::BOOTSTRAP.to_string(),
        Item::bytes(boot, 0o644, "the bootstrap"),
    )?;

    report_missing(&packages.unresolved, &progress);
    progress.step("Resolving shared libraries");
    let libs = elf::collect::collect(
        &mut contents,
        &elf::search::Searcher::from_host(),
        if args.strip {
            elf::strip::Strip::All
        } else {
            elf::strip::Strip::Debug
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
    for (lib, kept, other, needed_by) in &libs.clashes {
        progress.warn(&format!(
            "{needed_by} would load {lib} from {}, but the bundle carries the one from {}; if it misbehaves, make both come from the same place",
            other.display(),
            kept.display()
        ));
    }
    for file in &libs.unpatched {
        progress.warn(&format!(
            "{file} keeps a search path pybundle could not rewrite"
        ));
    }

    let launcher = stub::for_target(stub::HOST_TARGET)
        .ok_or_else(|| Error::Internal("no launcher for this platform".into()))?;
    let plan = Plan {
        dist: &dist,
        name: &name,
        stub: launcher,
        launch: Launch {
            python: layout::python_library(&interp),
            bootstrap: layout::BOOTSTRAP.to_string(),
            library_dir: layout::LIB_DIR.to_string(),
            options: Vec::new(),
            signals: Signals::Forward,
            trace: false,
        },
        runtime_tmpdir: args.runtime_tmpdir.clone(),
        level: args.compression_level,
        frames: workpath.join("frames"),
        timestamp,
    };
    let written = if args.onefile {
        let unpack = if args.runtime_cache {
            Unpack::Cached
        } else {
            Unpack::Temporary
        };
        output::onefile(plan, unpack, &contents, &progress)?
    } else {
        output::onedir(plan, layout::ONEDIR_INTERNAL, &contents, &progress)?
    };

    let mode = if args.onefile { "onefile" } else { "onedir" };
    let elapsed = started.elapsed().as_secs_f64();
    if args.json {
        println!(
            "{{\"output\":{},\"mode\":\"{mode}\",\"bytes\":{},\"files\":{},\"stdlib_modules\":{},\"extensions\":{},\"app_modules\":{},\"distributions\":{},\"data_files\":{data_files},\"libraries\":{},\"python\":{},\"seconds\":{elapsed:.3}}}",
            json_str(&written.path.to_string_lossy()),
            written.bytes,
            contents.len(),
            runtime.modules,
            runtime.extensions,
            app.local_modules.len(),
            packages.distributions.len(),
            libs.libraries.len(),
            json_str(&interp.version),
        );
    }
    progress.done(&format!(
        "Built {} ({mode}, {:.1} MB, {} files) in {elapsed:.1} s",
        written.path.display(),
        written.bytes as f64 / 1e6,
        contents.len(),
    ));
    Ok(())
}

fn check_name(name: &str) -> Result<(), Error> {
    let plain = !name.is_empty()
        && !name.starts_with('.')
        && !name.contains(['/', '\\', '\0'])
        && name != layout::ONEDIR_INTERNAL;
    if plain {
        Ok(())
    } else {
        Err(Error::BadName(name.to_string()))
    }
}

fn absolute(path: &Path) -> Result<PathBuf, Error> {
    std::path::absolute(path).map_err(|source| Error::Unwritable {
        path: path.to_path_buf(),
        source,
    })
}

fn json_str(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `--icon` must name an icon file a target could use, even though Linux executables carry
/// none: a command line shared by a CI matrix should fail on every platform or on none.
fn check_icon(icon: &std::path::Path) -> Result<(), Error> {
    let bad = |why| Error::BadIcon {
        path: icon.to_path_buf(),
        why,
    };
    if !icon.is_file() {
        return Err(bad("no such file; check the path"));
    }
    let ext = icon
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match ext.as_deref() {
        Some("ico" | "png" | "icns") => Ok(()),
        _ => Err(bad(
            "not an icon; use a .ico or .png (Windows) or .icns (macOS) file",
        )),
    }
}

/// `SOURCE_DATE_EPOCH` (reproducible-builds.org): the time to give every output file.
fn source_date_epoch() -> Result<Option<std::time::SystemTime>, Error> {
    let Some(value) = std::env::var_os("SOURCE_DATE_EPOCH") else {
        return Ok(None);
    };
    let text = value.to_string_lossy();
    let seconds: u64 = text
        .trim()
        .parse()
        .map_err(|_| Error::BadEpoch(text.to_string()))?;
    Ok(Some(
        std::time::UNIX_EPOCH + std::time::Duration::from_secs(seconds),
    ))
}

/// Tell the user about imports found nowhere, by how much they matter: those that run whenever
/// their module does are a warning; those inside functions of installed packages (optional
/// features: pandas' Excel engines) a note naming them; those the code guards only with `-v`.
fn report_missing(unresolved: &BTreeMap<String, analysis::Site>, progress: &Progress) {
    let by_weight = |weight: u8| -> Vec<(&String, &analysis::Site)> {
        (unresolved.iter())
            .filter(|(_, site)| site.weight() == weight)
            .collect()
    };
    let describe = |list: &[(&String, &analysis::Site)]| {
        list.iter()
            .map(|(name, site)| format!("{name} (imported by {})", site.importer))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let required = by_weight(2);
    if !required.is_empty() {
        progress.warn(&format!(
            "these imports were found nowhere and will fail if they run: {}; install them into the interpreter given by --python, or leave them out with --exclude-module",
            describe(&required)
        ));
    }
    let in_functions = by_weight(1);
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
    let optional = by_weight(0);
    if !optional.is_empty() {
        progress.detail(&format!(
            "optional imports not found (the code handles their absence): {}",
            describe(&optional)
        ));
    }
}

/// Add to `packages.runtime_used` the standard-library modules its compiled modules import from
/// C (see `packages::compiled`), or warn when the interpreter could not be asked.
fn add_compiled_imports(
    packages: &mut packages::collect::Report,
    interp: &Interpreter,
    workpath: &Path,
    excluded: &[String],
    progress: &Progress,
) {
    if packages.compiled.is_empty() {
        return;
    }
    progress.step("Asking compiled modules what they import");
    let cache = workpath.join("probe");
    let Some(found) = packages::compiled::stdlib_imports(interp, &packages.compiled, &cache) else {
        progress.warn(&format!(
            "could not run {} to see what compiled modules import; if the app then fails with ModuleNotFoundError, pass that module with --hidden-import",
            interp.requested.display()
        ));
        return;
    };
    let new: Vec<&str> = (found.iter())
        .filter(|m| !packages.runtime_used.contains(*m))
        .map(String::as_str)
        .collect();
    progress.detail(&format!(
        "imported when the {} compiled modules load, besides what analysis found: {}",
        packages.compiled.len(),
        new.join(", ")
    ));
    let kept = found
        .into_iter()
        .filter(|m| !packages::collect::is_excluded(m, excluded));
    packages.runtime_used.extend(kept);
}
