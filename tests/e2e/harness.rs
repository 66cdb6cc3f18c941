//! Shared machinery of the end-to-end tests: build real bundles with the real pybundle and the
//! machine's CPython, and run them as a stranger would, with every Python installation hidden
//! in a private mount namespace (`unshare -m`; the tests need root, as CI has).

use std::ffi::{OsStr, OsString};
use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

pub const PYBUNDLE: &str = env!("CARGO_BIN_EXE_pybundle");

/// The repository root.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("bundler/ is inside the repository")
        .to_path_buf()
}

pub fn fixture(name: &str) -> PathBuf {
    repo().join("tests").join("fixtures").join(name)
}

/// Build caches shared by every test (the pyc cache makes rebuilds fast).
pub fn workpath() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("e2e-work")
}

/// The interpreter bundles are built from: `$PYBUNDLE_TEST_PYTHON`, else `python3` on PATH.
pub fn python() -> OsString {
    std::env::var_os("PYBUNDLE_TEST_PYTHON").unwrap_or_else(|| "python3".into())
}

/// `pybundle build` in `cwd` with the tests' defaults: fast compression and the shared cache.
/// `--python` is added by the caller (see [`with_python`]).
pub fn pybundle_cmd(cwd: &Path) -> Command {
    let mut cmd = Command::new(PYBUNDLE);
    cmd.current_dir(cwd)
        .arg("build")
        .arg("--workpath")
        .arg(workpath())
        .args(["--compression-level", "1"])
        .env_remove("NO_COLOR");
    cmd
}

pub fn with_python(cmd: &mut Command) -> &mut Command {
    cmd.arg("--python").arg(python())
}

/// `pybundle build ARGS -y` with the test interpreter.
pub fn pybundle_build(cwd: &Path, args: &[&OsStr]) -> Output {
    let mut cmd = pybundle_cmd(cwd);
    with_python(&mut cmd).args(args).arg("-y");
    cmd.output().expect("pybundle runs")
}

/// One build, with the tests' defaults (the test interpreter, fast compression, the shared
/// cache, `-y`, started in the script's folder). The executable's path is read from the
/// build's `--json` summary, never re-derived from its options.
pub struct Build {
    cmd: Command,
}

/// A finished build: its executable, and what it said on stderr (warnings, notes).
pub struct Built {
    pub exe: PathBuf,
    pub stderr: String,
}

impl Build {
    pub fn new(script: &Path, dist: &Path) -> Build {
        let mut cmd = pybundle_cmd(script.parent().unwrap_or(Path::new(".")));
        cmd.arg(script)
            .arg("--distpath")
            .arg(dist)
            .args(["-y", "--json"]);
        Build { cmd }
    }

    /// Bundle the interpreter `python` (a virtualenv's, say) instead of the test one.
    pub fn python(mut self, python: &Path) -> Build {
        self.cmd.arg("--python").arg(python);
        self
    }

    pub fn args(mut self, args: &[&str]) -> Build {
        self.cmd.args(args);
        self
    }

    pub fn env(mut self, key: &str, value: &Path) -> Build {
        self.cmd.env(key, value);
        self
    }

    /// Run it, expecting it to fail: exit status 1, a `--json` summary that says so, and its
    /// stderr returned.
    pub fn fails(mut self) -> String {
        if !self.cmd.get_args().any(|a| a == "--python") {
            with_python(&mut self.cmd);
        }
        let out = self.cmd.output().expect("pybundle runs");
        assert_eq!(out.status.code(), Some(1), "pybundle: {}", stderr(&out));
        let summary: serde_json::Value =
            serde_json::from_slice(&out.stdout).expect("a --json summary");
        assert_eq!(summary["status"], "error", "{summary}");
        stderr(&out)
    }

