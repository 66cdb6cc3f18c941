//! In-process tests: pybundle as a library, run from the settings through analysis and
//! collection, with the machine's CPython (`$PYBUNDLE_TEST_PYTHON`, else `python3`), asserting
//! on the module graph and on what the bundle would hold. They write no output and run no
//! bundle, so they need no root; the end-to-end suite (`tests/e2e/`) runs the bundles.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use clap::Parser;
use pybundle::cli::{with_default_command, Cli, Command};
use pybundle::pipeline::{self, Analysis, Collected};
use pybundle::progress::Progress;
use pybundle::progress::Verbosity;
use pybundle::python::compile::Compiler;
use pybundle::settings::BuildSettings;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("bundler/ is inside the repository")
        .to_path_buf()
}

fn python() -> OsString {
    std::env::var_os("PYBUNDLE_TEST_PYTHON").unwrap_or_else(|| "python3".into())
}

/// `pybundle build SCRIPT ARGS` resolved into settings, with the tests' work folder.
fn settings(script: &Path, args: &[&str]) -> BuildSettings {
    let work = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("inproc-work");
    let mut argv: Vec<OsString> = vec!["pybundle".into(), "build".into(), script.into()];
    argv.extend(["--python".into(), python()]);
    argv.extend(["--workpath".into(), work.into_os_string()]);
    argv.extend(args.iter().map(OsString::from));
    let cli = Cli::try_parse_from(with_default_command(argv)).expect("the arguments parse");
    let Command::Build(args) = cli.command else {
        panic!("not a build");
    };
    let mut builds = BuildSettings::from_args(&args).expect("the settings resolve");
    assert_eq!(builds.len(), 1);
    builds.remove(0)
}

/// Analyse and collect `script` as a build with `args` would.
fn collected(script: &Path, args: &[&str]) -> (Analysis, Collected) {
    let s = settings(script, args);
    let progress = Progress::new(Verbosity::Quiet);
    let analysis = pipeline::analyse(&s, &progress).expect("analysis runs");
    let compiler = Compiler::new(&analysis.interp, &s.output.workpath, s.pythons.optimize)
        .expect("a compiler");
    let collected =
        pipeline::collect(&s, &analysis, &compiler, &progress).expect("collection runs");
    (analysis, collected)
}

fn paths(c: &Collected) -> Vec<String> {
    c.contents.iter().map(|(dest, _)| dest.clone()).collect()
}

#[test]
fn hello_holds_its_script_cpython_and_a_pruned_standard_library() {
    let (a, c) = collected(&repo().join("examples/hello/hello.py"), &[]);
    let paths = paths(&c);
    let version = a.interp.version_short.clone();
    for expected in [
        "_pybundle_main/hello.pyc".to_string(),
        "_pybundle_boot.pyc".to_string(),
        format!("lib/{}", a.runtime.library_name),
        format!("lib/python{}.zip", version.replace('.', "")),
    ] {
        assert!(paths.contains(&expected), "{expected} missing: {paths:?}");
    }
    assert!(a.graph.app.is_empty() && a.graph.distributions.is_empty());
    assert!(a.graph.missing.is_empty(), "{:?}", a.graph.missing);
    assert!(
        !paths.iter().any(|p| p.contains(".dist-info/")),
        "a package for an app that uses none: {paths:?}"
    );
    // Start-up modules only: no tkinter, no OpenSSL for hello.
    let kept = a.stdlib.kept();
    assert!(kept.contains("os.py") && !kept.iter().any(|k| k.starts_with("tkinter")));
    assert!(!paths.iter().any(|p| p.contains("_ssl")), "{paths:?}");
}

#[test]
fn the_graph_holds_the_apps_modules_found_by_name_and_its_data() {
    let fixture = repo().join("tests/fixtures/like_python");
    let (a, c) = collected(
        &fixture.join("app.py"),
        &["--collect-submodules", "plugins"],
    );
    let modules: Vec<&String> = a.graph.app.keys().collect();
    assert_eq!(modules, ["plugins", "plugins.alpha", "plugins.beta"]);
    let paths = paths(&c);
    for expected in [
        "plugins/__init__.pyc",
        "plugins/alpha.pyc",
        "plugins/info.txt",
    ] {
        assert!(
            paths.contains(&expected.to_string()),
            "{expected}: {paths:?}"
        );
    }
    // multiprocessing is the standard library's, reached by the app: kept with what it uses.
    assert!(a.stdlib.asked_by_app().contains("multiprocessing"));
    assert!(a.stdlib.kept().contains("multiprocessing/spawn.py"));
}

