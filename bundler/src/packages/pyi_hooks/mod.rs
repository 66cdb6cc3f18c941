//! The community's package knowledge, used as data: PyInstaller's hooks (about 200 of its own,
//! about 700 in `pyinstaller-hooks-contrib`, and those packages ship themselves). A hook
//! `hook-MODULE.py` says, for a module the app reaches, what analysis cannot see: modules
//! imported by computed names (`hiddenimports`), imports not to follow from that package
//! (`excludedimports`), data files and libraries loaded by path (`datas`, `binaries`, as
//! (file, destination folder) pairs), and modules that must stay source files
//! (`module_collection_mode`).
//!
//! Hooks are Python, and most call PyInstaller's helpers (`collect_submodules`,
//! `collect_data_files`...), so they are run, as PyInstaller runs them: by the build
//! interpreter, in a process of their own ([`run`]), against pybundle's stand-in for the parts
//! of PyInstaller they import (`compat/`), which answers for the bundle's target (`is_win` is
//! true in a Windows build). PyInstaller itself is never needed. Where hooks come from:
//! [`sources`]. The user's hooks apply to any module; the community's to the distributions'
//! modules, and never to the Qt bindings, which pybundle's own rules pack
//! (bundler/rules/qt.toml). A hook that fails is a warning naming it, never a failed build.

pub mod files;
pub mod run;
pub mod sources;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use sources::HookDir;

pub use run::{Runner, Said, TargetFacts};

/// Who wrote a hook: what it applies to, and how it is named in messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Author {
    /// `--additional-hooks-dir`: applies to any module, the app's and the standard library's
    /// included.
    User(PathBuf),
    /// A distribution's own (`pyinstaller40` entry point).
    Package(String),
    /// `pyinstaller-hooks-contrib`, at this version.
    Contrib(String),
    /// PyInstaller's own, at this version.
    PyInstaller(String),
}

/// One hook: the module it is for, its file, who wrote it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hook {
    pub module: String,
    pub file: PathBuf,
    pub author: Author,
}

impl Hook {
    /// `hook-faker.py of pyinstaller-hooks-contrib 2026.10`.
    pub fn display(&self) -> String {
        let name = self
            .file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        match &self.author {
            Author::User(dir) => format!("{name} in {}", dir.display()),
            Author::Package(dist) => format!("{name} of {dist}"),
            Author::Contrib(version) => format!("{name} of pyinstaller-hooks-contrib {version}"),
            Author::PyInstaller(version) => format!("{name} of PyInstaller {version}"),
        }
    }

    /// Does it apply to distributions' modules only?
    pub fn is_community(&self) -> bool {
        !matches!(self.author, Author::User(_))
    }
}

/// The Qt bindings, which pybundle's own rules pack (their hooks need PyInstaller's Qt
/// machinery and would bring all of Qt).
const OWN_RULES: &[&str] = &[
    "PySide6",
    "PyQt6",
    "PySide2",
    "PyQt5",
    "shiboken6",
    "shiboken2",
];

/// Set (to anything but `0`), no PyInstaller hook is found or run, the user's either: what
/// pybundle's own analysis finds alone (for comparing, and for builds that must not fetch).
pub const NO_HOOKS: &str = "PYBUNDLE_NO_PYINSTALLER_HOOKS";

/// Every hook found, one per module: the first in the order of [`sources`].
#[derive(Debug, Default)]
pub struct HookSet {
    by_module: BTreeMap<String, Hook>,
    /// What could not be had (a fetch that failed), for one warning.
    pub problems: Vec<String>,
    /// Folders the hooks import helpers from (a fetched pyinstaller-hooks-contrib's).
    pub python_paths: Vec<PathBuf>,
}

