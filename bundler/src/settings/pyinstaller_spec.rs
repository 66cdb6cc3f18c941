//! PyInstaller `.spec` files, read and never run. A spec is Python that builds an
//! `Analysis(...)`, a `PYZ`, an `EXE(...)` and, for one folder, a `COLLECT(...)`; the keyword
//! arguments of those calls are what `pyinstaller` options became. They are read with the
//! Python parser and turned back into `pybundle build` arguments: literals as they are, names
//! bound at the top of the spec to what they were bound to (`=`, `+=`, `a.datas +=`), `+` of
//! lists, `os.path.join` and `SPECPATH`, `for` loops over a literal list, comprehensions over
//! a helper's result, and PyInstaller's helpers with a pybundle meaning (`collect_data_files`,
//! `collect_submodules`, `collect_dynamic_libs`, `collect_all` and its result's parts,
//! `copy_metadata`, `Tree`). Every statement or argument that has no pybundle meaning, or is
//! computed some other way, is a warning naming its line: nothing is dropped in silence.
//! Relative paths are taken from the spec's folder, as PyInstaller takes them.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

use ruff_python_ast::{Expr, Number, Operator, Stmt};
use ruff_text_size::Ranged;

use crate::error::Error;

/// A spec turned into build arguments.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Imported {
    /// `SCRIPT OPTIONS...`, as `pybundle build` takes them (paths absolute).
    pub args: Vec<String>,
    /// What was not carried over, and why: the spec's line, and one sentence.
    pub warnings: Vec<(usize, String)>,
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
    /// `collect_all(PKG)`'s three lists at once (or any one of them: each is the package).
    CollectAll(String),
    /// The `Analysis` object, whose attributes (`a.datas`) stand for its arguments.
    Analysis,
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
        warnings: RefCell::new(Vec::new()),
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
    /// `Analysis`, `EXE`, `COLLECT`...: positional and keyword arguments of each call, and
    /// the line of each keyword.
    calls: BTreeMap<String, Call>,
    /// What could not be carried over, by line.
    warnings: RefCell<Vec<(usize, String)>>,
}

/// A build call's line, positional arguments, and keyword arguments with their lines, in the
/// spec's order.
#[derive(Debug, Clone, Default)]
struct Call {
    line: usize,
    args: Vec<Value>,
    keywords: Vec<(String, Value, usize)>,
}

const BUILD_CALLS: &[&str] = &[
    "Analysis", "PYZ", "EXE", "COLLECT", "BUNDLE", "MERGE", "Splash",
];

/// The Analysis arguments `a.NAME += ...` adds to.
const ANALYSIS_LISTS: &[&str] = &["datas", "binaries", "hiddenimports", "pathex"];

