//! PyInstaller `.spec` files, read and never run. A spec is Python that builds an
//! `Analysis(...)`, a `PYZ`, an `EXE(...)` and, for one folder, a `COLLECT(...)`; the keyword
//! arguments of those calls are what `pyinstaller` options became. They are read with the
//! Python parser and turned back into `pybundle build` arguments: literals as they are, names
//! bound once at the top of the spec to what they were bound to, `+` of lists, `os.path.join`
//! and `SPECPATH`, and PyInstaller's helpers with a pybundle meaning (`collect_data_files`,
//! `collect_submodules`, `collect_dynamic_libs`, `collect_all`, `copy_metadata`). Every
//! argument that has no pybundle meaning, or is computed some other way, is named in a note.
//! Relative paths are taken from the spec's folder, as PyInstaller takes them.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

use ruff_python_ast::{Expr, Number, Operator, Stmt};

use crate::error::Error;

/// A spec turned into build arguments.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Imported {
    /// `SCRIPT OPTIONS...`, as `pybundle build` takes them (paths absolute).
    pub args: Vec<String>,
    /// One line for each argument not carried over, and why.
    pub notes: Vec<String>,
}

/// What a spec's expression evaluates to, as far as it can be told without running it.
#[derive(Debug, Clone, PartialEq)]
enum Value {
    Str(String),
    List(Vec<Value>),
    Bool(bool),
    Int(i64),
    None,
    /// A PyInstaller helper's result: the pybundle option that does the same, and its value.
    Option(&'static str, String),
    /// `collect_all(PKG)`'s three lists at once.
    CollectAll(String),
    /// Something only running the spec would tell: how it reads.
    Computed(String),
}

/// Read the spec at `path`.
pub fn read(path: &Path) -> Result<Imported, Error> {
    let source = std::fs::read_to_string(path).map_err(|source| Error::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let dir = std::path::absolute(path)
        .ok()
        .and_then(|p| p.parent().map(Path::to_path_buf))
        .unwrap_or_default();
    import(&source, &dir).map_err(|why| Error::BadSpec {
        path: path.to_path_buf(),
        why,
    })
}

/// `source` (a spec in the folder `dir`) as build arguments; `Err` says why it cannot be.
pub fn import(source: &str, dir: &Path) -> Result<Imported, String> {
    let parsed = ruff_python_parser::parse_module(source).map_err(|e| e.to_string())?;
    let mut reader = Reader {
        source,
        dir,
        names: BTreeMap::new(),
        calls: BTreeMap::new(),
    };
    reader.names.insert(
        "SPECPATH".into(),
        Value::Str(dir.to_string_lossy().into_owned()),
    );
    for stmt in &parsed.syntax().body {
        reader.statement(stmt);
    }
    reader.arguments()
}

struct Reader<'a> {
    source: &'a str,
    dir: &'a Path,
    /// Names bound at the top level, to their values.
    names: BTreeMap<String, Value>,
    /// `Analysis`, `EXE`, `COLLECT`...: positional and keyword arguments of each call.
    calls: BTreeMap<String, Call>,
}

/// A build call's positional arguments and keyword arguments, in the spec's order.
type Call = (Vec<Value>, Vec<(String, Value)>);

const BUILD_CALLS: &[&str] = &[
    "Analysis", "PYZ", "EXE", "COLLECT", "BUNDLE", "MERGE", "splash",
];

impl Reader<'_> {
    fn statement(&mut self, stmt: &Stmt) {
        let (targets, value) = match stmt {
            Stmt::Assign(assign) => (assign.targets.as_slice(), &*assign.value),
            Stmt::Expr(expr) => (&[][..], &*expr.value),
            _ => return,
        };
        if let Expr::Call(call) = value {
            if let Expr::Name(name) = &*call.func {
                let func = name.id.as_str();
                if BUILD_CALLS.contains(&func) {
                    let args = call.arguments.args.iter().map(|a| self.value(a)).collect();
                    let keywords = (call.arguments.keywords.iter())
                        .filter_map(|k| {
                            Some((k.arg.as_ref()?.as_str().to_string(), self.value(&k.value)))
                        })
                        .collect();
                    self.calls.insert(func.to_string(), (args, keywords));
                    return;
                }
            }
        }
        let value = self.value(value);
        for target in targets {
            match (target, &value) {
                (Expr::Name(name), _) => {
                    self.names.insert(name.id.to_string(), value.clone());
                }
                // `datas, binaries, hiddenimports = collect_all("pkg")`
                (Expr::Tuple(tuple), Value::CollectAll(package)) => {
                    for (i, elt) in tuple.elts.iter().enumerate() {
                        if let Expr::Name(name) = elt {
                            let part = if i == 0 {
                                Value::CollectAll(package.clone())
                            } else {
                                Value::List(Vec::new())
                            };
                            self.names.insert(name.id.to_string(), part);
                        }
                    }
                }
                _ => {}
            }
        }
    }

