//! Where PyInstaller hooks come from, in the order a module's hook is looked for (the first
//! found is the one run, as in PyInstaller):
//!
//! 1. the user's `--additional-hooks-dir` folders;
//! 2. the folders installed packages declare themselves, through the `pyinstaller40`
//!    entry point `hook-dirs` (numpy's, pygame's...; `pyinstaller-hooks-contrib` too, when it
//!    is installed in the build's environment);
//! 3. `pyinstaller-hooks-contrib`'s community hooks, otherwise: its wheel, pinned, fetched
//!    once into the user's cache;
//! 4. PyInstaller's own hooks: the build environment's PyInstaller if it has one, else its
//!    wheel, fetched the same way.
//!
//! Nothing here runs a hook; resolving a `hook-dirs` entry point runs its function (the
//! runner does, with the rest).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use super::Author;
use crate::error::Error;
use crate::packages::ini;
use crate::python::interpreter::Interpreter;
use crate::python::unpack::{self, Kind};
use crate::python::user_cache;

/// The community hooks fetched when the build environment has none: the versions this
/// pybundle was tested with.
pub const CONTRIB: (&str, &str) = ("pyinstaller-hooks-contrib", "2026.10");
pub const PYINSTALLER: (&str, &str) = ("pyinstaller", "6.22.3");

/// A folder of hooks, and who wrote them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HookDir {
    pub dir: PathBuf,
    pub author: Author,
}

/// A `pyinstaller40` `hook-dirs` entry point: the distribution that declares it and its
/// `module:function`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryPoint {
    pub distribution: String,
    pub version: String,
    pub reference: String,
}

/// Every `hook-dirs` entry point of the distributions installed in `sites`.
pub fn entry_points(sites: &[PathBuf]) -> Vec<EntryPoint> {
    let mut out = Vec::new();
    for site in sites {
        let Ok(entries) = fs::read_dir(site) else {
            continue;
        };
        let mut folders: Vec<PathBuf> = (entries.flatten())
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "dist-info"))
            .collect();
        folders.sort();
        for folder in folders {
            let Ok(text) = fs::read_to_string(folder.join("entry_points.txt")) else {
                continue;
            };
            let sections = ini::parse(&text);
            let Some(reference) =
                ini::section(&sections, "pyinstaller40").and_then(|s| s.get("hook-dirs"))
            else {
                continue;
            };
            let stem = folder.file_stem().and_then(|s| s.to_str()).unwrap_or("");
            let (name, version) = stem.rsplit_once('-').unwrap_or((stem, ""));
            out.push(EntryPoint {
                distribution: name.to_string(),
                version: version.to_string(),
                reference: reference.to_string(),
            });
        }
    }
    out
}

/// Who wrote the hooks of an entry point's folders.
pub fn author_of(entry: &EntryPoint) -> Author {
    let key = crate::packages::markers::normalize(&entry.distribution);
    if key == CONTRIB.0 {
        Author::Contrib(entry.version.clone())
    } else {
        Author::Package(entry.distribution.clone())
    }
}

/// PyInstaller's own hooks folder in the build environment, if PyInstaller is installed there.
pub fn installed_pyinstaller(sites: &[PathBuf]) -> Option<HookDir> {
    for site in sites {
        let dir = site.join("PyInstaller").join("hooks");
        if dir.is_dir() {
            let version = fs::read_dir(site)
                .into_iter()
                .flatten()
                .flatten()
                .filter_map(|e| e.file_name().into_string().ok())
                .find_map(|n| {
                    n.strip_prefix("pyinstaller-")?
                        .strip_suffix(".dist-info")
                        .map(String::from)
                })
                .unwrap_or_default();
            return Some(HookDir {
                dir,
                author: Author::PyInstaller(version),
            });
        }
    }
    None
}

