//! Third-party packages and the import options (issue 3): distributions found by analysis and
//! bundled whole with their metadata, `--hidden-import`, `--exclude-module`.

use std::path::Path;

use crate::harness::*;
use pybundle_e2e_macros::needs;

const CLICK: &str = "click==8.1.7";

#[needs(root)]
fn a_click_app_bundles_with_no_hints_and_reads_its_metadata() {
    let python = venv(&[CLICK]);
    let script = repo().join("examples/click-cli/cli.py");
    for mode in ["-F", "-D"] {
        let dist = tempfile::tempdir().unwrap();
        let exe = build_with(&script, dist.path(), &[mode], &python);
        let (out, clean) = run_hermetic(&exe, &["greet", "World", "--shout"]);
        assert!(out.status.success(), "{mode}: {}", stderr(&out));
        assert_eq!(stdout(&out), "HELLO, WORLD!\n");
        let (out, _) = run_hermetic(&exe, &["versions"]);
        assert!(out.status.success(), "{mode}: {}", stderr(&out));
        assert!(
            stdout(&out).starts_with("click 8.1.7\n"),
            "{}",
            stdout(&out)
        );
        assert!(clean);
    }
}

#[test]
fn packages_installed_but_not_imported_stay_out() {
    // The venv holds click; hello imports nothing of it.
    let python = venv(&[CLICK]);
    let dist = tempfile::tempdir().unwrap();
    let script = repo().join("examples/hello/hello.py");
    build_with(&script, dist.path(), &["-D"], &python);
    let root = Root::onedir(dist.path(), "hello");
    assert!(
        !root.holds_any("click"),
        "click was bundled although hello never imports it"
    );
}

#[needs(root)]
fn hidden_imports_are_bundled_and_excluded_modules_are_not() {
    let script = fixture("imports").join("app.py");
    let hints = ["--hidden-import", "only_by_name", "--hidden-import", "csv"];
    let dist = tempfile::tempdir().unwrap();
    let exe = build(&script, dist.path(), &[&["-F"][..], &hints].concat());
    let (out, _) = run_hermetic(&exe, &["only_by_name"]);
    assert_eq!(
        stdout(&out),
        "imported only_by_name from the bundle\n",
        "{}",
        stderr(&out)
    );
    let (out, _) = run_hermetic(&exe, &["csv"]);
    assert_eq!(
        stdout(&out),
        "imported csv from the bundle\n",
        "{}",
        stderr(&out)
    );
    // The standard library is pruned to what the app reaches: nothing imports wave.
    let (out, _) = run_hermetic(&exe, &["wave"]);
    assert_eq!(stdout(&out), "missing wave: ModuleNotFoundError\n");

    let dist = tempfile::tempdir().unwrap();
    let excluded = [&["-F"][..], &hints, &["--exclude-module", "csv"]].concat();
    let exe = build(&script, dist.path(), &excluded);
    let (out, _) = run_hermetic(&exe, &["csv"]);
    assert_eq!(out.status.code(), Some(3));
    assert_eq!(stdout(&out), "missing csv: ModuleNotFoundError\n");
}

#[needs(root)]
fn multiprocessing_works_without_freeze_support() {
    let script = fixture("multiproc").join("mp_app.py");
    for mode in ["-F", "-D"] {
        let dist = tempfile::tempdir().unwrap();
        let exe = build(&script, dist.path(), &[mode]);
        for method in ["spawn", "forkserver", "fork"] {
            // The resource tracker is a bundle launch of its own that ends just after the app.
            let settle = std::time::Duration::from_secs(10);
            let (out, clean) = run_hermetic_settling(&exe, &[method.as_ref()], settle);
            assert!(out.status.success(), "{mode} {method}: {}", stderr(&out));
            assert_eq!(
                stdout(&out),
                format!("{method}: sum=285 child of MainProcess exit=0\n"),
                "{mode} {method}: {}",
                stderr(&out)
            );
            assert!(clean, "{mode} {method}: unpack folders left behind");
        }
    }
}

