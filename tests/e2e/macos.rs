//! Bundles for macOS, built here: `--target macos-arm64` and `macos-x86_64` with a stand-in
//! for python-build-standalone's macOS archive (`tools/macos-standin-runtime`: its layout,
//! Mach-O files linked here by zig, the standard library of the build interpreter) and real
//! macOS wheels from PyPI. Nothing here runs a Mach-O, so these check what macOS checks before
//! it runs one: every Mach-O file is for the target's CPU and carries a signature that holds
//! for what it now is, every library it names is macOS's own or a file of the bundle, and a
//! onefile's archive lies inside what its launcher's signature covers.

use std::ffi::OsStr;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use crate::harness::*;
use pybundle::native::macho::{read, sign};
use pybundle_e2e_macros::needs;

const TARGETS: [&str; 2] = ["macos-arm64", "macos-x86_64"];

/// The stand-in runtime for `target`, made once per test run from the test interpreter.
fn standin(target: &str) -> &'static Path {
    static RUNTIMES: [OnceLock<PathBuf>; 2] = [OnceLock::new(), OnceLock::new()];
    let slot = TARGETS
        .iter()
        .position(|t| *t == target)
        .expect("a macOS target");
    RUNTIMES[slot].get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
            .join("macos")
            .join(format!("runtime-{target}-{}", python_version()));
        let args = [OsStr::new(target), &python(), dir.as_os_str()];
        run_tool(
            "macos-standin-runtime",
            &args,
            &[],
            "zig: tools/add-target macos-arm64",
        );
        dir
    })
}

fn cpu(target: &str) -> u32 {
    pybundle::bundle::target::Target::parse(target)
        .and_then(|t| t.macho_cputype())
        .expect("a macOS target")
}

/// Build `script` for `target` with `python` into `dist`; the executable.
fn build_mac(target: &str, script: &Path, dist: &Path, python: &Path, extra: &[&str]) -> PathBuf {
    let cache = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("macos/cache");
    build_for(
        target,
        standin(target),
        &cache,
        (script, dist, python),
        extra,
    )
}

/// Every Mach-O file under `dir`.
fn macho_files(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    for entry in fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if entry.file_type().unwrap().is_dir() {
            out.extend(macho_files(&path));
        } else {
            let bytes = fs::read(&path).unwrap();
            if read::looks_like_macho(&bytes) {
                out.push((path, bytes));
            }
        }
    }
    out
}

/// Check every Mach-O file under `root` as macOS would before running it: the target's CPU,
/// a signature that holds, no rpath of the build machine, and every library it names either
/// macOS's own or a file under `root` as dyld resolves the name. Returns how many there are.
fn check_tree(root: &Path, target: &str) -> usize {
    let root = root.canonicalize().unwrap();
    let files = macho_files(&root);
    for (path, bytes) in &files {
        let shown = path.strip_prefix(&root).unwrap().display();
        assert_eq!(sign::check(bytes), Ok(()), "{shown} is not signed as it is");
        let info = read::read(bytes, cpu(target)).expect("a Mach-O file for the target");
        assert_eq!(info.cputype, cpu(target), "{shown}");
        let here = path.parent().unwrap();
        let rpaths: Vec<PathBuf> = (info.rpaths.iter())
            .map(|r| {
                let rest = r.strip_prefix("@loader_path").unwrap_or_else(|| {
                    panic!("{shown} has the rpath {r}, not one relative to itself")
                });
                here.join(rest.trim_start_matches('/'))
            })
            .collect();
        for needed in &info.needed {
            let name = &needed.name;
            if name.starts_with("/usr/lib/") || name.starts_with("/System/") {
                continue;
            }
            let candidates: Vec<PathBuf> = if let Some(rest) = name.strip_prefix("@loader_path/") {
                vec![here.join(rest)]
            } else if let Some(rest) = name.strip_prefix("@rpath/") {
                rpaths.iter().map(|r| r.join(rest)).collect()
            } else {
                panic!("{shown} names {name}, which is neither macOS's nor in the bundle")
            };
            let found = (candidates.iter())
                .filter_map(|c| c.canonicalize().ok())
                .find(|c| c.is_file());
            match found {
                Some(file) => assert!(file.starts_with(&root), "{shown}: {name} leads outside"),
                None => assert!(
                    needed.weak,
                    "{shown} needs {name}, which is not in the bundle"
                ),
            }
        }
    }
    files.len()
}

