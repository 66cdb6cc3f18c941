//! What a build bundles, as the user named it: a script file, an entry point
//! (`package.module:function`), or a project (a folder whose `pyproject.toml` names console
//! scripts in `[project.scripts]` or `[project.gui-scripts]`; with no argument, the current
//! folder's). An entry point becomes the small script pip writes for a console script, so the
//! rest of the build sees a script like any other.

use std::fs;
use std::path::{Path, PathBuf};

use crate::error::Error;

/// What the command line named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Named {
    Script(PathBuf),
    /// `package.module:function`, run with the current folder (and its `src/`) on the path,
    /// as `python -c` would.
    EntryPoint(EntryPoint),
    /// A project's `pyproject.toml`.
    Project(PathBuf),
}

/// A console script: its name and what it calls.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryPoint {
    /// The command's name (`[project.scripts]`' key; the function's name for a bare one).
    pub name: String,
    pub module: String,
    /// The object called, possibly dotted (`Class.method`).
    pub attr: String,
    /// From `[project.gui-scripts]`: no console on Windows.
    pub gui: bool,
}

impl EntryPoint {
    /// `package.module:function` (spaces around the colon allowed, extras `[...]` ignored, as
    /// the entry-point specification says); `None` when `text` is not one.
    pub fn parse(name: &str, text: &str, gui: bool) -> Option<EntryPoint> {
        let text = text.split('[').next().unwrap_or(text);
        let (module, attr) = text.split_once(':')?;
        let (module, attr) = (module.trim(), attr.trim());
        let dotted = |s: &str| {
            !s.is_empty()
                && s.split('.').all(|part| {
                    let mut chars = part.chars();
                    chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
                        && chars.all(|c| c.is_alphanumeric() || c == '_')
                })
        };
        (dotted(module) && dotted(attr)).then(|| EntryPoint {
            name: name.to_string(),
            module: module.to_string(),
            attr: attr.to_string(),
            gui,
        })
    }

    /// The script pip writes for it: import the object, call it, exit with its result.
    pub fn script(&self) -> String {
        let first = self.attr.split('.').next().unwrap_or(&self.attr);
        format!(
            "# The console script {name} = {module}:{attr}, as pip writes it.\n\
             import sys\n\
             from {module} import {first}\n\
             if __name__ == \"__main__\":\n    \
             sys.exit({attr}())\n",
            name = self.name,
            module = self.module,
            attr = self.attr,
        )
    }
}

/// What `arg` names; with none, the project in `cwd`.
pub fn name(arg: Option<&Path>, cwd: &Path) -> Result<Named, Error> {
    let Some(arg) = arg else {
        let file = cwd.join("pyproject.toml");
        if !file.is_file() {
            return Err(Error::NothingToBundle(cwd.to_path_buf()));
        }
        return Ok(Named::Project(file));
    };
    if arg.is_dir() {
        let file = arg.join("pyproject.toml");
        if !file.is_file() {
            return Err(Error::FolderWithoutProject(arg.to_path_buf()));
        }
        return Ok(Named::Project(file));
    }
    if !arg.exists() {
        if let Some(text) = arg.to_str().filter(|t| t.contains(':')) {
            let attr = text.rsplit(':').next().unwrap_or(text);
            let name = attr.rsplit('.').next().unwrap_or(attr);
            return EntryPoint::parse(name, text, false)
                .map(Named::EntryPoint)
                .ok_or_else(|| Error::BadEntryPoint(text.to_string()));
        }
    }
    Ok(Named::Script(arg.to_path_buf()))
}

/// The console scripts of the project whose `pyproject.toml` is `file`, in the file's order
/// of sections (`scripts` then `gui-scripts`), by name within each.
pub fn entry_points(file: &Path) -> Result<Vec<EntryPoint>, Error> {
    let bad = |why: String| Error::Config {
        path: file.to_path_buf(),
        why,
    };
    let text = fs::read_to_string(file).map_err(|e| bad(format!("cannot be read: {e}")))?;
    let doc: toml::Table = text
        .parse()
        .map_err(|e: toml::de::Error| bad(e.message().to_string()))?;
    let project = doc.get("project").and_then(toml::Value::as_table);
    let mut out = Vec::new();
    for (section, gui) in [("scripts", false), ("gui-scripts", true)] {
        let Some(table) = project.and_then(|p| p.get(section)) else {
            continue;
        };
        let table = table
            .as_table()
            .ok_or_else(|| bad(format!("[project.{section}] must be a table")))?;
        for (name, value) in table {
            let text = value.as_str().unwrap_or_default();
            let entry = EntryPoint::parse(name, text, gui).ok_or_else(|| {
                bad(format!(
                    "[project.{section}] {name} = {value} is not an entry point: write it as \"package.module:function\""
                ))
            })?;
            out.push(entry);
        }
    }
    if out.is_empty() {
        return Err(Error::NoEntryPoints(file.to_path_buf()));
    }
    Ok(out)
}

