//! The standard-library finder: which modules the runtime provides, and which of the
//! standard library's own files the graph keeps as it walks through them. It follows imports
//! through the standard library with the same analysis as the app's, module by module (a
//! module brings its parent packages), and is generous where analysis cannot see: the packages
//! that import submodules by computed names (`encodings` for codecs, `xml` for SAX parsers,
//! `dbm` for its back ends) are kept whole once reached, and the Python modules that C
//! extension modules import behind the scenes come with them. Extension modules in
//! lib-dynload are kept when some kept module (or the app) imports them, which drops
//! `_ssl`/`_hashlib` and their 5 MB of OpenSSL from apps that never touch them.
//!
//! Start-up modules the app never uses only ever run their module-level code, so only their
//! module-level imports are followed; a module the app uses has all its imports followed,
//! inside functions too (`os.popen` imports `subprocess` when called).

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::PathBuf;

use crate::analysis::imports;
use crate::bundle::module_name::{is_within, top, ModuleName};
use crate::error::Error;
use crate::packages::markers::Environment;
use crate::python::runtime::{self, Runtime};

/// Imported by the interpreter itself, whatever the app does: `site` at start, codecs by
/// name, and modules C code imports (time.strptime → _strptime, pickling → copyreg).
pub const ALWAYS: &[&str] = &[
    "site",
    "encodings",
    "codecs",
    "io",
    "abc",
    "os",
    "stat",
    "warnings",
    "copyreg",
    "_strptime",
    "linecache",
    "traceback",
    "zipimport",
    "importlib",
    "importlib.util",
    "importlib.machinery",
];

/// Tools the standard library imports only from `help()`, self-tests and `__main__` helpers
/// (`pickle._test` imports doctest, `help()` imports pydoc): followed when the app reaches
/// them, never on the standard library's word alone.
const TOOLS: &[&str] = &[
    "doctest",
    "pdb",
    "pydoc",
    "unittest",
    "webbrowser",
    "http.server",
    "tkinter",
    "turtle",
    "idlelib",
    "lib2to3",
    "ensurepip",
    "test",
];

/// Packages that import their submodules by computed names: kept whole once reached.
const WHOLE: &[&str] = &["encodings", "xml", "dbm"];

/// Python modules that C extension modules import from C, which analysis cannot see.
const BEHIND_EXTENSIONS: &[(&str, &[&str])] = &[
    ("_decimal", &["numbers", "collections", "contextvars"]),
    ("_datetime", &["_strptime"]),
    ("_pickle", &["copyreg", "_compat_pickle"]),
    ("_elementtree", &["xml.etree.ElementPath"]),
    ("_zoneinfo", &["zoneinfo"]),
    ("_curses", &["curses"]),
    ("_json", &["json.decoder"]),
    ("_asyncio", &["asyncio"]),
    ("_sqlite3", &["sqlite3"]),
];

/// Modules the import machinery imports from inside its loaders' methods, on behalf of a
/// public module: `importlib.resources` asks a loader for a reader, and the loader imports
/// `importlib.readers` then.
const BEHIND_LOADERS: &[(&str, &[&str])] = &[("importlib.resources", &["importlib.readers"])];

/// Modules that import others by a name they compute at run time, and the prefix of those
/// names: every stdlib module with that prefix comes with them. `sysconfig` loads the
/// interpreter's build settings from `_sysconfigdata_<abi>_<platform>_<multiarch>`
/// (`zoneinfo` asks it for its search path).
const BY_COMPUTED_NAME: &[(&str, &str)] = &[("sysconfig", "_sysconfigdata_")];

/// A module for the walk to look at in the standard library.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Visit {
    pub name: String,
    /// Asked for by the app or a package it uses, rather than by the standard library.
    pub by_app: bool,
    /// Used by the app (directly or through other modules it uses), so any of its functions
    /// may run and its imports inside functions are followed too. Start-up modules the app
    /// never uses only run their module-level code: `site` imports `rlcompleter` only for an
    /// interactive prompt, `_strptime` reaches `calendar`, whose `main()` imports `argparse`.
    pub used: bool,
}

