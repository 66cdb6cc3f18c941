//! The cached onefile mode (`--runtime-cache`): unpacked once into the user's cache, reused
//! while intact, repaired when not, safe under concurrent first launches, and replaced by a
//! temporary unpack when the cache cannot be written.

use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::sync::OnceLock;

use crate::harness::*;
use pybundle_e2e_macros::needs;

fn cached_probe() -> &'static Path {
    static EXE: OnceLock<PathBuf> = OnceLock::new();
    EXE.get_or_init(|| {
        build(
            &fixture("probe").join("probe.py"),
            &kept_dir("cached-probe"),
            &[
                "-F",
                "--runtime-cache",
                "--add-data",
                "data.txt:.",
                "-n",
                "cached",
            ],
        )
    })
}

/// Run the cached probe with `cache` as XDG_CACHE_HOME and a fresh TMPDIR; returns the output
/// and whether TMPDIR stayed empty.
fn run_with_cache(cache: &Path, extra_env: &[(&str, &str)]) -> (Output, bool) {
    run_with_cache_umask(cache, extra_env, 0o022)
}

fn run_with_cache_umask(cache: &Path, extra_env: &[(&str, &str)], umask: u32) -> (Output, bool) {
    let tmp = tempfile::tempdir().unwrap();
    let mut cmd = hermetic(cached_probe(), &["facts".as_ref()]);
    // SAFETY: umask is async-signal-safe and touches no Rust state.
    unsafe {
        cmd.pre_exec(move || {
            libc::umask(umask as libc::mode_t);
            Ok(())
        });
    }
    cmd.env("XDG_CACHE_HOME", cache)
        .env("TMPDIR", tmp.path())
        .stdin(Stdio::null());
    for (k, v) in extra_env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    (out, is_empty_dir(tmp.path()))
}

