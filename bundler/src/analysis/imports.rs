//! The modules one source file imports: `import` and `from ... import` statements anywhere
//! (module level, functions, classes, `try`/`except ImportError`), relative ones resolved
//! against the file's package, and `__import__("x")` / `importlib.import_module("x")` /
//! `importlib.util.find_spec("x")` with a literal name (the last always optional). Imports
//! under `if TYPE_CHECKING:` never run and are ignored, and so are those in a branch the
//! bundle's target never takes (`if sys.platform == "win32":` built for Linux; see
//! [`branches`](super::branches)), while those in a branch it always takes count as if
//! unguarded. An import inside the body of a `try` that has handlers is *optional* (the code
//! copes when it fails), and so is one in its `else` (it runs only when the attempt worked),
//! one under a test of the version or platform that cannot be decided, and one under a test of
//! a *flag*: a name this file sets from such a test (`PY314 = sys.version_info >= (3, 14)`) or
//! inside a guarded block (`try: import simplejson; has_simplejson = True`, `try: import
//! cython` then `if cython.compiled:`), or one named like a flag whatever file sets it
//! (`HAS_PYARROW`, `NUMEXPR_INSTALLED`, `_have_bz2`, `LZMA_AVAILABLE`).
//! An import inside a function or lambda is *deferred*: it runs only if that function is
//! called, which matters for the standard library's start-up modules (see `runtime::prune`).
//!
//! Parsing is error-tolerant (ruff's parser recovers), so a file that uses syntax newer than
//! the parser knows still yields the imports it can read; whether the file is valid is decided
//! by the bundled interpreter when it compiles it.
//!
//! ruff_python_parser 0.0.10 over rustpython-parser 0.4: it is the parser uv and ruff maintain,
//! it follows current Python grammar (3.12+ syntax such as `type` statements and PEP 701
//! f-strings), and it recovers from errors instead of giving up on the whole file.

use std::collections::{BTreeMap, BTreeSet};

use ruff_python_ast::visitor::{self, Visitor};
use ruff_python_ast::{Expr, PySourceType, Stmt, StmtIf};

use crate::analysis::branches::Decider;
use crate::packages::markers::Environment;

/// How a module is imported, over every place that imports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Import {
    /// Every import of it is guarded (a `try`, a version or platform test).
    pub optional: bool,
    /// Every import of it is inside a function or lambda: it runs only when that is called.
    pub deferred: bool,
    /// Some import of it is neither guarded nor inside a function: it runs, and must work,
    /// whenever the file does.
    pub always: bool,
    /// It is only ever named in a string (`"configparser.ConfigParser"`) of a file that
    /// imports by computed names (passlib's lazy attributes): maybe imported, maybe a mere
    /// string. Whoever follows it decides how far to trust it.
    pub by_name: bool,
}

/// Absolute module names `source` may import, each with how. For `from X import a`, both `X`
/// and `X.a` are listed, since `a` may be a submodule. `module` is the file's dotted name
/// (`pkg.mod`, or `pkg` for `pkg/__init__.py`), used to resolve relative imports. `env` is the
/// bundle's target, which decides tests of the platform and the Python version.
pub fn imports(
    source: &str,
    module: &str,
    is_package: bool,
    env: &Environment,
) -> BTreeMap<String, Import> {
    scan(source, module, is_package, env).imports
}

/// What one reading of a source file finds.
pub struct Scan {
    /// As [`imports`] gives them.
    pub imports: BTreeMap<String, Import>,
    /// String literals that name a `.py` file (`"config.py"`): files the code may read as
    /// data (OpenCV's loader executes its `config.py`), so they are needed as source.
    pub py_files: BTreeSet<String>,
    /// It imports by names it computes (`__import__("pkg.lexers." + name)`).
    pub computed: bool,
    /// It lists module source files on disk (a `*.py` or `__init__.py` pattern, a listing
    /// call and `__file__` in one file: Faker finds its locales so): the package needs its
    /// sources as files, not only its bytecode in the store.
    pub lists_sources: bool,
}

