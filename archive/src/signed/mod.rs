//! Where the archive ends in a signed executable. A code signature goes after everything else
//! in the file, so the archive's trailer is not at the file's end but just before the
//! signature and the few zero bytes that align it: on Windows, Authenticode's certificate
//! table ([`authenticode`]); on macOS, the code signature at the end of `__LINKEDIT`
//! ([`macho`]), which pybundle writes after the archive so that its page hashes cover it. This
//! finds the trailer in both, so a signed program still runs and a damaged one is refused. A
//! launcher looks only in its own platform's kind of file; pybundle (feature `all-platforms`)
//! in every kind.

#[cfg(any(test, windows, feature = "all-platforms"))]
mod authenticode;
#[cfg(any(test, target_os = "macos", feature = "all-platforms"))]
mod macho;

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};

/// The offset where the archive's trailer ends in `file` of `file_len` bytes: the start of a
/// signature that ends the file (less the zero padding before it), else the end of the file.
pub fn archive_end(file: &mut File, file_len: u64, magic: &[u8; 8]) -> io::Result<u64> {
    let Some((signature, max_padding)) = signature(file, file_len)? else {
        return Ok(file_len);
    };
    let from = signature.saturating_sub(max_padding + magic.len() as u64);
    let mut tail = vec![0u8; (signature - from) as usize];
    file.seek(SeekFrom::Start(from))?;
    file.read_exact(&mut tail)?;
    for pad in 0..=max_padding.min(signature - from) as usize {
        let end = tail.len() - pad;
        let padding_is_zero = tail[end..].iter().all(|&b| b == 0);
        if padding_is_zero && end >= magic.len() && &tail[end - magic.len()..end] == magic {
            return Ok(signature - pad as u64);
        }
    }
    Ok(file_len)
}

/// Where a signature that ends the file starts, and how much zero padding may come before it.
#[allow(unused_variables, unused_mut)] // A Linux launcher looks for none.
fn signature(file: &mut File, file_len: u64) -> io::Result<Option<(u64, u64)>> {
    let mut found = None;
    #[cfg(any(test, windows, feature = "all-platforms"))]
    if found.is_none() {
        found = authenticode::signature_start(file, file_len)?
            .map(|start| (start, authenticode::MAX_PADDING));
    }
    #[cfg(any(test, target_os = "macos", feature = "all-platforms"))]
    if found.is_none() {
        found = macho::signature_start(file, file_len)?.map(|start| (start, macho::MAX_PADDING));
    }
    Ok(found)
}

#[cfg(test)]
pub(crate) fn end_of(bytes: &[u8]) -> u64 {
    use std::io::Write;
    let mut file = tempfile::tempfile().expect("a temporary file");
    file.write_all(bytes).expect("written");
    archive_end(&mut file, bytes.len() as u64, b"pybundle").expect("read")
}
