//! Bundles for Windows, built on this Linux machine: `--target windows-x64` with python.org's
//! embeddable CPython 3.11.9 (fetched by `tools/windows-runtime`, hash-pinned, cached under the
//! target folder), run under wine 8.0 with every Python hidden, the runtime and the wheel
//! cache too. Wine takes seconds to start its first process and about one after: one prefix
//! serves the whole run, and the tests launch few programs. Output is read through pipes: wine
//! cannot hand a console program a redirected file as its standard output.

use std::ffi::OsStr;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

use crate::harness::*;
use pybundle_e2e_macros::needs;

/// The runtime, the wheel cache, and wine with its prefix.
pub struct Windows {
    pub runtime: PathBuf,
    pub cache: PathBuf,
    wine: PathBuf,
    prefix: PathBuf,
}

pub fn windows() -> &'static Windows {
    static WINDOWS: OnceLock<Windows> = OnceLock::new();
    WINDOWS.get_or_init(|| {
        assert_eq!(
            python_version(),
            "3.11",
            "the windows-x64 tests use python.org's CPython 3.11.9: set PYBUNDLE_TEST_PYTHON to a CPython 3.11"
        );
        let base = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("windows");
        let runtime = base.join("python-3.11.9-embed-amd64.zip");
        run_tool(
            "windows-runtime",
            &[runtime.as_os_str()],
            &[("PYTHON", &python())],
            "",
        );
        let wine = [PathBuf::from("/usr/lib/wine/wine64")]
            .into_iter()
            .find(|p| p.is_file())
            .or_else(|| pybundle::python::interpreter::find_on_path("wine64"))
            .expect("wine64 is not installed: apt-get install wine64");
        let prefix = base.join("wine-prefix");
        if !prefix.join("system.reg").is_file() {
            let booted = Command::new(&wine)
                .args(["wineboot", "-i"])
                .env("WINEPREFIX", &prefix)
                .env("WINEDEBUG", "-all")
                .output()
                .unwrap();
            assert!(booted.status.success(), "wineboot: {}", stderr(&booted));
        }
        // The prefix's server was started outside the tests' namespaces: end it, so that the
        // next one starts inside one, where Python is hidden.
        let server = wine.with_file_name("wineserver64");
        let server = if server.is_file() {
            server
        } else {
            PathBuf::from("wineserver")
        };
        let _ = Command::new(server)
            .arg("-k")
            .env("WINEPREFIX", &prefix)
            .status();
        Windows {
            runtime,
            cache: base.join("cache"),
            wine,
            prefix,
        }
    })
}

/// Build `script` for windows-x64 into `dist` with `python`; the executable.
fn build_windows(script: &Path, dist: &Path, python: &Path, extra: &[&str]) -> PathBuf {
    let w = windows();
    let build = (script, dist, python);
    build_for("windows-x64", &w.runtime, &w.cache, build, extra)
}

/// The command that runs a Windows program under wine with Python, the runtime and the wheel
/// cache hidden; a onefile app unpacks under `unpack` (a Linux folder, which wine shows as
/// `Z:`).
fn wine_command(exe: &Path, args: &[&str], unpack: &Path) -> Command {
    wine_command_in(&windows().prefix, exe, args, unpack)
}

/// [`wine_command`] in the wine prefix `prefix`.
fn wine_command_in(prefix: &Path, exe: &Path, args: &[&str], unpack: &Path) -> Command {
    let w = windows();
    let mut all: Vec<&OsStr> = vec![exe.as_os_str()];
    all.extend(args.iter().map(OsStr::new));
    let mut unpack_dir = std::ffi::OsString::from("Z:");
    unpack_dir.push(unpack);
    let mut hidden: Vec<&Path> = vec![&w.runtime, &w.cache];
    if let Some(tk) = TK_RUNTIME.get() {
        hidden.push(tk);
    }
    let mut cmd = hermetic_hiding(&w.wine, &all, &hidden);
    cmd.env("WINEPREFIX", prefix)
        .env("WINEDEBUG", "-all")
        .env("PYBUNDLE_RUNTIME_TMPDIR", unpack_dir)
        .stdin(Stdio::null());
    cmd
}

/// The embeddable runtime with python.org's Tcl/Tk merged in (`tools/windows-runtime --tk`).
static TK_RUNTIME: OnceLock<PathBuf> = OnceLock::new();

fn tk_runtime() -> &'static Path {
    TK_RUNTIME.get_or_init(|| {
        let runtime = windows()
            .runtime
            .with_file_name("python-3.11-tk-embed-amd64.zip");
        run_tool(
            "windows-runtime",
            &[OsStr::new("--tk"), runtime.as_os_str()],
            &[("PYTHON", &python())],
            "",
        );
        runtime
    })
}

/// A wine prefix of the test's own, with its own wine server: wine binds a server's windows to
/// the X display its first program named, and the shared prefix's programs name none. The
/// server ends when this is dropped.
struct PrivateWine {
    prefix: tempfile::TempDir,
}

impl PrivateWine {
    fn new() -> PrivateWine {
        let prefix = tempfile::tempdir().unwrap();
        let copied = Command::new("cp")
            .arg("-a")
            .arg(windows().prefix.join("."))
            .arg(prefix.path())
            .status()
            .unwrap();
        assert!(copied.success(), "the wine prefix could not be copied");
        PrivateWine { prefix }
    }
}

impl Drop for PrivateWine {
    fn drop(&mut self) {
        let server = windows().wine.with_file_name("wineserver64");
        let _ = Command::new(if server.is_file() {
            server
        } else {
            PathBuf::from("wineserver")
        })
        .arg("-k")
        .env("WINEPREFIX", self.prefix.path())
        .status();
    }
}