/// [`imports`], and the `.py` file names the code spells out.
pub fn scan(source: &str, module: &str, is_package: bool, env: &Environment) -> Scan {
    let parsed = ruff_python_parser::parse_unchecked_source(source, PySourceType::Python);
    let body = &parsed.syntax().body;
    let package = if is_package {
        module.to_string()
    } else {
        module
            .rsplit_once('.')
            .map(|(p, _)| p.to_string())
            .unwrap_or_default()
    };
    let mut collector = Collector {
        package,
        names: BTreeMap::new(),
        guarded: 0,
        decided: 0,
        decider: Decider::new(env, body),
        in_function: 0,
        flags: BTreeSet::new(),
        py_files: BTreeSet::new(),
        computed: false,
        dotted: BTreeSet::new(),
        uses_file: false,
        source_pattern: false,
        lists: false,
    };
    collector.visit_body(body);
    if collector.computed {
        // A file that imports by names it computes: the dotted names it spells may be what
        // it imports, as a module or a module's attribute.
        for name in std::mem::take(&mut collector.dotted) {
            let module = name.rsplit_once('.').map_or(name.as_str(), |(m, _)| m);
            for candidate in [module, name.as_str()] {
                collector
                    .names
                    .entry(candidate.to_string())
                    .or_insert(Import {
                        optional: true,
                        deferred: true,
                        always: false,
                        by_name: true,
                    });
            }
        }
    }
    Scan {
        lists_sources: collector.uses_file && collector.source_pattern && collector.lists,
        imports: collector.names,
        py_files: collector.py_files,
        computed: collector.computed,
    }
}

struct Collector<'e> {
    package: String,
    names: BTreeMap<String, Import>,
    /// How many `try` bodies (with handlers) enclose the current statement.
    guarded: usize,
    /// How many branches the target takes by its platform or version enclose it.
    decided: usize,
    decider: Decider<'e>,
    /// How many function or lambda bodies enclose it.
    in_function: usize,
    /// Names set from a version or platform test, or inside a guarded block: a test of one
    /// guards what it controls.
    flags: BTreeSet<String>,
    py_files: BTreeSet<String>,
    /// Some `__import__` or `import_module` call is given a name computed at run time.
    computed: bool,
    /// String literals spelled like dotted names (`"io.BytesIO"`).
    dotted: BTreeSet<String>,
    /// `__file__` is read (its own, or a module's).
    uses_file: bool,
    /// A string names module sources by pattern: `".py"`, `"*.py"`, `"*/__init__.py"`.
    source_pattern: bool,
    /// A folder is listed: `listdir`, `scandir`, `walk`, `glob`, `iglob`, `iterdir`, `rglob`.
    lists: bool,
}