    fn text(&self, expr: &Expr) -> String {
        let range = ruff_text_size::Ranged::range(expr);
        self.source
            .get(range.start().to_usize()..range.end().to_usize())
            .unwrap_or("?")
            .to_string()
    }

    fn value(&self, expr: &Expr) -> Value {
        let computed = || Value::Computed(self.text(expr));
        match expr {
            Expr::StringLiteral(lit) => Value::Str(lit.value.to_str().to_string()),
            Expr::BooleanLiteral(lit) => Value::Bool(lit.value),
            Expr::NoneLiteral(_) => Value::None,
            Expr::NumberLiteral(lit) => match &lit.value {
                Number::Int(i) => i.as_i64().map_or_else(computed, Value::Int),
                _ => computed(),
            },
            Expr::List(list) => Value::List(list.elts.iter().map(|e| self.value(e)).collect()),
            Expr::Tuple(tuple) => Value::List(tuple.elts.iter().map(|e| self.value(e)).collect()),
            Expr::Dict(dict) if dict.items.is_empty() => Value::None,
            Expr::Name(name) => self
                .names
                .get(name.id.as_str())
                .cloned()
                .unwrap_or_else(computed),
            Expr::BinOp(op) if op.op == Operator::Add => {
                match (self.value(&op.left), self.value(&op.right)) {
                    (Value::List(mut a), Value::List(b)) => {
                        a.extend(b);
                        Value::List(a)
                    }
                    (Value::Str(a), Value::Str(b)) => Value::Str(a + &b),
                    (a, b) => Value::List(vec![a, b]),
                }
            }
            Expr::Call(call) => {
                let func = self.text(&call.func);
                let args: Vec<Value> = call.arguments.args.iter().map(|a| self.value(a)).collect();
                let first = match args.first() {
                    Some(Value::Str(s)) if call.arguments.keywords.is_empty() => s.clone(),
                    _ if func == "os.path.join" => String::new(),
                    _ => return computed(),
                };
                let option = |flag| Value::Option(flag, first.clone());
                match func.rsplit('.').next().unwrap_or(&func) {
                    "collect_data_files" => option("--collect-data"),
                    "collect_submodules" => option("--collect-submodules"),
                    "collect_dynamic_libs" => option("--collect-binaries"),
                    "copy_metadata" => option("--copy-metadata"),
                    "collect_all" => Value::CollectAll(first),
                    "join" if func == "os.path.join" => {
                        let mut path = PathBuf::new();
                        for arg in args {
                            match arg {
                                Value::Str(part) => path.push(part),
                                _ => return computed(),
                            }
                        }
                        Value::Str(path.to_string_lossy().into_owned())
                    }
                    _ => computed(),
                }
            }
            _ => computed(),
        }
    }

    /// A path the spec names, absolute (relative ones are the spec folder's).
    fn path(&self, text: &str) -> String {
        self.dir.join(text).to_string_lossy().into_owned()
    }