/// Run a Windows program under wine to its end (see [`wine_command`]).
fn run_wine(exe: &Path, args: &[&str], unpack: &Path) -> Output {
    wine_command(exe, args, unpack).output().unwrap()
}

/// Start a Windows program under wine, its output to be read as it comes; its standard error
/// is drained (wine cannot give a program a file as its standard error).
fn spawn_wine(exe: &Path, unpack: &Path) -> std::process::Child {
    let mut child = wine_command(exe, &[], unpack)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(mut pipe) = child.stderr.take() {
        std::thread::spawn(move || std::io::copy(&mut pipe, &mut std::io::sink()));
    }
    child
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    fs::write(&path, text).unwrap();
    path
}

#[needs(root, windows_x64)]
fn hello_for_windows_runs_in_both_modes_with_arguments_data_and_exit_status() {
    let src = tempfile::tempdir().unwrap();
    fs::create_dir(src.path().join("assets")).unwrap();
    write(
        &src.path().join("assets"),
        "note.txt",
        "read from _MEIPASS\n",
    );
    let script = write(
        src.path(),
        "hello.py",
        "import os, sys\n\
         print('Hello from', sys.platform, sys.version.split()[0])\n\
         print('argv:', sys.argv[1:])\n\
         print('frozen:', sys.frozen, sys.executable.endswith('hello.exe'))\n\
         print('prefix is root:', sys.prefix == sys._MEIPASS)\n\
         with open(os.path.join(sys._MEIPASS, 'assets', 'note.txt'), encoding='utf-8') as f:\n\
         \x20   print('data:', f.read().strip())\n\
         sys.exit(int(sys.argv[1]))\n",
    );
    for mode in ["-F", "-D"] {
        let dist = tempfile::tempdir().unwrap();
        let exe = build_windows(
            &script,
            dist.path(),
            Path::new(&python()),
            &[mode, "--add-data", "assets:assets"],
        );
        assert_eq!(
            exe.extension(),
            Some(OsStr::new("exe")),
            "{}",
            exe.display()
        );
        let unpack = tempfile::tempdir().unwrap();
        // What a killed launcher leaves: a folder nobody holds open, untouched for a while.
        let leftover = unpack.path().join("_pb4242_00000000deadbeef");
        fs::create_dir(&leftover).unwrap();
        write(&leftover, "python311.dll", "left behind");
        let hours_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(7200);
        fs::File::open(&leftover)
            .unwrap()
            .set_modified(hours_ago)
            .unwrap();
        let out = run_wine(&exe, &["3", "two words", "Zoë ü"], unpack.path());
        assert_eq!(out.status.code(), Some(3), "{mode}: {}", stderr(&out));
        assert_eq!(
            stdout(&out).replace("\r\n", "\n"),
            "Hello from win32 3.11.9\nargv: ['3', 'two words', 'Zoë ü']\nfrozen: True True\n\
             prefix is root: True\ndata: read from _MEIPASS\n",
            "{mode}: {}",
            stderr(&out)
        );
        // Onefile: its own folder removed, the leftover swept; onedir unpacks nothing.
        let left = unpack.path().join("_pb4242_00000000deadbeef").exists();
        assert_eq!(left, mode == "-D", "{mode}: the leftover folder");
        let count = fs::read_dir(unpack.path()).unwrap().count();
        assert_eq!(count, usize::from(left), "{mode}: the unpack folder stayed");
        let inspect = inspect(&exe);
        assert!(inspect.contains("target: windows-x64\n"), "{inspect}");
        assert!(
            inspect.contains("python: CPython 3.11.9, loaded from python311.dll"),
            "{inspect}"
        );
    }
}

#[needs(root, windows_x64)]
fn click_brings_colorama_which_only_windows_needs() {
    let python = venv(&["click==8.1.7"]);
    let src = tempfile::tempdir().unwrap();
    let script = write(
        src.path(),
        "cli.py",
        "import click\n\
         @click.command()\n\
         @click.option('--name', default='world')\n\
         def main(name):\n\
         \x20   import colorama\n\
         \x20   click.echo(f'hi {name}; colorama {colorama.__version__}')\n\
         if __name__ == '__main__':\n\
         \x20   main()\n",
    );
    let dist = tempfile::tempdir().unwrap();
    let exe = build_windows(&script, dist.path(), &python, &["-F"]);
    let unpack = tempfile::tempdir().unwrap();
    let out = run_wine(&exe, &["--name", "Ada"], unpack.path());
    assert_eq!(
        stdout(&out).replace("\r\n", "\n"),
        "hi Ada; colorama 0.4.6\n",
        "{}",
        stderr(&out)
    );
}

#[needs(root, windows_x64)]
fn a_pool_of_two_workers_needs_no_freeze_support() {
    let src = tempfile::tempdir().unwrap();
    let script = write(
        src.path(),
        "pool.py",
        "import multiprocessing, os, sys\n\
         def square(n):\n\
         \x20   return n * n, os.getpid()\n\
         if __name__ == '__main__':\n\
         \x20   with multiprocessing.Pool(2) as pool:\n\
         \x20       results = pool.map(square, range(100))\n\
         \x20   print('sum:', sum(r for r, _ in results))\n\
         \x20   print('workers are other processes:', os.getpid() not in {p for _, p in results})\n",
    );
    let dist = tempfile::tempdir().unwrap();
    let exe = build_windows(&script, dist.path(), Path::new(&python()), &["-F"]);
    let unpack = tempfile::tempdir().unwrap();
    let out = run_wine(&exe, &[], unpack.path());
    assert_eq!(
        stdout(&out).replace("\r\n", "\n"),
        "sum: 328350\nworkers are other processes: True\n",
        "{}",
        stderr(&out)
    );
    assert!(is_empty_dir(unpack.path()), "the unpack folder stayed");
}

