//! Bundles for macOS, built here: `--target macos-arm64` and `macos-x86_64` with a stand-in
//! for python-build-standalone's macOS archive (`tools/macos-standin-runtime`: its layout,
//! Mach-O files linked here by zig, the standard library of the build interpreter) and real
//! macOS wheels from PyPI. Nothing here runs a Mach-O, so these check what macOS checks before
//! it runs one: every Mach-O file is for the target's CPU and carries a signature that holds
//! for what it now is, every library it names is macOS's own or a file of the bundle, and a
//! onefile's archive lies inside what its launcher's signature covers.

use std::ffi::OsStr;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use crate::harness::*;
use pybundle::native::macho::{fat, read, sign};
use pybundle_e2e_macros::needs;

const TARGETS: [&str; 2] = ["macos-arm64", "macos-x86_64"];

/// The stand-in runtime for `target`, made once per test run from the test interpreter.
fn standin(target: &str) -> &'static Path {
    static RUNTIMES: [OnceLock<PathBuf>; 2] = [OnceLock::new(), OnceLock::new()];
    let slot = TARGETS
        .iter()
        .position(|t| *t == target)
        .expect("a macOS target");
    RUNTIMES[slot].get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
            .join("macos")
            .join(format!("runtime-{target}-{}", python_version()));
        let args = [OsStr::new(target), &python(), dir.as_os_str()];
        run_tool(
            "macos-standin-runtime",
            &args,
            &[],
            "zig: tools/add-target macos-arm64",
        );
        dir
    })
}

/// The CPUs each Mach-O file of a `target` bundle holds code for.
fn cpus(target: &str) -> Vec<u32> {
    let cpus = (pybundle::bundle::target::Target::parse(target))
        .map(|t| t.macho_cputypes())
        .unwrap_or_default();
    assert!(!cpus.is_empty(), "{target} is a macOS target");
    cpus
}

/// The slices of a Mach-O file: each CPU's of a universal one, or the file itself.
fn slices(bytes: &[u8]) -> Vec<fat::Slice> {
    fat::slices(bytes).expect("a Mach-O file")
}

/// Build `script` for `target` with `python` into `dist`; the executable.
fn build_mac(target: &str, script: &Path, dist: &Path, python: &Path, extra: &[&str]) -> PathBuf {
    let cache = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("macos/cache");
    build_for(
        target,
        standin(target),
        &cache,
        (script, dist, python),
        extra,
    )
}

/// Every Mach-O file under `dir`.
fn macho_files(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    (tree_contents(dir).into_iter())
        .filter(|(rel, (bytes, mode))| {
            !rel.ends_with('/') && *mode != 0 && read::looks_like_macho(bytes)
        })
        .map(|(rel, (bytes, _))| (dir.join(rel), bytes))
        .collect()
}

/// Check every Mach-O file under `root` as macOS would before running it: the target's CPU,
/// a signature that holds, no rpath of the build machine, and every library it names either
/// macOS's own or a file under `root` as dyld resolves the name. Returns how many there are.
fn check_tree(root: &Path, target: &str) -> usize {
    let root = root.canonicalize().unwrap();
    let files = macho_files(&root);
    for (path, bytes) in &files {
        let shown = path.strip_prefix(&root).unwrap().display();
        let slices = slices(bytes);
        if !slices.iter().any(|s| sign::is_loaded(&s.bytes)) {
            continue; // an object file, never loaded
        }
        let held: Vec<u32> = slices.iter().map(|s| s.cputype).collect();
        assert_eq!(held, cpus(target), "{shown}: the target's CPUs, no other");
        for slice in &slices {
            assert_eq!(
                sign::check(&slice.bytes),
                Ok(()),
                "{shown} is not signed as it is"
            );
        }
        for cpu in cpus(target) {
            let info = read::read(bytes, cpu).expect("a Mach-O file for the target");
            assert_eq!(info.cputype, cpu, "{shown}");
            let here = path.parent().unwrap();
            let rpaths: Vec<PathBuf> = (info.rpaths.iter())
                .map(|r| {
                    let rest = r.strip_prefix("@loader_path").unwrap_or_else(|| {
                        panic!("{shown} has the rpath {r}, not one relative to itself")
                    });
                    here.join(rest.trim_start_matches('/'))
                })
                .collect();
            for needed in &info.needed {
                let name = &needed.name;
                if name.starts_with("/usr/lib/") || name.starts_with("/System/") {
                    continue;
                }
                let candidates: Vec<PathBuf> =
                    if let Some(rest) = name.strip_prefix("@loader_path/") {
                        vec![here.join(rest)]
                    } else if let Some(rest) = name.strip_prefix("@rpath/") {
                        rpaths.iter().map(|r| r.join(rest)).collect()
                    } else {
                        panic!("{shown} names {name}, which is neither macOS's nor in the bundle")
                    };
                let found = (candidates.iter())
                    .filter_map(|c| c.canonicalize().ok())
                    .find(|c| c.is_file());
                match found {
                    Some(file) => assert!(file.starts_with(&root), "{shown}: {name} leads outside"),
                    None => assert!(
                        needed.weak,
                        "{shown} needs {name}, which is not in the bundle"
                    ),
                }
            }
        }
    }
    files.len()
}