    fn arguments(&self) -> Result<Imported, String> {
        let mut out = Imported::default();
        let Some((analysis_args, analysis)) = self.calls.get("Analysis") else {
            return Err("it has no Analysis(...) call; is it a PyInstaller spec?".into());
        };
        let scripts = match analysis_args.first() {
            Some(Value::List(items)) => items.clone(),
            Some(Value::Str(s)) => vec![Value::Str(s.clone())],
            _ => Vec::new(),
        };
        let Some(Value::Str(script)) = scripts.first() else {
            return Err("its Analysis(...) names no script as a literal".into());
        };
        out.args.push(self.path(script));
        if scripts.len() > 1 {
            out.notes.push(format!(
                "Analysis: only the first script, {script}, is bundled (pybundle runs one main script)"
            ));
        }
        for (key, value) in analysis {
            self.analysis_argument(key, value, &mut out);
        }
        let (_, exe) = self.calls.get("EXE").cloned().unwrap_or_default();
        let collect = self.calls.get("COLLECT");
        // One folder when a COLLECT gathers the EXE's binaries; one file otherwise.
        out.args
            .push(if collect.is_some() { "-D" } else { "-F" }.into());
        for (key, value) in &exe {
            self.exe_argument(key, value, &mut out, collect.is_some());
        }
        if let Some((_, keywords)) = collect {
            for (key, value) in keywords {
                match (key.as_str(), value) {
                    ("name", Value::Str(name)) => out.args.extend(["--name".into(), name.clone()]),
                    ("strip", Value::Bool(_)) | ("upx", _) | ("upx_exclude", _) => {}
                    _ => note(
                        &mut out,
                        "COLLECT",
                        key,
                        value,
                        "pybundle has no such setting",
                    ),
                }
            }
        }
        for other in ["BUNDLE", "MERGE", "splash"] {
            if self.calls.contains_key(other) {
                out.notes.push(format!("{other}(...) is not carried over: pybundle has no macOS app bundles, multipackage builds or splash screens"));
            }
        }
        Ok(out)
    }

    fn analysis_argument(&self, key: &str, value: &Value, out: &mut Imported) {
        let mut each = |flag: &str, f: &dyn Fn(&str) -> String| {
            for item in strings_or_options(value, out, key) {
                out.args.extend([flag.to_string(), f(&item)]);
            }
        };
        match key {
            "pathex" => each("--paths", &|p| self.path(p)),
            "hiddenimports" => each("--hidden-import", &|m| m.to_string()),
            "excludes" => each("--exclude-module", &|m| m.to_string()),
            "hookspath" => each("--additional-hooks-dir", &|p| self.path(p)),
            "runtime_hooks" => each("--runtime-hook", &|p| self.path(p)),
            "datas" | "binaries" => {
                let flag = if key == "datas" {
                    "--add-data"
                } else {
                    "--add-binary"
                };
                for item in flatten(value, true) {
                    match item {
                        Value::List(pair) => match pair.as_slice() {
                            [Value::Str(src), Value::Str(dest)] => out
                                .args
                                .extend([flag.into(), format!("{}:{dest}", self.path(src))]),
                            _ => note(
                                out,
                                "Analysis",
                                key,
                                &Value::List(pair.clone()),
                                "not a (source, destination) pair of strings",
                            ),
                        },
                        Value::Option(option, package) => {
                            out.args.extend([option.to_string(), package])
                        }
                        Value::CollectAll(package) => {
                            out.args.extend(["--collect-all".into(), package])
                        }
                        other => note(out, "Analysis", key, &other, "computed"),
                    }
                }
            }
            "optimize" => match value {
                Value::Int(n) if (0..=2).contains(n) => {
                    out.args.extend(["--optimize".into(), n.to_string()])
                }
                Value::Int(-1) | Value::None => {}
                other => note(out, "Analysis", key, other, "not 0, 1 or 2"),
            },
            "noarchive" | "win_no_prefer_redirects" | "win_private_assemblies" | "cipher" => {}
            _ => note(out, "Analysis", key, value, "pybundle has no such setting"),
        }
    }

