//! Which standard-library modules a bundle keeps: those the app (or a package it uses) can
//! reach, plus what the interpreter imports on its own. The walk follows imports through the
//! standard library with the same analysis as the app's, module by module (a module brings its
//! parent packages), and is generous where analysis cannot see: the packages that import
//! submodules by computed names (`encodings` for codecs, `xml` for SAX parsers, `dbm` for its
//! back ends) are kept whole once reached, and the Python modules that C extension modules
//! import behind the scenes come with them. Extension
//! modules in lib-dynload are kept when some kept module (or the app) imports them, which drops
//! `_ssl`/`_hashlib` and their 5 MB of OpenSSL from apps that never touch them.
//!
//! Start-up modules the app never uses only ever run their module-level code, so only their
//! module-level imports are followed; a module the app uses has all its imports followed,
//! inside functions too (`os.popen` imports `subprocess` when called).

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fs;
use std::path::Path;

use crate::analysis;
use crate::excludes::Excludes;

/// Imported by the interpreter itself, whatever the app does: `site` at start, codecs by
/// name, and modules C code imports (time.strptime → _strptime, pickling → copyreg).
const ALWAYS: &[&str] = &[
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

/// What of the standard library an app needs.
pub struct Kept {
    /// `.py` files, relative to the stdlib root.
    pub sources: BTreeSet<String>,
    /// Every top-level name imported by the app or by kept code: extension modules are kept
    /// when their name is here.
    pub imported_tops: BTreeSet<String>,
}

/// One module the walk has to look at.
struct Visit {
    name: String,
    /// Asked for by the app rather than by the standard library.
    by_app: bool,
    /// Used by the app (directly or through other modules it uses), so any of its functions
    /// may run and its imports inside functions are followed too. Start-up modules the app
    /// never uses only run their module-level code: `site` imports `rlcompleter` only for an
    /// interactive prompt, `_strptime` reaches `calendar`, whose `main()` imports `argparse`.
    used: bool,
}

/// What the bundle keeps of `sources` (paths relative to the stdlib root) for an app reaching
/// the dotted names in `reached`, and carrying code that imports those in `present` (code the
/// app was not seen to reach: their module-level imports are followed, as for start-up
/// modules, and tools are not). Excluded modules are not walked into, so what only they
/// import (`ssl`'s `_ssl`) is not reached either.
pub fn keep(
    stdlib: &Path,
    sources: &[String],
    reached: &BTreeSet<String>,
    present: &BTreeSet<String>,
    excluded: &Excludes,
) -> Kept {
    let by_module: BTreeMap<String, &String> = sources
        .iter()
        .map(|rel| (super::module_name(rel), rel))
        .collect();
    // Kept files, and whether their imports inside functions were followed.
    let mut kept: BTreeMap<String, bool> = BTreeMap::new();
    let visit = |name: &str, by_app, used| Visit {
        name: name.to_string(),
        by_app,
        used,
    };
    let mut queue: VecDeque<Visit> = ALWAYS
        .iter()
        .map(|s| visit(s, false, false))
        .chain(reached.iter().map(|r| visit(r, true, true)))
        .chain(present.iter().map(|p| visit(p, false, false)))
        .collect();
    // Names looked at, and whether as used.
    let mut seen: BTreeMap<String, bool> = BTreeMap::new();
    let mut imported_tops: BTreeSet<String> = BTreeSet::new();
    // Tools the app asked for; their own imports of themselves are then followed.
    let mut tools_in_use: BTreeSet<&str> = BTreeSet::new();
    while let Some(Visit { name, by_app, used }) = queue.pop_front() {
        if excluded.contains(&name) {
            continue;
        }
        let tool = TOOLS.iter().find(|t| analysis::is_within(&name, t));
        if let Some(tool) = tool {
            if by_app {
                tools_in_use.insert(tool);
            } else if !tools_in_use.contains(tool) {
                continue;
            }
        }
        match seen.get(&name) {
            Some(&was_used) if was_used || !used => continue,
            _ => {
                seen.insert(name.clone(), used);
            }
        }
        let top = name.split('.').next().unwrap_or(&name).to_string();
        imported_tops.insert(top.clone());
        for (ext, implied) in BEHIND_EXTENSIONS {
            if top == *ext {
                queue.extend(implied.iter().map(|s| visit(s, false, used)));
            }
        }
        for (module, implied) in BEHIND_LOADERS {
            if analysis::is_within(&name, module) {
                queue.extend(implied.iter().map(|s| visit(s, false, used)));
            }
        }
        for (module, prefix) in BY_COMPUTED_NAME {
            if analysis::is_within(&name, module) {
                let computed = by_module.range(prefix.to_string()..);
                queue.extend(
                    computed
                        .take_while(|(m, _)| m.starts_with(prefix))
                        .map(|(m, _)| visit(m, false, used)),
                );
            }
        }
        // The module itself (or, for `from pkg import attr`, the nearest module above it) and
        // every parent package; or the whole package where submodules are found by name.
        let mut modules: Vec<&String> = Vec::new();
        if WHOLE.contains(&top.as_str()) {
            let prefix = format!("{top}.");
            modules.extend(
                by_module
                    .range(top.clone()..)
                    .take_while(|(m, _)| **m == top || m.starts_with(&prefix))
                    .map(|(m, _)| m),
            );
        } else {
            let mut at = name.as_str();
            while !by_module.contains_key(at) {
                match at.rsplit_once('.') {
                    Some((parent, _)) => at = parent,
                    None => break,
                }
            }
            let mut prefix = String::new();
            for part in at.split('.') {
                if !prefix.is_empty() {
                    prefix.push('.');
                }
                prefix.push_str(part);
                if let Some((m, _)) = by_module.get_key_value(&prefix) {
                    modules.push(m);
                }
            }
        }
        for module in modules {
            let rel = by_module[module];
            match kept.get(rel) {
                Some(&followed_all) if followed_all || !used => continue,
                _ => {
                    kept.insert(rel.clone(), used);
                }
            }
            let is_package = rel.ends_with("__init__.py");
            if let Ok(bytes) = fs::read(stdlib.join(rel)) {
                let text = String::from_utf8_lossy(&bytes);
                let found = analysis::imports::imports(&text, module, is_package);
                queue.extend(
                    found
                        .into_iter()
                        .filter(|(_, how)| used || !how.deferred)
                        .map(|(n, _)| visit(&n, false, used)),
                );
            }
        }
    }
    Kept {
        sources: kept.into_keys().collect(),
        imported_tops,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let reached: BTreeSet<String> = ["json".to_string()].into();
        let kept = keep(
            dir.path(),
            &sources,
            &reached,
            &BTreeSet::new(),
            &Excludes::default(),
        )
        .sources;
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
        let reached: BTreeSet<String> = ["pydoc".to_string()].into();
        assert!(keep(
            dir.path(),
            &sources,
            &reached,
            &BTreeSet::new(),
            &Excludes::default()
        )
        .sources
        .contains("email/__init__.py"));
        let reached: BTreeSet<String> = ["decimal".to_string()].into();
        let kept = keep(
            dir.path(),
            &sources,
            &reached,
            &BTreeSet::new(),
            &Excludes::default(),
        );
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
        let present: BTreeSet<String> = ["colorsys".to_string(), "unittest".to_string()].into();
        let kept = keep(
            dir.path(),
            &sources,
            &BTreeSet::new(),
            &present,
            &Excludes::default(),
        )
        .sources;
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
        let reached: BTreeSet<String> = ["sysconfig.get_config_var".to_string()].into();
        let kept = keep(
            dir.path(),
            &sources,
            &reached,
            &BTreeSet::new(),
            &Excludes::default(),
        )
        .sources;
        for k in data {
            assert!(kept.contains(k), "{k} dropped: {kept:?}");
        }
        assert!(!kept.contains("_sysconfig_other.py"));
        let kept = keep(
            dir.path(),
            &sources,
            &BTreeSet::new(),
            &BTreeSet::new(),
            &Excludes::default(),
        )
        .sources;
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
        let kept = |reached: &[&str]| {
            let reached = reached.iter().map(|r| r.to_string()).collect();
            keep(
                dir.path(),
                &sources,
                &reached,
                &BTreeSet::new(),
                &Excludes::default(),
            )
            .sources
        };
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
