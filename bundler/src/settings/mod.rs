//! One build's settings, decided once, before any work (docs/cli.md): the command line and
//! `[tool.pybundle]` become [`Options`] each, combine (the command line wins), and resolve into
//! [`BuildSettings`]: defaults applied, every value parsed and checked, each idea in its own
//! type. Everything after this reads `BuildSettings` only. (ripgrep's `LowArgs -> HiArgs`,
//! uv's `Combine` and `*Settings::resolve`.)

pub mod data;
pub mod entry;
pub mod macos;
pub mod options;
pub mod project;
pub mod pyinstaller_spec;
pub mod pyproject_table;
pub mod script;
pub mod scripts;
pub mod windows;

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use pybundle_archive::{Signals, Unpack};

use crate::analysis::excludes::Excludes;
use crate::bundle::layout;
use crate::bundle::target::{Os, Target};
use crate::bundle::workpath::Workpath;
use crate::cli::BuildArgs;
use crate::error::Error;
use crate::progress::Verbosity;
use crate::python::interpreter::Interpreter;
use crate::settings::data::DataSpec;
use crate::settings::script::Script;
use entry::Named;
use options::{Combine, Options};
use scripts::EntryPoint;
use scripts::Project;

/// zstd level of release builds. Measured on examples/hello: level 3 gives 12.8 MB in 0.6 s,
/// 9 gives 11.8 MB in 1.1 s, 19 gives 10.7 MB in 9.8 s; 9 keeps builds in seconds.
pub const DEFAULT_LEVEL: i32 = 9;

/// What the output is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutputMode {
    Onefile(Unpack),
    /// `DIST/NAME/NAME` and the root in `DIST/NAME/CONTENTS_DIR` (`.`: beside it).
    Onedir {
        contents_dir: String,
    },
}

/// Which part of a package `--collect-*` asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CollectKind {
    All,
    Data,
    Binaries,
    Submodules,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Collect {
    pub package: String,
    pub kind: CollectKind,
}

/// A distribution whose metadata goes in even if its code does not (`--copy-metadata`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopyMetadata {
    pub distribution: String,
    /// With the metadata of everything it requires (`--recursive-copy-metadata`).
    pub recursive: bool,
}

/// Debug information the bundle carries (`-s/--strip` takes the symbol tables too).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strip {
    Debug,
    All,
}

/// A build, fully decided, in the groups the stages ask about.
#[derive(Debug)]
pub struct BuildSettings {
    /// What goes in.
    pub input: Input,
    /// The two Pythons and the platform the bundle runs on.
    pub pythons: Pythons,
    /// How the bundle starts and shows itself.
    pub launch: Launch,
    /// What is written, and where.
    pub output: Output,
    /// What a Windows launcher carries (icon, subsystem, version information, manifest),
    /// resolved and checked here; `None` for other targets.
    pub windows: Option<windows::Resources>,
    /// A macOS build's app bundle and signing (`settings::macos`).
    pub apple: Option<macos::Apple>,
    /// How the build tells what it does.
    pub report: Report,
}

/// What goes into the bundle, and the rules for finding it.
#[derive(Debug)]
pub struct Input {
    pub script: Script,
    /// `-D --all-entry-points`: the project's other console scripts, each an executable
    /// beside the first in one folder, sharing its `_internal/`.
    pub companions: Vec<Companion>,
    /// `--add-data` and `--add-binary`, parsed, their sources found.
    pub data: Vec<DataSpec>,
    /// Where the app's own modules are looked for after the script's folder: `-p/--paths`,
    /// then `PYTHONPATH`.
    pub paths: Vec<PathBuf>,
    pub hidden_imports: Vec<String>,
    /// Requirements fetched for the target when this machine lacks them: `--target-package`,
    /// and the project's dependencies whose markers hold on the target but not here.
    pub target_packages: TargetPackages,
    pub excludes: Excludes,
    pub collect: Vec<Collect>,
    pub copy_metadata: Vec<CopyMetadata>,
    /// Scripts run before the app, in order (`--runtime-hook`).
    pub runtime_hooks: Vec<PathBuf>,
    /// `--additional-hooks-dir`: the user's folders of PyInstaller hooks and package rules.
    pub hooks_dirs: Vec<PathBuf>,
    /// A required import found nowhere fails the build (`--strict`).
    pub strict: bool,
    /// The pyproject.toml whose `[tool.pybundle]` was applied.
    pub project_file: Option<PathBuf>,
}

/// The interpreter that reads the app, the CPython the bundle carries, and the platform.
#[derive(Debug)]
pub struct Pythons {
    /// `--python`: the interpreter whose packages and standard library are read.
    pub interpreter: Option<PathBuf>,
    /// That interpreter, when deciding what to bundle asked it already (a project's console
    /// scripts); the build then asks it nothing again.
    pub queried: Option<Interpreter>,
    /// `--runtime`: the CPython the bundle carries, when not the interpreter's own.
    /// `--runtime`: none (the interpreter's own), one, or a Mac CPU's each for universal2.
    pub runtime: Vec<PathBuf>,
    /// The platform the bundle runs on.
    pub target: Target,
    /// Bytecode optimization level, 0 to 2.
    pub optimize: u8,
}

/// How the bundle starts: the launcher's choices and the interpreter's.
#[derive(Debug)]
pub struct Launch {
    /// Interpreter options at run time (`-v`, `-u`, `-W x`, `-X y`, `-O`).
    pub interpreter_options: Vec<String>,
    pub signals: Signals,
    /// The launcher says what it does (`--debug bootloader`).
    pub trace: bool,
    /// No console window (`-w`).
    pub windowed: bool,
    pub icon: Option<PathBuf>,
    /// Where a onefile bundle unpacks (`--runtime-tmpdir`).
    pub runtime_tmpdir: Option<String>,
}

