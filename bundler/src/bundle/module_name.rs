//! Dotted module names (`json.decoder`), and the file paths that hold modules: the one place
//! that splits on `.` and turns `pkg/mod.py` into `pkg.mod`.

use std::fmt;

/// A dotted module name, `a.b.c`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ModuleName(String);

impl ModuleName {
    pub fn new(name: impl Into<String>) -> Self {
        ModuleName(name.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `a`, `a.b`, `a.b.c`: the modules importing it runs, outermost first.
    pub fn prefixes(&self) -> impl Iterator<Item = &str> {
        prefixes(&self.0)
    }

    /// The module a file provides, from its path relative to a folder on `sys.path`:
    /// `json/decoder.py` is `json.decoder`, `json/__init__.py` is `json`, and
    /// `pkg/_x.cpython-311-x86_64-linux-gnu.so` is `pkg._x`. `None` for a file no import can
    /// reach (`config-3.py`, `x.dist-info/...`, data).
    pub fn from_path(rel: &str) -> Option<ModuleName> {
        Self::from_path_by(rel, is_identifier)
    }

    /// [`ModuleName::from_path`] for modules imported by a computed name
    /// (`importlib.import_module`, `__import__`), whose parts need not be identifiers:
    /// `_sysconfigdata__linux_x86_64-linux-gnu.py`.
    pub fn from_path_by_name(rel: &str) -> Option<ModuleName> {
        Self::from_path_by(rel, |part| !part.is_empty() && !part.contains('.'))
    }

    fn from_path_by(rel: &str, part_ok: fn(&str) -> bool) -> Option<ModuleName> {
        let (dir, file) = rel.rsplit_once('/').unwrap_or(("", rel));
        let stem = if let Some(stem) = file.strip_suffix(".py") {
            stem
        } else if file.ends_with(".so") || file.ends_with(".pyd") {
            file.split('.').next()?
        } else {
            return None;
        };
        let mut parts: Vec<&str> = dir.split('/').filter(|p| !p.is_empty()).collect();
        if stem != "__init__" {
            parts.push(stem);
        }
        let importable = !parts.is_empty() && parts.iter().all(|p| part_ok(p));
        importable.then(|| ModuleName(parts.join(".")))
    }
}

impl fmt::Display for ModuleName {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::borrow::Borrow<str> for ModuleName {
    fn borrow(&self) -> &str {
        &self.0
    }
}

/// `a` of `a.b.c`.
pub fn top(name: &str) -> &str {
    name.split('.').next().unwrap_or(name)
}

/// `a`, `a.b`, `a.b.c`.
pub fn prefixes(name: &str) -> impl Iterator<Item = &str> {
    name.match_indices('.')
        .map(|(at, _)| &name[..at])
        .chain(std::iter::once(name))
}

/// Is the dotted module `name` the module or package `package`, or inside it?
pub fn is_within(name: &str, package: &str) -> bool {
    name.strip_prefix(package)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
}

/// Can `name` be one part of a dotted module name (`config` yes, `config-3` no)?
pub fn is_identifier(name: &str) -> bool {
    name.chars()
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_split_into_their_parts() {
        let n = ModuleName::new("a.b.c");
        assert_eq!(top(n.as_str()), "a");
        assert_eq!(n.prefixes().collect::<Vec<_>>(), ["a", "a.b", "a.b.c"]);
        assert!(is_within(n.as_str(), "a.b") && !is_within(n.as_str(), "a.bc"));
        assert!(is_within("numpy", "numpy") && !is_within("numpyx", "numpy"));
        assert!(is_identifier("_x1") && !is_identifier("config-3") && !is_identifier("1x"));
    }

    #[test]
    fn paths_name_the_modules_they_hold() {
        let name = |p| ModuleName::from_path(p).map(|n| n.to_string());
        assert_eq!(name("json/decoder.py").as_deref(), Some("json.decoder"));
        assert_eq!(name("json/__init__.py").as_deref(), Some("json"));
        assert_eq!(name("six.py").as_deref(), Some("six"));
        assert_eq!(
            name("numpy/core/_m.cpython-311-x86_64-linux-gnu.so").as_deref(),
            Some("numpy.core._m")
        );
        assert_eq!(name("cv2/cv2.abi3.so").as_deref(), Some("cv2.cv2"));
        assert_eq!(
            name("_cffi_backend.cpython-311-x86_64-linux-gnu.so").as_deref(),
            Some("_cffi_backend")
        );
        assert_eq!(name("numpy.libs/libscipy_openblas64_-32a4b2a6.so"), None);
        assert_eq!(name("pkg-1.0.data/x.so"), None);
        assert_eq!(name("cv2/config-3.py"), None);
        assert_eq!(name("x.dist-info/RECORD"), None);
        assert_eq!(name("numpy.libs/libopenblas.so"), None);
        assert_eq!(name("__init__.py"), None);
        assert_eq!(
            ModuleName::from_path_by_name("_sysconfigdata__linux_x86_64-linux-gnu.py")
                .map(|n| n.to_string())
                .as_deref(),
            Some("_sysconfigdata__linux_x86_64-linux-gnu")
        );
    }

    #[test]
    fn a_module_is_within_itself_and_its_packages_only() {
        assert!(is_within("numpy", "numpy"));
        assert!(is_within("numpy.f2py.x", "numpy.f2py"));
        assert!(!is_within("numpyx", "numpy"));
        assert!(!is_within("numpy", "numpy.f2py"));
    }
}