pub struct StdlibFinder {
    root: PathBuf,
    /// The bundle's target: the branches of platform and version tests it takes.
    env: Environment,
    /// Module name → its file, relative to the standard library's folder.
    by_module: BTreeMap<String, String>,
    /// Top-level names the runtime provides: built-in, standard library (of every platform,
    /// so `import msvcrt` is never taken for a missing package), lib-dynload.
    provided: BTreeSet<String>,
    /// Kept files, and whether their imports inside functions were followed.
    kept: BTreeMap<String, bool>,
    /// Names looked at, and whether as used.
    seen: BTreeMap<String, bool>,
    /// Every top-level name imported by the app or by kept code: extension modules are kept
    /// when their name is here.
    imported_tops: BTreeSet<String>,
    /// Names the app (or a package it uses) asked for.
    by_app: BTreeSet<String>,
    /// Tools the app asked for; their own imports of themselves are then followed.
    tools_in_use: BTreeSet<&'static str>,
}

impl StdlibFinder {
    /// `sources`: the standard library's `.py` files that may be bundled, relative to `root`.
    pub fn new(
        root: PathBuf,
        sources: &[String],
        provided: BTreeSet<String>,
        env: Environment,
    ) -> Self {
        StdlibFinder {
            root,
            env,
            by_module: sources
                .iter()
                .filter_map(|rel| {
                    let name = ModuleName::from_path_by_name(rel)?;
                    Some((name.to_string(), rel.clone()))
                })
                .collect(),
            provided,
            kept: BTreeMap::new(),
            seen: BTreeMap::new(),
            imported_tops: BTreeSet::new(),
            by_app: BTreeSet::new(),
            tools_in_use: BTreeSet::new(),
        }
    }

    /// Does the runtime provide the top-level module of `name`?
    pub fn provides(&self, name: &str) -> bool {
        self.provided.contains(top(name))
    }

    /// The kept `.py` files, relative to the standard library's folder.
    pub fn kept(&self) -> BTreeSet<String> {
        self.kept.keys().cloned().collect()
    }

    /// The standard library's Python modules the runtime has and the bundle leaves out, so a
    /// bundle that lacks one can say why when it is imported (the test suite aside).
    pub fn pruned(&self) -> Vec<String> {
        (self.by_module.iter())
            .filter(|(name, rel)| !self.kept.contains_key(*rel) && top(name) != "test")
            .map(|(name, _)| name.clone())
            .collect()
    }

    /// Is `name` part of a tool (tkinter, unittest, ...) nothing the app uses has reached?
    pub fn is_idle_tool(&self, name: &str) -> bool {
        TOOLS
            .iter()
            .any(|t| is_within(name, t) && !self.tools_in_use.contains(t))
    }

    pub fn imported_tops(&self) -> &BTreeSet<String> {
        &self.imported_tops
    }

    /// Names the app or a package it uses asked for.
    pub fn asked_by_app(&self) -> &BTreeSet<String> {
        &self.by_app
    }

    /// Look at `visit`; returns the visits it leads to.
    pub fn visit(&mut self, visit: Visit) -> Vec<Visit> {
        let Visit { name, by_app, used } = visit;
        if by_app {
            self.by_app.insert(name.clone());
        }
        let tool = TOOLS.iter().find(|t| is_within(&name, t));
        if let Some(tool) = tool {
            if by_app {
                self.tools_in_use.insert(tool);
            } else if !self.tools_in_use.contains(tool) {
                return Vec::new();
            }
        }
        match self.seen.get(&name) {
            Some(&was_used) if was_used || !used => return Vec::new(),
            _ => {
                self.seen.insert(name.clone(), used);
            }
        }
        let next = |n: &str| Visit {
            name: n.to_string(),
            by_app: false,
            used,
        };
        let mut out = Vec::new();
        let top = top(&name).to_string();
        self.imported_tops.insert(top.clone());
        for (ext, implied) in BEHIND_EXTENSIONS {
            if top == *ext {
                out.extend(implied.iter().map(|s| next(s)));
            }
        }
        for (module, implied) in BEHIND_LOADERS {
            if is_within(&name, module) {
                out.extend(implied.iter().map(|s| next(s)));
            }
        }
        for (module, prefix) in BY_COMPUTED_NAME {
            if is_within(&name, module) {
                let computed = self.by_module.range(prefix.to_string()..);
                out.extend(
                    computed
                        .take_while(|(m, _)| m.starts_with(prefix))
                        .map(|(m, _)| next(m)),
                );
            }
        }
        // The module itself (or, for `from pkg import attr`, the nearest module above it) and
        // every parent package; or the whole package where submodules are found by name.
        let mut modules: Vec<String> = Vec::new();
        if WHOLE.contains(&top.as_str()) {
            let prefix = format!("{top}.");
            modules.extend(
                (self.by_module.range(top.clone()..))
                    .take_while(|(m, _)| **m == top || m.starts_with(&prefix))
                    .map(|(m, _)| m.clone()),
            );
        } else {
            let mut at = name.as_str();
            while !self.by_module.contains_key(at) {
                match at.rsplit_once('.') {
                    Some((parent, _)) => at = parent,
                    None => break,
                }
            }
            for prefix in crate::bundle::module_name::prefixes(at) {
                if self.by_module.contains_key(prefix) {
                    modules.push(prefix.to_string());
                }
            }
        }
        for module in modules {
            let rel = self.by_module[&module].clone();
            match self.kept.get(&rel) {
                Some(&followed_all) if followed_all || !used => continue,
                _ => {
                    self.kept.insert(rel.clone(), used);
                }
            }
            let is_package = rel.ends_with("__init__.py");
            if let Ok(bytes) = fs::read(self.root.join(&rel)) {
                let text = String::from_utf8_lossy(&bytes);
                let found = imports::imports(&text, &module, is_package, &self.env);
                out.extend(
                    found
                        .into_iter()
                        .filter(|(_, how)| used || !how.deferred)
                        .map(|(n, _)| next(&n)),
                );
            }
        }
        out
    }
}