/// `[project].name` of the `pyproject.toml` at `file`, if it has one.
pub fn project_name(file: &Path) -> Option<String> {
    let doc: toml::Table = fs::read_to_string(file).ok()?.parse().ok()?;
    let name = doc.get("project")?.get("name")?.as_str()?;
    Some(name.to_string())
}

/// The entry point to build: the one named, or the only one.
pub fn choose(
    entries: Vec<EntryPoint>,
    wanted: Option<&str>,
    file: &Path,
) -> Result<EntryPoint, Error> {
    let names = || {
        (entries.iter())
            .map(|e| e.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    match wanted {
        Some(wanted) => (entries.iter())
            .find(|e| e.name == wanted)
            .cloned()
            .ok_or_else(|| Error::UnknownEntryPoint {
                name: wanted.to_string(),
                file: file.to_path_buf(),
                names: names(),
            }),
        None if entries.len() == 1 => Ok(entries[0].clone()),
        None => Err(Error::ManyEntryPoints {
            file: file.to_path_buf(),
            names: names(),
        }),
    }
}

/// Where a project's own modules are, when they are not installed: its `src/` (the src
/// layout), else its folder.
pub fn source_folder(project_dir: &Path) -> PathBuf {
    let src = project_dir.join("src");
    if src.is_dir() {
        src
    } else {
        project_dir.to_path_buf()
    }
}

/// Write `entry`'s script into `dir` (a folder of the workpath, its own per entry point) and
/// return its path.
pub fn write_script(entry: &EntryPoint, dir: &Path) -> Result<PathBuf, Error> {
    let folder = dir.join(&entry.name);
    let path = folder.join(format!("{}.py", entry.name));
    fs::create_dir_all(&folder)
        .and_then(|()| fs::write(&path, entry.script()))
        .map_err(|source| Error::Workpath {
            path: path.clone(),
            source,
        })?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_points_parse_as_the_specification_writes_them() {
        let e = EntryPoint::parse("tool", "pkg.cli : main [extra]", false).unwrap();
        assert_eq!((e.module.as_str(), e.attr.as_str()), ("pkg.cli", "main"));
        let dotted = EntryPoint::parse("t", "pkg:App.run", true).unwrap();
        assert!(dotted.script().contains("from pkg import App\n"));
        assert!(dotted.script().contains("sys.exit(App.run())"));
        for bad in ["pkg", "pkg:", ":main", "pkg-x:main", "pkg:1main", "a b:c"] {
            assert_eq!(EntryPoint::parse("t", bad, false), None, "{bad}");
        }
    }

    #[test]
    fn a_project_names_its_console_scripts_and_one_is_chosen() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("pyproject.toml");
        fs::write(
            &file,
            "[project]\nname = \"x\"\n[project.scripts]\nhello = \"x.cli:hello\"\nbye = \"x.cli:bye\"\n[project.gui-scripts]\nwin = \"x.gui:main\"\n",
        )
        .unwrap();
        let all = entry_points(&file).unwrap();
        let names: Vec<&str> = all.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["bye", "hello", "win"]);
        assert!(all[2].gui);
        let err = choose(all.clone(), None, &file).unwrap_err().to_string();
        assert!(
            err.contains("bye, hello, win") && err.contains("--entry-point"),
            "{err}"
        );
        assert_eq!(
            choose(all.clone(), Some("hello"), &file).unwrap().attr,
            "hello"
        );
        let err = choose(all, Some("nope"), &file).unwrap_err().to_string();
        assert!(err.contains("nope"), "{err}");
        assert_eq!(
            name(None, dir.path()).unwrap(),
            Named::Project(file.clone())
        );
        assert_eq!(
            name(Some(dir.path()), Path::new("/")).unwrap(),
            Named::Project(file)
        );
    }

    #[test]
    fn what_the_argument_names() {
        let dir = tempfile::tempdir().unwrap();
        let cwd = dir.path();
        assert!(matches!(
            name(Some(Path::new("pkg.cli:main")), cwd),
            Ok(Named::EntryPoint(EntryPoint { ref name, .. })) if name == "main"
        ));
        assert!(matches!(
            name(Some(Path::new("app.py")), cwd),
            Ok(Named::Script(_))
        ));
        let err = name(Some(Path::new("pkg cli:main")), cwd)
            .unwrap_err()
            .to_string();
        assert!(err.contains("package.module:function"), "{err}");
        let err = name(None, cwd).unwrap_err().to_string();
        assert!(err.contains("pyproject.toml"), "{err}");
    }
}
