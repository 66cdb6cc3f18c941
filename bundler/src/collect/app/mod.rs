//! The app itself: the main script, its runtime hooks, and the modules and packages of its own
//! that the module graph found (in its folder, or the folders `-p/--paths` and `PYTHONPATH`
//! add to the search), compiled, with the data files inside those packages. Third-party
//! packages from site-packages are not collected here.

pub mod data;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use crate::analysis::graph::app::{has_python_files, Found, Local};
use crate::bundle::contents::{Contents, Item, Origin};
use crate::bundle::layout;
use crate::error::Error;
use crate::python::compile::{Compiler, Job};
use crate::settings::script::Script;

/// What was collected, for the build summary.
#[derive(Debug, Default)]
pub struct Collected {
    /// The compiled runtime hooks' places in the bundle, in the order they run.
    pub hooks: Vec<String>,
    /// The app's own modules, dotted names.
    pub local_modules: Vec<String>,
}

/// Collect the script, the runtime `hooks` and the app's own modules the module graph found
/// (`app`: name → where), compiled, with the data files inside its packages.
pub fn add_app(
    script: &Script,
    hooks: &[PathBuf],
    app: &BTreeMap<String, Found>,
    compiler: &Compiler,
    contents: &mut Contents,
) -> Result<Collected, Error> {
    let mut collected = Collected::default();
    let main = Job {
        source: script.path.clone(),
        display: script.file_name.clone(),
    };
    let mut compiled = compiler.compile(&[main], true)?;
    let main = compiled
        .pop()
        .flatten()
        .ok_or_else(|| Error::Internal("no bytecode for the script".into()))?;
    contents.add(
        script.compiled_dest(),
        Item::bytes(main.pyc, 0o644, Origin::App(script.file_name.clone())),
    )?;
    for (i, hook) in hooks.iter().enumerate() {
        let file = file_name(hook)?;
        let stem = file.strip_suffix(".py").unwrap_or(&file);
        let dest = format!("{}/{i:02}_{stem}.pyc", layout::HOOKS_DIR);
        let job = Job {
            source: hook.clone(),
            display: file.clone(),
        };
        let compiled = (compiler.compile(&[job], true)?.pop().flatten())
            .ok_or_else(|| Error::Internal("a runtime hook was not compiled".into()))?;
        contents.add(
            dest.clone(),
            Item::bytes(compiled.pyc, 0o644, Origin::Hook(file.clone())),
        )?;
        collected.hooks.push(dest);
    }

    let mut jobs = Vec::new();
    let mut dests = Vec::new();
    for (module, found) in app {
        collected.local_modules.push(module.clone());
        let rel_dir = module.replace('.', "/");
        match &found.local {
            Local::Module(path) => {
                jobs.push(Job {
                    source: path.clone(),
                    display: found.display()?,
                });
                dests.push(format!("{rel_dir}.pyc"));
            }
            Local::Package(init) => {
                let dir = init.parent().map(Path::to_path_buf).unwrap_or_default();
                add_package_data(&dir, &rel_dir, contents)?;
                jobs.push(Job {
                    source: init.clone(),
                    display: found.display()?,
                });
                dests.push(format!("{rel_dir}/__init__.pyc"));
            }
            Local::Namespace(dir) => add_package_data(dir, &rel_dir, contents)?,
            Local::Extension(path) => {
                let file = file_name(path)?;
                let parent = rel_dir.rsplit_once('/').map(|(p, _)| format!("{p}/"));
                let dest = format!("{}{file}", parent.unwrap_or_default());
                let origin = Origin::App(found.display()?);
                contents.add(dest, Item::file(path.clone(), 0o755, origin))?;
            }
        }
    }
    let compiled = compiler.compile(&jobs, true)?;
    for ((done, dest), job) in compiled.into_iter().zip(dests).zip(&jobs) {
        let done = done.ok_or_else(|| Error::Internal("a module was not compiled".into()))?;
        let origin = Origin::App(job.display.clone());
        contents.add(dest, Item::bytes(done.pyc, 0o644, origin))?;
    }
    Ok(collected)
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