impl StdlibFinder {
    /// The finder for `runtime`'s standard library: every `.py` file a bundle may carry (test
    /// suites, IDLE and the like never), and the top-level names the runtime provides.
    pub fn for_runtime(runtime: &Runtime) -> Result<StdlibFinder, Error> {
        Ok(StdlibFinder::new(
            runtime.stdlib.clone(),
            &runtime::stdlib_sources(runtime)?,
            runtime::provided_names(runtime)?,
            Environment::of(runtime.target, &runtime.version),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the finder keeps when driven alone, from the start-up modules, `reached` (used, by
    /// the app) and `present` (module level only).
    struct Kept {
        sources: BTreeSet<String>,
        imported_tops: BTreeSet<String>,
    }

    fn keep(
        root: &std::path::Path,
        sources: &[String],
        reached: &[&str],
        present: &[&str],
    ) -> Kept {
        let env = Environment::of(crate::bundle::target::Target::LinuxX86_64, "3.11.9");
        let mut finder = StdlibFinder::new(root.to_path_buf(), sources, BTreeSet::new(), env);
        let visit = |name: &str, by_app, used| Visit {
            name: name.to_string(),
            by_app,
            used,
        };
        let mut queue: std::collections::VecDeque<Visit> = ALWAYS
            .iter()
            .map(|s| visit(s, false, false))
            .chain(reached.iter().map(|r| visit(r, true, true)))
            .chain(present.iter().map(|p| visit(p, false, false)))
            .collect();
        while let Some(v) = queue.pop_front() {
            queue.extend(finder.visit(v));
        }
        Kept {
            sources: finder.kept(),
            imported_tops: finder.imported_tops().clone(),
        }
    }

    fn tree(files: &[(&str, &str)]) -> (tempfile::TempDir, Vec<String>) {
        let dir = tempfile::tempdir().unwrap();
        for (rel, text) in files {
            let path = dir.path().join(rel);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, text).unwrap();
        }
        (dir, files.iter().map(|(r, _)| r.to_string()).collect())
    }

    #[test]
    fn keeps_what_is_reached_and_drops_the_rest() {
        let (dir, sources) = tree(&[
            ("site.py", "import os\ndef helper():\n    import pydoc\n"),
            ("os.py", "import stat\n"),
            ("stat.py", ""),
            ("pydoc.py", "import email\n"),
            ("json/__init__.py", "from .decoder import x\n"),
            ("json/decoder.py", "import re\n"),
            ("json/tool.py", "import argparse\n"),
            ("re.py", ""),
            ("argparse.py", ""),
            ("email/__init__.py", ""),
            ("decimal.py", "from _decimal import *\n"),
            ("numbers.py", ""),
            ("encodings/__init__.py", ""),
            ("encodings/cp1252.py", ""),
        ]);
        let kept = keep(dir.path(), &sources, &["json"], &[]).sources;
        let expected = [
            "site.py",
            "os.py",
            "stat.py",
            "json/__init__.py",
            "json/decoder.py",
            "re.py",
            "encodings/cp1252.py",
        ];
        for k in expected {
            assert!(kept.contains(k), "{k} dropped: {kept:?}");
        }
        // json.tool is never imported; pydoc only by site's help(), so email neither.
        for k in [
            "json/tool.py",
            "argparse.py",
            "pydoc.py",
            "email/__init__.py",
            "decimal.py",
        ] {
            assert!(!kept.contains(k), "{k} kept: {kept:?}");
        }
        assert!(keep(dir.path(), &sources, &["pydoc"], &[])
            .sources
            .contains("email/__init__.py"));
        let kept = keep(dir.path(), &sources, &["decimal"], &[]);
        assert!(kept.sources.contains("numbers.py"));
        assert!(kept.imported_tops.contains("_decimal"));
    }

    #[test]
    fn modules_of_unreached_package_code_follow_their_module_level_imports() {
        let (dir, sources) = tree(&[
            ("site.py", ""),
            ("colorsys.py", "import math\ndef f():\n    import json\n"),
            ("math.py", ""),
            ("json.py", ""),
            ("unittest/__init__.py", ""),
        ]);
        let kept = keep(dir.path(), &sources, &[], &["colorsys", "unittest"]).sources;
        assert!(
            kept.contains("colorsys.py") && kept.contains("math.py"),
            "{kept:?}"
        );
        assert!(!kept.contains("json.py") && !kept.contains("unittest/__init__.py"));
    }

    #[test]
    fn sysconfig_brings_the_build_settings_it_imports_by_computed_name() {
        let (dir, sources) = tree(&[
            ("site.py", ""),
            ("sysconfig.py", "import os\n"),
            ("os.py", ""),
            (
                "_sysconfigdata__linux_x86_64-linux-gnu.py",
                "build_time_vars = {}\n",
            ),
            (
                "_sysconfigdata__x86_64-linux-gnu.py",
                "build_time_vars = {}\n",
            ),
            ("_sysconfig_other.py", ""),
        ]);
        let data = [
            "_sysconfigdata__linux_x86_64-linux-gnu.py",
            "_sysconfigdata__x86_64-linux-gnu.py",
        ];
        // `from sysconfig import get_config_var` reaches `sysconfig.get_config_var`.
        let kept = keep(dir.path(), &sources, &["sysconfig.get_config_var"], &[]).sources;
        for k in data {
            assert!(kept.contains(k), "{k} dropped: {kept:?}");
        }
        assert!(!kept.contains("_sysconfig_other.py"));
        let kept = keep(dir.path(), &sources, &[], &[]).sources;
        for k in data {
            assert!(!kept.contains(k), "{k} kept without sysconfig: {kept:?}");
        }
    }

    #[test]
    fn start_up_modules_follow_only_their_module_level_imports_until_the_app_uses_them() {
        let (dir, sources) = tree(&[
            ("site.py", "import os\n"),
            (
                "os.py",
                "import stat\ndef popen():\n    import subprocess\n",
            ),
            ("stat.py", ""),
            ("subprocess.py", "import signal\n"),
            ("signal.py", ""),
            (
                "traceback.py",
                "import linecache\ndef caret():\n    import ast\n",
            ),
            ("linecache.py", "def check():\n    import tokenize\n"),
            ("tokenize.py", ""),
            ("ast.py", ""),
            ("importlib/__init__.py", ""),
            ("importlib/readers.py", ""),
            ("importlib/resources/__init__.py", ""),
        ]);
        let kept = |reached: &[&str]| keep(dir.path(), &sources, reached, &[]).sources;
        let idle = kept(&[]);
        for k in ["os.py", "stat.py", "traceback.py", "linecache.py"] {
            assert!(idle.contains(k), "{k} dropped: {idle:?}");
        }
        for k in [
            "subprocess.py",
            "ast.py",
            "tokenize.py",
            "importlib/readers.py",
        ] {
            assert!(!idle.contains(k), "{k} kept: {idle:?}");
        }
        // Used by the app: imports inside functions count, and what they reach is used too.
        let used = kept(&["os", "traceback"]);
        for k in ["subprocess.py", "signal.py", "ast.py", "tokenize.py"] {
            assert!(used.contains(k), "{k} dropped: {used:?}");
        }
        assert!(kept(&["importlib.resources"]).contains("importlib/readers.py"));
    }
}