#[needs(root, windows_x64)]
fn numpy_comes_from_its_windows_wheel() {
    // numpy 2.x needs ucrtbase's crealf, which wine 8.0 lacks: a wine limit, not the bundle's.
    let python = venv(&["numpy==1.26.4"]);
    let dist = tempfile::tempdir().unwrap();
    let exe = build_windows(
        &repo().join("examples/numpy-app/matmul.py"),
        dist.path(),
        &python,
        &["-F"],
    );
    let unpack = tempfile::tempdir().unwrap();
    let out = run_wine(&exe, &[], unpack.path());
    assert_eq!(
        stdout(&out).replace("\r\n", "\n"),
        "numpy 1.26.4\ntrace of a @ inv(a + I): 10.5\nchecksum: 499500\n",
        "{}",
        stderr(&out)
    );
    let list = inspect(&exe);
    assert!(
        list.contains("_multiarray_umath.cp311-win_amd64.pyd"),
        "{list}"
    );
    assert!(
        list.contains("numpy.libs/libopenblas"),
        "numpy's own DLLs: {list}"
    );
    assert!(
        !list.contains("x86_64-linux-gnu.so"),
        "Linux modules bundled"
    );
    // Its SBOM lists the Windows wheel, its OpenBLAS, and python.org's CPython.
    let document = crate::sbom::sbom_bytes(&exe);
    crate::sbom::assert_valid_cyclonedx(&document);
    let doc: serde_json::Value = serde_json::from_slice(&document).unwrap();
    let components = &doc["components"];
    let numpy = crate::sbom::component(components, "numpy");
    assert_eq!(numpy["version"], "1.26.4");
    let vendored: Vec<&str> = (numpy["components"].as_array().unwrap().iter())
        .filter(|c| c["type"] == "library")
        .filter_map(|c| c["name"].as_str())
        .collect();
    assert!(
        vendored.iter().any(|n| n.starts_with("libopenblas")),
        "{vendored:?}"
    );
    let cpython = crate::sbom::component(components, "CPython");
    assert!(
        cpython["description"]
            .as_str()
            .unwrap()
            .contains("embeddable"),
        "{cpython}"
    );
    // python.org's licence file, which holds those of the DLLs it ships, is carried; the VC++
    // runtime's version is read from its version resource.
    let licences = String::from_utf8_lossy(&inspect_with(&exe, &["--notices"])).into_owned();
    assert!(licences.contains("--- Lib/LICENSE.txt ---"), "{licences}");
    assert!(
        licences.contains("libffi - Copyright"),
        "the embeddable runtime's own licence file"
    );
    let vcruntime = crate::sbom::component(components, "VCRUNTIME140");
    let version = vcruntime["version"].as_str().unwrap();
    assert!(
        version.split('.').count() == 4 && version.starts_with("14."),
        "{version}"
    );
}

#[needs(root, windows_x64)]
fn a_windowed_build_is_a_gui_program_with_icon_version_and_manifest() {
    let src = tempfile::tempdir().unwrap();
    write(
        src.path(),
        "pyproject.toml",
        "[project]\nname = \"shop\"\nversion = \"2.5.1\"\ndescription = \"A small shop\"\n\n\
         [tool.pybundle.windows]\ncompany-name = \"Ada Tools\"\nlegal-copyright = \"(c) 2026 Ada\"\n",
    );
    let icon = src.path().join("icon.png");
    image::RgbaImage::from_pixel(48, 48, image::Rgba([200, 30, 30, 255]))
        .save(&icon)
        .unwrap();
    let script = write(
        src.path(),
        "shop.py",
        "import sys\nprint('windowed app ran')\nraise RuntimeError('boom from the windowed app')\n",
    );
    let dist = tempfile::tempdir().unwrap();
    let exe = build_windows(
        &script,
        dist.path(),
        Path::new(&python()),
        &["-F", "-w", "-i", icon.to_str().unwrap(), "--uac-admin"],
    );
    let bytes = fs::read(&exe).unwrap();
    let image = editpe::Image::parse(&bytes[..]).unwrap();
    assert_eq!(image.subsystem(), 2, "not the GUI subsystem");
    let resources = image.resource_directory().expect("resources");
    assert!(resources.get_main_icon().unwrap().is_some(), "no icon");
    let info = resources.get_version_info().unwrap().expect("version info");
    let strings = &info.strings[0].strings;
    for (key, value) in [
        ("CompanyName", "Ada Tools"),
        ("FileDescription", "A small shop"),
        ("ProductName", "shop"),
        ("ProductVersion", "2.5.1"),
        ("LegalCopyright", "(c) 2026 Ada"),
        ("OriginalFilename", "shop.exe"),
    ] {
        assert_eq!(strings.get(key).map(String::as_str), Some(value), "{key}");
    }
    let manifest = resources.get_manifest().unwrap().expect("a manifest");
    assert!(manifest.contains("longPathAware") && manifest.contains("requireAdministrator"));
    // Wine hands even a GUI program the caller's pipes, so the traceback shows there; with no
    // console at all it goes to a message box instead.
    let unpack = tempfile::tempdir().unwrap();
    let out = run_wine(&exe, &[], unpack.path());
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(stdout(&out).replace("\r\n", "\n"), "windowed app ran\n");
    assert!(
        stderr(&out).contains("RuntimeError: boom from the windowed app"),
        "{}",
        stderr(&out)
    );
    assert!(is_empty_dir(unpack.path()), "the unpack folder stayed");
}