    fn exe_argument(&self, key: &str, value: &Value, out: &mut Imported, onedir: bool) {
        let flag = |out: &mut Imported, on: bool, name: &str| {
            if on {
                out.args.push(name.into());
            }
        };
        match (key, value) {
            // In one folder the COLLECT's name is the folder's; the executable's is the same
            // in every spec pyi-makespec writes.
            ("name", Value::Str(name)) if !onedir => {
                out.args.extend(["--name".into(), name.clone()])
            }
            ("name", _) | ("exclude_binaries", _) | ("upx", _) | ("upx_exclude", _) => {}
            ("console", Value::Bool(console)) => flag(out, !console, "--windowed"),
            ("strip", Value::Bool(on)) => flag(out, *on, "--strip"),
            ("debug", Value::Bool(on)) => {
                if *on {
                    out.args.extend(["--debug".into(), "bootloader".into()]);
                }
            }
            ("bootloader_ignore_signals", Value::Bool(on)) => {
                flag(out, *on, "--bootloader-ignore-signals")
            }
            ("uac_admin", Value::Bool(on)) => flag(out, *on, "--uac-admin"),
            ("uac_uiaccess", Value::Bool(on)) => flag(out, *on, "--uac-uiaccess"),
            ("runtime_tmpdir", Value::Str(dir)) => {
                out.args.extend(["--runtime-tmpdir".into(), dir.clone()])
            }
            ("runtime_tmpdir", Value::None)
            | ("disable_windowed_traceback", Value::Bool(false)) => {}
            ("contents_directory", Value::Str(dir)) => out
                .args
                .extend(["--contents-directory".into(), dir.clone()]),
            ("version", Value::Str(file)) => {
                out.args.extend(["--version-file".into(), self.path(file)])
            }
            ("manifest", Value::Str(xml)) => {
                let xml = if xml.trim_start().starts_with('<') {
                    xml.clone()
                } else {
                    self.path(xml)
                };
                out.args.extend(["--manifest".into(), xml]);
            }
            ("icon", _) => match flatten(value, false).first() {
                Some(Value::Str(icon)) if icon != "NONE" => {
                    out.args.extend(["--icon".into(), self.path(icon)])
                }
                Some(Value::Str(_)) => {}
                _ => note(out, "EXE", key, value, "computed"),
            },
            ("argv_emulation" | "target_arch" | "codesign_identity" | "entitlements_file", _) => {
                if !matches!(value, Value::None | Value::Bool(false)) {
                    note(out, "EXE", key, value, "macOS only");
                }
            }
            (_, Value::Computed(_)) => note(out, "EXE", key, value, "computed"),
            _ => note(out, "EXE", key, value, "pybundle has no such setting"),
        }
    }
}

/// `value`'s items, lists inside lists taken apart (`datas + more`); with `pairs`, a list of
/// two strings is a `(source, destination)` pair and stays whole.
fn flatten(value: &Value, pairs: bool) -> Vec<Value> {
    match value {
        Value::List(items)
            if pairs && items.len() == 2 && items.iter().all(|i| matches!(i, Value::Str(_))) =>
        {
            vec![value.clone()]
        }
        Value::List(items) => items.iter().flat_map(|i| flatten(i, pairs)).collect(),
        other => vec![other.clone()],
    }
}

/// The strings of a list of names or paths; helpers' results and anything computed noted.
fn strings_or_options(value: &Value, out: &mut Imported, key: &str) -> Vec<String> {
    let mut strings = Vec::new();
    for item in flatten(value, false) {
        match item {
            Value::Str(s) => strings.push(s),
            Value::Option(option, package) => out.args.extend([option.to_string(), package]),
            Value::CollectAll(package) => out.args.extend(["--collect-all".into(), package]),
            Value::None => {}
            other => note(out, "Analysis", key, &other, "computed"),
        }
    }
    strings
}

fn note(out: &mut Imported, call: &str, key: &str, value: &Value, why: &str) {
    // Nothing said (None, False, an empty list or dict): nothing lost.
    if matches!(value, Value::None | Value::Bool(false)) || *value == Value::List(Vec::new()) {
        return;
    }
    let shown = match value {
        Value::Computed(text) => text.clone(),
        Value::Str(s) => format!("{s:?}"),
        Value::Bool(b) => if *b { "True" } else { "False" }.into(),
        Value::Int(n) => n.to_string(),
        Value::None => "None".into(),
        _ => "...".into(),
    };
    out.notes
        .push(format!("{call}({key}={shown}) is not carried over: {why}"));
}

