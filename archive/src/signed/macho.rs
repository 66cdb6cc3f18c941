//! Where the code signature starts in a signed Mach-O executable (a 64-bit one, as every
//! launcher is; in a universal launcher, the last slice's, which holds the archive).
//! `LC_CODE_SIGNATURE` names the signature's offset and size; it is the last thing in
//! `__LINKEDIT`, and so in the file, and starts on a 16-byte boundary.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};

/// The signature starts 16-aligned; the zero bytes before it align the archive's end.
pub const MAX_PADDING: u64 = 15;
const MH_MAGIC_64: u32 = 0xfeed_facf;
/// A universal file's magic, big-endian, and its most slices.
const FAT_MAGIC: u32 = 0xcafe_babe;
const MAX_SLICES: u32 = 20;
const LC_CODE_SIGNATURE: u32 = 0x1d;
/// More load commands than this is not a launcher.
const MAX_COMMANDS_LEN: u64 = 1 << 20;

/// Where a 64-bit Mach-O file's code signature starts, when it has one that fills the file's
/// end: a thin file's, or that of the slice of a universal file that ends it.
pub fn signature_start(file: &mut File, file_len: u64) -> io::Result<Option<u64>> {
    // One read serves a thin launcher, the common case, whole: the launcher runs this at
    // every start.
    let mut header = [0u8; 32];
    file.seek(SeekFrom::Start(0))?;
    let read = file.read(&mut header)?;
    let be = |at: usize| {
        u32::from_be_bytes([header[at], header[at + 1], header[at + 2], header[at + 3]])
    };
    if read < 8 || be(0) != FAT_MAGIC {
        return thin_signature_start(file, 0, (read == header.len()).then_some(header), file_len);
    }
    let count = be(4);
    if count == 0 || count > MAX_SLICES {
        return Ok(None);
    }
    let mut arches = vec![0u8; count as usize * 20];
    file.seek(SeekFrom::Start(8))?;
    file.read_exact(&mut arches)?;
    for arch in arches.chunks_exact(20) {
        let word = |at: usize| {
            u64::from(u32::from_be_bytes([
                arch[at],
                arch[at + 1],
                arch[at + 2],
                arch[at + 3],
            ]))
        };
        let (offset, size) = (word(8), word(12));
        if offset + size == file_len {
            return thin_signature_start(file, offset, None, file_len);
        }
    }
    Ok(None)
}

/// The same, for the thin file that starts at `base` and ends the file; its `header` (the
/// first 32 bytes), if already read.
fn thin_signature_start(
    file: &mut File,
    base: u64,
    header: Option<[u8; 32]>,
    file_len: u64,
) -> io::Result<Option<u64>> {
    let header = match header {
        Some(header) => header,
        None => {
            let mut header = [0u8; 32];
            file.seek(SeekFrom::Start(base))?;
            if file.read(&mut header)? < header.len() {
                return Ok(None);
            }
            header
        }
    };
    if u32_at(&header, 0) != Some(MH_MAGIC_64) {
        return Ok(None);
    }
    let (count, len) = match (u32_at(&header, 16), u32_at(&header, 20)) {
        (Some(count), Some(len)) => (count, u64::from(len)),
        _ => return Ok(None),
    };
    if len > MAX_COMMANDS_LEN || base + 32 + len > file_len {
        return Ok(None);
    }
    let mut commands = vec![0u8; len as usize];
    file.read_exact(&mut commands)?;
    let mut at = 0usize;
    for _ in 0..count {
        let (Some(cmd), Some(size)) = (u32_at(&commands, at), u32_at(&commands, at + 4)) else {
            return Ok(None);
        };
        if cmd == LC_CODE_SIGNATURE {
            let (Some(offset), Some(size)) =
                (u32_at(&commands, at + 8), u32_at(&commands, at + 12))
            else {
                return Ok(None);
            };
            let (offset, size) = (base + u64::from(offset), u64::from(size));
            return Ok((size > 0 && offset + size == file_len).then_some(offset));
        }
        if size < 8 {
            return Ok(None);
        }
        at += size as usize;
    }
    Ok(None)
}

fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    let b = bytes.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

#[cfg(test)]
mod tests {
    use crate::signed::end_of;

