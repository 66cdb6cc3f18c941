//! Tcl's and Tk's script libraries (`init.tcl`, `tk.tcl`, ...), which `_tkinter` needs at run
//! time besides the shared libraries. The build interpreter is asked where its Tcl keeps them
//! (a `--runtime` of another platform cannot be run, so its tree is searched instead); Tk's
//! sits beside it. They go into the bundle's library folder, and the bootstrap points
//! `TCL_LIBRARY`/`TK_LIBRARY` there.

use std::path::{Path, PathBuf};

use crate::bundle::contents::{Contents, Origin};
use crate::bundle::layout;
use crate::error::Error;
use crate::python::interpreter::Interpreter;
use crate::python::runtime::{Runtime, Source};

const QUERY: &str = "import tkinter; print(tkinter.Tcl().eval('info library'))";

/// Add the Tcl and Tk libraries of `runtime`; returns where they went, relative to the bundle
/// root.
pub fn add_libraries(
    runtime: &Runtime,
    interp: &Interpreter,
    contents: &mut Contents,
) -> Result<Vec<String>, Error> {
    let tcl = match &runtime.source {
        Source::Interpreter => ask(interp)?,
        Source::Given { root, .. } => search(root).ok_or_else(|| Error::TclMissing {
            why: format!("no tcl8.*/init.tcl in {}", root.display()),
        })?,
    };
    let mut placed = Vec::new();
    for dir in [Some(tcl.clone()), tk_beside(&tcl)].into_iter().flatten() {
        let name = dir
            .file_name()
            .and_then(|n| n.to_str())
            .ok_or_else(|| Error::BadPath(dir.clone()))?
            .to_string();
        let dest = layout::library(&runtime.layout(), &name);
        contents.add_tree(&dir, &dest, &Origin::Runtime("Tcl/Tk"), None)?;
        let prefix = format!("{dest}/");
        let tooling: Vec<String> = (contents.iter())
            .map(|(path, _)| path)
            .filter(|path| path.strip_prefix(&prefix).is_some_and(is_tooling))
            .cloned()
            .collect();
        for path in tooling {
            contents.remove(&path);
        }
        placed.push(dest);
    }
    Ok(placed)
}

/// Parts of a Tcl or Tk library no program loads: Tk's demos (a megabyte), and what builds
/// extensions against them (`*.lib`, `tclConfig.sh`). `rel` is relative to the library.
fn is_tooling(rel: &str) -> bool {
    rel.starts_with("demos/") || rel.ends_with(".lib") || rel.ends_with("Config.sh")
}

/// Where the interpreter's Tcl keeps its library.
fn ask(interp: &Interpreter) -> Result<PathBuf, Error> {
    let out = crate::python::interpreter::helper(&interp.real_executable)
        .args(["-I", "-c", QUERY])
        .output()
        .map_err(|e| Error::NotPython {
            path: interp.requested.clone(),
            why: format!("it could not be run ({e})"),
        })?;
    let tcl = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    if !out.status.success() || !tcl.join("init.tcl").is_file() {
        return Err(Error::TclMissing {
            why: String::from_utf8_lossy(&out.stderr)
                .lines()
                .last()
                .unwrap_or("init.tcl was not found")
                .to_string(),
        });
    }
    Ok(tcl)
}

/// The `tcl8.X` folder holding `init.tcl` in a runtime's tree: under its `lib/` (as
/// python-build-standalone has it), `usr/share/tcltk/` (Debian) or `tcl/` (python.org's
/// Windows builds).
fn search(root: &Path) -> Option<PathBuf> {
    let mut places = vec![
        root.join("usr/share/tcltk"),
        root.join("lib"),
        root.join("tcl"),
    ];
    for dir in std::fs::read_dir(root).into_iter().flatten().flatten() {
        places.push(dir.path().join("lib"));
        places.push(dir.path().join("tcl"));
    }
    places.into_iter().find_map(|dir| {
        let mut found: Vec<PathBuf> = std::fs::read_dir(&dir)
            .ok()?
            .flatten()
            .map(|e| e.path())
            .filter(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with("tcl8"))
                    && p.join("init.tcl").is_file()
            })
            .collect();
        found.sort();
        found.pop()
    })
}

/// `.../tcl8.6` → `.../tk8.6`, when it exists.
fn tk_beside(tcl: &Path) -> Option<PathBuf> {
    let version = tcl.file_name()?.to_str()?.strip_prefix("tcl")?;
    let tk = tcl.parent()?.join(format!("tk{version}"));
    tk.join("tk.tcl").is_file().then_some(tk)
}

#[cfg(test)]
mod tests {
    use super::is_tooling;

    #[test]
    fn demos_and_build_files_are_tooling_but_scripts_and_data_are_not() {
        for rel in [
            "demos/widget",
            "demos/images/earth.gif",
            "tkstub86.lib",
            "tclConfig.sh",
        ] {
            assert!(is_tooling(rel), "{rel}");
        }
        for rel in [
            "tk.tcl",
            "images/logo.gif",
            "msgs/de.msg",
            "ttk/ttk.tcl",
            "tzdata/UTC",
        ] {
            assert!(!is_tooling(rel), "{rel}");
        }
    }
}