/// `(name, version)`'s wheel, fetched once with `interp`'s pip into the user's cache and
/// unpacked there; the unpacked folder.
pub fn fetched(interp: &Interpreter, (name, version): (&str, &str)) -> Result<PathBuf, Error> {
    let base = user_cache::dir("pyinstaller-hooks")?;
    let site = base.join(format!("{name}-{version}"));
    user_cache::once(&site, |fresh| {
        let scratch = tempfile::Builder::new()
            .prefix(".download-")
            .tempdir_in(&base)
            .map_err(|source| Error::Cache {
                path: base.clone(),
                source,
            })?;
        let out = crate::python::interpreter::helper(&interp.requested)
            .args([
                "-m",
                "pip",
                "download",
                "--quiet",
                "--disable-pip-version-check",
            ])
            .args(["--no-deps", "--only-binary=:all:", "--dest"])
            .arg(scratch.path())
            .arg(format!("{name}=={version}"))
            .stdin(Stdio::null())
            .output()
            .map_err(|e| Error::HooksFetch {
                what: format!("{name} {version}"),
                why: format!("{} could not be run ({e})", interp.requested.display()),
            })?;
        if !out.status.success() {
            let said = String::from_utf8_lossy(&out.stderr);
            let line = said
                .lines()
                .rev()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("");
            return Err(Error::HooksFetch {
                what: format!("{name} {version}"),
                why: line.trim().to_string(),
            });
        }
        let wheel = fs::read_dir(scratch.path())
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .find(|p| p.extension().is_some_and(|e| e == "whl"))
            .ok_or_else(|| Error::HooksFetch {
                what: format!("{name} {version}"),
                why: "pip fetched no wheel".into(),
            })?;
        unpack::unpack(&wheel, Kind::Zip, fresh)
    })?;
    Ok(site)
}

/// The community hooks folder of an unpacked `pyinstaller-hooks-contrib` wheel.
pub fn contrib_dir(unpacked: &Path, version: &str) -> Option<HookDir> {
    let package = unpacked.join("_pyinstaller_hooks_contrib");
    [
        package.join("stdhooks"),
        package.join("hooks").join("stdhooks"),
    ]
    .into_iter()
    .find(|d| d.is_dir())
    .map(|dir| HookDir {
        dir,
        author: Author::Contrib(version.to_string()),
    })
}

/// PyInstaller's own hooks folder of an unpacked `pyinstaller` wheel.
pub fn pyinstaller_dir(unpacked: &Path, version: &str) -> Option<HookDir> {
    let dir = unpacked.join("PyInstaller").join("hooks");
    dir.is_dir().then(|| HookDir {
        dir,
        author: Author::PyInstaller(version.to_string()),
    })
}

/// The `hook-MODULE.py` files of `dir`: (module, file).
pub fn hooks_in(dir: &Path) -> Vec<(String, PathBuf)> {
    let mut out: Vec<(String, PathBuf)> = fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            let module = name.strip_prefix("hook-")?.strip_suffix(".py")?.to_string();
            Some((module, e.path()))
        })
        .collect();
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hook_dirs_entry_points_are_read_from_installed_metadata() {
        let site = tempfile::tempdir().unwrap();
        let info = site
            .path()
            .join("pyinstaller_hooks_contrib-2026.10.dist-info");
        fs::create_dir_all(&info).unwrap();
        fs::write(
            info.join("entry_points.txt"),
            "[pyinstaller40]\nhook-dirs = _pyinstaller_hooks_contrib:get_hook_dirs\n",
        )
        .unwrap();
        let other = site.path().join("numpy-2.4.6.dist-info");
        fs::create_dir_all(&other).unwrap();
        fs::write(
            other.join("entry_points.txt"),
            "[console_scripts]\nf2py = numpy.f2py.f2py2e:main\n\n[pyinstaller40]\nhook-dirs = numpy:_pyinstaller_hooks_dir\n",
        )
        .unwrap();
        let found = entry_points(&[site.path().to_path_buf()]);
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].reference, "numpy:_pyinstaller_hooks_dir");
        assert_eq!(author_of(&found[0]), Author::Package("numpy".into()));
        assert_eq!(author_of(&found[1]), Author::Contrib("2026.10".into()));
    }

    #[test]
    fn hook_files_name_their_module() {
        let dir = tempfile::tempdir().unwrap();
        for name in [
            "hook-faker.py",
            "hook-PIL.Image.py",
            "pyi_rth_x.py",
            "hook-x.pyc",
        ] {
            fs::write(dir.path().join(name), "").unwrap();
        }
        let names: Vec<String> = hooks_in(dir.path()).into_iter().map(|(m, _)| m).collect();
        assert_eq!(names, ["PIL.Image", "faker"]);
    }
}
