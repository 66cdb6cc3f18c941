//! The software bill of materials every bundle carries (docs/sbom.md): valid CycloneDX 1.6 by
//! the official schema (cyclonedx-python-lib's strict validator), true to what the bundle
//! holds, and the same bytes from build to build.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::harness::*;

/// The validator's interpreter: a virtualenv with cyclonedx-python-lib and its JSON schemas.
fn validator() -> PathBuf {
    venv(&["cyclonedx-python-lib[json-validation]==11.12.0"])
}

/// Panics with the schema's complaint unless `document` is valid CycloneDX 1.6 JSON.
pub fn assert_valid_cyclonedx(document: &[u8]) {
    let mut child = Command::new(validator())
        .args([
            "-c",
            "import sys\n\
             from cyclonedx.schema import SchemaVersion\n\
             from cyclonedx.validation.json import JsonStrictValidator\n\
             error = JsonStrictValidator(SchemaVersion.V1_6).validate_str(sys.stdin.read())\n\
             sys.exit(f'invalid: {error}' if error else 0)\n",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the validator starts");
    use std::io::Write as _;
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(document)
        .expect("the document is given");
    let out = child.wait_with_output().expect("the validator ends");
    assert!(out.status.success(), "{}", stderr(&out));
}

/// Panics with spdx-tools' complaint unless `document` is a valid SPDX 2.3 JSON document.
pub fn assert_valid_spdx(document: &[u8]) {
    let python = venv(&["spdx-tools==0.8.5"]);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bundle.spdx.json");
    std::fs::write(&file, document).unwrap();
    // Its console script names the folder the virtualenv was made in: run its module.
    let out = Command::new(python)
        .args([
            "-c",
            "import sys; from spdx_tools.spdx.clitools.pyspdxtools import main; sys.exit(main())",
            "-i",
        ])
        .arg(&file)
        .output()
        .expect("pyspdxtools runs");
    assert!(
        out.status.success(),
        "invalid SPDX: {}{}",
        stdout(&out),
        stderr(&out)
    );
}

/// `pybundle inspect --sbom BUNDLE`, as bytes.
pub fn sbom_bytes(bundle: &Path) -> Vec<u8> {
    inspect_with(bundle, &["--sbom"])
}

/// The component named `name` among `components`.
pub fn component<'a>(components: &'a Value, name: &str) -> &'a Value {
    (components.as_array().expect("components"))
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no component {name} in {components:#}"))
}

fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
fn numpys_sbom_is_valid_and_says_what_the_bundle_holds() {
    let python = venv(&["numpy==2.4.6"]);
    let dist = tempfile::tempdir().unwrap();
    let exe = build_with(
        &repo().join("examples/numpy-app/matmul.py"),
        dist.path(),
        &[],
        &python,
    );
    let root = exe.parent().unwrap().join("_internal");
    let file = std::fs::read(root.join("_pybundle_sbom.cdx.json")).expect("a onedir's own SBOM");
    assert_eq!(sbom_bytes(&exe), file, "inspect --sbom gives the file");
    assert_valid_cyclonedx(&file);
    let doc: Value = serde_json::from_slice(&file).unwrap();

    assert_eq!(doc["metadata"]["component"]["name"], "matmul");
    let components = &doc["components"];
    let cpython = component(components, "CPython");
    let version = cpython["version"].as_str().unwrap();
    assert!(
        version.starts_with(&format!("{}.", python_version())),
        "{version}"
    );

    // Every distribution the bundle's record lists, with its version and PURL.
    let listed: Value = serde_json::from_str(&{
        String::from_utf8_lossy(&inspect_with(&exe, &["--json"])).into_owned()
    })
    .unwrap();
    let record = listed["record"]["distributions"]
        .as_array()
        .expect("the record");
    assert!(!record.is_empty());
    for dist in record {
        let c = component(components, dist["name"].as_str().unwrap());
        assert_eq!(c["version"], dist["version"]);
        assert_eq!(
            c["purl"],
            format!(
                "pkg:pypi/{}@{}",
                dist["name"].as_str().unwrap(),
                dist["version"].as_str().unwrap()
            )
        );
    }

    // numpy's vendored libraries are components of numpy, named without auditwheel's hash.
    let numpy = component(components, "numpy");
    assert!(numpy["licenses"].is_array(), "numpy declares its licence");
    let vendored: Vec<&str> = (numpy["components"].as_array().unwrap().iter())
        .filter(|c| c["type"] == "library")
        .filter_map(|c| c["name"].as_str())
        .collect();
    assert!(vendored.contains(&"libscipy_openblas64_"), "{vendored:?}");
    assert!(vendored.contains(&"libgfortran"), "{vendored:?}");

    // The runtime's OpenSSL, with its release read from the library.
    let crypto = component(components, "libcrypto");
    let version = crypto["version"].as_str().expect("OpenSSL's version");
    assert!(
        version.split('.').count() == 3 && version.split('.').all(|p| p.parse::<u32>().is_ok()),
        "{version}"
    );
    assert!(crypto["cpe"]
        .as_str()
        .unwrap()
        .contains(&format!(":openssl:openssl:{version}:")));

    // Each hash is the file's as bundled (the files still on disk in the folder).
    let mut checked = 0;
    let mut nested: Vec<&Value> = Vec::new();
    for c in components.as_array().unwrap() {
        nested.push(c);
        nested.extend(c["components"].as_array().into_iter().flatten());
    }
    let by_path: BTreeMap<String, &str> = nested
        .iter()
        .filter_map(|c| {
            let path = (c["properties"].as_array().into_iter().flatten())
                .find(|p| p["name"] == "pybundle:path")
                .map(|p| p["value"].as_str().unwrap().to_string())
                .or_else(|| {
                    (c["type"] == "file").then(|| c["name"].as_str().unwrap().to_string())
                })?;
            Some((path, c["hashes"][0]["content"].as_str()?))
        })
        .collect();
    for (path, hash) in &by_path {
        if let Ok(bytes) = std::fs::read(root.join(path)) {
            assert_eq!(*hash, sha256(&bytes), "{path}");
            checked += 1;
        }
    }
    assert!(checked > 50, "only {checked} hashes checked");
    assert!(by_path.keys().any(|p| p.starts_with("numpy.libs/")));

    // `inspect --licenses`: a row per component, numpy's with its licence and its files.
    let table = String::from_utf8_lossy(&inspect_with(&exe, &["--licenses"])).into_owned();
    let row = |name: &str| {
        (table.lines())
            .find(|l| l.split_whitespace().next() == Some(name))
            .unwrap_or_else(|| panic!("no row {name}: {table}"))
            .to_string()
    };
    assert!(row("CPython").contains("PSF-2.0"), "{table}");
    let numpy_row = row("numpy");
    assert!(numpy_row.contains("BSD-3-Clause"), "{table}");
    assert!(
        numpy_row.contains("numpy-2.4.6.dist-info/licenses/LICENSE.txt"),
        "{table}"
    );
    assert!(root
        .join("numpy-2.4.6.dist-info/licenses/LICENSE.txt")
        .is_file());
    assert_eq!(
        table.lines().count(),
        components.as_array().unwrap().len() + 1
    );

    // The same as SPDX 2.3: valid, numpy's package with its licence and PURL.
    let document = inspect_with(&exe, &["--sbom", "--format", "spdx"]);
    assert_valid_spdx(&document);
    let spdx: Value = serde_json::from_slice(&document).unwrap();
    let numpy_package = (spdx["packages"].as_array().unwrap().iter())
        .find(|p| p["name"] == "numpy")
        .expect("numpy's package");
    assert_eq!(numpy_package["versionInfo"], "2.4.6");
    assert_eq!(
        numpy_package["licenseDeclared"],
        numpy["licenses"][0]["expression"]
    );
    assert_eq!(
        numpy_package["externalRefs"][0]["referenceLocator"],
        "pkg:pypi/numpy@2.4.6"
    );
}

#[test]
fn the_sbom_is_the_same_from_build_to_build_and_dated_only_by_source_date_epoch() {
    let hello = repo().join("examples/hello/hello.py");
    // hello -F into `dist` with the tests' defaults and `extra`; what pybundle printed.
    let build_hello = |dist: &Path, extra: &[&std::ffi::OsStr], env: &[(&str, &str)]| {
        let mut cmd = pybundle_cmd(dist);
        with_python(&mut cmd)
            .arg(&hello)
            .args(["-F", "-y", "--distpath"])
            .arg(dist)
            .args(extra)
            .envs(env.iter().copied());
        let out = cmd.output().unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        out
    };
    // Clean: each build with build caches of its own.
    let clean_build = || {
        let dir = tempfile::tempdir().unwrap();
        let work = dir.path().join("build");
        build_hello(
            dir.path(),
            &["-q".as_ref(), "--workpath".as_ref(), work.as_os_str()],
            &[],
        );
        sbom_bytes(&dir.path().join("hello"))
    };
    let (first, second) = (clean_build(), clean_build());
    assert_eq!(first, second, "two clean builds, two SBOMs");
    let doc: Value = serde_json::from_slice(&first).unwrap();
    assert!(doc["metadata"].get("timestamp").is_none(), "no clock read");
    assert!(doc["serialNumber"]
        .as_str()
        .unwrap()
        .starts_with("urn:uuid:"));

    // With SOURCE_DATE_EPOCH, that time; and `--sbom FILE` writes the same document, which
    // the summary names.
    let c = tempfile::tempdir().unwrap();
    let dated = [("SOURCE_DATE_EPOCH", "1700000000")];
    let copy = c.path().join("out/hello.cdx.json");
    let out = build_hello(
        c.path(),
        &["--json".as_ref(), "--sbom".as_ref(), copy.as_os_str()],
        &dated,
    );
    let summary: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary["sbom"], copy.to_str().unwrap());
    let written = std::fs::read(&copy).expect("--sbom's copy");
    assert_eq!(written, sbom_bytes(&c.path().join("hello")));
    let doc: Value = serde_json::from_slice(&written).unwrap();
    assert_eq!(doc["metadata"]["timestamp"], "2023-11-14T22:13:20Z");
    assert_valid_cyclonedx(&written);

    // A FILE named *.spdx.json gets SPDX, dated the same.
    let spdx_file = c.path().join("hello.spdx.json");
    build_hello(
        c.path(),
        &["-q".as_ref(), "--sbom".as_ref(), spdx_file.as_os_str()],
        &dated,
    );
    let written = std::fs::read(&spdx_file).expect("the SPDX copy");
    assert_valid_spdx(&written);
    let spdx: Value = serde_json::from_slice(&written).unwrap();
    assert_eq!(spdx["spdxVersion"], "SPDX-2.3");
    assert_eq!(spdx["creationInfo"]["created"], "2023-11-14T22:13:20Z");
}

