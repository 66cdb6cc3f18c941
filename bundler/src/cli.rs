//! The command line (CONTRACT §1). `pybundle SCRIPT ...` means `pybundle build SCRIPT ...`.

use std::ffi::OsString;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// zstd level of release builds. Measured on examples/hello: level 3 gives 12.8 MB in 0.6 s,
/// 9 gives 11.8 MB in 1.1 s, 19 gives 10.7 MB in 9.8 s; 9 keeps builds in seconds.
pub const DEFAULT_LEVEL: i32 = 9;

#[derive(Debug, Parser)]
#[command(
    name = "pybundle",
    version,
    about = "Turn a Python app into one executable or one folder that runs without Python"
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
    Build(BuildArgs),
    /// Show what a built executable or folder holds.
    Inspect {
        /// A onefile executable, or a onedir folder or its executable.
        path: PathBuf,
    },
    /// Write the bundled files of an executable into DEST.
    Extract { exe: PathBuf, dest: PathBuf },
    /// Check an executable's integrity: exit 0 when intact, 1 when not.
    Verify { exe: PathBuf },
}

#[derive(Debug, Args)]
pub struct BuildArgs {
    /// The app's main script.
    pub script: PathBuf,
    /// One executable.
    #[arg(short = 'F', long, conflicts_with = "onedir")]
    pub onefile: bool,
    /// One folder (the default).
    #[arg(short = 'D', long)]
    pub onedir: bool,
    /// Output name; default: the script's file stem.
    #[arg(short = 'n', long)]
    pub name: Option<String>,
    /// Where output goes.
    #[arg(long, value_name = "DIR", default_value = "dist")]
    pub distpath: PathBuf,
    /// Where build caches go.
    #[arg(long, value_name = "DIR", default_value = "build")]
    pub workpath: PathBuf,
    /// A file, folder or glob placed at DEST inside the bundle ('.' = its root). Repeatable.
    #[arg(long = "add-data", value_name = "SRC:DEST")]
    pub add_data: Vec<String>,
    /// Shared libraries placed at DEST, with their own dependencies. Repeatable.
    #[arg(long = "add-binary", value_name = "SRC:DEST")]
    pub add_binary: Vec<String>,
    /// A whole package: its distribution, submodules and data. Repeatable.
    #[arg(long = "collect-all", value_name = "PKG")]
    pub collect_all: Vec<String>,
    /// A package's data files (its whole distribution). Repeatable.
    #[arg(long = "collect-data", value_name = "PKG")]
    pub collect_data: Vec<String>,
    /// Every submodule of a package. Repeatable.
    #[arg(long = "collect-submodules", value_name = "PKG")]
    pub collect_submodules: Vec<String>,
    /// Bundle a module that analysis cannot see. Repeatable.
    #[arg(long = "hidden-import", value_name = "MOD")]
    pub hidden_import: Vec<String>,
    /// Keep a module (and its submodules) out. Repeatable.
    #[arg(long = "exclude-module", value_name = "MOD")]
    pub exclude_module: Vec<String>,
    /// The interpreter whose runtime is bundled; default: the active virtualenv's, else python3.
    #[arg(long, value_name = "PATH")]
    pub python: Option<PathBuf>,
    /// A GUI app: no console window. Linux executables never open one, so this changes
    /// nothing there; accepted so one command line serves every target.
    #[arg(short = 'w', long = "windowed", visible_alias = "noconsole")]
    pub windowed: bool,
    /// The executable's icon (.ico or .png for Windows, .icns for macOS). Checked, and not
    /// used by Linux executables, which carry no icon.
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
    /// Replace existing output without asking.
    #[arg(short = 'y', long)]
    pub noconfirm: bool,
    /// Drop build caches first.
    #[arg(long)]
    pub clean: bool,
    /// zstd level, 1 (fastest build) to 22 (smallest output).
    #[arg(long = "compression-level", value_name = "N", default_value_t = DEFAULT_LEVEL)]
    pub compression_level: i32,
    /// Quieter: errors only.
    #[arg(short, long, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Louder: what was collected and from where.
    #[arg(short, long)]
    pub verbose: bool,
    /// A machine-readable summary on stdout.
    #[arg(long)]
    pub json: bool,
    /// The pyproject.toml whose `[tool.pybundle]` settings were applied (see `config`).
    #[arg(skip)]
    pub config_file: Option<PathBuf>,
}

/// Insert the implicit `build` so `pybundle app.py -F` parses.
pub fn with_default_command(mut args: Vec<OsString>) -> Vec<OsString> {
    const KNOWN: &[&str] = &[
        "build",
        "inspect",
        "extract",
        "verify",
        "help",
        "-h",
        "--help",
        "-V",
        "--version",
    ];
    if let Some(first) = args.get(1) {
        if !KNOWN.iter().any(|k| first == *k) {
            args.insert(1, "build".into());
        }
    }
    args
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn parse(args: &[&str]) -> Cli {
        let args = with_default_command(args.iter().map(OsString::from).collect());
        Cli::try_parse_from(args).unwrap()
    }

    #[test]
    fn build_is_the_default_command() {
        let Command::Build(b) = parse(&["pybundle", "app.py", "-F", "--add-data", "a:."]).command
        else {
            panic!("not build");
        };
        assert!(b.onefile);
        assert_eq!(b.add_data, ["a:."]);
        assert!(matches!(
            parse(&["pybundle", "verify", "x"]).command,
            Command::Verify { .. }
        ));
        assert!(matches!(
            parse(&["pybundle", "-F", "app.py"]).command,
            Command::Build(_)
        ));
        let Command::Build(b) =
            parse(&["pybundle", "app.py", "--noconsole", "-i", "a.png"]).command
        else {
            panic!("not build");
        };
        assert!(b.windowed);
        assert_eq!(b.icon.as_deref(), Some(std::path::Path::new("a.png")));
    }
}
