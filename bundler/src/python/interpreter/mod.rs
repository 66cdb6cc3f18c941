//! The interpreter a bundle is built from: which one (`--python`, else the active
//! virtualenv's, else `python3` on PATH) and what it says about itself.

use std::collections::HashMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::error::Error;
use crate::python::versions::unsupported;

const QUERY: &str = include_str!("query.py");

/// How the interpreter was chosen, for messages that send the user to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Choice {
    /// `--python PATH`.
    Flag,
    /// `$VIRTUAL_ENV/bin/python`.
    Virtualenv,
    /// `python3` on `PATH`.
    Path,
}

/// What pybundle needs to know about a CPython installation.
#[derive(Debug, Clone)]
pub struct Interpreter {
    /// The path the user named (or we found), as given.
    pub requested: PathBuf,
    pub chosen_by: Choice,
    pub version: String,
    /// `3.11`.
    pub version_short: String,
    /// The real binary behind any venv or shim.
    pub real_executable: PathBuf,
    /// CPython's shared library, when the build has one (`.../libpython3.11.so.1.0`), and its
    /// soname (`libpython3.11.so.1.0`): what a bundle of this interpreter's runtime loads.
    pub library: Option<(PathBuf, String)>,
    pub stdlib: PathBuf,
    pub dynload: PathBuf,
    /// `importlib.util.MAGIC_NUMBER`, hex: part of every cache key.
    pub magic: String,
    /// `sys.builtin_module_names`.
    pub builtins: Vec<String>,
    /// `sys.stdlib_module_names` (3.10+): every stdlib module of any platform, so a Windows-only
    /// import such as `msvcrt` is never reported as missing.
    pub stdlib_names: Vec<String>,
    /// Where its third-party packages are installed (purelib, then platlib if different).
    pub site_packages: Vec<PathBuf>,
}

impl Interpreter {
    /// Pick the interpreter (`--python`, else the active virtualenv's, else `python3` on PATH)
    /// and query it.
    pub fn find(explicit: Option<&Path>) -> Result<Self, Error> {
        let (requested, chosen_by) = match explicit {
            // A bare name (`--python python3`) is the one on PATH, found now: helpers that
            // run it start in folders of their own.
            Some(path) if path.components().count() == 1 => (
                path.to_str()
                    .and_then(find_on_path)
                    .unwrap_or_else(|| path.to_path_buf()),
                Choice::Flag,
            ),
            Some(path) => (path.to_path_buf(), Choice::Flag),
            None => default_interpreter()?,
        };
        Self::query(requested, chosen_by)
    }

    /// `/path/to/python (the active virtualenv's)`: which interpreter, and why that one.
    pub fn described(&self) -> String {
        let why = match self.chosen_by {
            Choice::Flag => "given by --python",
            Choice::Virtualenv => "the active virtualenv's",
            Choice::Path => "python3 on PATH",
        };
        format!("{} ({why})", self.requested.display())
    }

    fn query(requested: PathBuf, chosen_by: Choice) -> Result<Self, Error> {
        let not_python = |why: String| Error::NotPython {
            path: requested.clone(),
            why,
        };
        if explicit_path_missing(&requested) {
            return Err(not_python("it does not exist".into()));
        }
        let output = helper(&requested)
            // Not -S: in a virtualenv, `site` is what sets sys.prefix to the environment.
            .args(["-I", "-c", QUERY])
            .output()
            .map_err(|e| not_python(format!("it could not be run ({e})")))?;
        if !output.status.success() {
            let stderr = String::from_utf8_lossy(&output.stderr);
            return Err(not_python(format!(
                "given a Python program to run, it answered: {}",
                first_words(&stderr)
            )));
        }
        let text = String::from_utf8(output.stdout)
            .map_err(|_| not_python("its answers were not UTF-8".into()))?;
        let facts: HashMap<&str, &str> = text
            .lines()
            .filter_map(|line| line.split_once('\t'))
            .collect();
        let get = |key: &str| {
            facts
                .get(key)
                .map(|v| v.to_string())
                .ok_or_else(|| not_python(format!("it did not answer {key:?}")))
        };
        if get("implementation")? != "cpython" {
            return Err(not_python("only CPython is supported".into()));
        }
        let version = get("version")?;
        if let Some(why) = unsupported(&version, fact_of(&facts, "gil_disabled") == "1") {
            return Err(Error::UnsupportedPython {
                path: requested.clone(),
                version,
                why,
            });
        }
        if get("platform")? != "linux" {
            return Err(not_python(
                "only Linux interpreters are supported so far".into(),
            ));
        }
        let fact = |k: &str| fact_of(&facts, k);
        Ok(Interpreter {
            library: shared_library(&fact),
            version,
            version_short: get("version_short")?,
            real_executable: get("real_executable")?.into(),
            stdlib: get("stdlib")?.into(),
            dynload: get("dynload")?.into(),
            magic: get("magic")?,
            builtins: get("builtins")?.split(',').map(String::from).collect(),
            stdlib_names: get("stdlib_names")?
                .split(',')
                .filter(|n| !n.is_empty())
                .map(String::from)
                .collect(),
            site_packages: {
                let mut sites = vec![PathBuf::from(get("purelib")?)];
                let platlib = PathBuf::from(get("platlib")?);
                if !sites.contains(&platlib) {
                    sites.push(platlib);
                }
                sites
            },
            requested,
            chosen_by,
        })
    }
}

