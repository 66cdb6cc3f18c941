//! Where everything lives inside a bundle root (the onefile unpack folder, or `_internal` of a
//! onedir build). The one place these paths are spelled; the launcher learns them from the
//! manifest.
//!
//! The root is the interpreter's prefix, laid out as an installed CPython's, so `sys.prefix`
//! is `sys._MEIPASS` and `sysconfig`'s paths name folders that exist:
//!
//! ```text
//! ROOT/                          sys._MEIPASS = sys.prefix, first on sys.path
//!   _pybundle_main/app.pyc       the main script, compiled (its __file__ is ROOT/app.py),
//!                                where no import finds it
//!   _pybundle_hooks/             --runtime-hook scripts, compiled, in the order they run
//!   mypkg/...                    the app's own packages' data (their modules are in the store)
//!   <--add-data files>
//!   numpy/..., numpy.libs/...,   third-party distributions the app reaches, as PyInstaller
//!   *.dist-info/                 lays them out: at the root, so `sys._MEIPASS/<package>`
//!                                names a package's folder (their modules are in the store)
//!   _pybundle_boot.pyc           the bootstrap the interpreter runs first
//!   _pybundle_modules.dat        the app's and the distributions' modules, compiled, in one
//!                                file (each keeps the __file__ it would have as a file)
//!   _pybundle_sbom.cdx.json      the software bill of materials (docs/sbom.md)
//!   _pybundle_licenses/P/copyright  the system package P's copyright file, for its libraries
//!   lib/python3.X/LICENSE.txt    CPython's licence
//!   lib/libpython3.X.so.1.0      CPython, loaded by the launcher
//!   lib/                         every bundled shared library beside it
//!   lib/python3X.zip             the standard library, compiled
//!   lib/python3.X/lib-dynload/   its extension modules
//! ```
//!
//! A Windows root is laid out as CPython installs itself there:
//!
//! ```text
//! ROOT/                          as above: app, bootstrap, data
//!   python3X.dll, *.dll          CPython and every DLL the bundle needs (on the DLL path)
//!   python3X.zip                 the standard library, compiled, beside the DLL
//!   Lib/LICENSE.txt              CPython's licence (with those of the libraries it ships)
//!   DLLs/                        its extension modules (.pyd)
//!   numpy/..., *.dist-info/      third-party distributions, at the root as on Linux
//! ```

use crate::bundle::target::Os;

/// The folder beside a onedir executable that holds its root, unless `--contents-directory`
/// names another.
pub const ONEDIR_INTERNAL: &str = "_internal";
/// Shared libraries, CPython's included, and the standard library.
pub const LIB_DIR: &str = "lib";
pub const BOOTSTRAP: &str = "_pybundle_boot.pyc";
/// The compiled main scripts: a folder of their own, so that none is importable by its name
/// (a console script `fetchstat` beside its package `fetchstat`).
pub const MAIN_DIR: &str = "_pybundle_main";
/// The compiled `--runtime-hook` scripts.
pub const HOOKS_DIR: &str = "_pybundle_hooks";

/// The bootstrap of another console script's executable in the same folder
/// (`-D --all-entry-points`).
pub fn companion_bootstrap(name: &str) -> String {
    format!("_pybundle_boot-{name}.pyc")
}
/// The licences of what came from outside any distribution (a system package's copyright
/// file), by the package's name.
pub const LICENCES_DIR: &str = "_pybundle_licenses";

/// Where the copyright file of the system package `name` goes.
pub fn package_licence(name: &str) -> String {
    format!("{LICENCES_DIR}/{name}/copyright")
}

/// The app's and its distributions' compiled modules, in one file (`module_store`).
pub const MODULE_STORE: &str = "_pybundle_modules.dat";

/// What of the runtime a bundle carries decides where its parts go in the root: the system it
/// is for, its `3.X`, and its library's file name. Made by `Runtime::layout`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RootLayout {
    pub os: Os,
    /// `3.11`.
    pub version_short: String,
    /// CPython's shared library's file name (`libpython3.11.so.1.0`, `python311.dll`).
    pub library_name: String,
}

/// Where the bundle's shared libraries go: `lib`, or the root itself on Windows.
pub fn library_dir(root: &RootLayout) -> &'static str {
    match root.os {
        Os::Windows => "",
        _ => LIB_DIR,
    }
}

