//! An ad hoc code signature for a Mach-O file, as `codesign -s -` makes one: arm64 macOS runs
//! no code without a signature, and rewriting a file's load commands ([`super::patch`]) breaks
//! the one it had. The signature is a SuperBlob at the end of `__LINKEDIT`: a CodeDirectory
//! (version 0x20400: the SHA-256 of every 4 KiB page before the signature, the identifier, the
//! executable segment), an empty requirement set, and an empty CMS wrapper, which is what
//! "ad hoc" means: no certificate. A signature with a Developer ID is not this module's.

use sha2::{Digest, Sha256};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignError {
    #[error("it is not a 64-bit little-endian Mach-O file")]
    NotThin64,
    #[error("it has no __LINKEDIT segment to hold a signature")]
    NoLinkedit,
    #[error("its load commands have no room for a code signature's")]
    NoRoom,
    #[error("it carries no code signature")]
    Unsigned,
    #[error("its code signature does not match its contents (page {0})")]
    Mismatch(usize),
    #[error("it is over 4 GiB, more than a Mach-O signature can cover")]
    TooLarge,
    /// Signing with a Developer ID, or sealing an app (`super::signer`), failed.
    #[error("{0}")]
    Codesign(String),
    /// A universal file could not be taken apart or put together.
    #[error(transparent)]
    Universal(#[from] super::fat::FatError),
}

const LC_SYMTAB: u32 = 0x2;
const LC_SEGMENT_64: u32 = 0x19;
const LC_CODE_SIGNATURE: u32 = 0x1d;
const MH_EXECUTE: u32 = 2;
const CPU_TYPE_ARM64: u32 = 0x0100_000c;
const PAGE: usize = 4096;
/// A CodeDirectory of version 0x20400 has this many bytes before its identifier.
const CD_HEADER: usize = 88;
const CS_ADHOC: u32 = 0x2;
const CS_EXECSEG_MAIN_BINARY: u64 = 0x1;

/// Where the parts a signature changes are, in a file's load commands.
struct Layout {
    filetype: u32,
    cputype: u32,
    ncmds: u32,
    sizeofcmds: u32,
    /// The offset of `__LINKEDIT`'s segment command, and its file offset.
    linkedit: (usize, u64),
    /// `__TEXT`'s file offset and size: the executable segment.
    text: (u64, u64),
    /// The offset of `LC_CODE_SIGNATURE`, and the signature's file offset.
    signature: Option<(usize, u32)>,
    /// The offset of `LC_SYMTAB`.
    symtab: Option<usize>,
}

/// `bytes` signed ad hoc as `identifier` (a bundle's name for it: `org.example.app`, or the
/// file's name). An existing signature is replaced.
pub fn ad_hoc(bytes: &[u8], identifier: &str) -> Result<Vec<u8>, SignError> {
    let layout = layout(bytes)?;
    sign(bytes, code_end(bytes, &layout), layout, identifier)
}

/// A program's bytes before its signature, if it has one: what a payload goes after.
pub fn code(bytes: &[u8]) -> Result<&[u8], SignError> {
    let end = code_end(bytes, &layout(bytes)?);
    bytes.get(..end).ok_or(SignError::NotThin64)
}

/// `bytes`, a program's [`code`] of `code_len` bytes with a payload after it (the archive),
/// signed ad hoc as `identifier`. The payload becomes the end of `__LINKEDIT`, and of the
/// string table when that ended the code, so that no byte of the file lies outside what its
/// load commands describe (`codesign --strict` refuses such bytes) and the signature's page
/// hashes cover every byte of the payload: macOS then refuses a changed archive as it
/// refuses changed code. PyInstaller places its archive the same way.
pub fn ad_hoc_with_payload(
    mut bytes: Vec<u8>,
    code_len: usize,
    identifier: &str,
) -> Result<Vec<u8>, SignError> {
    let layout = layout(&bytes)?;
    if let Some(at) = layout.symtab {
        let (stroff, strsize) = (word_at(&bytes, at + 16)?, word_at(&bytes, at + 20)?);
        if (stroff as usize).checked_add(strsize as usize) == Some(code_len) {
            let grown =
                u32::try_from(bytes.len() - stroff as usize).map_err(|_| SignError::TooLarge)?;
            put32(&mut bytes, at + 20, grown);
        }
    }
    let end = bytes.len();
    sign(&bytes, end, layout, identifier)
}

fn code_end(bytes: &[u8], layout: &Layout) -> usize {
    match layout.signature {
        Some((_, dataoff)) => (dataoff as usize).min(bytes.len()),
        None => bytes.len(),
    }
}

/// `bytes[..code_end]` signed: a signature's load command added if there is none.
fn sign(
    bytes: &[u8],
    code_end: usize,
    layout: Layout,
    identifier: &str,
) -> Result<Vec<u8>, SignError> {
    let sig_off = code_end.div_ceil(16) * 16;
    let mut out = bytes.get(..code_end).ok_or(SignError::NotThin64)?.to_vec();
    out.resize(sig_off, 0);

    let pages = sig_off.div_ceil(PAGE);
    let requirements = blob(0xfade_0c01, &0u32.to_be_bytes());
    let cd_len = CD_HEADER + identifier.len() + 1 + 2 * 32 + pages * 32;
    let sig_len = (12 + 3 * 8 + cd_len + requirements.len() + 8).div_ceil(16) * 16;
    if u32::try_from(sig_off + sig_len).is_err() {
        return Err(SignError::TooLarge);
    }

    // The load commands first: the page hashes cover them.
    let command = match layout.signature {
        Some((at, _)) => at,
        None => {
            let at = 32 + layout.sizeofcmds as usize;
            let room = super::read::read(bytes, layout.cputype)
                .map(|i| i.room)
                .unwrap_or(0);
            if room < 16 {
                return Err(SignError::NoRoom);
            }
            put32(&mut out, 16, layout.ncmds + 1);
            put32(&mut out, 20, layout.sizeofcmds + 16);
            put32(&mut out, at, LC_CODE_SIGNATURE);
            put32(&mut out, at + 4, 16);
            at
        }
    };
    put32(&mut out, command + 8, sig_off as u32);
    put32(&mut out, command + 12, sig_len as u32);
    let (segment, fileoff) = layout.linkedit;
    let filesize = (sig_off + sig_len) as u64 - fileoff;
    let page = if layout.cputype == CPU_TYPE_ARM64 {
        0x4000
    } else {
        0x1000
    };
    put64(&mut out, segment + 32, filesize.div_ceil(page) * page);
    put64(&mut out, segment + 48, filesize);

    let mut cd = Vec::with_capacity(cd_len);
    let hash_offset = CD_HEADER + identifier.len() + 1 + 2 * 32;
    for word in [
        0xfade_0c02,
        cd_len as u32,
        0x20400,
        CS_ADHOC,
        hash_offset as u32,
        CD_HEADER as u32,
        2,
        pages as u32,
        sig_off as u32,
    ] {
        cd.extend(word.to_be_bytes());
    }
    cd.extend([32, 2, 0, 12]); // SHA-256 hashes of 4 KiB pages
    cd.extend([0u8; 16]); // spare2, scatterOffset, teamOffset, spare3
    let exec_flags = if layout.filetype == MH_EXECUTE {
        CS_EXECSEG_MAIN_BINARY
    } else {
        0
    };
    for word in [0u64, layout.text.0, layout.text.1, exec_flags] {
        cd.extend(word.to_be_bytes());
    }
    cd.extend(identifier.as_bytes());
    cd.push(0);
    // Special slots, -2 (the requirements) then -1 (no Info.plist is bound).
    cd.extend(Sha256::digest(&requirements));
    cd.extend([0u8; 32]);
    for chunk in out.chunks(PAGE) {
        cd.extend(Sha256::digest(chunk));
    }

    let cms = blob(0xfade_0b01, &[]);
    let first = 12 + 3 * 8;
    let mut superblob = Vec::with_capacity(sig_len);
    for word in [0xfade_0cc0, sig_len as u32, 3] {
        superblob.extend(word.to_be_bytes());
    }
    let offsets = [
        first,
        first + cd.len(),
        first + cd.len() + requirements.len(),
    ];
    for (slot, offset) in [0u32, 2, 0x10000].into_iter().zip(offsets) {
        superblob.extend(slot.to_be_bytes());
        superblob.extend((offset as u32).to_be_bytes());
    }
    superblob.extend(&cd);
    superblob.extend(&requirements);
    superblob.extend(&cms);
    superblob.resize(sig_len, 0);
    out.extend(superblob);
    Ok(out)
}

/// Is `bytes` a thin file dyld loads (a program, a library or a bundle), and so one macOS
/// wants signed? An object file (`MH_OBJECT`) is not.
pub fn is_loaded(bytes: &[u8]) -> bool {
    const MH_MAGIC_64: u32 = 0xfeed_facf;
    const MH_DYLIB: u32 = 6;
    const MH_BUNDLE: u32 = 8;
    let word = |at: usize| word_at(bytes, at).ok();
    word(0) == Some(MH_MAGIC_64) && matches!(word(12), Some(MH_EXECUTE | MH_DYLIB | MH_BUNDLE))
}

/// Check that `bytes` (a thin 64-bit file) carries a code signature whose CodeDirectory
/// hashes every page before it as the file is now.
pub fn check(bytes: &[u8]) -> Result<(), SignError> {
    let (_, dataoff) = layout(bytes)?.signature.ok_or(SignError::Unsigned)?;
    let end = dataoff as usize;
    let superblob = bytes.get(end..).ok_or(SignError::Unsigned)?;
    let be = |b: &[u8], at: usize| -> Option<u32> {
        Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
    };
    let cd = (|| {
        if be(superblob, 0)? != 0xfade_0cc0 {
            return None;
        }
        let at = (0..be(superblob, 8)? as usize)
            .find(|i| be(superblob, 12 + 8 * i) == Some(0))
            .and_then(|i| be(superblob, 16 + 8 * i))?;
        superblob.get(at as usize..)
    })()
    .ok_or(SignError::Unsigned)?;
    let (hash_at, pages) = (
        be(cd, 16).ok_or(SignError::Unsigned)? as usize,
        be(cd, 28).ok_or(SignError::Unsigned)? as usize,
    );
    // Pages of 2^n bytes: 4 KiB as codesign makes them, 16 KiB as Apple's linker signs arm64.
    let page_size = 1usize
        << cd
            .get(39)
            .copied()
            .filter(|n| (9..=16).contains(n))
            .ok_or(SignError::Unsigned)?;
    if pages != end.div_ceil(page_size) {
        return Err(SignError::Mismatch(pages));
    }
    for (page, chunk) in bytes[..end].chunks(page_size).enumerate() {
        let recorded = cd.get(hash_at + 32 * page..hash_at + 32 * (page + 1));
        if recorded != Some(Sha256::digest(chunk).as_slice()) {
            return Err(SignError::Mismatch(page));
        }
    }
    Ok(())
}

/// A blob: its magic, its length (header included), then `body`.
fn blob(magic: u32, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(8 + body.len());
    out.extend(magic.to_be_bytes());
    out.extend(((8 + body.len()) as u32).to_be_bytes());
    out.extend(body);
    out
}

fn word_at(bytes: &[u8], at: usize) -> Result<u32, SignError> {
    let b = bytes.get(at..at + 4).ok_or(SignError::NotThin64)?;
    Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

fn layout(bytes: &[u8]) -> Result<Layout, SignError> {
    let word = |at: usize| word_at(bytes, at);
    let quad = |at: usize| -> Result<u64, SignError> {
        Ok(u64::from(word(at)?) | (u64::from(word(at + 4)?) << 32))
    };
    if word(0)? != 0xfeed_facf {
        return Err(SignError::NotThin64);
    }
    let (cputype, filetype, ncmds, sizeofcmds) = (word(4)?, word(12)?, word(16)?, word(20)?);
    let (mut linkedit, mut text, mut signature, mut symtab) = (None, (0, 0), None, None);
    let mut at = 32;
    for _ in 0..ncmds {
        let (cmd, size) = (word(at)?, word(at + 4)? as usize);
        if cmd == LC_SEGMENT_64 {
            let name = bytes.get(at + 8..at + 24).ok_or(SignError::NotThin64)?;
            let name = name.split(|b| *b == 0).next().unwrap_or_default();
            match name {
                b"__LINKEDIT" => linkedit = Some((at, quad(at + 40)?)),
                b"__TEXT" => text = (quad(at + 40)?, quad(at + 48)?),
                _ => {}
            }
        } else if cmd == LC_CODE_SIGNATURE {
            signature = Some((at, word(at + 8)?));
        } else if cmd == LC_SYMTAB {
            symtab = Some(at);
        }
        at += size.max(8);
    }
    Ok(Layout {
        filetype,
        cputype,
        ncmds,
        sizeofcmds,
        linkedit: linkedit.ok_or(SignError::NoLinkedit)?,
        text,
        signature,
        symtab,
    })
}

fn put32(bytes: &mut [u8], at: usize, value: u32) {
    bytes[at..at + 4].copy_from_slice(&value.to_le_bytes());
}

fn put64(bytes: &mut [u8], at: usize, value: u64) {
    bytes[at..at + 8].copy_from_slice(&value.to_le_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The CodeDirectory of `bytes`' signature: its fields by name, its identifier, and its
    /// code page hashes.
    #[cfg(any(pybundle_stub = "macos-arm64", pybundle_stub = "macos-x86_64"))]
    fn code_directory(bytes: &[u8]) -> (Vec<u32>, String, Vec<Vec<u8>>, usize) {
        let l = layout(bytes).unwrap();
        let (_, dataoff) = l.signature.expect("a signature");
        let sb = &bytes[dataoff as usize..];
        let be = |b: &[u8], at: usize| u32::from_be_bytes(b[at..at + 4].try_into().unwrap());
        assert_eq!(be(sb, 0), 0xfade_0cc0);
        let cd_at = (0..be(sb, 8) as usize)
            .find(|i| be(sb, 12 + 8 * i) == 0)
            .map(|i| be(sb, 16 + 8 * i) as usize)
            .unwrap();
        let cd = &sb[cd_at..];
        let fields: Vec<u32> = (0..9).map(|i| be(cd, 4 * i)).collect();
        let ident_at = fields[5] as usize;
        let ident = cd[ident_at..].split(|b| *b == 0).next().unwrap();
        let (hash_at, pages) = (fields[4] as usize, fields[7] as usize);
        let hashes = (0..pages)
            .map(|p| cd[hash_at + 32 * p..hash_at + 32 * (p + 1)].to_vec())
            .collect();
        (
            fields,
            String::from_utf8_lossy(ident).into(),
            hashes,
            dataoff as usize,
        )
    }

    /// Where `bytes`' `__LINKEDIT` segment ends in the file.
    #[cfg(any(pybundle_stub = "macos-arm64", pybundle_stub = "macos-x86_64"))]
    fn linkedit_end(bytes: &[u8]) -> usize {
        let macho = goblin::mach::MachO::parse(bytes, 0).unwrap();
        let linkedit = (macho.segments.iter())
            .find(|s| s.name().ok() == Some("__LINKEDIT"))
            .unwrap();
        (linkedit.fileoff + linkedit.filesize) as usize
    }

    /// An object file is not loaded, so nothing signs it; the launchers are.
    #[test]
    fn object_files_are_not_loaded_programs_are() {
        let mut object = Vec::new();
        for word in [0xfeed_facfu32, CPU_TYPE_ARM64, 0, 1, 0, 0, 0, 0] {
            object.extend(word.to_le_bytes());
        }
        assert!(!is_loaded(&object));
        for target in crate::output::launcher::carried() {
            if let Some(cputype) = target.macho_cputype() {
                let stub = crate::output::launcher::bytes_for(target).unwrap();
                assert!(is_loaded(&stub), "{target} ({cputype:#x})");
            }
        }
    }

    #[test]
    fn a_file_without_a_linkedit_segment_is_refused() {
        let bytes = super::super::read::tests::dylib(CPU_TYPE_ARM64, "@rpath/x", &[], &[]);
        assert_eq!(ad_hoc(&bytes, "x"), Err(SignError::NoLinkedit));
        assert_eq!(ad_hoc(b"\x7fELF....", "x"), Err(SignError::NotThin64));
    }

    /// zig's linker signs the arm64 launcher ad hoc; signed again here, every page after the
    /// load commands hashes as zig hashed it, and the whole file hashes as the new directory
    /// says; goblin reads the result with its signature where the load command says.
    #[cfg(pybundle_stub = "macos-arm64")]
    #[test]
    fn the_launcher_signed_again_hashes_as_its_linker_hashed_it() {
        let stub =
            crate::output::launcher::bytes_for(crate::bundle::target::Target::MacosArm64).unwrap();
        let (zig_fields, _, zig_hashes, zig_end) = code_directory(&stub);
        let signed = ad_hoc(&stub, "org.pybundle.test").unwrap();
        let (fields, ident, hashes, end) = code_directory(&signed);
        assert_eq!(ident, "org.pybundle.test");
        assert_eq!(fields[2], 0x20400);
        assert_eq!(fields[3], CS_ADHOC);
        assert_eq!(
            (end, fields[8]),
            (zig_end, zig_fields[8]),
            "the same code limit"
        );
        assert_eq!(hashes.len(), zig_hashes.len());
        assert_eq!(hashes[1..], zig_hashes[1..], "every page after the first");
        assert_eq!(check(&signed), Ok(()));
        assert_eq!(check(&stub), Ok(()), "zig's own");
        let mut damaged = signed.clone();
        damaged[300_000] ^= 0xff;
        assert_eq!(check(&damaged), Err(SignError::Mismatch(300_000 / PAGE)));
        assert_eq!(
            linkedit_end(&signed),
            signed.len(),
            "__LINKEDIT ends with the signature"
        );
        // Signed twice, the same bytes.
        assert_eq!(ad_hoc(&signed, "org.pybundle.test").unwrap(), signed);
    }

    /// The x86_64 launcher comes unsigned from zig: a signature command is added.
    #[cfg(pybundle_stub = "macos-x86_64")]
    #[test]
    fn an_unsigned_file_gets_a_signature_command() {
        let stub =
            crate::output::launcher::bytes_for(crate::bundle::target::Target::MacosX86_64).unwrap();
        assert_eq!(check(&stub), Err(SignError::Unsigned));
        let signed = ad_hoc(&stub, "launcher").unwrap();
        let (fields, _, _, end) = code_directory(&signed);
        assert_eq!(fields[8] as usize, end);
        assert_eq!(check(&signed), Ok(()));
        assert!(goblin::mach::MachO::parse(&signed, 0).is_ok());
        assert!(signed.len() < 512 * 1024, "{} bytes", signed.len());
    }

    /// A payload after either launcher's code is covered by the signature, inside
    /// `__LINKEDIT` and its string table; a byte changed in it breaks the signature.
    #[cfg(any(pybundle_stub = "macos-arm64", pybundle_stub = "macos-x86_64"))]
    #[test]
    fn a_payload_after_the_code_is_inside_linkedit_and_signed() {
        use crate::bundle::target::Os;
        for target in crate::output::launcher::carried() {
            if target.os() != Os::Macos || target.macho_cputype().is_none() {
                continue;
            }
            let stub = crate::output::launcher::bytes_for(target).unwrap();
            let code = code(&stub).unwrap();
            let payload = vec![0x5a; 100_003];
            let mut bytes = code.to_vec();
            bytes.extend(&payload);
            let signed = ad_hoc_with_payload(bytes, code.len(), "app").unwrap();
            assert_eq!(check(&signed), Ok(()), "{target}");
            assert_eq!(
                &signed[code.len()..code.len() + payload.len()],
                &payload[..]
            );
            let end = code.len() + payload.len();
            assert_eq!(linkedit_end(&signed), signed.len());
            let macho = goblin::mach::MachO::parse(&signed, 0).unwrap();
            let symtab = (macho.load_commands.iter())
                .find_map(|c| match c.command {
                    goblin::mach::load_command::CommandVariant::Symtab(s) => Some(s),
                    _ => None,
                })
                .unwrap();
            assert_eq!((symtab.stroff + symtab.strsize) as usize, end, "{target}");
            let (_, dataoff) = layout(&signed).unwrap().signature.unwrap();
            assert_eq!(dataoff as usize, end.div_ceil(16) * 16);
            let mut damaged = signed.clone();
            damaged[code.len() + 50_000] ^= 1;
            assert!(matches!(check(&damaged), Err(SignError::Mismatch(_))));
        }
    }
}
