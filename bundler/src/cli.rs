//! The command line, as typed (docs/cli.md): `pybundle SCRIPT ...` means `pybundle build
//! SCRIPT ...`. Every build option is declared here once, in [`BuildOptions`], which is also
//! what a `[tool.pybundle]` table reads into (the key is the long option); PyInstaller's
//! options that change nothing here are the list [`NO_EFFECT`]. Every option of PyInstaller 6
//! is accepted under its spelling; what each means here is decided once, in
//! [`crate::settings`], where the command line is combined with `[tool.pybundle]`. Nothing here
//! has a default: an option not given is `None`, `false` or empty, so the project's file can
//! fill it.

use std::ffi::OsString;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use serde::{Deserialize, Serialize};

/// What `pybundle --help` says after the commands: `build` is the default command, so its
/// common options and a few examples belong on the first page too.
const AFTER_HELP: &str = "\
Build options (`pybundle app.py ...` is `pybundle build app.py ...`; `pybundle build --help`
lists them all):
  -F, --onefile             One executable (the default is one folder, -D)
  -n, --name NAME           The output's name (default: the script's stem)
  --add-data SRC:DEST       Files, folders or globs at DEST in the bundle
  --hidden-import MODULE    A module analysis cannot see
  --collect-all PACKAGE     A package whole: its modules, data and binaries
  --target TARGET           The platform it runs on: linux-x86_64, linux-aarch64, windows-x64,
                            macos-arm64, macos-x86_64, macos-universal2
  -w, --windowed            Windows: no console window; macOS: an .app
  --runtime-cache           Onefile: unpack once into the user's cache, then reuse
  --json                    A summary on stdout when the build ends

Examples:
  pybundle app.py -F                        One executable: dist/app
  pybundle app.py --add-data assets:assets  One folder, dist/app/, with the app's data
  pybundle app.py -F --target windows-x64 --runtime python-3.11.9-embed-amd64.zip
  pybundle app.py -w --target macos-arm64 --runtime cpython-3.11.14+20251120-aarch64-apple-darwin-install_only.tar.gz
  pybundle inspect dist/app                 What a bundle holds, and for which platform
  pybundle completions bash > ~/.local/share/bash-completion/completions/pybundle";

/// `pybundle --version`: the version, and the targets whose launcher this pybundle carries.
const LONG_VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    "\nlaunchers: ",
    env!("PYBUNDLE_STUB_LAUNCHERS")
);

/// `pybundle build --help`'s closing examples.
const BUILD_AFTER_HELP: &str = "\
Examples:
  pybundle build app.py -F -n tool          dist/tool, one executable
  pybundle build app.py -D -y --clean       dist/app/, rebuilt from nothing, replacing the old
  pybundle build app.py -F -w -i app.png --target windows-x64 --runtime python-3.11.9-embed-amd64.zip
  pybundle build app.py --json | jq .bytes  The summary's fields: docs/json.md";

#[derive(Debug, Parser)]
#[command(
    name = "pybundle",
    version,
    long_version = LONG_VERSION,
    about = "Turn a Python app into one executable or one folder that runs without Python",
    after_help = AFTER_HELP,
    // As in PyInstaller (argparse): a flag given twice is fine, a value given twice the last.
    args_override_self = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

