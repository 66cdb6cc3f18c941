//! [`Options`]: a build's settings as given, before defaults: from the command line
//! ([`Options::from_cli`]) or from `[tool.pybundle]` ([`super::project`]), each with its
//! relative paths already taken from the folder they were given in. [`Combine`] merges the
//! two, the command line winning, as uv's settings do.

use std::path::{Path, PathBuf};

use crate::bundle::contents::DataFlag;
use crate::cli::{BuildArgs, BuildOptions};
use crate::error::Error;
use crate::settings::data::DataSpec;

/// Declares [`Options`] and its [`Combine`] from one list of fields, so a new option is one
/// field here (uv derives the same with `#[derive(CombineOptions)]`).
macro_rules! declare_options {
    ($(#[$meta:meta])* pub struct $name:ident {
        $($(#[$field_meta:meta])* pub $field:ident: $ty:ty,)*
    }) => {
        $(#[$meta])*
        pub struct $name {
            $($(#[$field_meta])* pub $field: $ty,)*
        }

        impl Combine for $name {
            fn combine(self, other: Self) -> Self {
                $name { $($field: self.$field.combine(other.$field)),* }
            }
        }
    };
}

/// Merge two sources of one setting; `self` wins where it says anything.
pub trait Combine {
    fn combine(self, other: Self) -> Self;
}

impl<T> Combine for Option<T> {
    fn combine(self, other: Self) -> Self {
        self.or(other)
    }
}

impl<T> Combine for Vec<T> {
    fn combine(self, other: Self) -> Self {
        if self.is_empty() {
            other
        } else {
            self
        }
    }
}

declare_options! {
/// Every setting, unset unless given. Lists replace each other whole.
#[derive(Debug, Default, Clone)]
pub struct Options {
    /// The console script to build (`--entry-point`).
    pub entry_point: Option<String>,
    /// Every console script of the project (`--all-entry-points`).
    pub all_entry_points: Option<bool>,
    /// A required import found nowhere fails the build (`--strict`).
    pub strict: Option<bool>,
    pub onefile: Option<bool>,
    pub name: Option<String>,
    pub distpath: Option<PathBuf>,
    pub workpath: Option<PathBuf>,
    pub contents_directory: Option<String>,
    pub specpath: Option<PathBuf>,
    pub sbom: Option<PathBuf>,
    pub notices: Option<PathBuf>,
    pub add_data: Vec<DataSpec>,
    pub add_binary: Vec<DataSpec>,
    pub paths: Vec<PathBuf>,
    pub collect_all: Vec<String>,
    pub collect_data: Vec<String>,
    pub collect_binaries: Vec<String>,
    pub collect_submodules: Vec<String>,
    pub copy_metadata: Vec<String>,
    pub recursive_copy_metadata: Vec<String>,
    pub hidden_import: Vec<String>,
    pub target_package: Vec<String>,
    /// `[project].dependencies` of the project's pyproject.toml (not a setting: what the
    /// project requires, of which a build for another platform fetches what only it needs).
    pub requires: Vec<String>,
    pub exclude_module: Vec<String>,
    pub runtime_hook: Vec<PathBuf>,
    pub additional_hooks_dir: Vec<PathBuf>,
    pub python: Option<PathBuf>,
    pub target: Option<String>,
    /// `--target-arch`: the Mac CPUs, which makes `target` a macOS one.
    pub target_arch: Option<String>,
    /// One CPython; two for macos-universal2 (its CPUs', to be joined).
    pub runtime: Vec<PathBuf>,
    pub optimize: Option<u8>,
    pub python_option: Vec<String>,
    pub debug: Vec<String>,
    pub windowed: Option<bool>,
    pub icon: Option<PathBuf>,
    pub strip: Option<bool>,
    pub runtime_tmpdir: Option<String>,
    pub runtime_cache: Option<bool>,
    pub bootloader_ignore_signals: Option<bool>,
    pub noconfirm: Option<bool>,
    pub clean: Option<bool>,
    pub compression_level: Option<i32>,
    pub quiet: Option<bool>,
    pub verbose: Option<bool>,
    pub log_level: Option<String>,
    pub json: Option<bool>,
    /// PyInstaller's Windows resource options: a version file, a manifest (XML or a file of
    /// it), and the execution level the manifest asks for.
    pub version_file: Option<PathBuf>,
    pub manifest: Option<String>,
    pub uac_admin: Option<bool>,
    pub uac_uiaccess: Option<bool>,
    /// PyInstaller's macOS options: the bundle identifier, the Developer ID certificate (a
    /// .p12 file) and the entitlements the signature grants.
    pub osx_bundle_identifier: Option<String>,
    pub codesign_identity: Option<PathBuf>,
    pub osx_entitlements_file: Option<PathBuf>,
    /// PyInstaller options that change nothing here, by their long names, for notes.
    pub elsewhere: Vec<&'static str>,
}
}

/// `true` as `Some(true)`; a flag not given says nothing.
fn flag(on: bool) -> Option<bool> {
    on.then_some(true)
}

/// A pair of opposite flags (`-F`/`-D`, `-w`/`-c`): whichever was given.
fn either(yes: bool, no: bool) -> Option<bool> {
    if yes {
        Some(true)
    } else if no {
        Some(false)
    } else {
        None
    }
}

impl Options {
    /// The command line's settings; relative paths stay relative to the current folder.
    pub fn from_cli(args: &BuildArgs) -> Result<Self, Error> {
        Self::new(&args.options, args.elsewhere.0.clone(), Path::new(""))
    }

    /// The settings `o` gives (with `no_effect`, the names of PyInstaller's options given that
    /// change nothing here), relative paths taken from `base`.
    pub fn new(o: &BuildOptions, no_effect: Vec<&'static str>, base: &Path) -> Result<Self, Error> {
        let path = |p: &Option<PathBuf>| p.as_ref().map(|p| base.join(p));
        let paths = |list: &[PathBuf]| list.iter().map(|p| base.join(p)).collect();
        let mut elsewhere = no_effect;
        elsewhere.extend(windows_resources_given(o));
        elsewhere.extend(macos_options_given(o));
        Ok(Options {
            entry_point: o.entry_point.clone(),
            all_entry_points: flag(o.all_entry_points),
            strict: flag(o.strict),
            onefile: either(o.onefile, o.onedir),
            name: o.name.clone(),
            distpath: path(&o.distpath),
            workpath: path(&o.workpath),
            contents_directory: o.contents_directory.clone(),
            specpath: path(&o.specpath),
            sbom: path(&o.sbom),
            notices: path(&o.notices),
            add_data: data_specs(DataFlag::AddData, &o.add_data, base)?,
            add_binary: data_specs(DataFlag::AddBinary, &o.add_binary, base)?,
            paths: split_paths(&o.paths, base),
            collect_all: o.collect_all.clone(),
            collect_data: o.collect_data.clone(),
            collect_binaries: o.collect_binaries.clone(),
            collect_submodules: o.collect_submodules.clone(),
            copy_metadata: o.copy_metadata.clone(),
            recursive_copy_metadata: o.recursive_copy_metadata.clone(),
            hidden_import: o.hidden_import.clone(),
            target_package: o.target_package.clone(),
            requires: Vec::new(),
            exclude_module: o.exclude_module.clone(),
            runtime_hook: paths(&o.runtime_hook),
            additional_hooks_dir: paths(&o.additional_hooks_dir),
            python: path(&o.python),
            target: o.target.clone(),
            target_arch: o.target_arch.clone(),
            runtime: paths(&o.runtime),
            optimize: o.optimize,
            python_option: o.python_option.clone(),
            debug: o.debug.clone(),
            windowed: either(o.windowed, o.console),
            icon: path(&o.icon),
            strip: flag(o.strip),
            runtime_tmpdir: o.runtime_tmpdir.clone(),
            runtime_cache: flag(o.runtime_cache),
            bootloader_ignore_signals: flag(o.bootloader_ignore_signals),
            noconfirm: flag(o.noconfirm),
            clean: flag(o.clean),
            compression_level: o.compression_level,
            quiet: flag(o.quiet),
            verbose: flag(o.verbose),
            log_level: o.log_level.clone(),
            json: flag(o.json),
            version_file: path(&o.version_file),
            manifest: o.manifest.clone(),
            uac_admin: flag(o.uac_admin),
            uac_uiaccess: flag(o.uac_uiaccess),
            osx_bundle_identifier: o.osx_bundle_identifier.clone(),
            codesign_identity: path(&o.codesign_identity),
            osx_entitlements_file: path(&o.osx_entitlements_file),
            elsewhere,
        })
    }
}

/// Parse `SRC:DEST` arguments, relative sources taken from `base`.
pub fn data_specs(flag: DataFlag, specs: &[String], base: &Path) -> Result<Vec<DataSpec>, Error> {
    specs
        .iter()
        .map(|s| DataSpec::parse(flag, s, base))
        .collect()
}

/// `-p a:b -p c` → `a`, `b`, `c`, relative ones taken from `base`.
pub fn split_paths(values: &[String], base: &Path) -> Vec<PathBuf> {
    values
        .iter()
        .flat_map(|v| v.split(':'))
        .filter(|p| !p.is_empty())
        .map(|p| base.join(p))
        .collect()
}

/// PyInstaller's Windows resource options given: honoured for Windows, noted elsewhere.
fn windows_resources_given(o: &BuildOptions) -> Vec<&'static str> {
    let given = [
        ("version-file", o.version_file.is_some()),
        ("manifest", o.manifest.is_some()),
        ("uac-admin", o.uac_admin),
        ("uac-uiaccess", o.uac_uiaccess),
    ];
    given
        .into_iter()
        .filter_map(|(name, on)| on.then_some(name))
        .collect()
}

/// PyInstaller's macOS options given: honoured for macOS, noted elsewhere.
fn macos_options_given(o: &BuildOptions) -> Vec<&'static str> {
    let given = [
        ("osx-bundle-identifier", o.osx_bundle_identifier.is_some()),
        ("codesign-identity", o.codesign_identity.is_some()),
        ("osx-entitlements-file", o.osx_entitlements_file.is_some()),
    ];
    given
        .into_iter()
        .filter_map(|(name, on)| on.then_some(name))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::tests::build_args;

    #[test]
    fn the_command_line_wins_and_lists_replace_lists() {
        let cli =
            Options::from_cli(&build_args(&["app.py", "-D", "--hidden-import", "a"])).unwrap();
        let project = Options {
            onefile: Some(true),
            name: Some("p".into()),
            hidden_import: vec!["b".into(), "c".into()],
            exclude_module: vec!["x".into()],
            ..Options::default()
        };
        let both = cli.combine(project);
        assert_eq!(both.onefile, Some(false));
        assert_eq!(both.name.as_deref(), Some("p"));
        assert_eq!(both.hidden_import, ["a"]);
        assert_eq!(both.exclude_module, ["x"]);
    }

    #[test]
    fn paths_split_on_colons() {
        let o =
            Options::from_cli(&build_args(&["app.py", "-p", "lib:src", "--paths", "x"])).unwrap();
        assert_eq!(
            o.paths,
            [Path::new("lib"), Path::new("src"), Path::new("x")]
        );
    }

    #[test]
    fn options_of_other_platforms_are_recorded_by_name() {
        let o = Options::from_cli(&build_args(&[
            "app.py",
            "--noupx",
            "--uac-admin",
            "--argv-emulation",
        ]))
        .unwrap();
        assert_eq!(o.elsewhere, ["noupx", "argv-emulation", "uac-admin"]);
    }
}
