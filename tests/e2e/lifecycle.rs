//! The life of a onefile launch beyond the happy path: a launcher killed outright takes its
//! app down and its folder is swept by a later launch (and nothing else is), and many
//! simultaneous launches of one executable all work; where the root sits. Signal forwarding and exit statuses are
//! in `run_time.rs`; the cached mode's own concurrency in `cache.rs`.

use std::io::{BufRead, BufReader};
use std::os::unix::fs::symlink;
use std::path::Path;
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

use crate::harness::*;
use pybundle_e2e_macros::needs;

fn process_gone(pid: i32, within: Duration) -> bool {
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        // A zombie still has a /proc entry; its state letter is Z until init reaps it.
        match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
            Err(_) => return true,
            Ok(stat)
                if stat
                    .rsplit(')')
                    .next()
                    .is_some_and(|s| s.trim_start().starts_with('Z')) =>
            {
                return true
            }
            Ok(_) => std::thread::sleep(Duration::from_millis(20)),
        }
    }
    false
}

fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[needs(root)]
fn a_killed_launcher_takes_its_app_down_and_a_later_launch_sweeps_its_folder() {
    let exe = probe(true);
    let tmp = tempfile::tempdir().unwrap();
    let mut launcher = hermetic(exe, &["sleep".as_ref()])
        .env("TMPDIR", tmp.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(launcher.stdout.take().unwrap()).lines();
    let ready = lines.next().unwrap().unwrap();
    let mut words = ready.split(' ').skip(1);
    let (folder, app_pid) = (words.next().unwrap().to_string(), words.next().unwrap());
    let app_pid: i32 = app_pid.parse().unwrap();

    launcher.kill().unwrap(); // SIGKILL: the launcher gets no chance to clean up.
    launcher.wait().unwrap();
    assert!(
        process_gone(app_pid, Duration::from_secs(5)),
        "the app outlived its launcher"
    );
    assert!(Path::new(&folder).is_dir(), "nothing was left to sweep");

    // Beside it, folders that must survive a sweep: one of a live launcher (pid 1 is always
    // alive), one owned by another user, and a link named like a leftover that points out.
    let live = tmp.path().join("_pb1_00000000000000aa");
    let foreign = tmp.path().join("_pb2147483646_00000000000000bb");
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("keep"), "x").unwrap();
    let link = tmp.path().join("_pb2147483645_00000000000000cc");
    for dir in [&live, &foreign] {
        std::fs::create_dir(dir).unwrap();
        std::fs::write(dir.join("file"), "x").unwrap();
    }
    std::os::unix::fs::chown(&foreign, Some(65534), Some(65534)).unwrap();
    symlink(outside.path(), &link).unwrap();

    let out = hermetic(exe, &["exit".as_ref(), "0".as_ref()])
        .env("TMPDIR", tmp.path())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        !Path::new(&folder).exists(),
        "the abandoned folder is still there"
    );
    assert_eq!(
        entries(tmp.path()),
        [
            "_pb1_00000000000000aa",
            "_pb2147483645_00000000000000cc",
            "_pb2147483646_00000000000000bb"
        ]
    );
    assert!(outside.path().join("keep").exists(), "a link was followed");
    assert!(foreign.join("file").exists() && live.join("file").exists());
}

/// ext4's "top of a hierarchy" inode flag (`chattr +T`).
const FS_TOPDIR_FL: libc::c_long = 0x0002_0000;

/// The inode flags of a folder (`lsattr -d`), or `None` where the file system has none (and
/// off Linux, which has no such flags).
#[cfg(not(target_os = "linux"))]
fn inode_flags(_dir: &Path) -> Option<libc::c_long> {
    None
}

