//! Which parts of the standard library a bundle leaves out because no app imports them: test
//! suites, IDLE, demos, the pip installer, lib2to3, and (until Tcl/Tk's own files are collected)
//! tkinter. Everything else is carried, compiled.

/// Top-level stdlib entries never bundled.
const EXCLUDED_TOP: &[&str] = &[
    "test",
    "idlelib",
    "turtledemo",
    "ensurepip",
    "lib2to3",
    "tkinter",
    "turtle.py",
    "site-packages",
    "dist-packages",
    "lib-dynload",
];

/// Folder names excluded at any depth.
const EXCLUDED_ANYWHERE: &[&str] = &["test", "tests", "idle_test", "__pycache__"];

/// Extension modules in lib-dynload that exist only for CPython's own tests, or need files
/// pybundle does not collect yet.
const EXCLUDED_EXTENSIONS: &[&str] = &[
    "_test",
    "_ctypes_test",
    "_xxtestfuzz",
    "xxlimited",
    "xxsubtype",
    "_tkinter",
];

/// Should the stdlib entry at `rel` (a `/`-separated path from the stdlib root) be walked?
pub fn keep_dir(rel: &str) -> bool {
    let mut parts = rel.split('/');
    let top = parts.next().unwrap_or("");
    if EXCLUDED_TOP.contains(&top) || top.starts_with("config-") {
        return false;
    }
    !rel.split('/').any(|p| EXCLUDED_ANYWHERE.contains(&p))
}

/// Should the module file at `rel` be bundled?
pub fn keep_module(rel: &str) -> bool {
    rel.ends_with(".py") && !EXCLUDED_TOP.contains(&rel)
}

/// Should the lib-dynload file `name` be bundled?
pub fn keep_extension(name: &str) -> bool {
    name.ends_with(".so") && !EXCLUDED_EXTENSIONS.iter().any(|p| name.starts_with(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drops_tests_and_tools_keeps_the_rest() {
        assert!(!keep_dir("test"));
        assert!(!keep_dir("ctypes/test"));
        assert!(!keep_dir("idlelib"));
        assert!(!keep_dir("config-3.11-x86_64-linux-gnu"));
        assert!(keep_dir("json"));
        assert!(keep_dir("email/mime"));
        assert!(keep_module("os.py"));
        assert!(!keep_module("turtle.py"));
        assert!(keep_extension("_ssl.cpython-311-x86_64-linux-gnu.so"));
        assert!(!keep_extension("_testcapi.cpython-311-x86_64-linux-gnu.so"));
        assert!(!keep_extension(
            "xxlimited_35.cpython-311-x86_64-linux-gnu.so"
        ));
    }
}