impl Collector<'_> {
    fn add(&mut self, name: String) {
        let this = Import {
            optional: self.guarded > 0,
            deferred: self.in_function > 0,
            always: self.guarded == 0 && self.in_function == 0,
            by_name: false,
        };
        self.names
            .entry(name)
            .and_modify(|seen| {
                seen.optional &= this.optional;
                seen.deferred &= this.deferred;
                seen.always |= this.always;
                seen.by_name = false;
            })
            .or_insert(this);
    }

    /// An `if` with its `elif`s and `else`: a branch the target takes counts as unguarded and
    /// ends the chain; one it never takes is skipped; from the first test it cannot decide,
    /// the rest is read as before (guarded when that test is a guard).
    fn visit_if(&mut self, branch: &StmtIf) {
        let clauses: Vec<(Option<&Expr>, &[Stmt])> =
            std::iter::once((Some(branch.test.as_ref()), &branch.body[..]))
                .chain((branch.elif_else_clauses.iter()).map(|c| (c.test.as_ref(), &c.body[..])))
                .collect();
        self.visit_clauses(&clauses, false);
    }

    /// `clauses` of an `if` chain; `after_decided` when every clause before them was one the
    /// target never takes.
    fn visit_clauses(&mut self, clauses: &[(Option<&Expr>, &[Stmt])], after_decided: bool) {
        let Some(((test, body), rest)) = clauses.split_first() else {
            return;
        };
        let Some(test) = test else {
            // `else`: taken for certain when everything before it was decided false.
            self.decided += usize::from(after_decided);
            self.visit_body(body);
            self.decided -= usize::from(after_decided);
            return;
        };
        self.visit_expr(test);
        match self.decider.decide(test) {
            Some(true) => {
                self.decided += 1;
                self.visit_body(body);
                self.decided -= 1;
                for (_, skipped) in rest {
                    self.flag_assigned(skipped);
                }
            }
            Some(false) => {
                self.flag_assigned(body);
                self.visit_clauses(rest, after_decided);
            }
            None if is_type_checking(test) => self.visit_clauses(rest, false),
            None if self.is_guard(test) => {
                self.guarded += 1;
                self.visit_body(body);
                self.visit_clauses(rest, false);
                self.guarded -= 1;
            }
            None => {
                self.visit_body(body);
                self.visit_clauses(rest, false);
            }
        }
    }

    /// Names a branch the target never takes would have set are flags all the same
    /// (`IS_WIN = False`, then `if sys.platform == "win32": IS_WIN = True`).
    fn flag_assigned(&mut self, body: &[Stmt]) {
        struct Targets(Vec<String>);
        impl<'a> Visitor<'a> for Targets {
            fn visit_stmt(&mut self, stmt: &'a Stmt) {
                if let Stmt::Assign(assign) = stmt {
                    for target in &assign.targets {
                        self.0.extend(names_in(target));
                    }
                }
                visitor::walk_stmt(self, stmt);
            }
        }
        let mut targets = Targets(Vec::new());
        targets.visit_body(body);
        self.flags.extend(targets.0);
    }

    /// Does `test` decide by the environment or by a flag?
    fn is_guard(&self, test: &Expr) -> bool {
        is_environment_test(test)
            || (names_in(test).iter()).any(|n| self.flags.contains(n) || looks_like_flag(n))
    }

    /// A name an import binds: a flag when the import is guarded.
    fn bind(&mut self, name: &str) {
        if self.guarded > 0 {
            self.flags.insert(name.to_string());
        }
    }

    /// The absolute base of `from <dots><module> import ...`, if it stays inside the top
    /// package.
    fn base_of(&self, level: u32, module: Option<&str>) -> Option<String> {
        if level == 0 {
            return module.map(String::from);
        }
        let parts: Vec<&str> = if self.package.is_empty() {
            Vec::new()
        } else {
            self.package.split('.').collect()
        };
        // Going up to (or past) the top package is an ImportError in Python.
        let up = level as usize - 1;
        if up >= parts.len() {
            return None;
        }
        let mut base = parts[..parts.len() - up].join(".");
        if let Some(m) = module {
            if !base.is_empty() {
                base.push('.');
            }
            base.push_str(m);
        }
        (!base.is_empty()).then_some(base)
    }
}

/// Does `test` look at the Python version or the platform?
fn is_environment_test(test: &Expr) -> bool {
    struct Finder(bool);
    impl<'a> Visitor<'a> for Finder {
        fn visit_expr(&mut self, expr: &'a Expr) {
            if let Expr::Attribute(attr) = expr {
                let name = attr.attr.as_str();
                if matches!(name, "version_info" | "platform" | "hexversion")
                    || (looks_like_flag(name) && name.starts_with("PY"))
                {
                    self.0 = true;
                }
            }
            visitor::walk_expr(self, expr);
        }
    }
    let mut finder = Finder(false);
    finder.visit_expr(test);
    finder.0
}

/// `a.b` or `a.b.C`: identifiers joined by dots, at least two, no more than a name needs.
fn is_dotted_name(text: &str) -> bool {
    let mut parts = 0;
    let every = text.len() < 100
        && text.split('.').all(|part| {
            parts += 1;
            let mut chars = part.chars();
            chars
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        });
    every && parts >= 2
}

