//! The module store (docs/format.md): the app's and its distributions' modules, and the data
//! files a package reads only through importlib.resources, served from one file. What the app
//! sees is what `python app.py` sees; what the bundle holds on disk is what must be a file.

use std::path::Path;

use crate::harness::*;
use pybundle_e2e_macros::needs;

#[needs(root)]
fn stored_modules_and_resources_behave_as_files_do() {
    let python = venv(&["tzdata==2026.6"]);
    let script = fixture("store").join("app.py");
    check_like_python_without_warnings(&script, &python);

    let dist = tempfile::tempdir().unwrap();
    build_with(&script, dist.path(), &["-D"], &python);
    let root = Root::onedir(dist.path(), "app");
    let site = root.site_packages();
    // On disk: the main script and the bootstrap (read by path), data, no module.
    let mut pycs = Vec::new();
    walk_files(&root.0, &mut |p: &Path| {
        if p.extension().is_some_and(|e| e == "pyc") {
            pycs.push(p.strip_prefix(&root.0).unwrap().display().to_string());
        }
    });
    pycs.sort();
    assert_eq!(pycs, ["_pybundle_boot.pyc", "_pybundle_main/app.pyc"]);
    assert!(root.0.join("tmpl/page.html").is_file());
    assert!(!site.join("tzdata/zoneinfo/Europe/Paris").exists());
    let stored = root.stored();
    for path in [
        "tmpl/__init__.pyc".to_string(),
        "nsp/part.pyc".to_string(),
        "tzdata/__init__.pyc".to_string(),
        "tzdata/zoneinfo/Europe/Paris".to_string(),
    ] {
        assert!(stored.contains(&path), "{path} not stored: {stored:?}");
    }
    assert!(site.join("tzdata-2026.6.dist-info/METADATA").is_file());
}

/// A package rule's `on-disk` keeps a package's modules as files (for a package that reads
/// its own module files), and the app still runs.
#[needs(root)]
fn a_rule_keeps_a_packages_modules_on_disk() {
    let python = venv(&["tzdata==2026.6"]);
    let script = fixture("store").join("app.py");
    let rules = tempfile::tempdir().unwrap();
    std::fs::write(
        rules.path().join("tz.toml"),
        "[[rule]]\nname = \"tz on disk\"\non-disk = [\"tzdata/**/*.py\"]\n",
    )
    .unwrap();
    let dist = tempfile::tempdir().unwrap();
    let hooks = rules.path().to_str().unwrap();
    let exe = build_with(
        &script,
        dist.path(),
        &["-D", "--additional-hooks-dir", hooks],
        &python,
    );
    let root = Root::onedir(dist.path(), "app");
    let site = root.site_packages();
    assert!(site.join("tzdata/__init__.pyc").is_file());
    assert!(site.join("tzdata/zoneinfo/Europe/__init__.pyc").is_file());
    assert!(!root
        .stored()
        .iter()
        .any(|p| p.ends_with("tzdata/__init__.pyc")));
    let (out, _) = run_hermetic(&exe, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("zone: 2:00:00\n"), "{}", stdout(&out));
}

fn walk_files(dir: &Path, found: &mut dyn FnMut(&Path)) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if entry.file_type().unwrap().is_dir() {
            walk_files(&path, found);
        } else {
            found(&path);
        }
    }
}