impl Reader<'_> {
    fn line(&self, node: &impl Ranged) -> usize {
        let at = node.range().start().to_usize().min(self.source.len());
        1 + self.source[..at].matches('\n').count()
    }

    fn warn(&self, line: usize, text: String) {
        let mut warnings = self.warnings.borrow_mut();
        if !warnings.iter().any(|(l, t)| *l == line && *t == text) {
            warnings.push((line, text));
        }
    }

    /// A statement pybundle cannot read: named, with its first line.
    fn not_read(&self, stmt: &Stmt) {
        let text = self.text(stmt);
        let first = text.lines().next().unwrap_or_default().trim();
        self.warn(
            self.line(stmt),
            format!("`{first}` is not carried over: pybundle reads a spec without running it; say what it does with options (docs/migrating-from-pyinstaller.md)"),
        );
    }

    fn statement(&mut self, stmt: &Stmt) {
        match stmt {
            Stmt::Import(_) | Stmt::ImportFrom(_) | Stmt::Pass(_) => {}
            Stmt::Assign(assign) => self.assign(&assign.targets, &assign.value),
            Stmt::AugAssign(aug) if aug.op == Operator::Add => {
                let added = self.value(&aug.value);
                match &*aug.target {
                    Expr::Name(name) => {
                        let before = (self.names.get(name.id.as_str()).cloned())
                            .unwrap_or_else(|| Value::Computed(name.id.to_string()));
                        self.names
                            .insert(name.id.to_string(), concat(before, added));
                    }
                    // `a.datas += Tree(...)`: more of the Analysis' argument.
                    Expr::Attribute(attr)
                        if self.is_analysis(&attr.value)
                            && ANALYSIS_LISTS.contains(&attr.attr.as_str()) =>
                    {
                        let line = self.line(stmt);
                        let key = attr.attr.as_str().to_string();
                        if let Some(call) = self.calls.get_mut("Analysis") {
                            match call.keywords.iter_mut().find(|(k, ..)| *k == key) {
                                Some((_, value, _)) => {
                                    *value = concat(value.clone(), added);
                                }
                                None => call.keywords.push((key, added, line)),
                            }
                        } else {
                            self.not_read(stmt);
                        }
                    }
                    _ => self.not_read(stmt),
                }
            }
            Stmt::Expr(expr) => match &*expr.value {
                Expr::Call(_) => self.assign(&[], &expr.value),
                // A docstring, or `...`.
                Expr::StringLiteral(_) | Expr::EllipsisLiteral(_) => {}
                _ => self.not_read(stmt),
            },
            // `for pkg in ['a', 'b']: ...`: the body once per item.
            Stmt::For(each) if each.orelse.is_empty() => {
                let (Expr::Name(name), Value::List(items)) =
                    (&*each.target, self.value(&each.iter))
                else {
                    return self.not_read(stmt);
                };
                let before = self.names.get(name.id.as_str()).cloned();
                for item in items {
                    self.names.insert(name.id.to_string(), item);
                    for inner in &each.body {
                        self.statement(inner);
                    }
                }
                match before {
                    Some(value) => self.names.insert(name.id.to_string(), value),
                    None => self.names.remove(name.id.as_str()),
                };
            }
            _ => self.not_read(stmt),
        }
    }

    /// `targets = value` (no targets: a call standing alone).
    fn assign(&mut self, targets: &[Expr], value: &Expr) {
        if let Expr::Call(call) = value {
            if let Expr::Name(name) = &*call.func {
                let func = name.id.as_str();
                if BUILD_CALLS.contains(&func) {
                    let args = call.arguments.args.iter().map(|a| self.value(a)).collect();
                    let keywords = (call.arguments.keywords.iter())
                        .filter_map(|k| {
                            let key = k.arg.as_ref()?.as_str().to_string();
                            Some((key, self.value(&k.value), self.line(k)))
                        })
                        .collect();
                    let line = self.line(call);
                    self.calls.insert(
                        func.to_string(),
                        Call {
                            line,
                            args,
                            keywords,
                        },
                    );
                    if func == "Analysis" {
                        for target in targets {
                            if let Expr::Name(name) = target {
                                self.names.insert(name.id.to_string(), Value::Analysis);
                            }
                        }
                    }
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
                    for elt in &tuple.elts {
                        if let Expr::Name(name) = elt {
                            self.names
                                .insert(name.id.to_string(), Value::CollectAll(package.clone()));
                        }
                    }
                }
                (Expr::Tuple(tuple), Value::List(items)) if tuple.elts.len() == items.len() => {
                    for (elt, item) in tuple.elts.iter().zip(items) {
                        if let Expr::Name(name) = elt {
                            self.names.insert(name.id.to_string(), item.clone());
                        }
                    }
                }
                _ => self.warn(
                    self.line(target),
                    format!(
                        "`{} = ...` is not carried over: pybundle reads a spec without running it",
                        self.text(target)
                    ),
                ),
            }
        }
    }

    fn is_analysis(&self, expr: &Expr) -> bool {
        matches!(expr, Expr::Name(name) if self.names.get(name.id.as_str()) == Some(&Value::Analysis))
    }

    fn text(&self, node: &impl Ranged) -> String {
        let range = node.range();
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
            // `tmp_ret[0]`: a part of collect_all's result is the package.
            Expr::Subscript(sub) => match self.value(&sub.value) {
                Value::CollectAll(package) => Value::CollectAll(package),
                _ => computed(),
            },
            // `a.datas`: what the Analysis was given.
            Expr::Attribute(attr) if self.is_analysis(&attr.value) => {
                let given = (self.calls.get("Analysis"))
                    .and_then(|c| c.keywords.iter().find(|(k, ..)| k == attr.attr.as_str()));
                match given {
                    Some((_, value, _)) => value.clone(),
                    None => Value::List(Vec::new()),
                }
            }
            // `[m for m in collect_submodules('pkg') if ...]`: the helper's result, whole.
            Expr::ListComp(comp) => {
                let [generator] = comp.generators.as_slice() else {
                    return computed();
                };
                let same = matches!((&*comp.elt, &generator.target), (Expr::Name(a), Expr::Name(b)) if a.id == b.id);
                let source = self.value(&generator.iter);
                if !same || !matches!(source, Value::Option(..) | Value::CollectAll(_)) {
                    return computed();
                }
                for condition in &generator.ifs {
                    self.warn(
                        self.line(condition),
                        format!(
                            "the condition `{}` is not applied: all of `{}` is bundled",
                            self.text(condition),
                            self.text(&generator.iter)
                        ),
                    );
                }
                source
            }
            Expr::BinOp(op) if op.op == Operator::Add => {
                concat(self.value(&op.left), self.value(&op.right))
            }
            Expr::Call(call) => self.call(expr, call),
            _ => computed(),
        }
    }

    /// A call in a value: PyInstaller's helpers and `os.path.join`.
    fn call(&self, expr: &Expr, call: &ruff_python_ast::ExprCall) -> Value {
        let computed = || Value::Computed(self.text(expr));
        let func = self.text(&*call.func);
        let args: Vec<Value> = call.arguments.args.iter().map(|a| self.value(a)).collect();
        let keyword = |name: &str| {
            (call.arguments.keywords.iter())
                .find(|k| k.arg.as_ref().is_some_and(|a| a.as_str() == name))
                .map(|k| self.value(&k.value))
        };
        let short = func.rsplit('.').next().unwrap_or(&func);
        if func == "os.path.join" {
            let mut path = PathBuf::new();
            for arg in args {
                match arg {
                    Value::Str(part) => path.push(part),
                    _ => return computed(),
                }
            }
            return Value::Str(path.to_string_lossy().into_owned());
        }
        // The package, as the first argument or `package=`.
        let first = match args.first().cloned().or_else(|| keyword("package")) {
            Some(Value::Str(s)) => s,
            _ => return computed(),
        };
        // Keyword arguments that narrow what a helper collects are not applied: say so.
        let narrowed = |known: &[&str]| {
            for k in &call.arguments.keywords {
                let Some(arg) = k.arg.as_ref().map(|a| a.as_str()) else {
                    continue;
                };
                if !known.contains(&arg)
                    && !matches!(self.value(&k.value), Value::None | Value::Bool(false))
                {
                    self.warn(
                        self.line(k),
                        format!(
                            "{short}(..., {}) is not applied: pybundle takes the whole of {first}",
                            self.text(k)
                        ),
                    );
                }
            }
        };
        let option = |flag| Value::Option(flag, first.clone());
        match short {
            "collect_data_files" => {
                narrowed(&["package"]);
                option("--collect-data")
            }
            "collect_submodules" => {
                narrowed(&["package"]);
                option("--collect-submodules")
            }
            "collect_dynamic_libs" => {
                narrowed(&["package"]);
                option("--collect-binaries")
            }
            "copy_metadata" => {
                narrowed(&["package", "recursive"]);
                if keyword("recursive") == Some(Value::Bool(true)) {
                    option("--recursive-copy-metadata")
                } else {
                    option("--copy-metadata")
                }
            }
            "collect_all" => {
                narrowed(&["package"]);
                Value::CollectAll(first)
            }
            // `Tree('assets', prefix='assets')`: a folder at a place in the bundle.
            "Tree" => {
                narrowed(&["prefix", "typecode"]);
                let prefix = match keyword("prefix").or_else(|| args.get(1).cloned()) {
                    Some(Value::Str(prefix)) => prefix,
                    None | Some(Value::None) => ".".into(),
                    _ => return computed(),
                };
                Value::Option("--add-data", format!("{}:{prefix}", self.path(&first)))
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
        let Some(analysis) = self.calls.get("Analysis") else {
            return Err("it has no Analysis(...) call; is it a PyInstaller spec?".into());
        };
        let scripts = match analysis.args.first() {
            Some(Value::List(items)) => items.clone(),
            Some(Value::Str(s)) => vec![Value::Str(s.clone())],
            _ => Vec::new(),
        };
        let Some(Value::Str(script)) = scripts.first() else {
            return Err("its Analysis(...) names no script as a literal".into());
        };
        out.args.push(self.path(script));
        if scripts.len() > 1 {
            self.warn(
                analysis.line,
                format!("Analysis: only the first script, {script}, is bundled (pybundle runs one main script)"),
            );
        }
        for (key, value, line) in &analysis.keywords {
            self.analysis_argument(key, value, *line, &mut out);
        }
        let exe = self.calls.get("EXE").cloned().unwrap_or_default();
        let collect = self.calls.get("COLLECT");
        // One folder when a COLLECT gathers the EXE's binaries; one file otherwise.
        out.args
            .push(if collect.is_some() { "-D" } else { "-F" }.into());
        for (key, value, line) in &exe.keywords {
            self.exe_argument(key, value, *line, &mut out, collect.is_some());
        }
        if let Some(collect) = collect {
            for (key, value, line) in &collect.keywords {
                match (key.as_str(), value) {
                    ("name", Value::Str(name)) => out.args.extend(["--name".into(), name.clone()]),
                    ("strip", Value::Bool(_)) | ("upx", _) | ("upx_exclude", _) => {}
                    _ => self.note(*line, "COLLECT", key, value, "pybundle has no such setting"),
                }
            }
        }
        if let Some(bundle) = self.calls.get("BUNDLE") {
            for (key, value, line) in &bundle.keywords {
                match (key.as_str(), value) {
                    ("bundle_identifier", Value::Str(id)) => out
                        .args
                        .extend(["--osx-bundle-identifier".into(), id.clone()]),
                    ("icon", Value::Str(icon)) if icon != "NONE" => {
                        out.args.extend(["--icon".into(), self.path(icon)])
                    }
                    ("name", _) | ("icon", _) | ("bundle_identifier", Value::None) => {}
                    ("version", _) => self.note(
                        *line,
                        "BUNDLE",
                        key,
                        value,
                        "the version is [project].version",
                    ),
                    ("info_plist", _) => self.note(
                        *line,
                        "BUNDLE",
                        key,
                        value,
                        "pybundle writes Info.plist's keys itself (docs/macos.md)",
                    ),
                    _ => self.note(*line, "BUNDLE", key, value, "pybundle has no such setting"),
                }
            }
        }
        for (other, why) in [
            ("MERGE", "pybundle has no multipackage builds"),
            (
                "Splash",
                "pybundle shows no splash screen (a bundle starts in about the time python does)",
            ),
        ] {
            if let Some(call) = self.calls.get(other) {
                self.warn(
                    call.line,
                    format!("{other}(...) is not carried over: {why}"),
                );
            }
        }
        dedup_options(&mut out.args);
        let mut warnings = self.warnings.borrow().clone();
        warnings.sort();
        out.warnings = warnings;
        Ok(out)
    }

    fn analysis_argument(&self, key: &str, value: &Value, line: usize, out: &mut Imported) {
        let mut each = |flag: &str, f: &dyn Fn(&str) -> String| {
            for item in self.strings_or_options(value, line, out, key) {
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
                            _ => self.note(
                                line,
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
                        other => self.note(line, "Analysis", key, &other, "computed"),
                    }
                }
            }
            "optimize" => match value {
                Value::Int(n) if (0..=2).contains(n) => {
                    out.args.extend(["--optimize".into(), n.to_string()])
                }
                Value::Int(-1) | Value::None => {}
                other => self.note(line, "Analysis", key, other, "not 0, 1 or 2"),
            },
            "noarchive" | "win_no_prefer_redirects" | "win_private_assemblies" | "cipher" => {}
            _ => self.note(line, "Analysis", key, value, "pybundle has no such setting"),
        }
    }

    fn exe_argument(
        &self,
        key: &str,
        value: &Value,
        line: usize,
        out: &mut Imported,
        onedir: bool,
    ) {
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
                _ => self.note(line, "EXE", key, value, "computed"),
            },
            ("entitlements_file", Value::Str(file)) => out
                .args
                .extend(["--osx-entitlements-file".into(), self.path(file)]),
            ("codesign_identity", Value::Str(_)) => self.note(
                line,
                "EXE",
                key,
                value,
                "pybundle signs with a certificate's .p12 file, not a keychain identity: pass --codesign-identity FILE.p12",
            ),
            ("target_arch", Value::Str(arch)) => {
                out.args.extend(["--target-arch".into(), arch.clone()])
            }
            ("argv_emulation" | "target_arch" | "codesign_identity" | "entitlements_file", _) => {
                if !matches!(value, Value::None | Value::Bool(false)) {
                    self.note(line, "EXE", key, value, "changes nothing in a pybundle build");
                }
            }
            (_, Value::Computed(_)) => self.note(line, "EXE", key, value, "computed"),
            _ => self.note(line, "EXE", key, value, "pybundle has no such setting"),
        }
    }

    /// The strings of a list of names or paths; helpers' results become their options, and
    /// anything computed is a warning.
    fn strings_or_options(
        &self,
        value: &Value,
        line: usize,
        out: &mut Imported,
        key: &str,
    ) -> Vec<String> {
        let mut strings = Vec::new();
        for item in flatten(value, false) {
            match item {
                Value::Str(s) => strings.push(s),
                Value::Option(option, package) => out.args.extend([option.to_string(), package]),
                Value::CollectAll(package) => out.args.extend(["--collect-all".into(), package]),
                Value::None => {}
                other => self.note(line, "Analysis", key, &other, "computed"),
            }
        }
        strings
    }

    fn note(&self, line: usize, call: &str, key: &str, value: &Value, why: &str) {
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
        self.warn(
            line,
            format!("{call}({key}={shown}) is not carried over: {why}"),
        );
    }
}

