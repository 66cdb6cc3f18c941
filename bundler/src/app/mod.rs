//! The app itself: the main script and the modules and packages it imports from its own folder,
//! or from the folders `-p/--paths` and `PYTHONPATH` add to the search (found by following
//! imports from the script, at any depth), with the data files inside those packages.
//! Third-party packages from site-packages are not collected here.

pub mod data;

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::fs;
use std::path::{Path, PathBuf};

use crate::analysis::{self, Site};
use crate::compile::{Compiler, Job};
use crate::contents::{Contents, Item, Origin};
use crate::error::Error;
use crate::excludes::Excludes;
use crate::interpreter::Interpreter;

/// The script a bundle is built from.
#[derive(Debug, Clone)]
pub struct Script {
    pub path: PathBuf,
    pub dir: PathBuf,
    /// `app.py`: what `__file__` ends with at run time.
    pub file_name: String,
    /// `app`: the default output name and the compiled script's stem.
    pub stem: String,
}

impl Script {
    pub fn locate(path: &Path) -> Result<Self, Error> {
        let meta = fs::metadata(path).map_err(|_| Error::ScriptMissing(path.to_path_buf()))?;
        if !meta.is_file() {
            return Err(Error::ScriptNotFile(path.to_path_buf()));
        }
        let path = path
            .canonicalize()
            .map_err(|_| Error::ScriptMissing(path.to_path_buf()))?;
        let bad = || Error::BadPath(path.clone());
        let file_name = path
            .file_name()
            .and_then(|n| n.to_str())
            .ok_or_else(bad)?
            .to_string();
        let stem = file_name
            .strip_suffix(".py")
            .or_else(|| file_name.strip_suffix(".pyw"))
            .unwrap_or(&file_name)
            .to_string();
        let dir = path.parent().ok_or_else(bad)?.to_path_buf();
        Ok(Script {
            path,
            dir,
            file_name,
            stem,
        })
    }

    /// Where the compiled script sits in the bundle root.
    pub fn compiled_dest(&self) -> String {
        format!("{}.pyc", self.stem)
    }
}

/// Where the app's code comes from.
pub struct Sources<'a> {
    pub script: &'a Script,
    /// `--runtime-hook` scripts, run before the app in this order.
    pub hooks: &'a [PathBuf],
    /// `-p/--paths` and `PYTHONPATH`: searched for the app's modules after the script's folder.
    pub paths: &'a [PathBuf],
}

/// Where runtime hooks go in the bundle.
pub const HOOKS_DIR: &str = "_pybundle_hooks";

/// What was found, for the build summary.
#[derive(Debug, Default)]
pub struct Report {
    /// The compiled runtime hooks' places in the bundle, in the order they run.
    pub hooks: Vec<String>,
    /// The app's own modules, dotted names.
    pub local_modules: Vec<String>,
    /// Modules the app imports that are not its own, and where: the standard library's and
    /// third-party ones.
    pub external: BTreeMap<String, Site>,
}

#[derive(Debug, Clone)]
enum Local {
    Module(PathBuf),
    Package(PathBuf),
    Namespace(PathBuf),
    Extension(PathBuf),
}