/// `name` in the shared-library folder.
pub fn library(root: &RootLayout, name: &str) -> String {
    match library_dir(root) {
        "" => name.to_string(),
        dir => format!("{dir}/{name}"),
    }
}

/// Where CPython's shared library goes: under its own name (its soname).
pub fn python_library(root: &RootLayout) -> String {
    library(root, &root.library_name)
}

pub fn stdlib(root: &RootLayout) -> String {
    match root.os {
        Os::Windows => "Lib".to_string(),
        _ => format!("{LIB_DIR}/python{}", root.version_short),
    }
}

/// Where third-party distributions go: the root itself, as PyInstaller lays them out, so a
/// package found at `sys._MEIPASS/<package>` by code written for PyInstaller (Faker's
/// providers, an installed app's own assets) is there, and a PyInstaller hook's
/// destinations mean the same place in a pybundle bundle. The root is first on `sys.path`.
pub const SITE_PACKAGES: &str = "";

/// `rel` inside the bundle folder `dir` (`""`: the root).
pub fn within(dir: &str, rel: &str) -> String {
    match dir {
        "" => rel.to_string(),
        dir => format!("{dir}/{rel}"),
    }
}

/// The compiled standard library, where CPython looks for it by default (`pythonXY.zip`).
pub fn stdlib_zip(root: &RootLayout) -> String {
    library(
        root,
        &format!("python{}.zip", root.version_short.replace('.', "")),
    )
}

/// Where CPython's licence goes: in its library's folder, where CPython installs it.
pub fn python_licence(root: &RootLayout) -> String {
    format!("{}/LICENSE.txt", stdlib(root))
}

pub fn dynload(root: &RootLayout) -> String {
    match root.os {
        Os::Windows => "DLLs".to_string(),
        _ => format!("{}/lib-dynload", stdlib(root)),
    }
}

/// Paths an app's files may not take in a bundle for `os`: the bootstrap, CPython's library,
/// the standard library's zip and folder (`lib/python3*`, `lib/libpython*`; on Windows, where
/// names are case-blind, `python3*.dll` and `python3*.zip` at the top, `Lib/` and `DLLs/`).
pub fn is_reserved(path: &str, os: Os) -> bool {
    let mut parts = path.split('/');
    let (top, second) = (parts.next(), parts.next());
    // The bootstrap, the store, the main scripts, the hooks: pybundle's own.
    if top.is_some_and(|t| t.starts_with("_pybundle")) {
        return true;
    }
    match os {
        Os::Windows => {
            let top = top.unwrap_or("").to_ascii_lowercase();
            match second {
                None => {
                    top.starts_with("python3") && (top.ends_with(".dll") || top.ends_with(".zip"))
                }
                Some(_) => top == "lib" || top == "dlls",
            }
        }
        _ => {
            top == Some(LIB_DIR)
                && second.is_some_and(|s| s.starts_with("python3") || s.starts_with("libpython"))
        }
    }
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
        assert_eq!(origin_to_libs("np/core/_m.so"), "$ORIGIN/../../lib");
    }

    #[test]
    fn runtime_paths_are_reserved() {
        let linux = |p| is_reserved(p, Os::Linux);
        assert!(linux("lib/python3.11/lib-dynload/x"));
        assert!(linux("lib/python311.zip"));
        assert!(linux("lib/libpython3.11.so.1.0"));
        assert!(linux("_pybundle_boot.pyc"));
        assert!(linux("_pybundle_main/app.pyc") && linux("_pybundle_modules.dat"));
        assert!(!linux("lib/helpers.py"));
        assert!(!linux("data/lib/python3.11"));
        assert!(!linux("config.json"));
        assert!(!linux("python311.dll") && !linux("Lib/x"));
        let windows = |p| is_reserved(p, Os::Windows);
        assert!(windows("python311.dll") && windows("Python311.zip"));
        assert!(windows("Lib/x") && windows("dlls/_ssl.pyd"));
        assert!(windows("_pybundle_boot.pyc"));
        assert!(!windows("python3_helpers.py") && !windows("Lib") && !windows("data/Lib/x"));
    }
}