#[test]
fn hooks_paths_and_data_named_twice_come_together() {
    let fixture = repo().join("tests/fixtures/habits");
    let (a, c) = collected(
        &fixture.join("app.py"),
        &[
            "-p",
            fixture.join("src").to_str().unwrap(),
            "--add-data",
            &format!(
                "{}:tmplpkg/templates",
                fixture.join("tmplpkg/templates").display()
            ),
            "--runtime-hook",
            fixture.join("hooks/first.py").to_str().unwrap(),
        ],
    );
    assert!(
        a.graph.app.contains_key("helpers"),
        "{:?}",
        a.graph.app.keys()
    );
    let paths = paths(&c);
    for expected in [
        "helpers.pyc",
        "tmplpkg/templates/base.html",
        "_pybundle_hooks/00_first.pyc",
    ] {
        assert!(
            paths.contains(&expected.to_string()),
            "{expected}: {paths:?}"
        );
    }
    assert_eq!(c.contents.merged().len(), 1, "{:?}", c.contents.merged());
    assert_eq!(c.app.hooks, ["_pybundle_hooks/00_first.pyc"]);
}

#[test]
fn excluded_modules_take_their_companions_and_nothing_else() {
    let fixture = repo().join("tests/fixtures/excludes");
    let (a, c) = collected(
        &fixture.join("app.py"),
        &["--exclude-module", "ssl", "--exclude-module", "tkinter"],
    );
    let paths = paths(&c);
    assert!(
        !paths
            .iter()
            .any(|p| p.contains("/_ssl.") || p.contains("_tkinter")),
        "{paths:?}"
    );
    assert!(paths.iter().any(|p| p.contains("/_hashlib.")), "{paths:?}");
    assert!(!a.stdlib.kept().contains("ssl.py"));
    // The guarded imports of what was left out are no missing imports.
    assert!(a.graph.missing.is_empty(), "{:?}", a.graph.missing);
}

#[test]
fn an_import_found_nowhere_is_in_the_graph_with_its_importer() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("app.py");
    std::fs::write(
        &script,
        "import no_such_module_x\ntry:\n    import no_such_module_y\nexcept ImportError:\n    pass\n",
    )
    .unwrap();
    let (a, _) = collected(&script, &[]);
    let missing: Vec<(&str, &str, bool)> = (a.graph.missing.iter())
        .map(|(m, site)| (m.as_str(), site.importer.as_str(), site.optional))
        .collect();
    assert_eq!(
        missing,
        [
            ("no_such_module_x", "app.py", false),
            ("no_such_module_y", "app.py", true)
        ]
    );
}

/// How `--target T --runtime R` fails analysis: its one-line message.
fn refused_runtime(target: &str, runtime: &Path) -> String {
    let s = settings(
        &repo().join("examples/hello/hello.py"),
        &["--target", target, "--runtime", runtime.to_str().unwrap()],
    );
    match pipeline::analyse(&s, &Progress::new(Verbosity::Quiet)) {
        Ok(_) => panic!(
            "--target {target} --runtime {} was taken",
            runtime.display()
        ),
        Err(e) => e.to_string(),
    }
}

/// The test interpreter's installation prefix and its shared library.
fn test_prefix() -> (PathBuf, PathBuf) {
    let out = std::process::Command::new(python())
        .args(["-c", "import sys, sysconfig; print(sys.base_prefix); print(sysconfig.get_config_var('LIBDIR') + '/' + sysconfig.get_config_var('INSTSONAME'))"])
        .output()
        .expect("the test interpreter runs");
    let text = String::from_utf8(out.stdout).unwrap();
    let mut lines = text.lines();
    let prefix = PathBuf::from(lines.next().unwrap());
    let library = PathBuf::from(lines.next().unwrap());
    (prefix, library)
}

#[test]
fn a_runtime_of_another_machine_is_refused() {
    let (prefix, _) = test_prefix();
    let other = if cfg!(target_arch = "aarch64") {
        "linux-x86_64"
    } else {
        "linux-aarch64"
    };
    let err = refused_runtime(other, &prefix);
    let arch = std::env::consts::ARCH;
    assert!(
        err.contains(&format!(
            "is not a CPython pybundle can use for {other}: it is built for {arch}, not {other}"
        )),
        "{err}"
    );
}

#[test]
fn a_runtime_of_another_python_version_is_refused() {
    // A prefix of CPython 3.(X+1) for this machine, from the test interpreter's own library.
    let (_, library) = test_prefix();
    let version = pybundle::python::interpreter::Interpreter::find(Some(Path::new(&python())))
        .unwrap()
        .version_short;
    let (major, minor) = version.split_once('.').unwrap();
    let other = format!("{major}.{}", minor.parse::<u32>().unwrap() + 1);
    let runtime = tempfile::tempdir().unwrap();
    let stdlib = runtime.path().join(format!("lib/python{other}"));
    std::fs::create_dir_all(stdlib.join("lib-dynload")).unwrap();
    std::fs::write(stdlib.join("os.py"), "").unwrap();
    std::fs::copy(
        &library,
        runtime.path().join(format!("lib/libpython{other}.so.1.0")),
    )
    .unwrap();
    let err = refused_runtime("linux-x86_64", runtime.path());
    assert!(
        err.contains(&format!("is CPython {other}, but"))
            && err.contains(&format!("pass --python with a CPython {other}")),
        "{err}"
    );
}

