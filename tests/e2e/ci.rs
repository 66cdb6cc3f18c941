//! The CI recipes in `examples/ci/` (docs/ci.md), and pybundle's own macOS workflow: each
//! file passes its CI system's schema, and the build command the recipes run is the same in
//! both and works: run here, for this machine's target, on the fixture project, it makes
//! executables that run with Python hidden.

use std::path::Path;
use std::process::Command;

use crate::harness::*;
use pybundle_e2e_macros::needs;

fn recipe(name: &str) -> String {
    std::fs::read_to_string(repo().join("examples/ci").join(name)).unwrap()
}

/// The one `pybundle build` command line of a recipe (after `run: ` or `- `).
fn build_command(text: &str) -> String {
    let commands: Vec<&str> = (text.lines())
        .map(str::trim)
        .filter_map(|l| l.strip_prefix("run: ").or_else(|| l.strip_prefix("- ")))
        .filter(|l| l.starts_with("pybundle build"))
        .collect();
    assert_eq!(
        commands.len(),
        1,
        "one pybundle build command: {commands:?}"
    );
    commands[0].to_string()
}

#[test]
fn the_ci_recipes_are_valid_for_their_ci_systems() {
    let checker = venv(&["check-jsonschema==0.39.0"]);
    for (file, schema) in [
        ("examples/ci/github-actions.yml", "vendor.github-workflows"),
        ("examples/ci/gitlab-ci.yml", "vendor.gitlab-ci"),
        // pybundle's own macOS job (docs/macos.md), which cannot run here.
        (".github/workflows/macos.yml", "vendor.github-workflows"),
    ] {
        let out = Command::new(&checker)
            .args(["-m", "check_jsonschema", "--builtin-schema", schema])
            .arg(repo().join(file))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{file}: {}{}",
            stdout(&out),
            stderr(&out)
        );
    }
    assert_eq!(
        build_command(&recipe("github-actions.yml")),
        build_command(&recipe("gitlab-ci.yml"))
    );
}

#[needs(root)]
fn the_ci_recipes_build_command_makes_working_executables() {
    let command = build_command(&recipe("github-actions.yml"));
    let project = tempfile::tempdir().unwrap();
    copy_tree(&fixture("project"), project.path());
    let pybundle_dir = Path::new(PYBUNDLE).parent().unwrap();
    let path = std::env::join_paths(std::iter::once(pybundle_dir.to_path_buf()).chain(
        std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
    ))
    .unwrap();
    let out = Command::new("bash")
        .args(["-c", &command])
        .current_dir(project.path())
        .env("PATH", path)
        .env("TARGET", host_target())
        .env("RUNTIME", "")
        .output()
        .unwrap();
    assert!(out.status.success(), "{command}: {}", stderr(&out));
    let dist = project.path().join("dist").join(host_target());
    let (run, clean) = run_hermetic(&dist.join("hello"), &[]);
    assert_eq!(
        stdout(&run),
        "hello from greet.cli args []\n",
        "{}",
        stderr(&run)
    );
    assert!(clean);
    let (run, _) = run_hermetic(&dist.join("bye"), &[]);
    assert_eq!(run.status.code(), Some(3), "{}", stderr(&run));
}

/// This machine's target name, as `--target` takes it.
fn host_target() -> &'static str {
    match std::env::consts::ARCH {
        "aarch64" => "linux-aarch64",
        _ => "linux-x86_64",
    }
}

fn copy_tree(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let dest = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
            copy_tree(&entry.path(), &dest);
        } else {
            std::fs::copy(entry.path(), &dest).unwrap();
        }
    }
}