/// What apple-codesign's verifier finds wrong with the Mach-O file `bytes`, less what it says
/// of every ad hoc signature (there is no CMS signature to check; its own ad hoc output
/// says the same).
fn apple_problems(bytes: &[u8]) -> Vec<String> {
    (apple_codesign::verify_macho_data(bytes).iter())
        .map(|p| p.to_string())
        .filter(|p| {
            !p.contains("no cryptographic signature present")
                && !p.contains("CMS error: missing further values")
        })
        .collect()
}

/// apple-codesign's verifier finds nothing wrong with any Mach-O file under `folder`.
fn apple_accepts_every_file(folder: &Path) {
    for (path, bytes) in macho_files(folder) {
        assert_eq!(
            apple_problems(&bytes),
            Vec::<String>::new(),
            "{}",
            path.display()
        );
    }
}

/// The launcher `exe`, checked: its signature holds and starts where its archive (or a
/// onedir's listing) ends, so that it covers it. Its bytes and archive trailer.
fn signed_with_its_archive(exe: &Path, target: &str) -> (Vec<u8>, pybundle_archive::Trailer) {
    let bytes = fs::read(exe).unwrap();
    let slices = slices(&bytes);
    let held: Vec<u32> = slices.iter().map(|s| s.cputype).collect();
    assert_eq!(held, cpus(target), "{target}: the launcher's CPUs");
    for slice in &slices {
        assert_eq!(sign::check(&slice.bytes), Ok(()), "{target}: the launcher");
    }
    let trailer = pybundle_archive::trailer_of(exe).expect("the archive is found");
    // The archive ends the last slice (the only one, in a thin file).
    let last = slices.last().unwrap();
    let last_at = (bytes.len() - last.bytes.len()) as u64;
    assert_eq!(
        &bytes[last_at as usize..],
        &last.bytes[..],
        "{target}: the last slice ends the file"
    );
    let archive_end = trailer.manifest_offset() + trailer.manifest_len + 64 - last_at;
    let macho = goblin::mach::MachO::parse(&last.bytes, 0).unwrap();
    let signature = (macho.load_commands.iter())
        .find_map(|c| match c.command {
            goblin::mach::load_command::CommandVariant::CodeSignature(s) => Some(s),
            _ => None,
        })
        .expect("a code signature");
    let signature_at = u64::from(signature.dataoff);
    assert!(
        archive_end <= signature_at && signature_at - archive_end < 16,
        "{target}: the archive ends at {archive_end}, the signature starts at {signature_at}"
    );
    (bytes, trailer)
}

/// The app: two standard-library modules whose extension modules need a library, the
/// system's (zlib) and one the runtime carries (`_lzma`, by `@rpath`).
fn app(dir: &Path) -> PathBuf {
    let script = dir.join("compress.py");
    fs::write(
        &script,
        "import lzma, zlib\nprint(len(zlib.compress(lzma.compress(b'pybundle'))))\n",
    )
    .unwrap();
    script
}

