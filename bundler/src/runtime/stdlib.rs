//! Which parts of the standard library a bundle leaves out because no app imports them: test
//! suites, IDLE, demos, the pip installer, lib2to3; and tkinter (with `_tkinter` and Tcl/Tk)
//! unless the app reaches it, since it drags in Tcl, Tk and X libraries. Everything else is
//! carried, compiled.

/// Top-level stdlib entries never bundled.
const EXCLUDED_TOP: &[&str] = &[
    "test",
    "idlelib",
    "turtledemo",
    "ensurepip",
    "lib2to3",
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
];

/// The Tk parts, carried only for apps that reach tkinter.
const TK_TOP: &[&str] = &["tkinter", "turtle.py"];
const TK_EXTENSION: &str = "_tkinter";

/// Should the stdlib folder at `rel` (a `/`-separated path from the stdlib root) be walked?
pub fn keep_dir(rel: &str, with_tk: bool) -> bool {
    let top = rel.split('/').next().unwrap_or("");
    if EXCLUDED_TOP.contains(&top) || top.starts_with("config-") {
        return false;
    }
    if !with_tk && TK_TOP.contains(&top) {
        return false;
    }
    !rel.split('/').any(|p| EXCLUDED_ANYWHERE.contains(&p))
}

/// Should the module file at `rel` be bundled?
pub fn keep_module(rel: &str, with_tk: bool) -> bool {
    rel.ends_with(".py") && !EXCLUDED_TOP.contains(&rel) && (with_tk || !TK_TOP.contains(&rel))
}

/// Should the lib-dynload file `name` be bundled?
pub fn keep_extension(name: &str, with_tk: bool) -> bool {
    name.ends_with(".so")
        && !EXCLUDED_EXTENSIONS.iter().any(|p| name.starts_with(p))
        && (with_tk || name.split('.').next() != Some(TK_EXTENSION))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drops_tests_and_tools_keeps_the_rest() {
        assert!(!keep_dir("test", true));
        assert!(!keep_dir("ctypes/test", true));
        assert!(!keep_dir("idlelib", true));
        assert!(!keep_dir("config-3.11-x86_64-linux-gnu", true));
        assert!(keep_dir("json", false));
        assert!(keep_dir("email/mime", false));
        assert!(keep_module("os.py", false));
        assert!(keep_extension(
            "_ssl.cpython-311-x86_64-linux-gnu.so",
            false
        ));
        assert!(!keep_extension(
            "_testcapi.cpython-311-x86_64-linux-gnu.so",
            true
        ));
        assert!(!keep_extension(
            "xxlimited_35.cpython-311-x86_64-linux-gnu.so",
            true
        ));
    }

    #[test]
    fn tk_comes_only_when_reached() {
        assert!(!keep_dir("tkinter", false) && keep_dir("tkinter", true));
        assert!(!keep_module("turtle.py", false) && keep_module("turtle.py", true));
        let tk = "_tkinter.cpython-311-x86_64-linux-gnu.so";
        assert!(!keep_extension(tk, false) && keep_extension(tk, true));
    }
}