/// The inode flags of a folder (`lsattr -d`), or `None` where the file system has none.
#[cfg(target_os = "linux")]
fn inode_flags(dir: &Path) -> Option<libc::c_long> {
    use std::os::fd::AsRawFd;
    let file = std::fs::File::open(dir).unwrap();
    let mut flags: libc::c_long = 0;
    // SAFETY: FS_IOC_GETFLAGS writes one int into a live c_long.
    let ok = unsafe { libc::ioctl(file.as_raw_fd(), libc::FS_IOC_GETFLAGS, &mut flags) } == 0;
    ok.then_some(flags)
}

/// The root (`sys._MEIPASS`) is the only thing in a private `_pb<pid>_<hex>` folder under
/// $TMPDIR, and on ext4 that folder is marked the top of a hierarchy, so each launch's files
/// land away from the inodes earlier launches freed (the stub's `unix::unpack_dir`).
#[needs(root)]
fn a_onefile_root_sits_alone_in_a_private_folder_that_spreads_its_files() {
    use std::os::unix::fs::PermissionsExt;
    let exe = probe(true);
    let tmp = tempfile::tempdir().unwrap();
    let mut launcher = hermetic(exe, &["wait-signal".as_ref()])
        .env("TMPDIR", tmp.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let ready = BufReader::new(launcher.stdout.take().unwrap())
        .lines()
        .next()
        .unwrap()
        .unwrap();
    let root = Path::new(ready.trim_start_matches("ready ")).to_path_buf();
    let folder = root.parent().unwrap();
    let name = folder.file_name().unwrap().to_str().unwrap();
    let (pid, hex) = name
        .strip_prefix("_pb")
        .and_then(|rest| rest.split_once('_'))
        .unwrap_or_else(|| panic!("not an unpack folder: {name}"));
    assert!(
        pid.bytes().all(|b| b.is_ascii_digit()) && hex.len() == 16,
        "{name}"
    );
    assert_eq!(folder.parent().unwrap(), tmp.path());
    assert_eq!(
        entries(folder),
        [root.file_name().unwrap().to_str().unwrap()]
    );
    for dir in [folder, &root] {
        let mode = std::fs::metadata(dir).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700, "{}", dir.display());
    }
    // SAFETY: statfs fills the struct it is given.
    let on_ext4 = unsafe {
        let mut info: libc::statfs = std::mem::zeroed();
        let path = std::ffi::CString::new(tmp.path().to_str().unwrap()).unwrap();
        libc::statfs(path.as_ptr(), &mut info) == 0 && info.f_type == 0xEF53
    };
    // The flag is ext4's, as this machine's (and CI's) temporary folders are: not being on
    // ext4 here fails rather than skips the check.
    assert!(
        on_ext4,
        "this test needs its TMPDIR on ext4, where FS_TOPDIR_FL exists"
    );
    let flags = inode_flags(folder).expect("ext4 has inode flags");
    assert_ne!(flags & FS_TOPDIR_FL, 0, "no TOPDIR flag on {name}");
    // SAFETY: plain kill(2) of our own child.
    unsafe { libc::kill(launcher.id() as i32, libc::SIGTERM) };
    launcher.wait().unwrap();
    assert!(is_empty_dir(tmp.path()), "left: {:?}", entries(tmp.path()));
}

#[needs(root)]
fn thirty_two_simultaneous_launches_all_succeed() {
    let exe = probe(true);
    let tmp = tempfile::tempdir().unwrap();
    let outputs: Vec<Output> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..32)
            .map(|i| {
                let tmp = tmp.path();
                scope.spawn(move || {
                    hermetic(exe, &["argv".as_ref(), format!("launch {i}").as_ref()])
                        .env("TMPDIR", tmp)
                        .stdin(Stdio::null())
                        .output()
                        .unwrap()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for (i, out) in outputs.iter().enumerate() {
        assert!(out.status.success(), "launch {i}: {}", stderr(out));
        let expected: String = format!("launch {i}")
            .bytes()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(stdout(out).trim(), expected, "launch {i}");
    }
    assert!(is_empty_dir(tmp.path()), "left: {:?}", entries(tmp.path()));
}
