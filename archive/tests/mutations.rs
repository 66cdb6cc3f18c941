//! Property test of the reader against hostile input: random bytes, and real archives mutated
//! and then resealed (their hash recomputed) so the checks behind the hash are reached too.
//! Whatever comes in, the reader returns an error or an archive it can unpack safely; it never
//! panics, never allocates what a length field claims, and never writes outside its folder.
//! The `fuzz/` targets explore the same ground with coverage guidance; this runs in every CI.
#![cfg(feature = "write")]

use std::io::Write;
use std::path::Path;

use pybundle_archive::writer::{self, ArchiveSpec, FileData, Header, InputFile};
use pybundle_archive::{Bundle, FormatError, Launch, Mode, Signals, Trailer, Unpack};

const LAUNCHER: &[u8] = b"\x7fELF pretend launcher";

/// splitmix64: a fixed seed keeps every run the same, so a failure can be replayed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn sample_archive() -> Vec<u8> {
    let files = vec![
        InputFile {
            path: "a.txt".into(),
            mode: 0o644,
            data: FileData::Bytes(std::borrow::Cow::Owned(b"hello ".repeat(50))),
        },
        InputFile {
            path: "bin/run".into(),
            mode: 0o755,
            data: FileData::Bytes(std::borrow::Cow::Owned(
                (0..3000u32).map(|i| (i * 31 % 256) as u8).collect(),
            )),
        },
        InputFile {
            path: "d/e/empty".into(),
            mode: 0o600,
            data: FileData::Bytes(std::borrow::Cow::Owned(Vec::new())),
        },
    ];
    let spec = ArchiveSpec {
        header: Header {
            mode: Mode::Onefile {
                unpack: Unpack::Temporary,
            },
            name: "m".into(),
            launch: Launch {
                python: "bin/run".into(),
                bootstrap: "a.txt".into(),
                library_dir: "d".into(),
                options: Vec::new(),
                signals: Signals::Forward,
                trace: false,
            },
            runtime_tmpdir: None,
        },
        files,
    };
    let mut out = Vec::new();
    writer::write(&mut out, LAUNCHER, spec, 1, &|_| {}).expect("a valid archive is written");
    out
}

fn open_bytes(bytes: &[u8]) -> Result<Bundle, FormatError> {
    let mut f = tempfile::tempfile().expect("a temporary file");
    f.write_all(bytes).expect("the temporary file is written");
    Bundle::from_file(f)
}

/// An archive that opened must unpack into `root` exactly as its manifest says, or fail with
/// an error; either way nothing appears beside `root`.
fn unpack_checks_out(bundle: &Bundle, parent: &Path) {
    let root = parent.join("root");
    std::fs::create_dir(&root).expect("the unpack folder is made");
    if bundle.extract_all(&root, 0o700).is_ok() {
        assert!(
            bundle.is_unpacked_at(&root),
            "an unpack that succeeded does not check out"
        );
    }
    let beside: Vec<_> = std::fs::read_dir(parent)
        .expect("the parent is listed")
        .map(|e| e.expect("an entry").file_name())
        .collect();
    assert_eq!(
        beside,
        ["root"],
        "something was written outside the unpack folder"
    );
    std::fs::remove_dir_all(&root).expect("the unpack folder is removed");
}

#[test]
fn random_bytes_are_refused() {
    let mut rng = Rng(1);
    for _ in 0..500 {
        let len = rng.below(600);
        let mut bytes: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        if rng.below(2) == 0 && len >= 8 {
            // Give some of them the magic, so the trailer's checks are reached.
            bytes[len - 8..].copy_from_slice(b"pybundle");
        }
        assert!(open_bytes(&bytes).is_err());
    }
}

#[test]
fn mutated_and_resealed_archives_are_refused_or_unpack_safely() {
    let original = sample_archive();
    let start = LAUNCHER.len();
    let end = original.len() - 64;
    let mut rng = Rng(2);
    let scratch = tempfile::tempdir().expect("a scratch folder");
    let (mut opened, mut refused) = (0, 0);
    for _ in 0..3000 {
        let mut bytes = original.clone();
        for _ in 0..1 + rng.below(4) {
            let at = start + rng.below(end - start);
            match rng.below(4) {
                0 => bytes[at] ^= 1 << rng.below(8),
                1 => bytes[at] = rng.next() as u8,
                // Lengths and counts a reader might trust: huge, zero, just past the end.
                2 if at + 8 <= end => {
                    let huge = [1u64 << 60, u64::MAX, 0, u32::MAX as u64][rng.below(4)];
                    bytes[at..at + 8].copy_from_slice(&huge.to_le_bytes());
                }
                _ if at + 4 <= end => {
                    let n = [u32::MAX, 1 << 31, 0, 1][rng.below(4)];
                    bytes[at..at + 4].copy_from_slice(&n.to_le_bytes());
                }
                _ => {}
            }
        }
        assert!(writer::reseal(&mut bytes));
        match open_bytes(&bytes) {
            Ok(bundle) => {
                opened += 1;
                unpack_checks_out(&bundle, scratch.path());
            }
            Err(_) => refused += 1,
        }
    }
    // Both paths must have been exercised: mutations of the manifest mostly break a rule;
    // those inside compressed data (which resealing hides from the hash) are left to the
    // unpacker.
    assert!(
        refused > 1000 && opened > 500,
        "{opened} opened, {refused} refused"
    );
}

