//! What pybundle knows about particular packages, as PyInstaller's hooks do: imports a package
//! makes only for developer tools that cannot work in a bundle anyway (numpy's `f2py` and
//! `distutils` build extension modules with setuptools and a compiler; `numpy.test()` runs
//! pytest). Those imports are not followed *from that package's modules*: an app that imports
//! setuptools or pytest itself still gets them, and `--hidden-import` brings any of them back.
//! Such a tool that is a subpackage of the package itself (`numpy.distutils`, 136 files) is
//! left out of the bundle unless the app imports it or asks for the whole package.

/// (top-level package, the imports its modules make that are not followed).
///
/// `numpy.f2py` is a tool too, but `from numpy import *` imports it (it is in numpy's
/// `__all__`), so it stays; its own imports of setuptools and distutils are not followed.
const TOOLS_ONLY: &[(&str, &[&str])] = &[(
    "numpy",
    &[
        "numpy.distutils",
        "setuptools",
        "distutils",
        "pytest",
        "scipy",
    ],
)];

/// Does the module `importer` (dotted) import `name` only for a developer tool?
pub fn tool_only(importer: &str, name: &str) -> bool {
    let top = importer.split('.').next().unwrap_or(importer);
    TOOLS_ONLY
        .iter()
        .filter(|(package, _)| *package == top)
        .flat_map(|(_, names)| names.iter())
        .any(|skipped| crate::bundle::module_name::is_within(name, skipped))
}

/// The tool subpackage (dotted) that the distribution file `rel` belongs to, if any.
pub fn tool_subpackage(rel: &str) -> Option<&'static str> {
    let mut parts = rel.split('/');
    let (package, sub) = (parts.next()?, parts.next()?);
    parts.next()?; // `rel` must be inside the subpackage's folder.
    TOOLS_ONLY
        .iter()
        .filter(|(top, _)| *top == package)
        .flat_map(|(_, names)| names.iter().copied())
        .find(|name| {
            name.strip_prefix(package)
                .and_then(|rest| rest.strip_prefix('.'))
                .is_some_and(|rest| rest == sub)
        })
}

#[cfg(test)]
mod tests {
    use super::{tool_only, tool_subpackage};

    #[test]
    fn tool_subpackages_are_found_by_path() {
        assert_eq!(tool_subpackage("numpy/f2py/crackfortran.py"), None);
        assert_eq!(
            tool_subpackage("numpy/distutils/checks/cpu_sse.c"),
            Some("numpy.distutils")
        );
        assert_eq!(tool_subpackage("numpy/linalg/__init__.py"), None);
        assert_eq!(tool_subpackage("numpy/f2py.py"), None);
        assert_eq!(tool_subpackage("setuptools/dist.py"), None);
    }

    #[test]
    fn only_the_named_packages_imports_are_skipped() {
        assert!(!tool_only("numpy", "numpy.f2py"));
        assert!(tool_only("numpy.f2py._backends._distutils", "setuptools"));
        assert!(tool_only("numpy._pytesttester", "pytest"));
        assert!(tool_only("numpy.distutils.core", "setuptools.command"));
        assert!(!tool_only("numpy", "numpy.linalg"));
        assert!(!tool_only("numpy", "setuptoolsx"));
        assert!(!tool_only("myapp", "setuptools"));
    }
}