// Parsed once per run; boxing the large variant would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Bundle an app (the default command).
    #[command(after_help = BUILD_AFTER_HELP)]
    Build(BuildArgs),
    /// Show what a built executable or folder holds.
    Inspect {
        /// A onefile executable, or a onedir folder or its executable.
        path: Option<PathBuf>,
        /// Why things are in the bundle: every distribution and the largest files; or, given a
        /// distribution's name or a file's path in the bundle, that one.
        #[arg(long, value_name = "NAME|PATH", num_args = 0..=1, default_missing_value = "")]
        why: Option<String>,
        /// Everything as one JSON object (docs/json.md).
        #[arg(long)]
        json: bool,
        /// The bundle's software bill of materials, CycloneDX 1.6 JSON (docs/sbom.md).
        #[arg(long, conflicts_with_all = ["why", "json"])]
        sbom: bool,
        /// With --sbom: cyclonedx (as the bundle carries it) or spdx (SPDX 2.3 JSON made from
        /// it).
        #[arg(long, value_enum, requires = "sbom", value_name = "FORMAT")]
        format: Option<SbomFormat>,
        /// Each component of the bundle: its version, its licence as declared, and the
        /// licence files it ships (docs/sbom.md).
        #[arg(long, conflicts_with_all = ["why", "json", "sbom"])]
        licenses: bool,
        /// The bundle's third-party notices: each component's licence and the text of every
        /// licence file it carries (docs/sbom.md).
        #[arg(long, conflicts_with_all = ["why", "json", "sbom", "licenses"])]
        notices: bool,
    },
    /// Write the bundled files of an executable into DEST.
    Extract { exe: PathBuf, dest: PathBuf },
    /// Check a bundle's integrity (a onedir's every file too): exit 0 when intact, 1 when not.
    Verify {
        /// A onefile executable, or a onedir folder or its executable.
        exe: PathBuf,
    },
    /// List or clean the runtime cache that --runtime-cache apps unpack into.
    Cache {
        #[command(subcommand)]
        action: CacheAction,
    },
    /// Print a PyInstaller .spec file's settings as a [tool.pybundle] table (the spec is read,
    /// never run; `pybundle build X.spec` builds from it directly).
    ImportSpec { spec: PathBuf },
    /// Print the shell completion script for SHELL (bash, zsh, fish, powershell, elvish).
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

/// The SBOM's formats (docs/sbom.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SbomFormat {
    /// CycloneDX 1.6 JSON.
    Cyclonedx,
    /// SPDX 2.3 JSON.
    Spdx,
}

/// What `pybundle cache` does.
#[derive(Debug, Subcommand)]
pub enum CacheAction {
    /// Each entry: the app, its size, when it was last used, and whether it is in use.
    List,
    /// Remove entries nobody is running: every one, or those of the apps named.
    Clean {
        /// Only these apps' entries (their names as built, `-n`).
        apps: Vec<String>,
    },
}

#[derive(Debug, Args, Default)]
pub struct BuildArgs {
    /// The app's main script; or an entry point, `package.module:function`; or a project's
    /// folder, whose pyproject.toml names its console scripts (default: the current folder's);
    /// or a PyInstaller .spec file, read for its settings (never run).
    pub script: Option<PathBuf>,
    #[command(flatten)]
    pub options: BuildOptions,
    #[command(flatten)]
    pub elsewhere: Elsewhere,
}

