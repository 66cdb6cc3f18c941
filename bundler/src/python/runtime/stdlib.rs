//! Which parts of the standard library a bundle never carries because no app imports them:
//! test suites, IDLE, demos, the pip installer, lib2to3; and `_tkinter` (with Tcl/Tk) unless
//! the app reaches tkinter, since it drags in Tcl, Tk and X libraries. tkinter's own modules
//! are kept only when the app uses them (the module graph treats it as a tool).

use crate::bundle::target::{Os, Target};

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

/// The extension module that loads Tcl/Tk, carried only for apps that reach tkinter.
const TK_EXTENSION: &str = "_tkinter";

/// Should the stdlib folder at `rel` (a `/`-separated path from the stdlib root) be walked?
pub fn keep_dir(rel: &str) -> bool {
    let top = rel.split('/').next().unwrap_or("");
    if EXCLUDED_TOP.contains(&top) || top.starts_with("config-") {
        return false;
    }
    !rel.split('/').any(|p| EXCLUDED_ANYWHERE.contains(&p))
}

/// May the module file at `rel` be bundled?
pub fn keep_module(rel: &str) -> bool {
    rel.ends_with(".py") && !EXCLUDED_TOP.contains(&rel)
}

/// How the runtime's extension modules end: `.so`, `.pyd` on Windows.
pub fn extension_suffix(target: Target) -> &'static str {
    match target.os() {
        Os::Windows => ".pyd",
        _ => ".so",
    }
}

/// Should the lib-dynload file `name` be bundled?
pub fn keep_extension(name: &str, target: Target, with_tk: bool) -> bool {
    name.ends_with(extension_suffix(target))
        && !EXCLUDED_EXTENSIONS.iter().any(|p| name.starts_with(p))
        && (with_tk || name.split('.').next() != Some(TK_EXTENSION))
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
        let linux = Target::LinuxX86_64;
        assert!(keep_extension(
            "_ssl.cpython-311-x86_64-linux-gnu.so",
            linux,
            false
        ));
        assert!(!keep_extension(
            "_testcapi.cpython-311-x86_64-linux-gnu.so",
            linux,
            true
        ));
        assert!(!keep_extension(
            "xxlimited_35.cpython-311-x86_64-linux-gnu.so",
            linux,
            true
        ));
        let windows = Target::WindowsX64;
        assert!(keep_extension("_ssl.pyd", windows, false));
        assert!(!keep_extension("_ssl.pyd", linux, false));
        assert!(!keep_extension("libcrypto-3.dll", windows, false));
    }

    #[test]
    fn tk_comes_only_when_reached() {
        let tk = "_tkinter.cpython-311-x86_64-linux-gnu.so";
        let linux = Target::LinuxX86_64;
        assert!(!keep_extension(tk, linux, false) && keep_extension(tk, linux, true));
    }
}
