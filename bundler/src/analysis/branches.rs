//! Which way a test of the platform or the Python version goes on the bundle's target, so that
//! the import scanner takes the branch the target takes and leaves out the ones it never does.
//!
//! Decided: `sys.platform` (`== "win32"`, `.startswith("linux")`, `"bsd" in ...`),
//! `os.name`, `platform.system()` (and its `.lower()`), `sys.version_info` (whole, sliced,
//! indexed, `.major`/`.minor`/`.micro`) and `sys.hexversion`, compared with literals; `not`,
//! `and`, `or` over them; and names the file sets once from such a test
//! (`WIN = sys.platform.startswith("win")`). Anything else is undecided, and both branches stay
//! possible. The answers are the target's ([`Environment`]), not the build machine's.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};

use ruff_python_ast::visitor::{self, Visitor};
use ruff_python_ast::{BoolOp, CmpOp, Expr, Number, Stmt, UnaryOp};

use crate::packages::markers::Environment;

/// A value a test can compute.
#[derive(Debug, Clone, PartialEq)]
enum Value {
    Bool(bool),
    Int(i64),
    Str(String),
    Tuple(Vec<Value>),
}

impl Value {
    fn truthy(&self) -> bool {
        match self {
            Value::Bool(b) => *b,
            Value::Int(i) => *i != 0,
            Value::Str(s) => !s.is_empty(),
            Value::Tuple(items) => !items.is_empty(),
        }
    }

    /// Python's ordering of two values, when Python defines one.
    fn compare(&self, other: &Value) -> Option<Ordering> {
        match (self, other) {
            (Value::Int(a), Value::Int(b)) => Some(a.cmp(b)),
            (Value::Bool(a), Value::Bool(b)) => Some(a.cmp(b)),
            (Value::Str(a), Value::Str(b)) => Some(a.cmp(b)),
            (Value::Tuple(a), Value::Tuple(b)) => {
                for (x, y) in a.iter().zip(b) {
                    match x.compare(y)? {
                        Ordering::Equal => continue,
                        other => return Some(other),
                    }
                }
                Some(a.len().cmp(&b.len()))
            }
            _ => None,
        }
    }
}

/// The target's answers to one file's tests.
pub struct Decider<'a> {
    env: &'a Environment,
    version_info: Value,
    hexversion: i64,
    /// Names the file assigns once, at its top level, from a decided test.
    known: BTreeMap<String, Value>,
    /// Names the file assigns exactly once anywhere: only those can be known.
    assigned_once: BTreeSet<String>,
}

impl<'a> Decider<'a> {
    /// A decider for the file whose statements are `body`.
    pub fn new(env: &'a Environment, body: &[Stmt]) -> Self {
        let mut parts = env
            .python_full_version
            .split('.')
            .map(|p| p.parse::<i64>().unwrap_or(0));
        let (major, minor, micro) = (
            parts.next().unwrap_or(3),
            parts.next().unwrap_or(0),
            parts.next().unwrap_or(0),
        );
        Decider {
            env,
            version_info: Value::Tuple(vec![
                Value::Int(major),
                Value::Int(minor),
                Value::Int(micro),
                Value::Str("final".into()),
                Value::Int(0),
            ]),
            hexversion: (major << 24) | (minor << 16) | (micro << 8) | 0xf0,
            known: BTreeMap::new(),
            assigned_once: assigned_once(body),
        }
    }

    /// Which way `test` goes on the target, if that can be known.
    pub fn decide(&self, test: &Expr) -> Option<bool> {
        match test {
            Expr::UnaryOp(op) if op.op == UnaryOp::Not => self.decide(&op.operand).map(|b| !b),
            Expr::BoolOp(op) => {
                let decided: Vec<Option<bool>> = op.values.iter().map(|v| self.decide(v)).collect();
                let (settles, other) = match op.op {
                    BoolOp::And => (false, true),
                    BoolOp::Or => (true, false),
                };
                if decided.contains(&Some(settles)) {
                    Some(settles)
                } else if decided.iter().all(|d| *d == Some(other)) {
                    Some(other)
                } else {
                    None
                }
            }
            _ => self.value(test).map(|v| v.truthy()),
        }
    }

