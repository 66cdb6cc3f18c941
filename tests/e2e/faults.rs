//! Resource faults. At launch: the unpack folder's file system is full, read-only or mounted
//! `noexec`; each ends in one line that names the way out (`PYBUNDLE_RUNTIME_TMPDIR` at run
//! time, `--runtime-tmpdir` at build time), the launcher's failure status, and nothing left
//! behind. At build time: the output's or the work folder's disk is full; one line naming the
//! option that moves it, and nothing in DIST. Each case runs in its own mount namespace, on a
//! small tmpfs made for it.

use std::path::Path;
use std::process::{Output, Stdio};

use crate::harness::*;
use pybundle_e2e_macros::needs;

/// Run the onefile probe with `$TMPDIR` on a fresh tmpfs mounted with `options`; returns the
/// launcher's output and how many entries it left on that tmpfs.
fn run_on_tmpfs(options: &str) -> (std::process::Output, usize) {
    let exe = probe(true);
    let mount_point = tempfile::tempdir().unwrap();
    let script = format!(
        "mount -t tmpfs -o {options} pybundle-fault \"$1\" || exit 98\n\
         shift\n\
         TMPDIR=\"$0\" \"$@\"\n\
         status=$?\n\
         echo \"left=$(ls -A \"$0\" | wc -l)\"\n\
         exit $status\n"
    );
    let out = hermetic(
        "/bin/sh".as_ref(),
        &[
            "-c".as_ref(),
            script.as_ref(),
            mount_point.path().as_os_str(),
            mount_point.path().as_os_str(),
            exe.as_os_str(),
            "facts".as_ref(),
        ],
    )
    .stdin(Stdio::null())
    .output()
    .unwrap();
    let out = mounted(out);
    let text = stdout(&out);
    let left = text
        .lines()
        .find_map(|l| l.strip_prefix("left="))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no count in {text:?}"));
    (out, left)
}

fn assert_one_helpful_line(out: &std::process::Output, what: &str) {
    assert_eq!(out.status.code(), Some(255), "{what}: {:?}", out.status);
    let err = stderr(out);
    assert_eq!(err.trim_end().lines().count(), 1, "{what}: {err}");
    for hint in ["PYBUNDLE_RUNTIME_TMPDIR", "--runtime-tmpdir"] {
        assert!(err.contains(hint), "{what}: no {hint} in {err}");
    }
    assert!(!stdout(out).contains("frozen="), "{what}: the app ran");
}

#[needs(root)]
fn a_full_disk_while_unpacking() {
    let (out, left) = run_on_tmpfs("size=2m,mode=1777");
    assert_one_helpful_line(&out, "full disk");
    assert!(stderr(&out).contains("No space left"), "{}", stderr(&out));
    assert_eq!(left, 0, "a half-unpacked folder was left");
}

#[needs(root)]
fn a_read_only_tmpdir() {
    let (out, left) = run_on_tmpfs("ro,size=1m");
    assert_one_helpful_line(&out, "read-only");
    assert!(stderr(&out).contains("Read-only"), "{}", stderr(&out));
    assert_eq!(left, 0);
}

#[needs(root)]
fn a_noexec_tmpdir() {
    let (out, left) = run_on_tmpfs("noexec,size=256m,mode=1777");
    assert_one_helpful_line(&out, "noexec");
    assert!(stderr(&out).contains("noexec"), "{}", stderr(&out));
    assert_eq!(left, 0, "the unpacked folder was left");
}

/// Build hello onefile with `--distpath dist` and `--workpath work` while a tmpfs mounted
/// with `options` lies over `fault` (in a private mount namespace); the output, and after it
/// a line `left=N` counting what `dist` holds.
fn build_over_tmpfs(options: &str, fault: &Path, dist: &Path, work: &Path) -> Output {
    let script = format!(
        "mount -t tmpfs -o {options} pybundle-fault \"$0\" || exit 98\n\
         \"$@\"\n\
         status=$?\n\
         echo \"left=$(ls -A \"$DIST\" 2>/dev/null | wc -l)\"\n\
         exit $status\n"
    );
    let out = std::process::Command::new("unshare")
        .args(["--mount", "--propagation", "private", "/bin/sh", "-c"])
        .arg(script)
        .arg(fault)
        .arg(PYBUNDLE)
        .arg("build")
        .arg(repo().join("examples/hello/hello.py"))
        .arg("-F")
        .arg("--python")
        .arg(python())
        .arg("--distpath")
        .arg(dist)
        .arg("--workpath")
        .arg(work)
        .args(["-y", "-q", "--clean", "--compression-level", "1"])
        .env("DIST", dist)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    mounted(out)
}

