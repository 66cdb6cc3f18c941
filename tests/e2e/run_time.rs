//! docs/runtime.md with Python hidden, in both modes: what the app sees, argv byte for byte, exit
//! statuses, signals, isolation from the host's Python, and nothing left behind.

use std::io::{BufRead, BufReader};
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::Stdio;

use crate::harness::*;
use pybundle_e2e_macros::needs;

fn both(check: impl Fn(&Path, bool)) {
    for onefile in [true, false] {
        check(probe(onefile), onefile);
    }
}

#[needs(root)]
fn the_app_sees_a_frozen_bundle() {
    both(|exe, onefile| {
        let (out, clean) = run_hermetic(exe, &["facts"]);
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(
            clean,
            "onefile={onefile}: the unpack folder was left behind"
        );
        let f = facts(&out);
        let root = &f["meipass"];
        assert_eq!(f["frozen"], "True");
        assert_eq!(f["executable"], exe.to_string_lossy());
        assert_eq!(f["argv0"], exe.to_string_lossy());
        assert_eq!(f["file"], format!("{root}/probe.py"));
        assert!(
            f["helper_file"].starts_with(root.as_str()),
            "{}",
            f["helper_file"]
        );
        assert!(
            f["json_from"].starts_with(root.as_str()),
            "{}",
            f["json_from"]
        );
        assert_eq!(f["path_outside_bundle"], "[]");
        assert_eq!(f["data"], "data file content");
        // What helpers of the app's own (multiprocessing) use to find its folder; nothing else.
        assert_eq!(f["private_env"], "['_PYBUNDLE_TREE']");
        // The process is the app's, under the name it was run by, and its prefix the root.
        let name = exe.file_name().unwrap().to_string_lossy();
        assert_eq!(f["comm"], name.chars().take(15).collect::<String>());
        assert_eq!(f["cmdline0"], exe.to_string_lossy());
        assert_eq!(f["prefixes"], format!("['{root}']"));
        assert_eq!(f["stdlib_dirs_exist"], "True");
        assert_eq!(f["ld_library_path"], "None");
        if onefile {
            assert!(!root.ends_with("_internal"));
            assert_eq!(f["root_mode"], "0o700", "the unpack folder is not private");
        } else {
            assert_eq!(Path::new(root), exe.parent().unwrap().join("_internal"));
        }
    });
}

/// `ps`, `pgrep` and `killall` see the name the user ran, a link's own name when it was a link
/// (15 bytes of it, as the kernel keeps), and the command line the user typed.
#[needs(root)]
fn the_app_carries_the_name_it_was_run_by() {
    both(|exe, onefile| {
        let dir = tempfile::tempdir().unwrap();
        let link = dir.path().join("a-rather-long-link-name");
        std::os::unix::fs::symlink(exe, &link).unwrap();
        let (out, clean) = run_hermetic(&link, &["facts"]);
        assert!(out.status.success(), "onefile={onefile}: {}", stderr(&out));
        assert!(clean);
        let f = facts(&out);
        assert_eq!(f["comm"], "a-rather-long-l", "onefile={onefile}");
        assert_eq!(f["cmdline0"], link.to_string_lossy(), "onefile={onefile}");
        assert_eq!(f["executable"], exe.to_string_lossy(), "onefile={onefile}");
    });
}

#[needs(root)]
fn argv_arrives_byte_for_byte() {
    let args: [&[u8]; 6] = [
        b"plain",
        b"with space",
        b"",
        b"\xff\xfe not utf-8",
        b"-I",
        b"caf\xc3\xa9",
    ];
    both(|exe, _| {
        let mut argv = vec![os(b"argv")];
        argv.extend(args.iter().map(|a| os(a)));
        let (out, _) = run_hermetic_os(exe, &argv);
        assert!(out.status.success(), "{}", stderr(&out));
        let expected: Vec<String> = args
            .iter()
            .map(|a| {
                if a.is_empty() {
                    "(empty)".into()
                } else {
                    a.iter().map(|b| format!("{b:02x}")).collect()
                }
            })
            .collect();
        assert_eq!(stdout(&out).lines().collect::<Vec<_>>(), expected);
    });
}

