//! Bundles for another platform, built on this one: `--target linux-aarch64` with a runtime
//! assembled from Debian's arm64 packages (`tools/debian-runtime`, cached under the target
//! folder), run under qemu-user with every Python hidden, the runtime and the wheel cache too.
//! qemu is slow to start an interpreter (about half a second), so these are few: hello in both
//! modes, data files, a pure-Python dependency, numpy from its aarch64 wheel.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use crate::harness::*;
use pybundle_e2e_macros::needs;

/// The Debian arm64 runtime, the loader's sysroot and qemu.
pub struct Arm64 {
    pub runtime: PathBuf,
    pub cache: PathBuf,
    pub emulator: Emulator,
}

pub fn arm64() -> &'static Arm64 {
    static ARM64: OnceLock<Arm64> = OnceLock::new();
    ARM64.get_or_init(|| {
        assert_eq!(
            python_version(),
            "3.11",
            "the linux-aarch64 tests use Debian 12's CPython 3.11: set PYBUNDLE_TEST_PYTHON to a CPython 3.11"
        );
        let base = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("debian-arm64");
        let runtime = base.join("runtime-3.11");
        let sysroot = base.join("sysroot");
        for args in [
            vec![OsStr::new("arm64"), OsStr::new("3.11"), runtime.as_os_str()],
            vec![OsStr::new("--sysroot"), OsStr::new("arm64"), sysroot.as_os_str()],
        ] {
            run_tool("debian-runtime", &args, &[], "");
        }
        Arm64 {
            runtime,
            cache: base.join("cache"),
            emulator: aarch64_emulator(sysroot),
        }
    })
}

/// qemu-aarch64, with `sysroot` as the C runtime of the programs it runs.
pub fn aarch64_emulator(sysroot: PathBuf) -> Emulator {
    let qemu = pybundle::python::interpreter::find_on_path("qemu-aarch64")
        .expect("qemu-aarch64 is not installed: apt-get install qemu-user");
    Emulator {
        qemu,
        sysroot,
        magic: "\\x7fELF\\x02\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\xb7\\x00",
        mask: "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff\\xff",
    }
}

/// Build `script` for linux-aarch64 into `dist` with `python`; the executable.
fn build_arm64(script: &Path, dist: &Path, python: &Path, extra: &[&str]) -> PathBuf {
    let a = arm64();
    let build = (script, dist, python);
    build_for("linux-aarch64", &a.runtime, &a.cache, build, extra)
}

/// Run an aarch64 bundle under qemu with Python, the runtime and the wheel cache hidden.
fn run_arm64(exe: &Path, args: &[&str]) -> Output {
    let a = arm64();
    let args: Vec<&OsStr> = args.iter().map(OsStr::new).collect();
    hermetic_emulated(exe, &args, &[&a.runtime, &a.cache], &a.emulator)
        .output()
        .unwrap()
}

#[needs(root, linux_aarch64)]
fn hello_for_aarch64_runs_in_both_modes_with_its_arguments_and_exit_status() {
    let script = repo().join("examples/hello/hello.py");
    for mode in ["-F", "-D"] {
        let dist = tempfile::tempdir().unwrap();
        let exe = build_arm64(&script, dist.path(), Path::new(&python()), &[mode]);
        let out = run_arm64(&exe, &["one", "two words", "--exit=7"]);
        assert_eq!(out.status.code(), Some(7), "{mode}: {}", stderr(&out));
        let text = stdout(&out);
        assert!(
            text.starts_with("Hello from a bundled Python 3.11."),
            "{text}"
        );
        assert!(
            text.contains("argv: ['one', 'two words', '--exit=7']"),
            "{text}"
        );
        let inspect = inspect(&exe);
        assert!(inspect.contains("target: linux-aarch64\n"), "{inspect}");
        assert!(inspect.contains("python: CPython 3.11."), "{inspect}");
        assert!(inspect.contains("glibc: 2."), "{inspect}");
    }
}

