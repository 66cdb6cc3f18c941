//! Console scripts, wherever they are declared: a project's `pyproject.toml`
//! (`[project.scripts]`, `[project.gui-scripts]`, `[tool.poetry.scripts]`), its `setup.cfg`
//! (`[options.entry_points]`), and an installed distribution's `entry_points.txt`, which is
//! right whatever the build backend was (a `setup.py` project's scripts are written down
//! nowhere else).

use std::fs;
use std::path::{Path, PathBuf};

use crate::error::Error;
use crate::packages::ini;
use crate::packages::markers::normalize;

/// A console script: its name and what it calls.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryPoint {
    /// The command's name (`[project.scripts]`' key; for an entry point named alone, the
    /// console script that calls it, else its top package).
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

/// A project's folder: one with a `pyproject.toml`, a `setup.cfg` or a `setup.py`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Project {
    pub dir: PathBuf,
    /// Its `pyproject.toml`, when it has one (where `[tool.pybundle]` is read).
    pub pyproject: Option<PathBuf>,
}

/// Console scripts, and where they were read (for messages).
#[derive(Debug, Clone, Default)]
pub struct Declared {
    pub scripts: Vec<EntryPoint>,
    /// `pyproject.toml's [project.scripts]`, `flake8 7.0.0's entry_points.txt`...
    pub source: String,
}

impl Project {
    /// The project whose folder is `dir`, if it is one.
    pub fn at(dir: &Path) -> Option<Project> {
        let pyproject = dir.join("pyproject.toml");
        let is_project = pyproject.is_file()
            || dir.join("setup.cfg").is_file()
            || dir.join("setup.py").is_file();
        is_project.then(|| Project {
            dir: dir.to_path_buf(),
            pyproject: pyproject.is_file().then_some(pyproject),
        })
    }

    fn pyproject_table(&self) -> Result<Option<toml::Table>, Error> {
        let Some(file) = &self.pyproject else {
            return Ok(None);
        };
        let bad = |why: String| Error::Config {
            path: file.clone(),
            why,
        };
        let text = fs::read_to_string(file).map_err(|e| bad(format!("cannot be read: {e}")))?;
        text.parse()
            .map(Some)
            .map_err(|e: toml::de::Error| bad(e.message().to_string()))
    }

    fn setup_cfg(&self) -> Vec<ini::Section> {
        fs::read_to_string(self.dir.join("setup.cfg"))
            .map(|text| ini::parse(&text))
            .unwrap_or_default()
    }

    /// Its distribution's name: `[project].name`, `[tool.poetry].name`, `setup.cfg`'s
    /// `[metadata] name`, or the `Name:` of an sdist's `PKG-INFO`.
    pub fn name(&self) -> Option<String> {
        let doc = self.pyproject_table().ok().flatten();
        let from_toml = |path: &[&str]| {
            let mut value = doc.as_ref()?.get(path[0])?;
            for key in &path[1..] {
                value = value.get(key)?;
            }
            value.as_str().map(String::from)
        };
        from_toml(&["project", "name"])
            .or_else(|| from_toml(&["tool", "poetry", "name"]))
            .or_else(|| {
                let cfg = self.setup_cfg();
                let name = ini::section(&cfg, "metadata")?.get("name")?;
                Some(name.to_string())
            })
            .or_else(|| {
                let info = fs::read_to_string(self.dir.join("PKG-INFO")).ok()?;
                let line = info.lines().find_map(|l| l.strip_prefix("Name:"))?;
                Some(line.trim().to_string())
            })
            .filter(|n| !n.is_empty())
    }

