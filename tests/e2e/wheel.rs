//! pybundle as Python users install it (README: Install): the wheel `tools/wheel` builds is
//! manylinux by auditwheel's reading, installs into a fresh virtualenv on a PATH with no Rust
//! toolchain and no C compiler, and that pybundle builds for every target: hello for this
//! machine, run with every Python hidden; hello for linux-aarch64, run under qemu; hello for
//! windows-x64, built (the wine tests run Windows bundles).

use std::ffi::OsStr;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::harness::*;
use pybundle_e2e_macros::needs;

#[needs(root, linux_aarch64, windows_x64)]
fn the_wheel_installs_without_a_toolchain_and_builds_for_every_target() {
    let wheels = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("wheels");
    let _ = fs::remove_dir_all(&wheels);
    let built = Command::new(repo().join("tools/wheel"))
        .arg(&wheels)
        .env("PYTHON", python())
        .output()
        .unwrap();
    assert!(built.status.success(), "tools/wheel: {}", stderr(&built));
    let wheel = PathBuf::from(stdout(&built).trim());
    let name = wheel.file_name().unwrap().to_string_lossy().into_owned();
    assert!(
        name.ends_with("-py3-none-manylinux_2_28_x86_64.whl"),
        "{name}"
    );
    let show = Command::new(repo().join("target/wheel-tools/bin/auditwheel"))
        .arg("show")
        .arg(&wheel)
        .output()
        .unwrap();
    assert!(
        stdout(&show)
            .contains("consistent with\nthe following platform tag: \"manylinux_2_28_x86_64\""),
        "{}{}",
        stdout(&show),
        stderr(&show)
    );

    // A user's machine: Python and a shell, no cargo, no cc.
    let home = tempfile::tempdir().unwrap();
    let tools = home.path().join("tools");
    fs::create_dir(&tools).unwrap();
    for tool in ["sh", "env", "cat"] {
        let found = pybundle::python::interpreter::find_on_path(tool).unwrap();
        std::os::unix::fs::symlink(found, tools.join(tool)).unwrap();
    }
    let venv = home.path().join("venv");
    let made = Command::new(python())
        .args(["-m", "venv"])
        .arg(&venv)
        .status()
        .unwrap();
    assert!(made.success());
    let path = std::env::join_paths([venv.join("bin"), tools.clone()]).unwrap();
    let shell = |script: &str| {
        let out = Command::new(tools.join("sh"))
            .args(["-c", script])
            .env_clear()
            .env("PATH", &path)
            .env("HOME", home.path())
            .current_dir(home.path())
            .output()
            .unwrap();
        (out.status.success(), stdout(&out), stderr(&out))
    };
    let (ok, _, _) = shell("command -v cargo || command -v cc || command -v gcc");
    assert!(!ok, "a toolchain is reachable");
    let install = format!(
        "pip install --no-index --disable-pip-version-check --quiet {}",
        wheel.display()
    );
    let started = std::time::Instant::now();
    let (ok, _, err) = shell(&install);
    assert!(ok, "{install}: {err}");
    eprintln!(
        "the wheel installed in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let (ok, version, err) = shell("pybundle --version");
    assert!(ok, "{err}");
    assert!(
        version.contains(
            "launchers: linux-x86_64, linux-aarch64, windows-x64, macos-arm64, macos-x86_64"
        ),
        "{version}"
    );

    // The interpreter itself, not a shim (pyenv's are bash scripts, and bash is not here).
    let real = Command::new(python())
        .args(["-c", "import sys; print(sys.executable)"])
        .output()
        .unwrap();
    let interpreter = PathBuf::from(stdout(&real).trim());
    let hello = repo().join("examples/hello/hello.py");
    let build = |dist: &Path, extra: &[&OsStr]| {
        let out = Command::new(venv.join("bin/pybundle"))
            .arg("build")
            .arg(&hello)
            .args(["-F", "-y", "--compression-level", "1", "--json"])
            .arg("--python")
            .arg(&interpreter)
            .arg("--distpath")
            .arg(dist)
            .arg("--workpath")
            .arg(home.path().join("build"))
            .args(extra)
            .env_clear()
            .env("PATH", &path)
            .env("HOME", home.path())
            .output()
            .unwrap();
        assert!(out.status.success(), "{extra:?}: {}", stderr(&out));
        let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        (
            PathBuf::from(summary["executable"].as_str().unwrap()),
            summary["target"].as_str().unwrap().to_string(),
        )
    };

    let dist = home.path().join("dist");
    let (exe, _) = build(&dist.join("host"), &[]);
    let (out, clean) = run_hermetic(&exe, &["--exit=0"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).starts_with("Hello from a bundled Python"),
        "{}",
        stdout(&out)
    );
    assert!(clean);

    let arm64 = crate::cross::arm64();
    let (exe, target) = build(
        &dist.join("arm64"),
        &[
            OsStr::new("--target"),
            OsStr::new("linux-aarch64"),
            OsStr::new("--runtime"),
            arm64.runtime.as_os_str(),
        ],
    );
    assert_eq!(target, "linux-aarch64");
    let out = hermetic_emulated(
        &exe,
        &[OsStr::new("--exit=0")],
        &[&arm64.runtime, &arm64.cache],
        &arm64.emulator,
    )
    .output()
    .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).starts_with("Hello from a bundled Python"),
        "{}",
        stdout(&out)
    );

    let windows = crate::windows::windows();
    let (exe, target) = build(
        &dist.join("windows"),
        &[
            OsStr::new("--target"),
            OsStr::new("windows-x64"),
            OsStr::new("--runtime"),
            windows.runtime.as_os_str(),
        ],
    );
    assert_eq!(target, "windows-x64");
    let pe = fs::read(&exe).unwrap();
    assert_eq!(&pe[..2], b"MZ", "{}", exe.display());
}