/// Collect the script, the runtime hooks and the app's own modules, searched for in the
/// script's folder and then in `sources.paths`. `hidden` are `--hidden-import` names, looked
/// for as if the script imported them; of the packages in `whole` (`--collect-all`,
/// `--collect-submodules`) every submodule is; `excluded` (`--exclude-module`) are never
/// collected.
pub fn collect(
    sources: &Sources,
    hidden: &[String],
    whole: &[String],
    excluded: &Excludes,
    interp: &Interpreter,
    compiler: &Compiler,
    contents: &mut Contents,
) -> Result<Report, Error> {
    let script = sources.script;
    let mut report = Report::default();
    let roots: Vec<&Path> = std::iter::once(script.dir.as_path())
        .chain(sources.paths.iter().map(PathBuf::as_path))
        .collect();
    let main = Job {
        source: script.path.clone(),
        display: script.file_name.clone(),
    };
    let main_imports = imports_of(&script.path, "__main__", false)?;
    let mut compiled = compiler.compile(&[main], true)?;
    let main = compiled
        .pop()
        .flatten()
        .ok_or_else(|| Error::Internal("no bytecode for the script".into()))?;
    contents.add(
        script.compiled_dest(),
        Item::bytes(main.pyc, 0o644, Origin::App(script.file_name.clone())),
    )?;

    let mut seen: HashSet<String> = excluded.named().iter().cloned().collect();
    analysis::record(&mut report.external, &main_imports, &script.file_name);
    let mut pending: BTreeSet<String> = main_imports.into_keys().collect();
    for (i, hook) in sources.hooks.iter().enumerate() {
        let file = file_name(hook)?;
        let stem = file.strip_suffix(".py").unwrap_or(&file);
        let dest = format!("{HOOKS_DIR}/{i:02}_{stem}.pyc");
        let job = Job {
            source: hook.clone(),
            display: file.clone(),
        };
        let imports = imports_of(hook, "__main__", false)?;
        analysis::record(&mut report.external, &imports, &file);
        pending.extend(imports.into_keys());
        let compiled = (compiler.compile(&[job], true)?.pop().flatten())
            .ok_or_else(|| Error::Internal("a runtime hook was not compiled".into()))?;
        contents.add(
            dest.clone(),
            Item::bytes(compiled.pyc, 0o644, Origin::Hook(file.clone())),
        )?;
        report.hooks.push(dest);
    }
    let mut hidden: BTreeMap<String, bool> = hidden.iter().map(|h| (h.clone(), false)).collect();
    for package in whole {
        for module in roots
            .iter()
            .flat_map(|root| local_submodules(root, package))
        {
            hidden.insert(module, false);
        }
    }
    analysis::record(&mut report.external, &hidden, "--hidden-import");
    pending.extend(hidden.into_keys());
    while !pending.is_empty() {
        let mut jobs = Vec::new();
        let mut dests = Vec::new();
        for name in std::mem::take(&mut pending) {
            for prefix in prefixes(&name) {
                if !seen.insert(prefix.to_string()) {
                    continue;
                }
                let Some((found, root)) = (roots.iter())
                    .find_map(|root| find_local(root, prefix, interp).map(|f| (f, *root)))
                else {
                    break;
                };
                let rel_dir = prefix.replace('.', "/");
                report.local_modules.push(prefix.to_string());
                let (source, is_package, dest) = match found {
                    Local::Module(path) => (path, false, format!("{rel_dir}.pyc")),
                    Local::Package(init) => {
                        let dir = init.parent().map(Path::to_path_buf).unwrap_or_default();
                        add_package_data(&dir, &rel_dir, contents)?;
                        (init, true, format!("{rel_dir}/__init__.pyc"))
                    }
                    Local::Namespace(dir) => {
                        add_package_data(&dir, &rel_dir, contents)?;
                        continue;
                    }
                    Local::Extension(path) => {
                        let file = file_name(&path)?;
                        let parent = rel_dir.rsplit_once('/').map(|(p, _)| format!("{p}/"));
                        let dest = format!("{}{file}", parent.unwrap_or_default());
                        let origin = Origin::App(format!("{rel_dir}/{file}"));
                        contents.add(dest, Item::file(path, 0o755, origin))?;
                        continue;
                    }
                };
                let job = job(source, root)?;
                let found_imports = imports_of(&job.source, prefix, is_package)?;
                analysis::record(&mut report.external, &found_imports, &job.display);
                pending.extend(found_imports.into_keys().filter(|n| !seen.contains(n)));
                jobs.push(job);
                dests.push(dest);
            }
        }
        let compiled = compiler.compile(&jobs, true)?;
        for ((done, dest), job) in compiled.into_iter().zip(dests).zip(&jobs) {
            let done = done.ok_or_else(|| Error::Internal("a module was not compiled".into()))?;
            let origin = Origin::App(job.display.clone());
            contents.add(dest, Item::bytes(done.pyc, 0o644, origin))?;
        }
    }
    report.local_modules.sort();
    let local: HashSet<&str> = report.local_modules.iter().map(|m| top_of(m)).collect();
    report
        .external
        .retain(|name, _| !local.contains(top_of(name)));
    Ok(report)
}