/// Is `name` spelled like a flag that says whether something is installed, or which Python
/// this is (`PY314`, `PY3`, `PY_3_11`, often imported from a package's compatibility module)?
fn looks_like_flag(name: &str) -> bool {
    let bare = name.trim_start_matches('_');
    let version = bare.strip_prefix("PY").is_some_and(|rest| {
        !rest.is_empty() && rest.chars().all(|c| c.is_ascii_digit() || c == '_')
    });
    let name = bare.to_ascii_lowercase();
    version
        || name.starts_with("has_")
        || name.starts_with("have_")
        || name.ends_with("_installed")
        || name.ends_with("_available")
}

/// The plain names an expression reads.
fn names_in(expr: &Expr) -> Vec<String> {
    struct Names(Vec<String>);
    impl<'a> Visitor<'a> for Names {
        fn visit_expr(&mut self, expr: &'a Expr) {
            if let Expr::Name(name) = expr {
                self.0.push(name.id.to_string());
            }
            visitor::walk_expr(self, expr);
        }
    }
    let mut names = Names(Vec::new());
    names.visit_expr(expr);
    names.0
}

fn is_type_checking(test: &Expr) -> bool {
    match test {
        Expr::Name(name) => name.id.as_str() == "TYPE_CHECKING",
        Expr::Attribute(attr) => attr.attr.as_str() == "TYPE_CHECKING",
        _ => false,
    }
}

