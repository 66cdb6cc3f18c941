//! Every CPython pybundle supports, each configured as `python -I` would be: 3.9 to 3.13 from
//! this machine (pyenv), 3.14 and 3.15 from Debian unstable in a chroot ([`crate::sid`]).
//! The newer two also get the suite's core (both modes, data, numpy, multiprocessing, Tk)
//! and an aarch64 bundle under qemu. A focused set: the rest of the suite runs on the
//! machine's default CPython.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use crate::cross::aarch64_emulator;
use crate::harness::*;
use crate::sid::{sid, Sid};
use pybundle_e2e_macros::needs;

/// Where one CPython version builds and runs.
enum Place {
    /// An interpreter of this machine.
    Machine(PathBuf),
    /// `python3.X` of the Debian unstable root.
    Sid(&'static Sid, &'static str),
}

impl Place {
    fn name(&self) -> String {
        match self {
            Place::Machine(python) => python.display().to_string(),
            Place::Sid(_, minor) => format!("sid's python{minor}"),
        }
    }

    fn python(&self) -> PathBuf {
        match self {
            Place::Machine(python) => python.clone(),
            Place::Sid(s, minor) => s.python(minor),
        }
    }

    fn build(&self, python: &Path, script: &Path, dist: &Path, extra: &[&str]) -> PathBuf {
        match self {
            Place::Machine(_) => build_with(script, dist, extra, python),
            Place::Sid(s, _) => s.build(python, script, dist, extra),
        }
    }

    /// `exe args...` with every Python hidden, in `env` alone (and `PATH`); the output and
    /// whether its `TMPDIR` was left empty (helpers given up to ten seconds to go).
    fn run_hidden(&self, exe: &Path, args: &[&OsStr], env: &[(&str, &OsStr)]) -> (Output, bool) {
        match self {
            Place::Sid(s, _) => s.run_hidden(exe, args, env),
            Place::Machine(_) => {
                let mut cmd = hermetic(exe, args);
                cmd.env_clear().env("PATH", "/usr/local/bin:/usr/bin:/bin");
                run_hidden_with(cmd, env)
            }
        }
    }

    /// `program args...` as it is, in `env` alone: the app unbundled.
    fn run_shown(&self, program: &Path, args: &[&OsStr], env: &[(&str, &OsStr)]) -> Output {
        match self {
            Place::Sid(s, _) => s.run_shown(program, args, env),
            Place::Machine(_) => {
                let mut cmd = Command::new(program);
                cmd.args(args)
                    .env_clear()
                    .env("PATH", "/usr/local/bin:/usr/bin:/bin")
                    .stdin(Stdio::null());
                // As the bundle is started: signals at their defaults, whatever this test
                // run inherited (SIGINT ignored in a shell's background).
                default_signals(&mut cmd);
                for (k, v) in env {
                    cmd.env(k, v);
                }
                cmd.output().unwrap()
            }
        }
    }
}

/// A bundle's interpreter is configured as `python -I -B OPTIONS` would be, with and without
/// the build's interpreter options (`--optimize 1`, `-u`, `-X utf8`, `-X dev`, `-W ...`), in a
/// UTF-8 locale and in the C one, with an argument that is not UTF-8; and nothing (no
/// deprecation or resource warning, even under `-X dev`) reaches its stderr.
fn check_configured_as_python(place: &Place) {
    let script = fixture("config").join("config.py");
    let python = place.python();
    let cases: [(&[&str], &[&str]); 2] = [
        (&[], &[]),
        (
            &[
                "--optimize",
                "1",
                "--python-option",
                "u",
                "--python-option",
                "X utf8",
                "--python-option",
                "X dev",
                "--python-option",
                "W error::DeprecationWarning",
            ],
            &[
                "-O",
                "-u",
                "-X",
                "utf8",
                "-X",
                "dev",
                "-W",
                "error::DeprecationWarning",
            ],
        ),
    ];
    let args = [os(b"\xff"), os("é".as_bytes())];
    for (build_options, python_options) in cases {
        let dist = tempfile::tempdir().unwrap();
        let mut extra = vec!["-F"];
        extra.extend_from_slice(build_options);
        let exe = place.build(&python, &script, dist.path(), &extra);
        for lang in ["C.UTF-8", "C"] {
            let env = [("LANG", OsStr::new(lang))];
            let (bundled, clean) = place.run_hidden(&exe, &args, &env);
            let mut direct: Vec<&OsStr> = vec!["-I".as_ref(), "-B".as_ref()];
            direct.extend(python_options.iter().map(OsStr::new));
            direct.push(script.as_os_str());
            direct.extend(args);
            let unbundled = place.run_shown(&python, &direct, &env);
            let what = format!("{} {build_options:?} LANG={lang}", place.name());
            assert!(unbundled.status.success(), "{what}: {}", stderr(&unbundled));
            assert!(bundled.status.success(), "{what}: {}", stderr(&bundled));
            assert_eq!(stdout(&bundled), stdout(&unbundled), "{what}");
            assert_eq!(stderr(&bundled), "", "{what}: the app's stderr");
            assert!(clean, "{what}: unpack folder left behind");
        }
    }
}