    /// Note `name = value` at the file's top level: a later test of `name` is decided as
    /// `value` is, when the file assigns `name` nowhere else.
    pub fn assign(&mut self, name: &str, value: &Expr) {
        if !self.assigned_once.contains(name) || !mentions_environment(value) {
            return;
        }
        let found = match value {
            Expr::Compare(_) | Expr::BoolOp(_) | Expr::UnaryOp(_) => {
                self.decide(value).map(Value::Bool)
            }
            _ => self.value(value),
        };
        if let Some(found) = found {
            self.known.insert(name.to_string(), found);
        }
    }

    fn value(&self, expr: &Expr) -> Option<Value> {
        match expr {
            Expr::StringLiteral(s) => Some(Value::Str(s.value.to_str().to_string())),
            Expr::NumberLiteral(n) => match &n.value {
                Number::Int(i) => i.as_i64().map(Value::Int),
                _ => None,
            },
            Expr::BooleanLiteral(b) => Some(Value::Bool(b.value)),
            Expr::Tuple(t) => self.values(&t.elts),
            Expr::List(l) => self.values(&l.elts),
            Expr::Set(s) => self.values(&s.elts),
            Expr::Name(name) => self.known.get(name.id.as_str()).cloned(),
            Expr::Attribute(attr) => {
                let Expr::Name(base) = attr.value.as_ref() else {
                    return self.part_of_version(attr.value.as_ref(), attr.attr.as_str());
                };
                match (base.id.as_str(), attr.attr.as_str()) {
                    ("sys" | "_sys", "platform") => Some(Value::Str(self.env.sys_platform.clone())),
                    ("sys" | "_sys", "version_info") => Some(self.version_info.clone()),
                    ("sys" | "_sys", "hexversion") => Some(Value::Int(self.hexversion)),
                    ("os" | "_os", "name") => Some(Value::Str(self.env.os_name.clone())),
                    _ => None,
                }
            }
            Expr::Subscript(sub) => {
                let Value::Tuple(items) = self.value(&sub.value)? else {
                    return None;
                };
                match sub.slice.as_ref() {
                    Expr::NumberLiteral(_) => {
                        let Value::Int(i) = self.value(&sub.slice)? else {
                            return None;
                        };
                        items.get(usize::try_from(i).ok()?).cloned()
                    }
                    Expr::Slice(slice) if slice.lower.is_none() && slice.step.is_none() => {
                        let Value::Int(end) = self.value(slice.upper.as_deref()?)? else {
                            return None;
                        };
                        let end = usize::try_from(end).ok()?.min(items.len());
                        Some(Value::Tuple(items[..end].to_vec()))
                    }
                    _ => None,
                }
            }
            Expr::Call(call) => self.call(call),
            Expr::Compare(cmp) => {
                let mut left = self.value(&cmp.left)?;
                for (op, right) in cmp.ops.iter().zip(cmp.comparators.iter()) {
                    let right = self.value(right)?;
                    if !compare(&left, *op, &right)? {
                        return Some(Value::Bool(false));
                    }
                    left = right;
                }
                Some(Value::Bool(true))
            }
            Expr::UnaryOp(op) => match (op.op, self.value(&op.operand)?) {
                (UnaryOp::Not, v) => Some(Value::Bool(!v.truthy())),
                (UnaryOp::USub, Value::Int(i)) => Some(Value::Int(-i)),
                _ => None,
            },
            Expr::BoolOp(_) => self.decide(expr).map(Value::Bool),
            _ => None,
        }
    }

    fn values(&self, items: &[Expr]) -> Option<Value> {
        let items: Option<Vec<Value>> = items.iter().map(|e| self.value(e)).collect();
        items.map(Value::Tuple)
    }

    /// `sys.version_info.major` and its kin.
    fn part_of_version(&self, base: &Expr, attr: &str) -> Option<Value> {
        let index = ["major", "minor", "micro"]
            .iter()
            .position(|a| *a == attr)?;
        match self.value(base)? {
            Value::Tuple(items) if Some(&items) == self.version_items() => {
                items.get(index).cloned()
            }
            _ => None,
        }
    }

    fn version_items(&self) -> Option<&Vec<Value>> {
        match &self.version_info {
            Value::Tuple(items) => Some(items),
            _ => None,
        }
    }