fn fact_of<'a>(facts: &HashMap<&str, &'a str>, key: &str) -> &'a str {
    facts.get(key).copied().unwrap_or("")
}

/// The first line of what a program said, cut short: a program that is not Python may
/// repeat pybundle's whole question back (`ls` lists it as a file name).
fn first_words(text: &str) -> String {
    let line = text.lines().map(str::trim).find(|l| !l.is_empty());
    let line = line.unwrap_or("nothing, and failed");
    let mut cut: String = line.chars().take(80).collect();
    if cut.len() < line.len() {
        cut.push_str("...");
    }
    cut
}

/// CPython's shared library, as its build recorded it: `INSTSONAME` (else `LDLIBRARY`) in
/// `LIBDIR` (or its multiarch folder, as Debian keeps it); `libpython3.X.dylib` on macOS.
/// Debian's own `python3.X` binary has the interpreter linked in, but the same build's
/// library ships beside it in the `libpython3.X` package.
fn shared_library<'a>(fact: &dyn Fn(&str) -> &'a str) -> Option<(PathBuf, String)> {
    let libdir = PathBuf::from(fact("libdir"));
    let mut dirs = vec![libdir.clone()];
    if !fact("multiarch").is_empty() {
        dirs.push(libdir.join(fact("multiarch")));
    }
    dirs.push(PathBuf::from(fact("base_prefix")).join("lib"));
    let shared = |name: &str| name.contains(".so") || name.ends_with(".dylib");
    let names = [fact("instsoname"), fact("ldlibrary")];
    for name in names.into_iter().filter(|n| shared(n)) {
        for dir in &dirs {
            let candidate = dir.join(name);
            if candidate.is_file() {
                let soname = fact("instsoname");
                let soname = if shared(soname) { soname } else { name };
                return Some((candidate, soname.to_string()));
            }
        }
    }
    None
}

/// A command that runs `program` as one of the build's helpers (a query, the compiler, the
/// probe): in a process group of its own, so a Ctrl-C at the terminal stops the build, not
/// the helper mid-answer with a Python traceback. A helper whose build is gone ends when its
/// input or output closes.
pub fn helper(program: &Path) -> Command {
    use std::os::unix::process::CommandExt;
    let mut cmd = Command::new(program);
    cmd.process_group(0);
    cmd
}

fn explicit_path_missing(path: &Path) -> bool {
    path.components().count() > 1 && !path.exists()
}

fn default_interpreter() -> Result<(PathBuf, Choice), Error> {
    if let Some(venv) = std::env::var_os("VIRTUAL_ENV").filter(|v| !v.is_empty()) {
        let candidate = PathBuf::from(venv).join("bin").join("python");
        if candidate.exists() {
            return Ok((candidate, Choice::Virtualenv));
        }
    }
    let found = find_on_path("python3").ok_or(Error::NoInterpreter)?;
    Ok((found, Choice::Path))
}

/// The first file `name` in the folders of `PATH`.
pub fn find_on_path(name: &str) -> Option<PathBuf> {
    let path: OsString = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::python::versions::Unsupported;

    #[test]
    fn versions_outside_the_range_and_free_threaded_builds_are_refused() {
        assert_eq!(unsupported("3.7.17", false), Some(Unsupported::TooOld));
        assert_eq!(unsupported("2.7.18", false), Some(Unsupported::TooOld));
        assert_eq!(unsupported("3.16.0", false), Some(Unsupported::TooNew));
        assert_eq!(
            unsupported("3.14.2", true),
            Some(Unsupported::FreeThreaded { minor: 14 })
        );
        for ok in ["3.8.20", "3.11.2", "3.14.10", "3.15.2"] {
            assert_eq!(unsupported(ok, false), None, "{ok}");
        }
        let line = Error::UnsupportedPython {
            path: "/usr/bin/python3.7".into(),
            version: "3.7.17".into(),
            why: Unsupported::TooOld,
        }
        .to_string();
        assert_eq!(
            line,
            "CPython 3.7.17 at /usr/bin/python3.7 is older than pybundle supports (3.8 to 3.15); pass --python with a CPython 3.8 or newer"
        );
    }
}