    /// The console scripts its own files declare, in the order of the places read
    /// (`pyproject.toml`, then `setup.cfg`), each name once.
    pub fn declared(&self) -> Result<Declared, Error> {
        let mut out = Declared::default();
        let mut sources = Vec::new();
        if let (Some(doc), Some(file)) = (self.pyproject_table()?, &self.pyproject) {
            let bad = |why: String| Error::Config {
                path: file.clone(),
                why,
            };
            let project = doc.get("project");
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
                    push(&mut out.scripts, entry);
                }
                sources.push(format!("[project.{section}]"));
            }
            let poetry = doc.get("tool").and_then(|t| t.get("poetry"));
            if let Some(table) = poetry.and_then(|p| p.get("scripts")) {
                let table = table
                    .as_table()
                    .ok_or_else(|| bad("[tool.poetry.scripts] must be a table".into()))?;
                for (name, value) in table {
                    let text = match value {
                        toml::Value::String(text) => Some(text.as_str()),
                        // `{ callable = "pkg.mod:func" }`, or poetry 2's
                        // `{ reference = "pkg.mod:func", type = "console" }`; a `type = "file"`
                        // script is a file poetry copies, not a function.
                        toml::Value::Table(t)
                            if t.get("type").and_then(|v| v.as_str()).unwrap_or("console")
                                == "console" =>
                        {
                            (t.get("callable").or_else(|| t.get("reference")))
                                .and_then(|v| v.as_str())
                        }
                        _ => None,
                    };
                    let Some(text) = text else { continue };
                    let entry = EntryPoint::parse(name, text, false).ok_or_else(|| {
                        bad(format!(
                            "[tool.poetry.scripts] {name} = {value} is not an entry point: write it as \"package.module:function\""
                        ))
                    })?;
                    push(&mut out.scripts, entry);
                }
                sources.push("[tool.poetry.scripts]".to_string());
            }
            if !sources.is_empty() {
                sources = vec![format!("{} of pyproject.toml", sources.join(" and "))];
            }
        }
        let cfg = self.setup_cfg();
        if let Some(value) =
            ini::section(&cfg, "options.entry_points").map(|s| (s.get("console_scripts"), s))
        {
            let (console, section) = value;
            let gui = section.get("gui_scripts");
            let before = out.scripts.len();
            for (lines, is_gui) in [(console, false), (gui, true)] {
                for entry in entries(lines.unwrap_or_default(), is_gui) {
                    push(&mut out.scripts, entry);
                }
            }
            if out.scripts.len() > before {
                sources.push("setup.cfg's [options.entry_points]".to_string());
            }
        }
        out.source = sources.join(", ");
        Ok(out)
    }
}

/// An installed distribution and its console scripts (`entry_points.txt`).
#[derive(Debug, Clone)]
pub struct Installed {
    pub distribution: String,
    pub version: String,
    pub scripts: Vec<EntryPoint>,
}

impl Installed {
    pub fn declared(&self) -> Declared {
        Declared {
            scripts: self.scripts.clone(),
            source: format!(
                "the entry_points.txt of {} {}, as installed",
                self.distribution, self.version
            ),
        }
    }
}

/// Every distribution installed in `sites` that declares console scripts, the first of a
/// name winning (as on `sys.path`).
pub fn installed(sites: &[PathBuf]) -> Vec<Installed> {
    let mut out: Vec<Installed> = Vec::new();
    for site in sites {
        let Ok(entries) = fs::read_dir(site) else {
            continue;
        };
        let mut folders: Vec<PathBuf> = (entries.flatten())
            .map(|e| e.path())
            .filter(|p| {
                let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
                name.ends_with(".dist-info") || name.ends_with(".egg-info")
            })
            .collect();
        folders.sort();
        for folder in folders {
            let Ok(text) = fs::read_to_string(folder.join("entry_points.txt")) else {
                continue;
            };
            let Some((name, version)) = name_and_version(&folder) else {
                continue;
            };
            if out
                .iter()
                .any(|i| normalize(&i.distribution) == normalize(&name))
            {
                continue;
            }
            let sections = ini::parse(&text);
            let mut scripts = Vec::new();
            for (section, gui) in [("console_scripts", false), ("gui_scripts", true)] {
                let Some(section) = ini::section(&sections, section) else {
                    continue;
                };
                for (key, value) in &section.entries {
                    if let Some(entry) = EntryPoint::parse(key, value, gui) {
                        push(&mut scripts, entry);
                    }
                }
            }
            if !scripts.is_empty() {
                out.push(Installed {
                    distribution: name,
                    version,
                    scripts,
                });
            }
        }
    }
    out
}

/// The installed distribution called `name` (any spelling), among `installed`.
pub fn find_distribution<'a>(installed: &'a [Installed], name: &str) -> Option<&'a Installed> {
    let key = normalize(name);
    installed.iter().find(|i| normalize(&i.distribution) == key)
}

/// Is a distribution called `name` installed in `sites` (with or without console scripts)?
pub fn is_installed(sites: &[PathBuf], name: &str) -> bool {
    let key = normalize(name);
    sites.iter().any(|site| {
        fs::read_dir(site).into_iter().flatten().flatten().any(|e| {
            let folder = e.path();
            let file = folder.file_name().and_then(|n| n.to_str()).unwrap_or("");
            (file.ends_with(".dist-info") || file.ends_with(".egg-info"))
                && name_and_version(&folder).is_some_and(|(n, _)| normalize(&n) == key)
        })
    })
}

/// `Name` and `Version` from a metadata folder's METADATA or PKG-INFO.
fn name_and_version(folder: &Path) -> Option<(String, String)> {
    let text = fs::read_to_string(folder.join("METADATA"))
        .or_else(|_| fs::read_to_string(folder.join("PKG-INFO")))
        .ok()?;
    let mut name = None;
    let mut version = String::new();
    for line in text.lines().take_while(|l| !l.is_empty()) {
        if let Some(v) = line.strip_prefix("Name:") {
            name = Some(v.trim().to_string());
        } else if let Some(v) = line.strip_prefix("Version:") {
            version = v.trim().to_string();
        }
    }
    Some((name?, version))
}

