//! The libraries corpus (tests/fixtures/corpus/): libraries that find parts of themselves at
//! run time (locales, handlers, dialects, lexers, data files listed from their own folder),
//! each exercised by a small app that prints what it found. Every app is built in one folder
//! from one virtualenv of them all (pinned in requirements.txt), run with every Python and
//! that virtualenv hidden, and must print what `python app.py` prints. No hints are given:
//! what the libraries need is found by analysis, PyInstaller's hooks and the module store.
//! bench/corpus.py runs the same apps through PyInstaller too, for docs/rules.md's table.

use std::fs;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use crate::harness::*;
use pybundle_e2e_macros::needs;

/// The corpus virtualenv, made once (keyed by the requirements' text) among the test
/// virtualenvs, which every hermetic run hides.
fn corpus_python() -> PathBuf {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _guard = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let requirements = fixture("corpus").join("requirements.txt");
    let text = fs::read(&requirements).unwrap();
    let key = fnv(&text);
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("venvs")
        .join(format!("corpus-{key:016x}"));
    let complete = dir.join(".complete");
    if !complete.is_file() {
        let _ = fs::remove_dir_all(&dir);
        let made = Command::new(python())
            .args(["-m", "venv"])
            .arg(&dir)
            .status()
            .unwrap();
        assert!(made.success());
        let out = Command::new(dir.join("bin/pip"))
            .args(["install", "--quiet", "--disable-pip-version-check", "-r"])
            .arg(&requirements)
            .output()
            .unwrap();
        assert!(out.status.success(), "pip install -r: {}", stderr(&out));
        fs::write(&complete, "").unwrap();
    }
    dir.join("bin/python")
}

/// A 64-bit FNV-1a hash: enough to key a cache folder by a file's text.
fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf29ce484222325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x100000001b3)
    })
}

fn check(app: &str) {
    let python = corpus_python();
    let script = fixture("corpus").join(app);
    let cwd = tempfile::tempdir().unwrap();
    let expected = Command::new(&python)
        .arg(&script)
        .current_dir(cwd.path())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        expected.status.success(),
        "{app} under python: {}",
        stderr(&expected)
    );
    let dist = tempfile::tempdir().unwrap();
    let built = Build::new(&script, dist.path())
        .python(&python)
        .args(&["-D"])
        .run();
    let tmp = tempfile::tempdir().unwrap();
    let got = hermetic(&built.exe, &[])
        .current_dir(cwd.path())
        .env("TMPDIR", tmp.path())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(
        stdout(&got),
        stdout(&expected),
        "{app}: {}\n(build said: {})",
        stderr(&got),
        built.stderr
    );
    assert!(got.status.success(), "{app}: {}", stderr(&got));
}

macro_rules! corpus {
    ($($app:ident),* $(,)?) => {
        $(
            #[needs(root)]
            fn $app() {
                check(concat!(stringify!($app), ".py"));
            }
        )*

        /// Every app of cases.txt has its test here, and every test its app.
        #[test]
        fn every_case_has_a_test() {
            let listed: Vec<String> = cases();
            let tested: Vec<String> = vec![$(concat!(stringify!($app), ".py").to_string()),*];
            assert_eq!(listed, tested);
        }
    };
}

/// The apps cases.txt lists, in its order.
fn cases() -> Vec<String> {
    let text = fs::read_to_string(fixture("corpus").join("cases.txt")).unwrap();
    (text.lines())
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split_whitespace().next().map(String::from))
        .collect()
}

corpus!(
    arrow_locales,
    babel_locales,
    bs4_builders,
    chardet_probers,
    dateparser_languages,
    dateutil_zoneinfo,
    django_apps,
    dnspython_rdtypes,
    docutils_writers,
    docx_template,
    email_validator_idna,
    emoji_data,
    faker_locales,
    holidays_countries,
    html5lib_treebuilders,
    humanize_i18n,
    imageio_plugins,
    jinja2_extensions,
    jsonschema_metaschemas,
    langcodes_names,
    langdetect_profiles,
    markdown_extensions,
    num2words_languages,
    openpyxl_workbook,
    passlib_handlers,
    pendulum_locales,
    phonenumbers_geocoding,
    pillow_plugins,
    pint_units,
    pycountry_data,
    pycryptodome_raw,
    pygments_lexers,
    pyphen_dictionaries,
    pytz_zones,
    qrcode_factories,
    reportlab_fonts,
    rich_styles,
    sentry_integrations,
    sqlalchemy_dialects,
    tldextract_snapshot,
    tzdata_zoneinfo,
    unidecode_tables,
    uvicorn_protocols,
);
