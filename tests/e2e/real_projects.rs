//! Real projects from PyPI, built as their users would: each project's own sdist (its own
//! pyproject.toml, setup.cfg or setup.py), installed into a fresh virtualenv, then
//! `pybundle build -F` in the project's folder with that virtualenv active. The executable does
//! a small real task with every Python, the virtualenv and the project folder hidden, and must
//! print what the virtualenv's own console script prints, with its exit status. The sdists are
//! pinned by hash and cached under the target folder, as are the virtualenvs.
//!
//! | project | build backend, where its scripts are declared | script |
//! |---|---|---|
//! | tabulate 0.9.0 | setuptools, `[project.scripts]` | `tabulate` (the package's own name) |
//! | pyfiglet 1.0.4 | setuptools, `setup.py` only (read from the installed `entry_points.txt`) | `pyfiglet` |
//! | cowsay 6.0 | setuptools, `setup.py` only | `cowsay` |
//! | flake8 7.5.0 | setuptools, `setup.cfg`; finds its checkers through entry points | `flake8` |
//! | docformatter 1.7.8 | poetry-core, `[tool.poetry.scripts]` | `docformatter` |
//! | sqlparse 0.6.1 | hatchling, `[project.scripts]` | `sqlformat` (not the package's name) |
//! | isort 9.0.2 | hatchling, two scripts: `--entry-point` picks one | `isort` |
//! | yamllint 1.38.0 | setuptools, `[project.scripts]`; reads its own YAML configuration files by path; PyYAML and pathspec | `yamllint` |
//!
//! And a tool the user did not write, pipx-style: black 25.1 (mypyc-compiled) installed from
//! its wheel, built with `--entry-point black` outside any project.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use crate::harness::*;
use pybundle_e2e_macros::needs;

/// One project and the task its executable does.
struct Real {
    /// Its name on the package index.
    index: &'static str,
    sdist: &'static str,
    sha256: &'static str,
    /// `--entry-point`, for a project with several scripts.
    entry_point: Option<&'static str>,
    /// The console script, which names the executable.
    script: &'static str,
    args: &'static [&'static str],
    /// What it reads on standard input, if anything.
    stdin: Option<&'static str>,
}

/// Inputs of the tasks, written into the folder they run in.
const INPUTS: &[(&str, &str)] = &[
    ("table.txt", "name size\nalpha 1\nbeta 22\n"),
    (
        "messy.py",
        "import sys, os\nimport  json\ndef f( x ):\n    \"\"\"  Docstring here.  \"\"\"\n    return x\n",
    ),
    ("query.sql", "select a,b from t where x=1 order by a\n"),
    ("lint.yaml", "a: 1\nb:   2\na: 3\n"),
];

fn check(project: &Real) {
    let source = unpacked_sdist(project);
    let venv = project_venv(project, &source);
    let python = venv.join("bin/python");

    let work = tempfile::tempdir().unwrap();
    for (name, text) in INPUTS {
        fs::write(work.path().join(name), text).unwrap();
    }
    let expected = run_with_input(
        Command::new(venv.join("bin").join(project.script))
            .args(project.args)
            .current_dir(work.path()),
        project.stdin.map(|f| work.path().join(f)),
    );
    assert!(
        expected.status.code().is_some(),
        "{}: its own script did not run",
        project.sdist
    );

    let dist = tempfile::tempdir().unwrap();
    // As a user would: the project's folder, its virtualenv active, nothing named.
    let mut cmd = pybundle_cmd(&source);
    cmd.args(["-F", "-y", "--json", "--distpath"])
        .arg(dist.path())
        .env("VIRTUAL_ENV", venv.as_os_str());
    if let Some(name) = project.entry_point {
        cmd.args(["--entry-point", name]);
    }
    let built = cmd.output().unwrap();
    assert!(
        built.status.success(),
        "{}: {}",
        project.sdist,
        stderr(&built)
    );
    assert!(
        !stderr(&built).contains("warning"),
        "{}: {}",
        project.sdist,
        stderr(&built)
    );
    let summary: serde_json::Value = serde_json::from_slice(&built.stdout).unwrap();
    let exe = PathBuf::from(summary["executable"].as_str().unwrap());
    assert_eq!(
        exe.file_name().unwrap(),
        project.script,
        "the executable is named after the console script"
    );
    assert!(python.exists());

    let args: Vec<&std::ffi::OsStr> = project.args.iter().map(std::ffi::OsStr::new).collect();
    let tmp = tempfile::tempdir().unwrap();
    let mut bundled = hermetic_hiding(&exe, &args, &[&source]);
    bundled.current_dir(work.path()).env("TMPDIR", tmp.path());
    let got = run_with_input(&mut bundled, project.stdin.map(|f| work.path().join(f)));
    assert_eq!(
        stdout(&got),
        stdout(&expected),
        "{}: {}",
        project.sdist,
        stderr(&got)
    );
    assert_eq!(
        got.status.code(),
        expected.status.code(),
        "{}: {}",
        project.sdist,
        stderr(&got)
    );
    assert!(
        is_empty_dir(tmp.path()),
        "{}: left files behind",
        project.sdist
    );
}