/// `name = pkg.mod:func` lines of a `setup.cfg` value.
fn entries(lines: &str, gui: bool) -> Vec<EntryPoint> {
    (lines.lines())
        .filter_map(|line| {
            let (name, value) = line.split_once('=')?;
            EntryPoint::parse(name.trim(), value, gui)
        })
        .collect()
}

/// Add `entry` unless a script of its name is there already.
fn push(list: &mut Vec<EntryPoint>, entry: EntryPoint) {
    if !list.iter().any(|e| e.name == entry.name) {
        list.push(entry);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project(files: &[(&str, &str)]) -> (tempfile::TempDir, Project) {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in files {
            fs::write(dir.path().join(name), text).unwrap();
        }
        let project = Project::at(dir.path()).expect("a project");
        (dir, project)
    }

    fn names(d: &Declared) -> Vec<(&str, &str, &str)> {
        (d.scripts.iter())
            .map(|e| (e.name.as_str(), e.module.as_str(), e.attr.as_str()))
            .collect()
    }

    #[test]
    fn a_folder_is_a_project_by_any_of_its_three_files() {
        let dir = tempfile::tempdir().unwrap();
        assert!(Project::at(dir.path()).is_none());
        fs::write(dir.path().join("setup.py"), "").unwrap();
        let p = Project::at(dir.path()).unwrap();
        assert!(p.pyproject.is_none());
    }

    #[test]
    fn pyproject_poetry_and_setup_cfg_scripts_are_read() {
        let (_d, p) = project(&[(
            "pyproject.toml",
            "[project]\nname = \"x\"\n[project.scripts]\nx = \"x.cli:main\"\n\
             [project.gui-scripts]\nxw = \"x.gui:run\"\n",
        )]);
        let d = p.declared().unwrap();
        assert_eq!(names(&d), [("x", "x.cli", "main"), ("xw", "x.gui", "run")]);
        assert!(d.scripts[1].gui);
        assert_eq!(p.name().as_deref(), Some("x"));

        let (_d, p) = project(&[(
            "pyproject.toml",
            "[tool.poetry]\nname = \"isort\"\n[tool.poetry.scripts]\nisort = \"isort.main:main\"\n\
             isort-identify-imports = { callable = \"isort.main:identify_imports_main\" }\n\
             run = { reference = \"bin/run.sh\", type = \"file\" }\n",
        )]);
        let d = p.declared().unwrap();
        assert_eq!(
            names(&d),
            [
                ("isort", "isort.main", "main"),
                (
                    "isort-identify-imports",
                    "isort.main",
                    "identify_imports_main"
                )
            ]
        );
        assert_eq!(d.source, "[tool.poetry.scripts] of pyproject.toml");
        assert_eq!(p.name().as_deref(), Some("isort"));

        let (_d, p) = project(&[
            ("setup.py", "from setuptools import setup\nsetup()\n"),
            (
                "setup.cfg",
                "[metadata]\nname = flake8\n[options.entry_points]\nconsole_scripts =\n    \
                 flake8 = flake8.main.cli:main\nflake8.extension =\n    F = flake8.plugins.pyflakes:FlakesChecker\n",
            ),
        ]);
        let d = p.declared().unwrap();
        assert_eq!(names(&d), [("flake8", "flake8.main.cli", "main")]);
        assert_eq!(p.name().as_deref(), Some("flake8"));
    }

    #[test]
    fn an_sdist_names_itself_in_pkg_info() {
        let (_d, p) = project(&[
            ("setup.py", "setup(entry_points={...})\n"),
            (
                "PKG-INFO",
                "Metadata-Version: 2.1\nName: pyfiglet\nVersion: 1.0\n",
            ),
        ]);
        assert_eq!(p.name().as_deref(), Some("pyfiglet"));
        assert!(p.declared().unwrap().scripts.is_empty());
    }

    #[test]
    fn installed_distributions_declare_in_entry_points_txt() {
        let site = tempfile::tempdir().unwrap();
        let info = site.path().join("Py_Figlet-1.0.dist-info");
        fs::create_dir_all(&info).unwrap();
        fs::write(
            info.join("METADATA"),
            "Metadata-Version: 2.1\nName: Py_Figlet\nVersion: 1.0\n\nbody\n",
        )
        .unwrap();
        fs::write(
            info.join("entry_points.txt"),
            "[console_scripts]\npyfiglet = pyfiglet:main\n\n[gui_scripts]\nfig = pyfiglet.gui:run\n",
        )
        .unwrap();
        let sites = [site.path().to_path_buf()];
        let all = installed(&sites);
        let found = find_distribution(&all, "py-figlet").expect("found by its normalised name");
        assert_eq!(found.version, "1.0");
        assert_eq!(found.scripts.len(), 2);
        assert!(found.scripts[1].gui);
        assert!(is_installed(&sites, "PY.FIGLET"));
        assert!(!is_installed(&sites, "figlet"));
    }
}
