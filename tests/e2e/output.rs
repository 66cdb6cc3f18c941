//! docs/cli.md, "Output": where output goes, that it is reproducible, that replacing it is atomic, and
//! the commands that read it back (`inspect`, `extract`).

use std::ffi::OsStr;
use std::fs;
use std::path::Path;
use std::process::Command;

use crate::harness::*;
use pybundle_e2e_macros::needs;

#[test]
fn the_same_inputs_give_byte_identical_output() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let script = fixture("probe").join("probe.py");
    let first = build(&script, a.path(), &["-F", "--add-data", "data.txt:."]);
    // The second build starts from an empty cache: compiling again must give the same bytes.
    let work = tempfile::tempdir().unwrap();
    let out = Command::new(PYBUNDLE)
        .current_dir(script.parent().unwrap())
        .args([
            "build",
            "probe.py",
            "-F",
            "--add-data",
            "data.txt:.",
            "--compression-level",
            "1",
        ])
        .arg("--python")
        .arg(python())
        .arg("--distpath")
        .arg(b.path())
        .arg("--workpath")
        .arg(work.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        fs::read(&first).unwrap() == fs::read(b.path().join("probe")).unwrap(),
        "outputs differ"
    );
}

/// The same, for a onedir folder: every file's bytes and permission bits, from a clean cache.
#[test]
fn the_same_inputs_give_an_identical_onedir_folder() {
    let script = fixture("probe").join("probe.py");
    let folders: Vec<_> = (0..2)
        .map(|_| {
            let dist = tempfile::tempdir().unwrap();
            let work = tempfile::tempdir().unwrap();
            let mut cmd = pybundle_cmd(script.parent().unwrap());
            with_python(&mut cmd)
                .args(["probe.py", "-D", "--add-data", "data.txt:.", "-y", "-q"])
                .arg("--distpath")
                .arg(dist.path())
                .arg("--workpath")
                .arg(work.path());
            let out = cmd.output().unwrap();
            assert!(out.status.success(), "{}", stderr(&out));
            let contents = tree_contents(&dist.path().join("probe"));
            assert!(contents.len() > 20, "{} entries", contents.len());
            contents
        })
        .collect();
    let differing: Vec<&String> = (folders[0].iter())
        .filter(|(rel, v)| folders[1].get(*rel) != Some(v))
        .map(|(rel, _)| rel)
        .chain(
            folders[1]
                .keys()
                .filter(|rel| !folders[0].contains_key(*rel)),
        )
        .collect();
    assert!(differing.is_empty(), "differ: {differing:?}");
}