#[needs(root)]
fn exit_status_is_the_apps() {
    both(|exe, onefile| {
        for code in ["0", "3", "255"] {
            let (out, clean) = run_hermetic(exe, &["exit", code]);
            assert_eq!(
                out.status.code(),
                Some(code.parse().unwrap()),
                "onefile={onefile}"
            );
            assert!(clean);
        }
        let (out, clean) = run_hermetic(exe, &["raise"]);
        assert_eq!(out.status.code(), Some(1));
        let err = stderr(&out);
        assert!(err.contains("RuntimeError: boom from the probe"), "{err}");
        assert!(err.contains("probe.py"), "{err}");
        assert!(
            !err.contains("pybundle bootstrap"),
            "bootstrap frame in traceback: {err}"
        );
        assert!(clean);
    });
}

#[needs(root)]
fn an_app_killed_by_a_signal_ends_the_launcher_the_same_way() {
    both(|exe, onefile| {
        for sig in [libc::SIGUSR1, libc::SIGKILL] {
            let (out, clean) = run_hermetic(exe, &["kill", &sig.to_string()]);
            assert_eq!(
                out.status.signal(),
                Some(sig),
                "onefile={onefile}: {:?}",
                out.status
            );
            assert!(
                clean,
                "onefile={onefile}: unpack folder left after signal {sig}"
            );
        }
    });
}

#[needs(root)]
fn forwarded_signals_reach_the_app_and_the_folder_goes() {
    both(|exe, onefile| {
        // Every signal the launcher forwards (stub/src/unix/signals.rs).
        for sig in [
            libc::SIGTERM,
            libc::SIGHUP,
            libc::SIGINT,
            libc::SIGQUIT,
            libc::SIGUSR1,
            libc::SIGUSR2,
            libc::SIGALRM,
        ] {
            let tmp = tempfile::tempdir().unwrap();
            let mut child = hermetic(exe, &["wait-signal".as_ref()])
                .env("TMPDIR", tmp.path())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
            let ready = lines.next().unwrap().unwrap();
            assert!(ready.starts_with("ready "), "{ready}");
            if onefile {
                let unpacked = ready.trim_start_matches("ready ");
                assert!(
                    unpacked.starts_with(tmp.path().to_str().unwrap()),
                    "{unpacked}"
                );
            }
            // SAFETY: plain kill(2) of our own child.
            unsafe { libc::kill(child.id() as i32, sig) };
            let got = lines
                .next()
                .unwrap_or_else(|| {
                    let mut e = String::new();
                    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut e).ok();
                    panic!(
                        "onefile={onefile} sig={sig}: no answer; {:?} {e}",
                        child.wait()
                    )
                })
                .unwrap();
            assert_eq!(got, format!("got signal {sig}"));
            let status = child.wait().unwrap();
            assert_eq!(status.code(), Some(42), "onefile={onefile}");
            assert!(
                is_empty_dir(tmp.path()),
                "onefile={onefile}: folder left after signal {sig}"
            );
        }
    });
}

#[needs(root)]
fn host_python_settings_have_no_effect() {
    let planted = tempfile::tempdir().unwrap();
    std::fs::write(
        planted.path().join("json.py"),
        "raise SystemExit('planted json imported')",
    )
    .unwrap();
    std::fs::write(
        planted.path().join("sitecustomize.py"),
        "raise SystemExit('planted sitecustomize')",
    )
    .unwrap();
    let site = planted.path().join(format!(
        "home/.local/lib/python{}/site-packages",
        python_version()
    ));
    std::fs::create_dir_all(&site).unwrap();
    std::fs::write(
        site.join("evil.pth"),
        "import sys; sys.exit('user site used')",
    )
    .unwrap();
    both(|exe, _| {
        let tmp = tempfile::tempdir().unwrap();
        let out = hermetic(exe, &["facts".as_ref()])
            .env("TMPDIR", tmp.path())
            .env("PYTHONPATH", planted.path())
            .env("PYTHONHOME", "/nonexistent")
            .env("PYTHONSTARTUP", planted.path().join("json.py"))
            .env("PYTHONINSPECT", "1")
            .env("HOME", planted.path().join("home"))
            .env("LD_LIBRARY_PATH", "/custom/lib")
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        let f = facts(&out);
        assert_eq!(f["path_outside_bundle"], "[]");
        assert!(f["json_from"].starts_with(&f["meipass"]));
        assert_eq!(f["isolated"], "1");
        // The app sees (and passes on) the caller's LD_LIBRARY_PATH, not the launcher's.
        assert_eq!(f["ld_library_path"], "/custom/lib");
    });
}