    /// A Mach-O header with one load command: `LC_CODE_SIGNATURE` at `(offset, size)`.
    fn macho_header(signature: (u32, u32)) -> Vec<u8> {
        let mut out = Vec::new();
        for word in [0xfeed_facfu32, 0x0100_000c, 0, 2, 1, 16, 0, 0] {
            out.extend(word.to_le_bytes());
        }
        for word in [0x1du32, 16, signature.0, signature.1] {
            out.extend(word.to_le_bytes());
        }
        out
    }

    #[test]
    fn a_signed_file_ends_its_archive_before_the_padding_and_signature() {
        let mut bytes = macho_header((0, 0));
        bytes.extend_from_slice(b"code, then the archive-pybundle");
        let archive_end_at = bytes.len();
        bytes.resize(bytes.len().div_ceil(16) * 16, 0);
        let signature_at = bytes.len();
        bytes.extend_from_slice(&[0xfa; 48]);
        let header = macho_header((signature_at as u32, 48));
        bytes[..header.len()].copy_from_slice(&header);
        assert_ne!(signature_at, archive_end_at, "the test pads");
        assert_eq!(end_of(&bytes), archive_end_at as u64);
    }

    /// A universal launcher: the archive ends its last slice, before that slice's signature.
    #[test]
    fn a_universal_file_ends_its_archive_before_the_last_slices_signature() {
        let first = macho_header((0, 0));
        let mut last = macho_header((0, 0));
        last.extend_from_slice(b"code, then the archive-pybundle");
        let archive_end_in_slice = last.len();
        last.resize(last.len().div_ceil(16) * 16, 0);
        let signature_at = last.len() as u32;
        last.extend_from_slice(&[0xfa; 48]);
        let header = macho_header((signature_at, 48));
        last[..header.len()].copy_from_slice(&header);
        let (at_first, at_last) = (4096u32, 16384u32);
        let mut bytes = Vec::new();
        for word in [0xcafe_babeu32, 2] {
            bytes.extend(word.to_be_bytes());
        }
        for (offset, len, align) in [(at_first, first.len(), 12), (at_last, last.len(), 14)] {
            for word in [0x0100_0007u32, 3, offset, len as u32, align] {
                bytes.extend(word.to_be_bytes());
            }
        }
        bytes.resize(at_first as usize, 0);
        bytes.extend(&first);
        bytes.resize(at_last as usize, 0);
        bytes.extend(&last);
        assert_eq!(
            end_of(&bytes),
            (at_last as usize + archive_end_in_slice) as u64
        );
        // Any byte of the headers changed: an answer within the file, never a panic.
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let headers: Vec<usize> = (0..48).chain(16384..16384 + 64).collect();
        for _ in 0..2000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let mut changed = bytes.clone();
            let at = headers[(state % headers.len() as u64) as usize];
            changed[at] = (state >> 32) as u8;
            assert!(end_of(&changed) <= changed.len() as u64);
        }
        // A header whose slices do not reach the file's end is not followed.
        bytes.push(0);
        assert_eq!(end_of(&bytes), bytes.len() as u64);
    }

    #[test]
    fn a_signature_not_at_the_end_or_a_damaged_header_is_not_followed() {
        // A launcher as the linker signed it, with an archive appended after its signature.
        let mut appended = macho_header((48, 16));
        appended.extend_from_slice(&[0xfa; 16]);
        appended.extend_from_slice(b"archive-pybundle");
        assert_eq!(end_of(&appended), appended.len() as u64);
        // A command size of zero would loop; it ends the search.
        let mut looping = macho_header((0, 0));
        looping[16..20].copy_from_slice(&1000u32.to_le_bytes());
        looping[36..40].copy_from_slice(&0u32.to_le_bytes());
        looping[32..36].copy_from_slice(&0x19u32.to_le_bytes());
        looping.extend_from_slice(b"archive-pybundle");
        assert_eq!(end_of(&looping), looping.len() as u64);
        // Load commands said to be longer than the file.
        let mut long = macho_header((0, 0));
        long[20..24].copy_from_slice(&u32::MAX.to_le_bytes());
        assert_eq!(end_of(&long), long.len() as u64);
    }
}