#[needs(root)]
fn running_sys_executable_starts_the_app_again() {
    let script = fixture("multiproc").join("mp_app.py");
    for mode in ["-F", "-D"] {
        let dist = tempfile::tempdir().unwrap();
        let exe = build(&script, dist.path(), &[mode]);
        let (out, clean) = run_hermetic(&exe, &["again"]);
        // A deliberate relaunch is an instance of its own: onefile unpacks again.
        let own_root = mode == "-F";
        assert_eq!(
            stdout(&out),
            format!(
                "again: hi there (0)\nown-root={}\n",
                if own_root { "True" } else { "False" }
            ),
            "{mode}: {}",
            stderr(&out)
        );
        assert!(clean);
    }
}

/// The helpers multiprocessing starts run from the app's own folder (one unpack for the whole
/// process tree) and carry the name the user ran, a link's included.
#[needs(root)]
fn multiprocessing_helpers_share_the_apps_folder_and_name() {
    let script = fixture("multiproc").join("mp_app.py");
    for mode in ["-F", "-D"] {
        let dist = tempfile::tempdir().unwrap();
        let exe = build(&script, dist.path(), &[mode]);
        let link = dist.path().join("mp-link");
        std::os::unix::fs::symlink(&exe, &link).unwrap();
        for method in ["spawn", "forkserver"] {
            let settle = std::time::Duration::from_secs(10);
            let (out, clean) =
                run_hermetic_settling(&link, &["share".as_ref(), method.as_ref()], settle);
            assert!(out.status.success(), "{mode} {method}: {}", stderr(&out));
            let folders = if mode == "-F" { 1 } else { 0 };
            assert_eq!(
                stdout(&out),
                format!(
                    "roots-shared=True names=['mp-link'] app=mp-link\nworkers=4 unpack-folders={folders}\n"
                ),
                "{mode} {method}: {}",
                stderr(&out)
            );
            assert!(clean, "{mode} {method}: the unpack folder was left behind");
        }
    }
}

#[needs(root)]
fn numpy_and_its_bundled_libraries_run_where_no_python_is() {
    check_both_modes(
        &repo().join("examples/numpy-app/matmul.py"),
        &venv(&["numpy==2.4.6"]),
        &[],
        &[],
        "numpy 2.4.6\ntrace of a @ inv(a + I): 10.5\nchecksum: 499500\n",
    );
}

/// numpy beyond its core: random (whose compiled modules import `secrets` from C), star
/// imports (which import numpy.f2py), numpy.testing (which needs unittest), fft, ma.
#[needs(root)]
fn numpy_apis_behave_as_under_python() {
    check_like_python_without_warnings(
        &fixture("popular").join("numpy_all.py"),
        &venv(&["numpy==2.4.6"]),
    );
}

#[test]
fn numpy_build_tools_and_headers_stay_out_unless_asked_for() {
    let python = venv(&["numpy==2.4.6"]);
    let script = repo().join("examples/numpy-app/matmul.py");
    let site = |dist: &std::path::Path| Root::onedir(dist, "matmul").site_packages().join("numpy");
    let dist = tempfile::tempdir().unwrap();
    build_with(&script, dist.path(), &["-D"], &python);
    let numpy = site(dist.path());
    let root = Root::onedir(dist.path(), "matmul");
    assert!(root.holds(&numpy.join("linalg/__init__.pyc")));
    assert!(root.holds(&numpy.join("testing/__init__.pyc")));
    for gone in [
        "numpy/distutils",
        "numpy/_core/include/numpy/ndarrayobject.h",
    ] {
        assert!(!root.holds_any(gone), "{gone} bundled");
    }
    // Asked for: the whole distribution, as installed.
    let dist = tempfile::tempdir().unwrap();
    build_with(
        &script,
        dist.path(),
        &["-D", "--collect-data", "numpy"],
        &python,
    );
    let numpy = site(dist.path());
    let root = Root::onedir(dist.path(), "matmul");
    for kept in ["f2py/__init__.pyc", "_core/include/numpy/ndarrayobject.h"] {
        assert!(root.holds(&numpy.join(kept)), "{kept} left out");
    }
}

/// `tests/fixtures/native/answer.c` built into `dir` with debug information, as
/// `libanswer.so`.
fn answer_library(dir: &std::path::Path) -> std::path::PathBuf {
    let lib = dir.join("libanswer.so");
    let cc = std::process::Command::new("gcc")
        .args(["-g", "-shared", "-fPIC", "-o"])
        .arg(&lib)
        .arg(fixture("native").join("answer.c"))
        .arg("-l:libexpat.so.1")
        .output()
        .expect("gcc runs");
    assert!(cc.status.success(), "{}", stderr(&cc));
    lib
}