fn cache_entries(cache: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(cache.join("pybundle"))
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

#[needs(root)]
fn a_cached_onefile_unpacks_once_and_reuses_it() {
    let cache = tempfile::tempdir().unwrap();
    let (first, clean) = run_with_cache(cache.path(), &[]);
    assert!(first.status.success(), "{}", stderr(&first));
    assert!(clean, "a cached launch used TMPDIR");
    let root = PathBuf::from(&facts(&first)["meipass"]);
    assert!(
        root.starts_with(cache.path().join("pybundle")),
        "{}",
        root.display()
    );
    assert_eq!(facts(&first)["data"], "data file content");
    let inode = fs::metadata(root.join("_pybundle_main/probe.pyc"))
        .unwrap()
        .ino();

    let (second, _) = run_with_cache(cache.path(), &[]);
    assert!(second.status.success(), "{}", stderr(&second));
    assert_eq!(facts(&second)["meipass"], root.to_string_lossy());
    assert_eq!(
        fs::metadata(root.join("_pybundle_main/probe.pyc"))
            .unwrap()
            .ino(),
        inode,
        "unpacked again"
    );
    assert_eq!(cache_entries(cache.path()).len(), 1);

    // PYBUNDLE_RUNTIME_CACHE=0 asks for a temporary unpack instead.
    let (temp, clean) = run_with_cache(cache.path(), &[("PYBUNDLE_RUNTIME_CACHE", "0")]);
    assert!(temp.status.success());
    assert!(!facts(&temp)["meipass"].starts_with(cache.path().to_str().unwrap()));
    assert!(clean);
}

#[needs(root)]
fn a_strict_umask_does_not_defeat_the_cache() {
    // Under umask 077 files would be created without the modes the manifest records, and
    // the cache would never check out; the launcher sets the recorded modes itself.
    let cache = tempfile::tempdir().unwrap();
    let (first, _) = run_with_cache_umask(cache.path(), &[], 0o077);
    assert!(first.status.success(), "{}", stderr(&first));
    let root = PathBuf::from(&facts(&first)["meipass"]);
    let library = fs::read_dir(Root(root.clone()).lib())
        .unwrap()
        .flatten()
        .find(|e| e.file_name().to_string_lossy().starts_with("libpython"))
        .expect("CPython's library is unpacked")
        .path();
    assert_eq!(
        fs::metadata(&library).unwrap().permissions().mode() & 0o777,
        0o755
    );
    let inode = fs::metadata(root.join("_pybundle_main/probe.pyc"))
        .unwrap()
        .ino();
    let (second, _) = run_with_cache_umask(cache.path(), &[], 0o077);
    assert!(second.status.success(), "{}", stderr(&second));
    assert_eq!(
        fs::metadata(root.join("_pybundle_main/probe.pyc"))
            .unwrap()
            .ino(),
        inode,
        "unpacked again under umask 077"
    );
}

#[needs(root)]
fn a_damaged_cache_is_repaired() {
    let cache = tempfile::tempdir().unwrap();
    let (first, _) = run_with_cache(cache.path(), &[]);
    let root = PathBuf::from(&facts(&first)["meipass"]);
    let zip = Root(root.clone()).stdlib_zip();
    let original = fs::read(&zip).unwrap();

    fs::remove_file(root.join("data.txt")).unwrap();
    let (out, _) = run_with_cache(cache.path(), &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(facts(&out)["data"], "data file content");

    // Same size, one byte different.
    let mut altered = original.clone();
    let mid = altered.len() / 2;
    altered[mid] ^= 0xff;
    fs::write(&zip, &altered).unwrap();
    let (out, _) = run_with_cache(cache.path(), &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let repaired_root = PathBuf::from(&facts(&out)["meipass"]);
    assert_eq!(
        fs::read(Root(repaired_root).stdlib_zip()).unwrap(),
        original
    );
    assert_eq!(
        cache_entries(cache.path()).len(),
        1,
        "{:?}",
        cache_entries(cache.path())
    );
}

#[needs(root)]
fn concurrent_first_launches_all_succeed() {
    let cache = tempfile::tempdir().unwrap();
    let outputs: Vec<(Output, bool)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..32)
            .map(|_| scope.spawn(|| run_with_cache(cache.path(), &[])))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for (out, _) in &outputs {
        assert!(out.status.success(), "{}", stderr(out));
        assert_eq!(facts(out)["data"], "data file content");
        let root = PathBuf::from(&facts(out)["meipass"]);
        assert!(root.starts_with(cache.path()), "{}", root.display());
    }
    let entries = cache_entries(cache.path());
    assert_eq!(entries.len(), 1, "leftovers in the cache: {entries:?}");
}

#[needs(root)]
fn an_unwritable_cache_falls_back_to_a_temporary_unpack() {
    let dir = tempfile::tempdir().unwrap();
    let not_a_folder = dir.path().join("file");
    fs::write(&not_a_folder, "x").unwrap();
    let (out, clean) = run_with_cache(&not_a_folder, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(facts(&out)["data"], "data file content");
    assert!(clean, "the temporary unpack was left behind");
}

#[needs(root)]
fn a_first_launch_sweeps_half_filled_cache_folders_of_killed_launchers() {
    let cache = tempfile::tempdir().unwrap();
    let base = cache.path().join("pybundle");
    let dead = base.join(".cached-00ff.2147483647.0123456789abcdef.tmp");
    let live = base.join(".cached-00ff.1.0123456789abcdef.tmp");
    for dir in [&dead, &live] {
        fs::create_dir_all(dir.join("lib")).unwrap();
        fs::write(dir.join("lib/half"), "x").unwrap();
    }
    let (out, _) = run_with_cache(cache.path(), &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!dead.exists(), "a killed launcher's folder stays");
    assert!(
        live.join("lib/half").exists(),
        "a live launcher's folder was swept"
    );
}

/// Build `versions` onefile builds of one app, `-n tidy --runtime-cache`, that differ only in
/// what they print (`v1`, `v2`, ...); each sleeps for as many seconds as its argument says.
fn versions(count: usize) -> (Vec<PathBuf>, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let exes = (1..=count)
        .map(|n| {
            let script = dir.path().join(format!("src{n}")).join("tidy.py");
            fs::create_dir_all(script.parent().unwrap()).unwrap();
            fs::write(
                &script,
                format!(
                    "import sys, time\nprint('v{n}', flush=True)\ntime.sleep(float(sys.argv[1]) if len(sys.argv) > 1 else 0)\n"
                ),
            )
            .unwrap();
            let dist = dir.path().join(format!("dist{n}"));
            build(&script, &dist, &["-F", "--runtime-cache", "-n", "tidy"])
        })
        .collect();
    (exes, dir)
}

fn launch_cached(exe: &Path, cache: &Path, args: &[&str]) -> std::process::Command {
    let args: Vec<&std::ffi::OsStr> = args.iter().map(|a| a.as_ref()).collect();
    let mut cmd = hermetic(exe, &args);
    cmd.env("XDG_CACHE_HOME", cache).stdin(Stdio::null());
    cmd
}

fn run_cached(exe: &Path, cache: &Path) -> String {
    let out = launch_cached(exe, cache, &[]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    stdout(&out)
}

/// The entry a launch added: the one name in `after` that is not in `before`.
fn added(before: &[String], after: &[String]) -> String {
    let new: Vec<&String> = after.iter().filter(|n| !before.contains(n)).collect();
    assert_eq!(new.len(), 1, "{before:?} -> {after:?}");
    new[0].clone()
}

/// The cache stays bounded: a launch removes its app's entries beyond the three most recently
/// used and any entry unused for a month, but never one an app runs from, and nothing not
/// named like an entry.
#[needs(root)]
fn the_cache_drops_old_builds_and_unused_entries_but_never_one_in_use() {
    let (exes, _dir) = versions(5);
    let cache = tempfile::tempdir().unwrap();
    let base = cache.path().join("pybundle");
    fs::create_dir_all(&base).unwrap();
    let month_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(40 * 86_400);
    for name in [format!("other-{:032x}", 7), "not-an-entry".to_string()] {
        fs::create_dir(base.join(&name)).unwrap();
        fs::write(base.join(&name).join("f"), "x").unwrap();
        fs::File::open(base.join(&name))
            .unwrap()
            .set_modified(month_ago)
            .unwrap();
    }
    // v1 keeps running from its entry while newer builds come and go.
    let mut running = launch_cached(&exes[0], cache.path(), &["60"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first_line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(running.stdout.as_mut().unwrap()),
        &mut first_line,
    )
    .unwrap();
    assert_eq!(first_line, "v1\n");
    let mut names = vec![added(
        &["not-an-entry".into(), format!("other-{:032x}", 7)],
        &cache_entries(cache.path()),
    )];
    for (n, exe) in exes.iter().enumerate().skip(1) {
        let before = cache_entries(cache.path());
        assert_eq!(run_cached(exe, cache.path()), format!("v{}\n", n + 1));
        let after = cache_entries(cache.path());
        names.push(added(&before, &after));
    }
    let mut expected = vec![
        names[0].clone(), // in use: kept, though beyond the newest three
        names[2].clone(),
        names[3].clone(),
        names[4].clone(),
        "not-an-entry".to_string(),
    ];
    expected.sort();
    assert_eq!(cache_entries(cache.path()), expected, "entries: {names:?}");
    // Once v1 has ended, the next launch removes it.
    running.kill().unwrap();
    running.wait().unwrap();
    assert_eq!(run_cached(&exes[4], cache.path()), "v5\n");
    let mut expected = vec![
        names[2].clone(),
        names[3].clone(),
        names[4].clone(),
        "not-an-entry".to_string(),
    ];
    expected.sort();
    assert_eq!(cache_entries(cache.path()), expected);
    // pybundle cache: lists what is left, and cleans it.
    let listed = std::process::Command::new(PYBUNDLE)
        .args(["cache", "list"])
        .env("XDG_CACHE_HOME", cache.path())
        .output()
        .unwrap();
    assert!(listed.status.success(), "{}", stderr(&listed));
    assert!(stdout(&listed).contains("3 entries"), "{}", stdout(&listed));
    let cleaned = std::process::Command::new(PYBUNDLE)
        .args(["cache", "clean", "tidy"])
        .env("XDG_CACHE_HOME", cache.path())
        .output()
        .unwrap();
    assert!(
        stdout(&cleaned).contains("removed 3 entries"),
        "{}",
        stdout(&cleaned)
    );
    assert_eq!(cache_entries(cache.path()), ["not-an-entry"]);
}

/// Two builds of one app launched together, over and over, each run their own files.
#[needs(root)]
fn two_versions_launched_together_each_run_their_own() {
    let (exes, _dir) = versions(2);
    let cache = tempfile::tempdir().unwrap();
    let outputs: Vec<(usize, String)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..12)
            .map(|i| {
                let exe = &exes[i % 2];
                let cache = cache.path();
                scope.spawn(move || (i % 2, run_cached(exe, cache)))
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for (version, out) in outputs {
        assert_eq!(out, format!("v{}\n", version + 1));
    }
    assert_eq!(cache_entries(cache.path()).len(), 2);
}

/// A link planted where the cache entry goes (another user's trick to have the launcher write
/// or run files of theirs) is never followed: nothing is written where it points, nothing is
/// run from there, and the app still runs.
#[needs(root)]
fn a_link_planted_as_the_cache_entry_is_not_followed() {
    let cache = tempfile::tempdir().unwrap();
    let (first, _) = run_with_cache(cache.path(), &[]);
    assert!(first.status.success(), "{}", stderr(&first));
    let entries = cache_entries(cache.path());
    assert_eq!(entries.len(), 1, "{entries:?}");
    let entry = cache.path().join("pybundle").join(&entries[0]);
    fs::remove_dir_all(&entry).unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(elsewhere.path(), &entry).unwrap();
    let (out, _) = run_with_cache(cache.path(), &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let ran_from = PathBuf::from(&facts(&out)["meipass"]);
    let real = ran_from.canonicalize().unwrap_or(ran_from);
    assert!(
        !real.starts_with(elsewhere.path()),
        "ran from the link's target"
    );
    assert!(is_empty_dir(elsewhere.path()), "wrote through the link");
}
