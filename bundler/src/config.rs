//! `[tool.pybundle]` in `pyproject.toml` (CONTRACT §1): the build options kept with the
//! project. The file is the nearest `pyproject.toml` in the script's folder or above it; its
//! keys are the long options of `pybundle build` (`add-data = ["assets:assets"]`,
//! `onefile = true`, `compression-level = 19`; `_` may stand for `-`). A setting given on the
//! command line wins over the file's; a list given there replaces the file's list. Relative
//! paths in the file are taken from the file's folder, so the build does not depend on where
//! it is started.

use std::fs;
use std::path::{Path, PathBuf};

use clap::parser::ValueSource;
use clap::ArgMatches;
use toml::{Table, Value};

use crate::cli::BuildArgs;
use crate::error::Error;

const FILE: &str = "pyproject.toml";

/// Every key `[tool.pybundle]` takes besides `onefile`/`onedir`: the long options of
/// `pybundle build`.
const SETTINGS: &[&str] = &[
    "name",
    "distpath",
    "workpath",
    "python",
    "icon",
    "runtime-tmpdir",
    "runtime-cache",
    "windowed",
    "noconsole",
    "strip",
    "noconfirm",
    "clean",
    "quiet",
    "verbose",
    "json",
    "compression-level",
    "add-data",
    "add-binary",
    "collect-all",
    "collect-data",
    "collect-submodules",
    "hidden-import",
    "exclude-module",
];

/// The nearest `pyproject.toml` at or above `script`'s folder.
pub fn find(script: &Path) -> Option<PathBuf> {
    let start = std::path::absolute(script).ok()?;
    start
        .ancestors()
        .skip(1)
        .map(|dir| dir.join(FILE))
        .find(|candidate| candidate.is_file())
}

/// Fill every setting of `args` that the command line left unset (per `matches`) from the
/// `[tool.pybundle]` table of `file`, if it has one. Returns whether it did.
pub fn apply(file: &Path, args: &mut BuildArgs, matches: &ArgMatches) -> Result<bool, Error> {
    let bad = |why: String| Error::Config {
        path: file.to_path_buf(),
        why,
    };
    let text = fs::read_to_string(file).map_err(|e| bad(format!("cannot be read: {e}")))?;
    let doc: Table = text
        .parse()
        .map_err(|e: toml::de::Error| bad(first_line(&e.to_string())))?;
    let Some(tool) = doc.get("tool").and_then(Value::as_table) else {
        return Ok(false);
    };
    let Some(settings) = tool.get("pybundle") else {
        return Ok(false);
    };
    let settings = settings
        .as_table()
        .ok_or_else(|| bad("[tool.pybundle] must be a table".into()))?;
    let base = file.parent().unwrap_or(Path::new("."));
    let from_cli = |id: &str| matches.value_source(id) == Some(ValueSource::CommandLine);
    let mode_on_cli = from_cli("onefile") || from_cli("onedir");
    for (key, value) in settings {
        let key = key.replace('_', "-");
        let setting = Setting {
            key: &key,
            value,
            base,
            file,
        };
        match key.as_str() {
            "onefile" | "onedir" if mode_on_cli => {}
            "onefile" => {
                args.onefile = setting.boolean()?;
                args.onedir = !args.onefile;
            }
            "onedir" => {
                args.onedir = setting.boolean()?;
                args.onefile = !args.onedir;
            }
            _ => {
                // The option's id, asked only of options that exist (clap insists).
                let id = match key.as_str() {
                    "noconsole" => "windowed".to_string(),
                    _ => key.replace('-', "_"),
                };
                if SETTINGS.contains(&key.as_str()) && from_cli(&id) {
                    continue;
                }
                setting.set(args)?;
            }
        }
    }
    Ok(true)
}

/// One `key = value` of the table.
struct Setting<'a> {
    key: &'a str,
    value: &'a Value,
    base: &'a Path,
    file: &'a Path,
}

impl Setting<'_> {
    fn error(&self, why: &str) -> Error {
        Error::Config {
            path: self.file.to_path_buf(),
            why: format!("`{}` {why}", self.key),
        }
    }

    fn set(&self, args: &mut BuildArgs) -> Result<(), Error> {
        match self.key {
            "name" => args.name = Some(self.string()?),
            "distpath" => args.distpath = self.path()?,
            "workpath" => args.workpath = self.path()?,
            "python" => args.python = Some(self.path()?),
            "icon" => args.icon = Some(self.path()?),
            "runtime-tmpdir" => args.runtime_tmpdir = Some(self.string()?),
            "runtime-cache" => args.runtime_cache = self.boolean()?,
            "windowed" | "noconsole" => args.windowed = self.boolean()?,
            "strip" => args.strip = self.boolean()?,
            "noconfirm" => args.noconfirm = self.boolean()?,
            "clean" => args.clean = self.boolean()?,
            "quiet" => args.quiet = self.boolean()?,
            "verbose" => args.verbose = self.boolean()?,
            "json" => args.json = self.boolean()?,
            "compression-level" => {
                let level = self
                    .value
                    .as_integer()
                    .ok_or_else(|| self.error("must be a whole number"))?;
                args.compression_level =
                    i32::try_from(level).map_err(|_| self.error("is out of range"))?;
            }
            "add-data" => args.add_data = self.data_specs()?,
            "add-binary" => args.add_binary = self.data_specs()?,
            "collect-all" => args.collect_all = self.strings()?,
            "collect-data" => args.collect_data = self.strings()?,
            "collect-submodules" => args.collect_submodules = self.strings()?,
            "hidden-import" => args.hidden_import = self.strings()?,
            "exclude-module" => args.exclude_module = self.strings()?,
            _ => {
                return Err(self.error(
                    "is not a setting; use the long options of `pybundle build`, like `onefile` or `add-data`",
                ))
            }
        }
        Ok(())
    }

    fn boolean(&self) -> Result<bool, Error> {
        self.value
            .as_bool()
            .ok_or_else(|| self.error("must be true or false"))
    }

    fn string(&self) -> Result<String, Error> {
        self.value
            .as_str()
            .map(String::from)
            .ok_or_else(|| self.error("must be a string"))
    }

    /// A path, relative to the file's folder unless absolute.
    fn path(&self) -> Result<PathBuf, Error> {
        Ok(self.base.join(self.string()?))
    }

    /// A list of strings; a single string is a list of one.
    fn strings(&self) -> Result<Vec<String>, Error> {
        match self.value {
            Value::String(s) => Ok(vec![s.clone()]),
            Value::Array(items) => items
                .iter()
                .map(|item| {
                    item.as_str()
                        .map(String::from)
                        .ok_or_else(|| self.error("must be a list of strings"))
                })
                .collect(),
            _ => Err(self.error("must be a list of strings")),
        }
    }

    /// `SRC:DEST` items with a relative SRC taken from the file's folder.
    fn data_specs(&self) -> Result<Vec<String>, Error> {
        // Joining keeps an absolute SRC as it is.
        Ok(self
            .strings()?
            .into_iter()
            .map(|spec| self.base.join(spec).to_string_lossy().into_owned())
            .collect())
    }
}