#[needs(root)]
fn add_binary_brings_a_ctypes_library_and_its_dependencies() {
    let build_dir = tempfile::tempdir().unwrap();
    let lib = answer_library(build_dir.path());
    let host_libexpat = resolved_by_ldd(&lib, "libexpat.so.1");
    let script = fixture("native").join("native_app.py");
    let binary = format!("{}:native", lib.display());
    for mode in ["-F", "-D"] {
        let dist = tempfile::tempdir().unwrap();
        let exe = build(
            &script,
            dist.path(),
            &[
                mode,
                "--add-binary",
                &binary,
                "--collect-submodules",
                "plugins",
            ],
        );
        // The machine's libexpat and the folder libanswer was built in are hidden too: the
        // bundle must carry the one and must not point at the other.
        let tmp = tempfile::tempdir().unwrap();
        let out = hermetic_hiding(&exe, &[], &[&host_libexpat, build_dir.path()])
            .env("TMPDIR", tmp.path())
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap();
        assert!(out.status.success(), "{mode}: {}", stderr(&out));
        assert_eq!(
            stdout(&out),
            "answer 42 expat\nplugin alpha\nplugin beta\n",
            "{mode}"
        );
        assert!(is_empty_dir(tmp.path()));
    }
    // libexpat came along as libanswer's dependency.
    let dist = tempfile::tempdir().unwrap();
    build(&script, dist.path(), &["-D", "--add-binary", &binary]);
    assert!(Root::onedir(dist.path(), "native_app")
        .lib()
        .join("libexpat.so.1")
        .is_file());
    assert!(dist
        .path()
        .join("native_app/_internal/native/libanswer.so")
        .is_file());
}

/// Where this machine's loader finds `name` for `elf` (as `ldd` says).
fn resolved_by_ldd(elf: &std::path::Path, name: &str) -> std::path::PathBuf {
    let out = std::process::Command::new("ldd").arg(elf).output().unwrap();
    let text = stdout(&out);
    let line = (text.lines())
        .find(|l| l.trim_start().starts_with(name))
        .unwrap_or_else(|| panic!("ldd does not list {name}: {text}"));
    let path = line
        .split("=>")
        .nth(1)
        .and_then(|r| r.split_whitespace().next());
    std::path::PathBuf::from(path.unwrap_or_else(|| panic!("{line}")))
}

/// The names of an ELF file's sections, or `None` when it is not one.
fn elf_sections(path: &std::path::Path) -> Option<Vec<String>> {
    let bytes = std::fs::read(path).ok()?;
    let elf = goblin::elf::Elf::parse(&bytes).ok()?;
    let names = elf.section_headers.iter();
    Some(
        names
            .filter_map(|header| elf.shdr_strtab.get_at(header.sh_name))
            .map(str::to_string)
            .collect(),
    )
}

#[needs(root)]
fn bundled_libraries_lose_debug_information_and_with_strip_their_symbol_tables() {
    let build_dir = tempfile::tempdir().unwrap();
    let lib = answer_library(build_dir.path());
    let before = elf_sections(&lib).unwrap();
    assert!(before.iter().any(|s| s == ".debug_info") && before.iter().any(|s| s == ".symtab"));
    let script = fixture("native").join("native_app.py");
    let binary = format!("{}:native", lib.display());
    for strip in [false, true] {
        let dist = tempfile::tempdir().unwrap();
        let mut args = vec!["-D", "--add-binary", &binary];
        if strip {
            args.push("--strip");
        }
        let exe = build(&script, dist.path(), &args);
        // ctypes still finds the library's functions: they are in the dynamic symbol table.
        let (out, _) = run_hermetic(&exe, &[]);
        assert!(out.status.success(), "strip={strip}: {}", stderr(&out));
        assert!(
            stdout(&out).starts_with("answer 42 expat\n"),
            "{}",
            stdout(&out)
        );
        let mut elf_files = 0;
        let mut stack = vec![dist.path().join("native_app/_internal")];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                let Some(sections) = elf_sections(&path) else {
                    continue;
                };
                elf_files += 1;
                let shown = path.display();
                assert!(
                    !sections.iter().any(|s| s.starts_with(".debug_")),
                    "{shown}"
                );
                if strip {
                    assert!(!sections.iter().any(|s| s == ".symtab"), "{shown}");
                }
            }
        }
        assert!(elf_files > 5, "{elf_files} ELF files");
        let bundled = elf_sections(&dist.path().join("native_app/_internal/native/libanswer.so"));
        assert_eq!(
            bundled.unwrap().iter().any(|s| s == ".symtab"),
            !strip,
            "libanswer.so keeps its symbols unless --strip"
        );
    }
}