/// What is written, and where.
#[derive(Debug)]
pub struct Output {
    pub name: String,
    /// The onedir folder's name when it is not the executable's (`companions`: the
    /// project's name).
    pub folder_name: Option<String>,
    pub mode: OutputMode,
    pub distpath: PathBuf,
    pub workpath: Workpath,
    /// zstd level.
    pub level: i32,
    pub strip: Strip,
    pub noconfirm: bool,
    pub clean: bool,
    /// `SOURCE_DATE_EPOCH`: the time every output file gets.
    pub timestamp: Option<SystemTime>,
    /// `--specpath`: where this build's settings are written as a `[tool.pybundle]` table.
    pub specpath: Option<SpecPath>,
    /// `--sbom FILE`: where a copy of the bundle's SBOM is written.
    pub sbom: Option<PathBuf>,
    /// `--notices FILE`: where the bundle's third-party notices are written.
    pub notices: Option<PathBuf>,
}

/// How the build tells what it does.
#[derive(Debug)]
pub struct Report {
    pub verbosity: Verbosity,
    pub json: bool,
    /// One line each for options accepted that change nothing here, and why.
    pub notes: Vec<String>,
}

/// `--specpath DIR`, with the combined options it writes as a `[tool.pybundle]` table.
#[derive(Debug, Clone)]
pub struct SpecPath {
    pub dir: PathBuf,
    pub options: Options,
}

impl BuildSettings {
    /// Combine `args` with the nearest `[tool.pybundle]` and resolve them: one build, or one
    /// per console script with `--all-entry-points`.
    pub fn from_args(args: &BuildArgs) -> Result<Vec<Self>, Error> {
        let cli = Options::from_cli(args)?;
        let cwd = absolute(Path::new("."))?;
        let picks_scripts = cli.entry_point.is_some() || cli.all_entry_points == Some(true);
        match entry::name(args.script.as_deref(), &cwd)? {
            Named::Script(script) => {
                if picks_scripts {
                    return Err(Error::EntryPointWithoutProject(
                        script.display().to_string(),
                    ));
                }
                let (options, applied) = with_project(cli, project::find(&script))?;
                Ok(vec![Self::resolve(&script, options, applied)?])
            }
            Named::EntryPoint(mut entry) => {
                if picks_scripts {
                    return Err(Error::EntryPointWithoutProject(format!(
                        "{}:{}",
                        entry.module, entry.attr
                    )));
                }
                // As `python -c` would: the current folder (and its src/) on the path. The
                // settings: the pyproject.toml nearest the current folder (`find` starts at a
                // script's folder, hence a name in it).
                let nearest = project::find(&cwd.join("-"));
                let (mut options, applied) = with_project(cli, nearest)?;
                options.paths.push(cwd.clone());
                if cwd.join("src").is_dir() {
                    options.paths.push(cwd.join("src"));
                }
                // Named after the console script that calls it, where one does.
                let interp = Interpreter::find(options.python.as_deref())?;
                let here = match Project::at(&cwd) {
                    Some(project) => project.declared()?.scripts,
                    None => Vec::new(),
                };
                let installed = scripts::installed(&interp.site_packages);
                let calling = (here.iter())
                    .chain(installed.iter().flat_map(|i| &i.scripts))
                    .find(|e| e.module == entry.module && e.attr == entry.attr);
                if let Some(script) = calling {
                    entry.name = script.name.clone();
                    entry.gui = script.gui;
                }
                let mut build = Self::for_entry_point(&entry, options, applied)?;
                build.pythons.queried = Some(interp);
                Ok(vec![build])
            }
            Named::Project(project) => {
                let (options, applied) = with_project(cli, project.pyproject.clone())?;
                Self::for_project(Some(&project), options, applied)
            }
            Named::Nothing => {
                if cli.entry_point.is_none() {
                    return Err(Error::NothingToBundle(cwd));
                }
                Self::for_project(None, cli, None)
            }
        }
    }

    /// The builds for console scripts `chosen`: with `--all-entry-points` and more than one
    /// in onedir mode, one folder (named after the project) where the first script's build
    /// has the others beside it; else one build each.
    fn for_scripts(
        chosen: &[EntryPoint],
        all: bool,
        project_name: Option<String>,
        options: Options,
        applied: Option<PathBuf>,
    ) -> Result<Vec<Self>, Error> {
        if !(all && chosen.len() > 1 && !options.onefile.unwrap_or(false)) {
            return (chosen.iter())
                .map(|e| Self::for_entry_point(e, options.clone(), applied.clone()))
                .collect();
        }
        let mut build = Self::for_entry_point(&chosen[0], options.clone(), applied)?;
        for entry in &chosen[1..] {
            let work = build.output.workpath.root().join("entry-points");
            let script = Script::console_script(&entry::write_script(entry, &work)?)?;
            build.input.companions.push(Companion {
                name: entry.name.clone(),
                module: entry.module.clone(),
                script,
            });
        }
        let folder = project_name.unwrap_or_else(|| build.output.name.clone());
        check_name(&folder)?;
        build.output.folder_name = Some(folder);
        Ok(vec![build])
    }

