//! The bootstrap: the small Python program the launcher runs first, which sets up what the app
//! sees (docs/runtime.md) and runs the compiled main script. Generated per app, compiled like any
//! other module.

use std::fs;

use crate::bundle::workpath::{Bucket, Workpath};
use crate::error::Error;
use crate::python::compile::{Compiler, Job};
use crate::settings::script::Script;

const TEMPLATE: &str = include_str!("boot.py");

/// What the bootstrap of one app needs to know, as paths relative to the bundle root.
pub struct Plan<'a> {
    pub script: &'a Script,
    /// Compiled runtime hooks, run in this order before the app.
    pub hooks: &'a [String],
    /// The distributions' `.pth` files, each as its name, a newline and its text.
    pub pth: &'a [String],
    /// Folders of the bundle put at the end of `sys.path` (the rules' `frozen-path`).
    pub frozen_path: &'a [String],
    /// The bundle's Tcl and Tk library folders (empty when tkinter is not carried).
    pub tcltk: &'a [String],
    /// The module store, or "" when the bundle has none.
    pub modules: &'a str,
    /// The standard library's modules the bundle leaves out (named in the error importing one
    /// raises).
    pub pruned: &'a [String],
}

/// The compiled bootstrap for `plan`.
pub fn compile(plan: &Plan, compiler: &Compiler, workpath: &Workpath) -> Result<Vec<u8>, Error> {
    let tuple = |items: &[String]| {
        let quoted: Vec<String> = items.iter().map(|d| python_str(d)).collect();
        format!("({},)", quoted.join(", ")).replace("(,)", "()")
    };
    let source = TEMPLATE
        .replace("\"@MAIN_FILE@\"", &python_str(&plan.script.file_name))
        .replace("\"@MAIN_PYC@\"", &python_str(&plan.script.compiled_dest()))
        .replace("\"@PTH@\"", &tuple(plan.pth))
        .replace("\"@FROZEN_PATH@\"", &tuple(plan.frozen_path))
        .replace("\"@HOOKS@\"", &tuple(plan.hooks))
        .replace("\"@TCLTK@\"", &tuple(plan.tcltk))
        .replace("\"@MODULES@\"", &python_str(plan.modules))
        .replace("\"@PRUNED@\"", &tuple(plan.pruned));
    let dir = workpath.bucket(Bucket::Bootstrap);
    fs::create_dir_all(&dir).map_err(|source| Error::Workpath {
        path: dir.clone(),
        source,
    })?;
    let key = xxhash_rust::xxh3::xxh3_64(source.as_bytes());
    let path = dir.join(format!("boot-{key:016x}.py"));
    if !path.exists() {
        crate::bundle::workpath::write_whole(&path, source.as_bytes()).map_err(|source| {
            Error::Workpath {
                path: path.clone(),
                source,
            }
        })?;
    }
    let job = Job {
        source: path,
        display: "<pybundle bootstrap>".into(),
    };
    compiler
        .compile(&[job], true)?
        .pop()
        .flatten()
        .map(|c| c.pyc)
        .ok_or_else(|| Error::Internal("the bootstrap did not compile".into()))
}

/// A Python string literal holding `s` exactly.
fn python_str(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            ' '..='~' => out.push(c),
            c => out.push_str(&format!("\\U{:08x}", c as u32)),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn python_strings_escape_everything_odd() {
        assert_eq!(super::python_str("app.py"), "\"app.py\"");
        assert_eq!(super::python_str("a\"b\\c"), "\"a\\\"b\\\\c\"");
        assert_eq!(super::python_str("é"), "\"\\U000000e9\"");
    }
}