#[test]
fn layouts_match_the_contract() {
    let dist = tempfile::tempdir().unwrap();
    let script = fixture("probe").join("probe.py");
    build(
        &script,
        dist.path(),
        &["-F", "-n", "one", "--add-data", "data.txt:."],
    );
    // A GUI app's flags, shared with other targets' builds, are accepted.
    let icon = dist.path().join("app.png");
    fs::write(&icon, b"\x89PNG\r\n\x1a\n").unwrap();
    build(
        &script,
        dist.path(),
        &[
            "-D",
            "-n",
            "dir",
            "--add-data",
            "data.txt:.",
            "--windowed",
            "--icon",
            icon.to_str().unwrap(),
        ],
    );
    fs::remove_file(&icon).unwrap();
    assert!(dist.path().join("one").is_file());
    assert!(dist.path().join("dir/dir").is_file());
    assert!(dist.path().join("dir/_internal/data.txt").is_file());
    assert!(dist
        .path()
        .join("dir/_internal/_pybundle_main/probe.pyc")
        .is_file());
    let mut names: Vec<_> = fs::read_dir(dist.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    names.sort();
    assert_eq!(names, ["dir", "one"], "temporary files left in dist");
}

#[test]
fn a_failed_build_leaves_the_previous_output_intact() {
    let dist = tempfile::tempdir().unwrap();
    let script = fixture("probe").join("probe.py");
    let exe = build(
        &script,
        dist.path(),
        &["-F", "-n", "app", "--add-data", "data.txt:."],
    );
    let before = fs::read(&exe).unwrap();
    let broken = fixture("broken").join("broken.py");
    let out = pybundle_build(
        &repo(),
        &[
            broken.as_os_str(),
            "-F".as_ref(),
            "-n".as_ref(),
            "app".as_ref(),
            "--distpath".as_ref(),
            dist.path().as_os_str(),
        ],
    );
    assert!(!out.status.success());
    assert!(stderr(&out).contains("broken.py"), "{}", stderr(&out));
    assert_eq!(fs::read(&exe).unwrap(), before);
    assert_eq!(
        fs::read_dir(dist.path()).unwrap().count(),
        1,
        "temporary files left in dist"
    );
}

/// What a build killed outright leaves (its hidden temporary, named after its pid) is removed
/// by the next build of that output; a running build's temporary, and other names, are not.
#[test]
fn the_next_build_removes_what_a_killed_build_left() {
    let dist = tempfile::tempdir().unwrap();
    // A pid no process can have (pids stay below pid_max): a dead build's, which a process
    // of a test running alongside cannot take over.
    let gone = std::fs::read_to_string("/proc/sys/kernel/pid_max")
        .unwrap()
        .trim()
        .parse::<u32>()
        .unwrap();
    let mut running = Command::new("sleep").arg("30").spawn().unwrap();
    let planted = [
        (format!(".app.pybundle-{gone}.tmp"), false),
        (format!(".app.pybundle-{gone}.tmp.old"), false),
        (format!(".app.pybundle-{}.tmp", running.id()), true),
        (format!(".other.pybundle-{gone}.tmp"), true),
    ];
    for (name, _) in &planted {
        fs::create_dir_all(dist.path().join(name).join("_internal")).unwrap();
    }
    let script = fixture("probe").join("probe.py");
    build(
        &script,
        dist.path(),
        &["-D", "-n", "app", "--add-data", "data.txt:."],
    );
    running.kill().unwrap();
    running.wait().unwrap();
    for (name, kept) in &planted {
        assert_eq!(dist.path().join(name).exists(), *kept, "{name}");
    }
    assert!(dist.path().join("app/app").is_file());
}

#[needs(root)]
fn onedir_output_is_replaced_only_with_y() {
    let dist = tempfile::tempdir().unwrap();
    let script = fixture("probe").join("probe.py");
    build(&script, dist.path(), &["-D", "--add-data", "data.txt:."]);
    let mut cmd = pybundle_cmd(script.parent().unwrap());
    with_python(&mut cmd)
        .arg(&script)
        .arg("--distpath")
        .arg(dist.path())
        .args(["--add-data", "data.txt:."]);
    let out = cmd.output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("pass -y"), "{}", stderr(&out));
    // With -y (the harness passes it) the folder is replaced and still runs.
    let exe = build(&script, dist.path(), &["-D", "--add-data", "data.txt:."]);
    let (run, _) = run_hermetic(&exe, &["exit", "5"]);
    assert_eq!(run.status.code(), Some(5));
}

#[test]
fn extract_writes_the_bundled_files_and_inspect_lists_them() {
    let exe = probe(true);
    let dest = tempfile::tempdir().unwrap();
    let target = dest.path().join("out");
    let out = Command::new(PYBUNDLE)
        .arg("extract")
        .arg(exe)
        .arg(&target)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        fs::read_to_string(target.join("data.txt")).unwrap().trim(),
        "data file content"
    );
    assert!(target.join("_pybundle_main/probe.pyc").is_file());

    let out = Command::new(PYBUNDLE)
        .arg("inspect")
        .arg(exe)
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = stdout(&out);
    assert!(text.contains("mode: onefile"), "{text}");
    assert!(text.contains("data.txt"), "{text}");
}

