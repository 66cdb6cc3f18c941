//! The app finder: the app's own modules, in the script's folder and then the folders of
//! `-p/--paths` and `PYTHONPATH` (the first that has a module wins, as on `sys.path`), and what
//! each imports.

use std::fs;
use std::path::{Path, PathBuf};

use crate::analysis::imports;
use crate::bundle::module_name::is_identifier;
use crate::error::Error;
use crate::packages::markers::Environment;

/// How a module of the app is held.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Local {
    /// `name.py`.
    Module(PathBuf),
    /// `name/__init__.py`.
    Package(PathBuf),
    /// A folder of `.py` files without `__init__.py`.
    Namespace(PathBuf),
    /// `name.cpython-311-x86_64-linux-gnu.so`.
    Extension(PathBuf),
}

/// A module of the app and the folder it was found in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub local: Local,
    pub root: PathBuf,
}

impl Found {
    /// The source file, when it has one.
    pub fn source(&self) -> Option<&Path> {
        match &self.local {
            Local::Module(path) | Local::Package(path) => Some(path),
            Local::Namespace(_) | Local::Extension(_) => None,
        }
    }

    /// Its path from the folder it was found in, as tracebacks show it (`pkg/mod.py`).
    pub fn display(&self) -> Result<String, Error> {
        let path = match &self.local {
            Local::Module(p) | Local::Package(p) | Local::Namespace(p) | Local::Extension(p) => p,
        };
        path.strip_prefix(&self.root)
            .ok()
            .and_then(|p| p.to_str())
            .map(str::to_string)
            .ok_or_else(|| Error::BadPath(path.clone()))
    }
}

pub struct AppFinder {
    roots: Vec<PathBuf>,
    /// The build interpreter's standard library: a folder of the app named like one of its
    /// packages (`email/` of data) is not taken for a namespace package.
    stdlib: PathBuf,
}

impl AppFinder {
    pub fn new(roots: Vec<PathBuf>, stdlib: PathBuf) -> Self {
        AppFinder { roots, stdlib }
    }

    /// The module `dotted` in the first of the app's folders that has it.
    pub fn find(&self, dotted: &str) -> Option<Found> {
        self.roots.iter().find_map(|root| {
            self.find_in(root, dotted).map(|local| Found {
                local,
                root: root.clone(),
            })
        })
    }

    fn find_in(&self, root: &Path, dotted: &str) -> Option<Local> {
        let parts: Vec<&str> = dotted.split('.').collect();
        if parts
            .iter()
            .any(|p| p.is_empty() || p.contains(['/', '\\']))
        {
            return None;
        }
        let (last, parents) = parts.split_last()?;
        let dir = parents.iter().fold(root.to_path_buf(), |d, p| d.join(p));
        let init = dir.join(last).join("__init__.py");
        if init.is_file() {
            return Some(Local::Package(init));
        }
        let module = dir.join(format!("{last}.py"));
        if module.is_file() {
            return Some(Local::Module(module));
        }
        if let Some(ext) = find_extension(&dir, last) {
            return Some(Local::Extension(ext));
        }
        let ns = dir.join(last);
        let shadows_stdlib = parents.is_empty()
            && (self.stdlib.join(format!("{last}.py")).exists() || self.stdlib.join(last).is_dir());
        if ns.is_dir() && !shadows_stdlib && has_python_files(&ns) {
            return Some(Local::Namespace(ns));
        }
        None
    }

    /// Every module under the app's package `package` (dotted names), in any of its folders
    /// (`--collect-submodules`).
    pub fn submodules(&self, package: &str) -> Vec<String> {
        let mut out = Vec::new();
        for root in &self.roots {
            let dir = package.split('.').fold(root.clone(), |d, p| d.join(p));
            if dir.join("__init__.py").is_file() || dir.is_dir() {
                out.push(package.to_string());
                walk(&dir, package, &mut out);
            }
        }
        out
    }
}

fn walk(dir: &Path, dotted: &str, out: &mut Vec<String>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.flatten().collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let Ok(name) = entry.file_name().into_string() else {
            continue;
        };
        let path = entry.path();
        if path.is_dir() && name != "__pycache__" && is_identifier(&name) {
            walk(&path, &format!("{dotted}.{name}"), out);
        } else if let Some(stem) = name.strip_suffix(".py") {
            if stem != "__init__" && is_identifier(stem) {
                out.push(format!("{dotted}.{stem}"));
            }
        }
    }
}

fn find_extension(dir: &Path, name: &str) -> Option<PathBuf> {
    let prefix = format!("{name}.");
    let mut found: Vec<PathBuf> = fs::read_dir(dir)
        .ok()?
        .flatten()
        .filter_map(|e| {
            let file = e.file_name().into_string().ok()?;
            (file.starts_with(&prefix) && file.ends_with(".so")).then(|| e.path())
        })
        .collect();
    found.sort();
    found.into_iter().next()
}

/// Does `dir` hold a `.py` file?
pub fn has_python_files(dir: &Path) -> bool {
    fs::read_dir(dir).is_ok_and(|entries| {
        entries
            .flatten()
            .any(|e| e.file_name().to_string_lossy().ends_with(".py"))
    })
}

/// Everything [`imports::scan`] reads in the app's source file `path`, for the target `env`.
pub fn scan_of(
    path: &Path,
    module: &str,
    is_package: bool,
    env: &Environment,
) -> Result<imports::Scan, Error> {
    let bytes = fs::read(path).map_err(|source| Error::Read {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(imports::scan(
        &String::from_utf8_lossy(&bytes),
        module,
        is_package,
        env,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_folder_with_a_module_wins_and_stdlib_names_are_not_namespaces() {
        let (a, b, stdlib) = (
            tempfile::tempdir().unwrap(),
            tempfile::tempdir().unwrap(),
            tempfile::tempdir().unwrap(),
        );
        fs::write(a.path().join("m.py"), "").unwrap();
        fs::write(b.path().join("m.py"), "").unwrap();
        fs::create_dir_all(b.path().join("pkg/sub")).unwrap();
        fs::write(b.path().join("pkg/__init__.py"), "").unwrap();
        fs::write(b.path().join("pkg/sub/x.py"), "").unwrap();
        fs::create_dir_all(b.path().join("email")).unwrap();
        fs::write(b.path().join("email/x.py"), "").unwrap();
        fs::create_dir_all(stdlib.path().join("email")).unwrap();
        let finder = AppFinder::new(
            vec![a.path().to_path_buf(), b.path().to_path_buf()],
            stdlib.path().to_path_buf(),
        );
        assert_eq!(finder.find("m").unwrap().root, a.path());
        assert!(matches!(
            finder.find("pkg").unwrap().local,
            Local::Package(_)
        ));
        assert!(matches!(
            finder.find("pkg.sub").unwrap().local,
            Local::Namespace(_)
        ));
        assert_eq!(
            finder.find("pkg.sub.x").unwrap().display().unwrap(),
            "pkg/sub/x.py"
        );
        assert!(finder.find("email").is_none());
        assert_eq!(finder.submodules("pkg"), ["pkg", "pkg.sub.x"]);
    }
}