#[needs(root, windows_x64)]
fn a_signed_executable_still_runs_and_still_refuses_damage() {
    let src = tempfile::tempdir().unwrap();
    let script = write(src.path(), "signed.py", "print('signed and running')\n");
    let dist = tempfile::tempdir().unwrap();
    let exe = build_windows(&script, dist.path(), Path::new(&python()), &["-F"]);
    // A throwaway self-signed certificate.
    let key = src.path().join("key.pem");
    let cert = src.path().join("cert.pem");
    let made = Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
        ])
        .args(["-subj", "/CN=pybundle test"])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .expect("openssl is installed");
    assert!(made.status.success(), "openssl: {}", stderr(&made));
    let signed = dist.path().join("signed-signed.exe");
    let sign = Command::new("osslsigncode")
        .args(["sign", "-n", "signed"])
        .arg("-certs")
        .arg(&cert)
        .arg("-key")
        .arg(&key)
        .arg("-in")
        .arg(&exe)
        .arg("-out")
        .arg(&signed)
        .output()
        .expect("osslsigncode is installed");
    assert!(
        sign.status.success(),
        "osslsigncode sign: {}",
        stderr(&sign)
    );
    let verify = Command::new("osslsigncode")
        .args(["verify", "-CAfile"])
        .arg(&cert)
        .arg("-in")
        .arg(&signed)
        .output()
        .unwrap();
    assert!(
        verify.status.success(),
        "osslsigncode verify: {}",
        stdout(&verify)
    );
    let checked = Command::new(PYBUNDLE)
        .arg("verify")
        .arg(&signed)
        .output()
        .unwrap();
    assert!(
        checked.status.success(),
        "pybundle verify: {}",
        stderr(&checked)
    );

    let unpack = tempfile::tempdir().unwrap();
    let out = run_wine(&signed, &[], unpack.path());
    assert_eq!(
        (out.status.code(), stdout(&out).replace("\r\n", "\n")),
        (Some(0), "signed and running\n".to_string()),
        "{}",
        stderr(&out)
    );

    // One byte of the payload changed after signing: the launcher refuses, in one line.
    let mut bytes = fs::read(&signed).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x55;
    let damaged = dist.path().join("damaged.exe");
    fs::write(&damaged, bytes).unwrap();
    let out = run_wine(&damaged, &[], unpack.path());
    assert_eq!(out.status.code(), Some(255), "{}", stderr(&out));
    assert_eq!(stdout(&out), "");
    let said = stderr(&out);
    assert!(
        said.contains("cannot start because its archive is damaged") && said.lines().count() == 1,
        "{said}"
    );
}