/// Every build option, declared once: its flag and help on the command line, and its key in
/// `[tool.pybundle]`, which is the same long name (serde reads the table into this struct; an
/// alias is spelled for both beside it). What each means is decided in [`crate::settings`].
#[derive(Debug, Args, Default, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct BuildOptions {
    /// The console script to build: one of the project's, when it declares several; or,
    /// outside a project, one an installed distribution declares (pipx-style).
    #[arg(long, value_name = "NAME")]
    pub entry_point: Option<String>,
    /// Build each of the project's console scripts, one executable each.
    #[arg(long)]
    pub all_entry_points: bool,
    /// Fail the build when an import that runs whenever its module does is found nowhere
    /// (the CI recipes use it): exit 1, nothing written.
    #[arg(long)]
    pub strict: bool,
    /// One executable.
    #[arg(short = 'F', long, overrides_with = "onedir")]
    pub onefile: bool,
    /// One folder (the default).
    #[arg(short = 'D', long, overrides_with = "onefile")]
    pub onedir: bool,
    /// Output name; default: the script's file stem.
    #[arg(short = 'n', long)]
    pub name: Option<String>,
    /// Where output goes [default: dist].
    #[arg(long, value_name = "DIR")]
    pub distpath: Option<PathBuf>,
    /// Where build caches go [default: build].
    #[arg(long, value_name = "DIR")]
    pub workpath: Option<PathBuf>,
    /// Onedir: the folder beside the executable that holds everything else [default:
    /// _internal]; `.` puts it all beside the executable.
    #[arg(long = "contents-directory", value_name = "NAME")]
    pub contents_directory: Option<String>,
    /// Also write this build's settings as a `[tool.pybundle]` table to DIR/NAME.toml
    /// (PyInstaller writes its .spec file there).
    #[arg(long, value_name = "DIR")]
    pub specpath: Option<PathBuf>,
    /// Also write the bundle's software bill of materials (every bundle carries it,
    /// docs/sbom.md) to FILE: CycloneDX 1.6 JSON, or SPDX 2.3 JSON when FILE ends in
    /// .spdx.json.
    #[arg(long, value_name = "FILE")]
    pub sbom: Option<PathBuf>,
    /// Also write the bundle's third-party notices to FILE: each part's version and licence,
    /// and the text of every licence file the bundle carries (docs/sbom.md).
    #[arg(long, value_name = "FILE")]
    pub notices: Option<PathBuf>,
    /// A file, folder or glob placed at DEST inside the bundle ('.' = its root). Repeatable.
    #[arg(long = "add-data", value_name = "SRC:DEST")]
    #[serde(deserialize_with = "list")]
    pub add_data: Vec<String>,
    /// Shared libraries placed at DEST, with their own dependencies. Repeatable.
    #[arg(long = "add-binary", value_name = "SRC:DEST")]
    #[serde(deserialize_with = "list")]
    pub add_binary: Vec<String>,
    /// A folder to search for the app's modules, like PYTHONPATH (which is searched too).
    /// Repeatable, or several separated by ':'.
    #[arg(short = 'p', long = "paths", value_name = "DIR")]
    #[serde(deserialize_with = "list")]
    pub paths: Vec<String>,
    /// A whole package: its distribution, submodules and data. Repeatable.
    #[arg(long = "collect-all", value_name = "PKG")]
    #[serde(deserialize_with = "list")]
    pub collect_all: Vec<String>,
    /// A package's data files (its whole distribution). Repeatable.
    #[arg(
        long = "collect-data",
        visible_alias = "collect-datas",
        value_name = "PKG"
    )]
    #[serde(alias = "collect-datas", deserialize_with = "list")]
    pub collect_data: Vec<String>,
    /// A package's shared libraries (its whole distribution). Repeatable.
    #[arg(long = "collect-binaries", value_name = "PKG")]
    #[serde(deserialize_with = "list")]
    pub collect_binaries: Vec<String>,
    /// Every submodule of a package. Repeatable.
    #[arg(long = "collect-submodules", value_name = "PKG")]
    #[serde(deserialize_with = "list")]
    pub collect_submodules: Vec<String>,
    /// A distribution's metadata, so importlib.metadata finds it even when its code is not
    /// bundled. Repeatable.
    #[arg(long = "copy-metadata", value_name = "DIST")]
    #[serde(deserialize_with = "list")]
    pub copy_metadata: Vec<String>,
    /// A distribution's metadata and that of everything it requires. Repeatable.
    #[arg(long = "recursive-copy-metadata", value_name = "DIST")]
    #[serde(deserialize_with = "list")]
    pub recursive_copy_metadata: Vec<String>,
    /// Bundle a module that analysis cannot see. Repeatable.
    #[arg(
        long = "hidden-import",
        visible_alias = "hiddenimport",
        value_name = "MOD"
    )]
    #[serde(alias = "hiddenimport", deserialize_with = "list")]
    pub hidden_import: Vec<String>,
    /// A distribution the app needs on the target that cannot be installed here (pywin32 for
    /// --target windows-x64): its target wheel is fetched and bundled. A requirement such as
    /// pywin32 or pywin32==311. Repeatable.
    #[arg(long = "target-package", value_name = "REQ")]
    #[serde(deserialize_with = "list")]
    pub target_package: Vec<String>,
    /// Keep a module (and its submodules) out. Repeatable.
    #[arg(long = "exclude-module", value_name = "MOD")]
    #[serde(deserialize_with = "list")]
    pub exclude_module: Vec<String>,
    /// A script run before the app, in the order given (after the bundle's own set-up).
    /// Repeatable.
    #[arg(long = "runtime-hook", value_name = "FILE")]
    #[serde(deserialize_with = "list")]
    pub runtime_hook: Vec<PathBuf>,
    /// A folder of the user's PyInstaller hooks (hook-NAME.py) and package rules, read before
    /// the bundled ones. Repeatable.
    #[arg(long = "additional-hooks-dir", value_name = "DIR")]
    #[serde(deserialize_with = "list")]
    pub additional_hooks_dir: Vec<PathBuf>,
    /// The interpreter whose runtime is bundled; default: the active virtualenv's, else python3.
    /// With --target, the one whose packages the app uses and that compiles its bytecode.
    #[arg(long, value_name = "PATH")]
    pub python: Option<PathBuf>,
    /// The platform the bundle runs on: linux-x86_64 (the default here), linux-aarch64,
    /// windows-x64, macos-arm64, macos-x86_64, macos-universal2 (both Mac CPUs), or a Rust
    /// target triple.
    #[arg(long, value_name = "NAME")]
    pub target: Option<String>,
    /// macOS: the CPUs the bundle runs on, as PyInstaller says them: arm64, x86_64, or
    /// universal2 (both, in every file: the runtime and the wheels must be universal2).
    #[arg(
        long = "target-arch",
        visible_alias = "target-architecture",
        value_name = "ARCH"
    )]
    #[serde(alias = "target-architecture")]
    pub target_arch: Option<String>,
    /// The CPython for --target: a folder or a .tar.gz/.tar.zst/.zip archive laid out as an
    /// installed Python (python-build-standalone's install_only, Debian packages unpacked
    /// together, a `make install`). For macos-universal2, a universal2 one, or given twice:
    /// the arm64 and the x86_64 CPython, joined (for other targets, the last one counts).
    #[arg(long, value_name = "PATH")]
    #[serde(deserialize_with = "list", serialize_with = "one_or_list")]
    pub runtime: Vec<PathBuf>,
    /// Bytecode optimization: 0, 1 (-O: no asserts) or 2 (-OO: no docstrings either), for
    /// the bundled modules and the interpreter that runs them.
    #[arg(long, value_name = "LEVEL")]
    pub optimize: Option<u8>,
    /// An interpreter option at run time: v, u, "W <warning control>", "X <option>".
    /// Repeatable.
    #[arg(long = "python-option", value_name = "OPTION")]
    #[serde(deserialize_with = "list")]
    pub python_option: Vec<String>,
    /// imports (the interpreter's -v), bootloader (the launcher says what it does), noarchive,
    /// all. Repeatable.
    #[arg(short = 'd', long = "debug", value_name = "WHAT")]
    #[serde(deserialize_with = "list")]
    pub debug: Vec<String>,
    /// A console program (the default).
    #[arg(
        short = 'c',
        long = "console",
        visible_alias = "nowindowed",
        overrides_with = "windowed"
    )]
    #[serde(alias = "nowindowed")]
    pub console: bool,
    /// A GUI app: no console window (Windows), an .app (macOS). Linux executables never open
    /// one, so this changes nothing there; accepted so one command line serves every target.
    #[arg(
        short = 'w',
        long = "windowed",
        visible_alias = "noconsole",
        overrides_with = "console"
    )]
    #[serde(alias = "noconsole")]
    pub windowed: bool,
    /// The executable's icon (.ico or .png for Windows, .icns or a square .png for a macOS
    /// .app); the file's content is checked. Linux executables carry no icon.
    #[arg(short = 'i', long = "icon", value_name = "FILE")]
    pub icon: Option<PathBuf>,
    /// Also strip the static symbol tables of bundled executables and shared libraries (debug
    /// information always goes): smaller output, fewer names in a debugger's backtraces.
    #[arg(short = 's', long)]
    pub strip: bool,
    /// Where a onefile app unpacks at launch.
    #[arg(long = "runtime-tmpdir", value_name = "DIR")]
    pub runtime_tmpdir: Option<String>,
    /// Onefile: unpack once into the user's cache (~/.cache/pybundle) and reuse it while it is
    /// intact, instead of a fresh temporary folder at every launch.
    #[arg(long = "runtime-cache")]
    pub runtime_cache: bool,
    /// Onefile: the launcher ignores SIGINT, SIGTERM and the others it would forward to the
    /// app (for supervisors that signal the whole process group).
    #[arg(long = "bootloader-ignore-signals")]
    pub bootloader_ignore_signals: bool,
    /// Replace existing output without asking.
    #[arg(short = 'y', long)]
    pub noconfirm: bool,
    /// Drop build caches first.
    #[arg(long)]
    pub clean: bool,
    /// zstd level, 1 (fastest build) to 22 (smallest output) [default: 9].
    #[arg(long = "compression-level", value_name = "N")]
    pub compression_level: Option<i32>,
    /// Quieter: errors only.
    #[arg(short, long, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Louder: what was collected and from where.
    #[arg(short, long)]
    pub verbose: bool,
    /// PyInstaller's levels: TRACE and DEBUG are -v, WARN shows warnings only, ERROR and
    /// FATAL are -q.
    #[arg(long = "log-level", value_name = "LEVEL")]
    pub log_level: Option<String>,
    /// A machine-readable summary on stdout.
    #[arg(long)]
    pub json: bool,
    /// Windows: the version information, from a PyInstaller version file (pybundle reads
    /// the app's pyproject.toml for it too).
    #[arg(long = "version-file", value_name = "FILE", hide = true)]
    pub version_file: Option<PathBuf>,
    /// Windows: the application manifest, as XML or a file of it.
    #[arg(short = 'm', long = "manifest", value_name = "FILE", hide = true)]
    pub manifest: Option<String>,
    /// Windows: the manifest asks for administrator rights.
    #[arg(long = "uac-admin", hide = true)]
    pub uac_admin: bool,
    /// Windows: the manifest asks for UI access.
    #[arg(long = "uac-uiaccess", hide = true)]
    pub uac_uiaccess: bool,
    /// macOS: the app's bundle identifier, reverse-DNS (org.example.app) [default: the name].
    #[arg(long = "osx-bundle-identifier", value_name = "ID")]
    pub osx_bundle_identifier: Option<String>,
    /// macOS: sign with this Developer ID certificate and its key, a .p12 file (its password
    /// in PYBUNDLE_CODESIGN_PASSWORD), with the hardened runtime; ad hoc without it.
    #[arg(long = "codesign-identity", value_name = "FILE.p12")]
    pub codesign_identity: Option<PathBuf>,
    /// macOS: the entitlements the signature grants, a property list file.
    #[arg(long = "osx-entitlements-file", value_name = "FILE")]
    pub osx_entitlements_file: Option<PathBuf>,
}