fn run_with_input(cmd: &mut Command, stdin: Option<PathBuf>) -> Output {
    let input = match stdin {
        Some(file) => Stdio::from(fs::File::open(file).unwrap()),
        None => Stdio::null(),
    };
    cmd.stdin(input).output().unwrap()
}

/// The project's sdist, fetched once (hash-checked) and unpacked once under the target folder.
fn unpacked_sdist(project: &Real) -> PathBuf {
    let archive = sdist(project.index, project.sdist, project.sha256);
    let root = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("real-projects");
    let name = project.sdist.trim_end_matches(".tar.gz");
    let dir = root.join(name);
    if !dir.join("PKG-INFO").is_file() {
        let tmp = root.join(format!("{name}.{}.tmp", std::process::id()));
        let _ = fs::remove_dir_all(&tmp);
        fs::create_dir_all(&tmp).unwrap();
        let out = Command::new("tar")
            .arg("-xzf")
            .arg(&archive)
            .arg("-C")
            .arg(&tmp)
            .output()
            .unwrap();
        assert!(out.status.success(), "tar: {}", stderr(&out));
        let _ = fs::remove_dir_all(&dir);
        fs::rename(tmp.join(name), &dir).unwrap();
        let _ = fs::remove_dir_all(&tmp);
    }
    dir
}

/// A virtualenv with the project installed from its folder, made once (it lives among the
/// test virtualenvs, which every hermetic run hides).
fn project_venv(project: &Real, source: &Path) -> PathBuf {
    let root = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("venvs");
    let name = format!("real-{}", project.sdist.trim_end_matches(".tar.gz"));
    let dir = root.join(&name);
    let complete = dir.join(".complete");
    if complete.is_file() {
        return dir;
    }
    fs::create_dir_all(&root).unwrap();
    // Made where it will stay (a virtualenv's scripts name its folder); `.complete` says done.
    let _ = fs::remove_dir_all(&dir);
    let made = Command::new(python())
        .args(["-m", "venv"])
        .arg(&dir)
        .status()
        .unwrap();
    assert!(made.success());
    let out = Command::new(dir.join("bin/pip"))
        .args(["install", "--quiet", "--disable-pip-version-check"])
        .arg(source)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "pip install {}: {}",
        source.display(),
        stderr(&out)
    );
    fs::write(complete, "").unwrap();
    dir
}

macro_rules! real_project {
    ($test:ident, $project:expr) => {
        #[needs(root)]
        fn $test() {
            check(&$project);
        }
    };
}

real_project!(
    tabulate_a_script_named_like_its_package,
    Real {
        index: "tabulate",
        sdist: "tabulate-0.9.0.tar.gz",
        sha256: "0095b12bf5966de529c0feb1fa08671671b3368eec77d7ef7ab114be2c068b3c",
        entry_point: None,
        script: "tabulate",
        args: &["-1", "-f", "grid", "table.txt"],
        stdin: None,
    }
);

real_project!(
    pyfiglet_declared_in_setup_py_with_its_fonts,
    Real {
        index: "pyfiglet",
        sdist: "pyfiglet-1.0.4.tar.gz",
        sha256: "db9c9940ed1bf3048deff534ed52ff2dafbbc2cd7610b17bb5eca1df6d4278ef",
        entry_point: None,
        script: "pyfiglet",
        args: &["-f", "slant", "Hi there"],
        stdin: None,
    }
);