/// The imports a build found nowhere, as (module, need), from its `--json` summary.
fn missing_imports(script: &Path, target_args: &[&OsStr]) -> Vec<(String, String)> {
    let dist = tempfile::tempdir().unwrap();
    let mut args = vec![
        script.as_os_str(),
        OsStr::new("--json"),
        OsStr::new("--distpath"),
        dist.path().as_os_str(),
    ];
    args.extend_from_slice(target_args);
    let out = pybundle_build(script.parent().unwrap(), &args);
    assert!(out.status.success(), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    (json["missing_imports"].as_array().unwrap().iter())
        .map(|m| {
            let field = |k: &str| m[k].as_str().unwrap().to_string();
            (field("module"), field("need"))
        })
        .collect()
}

#[needs(root, windows_x64)]
fn platform_branches_are_judged_for_the_target() {
    let w = windows();
    let src = tempfile::tempdir().unwrap();
    let script = write(
        src.path(),
        "branches.py",
        "import os, sys, platform\n\
         if sys.platform == 'win32':\n    import only_on_windows\n\
         elif sys.platform == 'darwin':\n    import only_on_macos\n\
         else:\n    import only_elsewhere\n\
         if os.name != 'nt' and platform.system() == 'Linux':\n    import only_on_linux\n",
    );
    let required = |m: &str| (m.to_string(), "required".to_string());
    let windows_build = missing_imports(
        &script,
        &[
            OsStr::new("--target"),
            OsStr::new("windows-x64"),
            OsStr::new("--runtime"),
            w.runtime.as_os_str(),
        ],
    );
    assert_eq!(windows_build, [required("only_on_windows")]);
    let linux_build = missing_imports(&script, &[]);
    assert_eq!(
        linux_build,
        [required("only_elsewhere"), required("only_on_linux")]
    );
}

#[needs(root, windows_x64)]
fn a_tkinter_app_needs_a_runtime_with_tcl_tk() {
    let w = windows();
    let src = tempfile::tempdir().unwrap();
    let script = write(src.path(), "gui.py", "import tkinter\ntkinter.Tk()\n");
    let dist = tempfile::tempdir().unwrap();
    let out = pybundle_build(
        src.path(),
        &[
            script.as_os_str(),
            OsStr::new("--distpath"),
            dist.path().as_os_str(),
            OsStr::new("--target"),
            OsStr::new("windows-x64"),
            OsStr::new("--runtime"),
            w.runtime.as_os_str(),
        ],
    );
    assert!(!out.status.success());
    let said = stderr(&out);
    assert!(
        said.contains("has no _tkinter")
            && said.contains("tools/windows-runtime --tk")
            && said.contains("--exclude-module tkinter"),
        "{said}"
    );
    assert!(is_empty_dir(dist.path()) || !dist.path().join("gui.exe").exists());
}

#[needs(root, windows_x64)]
fn a_tkinter_app_with_the_tk_runtime_opens_a_window_in_both_modes() {
    let runtime = tk_runtime().to_string_lossy().into_owned();
    let script = repo().join("examples/tk-gui/app.py");
    let src = tempfile::tempdir().unwrap();
    let icon = src.path().join("icon.png");
    image::RgbaImage::from_pixel(32, 32, image::Rgba([30, 90, 200, 255]))
        .save(&icon)
        .unwrap();
    let xvfb = Xvfb::start();
    let wine = PrivateWine::new();
    for mode in ["-F", "-D"] {
        let dist = tempfile::tempdir().unwrap();
        let exe = build_windows(
            &script,
            dist.path(),
            Path::new(&python()),
            &[
                mode,
                "--windowed",
                "--icon",
                icon.to_str().unwrap(),
                "--runtime",
                &runtime,
            ],
        );
        if mode == "-D" {
            let lib = dist.path().join("app/_internal");
            assert!(lib.join("_tkinter.pyd").is_file() || lib.join("DLLs/_tkinter.pyd").is_file());
            assert!(lib.join("tcl8.6/init.tcl").is_file() && lib.join("tk8.6/tk.tcl").is_file());
            assert!(
                !lib.join("tk8.6/demos").exists(),
                "Tk's demos are not the app's"
            );
        }
        let unpack = tempfile::tempdir().unwrap();
        let out = wine_command_in(wine.prefix.path(), &exe, &["--smoke"], unpack.path())
            .env("DISPLAY", &xvfb.display)
            .output()
            .unwrap();
        let text = stdout(&out).replace("\r\n", "\n");
        assert!(out.status.success(), "{mode}: {text}{}", stderr(&out));
        assert!(
            text.starts_with("window mapped=True size="),
            "{mode}: {text}"
        );
        assert!(
            text.contains("\nentry says 'typed into Tk'\n"),
            "{mode}: {text}"
        );
        assert!(text.contains("\ntk 8.6."), "{mode}: {text}");
        assert!(text.ends_with("closed cleanly\n"), "{mode}: {text}");
        assert!(
            is_empty_dir(unpack.path()),
            "{mode}: the unpacked app was left behind"
        );
    }
}

#[needs(root, windows_x64)]
fn a_cached_onefile_unpacks_once_into_local_app_data() {
    let w = windows();
    let src = tempfile::tempdir().unwrap();
    let script = write(
        src.path(),
        "cached.py",
        "import sys\nprint('running from', sys._MEIPASS.split('\\\\')[-2])\n",
    );
    let dist = tempfile::tempdir().unwrap();
    let exe = build_windows(
        &script,
        dist.path(),
        Path::new(&python()),
        &["-F", "--runtime-cache"],
    );
    let unpack = tempfile::tempdir().unwrap();
    for run in ["first", "second"] {
        let out = run_wine(&exe, &[], unpack.path());
        assert_eq!(
            stdout(&out).replace("\r\n", "\n"),
            "running from pybundle\n",
            "{run}: {}",
            stderr(&out)
        );
    }
    assert!(
        is_empty_dir(unpack.path()),
        "a cached app unpacked privately"
    );
    let users = w.prefix.join("drive_c/users");
    let cached: Vec<_> = glob::glob(&format!(
        "{}/*/AppData/Local/pybundle/cached-*",
        users.display()
    ))
    .unwrap()
    .flatten()
    .collect();
    assert_eq!(cached.len(), 1, "{cached:?}");
    assert!(cached[0].join("python311.dll").is_file());

    // The cache stays bounded here too: older builds of the app beyond the newest few and
    // anything unused for a month go at the next launch; what is not an entry stays.
    let base = cached[0].parent().unwrap().to_path_buf();
    let day = std::time::Duration::from_secs(86_400);
    let planted = [
        (format!("cached-{:032x}", 1), 1),
        (format!("cached-{:032x}", 2), 2),
        (format!("cached-{:032x}", 3), 3),
        (format!("other-{:032x}", 4), 40),
        ("not-an-entry".to_string(), 40),
    ];
    for (name, days) in &planted {
        fs::create_dir(base.join(name)).unwrap();
        let when = std::time::SystemTime::now() - day * *days;
        fs::File::open(base.join(name))
            .unwrap()
            .set_modified(when)
            .unwrap();
    }
    let out = run_wine(&exe, &[], unpack.path());
    assert!(out.status.success(), "{}", stderr(&out));
    let mut left: Vec<String> = fs::read_dir(&base)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    let current = cached[0]
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    let mut expected = vec![
        planted[0].0.clone(),
        planted[1].0.clone(),
        current,
        "not-an-entry".to_string(),
    ];
    expected.sort();
    assert_eq!(left, expected);
    fs::remove_dir_all(&base).unwrap();
}

#[needs(root, windows_x64)]
fn the_app_dies_with_its_killed_launcher() {
    use std::io::{BufRead, BufReader};
    let src = tempfile::tempdir().unwrap();
    let script = write(
        src.path(),
        "lifeline.py",
        "import time\nprint('started', flush=True)\ntime.sleep(120)\n",
    );
    let dist = tempfile::tempdir().unwrap();
    let exe = build_windows(&script, dist.path(), Path::new(&python()), &["-F"]);
    let unpack = tempfile::tempdir().unwrap();
    let mut launcher = spawn_wine(&exe, unpack.path());
    let mut line = String::new();
    let stdout = launcher.stdout.take().unwrap();
    BufReader::new(stdout).read_line(&mut line).unwrap();
    assert_eq!(line.trim_end(), "started");
    // Two processes run lifeline.exe: the launcher and the app. Kill the launcher only.
    let running = || processes_running("lifeline.exe").len();
    assert_eq!(running(), 2, "the launcher and the app");
    launcher.kill().unwrap();
    launcher.wait().unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while running() > 0 && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert_eq!(running(), 0, "the app outlived its launcher");
}

#[needs(root, windows_x64)]
fn ctrl_c_reaches_the_app_as_keyboard_interrupt() {
    use std::io::{BufRead, BufReader, Read};
    let src = tempfile::tempdir().unwrap();
    let script = write(
        src.path(),
        "interrupted.py",
        "import time
print('started', flush=True)
try:
    time.sleep(60)
\
         except KeyboardInterrupt:
    print('KeyboardInterrupt', flush=True)
    raise SystemExit(130)
",
    );
    let dist = tempfile::tempdir().unwrap();
    let exe = build_windows(&script, dist.path(), Path::new(&python()), &["-F"]);
    let unpack = tempfile::tempdir().unwrap();
    let mut launcher = spawn_wine(&exe, unpack.path());
    let mut out = BufReader::new(launcher.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    assert_eq!(line.trim_end(), "started");
    // Ctrl-C in a console reaches every process attached to it; wine turns SIGINT into it.
    let pids = processes_running("interrupted.exe");
    assert_eq!(pids.len(), 2, "the launcher and the app");
    for pid in pids {
        // SAFETY: kill(2) on a process of this test.
        unsafe {
            libc::kill(pid, libc::SIGINT);
        }
    }
    let mut rest = String::new();
    out.read_to_string(&mut rest).unwrap();
    let status = launcher.wait().unwrap();
    assert_eq!(rest.replace("\r\n", "\n"), "KeyboardInterrupt\n");
    assert_eq!(status.code(), Some(130), "the launcher ends as the app did");
    assert!(is_empty_dir(unpack.path()), "the unpack folder stayed");
}

/// The Linux pids of the wine processes running the program `name`.
fn processes_running(name: &str) -> Vec<i32> {
    fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| {
            let pid = e.file_name().to_str()?.parse().ok()?;
            let cmdline = fs::read(e.path().join("cmdline")).ok()?;
            String::from_utf8_lossy(&cmdline)
                .contains(name)
                .then_some(pid)
        })
        .collect()
}

/// Folders the packages put on Windows' DLL search path when they are imported, as their own
/// code says: delvewheel's `<dist>.libs` (its patch to the package's `__init__`), PySide6's
/// `__init__` (its own folder on PATH, shiboken6's by `os.add_dll_directory`), PyQt6's
/// `find_qt()` (`Qt6\bin`), pywin32's `pywin32_bootstrap` (`pywin32_system32`).
fn package_dll_dir(dir: &str) -> bool {
    (!dir.contains('/') && dir.ends_with(".libs"))
        || ["PySide6", "shiboken6", "PyQt6/Qt6/bin", "pywin32_system32"].contains(&dir)
}

/// Every PE file under `root` (a onedir bundle's library folder) and the DLLs each imports
/// that Windows' loader would not find: not Windows' own, and not in the importing file's
/// folder, the root (the launcher's DLL directory) or, for a package's file, a folder a
/// package adds. Returns the number of imports checked and the unresolved ones.
fn unresolved_dll_imports(root: &Path) -> (usize, Vec<String>) {
    let mut files: Vec<String> = Vec::new();
    for entry in walkdir(root) {
        files.push(
            entry
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .into_owned(),
        );
    }
    let has = |dir: &str, name: &str| {
        files.iter().any(|f| {
            let (d, n) = f.rsplit_once('/').unwrap_or(("", f));
            d == dir && n.eq_ignore_ascii_case(name)
        })
    };
    let mut checked = 0;
    let mut unresolved = Vec::new();
    for rel in &files {
        let lower = rel.to_ascii_lowercase();
        if !(lower.ends_with(".dll") || lower.ends_with(".pyd") || lower.ends_with(".exe")) {
            continue;
        }
        let bytes = fs::read(root.join(rel)).unwrap();
        let imports = pybundle::native::pe::read::imports(&bytes).unwrap_or_default();
        let dir = rel.rsplit_once('/').map_or("", |(d, _)| d);
        let early = dir.is_empty() || dir == "DLLs";
        for name in imports {
            if pybundle::native::pe::system::is_system(&name) {
                continue;
            }
            checked += 1;
            let found = has(dir, &name)
                || has("", &name)
                || (!early
                    && (files.iter())
                        .filter_map(|f| f.rsplit_once('/'))
                        .any(|(d, n)| package_dll_dir(d) && n.eq_ignore_ascii_case(&name)));
            if !found {
                unresolved.push(format!("{rel} imports {name}"));
            }
        }
    }
    (checked, unresolved)
}

/// Every file under `dir`, recursively.
fn walkdir(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walkdir(&path));
        } else {
            out.push(path);
        }
    }
    out
}