/// How one of PyInstaller's no-effect options is given.
#[derive(Debug, Clone, Copy)]
pub enum Shape {
    Flag,
    /// With a value (its name in help).
    Value(&'static str),
    /// With a value, repeatable.
    Values(&'static str),
}

/// One of PyInstaller's options that change nothing in a pybundle build.
#[derive(Debug)]
pub struct NoEffect {
    pub long: &'static str,
    pub short: Option<char>,
    pub alias: Option<&'static str>,
    pub shape: Shape,
}

const fn no_effect(long: &'static str, shape: Shape) -> NoEffect {
    NoEffect {
        long,
        short: None,
        alias: None,
        shape,
    }
}

/// PyInstaller 6 options that change nothing in any pybundle build: they mean something only
/// on macOS, only as a Windows resource pybundle does not write, or only to a tool pybundle
/// does not use (UPX, splash screens). Accepted under their names, on the command line and in
/// `[tool.pybundle]`, so a PyInstaller build script runs unchanged; each given one gets one
/// line saying why (`settings::why_nothing`). This list is their only declaration.
pub const NO_EFFECT: &[NoEffect] = &[
    no_effect("upx-dir", Shape::Value("DIR")),
    no_effect("noupx", Shape::Flag),
    no_effect("upx-exclude", Shape::Values("FILE")),
    no_effect("splash", Shape::Value("IMAGE")),
    no_effect("splash-center", Shape::Value("MODE")),
    no_effect("hide-console", Shape::Value("MODE")),
    no_effect("disable-windowed-traceback", Shape::Flag),
    NoEffect {
        short: Some('r'),
        ..no_effect("resource", Shape::Values("RESOURCE"))
    },
    no_effect("argv-emulation", Shape::Flag),
];

/// The [`NO_EFFECT`] options given on the command line, by their long names.
#[derive(Debug, Default, Clone)]
pub struct Elsewhere(pub Vec<&'static str>);

impl clap::Args for Elsewhere {
    fn augment_args(cmd: clap::Command) -> clap::Command {
        NO_EFFECT.iter().fold(cmd, |cmd, option| {
            let mut arg = clap::Arg::new(option.long).long(option.long).hide(true);
            if let Some(short) = option.short {
                arg = arg.short(short);
            }
            if let Some(alias) = option.alias {
                arg = arg.visible_alias(alias);
            }
            arg = match option.shape {
                Shape::Flag => arg.action(clap::ArgAction::SetTrue),
                Shape::Value(name) => arg.value_name(name).action(clap::ArgAction::Set),
                Shape::Values(name) => arg.value_name(name).action(clap::ArgAction::Append),
            };
            cmd.arg(arg)
        })
    }

    fn augment_args_for_update(cmd: clap::Command) -> clap::Command {
        Self::augment_args(cmd)
    }
}

impl clap::FromArgMatches for Elsewhere {
    fn from_arg_matches(matches: &clap::ArgMatches) -> Result<Self, clap::Error> {
        let given = (NO_EFFECT.iter())
            .filter(|o| {
                matches.value_source(o.long) == Some(clap::parser::ValueSource::CommandLine)
            })
            .map(|o| o.long)
            .collect();
        Ok(Elsewhere(given))
    }

    fn update_from_arg_matches(&mut self, matches: &clap::ArgMatches) -> Result<(), clap::Error> {
        *self = Self::from_arg_matches(matches)?;
        Ok(())
    }
}

/// A list of strings, or one string as a list of one (`hidden-import = "six"`).
fn list<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: From<String>,
{
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    OneOrMany::deserialize(d)
        .map(|v| match v {
            OneOrMany::One(s) => vec![T::from(s)],
            OneOrMany::Many(list) => list.into_iter().map(T::from).collect(),
        })
        .map_err(|_| serde::de::Error::custom("must be a string or a list of strings"))
}

/// A list of one written as its one value, as a person would write it in the table.
fn one_or_list<S: serde::Serializer>(list: &[PathBuf], s: S) -> Result<S::Ok, S::Error> {
    match list {
        [one] => one.serialize(s),
        many => many.serialize(s),
    }
}

/// The subcommands, and what else may come first.
const KNOWN: &[&str] = &[
    "build",
    "inspect",
    "extract",
    "verify",
    "cache",
    "completions",
    "import-spec",
    "help",
    "-h",
    "--help",
    "-V",
    "--version",
];

/// Insert the implicit `build` so `pybundle app.py -F` parses.
pub fn with_default_command(mut args: Vec<OsString>) -> Vec<OsString> {
    if let Some(first) = args.get(1) {
        if !KNOWN.iter().any(|k| first == *k) {
            args.insert(1, "build".into());
        }
    }
    args
}

/// A first word that is no file and reads like a misspelt command (`pybundle inspekt dist/x`)
/// is a mistake to name, not a script to build: the command it is closest to, if any.
pub fn misspelt_command(args: &[OsString]) -> Option<&'static str> {
    let first = args.get(1)?.to_str()?;
    let plain = !first.is_empty() && first.chars().all(|c| c.is_ascii_lowercase() || c == '-');
    if !plain || KNOWN.contains(&first) || std::path::Path::new(first).exists() {
        return None;
    }
    (KNOWN.iter())
        .filter(|k| k.chars().next().is_some_and(|c| c.is_ascii_lowercase()))
        .map(|k| (edit_distance(first, k), *k))
        .filter(|(d, k)| *d <= 2 && *d < k.len() / 2 + 1)
        .min()
        .map(|(_, k)| k)
}

/// Levenshtein distance, for command names.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1)
                .min(row[j] + 1)
                .min(diagonal + usize::from(ca != *cb));
            diagonal = above;
        }
    }
    row[b.len()]
}