impl HookSet {
    /// The hooks of `dirs`, earlier folders winning.
    pub fn from_dirs(dirs: &[HookDir]) -> HookSet {
        let mut set = HookSet::default();
        for dir in dirs {
            for (module, file) in sources::hooks_in(&dir.dir) {
                let top = module.split('.').next().unwrap_or(&module);
                let community = !matches!(dir.author, Author::User(_));
                if community && OWN_RULES.contains(&top) {
                    continue;
                }
                set.by_module.entry(module.clone()).or_insert(Hook {
                    module,
                    file,
                    author: dir.author.clone(),
                });
            }
        }
        set
    }

    /// Find every hook folder for a build: the user's, the installed packages' own (their
    /// `hook-dirs` resolved by `runner`), `pyinstaller-hooks-contrib`'s and PyInstaller's
    /// (from the build environment, else fetched into the cache by `interp`'s pip).
    pub fn find(user_dirs: &[PathBuf], sites: &[PathBuf], runner: &Runner) -> HookSet {
        if std::env::var_os(NO_HOOKS).is_some_and(|v| !v.is_empty() && v != "0") {
            return HookSet::default();
        }
        // Absolute: the hooks run in a folder of their own.
        let mut dirs: Vec<HookDir> = (user_dirs.iter())
            .map(|d| HookDir {
                dir: std::path::absolute(d).unwrap_or_else(|_| d.clone()),
                author: Author::User(d.clone()),
            })
            .collect();
        let mut problems = Vec::new();
        let entry_points = sources::entry_points(sites);
        let references: Vec<(String, String)> = (entry_points.iter())
            .map(|e| (e.distribution.clone(), e.reference.clone()))
            .collect();
        let resolved = runner.hook_dirs(&references).unwrap_or_default();
        let mut have_contrib = false;
        // Packages' own first, then the community's.
        let mut theirs: Vec<(bool, HookDir)> = Vec::new();
        for (entry, folders) in entry_points.iter().zip(resolved) {
            let author = sources::author_of(entry);
            let contrib = matches!(author, Author::Contrib(_));
            have_contrib |= contrib;
            for dir in folders {
                theirs.push((
                    contrib,
                    HookDir {
                        dir,
                        author: author.clone(),
                    },
                ));
            }
        }
        theirs.sort_by_key(|(contrib, _)| *contrib);
        dirs.extend(theirs.into_iter().map(|(_, d)| d));
        let mut python_paths = Vec::new();
        if !have_contrib {
            match sources::fetched(runner.interp, sources::CONTRIB) {
                Ok(unpacked) => {
                    dirs.extend(sources::contrib_dir(&unpacked, sources::CONTRIB.1));
                    python_paths.push(unpacked);
                }
                Err(e) => problems.push(e.to_string()),
            }
        }
        match sources::installed_pyinstaller(sites) {
            Some(dir) => dirs.push(dir),
            None => match sources::fetched(runner.interp, sources::PYINSTALLER) {
                Ok(unpacked) => {
                    dirs.extend(sources::pyinstaller_dir(&unpacked, sources::PYINSTALLER.1))
                }
                Err(e) => problems.push(e.to_string()),
            },
        }
        let mut set = HookSet::from_dirs(&dirs);
        set.problems = problems;
        set.python_paths = python_paths;
        set
    }

    pub fn get(&self, module: &str) -> Option<&Hook> {
        self.by_module.get(module)
    }

    /// The hooks for `modules`, those for `community_ok` modules only when user-written
    /// hooks are not the only kind allowed: (module, hook).
    pub fn for_modules<'a>(
        &'a self,
        modules: impl IntoIterator<Item = &'a str>,
        is_distribution_module: &dyn Fn(&str) -> bool,
    ) -> Vec<&'a Hook> {
        let mut out = Vec::new();
        let mut seen = BTreeSet::new();
        for module in modules {
            let Some(hook) = self.by_module.get(module) else {
                continue;
            };
            if hook.is_community() && !is_distribution_module(module) {
                continue;
            }
            if seen.insert(module) {
                out.push(hook);
            }
        }
        out
    }
}