#[needs(root)]
fn children_of_the_app_get_the_callers_environment() {
    both(|exe, _| {
        let (out, _) = run_hermetic(exe, &["child-env"]);
        assert!(out.status.success(), "{}", stderr(&out));
        assert_eq!(stdout(&out).trim(), "child LD_LIBRARY_PATH=unset");
    });
}

/// Run where the original installation is still present: the bundle must load its own
/// libpython and libraries anyway, whatever RPATH the build interpreter carries.
#[test]
fn only_bundled_or_system_libraries_are_loaded() {
    both(|exe, onefile| {
        let mut cmd = std::process::Command::new(exe);
        clean_env(&mut cmd);
        let out = cmd.arg("libraries").output().unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        let text = stdout(&out);
        assert!(text.contains("libpython"), "no libpython mapped: {text}");
        for lib in text.lines() {
            let bundled = if onefile {
                lib.contains("/_pb")
            } else {
                lib.starts_with(exe.parent().unwrap().to_str().unwrap())
            };
            let system = [
                "libc.so",
                "libm.so",
                "ld-linux",
                "libpthread",
                "libdl.so",
                "librt.so",
                "libgcc_s",
                "libstdc++",
                "libcrypt.so",
            ]
            .iter()
            .any(|s| lib.contains(s));
            assert!(
                bundled || system,
                "onefile={onefile}: {lib} came from outside the bundle"
            );
        }
    });
}