/// `pybundle build X.spec ...`: the command line with the spec's arguments in place of its
/// path (so options typed after it win), and the spec's notes.
pub fn expand(args: Vec<OsString>) -> Result<(Vec<OsString>, Vec<String>), Error> {
    let is_build = args.get(1).is_some_and(|a| a == "build");
    let at = args
        .iter()
        .enumerate()
        .skip(2)
        .find(|(_, a)| Path::new(a).extension().is_some_and(|e| e == "spec"))
        .map(|(i, _)| i);
    let (true, Some(at)) = (is_build, at) else {
        return Ok((args, Vec::new()));
    };
    let imported = read(Path::new(&args[at]))?;
    let mut out: Vec<OsString> = args[..at].to_vec();
    out.extend(imported.args.into_iter().map(OsString::from));
    out.extend(args[at + 1..].iter().cloned());
    Ok((out, imported.notes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_spec_pyi_makespec_writes_maps_to_its_options() {
        let spec = r#"# -*- mode: python ; coding: utf-8 -*-


a = Analysis(
    ['app.py'],
    pathex=[],
    binaries=[],
    datas=[('config.json', '.'), ('assets', 'assets')],
    hiddenimports=['plugins.extra'],
    hookspath=[],
    hooksconfig={},
    runtime_hooks=[],
    excludes=['tkinter'],
    noarchive=False,
    optimize=0,
)
pyz = PYZ(a.pure)

exe = EXE(
    pyz,
    a.scripts,
    a.binaries,
    a.datas,
    [],
    name='app',
    debug=False,
    bootloader_ignore_signals=False,
    strip=False,
    upx=True,
    upx_exclude=[],
    runtime_tmpdir=None,
    console=False,
    disable_windowed_traceback=False,
    argv_emulation=False,
    target_arch=None,
    codesign_identity=None,
    entitlements_file=None,
    icon=['app.ico'],
)
"#;
        let got = import(spec, Path::new("/p")).unwrap();
        assert_eq!(
            got.args,
            [
                "/p/app.py",
                "--add-data",
                "/p/config.json:.",
                "--add-data",
                "/p/assets:assets",
                "--hidden-import",
                "plugins.extra",
                "--exclude-module",
                "tkinter",
                "--optimize",
                "0",
                "-F",
                "--name",
                "app",
                "--windowed",
                "--icon",
                "/p/app.ico",
            ]
        );
        assert!(got.notes.is_empty(), "{:?}", got.notes);
    }

    #[test]
    fn computed_values_are_followed_where_they_can_be_and_named_where_not() {
        let spec = r#"
import os
from PyInstaller.utils.hooks import collect_data_files, collect_all, copy_metadata
extra = [('notes.txt', 'docs')]
datas, binaries, hiddenimports = collect_all('rich')
datas += []
a = Analysis([os.path.join(SPECPATH, 'src', 'main.py')],
             datas=extra + collect_data_files('certifi') + copy_metadata('requests') + datas,
             hiddenimports=hiddenimports + ['x.y'],
             pathex=[os.getcwd()])
exe = EXE(PYZ(a.pure), a.scripts, exclude_binaries=True, name='tool', console=True)
coll = COLLECT(exe, a.binaries, a.datas, name='tool', upx=True)
"#;
        let got = import(spec, Path::new("/p")).unwrap();
        assert_eq!(
            got.args,
            [
                "/p/src/main.py",
                "--add-data",
                "/p/notes.txt:docs",
                "--collect-data",
                "certifi",
                "--copy-metadata",
                "requests",
                "--collect-all",
                "rich",
                "--hidden-import",
                "x.y",
                "-D",
                "--name",
                "tool",
            ]
        );
        assert_eq!(
            got.notes,
            ["Analysis(pathex=os.getcwd()) is not carried over: computed"]
        );
    }

    #[test]
    fn a_file_that_is_not_a_spec_is_refused_with_the_reason() {
        assert!(import("print(1)\n", Path::new("/p"))
            .unwrap_err()
            .contains("Analysis"));
        assert!(import("a = (\n", Path::new("/p")).is_err());
    }
}