/// A licence file of a bundle, as a reviewer would pick them out of the folder: PEP 639's
/// `licenses/` of a distribution, a system package's copyright file, or a file named LICENSE,
/// LICENCE, COPYING or NOTICE.
fn is_licence_file(rel: &str) -> bool {
    if rel.ends_with('/') {
        return false; // a folder
    }
    let name = rel.rsplit('/').next().unwrap().to_ascii_uppercase();
    rel.contains(".dist-info/licenses/")
        || rel.starts_with("_pybundle_licenses/")
        || (["LICENSE", "LICENCE", "COPYING", "NOTICE"].iter())
            .any(|stem| name.starts_with(stem) && !name.ends_with(".PY") && !name.ends_with(".PYC"))
}

/// Panics unless `notices` names and holds the text of every licence file in the bundle folder
/// `root`; their count.
fn assert_notices_hold_every_licence_file(root: &Path, notices: &str) -> usize {
    let mut texts = 0;
    for (rel, (bytes, _)) in tree_contents(root)
        .iter()
        .filter(|(rel, _)| is_licence_file(rel))
    {
        let text = String::from_utf8_lossy(bytes);
        assert!(
            notices.contains(&format!("--- {rel} ---")),
            "{rel} is not named"
        );
        assert!(
            notices.contains(text.trim_end()),
            "{rel}'s text is not there"
        );
        texts += 1;
    }
    texts
}