#[cfg(test)]
pub mod tests {
    use super::*;
    use clap::Parser;

    pub fn parse(args: &[&str]) -> Cli {
        let args = with_default_command(args.iter().map(OsString::from).collect());
        Cli::try_parse_from(args).unwrap()
    }

    pub fn build_args(args: &[&str]) -> BuildArgs {
        match parse(&[&["pybundle"], args].concat()).command {
            Command::Build(b) => b,
            other => panic!("not build: {other:?}"),
        }
    }

    #[test]
    fn build_is_the_default_command() {
        let b = build_args(&["app.py", "-F", "--add-data", "a:."]);
        assert!(b.options.onefile);
        assert_eq!(b.options.add_data, ["a:."]);
        assert!(matches!(
            parse(&["pybundle", "verify", "x"]).command,
            Command::Verify { .. }
        ));
        assert!(matches!(
            parse(&["pybundle", "-F", "app.py"]).command,
            Command::Build(_)
        ));
        let b = build_args(&["app.py", "--noconsole", "-i", "a.png"]);
        assert!(b.options.windowed);
        assert_eq!(
            b.options.icon.as_deref(),
            Some(std::path::Path::new("a.png"))
        );
    }

    /// Every option of PyInstaller 6.22's `pyinstaller --help`, by its long names.
    const PYINSTALLER_OPTIONS: &[&str] = &[
        "help",
        "version",
        "distpath",
        "workpath",
        "noconfirm",
        "upx-dir",
        "clean",
        "log-level",
        "onedir",
        "onefile",
        "specpath",
        "name",
        "contents-directory",
        "add-data",
        "add-binary",
        "paths",
        "hidden-import",
        "hiddenimport",
        "collect-submodules",
        "collect-data",
        "collect-datas",
        "collect-binaries",
        "collect-all",
        "copy-metadata",
        "recursive-copy-metadata",
        "additional-hooks-dir",
        "runtime-hook",
        "exclude-module",
        "splash",
        "splash-center",
        "debug",
        "optimize",
        "python-option",
        "strip",
        "noupx",
        "upx-exclude",
        "console",
        "nowindowed",
        "windowed",
        "noconsole",
        "hide-console",
        "icon",
        "disable-windowed-traceback",
        "version-file",
        "manifest",
        "resource",
        "uac-admin",
        "uac-uiaccess",
        "argv-emulation",
        "osx-bundle-identifier",
        "target-architecture",
        "target-arch",
        "codesign-identity",
        "osx-entitlements-file",
        "runtime-tmpdir",
        "bootloader-ignore-signals",
    ];