    /// The builds of a project's console scripts (`project`), or of an installed tool's
    /// (`--entry-point NAME` outside any project): the one named, the only one, or each with
    /// `--all-entry-points`. A project declares them in its files; a `setup.py` project, in
    /// its installed distribution's `entry_points.txt` only.
    fn for_project(
        project: Option<&Project>,
        mut options: Options,
        applied: Option<PathBuf>,
    ) -> Result<Vec<Self>, Error> {
        let wanted = options.entry_point.clone();
        let all = options.all_entry_points.unwrap_or(false);
        if all && wanted.is_some() {
            return Err(Error::EntryPointWithAllEntryPoints);
        }
        if all && options.name.is_some() {
            return Err(Error::NameWithAllEntryPoints);
        }
        let interp = Interpreter::find(options.python.as_deref())?;
        let installed = scripts::installed(&interp.site_packages);
        let name = project.and_then(Project::name);
        let own = name
            .as_deref()
            .and_then(|n| scripts::find_distribution(&installed, n));
        let project_installed = name
            .as_deref()
            .is_some_and(|n| scripts::is_installed(&interp.site_packages, n));
        let mut declared = match project {
            Some(project) => project.declared()?,
            None => scripts::Declared::default(),
        };
        if declared.scripts.is_empty() {
            if let Some(own) = own {
                declared = own.declared();
            }
        }
        let no_scripts = || match project {
            Some(project) => Error::NoEntryPoints {
                project: project.dir.clone(),
                installed: if project_installed {
                    String::new()
                } else {
                    format!(
                        ", and it is not installed for {} (where a setup.py project's would be listed); install it there (pip install .)",
                        interp.described()
                    )
                },
            },
            None => Error::Internal("no project and no console script named".into()),
        };
        // The project's own scripts come from its sources unless it is installed, in which
        // case they run from the installed distribution, as its console scripts do.
        let mut from_project = true;
        let chosen: Vec<EntryPoint> = if all {
            if declared.scripts.is_empty() {
                return Err(no_scripts());
            }
            declared.scripts.clone()
        } else if let Some(wanted) = &wanted {
            let (entry, own_script) =
                wanted_script(wanted, &declared, &installed, own, project, &interp)?;
            from_project = own_script;
            vec![entry]
        } else {
            vec![entry::only(&declared)?.ok_or_else(no_scripts)?]
        };
        let mut notes = Vec::new();
        if let (Some(project), true, false) = (project, from_project, project_installed) {
            let src = entry::source_folder(&project.dir);
            notes.push(format!(
                "{} is not installed for {}: its modules are taken from {}, and importlib.metadata will not find it (pip install . bundles it with its metadata)",
                name.as_deref().unwrap_or("the project"),
                interp.described(),
                src.display()
            ));
            options.paths.push(src);
        }
        let mut builds = Self::for_scripts(&chosen, all, name, options, applied)?;
        for build in &mut builds {
            build.report.notes.extend(notes.iter().cloned());
            build.pythons.queried = Some(interp.clone());
        }
        Ok(builds)
    }

    /// The build of one console script: its generated script (in the workpath), named after
    /// it, windowed if it is a GUI script.
    fn for_entry_point(
        entry: &EntryPoint,
        mut options: Options,
        project_file: Option<PathBuf>,
    ) -> Result<Self, Error> {
        let work = absolute(options.workpath.as_deref().unwrap_or(Path::new("build")))?;
        let script = entry::write_script(entry, &work.join("entry-points"))?;
        if entry.gui && options.windowed.is_none() {
            options.windowed = Some(true);
        }
        let script = Script::console_script(&script)?;
        Self::resolve_script(script, options, project_file)
    }

    /// Apply defaults to `options` and check every value.
    pub fn resolve(
        script: &Path,
        o: Options,
        project_file: Option<PathBuf>,
    ) -> Result<Self, Error> {
        Self::resolve_script(Script::locate(script)?, o, project_file)
    }

    fn resolve_script(
        script: Script,
        o: Options,
        project_file: Option<PathBuf>,
    ) -> Result<Self, Error> {
        let name = o.name.clone().unwrap_or_else(|| script.stem.clone());
        check_name(&name)?;
        let output = Output::resolve(&o, name)?;
        let pythons = Pythons::resolve(&o)?;
        let mut notes = Vec::new();
        let launch = Launch::resolve(&o, pythons.optimize, &mut notes)?;
        notes.extend(notes_elsewhere(&o, pythons.target.os()));
        if o.target_arch.is_some() && pythons.target.os() != Os::Macos {
            let why = why_nothing("target-architecture", pythons.target.os());
            notes.push(format!("--target-architecture changes nothing here: {why}"));
        }
        let input = Input::resolve(script, &o, project_file)?;
        let report = Report {
            verbosity: verbosity(&o)?,
            json: o.json.unwrap_or(false),
            notes,
        };
        let mut settings = BuildSettings {
            input,
            pythons,
            launch,
            output,
            windows: None,
            apple: None,
            report,
        };
        if settings.pythons.target.os() == Os::Windows {
            // A mistake in the version information or manifest is told now, before the build.
            settings.windows = Some(windows::resolve(&settings, &o)?);
        }
        if settings.pythons.target.os() == Os::Macos {
            // A wrong icon, identifier, certificate or password is told now, before the build.
            settings.apple = Some(macos::resolve(&settings, &o)?);
        }
        Ok(settings)
    }

    pub fn onefile(&self) -> bool {
        matches!(self.output.mode, OutputMode::Onefile(_))
    }

    /// Where the output goes: the executable (onefile) or the folder holding it (onedir).
    pub fn output_path(&self) -> PathBuf {
        if self.onefile() {
            self.output.distpath.join(self.executable_name())
        } else {
            self.output.distpath.join(self.folder())
        }
    }

