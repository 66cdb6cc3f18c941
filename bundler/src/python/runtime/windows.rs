//! A Windows CPython given to `--runtime` for `--target windows-x64`: python.org's embeddable
//! zip (`python3XY.dll`, the standard library compiled in `python3XY.zip`, extension modules
//! and their DLLs beside it) or an installed CPython's folder (`Lib/` sources, `DLLs/`). It is
//! found by its DLL, up to three folders down, and checked: an x64 PE file, of the build
//! interpreter's minor version. The embeddable zip carries no sources: the module graph reads
//! the build interpreter's standard library of the same minor version, and the bundle takes
//! the runtime's own compiled modules.

use std::fs;
use std::path::{Path, PathBuf};

use super::cpython::{Runtime, Source};
use super::prefix::{full_version, same_minor, subdirs};
use crate::bundle::target::Target;
use crate::error::Error;
use crate::python::interpreter::Interpreter;

/// IMAGE_FILE_MACHINE_AMD64.
const MACHINE_X64: u16 = 0x8664;

pub fn open(
    named: &Path,
    root: PathBuf,
    target: Target,
    interp: &Interpreter,
) -> Result<Runtime, Error> {
    let bad = super::refusal(named, target);
    let (home, dll_name, version_short) = find_home(&root).ok_or_else(|| {
        bad("it holds no python3XY.dll; give python.org's embeddable zip (python-3.X.Y-embed-amd64.zip) or the folder of an installed CPython for Windows".into())
    })?;
    let library = home.join(&dll_name);
    let bytes = fs::read(&library).map_err(|source| Error::Read {
        path: library.clone(),
        source,
    })?;
    check_dll(&bytes, target).map_err(bad)?;
    same_minor(named, &version_short, interp)?;
    let zip = home.join(format!("python{}.zip", version_short.replace('.', "")));
    let (stdlib, stdlib_zip, dynload) = if home.join("Lib/os.py").is_file() {
        (home.join("Lib"), None, home.join("DLLs"))
    } else if zip.is_file() {
        (interp.stdlib.clone(), Some(zip), home.clone())
    } else {
        return Err(bad(format!(
            "it has no standard library beside {dll_name} (neither Lib/os.py nor {})",
            zip.file_name().unwrap_or_default().to_string_lossy()
        )));
    };
    let version = full_version(&bytes, &version_short).unwrap_or_else(|| version_short.clone());
    let library_dirs = [home.clone(), home.join("DLLs")]
        .into_iter()
        .filter(|d| d.is_dir())
        .collect();
    Ok(Runtime {
        target,
        version,
        version_short,
        library,
        library_name: dll_name,
        stdlib,
        stdlib_zip,
        dynload,
        builtins: interp.builtins.clone(),
        stdlib_names: interp.stdlib_names.clone(),
        source: Source::Given {
            named: named.to_path_buf(),
            root,
            prefix: home,
            library_dirs,
        },
    })
}

/// The folder under `root` (itself, or up to three levels down) holding `python3XY.dll`: that
/// folder, the DLL's name and `3.XY`.
fn find_home(root: &Path) -> Option<(PathBuf, String, String)> {
    let mut level = vec![root.to_path_buf()];
    for _ in 0..4 {
        for dir in &level {
            if let Some(found) = python_dll_in(dir) {
                return Some((dir.clone(), found.0, found.1));
            }
        }
        level = level.iter().flat_map(|d| subdirs(d)).collect();
    }
    None
}

/// `python3XY.dll` in `dir` (any case), and `3.XY`.
fn python_dll_in(dir: &Path) -> Option<(String, String)> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .ok()?
        .flatten()
        .filter_map(|e| e.file_name().into_string().ok())
        .collect();
    names.sort();
    names.into_iter().find_map(|name| {
        let lower = name.to_ascii_lowercase();
        let digits = lower.strip_prefix("python3")?.strip_suffix(".dll")?;
        let minor_ok = !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit());
        minor_ok.then(|| (name.clone(), format!("3.{digits}")))
    })
}

/// Check that `bytes` is a PE DLL for `target`.
fn check_dll(bytes: &[u8], target: Target) -> Result<(), String> {
    if bytes.starts_with(b"\x7fELF") {
        return Err("it is a Linux build of CPython".into());
    }
    let pe = goblin::pe::PE::parse(bytes)
        .map_err(|e| format!("its DLL is not a PE file pybundle can read ({e})"))?;
    let machine = pe.header.coff_header.machine;
    if machine != MACHINE_X64 {
        let name = match machine {
            0x014c => "32-bit x86".to_string(),
            0xaa64 => "ARM64".to_string(),
            other => format!("PE machine {other:#06x}"),
        };
        return Err(format!("it is built for {name}, not {target}"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dll_names_the_version_and_is_found_below_the_root() {
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path().join("python-3.11.9-embed-amd64");
        fs::create_dir_all(&home).unwrap();
        fs::write(home.join("python3.dll"), b"").unwrap();
        fs::write(home.join("python311.dll"), b"").unwrap();
        let (found, dll, version) = find_home(dir.path()).unwrap();
        assert_eq!(
            (found, dll.as_str(), version.as_str()),
            (home, "python311.dll", "3.11")
        );
        assert!(find_home(tempfile::tempdir().unwrap().path()).is_none());
    }

    #[test]
    fn a_dll_of_another_kind_is_named() {
        let elf = fs::read(std::env::current_exe().unwrap()).unwrap();
        let why = check_dll(&elf, Target::WindowsX64).unwrap_err();
        assert!(why.contains("Linux"), "{why}");
    }
}
