//! Projects, not just scripts: `pybundle build` in a project's folder bundles its console
//! script (`[project.scripts]`), `--entry-point NAME` picks one of several,
//! `--all-entry-points` builds each, and `pybundle build pkg.module:func` bundles an entry
//! point by name. The project is a src layout, not installed: its `src/` is searched.

use std::path::Path;
use std::process::Output;

use crate::harness::*;
use pybundle_e2e_macros::needs;

/// `pybundle build ARGS` in the fixture project's folder, output into `dist`.
fn build_in_project(dist: &Path, args: &[&str]) -> Output {
    let project = fixture("project");
    let mut cmd = pybundle_cmd(&project);
    with_python(&mut cmd)
        .args(args)
        .arg("--distpath")
        .arg(dist)
        .arg("-y");
    cmd.output().unwrap()
}

#[needs(root)]
fn a_projects_console_scripts_build_with_no_script_named() {
    let dist = tempfile::tempdir().unwrap();
    // Two console scripts: the build asks which.
    let out = build_in_project(dist.path(), &["-F"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("bye, hello") && err.contains("--entry-point") && err.lines().count() == 1,
        "{err}"
    );
    assert!(is_empty_dir(dist.path()), "output left after an error");

    let out = build_in_project(dist.path(), &["-F", "--entry-point", "hello"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let (run, clean) = run_hermetic(&dist.path().join("hello"), &["a b"]);
    assert_eq!(
        stdout(&run),
        "hello from greet.cli args ['a b']\n",
        "{}",
        stderr(&run)
    );
    assert_eq!(run.status.code(), Some(0));
    assert!(clean);

    let all = tempfile::tempdir().unwrap();
    let out = build_in_project(all.path(), &["-F", "--all-entry-points"]);
    assert!(out.status.success(), "{}", stderr(&out));
    // `bye = greet.cli:Farewell.run`: a dotted object, its result the exit status.
    let (run, _) = run_hermetic(&all.path().join("bye"), &[]);
    assert_eq!(stdout(&run), "bye\n", "{}", stderr(&run));
    assert_eq!(run.status.code(), Some(3));
    assert!(all.path().join("hello").is_file());

    // One folder: an executable per console script, one `_internal/` shared, named after
    // the project.
    let shared = tempfile::tempdir().unwrap();
    let out = build_in_project(shared.path(), &["-D", "--all-entry-points"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let folder = shared.path().join("greet");
    let mut names: Vec<String> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["_internal", "bye", "hello"]);
    let (run, _) = run_hermetic(&folder.join("hello"), &[]);
    assert_eq!(
        stdout(&run),
        "hello from greet.cli args []\n",
        "{}",
        stderr(&run)
    );
    let (run, _) = run_hermetic(&folder.join("bye"), &[]);
    assert_eq!(
        (stdout(&run).as_str(), run.status.code()),
        ("bye\n", Some(3))
    );
}

#[needs(root)]
fn an_entry_point_named_on_the_command_line_builds() {
    let dist = tempfile::tempdir().unwrap();
    let out = build_in_project(dist.path(), &["greet.cli:hello", "-D", "-n", "hi"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let (run, _) = run_hermetic(&dist.path().join("hi/hi"), &[]);
    assert_eq!(
        stdout(&run),
        "hello from greet.cli args []\n",
        "{}",
        stderr(&run)
    );

    let out = build_in_project(dist.path(), &["greet.cli:nothing here"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("package.module:function"),
        "{}",
        stderr(&out)
    );
    let out = build_in_project(dist.path(), &["greet.cli:hello", "--entry-point", "hello"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("project's folder"),
        "{}",
        stderr(&out)
    );
}

/// `pybundle build` in the folder of a project whose one console script is named like its
/// package (most of PyPI): nothing named, both modes. The bundle's main script must not hide
/// the package. The README's lead example.
#[needs(root)]
fn a_console_script_named_like_its_package_builds_with_nothing_named() {
    let project = fixture("fetchstat");
    for mode in ["-F", "-D"] {
        let dist = tempfile::tempdir().unwrap();
        let mut cmd = pybundle_cmd(&project);
        with_python(&mut cmd)
            .args([mode, "-y", "--json", "--distpath"])
            .arg(dist.path());
        let out = cmd.output().unwrap();
        assert!(out.status.success(), "{mode}: {}", stderr(&out));
        // Not installed: its modules come from src/, and the build says what that costs.
        assert!(
            stderr(&out).contains("fetchstat is not installed"),
            "{}",
            stderr(&out)
        );
        let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let exe = std::path::PathBuf::from(summary["executable"].as_str().unwrap());
        assert_eq!(exe.file_name().unwrap(), "fetchstat");
        let (run, clean) = run_hermetic(&exe, &["two", "words"]);
        assert_eq!(
            stdout(&run),
            "fetchstat is a package: True\nwords=2 letters=8\n",
            "{mode}: {}",
            stderr(&run)
        );
        assert!(clean);
        let (run, _) = run_hermetic(&exe, &[]);
        assert_eq!(run.status.code(), Some(4), "{mode}: {}", stderr(&run));
    }

    // The entry point named alone: the executable takes the console script's name.
    let dist = tempfile::tempdir().unwrap();
    let mut cmd = pybundle_cmd(&project);
    with_python(&mut cmd)
        .args(["fetchstat.cli:main", "-F", "-y", "--distpath"])
        .arg(dist.path());
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let names: Vec<_> = std::fs::read_dir(dist.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["fetchstat"]);
}

/// A copy of the two-script fixture project, its pyproject.toml's `[tool.pybundle]` table
/// being `table`.
fn project_with_settings(table: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let from = fixture("project");
    let pyproject = std::fs::read_to_string(from.join("pyproject.toml")).unwrap();
    std::fs::write(
        dir.path().join("pyproject.toml"),
        format!("{pyproject}\n[tool.pybundle]\n{table}"),
    )
    .unwrap();
    let src = dir.path().join("src/greet");
    std::fs::create_dir_all(&src).unwrap();
    for file in ["__init__.py", "cli.py"] {
        std::fs::copy(from.join("src/greet").join(file), src.join(file)).unwrap();
    }
    dir
}

#[test]
fn entry_point_settings_live_in_tool_pybundle_and_a_mistake_there_is_told_first() {
    // With two of PyInstaller's keys that change nothing here, one by its alias: accepted,
    // and a note each.
    let project = project_with_settings(
        "all-entry-points = true\nonefile = true\nnoupx = true\ntarget-arch = \"arm64\"\n",
    );
    let dist = tempfile::tempdir().unwrap();
    let mut cmd = pybundle_cmd(project.path());
    with_python(&mut cmd)
        .args(["-y", "--distpath"])
        .arg(dist.path());
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(dist.path().join("hello").is_file() && dist.path().join("bye").is_file());
    let err = stderr(&out);
    for option in ["--noupx", "--target-architecture"] {
        let note = format!("note: {option} changes nothing here");
        assert_eq!(err.matches(&note).count(), 2, "one per build: {err}");
    }

    // Two scripts and a misspelt key: the key is the mistake named.
    let project = project_with_settings("onefil = true\n");
    let mut cmd = pybundle_cmd(project.path());
    with_python(&mut cmd)
        .args(["-y", "--distpath"])
        .arg(dist.path());
    let out = cmd.output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("`onefil` is not a setting"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
}

/// `--strict` (the CI recipes' flag): a required import found nowhere fails the build, with
/// `--json` saying so and nothing written; without it the closing line counts them.
#[test]
fn strict_fails_a_build_whose_required_imports_are_missing() {
    let src = tempfile::tempdir().unwrap();
    let script = src.path().join("app.py");
    std::fs::write(
        &script,
        "import sys\nimport no_such_module_anywhere\nprint(1)\n",
    )
    .unwrap();
    let dist = tempfile::tempdir().unwrap();
    let mut cmd = pybundle_cmd(src.path());
    with_python(&mut cmd)
        .arg(&script)
        .args(["-F", "-y", "--strict", "--json", "--distpath"])
        .arg(dist.path());
    let out = cmd.output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("--strict") && err.contains("no_such_module_anywhere (imported by app.py)"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["status"], "error");
    assert!(
        is_empty_dir(dist.path()),
        "output written by a failed build"
    );

    let mut cmd = pybundle_cmd(src.path());
    with_python(&mut cmd)
        .arg(&script)
        .args(["-F", "-y", "--distpath"])
        .arg(dist.path());
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let last = stderr(&out).lines().last().unwrap_or_default().to_string();
    assert!(
        last.starts_with("Built ") && last.contains("1 import it needs was found nowhere"),
        "{last}"
    );
}
