//! Tcl's and Tk's script libraries (`init.tcl`, `tk.tcl`, ...), which `_tkinter` needs at run
//! time besides the shared libraries. The interpreter is asked where its Tcl keeps them; Tk's
//! sits beside it. They go into the bundle's library folder, and the bootstrap points
//! `TCL_LIBRARY`/`TK_LIBRARY` there.

use std::path::{Path, PathBuf};

use crate::contents::{Contents, Origin};
use crate::error::Error;
use crate::interpreter::Interpreter;
use crate::layout;

const QUERY: &str = "import tkinter; print(tkinter.Tcl().eval('info library'))";

/// Add Tcl's and Tk's libraries; returns where they went, relative to the bundle root.
pub fn add_libraries(interp: &Interpreter, contents: &mut Contents) -> Result<Vec<String>, Error> {
    let out = crate::interpreter::helper(&interp.real_executable)
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
    let mut placed = Vec::new();
    for dir in [Some(tcl.clone()), tk_beside(&tcl)].into_iter().flatten() {
        let name = dir
            .file_name()
            .and_then(|n| n.to_str())
            .ok_or_else(|| Error::BadPath(dir.clone()))?
            .to_string();
        let dest = format!("{}/{name}", layout::LIB_DIR);
        contents.add_tree(&dir, &dest, &Origin::Runtime("Tcl/Tk"), None)?;
        placed.push(dest);
    }
    Ok(placed)
}

/// `.../tcl8.6` → `.../tk8.6`, when it exists.
fn tk_beside(tcl: &Path) -> Option<PathBuf> {
    let version = tcl.file_name()?.to_str()?.strip_prefix("tcl")?;
    let tk = tcl.parent()?.join(format!("tk{version}"));
    tk.join("tk.tcl").is_file().then_some(tk)
}
