//! Where everything lives inside a bundle root (the onefile unpack folder, or `_internal` of a
//! onedir build). The one place these paths are spelled; the launcher learns them from the
//! manifest.
//!
//! The root is the interpreter's prefix, laid out as an installed CPython's, so `sys.prefix`
//! is `sys._MEIPASS` and `sysconfig`'s paths name folders that exist:
//!
//! ```text
//! ROOT/                          sys._MEIPASS = sys.prefix, first on sys.path
//!   app.pyc                      the main script, compiled (its __file__ is ROOT/app.py)
//!   mymodule.pyc, mypkg/...      the app's own modules and packages
//!   <--add-data files>
//!   _pybundle_boot.pyc           the bootstrap the interpreter runs first
//!   lib/libpython3.X.so.1.0      CPython, loaded by the launcher
//!   lib/                         every bundled shared library beside it
//!   lib/python3X.zip             the standard library, compiled
//!   lib/python3.X/lib-dynload/   its extension modules
//!   lib/python3.X/site-packages/ third-party distributions the app reaches
//! ```

use crate::runtime::Runtime;

/// The folder beside a onedir executable that holds its root, unless `--contents-directory`
/// names another.
pub const ONEDIR_INTERNAL: &str = "_internal";
/// Shared libraries, CPython's included, and the standard library.
pub const LIB_DIR: &str = "lib";
pub const BOOTSTRAP: &str = "_pybundle_boot.pyc";

/// Where CPython's shared library goes: under its own name (its soname).
pub fn python_library(interp: &Runtime) -> String {
    format!("{LIB_DIR}/{}", interp.library_name)
}

pub fn stdlib(interp: &Runtime) -> String {
    format!("{LIB_DIR}/python{}", interp.version_short)
}

/// Where third-party distributions go: the folder the bundled interpreter's `site` adds.
pub fn site_packages(interp: &Runtime) -> String {
    format!("{}/site-packages", stdlib(interp))
}

/// The compiled standard library, where CPython looks for it by default (`pythonXY.zip`).
pub fn stdlib_zip(interp: &Runtime) -> String {
    format!(
        "{LIB_DIR}/python{}.zip",
        interp.version_short.replace('.', "")
    )
}

pub fn dynload(interp: &Runtime) -> String {
    format!("{}/lib-dynload", stdlib(interp))
}

/// Paths an app's files may not take: the bootstrap, CPython's library, the standard
/// library's zip and folder (`lib/python3*`, `lib/libpython*`).
pub fn is_reserved(path: &str) -> bool {
    let mut parts = path.split('/');
    let (top, second) = (parts.next(), parts.next());
    path == BOOTSTRAP
        || (top == Some(LIB_DIR)
            && second.is_some_and(|s| s.starts_with("python3") || s.starts_with("libpython")))
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
        assert_eq!(origin_to_libs("lib/libssl.so.3"), "$ORIGIN");
        assert_eq!(
            origin_to_libs("lib/python3.11/lib-dynload/_ssl.so"),
            "$ORIGIN/../.."
        );
        assert_eq!(origin_to_libs("pkg/_native.so"), "$ORIGIN/../lib");
        assert_eq!(origin_to_libs("native.so"), "$ORIGIN/lib");
        assert_eq!(
            origin_to_libs("lib/python3.11/site-packages/np/core/_m.so"),
            "$ORIGIN/../../../.."
        );
    }

    #[test]
    fn runtime_paths_are_reserved() {
        assert!(is_reserved("lib/python3.11/site-packages/x"));
        assert!(is_reserved("lib/python311.zip"));
        assert!(is_reserved("lib/libpython3.11.so.1.0"));
        assert!(is_reserved("_pybundle_boot.pyc"));
        assert!(!is_reserved("lib/helpers.py"));
        assert!(!is_reserved("data/lib/python3.11"));
        assert!(!is_reserved("config.json"));
    }
}
