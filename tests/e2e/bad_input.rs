//! docs/cli.md, "Mistakes": every mistake ends in one clear line naming the problem and the fix, a
//! non-zero exit, and nothing written to the dist folder.

use std::ffi::OsStr;
use std::fs;
use std::path::Path;
use std::process::{Command, Output};

use crate::harness::*;
use pybundle_e2e_macros::needs;

/// Run `pybundle build ARGS` in `cwd` with an empty dist folder; check the failure contract and
/// return stderr.
fn refused(cwd: &Path, args: &[&OsStr], with_python: bool) -> String {
    let dist = tempfile::tempdir().unwrap();
    let out = run(cwd, args, dist.path(), with_python);
    check_refused(&out, dist.path())
}

fn run(cwd: &Path, args: &[&OsStr], dist: &Path, test_python: bool) -> Output {
    let mut cmd = pybundle_cmd(cwd);
    cmd.args(args).arg("--distpath").arg(dist);
    if test_python {
        with_python(&mut cmd);
    }
    cmd.output().unwrap()
}

fn check_refused(out: &Output, dist: &Path) -> String {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert_eq!(err.lines().count(), 1, "not one line: {err}");
    assert!(err.starts_with("error: "), "{err}");
    let leftovers: Vec<_> = fs::read_dir(dist)
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    assert!(leftovers.is_empty(), "left in dist: {leftovers:?}");
    err
}

fn probe_dir() -> std::path::PathBuf {
    fixture("probe")
}

fn s(x: &str) -> &OsStr {
    OsStr::new(x)
}

#[test]
fn a_missing_script() {
    let err = refused(&probe_dir(), &[s("nope.py")], true);
    assert!(err.contains("nope.py does not exist"), "{err}");
}

#[test]
fn add_data_whose_source_does_not_exist() {
    let err = refused(
        &probe_dir(),
        &[s("probe.py"), s("--add-data"), s("missing.json:.")],
        true,
    );
    assert!(err.contains("\"missing.json\" does not exist"), "{err}");
}

#[test]
fn add_data_without_a_destination() {
    let err = refused(
        &probe_dir(),
        &[s("probe.py"), s("--add-data"), s("data.txt")],
        true,
    );
    assert!(
        err.contains("has no destination") && err.contains("SRC:DEST"),
        "{err}"
    );
}

#[test]
fn add_data_that_escapes_the_bundle() {
    let err = refused(
        &probe_dir(),
        &[s("probe.py"), s("--add-data"), s("data.txt:../up")],
        true,
    );
    assert!(err.contains("relative path inside the bundle"), "{err}");
}

#[test]
fn add_data_holding_a_special_file_or_a_dangling_link() {
    let script = probe_dir().join("probe.py");
    for (what, expect) in [("fifo", "a named pipe"), ("link", "a link to nothing")] {
        let data = tempfile::tempdir().unwrap();
        fs::write(data.path().join("ok.txt"), "fine").unwrap();
        let odd = data.path().join("odd");
        if what == "fifo" {
            let path = std::ffi::CString::new(odd.to_str().unwrap()).unwrap();
            // SAFETY: mkfifo with a valid path.
            assert_eq!(unsafe { libc::mkfifo(path.as_ptr(), 0o644) }, 0);
        } else {
            std::os::unix::fs::symlink(data.path().join("gone"), &odd).unwrap();
        }
        let spec = format!("{}:assets", data.path().display());
        let err = refused(
            &probe_dir(),
            &[script.as_os_str(), s("--add-data"), s(&spec)],
            true,
        );
        assert!(err.contains(expect) && err.contains("odd"), "{what}: {err}");
        // Named directly, too.
        let spec = format!("{}:.", odd.display());
        let err = refused(
            &probe_dir(),
            &[script.as_os_str(), s("--add-data"), s(&spec)],
            true,
        );
        assert!(err.contains("odd"), "{what}: {err}");
    }
}