#[needs(root, windows_x64)]
fn every_dll_a_windows_bundle_links_to_is_where_the_loader_looks() {
    let tk = tk_runtime().to_string_lossy().into_owned();
    let src = tempfile::tempdir().unwrap();
    let mixed = write(
        src.path(),
        "mixed.py",
        "import tkinter, numpy, PIL.Image\n\
         from cryptography.hazmat.primitives.ciphers.aead import AESGCM\n\
         print(numpy.__version__, PIL.Image.__name__, AESGCM, tkinter.TkVersion)\n",
    );
    let cases = [
        (
            mixed,
            venv(&["numpy==1.26.4", "pillow==13.0.0", "cryptography==51.0.1"]),
            vec!["--runtime", tk.as_str()],
        ),
        (
            repo().join("examples/qt-widgets/widgets.py"),
            venv(crate::qt::PYSIDE6),
            vec![],
        ),
        (
            fixture("qt").join("widgets_pyqt6.py"),
            venv(crate::qt::PYQT6),
            vec![],
        ),
    ];
    let mut total = 0;
    for (script, python, extra) in &cases {
        let dist = tempfile::tempdir().unwrap();
        let mut args = vec!["-D"];
        args.extend(extra.iter().copied());
        let built = Build::new(script, dist.path())
            .python(python)
            .args(&["--target", "windows-x64"])
            .args(
                if extra.is_empty() {
                    vec!["--runtime", windows().runtime.to_str().unwrap()]
                } else {
                    vec![]
                }
                .as_slice(),
            )
            .args(&args)
            .env("PYBUNDLE_CACHE_DIR", &windows().cache)
            .run();
        assert!(
            !built.stderr.contains("will fail to import"),
            "{}: {}",
            script.display(),
            built.stderr
        );
        let root = built.exe.parent().unwrap().join("_internal");
        let (checked, unresolved) = unresolved_dll_imports(&root);
        assert!(
            unresolved.is_empty(),
            "{}: {unresolved:#?}",
            script.display()
        );
        assert!(checked > 10, "{}: only {checked} imports", script.display());
        total += checked;
    }
    eprintln!("PE imports checked: {total}");
}