#[needs(root)]
fn a_tkinter_app_opens_a_real_window_and_closes_cleanly() {
    let xvfb = Xvfb::start();
    let script = repo().join("examples/tk-gui/app.py");
    for mode in ["-F", "-D"] {
        let dist = tempfile::tempdir().unwrap();
        let exe = build(&script, dist.path(), &[mode]);
        let tmp = tempfile::tempdir().unwrap();
        // The host's Tcl/Tk script libraries are hidden too: the bundle must carry its own.
        let host_tcl = std::path::Path::new("/usr/share/tcltk");
        let out = hermetic_hiding(&exe, &["--smoke".as_ref()], &[host_tcl])
            .env("DISPLAY", &xvfb.display)
            .env("TMPDIR", tmp.path())
            .output()
            .unwrap();
        assert!(out.status.success(), "{mode}: {}", stderr(&out));
        let text = stdout(&out);
        assert!(
            text.starts_with("window mapped=True size="),
            "{mode}: {text}"
        );
        assert!(
            text.contains("\nentry says 'typed into Tk'\n"),
            "{mode}: {text}"
        );
        assert!(text.contains("\ntk 8.6"), "{mode}: {text}");
        assert!(text.ends_with("closed cleanly\n"), "{mode}: {text}");
        assert!(is_empty_dir(tmp.path()));
    }
}

#[test]
fn tk_stays_out_of_apps_that_do_not_use_it() {
    let dist = tempfile::tempdir().unwrap();
    build(
        &repo().join("examples/hello/hello.py"),
        dist.path(),
        &["-D"],
    );
    let root = Root::onedir(dist.path(), "hello");
    assert!(!root.lib().join("tcl8.6").exists());
    assert!(!root.lib().join("libtk8.6.so").exists());
    let dynload = root.dynload();
    let has_tkinter = std::fs::read_dir(&dynload)
        .unwrap()
        .flatten()
        .any(|e| e.file_name().to_string_lossy().starts_with("_tkinter"));
    assert!(!has_tkinter);
}

#[test]
fn a_base_interpreter_full_of_packages_gives_a_small_bundle() {
    // The machine's interpreter has its own site-packages (hundreds of distributions on the
    // build machines); hello reaches none of them.
    let dist = tempfile::tempdir().unwrap();
    let out = pybundle_build(
        &repo(),
        &[
            repo().join("examples/hello/hello.py").as_os_str(),
            "-D".as_ref(),
            "--json".as_ref(),
            "--distpath".as_ref(),
            dist.path().as_os_str(),
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("\"distributions\":[],"),
        "{}",
        stdout(&out)
    );
    let root = Root::onedir(dist.path(), "hello");
    let metadata: Vec<_> = std::fs::read_dir(&root.0)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".dist-info") || n.ends_with(".egg-info"))
        .collect();
    assert!(
        metadata.is_empty(),
        "distributions bundled for an app that uses none: {metadata:?}"
    );
}