    /// Run it; panics with pybundle's stderr on failure.
    pub fn run(mut self) -> Built {
        let has_python = self.cmd.get_args().any(|a| a == "--python");
        if !has_python {
            with_python(&mut self.cmd);
        }
        let out = self.cmd.output().expect("pybundle runs");
        assert!(out.status.success(), "pybundle failed: {}", stderr(&out));
        let summary: serde_json::Value =
            serde_json::from_slice(&out.stdout).expect("a --json summary");
        let exe = summary["executable"]
            .as_str()
            .expect("the summary names the executable");
        Built {
            exe: PathBuf::from(exe),
            stderr: stderr(&out),
        }
    }
}

/// Build `script` and return the executable's path; panics with pybundle's stderr on failure.
pub fn build(script: &Path, dist: &Path, extra: &[&str]) -> PathBuf {
    Build::new(script, dist).args(extra).run().exe
}

/// [`build`] from the interpreter `python` (a virtualenv's, say).
pub fn build_with(script: &Path, dist: &Path, extra: &[&str], python: &Path) -> PathBuf {
    Build::new(script, dist)
        .python(python)
        .args(extra)
        .run()
        .exe
}

/// [`build_with`], returning what pybundle printed on stderr (warnings, notes) too.
pub fn build_telling(
    script: &Path,
    dist: &Path,
    extra: &[&str],
    python: &Path,
) -> (PathBuf, String) {
    let built = Build::new(script, dist).python(python).args(extra).run();
    (built.exe, built.stderr)
}

/// A bundle for another platform (`target`, with its CPython `runtime`), built with the tests'
/// defaults and a wheel cache of its own (`cache`); the executable.
pub fn build_for(
    target: &str,
    runtime: &Path,
    cache: &Path,
    build: (&Path, &Path, &Path),
    extra: &[&str],
) -> PathBuf {
    let (script, dist, python) = build;
    let runtime = runtime.to_string_lossy().into_owned();
    let mut args = vec!["--target", target, "--runtime", &runtime];
    args.extend_from_slice(extra);
    Build::new(script, dist)
        .python(python)
        .args(&args)
        .env("PYBUNDLE_CACHE_DIR", cache)
        .run()
        .exe
}

/// Run the repository's `tools/NAME ARGS...` with `env` added; panics with its stderr (and
/// `hint`, what it needs) unless it succeeds.
pub fn run_tool(name: &str, args: &[&OsStr], env: &[(&str, &OsStr)], hint: &str) {
    let mut cmd = Command::new(repo().join("tools").join(name));
    cmd.args(args);
    for (key, value) in env {
        cmd.env(key, value);
    }
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("tools/{name} runs: {e}"));
    assert!(
        out.status.success(),
        "tools/{name} {args:?}{hint}: {}",
        stderr(&out)
    );
}

/// What `pybundle inspect` says of `bundle` (it must succeed).
pub fn inspect(bundle: &Path) -> String {
    String::from_utf8_lossy(&inspect_with(bundle, &[])).into_owned()
}

/// What `pybundle inspect BUNDLE ARGS` prints (it must succeed), as bytes.
pub fn inspect_with(bundle: &Path, args: &[&str]) -> Vec<u8> {
    let out = Command::new(PYBUNDLE)
        .arg("inspect")
        .arg(bundle)
        .args(args)
        .output()
        .expect("pybundle runs");
    assert!(
        out.status.success(),
        "pybundle inspect {args:?}: {}",
        stderr(&out)
    );
    out.stdout
}

/// A folder for what the whole test run builds once and keeps, named `name`. A static is never
/// dropped, so a `TempDir` held by one would outlive the run in /tmp; these live under the
/// target folder instead, one folder per test process, and a later run removes those of
/// processes that have ended.
pub fn kept_dir(name: &str) -> PathBuf {
    static MINE: OnceLock<PathBuf> = OnceLock::new();
    let mine = MINE.get_or_init(|| {
        let base = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("kept");
        for entry in fs::read_dir(&base).into_iter().flatten().flatten() {
            let pid = entry.file_name().to_string_lossy().into_owned();
            if pid.parse::<u32>().is_ok() && !Path::new("/proc").join(&pid).exists() {
                let _ = fs::remove_dir_all(entry.path());
            }
        }
        base.join(std::process::id().to_string())
    });
    let dir = mine.join(name);
    fs::create_dir_all(&dir).expect("a folder kept for the test run");
    dir
}