#[test]
fn add_data_holding_a_link_out_of_its_folder() {
    let script = probe_dir().join("probe.py");
    let outside = tempfile::tempdir().unwrap();
    fs::write(outside.path().join("secret"), "not for the bundle").unwrap();
    let data = tempfile::tempdir().unwrap();
    fs::write(data.path().join("ok.txt"), "fine").unwrap();
    std::os::unix::fs::symlink(data.path().join("ok.txt"), data.path().join("inside")).unwrap();
    std::os::unix::fs::symlink(outside.path().join("secret"), data.path().join("out")).unwrap();
    let spec = format!("{}:assets", data.path().display());
    let err = refused(
        &probe_dir(),
        &[script.as_os_str(), s("--add-data"), s(&spec)],
        true,
    );
    assert!(
        err.contains("is a link to") && err.contains("secret") && err.contains("--add-data"),
        "{err}"
    );
    // Without the link out, the link inside is followed: its target's bytes are bundled.
    fs::remove_file(data.path().join("out")).unwrap();
    let dist = tempfile::tempdir().unwrap();
    let out = run(
        &probe_dir(),
        &[script.as_os_str(), s("-D"), s("--add-data"), s(&spec)],
        dist.path(),
        true,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let bundled = dist.path().join("probe/_internal/assets/inside");
    assert_eq!(fs::read_to_string(bundled).unwrap(), "fine");
}

#[test]
fn an_icon_that_is_missing_or_not_an_icon() {
    let script = probe_dir().join("probe.py");
    let err = refused(
        &probe_dir(),
        &[script.as_os_str(), s("-w"), s("--icon"), s("missing.ico")],
        false,
    );
    assert!(
        err.contains("missing.ico") && err.contains("no such file"),
        "{err}"
    );
    let err = refused(
        &probe_dir(),
        &[script.as_os_str(), s("-i"), s("data.txt")],
        false,
    );
    assert!(err.contains(".ico"), "{err}");
    // Named like an icon, but not one: its content is checked, as --help says.
    let fake = tempfile::tempdir().unwrap();
    let fake = fake.path().join("fake.ico");
    fs::write(&fake, "not an icon").unwrap();
    let err = refused(
        &probe_dir(),
        &[script.as_os_str(), s("-i"), fake.as_os_str()],
        false,
    );
    assert!(err.contains("not an icon"), "{err}");
}

/// `--add-data ":."` lacks its source, and says so (not that the destination is missing).
#[test]
fn a_hooks_folder_that_does_not_exist() {
    let err = refused(
        &probe_dir(),
        &[
            s("probe.py"),
            s("--additional-hooks-dir"),
            s("no-such-hooks"),
        ],
        true,
    );
    assert!(
        err.contains("no-such-hooks does not exist") && err.contains("hook-*.py"),
        "{err}"
    );
}

#[test]
fn add_data_without_a_source() {
    let err = refused(
        &probe_dir(),
        &[s("probe.py"), s("--add-data"), s(":.")],
        false,
    );
    assert!(err.contains("has no source"), "{err}");
}

#[test]
fn a_misspelled_setting_in_pyproject_toml() {
    let project = tempfile::tempdir().unwrap();
    fs::copy(
        probe_dir().join("probe.py"),
        project.path().join("probe.py"),
    )
    .unwrap();
    fs::write(
        project.path().join("pyproject.toml"),
        "[tool.pybundle]\nonefil = true\n",
    )
    .unwrap();
    let err = refused(project.path(), &[s("probe.py")], true);
    assert!(
        err.contains("pyproject.toml") && err.contains("`onefil` is not a setting"),
        "{err}"
    );
}

#[test]
fn an_interpreter_that_is_not_python() {
    let text = tempfile::NamedTempFile::new().unwrap();
    for (python, expect) in [
        (OsStr::new("/bin/true"), "did not answer"),
        (text.path().as_os_str(), "could not be run"),
        (OsStr::new("/nonexistent/python3"), "does not exist"),
        // ls takes pybundle's question for a file name and repeats all of it back.
        (OsStr::new("/bin/ls"), "it answered: "),
    ] {
        let err = refused(&probe_dir(), &[s("probe.py"), s("--python"), python], false);
        assert!(
            err.contains("is not a Python interpreter") && err.contains(expect),
            "{err}"
        );
        assert!(err.contains("pass --python"), "{err}");
        assert!(err.len() < 400, "too long: {err}");
    }
}

#[test]
fn an_output_folder_inside_an_input() {
    let app = tempfile::tempdir().unwrap();
    fs::copy(probe_dir().join("probe.py"), app.path().join("probe.py")).unwrap();
    fs::copy(
        probe_dir().join("probe_helper.py"),
        app.path().join("probe_helper.py"),
    )
    .unwrap();
    let dist = app.path().join("dist");
    let out = run(
        app.path(),
        &[s("probe.py"), s("--add-data"), s(".:assets")],
        &dist,
        true,
    );
    let err = check_refused(&out, &dist);
    assert!(
        err.contains("lies inside the input") && err.contains("--distpath"),
        "{err}"
    );
}

#[needs(root)]
fn an_unwritable_output_folder() {
    let dist = tempfile::tempdir().unwrap();
    let mut cmd = Command::new("unshare");
    cmd.args(["--mount", "--propagation", "private", "/bin/sh", "-c"])
        .arg("mount -t tmpfs -o ro pybundle-ro \"$1\" && shift && exec \"$@\"")
        .arg("sh")
        .arg(dist.path())
        .arg(PYBUNDLE)
        .args([
            "build",
            "probe.py",
            "--add-data",
            "data.txt:.",
            "--compression-level",
            "1",
        ])
        .arg("--distpath")
        .arg(dist.path().join("out"))
        .arg("--workpath")
        .arg(workpath())
        .arg("--python")
        .arg(python())
        .current_dir(probe_dir());
    let out = cmd.output().unwrap();
    let err = check_refused(&out, dist.path());
    assert!(
        err.contains("cannot write to") && err.contains("choose another --distpath"),
        "{err}"
    );
}

#[test]
fn a_dist_path_that_is_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("file");
    fs::write(&file, "x").unwrap();
    let out = run(&probe_dir(), &[s("probe.py")], &file, true);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("choose another --distpath"),
        "{}",
        stderr(&out)
    );
    assert_eq!(fs::read(&file).unwrap(), b"x");
}