#[needs(root)]
fn runtime_tmpdir_is_where_a_onefile_app_unpacks() {
    let dist = tempfile::tempdir().unwrap();
    let unpack = tempfile::tempdir().unwrap();
    let exe = build(
        &fixture("probe").join("probe.py"),
        dist.path(),
        &[
            "-F",
            "--add-data",
            "data.txt:.",
            "--runtime-tmpdir",
            unpack.path().to_str().unwrap(),
        ],
    );
    let (out, _) = run_hermetic(&exe, &["facts"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(facts(&out)["meipass"].starts_with(unpack.path().to_str().unwrap()));
    assert!(is_empty_dir(unpack.path()));
}

/// CVE-2025-59042 in PyInstaller: a `sys.path` entry beside the executable let a planted
/// folder run code. Here, modules, packages and zips planted beside the executable (named like
/// the app's own modules, the stdlib, or the executable itself) are never imported.
#[needs(root)]
fn files_planted_beside_the_executable_are_never_imported() {
    both(|exe, onefile| {
        let beside = tempfile::tempdir().unwrap();
        let (dir, exe) = if onefile {
            let copy = beside.path().join("probe");
            std::fs::copy(exe, &copy).unwrap();
            (beside.path().to_path_buf(), copy)
        } else {
            (exe.parent().unwrap().to_path_buf(), exe.to_path_buf())
        };
        let evil = "raise SystemExit('planted module imported')\n";
        let mut planted = vec![];
        for name in ["json.py", "probe_helper.py", "probe.py", "encodings.py"] {
            planted.push(dir.join(name));
            std::fs::write(dir.join(name), evil).unwrap();
        }
        for pkg in ["json", "probe_helper", "probe.zip", "_pybundle_boot"] {
            let p = dir.join(pkg);
            if !p.exists() {
                std::fs::create_dir(&p).unwrap();
                std::fs::write(p.join("__init__.py"), evil).unwrap();
                planted.push(p);
            }
        }
        // A zip named like the stdlib's and like the executable, holding the same modules.
        for zip_name in ["python311.zip", "base_library.zip", "probe.pyz"] {
            let zip = dir.join(zip_name);
            let status = std::process::Command::new(python())
                .args(["-c", "import sys, zipfile\nwith zipfile.ZipFile(sys.argv[1], 'w') as z:\n    for m in ('json', 'probe_helper', 'os'):\n        z.writestr(m + '.py', sys.argv[2])"])
                .arg(&zip)
                .arg(evil)
                .status()
                .unwrap();
            assert!(status.success());
            planted.push(zip);
        }
        let tmp = tempfile::tempdir().unwrap();
        let out = hermetic(&exe, &["facts".as_ref()])
            .current_dir(&dir)
            .env("TMPDIR", tmp.path())
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert!(out.status.success(), "onefile={onefile}: {}", stderr(&out));
        let f = facts(&out);
        assert_eq!(f["path_outside_bundle"], "[]");
        assert!(f["json_from"].starts_with(&f["meipass"]));
        assert!(f["helper_file"].starts_with(&f["meipass"]));
        for p in planted {
            if p.is_dir() {
                std::fs::remove_dir_all(p).unwrap();
            } else {
                std::fs::remove_file(p).unwrap();
            }
        }
    });
}

/// Start-up modules are pruned to their module-level imports; what the app itself uses keeps
/// the imports its functions make when called.
#[needs(root)]
fn standard_library_functions_that_import_when_called_still_work() {
    let script = fixture("lazy").join("lazy.py");
    let expected = std::process::Command::new(python())
        .arg(&script)
        .output()
        .unwrap();
    assert!(expected.status.success(), "{}", stderr(&expected));
    check_both_modes(
        &script,
        std::path::Path::new(&python()),
        &[],
        &[],
        &stdout(&expected),
    );
}

/// A shell starts background jobs with SIGINT ignored, and `python app.py &` keeps ignoring
/// it; so does a bundled app, in both modes.
#[needs(root)]
fn a_signal_ignored_at_launch_stays_ignored_in_the_app() {
    both(|exe, onefile| {
        for ignore in [false, true] {
            let tmp = tempfile::tempdir().unwrap();
            let mut cmd = hermetic(exe, &["facts".as_ref()]);
            cmd.env("TMPDIR", tmp.path()).stdin(Stdio::null());
            // SAFETY: signal(2) in the child before exec.
            unsafe {
                std::os::unix::process::CommandExt::pre_exec(&mut cmd, move || {
                    let action = if ignore { libc::SIG_IGN } else { libc::SIG_DFL };
                    libc::signal(libc::SIGINT, action);
                    Ok(())
                });
            }
            let out = cmd.output().unwrap();
            assert!(out.status.success(), "{}", stderr(&out));
            let expected = if ignore { "ignored" } else { "handled" };
            assert_eq!(facts(&out)["sigint"], expected, "onefile={onefile}");
        }
    });
}

/// `kill -INT -PGID` with no terminal (a supervisor stopping a job): the app gets one
/// KeyboardInterrupt, not a second one in its cleanup, and ends by SIGINT as under python.
#[needs(root)]
fn a_sigint_to_the_whole_process_group_arrives_once() {
    both(|exe, onefile| {
        let (rest, status, err) = sigint_to_the_group(exe, "interrupt");
        assert_eq!(
            rest,
            ["interrupted", "cleaned up"],
            "onefile={onefile} {status:?}"
        );
        assert_eq!(
            status.signal(),
            Some(libc::SIGINT),
            "onefile={onefile}: {status:?}"
        );
        assert!(
            err.ends_with("KeyboardInterrupt\n"),
            "onefile={onefile}: {err}"
        );
        assert!(
            !err.contains("pybundle bootstrap"),
            "onefile={onefile}: {err}"
        );
        // The same, counted by a handler slow enough that a forwarded copy would run it again.
        let (rest, status, _) = sigint_to_the_group(exe, "count-sigint");
        assert_eq!(rest, ["SIGINT received 1 time(s)"], "onefile={onefile}");
        assert!(status.success(), "onefile={onefile}: {status:?}");
    });
}

/// Run `exe MODE` in a session with no terminal, send SIGINT to its process group once it is
/// ready, and return what it printed after that, how it ended, and its stderr; its folder must
/// go.
fn sigint_to_the_group(exe: &Path, mode: &str) -> (Vec<String>, std::process::ExitStatus, String) {
    {
        let tmp = tempfile::tempdir().unwrap();
        let errors = tempfile::NamedTempFile::new().unwrap();
        let mut cmd = hermetic(exe, &[mode.as_ref()]);
        cmd.env("TMPDIR", tmp.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(errors.reopen().unwrap()));
        // SAFETY: setsid(2) in the child before exec: a session with no terminal, whose
        // process group is the launcher's own.
        unsafe {
            std::os::unix::process::CommandExt::pre_exec(&mut cmd, || {
                libc::setsid();
                libc::signal(libc::SIGINT, libc::SIG_DFL);
                Ok(())
            });
        }
        let mut child = cmd.spawn().unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        assert_eq!(lines.next().unwrap().unwrap(), "ready", "{mode}");
        // SAFETY: kill(2) of the process group our child leads.
        unsafe { libc::kill(-(child.id() as i32), libc::SIGINT) };
        let rest: Vec<String> = lines.map_while(Result::ok).collect();
        let status = child.wait().unwrap();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while !is_empty_dir(tmp.path()) && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        assert!(is_empty_dir(tmp.path()), "{mode}: folder left");
        let err = std::fs::read_to_string(errors.path()).unwrap();
        (rest, status, err)
    }
}

/// Ctrl-C typed at a terminal: the kernel sends SIGINT to the whole foreground process group,
/// app included (it stays in the launcher's group when there is a terminal), and the launcher
/// must not pass its own copy on (the `SI_KERNEL` case of stub/src/unix/signals.rs). Run on
/// a pseudo-terminal of the test's own, as a shell would, with `^C` typed into it.
#[needs(root)]
fn ctrl_c_typed_at_a_terminal_arrives_once() {
    both(|exe, onefile| {
        let (said, status) = ctrl_c_at_a_terminal(exe, "count-sigint");
        assert!(
            said.contains("SIGINT received 1 time(s)"),
            "onefile={onefile}: {said:?}"
        );
        assert!(status.success(), "onefile={onefile}: {status:?} {said:?}");
        let (said, status) = ctrl_c_at_a_terminal(exe, "interrupt");
        assert!(
            said.contains("interrupted\r\ncleaned up") && !said.contains("again"),
            "onefile={onefile}: {said:?}"
        );
        assert_eq!(status.signal(), Some(libc::SIGINT), "onefile={onefile}");
    });
}

/// Run `exe MODE` as the session leader of a new pseudo-terminal, type Ctrl-C into it once
/// it is ready; everything it wrote to the terminal, and how it ended.
fn ctrl_c_at_a_terminal(exe: &Path, mode: &str) -> (String, std::process::ExitStatus) {
    use std::io::{Read, Write};
    use std::os::fd::{FromRawFd, OwnedFd};
    let (mut master, slave) = {
        let (mut m, mut s) = (0, 0);
        // SAFETY: openpty fills the two descriptors it is given, which we then own.
        let rc = unsafe {
            libc::openpty(
                &mut m,
                &mut s,
                std::ptr::null_mut(),
                std::ptr::null_mut(),
                std::ptr::null_mut(),
            )
        };
        assert_eq!(rc, 0, "openpty: {}", std::io::Error::last_os_error());
        // SAFETY: both are open descriptors nothing else owns.
        unsafe { (std::fs::File::from_raw_fd(m), OwnedFd::from_raw_fd(s)) }
    };
    let tmp = tempfile::tempdir().unwrap();
    let mut cmd = hermetic(exe, &[mode.as_ref()]);
    cmd.env("TMPDIR", tmp.path())
        .stdin(Stdio::from(slave.try_clone().unwrap()))
        .stdout(Stdio::from(slave.try_clone().unwrap()))
        .stderr(Stdio::from(slave));
    // SAFETY: setsid(2) and ioctl(TIOCSCTTY) in the child before exec: a new session whose
    // controlling terminal is the pty (its standard input), as a login shell's.
    unsafe {
        std::os::unix::process::CommandExt::pre_exec(&mut cmd, || {
            libc::setsid();
            if libc::ioctl(0, libc::TIOCSCTTY as _, 0) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            libc::signal(libc::SIGINT, libc::SIG_DFL);
            Ok(())
        });
    }
    let mut child = cmd.spawn().unwrap();
    drop(cmd);
    let mut said = String::new();
    let mut buf = [0u8; 4096];
    while !said.contains("ready\r\n") {
        let n = master.read(&mut buf).unwrap_or(0);
        assert!(n > 0, "{mode}: the terminal closed before ready: {said:?}");
        said.push_str(&String::from_utf8_lossy(&buf[..n]));
    }
    master.write_all(b"\x03").unwrap();
    // Until the program ends: reading a pseudo-terminal whose other end is closed fails (EIO).
    while let Ok(n) = master.read(&mut buf) {
        if n == 0 {
            break;
        }
        said.push_str(&String::from_utf8_lossy(&buf[..n]));
    }
    let status = child.wait().unwrap();
    assert!(is_empty_dir(tmp.path()), "{mode}: folder left");
    (said, status)
}

/// The app works in the folder it was started from, not the bundle's (docs/runtime.md).
#[needs(root)]
fn the_working_folder_is_the_callers() {
    both(|exe, onefile| {
        let caller = tempfile::tempdir().unwrap();
        let tmp = tempfile::tempdir().unwrap();
        let out = hermetic(exe, &["facts".as_ref()])
            .current_dir(caller.path())
            .env("TMPDIR", tmp.path())
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        assert_eq!(
            facts(&out)["cwd"],
            caller.path().to_string_lossy(),
            "onefile={onefile}"
        );
    });
}
