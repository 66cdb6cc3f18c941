//! Where everything lives inside a bundle root (the onefile unpack folder, or `_internal` of a
//! onedir build). The one place these paths are spelled; the launcher learns them from the
//! manifest.
//!
//! ```text
//! ROOT/                          sys._MEIPASS, first on sys.path
//!   app.pyc                      the main script, compiled (its __file__ is ROOT/app.py)
//!   mymodule.pyc, mypkg/...      the app's own modules and packages
//!   <--add-data files>
//!   _pybundle_boot.pyc           the bootstrap the interpreter runs first
//!   _python/bin/python3.X        the interpreter
//!   _python/lib/                 libpython and every bundled shared library
//!   _python/lib/python3X.zip     the standard library, compiled
//!   _python/lib/python3.X/lib-dynload/  its extension modules
//!   _python/lib/python3.X/site-packages/ third-party distributions the app reaches
//! ```

use crate::interpreter::Interpreter;

/// The folder beside a onedir executable that holds its root.
pub const ONEDIR_INTERNAL: &str = "_internal";
/// Everything of the runtime sits under this folder.
pub const RUNTIME_DIR: &str = "_python";
pub const LIB_DIR: &str = "_python/lib";
pub const BOOTSTRAP: &str = "_pybundle_boot.pyc";

pub fn interpreter(interp: &Interpreter) -> String {
    format!("{RUNTIME_DIR}/bin/{}", interp.binary_name())
}

pub fn stdlib(interp: &Interpreter) -> String {
    format!("{LIB_DIR}/python{}", interp.version_short)
}

/// Where third-party distributions go: the folder the bundled interpreter's `site` adds.
pub fn site_packages(interp: &Interpreter) -> String {
    format!("{}/site-packages", stdlib(interp))
}

/// The compiled standard library, where CPython looks for it by default (`pythonXY.zip`).
pub fn stdlib_zip(interp: &Interpreter) -> String {
    format!(
        "{LIB_DIR}/python{}.zip",
        interp.version_short.replace('.', "")
    )
}

pub fn dynload(interp: &Interpreter) -> String {
    format!("{}/lib-dynload", stdlib(interp))
}

/// Paths an app's files may not take.
pub fn is_reserved(path: &str) -> bool {
    let top = path.split('/').next().unwrap_or(path);
    top == RUNTIME_DIR || path == BOOTSTRAP
}

/// `$ORIGIN`-relative path from the folder of `file` to the shared-library folder.
pub fn origin_to_libs(file: &str) -> String {
    let depth = file.matches('/').count();
    let lib_depth = LIB_DIR.matches('/').count() + 1;
    let file_dir: Vec<&str> = file.split('/').take(depth).collect();
    let lib: Vec<&str> = LIB_DIR.split('/').collect();
    let common = file_dir
        .iter()
        .zip(&lib)
        .take_while(|(a, b)| a == b)
        .count();
    let mut out = String::from("$ORIGIN");
    for _ in common..file_dir.len() {
        out.push_str("/..");
    }
    for part in &lib[common..lib_depth] {
        out.push('/');
        out.push_str(part);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origin_paths_point_at_the_library_folder() {
        assert_eq!(origin_to_libs("_python/bin/python3.11"), "$ORIGIN/../lib");
        assert_eq!(origin_to_libs("_python/lib/libssl.so.3"), "$ORIGIN");
        assert_eq!(
            origin_to_libs("_python/lib/python3.11/lib-dynload/_ssl.so"),
            "$ORIGIN/../.."
        );
        assert_eq!(origin_to_libs("pkg/_native.so"), "$ORIGIN/../_python/lib");
    }

    #[test]
    fn runtime_paths_are_reserved() {
        assert!(is_reserved("_python/lib/x"));
        assert!(is_reserved("_pybundle_boot.pyc"));
        assert!(!is_reserved("data/_python"));
        assert!(!is_reserved("config.json"));
    }
}