/// A probe app built once per mode for the whole test run.
pub fn probe(onefile: bool) -> &'static Path {
    static ONEFILE: OnceLock<PathBuf> = OnceLock::new();
    static ONEDIR: OnceLock<PathBuf> = OnceLock::new();
    let cell = if onefile { &ONEFILE } else { &ONEDIR };
    cell.get_or_init(|| {
        let mode = if onefile { "-F" } else { "-D" };
        let dir = kept_dir(&format!("probe{mode}"));
        let script = fixture("probe").join("probe.py");
        build(&script, &dir, &[mode, "--add-data", "data.txt:."])
    })
}

/// What must disappear for a run to prove the bundle needs no Python: the interpreter's whole
/// installation (for pyenv, every version and the shims), Debian's and /usr/local's Pythons and
/// every libpython.
fn hidden_paths() -> (Vec<PathBuf>, Vec<PathBuf>) {
    static HIDDEN: OnceLock<(Vec<PathBuf>, Vec<PathBuf>)> = OnceLock::new();
    HIDDEN
        .get_or_init(|| {
            let out = Command::new(python())
                .args(["-c", "import sys; print(sys.base_prefix)"])
                .output()
                .expect("the test interpreter runs");
            let prefix = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
            let mut dirs = vec![];
            // pyenv keeps versions side by side: hide the whole pyenv root.
            match prefix.parent() {
                Some(versions) if versions.file_name() == Some(OsStr::new("versions")) => {
                    dirs.push(versions.parent().unwrap_or(versions).to_path_buf())
                }
                _ => dirs.push(prefix.clone()),
            }
            // The test virtualenvs too: a bundle must not reach into the venv it came from.
            let venvs = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("venvs");
            fs::create_dir_all(&venvs).expect("venvs folder");
            dirs.push(venvs);
            let mut files = vec![];
            for pattern in [
                "/usr/lib/python3*",
                "/usr/local/lib/python3*",
                "/usr/lib/x86_64-linux-gnu/libpython*",
                "/usr/local/lib/libpython*",
                "/usr/bin/python*",
                "/usr/local/bin/python*",
            ] {
                for entry in glob::glob(pattern).expect("valid pattern").flatten() {
                    let Ok(real) = entry.canonicalize() else {
                        continue;
                    };
                    if real.starts_with(&prefix) || dirs.iter().any(|d| real.starts_with(d)) {
                        continue;
                    }
                    if real.is_dir() {
                        dirs.push(real);
                    } else {
                        files.push(real);
                    }
                }
            }
            dirs.sort();
            dirs.dedup();
            files.sort();
            files.dedup();
            (dirs, files)
        })
        .clone()
}

fn shell_quote(path: &Path) -> String {
    format!("'{}'", path.to_string_lossy().replace('\'', "'\\''"))
}

/// A command that runs `program args...` with every Python hidden. The namespace setup checks
/// that `python3` and the build interpreter are really gone before it execs the program, so
/// the pid of the returned child is the program's own.
pub fn hermetic(program: &Path, args: &[&OsStr]) -> Command {
    hermetic_hiding(program, args, &[])
}

/// [`hermetic`], hiding `extra` folders too (a host library's data files, say).
pub fn hermetic_hiding(program: &Path, args: &[&OsStr], extra: &[&Path]) -> Command {
    hermetic_with(program, args, extra, None)
}

