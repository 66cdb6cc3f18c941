//! Qt GUI apps (examples/qt-widgets, tests/fixtures/qt), with Python hidden, on Qt's `offscreen` platform (no
//! display needed; Qt Quick draws with its software backend). The bundle carries the binding
//! modules the app reaches, the Qt libraries they load, the plugins of those modules
//! (bundler/rules/qt.toml), and no developer tool, build file or unused Qt module.

use std::path::Path;
use std::process::{Output, Stdio};

use crate::harness::*;
use pybundle_e2e_macros::needs;

pub const PYSIDE6: &[&str] = &["PySide6-Essentials==6.12.0"];
pub const PYQT6: &[&str] = &["PyQt6==6.11.0", "PyQt6-Qt6==6.11.2", "PyQt6-sip==13.13.0"];

/// Run a bundled Qt app with Python hidden, offscreen, with a private `TMPDIR` that must be
/// left empty.
fn run_qt(exe: &Path) -> Output {
    let tmp = tempfile::tempdir().unwrap();
    let out = hermetic(exe, &[])
        .env("TMPDIR", tmp.path())
        .env("QT_QPA_PLATFORM", "offscreen")
        .env("QT_QUICK_BACKEND", "software")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(is_empty_dir(tmp.path()), "the unpack folder stayed");
    out
}

fn qt_fixture(name: &str) -> std::path::PathBuf {
    fixture("qt").join(name)
}

#[needs(root)]
fn a_widgets_app_runs_and_carries_no_qml_quick_or_developer_tools() {
    let python = venv(PYSIDE6);
    for mode in ["-F", "-D"] {
        let dist = tempfile::tempdir().unwrap();
        let widgets = repo().join("examples/qt-widgets/widgets.py");
        let exe = build_with(&widgets, dist.path(), &[mode], &python);
        let out = run_qt(&exe);
        assert_eq!(
            stdout(&out),
            "label: Hello from Qt | button: Press | platform: offscreen\n",
            "{mode}: {}",
            stderr(&out)
        );
        if mode == "-D" {
            let pyside = Root::onedir(dist.path(), "widgets")
                .site_packages()
                .join("PySide6");
            assert!(pyside.join("QtWidgets.abi3.so").is_file());
            assert!(pyside
                .join("Qt/plugins/platforms/libqoffscreen.so")
                .is_file());
            for absent in [
                "Qt/qml",
                "Qt/metatypes",
                "Qt/lib/libQt6Quick.so.6",
                "Qt/lib/libQt6Qml.so.6",
                "Qt/lib/libQt6Designer.so.6",
                "QtQuick.abi3.so",
                "QtOpenGL.abi3.so",
                "QtNetwork.abi3.so",
                "designer",
                "qmlls",
                "lupdate",
                "support/uic",
                "support/rcc",
                "typesystems",
                "include",
                "QtWidgets.pyi",
                "py.typed",
            ] {
                assert!(!pyside.join(absent).exists(), "{absent} was bundled");
            }
            // Its SBOM: valid; Qt's libraries are PySide6's, the X libraries Debian's.
            let document = crate::sbom::sbom_bytes(&exe);
            crate::sbom::assert_valid_cyclonedx(&document);
            let doc: serde_json::Value = serde_json::from_slice(&document).unwrap();
            let pyside = crate::sbom::component(&doc["components"], "PySide6_Essentials");
            let qt = crate::sbom::component(&pyside["components"], "libQt6Widgets");
            assert_eq!(qt["type"], "library");
            let xcb = crate::sbom::component(&doc["components"], "libxcb-cursor");
            assert!(
                xcb["purl"].as_str().unwrap().starts_with("pkg:deb/"),
                "{xcb}"
            );
        }
    }
}

