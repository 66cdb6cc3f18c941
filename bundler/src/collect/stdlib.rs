//! The collect stage's part for the runtime: CPython's library, the standard library's
//! modules the module graph kept (compiled, in one zip on the default `sys.path`), the
//! lib-dynload modules something imports, and Tcl/Tk when the app reaches tkinter. Shared
//! libraries these need are added later, in the link stage (`native/`).

use std::fs;
use std::path::Path;

use super::tcltk;
use crate::analysis::excludes::Excludes;
use crate::analysis::graph::stdlib::StdlibFinder;
use crate::bundle::contents::{Contents, Item, Origin};
use crate::bundle::layout;
use crate::bundle::module_name::{is_within, ModuleName};
use crate::bundle::target::Os;
use crate::collect::pyzip;
use crate::error::Error;
use crate::python::compile::{Compiler, Job};
use crate::python::interpreter::Interpreter;
use crate::python::runtime::{read_dir_sorted, stdlib, Runtime, Source};

/// Counts for the build summary.
#[derive(Debug, Default)]
pub struct Added {
    pub modules: usize,
    pub extensions: usize,
    /// Where Tcl's and Tk's script libraries went, when tkinter is carried.
    pub tcltk: Vec<String>,
}

/// Collect the runtime: CPython's library, the standard library's files the module graph kept
/// (compiled, in one zip), the lib-dynload modules something imports, and Tcl/Tk when the app
/// reaches tkinter; nothing `--exclude-module` names.
pub fn add_runtime(
    runtime: &Runtime,
    host: &Interpreter,
    stdlib: &StdlibFinder,
    excluded: &Excludes,
    compiler: &Compiler,
    contents: &mut Contents,
) -> Result<Added, Error> {
    let root = runtime.layout();
    let with_tk = (stdlib.asked_by_app().iter())
        .any(|m| m == "_tkinter" || is_within(m, "tkinter"))
        && !excluded.contains("tkinter");
    let mut report = Added::default();
    contents.add(
        layout::python_library(&root),
        Item::file(
            runtime.library.clone(),
            0o755,
            Origin::Runtime("CPython's library"),
        ),
    )?;

    if let Some(licence) = licence_file(runtime) {
        contents.add(
            layout::python_licence(&root),
            Item::file(licence, 0o644, Origin::Runtime("CPython's licence")),
        )?;
    }

    let sources: Vec<String> = (stdlib.kept().into_iter())
        .filter(|rel| {
            ModuleName::from_path_by_name(rel).is_none_or(|m| !excluded.contains(m.as_str()))
        })
        .collect();
    let modules = match &runtime.stdlib_zip {
        Some(zip) => {
            let (mut compiled, missing) = compiled_from_zip(zip, &sources)?;
            // Beside the zip, as source: what a Windows runtime adds to the embeddable one
            // (tkinter, from python.org's Tcl/Tk build).
            if let Source::Given { prefix, .. } = &runtime.source {
                let extra: Vec<String> = (missing.into_iter())
                    .filter(|rel| prefix.join(rel).is_file())
                    .collect();
                compiled.extend(compile_from(prefix, &extra, compiler)?);
                compiled.sort();
            }
            compiled
        }
        None => compile_from(&runtime.stdlib, &sources, compiler)?,
    };
    report.modules = modules.len();
    let zip = pyzip::build(modules.iter().map(|(n, b)| (n.as_str(), b.as_slice())))?;
    contents.add(
        layout::stdlib_zip(&root),
        Item::bytes(zip, 0o644, Origin::Runtime("the standard library")),
    )?;

    let dynload_dest = layout::dynload(&root);
    let entries = read_dir_sorted(&runtime.dynload)?;
    for name in entries {
        let top = name.split('.').next().unwrap_or(&name);
        if stdlib::keep_extension(&name, runtime.target, with_tk)
            && stdlib.imported_tops().contains(top)
            && !excluded.contains(top)
        {
            contents.add(
                format!("{dynload_dest}/{name}"),
                Item::file(
                    runtime.dynload.join(&name),
                    0o755,
                    Origin::Runtime("lib-dynload"),
                ),
            )?;
            report.extensions += 1;
        }
    }
    if with_tk {
        let extension = format!("_tkinter{}", stdlib::extension_suffix(runtime.target));
        if runtime.target.os() == Os::Windows && !runtime.dynload.join(&extension).is_file() {
            return Err(Error::NoTkinter {
                runtime: runtime.described(),
            });
        }
        report.tcltk = tcltk::add_libraries(runtime, host, contents)?;
    }
    Ok(report)
}

/// CPython's licence file: at the top of a Windows runtime (where it holds the licences of the
/// libraries it ships too), else in its library's folder, where CPython installs it (a pyenv
/// build, Debian's, python-build-standalone's).
fn licence_file(runtime: &Runtime) -> Option<std::path::PathBuf> {
    let at_top = match &runtime.source {
        Source::Given { prefix, .. } => Some(prefix.join("LICENSE.txt")),
        Source::Interpreter => None,
    };
    // A Windows runtime's `stdlib` is the build interpreter's: only its own file will do.
    let in_library =
        (runtime.target.os() != Os::Windows).then(|| runtime.stdlib.join("LICENSE.txt"));
    at_top.into_iter().chain(in_library).find(|f| f.is_file())
}

/// The kept standard-library modules (`.py` paths under `root`), compiled by the build
/// interpreter.
fn compile_from(
    root: &Path,
    sources: &[String],
    compiler: &Compiler,
) -> Result<Vec<(String, Vec<u8>)>, Error> {
    let jobs: Vec<Job> = sources
        .iter()
        .map(|rel| Job {
            source: root.join(rel),
            display: rel.clone(),
        })
        .collect();
    // Modules that fail to compile here are CPython's own test data; leave them out.
    let compiled = compiler.compile(&jobs, false)?;
    Ok((sources.iter().zip(compiled))
        .filter_map(|(rel, result)| Some((format!("{rel}c"), result?.pyc)))
        .collect())
}

/// The kept standard-library modules (`.py` paths), as the runtime's own zip has them
/// compiled, and those the zip lacks: a module of another platform (`_sysconfigdata_*` of
/// Linux), or one the runtime has as source beside the zip.
#[allow(clippy::type_complexity)]
fn compiled_from_zip(
    zip: &Path,
    sources: &[String],
) -> Result<(Vec<(String, Vec<u8>)>, Vec<String>), Error> {
    let read_err = |e: std::io::Error| Error::Read {
        path: zip.to_path_buf(),
        source: e,
    };
    let file = fs::File::open(zip).map_err(read_err)?;
    let mut archive = ::zip::ZipArchive::new(std::io::BufReader::new(file))
        .map_err(|e| read_err(std::io::Error::other(e)))?;
    let mut out = Vec::with_capacity(sources.len());
    let mut missing = Vec::new();
    for rel in sources {
        let name = format!("{rel}c");
        let Ok(mut entry) = archive.by_name(&name) else {
            missing.push(rel.clone());
            continue;
        };
        let mut bytes = Vec::with_capacity(entry.size() as usize);
        std::io::Read::read_to_end(&mut entry, &mut bytes).map_err(read_err)?;
        out.push((name, bytes));
    }
    Ok((out, missing))
}