/// The launcher `exe`, checked: its signature holds and starts where its archive (or a
/// onedir's listing) ends, so that it covers it. Its bytes and archive trailer.
fn signed_with_its_archive(exe: &Path, target: &str) -> (Vec<u8>, pybundle_archive::Trailer) {
    let bytes = fs::read(exe).unwrap();
    assert_eq!(sign::check(&bytes), Ok(()), "{target}: the launcher");
    let trailer = pybundle_archive::trailer_of(exe).expect("the archive is found");
    let archive_end = trailer.manifest_offset() + trailer.manifest_len + 64;
    let macho = goblin::mach::MachO::parse(&bytes, 0).unwrap();
    let signature = (macho.load_commands.iter())
        .find_map(|c| match c.command {
            goblin::mach::load_command::CommandVariant::CodeSignature(s) => Some(s),
            _ => None,
        })
        .expect("a code signature");
    let signature_at = u64::from(signature.dataoff);
    assert!(
        archive_end <= signature_at && signature_at - archive_end < 16,
        "{target}: the archive ends at {archive_end}, the signature starts at {signature_at}"
    );
    (bytes, trailer)
}

/// The app: two standard-library modules whose extension modules need a library, the
/// system's (zlib) and one the runtime carries (`_lzma`, by `@rpath`).
fn app(dir: &Path) -> PathBuf {
    let script = dir.join("compress.py");
    fs::write(
        &script,
        "import lzma, zlib\nprint(len(zlib.compress(lzma.compress(b'pybundle'))))\n",
    )
    .unwrap();
    script
}

#[needs(macos)]
fn macos_bundles_are_signed_throughout_and_find_their_libraries_inside() {
    let dir = tempfile::tempdir().unwrap();
    let script = app(dir.path());
    for target in TARGETS {
        // Onedir: the launcher and every file beside it.
        let dist = dir.path().join(format!("{target}-onedir"));
        let exe = build_mac(target, &script, &dist, Path::new(&python()), &["-D"]);
        let folder = exe.parent().unwrap();
        let internal = folder.join("_internal");
        assert!(internal.join("lib/liblzma.5.dylib").is_file(), "{target}");
        let libpython = format!("lib/libpython{}.dylib", python_version());
        assert!(internal.join(&libpython).is_file(), "{target}: {libpython}");
        let count = check_tree(folder, target);
        assert!(count >= 5, "{target}: {count} Mach-O files");
        signed_with_its_archive(&exe, target);
        assert!(inspect(&exe).contains(&format!("target: {target}")));

        // Onefile: the archive inside the signed part of the launcher.
        let dist = dir.path().join(format!("{target}-onefile"));
        let exe = build_mac(target, &script, &dist, Path::new(&python()), &["-F"]);
        let (bytes, trailer) = signed_with_its_archive(&exe, target);
        let out = Command::new(PYBUNDLE)
            .arg("verify")
            .arg(&exe)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let unpacked = dir.path().join(format!("{target}-unpacked"));
        let out = Command::new(PYBUNDLE)
            .arg("extract")
            .args([exe.as_os_str(), unpacked.as_os_str()])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(check_tree(&unpacked, target) >= 4);

        // A byte changed in the archive: the launcher's check and the signature both refuse.
        let mut damaged = bytes.clone();
        damaged[(trailer.archive_offset + trailer.payload_len / 2) as usize] ^= 0x10;
        assert!(matches!(
            sign::check(&damaged),
            Err(sign::SignError::Mismatch(_))
        ));
        let bad = dir.path().join(format!("{target}-damaged"));
        fs::write(&bad, &damaged).unwrap();
        let out = Command::new(PYBUNDLE)
            .arg("verify")
            .arg(&bad)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{target}");
        assert!(stderr(&out).contains("checksum"), "{}", stderr(&out));
    }
}

/// numpy from its macOS arm64 wheel: its own libraries (OpenBLAS, gfortran) come from the
/// wheel, rewritten to be found beside it and signed again.
#[needs(macos)]
fn numpy_for_macos_arm64_carries_its_wheel_libraries_signed() {
    let python = venv(&["numpy==2.4.6"]);
    let dir = tempfile::tempdir().unwrap();
    let script = repo().join("examples/numpy-app/matmul.py");
    let exe = build_mac("macos-arm64", &script, dir.path(), &python, &["-D"]);
    let folder = exe.parent().unwrap();
    let dylibs = folder.join("_internal/numpy/.dylibs");
    let wheel_libs = fs::read_dir(&dylibs).map(|d| d.count()).unwrap_or(0);
    assert!(wheel_libs >= 3, "numpy/.dylibs holds {wheel_libs} files");
    assert!(check_tree(folder, "macos-arm64") > 20);
    let about = inspect(&exe);
    assert!(about.contains("macOS: 1"), "{about}");
}