/// The sum of the sizes of the files under `path` (a onedir folder), or the file's size.
fn size_of(path: &Path) -> u64 {
    if path.is_dir() {
        walkdir(path)
            .iter()
            .map(|f| fs::metadata(f).unwrap().len())
            .sum()
    } else {
        fs::metadata(path).unwrap().len()
    }
}

#[needs(root, windows_x64)]
fn qt_widgets_apps_run_under_wine_and_weigh_what_they_do_on_linux() {
    // Qt 6 links to icuuc.dll, which Windows 10 has and wine 8 lacks: the test's own prefix
    // gets it (tools/wine-icu), never the bundle.
    let wine = PrivateWine::new();
    let icu = Command::new(repo().join("tools/wine-icu"))
        .arg(wine.prefix.path())
        .env("PYTHON", python())
        .output()
        .unwrap();
    assert!(icu.status.success(), "tools/wine-icu: {}", stderr(&icu));
    let apps = [
        (
            repo().join("examples/qt-widgets/widgets.py"),
            crate::qt::PYSIDE6,
        ),
        (fixture("qt").join("widgets_pyqt6.py"), crate::qt::PYQT6),
    ];
    for (script, packages) in apps {
        let python = venv(packages);
        for mode in ["-F", "-D"] {
            let win_dist = tempfile::tempdir().unwrap();
            let exe = build_windows(&script, win_dist.path(), &python, &[mode]);
            let unpack = tempfile::tempdir().unwrap();
            let out = wine_command_in(
                wine.prefix.path(),
                &exe,
                &["-platform", "offscreen"],
                unpack.path(),
            )
            .output()
            .unwrap();
            let text = stdout(&out).replace("\r\n", "\n");
            assert!(
                text.starts_with("label: Hello from Qt | button: Press | platform: offscreen"),
                "{} {mode}: {text}{}",
                script.display(),
                stderr(&out)
            );
            assert!(is_empty_dir(unpack.path()));
            // As lean as the same app for Linux (issue 23: at most 1.15 times its size).
            let linux_dist = tempfile::tempdir().unwrap();
            let linux = build_with(&script, linux_dist.path(), &[mode], &python);
            let (win_size, linux_size) = match mode {
                "-F" => (size_of(&exe), size_of(&linux)),
                _ => (
                    size_of(exe.parent().unwrap()),
                    size_of(linux.parent().unwrap()),
                ),
            };
            assert!(
                win_size as f64 <= 1.15 * linux_size as f64,
                "{} {mode}: {win_size} bytes for Windows, {linux_size} for Linux",
                script.display()
            );
        }
    }
}