/// Programs of another architecture, run by qemu-user: registered with binfmt_misc inside the
/// run's own user namespace (kernel 6.7+), so that such a program can exec itself as on its
/// own machine (the launcher's second stage does), with `sysroot` as the C runtime's root.
pub struct Emulator {
    pub qemu: PathBuf,
    pub sysroot: PathBuf,
    /// binfmt_misc's magic and mask of the architecture's ELF header, `\x` escaped.
    pub magic: &'static str,
    pub mask: &'static str,
}

/// [`hermetic_hiding`], the program run by `emulator`.
pub fn hermetic_emulated(
    program: &Path,
    args: &[&OsStr],
    extra: &[&Path],
    emulator: &Emulator,
) -> Command {
    hermetic_with(program, args, extra, Some(emulator))
}

fn hermetic_with(
    program: &Path,
    args: &[&OsStr],
    extra: &[&Path],
    emulator: Option<&Emulator>,
) -> Command {
    assert!(
        is_root(),
        "this test hides every Python in a mount namespace, which needs root (run the tests as root, as CI does)"
    );
    let (mut dirs, mut files) = hidden_paths();
    dirs.extend(extra.iter().filter(|d| d.is_dir()).map(|d| d.to_path_buf()));
    // A file is hidden by what its links resolve to, so every name of it goes.
    files.extend(
        (extra.iter())
            .filter(|f| f.is_file())
            .map(|f| f.canonicalize().unwrap_or_else(|_| f.to_path_buf())),
    );
    let mut script = String::from("set -e\n");
    if let Some(emu) = emulator {
        script.push_str(&format!(
            "mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc\n\
             printf '%s' ':pybundle-test:M::{}:{}:{}:F' > /proc/sys/fs/binfmt_misc/register\n\
             export QEMU_LD_PREFIX={}\n",
            emu.magic,
            emu.mask,
            emu.qemu.display(),
            shell_quote(&emu.sysroot)
        ));
    }
    for dir in &dirs {
        script.push_str(&format!(
            "mount -t tmpfs -o size=64k,mode=755 pybundle-hidden {}\n",
            shell_quote(dir)
        ));
    }
    for file in &files {
        script.push_str(&format!("mount --bind /dev/null {}\n", shell_quote(file)));
    }
    script.push_str(
        "for p in python3 python python3.11 python3.12; do\n\
         if command -v \"$p\" >/dev/null 2>&1 && \"$p\" -c pass >/dev/null 2>&1; then\n\
         echo \"pybundle test: $p is still reachable\" >&2; exit 99; fi\n\
         done\n\
         exec \"$@\"\n",
    );
    let mut cmd = Command::new("unshare");
    if emulator.is_some() {
        // binfmt_misc is per user namespace: the registration ends with the run.
        cmd.args(["--user", "--map-root-user"]);
    }
    cmd.args([
        "--mount",
        "--propagation",
        "private",
        "/bin/sh",
        "-c",
        &script,
        "sh",
    ])
    .arg(program)
    .args(args);
    clean_env(&mut cmd);
    default_signals(&mut cmd);
    cmd
}

/// Start the command with every signal at its default, as from a user's shell: a test run
/// under `nohup` (SIGHUP ignored) or in a shell's background (SIGINT ignored) would otherwise
/// pass that on, and the launcher rightly leaves such signals ignored.
pub fn default_signals(cmd: &mut Command) {
    use std::os::unix::process::CommandExt;
    // SAFETY: signal(2) is async-signal-safe and touches no state of this process's Rust code.
    unsafe {
        cmd.pre_exec(|| {
            // SIGKILL and SIGSTOP cannot be changed; the call fails harmlessly for them.
            #[cfg(target_os = "linux")]
            let last = libc::SIGRTMIN();
            #[cfg(not(target_os = "linux"))]
            let last = 32; // macOS: NSIG, which libc does not name
            for sig in 1..last {
                libc::signal(sig, libc::SIG_DFL);
            }
            Ok(())
        });
    }
}

pub fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            let line = s.lines().find(|l| l.starts_with("Uid:"))?.to_string();
            line.split_whitespace().nth(2)?.parse::<u32>().ok()
        })
        == Some(0)
}