#[test]
fn json_summary_describes_the_output() {
    let dist = tempfile::tempdir().unwrap();
    let script = repo().join("examples/hello/hello.py");
    let out = pybundle_build(
        script.parent().unwrap(),
        &[
            script.as_os_str(),
            "-F".as_ref(),
            "--json".as_ref(),
            "--distpath".as_ref(),
            dist.path().as_os_str(),
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert_eq!(text.lines().count(), 1, "{text}");
    let json: serde_json::Value = serde_json::from_str(&text).expect("one JSON object");
    let size = fs::metadata(dist.path().join("hello")).unwrap().len();
    assert_eq!(json["schema"], 1, "{text}");
    assert_eq!(json["status"], "ok", "{text}");
    assert_eq!(json["bytes"], size, "{text}");
    assert_eq!(json["mode"], "onefile", "{text}");
    assert_eq!(
        json["output"],
        dist.path().join("hello").to_string_lossy().as_ref(),
        "{text}"
    );
    assert_eq!(json["warnings"], serde_json::json!([]), "{text}");
}

/// `--json` carries what the build warned about (imports found nowhere, with the file that
/// imports them), and a failure is a JSON object too, with a non-zero exit (docs/json.md).
#[test]
fn json_carries_warnings_and_errors() {
    let project = tempfile::tempdir().unwrap();
    let script = project.path().join("app.py");
    fs::write(&script, "import no_such_module_anywhere\n").unwrap();
    let dist = tempfile::tempdir().unwrap();
    let out = pybundle_build(
        project.path(),
        &[
            script.as_os_str(),
            "--json".as_ref(),
            "--distpath".as_ref(),
            dist.path().as_os_str(),
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(
        json["missing_imports"],
        serde_json::json!([{
            "module": "no_such_module_anywhere",
            "imported_by": "app.py",
            "need": "required"
        }])
    );
    let warning = json["warnings"][0].as_str().unwrap_or_default();
    assert!(warning.contains("no_such_module_anywhere"), "{json}");
    // The fix names the interpreter the build used, and how it was chosen.
    assert!(warning.contains("(given by --python)"), "{json}");

    let out = pybundle_build(
        project.path(),
        &[
            "missing.py".as_ref(),
            "--json".as_ref(),
            "--distpath".as_ref(),
            dist.path().as_os_str(),
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("an error object");
    assert_eq!(json["status"], "error");
    assert_eq!(json["schema"], 1);
    assert!(
        json["error"]
            .as_str()
            .unwrap()
            .contains("missing.py does not exist"),
        "{json}"
    );
    assert!(stderr(&out).starts_with("error: "), "{}", stderr(&out));
}

/// A rebuild of `probe.py` into `dist` (`-n app`, its own process group, SIGINT at its default
/// as from a terminal), `-v` so each phase says when it starts, with `extra` options and
/// `env`; stderr piped.
fn start_rebuild(
    dist: &Path,
    work: &Path,
    mode: &str,
    extra: &[&OsStr],
    env: &[(&str, &Path)],
) -> std::process::Child {
    let script = fixture("probe").join("probe.py");
    let mut cmd = Command::new(PYBUNDLE);
    cmd.current_dir(script.parent().unwrap())
        .args([
            "build", "probe.py", mode, "-n", "app", "-y", "-v", "--clean",
        ])
        .args(["--add-data", "data.txt:."])
        .args(extra)
        .arg("--python")
        .arg(python())
        .arg("--distpath")
        .arg(dist)
        // Its own caches, cleaned each time: every phase runs.
        .arg("--workpath")
        .arg(work)
        .env_remove("NO_COLOR")
        .stderr(std::process::Stdio::piped());
    for (key, value) in env {
        cmd.env(key, value);
    }
    // SAFETY: signal(2) in the child before exec. A shell starts background jobs with SIGINT
    // ignored; a user's Ctrl-C reaches a build with the default action.
    unsafe {
        std::os::unix::process::CommandExt::pre_exec(&mut cmd, || {
            libc::signal(libc::SIGINT, libc::SIG_DFL);
            Ok(())
        });
    }
    // Its own process group, signalled whole, as a terminal does on Ctrl-C: the build's
    // helpers (compiler, probe) must not answer with Python tracebacks.
    std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
    cmd.spawn().unwrap()
}

/// Ctrl-C's SIGINT to the process group of `child`.
fn interrupt_group(child: &std::process::Child) {
    // SAFETY: plain kill(2) of our own child's process group.
    unsafe { libc::kill(-(child.id() as i32), libc::SIGINT) };
}

/// `dist` holds exactly a whole output `app` of `mode`, which `pybundle verify` accepts.
fn assert_whole_output(dist: &Path, mode: &str, when: &str) {
    let names: Vec<_> = fs::read_dir(dist)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["app"], "{mode} {when}: temporary files left");
    let exe = if mode == "-F" {
        dist.join("app")
    } else {
        dist.join("app/app")
    };
    let verify = Command::new(PYBUNDLE)
        .arg("verify")
        .arg(&exe)
        .output()
        .unwrap();
    assert!(
        verify.status.success(),
        "{mode} {when}: {}",
        stderr(&verify)
    );
}

const INTERRUPTED: &str = "error: interrupted; nothing half-written is left in the output folder\n";

/// SIGINT as each phase of a rebuild begins (analysis, collecting, linking, the module store,
/// writing: the `-v` lines each prints as it starts): the build stops by that signal, saying
/// so in one line, and `DIST` holds the previous output, whole, and nothing else.
#[test]
fn an_interrupted_build_leaves_a_whole_output_and_no_temporary_files() {
    use std::io::{BufRead, BufReader};
    use std::os::unix::process::ExitStatusExt;
    let script = fixture("probe").join("probe.py");
    for mode in ["-F", "-D"] {
        let dist = tempfile::tempdir().unwrap();
        build(
            &script,
            dist.path(),
            &[mode, "-n", "app", "--add-data", "data.txt:."],
        );
        let work = tempfile::tempdir().unwrap();
        for phase in [
            "interpreter:",
            "app module:",
            "library:",
            "module store:",
            "launcher:",
        ] {
            let mut child = start_rebuild(dist.path(), work.path(), mode, &[], &[]);
            let mut err = BufReader::new(child.stderr.take().unwrap());
            let mut said = String::new();
            let mut line = String::new();
            while err.read_line(&mut line).unwrap() > 0 {
                said.push_str(&line);
                if line.starts_with(phase) {
                    break;
                }
                line.clear();
            }
            assert!(line.starts_with(phase), "{mode}: no {phase:?} line: {said}");
            interrupt_group(&child);
            let mut rest = String::new();
            std::io::Read::read_to_string(&mut err, &mut rest).unwrap();
            let status = child.wait().unwrap();
            assert_eq!(
                status.signal(),
                Some(libc::SIGINT),
                "{mode} at {phase}: {rest}"
            );
            assert!(rest.ends_with(INTERRUPTED), "{mode} at {phase}: {rest}");
            assert!(!rest.contains("Built "), "{mode} at {phase}: {rest}");
            assert_whole_output(dist.path(), mode, &format!("at {phase}"));
        }
    }
}

/// SIGINT that lands while the new output is being written and swapped in (signals held):
/// the build finishes the swap, then stops by the signal, and `DIST` holds the new output,
/// whole. A test-only pause in the held region (PYBUNDLE_TEST_PAUSE_HELD) makes sure the signal
/// lands there.
#[test]
fn a_signal_during_the_swap_waits_until_the_new_output_is_whole() {
    use std::os::unix::process::ExitStatusExt;
    let script = fixture("probe").join("probe.py");
    for mode in ["-F", "-D"] {
        let dist = tempfile::tempdir().unwrap();
        build(
            &script,
            dist.path(),
            &[mode, "-n", "app", "--add-data", "data.txt:."],
        );
        let extra_dir = tempfile::tempdir().unwrap();
        let new = extra_dir.path().join("new.txt");
        fs::write(&new, "the new build's\n").unwrap();
        let new_spec = format!("{}:.", new.display());
        let marker = extra_dir.path().join("held");
        let work = tempfile::tempdir().unwrap();
        let child = start_rebuild(
            dist.path(),
            work.path(),
            mode,
            &[OsStr::new("--add-data"), OsStr::new(&new_spec)],
            &[("PYBUNDLE_TEST_PAUSE_HELD", &marker)],
        );
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
        while !marker.exists() {
            assert!(
                std::time::Instant::now() < deadline,
                "{mode}: never reached the swap"
            );
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        interrupt_group(&child);
        fs::remove_file(&marker).unwrap();
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.signal(), Some(libc::SIGINT), "{}", stderr(&out));
        assert!(stderr(&out).ends_with(INTERRUPTED), "{}", stderr(&out));
        assert_whole_output(dist.path(), mode, "in the swap");
        let listed = Command::new(PYBUNDLE)
            .arg("inspect")
            .arg(if mode == "-F" {
                dist.path().join("app")
            } else {
                dist.path().join("app/app")
            })
            .output()
            .unwrap();
        assert!(
            stdout(&listed).contains("new.txt"),
            "{mode}: the old output stayed"
        );
    }
}

/// A rebuild reuses compressed chunks from `--workpath`; a damaged or foreign chunk there is
/// noticed and compressed again, so the output is the same bytes either way.
#[test]
fn a_damaged_chunk_cache_costs_time_not_correctness() {
    let script = fixture("probe").join("probe.py");
    let work = tempfile::tempdir().unwrap();
    let build_once = |dist: &std::path::Path| {
        let out = Command::new(PYBUNDLE)
            .current_dir(script.parent().unwrap())
            .args(["build", "probe.py", "-F", "-q", "--add-data", "data.txt:."])
            .args(["--compression-level", "1", "--python"])
            .arg(python())
            .arg("--distpath")
            .arg(dist)
            .arg("--workpath")
            .arg(work.path())
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        fs::read(dist.join("probe")).unwrap()
    };
    let first = build_once(tempfile::tempdir().unwrap().path());
    let frames: Vec<_> = fs::read_dir(work.path().join("frames"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert!(!frames.is_empty(), "no chunk was cached");
    for (i, frame) in frames.iter().enumerate() {
        let mut bytes = fs::read(frame).unwrap();
        match i % 3 {
            0 => {
                let at = bytes.len() / 2;
                bytes[at] ^= 0x40;
            }
            1 => bytes.truncate(bytes.len() / 3),
            _ => bytes = b"not a zstd frame".to_vec(),
        }
        fs::write(frame, bytes).unwrap();
    }
    let second = build_once(tempfile::tempdir().unwrap().path());
    assert!(first == second, "a damaged chunk cache changed the output");
    let third = build_once(tempfile::tempdir().unwrap().path());
    assert!(first == third);
}

/// docs/cli.md: `[tool.pybundle]` in the project's pyproject.toml, paths from its folder,
/// whatever folder the build starts in; the command line wins.
#[needs(root)]
fn settings_in_pyproject_toml_apply_and_the_command_line_wins() {
    let project = tempfile::tempdir().unwrap();
    for file in ["probe.py", "probe_helper.py", "data.txt"] {
        fs::copy(fixture("probe").join(file), project.path().join(file)).unwrap();
    }
    fs::write(
        project.path().join("pyproject.toml"),
        "[project]\nname = \"probe\"\n\n[tool.pybundle]\nonefile = true\nname = \"fromtoml\"\n\
         add-data = [\"data.txt:.\"]\ndistpath = \"out\"\ncompression-level = 1\n",
    )
    .unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    let run = |extra: &[&str]| {
        let out = Command::new(PYBUNDLE)
            .current_dir(elsewhere.path())
            .arg("build")
            .arg(project.path().join("probe.py"))
            .args(extra)
            .args(["-y", "-q", "--python"])
            .arg(python())
            .arg("--workpath")
            .arg(workpath())
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
    };
    run(&[]);
    let exe = project.path().join("out/fromtoml");
    assert!(exe.is_file(), "no onefile output where the file says");
    let (out, clean) = run_hermetic(&exe, &["facts"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(facts(&out)["data"], "data file content");
    assert!(clean);

    run(&["-D", "-n", "fromcli"]);
    assert!(project.path().join("out/fromcli/fromcli").is_file());
    assert!(project
        .path()
        .join("out/fromcli/_internal/data.txt")
        .is_file());
}

/// With `SOURCE_DATE_EPOCH`, every file and folder of the output carries that time, so a
/// tarball of a onedir build is reproducible; a malformed value is refused.
#[test]
fn source_date_epoch_sets_every_output_time() {
    use std::os::unix::fs::MetadataExt;
    let script = fixture("probe").join("probe.py");
    let dist = tempfile::tempdir().unwrap();
    let build_with_epoch = |mode: &str, epoch: &str| {
        let mut cmd = pybundle_cmd(script.parent().unwrap());
        with_python(&mut cmd)
            .args(["probe.py", mode, "-n", &mode[1..], "-y", "-q"])
            .args(["--add-data", "data.txt:."])
            .arg("--distpath")
            .arg(dist.path())
            .env("SOURCE_DATE_EPOCH", epoch)
            .output()
            .unwrap()
    };
    for mode in ["-F", "-D"] {
        let out = build_with_epoch(mode, "1700000000");
        assert!(out.status.success(), "{}", stderr(&out));
    }
    let mut stack = vec![dist.path().join("F"), dist.path().join("D")];
    let mut seen = 0;
    while let Some(path) = stack.pop() {
        let meta = fs::symlink_metadata(&path).unwrap();
        assert_eq!(meta.mtime(), 1_700_000_000, "{}", path.display());
        seen += 1;
        if meta.is_dir() {
            stack.extend(fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
        }
    }
    assert!(seen > 20, "only {seen} entries checked");
    let out = build_with_epoch("-F", "yesterday");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("SOURCE_DATE_EPOCH"),
        "{}",
        stderr(&out)
    );
}