/// The pandas + matplotlib example: valid in both formats; each distribution's licence is the
/// one its metadata declares; CPython's licence and the system libraries' copyright files are
/// carried; the notices hold the text of every licence file in the bundle.
#[test]
fn a_data_apps_licences_are_its_metadatas_and_its_notices_hold_every_text() {
    let python = venv(&["pandas==3.1.1", "matplotlib==3.11.2", "numpy==2.4.6"]);
    let dist = tempfile::tempdir().unwrap();
    let notices_file = dist.path().join("NOTICES.txt");
    let exe = build_with(
        &repo().join("examples/data-app/plot.py"),
        dist.path(),
        &["--notices", notices_file.to_str().unwrap()],
        &python,
    );
    let root = exe.parent().unwrap().join("_internal");
    let document = sbom_bytes(&exe);
    assert_valid_cyclonedx(&document);
    assert_valid_spdx(&inspect_with(&exe, &["--sbom", "--format", "spdx"]));
    let doc: Value = serde_json::from_slice(&document).unwrap();
    let components = doc["components"].as_array().unwrap();

    // What each distribution's METADATA declares, read by the interpreter that installed it.
    let out = Command::new(&python)
        .args([
            "-c",
            "import json, importlib.metadata as m\n\
             print(json.dumps({d.metadata['Name']: d.metadata.get('License-Expression')\n\
                               for d in m.distributions()}))",
        ])
        .output()
        .unwrap();
    let expressions: BTreeMap<String, Option<String>> =
        serde_json::from_slice(&out.stdout).unwrap();
    // Those without PEP 639's expression, as their METADATA was read by hand: a `License`
    // field that maps, else the classifier; a field that holds the licence's text (cycler,
    // kiwisolver) names nothing, and "BSD License" names no single BSD licence.
    let by_field_or_classifier = BTreeMap::from([
        ("matplotlib", "PSF-2.0"),
        ("tzdata", "Apache-2.0"),
        ("cycler", "BSD License"),
        ("contourpy", "BSD-3-Clause"),
        ("fonttools", "MIT"),
        ("kiwisolver", "BSD License"),
    ]);
    let mut checked = 0;
    for c in components {
        if !c["purl"].as_str().unwrap_or("").starts_with("pkg:pypi/") {
            continue;
        }
        let name = c["name"].as_str().unwrap();
        let licence = &c["licenses"][0];
        match &expressions[name] {
            Some(expression) => assert_eq!(licence["expression"], **expression, "{name}"),
            None => {
                let declared =
                    (licence["license"]["id"].as_str()).or(licence["license"]["name"].as_str());
                assert_eq!(declared, Some(by_field_or_classifier[name]), "{name}");
                checked += 1;
            }
        }
    }
    assert_eq!(checked, by_field_or_classifier.len());

    // CPython's licence is the interpreter's own file; each system library names the
    // package it came from and the bundle carries that package's copyright file.
    let version = python_version();
    let licence = std::fs::read(root.join(format!("lib/python{version}/LICENSE.txt")))
        .expect("CPython's licence is carried");
    let stdlib = Command::new(&python)
        .args([
            "-c",
            "import sysconfig; print(sysconfig.get_paths()['stdlib'])",
        ])
        .output()
        .unwrap();
    let stdlib = PathBuf::from(stdout(&stdlib).trim());
    assert_eq!(licence, std::fs::read(stdlib.join("LICENSE.txt")).unwrap());
    let crypto = component(&doc["components"], "libcrypto");
    let purl = crypto["purl"].as_str().expect("libcrypto's package");
    assert!(purl.starts_with("pkg:deb/debian/libssl3@"), "{purl}");
    assert!(root.join("_pybundle_licenses/libssl3/copyright").is_file());

    // The notices: the file --notices wrote is what inspect --notices gives, and it holds the
    // text of every licence file in the folder.
    let notices = std::fs::read_to_string(&notices_file).expect("--notices wrote its file");
    assert_eq!(
        notices.as_bytes(),
        inspect_with(&exe, &["--notices"]).as_slice()
    );
    let texts = assert_notices_hold_every_licence_file(&root, &notices);
    assert!(texts > 40, "only {texts} licence files");
}