/// Drop what cargo adds to the test's environment, so the app sees what a user's shell gives.
pub fn clean_env(cmd: &mut Command) {
    cmd.env_remove("LD_LIBRARY_PATH");
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("PYBUNDLE_STUB")
            || key.to_string_lossy().starts_with("CARGO")
        {
            cmd.env_remove(key);
        }
    }
}

/// Run `program` hermetically with a private, empty `TMPDIR`; returns the output and whether
/// that `TMPDIR` was left empty.
pub fn run_hermetic(program: &Path, args: &[&str]) -> (Output, bool) {
    let args: Vec<&OsStr> = args.iter().map(OsStr::new).collect();
    run_hermetic_os(program, &args)
}

pub fn run_hermetic_os(program: &Path, args: &[&OsStr]) -> (Output, bool) {
    run_hermetic_settling(program, args, std::time::Duration::ZERO)
}

/// [`run_hermetic_os`], giving helper processes the app leaves running (multiprocessing's
/// resource tracker, say) up to `settle` to finish and clean up after themselves.
pub fn run_hermetic_settling(
    program: &Path,
    args: &[&OsStr],
    settle: std::time::Duration,
) -> (Output, bool) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = hermetic(program, args)
        .env("TMPDIR", tmp.path())
        .stdin(Stdio::null())
        .output()
        .expect("unshare runs");
    assert_ne!(
        out.status.code(),
        Some(99),
        "the namespace did not hide Python: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let deadline = std::time::Instant::now() + settle;
    while !is_empty_dir(tmp.path()) && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let empty = is_empty_dir(tmp.path());
    (out, empty)
}

