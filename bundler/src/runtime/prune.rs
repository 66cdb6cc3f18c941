//! Which standard-library modules a bundle keeps: those the app (or a package it uses) can
//! reach, plus what the interpreter imports on its own. The walk follows imports through the
//! standard library with the same analysis as the app's, module by module (a module brings its
//! parent packages), and is generous where analysis cannot see: the packages that import
//! submodules by computed names (`encodings` for codecs, `xml` for SAX parsers, `dbm` for its
//! back ends) are kept whole once reached, and the Python modules that C extension modules
//! import behind the scenes come with them. Extension
//! modules in lib-dynload are kept when some kept module (or the app) imports them, which drops
//! `_ssl`/`_hashlib` and their 5 MB of OpenSSL from apps that never touch them.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fs;
use std::path::Path;

use crate::analysis;

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

/// What of the standard library an app needs.
pub struct Kept {
    /// `.py` files, relative to the stdlib root.
    pub sources: BTreeSet<String>,
    /// Every top-level name imported by the app or by kept code: extension modules are kept
    /// when their name is here.
    pub imported_tops: BTreeSet<String>,
}

/// What the bundle keeps of `sources` (paths relative to the stdlib root) for an app reaching
/// the dotted names in `reached`.
pub fn keep(stdlib: &Path, sources: &[String], reached: &BTreeSet<String>) -> Kept {
    let by_module: BTreeMap<String, &String> = sources
        .iter()
        .map(|rel| (super::module_name(rel), rel))
        .collect();
    let mut kept: BTreeSet<String> = BTreeSet::new();
    // (name, asked for by the app rather than by the standard library)
    let mut queue: VecDeque<(String, bool)> = ALWAYS
        .iter()
        .map(|s| (s.to_string(), false))
        .chain(reached.iter().map(|r| (r.clone(), true)))
        .collect();
    let mut seen: BTreeSet<String> = BTreeSet::new();
    let mut imported_tops: BTreeSet<String> = BTreeSet::new();
    // Tools the app asked for; their own imports of themselves are then followed.
    let mut tools_in_use: BTreeSet<&str> = BTreeSet::new();
    while let Some((name, by_app)) = queue.pop_front() {
        let tool = TOOLS
            .iter()
            .find(|t| name == **t || name.strip_prefix(**t).is_some_and(|r| r.starts_with('.')));
        if let Some(tool) = tool {
            if by_app {
                tools_in_use.insert(tool);
            } else if !tools_in_use.contains(tool) {
                continue;
            }
        }
        if !seen.insert(name.clone()) {
            continue;
        }
        let top = name.split('.').next().unwrap_or(&name).to_string();
        imported_tops.insert(top.clone());
        for (ext, implied) in BEHIND_EXTENSIONS {
            if top == *ext {
                queue.extend(implied.iter().map(|s| (s.to_string(), false)));
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
            if !kept.insert(rel.clone()) {
                continue;
            }
            let is_package = rel.ends_with("__init__.py");
            if let Ok(bytes) = fs::read(stdlib.join(rel)) {
                let text = String::from_utf8_lossy(&bytes);
                let found = analysis::imports::imports(&text, module, is_package);
                queue.extend(found.into_keys().map(|n| (n, false)));
            }
        }
    }
    Kept {
        sources: kept,
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
        let kept = keep(dir.path(), &sources, &reached).sources;
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
        assert!(keep(dir.path(), &sources, &reached)
            .sources
            .contains("email/__init__.py"));
        let reached: BTreeSet<String> = ["decimal".to_string()].into();
        let kept = keep(dir.path(), &sources, &reached);
        assert!(kept.sources.contains("numbers.py"));
        assert!(kept.imported_tops.contains("_decimal"));
    }
}
