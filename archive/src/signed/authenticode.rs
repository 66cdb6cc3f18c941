//! Where an Authenticode signature starts in a signed Windows executable. Signing (signtool,
//! osslsigncode) appends the signature after everything else in the file, pads the file to a
//! multiple of 8 bytes before it, and records the signature's place in the PE header's
//! certificate-table entry.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};

/// The certificate table is data directory 4 of the optional header.
const SECURITY_DIRECTORY: u64 = 4;
/// Signers pad to 8 bytes before the signature.
pub const MAX_PADDING: u64 = 7;

/// Where a PE file's certificate table starts, when it has one that fills the file's end.
pub fn signature_start(file: &mut File, file_len: u64) -> io::Result<Option<u64>> {
    let mut dos = [0u8; 64];
    file.seek(SeekFrom::Start(0))?;
    if file.read(&mut dos)? < dos.len() || &dos[..2] != b"MZ" {
        return Ok(None);
    }
    let pe = u64::from(u32::from_le_bytes([dos[60], dos[61], dos[62], dos[63]]));
    // Signature (4), file header (20), then the optional header's magic and, at most 112
    // bytes in, the data directories.
    let mut head = [0u8; 24 + 112 + 8 * 5];
    if pe + head.len() as u64 > file_len {
        return Ok(None);
    }
    file.seek(SeekFrom::Start(pe))?;
    file.read_exact(&mut head)?;
    if &head[..4] != b"PE\0\0" {
        return Ok(None);
    }
    let u32_at =
        |at: usize| u32::from_le_bytes([head[at], head[at + 1], head[at + 2], head[at + 3]]);
    let optional = 24;
    let (count_at, directories) = match u16::from_le_bytes([head[optional], head[optional + 1]]) {
        0x10b => (optional + 92, optional + 96),
        0x20b => (optional + 108, optional + 112),
        _ => return Ok(None),
    };
    if u64::from(u32_at(count_at)) <= SECURITY_DIRECTORY {
        return Ok(None);
    }
    let entry = directories + 8 * SECURITY_DIRECTORY as usize;
    let (offset, size) = (u64::from(u32_at(entry)), u64::from(u32_at(entry + 4)));
    Ok((size > 0 && offset.checked_add(size) == Some(file_len)).then_some(offset))
}

#[cfg(test)]
mod tests {
    use crate::signed::end_of;

    /// A minimal PE32+ header whose certificate table is `(offset, size)`.
    fn pe_header(security: (u32, u32)) -> Vec<u8> {
        let mut out = vec![0u8; 64];
        out[..2].copy_from_slice(b"MZ");
        out[60..64].copy_from_slice(&64u32.to_le_bytes());
        let mut pe = vec![0u8; 24 + 112 + 16 * 8];
        pe[..4].copy_from_slice(b"PE\0\0");
        pe[24..26].copy_from_slice(&0x20bu16.to_le_bytes());
        pe[24 + 108..24 + 112].copy_from_slice(&16u32.to_le_bytes());
        let entry = 24 + 112 + 4 * 8;
        pe[entry..entry + 4].copy_from_slice(&security.0.to_le_bytes());
        pe[entry + 4..entry + 8].copy_from_slice(&security.1.to_le_bytes());
        out.extend(pe);
        out
    }

    #[test]
    fn a_signed_file_ends_its_archive_before_the_padding_and_signature() {
        let mut bytes = pe_header((0, 0));
        bytes.extend_from_slice(b"payload-pybundle");
        let archive_end_at = bytes.len();
        bytes.extend_from_slice(&[0, 0, 0]);
        let signature_at = bytes.len();
        bytes.extend_from_slice(&[7u8; 40]);
        let header = pe_header((signature_at as u32, 40));
        bytes[..header.len()].copy_from_slice(&header);
        assert_eq!(end_of(&bytes), archive_end_at as u64);
    }

    #[test]
    fn unsigned_files_and_other_files_end_at_their_end() {
        let mut unsigned = pe_header((0, 0));
        unsigned.extend_from_slice(b"payload-pybundle");
        assert_eq!(end_of(&unsigned), unsigned.len() as u64);
        let elf = b"\x7fELF and then some bytes, pybundle".to_vec();
        assert_eq!(end_of(&elf), elf.len() as u64);
        // A certificate entry that does not reach the end is not a signature at the end.
        let mut odd = pe_header((0, 0));
        odd.extend_from_slice(&[1u8; 64]);
        let header = pe_header((300, 8));
        odd[..header.len()].copy_from_slice(&header);
        assert_eq!(end_of(&odd), odd.len() as u64);
    }
}