/// A distribution that declares no licence and carries no licence file is a warning that
/// names it; a licence file quiets it, and so does being the app's own project.
#[test]
fn a_distribution_with_no_licence_is_a_warning_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let venv = dir.path().join("venv");
    let made = Command::new(python())
        .args(["-m", "venv", "--without-pip"])
        .arg(&venv)
        .status()
        .unwrap();
    assert!(made.success());
    let site = venv.join(format!("lib/python{}/site-packages", python_version()));
    let info = site.join("quietlib-1.0.dist-info");
    std::fs::create_dir_all(site.join("quietlib")).unwrap();
    std::fs::create_dir_all(&info).unwrap();
    std::fs::write(site.join("quietlib/__init__.py"), "X = 1\n").unwrap();
    std::fs::write(
        info.join("METADATA"),
        "Metadata-Version: 2.1\nName: quietlib\nVersion: 1.0\n",
    )
    .unwrap();
    let record = "quietlib/__init__.py,,\nquietlib-1.0.dist-info/METADATA,,\n\
                  quietlib-1.0.dist-info/RECORD,,\n";
    std::fs::write(info.join("RECORD"), record).unwrap();
    let app = dir.path().join("app");
    std::fs::create_dir_all(&app).unwrap();
    std::fs::write(app.join("app.py"), "import quietlib\nprint(quietlib.X)\n").unwrap();

    let build = || {
        let dist = dir.path().join("dist");
        let out = pybundle_cmd(&app)
            .arg(app.join("app.py"))
            .args(["-D", "-y", "--python"])
            .arg(venv.join("bin/python"))
            .arg("--distpath")
            .arg(&dist)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        stderr(&out)
    };
    let told = build();
    assert!(
        told.contains("warning: quietlib 1.0 declares no licence and carries no licence file"),
        "{told}"
    );

    // The app's own project, installed: its licence is its author's to state.
    std::fs::write(
        app.join("pyproject.toml"),
        "[project]\nname = \"QuietLib\"\nversion = \"1.0\"\n",
    )
    .unwrap();
    assert!(!build().contains("warning"), "the app's own project");
    std::fs::remove_file(app.join("pyproject.toml")).unwrap();

    // A licence file its RECORD lists: no warning, and the text is in the notices.
    std::fs::write(info.join("LICENSE"), "Quiet licence text.\n").unwrap();
    std::fs::write(
        info.join("RECORD"),
        format!("{record}quietlib-1.0.dist-info/LICENSE,,\n"),
    )
    .unwrap();
    assert!(!build().contains("warning"), "{}", build());
    let notices = inspect_with(&dir.path().join("dist/app"), &["--notices"]);
    assert!(String::from_utf8_lossy(&notices).contains("Quiet licence text."));
}