/// `out`, once sure the fault's tmpfs was mounted (the scripts exit 98 when it was not).
fn mounted(out: Output) -> Output {
    assert_ne!(
        out.status.code(),
        Some(98),
        "tmpfs not mounted: {}",
        stderr(&out)
    );
    out
}

#[needs(root)]
fn a_full_disk_while_building() {
    for option in ["--distpath", "--workpath"] {
        let full = tempfile::tempdir().unwrap();
        let roomy = tempfile::tempdir().unwrap();
        let (dist, work) = if option == "--distpath" {
            (full.path().join("dist"), roomy.path().join("work"))
        } else {
            (roomy.path().join("dist"), full.path().join("work"))
        };
        let out = build_over_tmpfs("size=2m", full.path(), &dist, &work);
        assert_eq!(out.status.code(), Some(1), "{option}: {}", stderr(&out));
        let err = stderr(&out);
        assert_eq!(err.trim_end().lines().count(), 1, "{option}: {err}");
        assert!(err.contains("No space left"), "{option}: {err}");
        assert!(err.contains(option), "{option}: {err}");
        assert!(
            stdout(&out).contains("left=0"),
            "{option}: {}",
            stdout(&out)
        );
    }
}

/// A rebuild that fills the disk while writing (the old output, 4.6 MB, fits; it and the new
/// one, 6 MB bigger, do not): the build fails with one line, the previous output is the same
/// bytes as before, and nothing else is left beside it.
#[needs(root)]
fn a_rebuild_that_fills_the_disk_leaves_the_previous_output_whole() {
    let full = tempfile::tempdir().unwrap();
    let roomy = tempfile::tempdir().unwrap();
    let dist = full.path().join("dist");
    let work = roomy.path().join("work");
    let big = roomy.path().join("big.bin");
    // Random bytes: compression cannot shrink them into the room left.
    let mut bytes = vec![0u8; 6 << 20];
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    for b in bytes.iter_mut() {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        *b = x as u8;
    }
    std::fs::write(&big, &bytes).unwrap();
    let saved = roomy.path().join("before");
    let script = "mount -t tmpfs -o size=8m pybundle-fault \"$0\" || exit 98\n\
         \"$@\" || exit 97\n\
         cp \"$DIST/hello\" \"$SAVED\"\n\
         \"$@\" --add-data \"$BIG:.\"\n\
         status=$?\n\
         echo \"left=$(ls -A \"$DIST\" | tr '\\n' ' ')\"\n\
         cmp -s \"$DIST/hello\" \"$SAVED\" && echo intact\n\
         exit $status\n";
    let out = std::process::Command::new("unshare")
        .args([
            "--mount",
            "--propagation",
            "private",
            "/bin/sh",
            "-c",
            script,
        ])
        .arg(full.path())
        .arg(PYBUNDLE)
        .arg("build")
        .arg(repo().join("examples/hello/hello.py"))
        .arg("-F")
        .arg("--python")
        .arg(python())
        .arg("--distpath")
        .arg(&dist)
        .arg("--workpath")
        .arg(&work)
        .args(["-y", "-q", "--compression-level", "1"])
        .env("DIST", &dist)
        .env("SAVED", &saved)
        .env("BIG", &big)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let out = mounted(out);
    assert_ne!(
        out.status.code(),
        Some(97),
        "the first build did not fit: {}",
        stderr(&out)
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(err.contains("No space left"), "{err}");
    let said = stdout(&out);
    assert!(said.contains("left=hello \n"), "{said}");
    assert!(said.contains("intact"), "{said}");
}

/// A --distpath on a read-only file system is told as such, not as a full disk.
#[needs(root)]
fn a_read_only_distpath() {
    let ro = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    let out = build_over_tmpfs(
        "ro,size=1m",
        ro.path(),
        &ro.path().join("dist"),
        work.path(),
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(
        err.contains("read-only") && err.contains("--distpath"),
        "{err}"
    );
    assert!(!err.contains("make room"), "{err}");
}