#[needs(root, windows_x64)]
fn pywin32_comes_for_windows_from_the_projects_dependencies_or_by_name() {
    let w = windows();
    let project = tempfile::tempdir().unwrap();
    write(
        project.path(),
        "pyproject.toml",
        "[project]\nname = \"winfo\"\nversion = \"1.0\"\n\
         dependencies = [\"pywin32==312; sys_platform == 'win32'\"]\n\n\
         [project.scripts]\nwinfo = \"winfo:main\"\n",
    );
    write(
        project.path(),
        "winfo.py",
        "import sys\n\n\ndef main():\n    if sys.platform == 'win32':\n        import win32api\n        import pywintypes\n\n        print('Windows', win32api.GetVersion() & 0xFF > 0, pywintypes.error.__name__)\n    else:\n        print('not Windows')\n",
    );
    // The project's dependency for Windows only, in a project build (onefile)...
    let dist = tempfile::tempdir().unwrap();
    let mut cmd = pybundle_cmd(project.path());
    with_python(&mut cmd)
        .args([
            "-F",
            "-y",
            "--json",
            "--target",
            "windows-x64",
            "--distpath",
        ])
        .arg(dist.path())
        .arg("--runtime")
        .arg(&w.runtime)
        .env("PYBUNDLE_CACHE_DIR", &w.cache);
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["missing_imports"], serde_json::json!([]), "{json}");
    let onefile = PathBuf::from(json["executable"].as_str().unwrap());
    // ... and named on the command line for a plain script (onedir).
    let script = write(project.path(), "plain.py", "import winfo\nwinfo.main()\n");
    let dist_dir = tempfile::tempdir().unwrap();
    let onedir = build_windows(
        &script,
        dist_dir.path(),
        Path::new(&python()),
        &["-D", "--target-package", "pywin32==312"],
    );
    let lib = onedir.parent().unwrap().join("_internal");
    assert!(lib.join("win32/win32api.pyd").is_file());
    assert!(lib.join("pywin32_system32/pywintypes311.dll").is_file());
    assert!(
        !lib.join("pywin32.pth").exists(),
        "the .pth is the bootstrap's to run"
    );
    assert!(!lib.join("win32/Demos").exists() && !lib.join("PyWin32.chm").exists());
    for exe in [&onefile, &onedir] {
        let unpack = tempfile::tempdir().unwrap();
        let out = run_wine(exe, &[], unpack.path());
        assert_eq!(
            stdout(&out).replace("\r\n", "\n"),
            "Windows True error\n",
            "{}: {}",
            exe.display(),
            stderr(&out)
        );
        assert!(is_empty_dir(unpack.path()));
    }
}

#[needs(root, windows_x64)]
fn cpython_3_12_and_3_13_runtimes_come_the_same_way() {
    let w = windows();
    for (minor, mode) in [("3.12", "-F"), ("3.13", "-D")] {
        let python = cpython(minor);
        let runtime = w
            .runtime
            .with_file_name(format!("python-{minor}-embed-amd64.zip"));
        run_tool(
            "windows-runtime",
            &[
                OsStr::new("--python"),
                OsStr::new(minor),
                runtime.as_os_str(),
            ],
            &[],
            "",
        );
        let dist = tempfile::tempdir().unwrap();
        let exe = Build::new(&repo().join("examples/hello/hello.py"), dist.path())
            .python(&python)
            .args(&[
                mode,
                "--target",
                "windows-x64",
                "--runtime",
                runtime.to_str().unwrap(),
            ])
            .env("PYBUNDLE_CACHE_DIR", &w.cache)
            .run()
            .exe;
        let unpack = tempfile::tempdir().unwrap();
        let mut cmd = wine_command(&exe, &["--exit=3"], unpack.path());
        let out = cmd.output().unwrap();
        let text = stdout(&out).replace("\r\n", "\n");
        assert!(
            text.starts_with(&format!("Hello from a bundled Python {minor}.")),
            "{minor}: {text}{}",
            stderr(&out)
        );
        assert_eq!(out.status.code(), Some(3), "{minor}");
        assert!(is_empty_dir(unpack.path()));
    }
}

#[needs(root, windows_x64)]
fn a_windows_build_is_the_same_bytes_each_time() {
    let w = windows();
    let script = repo().join("examples/click-cli/cli.py");
    let python = venv(&["click==8.1.7"]);
    for mode in ["-F", "-D"] {
        let builds: Vec<_> = (0..2)
            .map(|_| {
                let dist = tempfile::tempdir().unwrap();
                let work = tempfile::tempdir().unwrap();
                let out = Command::new(PYBUNDLE)
                    .arg("build")
                    .arg(&script)
                    .args([
                        mode,
                        "-y",
                        "-q",
                        "--compression-level",
                        "1",
                        "--target",
                        "windows-x64",
                    ])
                    .arg("--runtime")
                    .arg(&w.runtime)
                    .arg("--python")
                    .arg(&python)
                    .arg("--distpath")
                    .arg(dist.path())
                    .arg("--workpath")
                    .arg(work.path())
                    .env("PYBUNDLE_CACHE_DIR", &w.cache)
                    .output()
                    .unwrap();
                assert!(out.status.success(), "{}", stderr(&out));
                let contents = tree_contents(dist.path());
                assert!(contents.len() >= 2, "{mode}: {} entries", contents.len());
                contents
            })
            .collect();
        assert!(builds[0] == builds[1], "{mode}: the two builds differ");
    }
}

#[needs(root, windows_x64)]
fn ssl_ctypes_and_sqlite3_work_in_a_windows_bundle() {
    let src = tempfile::tempdir().unwrap();
    let script = write(
        src.path(),
        "batteries.py",
        "import ctypes, sqlite3, ssl\n\
         context = ssl.create_default_context()\n\
         ticks = ctypes.windll.kernel32.GetTickCount()\n\
         version = sqlite3.connect(':memory:').execute('select sqlite_version()').fetchone()[0]\n\
         print('ssl', ssl.OPENSSL_VERSION.split()[0], context.verify_mode == ssl.CERT_REQUIRED,\n\
         \x20     '| ctypes', ticks > 0, '| sqlite', version.count('.') == 2)\n",
    );
    let dist = tempfile::tempdir().unwrap();
    let exe = build_windows(&script, dist.path(), Path::new(&python()), &["-F"]);
    let unpack = tempfile::tempdir().unwrap();
    let out = run_wine(&exe, &[], unpack.path());
    assert_eq!(
        stdout(&out).replace("\r\n", "\n"),
        "ssl OpenSSL True | ctypes True | sqlite True\n",
        "{}",
        stderr(&out)
    );
    assert!(is_empty_dir(unpack.path()));
}