fn first_line(text: &str) -> String {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::{CommandFactory, FromArgMatches};

    use crate::cli::{with_default_command, Cli, Command};

    /// Parse `cli` (after `pybundle`) with `toml` as the project's pyproject.toml.
    fn build_args(toml: &str, cli: &[&str]) -> Result<BuildArgs, Error> {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join(FILE);
        fs::write(&file, toml).expect("pyproject written");
        let argv = with_default_command(
            std::iter::once("pybundle")
                .chain(cli.iter().copied())
                .map(Into::into)
                .collect(),
        );
        let matches = Cli::command().get_matches_from(argv);
        let Command::Build(mut args) = Cli::from_arg_matches(&matches).expect("parsed").command
        else {
            panic!("not build");
        };
        let sub = matches.subcommand_matches("build").expect("build matches");
        apply(&file, &mut args, sub)?;
        // Make paths comparable: strip the temporary folder.
        args.distpath = args
            .distpath
            .strip_prefix(dir.path())
            .map(Path::to_path_buf)
            .unwrap_or(args.distpath);
        for spec in &mut args.add_data {
            if let Some(rest) = spec.strip_prefix(&format!("{}/", dir.path().display())) {
                *spec = rest.to_string();
            }
        }
        Ok(args)
    }

    #[test]
    fn the_file_fills_what_the_command_line_leaves_unset() {
        let toml = "[tool.pybundle]\nonefile = true\nname = \"shipped\"\n\
                    add_data = [\"assets:assets\", \"/abs/x.json:.\"]\n\
                    compression-level = 19\ndistpath = \"out\"\nhidden-import = \"six\"\n";
        let args = build_args(toml, &["app.py"]).expect("applies");
        assert!(args.onefile && !args.onedir);
        assert_eq!(args.name.as_deref(), Some("shipped"));
        assert_eq!(args.add_data, ["assets:assets", "/abs/x.json:."]);
        assert_eq!(args.compression_level, 19);
        assert_eq!(args.distpath, Path::new("out"));
        assert_eq!(args.hidden_import, ["six"]);
    }

    #[test]
    fn the_command_line_wins() {
        let toml = "[tool.pybundle]\nonefile = true\nname = \"shipped\"\n\
                    add-data = [\"assets:assets\"]\ncompression-level = 19\n";
        let args = build_args(
            toml,
            &[
                "app.py",
                "-D",
                "-n",
                "mine",
                "--add-data",
                "a:b",
                "--compression-level",
                "3",
            ],
        )
        .expect("applies");
        assert!(args.onedir && !args.onefile);
        assert_eq!(args.name.as_deref(), Some("mine"));
        assert_eq!(args.add_data, ["a:b"]);
        assert_eq!(args.compression_level, 3);
    }

    #[test]
    fn mistakes_name_the_key() {
        for (toml, expect) in [
            (
                "[tool.pybundle]\nonefil = true\n",
                "`onefil` is not a setting",
            ),
            (
                "[tool.pybundle]\nonefile = \"yes\"\n",
                "`onefile` must be true or false",
            ),
            (
                "[tool.pybundle]\nadd-data = [1]\n",
                "`add-data` must be a list of strings",
            ),
            ("[tool.pybundle\n", "pyproject.toml"),
        ] {
            let err = build_args(toml, &["app.py"]).expect_err(toml).to_string();
            assert!(err.contains(expect), "{toml:?}: {err}");
            assert_eq!(err.lines().count(), 1, "{err}");
        }
    }

    #[test]
    fn every_setting_is_an_option_of_build() {
        let cli = Cli::command();
        let build = cli.find_subcommand("build").expect("build");
        let ids: Vec<String> = build
            .get_arguments()
            .map(|a| a.get_id().as_str().to_string())
            .collect();
        for key in SETTINGS.iter().filter(|k| **k != "noconsole") {
            assert!(ids.contains(&key.replace('-', "_")), "{key} is no option");
        }
    }

    #[test]
    fn a_file_without_the_table_changes_nothing() {
        let args = build_args("[project]\nname = \"x\"\n", &["app.py"]).expect("applies");
        assert!(!args.onefile && args.name.is_none());
    }
}