#[needs(root, linux_aarch64)]
fn data_files_reach_an_aarch64_bundle() {
    let dist = tempfile::tempdir().unwrap();
    let examples = repo().join("examples/data-files");
    let exe = build_arm64(
        &examples.join("app.py"),
        dist.path(),
        Path::new(&python()),
        &[
            "-F",
            "--add-data",
            "config.json:.",
            "--add-data",
            "assets:assets",
        ],
    );
    let out = run_arm64(&exe, &[]);
    assert_eq!(
        stdout(&out),
        "Hello, data-files example!\nmessage: read from the bundle's assets folder\ntemplate: helpers 51\n",
        "{}",
        stderr(&out)
    );
}

#[needs(root, linux_aarch64)]
fn a_pure_python_dependency_goes_as_installed() {
    let python = venv(&["click==8.1.7"]);
    let dist = tempfile::tempdir().unwrap();
    let exe = build_arm64(
        &repo().join("examples/click-cli/cli.py"),
        dist.path(),
        &python,
        &["-D"],
    );
    let out = run_arm64(&exe, &["versions"]);
    assert!(
        stdout(&out).starts_with("click 8.1.7\n"),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    let root = Root::onedir(dist.path(), "cli");
    assert!(root.holds(&root.site_packages().join("click/core.pyc")));
}

#[needs(root, linux_aarch64)]
fn numpy_comes_from_its_aarch64_wheel() {
    let python = venv(&["numpy==2.4.6"]);
    let dist = tempfile::tempdir().unwrap();
    let exe = build_arm64(
        &repo().join("examples/numpy-app/matmul.py"),
        dist.path(),
        &python,
        &["-F"],
    );
    let out = run_arm64(&exe, &[]);
    assert_eq!(
        stdout(&out),
        "numpy 2.4.6\ntrace of a @ inv(a + I): 10.5\nchecksum: 499500\n",
        "{}",
        stderr(&out)
    );
    let list = inspect(&exe);
    assert!(
        list.contains("aarch64-linux-gnu.so"),
        "no aarch64 extension modules"
    );
    assert!(
        !list.contains("x86_64-linux-gnu.so"),
        "x86_64 modules bundled"
    );
    // Its SBOM lists the aarch64 wheel's files and nothing of this machine's packages.
    let document = crate::sbom::sbom_bytes(&exe);
    let doc: serde_json::Value = serde_json::from_slice(&document).unwrap();
    assert_eq!(doc["metadata"]["properties"][0]["value"], "linux-aarch64");
    let numpy = crate::sbom::component(&doc["components"], "numpy");
    let files: Vec<&str> = (numpy["components"].as_array().unwrap().iter())
        .filter_map(|c| c["name"].as_str())
        .collect();
    assert!(files.iter().any(|f| f.ends_with("aarch64-linux-gnu.so")));
    assert!(!files.iter().any(|f| f.contains("x86_64")), "{files:?}");
    let text = String::from_utf8_lossy(&document);
    assert!(!text.contains("arch=amd64"), "a host package listed");
}

#[needs(root, linux_aarch64)]
fn a_distribution_without_a_wheel_for_the_target_is_named() {
    // A virtualenv holding a platform-specific distribution that no index has.
    let dir = tempfile::tempdir().unwrap();
    let env = dir.path().join("env");
    let made = Command::new(python())
        .args(["-m", "venv"])
        .arg(&env)
        .output()
        .unwrap();
    assert!(made.status.success(), "{}", stderr(&made));
    let site = glob::glob(&format!("{}/lib/python3*/site-packages", env.display()))
        .unwrap()
        .flatten()
        .next()
        .unwrap();
    let name = "pybundle_test_never_published";
    std::fs::create_dir_all(site.join(name)).unwrap();
    std::fs::write(site.join(name).join("__init__.py"), "").unwrap();
    std::fs::write(
        site.join(name)
            .join("_native.cpython-311-x86_64-linux-gnu.so"),
        "",
    )
    .unwrap();
    let info = site.join(format!("{name}-1.0.dist-info"));
    std::fs::create_dir_all(&info).unwrap();
    std::fs::write(
        info.join("METADATA"),
        format!("Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n"),
    )
    .unwrap();
    std::fs::write(
        info.join("WHEEL"),
        "Wheel-Version: 1.0\nTag: cp311-cp311-linux_x86_64\n",
    )
    .unwrap();
    std::fs::write(
        info.join("RECORD"),
        format!(
            "{name}/__init__.py,,\n{name}/_native.cpython-311-x86_64-linux-gnu.so,,\n{name}-1.0.dist-info/METADATA,,\n{name}-1.0.dist-info/WHEEL,,\n{name}-1.0.dist-info/RECORD,,\n"
        ),
    )
    .unwrap();
    let script = dir.path().join("app.py");
    std::fs::write(&script, format!("import {name}\n")).unwrap();
    let dist = dir.path().join("dist");
    let a = arm64();
    let out = pybundle_cmd(dir.path())
        .arg(&script)
        .arg("--python")
        .arg(env.join("bin/python"))
        .args(["--target", "linux-aarch64", "--runtime"])
        .arg(&a.runtime)
        .arg("--distpath")
        .arg(&dist)
        .env("PYBUNDLE_CACHE_DIR", &a.cache)
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(
        err.contains(&format!("{name} 1.0 has no wheel for linux-aarch64")),
        "{err}"
    );
    assert!(!dist.exists(), "output written");
}

/// `--runtime` given a python-build-standalone `install_only` archive: everything under one
/// `python/` folder, `.tar.zst` (python-build-standalone's archives cannot be fetched here; this
/// one is made from the test interpreter's own installation, laid out the same way, with a
/// module of its own in its standard library). The bundle's standard library is the archive's:
/// that module is there, with every Python hidden.
#[needs(root)]
fn a_python_build_standalone_archive_is_a_runtime() {
    let out = Command::new(python())
        .args([
            "-c",
            "import sys, sysconfig; print(sys.base_prefix); print(sysconfig.get_path('stdlib'))",
        ])
        .output()
        .unwrap();
    let text = stdout(&out);
    let mut lines = text.lines();
    let prefix = PathBuf::from(lines.next().unwrap());
    let stdlib = PathBuf::from(lines.next().unwrap());
    let work = tempfile::tempdir().unwrap();
    let tree = work.path().join("python");
    // The installation, minus what a runtime does not need, and a module only it has.
    std::fs::create_dir(&tree).unwrap();
    let copied = Command::new("sh")
        .arg("-c")
        .arg(
            "tar -C \"$1\" -cf - --exclude='*/site-packages/*' --exclude='*/test' \
             --exclude='*/__pycache__' --exclude='*/idlelib' --exclude='*/ensurepip' \
             --exclude='*/lib2to3' --exclude='*/config-3.*' --exclude='*.a' . \
             | tar -C \"$2\" -xf -",
        )
        .arg("sh")
        .arg(&prefix)
        .arg(&tree)
        .status()
        .unwrap();
    assert!(copied.success());
    let in_tree = tree.join(stdlib.strip_prefix(&prefix).unwrap());
    std::fs::write(
        in_tree.join("only_in_the_archive.py"),
        "WHERE = 'the archive'\n",
    )
    .unwrap();
    let archive = work.path().join("cpython-install_only.tar.zst");
    let packed = Command::new("tar")
        .arg("-C")
        .arg(work.path())
        .arg("-caf")
        .arg(&archive)
        .arg("python")
        .status()
        .unwrap();
    assert!(packed.success());
    std::fs::remove_dir_all(&tree).unwrap();
    let src = tempfile::tempdir().unwrap();
    let script = src.path().join("which.py");
    std::fs::write(
        &script,
        "import only_in_the_archive\nprint(only_in_the_archive.WHERE)\n",
    )
    .unwrap();
    let dist = tempfile::tempdir().unwrap();
    let exe = build(
        &script,
        dist.path(),
        &["-F", "--runtime", archive.to_str().unwrap()],
    );
    let (out, clean) = run_hermetic(&exe, &[]);
    assert_eq!(stdout(&out), "the archive\n", "{}", stderr(&out));
    assert!(clean);
}
