//! PyInstaller users' habits (docs/migrating-from-pyinstaller.md): the command lines and options they bring
//! work, and mean what they meant there, or say in one line why they change nothing here.

use std::ffi::OsStr;
use std::fs;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use crate::harness::*;
use pybundle_e2e_macros::needs;

fn habits() -> PathBuf {
    fixture("habits")
}

/// `pybundle build app.py ARGS -y` in `cwd`, into `dist`, with `env` set.
fn build_in(cwd: &Path, dist: &Path, args: &[&str], env: &[(&str, &OsStr)]) -> (Output, PathBuf) {
    let mut cmd = pybundle_cmd(cwd);
    with_python(&mut cmd)
        .arg("app.py")
        .arg("--distpath")
        .arg(dist)
        .args(args)
        .arg("-y")
        .env_remove("PYTHONPATH");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("pybundle runs");
    let onefile = args.contains(&"-F");
    let exe = if onefile {
        dist.join("app")
    } else {
        dist.join("app").join("app")
    };
    (out, exe)
}

fn built(out: &Output) -> String {
    assert!(out.status.success(), "pybundle failed: {}", stderr(out));
    stderr(out)
}

/// A package's data folder named with --add-data too (Jinja2's PackageLoader habit), modules in
/// src/ found through -p, runtime hooks in order, --optimize and --python-option: all in one
/// build per mode.
#[needs(root)]
fn a_pyinstaller_command_line_builds_and_means_the_same() {
    for mode in ["-F", "-D"] {
        let dist = tempfile::tempdir().unwrap();
        let (out, exe) = build_in(
            &habits(),
            dist.path(),
            &[
                mode,
                "-p",
                "src",
                "--add-data",
                "tmplpkg/templates:tmplpkg/templates",
                "--runtime-hook",
                "hooks/first.py",
                "--runtime-hook",
                "hooks/second.py",
                "--optimize",
                "2",
                "--python-option",
                "u",
                "--python-option",
                "X dev",
                "-v",
            ],
            &[],
        );
        let err = built(&out);
        assert!(
            err.contains("tmplpkg/templates/base.html: --add-data tmplpkg/templates:tmplpkg/templates is the same file as package data"),
            "{mode}: {err}"
        );
        let (run, clean) = run_hermetic(&exe, &["all"]);
        assert!(run.status.success(), "{mode}: {}", stderr(&run));
        assert_eq!(
            stdout(&run),
            "template: <h1>base</h1>\nhelper: from src\nhooked: first+second\n\
             optimize: 2 asserts: off doc: None\nunbuffered: True xoptions: ['dev']\n",
            "{mode}"
        );
        assert!(clean);
    }
}