/// Rebuild a sample archive's manifest by hand, with one field replaced.
fn with_manifest(edit: impl Fn(&mut Vec<u8>)) -> Result<Bundle, FormatError> {
    let original = sample_archive();
    let mut raw = [0u8; 64];
    raw.copy_from_slice(&original[original.len() - 64..]);
    let trailer = Trailer::decode(&raw, original.len() as u64).expect("the sample's trailer");
    let manifest_at = trailer.manifest_offset() as usize;
    let mut manifest = original[manifest_at..original.len() - 64].to_vec();
    edit(&mut manifest);
    let mut bytes = original[..manifest_at].to_vec();
    bytes.extend_from_slice(&manifest);
    let patched = Trailer {
        manifest_len: manifest.len() as u64,
        ..trailer
    };
    bytes.extend_from_slice(&patched.encode());
    assert!(writer::reseal(&mut bytes));
    open_bytes(&bytes)
}

/// Offset of the chunk table in the sample's manifest: after the header, four strings, the
/// option count (the sample has none) and the tmpdir byte.
fn chunk_table(manifest: &[u8]) -> usize {
    let mut at = 8;
    for _ in 0..4 {
        let len = u32::from_le_bytes(manifest[at..at + 4].try_into().expect("4 bytes"));
        at += 4 + len as usize;
    }
    assert_eq!(manifest[at..at + 4], [0; 4], "the sample has no options");
    at + 4 + 1
}

#[test]
fn a_length_of_two_to_the_sixty_is_an_error_not_an_allocation() {
    // The chunk's raw length.
    let err = with_manifest(|m| {
        let at = chunk_table(m) + 4 + 16;
        m[at..at + 8].copy_from_slice(&(1u64 << 60).to_le_bytes());
    })
    .expect_err("a 2^60-byte chunk is refused");
    assert!(err.to_string().contains("damaged"), "{err}");

    // A count of entries far beyond what the manifest holds.
    for (field, what) in [(0, "chunk count"), (4 + 24, "file count")] {
        let err = with_manifest(|m| {
            let at = chunk_table(m) + field;
            m[at..at + 4].copy_from_slice(&u32::MAX.to_le_bytes());
        })
        .expect_err(what);
        assert!(err.to_string().contains("more entries"), "{what}: {err}");
    }

    // A string length of 2^31.
    let err = with_manifest(|m| m[8..12].copy_from_slice(&(1u32 << 31).to_le_bytes()))
        .expect_err("a 2 GiB name is refused");
    assert!(err.to_string().contains("ends early"), "{err}");
}

#[test]
fn a_trailer_claiming_huge_parts_is_refused() {
    let original = sample_archive();
    for field in [0usize, 8, 16] {
        let mut bytes = original.clone();
        let at = bytes.len() - 64 + field;
        bytes[at..at + 8].copy_from_slice(&(1u64 << 60).to_le_bytes());
        assert!(!writer::reseal(&mut bytes));
        assert!(open_bytes(&bytes).is_err(), "field at {field} accepted");
    }
}

#[test]
fn a_frame_asking_for_a_window_over_the_limit_is_refused_not_allocated() {
    // 2 MiB in one frame written with an 8 MiB window (the frame declares it): the reader
    // refuses to allocate that much.
    let data: Vec<u8> = (0..2u32 << 20)
        .map(|i| (i % 251) as u8 ^ (i >> 17) as u8)
        .collect();
    let spec = ArchiveSpec {
        header: Header {
            mode: Mode::Onefile {
                unpack: Unpack::Temporary,
            },
            name: "w".into(),
            launch: Launch {
                python: "big".into(),
                bootstrap: "big".into(),
                library_dir: "lib".into(),
                options: Vec::new(),
                signals: Signals::Forward,
                trace: false,
            },
            runtime_tmpdir: None,
        },
        files: vec![InputFile {
            path: "big".into(),
            mode: 0o644,
            data: FileData::Bytes(std::borrow::Cow::Owned(data.clone())),
        }],
    };
    let mut good = Vec::new();
    writer::write(&mut good, LAUNCHER, spec, 1, &|_| {}).expect("written");
    let bundle = open_bytes(&good).expect("the writer's archive opens");
    let scratch = tempfile::tempdir().expect("scratch");
    assert!(bundle.extract_all(scratch.path(), 0o700).is_ok());

    let mut compressor = zstd::bulk::Compressor::new(1).expect("a compressor");
    compressor
        .set_parameter(zstd::stream::raw::CParameter::WindowLog(23))
        .expect("a window of 8 MiB");
    let wide = compressor.compress(&data).expect("compressed");
    let mut manifest = bundle.manifest.clone();
    manifest.chunks[0].compressed_len = wide.len() as u64;
    let manifest = manifest.encode();
    let mut bytes = LAUNCHER.to_vec();
    bytes.extend_from_slice(&wide);
    bytes.extend_from_slice(&manifest);
    let trailer = Trailer {
        archive_offset: LAUNCHER.len() as u64,
        payload_len: wide.len() as u64,
        manifest_len: manifest.len() as u64,
        ..bundle.trailer
    };
    bytes.extend_from_slice(&trailer.encode());
    assert!(writer::reseal(&mut bytes));
    let wide_bundle = open_bytes(&bytes).expect("the manifest itself is fine");
    let scratch = tempfile::tempdir().expect("scratch");
    let err = wide_bundle
        .extract_all(scratch.path(), 0o700)
        .expect_err("a 2 MiB window is refused");
    assert!(err.to_string().contains("does not decompress"), "{err}");
}