/// Real macOS wheels from PyPI, fetched for macos-arm64 as a build would fetch them (Pillow's
/// and numpy's, delocated: their libraries in `.dylibs/`, named through `@loader_path` and
/// `@rpath`; PySide6's, universal, with Qt's frameworks), through the Mach-O closure: every
/// library found (a Qt plugin whose libraries are in another wheel left out), every name each
/// file gives a library leads to a file of the bundle or to macOS, and every file's signature
/// holds for what it now is.
#[test]
fn real_macos_wheels_resolve_through_the_macho_closure() {
    use pybundle::bundle::contents::{Contents, Item, Origin};
    use pybundle::bundle::target::Target;
    use pybundle::native::macho::{closure, read, search, sign, system};
    use pybundle::packages::wheels::Fetcher;
    use pybundle::python::interpreter::Interpreter;
    use pybundle::python::runtime::Runtime;

    let target = Target::MacosArm64;
    let cputype = target.macho_cputype().unwrap();
    let interp = Interpreter::find(Some(Path::new(&python()))).unwrap();
    let runtime = Runtime::of_interpreter(&interp, target).unwrap();
    let fetcher = Fetcher::new(&interp, &runtime).unwrap();
    let mut contents = Contents::default();
    let mut files = 0;
    for (name, spec) in [
        ("pillow", "==13.0.0"),
        ("numpy", "==2.4.6"),
        ("PySide6-Essentials", "==6.12.0"),
        ("shiboken6", "==6.12.0"),
    ] {
        let site = fetcher
            .site_of(name, spec)
            .expect("the macOS wheel is fetched");
        for entry in walkdir(&site) {
            let rel = entry
                .strip_prefix(&site)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            let head = std::fs::read(&entry).unwrap_or_default();
            if !read::looks_like_macho(&head) {
                continue;
            }
            let item = Item::file(
                entry.clone(),
                0o755,
                Origin::Distribution {
                    name: name.into(),
                    file: rel.clone(),
                },
            );
            if rel.contains(".dylibs/") {
                contents.offer(rel, item);
            } else if rel.contains("/plugins/") || rel.contains("/qml/") {
                // Qt's plugins go only if what they load can be had, as the rules say.
                contents.add_optional(rel, item).unwrap();
            } else {
                contents.add(rel, item).unwrap();
                files += 1;
            }
        }
    }
    assert!(files > 20, "only {files} extension modules");

    let report = closure::resolve(&mut contents, target, &[], &Default::default()).unwrap();
    assert!(report.missing.is_empty(), "{:?}", report.missing);
    assert!(report.unpatched.is_empty(), "{:?}", report.unpatched);
    assert!(report.unsigned.is_empty(), "{:?}", report.unsigned);
    let taken = (contents.iter())
        .filter(|(d, _)| d.contains(".dylibs/"))
        .count();
    assert!(taken >= 5, "only {taken} of the wheels' libraries taken");
    for (dest, item) in contents.iter() {
        let info = read::read(&item.read().unwrap(), cputype).unwrap();
        let dir = Path::new(dest).parent().unwrap();
        for needed in &info.needed {
            if system::is_system(&needed.name) {
                continue;
            }
            let rel = needed
                .name
                .strip_prefix("@loader_path/")
                .unwrap_or_else(|| panic!("{dest} names {}", needed.name));
            let at = search::lexical(&dir.join(rel));
            assert!(
                contents.contains(&at.to_string_lossy()),
                "{dest} loads {}, which the bundle lacks",
                needed.name
            );
        }
        assert!(
            info.rpaths.iter().all(|r| r.starts_with('@')),
            "{dest} keeps {:?}",
            info.rpaths
        );
        // Rewritten or not, a program's or library's signature holds for what it now is (an
        // object file, which Qt's wheel carries among its QML files, has none to hold).
        let bytes = item.read().unwrap();
        let filetype = u32::from_le_bytes(bytes[12..16].try_into().unwrap());
        if bytes.starts_with(&[0xcf, 0xfa, 0xed, 0xfe]) && filetype != 1 {
            assert_eq!(sign::check(&bytes), Ok(()), "{dest}");
        }
    }
}

/// Every file under `dir`.
fn walkdir(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(path) = stack.pop() {
        if path.is_dir() {
            stack.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
        } else {
            out.push(path);
        }
    }
    out.sort();
    out
}