/// Run `cmd` (a [`hermetic`] command, or one like it) with `env` added and a private, empty
/// `TMPDIR`; the output, and whether that `TMPDIR` was left empty. Panics when the command's
/// namespace setup found a Python still reachable.
pub fn run_hidden_with(mut cmd: Command, env: &[(&str, &OsStr)]) -> (Output, bool) {
    let tmp = tempfile::tempdir().expect("tempdir");
    cmd.env("TMPDIR", tmp.path()).stdin(Stdio::null());
    for (key, value) in env {
        cmd.env(key, value);
    }
    let out = cmd.output().expect("the command runs");
    assert_ne!(
        out.status.code(),
        Some(99),
        "the namespace did not hide Python: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let empty = is_empty_dir(tmp.path());
    (out, empty)
}

pub fn is_empty_dir(dir: &Path) -> bool {
    fs::read_dir(dir)
        .map(|mut d| d.next().is_none())
        .unwrap_or(false)
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// `key=value` lines of the probe's `facts` mode.
pub fn facts(out: &Output) -> std::collections::HashMap<String, String> {
    stdout(out)
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

pub fn os(bytes: &[u8]) -> &OsStr {
    OsStr::from_bytes(bytes)
}

/// The widely used packages `fixtures/popular/popular.py` exercises, pinned; one venv of them
/// serves every test that needs them.
pub const POPULAR: &[&str] = &[
    "pillow==13.0.0",
    "pydantic==2.14.4",
    "attrs==26.1.0",
    "PyYAML==6.0.4",
    "Jinja2==3.1.6",
    "python-dateutil==4.0.0",
    "requests==2.34.2",
    "rich==15.0.0",
];

/// A virtualenv of the test interpreter with `packages` installed from PyPI, made once and
/// kept under the target folder (keyed by its package list) so reruns and CI stay fast.
pub fn venv(packages: &[&str]) -> PathBuf {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _guard = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let key = packages.join("+").replace(['=', '<', '>', '[', ']'], "_");
    let root = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("venvs");
    let dir = root.join(&key);
    let venv_python = dir.join("bin").join("python");
    if venv_python.exists() {
        return venv_python;
    }
    fs::create_dir_all(&root).expect("venv root");
    let tmp = root.join(format!("{key}.{}.tmp", std::process::id()));
    let _ = fs::remove_dir_all(&tmp);
    let made = Command::new(python())
        .args(["-m", "venv"])
        .arg(&tmp)
        .status()
        .expect("python -m venv runs");
    assert!(made.success(), "python -m venv failed");
    let out = Command::new(tmp.join("bin/pip"))
        .args(["install", "--quiet", "--disable-pip-version-check"])
        .args(packages)
        .output()
        .expect("pip runs");
    assert!(
        out.status.success(),
        "pip install {packages:?} failed: {}",
        stderr(&out)
    );
    fs::rename(&tmp, &dir).expect("venv moved into place");
    venv_python
}

/// A private X server (Debian's `xvfb`) for GUI tests; stopped when dropped.
pub struct Xvfb {
    child: std::process::Child,
    pub display: String,
}

impl Xvfb {
    pub fn start() -> Xvfb {
        static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let base = 100 + (std::process::id() % 400) * 10;
        for _ in 0..20 {
            let n = base + NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let socket = Path::new("/tmp/.X11-unix").join(format!("X{n}"));
            if socket.exists() || Path::new(&format!("/tmp/.X{n}-lock")).exists() {
                continue;
            }
            let child = Command::new("Xvfb")
                .arg(format!(":{n}"))
                .args(["-nolisten", "tcp", "-screen", "0", "800x600x24"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("Xvfb runs (apt-get install xvfb; .ci/run does)");
            let mut xvfb = Xvfb {
                child,
                display: format!(":{n}"),
            };
            for _ in 0..100 {
                if socket.exists() {
                    return xvfb;
                }
                if let Ok(Some(_)) = xvfb.child.try_wait() {
                    break;
                }
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
            let _ = xvfb.child.kill();
        }
        panic!("could not start Xvfb");
    }
}

impl Drop for Xvfb {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Build `script` from `python` in both modes (plus `extra` build flags) and run each with
/// Python hidden and `args`: it must succeed, print exactly `expected`, and leave nothing behind.
pub fn check_both_modes(
    script: &Path,
    python: &Path,
    extra: &[&str],
    args: &[&str],
    expected: &str,
) {
    for mode in ["-F", "-D"] {
        let dist = tempfile::tempdir().expect("tempdir");
        let exe = build_with(script, dist.path(), &[&[mode][..], extra].concat(), python);
        let (out, clean) = run_hermetic(&exe, args);
        assert!(out.status.success(), "{mode}: {}", stderr(&out));
        assert_eq!(stdout(&out), expected, "{mode}");
        assert!(clean, "{mode}: unpack folder left behind");
    }
}

/// Build `script` from `python` in both modes and run each with Python and `hidden` (the
/// projects and venv it was built from) hidden: it must print exactly `expected` and leave
/// nothing behind.
pub fn check_both_modes_hiding(script: &Path, python: &Path, hidden: &Path, expected: &str) {
    for mode in ["-F", "-D"] {
        let dist = tempfile::tempdir().expect("tempdir");
        let exe = build_with(script, dist.path(), &[mode], python);
        let tmp = tempfile::tempdir().expect("tempdir");
        let out = hermetic_hiding(&exe, &[], &[hidden])
            .env("TMPDIR", tmp.path())
            .stdin(Stdio::null())
            .output()
            .expect("unshare runs");
        assert!(out.status.success(), "{mode}: {}", stderr(&out));
        assert_eq!(stdout(&out), expected, "{mode}");
        assert!(
            is_empty_dir(tmp.path()),
            "{mode}: unpack folder left behind"
        );
    }
}

/// The test interpreter's `X.Y`, as bundle paths spell it.
pub fn python_version() -> &'static str {
    static VERSION: OnceLock<String> = OnceLock::new();
    VERSION.get_or_init(|| {
        let out = Command::new(python())
            .args(["-c", "import sys; print('%d.%d' % sys.version_info[:2])"])
            .output()
            .expect("the test interpreter runs");
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    })
}

/// Paths inside a bundle root (`_internal` of a onedir build, or an unpacked onefile), as
/// `bundler/src/bundle/layout.rs` lays them out.
pub struct Root(pub PathBuf);

impl Root {
    /// The root of the onedir build `DIST/NAME`.
    pub fn onedir(dist: &Path, name: &str) -> Root {
        Root(dist.join(name).join("_internal"))
    }

    /// Shared libraries, CPython's among them.
    pub fn lib(&self) -> PathBuf {
        self.0.join("lib")
    }

    pub fn stdlib_zip(&self) -> PathBuf {
        self.lib()
            .join(format!("python{}.zip", python_version().replace('.', "")))
    }

    pub fn dynload(&self) -> PathBuf {
        self.stdlib().join("lib-dynload")
    }

    /// Where third-party distributions are: the root itself, as PyInstaller lays them out.
    pub fn site_packages(&self) -> PathBuf {
        self.0.clone()
    }

    fn stdlib(&self) -> PathBuf {
        self.lib().join(format!("python{}", python_version()))
    }

    /// The paths (relative to the root, as their `__file__` would be) of what the module
    /// store holds: compiled modules and resources.
    pub fn stored(&self) -> Vec<String> {
        let Ok(store) = fs::read(self.0.join("_pybundle_modules.dat")) else {
            return Vec::new();
        };
        assert_eq!(&store[..8], b"PBMODS\0\x01", "not a module store");
        let len = u32::from_le_bytes(store[8..12].try_into().unwrap()) as usize;
        let index = std::str::from_utf8(&store[16..16 + len]).unwrap();
        (index.lines())
            .map(|line| {
                let fields: Vec<&str> = line.split('\t').collect();
                match fields[1] {
                    "" => fields[2].to_string(),
                    entry => format!("{entry}/{}", fields[2]),
                }
            })
            .collect()
    }

    /// Is anything of `rel` (a module's or package's path under the root, `click` or
    /// `numpy/distutils`) in the bundle: its folder or file, `rel.pyc`, or anything the store
    /// holds under it? The check a "stays out" test needs: a pure-Python package bundled by
    /// mistake leaves no folder, only stored modules.
    pub fn holds_any(&self, rel: &str) -> bool {
        let on_disk = [rel.to_string(), format!("{rel}.pyc"), format!("{rel}.py")]
            .iter()
            .any(|p| self.0.join(p).exists());
        let prefix = format!("{rel}/");
        on_disk
            || (self.stored().iter()).any(|p| p.starts_with(&prefix) || *p == format!("{rel}.pyc"))
    }

    /// Does the standard library's zip hold `rel` (`json/__init__.pyc`)?
    pub fn stdlib_zip_holds(&self, rel: &str) -> bool {
        let file = fs::File::open(self.stdlib_zip()).expect("the standard library's zip");
        let mut zip = zip::ZipArchive::new(file).expect("a zip");
        let held = zip.by_name(rel).is_ok();
        held
    }

    /// Is `path` (a file under the root) in the bundle, as a file or in the module store?
    pub fn holds(&self, path: &Path) -> bool {
        if path.is_file() {
            return true;
        }
        let rel = path.strip_prefix(&self.0).expect("a path under the root");
        self.stored().iter().any(|p| Path::new(p) == rel)
    }
}

/// Build `script` from `python` in both modes: no warning at build time, and with every Python
/// hidden the app prints exactly what `python script` prints. Returns the build's stderr.
pub fn check_like_python_without_warnings(
    script: &std::path::Path,
    python: &std::path::Path,
) -> String {
    let expected = std::process::Command::new(python)
        .arg(script)
        .output()
        .unwrap();
    assert!(expected.status.success(), "{}", stderr(&expected));
    let mut notes = String::new();
    for mode in ["-F", "-D"] {
        let dist = tempfile::tempdir().unwrap();
        let (exe, told) = build_telling(script, dist.path(), &[mode], python);
        assert!(!told.contains("warning"), "{mode}: {told}");
        // The test venvs are hidden with every Python.
        let (out, clean) = run_hermetic(&exe, &[]);
        assert!(out.status.success(), "{mode}: {}", stderr(&out));
        assert_eq!(stdout(&out), stdout(&expected), "{mode}");
        assert!(clean, "{mode}: unpack folder left behind");
        notes = told;
    }
    notes
}

/// The sdist `file` of `project` from the package index (PIP_INDEX_URL, else PyPI), checked
/// against `sha256` and cached under the target folder.
pub fn sdist(project: &str, file: &str, sha256: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("sdists");
    let path = dir.join(file);
    if path.is_file() {
        return path;
    }
    fs::create_dir_all(&dir).expect("sdist folder");
    const FETCH: &str = r#"
import hashlib, json, os, sys, urllib.parse, urllib.request
project, name, sha256, dest = sys.argv[1:5]
index = os.environ.get("PIP_INDEX_URL", "https://pypi.org/simple").rstrip("/")
page = f"{index}/{project}/"
request = urllib.request.Request(page, headers={"Accept": "application/vnd.pypi.simple.v1+json"})
files = json.load(urllib.request.urlopen(request, timeout=120))["files"]
url = next((f["url"] for f in files if f["filename"] == name), None)
if url is None:
    sys.exit(f"{page} lists no {name}")
data = urllib.request.urlopen(urllib.parse.urljoin(page, url), timeout=300).read()
if hashlib.sha256(data).hexdigest() != sha256:
    sys.exit(f"{name}: not the pinned file (sha256 differs)")
tmp = f"{dest}.{os.getpid()}.tmp"
with open(tmp, "wb") as out:
    out.write(data)
os.replace(tmp, dest)
"#;
    let out = Command::new(python())
        .args(["-c", FETCH, project, file, sha256])
        .arg(&path)
        .output()
        .expect("the test interpreter runs");
    assert!(out.status.success(), "fetching {file}: {}", stderr(&out));
    path
}

/// Every file and link under `dir` (relative, `/`-separated) with its bytes (a link: its
/// target) and permission bits: what two builds must agree on to be the same output.
pub fn tree_contents(dir: &Path) -> std::collections::BTreeMap<String, (Vec<u8>, u32)> {
    use std::os::unix::fs::PermissionsExt;
    let mut out = std::collections::BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(path) = stack.pop() {
        let meta = fs::symlink_metadata(&path).unwrap();
        let rel = path
            .strip_prefix(dir)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        if meta.is_dir() {
            stack.extend(fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
            out.insert(format!("{rel}/"), (Vec::new(), meta.permissions().mode()));
        } else if meta.file_type().is_symlink() {
            let target = fs::read_link(&path).unwrap();
            out.insert(rel, (target.as_os_str().as_encoded_bytes().to_vec(), 0));
        } else {
            out.insert(rel, (fs::read(&path).unwrap(), meta.permissions().mode()));
        }
    }
    out
}

/// A CPython `minor` ("3.12") of this machine: `python3.12` on PATH, else pyenv's.
pub fn cpython(minor: &str) -> PathBuf {
    let on_path = Command::new(format!("python{minor}"))
        .args(["-c", "import sys; print(sys.executable)"])
        .output();
    if let Ok(out) = on_path {
        if out.status.success() {
            return PathBuf::from(stdout(&out).trim());
        }
    }
    let root = Command::new("pyenv").arg("root").output();
    let root = root
        .map(|o| PathBuf::from(stdout(&o).trim()))
        .unwrap_or_default();
    glob::glob(&format!(
        "{}/versions/{minor}.*/bin/python{minor}",
        root.display()
    ))
    .unwrap()
    .flatten()
    .next()
    .unwrap_or_else(|| panic!("no CPython {minor} here (pyenv install {minor})"))
}