/// `a + b` of two values: lists joined, strings joined, anything else side by side.
fn concat(a: Value, b: Value) -> Value {
    match (a, b) {
        (Value::List(mut a), Value::List(b)) => {
            a.extend(b);
            Value::List(a)
        }
        (Value::Str(a), Value::Str(b)) => Value::Str(a + &b),
        (Value::List(mut a), b) => {
            a.push(b);
            Value::List(a)
        }
        (a, b) => Value::List(vec![a, b]),
    }
}

/// Options given twice with the same value (`collect_all`'s three parts) given once.
fn dedup_options(args: &mut Vec<String>) {
    let mut seen = std::collections::BTreeSet::new();
    let mut out = Vec::with_capacity(args.len());
    let mut i = 0;
    while i < args.len() {
        let is_pair =
            args[i].starts_with("--") && i + 1 < args.len() && !args[i + 1].starts_with('-');
        if is_pair {
            if seen.insert((args[i].clone(), args[i + 1].clone())) {
                out.extend([args[i].clone(), args[i + 1].clone()]);
            }
            i += 2;
        } else {
            out.push(args[i].clone());
            i += 1;
        }
    }
    *args = out;
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

/// `pybundle build X.spec ...`: the command line with the spec's arguments in place of its
/// path (so options typed after it win), and the spec's warnings (`app.spec:12: ...`).
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
    let spec = Path::new(&args[at]);
    let imported = read(spec)?;
    let warnings = imported.warnings_for(spec);
    let mut out: Vec<OsString> = args[..at].to_vec();
    out.extend(imported.args.into_iter().map(OsString::from));
    out.extend(args[at + 1..].iter().cloned());
    Ok((out, warnings))
}