    #[test]
    fn every_pyinstaller_option_is_accepted_and_in_the_migration_guide() {
        use clap::CommandFactory;
        let cli = Cli::command();
        let build = cli.find_subcommand("build").expect("build");
        let guide = include_str!("../../docs/migrating-from-pyinstaller.md");
        let mut argv = vec!["pybundle".to_string(), "build".into(), "app.py".into()];
        for name in PYINSTALLER_OPTIONS {
            assert!(
                guide.contains(&format!("--{name}")),
                "--{name} is not in the guide"
            );
            if matches!(*name, "help" | "version") {
                continue;
            }
            let arg = build
                .get_arguments()
                .find(|a| {
                    a.get_long() == Some(name)
                        || a.get_all_aliases().is_some_and(|l| l.contains(name))
                })
                .unwrap_or_else(|| panic!("--{name} is not an option of build"));
            argv.push(format!("--{name}"));
            if arg.get_action().takes_values() {
                argv.push(if *name == "optimize" { "1" } else { "x" }.into());
            }
        }
        // -D/-F, -c/-w override each other; -q/-v conflict, and PyInstaller has neither.
        Cli::try_parse_from(argv).expect("PyInstaller's options parse");
    }

    #[test]
    fn a_misspelt_command_is_named_not_built() {
        let args = |first: &str| vec![OsString::from("pybundle"), OsString::from(first)];
        assert_eq!(misspelt_command(&args("inspekt")), Some("inspect"));
        assert_eq!(misspelt_command(&args("verfy")), Some("verify"));
        assert_eq!(misspelt_command(&args("biuld")), Some("build"));
        for fine in ["inspect", "app.py", "pkg.cli:main", "myproject", "-F", "x"] {
            assert_eq!(misspelt_command(&args(fine)), None, "{fine}");
        }
    }

    #[test]
    fn the_last_of_two_opposite_flags_wins_as_in_pyinstaller() {
        let b = build_args(&["app.py", "-F", "-D"]);
        assert!(b.options.onedir && !b.options.onefile);
        let b = build_args(&["app.py", "-w", "--console"]);
        assert!(b.options.console && !b.options.windowed);
        let b = build_args(&["app.py", "--nowindowed", "--noconsole"]);
        assert!(b.options.windowed && !b.options.console);
    }
}