/// Every module under the local package `package` (dotted names), if it is one of the app's.
fn local_submodules(root: &Path, package: &str) -> Vec<String> {
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
            if path.is_dir() && name != "__pycache__" && !name.contains('.') {
                walk(&path, &format!("{dotted}.{name}"), out);
            } else if let Some(stem) = name.strip_suffix(".py") {
                if stem != "__init__" && !stem.contains('.') {
                    out.push(format!("{dotted}.{stem}"));
                }
            }
        }
    }
    let dir = package
        .split('.')
        .fold(root.to_path_buf(), |d, p| d.join(p));
    let mut out = Vec::new();
    if dir.join("__init__.py").is_file() || dir.is_dir() {
        out.push(package.to_string());
        walk(&dir, package, &mut out);
    }
    out
}

fn top_of(name: &str) -> &str {
    name.split('.').next().unwrap_or(name)
}

/// The imports of the module in `path` (name → optional).
fn imports_of(
    path: &Path,
    module: &str,
    is_package: bool,
) -> Result<BTreeMap<String, bool>, Error> {
    let bytes = fs::read(path).map_err(|source| Error::Read {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(
        analysis::imports::imports(&String::from_utf8_lossy(&bytes), module, is_package)
            .into_iter()
            .map(|(name, how)| (name, how.optional))
            .collect(),
    )
}

fn job(source: PathBuf, root: &Path) -> Result<Job, Error> {
    let display = source
        .strip_prefix(root)
        .ok()
        .and_then(|p| p.to_str())
        .ok_or_else(|| Error::BadPath(source.clone()))?
        .to_string();
    Ok(Job { source, display })
}

/// `a.b.c` → `a`, `a.b`, `a.b.c`.
fn prefixes(name: &str) -> impl Iterator<Item = &str> {
    name.match_indices('.')
        .map(|(at, _)| &name[..at])
        .chain(std::iter::once(name))
}

/// The module `dotted` in the app's folder, if it is there.
fn find_local(root: &Path, dotted: &str, interp: &Interpreter) -> Option<Local> {
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
        && (interp.stdlib.join(format!("{last}.py")).exists() || interp.stdlib.join(last).is_dir());
    if ns.is_dir() && !shadows_stdlib && has_python_files(&ns) {
        return Some(Local::Namespace(ns));
    }
    None
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

fn has_python_files(dir: &Path) -> bool {
    fs::read_dir(dir).is_ok_and(|entries| {
        entries
            .flatten()
            .any(|e| e.file_name().to_string_lossy().ends_with(".py"))
    })
}

fn file_name(path: &Path) -> Result<String, Error> {
    path.file_name()
        .and_then(|n| n.to_str())
        .map(String::from)
        .ok_or_else(|| Error::BadPath(path.to_path_buf()))
}

/// The non-code files of a package folder, and of its sub-folders that are not packages.
fn add_package_data(dir: &Path, dest: &str, contents: &mut Contents) -> Result<(), Error> {
    let entries = fs::read_dir(dir).map_err(|source| Error::Read {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut entries: Vec<_> = entries.flatten().collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let path = entry.path();
        let name = file_name(&path)?;
        let child_dest = format!("{dest}/{name}");
        if path.is_dir() {
            if name != "__pycache__" && !has_python_files(&path) {
                let origin = Origin::PackageData(child_dest.clone());
                contents.add_tree(&path, &child_dest, &origin, None)?;
            }
        } else if !is_code(&name) {
            let origin = Origin::PackageData(dest.to_string());
            contents.add(child_dest, Item::from_file(&path, origin)?)?;
        }
    }
    Ok(())
}

fn is_code(name: &str) -> bool {
    [".py", ".pyc", ".pyo", ".so"]
        .iter()
        .any(|ext| name.ends_with(ext))
}

#[cfg(test)]
mod tests {
    use super::prefixes;

    #[test]
    fn prefixes_walk_down_the_dots() {
        assert_eq!(prefixes("a.b.c").collect::<Vec<_>>(), ["a", "a.b", "a.b.c"]);
        assert_eq!(prefixes("x").collect::<Vec<_>>(), ["x"]);
    }
}
