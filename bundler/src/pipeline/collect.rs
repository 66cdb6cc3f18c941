//! The collect stage: the files the module graph calls for, from every source, into the
//! bundle's [`Contents`].

use super::Analysis;
use crate::analysis::graph::site::SiteFinder;
use crate::bundle::contents::{Contents, Item, Origin};
use crate::bundle::layout;
use crate::bundle::target::{Os, Target};
use crate::collect;
use crate::collect::app;
use crate::collect::bootstrap;
use crate::error::Error;
use crate::packages::{self, pyi_hooks};
use crate::progress::Progress;
use crate::python::compile::Compiler;
use crate::settings::BuildSettings;

/// Everything the bundle holds, and what each part added.
pub struct Collected {
    pub contents: Contents,
    pub app: app::Collected,
    pub packages: collect::distributions::Bundled,
    pub runtime: collect::stdlib::Added,
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
        &s.input.script,
        &s.input.runtime_hooks,
        &a.graph.app,
        compiler,
        &mut contents,
    )?;
    for module in &app.local_modules {
        progress.detail(&format!("app module: {module}"));
    }
    progress.step("Collecting packages");
    let rules = packages::rules::Rules::load(&s.input.hooks_dirs)?;
    let packages = add_distributions(s, a, &rules, compiler, &mut contents, progress)?;
    add_metadata_and_hook_files(s, a, &mut contents, progress)?;
    progress.step("Collecting the standard library");
    let runtime = collect::stdlib::add_runtime(
        &a.runtime,
        &a.interp,
        &a.stdlib,
        &s.input.excludes,
        compiler,
        &mut contents,
    )?;
    let data_files = app::data::add_all(
        &s.input.data,
        &[
            s.output.distpath.clone(),
            s.output.workpath.root().to_path_buf(),
        ],
        s.pythons.target.os(),
        &mut contents,
    )?;
    add_bootstraps(
        s,
        a,
        &Boot {
            app_hooks: &app.hooks,
            rules: &rules,
            tcltk: &runtime.tcltk,
        },
        compiler,
        &mut contents,
    )?;
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

/// The distributions' modules, data and needed compiled modules, as the package rules say.
fn add_distributions(
    s: &BuildSettings,
    a: &Analysis,
    rules: &packages::rules::Rules,
    compiler: &Compiler,
    contents: &mut Contents,
    progress: &Progress,
) -> Result<collect::distributions::Bundled, Error> {
    let site_packages = layout::SITE_PACKAGES;
    let site = SiteFinder::new(&a.index, a.env.clone(), s.whole_distributions());
    let choice = collect::distributions::Choice {
        rules,
        offer: match s.pythons.target.os() {
            Os::Windows => collect::distributions::Offer::LinkedDlls,
            _ => collect::distributions::Offer::VersionedNames,
        },
    };
    let packages = collect::distributions::add_distributions(
        &a.graph,
        &site,
        site_packages,
        &choice,
        compiler,
        contents,
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
    Ok(packages)
}

/// `--copy-metadata`'s metadata, and the files PyInstaller's hooks name.
fn add_metadata_and_hook_files(
    s: &BuildSettings,
    a: &Analysis,
    contents: &mut Contents,
    progress: &Progress,
) -> Result<(), Error> {
    if !s.input.copy_metadata.is_empty() {
        let copied = collect::metadata::copy(
            &s.input.copy_metadata,
            &a.index,
            &a.env,
            layout::SITE_PACKAGES,
            contents,
        )?;
        progress.detail(&format!("metadata of: {}", copied.join(", ")));
    }
    let hooked = pyi_hooks::files::add(
        &a.hooks,
        &a.interp.site_packages,
        &a.index,
        Target::host() == Some(s.pythons.target),
        contents,
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
    Ok(())
}

/// What the bootstraps need from the collect stage's other parts.
struct Boot<'a> {
    /// `--runtime-hook` files, as the app's collection placed them.
    app_hooks: &'a [String],
    rules: &'a packages::rules::Rules,
    /// Where Tcl's and Tk's script libraries went, when tkinter is carried.
    tcltk: &'a [String],
}

/// One bootstrap per executable (the first script's, and each companion's, which also brings
/// its compiled script), with the distributions' `.pth` files taken into it.
fn add_bootstraps(
    s: &BuildSettings,
    a: &Analysis,
    boot: &Boot,
    compiler: &Compiler,
    contents: &mut Contents,
) -> Result<(), Error> {
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
    let frozen_path: Vec<String> = (boot.rules.frozen_path())
        .filter(|dir| {
            let prefix = format!("{}/", layout::within(layout::SITE_PACKAGES, dir));
            contents.iter().any(|(dest, _)| dest.starts_with(&prefix))
        })
        .map(|dir| layout::within(layout::SITE_PACKAGES, dir))
        .collect();
    // One bootstrap per executable: the first script's, and each companion's, which also
    // brings its compiled script.
    let scripts = std::iter::once((&s.input.script, layout::BOOTSTRAP.to_string())).chain(
        (s.input.companions.iter()).map(|c| (&c.script, layout::companion_bootstrap(&c.name))),
    );
    for (i, (script, dest)) in scripts.enumerate() {
        if i > 0 {
            let job = crate::python::compile::Job {
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
                hooks: boot.app_hooks,
                pth: &pth,
                frozen_path: &frozen_path,
                tcltk: boot.tcltk,
                // The store always exists: it holds the build's record at least.
                modules: layout::MODULE_STORE,
                pruned: &pruned,
            },
            compiler,
            &s.output.workpath,
        )?;
        contents.add(
            dest,
            Item::bytes(boot, 0o644, Origin::Runtime("the bootstrap")),
        )?;
    }
    Ok(())
}
