//! CPython 3.14 and 3.15 as people run them now: Debian unstable's builds, which need a newer
//! glibc than this Debian 12 machine's. They live in a root made once by `tools/sid-root`
//! under the target folder; bundles of them are built (by the pybundle under test) and run
//! inside it with `chroot`, in a private mount namespace that shows the work tree, `/tmp` and
//! `/dev` at their own paths inside, and, for a run, hides every Python of the root as
//! [`crate::harness::hermetic`] does on the machine.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

use crate::harness::*;

/// The Debian unstable root.
pub struct Sid {
    pub root: PathBuf,
}

/// The root, made on first use (about a minute; `tools/sid-root`).
pub fn sid() -> &'static Sid {
    static SID: OnceLock<Sid> = OnceLock::new();
    SID.get_or_init(|| {
        let root = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("sid-root");
        run_tool(
            "sid-root",
            &[root.as_os_str()],
            &[],
            " (needs root and debootstrap, which .ci/run installs)",
        );
        Sid { root }
    })
}

/// What a command inside the root may see of its Pythons.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Pythons {
    Shown,
    /// Every Python of the root hidden and checked gone, and the test virtualenvs too.
    Hidden,
}

fn quote(path: &Path) -> String {
    format!("'{}'", path.to_string_lossy().replace('\'', "'\\''"))
}

/// The root's test virtualenvs, hidden with its Pythons.
fn venvs() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("sid-venvs")
}

