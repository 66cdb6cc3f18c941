//! A whole executable, as the launcher reads it: once as given (the hash must refuse nearly
//! everything) and once resealed, so trailer, manifest and payload checks are all reached.
//! An archive that opens is unpacked into a scratch folder; an unpack that succeeds must check
//! out file by file, and nothing may be written outside that folder.
#![no_main]

use std::io::Write;

use libfuzzer_sys::fuzz_target;
use pybundle_archive::{writer, Bundle};

fn open(bytes: &[u8]) -> Option<Bundle> {
    let mut file = tempfile::tempfile().ok()?;
    file.write_all(bytes).ok()?;
    Bundle::from_file(file).ok()
}

fn unpack(bundle: &Bundle) {
    // Keep the fuzzer's disk use small: skip archives that claim a lot.
    if bundle
        .manifest
        .chunks
        .iter()
        .map(|c| c.raw_len)
        .sum::<u64>()
        > 1 << 20
    {
        return;
    }
    let scratch = tempfile::tempdir_in("/dev/shm").expect("a scratch folder");
    let root = scratch.path().join("root");
    std::fs::create_dir(&root).expect("the unpack folder");
    if bundle.extract_all(&root, 0o700).is_ok() {
        assert!(
            bundle.is_unpacked_at(&root),
            "an unpack that succeeded does not check out"
        );
    }
    let beside = std::fs::read_dir(scratch.path()).expect("listed").count();
    assert_eq!(beside, 1, "something was written outside the unpack folder");
}

fuzz_target!(|data: &[u8]| {
    if let Some(bundle) = open(data) {
        unpack(&bundle);
    }
    let mut resealed = data.to_vec();
    if writer::reseal(&mut resealed) {
        if let Some(bundle) = open(&resealed) {
            unpack(&bundle);
        }
    }
});