real_project!(
    cowsay_declared_in_setup_py,
    Real {
        index: "cowsay",
        sdist: "cowsay-6.0.tar.gz",
        sha256: "47445cb273684618a1786db8e8d05ec9258455f7eb74893e5d0933daafeb44ba",
        entry_point: None,
        script: "cowsay",
        args: &["-t", "moo from a bundle", "-c", "tux"],
        stdin: None,
    }
);

real_project!(
    flake8_declared_in_setup_cfg_with_plugins_found_by_entry_point,
    Real {
        index: "flake8",
        sdist: "flake8-7.5.0.tar.gz",
        sha256: "0dab7566341aca0d80aa29b5812bdadf256caa6a63e6068e49ac2649918236a4",
        entry_point: None,
        script: "flake8",
        args: &["messy.py"],
        stdin: None,
    }
);

real_project!(
    docformatter_a_poetry_project,
    Real {
        index: "docformatter",
        sdist: "docformatter-1.7.8.tar.gz",
        sha256: "6589b62a8f38c62c4c8c84cb1afa296af007c88c959e4c9d25c74c1f933c4dbf",
        entry_point: None,
        script: "docformatter",
        args: &["messy.py"],
        stdin: None,
    }
);

real_project!(
    sqlparse_a_script_named_otherwise,
    Real {
        index: "sqlparse",
        sdist: "sqlparse-0.6.1.tar.gz",
        sha256: "ca722573f848ff2d30e40ea30f53a104b7dea7635ea9285891263eb2c58fb6e7",
        entry_point: None,
        script: "sqlformat",
        args: &["-r", "-k", "upper", "query.sql"],
        stdin: None,
    }
);

real_project!(
    isort_one_of_two_scripts_reading_standard_input,
    Real {
        index: "isort",
        sdist: "isort-9.0.2.tar.gz",
        sha256: "d2298980ce44350f11d9d24c8150eaef1883431ec203dddbb4e9b5c3ceb54c70",
        entry_point: Some("isort"),
        script: "isort",
        args: &["-"],
        stdin: Some("messy.py"),
    }
);

real_project!(
    yamllint_reading_its_own_configuration_files,
    Real {
        index: "yamllint",
        sdist: "yamllint-1.38.0.tar.gz",
        sha256: "09e5f29531daab93366bb061e76019d5e91691ef0a40328f04c927387d1d364d",
        entry_point: None,
        script: "yamllint",
        args: &["lint.yaml"],
        stdin: None,
    }
);

/// pipx-style: a tool installed from its wheel (black's are compiled by mypyc), built by its
/// console script's name outside any project.
#[needs(root)]
fn an_installed_tool_builds_by_its_console_scripts_name() {
    let python = venv(&["black==25.1.0"]);
    let venv = python.parent().unwrap().parent().unwrap();
    let work = tempfile::tempdir().unwrap();
    for (name, text) in INPUTS {
        fs::write(work.path().join(name), text).unwrap();
    }
    let dist = tempfile::tempdir().unwrap();
    let built = pybundle_cmd(work.path())
        .args(["--entry-point", "black", "-F", "-y", "--distpath"])
        .arg(dist.path())
        .env("VIRTUAL_ENV", venv)
        .output()
        .unwrap();
    assert!(built.status.success(), "{}", stderr(&built));
    let exe = dist.path().join("black");
    // (harness::venv moves its virtualenv into place, so its scripts name another folder.)
    let expected = run_with_input(
        Command::new(&python)
            .args(["-m", "black", "-q", "-"])
            .current_dir(work.path()),
        Some(work.path().join("messy.py")),
    );
    assert!(expected.status.success(), "{}", stderr(&expected));
    let tmp = tempfile::tempdir().unwrap();
    let mut bundled = hermetic(
        &exe,
        &[std::ffi::OsStr::new("-q"), std::ffi::OsStr::new("-")],
    );
    bundled.current_dir(work.path()).env("TMPDIR", tmp.path());
    let got = run_with_input(&mut bundled, Some(work.path().join("messy.py")));
    assert!(got.status.success(), "{}", stderr(&got));
    assert_eq!(stdout(&got), stdout(&expected));
    assert!(is_empty_dir(tmp.path()));
}