    /// The onedir folder's name.
    pub fn folder(&self) -> &str {
        self.output
            .folder_name
            .as_deref()
            .unwrap_or(&self.output.name)
    }

    /// The executable's file name: the app's name, with `.exe` for Windows.
    pub fn executable_name(&self) -> String {
        self.executable_file(&self.output.name)
    }

    /// The file name of the executable called `name`.
    pub fn executable_file(&self, name: &str) -> String {
        match self.pythons.target.os() {
            Os::Windows => format!("{name}.exe"),
            _ => name.to_string(),
        }
    }

    /// The packages whose whole distribution is wanted (`--collect-all/-data/-binaries`).
    pub fn whole_distributions(&self) -> Vec<String> {
        (self.input.collect.iter())
            .filter(|c| c.kind != CollectKind::Submodules)
            .map(|c| c.package.clone())
            .collect()
    }

    /// The packages every submodule of which is wanted (`--collect-all/-submodules`).
    pub fn every_submodule(&self) -> Vec<String> {
        (self.input.collect.iter())
            .filter(|c| matches!(c.kind, CollectKind::All | CollectKind::Submodules))
            .map(|c| c.package.clone())
            .collect()
    }
}

impl Input {
    /// What goes in: `script`, and what `o` adds to it or keeps out.
    fn resolve(script: Script, o: &Options, project_file: Option<PathBuf>) -> Result<Self, Error> {
        Ok(Input {
            script,
            companions: Vec::new(),
            data: data_files(o)?,
            paths: search_paths(o),
            hidden_imports: o.hidden_import.clone(),
            target_packages: TargetPackages {
                named: o.target_package.clone(),
                project: o.requires.clone(),
            },
            excludes: Excludes::new(&o.exclude_module),
            collect: collects(o),
            copy_metadata: copy_metadata(o),
            runtime_hooks: o.runtime_hook.clone(),
            hooks_dirs: o.additional_hooks_dir.clone(),
            strict: o.strict.unwrap_or(false),
            project_file,
        })
    }
}

impl Pythons {
    /// The target, the CPython it needs, and the bytecode level, checked.
    fn resolve(o: &Options) -> Result<Self, Error> {
        let target = resolve_target(
            o.target.as_deref(),
            o.target_arch.as_deref(),
            !o.runtime.is_empty(),
        )?;
        // Given again, a runtime replaces the one before, as every option's value does; a
        // universal2 build alone takes two, one per Mac CPU, to join.
        let runtime = match (target == Target::MacosUniversal2, o.runtime.as_slice()) {
            (true, given) if given.len() > 2 => return Err(Error::TooManyRuntimes(given.len())),
            (true, given) => given.to_vec(),
            (false, given) => given.last().cloned().into_iter().collect(),
        };
        let optimize = o.optimize.unwrap_or(0);
        if optimize > 2 {
            return Err(Error::BadOptimize(optimize));
        }
        Ok(Pythons {
            interpreter: o.python.clone(),
            queried: None,
            runtime,
            target,
            optimize,
        })
    }
}

impl Launch {
    /// How the bundle starts; a note for each `--debug` or `--python-option` value that
    /// cannot change it.
    fn resolve(o: &Options, optimize: u8, notes: &mut Vec<String>) -> Result<Self, Error> {
        if let Some(icon) = &o.icon {
            check_icon(icon)?;
        }
        let debug = Debug::parse(&o.debug)?;
        let interpreter_options = interpreter_options(o, optimize, &debug, notes)?;
        if debug.noarchive {
            notes.push(
                "--debug noarchive changes nothing: the app's modules are files in the bundle already, and the standard library stays one zip".into(),
            );
        }
        Ok(Launch {
            interpreter_options,
            signals: if o.bootloader_ignore_signals.unwrap_or(false) {
                Signals::Ignore
            } else {
                Signals::Forward
            },
            trace: debug.bootloader,
            windowed: o.windowed.unwrap_or(false),
            icon: o.icon.clone(),
            runtime_tmpdir: o.runtime_tmpdir.clone(),
        })
    }
}

impl Output {
    /// What is written for the app `name`, and where, checked.
    fn resolve(o: &Options, name: String) -> Result<Self, Error> {
        let mode = output_mode(o, &name)?;
        let level = o.compression_level.unwrap_or(DEFAULT_LEVEL);
        if !(1..=22).contains(&level) {
            return Err(Error::BadLevel(level));
        }
        Ok(Output {
            name,
            folder_name: None,
            mode,
            distpath: absolute(o.distpath.as_deref().unwrap_or(Path::new("dist")))?,
            workpath: Workpath::new(absolute(
                o.workpath.as_deref().unwrap_or(Path::new("build")),
            )?),
            level,
            strip: if o.strip.unwrap_or(false) {
                Strip::All
            } else {
                Strip::Debug
            },
            noconfirm: o.noconfirm.unwrap_or(false),
            clean: o.clean.unwrap_or(false),
            timestamp: source_date_epoch()?,
            specpath: o.specpath.clone().map(|dir| SpecPath {
                dir,
                options: o.clone(),
            }),
            sbom: o.sbom.as_deref().map(absolute).transpose()?,
            notices: o.notices.as_deref().map(absolute).transpose()?,
        })
    }
}

/// PyInstaller's Windows options that a build for Windows honours (crate::output::windows).
const WINDOWS_RESOURCES: &[&str] = &["version-file", "manifest", "uac-admin", "uac-uiaccess"];

/// PyInstaller's macOS options that a build for macOS honours (`settings::macos`).
const MACOS_OPTIONS: &[&str] = &[
    "osx-bundle-identifier",
    "codesign-identity",
    "osx-entitlements-file",
];

