//! Which files of an installed distribution matter at run time: one rule for the module graph
//! (whose modules it follows) and for bundling (which files it copies).

use crate::bundle::module_name::is_within;

/// Should `rel` (a file of a distribution, relative to its site-packages) be bundled?
/// `whole`: `--collect-all/-data/-binaries` asked for the whole distribution. `app_imports`
/// says whether the app imports a module itself (a tool subpackage such as `numpy.distutils`
/// goes only then).
pub fn keeps(rel: &str, whole: bool, app_imports: &dyn Fn(&str) -> bool) -> bool {
    if unused_at_run_time(rel) {
        return false;
    }
    whole || (!build_time_only(rel) && super::hooks::tool_subpackage(rel).is_none_or(app_imports))
}

/// Does the app import `tool` or something inside it?
pub fn app_imports_within<'a>(imports: impl IntoIterator<Item = &'a String>, tool: &str) -> bool {
    imports.into_iter().any(|n| is_within(n, tool))
}

/// Test modules outside a `tests` folder (`test_*.py`, conftest) are carried but not followed:
/// their imports (pytest, mock, ...) are not the app's. A `testing` package is not one: it is
/// API that apps call (`numpy.testing.assert_allclose`), and it needs `unittest`.
pub fn is_test_module(rel: &str) -> bool {
    let file = rel.rsplit('/').next().unwrap_or(rel);
    rel.split('/').any(|p| p == "tests" || p == "test")
        || file.starts_with("test_")
        || file.ends_with("_test.py")
        || file == "conftest.py"
}

/// Files of a distribution that nothing uses at run time: its test suites (numpy's are 500
/// files) and type stubs. Leaving them out keeps a onefile launch from writing them each time.
fn unused_at_run_time(rel: &str) -> bool {
    let mut dirs = rel.split('/').rev().skip(1);
    rel.ends_with(".pyi") || dirs.any(|d| d == "tests")
}

/// Files only a build against the package uses: C sources and headers (`numpy.get_include()`),
/// Cython declarations, static libraries. `--collect-data`/`--collect-all` keep them.
fn build_time_only(rel: &str) -> bool {
    let in_metadata = rel
        .split('/')
        .next()
        .is_some_and(|top| top.ends_with(".dist-info"));
    let ext = rel.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
    !in_metadata
        && matches!(
            ext,
            "c" | "h" | "cc" | "cpp" | "hpp" | "pxd" | "pyx" | "pxi" | "a" | "lib"
        )
}

#[cfg(test)]
mod tests {
    use super::{build_time_only, is_test_module, keeps, unused_at_run_time};

    #[test]
    fn build_time_files_are_told_apart() {
        assert!(build_time_only("numpy/_core/include/numpy/ndarrayobject.h"));
        assert!(build_time_only("numpy/random/lib/libnpyrandom.a"));
        assert!(build_time_only("numpy/__init__.pxd"));
        assert!(!build_time_only("numpy/__init__.py"));
        assert!(!build_time_only("numpy-2.4.6.dist-info/licenses/src/x.h"));
        assert!(!build_time_only("certifi/cacert.pem"));
    }

    #[test]
    fn tests_and_stubs_stay_out() {
        assert!(unused_at_run_time("numpy/_core/tests/test_api.py"));
        assert!(unused_at_run_time("numpy/_core/tests/data/x.csv"));
        assert!(unused_at_run_time("numpy/__init__.pyi"));
        assert!(!unused_at_run_time("numpy/testing/__init__.py"));
        assert!(!is_test_module("numpy/testing/_private/utils.py"));
        assert!(is_test_module("pkg/test/helpers.py") && is_test_module("pkg/conftest.py"));
        assert!(!unused_at_run_time("tests.py"));
        assert!(!unused_at_run_time("certifi/cacert.pem"));
    }

    #[test]
    fn tool_subpackages_go_only_when_the_app_imports_them() {
        let none = |_: &str| false;
        let all = |_: &str| true;
        assert!(!keeps("numpy/distutils/core.py", false, &none));
        assert!(keeps("numpy/distutils/core.py", false, &all));
        assert!(keeps("numpy/core/include/x.h", true, &none));
        assert!(!keeps("numpy/core/include/x.h", false, &all));
        assert!(!keeps("numpy/core/tests/test_x.py", true, &all));
    }
}
