//! PEP 508 environment markers (`; python_version >= "3.8" and sys_platform == "linux"`),
//! evaluated for the bundle's target so `Requires-Dist` pulls in exactly what the app needs
//! there.

use std::cmp::Ordering;

use crate::bundle::target::{Os, Target};

/// The values markers compare against: the target's, not necessarily the build machine's.
#[derive(Debug, Clone)]
pub struct Environment {
    pub python_version: String,
    pub python_full_version: String,
    pub sys_platform: String,
    pub platform_system: String,
    pub platform_machine: String,
    pub os_name: String,
    pub implementation_name: String,
    pub platform_python_implementation: String,
}

impl Environment {
    /// CPython `full_version` on `target`.
    pub fn of(target: Target, full_version: &str) -> Self {
        let short = full_version
            .splitn(3, '.')
            .take(2)
            .collect::<Vec<_>>()
            .join(".");
        let (sys_platform, platform_system, os_name) = match target.os() {
            Os::Linux => ("linux", "Linux", "posix"),
            Os::Windows => ("win32", "Windows", "nt"),
            Os::Macos => ("darwin", "Darwin", "posix"),
        };
        Environment {
            python_version: short,
            python_full_version: full_version.to_string(),
            sys_platform: sys_platform.into(),
            platform_system: platform_system.into(),
            platform_machine: target.machine().into(),
            os_name: os_name.into(),
            implementation_name: "cpython".into(),
            platform_python_implementation: "CPython".into(),
        }
    }

    fn value(&self, name: &str) -> Option<&str> {
        Some(match name {
            "python_version" => &self.python_version,
            "python_full_version" => &self.python_full_version,
            "sys_platform" => &self.sys_platform,
            "platform_system" => &self.platform_system,
            "platform_machine" => &self.platform_machine,
            "os_name" => &self.os_name,
            "implementation_name" => &self.implementation_name,
            "platform_python_implementation" => &self.platform_python_implementation,
            _ => return None,
        })
    }
}

/// Does `marker` hold in `env` when the requirement was asked for with `extras`? A marker
/// that cannot be parsed counts as true: bundling a package too many beats missing one.
pub fn evaluate(marker: &str, env: &Environment, extras: &[String]) -> bool {
    let tokens = tokenize(marker);
    let mut parser = Parser {
        tokens: &tokens,
        at: 0,
        env,
        extras,
    };
    match parser.or_expr() {
        Some(value) if parser.at == tokens.len() => value,
        _ => true,
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Ident(String),
    Str(String),
    Op(String),
    Open,
    Close,
}

fn tokenize(s: &str) -> Vec<Token> {
    let chars: Vec<char> = s.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '(' {
            out.push(Token::Open);
            i += 1;
        } else if c == ')' {
            out.push(Token::Close);
            i += 1;
        } else if c == '"' || c == '\'' {
            let end = chars[i + 1..]
                .iter()
                .position(|&x| x == c)
                .map(|p| i + 1 + p);
            let end = end.unwrap_or(chars.len());
            out.push(Token::Str(chars[i + 1..end].iter().collect()));
            i = end + 1;
        } else if "<>=!~".contains(c) {
            let mut op = String::from(c);
            while i + op.len() < chars.len() && "=<>~!".contains(chars[i + op.len()]) {
                op.push(chars[i + op.len()]);
            }
            i += op.len();
            out.push(Token::Op(op));
        } else {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || "_.-".contains(chars[i])) {
                i += 1;
            }
            if i == start {
                i += 1;
                continue;
            }
            out.push(Token::Ident(chars[start..i].iter().collect()));
        }
    }
    out
}

struct Parser<'a> {
    tokens: &'a [Token],
    at: usize,
    env: &'a Environment,
    extras: &'a [String],
}

impl Parser<'_> {
    fn peek_ident(&self, word: &str) -> bool {
        matches!(self.tokens.get(self.at), Some(Token::Ident(w)) if w == word)
    }

    fn or_expr(&mut self) -> Option<bool> {
        let mut value = self.and_expr()?;
        while self.peek_ident("or") {
            self.at += 1;
            let rhs = self.and_expr()?;
            value = value || rhs;
        }
        Some(value)
    }

    fn and_expr(&mut self) -> Option<bool> {
        let mut value = self.atom()?;
        while self.peek_ident("and") {
            self.at += 1;
            let rhs = self.atom()?;
            value = value && rhs;
        }
        Some(value)
    }

    fn atom(&mut self) -> Option<bool> {
        if self.tokens.get(self.at) == Some(&Token::Open) {
            self.at += 1;
            let value = self.or_expr()?;
            if self.tokens.get(self.at) != Some(&Token::Close) {
                return None;
            }
            self.at += 1;
            return Some(value);
        }
        let left = self.tokens.get(self.at)?.clone();
        self.at += 1;
        let op = match self.tokens.get(self.at)? {
            Token::Op(op) => op.clone(),
            Token::Ident(w) if w == "in" => "in".to_string(),
            Token::Ident(w)
                if w == "not"
                    && self.tokens.get(self.at + 1) == Some(&Token::Ident("in".into())) =>
            {
                self.at += 1;
                "not in".to_string()
            }
            _ => return None,
        };
        self.at += 1;
        let right = self.tokens.get(self.at)?.clone();
        self.at += 1;
        // `extra == "x"` holds when x was asked for.
        for (side, other) in [(&left, &right), (&right, &left)] {
            if matches!(side, Token::Ident(name) if name == "extra") {
                let Token::Str(wanted) = other else {
                    return None;
                };
                let hit = self
                    .extras
                    .iter()
                    .any(|e| normalize(e) == normalize(wanted));
                return Some(if op == "!=" { !hit } else { hit });
            }
        }
        let l = self.resolve(&left)?;
        let r = self.resolve(&right)?;
        let version_key = matches!(&left, Token::Ident(n) if n.contains("version"))
            || matches!(&right, Token::Ident(n) if n.contains("version"));
        Some(compare(&l, &op, &r, version_key))
    }

    fn resolve(&self, token: &Token) -> Option<String> {
        match token {
            Token::Str(s) => Some(s.clone()),
            Token::Ident(name) => self.env.value(name).map(String::from),
            _ => None,
        }
    }
}

