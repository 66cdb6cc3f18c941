//! A damaged, truncated or extended executable refuses to start with one clear line, runs
//! nothing and unpacks nothing (docs/runtime.md, "Damage").

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

use crate::harness::*;

fn run_copy(bytes: &[u8]) -> (std::process::Output, bool) {
    let dir = tempfile::tempdir().unwrap();
    let exe = dir.path().join("damaged");
    fs::write(&exe, bytes).unwrap();
    fs::set_permissions(&exe, fs::Permissions::from_mode(0o755)).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    // Another test thread may fork while our write handle is open; its child holds the handle
    // until it execs, and running the file meanwhile fails with ETXTBSY. Wait that out.
    let mut attempts = 0;
    let out = loop {
        match Command::new(&exe)
            .arg("facts")
            .env("TMPDIR", tmp.path())
            .output()
        {
            Err(e) if e.kind() == std::io::ErrorKind::ExecutableFileBusy && attempts < 100 => {
                attempts += 1;
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            other => break other.unwrap(),
        }
    };
    (out, is_empty_dir(tmp.path()))
}

fn assert_refused(out: &std::process::Output, clean: bool, what: &str) {
    assert_eq!(
        out.status.code(),
        Some(255),
        "{what}: {:?} {}",
        out.status,
        stderr(out)
    );
    assert!(
        out.stdout.is_empty(),
        "{what}: the app ran: {}",
        stdout(out)
    );
    let err = stderr(out);
    assert_eq!(err.lines().count(), 1, "{what}: not one line: {err}");
    assert!(err.contains("cannot start because"), "{what}: {err}");
    assert!(
        err.contains("rebuild it or download it again"),
        "{what}: {err}"
    );
    assert!(clean, "{what}: something was unpacked");
}

fn onefile_bytes() -> Vec<u8> {
    fs::read(probe(true)).unwrap()
}

/// Where the stub ends and the archive starts (the trailer's first field).
fn archive_offset(bytes: &[u8]) -> usize {
    let t = &bytes[bytes.len() - 64..];
    u64::from_le_bytes(t[..8].try_into().unwrap()) as usize
}

#[test]
fn a_flipped_byte_anywhere_in_the_archive_is_refused() {
    let bytes = onefile_bytes();
    let start = archive_offset(&bytes);
    let len = bytes.len();
    let offsets = [
        start,
        start + 1,
        start + (len - start) / 3,
        start + (len - start) / 2,
        len - 2000,
        len - 100,
        len - 64,
        len - 40,
        len - 9,
        len - 1,
    ];
    for at in offsets {
        let mut bad = bytes.clone();
        bad[at] ^= 0x01;
        let (out, clean) = run_copy(&bad);
        assert_refused(&out, clean, &format!("flip at {at} of {len}"));
    }
}

#[test]
fn a_truncated_or_extended_file_is_refused() {
    let bytes = onefile_bytes();
    let start = archive_offset(&bytes);
    let len = bytes.len();
    let mut cuts: Vec<usize> = (1..16).map(|i| start + (len - start) * i / 16).collect();
    cuts.extend([
        start + 1,
        start + 10,
        len - 65,
        len - 64,
        len - 63,
        len - 32,
        len - 1,
    ]);
    for cut in cuts {
        let (out, clean) = run_copy(&bytes[..cut]);
        assert_refused(&out, clean, &format!("cut at {cut}"));
    }
    let mut longer = bytes.clone();
    longer.extend_from_slice(b"appended by someone");
    let (out, clean) = run_copy(&longer);
    assert_refused(&out, clean, "appended bytes");
    let (out, clean) = run_copy(&bytes[..start]);
    assert_refused(&out, clean, "the stub alone");
}

#[test]
fn verify_tells_intact_from_damaged() {
    let exe = probe(true);
    let ok = Command::new(PYBUNDLE)
        .arg("verify")
        .arg(exe)
        .output()
        .unwrap();
    assert_eq!(ok.status.code(), Some(0), "{}", stdout(&ok));
    assert!(stdout(&ok).contains("intact"));

    let dir = tempfile::tempdir().unwrap();
    let mut bytes = onefile_bytes();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0xff;
    let bad = dir.path().join("bad");
    fs::write(&bad, bytes).unwrap();
    let out = Command::new(PYBUNDLE)
        .arg("verify")
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.starts_with("error: ") && err.contains("checksum"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
    let _ = Path::new("");
}

/// A onedir folder records what it holds: `verify` names each file missing, changed or added
/// and exits 1, whatever the folder was renamed to; `inspect` lists the files.
#[test]
fn verify_checks_every_file_of_a_onedir_folder_under_any_name() {
    let dist = tempfile::tempdir().unwrap();
    let script = crate::harness::fixture("probe").join("probe.py");
    build(&script, dist.path(), &["-D", "--add-data", "data.txt:."]);
    let folder = dist.path().join("renamed");
    fs::rename(dist.path().join("probe"), &folder).unwrap();
    let verify = |path: &Path| {
        Command::new(PYBUNDLE)
            .arg("verify")
            .arg(path)
            .output()
            .unwrap()
    };
    let ok = verify(&folder);
    assert_eq!(ok.status.code(), Some(0), "{}", stderr(&ok));
    assert!(stdout(&ok).contains("intact"), "{}", stdout(&ok));
    let inspect = Command::new(PYBUNDLE)
        .arg("inspect")
        .arg(&folder)
        .output()
        .unwrap();
    assert!(inspect.status.success(), "{}", stderr(&inspect));
    assert!(
        stdout(&inspect).contains("  _pybundle_main/probe.pyc\n"),
        "{}",
        stdout(&inspect)
    );

    let root = Root(folder.join("_internal"));
    let library = fs::read_dir(root.dynload())
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|e| e == "so"))
        .expect("an extension module");
    fs::remove_file(&library).unwrap();
    let pyc = root.0.join("_pybundle_main/probe.pyc");
    let size = fs::metadata(&pyc).unwrap().len() as usize;
    fs::write(&pyc, vec![0u8; size]).unwrap();
    fs::write(root.0.join("stray.txt"), "x").unwrap();
    let bad = verify(&folder);
    assert_eq!(bad.status.code(), Some(1));
    let err = stderr(&bad);
    let rel = library
        .strip_prefix(&root.0)
        .unwrap()
        .to_string_lossy()
        .into_owned();
    assert!(err.contains(&format!("{rel} is missing")), "{err}");
    assert!(
        err.contains("_pybundle_main/probe.pyc changed: it has other content"),
        "{err}"
    );
    assert!(err.contains("stray.txt was not in the bundle"), "{err}");
    assert!(err.lines().all(|l| l.starts_with("error: ")), "{err}");
}

/// `pybundle inspect ... | head`: a reader that goes away ends the command quietly.
#[test]
fn inspect_into_a_closed_pipe_ends_quietly() {
    let mut child = Command::new(PYBUNDLE)
        .arg("inspect")
        .arg(probe(true))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{:?}: {}", out.status, stderr(&out));
    assert_eq!(stderr(&out), "");
}
