//! What pybundle knows about particular packages, as PyInstaller's hooks do: imports a package
//! makes only for developer tools that cannot work in a bundle anyway (numpy's `f2py` and
//! `distutils` build extension modules with setuptools and a compiler; `numpy.test()` runs
//! pytest). Those imports are not followed *from that package's modules*: an app that imports
//! setuptools or pytest itself still gets them, and `--hidden-import` brings any of them back.
//! Such a tool that is a subpackage of the package itself (`numpy.distutils`, 136 files) is
//! left out of the bundle unless the app imports it or asks for the whole package. And the
//! imports compiled modules make from C, which no analysis of Python source can see.

/// (top-level package, the imports its modules make that are not followed).
const TOOLS_ONLY: &[(&str, &[&str])] = &[(
    "numpy",
    &[
        "numpy.f2py",
        "numpy.distutils",
        "setuptools",
        "distutils",
        "pytest",
        "scipy",
    ],
)];

/// (compiled module, the standard-library modules its C code imports): compiled code's imports
/// cannot be read (Cython compresses its strings), so the ones a bundle was seen to miss are
/// listed here, as PyInstaller's hooks list them.
const COMPILED_IMPORTS: &[(&str, &[&str])] = &[("pandas._libs.testing", &["cmath"])];

/// What the compiled module at `rel` (a distribution's file, `/`-separated) imports from C, as
/// far as [`COMPILED_IMPORTS`] knows.
pub fn compiled_imports(rel: &str) -> &'static [&'static str] {
    let Some((dir, file)) = rel.rsplit_once('/').or(Some(("", rel))) else {
        return &[];
    };
    let Some((stem, _)) = file.split_once('.').filter(|_| file.ends_with(".so")) else {
        return &[];
    };
    let module = if dir.is_empty() {
        stem.to_string()
    } else {
        format!("{}.{stem}", dir.replace('/', "."))
    };
    COMPILED_IMPORTS
        .iter()
        .find(|(name, _)| *name == module)
        .map_or(&[], |(_, imports)| imports)
}

/// Does the module `importer` (dotted) import `name` only for a developer tool?
pub fn tool_only(importer: &str, name: &str) -> bool {
    let top = importer.split('.').next().unwrap_or(importer);
    TOOLS_ONLY
        .iter()
        .filter(|(package, _)| *package == top)
        .flat_map(|(_, names)| names.iter())
        .any(|skipped| crate::analysis::is_within(name, skipped))
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
    use super::{compiled_imports, tool_only, tool_subpackage};

    #[test]
    fn compiled_modules_are_known_by_path() {
        let testing = "pandas/_libs/testing.cpython-311-x86_64-linux-gnu.so";
        assert_eq!(compiled_imports(testing), ["cmath"]);
        assert!(compiled_imports("pandas/_libs/testing.pyi").is_empty());
        assert!(compiled_imports("pandas/_libs/lib.cpython-311-x86_64-linux-gnu.so").is_empty());
    }

    #[test]
    fn tool_subpackages_are_found_by_path() {
        assert_eq!(
            tool_subpackage("numpy/f2py/crackfortran.py"),
            Some("numpy.f2py")
        );
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
        assert!(tool_only("numpy", "numpy.f2py"));
        assert!(tool_only("numpy.f2py.crackfortran", "numpy.f2py.auxfuncs"));
        assert!(tool_only("numpy._pytesttester", "pytest"));
        assert!(tool_only("numpy.distutils.core", "setuptools.command"));
        assert!(!tool_only("numpy", "numpy.linalg"));
        assert!(!tool_only("numpy", "setuptoolsx"));
        assert!(!tool_only("myapp", "setuptools"));
    }
}
