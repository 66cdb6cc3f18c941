//! Writer and reader against each other: what goes in comes out, and any damage to the archive
//! is refused before a single file is unpacked.
#![cfg(feature = "write")]

use std::fs;
use std::io::Write;

use pybundle_archive::writer::{self, ArchiveSpec, FileData, Header, InputFile};
use pybundle_archive::{Bundle, FormatError, Launch, Mode, Signals, Unpack};

const LAUNCHER: &[u8] = b"\x7fELF pretend launcher bytes";

fn spec(files: Vec<InputFile<'static>>) -> ArchiveSpec<'static> {
    ArchiveSpec {
        header: Header {
            mode: Mode::Onefile {
                unpack: Unpack::Temporary,
            },
            name: "t".into(),
            launch: Launch {
                python: "lib/libpython3.so".into(),
                bootstrap: "boot.pyc".into(),
                library_dir: "lib".into(),
                options: Vec::new(),
                signals: Signals::Forward,
                trace: false,
            },
            runtime_tmpdir: None,
        },
        files,
    }
}

fn file(path: &str, data: Vec<u8>) -> InputFile<'static> {
    InputFile::bytes(path, 0o644, data)
}

fn build(files: Vec<InputFile<'static>>) -> Vec<u8> {
    let mut out = Vec::new();
    writer::write(&mut out, LAUNCHER, spec(files), 1, &|_| {}).unwrap();
    out
}

fn open_bytes(bytes: &[u8]) -> Result<Bundle, FormatError> {
    let mut f = tempfile::tempfile().unwrap();
    f.write_all(bytes).unwrap();
    Bundle::from_file(f)
}

#[test]
fn files_come_back_byte_for_byte() {
    let big: Vec<u8> = (0..(writer::CHUNK_TARGET as usize + 12345))
        .map(|i| (i * 7 % 251) as u8)
        .collect();
    let bytes = build(vec![
        file("b/two.txt", b"two".to_vec()),
        file("a.txt", b"one".to_vec()),
        file("empty", Vec::new()),
        file("c/big.bin", big.clone()),
        InputFile {
            path: "bin/run".into(),
            mode: 0o755,
            data: FileData::Bytes(std::borrow::Cow::Owned(b"#!x".to_vec())),
        },
    ]);
    assert!(bytes.starts_with(LAUNCHER));
    let bundle = open_bytes(&bytes).unwrap();
    assert!(bundle.manifest.chunks.len() >= 2);
    let dir = tempfile::tempdir().unwrap();
    bundle.extract_all(dir.path(), 0o700).unwrap();
    assert_eq!(fs::read(dir.path().join("a.txt")).unwrap(), b"one");
    assert_eq!(fs::read(dir.path().join("b/two.txt")).unwrap(), b"two");
    assert_eq!(fs::read(dir.path().join("c/big.bin")).unwrap(), big);
    assert_eq!(fs::read(dir.path().join("empty")).unwrap(), b"");
    use std::os::unix::fs::PermissionsExt;
    let mode = fs::metadata(dir.path().join("bin/run"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o755);
    assert_eq!(bundle.read_file("b/two.txt").unwrap().unwrap(), b"two");
}

#[test]
fn output_is_deterministic() {
    let files = || vec![file("x", vec![1; 1000]), file("y", vec![2; 1000])];
    assert_eq!(build(files()), build(files()));
}

#[test]
fn writer_refuses_unsafe_and_duplicate_paths() {
    let mut out = Vec::new();
    let err = writer::write(
        &mut out,
        LAUNCHER,
        spec(vec![file("../x", vec![])]),
        1,
        &|_| {},
    );
    assert!(matches!(err, Err(FormatError::UnsafePath(_))));
    let err = writer::write(
        &mut out,
        LAUNCHER,
        spec(vec![file("x", vec![]), file("x", vec![1])]),
        1,
        &|_| {},
    );
    assert!(matches!(err, Err(FormatError::DuplicatePath(_))));
    let err = writer::write(
        &mut out,
        LAUNCHER,
        spec(vec![file("x", vec![]), file("x/y", vec![1])]),
        1,
        &|_| {},
    );
    assert!(matches!(err, Err(FormatError::FileIsFolder(p)) if p == "x"));
}

#[test]
fn every_flipped_byte_is_refused() {
    let bytes = build(vec![
        file("a", b"hello world".repeat(20)),
        file("b/c", vec![9; 300]),
    ]);
    for at in LAUNCHER.len()..bytes.len() {
        let mut bad = bytes.clone();
        bad[at] ^= 0x20;
        assert!(open_bytes(&bad).is_err(), "flip at {at} accepted");
    }
}

#[test]
fn every_truncation_and_appendix_is_refused() {
    let bytes = build(vec![file("a", b"hello".to_vec())]);
    for len in 0..bytes.len() {
        assert!(open_bytes(&bytes[..len]).is_err(), "cut at {len} accepted");
    }
    let mut longer = bytes.clone();
    longer.extend_from_slice(b"appended");
    assert!(matches!(open_bytes(&longer), Err(FormatError::NoTrailer)));
}

#[test]
fn extraction_never_replaces_existing_files() {
    let bytes = build(vec![file("a", b"new".to_vec())]);
    let bundle = open_bytes(&bytes).unwrap();
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("a"), b"old").unwrap();
    assert!(bundle.extract_all(dir.path(), 0o700).is_err());
    assert_eq!(fs::read(dir.path().join("a")).unwrap(), b"old");
}