impl<'a> Visitor<'a> for Collector<'_> {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        match stmt {
            Stmt::Import(import) => {
                for alias in &import.names {
                    let name = alias.name.as_str();
                    self.add(name.to_string());
                    let bound = alias.asname.as_ref().map(|a| a.as_str());
                    self.bind(bound.unwrap_or(name.split('.').next().unwrap_or(name)));
                }
            }
            Stmt::ImportFrom(from) => {
                let module = from.module.as_ref().map(|m| m.as_str());
                if let Some(base) = self.base_of(from.level, module) {
                    for alias in &from.names {
                        if alias.name.as_str() != "*" {
                            self.add(format!("{base}.{}", alias.name.as_str()));
                        }
                    }
                    self.add(base);
                }
                for alias in &from.names {
                    let bound = alias.asname.as_ref().unwrap_or(&alias.name);
                    self.bind(bound.as_str());
                }
            }
            Stmt::If(branch) => self.visit_if(branch),
            Stmt::Assign(assign) => {
                if self.guarded > 0 || self.decided > 0 || is_environment_test(&assign.value) {
                    for target in &assign.targets {
                        self.flags.extend(names_in(target));
                    }
                }
                if let [Expr::Name(name)] = assign.targets.as_slice() {
                    if self.guarded == 0 && self.in_function == 0 {
                        self.decider.assign(name.id.as_str(), &assign.value);
                    }
                }
                visitor::walk_stmt(self, stmt);
            }
            Stmt::Try(block) if !block.handlers.is_empty() => {
                // The attempt, the fallbacks in its handlers and what runs only when the
                // attempt worked are all optional: when one fails, another runs.
                self.guarded += 1;
                self.visit_body(&block.body);
                for handler in &block.handlers {
                    self.visit_except_handler(handler);
                }
                self.visit_body(&block.orelse);
                self.guarded -= 1;
                self.visit_body(&block.finalbody);
            }
            Stmt::FunctionDef(def) => {
                // Decorators, defaults and annotations run when the `def` does.
                for decorator in &def.decorator_list {
                    self.visit_decorator(decorator);
                }
                if let Some(type_params) = &def.type_params {
                    self.visit_type_params(type_params);
                }
                self.visit_parameters(&def.parameters);
                if let Some(returns) = &def.returns {
                    self.visit_annotation(returns);
                }
                self.in_function += 1;
                self.visit_body(&def.body);
                self.in_function -= 1;
            }
            _ => visitor::walk_stmt(self, stmt),
        }
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        if matches!(expr, Expr::Lambda(_)) {
            self.in_function += 1;
            visitor::walk_expr(self, expr);
            self.in_function -= 1;
            return;
        }
        if let Expr::StringLiteral(lit) = expr {
            let text = lit.value.to_str();
            let plain = |c: char| c.is_alphanumeric() || "_-.".contains(c);
            if text.len() > 3
                && text.len() < 100
                && text.ends_with(".py")
                && text.chars().all(plain)
            {
                self.py_files.insert(text.to_string());
            }
            if is_dotted_name(text) {
                self.dotted.insert(text.to_string());
            }
            if text == ".py" || text.ends_with("*.py") || text.ends_with("__init__.py") {
                self.source_pattern = true;
            }
        }
        match expr {
            Expr::Name(name) => self.uses_file |= name.id.as_str() == "__file__",
            Expr::Attribute(attr) => self.uses_file |= attr.attr.as_str() == "__file__",
            _ => {}
        }
        if let Expr::Call(call) = expr {
            let function = match call.func.as_ref() {
                Expr::Name(name) => name.id.as_str(),
                Expr::Attribute(attr) => attr.attr.as_str(),
                _ => "",
            };
            self.lists |= matches!(
                function,
                "listdir" | "scandir" | "walk" | "glob" | "iglob" | "iterdir" | "rglob"
            );
            // `find_spec("x")` asks whether x is there, then often loads it (markdown loads a
            // private copy of html.parser so): followed, and optional.
            let probe = function == "find_spec";
            if matches!(function, "__import__" | "import_module") {
                let literal = matches!(call.arguments.args.first(), Some(Expr::StringLiteral(_)));
                self.computed |= !literal && !call.arguments.args.is_empty();
            }
            if matches!(function, "__import__" | "import_module") || probe {
                if let Some(Expr::StringLiteral(lit)) = call.arguments.args.first() {
                    let name = lit.value.to_str();
                    if !name.is_empty() && !name.starts_with('.') {
                        self.guarded += usize::from(probe);
                        self.add(name.to_string());
                        self.guarded -= usize::from(probe);
                    }
                }
            }
        }
        visitor::walk_expr(self, expr);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bundle::target::Target;

    fn on(target: Target) -> Environment {
        Environment::of(target, "3.11.9")
    }

    /// What a Linux build of CPython 3.11 reads.
    fn imports(source: &str, module: &str, is_package: bool) -> BTreeMap<String, Import> {
        super::imports(source, module, is_package, &on(Target::LinuxX86_64))
    }

    fn scan(source: &str, module: &str, is_package: bool) -> Scan {
        super::scan(source, module, is_package, &on(Target::LinuxX86_64))
    }

    fn names(source: &str, module: &str, is_package: bool) -> Vec<String> {
        imports(source, module, is_package).into_keys().collect()
    }

    #[test]
    fn imports_under_try_are_optional_unless_also_plain() {
        let src = "try:\n    import simplejson as json\nexcept ImportError:\n    import json\n\
                   try:\n    import os\nexcept ImportError:\n    pass\nimport os\n\
                   try:\n    pass\nfinally:\n    import csv\n";
        let found = imports(src, "m", false);
        assert!(found["simplejson"].optional);
        assert!(found["json"].optional);
        assert!(!found["os"].optional);
        assert!(!found["csv"].optional);
    }

    #[test]
    fn the_targets_branches_are_taken_and_the_others_left() {
        let src = "import sys, os, platform\n\
                   if sys.version_info >= (3, 14):\n    import annotationlib\n\
                   if sys.platform == 'win32':\n    import msvcrt\nelse:\n    import termios\n\
                   WIN = os.name == 'nt'\n\
                   if not WIN:\n    import fcntl\n\
                   elif platform.system() == 'Windows':\n    import winreg\n\
                   if sys.platform == 'darwin':\n    import _scproxy\n\
                   elif HAS_WX:\n    import wx\nelse:\n    import gi\n\
                   try:\n    if sys.platform == 'win32':\n        import win32api\nexcept ImportError:\n    pass\n";
        let linux = super::imports(src, "m", false, &on(Target::LinuxX86_64));
        for gone in ["annotationlib", "msvcrt", "winreg", "_scproxy", "win32api"] {
            assert!(!linux.contains_key(gone), "{gone} on Linux: {linux:?}");
        }
        assert!(linux["termios"].always && !linux["termios"].optional);
        assert!(linux["fcntl"].always && !linux["fcntl"].optional);
        assert!(linux["wx"].optional && linux["gi"].optional);

        let windows = super::imports(src, "m", false, &on(Target::WindowsX64));
        for gone in ["annotationlib", "termios", "fcntl", "_scproxy"] {
            assert!(
                !windows.contains_key(gone),
                "{gone} on Windows: {windows:?}"
            );
        }
        assert!(windows["msvcrt"].always && !windows["msvcrt"].optional);
        assert!(windows["winreg"].always && !windows["winreg"].optional);
        assert!(windows["win32api"].optional, "still under a try");

        let mac = super::imports(src, "m", false, &on(Target::MacosArm64));
        assert!(mac["_scproxy"].always && !mac.contains_key("wx") && !mac.contains_key("gi"));
        assert!(!mac.contains_key("msvcrt") && mac["termios"].always);
    }

    #[test]
    fn undecided_tests_of_the_platform_still_guard() {
        let src = "import sys\nif sys.platform == PLATFORM:\n    import msvcrt\n\
                   IS_WIN = False\nif sys.platform == 'win32':\n    IS_WIN = True\n\
                   if IS_WIN:\n    import winreg\n";
        for target in [Target::LinuxX86_64, Target::WindowsX64] {
            let found = super::imports(src, "m", false, &on(target));
            assert!(found["msvcrt"].optional, "{target}");
            assert!(found["winreg"].optional, "{target}");
        }
    }

    #[test]
    fn imports_under_flags_and_after_a_successful_attempt_are_optional() {
        let src = "import sys\nPY_3_14_PLUS = sys.version_info[:2] >= (3, 14)\n\
                   if PY_3_14_PLUS:\n    import annotationlib\n\
                   has_simplejson = False\n\
                   try:\n    import simplejson as json\n    has_simplejson = True\n\
                   except ImportError:\n    import json\n\
                   if has_simplejson:\n    from simplejson import JSONDecodeError\n\
                   def install():\n    try:\n        ip = get_ipython()\n    except NameError:\n        pass\n\
                   \x20   else:\n        from IPython.core.formatters import BaseFormatter\n\
                   try:\n    import cython\nexcept ModuleNotFoundError:\n    cython = None\n\
                   if cython.compiled:\n    from cython.cimports.cpython import Py_INCREF\n\
                   from .check import NUMEXPR_INSTALLED, HAS_PYARROW\n\
                   if NUMEXPR_INSTALLED:\n    import numexpr\nif HAS_PYARROW:\n    import pyarrow\n\
                   ready = True\nif ready:\n    import csv\n";
        let found = imports(src, "m", false);
        assert!(!found.contains_key("annotationlib"), "not for 3.11");
        let guarded = [
            "simplejson",
            "IPython.core.formatters",
            "cython.cimports.cpython",
            "numexpr",
            "pyarrow",
        ];
        for optional in guarded {
            assert!(found[optional].optional, "{optional}");
        }
        // `ready` is set unconditionally, from no test of the environment.
        assert!(!found["csv"].optional);
        // Guarded at module level and plain inside a function: never at every import.
        let found = imports(
            "if HAS_PYARROW:\n    import pyarrow\ndef f():\n    import pyarrow\n",
            "m",
            false,
        );
        let pyarrow = found["pyarrow"];
        assert!(!pyarrow.optional && !pyarrow.deferred && !pyarrow.always);
    }

    #[test]
    fn modules_looked_up_with_find_spec_are_optional_imports() {
        let src = "import importlib.util\nspec = importlib.util.find_spec('html.parser')\n\
                   from importlib.util import find_spec\nHAS = find_spec('numpy') is not None\n";
        let found = imports(src, "m", false);
        assert!(found["html.parser"].optional && found["numpy"].optional);
    }

    #[test]
    fn names_of_py_files_in_string_literals_are_noted() {
        let src = "import os\nload(os.path.join(DIR, 'config.py'))\nx = 'config-{}.py'\n\
                   y = 'a/b.py'\nz = 'not python'\n";
        let found = scan(src, "m", false).py_files;
        assert_eq!(found.into_iter().collect::<Vec<_>>(), ["config.py"]);
    }

    #[test]
    fn finds_imports_at_any_depth() {
        let src = "import os, json.decoder as d\n\
                   def f():\n    import csv\n    class C:\n        from email import message\n\
                   try:\n    import tomllib\nexcept ImportError:\n    tomllib = None\n\
                   x = __import__('zlib')\n\
                   import importlib\ny = importlib.import_module('bz2')\n";
        assert_eq!(
            names(src, "__main__", false),
            [
                "bz2",
                "csv",
                "email",
                "email.message",
                "importlib",
                "json.decoder",
                "os",
                "tomllib",
                "zlib"
            ]
        );
    }

    #[test]
    fn imports_inside_functions_are_deferred_unless_also_at_module_level() {
        let src = "import os\n\
                   def f(x=__import__('json')):\n    import csv, os\n    g = lambda: __import__('zlib')\n\
                   class C:\n    import email\n    def m(self):\n        import bz2\n";
        let found = imports(src, "m", false);
        for deferred in ["csv", "zlib", "bz2"] {
            assert!(found[deferred].deferred, "{deferred}");
        }
        for now in ["os", "json", "email"] {
            assert!(!found[now].deferred, "{now}");
        }
    }

    #[test]
    fn resolves_relative_imports() {
        let src = "from . import a\nfrom .b import c\nfrom .. import up\nfrom ...too import far\n";
        assert_eq!(
            names(src, "pkg.sub.mod", false),
            [
                "pkg",
                "pkg.sub",
                "pkg.sub.a",
                "pkg.sub.b",
                "pkg.sub.b.c",
                "pkg.up"
            ]
        );
        assert_eq!(names("from . import x\n", "pkg", true), ["pkg", "pkg.x"]);
    }

    #[test]
    fn ignores_type_checking_blocks_but_not_their_else() {
        let src = "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import mypy\nelse:\n    import json\n\
                   import typing\nif typing.TYPE_CHECKING:\n    import pandas\n";
        assert_eq!(
            names(src, "m", false),
            ["json", "typing", "typing.TYPE_CHECKING"]
        );
    }

    #[test]
    fn reads_what_it_can_from_a_broken_file() {
        let src = "import os\ndef broken(:\n    pass\nimport sys\n";
        let found = names(src, "m", false);
        assert!(
            found.contains(&"os".to_string()) && found.contains(&"sys".to_string()),
            "{found:?}"
        );
    }

    #[test]
    fn listing_module_sources_and_computed_imports_are_noticed() {
        let faker = "import sys\nfrom pathlib import Path\n\
                     def get_path(module):\n    return Path(module.__file__).parent\n\
                     def list_module(module):\n    path = get_path(module)\n    \
                     return [f.parent.name for f in Path(path).glob('*/__init__.py')]\n";
        assert!(scan(faker, "faker.utils.loading", false).lists_sources);
        let reads_file = "import os\nHERE = os.path.dirname(__file__)\nDATA = os.listdir(HERE)\n";
        assert!(!scan(reads_file, "pkg", true).lists_sources);

        let passlib = "_lazy = dict(SafeConfigParser='configparser.ConfigParser')\n\
                       def load(source):\n    mod, _, attr = source.rpartition('.')\n    \
                       return getattr(__import__(mod, fromlist=[attr]), attr)\n";
        let found = scan(passlib, "passlib.utils.compat", true);
        assert!(found.computed);
        let by_name = &found.imports["configparser"];
        assert!(by_name.by_name && by_name.optional);
        assert!(found.imports["configparser.ConfigParser"].by_name);
        // With literal names only, strings are just strings.
        let literal = "import importlib\nNAME = 'io.BytesIO'\nimportlib.import_module('json')\n";
        let found = scan(literal, "m", false);
        assert!(!found.computed && !found.imports.contains_key("io"));
    }

    #[test]
    fn a_python_version_flag_from_another_module_guards_what_it_controls() {
        let source =
            "from django.utils.version import PY314\nif PY314:\n    import annotationlib\n\
                      import six\nif six.PY2:\n    import cPickle\n";
        let found = imports(source, "django.utils.inspect", false);
        assert!(found["annotationlib"].optional);
        assert!(found["cPickle"].optional);
    }
}