/// The probe, in both modes: frozen, its prefix and path inside the bundle, its data file
/// found, and the caller's `PYTHON*` settings, home and user site without effect.
fn check_frozen_and_isolated(place: &Place, minor: &str) {
    let planted = tempfile::tempdir().unwrap();
    std::fs::write(
        planted.path().join("json.py"),
        "raise SystemExit('planted json')",
    )
    .unwrap();
    let site = planted
        .path()
        .join(format!("home/.local/lib/python{minor}/site-packages"));
    std::fs::create_dir_all(&site).unwrap();
    std::fs::write(
        site.join("evil.pth"),
        "import sys; sys.exit('user site used')",
    )
    .unwrap();
    let home = planted.path().join("home");
    let env = [
        ("PYTHONPATH", planted.path().as_os_str()),
        ("PYTHONHOME", OsStr::new("/nonexistent")),
        ("PYTHONSTARTUP", OsStr::new("/nonexistent/startup.py")),
        ("PYTHONWARNINGS", OsStr::new("error")),
        ("HOME", home.as_os_str()),
    ];
    let script = fixture("probe").join("probe.py");
    // The API each version is started through: PEP 741's from 3.14 on, as the launcher says
    // when built with --debug bootloader.
    let minor_number: u32 = minor.trim_start_matches("3.").parse().unwrap();
    let api = if minor_number >= 14 {
        "configured through PyInitConfig (PEP 741)"
    } else {
        "started by Py_SetPythonHome and Py_BytesMain"
    };
    for (mode, debug) in [("-F", None), ("-D", Some("bootloader"))] {
        let dist = tempfile::tempdir().unwrap();
        let mut extra = vec![mode, "--add-data", "data.txt:."];
        if let Some(what) = debug {
            extra.extend(["--debug", what]);
        }
        let exe = place.build(&place.python(), &script, dist.path(), &extra);
        let (out, clean) = place.run_hidden(&exe, &["facts".as_ref()], &env);
        let what = format!("{} {mode}", place.name());
        assert!(out.status.success(), "{what}: {}", stderr(&out));
        assert!(clean, "{what}: unpack folder left behind");
        let f = facts(&out);
        let root = &f["meipass"];
        assert_eq!(f["frozen"], "True", "{what}");
        assert_eq!(f["executable"], exe.to_string_lossy(), "{what}");
        assert_eq!(f["prefixes"], format!("['{root}']"), "{what}");
        assert_eq!(f["path_outside_bundle"], "[]", "{what}");
        assert!(
            f["json_from"].starts_with(root.as_str()),
            "{what}: {}",
            f["json_from"]
        );
        assert_eq!(f["stdlib_dirs_exist"], "True", "{what}");
        assert_eq!(f["isolated"], "1", "{what}");
        assert_eq!(f["data"], "data file content", "{what}");
        if debug.is_some() {
            assert!(stderr(&out).contains(api), "{what}: {}", stderr(&out));
        }
    }
}

/// The CPythons of this machine, 3.9 to 3.13 (pyenv's, or `python3.X` on PATH).
#[needs(root)]
fn cpython_3_9_to_3_13_are_configured_as_python_and_isolated() {
    for minor in ["3.9", "3.10", "3.11", "3.12", "3.13"] {
        let place = Place::Machine(cpython(minor));
        check_configured_as_python(&place);
        check_frozen_and_isolated(&place, minor);
    }
}