#[test]
fn two_different_libraries_with_one_name_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let gcc = |args: &[&str]| {
        let out = std::process::Command::new("gcc")
            .current_dir(dir.path())
            .args(args)
            .output()
            .expect("gcc runs");
        assert!(out.status.success(), "{}", stderr(&out));
    };
    for (sub, value) in [("a", "1"), ("b", "2")] {
        std::fs::create_dir_all(dir.path().join(sub)).unwrap();
        let source = dir.path().join(sub).join("dep.c");
        std::fs::write(&source, format!("int dep(void) {{ return {value}; }}\n")).unwrap();
        gcc(&[
            "-shared",
            "-fPIC",
            "-o",
            &format!("{sub}/libdep.so"),
            &format!("{sub}/dep.c"),
        ]);
        let user = dir.path().join(format!("use_{sub}.c"));
        std::fs::write(&user, "int dep(void);\nint use(void) { return dep(); }\n").unwrap();
        gcc(&[
            "-shared",
            "-fPIC",
            "-o",
            &format!("{sub}/libuse_{sub}.so"),
            &format!("use_{sub}.c"),
            &format!("-L{sub}"),
            "-ldep",
            "-Wl,-rpath,$ORIGIN",
        ]);
    }
    let bin = |sub: &str| {
        format!(
            "{}:.",
            dir.path()
                .join(sub)
                .join(format!("libuse_{sub}.so"))
                .display()
        )
    };
    let dist = tempfile::tempdir().unwrap();
    let script = repo().join("examples/hello/hello.py");
    let out = pybundle_build(
        &repo(),
        &[
            script.as_os_str(),
            "-D".as_ref(),
            "--distpath".as_ref(),
            dist.path().as_os_str(),
            "--add-binary".as_ref(),
            bin("a").as_ref(),
            "--add-binary".as_ref(),
            bin("b").as_ref(),
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("would load libdep.so from") && err.contains("but the bundle carries"),
        "{err}"
    );
}

#[needs(root)]
fn metadata_entry_points_and_package_data_work_at_run_time() {
    check_both_modes(
        &fixture("metadata").join("app.py"),
        &venv(&["tqdm==4.70.1", "certifi==2026.10.19.post1"]),
        &[],
        &[],
        "tqdm 4.70.1 True\nconsole scripts ['tqdm']\ndata via __file__ True\ndata via importlib.resources True\n",
    );
}

/// `pip install -e`: a src-layout project (a `.pth` folder line) and a flat one (setuptools'
/// finder module) are bundled from their project folders, which the bundle then never needs.
#[needs(root)]
fn editable_installs_are_bundled_from_their_project_folders() {
    let work = tempfile::tempdir().unwrap();
    let project = |dir: &str, name: &str, package_dir: &str| {
        let root = work.path().join(dir);
        let pkg = root.join(package_dir).join(name);
        std::fs::create_dir_all(&pkg).unwrap();
        std::fs::write(
            root.join("pyproject.toml"),
            format!(
                "[build-system]\nrequires = [\"setuptools>=64\"]\n\
                 build-backend = \"setuptools.build_meta\"\n\
                 [project]\nname = \"{name}\"\nversion = \"1.2\"\n\
                 [tool.setuptools.package-data]\n{name} = [\"*.txt\"]\n"
            ),
        )
        .unwrap();
        std::fs::write(
            pkg.join("__init__.py"),
            "import os\nHERE = open(os.path.join(os.path.dirname(__file__), 'note.txt')).read()\n",
        )
        .unwrap();
        std::fs::write(pkg.join("note.txt"), format!("{name} data")).unwrap();
        root
    };
    let src = project("src-project", "srclib", "src");
    let flat = project("flat-project", "flatlib", "");
    let venv = work.path().join("venv");
    let ok = |cmd: &mut std::process::Command| {
        let out = cmd.output().unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
    };
    ok(std::process::Command::new(python())
        .arg("-m")
        .arg("venv")
        .arg(&venv));
    ok(std::process::Command::new(venv.join("bin/pip"))
        .args(["install", "-q", "--disable-pip-version-check", "-e"])
        .arg(&src)
        .arg("-e")
        .arg(&flat));
    let script = work.path().join("app.py");
    std::fs::write(
        &script,
        "import flatlib, srclib\nfrom importlib.metadata import version\n\
         print(srclib.HERE, flatlib.HERE, version('srclib'), version('flatlib'))\n",
    )
    .unwrap();
    // The projects, the venv and the script are hidden: the bundle carries the code.
    check_both_modes_hiding(
        &script,
        &venv.join("bin/python"),
        work.path(),
        "srclib data flatlib data 1.2 1.2\n",
    );
}

/// A virtualenv in `dir/venv` with nothing installed: its folder and its site-packages.
fn bare_venv(dir: &std::path::Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let venv = dir.join("venv");
    let out = std::process::Command::new(python())
        .args(["-m", "venv", "--without-pip"])
        .arg(&venv)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let site = venv.join(format!("lib/python{}/site-packages", python_version()));
    (venv, site)
}