/// Debian's own CPython: the SBOM names its package (whose advisories apply to its patched
/// build) and the bundle carries the package's copyright file beside CPython's licence.
#[test]
fn debians_cpython_is_named_by_its_package_and_its_copyright_carried() {
    // Where Debian's package put its python3, as dpkg lists it.
    let listed = Command::new("dpkg-query")
        .args(["-L", "python3-minimal"])
        .output()
        .expect("this test runs on Debian, with its python3 installed");
    let python = PathBuf::from(
        (stdout(&listed).lines())
            .find(|l| l.ends_with("/bin/python3"))
            .expect("python3-minimal installs bin/python3"),
    );
    let python = python.as_path();
    let dist = tempfile::tempdir().unwrap();
    let exe = build_with(
        &repo().join("examples/hello/hello.py"),
        dist.path(),
        &[],
        python,
    );
    let doc: Value = serde_json::from_slice(&sbom_bytes(&exe)).unwrap();
    let cpython = component(&doc["components"], "CPython");
    let purl = cpython["purl"].as_str().unwrap();
    assert!(purl.starts_with("pkg:deb/debian/libpython3."), "{purl}");
    let root = exe.parent().unwrap().join("_internal");
    let notices = String::from_utf8(inspect_with(&exe, &["--notices"])).unwrap();
    assert!(
        notices.contains("--- _pybundle_licenses/libpython3."),
        "{notices}"
    );
    assert!(assert_notices_hold_every_licence_file(&root, &notices) >= 3);
}
