//! What pybundle knows about particular packages' files, as data: per-package rules kept in
//! `bundler/rules/*.toml` (built in) and in the `.toml` files of `--additional-hooks-dir`
//! folders. A rule names files a distribution carries that never ship (build files, developer
//! tools: `leave`) and files a package loads at run time by path, which no import shows, that
//! ship when one of its modules is reached (`take`, with `when`): Qt's plugins, QML modules,
//! translations. `{name}` placeholders in patterns are filled from each entry of `for`, so
//! one rule serves a family of packages laid out alike (PySide6, PyQt6, ...). Patterns are
//! globs over paths relative to site-packages (`**` crosses folders).
//!
//! A rule may also keep a package's modules as real files (`on-disk`), for a package that
//! reads or lists its own module files rather than import them, name the data files a
//! package reads only through `importlib.resources` (`resources`), which are then served
//! from the module store instead of being files, and name the folders a package puts on
//! Windows' DLL search path when it is imported (`dll-dirs`: PyQt6's `Qt6/bin`), where the DLL
//! closure may find what a bundled file links to. A distribution's DLLs go only when a bundled
//! file links to them if another of its files links to them (the rest may be loaded by path,
//! with `ctypes`) or if a rule says they are only ever linked to (`linked-only`: Qt's own
//! DLLs, some of which only plugins of another distribution link to).
//!
//! ```toml
//! [[rule]]
//! name = "Qt for Python"
//! for = [{ package = "PySide6", qt = "PySide6/Qt" }]
//! leave = ["{qt}/plugins/**", "{package}/designer"]
//! [[rule.take]]
//! when = "{package}.QtGui"
//! files = ["{qt}/plugins/platforms/**"]
//! ```

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use glob::{MatchOptions, Pattern};
use serde::Deserialize;

use crate::error::Error;