/// The core of the suite on a CPython of Debian unstable.
fn check_current(minor: &'static str, numpy: &str) {
    let s = sid();
    let place = Place::Sid(s, minor);
    check_configured_as_python(&place);
    check_frozen_and_isolated(&place, minor);

    // numpy from its wheel for this version, as the unbundled app prints it.
    let python = s.venv(minor, &[numpy]);
    let script = repo().join("examples/numpy-app/matmul.py");
    let dist = tempfile::tempdir().unwrap();
    let exe = place.build(&python, &script, dist.path(), &["-F"]);
    let (out, clean) = place.run_hidden(&exe, &[], &[]);
    let expected = place.run_shown(&python, &[script.as_os_str()], &[]);
    assert!(expected.status.success(), "{}", stderr(&expected));
    assert!(out.status.success(), "{minor} numpy: {}", stderr(&out));
    assert_eq!(stdout(&out), stdout(&expected), "{minor} numpy");
    assert!(clean);

    // multiprocessing's spawn: children start from the bundle.
    let script = fixture("multiproc").join("mp_app.py");
    let exe = place.build(&place.python(), &script, dist.path(), &["-F"]);
    let (out, _) = place.run_hidden(&exe, &["spawn".as_ref()], &[]);
    assert_eq!(
        stdout(&out),
        "spawn: sum=285 child of MainProcess exit=0\n",
        "{minor} multiprocessing: {}",
        stderr(&out)
    );

    // Tk: a real window on an X server, the root's Tcl/Tk libraries hidden.
    let xvfb = Xvfb::start();
    let script = repo().join("examples/tk-gui/app.py");
    let exe = place.build(&place.python(), &script, dist.path(), &["-F"]);
    let display = OsStr::new(&xvfb.display);
    let (out, clean) = place.run_hidden(&exe, &["--smoke".as_ref()], &[("DISPLAY", display)]);
    let text = stdout(&out);
    assert!(out.status.success(), "{minor} tk: {}", stderr(&out));
    assert!(text.starts_with("window mapped=True"), "{minor}: {text}");
    assert!(
        text.contains("\nentry says 'typed into Tk'\n"),
        "{minor}: {text}"
    );
    assert!(text.ends_with("closed cleanly\n"), "{minor}: {text}");
    assert!(clean);
}

#[needs(root)]
fn cpython_3_14_builds_and_runs_as_python() {
    check_current("3.14", "numpy==2.5.5");
}

#[needs(root)]
fn cpython_3_15_builds_and_runs_as_python() {
    check_current("3.15", "numpy==2.5.5");
}

/// linux-aarch64 on a current Python: sid's arm64 CPython 3.14 (`tools/debian-runtime
/// --release sid`), built from sid's x86_64 one, run under qemu with sid's C runtime.
#[needs(root, linux_aarch64)]
fn an_aarch64_bundle_of_cpython_3_14_runs_under_qemu() {
    let s = sid();
    let base = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("debian-arm64");
    let runtime = base.join("runtime-sid-3.14");
    let sysroot = base.join("sysroot-sid");
    for args in [
        vec!["arm64", "3.14", runtime.to_str().unwrap()],
        vec!["--sysroot", "arm64", sysroot.to_str().unwrap()],
    ] {
        let mut all = vec![OsStr::new("--release"), OsStr::new("sid")];
        all.extend(args.iter().map(OsStr::new));
        // The mirror reachable here is a frozen copy whose signed lists have passed their
        // Valid-Until date; the signatures are still checked.
        let frozen = OsStr::new("-o Acquire::Check-Valid-Until=false");
        run_tool(
            "debian-runtime",
            &all,
            &[("PYBUNDLE_APT_OPTIONS", frozen)],
            "",
        );
    }
    let python = s.venv("3.14", &[]);
    let script = repo().join("examples/hello/hello.py");
    let emulator = aarch64_emulator(sysroot);
    for mode in ["-F", "-D"] {
        let dist = tempfile::tempdir().unwrap();
        let exe = s.build(
            &python,
            &script,
            dist.path(),
            &[
                mode,
                "--target",
                "linux-aarch64",
                "--runtime",
                runtime.to_str().unwrap(),
            ],
        );
        let args = [OsStr::new("one"), OsStr::new("--exit=7")];
        let out = hermetic_emulated(&exe, &args, &[&runtime, &s.root], &emulator)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(7), "{mode}: {}", stderr(&out));
        let text = stdout(&out);
        assert!(
            text.starts_with("Hello from a bundled Python 3.14."),
            "{mode}: {text}"
        );
        assert!(text.contains("argv: ['one', '--exit=7']"), "{mode}: {text}");
    }
}