#[test]
fn an_unpacked_copy_is_checked_file_by_file() {
    let bytes = build(vec![
        file("a", b"alpha".to_vec()),
        file("d/b", b"beta".to_vec()),
    ]);
    let bundle = open_bytes(&bytes).unwrap();
    let dir = tempfile::tempdir().unwrap();
    assert!(!bundle.is_unpacked_at(dir.path()));
    bundle.extract_all(dir.path(), 0o700).unwrap();
    assert!(bundle.is_unpacked_at(dir.path()));
    // Same size, other bytes.
    fs::write(dir.path().join("d/b"), b"BETA").unwrap();
    assert!(!bundle.is_unpacked_at(dir.path()));
    fs::remove_file(dir.path().join("d/b")).unwrap();
    assert!(!bundle.is_unpacked_at(dir.path()));
    std::os::unix::fs::symlink(dir.path().join("a"), dir.path().join("d/b")).unwrap();
    assert!(!bundle.is_unpacked_at(dir.path()));
}

#[test]
fn a_onedir_listing_names_every_missing_changed_and_added_file() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    fs::create_dir_all(root.join("d")).unwrap();
    fs::write(root.join("a"), b"alpha").unwrap();
    fs::write(root.join("d/b"), b"beta").unwrap();
    fs::write(root.join("d/c"), b"gamma").unwrap();
    let entry = |path: &str, data: &[u8]| pybundle_archive::FileEntry {
        path: path.into(),
        mode: 0o644,
        chunk: 0,
        offset: 0,
        size: data.len() as u64,
        hash: xxhash_rust::xxh3::xxh3_64(data),
    };
    for f in ["a", "d/b", "d/c"] {
        fs::set_permissions(
            root.join(f),
            std::os::unix::fs::PermissionsExt::from_mode(0o644),
        )
        .unwrap();
    }
    let mut header = spec(Vec::new()).header;
    header.mode = Mode::Onedir {
        contents_dir: "_internal".into(),
    };
    let mut out = Vec::new();
    let listing = vec![
        entry("d/c", b"gamma"),
        entry("a", b"alpha"),
        entry("d/b", b"beta"),
    ];
    writer::write_listing(&mut out, LAUNCHER, header, listing).unwrap();
    let bundle = open_bytes(&out).unwrap();
    assert_eq!(bundle.manifest.files.len(), 3);
    assert!(bundle.differences(root).is_empty());

    fs::remove_file(root.join("d/c")).unwrap();
    fs::write(root.join("d/b"), b"BETA").unwrap();
    fs::write(root.join("new"), b"").unwrap();
    use pybundle_archive::Difference::*;
    assert_eq!(
        bundle.differences(root),
        [
            Changed("d/b".into(), "has other content"),
            Missing("d/c".into()),
            Added("new".into()),
        ]
    );
}

#[test]
fn a_onefile_spec_never_becomes_a_listing_nor_the_reverse() {
    let mut out = Vec::new();
    assert!(
        writer::write_listing(&mut out, LAUNCHER, spec(Vec::new()).header, Vec::new()).is_err()
    );
    let mut onedir = spec(vec![file("a", b"x".to_vec())]);
    onedir.header.mode = Mode::Onedir {
        contents_dir: "_internal".into(),
    };
    assert!(writer::write(&mut out, LAUNCHER, onedir, 1, &|_| {}).is_err());
}

#[test]
fn files_given_by_path_are_read_when_their_chunk_is_compressed() {
    let dir = tempfile::tempdir().unwrap();
    let on_disk = dir.path().join("big.bin");
    let data: Vec<u8> = (0..(writer::CHUNK_TARGET as usize * 2 + 7))
        .map(|i| (i % 253) as u8)
        .collect();
    fs::write(&on_disk, &data).unwrap();
    let path_file = |p: &std::path::Path| InputFile {
        path: "big.bin".into(),
        mode: 0o644,
        data: FileData::Path(p.to_path_buf()),
    };
    let files = vec![path_file(&on_disk), file("small", b"s".to_vec())];
    let mut out = Vec::new();
    writer::write(&mut out, LAUNCHER, spec(files), 1, &|_| {}).unwrap();
    let bundle = open_bytes(&out).unwrap();
    assert_eq!(bundle.read_file("big.bin").unwrap().unwrap(), data);
    assert_eq!(bundle.read_file("small").unwrap().unwrap(), b"s");

    // A file that cannot be read is an error, never an archive missing it.
    let shrinking = dir.path().join("gone.bin");
    let spec_then = spec(vec![path_file(&shrinking)]);
    assert!(writer::write(&mut Vec::new(), LAUNCHER, spec_then, 1, &|_| {}).is_err());
}
