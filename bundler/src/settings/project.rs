//! `[tool.pybundle]` in `pyproject.toml` (docs/cli.md): the build options kept with the
//! project. The file is the nearest `pyproject.toml` in the script's folder or above it; its
//! keys are the long options of `pybundle build` (`add-data = ["assets:assets"]`,
//! `onefile = true`, `compression-level = 19`; `_` may stand for `-`), a list may be one
//! string. Relative paths in the file are taken from the file's folder, so the build does not
//! depend on where it is started.

use std::fs;
use std::path::{Path, PathBuf};

use super::options::Options;
use crate::cli::{BuildOptions, NO_EFFECT};
use crate::error::Error;

pub const FILE: &str = "pyproject.toml";

/// The nearest `pyproject.toml` at or above `script`'s folder.
pub fn find(script: &Path) -> Option<PathBuf> {
    let start = std::path::absolute(script).ok()?;
    start
        .ancestors()
        .skip(1)
        .map(|dir| dir.join(FILE))
        .find(|candidate| candidate.is_file())
}

/// What `file` says its project requires (`[project].dependencies`), as written.
pub fn requires(file: &Path) -> Vec<String> {
    let Some(doc) = fs::read_to_string(file)
        .ok()
        .and_then(|text| text.parse::<toml::Table>().ok())
    else {
        return Vec::new();
    };
    (doc.get("project").and_then(|p| p.get("dependencies")))
        .and_then(toml::Value::as_array)
        .map(|deps| {
            (deps.iter())
                .filter_map(|d| d.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

/// The version `file` gives its project (`[project].version`), when it gives one.
pub fn version(file: &Path) -> Option<String> {
    let doc = fs::read_to_string(file).ok()?.parse::<toml::Table>().ok()?;
    let version = doc.get("project")?.get("version")?.as_str()?;
    Some(version.to_string())
}

/// The settings of `file`'s `[tool.pybundle]`, `None` when it has no such table.
pub fn load(file: &Path) -> Result<Option<Options>, Error> {
    let bad = |why: String| Error::Config {
        path: file.to_path_buf(),
        why,
    };
    let text = fs::read_to_string(file).map_err(|e| bad(format!("cannot be read: {e}")))?;
    let doc: toml::Table = text.parse().map_err(|e: toml::de::Error| {
        bad(e
            .to_string()
            .lines()
            .last()
            .unwrap_or("")
            .trim()
            .to_string())
    })?;
    let Some(table) = doc
        .get("tool")
        .and_then(toml::Value::as_table)
        .and_then(|tool| tool.get("pybundle"))
    else {
        return Ok(None);
    };
    let table = table
        .as_table()
        .ok_or_else(|| bad("[tool.pybundle] must be a table".into()))?;
    // `_` may stand for `-`.
    let mut normalised = toml::Table::new();
    for (key, value) in table {
        // `[tool.pybundle.windows]` is the executable's version information, read with the
        // rest of its sources (crate::settings::windows::version).
        if key != "windows" {
            normalised.insert(key.replace('_', "-"), value.clone());
        }
    }
    // PyInstaller's options that change nothing here are accepted whatever their value, and
    // noted (by the names `pybundle build` takes them under).
    let no_effect: Vec<&'static str> = (NO_EFFECT.iter())
        .filter(|option| {
            let here = normalised.remove(option.long).is_some();
            let aliased = option.alias.is_some_and(|a| normalised.remove(a).is_some());
            here || aliased
        })
        .map(|option| option.long)
        .collect();
    let whole: Result<BuildOptions, toml::de::Error> =
        toml::Value::Table(normalised.clone()).try_into();
    let project = match whole {
        Ok(project) => project,
        Err(first) => {
            // Find the key at fault, so the message can name it.
            for (key, value) in normalised {
                let mut one = toml::Table::new();
                one.insert(key.clone(), value);
                let alone: Result<BuildOptions, toml::de::Error> =
                    toml::Value::Table(one).try_into();
                if let Err(e) = alone {
                    return Err(bad(explain(&key, e.message())));
                }
            }
            return Err(bad(first.message().to_string()));
        }
    };
    let base = file.parent().unwrap_or(Path::new("."));
    Options::new(&project, no_effect, base).map(Some)
}

/// One line for a mistake in `key`.
fn explain(key: &str, message: &str) -> String {
    if message.starts_with("unknown field") {
        return format!(
            "`{key}` is not a setting; use the long options of `pybundle build`, like `onefile` or `add-data`"
        );
    }
    if message.contains("expected a boolean") {
        return format!("`{key}` must be true or false");
    }
    format!("`{key}` {}", message.trim_start_matches("invalid type: "))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `toml` as the project's pyproject.toml, loaded; paths shown relative to its folder.
    fn load_str(toml: &str) -> Result<Option<Options>, Error> {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join(FILE);
        fs::write(&file, toml).expect("pyproject written");
        let mut options = load(&file)?;
        if let Some(o) = &mut options {
            let strip = |p: &mut PathBuf| {
                if let Ok(rest) = p.strip_prefix(dir.path()) {
                    *p = rest.to_path_buf();
                }
            };
            o.distpath.as_mut().map(strip);
            o.runtime.iter_mut().for_each(strip);
            o.add_data.iter_mut().for_each(|d| strip(&mut d.source));
        }
        Ok(options)
    }

    #[test]
    fn the_table_gives_settings_with_paths_from_its_folder() {
        let toml = "[tool.pybundle]\nonefile = true\nname = \"shipped\"\n\
                    add_data = [\"assets:assets\", \"/abs/x.json:.\"]\n\
                    compression-level = 19\ndistpath = \"out\"\nhidden-import = \"six\"\n\
                    noconsole = true\nupx-dir = \"/opt/upx\"\ntarget-arch = \"arm64\"\n\
                    manifest = \"m.xml\"\n\
                    target = \"linux-aarch64\"\nruntime = \"runtimes/arm64\"\n";
        let o = load_str(toml).unwrap().expect("a table");
        assert_eq!(o.onefile, Some(true));
        assert_eq!(o.name.as_deref(), Some("shipped"));
        let sources: Vec<&Path> = o.add_data.iter().map(|d| d.source.as_path()).collect();
        assert_eq!(sources, [Path::new("assets"), Path::new("/abs/x.json")]);
        assert_eq!(o.compression_level, Some(19));
        assert_eq!(o.distpath.as_deref(), Some(Path::new("out")));
        assert_eq!(o.hidden_import, ["six"]);
        assert_eq!(o.windowed, Some(true));
        assert_eq!(o.elsewhere, ["upx-dir", "manifest"]);
        assert_eq!(o.target_arch.as_deref(), Some("arm64"));
        assert_eq!(o.target.as_deref(), Some("linux-aarch64"));
        assert_eq!(o.runtime, [Path::new("runtimes/arm64")]);
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
                "`add-data` must be a string or a list of strings",
            ),
            ("[tool.pybundle\n", "pyproject.toml"),
        ] {
            let err = load_str(toml).expect_err(toml).to_string();
            assert!(err.contains(expect), "{toml:?}: {err}");
            assert_eq!(err.lines().count(), 1, "{err}");
        }
    }

    #[test]
    fn a_file_without_the_table_has_no_settings() {
        assert!(load_str("[project]\nname = \"x\"\n").unwrap().is_none());
    }

    /// The keys `[tool.pybundle]` takes, as serde's derive lists them to a deserializer: one
    /// that records the names it is asked for and reads nothing.
    fn project_keys() -> Vec<&'static str> {
        use serde::de::{Error as _, Visitor};
        use serde::{Deserialize, Deserializer};
        struct Names<'a>(&'a std::cell::Cell<&'static [&'static str]>);
        impl<'de> Deserializer<'de> for Names<'_> {
            type Error = serde::de::value::Error;
            fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
                Err(Self::Error::custom("names only"))
            }
            fn deserialize_struct<V: Visitor<'de>>(
                self,
                _: &'static str,
                fields: &'static [&'static str],
                _: V,
            ) -> Result<V::Value, Self::Error> {
                self.0.set(fields);
                Err(Self::Error::custom("names only"))
            }
            serde::forward_to_deserialize_any! {
                bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes
                byte_buf option unit unit_struct newtype_struct seq tuple tuple_struct map enum
                identifier ignored_any
            }
        }
        let names = std::cell::Cell::new(&[][..]);
        let _ = BuildOptions::deserialize(Names(&names));
        names.get().to_vec()
    }

    /// An option is declared once, as a field of `cli::BuildOptions` (its flag and its
    /// `[tool.pybundle]` key, one long name; an alias is spelled for both on that field) or in
    /// `cli::NO_EFFECT`; what it means is `Options::new`'s line and its behaviour, struct
    /// literals the compiler holds to the same list. What no compiler sees: the two spellings
    /// of an alias, and docs/cli.md's line; this test holds them.
    #[test]
    fn every_option_is_a_key_and_documented() {
        use clap::CommandFactory;
        let cli = crate::cli::Cli::command();
        let build = cli.find_subcommand("build").expect("the build command");
        let longs: std::collections::BTreeSet<String> = (build.get_arguments())
            .flat_map(|a| {
                a.get_long()
                    .into_iter()
                    .chain(a.get_all_aliases().unwrap_or_default())
            })
            .map(String::from)
            .collect();
        let keys: std::collections::BTreeSet<String> = (project_keys().into_iter())
            .chain(
                NO_EFFECT
                    .iter()
                    .flat_map(|o| [Some(o.long), o.alias])
                    .flatten(),
            )
            .map(String::from)
            .collect();
        assert!(keys.len() > 40, "the keys were not read: {keys:?}");
        // Said once per build on the command line, never kept with a project.
        let command_line_only = ["help"];
        let missing: Vec<&String> = (longs.iter())
            .filter(|l| !keys.contains(*l) && !command_line_only.contains(&l.as_str()))
            .collect();
        assert!(
            missing.is_empty(),
            "options with no [tool.pybundle] key: {missing:?}"
        );
        let only_keys: Vec<&String> = keys.iter().filter(|k| !longs.contains(*k)).collect();
        assert!(
            only_keys.is_empty(),
            "[tool.pybundle] keys with no option: {only_keys:?}"
        );
        // Documented: in docs/cli.md's table (by its long name, its short one, or as one of a
        // family, `--collect-all/-data`), or, for PyInstaller's options that change nothing
        // here, in docs/migrating-from-pyinstaller.md.
        let docs_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs");
        let read = |name: &str| std::fs::read_to_string(docs_dir.join(name)).expect("the docs");
        let docs = read("cli.md") + &read("migrating-from-pyinstaller.md");
        let documented = |a: &clap::Arg| {
            let Some(long) = a.get_long() else {
                return true;
            };
            let short = a.get_short().map(|c| format!("`-{c}")).unwrap_or_default();
            let family = long.split_once('-').map(|(_, rest)| format!("/-{rest}"));
            docs.contains(&format!("--{long}"))
                || (!short.is_empty() && docs.contains(&short))
                || family.is_some_and(|f| docs.contains(&f))
        };
        let undocumented: Vec<&str> = (build.get_arguments())
            .filter(|a| !documented(a))
            .filter_map(|a| a.get_long())
            .collect();
        assert!(
            undocumented.is_empty(),
            "options docs/cli.md does not name: {undocumented:?}"
        );
    }
}