/// Every hook run for a build so far and what it said, in the order run.
#[derive(Debug, Default)]
pub struct Outcome {
    pub ran: Vec<(Hook, Said)>,
    /// The time spent running them (or reading their cached answers), and the walks again
    /// their hidden imports took.
    pub seconds: f64,
    pub walks: usize,
}

impl Outcome {
    pub fn has_run(&self, module: &str) -> bool {
        self.ran.iter().any(|(h, _)| h.module == module)
    }

    /// (module to import, the hook that asks for it).
    pub fn hidden_imports(&self) -> Vec<(String, String)> {
        (self.ran.iter())
            .flat_map(|(hook, said)| {
                (said.hiddenimports.iter()).map(move |name| (name.clone(), hook.display()))
            })
            .collect()
    }

    /// (the hooked module, a name its package's imports of are not followed).
    pub fn excluded_imports(&self) -> Vec<(String, String)> {
        (self.ran.iter())
            .flat_map(|(hook, said)| {
                (said.excludedimports.iter()).map(move |name| (hook.module.clone(), name.clone()))
            })
            .collect()
    }

    /// The hooks that failed, with why.
    pub fn failures(&self) -> Vec<(String, String)> {
        (self.ran.iter())
            .filter_map(|(hook, said)| said.error.as_ref().map(|e| (hook.display(), e.clone())))
            .collect()
    }

    /// Modules and packages whose Python files must stay source files on disk (PyInstaller's
    /// `py`, `pyz+py` collection modes), as (name, the hook that says so).
    pub fn keep_sources(&self) -> Vec<(String, String)> {
        self.modes(|mode| mode.split('+').any(|m| m == "py"))
    }

    /// Modules and packages whose compiled files must stay files (`pyc` mode).
    pub fn keep_compiled(&self) -> Vec<(String, String)> {
        self.modes(|mode| mode == "pyc")
    }

    fn modes(&self, wanted: impl Fn(&str) -> bool) -> Vec<(String, String)> {
        (self.ran.iter())
            .flat_map(|(hook, said)| {
                (said.collection_mode.iter())
                    .filter(|(_, mode)| wanted(mode))
                    .map(move |(name, _)| (name.clone(), hook.display()))
            })
            .collect()
    }

    /// Every (file, destination in the bundle, the hook) the hooks' `datas` and `binaries`
    /// name.
    pub fn files(&self) -> Vec<(PathBuf, String, String)> {
        (self.ran.iter())
            .flat_map(|(hook, said)| {
                let display = hook.display();
                (said.datas.iter().chain(&said.binaries)).filter_map(move |(file, folder)| {
                    let name = file
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default();
                    let dest = destination(folder, &name)?;
                    Some((file.clone(), dest, display.clone()))
                })
            })
            .collect()
    }
}

/// Where a hook's file `name` goes in the bundle, given the folder it names: `.` is the root,
/// as in PyInstaller, either slash separates; a folder that climbs out (`..`) is refused.
fn destination(folder: &str, name: &str) -> Option<String> {
    let parts: Vec<&str> = (folder.split(['/', '\\']))
        .filter(|p| !p.is_empty() && *p != ".")
        .collect();
    if parts.contains(&"..") {
        return None;
    }
    Some(crate::bundle::layout::within(&parts.join("/"), name))
}

#[cfg(test)]
mod destination_tests {
    use super::destination;

    #[test]
    fn dot_is_the_root_and_climbing_out_is_refused() {
        assert_eq!(destination(".", "a.dll").as_deref(), Some("a.dll"));
        assert_eq!(destination("./x/", "a.dll").as_deref(), Some("x/a.dll"));
        assert_eq!(destination("x\\y", "a.dll").as_deref(), Some("x/y/a.dll"));
        assert_eq!(destination("", "a.dll").as_deref(), Some("a.dll"));
        assert_eq!(destination("../up", "a.dll"), None);
    }
}