    /// `platform.system()`, and string methods of a known string.
    fn call(&self, call: &ruff_python_ast::ExprCall) -> Option<Value> {
        let Expr::Attribute(attr) = call.func.as_ref() else {
            return None;
        };
        if !call.arguments.keywords.is_empty() {
            return None;
        }
        let args = &call.arguments.args;
        if let Expr::Name(base) = attr.value.as_ref() {
            if matches!(base.id.as_str(), "platform" | "_platform")
                && attr.attr.as_str() == "system"
                && args.is_empty()
            {
                return Some(Value::Str(self.env.platform_system.clone()));
            }
        }
        let Value::Str(text) = self.value(&attr.value)? else {
            return None;
        };
        match (attr.attr.as_str(), args.len()) {
            ("lower", 0) => Some(Value::Str(text.to_lowercase())),
            ("upper", 0) => Some(Value::Str(text.to_uppercase())),
            (method @ ("startswith" | "endswith"), 1) => {
                let candidates = match self.value(&args[0])? {
                    Value::Str(s) => vec![s],
                    Value::Tuple(items) => (items.into_iter())
                        .map(|v| match v {
                            Value::Str(s) => Some(s),
                            _ => None,
                        })
                        .collect::<Option<Vec<String>>>()?,
                    _ => return None,
                };
                let hit = candidates.iter().any(|c| match method {
                    "startswith" => text.starts_with(c.as_str()),
                    _ => text.ends_with(c.as_str()),
                });
                Some(Value::Bool(hit))
            }
            _ => None,
        }
    }
}

/// `left op right`, as Python has it, when it is defined for these values.
fn compare(left: &Value, op: CmpOp, right: &Value) -> Option<bool> {
    Some(match op {
        CmpOp::Eq => left == right,
        CmpOp::NotEq => left != right,
        CmpOp::Lt => left.compare(right)? == Ordering::Less,
        CmpOp::LtE => left.compare(right)? != Ordering::Greater,
        CmpOp::Gt => left.compare(right)? == Ordering::Greater,
        CmpOp::GtE => left.compare(right)? != Ordering::Less,
        CmpOp::In | CmpOp::NotIn => {
            let found = match (left, right) {
                (Value::Str(needle), Value::Str(hay)) => hay.contains(needle.as_str()),
                (item, Value::Tuple(items)) => items.contains(item),
                _ => return None,
            };
            found == (op == CmpOp::In)
        }
        CmpOp::Is | CmpOp::IsNot => return None,
    })
}

/// Does `expr` read the platform or the Python version?
fn mentions_environment(expr: &Expr) -> bool {
    struct Finder(bool);
    impl<'a> Visitor<'a> for Finder {
        fn visit_expr(&mut self, expr: &'a Expr) {
            if let Expr::Attribute(attr) = expr {
                self.0 |= matches!(
                    attr.attr.as_str(),
                    "platform" | "version_info" | "hexversion" | "name" | "system"
                );
            }
            visitor::walk_expr(self, expr);
        }
    }
    let mut finder = Finder(false);
    finder.visit_expr(expr);
    finder.0
}

