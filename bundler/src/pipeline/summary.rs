//! What a build tells when it ends: the closing line for people, and `--json` for programs
//! (one object on stdout; its fields are documented in docs/json.md and versioned by
//! [`SCHEMA`]: a field may be added, but one that changes meaning or goes raises it). A build
//! that fails with `--json` prints a [`Failure`] object there too, beside its one line on
//! stderr.

use std::path::PathBuf;

use serde::Serialize;

use super::link::glibc_floor;
use super::{Analysis, Collected};
use crate::analysis::Need;

use crate::output::Written;
use crate::progress::Progress;
use crate::settings::BuildSettings;

/// The `--json` schema's version.
pub const SCHEMA: u32 = 1;

#[derive(Debug, Serialize)]
pub struct Summary {
    pub schema: u32,
    /// `"ok"`.
    pub status: &'static str,
    pub output: PathBuf,
    /// The executable to run: `output` itself (onefile), or the launcher inside it (onedir).
    pub executable: PathBuf,
    /// `"onefile"` or `"onedir"`.
    pub mode: &'static str,
    /// The file holding the bundle's SBOM: `--sbom FILE`, else a onedir folder's own; `None`
    /// for a onefile bundle without `--sbom` (`pybundle inspect --sbom` reads it out).
    pub sbom: Option<PathBuf>,
    /// `--notices FILE`: the third-party notices written.
    pub notices: Option<PathBuf>,
    /// The executable's size (onefile), or every file's (onedir).
    pub bytes: u64,
    pub files: usize,
    /// The platform it runs on (`linux-aarch64`).
    pub target: String,
    pub python: String,
    /// The newest glibc its files need (`2.28`): the oldest it runs with.
    pub glibc: Option<String>,
    pub seconds: f64,
    pub app_modules: usize,
    pub stdlib_modules: usize,
    pub extensions: usize,
    pub data_files: usize,
    pub libraries: usize,
    pub distributions: Vec<Distribution>,
    pub missing_imports: Vec<MissingImport>,
    pub warnings: Vec<String>,
    pub notes: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct Distribution {
    pub name: String,
    pub version: String,
}

/// An import found nowhere.
#[derive(Debug, Serialize)]
pub struct MissingImport {
    pub module: String,
    /// The file (or option) that imports it.
    pub imported_by: String,
    pub need: Need,
}

#[derive(Debug, Serialize)]
pub struct Failure {
    pub schema: u32,
    /// `"error"`.
    pub status: &'static str,
    /// The one line also printed on stderr, without its `error: `.
    pub error: String,
}

impl Failure {
    pub fn new(error: String) -> Self {
        Failure {
            schema: SCHEMA,
            status: "error",
            error,
        }
    }
}

/// One line of JSON.
pub fn to_line(value: &impl Serialize) -> String {
    serde_json::to_string(value).unwrap_or_else(|e| {
        format!("{{\"schema\":{SCHEMA},\"status\":\"error\",\"error\":\"{e}\"}}")
    })
}

/// The build's summary, from every stage's output.
pub(super) fn summarise(
    s: &BuildSettings,
    a: &Analysis,
    c: &Collected,
    closure: &crate::native::closure::Closure,
    written: &Written,
    elapsed: f64,
    progress: &Progress,
) -> Summary {
    let told = progress.told();
    Summary {
        schema: SCHEMA,
        status: "ok",
        output: written.path.clone(),
        executable: written.executable.clone(),
        mode: if s.onefile() { "onefile" } else { "onedir" },
        sbom: match (&s.output.sbom, &written.root) {
            (Some(file), _) => Some(file.clone()),
            (None, Some(root)) => Some(root.join(crate::sbom::PATH)),
            (None, None) => None,
        },
        notices: s.output.notices.clone(),
        bytes: written.bytes,
        files: c.contents.len(),
        target: s.pythons.target.to_string(),
        python: a.runtime.version.clone(),
        glibc: glibc_floor(closure, s.pythons.target).map(|(floor, _)| floor.to_string()),
        seconds: (elapsed * 1000.0).round() / 1000.0,
        app_modules: c.app.local_modules.len(),
        stdlib_modules: c.runtime.modules,
        extensions: c.runtime.extensions,
        data_files: c.data_files,
        libraries: closure.libraries.len(),
        distributions: (c.packages.distributions.iter())
            .map(|(name, version)| Distribution {
                name: name.clone(),
                version: version.clone(),
            })
            .collect(),
        missing_imports: (a.graph.missing.iter())
            .map(|(module, site)| MissingImport {
                module: module.clone(),
                imported_by: site.importer.clone(),
                need: site.need(),
            })
            .collect(),
        warnings: told.warnings,
        notes: told.notes,
    }
}