/// Distributions described by an `.egg-info` folder (Debian's dist-packages, `setup.py
/// install`) have no list of files: their `top_level.txt` packages are bundled.
#[needs(root)]
fn egg_info_distributions_are_bundled_by_their_top_level_names() {
    let work = tempfile::tempdir().unwrap();
    let (venv, site) = bare_venv(work.path());
    let egg = site.join("Oldstyle-3.1.egg-info");
    std::fs::create_dir_all(&egg).unwrap();
    std::fs::write(
        egg.join("PKG-INFO"),
        "Metadata-Version: 1.1\nName: Oldstyle\nVersion: 3.1\n",
    )
    .unwrap();
    std::fs::write(egg.join("top_level.txt"), "oldstyle\n").unwrap();
    std::fs::create_dir_all(site.join("oldstyle/sub")).unwrap();
    std::fs::write(site.join("oldstyle/__init__.py"), "from .sub import WORD\n").unwrap();
    std::fs::write(
        site.join("oldstyle/sub/__init__.py"),
        "WORD = 'from an egg-info'\n",
    )
    .unwrap();
    let script = work.path().join("app.py");
    std::fs::write(
        &script,
        "import oldstyle\nfrom importlib.metadata import version\n\
         print(oldstyle.WORD, version('Oldstyle'))\n",
    )
    .unwrap();
    check_both_modes_hiding(
        &script,
        &venv.join("bin/python"),
        work.path(),
        "from an egg-info 3.1\n",
    );
}

/// A hand-written `.dist-info` distribution in `site`: `files` are `(path, text)` pairs, and
/// RECORD lists them all.
fn write_distribution(site: &std::path::Path, name: &str, metadata: &str, files: &[(&str, &str)]) {
    let info = format!("{name}-1.0.dist-info");
    let metadata = format!("Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n{metadata}");
    let metadata_path = format!("{info}/METADATA");
    let mut record = String::new();
    for (path, text) in files
        .iter()
        .chain([&(metadata_path.as_str(), metadata.as_str())])
    {
        let full = site.join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(&full, text).unwrap();
        record.push_str(&format!("{path},,\n"));
    }
    record.push_str(&format!("{info}/RECORD,,\n"));
    std::fs::write(site.join(&info).join("RECORD"), record).unwrap();
}

/// `front` requires `middle[fast]`; the `fast` extra of `middle` requires `speedup`, which the
/// app reaches only through an entry point. Its `slow` extra, not asked for, stays out. Whether
/// `middle` is bundled before or after something asks for its extra makes no difference.
#[needs(root)]
fn extras_asked_by_a_requirement_bring_their_own_requirements() {
    let work = tempfile::tempdir().unwrap();
    let (venv, site) = bare_venv(work.path());
    write_distribution(
        &site,
        "front",
        "Requires-Dist: Middle[Fast] (>=1)\n",
        &[(
            "front/__init__.py",
            "from importlib.metadata import entry_points\n\
             def backends():\n\
             \x20   return sorted(ep.load().NAME for ep in entry_points(group='front.backends'))\n",
        )],
    );
    write_distribution(
        &site,
        "middle",
        "Provides-Extra: fast\nProvides-Extra: slow\n\
         Requires-Dist: speedup ; extra == \"fast\"\n\
         Requires-Dist: slowpoke ; extra == 'slow'\n",
        &[("middle/__init__.py", "from front import backends\n")],
    );
    for plugin in ["speedup", "slowpoke"] {
        let entry = format!("[front.backends]\n{plugin} = {plugin}\n");
        let module = format!("NAME = '{plugin}'\n");
        let info = format!("{plugin}-1.0.dist-info/entry_points.txt");
        write_distribution(
            &site,
            plugin,
            "",
            &[(&format!("{plugin}.py"), &module), (&info, &entry)],
        );
    }
    // Through `front`, the extra is known before `middle` is bundled; through `middle`, after.
    for first in ["front", "middle"] {
        let script = work.path().join(format!("through_{first}.py"));
        std::fs::write(
            &script,
            format!(
                "import {first}\nfrom importlib.metadata import distributions\n\
                 print({first}.backends(), sorted(d.metadata['Name'] for d in distributions()))\n"
            ),
        )
        .unwrap();
        check_both_modes_hiding(
            &script,
            &venv.join("bin/python"),
            work.path(),
            "['speedup'] ['front', 'middle', 'speedup']\n",
        );
    }
}