/// Why an option of PyInstaller's changes nothing in a pybundle build for `os`.
pub fn why_nothing(option: &str, os: Os) -> &'static str {
    match option {
        "hide-console" if os == Os::Windows => {
            "a console program keeps its console; build with --windowed for none"
        }
        "disable-windowed-traceback" if os == Os::Windows => {
            "a windowed app's uncaught exception is always shown, so it is never lost"
        }
        "resource" if os == Os::Windows => {
            "pybundle adds the icon, version information and manifest, and no other resources"
        }
        "argv-emulation" if os == Os::Macos => {
            "the app gets no files as arguments from Finder's Apple events; sys.argv is what it was started with"
        }
        "upx-dir" | "noupx" | "upx-exclude" => {
            "pybundle compresses the whole bundle with zstd and never runs UPX"
        }
        "splash" | "splash-center" => {
            "pybundle shows no splash screen (a bundle starts in about the time python does)"
        }
        "hide-console"
        | "disable-windowed-traceback"
        | "version-file"
        | "manifest"
        | "resource"
        | "uac-admin"
        | "uac-uiaccess" => "it is for Windows executables, and this build is not for Windows",
        "target-architecture" => {
            "it chooses the CPUs of a macOS bundle, and this build is not for macOS (--target macos-universal2 builds one for both Mac CPUs)"
        }
        "argv-emulation"
        | "osx-bundle-identifier"
        | "codesign-identity"
        | "osx-entitlements-file" => "it is for macOS app bundles, and this build is not for macOS",
        _ => "it has no meaning here",
    }
}

/// `--debug` values.
#[derive(Debug, Default)]
struct Debug {
    imports: bool,
    bootloader: bool,
    noarchive: bool,
}

impl Debug {
    fn parse(values: &[String]) -> Result<Self, Error> {
        let mut d = Debug::default();
        for v in values {
            match v.as_str() {
                "imports" => d.imports = true,
                "bootloader" => d.bootloader = true,
                "noarchive" => d.noarchive = true,
                "all" => {
                    d.imports = true;
                    d.bootloader = true;
                    d.noarchive = true;
                }
                other => return Err(Error::BadDebug(other.to_string())),
            }
        }
        Ok(d)
    }
}

