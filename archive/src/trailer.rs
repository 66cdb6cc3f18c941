//! The fixed 64-byte trailer at the end of every bundled executable: where the archive starts,
//! how long its parts are, the format version, and the hash over all of it.
//!
//! Layout (little-endian):
//!
//! | offset | size | field |
//! |---|---|---|
//! | 0  | 8  | `archive_offset`: file offset of the payload's first byte |
//! | 8  | 8  | `payload_len` |
//! | 16 | 8  | `manifest_len` |
//! | 24 | 4  | `version` |
//! | 28 | 4  | `flags` (zero) |
//! | 32 | 16 | xxh3-128 of payload, manifest and trailer bytes 0..32 |
//! | 48 | 8  | reserved (zero) |
//! | 56 | 8  | magic `pybundle` |

use crate::FormatError;

pub const TRAILER_LEN: usize = 64;
pub const MAGIC: [u8; 8] = *b"pybundle";
/// 2: the launcher loads CPython's shared library itself (`Launch::python`), with options;
/// onedir manifests list their files. 1: the launcher ran an interpreter binary.
pub const FORMAT_VERSION: u32 = 2;
/// Upper bound for a manifest; anything larger is damage, not a real bundle.
pub const MAX_MANIFEST_LEN: u64 = 64 << 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Trailer {
    pub archive_offset: u64,
    pub payload_len: u64,
    pub manifest_len: u64,
    pub version: u32,
    pub hash: u128,
}

impl Trailer {
    /// The first 32 bytes, which the hash covers.
    pub fn hashed_prefix(&self) -> [u8; 32] {
        let mut out = [0u8; 32];
        out[0..8].copy_from_slice(&self.archive_offset.to_le_bytes());
        out[8..16].copy_from_slice(&self.payload_len.to_le_bytes());
        out[16..24].copy_from_slice(&self.manifest_len.to_le_bytes());
        out[24..28].copy_from_slice(&self.version.to_le_bytes());
        out
    }

    pub fn encode(&self) -> [u8; TRAILER_LEN] {
        let mut out = [0u8; TRAILER_LEN];
        out[..32].copy_from_slice(&self.hashed_prefix());
        out[32..48].copy_from_slice(&self.hash.to_le_bytes());
        out[56..64].copy_from_slice(&MAGIC);
        out
    }

    /// Parse the last [`TRAILER_LEN`] bytes of a file of `file_len` bytes and check that the
    /// parts it describes fill the file exactly.
    pub fn decode(bytes: &[u8; TRAILER_LEN], file_len: u64) -> Result<Self, FormatError> {
        if bytes[56..64] != MAGIC {
            return Err(FormatError::NoTrailer);
        }
        let u64_at = |at: usize| {
            let mut b = [0u8; 8];
            b.copy_from_slice(&bytes[at..at + 8]);
            u64::from_le_bytes(b)
        };
        let mut v = [0u8; 4];
        v.copy_from_slice(&bytes[24..28]);
        let version = u32::from_le_bytes(v);
        if version != FORMAT_VERSION {
            return Err(FormatError::UnsupportedVersion(version));
        }
        if bytes[28..32] != [0; 4] || bytes[48..56] != [0; 8] {
            return Err(FormatError::Damaged("the trailer has unknown flags"));
        }
        let mut h = [0u8; 16];
        h.copy_from_slice(&bytes[32..48]);
        let trailer = Trailer {
            archive_offset: u64_at(0),
            payload_len: u64_at(8),
            manifest_len: u64_at(16),
            version,
            hash: u128::from_le_bytes(h),
        };
        let end = trailer
            .archive_offset
            .checked_add(trailer.payload_len)
            .and_then(|n| n.checked_add(trailer.manifest_len))
            .and_then(|n| n.checked_add(TRAILER_LEN as u64));
        if end != Some(file_len) {
            return Err(FormatError::Damaged(
                "the trailer's lengths do not match the file's size (truncated or extended)",
            ));
        }
        if trailer.manifest_len > MAX_MANIFEST_LEN {
            return Err(FormatError::Damaged("the manifest is implausibly large"));
        }
        Ok(trailer)
    }

    /// Offset of the manifest's first byte.
    pub fn manifest_offset(&self) -> u64 {
        self.archive_offset + self.payload_len
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Trailer {
        Trailer {
            archive_offset: 1000,
            payload_len: 500,
            manifest_len: 100,
            version: FORMAT_VERSION,
            hash: 0x0123_4567_89ab_cdef_0011_2233_4455_6677,
        }
    }

    #[test]
    fn round_trips() {
        let t = sample();
        assert_eq!(Trailer::decode(&t.encode(), 1664).unwrap(), t);
    }

    #[test]
    fn refuses_wrong_size_magic_and_version() {
        let t = sample();
        assert!(matches!(
            Trailer::decode(&t.encode(), 1665),
            Err(FormatError::Damaged(_))
        ));
        let mut bytes = t.encode();
        bytes[60] ^= 1;
        assert!(matches!(
            Trailer::decode(&bytes, 1664),
            Err(FormatError::NoTrailer)
        ));
        let mut bytes = t.encode();
        bytes[24] = 9;
        assert!(matches!(
            Trailer::decode(&bytes, 1664),
            Err(FormatError::UnsupportedVersion(9))
        ));
    }

    #[test]
    fn refuses_overflowing_lengths() {
        let mut t = sample();
        t.payload_len = u64::MAX - 10;
        assert!(Trailer::decode(&t.encode(), 1664).is_err());
        t.payload_len = 1 << 60;
        assert!(Trailer::decode(&t.encode(), 1664).is_err());
    }
}
