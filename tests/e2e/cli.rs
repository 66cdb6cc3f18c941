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
        "Examples:",
        "pybundle build --help",
    ] {
        assert!(stdout(&top).contains(wanted), "{wanted}: {}", stdout(&top));
    }
    let build = pybundle(&["build", "--help"]);
    assert!(stdout(&build).contains("--collect-submodules"));
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