impl Sid {
    /// `program args...` inside the root. Paths of the work tree, the target folder and the
    /// temporary folder are the same inside as outside.
    pub fn command(&self, program: &Path, args: &[&OsStr], pythons: Pythons) -> Command {
        assert!(
            is_root(),
            "the CPython 3.14/3.15 tests run bundles in a chroot, which needs root (run the tests as root, as CI does)"
        );
        let r = &self.root;
        let mut shown: Vec<PathBuf> = vec![repo(), std::env::temp_dir()];
        for extra in [
            PathBuf::from(env!("CARGO_TARGET_TMPDIR")),
            PathBuf::from(PYBUNDLE),
        ] {
            if !shown.iter().any(|s| extra.starts_with(s)) {
                shown.push(extra.parent().map(Path::to_path_buf).unwrap_or(extra));
            }
        }
        let mut script = format!(
            "set -e\nR={}\nmount -t proc proc \"$R/proc\"\nmount --rbind /dev \"$R/dev\"\n",
            quote(r)
        );
        for dir in &shown {
            script.push_str(&format!(
                "mkdir -p \"$R\"{q}\nmount --bind {q} \"$R\"{q}\n",
                q = quote(dir)
            ));
        }
        if pythons == Pythons::Hidden {
            std::fs::create_dir_all(venvs()).expect("venvs folder");
            let mut dirs = vec![venvs()];
            let mut files = vec![];
            for pattern in [
                "usr/lib/python3*",
                "usr/local/lib/python3*",
                "usr/share/tcltk",
                "usr/lib/x86_64-linux-gnu/libpython*",
                "usr/bin/python*",
            ] {
                for entry in glob::glob(&r.join(pattern).to_string_lossy())
                    .unwrap()
                    .flatten()
                {
                    if entry.is_symlink() {
                        continue; // hidden through what it points to
                    }
                    let inside = Path::new("/").join(entry.strip_prefix(r).unwrap());
                    if entry.is_dir() {
                        dirs.push(inside);
                    } else {
                        files.push(inside);
                    }
                }
            }
            for dir in dirs {
                script.push_str(&format!(
                    "mount -t tmpfs -o size=64k,mode=755 pybundle-hidden \"$R\"{}\n",
                    quote(&dir)
                ));
            }
            for file in files {
                script.push_str(&format!("mount --bind /dev/null \"$R\"{}\n", quote(&file)));
            }
            script.push_str(
                "for p in python3 python3.14 python3.15; do\n\
                 if chroot \"$R\" /bin/sh -c \"command -v $p && $p -c pass\" >/dev/null 2>&1; then\n\
                 echo \"pybundle test: $p is still reachable in the root\" >&2; exit 99; fi\n\
                 done\n",
            );
        }
        // chroot starts in the root's `/`: go back to the folder the command was given.
        script.push_str(
            "exec chroot \"$R\" /bin/sh -c 'cd \"$0\" 2>/dev/null || cd /; exec \"$@\"' \"$PWD\" \"$@\"\n",
        );
        let mut cmd = Command::new("unshare");
        cmd.args(["--mount", "--propagation", "private", "/bin/sh", "-c"])
            .arg(script)
            .arg("sh")
            .arg(program)
            .args(args)
            .env_clear()
            .env(
                "PATH",
                "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            )
            .env("HOME", "/root")
            .env("LANG", "C.UTF-8");
        default_signals(&mut cmd);
        cmd
    }

    /// `python3.X` of the root.
    pub fn python(&self, minor: &str) -> PathBuf {
        PathBuf::from(format!("/usr/bin/python{minor}"))
    }

    /// A virtualenv of the root's `python3.X` with `packages` from PyPI, made once and kept;
    /// its interpreter.
    pub fn venv(&self, minor: &str, packages: &[&str]) -> PathBuf {
        static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
        let _guard = LOCK.lock().unwrap_or_else(|e| e.into_inner());
        let key = format!(
            "{minor}+{}",
            packages.join("+").replace(['=', '<', '>'], "_")
        );
        let dir = venvs().join(&key);
        let python = dir.join("bin/python");
        // Its python links to the root's, which is not at that path out here.
        if dir.join("pyvenv.cfg").is_file() {
            return python;
        }
        let tmp = venvs().join(format!("{key}.tmp"));
        let _ = std::fs::remove_dir_all(&tmp);
        std::fs::create_dir_all(venvs()).expect("venvs folder");
        let made = self
            .command(
                &self.python(minor),
                &["-m".as_ref(), "venv".as_ref(), tmp.as_os_str()],
                Pythons::Shown,
            )
            .output()
            .unwrap();
        assert!(made.status.success(), "venv: {}", stderr(&made));
        if !packages.is_empty() {
            let mut args: Vec<&OsStr> = ["install", "--quiet", "--disable-pip-version-check"]
                .iter()
                .map(OsStr::new)
                .collect();
            args.extend(packages.iter().map(OsStr::new));
            let pip = self
                .command(&tmp.join("bin/pip"), &args, Pythons::Shown)
                .output()
                .unwrap();
            assert!(
                pip.status.success(),
                "pip install {packages:?}: {}",
                stderr(&pip)
            );
        }
        // Renamed whole once complete: its interpreter finds its packages from where it is
        // (pip's scripts, which name the folder they were made in, are not used after).
        std::fs::rename(&tmp, &dir).expect("venv moved into place");
        python
    }

    /// `pybundle build script --distpath dist extra...` inside the root with `python` (a path
    /// inside it); the executable.
    pub fn build(&self, python: &Path, script: &Path, dist: &Path, extra: &[&str]) -> PathBuf {
        let mut args: Vec<&OsStr> = vec![
            "build".as_ref(),
            script.as_os_str(),
            "--distpath".as_ref(),
            dist.as_os_str(),
            "--python".as_ref(),
            python.as_os_str(),
            "--compression-level".as_ref(),
            "1".as_ref(),
            "-y".as_ref(),
            "--json".as_ref(),
        ];
        let workpath = workpath();
        args.extend(["--workpath".as_ref(), workpath.as_os_str()]);
        args.extend(extra.iter().map(OsStr::new));
        let cache = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("sid-cache");
        let out = self
            .command(Path::new(PYBUNDLE), &args, Pythons::Shown)
            .env("PYBUNDLE_CACHE_DIR", &cache)
            .current_dir(script.parent().unwrap_or(Path::new("/")))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "pybundle in the root failed: {}",
            stderr(&out)
        );
        let summary: serde_json::Value =
            serde_json::from_slice(&out.stdout).expect("a --json summary");
        PathBuf::from(summary["executable"].as_str().expect("an executable"))
    }

    /// Run `exe args...` in the root with every Python hidden and a private `TMPDIR`; the
    /// output, and whether that `TMPDIR` was left empty.
    pub fn run_hidden(
        &self,
        exe: &Path,
        args: &[&OsStr],
        env: &[(&str, &OsStr)],
    ) -> (Output, bool) {
        run_hidden_with(self.command(exe, args, Pythons::Hidden), env)
    }

    /// Run `program args...` in the root as it is (its Pythons shown): the unbundled app.
    pub fn run_shown(&self, program: &Path, args: &[&OsStr], env: &[(&str, &OsStr)]) -> Output {
        let mut cmd = self.command(program, args, Pythons::Shown);
        cmd.stdin(Stdio::null());
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.output().unwrap()
    }
}
