//! The command line around builds: help that shows the default command's options, and shell
//! completions that load.

use std::io::Write;
use std::process::{Command, Stdio};

use crate::harness::*;

fn pybundle(args: &[&str]) -> std::process::Output {
    Command::new(PYBUNDLE).args(args).output().unwrap()
}

#[test]
fn help_shows_the_build_options_and_examples() {
    let top = pybundle(&["--help"]);
    assert!(top.status.success());
    for wanted in [
        "--onefile",
        "--add-data",
        "--target",
        "macos-arm64",
        "Examples:",
        "pybundle build --help",
    ] {
        assert!(stdout(&top).contains(wanted), "{wanted}: {}", stdout(&top));
    }
    let build = pybundle(&["build", "--help"]);
    assert!(stdout(&build).contains("--collect-submodules"));
    assert!(stdout(&build).contains("--codesign-identity"));
    assert!(stdout(&build).contains("Examples:"));
}

#[test]
fn completions_load_in_bash_and_know_every_shell() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let out = pybundle(&["completions", shell]);
        assert!(out.status.success(), "{shell}: {}", stderr(&out));
        assert!(stdout(&out).contains("add-data"), "{shell}");
    }
    let script = pybundle(&["completions", "bash"]).stdout;
    let mut bash = Command::new("bash")
        .args(["-c", "source /dev/stdin && complete -p pybundle"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    bash.stdin.take().unwrap().write_all(&script).unwrap();
    let loaded = bash.wait_with_output().unwrap();
    assert!(
        stdout(&loaded).contains("-F _pybundle pybundle"),
        "{}",
        stdout(&loaded)
    );
    let wrong = pybundle(&["completions", "tcsh"]);
    assert_eq!(wrong.status.code(), Some(2));
    assert!(
        stderr(&wrong).contains("possible values"),
        "{}",
        stderr(&wrong)
    );
}

/// `inspect --why` answers "why is this in my bundle?" from the record the build keeps: the
/// import chain of a distribution, what put a file there; `--json` says it all as data.
#[test]
fn inspect_says_why_each_part_is_in_the_bundle() {
    let python = venv(&["click==8.1.7"]);
    let dist = tempfile::tempdir().unwrap();
    let exe = build_with(
        &repo().join("examples/click-cli/cli.py"),
        dist.path(),
        &["-F"],
        &python,
    );
    let exe = exe.to_str().unwrap();
    let why = pybundle(&["inspect", exe, "--why", "click"]);
    assert!(why.status.success(), "{}", stderr(&why));
    assert!(
        stdout(&why).starts_with("click 8.1.7\n  cli.py imports click\n"),
        "{}",
        stdout(&why)
    );
    let all = pybundle(&["inspect", exe, "--why"]);
    assert!(stdout(&all).contains("largest files"), "{}", stdout(&all));
    // `--why` before the bundle: the bundle is not taken for what to explain.
    let before = pybundle(&["inspect", "--why", exe]);
    assert!(before.status.success(), "{}", stderr(&before));
    assert_eq!(stdout(&before), stdout(&all));
    let unknown = pybundle(&["inspect", exe, "--why", "nothere"]);
    assert_eq!(unknown.status.code(), Some(1));
    assert_eq!(stderr(&unknown).lines().count(), 1, "{}", stderr(&unknown));

    let json = pybundle(&["inspect", exe, "--json"]);
    let value: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(value["schema"], 1);
    assert_eq!(value["mode"], "onefile");
    let dists = value["record"]["distributions"].as_array().unwrap();
    assert!(dists.iter().any(|d| d["name"] == "click"), "{value}");
    let files = value["files"].as_array().unwrap();
    let lib = (files.iter())
        .filter_map(|f| f["path"].as_str())
        .find(|p| p.starts_with("lib/libpython"))
        .expect("CPython's library listed");
    let file = pybundle(&["inspect", exe, "--why", lib]);
    assert_eq!(stdout(&file), format!("{lib}: CPython's library\n"));
}