/// The console script `wanted` (`--entry-point`): the project's own, else one an installed
/// distribution declares; and whether it is the project's own (whose modules then come from
/// the project's sources unless it is installed).
fn wanted_script(
    wanted: &str,
    declared: &scripts::Declared,
    installed: &[scripts::Installed],
    own: Option<&scripts::Installed>,
    project: Option<&Project>,
    interp: &Interpreter,
) -> Result<(EntryPoint, bool), Error> {
    if let Some(entry) = entry::named(declared, wanted) {
        return Ok((entry, true));
    }
    let elsewhere = (installed.iter())
        .flat_map(|i| i.scripts.iter().map(move |e| (i, e)))
        .find(|(_, e)| e.name == *wanted);
    let Some((dist, entry)) = elsewhere else {
        let python = interp.described();
        return Err(match project {
            Some(_) if !declared.scripts.is_empty() => Error::UnknownEntryPoint {
                name: wanted.to_string(),
                place: declared.source.clone(),
                names: (declared.scripts.iter())
                    .map(|e| e.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                python,
            },
            _ => Error::NoConsoleScript {
                name: wanted.to_string(),
                python,
            },
        });
    };
    let own_script = own.is_some_and(|o| o.distribution == dist.distribution);
    Ok((entry.clone(), own_script))
}

/// `-F` (with `--runtime-cache`) or `-D` (with `--contents-directory`, checked).
fn output_mode(o: &Options, name: &str) -> Result<OutputMode, Error> {
    if o.onefile.unwrap_or(false) {
        return Ok(OutputMode::Onefile(if o.runtime_cache.unwrap_or(false) {
            Unpack::Cached
        } else {
            Unpack::Temporary
        }));
    }
    let contents_dir = o
        .contents_directory
        .clone()
        .unwrap_or_else(|| layout::ONEDIR_INTERNAL.to_string());
    check_contents_dir(&contents_dir, name)?;
    Ok(OutputMode::Onedir { contents_dir })
}

/// The interpreter's options at run time: `-O`/`-OO` from `--optimize`, `-v` from `--debug
/// imports`, and `--python-option`'s; a note for what cannot be passed on.
fn interpreter_options(
    o: &Options,
    optimize: u8,
    debug: &Debug,
    notes: &mut Vec<String>,
) -> Result<Vec<String>, Error> {
    let mut options = match optimize {
        1 => vec!["-O".to_string()],
        2 => vec!["-OO".to_string()],
        _ => Vec::new(),
    };
    if debug.imports {
        options.push("-v".into());
    }
    for option in &o.python_option {
        match python_option(option)? {
            Some(args) => options.extend(args),
            None => notes.push(format!(
                "--python-option {option}: the hash seed cannot be fixed in an isolated interpreter; Python chooses one at each start"
            )),
        }
    }
    Ok(options)
}

/// One line for each option accepted that changes nothing for a bundle for `os`, and why.
fn notes_elsewhere(o: &Options, os: Os) -> Vec<String> {
    (o.elsewhere.iter())
        .filter(|name| !(os == Os::Windows && WINDOWS_RESOURCES.contains(*name)))
        .filter(|name| !(os == Os::Macos && MACOS_OPTIONS.contains(*name)))
        .map(|name| format!("--{name} changes nothing here: {}", why_nothing(name, os)))
        .collect()
}

/// Where the app's own modules are looked for after the script's folder: `-p`, then
/// `PYTHONPATH`, as PyInstaller's analysis honours it (for the search only: the bundle stays
/// isolated from it at run time).
fn search_paths(o: &Options) -> Vec<PathBuf> {
    let mut paths = o.paths.clone();
    if let Some(value) = std::env::var_os("PYTHONPATH") {
        paths.extend(std::env::split_paths(&value).filter(|p| !p.as_os_str().is_empty()));
    }
    paths
}

/// `--add-data` and `--add-binary`, their sources found; and the `--runtime-hook` files,
/// checked to exist.
fn data_files(o: &Options) -> Result<Vec<DataSpec>, Error> {
    let mut data: Vec<DataSpec> = o.add_data.iter().chain(&o.add_binary).cloned().collect();
    for spec in &mut data {
        spec.expand()?;
    }
    for hook in &o.runtime_hook {
        if !hook.is_file() {
            return Err(Error::RuntimeHookMissing(hook.clone()));
        }
    }
    Ok(data)
}

/// `--collect-all/-data/-binaries/-submodules`, in that order.
fn collects(o: &Options) -> Vec<Collect> {
    [
        (&o.collect_all, CollectKind::All),
        (&o.collect_data, CollectKind::Data),
        (&o.collect_binaries, CollectKind::Binaries),
        (&o.collect_submodules, CollectKind::Submodules),
    ]
    .into_iter()
    .flat_map(|(packages, kind)| {
        packages.iter().map(move |package| Collect {
            package: package.clone(),
            kind,
        })
    })
    .collect()
}

/// `--copy-metadata` and `--recursive-copy-metadata`.
fn copy_metadata(o: &Options) -> Vec<CopyMetadata> {
    (o.copy_metadata.iter().map(|d| (d, false)))
        .chain(o.recursive_copy_metadata.iter().map(|d| (d, true)))
        .map(|(distribution, recursive)| CopyMetadata {
            distribution: distribution.clone(),
            recursive,
        })
        .collect()
}

/// `--python-option`: the interpreter arguments it stands for; `None` for a hash seed.
fn python_option(option: &str) -> Result<Option<Vec<String>>, Error> {
    let option = option.trim();
    if option == "v" || option == "u" {
        return Ok(Some(vec![format!("-{option}")]));
    }
    if let Some((flag, value)) = option.split_once(' ') {
        if matches!(flag, "W" | "X") && !value.trim().is_empty() {
            return Ok(Some(vec![format!("-{flag}"), value.trim().to_string()]));
        }
    }
    if option.starts_with("hash_seed=") {
        return Ok(None);
    }
    Err(Error::BadPythonOption(option.to_string()))
}

fn verbosity(o: &Options) -> Result<Verbosity, Error> {
    if o.quiet == Some(true) {
        return Ok(Verbosity::Quiet);
    }
    if o.verbose == Some(true) {
        return Ok(Verbosity::Verbose);
    }
    match o
        .log_level
        .as_deref()
        .map(str::to_ascii_uppercase)
        .as_deref()
    {
        None | Some("INFO") => Ok(Verbosity::Normal),
        Some("TRACE" | "DEBUG") => Ok(Verbosity::Verbose),
        Some("WARN" | "WARNING" | "DEPRECATION") => Ok(Verbosity::Warnings),
        Some("ERROR" | "FATAL" | "CRITICAL") => Ok(Verbosity::Quiet),
        Some(_) => Err(Error::BadLogLevel(o.log_level.clone().unwrap_or_default())),
    }
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

/// `.`, or a relative folder path that stays inside the output folder and is not the
/// executable's own name.
fn check_contents_dir(dir: &str, name: &str) -> Result<(), Error> {
    let fine = dir == "."
        || (pybundle_archive::entry_path::is_safe(dir) && dir.split('/').next() != Some(name));
    if fine {
        Ok(())
    } else {
        Err(Error::BadContentsDir(dir.to_string()))
    }
}

/// Another console script of the project, built into the same folder.
#[derive(Debug, Clone)]
pub struct Companion {
    pub name: String,
    /// The module its function is in (analysed as a hidden import).
    pub module: String,
    /// Its generated script.
    pub script: Script,
}

/// Distributions a build for another platform fetches that this machine lacks.
#[derive(Debug, Clone, Default)]
pub struct TargetPackages {
    /// `--target-package`: fetched for the target whatever their markers.
    pub named: Vec<String>,
    /// The project's `[project].dependencies`: those whose marker holds on the target but not
    /// on this machine are fetched (`pywin32; sys_platform == "win32"`).
    pub project: Vec<String>,
}

/// `cli` combined with `file`'s `[tool.pybundle]` (the command line wins), and the file when
/// it had that table.
fn with_project(cli: Options, file: Option<PathBuf>) -> Result<(Options, Option<PathBuf>), Error> {
    let project = match &file {
        Some(file) => project::load(file)?,
        None => None,
    };
    let had_table = project.is_some();
    let mut options = cli.combine(project.unwrap_or_default());
    if let Some(file) = &file {
        options.requires = project::requires(file);
    }
    let applied = had_table.then_some(file).flatten();
    Ok((options, applied))
}

fn absolute(path: &Path) -> Result<PathBuf, Error> {
    std::path::absolute(path).map_err(|source| Error::Unwritable {
        path: path.to_path_buf(),
        source,
    })
}

/// `--target` (default: this machine's platform) and `--target-arch`, which needs `--runtime`
/// unless it is this machine's; the runtime's own checks come when it is opened.
fn resolve_target(
    name: Option<&str>,
    arch: Option<&str>,
    runtime_given: bool,
) -> Result<Target, Error> {
    let host = Target::host();
    let named = match name {
        Some(name) => Some(Target::parse(name).ok_or_else(|| Error::UnknownTarget(name.into()))?),
        None => None,
    };
    let target = match (named, arch) {
        (Some(named), _) if named.os() != Os::Macos => named,
        (None, _) if host.is_none_or(|h| h.os() != Os::Macos) => {
            host.ok_or_else(|| Error::UnknownTarget(std::env::consts::ARCH.into()))?
        }
        (named, Some(arch)) => mac_cpus(named.or(host), arch)?,
        (Some(named), None) => named,
        (None, None) => host.ok_or_else(|| Error::UnknownTarget(std::env::consts::ARCH.into()))?,
    };
    if Some(target) != host && !runtime_given {
        return Err(Error::TargetNeedsRuntime(target));
    }
    Ok(target)
}

/// The macOS target `--target-arch ARCH` makes of the Mac target `target` (PyInstaller's flag,
/// which chooses the Mac CPUs): universal2 makes it a universal one; a single CPU must be the
/// one `--target` names. For another platform it changes nothing (a note says so), as in
/// PyInstaller, so that one command line serves a CI matrix.
fn mac_cpus(target: Option<Target>, arch: &str) -> Result<Target, Error> {
    let wanted = match arch.trim().to_ascii_lowercase().as_str() {
        "universal2" => Target::MacosUniversal2,
        "arm64" | "aarch64" => Target::MacosArm64,
        "x86_64" => Target::MacosX86_64,
        _ => return Err(Error::BadTargetArch(arch.to_string())),
    };
    match target {
        Some(t) if t == wanted || wanted == Target::MacosUniversal2 => Ok(wanted),
        Some(t) if t == Target::host().unwrap_or(t) => Ok(wanted),
        Some(t) => Err(Error::TargetArchDisagrees {
            target: t,
            arch: wanted,
        }),
        None => Ok(wanted),
    }
}

/// `--icon` must name an icon file a target could use, even though Linux executables carry
/// none: a command line shared by a CI matrix should fail on every platform or on none. The
/// content is checked (ICO, PNG or ICNS signature), not only the name.
fn check_icon(icon: &Path) -> Result<(), Error> {
    let bad = |why| Error::BadIcon {
        path: icon.to_path_buf(),
        why,
    };
    let mut head = [0u8; 8];
    let read = std::fs::File::open(icon).and_then(|mut f| {
        use std::io::Read;
        f.read_exact(&mut head)
    });
    if !icon.is_file() {
        return Err(bad("no such file; check the path"));
    }
    let is_icon = read.is_ok()
        && (head[..4] == [0, 0, 1, 0] || head == *b"\x89PNG\r\n\x1a\n" || head[..4] == *b"icns");
    if is_icon {
        Ok(())
    } else {
        Err(bad(
            "not an icon (no ICO, PNG or ICNS signature); use a .ico or .png (Windows) or .icns (macOS) file",
        ))
    }
}

/// `SOURCE_DATE_EPOCH` (reproducible-builds.org): the time to give every output file.
fn source_date_epoch() -> Result<Option<SystemTime>, Error> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::tests::build_args;

    fn resolved(args: &[&str]) -> Result<BuildSettings, Error> {
        let dir = tempfile::tempdir().unwrap();
        let script = dir.path().join("app.py");
        std::fs::write(&script, "print(1)\n").unwrap();
        let mut all = vec![script.to_str().unwrap()];
        all.extend(args);
        let args = build_args(&all);
        let options = Options::from_cli(&args)?;
        BuildSettings::resolve(args.script.as_deref().unwrap(), options, None)
    }

    #[test]
    fn the_target_is_this_machines_unless_named_and_another_needs_its_runtime() {
        assert_eq!(Some(resolved(&[]).unwrap().pythons.target), Target::host());
        let s = resolved(&["--target", "aarch64-unknown-linux-gnu", "--runtime", "r"]).unwrap();
        assert_eq!(s.pythons.target, Target::LinuxAarch64);
        assert_eq!(s.pythons.runtime, [Path::new("r")]);
        assert!(matches!(
            resolved(&["--target", "linux-aarch64"]),
            Err(Error::TargetNeedsRuntime(Target::LinuxAarch64))
        ));
        let s = resolved(&["--target", "macos-arm64", "--runtime", "r"]).unwrap();
        assert_eq!(s.pythons.target, Target::MacosArm64);
        assert!(matches!(
            resolved(&["--target", "macos-x86_64"]),
            Err(Error::TargetNeedsRuntime(Target::MacosX86_64))
        ));
    }

    #[test]
    fn target_arch_chooses_the_mac_cpus_as_pyinstallers_flag_does() {
        let target = |args: &[&str]| resolved(args).map(|s| s.pythons.target);
        let r = ["--runtime", "r"];
        let with = |extra: &[&'static str]| [extra, &r[..]].concat();
        assert!(matches!(
            target(&with(&[
                "--target",
                "macos-arm64",
                "--target-arch",
                "universal2"
            ])),
            Ok(Target::MacosUniversal2)
        ));
        assert!(matches!(
            target(&with(&[
                "--target=macos-x86_64",
                "--target-architecture",
                "universal2"
            ])),
            Ok(Target::MacosUniversal2)
        ));
        assert!(matches!(
            target(&with(&["--target", "macos-universal2"])),
            Ok(Target::MacosUniversal2)
        ));
        assert!(matches!(
            target(&with(&[
                "--target",
                "macos-x86_64",
                "--target-arch",
                "x86_64"
            ])),
            Ok(Target::MacosX86_64)
        ));
        assert!(matches!(
            target(&with(&[
                "--target",
                "macos-x86_64",
                "--target-arch",
                "arm64"
            ])),
            Err(Error::TargetArchDisagrees { .. })
        ));
        assert!(matches!(
            target(&with(&["--target", "macos-arm64", "--target-arch", "fat"])),
            Err(Error::BadTargetArch(_))
        ));
        assert!(matches!(
            target(&["--target", "macos-arm64", "--target-arch", "universal2"]),
            Err(Error::TargetNeedsRuntime(Target::MacosUniversal2))
        ));
        // Two runtimes: a CPU's each, for universal2 only.
        let two = ["--runtime", "a", "--runtime", "b"];
        assert!(matches!(
            target(&[&["--target", "macos-universal2"], &two[..]].concat()),
            Ok(Target::MacosUniversal2)
        ));
        let thin = resolved(&[&["--target", "macos-arm64"], &two[..]].concat()).unwrap();
        assert_eq!(
            thin.pythons.runtime,
            [Path::new("b")],
            "the last one counts"
        );
        let three = [
            &["--target", "macos-universal2", "--runtime", "c"],
            &two[..],
        ]
        .concat();
        assert!(matches!(target(&three), Err(Error::TooManyRuntimes(3))));
        // Another platform's build: unchanged, and told why.
        let s = resolved(&with(&[
            "--target",
            "windows-x64",
            "--target-arch",
            "universal2",
        ]));
        let s = s.unwrap();
        assert_eq!(s.pythons.target, Target::WindowsX64);
        assert!(
            (s.report.notes.iter()).any(|n| n.starts_with("--target-architecture changes nothing")),
            "{:?}",
            s.report.notes
        );
    }

    #[test]
    fn defaults_are_a_onedir_in_dist_at_level_nine() {
        let s = resolved(&[]).unwrap();
        assert_eq!(
            s.output.mode,
            OutputMode::Onedir {
                contents_dir: "_internal".into()
            }
        );
        assert_eq!(s.output.name, "app");
        assert_eq!(s.output.level, DEFAULT_LEVEL);
        assert!(s.output.distpath.ends_with("dist") && s.output.distpath.is_absolute());
        assert_eq!(s.report.verbosity, Verbosity::Normal);
        assert!(s.report.notes.is_empty());
    }

    #[test]
    fn pyinstaller_options_become_settings() {
        let s = resolved(&[
            "-F",
            "--optimize",
            "2",
            "--python-option",
            "u",
            "--python-option",
            "W ignore",
            "-d",
            "imports",
            "-d",
            "bootloader",
            "--bootloader-ignore-signals",
            "--log-level",
            "warn",
            "--collect-binaries",
            "numpy",
            "--recursive-copy-metadata",
            "requests",
        ])
        .unwrap();
        assert_eq!(s.output.mode, OutputMode::Onefile(Unpack::Temporary));
        assert_eq!(
            s.launch.interpreter_options,
            ["-OO", "-v", "-u", "-W", "ignore"]
        );
        assert!(s.launch.trace);
        assert_eq!(s.launch.signals, Signals::Ignore);
        assert_eq!(s.report.verbosity, Verbosity::Warnings);
        assert_eq!(s.whole_distributions(), ["numpy"]);
        assert!(s.every_submodule().is_empty());
        assert_eq!(
            s.input.copy_metadata,
            [CopyMetadata {
                distribution: "requests".into(),
                recursive: true
            }]
        );
    }

    #[test]
    fn options_of_other_tools_and_platforms_get_one_note_each() {
        let s = resolved(&["--noupx", "--uac-admin", "--python-option", "hash_seed=1"]).unwrap();
        assert_eq!(s.report.notes.len(), 3, "{:?}", s.report.notes);
        assert!(s
            .report
            .notes
            .iter()
            .any(|n| n.contains("--noupx") && n.contains("UPX")));
        assert!(s
            .report
            .notes
            .iter()
            .any(|n| n.contains("--uac-admin") && n.contains("Windows")));
    }

    #[test]
    fn bad_values_are_refused_before_any_work() {
        for (args, expect) in [
            (&["--optimize", "3"][..], "--optimize"),
            (&["--python-option", "Z"], "--python-option"),
            (&["-d", "everything"], "--debug"),
            (&["--log-level", "LOUD"], "--log-level"),
            (&["--contents-directory", "../x"], "--contents-directory"),
            (
                &["--runtime-hook", "/nonexistent/hook.py"],
                "--runtime-hook",
            ),
            (&["--compression-level", "0"], "--compression-level"),
        ] {
            let err = resolved(args).expect_err(expect).to_string();
            assert!(err.contains(expect), "{args:?}: {err}");
        }
    }

    #[test]
    fn an_icon_is_checked_by_its_content() {
        let dir = tempfile::tempdir().unwrap();
        let fake = dir.path().join("fake.ico");
        std::fs::write(&fake, "not an icon at all").unwrap();
        let err = check_icon(&fake).unwrap_err().to_string();
        assert!(err.contains("not an icon"), "{err}");
        let png = dir.path().join("real.png");
        std::fs::write(&png, b"\x89PNG\r\n\x1a\n....").unwrap();
        assert!(check_icon(&png).is_ok());
        let ico = dir.path().join("real.ico");
        std::fs::write(&ico, b"\0\0\x01\0\x01\0\x10\x10").unwrap();
        assert!(check_icon(&ico).is_ok());
    }
}