/// The names `body` assigns exactly once, at any depth.
fn assigned_once(body: &[Stmt]) -> BTreeSet<String> {
    #[derive(Default)]
    struct Counter(BTreeMap<String, usize>);
    impl Counter {
        fn count(&mut self, target: &Expr) {
            match target {
                Expr::Name(name) => *self.0.entry(name.id.to_string()).or_default() += 1,
                Expr::Tuple(t) => t.elts.iter().for_each(|e| self.count(e)),
                Expr::List(l) => l.elts.iter().for_each(|e| self.count(e)),
                Expr::Starred(s) => self.count(&s.value),
                _ => {}
            }
        }
    }
    impl<'a> Visitor<'a> for Counter {
        fn visit_stmt(&mut self, stmt: &'a Stmt) {
            match stmt {
                Stmt::Assign(a) => a.targets.iter().for_each(|t| self.count(t)),
                Stmt::AugAssign(a) => self.count(&a.target),
                Stmt::AnnAssign(a) => self.count(&a.target),
                Stmt::For(f) => self.count(&f.target),
                Stmt::Global(g) => g.names.iter().for_each(|n| {
                    // A function may rebind it.
                    *self.0.entry(n.as_str().to_string()).or_default() += 2;
                }),
                Stmt::Import(i) => i.names.iter().for_each(|a| {
                    let name = a.asname.as_ref().unwrap_or(&a.name);
                    *self.0.entry(name.as_str().to_string()).or_default() += 1;
                }),
                Stmt::ImportFrom(i) => i.names.iter().for_each(|a| {
                    let name = a.asname.as_ref().unwrap_or(&a.name);
                    *self.0.entry(name.as_str().to_string()).or_default() += 1;
                }),
                _ => {}
            }
            visitor::walk_stmt(self, stmt);
        }

        fn visit_expr(&mut self, expr: &'a Expr) {
            if let Expr::Named(named) = expr {
                self.count(&named.target);
            }
            visitor::walk_expr(self, expr);
        }
    }
    let mut counter = Counter::default();
    counter.visit_body(body);
    (counter.0.into_iter())
        .filter(|(_, n)| *n == 1)
        .map(|(name, _)| name)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bundle::target::Target;

    fn decide_on(target: Target, version: &str, source: &str) -> Vec<Option<bool>> {
        let env = Environment::of(target, version);
        let parsed = ruff_python_parser::parse_unchecked_source(
            source,
            ruff_python_ast::PySourceType::Python,
        );
        let body = &parsed.syntax().body;
        let mut decider = Decider::new(&env, body);
        let mut out = Vec::new();
        for stmt in body {
            match stmt {
                Stmt::Assign(a) => {
                    if let [Expr::Name(name)] = a.targets.as_slice() {
                        decider.assign(name.id.as_str(), &a.value);
                    }
                }
                Stmt::Expr(e) => out.push(decider.decide(&e.value)),
                _ => {}
            }
        }
        out
    }

    const PLATFORM_TESTS: &str = "import sys, os, platform\n\
        sys.platform == 'win32'\n\
        sys.platform != 'win32'\n\
        os.name == 'nt'\n\
        platform.system() == 'Windows'\n\
        platform.system().lower() == 'windows'\n\
        sys.platform.startswith('win')\n\
        sys.platform.startswith(('linux', 'freebsd'))\n\
        'linux' in sys.platform\n\
        sys.platform in ('win32', 'cygwin')\n\
        not (os.name == 'posix')\n\
        sys.platform == 'darwin' or os.name == 'nt'\n\
        WIN = sys.platform.startswith('win')\n\
        WIN\n\
        not WIN and sys.platform != 'darwin'\n";

    #[test]
    fn platform_tests_go_the_targets_way() {
        let y = Some(true);
        let n = Some(false);
        assert_eq!(
            decide_on(Target::WindowsX64, "3.11.9", PLATFORM_TESTS),
            [y, n, y, y, y, y, n, n, y, y, y, y, n]
        );
        assert_eq!(
            decide_on(Target::LinuxX86_64, "3.11.9", PLATFORM_TESTS),
            [n, y, n, n, n, n, y, y, n, n, n, n, y]
        );
        assert_eq!(
            decide_on(Target::MacosArm64, "3.11.9", PLATFORM_TESTS),
            [n, y, n, n, n, n, n, n, n, n, y, n, n]
        );
    }

    #[test]
    fn version_tests_go_the_targets_way() {
        let src = "import sys\n\
            sys.version_info >= (3, 11)\n\
            sys.version_info < (3, 12)\n\
            sys.version_info[:2] == (3, 11)\n\
            sys.version_info[0] == 2\n\
            sys.version_info.minor >= 10\n\
            sys.hexversion >= 0x030C0000\n\
            sys.version_info >= (3, 11, 9)\n\
            (3, 8) <= sys.version_info < (3, 12)\n\
            sys.hexversion > -1\n\
            +sys.hexversion\n";
        let y = Some(true);
        let n = Some(false);
        assert_eq!(
            decide_on(Target::LinuxX86_64, "3.11.9", src),
            [y, y, y, n, y, n, y, y, y, None]
        );
        assert_eq!(
            decide_on(Target::LinuxX86_64, "3.13.1", src),
            [y, n, n, n, y, y, y, n, y, None]
        );
    }

    #[test]
    fn what_cannot_be_known_stays_undecided() {
        let src = "import sys, os\n\
            sys.platform == other\n\
            HAS_X\n\
            os.environ.get('X') == '1'\n\
            self.platform == 'win32'\n\
            sys.platform == 'win32' and HAS_X\n\
            sys.platform == 'linux' or HAS_X\n\
            WIN = sys.platform == 'win32'\n\
            WIN = False\n\
            WIN\n";
        assert_eq!(
            decide_on(Target::LinuxX86_64, "3.11.9", src),
            [None, None, None, None, Some(false), Some(true), None]
        );
    }
}