/// Widely used packages bundle with no hints and no warning (no false "found nowhere" for the
/// imports they guard, no search path left unrewritten in libraries auditwheel bundled), and
/// the app prints exactly what `python popular.py` prints, with every Python hidden.
#[needs(root)]
fn popular_packages_need_no_hints_and_raise_no_false_alarms() {
    let python = venv(POPULAR);
    check_like_python_without_warnings(&fixture("popular").join("popular.py"), &python);
}

/// pandas: its compiled modules import `cmath` from C (see packages/hooks.rs), and its optional
/// engines (openpyxl, pyarrow, ...), imported inside functions or behind HAS_/_INSTALLED
/// flags, are a note, not a warning.
#[needs(root)]
fn a_pandas_app_needs_no_hints() {
    let python = venv(&["pandas==3.1.1", "numpy==2.4.6"]);
    let notes =
        check_like_python_without_warnings(&fixture("popular").join("dataframe.py"), &python);
    assert!(
        notes.contains("note: inside functions of bundled packages"),
        "{notes}"
    );
    assert!(notes.contains("openpyxl"), "{notes}");
}

/// `.py` files a package reads rather than imports go as source: one its code names in a
/// string (OpenCV's loader runs `config.py`), one whose name cannot be imported
/// (`config-3.py`), and a template that does not compile.
#[needs(root)]
fn py_files_a_package_reads_as_data_are_bundled_as_source() {
    let work = tempfile::tempdir().unwrap();
    let (venv, site) = bare_venv(work.path());
    write_distribution(
        &site,
        "loader",
        "",
        &[
            (
                "loader/__init__.py",
                "import os\nHERE = os.path.dirname(__file__)\nSETTINGS = {}\n\
                 for name in ['config.py', 'config-{}.py'.format(3)]:\n\
                 \x20   with open(os.path.join(HERE, name)) as f:\n\
                 \x20       exec(f.read(), SETTINGS)\n\
                 with open(os.path.join(HERE, 'templates', 'module.py')) as f:\n\
                 \x20   TEMPLATE = f.read()\n",
            ),
            ("loader/config.py", "FIRST = 'from config.py'\n"),
            ("loader/config-3.py", "SECOND = 'from config-3.py'\n"),
            (
                "loader/templates/module.py",
                "def {{ name }}():\n    pass\n",
            ),
        ],
    );
    let script = work.path().join("app.py");
    std::fs::write(
        &script,
        "import loader\nprint(loader.SETTINGS['FIRST'], loader.SETTINGS['SECOND'])\n\
         print(loader.TEMPLATE.splitlines()[0])\n",
    )
    .unwrap();
    check_both_modes_hiding(
        &script,
        &venv.join("bin/python"),
        work.path(),
        "from config.py from config-3.py\ndef {{ name }}():\n",
    );
}

/// glibc searches the DT_RPATH of the objects that loaded a library too: scipy's `_fblas` has
/// `RPATH $ORIGIN/../../scipy.libs` and loads a libgfortran with no search path, whose
/// libquadmath is found only through `_fblas`'s. The same shape in small: libouter's RPATH
/// leads to libmiddle, whose libinner is found only through libouter's RPATH.
#[needs(root)]
fn libraries_found_through_a_loaders_rpath_are_collected() {
    let build_dir = tempfile::tempdir().unwrap();
    let dir = build_dir.path();
    let libs = dir.join("libs");
    std::fs::create_dir_all(&libs).unwrap();
    let sources = [
        ("inner.c", "int inner(void) { return 7; }\n"),
        (
            "middle.c",
            "int inner(void);\nint middle(void) { return inner() * 6; }\n",
        ),
        (
            "outer.c",
            "int middle(void);\nint outer(void) { return middle(); }\n",
        ),
    ];
    for (name, text) in sources {
        std::fs::write(dir.join(name), text).unwrap();
    }
    let gcc = |args: &[&str]| {
        let out = std::process::Command::new("gcc")
            .current_dir(dir)
            .args(["-shared", "-fPIC"])
            .args(args)
            .output()
            .expect("gcc runs");
        assert!(out.status.success(), "{}", stderr(&out));
    };
    gcc(&["-o", "libs/libinner.so", "inner.c"]);
    gcc(&["-o", "libs/libmiddle.so", "middle.c", "-Llibs", "-linner"]);
    gcc(&[
        "-o",
        "libouter.so",
        "outer.c",
        "-Llibs",
        "-lmiddle",
        "-Wl,--disable-new-dtags,-rpath,$ORIGIN/libs",
    ]);
    let script = dir.join("chain_app.py");
    std::fs::write(
        &script,
        "import ctypes, os, sys\n\
         lib = ctypes.CDLL(os.path.join(sys._MEIPASS, 'native', 'libouter.so'))\n\
         print('outer', lib.outer())\n",
    )
    .unwrap();
    let binary = format!("{}:native", dir.join("libouter.so").display());
    for mode in ["-F", "-D"] {
        let dist = tempfile::tempdir().unwrap();
        let extra = [mode, "--add-binary", &binary];
        let (exe, told) = build_telling(&script, dist.path(), &extra, python().as_ref());
        assert!(!told.contains("warning"), "{mode}: {told}");
        let (run, clean) = run_hermetic(&exe, &[]);
        assert!(run.status.success(), "{mode}: {}", stderr(&run));
        assert_eq!(stdout(&run), "outer 42\n", "{mode}");
        assert!(clean);
    }
}