/// The rules built into pybundle: (file name, text).
const BUILT_IN: &[(&str, &str)] = &[
    (
        "build-time.toml",
        include_str!("../../rules/build-time.toml"),
    ),
    ("qt.toml", include_str!("../../rules/qt.toml")),
    ("resources.toml", include_str!("../../rules/resources.toml")),
    ("windows.toml", include_str!("../../rules/windows.toml")),
];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    #[serde(default)]
    rule: Vec<RuleText>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleText {
    name: String,
    #[serde(default, rename = "for")]
    each: Vec<BTreeMap<String, String>>,
    #[serde(default)]
    leave: Vec<String>,
    #[serde(default)]
    take: Vec<TakeText>,
    /// Module files that stay real files rather than go into the module store.
    #[serde(default, rename = "on-disk")]
    on_disk: Vec<String>,
    /// Data files the package reads only through `importlib.resources`: they go into the
    /// module store.
    #[serde(default)]
    resources: Vec<String>,
    /// Folders the package adds to Windows' DLL search path (`os.add_dll_directory`).
    #[serde(default, rename = "dll-dirs")]
    dll_dirs: Vec<String>,
    /// DLLs that are only ever linked to, never loaded by path.
    #[serde(default, rename = "linked-only")]
    linked_only: Vec<String>,
    /// Folders a frozen package looks for files in on `sys.path` (pywin32 its
    /// `pywin32_system32`, as PyInstaller's runtime hook adds it): put there when bundled.
    #[serde(default, rename = "frozen-path")]
    frozen_path: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TakeText {
    when: String,
    files: Vec<String>,
}

/// One rule, its placeholders filled for one package.
#[derive(Debug)]
struct Rule {
    /// `Qt for Python (PySide6)`.
    name: String,
    leave: Vec<Pattern>,
    take: Vec<(String, Vec<Pattern>)>,
    on_disk: Vec<Pattern>,
    resources: Vec<Pattern>,
    dll_dirs: Vec<Pattern>,
    linked_only: Vec<Pattern>,
    frozen_path: Vec<String>,
}

/// Every rule in force.
#[derive(Debug, Default)]
pub struct Rules {
    rules: Vec<Rule>,
}

/// What the rules say about one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict<'a> {
    /// No rule names it.
    Unnamed,
    /// Loaded at run time by a reached module: it ships (the rule's name and the module).
    Take { rule: &'a str, when: &'a str },
    /// It never ships (the rule's name).
    Leave { rule: &'a str },
}

/// What each rule took and left, for `-v`.
#[derive(Debug, Default)]
pub struct Tally {
    /// Rule name → (files taken, files left).
    pub by_rule: BTreeMap<String, (usize, usize)>,
}

impl Tally {
    pub fn count(&mut self, verdict: &Verdict) {
        match verdict {
            Verdict::Unnamed => {}
            Verdict::Take { rule, .. } => self.by_rule.entry(rule.to_string()).or_default().0 += 1,
            Verdict::Leave { rule } => self.by_rule.entry(rule.to_string()).or_default().1 += 1,
        }
    }
}

const MATCH: MatchOptions = MatchOptions {
    case_sensitive: true,
    require_literal_separator: true,
    require_literal_leading_dot: false,
};

impl Rules {
    /// The built-in rules, and those in the `.toml` files of `dirs`.
    pub fn load(dirs: &[PathBuf]) -> Result<Rules, Error> {
        let mut rules = Rules::default();
        for (name, text) in BUILT_IN {
            rules.add(Path::new(name), text)?;
        }
        for dir in dirs {
            if !dir.is_dir() {
                return Err(Error::NoHooksDir(dir.clone()));
            }
            let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
                .map_err(|source| Error::Read {
                    path: dir.clone(),
                    source,
                })?
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "toml"))
                .collect();
            files.sort();
            for file in files {
                let text = std::fs::read_to_string(&file).map_err(|source| Error::Read {
                    path: file.clone(),
                    source,
                })?;
                rules.add(&file, &text)?;
            }
        }
        Ok(rules)
    }

    /// Add the rules of `text`, read from `file`.
    fn add(&mut self, file: &Path, text: &str) -> Result<(), Error> {
        let bad = |why: String| Error::BadRules {
            path: file.to_path_buf(),
            why,
        };
        let parsed: RuleFile = toml::from_str(text).map_err(|e| bad(e.message().to_string()))?;
        for rule in parsed.rule {
            let each = if rule.each.is_empty() {
                vec![BTreeMap::new()]
            } else {
                rule.each.clone()
            };
            for vars in each {
                let fill = |text: &str| -> Result<String, Error> {
                    let mut out = text.to_string();
                    for (key, value) in &vars {
                        out = out.replace(&format!("{{{key}}}"), value);
                    }
                    if out.contains('{') {
                        return Err(bad(format!(
                            "{text:?} in rule {:?} names a placeholder its `for` does not give",
                            rule.name
                        )));
                    }
                    Ok(out)
                };
                let pattern = |text: &str| -> Result<Pattern, Error> {
                    let filled = fill(text)?;
                    Pattern::new(&filled).map_err(|e| bad(format!("{filled:?}: {e}")))
                };
                let label = match vars.values().next() {
                    Some(first) => format!("{} ({first})", rule.name),
                    None => rule.name.clone(),
                };
                let leave = rule
                    .leave
                    .iter()
                    .map(|p| pattern(p))
                    .collect::<Result<_, _>>()?;
                let mut take = Vec::new();
                for t in &rule.take {
                    let files = t
                        .files
                        .iter()
                        .map(|p| pattern(p))
                        .collect::<Result<_, _>>()?;
                    take.push((fill(&t.when)?, files));
                }
                let on_disk = (rule.on_disk.iter())
                    .map(|p| pattern(p))
                    .collect::<Result<_, _>>()?;
                let resources = (rule.resources.iter())
                    .map(|p| pattern(p))
                    .collect::<Result<_, _>>()?;
                let dll_dirs = (rule.dll_dirs.iter())
                    .map(|p| pattern(p))
                    .collect::<Result<_, _>>()?;
                let linked_only = (rule.linked_only.iter())
                    .map(|p| pattern(p))
                    .collect::<Result<_, _>>()?;
                self.rules.push(Rule {
                    name: label,
                    leave,
                    take,
                    on_disk,
                    resources,
                    dll_dirs,
                    linked_only,
                    frozen_path: (rule.frozen_path.iter())
                        .map(|p| fill(p))
                        .collect::<Result<_, _>>()?,
                });
            }
        }
        Ok(())
    }

    /// What the rules say of `rel` (relative to site-packages), given the modules the app
    /// reaches. A file some rule takes ships, whatever another leaves.
    pub fn verdict<'a>(&'a self, rel: &str, reached: &BTreeSet<String>) -> Verdict<'a> {
        let mut left = None;
        for rule in &self.rules {
            for (when, files) in &rule.take {
                if reached.contains(when) && files.iter().any(|p| p.matches_with(rel, MATCH)) {
                    return Verdict::Take {
                        rule: &rule.name,
                        when,
                    };
                }
            }
            if left.is_none() && rule.leave.iter().any(|p| p.matches_with(rel, MATCH)) {
                left = Some(Verdict::Leave { rule: &rule.name });
            }
        }
        left.unwrap_or(Verdict::Unnamed)
    }

    /// The rule that keeps the module file `rel` (a `.py` path relative to site-packages) on
    /// disk instead of in the module store, if one does: a package that lists or reads its
    /// own module files.
    pub fn on_disk(&self, rel: &str) -> Option<&str> {
        (self.rules.iter())
            .find(|rule| rule.on_disk.iter().any(|p| p.matches_with(rel, MATCH)))
            .map(|rule| rule.name.as_str())
    }

    /// Does a package put the folder `dir` (relative to site-packages, `/`-separated) on
    /// Windows' DLL search path?
    pub fn is_dll_dir(&self, dir: &str) -> bool {
        (self.rules.iter()).any(|rule| rule.dll_dirs.iter().any(|p| p.matches_with(dir, MATCH)))
    }

    /// Folders (relative to site-packages) that frozen packages look for files in on
    /// `sys.path`.
    pub fn frozen_path(&self) -> impl Iterator<Item = &str> {
        (self.rules.iter()).flat_map(|rule| rule.frozen_path.iter().map(String::as_str))
    }

    /// Is the DLL `rel` (relative to site-packages) one that is only ever linked to?
    pub fn is_linked_only(&self, rel: &str) -> bool {
        (self.rules.iter()).any(|rule| rule.linked_only.iter().any(|p| p.matches_with(rel, MATCH)))
    }

    /// The rule that says the data file `rel` (relative to site-packages) is read only
    /// through `importlib.resources`, so it can be served from the module store.
    pub fn resource(&self, rel: &str) -> Option<&str> {
        (self.rules.iter())
            .find(|rule| rule.resources.iter().any(|p| p.matches_with(rel, MATCH)))
            .map(|rule| rule.name.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reached(names: &[&str]) -> BTreeSet<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn the_windows_wheels_layouts_are_known_too() {
        let rules = Rules::load(&[]).unwrap();
        let widgets = reached(&["PySide6.QtGui", "PySide6.QtWidgets", "PyQt6.QtGui"]);
        for plugin in [
            "PySide6/plugins/platforms/qwindows.dll",
            "PyQt6/Qt6/plugins/platforms/qwindows.dll",
        ] {
            assert!(
                matches!(rules.verdict(plugin, &widgets), Verdict::Take { .. }),
                "{plugin}"
            );
        }
        for tool in [
            "PySide6/designer.exe",
            "PySide6/pyside6.abi3.lib",
            "PySide6/qml/QtQuick/qmldir",
            "PyQt6/Qt6/bin/lupdate.exe",
        ] {
            assert!(
                matches!(rules.verdict(tool, &widgets), Verdict::Leave { .. }),
                "{tool}"
            );
        }
        // Qt's DLLs are the DLL closure's to take.
        assert_eq!(
            rules.verdict("PyQt6/Qt6/bin/Qt6Core.dll", &widgets),
            Verdict::Unnamed
        );
        assert_eq!(
            rules.verdict("PySide6/Qt6Core.dll", &widgets),
            Verdict::Unnamed
        );
        assert!(rules.is_linked_only("PySide6/Qt6LottieVectorImageHelpers.dll"));
        assert!(rules.is_linked_only("shiboken6/msvcp140_2.dll"));
        assert!(!rules.is_linked_only("PySide6/opengl32sw.dll"));
        assert!(!rules.is_linked_only("llvmlite/binding/llvmlite.dll"));
        for dir in [
            "PySide6",
            "shiboken6",
            "PyQt6/Qt6/bin",
            "numpy.libs",
            "pywin32_system32",
        ] {
            assert!(rules.is_dll_dir(dir), "{dir}");
        }
        assert!(!rules.is_dll_dir("PySide6/plugins") && !rules.is_dll_dir("a/b.libs"));
    }

    #[test]
    fn qt_plugins_come_with_their_module_and_tools_never() {
        let rules = Rules::load(&[]).unwrap();
        let widgets = reached(&[
            "PySide6",
            "PySide6.QtCore",
            "PySide6.QtGui",
            "PySide6.QtWidgets",
        ]);
        let platform = "PySide6/Qt/plugins/platforms/libqoffscreen.so";
        assert!(matches!(
            rules.verdict(platform, &widgets),
            Verdict::Take {
                when: "PySide6.QtGui",
                ..
            }
        ));
        assert!(matches!(
            rules.verdict(platform, &reached(&["PySide6.QtCore"])),
            Verdict::Leave { .. }
        ));
        let qml = "PySide6/Qt/qml/QtQuick/Controls/qmldir";
        assert!(matches!(
            rules.verdict(qml, &widgets),
            Verdict::Leave { .. }
        ));
        let with_qml = reached(&["PySide6.QtQml", "PySide6.QtGui"]);
        assert!(matches!(
            rules.verdict(qml, &with_qml),
            Verdict::Take { .. }
        ));
        assert!(matches!(
            rules.verdict("PySide6/designer", &widgets),
            Verdict::Leave { .. }
        ));
        assert!(matches!(
            rules.verdict(
                "PyQt6/Qt6/plugins/platforms/libqxcb.so",
                &reached(&["PyQt6.QtGui"])
            ),
            Verdict::Take { .. }
        ));
        assert_eq!(
            rules.verdict("PySide6/QtWidgets.abi3.so", &widgets),
            Verdict::Unnamed
        );
        assert_eq!(
            rules.verdict("PySide6/Qt/lib/libQt6Core.so.6", &widgets),
            Verdict::Unnamed
        );
        assert!(matches!(
            rules.verdict("PySide6/Qt/translations/qtbase_de.qm", &widgets),
            Verdict::Take { .. }
        ));
        assert!(matches!(
            rules.verdict("PySide6/Qt/translations/qtquick_de.qm", &widgets),
            Verdict::Leave { .. }
        ));
    }

    #[test]
    fn a_users_rule_file_is_read_and_its_mistakes_named() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("mine.toml"),
            "[[rule]]\nname = \"mine\"\nleave = [\"mypkg/big/**\"]\non-disk = [\"mypkg/plugins/*.py\"]\n",
        )
        .unwrap();
        let rules = Rules::load(&[dir.path().to_path_buf()]).unwrap();
        assert!(matches!(
            rules.verdict("mypkg/big/x.bin", &reached(&[])),
            Verdict::Leave { rule: "mine" }
        ));
        assert_eq!(rules.on_disk("mypkg/plugins/a.py"), Some("mine"));
        assert_eq!(rules.on_disk("mypkg/a.py"), None);
        std::fs::write(
            dir.path().join("mine.toml"),
            "[[rule]]\nname = \"mine\"\nleave = [\"{pkg}/x\"]\n",
        )
        .unwrap();
        let err = Rules::load(&[dir.path().to_path_buf()])
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("mine.toml") && err.contains("placeholder"),
            "{err}"
        );
    }
}
