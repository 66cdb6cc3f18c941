//! [`Runtime`]: the CPython a bundle carries, and where its parts are: the build interpreter's
//! own (the default), or the one `--runtime` names for `--target` (see [`super::given`]).
//! The build interpreter still compiles the bytecode and holds the app's packages; the runtime
//! is what goes in the bundle and runs there.

use std::path::PathBuf;

use crate::bundle::layout::RootLayout;
use crate::bundle::target::Target;
use crate::error::Error;
use crate::python::interpreter::Interpreter;

/// Where a runtime came from, which decides where its libraries are looked for.
#[derive(Debug, Clone)]
pub enum Source {
    /// The build interpreter's own: its libraries are found as this machine's loader would.
    Interpreter,
    /// `--runtime`: a CPython laid out under `prefix`, its libraries found only in
    /// `library_dirs` (never on this machine, unless it is the same platform).
    Given {
        /// As the user named it (a folder or an archive).
        named: PathBuf,
        /// The folder it was unpacked into, or the folder itself.
        root: PathBuf,
        prefix: PathBuf,
        library_dirs: Vec<PathBuf>,
    },
}

/// The CPython a bundle carries.
#[derive(Debug, Clone)]
pub struct Runtime {
    pub target: Target,
    /// `3.11.2`.
    pub version: String,
    /// `3.11`.
    pub version_short: String,
    /// Its shared library, which the launcher loads.
    pub library: PathBuf,
    /// That library's name in the bundle: its soname (`libpython3.11.so.1.0`).
    pub library_name: String,
    /// The standard library's sources: what the module graph reads. For a runtime that
    /// carries its standard library only compiled (see `stdlib_zip`), the build interpreter's
    /// of the same minor version stand in.
    pub stdlib: PathBuf,
    /// The standard library compiled, in the runtime's own zip (Windows' embeddable CPython):
    /// the bundle takes the modules the graph keeps from it, byte for byte.
    pub stdlib_zip: Option<PathBuf>,
    /// The standard library's extension modules (`lib-dynload`; `DLLs` or the DLL's own folder
    /// on Windows).
    pub dynload: PathBuf,
    /// `sys.builtin_module_names`, as the build interpreter (of the same minor version) has
    /// them.
    pub builtins: Vec<String>,
    /// `sys.stdlib_module_names` (3.10+), likewise.
    pub stdlib_names: Vec<String>,
    pub source: Source,
}

impl Runtime {
    /// Where this runtime's parts go in a bundle's root.
    pub fn layout(&self) -> RootLayout {
        RootLayout {
            os: self.target.os(),
            version_short: self.version_short.clone(),
            library_name: self.library_name.clone(),
        }
    }

    /// The build interpreter's own runtime, for a bundle that runs on this machine's platform.
    pub fn of_interpreter(interp: &Interpreter, target: Target) -> Result<Runtime, Error> {
        let (library, library_name) =
            interp
                .library
                .clone()
                .ok_or_else(|| Error::NoSharedPython {
                    path: interp.requested.clone(),
                    version: interp.version.clone(),
                })?;
        Ok(Runtime {
            target,
            version: interp.version.clone(),
            version_short: interp.version_short.clone(),
            library,
            library_name,
            stdlib: interp.stdlib.clone(),
            stdlib_zip: None,
            dynload: interp.dynload.clone(),
            builtins: interp.builtins.clone(),
            stdlib_names: interp.stdlib_names.clone(),
            source: Source::Interpreter,
        })
    }

    /// `CPython 3.11.2 for linux-aarch64 from R`: for messages.
    pub fn described(&self) -> String {
        match &self.source {
            Source::Interpreter => format!("CPython {} for {}", self.version, self.target),
            Source::Given { named, .. } => format!(
                "CPython {} for {} from {}",
                self.version,
                self.target,
                named.display()
            ),
        }
    }
}