impl Imported {
    /// Each warning as one line naming the spec's line: `app.spec:12: ...`.
    pub fn warnings_for(&self, spec: &Path) -> Vec<String> {
        (self.warnings.iter())
            .map(|(line, text)| format!("{}:{line}: {text}", spec.display()))
            .collect()
    }
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
        assert!(got.warnings.is_empty(), "{:?}", got.warnings);
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
            got.warnings,
            [(
                10,
                "Analysis(pathex=os.getcwd()) is not carried over: computed".to_string()
            )]
        );
    }

    /// What `pyi-makespec --collect-all rich --collect-data certifi --collect-submodules json
    /// --collect-binaries numpy --copy-metadata requests --recursive-copy-metadata click
    /// --splash app.py --version-file v.txt --uac-admin ... -n tool --onefile app.py` writes
    /// (PyInstaller 6.22).
    const MAKESPEC: &str = r#"# -*- mode: python ; coding: utf-8 -*-
from PyInstaller.utils.hooks import collect_data_files
from PyInstaller.utils.hooks import collect_dynamic_libs
from PyInstaller.utils.hooks import collect_submodules
from PyInstaller.utils.hooks import collect_all
from PyInstaller.utils.hooks import copy_metadata

datas = [('app.py', '.')]
binaries = []
hiddenimports = ['x.y']
datas += collect_data_files('certifi')
datas += copy_metadata('requests')
datas += copy_metadata('click', recursive=True)
binaries += collect_dynamic_libs('numpy')
hiddenimports += collect_submodules('json')
tmp_ret = collect_all('rich')
datas += tmp_ret[0]; binaries += tmp_ret[1]; hiddenimports += tmp_ret[2]


