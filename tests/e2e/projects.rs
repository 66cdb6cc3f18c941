//! Projects, not just scripts: `pybundle build` in a project's folder bundles its console
//! script (`[project.scripts]`), `--entry-point NAME` picks one of several,
//! `--all-entry-points` builds each, and `pybundle build pkg.module:func` bundles an entry
//! point by name. The project is a src layout, not installed: its `src/` is searched.

use std::path::Path;
use std::process::Output;

use crate::harness::*;

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

#[test]
#[cfg_attr(
    not(pybundle_e2e_root),
    ignore = "needs root: runs bundles with every Python hidden in a mount namespace"
)]
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

#[test]
#[cfg_attr(
    not(pybundle_e2e_root),
    ignore = "needs root: runs bundles with every Python hidden in a mount namespace"
)]
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