/// A module of a bundled distribution that the package loads by a computed name (a plugin,
/// setuptools' vendored packages behind `pkg_resources.extern`) is not seen to be reached,
/// yet its standard-library imports must be there when it runs.
#[needs(root)]
fn modules_loaded_by_computed_names_find_their_standard_library() {
    let work = tempfile::tempdir().unwrap();
    let (venv, site) = bare_venv(work.path());
    write_distribution(
        &site,
        "plugs",
        "",
        &[
            (
                "plugs/__init__.py",
                "import importlib\n\
                 def load(name):\n    return importlib.import_module('plugs.' + name)\n",
            ),
            (
                "plugs/colours.py",
                "import colorsys\n\
                 def run():\n    return colorsys.rgb_to_hsv(1.0, 0.0, 0.0)\n",
            ),
        ],
    );
    let script = work.path().join("app.py");
    std::fs::write(
        &script,
        "import plugs\nprint(plugs.load('colours').run())\n",
    )
    .unwrap();
    check_both_modes_hiding(
        &script,
        &venv.join("bin/python"),
        work.path(),
        "(0.0, 1.0, 1.0)\n",
    );
}

/// `--exclude-module` takes the extension modules that exist only for what it names, and the
/// libraries only they load: tkinter its `_tkinter` and Tcl/Tk, sqlite3 its `_sqlite3`, ssl
/// its `_ssl` and libssl. What something else still needs stays (`_hashlib` and libcrypto,
/// for hashlib). `-v` says what went along.
#[needs(root)]
fn excluding_a_module_excludes_what_exists_only_for_it() {
    let script = fixture("excludes").join("app.py");
    let dist = tempfile::tempdir().unwrap();
    let excluded = [
        "-D",
        "-v",
        "--exclude-module",
        "tkinter",
        "--exclude-module",
        "sqlite3",
        "--exclude-module",
        "ssl",
    ];
    let (exe, err) = build_telling(&script, dist.path(), &excluded, Path::new(&python()));
    for companion in ["_tkinter", "_sqlite3", "_ssl"] {
        assert!(
            err.contains(&format!("leaves out {companion} too")),
            "{companion}: {err}"
        );
    }
    let root = Root::onedir(dist.path(), "app");
    let mut names: Vec<String> = Vec::new();
    for dir in [root.lib(), root.dynload()] {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            names.push(entry.file_name().to_string_lossy().into_owned());
        }
    }
    for gone in [
        "_tkinter",
        "_sqlite3",
        "_ssl",
        "libssl",
        "libsqlite",
        "libtk",
        "tcl8",
        "tk8",
    ] {
        assert!(
            !names.iter().any(|n| n.starts_with(gone)),
            "{gone} is still bundled: {names:?}"
        );
    }
    for kept in ["_hashlib", "libcrypto"] {
        assert!(
            names.iter().any(|n| n.starts_with(kept)),
            "{kept} went although hashlib needs it: {names:?}"
        );
    }
    let (out, _) = run_hermetic(&exe, &[]);
    assert_eq!(
        stdout(&out),
        "tkinter=False ssl=False sqlite3=False sha256=2d711642\n",
        "{}",
        stderr(&out)
    );
}