#[needs(macos)]
fn macos_bundles_are_signed_throughout_and_find_their_libraries_inside() {
    let dir = tempfile::tempdir().unwrap();
    let script = app(dir.path());
    for target in TARGETS {
        // Onedir: the launcher and every file beside it.
        let dist = dir.path().join(format!("{target}-onedir"));
        let exe = build_mac(target, &script, &dist, Path::new(&python()), &["-D"]);
        let folder = exe.parent().unwrap();
        let internal = folder.join("_internal");
        assert!(internal.join("lib/liblzma.5.dylib").is_file(), "{target}");
        let libpython = format!("lib/libpython{}.dylib", python_version());
        assert!(internal.join(&libpython).is_file(), "{target}: {libpython}");
        let count = check_tree(folder, target);
        assert!(count >= 5, "{target}: {count} Mach-O files");
        apple_accepts_every_file(folder);
        signed_with_its_archive(&exe, target);
        assert!(inspect(&exe).contains(&format!("target: {target}")));

        // Onefile: the archive inside the signed part of the launcher.
        let dist = dir.path().join(format!("{target}-onefile"));
        let exe = build_mac(target, &script, &dist, Path::new(&python()), &["-F"]);
        let (bytes, trailer) = signed_with_its_archive(&exe, target);
        let out = Command::new(PYBUNDLE)
            .arg("verify")
            .arg(&exe)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let unpacked = dir.path().join(format!("{target}-unpacked"));
        let out = Command::new(PYBUNDLE)
            .arg("extract")
            .args([exe.as_os_str(), unpacked.as_os_str()])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(check_tree(&unpacked, target) >= 4);

        // A byte changed in the archive: the launcher's check and the signature both refuse.
        let mut damaged = bytes.clone();
        damaged[(trailer.archive_offset + trailer.payload_len / 2) as usize] ^= 0x10;
        assert!(matches!(
            sign::check(&damaged),
            Err(sign::SignError::Mismatch(_))
        ));
        let bad = dir.path().join(format!("{target}-damaged"));
        fs::write(&bad, &damaged).unwrap();
        let out = Command::new(PYBUNDLE)
            .arg("verify")
            .arg(&bad)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{target}");
        assert!(stderr(&out).contains("checksum"), "{}", stderr(&out));
    }
}

/// `--target-arch universal2` (PyInstaller's flag): one bundle for both Mac CPUs, from the
/// two CPUs' runtimes (the stand-ins, given as python-build-standalone's two archives would
/// be: `--runtime` twice, joined), a universal2 wheel from PyPI, and numpy,
/// which has none: its two thin wheels are joined. Every Mach-O file holds an x86_64 and an
/// arm64 slice, each signed and each finding its libraries inside; the onefile's archive
/// ends the last slice, under its signature. A library with one CPU's code stops the build.
#[needs(macos)]
fn a_universal2_bundle_holds_both_cpus_in_every_file() {
    let target = "macos-universal2";
    let python = venv(&["MarkupSafe==3.0.2"]);
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("escape.py");
    fs::write(
        &script,
        "import lzma, zlib\nimport markupsafe._speedups\nprint(markupsafe.escape('<pybundle>'))\n",
    )
    .unwrap();
    let (arm, x86) = (
        standin("macos-arm64").to_string_lossy().into_owned(),
        standin("macos-x86_64").to_string_lossy().into_owned(),
    );
    // In either order.
    let runtimes = ["--runtime", &x86, "--runtime", &arm];
    let cache = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("macos/cache");
    let build = |dist: &str, extra: &[&str]| {
        let dist = dir.path().join(dist);
        let mut args = runtimes.to_vec();
        args.extend_from_slice(extra);
        Build::new(&script, &dist)
            .python(&python)
            .args(&args)
            .env("PYBUNDLE_CACHE_DIR", &cache)
            .run()
            .exe
    };

    let exe = build("onedir", &["--target", target, "-D"]);
    let lib = exe.parent().unwrap().join("_internal/lib");
    let libpython = lib.join(format!("libpython{}.dylib", python_version()));
    assert_eq!(
        slices(&fs::read(libpython).unwrap()).len(),
        2,
        "the runtime joined"
    );
    let folder = exe.parent().unwrap();
    let speedups = (fs::read_dir(folder.join("_internal/markupsafe")).unwrap())
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .find(|n| n.starts_with("_speedups") && n.ends_with(".so"));
    assert!(
        speedups.is_some(),
        "markupsafe's compiled module is bundled"
    );
    assert!(check_tree(folder, target) >= 6);
    apple_accepts_every_file(folder);
    signed_with_its_archive(&exe, target);
    let about = inspect(&exe);
    assert!(about.contains("target: macos-universal2"), "{about}");

    // PyInstaller's spelling, onefile: the archive inside the last slice's signed code.
    let exe = build(
        "onefile",
        &[
            "--target",
            "macos-arm64",
            "--target-arch",
            "universal2",
            "-F",
        ],
    );
    let (bytes, trailer) = signed_with_its_archive(&exe, target);
    assert_eq!(apple_problems(&bytes), Vec::<String>::new());
    let out = Command::new(PYBUNDLE)
        .arg("verify")
        .arg(&exe)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let mut damaged = bytes.clone();
    damaged[(trailer.archive_offset + trailer.payload_len / 2) as usize] ^= 0x10;
    let last = slices(&damaged).pop().unwrap();
    assert!(matches!(
        sign::check(&last.bytes),
        Err(sign::SignError::Mismatch(_))
    ));
    let bad = dir.path().join("damaged");
    fs::write(&bad, &damaged).unwrap();
    let out = Command::new(PYBUNDLE)
        .arg("verify")
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));

    // A library with code for one CPU only, given by hand: named, and no bundle.
    let thin = standin("macos-arm64").join("python/lib/liblzma.5.dylib");
    let add = format!("{}:extra", thin.display());
    let out = Build::new(&script, &dir.path().join("thin"))
        .python(&python)
        .args(&["--target", target])
        .args(&runtimes)
        .args(&["--add-binary", &add])
        .env("PYBUNDLE_CACHE_DIR", &cache)
        .fails();
    assert!(
        out.contains("extra/liblzma.5.dylib has no x86_64 code"),
        "{out}"
    );
    assert!(!dir.path().join("thin/escape").exists());

    // numpy publishes a wheel per CPU and none for both: its arm64 and x86_64 wheels of the
    // same version are joined, every library of theirs made universal.
    let numpy = venv(&["numpy==2.4.6"]);
    let numpy_app = repo().join("examples/numpy-app/matmul.py");
    let exe = Build::new(&numpy_app, &dir.path().join("numpy"))
        .python(&numpy)
        .args(&["--target", target, "-D"])
        .args(&runtimes)
        .env("PYBUNDLE_CACHE_DIR", &cache)
        .run()
        .exe;
    let folder = exe.parent().unwrap();
    assert!(folder.join("_internal/numpy/.dylibs").is_dir());
    assert!(check_tree(folder, target) > 20);
}