#[needs(root)]
fn a_qml_app_gets_qt_quick_and_its_qml_modules() {
    let python = venv(PYSIDE6);
    let dist = tempfile::tempdir().unwrap();
    let exe = build_with(&qt_fixture("qmlapp.py"), dist.path(), &["-D"], &python);
    let out = run_qt(&exe);
    assert_eq!(
        stdout(&out),
        "qml windows: 1 | button: QML button\n",
        "{}",
        stderr(&out)
    );
    let qml = Root::onedir(dist.path(), "qmlapp")
        .site_packages()
        .join("PySide6/Qt/qml/QtQuick/Controls");
    assert!(qml.is_dir(), "no QtQuick.Controls QML module");
}

#[needs(root)]
fn png_and_svg_icons_load_through_their_plugins() {
    let python = venv(PYSIDE6);
    let dist = tempfile::tempdir().unwrap();
    let exe = build_with(
        &qt_fixture("icons.py"),
        dist.path(),
        &["-F", "--add-data", "icon.png:.", "--add-data", "icon.svg:."],
        &python,
    );
    let out = run_qt(&exe);
    assert_eq!(
        stdout(&out),
        "png: 16 x 16 | svg image: 24 | svg icon: 32\n",
        "{}",
        stderr(&out)
    );
}

#[needs(root)]
fn a_pyqt6_app_is_bundled_by_the_same_rules() {
    let python = venv(PYQT6);
    let dist = tempfile::tempdir().unwrap();
    let (exe, said) = build_telling(
        &qt_fixture("widgets_pyqt6.py"),
        dist.path(),
        &["-D"],
        &python,
    );
    let out = run_qt(&exe);
    assert_eq!(
        stdout(&out),
        "label: Hello from Qt | button: Press | platform: offscreen\n",
        "{}",
        stderr(&out)
    );
    let pyqt = Root::onedir(dist.path(), "widgets_pyqt6")
        .site_packages()
        .join("PyQt6");
    assert!(pyqt
        .join("Qt6/plugins/platforms/libqoffscreen.so")
        .is_file());
    assert!(!pyqt.join("Qt6/qml").exists() && !pyqt.join("QtQml.abi3.so").exists());
    assert!(!said.contains("found nowhere"), "{said}");
}

/// On a desktop, Qt draws through X11 with its `xcb` platform plugin, which links to X
/// libraries a wheel does not carry (libxcb-icccm, -keysyms, ...): the bundle takes them from
/// this machine, so the app opens its window on a real X server (Xvfb) with every Python and
/// the machine's copies of those libraries hidden, in both modes.
#[needs(root)]
fn a_widgets_app_draws_through_xcb_on_an_x_server() {
    let python = venv(PYSIDE6);
    let xvfb = Xvfb::start();
    let widgets = repo().join("examples/qt-widgets/widgets.py");
    for mode in ["-F", "-D"] {
        let dist = tempfile::tempdir().unwrap();
        let exe = build_with(&widgets, dist.path(), &[mode], &python);
        if mode == "-D" {
            let qt = Root::onedir(dist.path(), "widgets")
                .site_packages()
                .join("PySide6/Qt");
            assert!(qt.join("plugins/platforms/libqxcb.so").is_file());
        }
        let host_libs: Vec<std::path::PathBuf> = ["libxcb-icccm.so.4", "libxcb-keysyms.so.1"]
            .iter()
            .map(|name| {
                let found = glob::glob(&format!("/usr/lib/*/{name}"))
                    .unwrap()
                    .flatten()
                    .next();
                found.unwrap_or_else(|| {
                    panic!("{name} is not installed (apt-get install libxcb-icccm4 libxcb-keysyms1; .ci/run does)")
                })
            })
            .collect();
        let hidden: Vec<&Path> = host_libs.iter().map(|p| p.as_path()).collect();
        let tmp = tempfile::tempdir().unwrap();
        let out = hermetic_hiding(&exe, &[], &hidden)
            .env("TMPDIR", tmp.path())
            .env("DISPLAY", &xvfb.display)
            .env("QT_QPA_PLATFORM", "xcb")
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert_eq!(
            stdout(&out),
            "label: Hello from Qt | button: Press | platform: xcb\n",
            "{mode}: {}",
            stderr(&out)
        );
        assert!(is_empty_dir(tmp.path()));
    }
}