fn compare(l: &str, op: &str, r: &str, as_version: bool) -> bool {
    match op {
        "in" => r.contains(l),
        "not in" => !r.contains(l),
        _ if as_version => {
            let ord = version_cmp(l, r);
            match op {
                "==" | "===" => {
                    r.ends_with(".*") && l.starts_with(r.trim_end_matches(".*"))
                        || ord == Ordering::Equal
                }
                "!=" => ord != Ordering::Equal,
                "<" => ord == Ordering::Less,
                "<=" => ord != Ordering::Greater,
                ">" => ord == Ordering::Greater,
                ">=" | "~=" => ord != Ordering::Less,
                _ => true,
            }
        }
        "==" | "===" => l == r,
        "!=" => l != r,
        _ => true,
    }
}

/// Compare dotted release numbers (`3.10` > `3.9`).
pub fn version_cmp(a: &str, b: &str) -> Ordering {
    let parse = |s: &str| -> Vec<u64> {
        s.split('.')
            .map(|p| {
                p.chars()
                    .take_while(|c| c.is_ascii_digit())
                    .collect::<String>()
                    .parse()
                    .unwrap_or(0)
            })
            .collect()
    };
    let (mut x, mut y) = (parse(a), parse(b));
    let len = x.len().max(y.len());
    x.resize(len, 0);
    y.resize(len, 0);
    x.cmp(&y)
}

/// PEP 503 name normalisation: `Foo_Bar.baz` → `foo-bar-baz`.
pub fn normalize(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut dash = false;
    for c in name.chars() {
        if c == '-' || c == '_' || c == '.' {
            dash = true;
        } else {
            if dash && !out.is_empty() {
                out.push('-');
            }
            dash = false;
            out.push(c.to_ascii_lowercase());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env() -> Environment {
        Environment::of(Target::LinuxX86_64, "3.11.7")
    }

    #[test]
    fn each_target_has_its_own_values() {
        let arm = Environment::of(Target::LinuxAarch64, "3.11.2");
        assert!(evaluate("platform_machine == 'aarch64'", &arm, &[]));
        assert!(!evaluate("platform_machine == 'x86_64'", &arm, &[]));
        assert!(evaluate("python_full_version < '3.11.3'", &arm, &[]));
        let windows = Environment::of(Target::WindowsX64, "3.11.9");
        assert!(evaluate("platform_system == 'Windows'", &windows, &[]));
        assert!(evaluate(
            "sys_platform == 'win32' and os_name == 'nt'",
            &windows,
            &[]
        ));
    }

    #[test]
    fn evaluates_common_markers() {
        let e = env();
        assert!(evaluate("python_version >= \"3.8\"", &e, &[]));
        assert!(!evaluate("python_version < \"3.10\"", &e, &[]));
        assert!(evaluate(
            "sys_platform == 'linux' and platform_machine == 'x86_64'",
            &e,
            &[]
        ));
        assert!(!evaluate("sys_platform == \"win32\"", &e, &[]));
        assert!(evaluate(
            "sys_platform == \"win32\" or (os_name == \"posix\" and python_version > \"3.9\")",
            &e,
            &[]
        ));
        assert!(!evaluate("platform_system == \"Windows\"", &e, &[]));
        assert!(evaluate("\"linux\" in sys_platform", &e, &[]));
        assert!(!evaluate(
            "implementation_name not in \"cpython pypy\"",
            &e,
            &[]
        ));
    }

    #[test]
    fn extras_count_only_when_asked_for() {
        let e = env();
        assert!(!evaluate("extra == \"socks\"", &e, &[]));
        assert!(evaluate("extra == \"socks\"", &e, &["socks".into()]));
        assert!(evaluate(
            "python_version >= \"3\" and extra == 'Use_Chardet'",
            &e,
            &["use-chardet".into()]
        ));
    }

    #[test]
    fn names_normalise() {
        assert_eq!(normalize("Foo_Bar.baz"), "foo-bar-baz");
        assert_eq!(normalize("typing-extensions"), "typing-extensions");
        assert_eq!(version_cmp("3.10", "3.9"), Ordering::Greater);
    }
}
