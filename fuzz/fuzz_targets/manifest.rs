//! The manifest parser alone, past the hash that guards it in a real file: the first eight
//! bytes are the payload length the trailer would claim, the rest is the manifest. Whatever
//! parses must encode back to the same bytes (there is one way to write each manifest).
#![no_main]

use libfuzzer_sys::fuzz_target;
use pybundle_archive::Manifest;

fuzz_target!(|data: &[u8]| {
    if data.len() < 8 {
        return;
    }
    let mut len = [0u8; 8];
    len.copy_from_slice(&data[..8]);
    let bytes = &data[8..];
    if let Ok(manifest) = Manifest::decode(bytes, u64::from_le_bytes(len)) {
        assert_eq!(manifest.encode(), bytes, "a manifest does not round-trip");
    }
});
