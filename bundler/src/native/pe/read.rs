//! What a PE file (an `.exe`, `.dll` or `.pyd`) links to: the DLL names of its import table,
//! delay-loaded ones included (the loader resolves those on first call, so they must be
//! there all the same).

use std::fs;
use std::io::Read;
use std::path::Path;

use crate::error::Error;

/// Does `path` start like a PE file (`MZ`)?
pub fn starts_like_pe(path: &Path) -> bool {
    let mut head = [0u8; 2];
    fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut head))
        .is_ok_and(|()| &head == b"MZ")
}

/// The DLLs `bytes` imports, as spelled there; `None` when it is no PE file goblin can read.
pub fn imports(bytes: &[u8]) -> Option<Vec<String>> {
    let pe = goblin::pe::PE::parse(bytes).ok()?;
    let mut names: Vec<String> = pe.libraries.iter().map(|n| n.to_string()).collect();
    if let Some(delayed) = delay_imports(&pe, bytes) {
        names.extend(delayed);
    }
    names.sort();
    names.dedup();
    Some(names)
}

/// [`imports`] of the file at `path`.
pub fn imports_of(path: &Path) -> Result<Option<Vec<String>>, Error> {
    let bytes = fs::read(path).map_err(|source| Error::Read {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(imports(&bytes))
}

/// The DLL names of the delay-load import directory (data directory 13).
fn delay_imports(pe: &goblin::pe::PE, bytes: &[u8]) -> Option<Vec<String>> {
    let header = pe.header.optional_header?;
    let dir = header.data_directories.get_delay_import_descriptor()?;
    let sections = &pe.sections;
    let offset_of = |rva: u32| -> Option<usize> {
        sections.iter().find_map(|s| {
            let start = s.virtual_address;
            let size = s.virtual_size.max(s.size_of_raw_data);
            (rva >= start && rva < start.checked_add(size)?)
                .then(|| (rva - start + s.pointer_to_raw_data) as usize)
        })
    };
    let mut at = offset_of(dir.virtual_address)?;
    let mut names = Vec::new();
    // Each descriptor is 32 bytes; its second field is the RVA of the DLL's name. An all-zero
    // descriptor ends the table.
    for _ in 0..4096 {
        let entry = bytes.get(at..at + 32)?;
        if entry.iter().all(|b| *b == 0) {
            break;
        }
        let name_rva = u32::from_le_bytes(entry[4..8].try_into().ok()?);
        let start = offset_of(name_rva)?;
        let end = start + bytes.get(start..)?.iter().position(|b| *b == 0)?;
        names.push(String::from_utf8_lossy(&bytes[start..end]).into_owned());
        at += 32;
    }
    Some(names)
}