a = Analysis(
    ['app.py'],
    pathex=[],
    binaries=binaries,
    datas=datas,
    hiddenimports=hiddenimports,
    hookspath=[],
    hooksconfig={},
    runtime_hooks=['hook.py'],
    excludes=[],
    noarchive=False,
    optimize=0,
)
pyz = PYZ(a.pure)
splash = Splash(
    'app.py',
    binaries=a.binaries,
    datas=a.datas,
    text_pos=None,
    text_size=12,
    minify_script=True,
    always_on_top=True,
)

exe = EXE(
    pyz,
    a.scripts,
    a.binaries,
    a.datas,
    splash,
    splash.binaries,
    [],
    name='tool',
    debug=False,
    bootloader_ignore_signals=False,
    strip=False,
    upx=True,
    upx_exclude=[],
    runtime_tmpdir=None,
    console=True,
    disable_windowed_traceback=False,
    argv_emulation=False,
    target_arch=None,
    codesign_identity=None,
    entitlements_file=None,
    version='v.txt',
    uac_admin=True,
)
"#;

    #[test]
    fn every_statement_pyi_makespec_writes_maps_to_an_option() {
        let got = import(MAKESPEC, Path::new("/p")).unwrap();
        let args = got.args.join(" ");
        for expected in [
            "--add-data /p/app.py:.",
            "--collect-data certifi",
            "--copy-metadata requests",
            "--recursive-copy-metadata click",
            "--collect-binaries numpy",
            "--collect-submodules json",
            "--collect-all rich",
            "--hidden-import x.y",
            "--runtime-hook /p/hook.py",
            "--name tool",
            "--version-file /p/v.txt",
            "--uac-admin",
            "-F",
        ] {
            assert!(args.contains(expected), "{expected} is not in {args}");
        }
        assert_eq!(args.matches("--collect-all rich").count(), 1, "{args}");
        // The splash screen is the one thing said, at its line.
        assert_eq!(got.warnings.len(), 1, "{:?}", got.warnings);
        assert_eq!(got.warnings[0].0, 34);
        assert!(got.warnings[0].1.contains("Splash"), "{:?}", got.warnings);
    }

    /// A macOS spec: the BUNDLE's identifier and icon, and the EXE's entitlements, carry
    /// over; a keychain identity's name is named with what pybundle takes instead.
    #[test]
    fn a_macos_spec_carries_its_app_bundle_settings() {
        let spec = r#"
a = Analysis(['app.py'])
exe = EXE(PYZ(a.pure), a.scripts, name='App', console=False,
          codesign_identity='Developer ID Application: Me (TEAM)',
          entitlements_file='app.entitlements')
coll = COLLECT(exe, a.binaries, a.datas, name='App')
app = BUNDLE(coll, name='App.app', icon='app.icns', bundle_identifier='org.example.app',
             version='1.0.0', info_plist={'LSUIElement': True})
"#;
        let got = import(spec, Path::new("/p")).unwrap();
        let args = got.args.join(" ");
        for expected in [
            "--windowed",
            "--osx-entitlements-file /p/app.entitlements",
            "--osx-bundle-identifier org.example.app",
            "--icon /p/app.icns",
            "-D",
        ] {
            assert!(args.contains(expected), "{expected} is not in {args}");
        }
        let said: Vec<(usize, &str)> = (got.warnings.iter())
            .map(|(line, text)| (*line, text.as_str()))
            .collect();
        assert_eq!(said.len(), 3, "{said:?}");
        assert!(said[0].1.contains(".p12"), "{said:?}");
        assert!(said[1].1.contains("Info.plist's keys"), "{said:?}");
        assert!(said[2].1.contains("[project].version"), "{said:?}");
    }

    #[test]
    fn common_hand_edits_map_and_the_rest_is_named_by_line() {
        let spec = r#"
from PyInstaller.utils.hooks import collect_all, collect_submodules, collect_data_files
import sys
datas, binaries, hiddenimports = [], [], []
for pkg in ['faker', 'pendulum']:
    tmp = collect_all(pkg)
    datas += tmp[0]
hiddenimports += [m for m in collect_submodules('passlib.handlers') if 'test' not in m]
if sys.platform == 'win32':
    hiddenimports += ['win32api']
datas += collect_data_files('babel', excludes=['**/*.dat'])
a = Analysis(['app.py'], datas=datas, hiddenimports=hiddenimports, binaries=binaries)
a.datas += Tree('assets', prefix='assets')
exe = EXE(PYZ(a.pure), a.scripts, a.binaries, a.datas, name='app')
"#;
        let got = import(spec, Path::new("/p")).unwrap();
        let args = got.args.join(" ");
        for expected in [
            "--collect-all faker",
            "--collect-all pendulum",
            "--collect-submodules passlib.handlers",
            "--collect-data babel",
            "--add-data /p/assets:assets",
        ] {
            assert!(args.contains(expected), "{expected} is not in {args}");
        }
        let lines: Vec<usize> = got.warnings.iter().map(|(l, _)| *l).collect();
        assert_eq!(lines, [8, 9, 11], "{:?}", got.warnings);
        assert!(got.warnings[0].1.contains("'test' not in m"));
        assert!(got.warnings[1].1.contains("if sys.platform"));
        assert!(got.warnings[2].1.contains("excludes"));
    }

    #[test]
    fn a_file_that_is_not_a_spec_is_refused_with_the_reason() {
        assert!(import("print(1)\n", Path::new("/p"))
            .unwrap_err()
            .contains("Analysis"));
        assert!(import("a = (\n", Path::new("/p")).is_err());
    }
}