#[test]
fn a_name_that_is_not_a_file_name() {
    let err = refused(
        &probe_dir(),
        &[s("probe.py"), s("-n"), s("../escape")],
        true,
    );
    assert!(err.contains("is not a plain file name"), "{err}");
}

#[test]
fn a_script_that_does_not_compile() {
    let err = refused(&fixture("broken"), &[s("broken.py")], true);
    assert!(
        err.contains("cannot compile") && err.contains("broken.py") && err.contains("line 1"),
        "{err}"
    );
}

#[test]
fn a_target_pybundle_does_not_know_or_without_its_runtime() {
    let err = refused(
        &probe_dir(),
        &[s("probe.py"), s("--target"), s("linux-riscv64")],
        true,
    );
    assert!(err.contains("\"linux-riscv64\" is not a platform"), "{err}");
    assert!(err.contains("linux-aarch64"), "{err}");
    let err = refused(
        &probe_dir(),
        &[s("probe.py"), s("--target"), s("macos-arm64")],
        true,
    );
    assert!(
        err.contains("--target macos-arm64 needs that platform's CPython")
            && err.contains("python-build-standalone"),
        "{err}"
    );
}

#[test]
fn another_target_without_its_runtime() {
    let err = refused(
        &probe_dir(),
        &[s("probe.py"), s("--target"), s("aarch64-unknown-linux-gnu")],
        true,
    );
    assert!(
        err.contains("--target linux-aarch64 needs that platform's CPython: pass --runtime"),
        "{err}"
    );
}

#[test]
fn a_runtime_that_is_no_cpython() {
    // The host's own target: no other launcher needed to get as far as the runtime.
    let err = refused(
        &probe_dir(),
        &[s("probe.py"), s("--runtime"), s("data.txt")],
        true,
    );
    assert!(
        err.contains("--runtime data.txt is not a CPython") && err.contains("neither a folder"),
        "{err}"
    );
    let empty = tempfile::tempdir().unwrap();
    let err = refused(
        &probe_dir(),
        &[s("probe.py"), s("--runtime"), empty.path().as_os_str()],
        true,
    );
    assert!(err.contains("holds no standard library"), "{err}");
}

#[needs(windows_x64)]
fn windows_resources_that_cannot_be_read_are_refused_before_the_build() {
    let windows = [
        s("probe.py"),
        s("--target"),
        s("windows-x64"),
        s("--runtime"),
        s("r.zip"),
    ];
    let err = refused(
        &probe_dir(),
        &[&windows[..], &[s("--version-file"), s("none.txt")]].concat(),
        true,
    );
    assert!(
        err.contains("--version-file none.txt: cannot be read"),
        "{err}"
    );
    let err = refused(
        &probe_dir(),
        &[&windows[..], &[s("--manifest"), s("none.xml")]].concat(),
        true,
    );
    assert!(err.contains("--manifest none.xml: is neither XML"), "{err}");
}

/// A misspelt command is named as one, not built as a script called `inspekt`.
#[test]
fn a_misspelt_command_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(PYBUNDLE)
        .args(["inspekt", "dist/app"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("`pybundle inspect`"), "{err}");
    assert!(is_empty_dir(dir.path()), "a build started");
}

/// Another platform without its runtime: the message says where that platform's CPython
/// comes from.
#[test]
fn a_target_without_its_runtime_names_where_to_get_one() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("app.py");
    fs::write(&script, "print(1)\n").unwrap();
    for (target, hint) in [
        ("windows-x64", "tools/windows-runtime"),
        ("linux-aarch64", "tools/debian-runtime"),
    ] {
        let err = refused(
            dir.path(),
            &[
                script.as_os_str(),
                OsStr::new("--target"),
                OsStr::new(target),
            ],
            true,
        );
        assert!(err.contains(hint), "{target}: {err}");
    }
}

/// A bad option value or an unknown option: clap's message, on one line like every other
/// mistake, and a non-zero exit before any work.
#[test]
fn a_bad_option_is_one_line() {
    let dir = tempfile::tempdir().unwrap();
    for args in [
        &["app.py", "--compression-level", "x"][..],
        &["app.py", "--frobnicate"],
        &["completions", "bashx"],
    ] {
        let out = Command::new(PYBUNDLE)
            .args(args)
            .current_dir(dir.path())
            .output()
            .unwrap();
        let err = stderr(&out);
        assert!(!out.status.success(), "{args:?}");
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(err.starts_with("error: "), "{err}");
        assert!(is_empty_dir(dir.path()), "{args:?}: a build started");
    }
}