#[test]
fn different_files_at_one_destination_are_refused_naming_both() {
    let dist = tempfile::tempdir().unwrap();
    let (out, _) = build_in(
        &habits(),
        dist.path(),
        &[
            "-p",
            "src",
            "--add-data",
            "other/base.html:tmplpkg/templates",
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("tmplpkg/templates/base.html")
            && err.contains("package data")
            && err.contains("--add-data other/base.html:tmplpkg/templates"),
        "{err}"
    );
    assert!(is_empty_dir(dist.path()));
}

/// PYTHONPATH is searched as -p is (PyInstaller's analysis honours it); without either, the
/// module is not found.
#[needs(root)]
fn pythonpath_is_searched_for_the_apps_modules() {
    let src = habits().join("src");
    let dist = tempfile::tempdir().unwrap();
    let (out, exe) = build_in(
        &habits(),
        dist.path(),
        &["-D"],
        &[("PYTHONPATH", src.as_os_str())],
    );
    built(&out);
    let (run, _) = run_hermetic(&exe, &["helper"]);
    assert_eq!(stdout(&run), "helper: from src\n", "{}", stderr(&run));

    let dist = tempfile::tempdir().unwrap();
    let (out, exe) = build_in(&habits(), dist.path(), &["-D"], &[]);
    let err = built(&out);
    assert!(
        err.contains("helpers"),
        "no word of the missing module: {err}"
    );
    let (run, _) = run_hermetic(&exe, &["helper"]);
    assert!(!run.status.success());
    assert!(
        stderr(&run).contains("No module named 'helpers'"),
        "{}",
        stderr(&run)
    );
}

#[needs(root)]
fn the_contents_directory_can_be_renamed_or_dropped() {
    for (dir, root) in [("files", "app/files"), (".", "app")] {
        let dist = tempfile::tempdir().unwrap();
        let (out, exe) = build_in(
            &habits(),
            dist.path(),
            &["-D", "-p", "src", "--contents-directory", dir],
            &[],
        );
        built(&out);
        let root = dist.path().join(root);
        assert!(
            root.join("_pybundle_main/app.pyc").is_file(),
            "{dir}: no root at {root:?}"
        );
        assert!(!dist.path().join("app/_internal").exists(), "{dir}");
        let (run, clean) = run_hermetic(&exe, &["helper"]);
        assert_eq!(
            stdout(&run),
            "helper: from src\n",
            "{dir}: {}",
            stderr(&run)
        );
        assert!(clean);
        let verify = Command::new(PYBUNDLE)
            .arg("verify")
            .arg(dist.path().join("app"))
            .output()
            .unwrap();
        assert!(verify.status.success(), "{dir}: {}", stderr(&verify));
        // A rebuild replaces it (it is recognised as pybundle's output).
        let (again, _) = build_in(
            &habits(),
            dist.path(),
            &["-D", "--contents-directory", dir],
            &[],
        );
        built(&again);
    }
}

/// Options for Windows, macOS, UPX and splash screens do not stop a build:
/// each gets one note saying why it changes nothing here.
#[needs(root)]
fn options_of_other_platforms_and_tools_are_accepted_with_a_note_each() {
    let dist = tempfile::tempdir().unwrap();
    let icon = tempfile::NamedTempFile::new().unwrap();
    fs::write(icon.path(), b"\0\0\x01\0\x01\0\x10\x10").unwrap();
    let elsewhere = [
        "--noupx",
        "--upx-dir=/opt/upx",
        "--upx-exclude=x.so",
        "--splash=splash.png",
        "--splash-center=primary",
        "--hide-console=hide-early",
        "--disable-windowed-traceback",
        "--version-file=version.txt",
        "--manifest=app.manifest",
        "--resource=x.res",
        "--uac-admin",
        "--uac-uiaccess",
        "--argv-emulation",
        "--osx-bundle-identifier=org.example.app",
        "--target-architecture=arm64",
        "--codesign-identity=me",
        "--osx-entitlements-file=e.plist",
    ];
    let mut args = vec!["-p", "src", "-w", "-c", "--log-level", "INFO"];
    args.extend(elsewhere);
    let (out, exe) = build_in(&habits(), dist.path(), &args, &[]);
    let err = built(&out);
    let notes: Vec<&str> = err.lines().filter(|l| l.starts_with("note: --")).collect();
    assert_eq!(notes.len(), elsewhere.len(), "{err}");
    for option in elsewhere {
        let name = option.split('=').next().unwrap();
        assert!(
            notes
                .iter()
                .any(|n| n.starts_with(&format!("note: {name} "))),
            "{name}: {err}"
        );
    }
    let (run, _) = run_hermetic(&exe, &["helper"]);
    assert!(run.status.success(), "{}", stderr(&run));
}

#[test]
fn log_levels_quieten_the_build() {
    for (level, quiet_success) in [("ERROR", true), ("WARN", true), ("INFO", false)] {
        let dist = tempfile::tempdir().unwrap();
        let (out, _) = build_in(
            &habits(),
            dist.path(),
            &["-p", "src", "--log-level", level],
            &[],
        );
        let err = built(&out);
        assert_eq!(err.is_empty(), quiet_success, "{level}: {err}");
    }
    // Warnings still show at WARN, not at ERROR.
    for (level, shown) in [("WARN", true), ("ERROR", false)] {
        let dist = tempfile::tempdir().unwrap();
        let (out, _) = build_in(&habits(), dist.path(), &["--log-level", level], &[]);
        let err = built(&out);
        assert_eq!(err.contains("warning:"), shown, "{level}: {err}");
    }
}

/// --copy-metadata brings a distribution's metadata without its code; the recursive form
/// brings its requirements' too.
#[needs(root)]
fn metadata_can_be_copied_without_code() {
    let python = venv(POPULAR);
    for (option, expected) in [
        (
            "--copy-metadata",
            "requests found\nurllib3 missing\nidna missing\n",
        ),
        (
            "--recursive-copy-metadata",
            "requests found\nurllib3 found\nidna found\n",
        ),
    ] {
        let dist = tempfile::tempdir().unwrap();
        let mut cmd = pybundle_cmd(&habits());
        cmd.arg("--python")
            .arg(&python)
            .args([
                "app.py",
                "-D",
                "-p",
                "src",
                option,
                "requests",
                "--distpath",
            ])
            .arg(dist.path())
            .arg("-y");
        built(&cmd.output().unwrap());
        let exe = dist.path().join("app/app");
        let root = Root::onedir(dist.path(), "app");
        assert!(
            !root.holds_any("requests"),
            "{option}: requests' code came along"
        );
        let (run, _) = run_hermetic(&exe, &["meta", "requests", "urllib3", "idna"]);
        assert_eq!(stdout(&run), expected, "{option}: {}", stderr(&run));
    }
    let dist = tempfile::tempdir().unwrap();
    let (out, _) = build_in(
        &habits(),
        dist.path(),
        &["--copy-metadata", "no-such-distribution"],
        &[],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("--copy-metadata no-such-distribution"),
        "{}",
        stderr(&out)
    );
}

/// -d all: the launcher says what it does and the interpreter reports its imports (-v);
/// --bootloader-ignore-signals: a SIGTERM sent to the onefile launcher alone reaches nobody.
#[needs(root)]
fn debug_output_and_ignored_signals() {
    let dist = tempfile::tempdir().unwrap();
    let (out, exe) = build_in(
        &habits(),
        dist.path(),
        &[
            "-F",
            "-p",
            "src",
            "-d",
            "all",
            "--bootloader-ignore-signals",
        ],
        &[],
    );
    built(&out);
    let (run, clean) = run_hermetic(&exe, &["helper"]);
    assert!(run.status.success(), "{}", stderr(&run));
    let err = stderr(&run);
    assert!(err.contains("[pybundle] unpacking into"), "{err}");
    assert!(err.contains("[pybundle] loading"), "{err}");
    assert!(err.contains("import 'helpers'"), "no -v output: {err}");
    assert!(clean);

    let tmp = tempfile::tempdir().unwrap();
    let mut child = hermetic(&exe, &["wait".as_ref()])
        .env("TMPDIR", tmp.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    assert_eq!(lines.next().unwrap().unwrap(), "ready");
    // SAFETY: plain kill(2) of our own child (the launcher).
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    // Once the launcher has taken the signal (it is no longer pending), whatever it would do
    // with it is done (a forwarding launcher sends it on from its handler); then the app is
    // let go on. A clock decides nothing: the wait is for that condition.
    let bit = 1u64 << (libc::SIGTERM - 1);
    let pending = |pid: u32| {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
        (status.lines())
            .filter_map(|l| {
                l.strip_prefix("SigPnd:")
                    .or_else(|| l.strip_prefix("ShdPnd:"))
            })
            .any(|hex| u64::from_str_radix(hex.trim(), 16).unwrap_or(0) & bit != 0)
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while pending(child.id()) {
        assert!(
            std::time::Instant::now() < deadline,
            "SIGTERM stayed pending"
        );
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(b"go\n").unwrap();
    }
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    assert_eq!(rest, ["done"], "the app saw the signal");
    assert!(child.wait().unwrap().success());
}

/// --specpath writes the build's settings as a [tool.pybundle] table; put in a pyproject.toml,
/// it builds the same app with no options.
#[needs(root)]
fn specpath_writes_settings_that_build_the_app_again() {
    let project = tempfile::tempdir().unwrap();
    copy_tree(&habits(), project.path());
    let dist = tempfile::tempdir().unwrap();
    let (out, _) = build_in(
        project.path(),
        dist.path(),
        &[
            "-F",
            "-n",
            "shipped",
            "-p",
            "src",
            "--runtime-hook",
            "hooks/first.py",
            "--specpath",
            ".",
        ],
        &[],
    );
    built(&out);
    let table = fs::read_to_string(project.path().join("shipped.toml")).unwrap();
    assert!(table.contains("[tool.pybundle]"), "{table}");
    fs::write(project.path().join("pyproject.toml"), &table).unwrap();
    let dist = tempfile::tempdir().unwrap();
    let mut cmd = pybundle_cmd(project.path());
    with_python(&mut cmd)
        .args(["app.py", "--distpath"])
        .arg(dist.path())
        .arg("-y");
    built(&cmd.output().unwrap());
    let exe = dist.path().join("shipped");
    assert!(
        exe.is_file(),
        "not rebuilt as one file named shipped: {table}"
    );
    let (run, _) = run_hermetic(&exe, &["all"]);
    assert!(
        stdout(&run).contains("helper: from src\nhooked: first\n"),
        "{}",
        stderr(&run)
    );
}

fn copy_tree(from: &Path, to: &Path) {
    for entry in fs::read_dir(from).unwrap().flatten() {
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            fs::create_dir_all(&target).unwrap();
            copy_tree(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// Behaviours PyInstaller's functional tests pin on Linux (pkgutil and importlib.resources over
/// the app's package, computed imports with --collect-submodules, codecs by name, reload,
/// processes started by processes and from threads): the bundle prints what python prints.
#[needs(root)]
fn what_pyinstallers_functional_tests_check_behaves_as_under_python() {
    let script = fixture("like_python").join("app.py");
    let expected = Command::new(python())
        .arg(&script)
        .current_dir(script.parent().unwrap())
        .output()
        .unwrap();
    assert!(expected.status.success(), "{}", stderr(&expected));
    for mode in ["-F", "-D"] {
        let dist = tempfile::tempdir().unwrap();
        let exe = build(
            &script,
            dist.path(),
            &[mode, "--collect-submodules", "plugins"],
        );
        let settle = std::time::Duration::from_secs(10);
        let (out, clean) = run_hermetic_settling(&exe, &[], settle);
        assert!(out.status.success(), "{mode}: {}", stderr(&out));
        assert_eq!(stdout(&out), stdout(&expected), "{mode}");
        assert!(clean, "{mode}: unpack folder left behind");
    }
}

/// A spec file as PyInstaller writes it (pyi-makespec) builds as its options would, and
/// `import-spec` prints the same settings as a `[tool.pybundle]` table; a hand-edited spec's
/// computed values are followed where they can be and named where not.
#[needs(root)]
fn spec_files_build_and_import_without_running() {
    let pyinstaller = venv(&["pyinstaller==6.22.3"]);
    let dir = tempfile::tempdir().unwrap();
    let app = dir.path();
    fs::create_dir(app.join("plugins")).unwrap();
    fs::write(app.join("plugins/__init__.py"), "").unwrap();
    fs::write(app.join("plugins/extra.py"), "NAME = 'extra'\n").unwrap();
    fs::write(app.join("config.json"), "{\"greeting\": \"hi\"}\n").unwrap();
    fs::copy(fixture("qt").join("icon.png"), app.join("icon.png")).unwrap();
    fs::write(
        app.join("app.py"),
        "import importlib, json, os, sys\n\
         config = json.load(open(os.path.join(sys._MEIPASS, 'config.json')))\n\
         print(config['greeting'], importlib.import_module('plugins.extra').NAME)\n",
    )
    .unwrap();
    // (The venv's scripts name the folder it was made in; the module runs from anywhere.)
    let makespec = Command::new(&pyinstaller)
        .current_dir(app)
        .args(["-m", "PyInstaller.utils.cliutils.makespec"])
        .args([
            "app.py",
            "--onefile",
            "--noconsole",
            "--name",
            "tool",
            "--icon",
            "icon.png",
        ])
        .args([
            "--add-data",
            "config.json:.",
            "--hidden-import",
            "plugins.extra",
        ])
        .output()
        .unwrap();
    assert!(makespec.status.success(), "{}", stderr(&makespec));

    let dist = app.join("dist");
    let mut build = pybundle_cmd(app);
    with_python(&mut build)
        .arg("tool.spec")
        .arg("--distpath")
        .arg(&dist)
        .arg("-y");
    let built = build.output().unwrap();
    assert!(built.status.success(), "{}", stderr(&built));
    let (run, clean) = run_hermetic(&dist.join("tool"), &[]);
    assert_eq!(stdout(&run), "hi extra\n", "{}", stderr(&run));
    assert!(clean);

    let imported = Command::new(PYBUNDLE)
        .current_dir(app)
        .args(["import-spec", "tool.spec"])
        .output()
        .unwrap();
    assert!(imported.status.success(), "{}", stderr(&imported));
    let table = stdout(&imported);
    for line in [
        "[tool.pybundle]",
        "onefile = true",
        "name = \"tool\"",
        "add-data = [\"config.json:.\"]",
        "hidden-import = [\"plugins.extra\"]",
        "windowed = true",
        "icon = \"icon.png\"",
    ] {
        assert!(table.lines().any(|l| l == line), "{line} missing:\n{table}");
    }

    // Hand-edited: a list bound once, `+`, os.path.join, a helper with a pybundle meaning,
    // and one value only running the spec would tell.
    fs::write(
        app.join("edited.spec"),
        "import os\n\
         from PyInstaller.utils.hooks import collect_submodules\n\
         extra = [(os.path.join('config.json'), '.')]\n\
         a = Analysis([os.path.join(SPECPATH, 'app.py')], datas=extra,\n\
         \x20            hiddenimports=collect_submodules('plugins'), pathex=[os.getcwd()])\n\
         exe = EXE(PYZ(a.pure), a.scripts, exclude_binaries=True, name='edited')\n\
         coll = COLLECT(exe, a.binaries, a.datas, name='edited')\n",
    )
    .unwrap();
    let imported = Command::new(PYBUNDLE)
        .current_dir(app)
        .args(["import-spec", "edited.spec"])
        .output()
        .unwrap();
    let table = stdout(&imported);
    assert!(
        table.contains("# edited.spec:5: Analysis(pathex=os.getcwd()) is not carried over"),
        "{table}"
    );
    // Said on stderr too, naming the spec's line: nothing is dropped in silence.
    assert!(
        stderr(&imported).contains("warning: edited.spec:5: Analysis(pathex=os.getcwd())"),
        "{}",
        stderr(&imported)
    );
    assert!(
        table.contains("collect-submodules = [\"plugins\"]"),
        "{table}"
    );
    let mut build = pybundle_cmd(app);
    with_python(&mut build)
        .arg("edited.spec")
        .arg("--distpath")
        .arg(&dist)
        .arg("-y");
    let built = build.output().unwrap();
    assert!(built.status.success(), "{}", stderr(&built));
    assert!(
        stderr(&built).contains("warning: edited.spec:5: Analysis(pathex=os.getcwd())"),
        "{}",
        stderr(&built)
    );
    let (run, _) = run_hermetic(&dist.join("edited/edited"), &[]);
    assert_eq!(stdout(&run), "hi extra\n", "{}", stderr(&run));
}

/// Every option of PyInstaller 6.22.3's own parser (read from it, not typed by hand), except
/// those it has removed (hidden from its help), is one `pybundle build` accepts, and the
/// migration guide says what it does here.
#[test]
fn every_option_of_pyinstallers_own_parser_is_accepted() {
    let pyinstaller = venv(&["pyinstaller==6.22.3"]);
    let listed = Command::new(&pyinstaller)
        .args([
            "-c",
            "import argparse\n\
             from PyInstaller.__main__ import generate_parser\n\
             for a in generate_parser()._actions:\n\
             \x20   longs = [o for o in a.option_strings if o.startswith('--')]\n\
             \x20   if longs and a.help != argparse.SUPPRESS:\n\
             \x20       print(' '.join(longs), 'value' if a.nargs != 0 else 'flag')\n",
        ])
        .output()
        .unwrap();
    assert!(listed.status.success(), "{}", stderr(&listed));
    let guide = fs::read_to_string(repo().join("docs/migrating-from-pyinstaller.md")).unwrap();
    let mut args: Vec<String> = vec!["no-such-app.py".into()];
    let mut seen = 0;
    for line in stdout(&listed).lines() {
        let (names, kind) = line.rsplit_once(' ').unwrap();
        for name in names.split(' ') {
            if name == "--help" || name == "--version" {
                continue;
            }
            seen += 1;
            assert!(guide.contains(name), "{name} is not in the migration guide");
            args.push(name.to_string());
            if kind == "value" {
                // A value each option could really be given.
                let value = match name {
                    "--add-data" | "--add-binary" => "x:.",
                    "--optimize" => "1",
                    "--log-level" => "INFO",
                    "--debug" => "all",
                    "--hide-console" => "hide-early",
                    "--python-option" => "u",
                    "--target-architecture" | "--target-arch" => "x86_64",
                    _ => "x",
                };
                args.push(value.into());
            }
        }
    }
    assert!(
        seen > 50,
        "only {seen} options read from PyInstaller's parser"
    );
    // All of them at once: parsing passes (a refused option is clap's error, exit 2) and the
    // build stops at the missing script.
    let out = Command::new(PYBUNDLE)
        .arg("build")
        .args(&args)
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("no-such-app.py does not exist"), "{err}");
}