/// numpy from its macOS arm64 wheel: its own libraries (OpenBLAS, gfortran) come from the
/// wheel, rewritten to be found beside it and signed again.
#[needs(macos)]
fn numpy_for_macos_arm64_carries_its_wheel_libraries_signed() {
    let python = venv(&["numpy==2.4.6"]);
    let dir = tempfile::tempdir().unwrap();
    let script = repo().join("examples/numpy-app/matmul.py");
    let exe = build_mac("macos-arm64", &script, dir.path(), &python, &["-D"]);
    let folder = exe.parent().unwrap();
    let dylibs = folder.join("_internal/numpy/.dylibs");
    let wheel_libs = fs::read_dir(&dylibs).map(|d| d.count()).unwrap_or(0);
    assert!(wheel_libs >= 3, "numpy/.dylibs holds {wheel_libs} files");
    assert!(check_tree(folder, "macos-arm64") > 20);
    let about = inspect(&exe);
    assert!(about.contains("macOS: 1"), "{about}");
}

/// The `.app` `app`'s `Info.plist`, read by Python's plistlib, as JSON.
fn info_plist(app: &Path) -> serde_json::Value {
    let out = Command::new(python())
        .args([
            "-c",
            "import json, plistlib, sys; print(json.dumps(plistlib.load(open(sys.argv[1], 'rb'))))",
        ])
        .arg(app.join("Contents/Info.plist"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Check the sealed `.app` `app` as `codesign --verify` would: its executable's signature binds
/// the `Info.plist` and `_CodeSignature/CodeResources`, which holds the SHA-256 of every
/// other file; every Mach-O file is signed and finds its libraries inside. Returns the
/// executable's bytes.
fn check_app(app: &Path, name: &str, target: &str) -> Vec<u8> {
    use apple_codesign::{CodeSigningSlot, MachFile};
    use sha2::{Digest, Sha256};
    let contents = app.join("Contents");
    let exe = fs::read(contents.join("MacOS").join(name)).unwrap();
    let file = MachFile::parse(&exe).unwrap();
    let signature = file
        .nth_macho(0)
        .unwrap()
        .code_signature()
        .unwrap()
        .unwrap();
    let cd = signature.code_directory().unwrap().unwrap();
    let slot = |s: CodeSigningSlot| cd.special_digests.get(&s).map(|d| d.to_vec());
    let file_hash = |rel: &str| Sha256::digest(fs::read(contents.join(rel)).unwrap()).to_vec();
    assert_eq!(
        slot(CodeSigningSlot::Info),
        Some(file_hash("Info.plist")),
        "{target}"
    );
    let sealed = "_CodeSignature/CodeResources";
    assert_eq!(
        slot(CodeSigningSlot::ResourceDir),
        Some(file_hash(sealed)),
        "{target}"
    );

    // Every other file but the seal itself, with its hash.
    let out = Command::new(python())
        .args(["-c", "import json, plistlib, sys; r = plistlib.load(open(sys.argv[1], 'rb')); print(json.dumps({k: v['hash2'].hex() for k, v in r['files2'].items() if 'hash2' in v}))"])
        .arg(contents.join(sealed))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let listed: std::collections::BTreeMap<String, String> =
        serde_json::from_slice(&out.stdout).unwrap();
    for (rel, (bytes, mode)) in tree_contents(&contents) {
        let skipped = rel.ends_with('/') || mode == 0; // folders, symbolic links
        if skipped
            || rel.starts_with("MacOS/")
            || rel.starts_with("_CodeSignature/")
            || rel == "Info.plist"
        {
            continue;
        }
        let hex: String = Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(
            listed.get(&rel),
            Some(&hex),
            "{target}: {rel} is not sealed as it is"
        );
    }
    check_tree(&contents, target);
    exe
}

/// A square PNG of `size` pixels, written to `path`.
fn png(path: &Path, size: u32) {
    let script = "import struct, sys, zlib\n\
        n = int(sys.argv[2]); raw = b''.join(b'\\0' + b'\\x20\\x80\\xc0\\xff' * n for _ in range(n))\n\
        chunk = lambda t, d: struct.pack('>I', len(d)) + t + d + struct.pack('>I', zlib.crc32(t + d))\n\
        open(sys.argv[1], 'wb').write(b'\\x89PNG\\r\\n\\x1a\\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', n, n, 8, 6, 0, 0, 0)) + chunk(b'IDAT', zlib.compress(raw)) + chunk(b'IEND', b''))\n";
    let out = Command::new(python())
        .args(["-c", script])
        .arg(path)
        .arg(size.to_string())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
}

/// `--windowed` for macOS: an `.app` laid out as Finder expects, its Info.plist from the
/// options and `[project]`, sealed, in both modes; `pybundle verify` takes the `.app`.
#[needs(macos)]
fn a_windowed_macos_build_is_a_sealed_app() {
    let dir = tempfile::tempdir().unwrap();
    let script = app(dir.path());
    fs::write(
        dir.path().join("pyproject.toml"),
        "[project]\nname = \"compress\"\nversion = \"1.2.3\"\n",
    )
    .unwrap();
    let icon = dir.path().join("icon.png");
    png(&icon, 128);
    for (target, mode) in [
        ("macos-arm64", "-D"),
        ("macos-arm64", "-F"),
        ("macos-x86_64", "-D"),
    ] {
        let dist = dir.path().join(format!("{target}{mode}"));
        let icon = icon.to_string_lossy();
        let args = [
            "-w",
            mode,
            "-i",
            &icon,
            "--osx-bundle-identifier",
            "org.example.compress",
        ];
        let exe = build_mac(target, &script, &dist, Path::new(&python()), &args);
        let app = dist.join("compress.app");
        assert_eq!(
            exe,
            app.join("Contents/MacOS/compress"),
            "--json names the executable"
        );
        let plist = info_plist(&app);
        assert_eq!(plist["CFBundleExecutable"], "compress");
        assert_eq!(plist["CFBundleIdentifier"], "org.example.compress");
        assert_eq!(plist["CFBundleShortVersionString"], "1.2.3");
        assert_eq!(plist["CFBundlePackageType"], "APPL");
        let icns = app
            .join("Contents/Resources")
            .join(plist["CFBundleIconFile"].as_str().unwrap());
        assert!(
            fs::read(&icns).unwrap().starts_with(b"icns"),
            "{target}{mode}"
        );
        let launcher = check_app(&app, "compress", target);
        assert_eq!(
            apple_problems(&launcher),
            Vec::<String>::new(),
            "{target}{mode}"
        );
        signed_with_its_archive(&exe, target);
        let out = Command::new(PYBUNDLE)
            .arg("verify")
            .arg(&app)
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{target}{mode}: {}",
            stderr(&out)
        );
        // A changed resource breaks the seal.
        if mode == "-D" {
            let boot = app.join("Contents/Resources/_pybundle_boot.pyc");
            let mut bytes = fs::read(&boot).unwrap();
            bytes[100] ^= 1;
            fs::write(&boot, bytes).unwrap();
            let sealed = std::panic::catch_unwind(|| check_app(&app, "compress", target));
            assert!(
                sealed.is_err(),
                "{target}: a changed file still passes the seal check"
            );
        }
    }
}

/// A test Developer ID: a self-signed code-signing certificate and its key in a `.p12` file
/// (3DES, as Keychain Access exports), made with openssl; its password is `secret`.
fn developer_id(dir: &Path) -> PathBuf {
    let (key, cert, p12) = (
        dir.join("key.pem"),
        dir.join("cert.pem"),
        dir.join("id.p12"),
    );
    let subject =
        "/CN=Developer ID Application: pybundle tests (TEST123456)/OU=TEST123456/O=pybundle tests";
    let mut req = Command::new("openssl");
    req.args([
        "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "3650",
    ])
    .args(["-subj", subject, "-addext", "extendedKeyUsage=codeSigning"])
    .arg("-keyout")
    .arg(&key)
    .arg("-out")
    .arg(&cert);
    let mut export = Command::new("openssl");
    export
        .args([
            "pkcs12",
            "-export",
            "-passout",
            "pass:secret",
            "-macalg",
            "sha1",
        ])
        .args(["-keypbe", "PBE-SHA1-3DES", "-certpbe", "PBE-SHA1-3DES"])
        .arg("-inkey")
        .arg(&key)
        .arg("-in")
        .arg(&cert)
        .arg("-out")
        .arg(&p12);
    for mut step in [req, export] {
        let out = step.output().expect("openssl runs");
        assert!(out.status.success(), "openssl: {}", stderr(&out));
    }
    p12
}

/// `--codesign-identity`: every Mach-O file, in the folder and inside a onefile's archive,
/// carries a CMS signature by the certificate, with the hardened runtime; the executable
/// carries the entitlements; apple-codesign's verifier finds nothing wrong. A wrong or
/// missing password stops the build in one line, before anything is written.
#[needs(macos)]
fn a_developer_id_signs_every_file_with_the_hardened_runtime() {
    use apple_codesign::{CodeSignatureFlags, MachFile};
    let dir = tempfile::tempdir().unwrap();
    let script = app(dir.path());
    let p12 = developer_id(dir.path());
    let entitlements = dir.path().join("entitlements.plist");
    fs::write(
        &entitlements,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<plist version=\"1.0\"><dict>\
         <key>com.apple.security.cs.allow-unsigned-executable-memory</key><true/></dict></plist>\n",
    )
    .unwrap();
    let (p12_arg, entitlements_arg) = (p12.to_string_lossy(), entitlements.to_string_lossy());
    let signed = |mode: &str, dist: &Path, password: &str| {
        let mut cmd = pybundle_cmd(dir.path());
        with_python(&mut cmd)
            .arg(&script)
            .args(["--target", "macos-arm64", mode, "-w", "-y", "--json"])
            .arg("--runtime")
            .arg(standin("macos-arm64"))
            .args(["--codesign-identity", &p12_arg])
            .args(["--osx-entitlements-file", &entitlements_arg])
            .arg("--distpath")
            .arg(dist)
            .env(
                "PYBUNDLE_CACHE_DIR",
                PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("macos/cache"),
            )
            .env("PYBUNDLE_CODESIGN_TIMESTAMP_URL", "none");
        if !password.is_empty() {
            cmd.env("PYBUNDLE_CODESIGN_PASSWORD", password);
        }
        cmd.output().unwrap()
    };
    let by_identity = |path: &Path, bytes: &[u8], program: bool| {
        let shown = path.display();
        assert_eq!(apple_problems(bytes), Vec::<String>::new(), "{shown}");
        let file = MachFile::parse(bytes).unwrap();
        let signature = file
            .nth_macho(0)
            .unwrap()
            .code_signature()
            .unwrap()
            .unwrap();
        let cms = signature.signed_data().unwrap().expect("a CMS signature");
        assert_eq!(cms.signers().count(), 1, "{shown}");
        let names: Vec<String> = (cms.certificates())
            .filter_map(|c| c.subject_common_name())
            .collect();
        let ours = "Developer ID Application: pybundle tests (TEST123456)";
        assert_eq!(names, [ours], "{shown}");
        let cd = signature.code_directory().unwrap().unwrap();
        assert!(
            cd.flags.contains(CodeSignatureFlags::RUNTIME),
            "{shown}: no hardened runtime"
        );
        // The team is named only from a certificate Apple issued; this one is self-signed.
        assert_eq!(cd.team_name, None, "{shown}");
        let entitled = signature.entitlements().unwrap().is_some();
        assert_eq!(entitled, program, "{shown}: entitlements");
    };

    for mode in ["-D", "-F"] {
        let dist = dir.path().join(format!("dist{mode}"));
        let out = signed(mode, &dist, "secret");
        assert!(out.status.success(), "{}", stderr(&out));
        let app = dist.join("compress.app");
        let exe = check_app(&app, "compress", "macos-arm64");
        by_identity(&app.join("Contents/MacOS/compress"), &exe, true);
        let files = if mode == "-D" {
            macho_files(&app.join("Contents/Resources"))
        } else {
            let unpacked = dir.path().join("unpacked");
            let out = Command::new(PYBUNDLE)
                .arg("extract")
                .arg(app.join("Contents/MacOS/compress"))
                .arg(&unpacked)
                .output()
                .unwrap();
            assert!(out.status.success(), "{}", stderr(&out));
            macho_files(&unpacked)
        };
        assert!(files.len() >= 4, "{mode}: {} files", files.len());
        for (path, bytes) in &files {
            by_identity(path, bytes, false);
        }
    }

    for (password, says) in [
        ("wrong", "does not open it"),
        ("", "PYBUNDLE_CODESIGN_PASSWORD"),
    ] {
        let dist = dir.path().join("refused");
        let out = signed("-D", &dist, password);
        assert_eq!(out.status.code(), Some(1));
        let err = stderr(&out);
        assert!(err.contains(says) && err.lines().count() == 1, "{err}");
        assert!(!dist.exists(), "nothing is written");
    }
}

/// A module whose load commands have no room for the bundle's names (linked with no header
/// padding) stops the build in one line naming it and the fix; nothing is written.
#[needs(macos)]
fn a_file_with_no_room_for_the_bundles_names_stops_the_build() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("tight.c"),
        "int lzma_version_number(void);\nvoid *PyInit__tight(void) { return (void *)(long)lzma_version_number(); }\n",
    )
    .unwrap();
    let lzma = standin("macos-arm64").join("python/lib/liblzma.5.dylib");
    let out = Command::new(repo().join("tools/zig-cc"))
        .current_dir(dir.path())
        .args(["-arch", "arm64", "-mmacosx-version-min=11.0", "-shared"])
        .args(["-undefined", "dynamic_lookup", "-Wl,-headerpad,0"])
        .args(["-o", "_tight.cpython-311-darwin.so", "tight.c"])
        .arg(&lzma)
        .arg("-Wl,-rpath,@loader_path/../lib")
        .output()
        .unwrap();
    assert!(out.status.success(), "zig: {}", stderr(&out));
    let name = format!(
        "_tight.cpython-{}-darwin.so",
        python_version().replace('.', "")
    );
    fs::rename(
        dir.path().join("_tight.cpython-311-darwin.so"),
        dir.path().join(&name),
    )
    .unwrap();
    let script = dir.path().join("app.py");
    fs::write(&script, "import _tight\n").unwrap();
    let dist = dir.path().join("dist");
    let mut cmd = pybundle_cmd(dir.path());
    with_python(&mut cmd)
        .arg(&script)
        .args(["-D", "--target", "macos-arm64", "--runtime"])
        .arg(standin("macos-arm64"))
        .arg("--distpath")
        .arg(&dist)
        .env(
            "PYBUNDLE_CACHE_DIR",
            PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("macos/cache"),
        );
    let out = cmd.output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    let error: Vec<&str> = err.lines().filter(|l| l.starts_with("error: ")).collect();
    assert_eq!(error.len(), 1, "{err}");
    assert!(
        error[0].contains(&name) && error[0].contains("-headerpad_max_install_names"),
        "{err}"
    );
    assert!(!dist.exists(), "nothing is written");
}
