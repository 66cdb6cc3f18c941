//! Rewriting DT_RPATH/DT_RUNPATH strings in place, so a bundled binary looks for libraries in
//! the bundle (`$ORIGIN/...`) and never in the build machine's folders. The string table keeps
//! its size: the new value must fit in the old one's bytes, the rest is zero-filled.

use goblin::elf::dynamic::{DT_RPATH, DT_RUNPATH};
use goblin::elf::Elf;

/// Outcome of [`retarget`].
#[derive(Debug, PartialEq, Eq)]
pub enum Patched {
    /// Nothing to change: no search path, or only `$ORIGIN`-relative ones.
    Unchanged,
    Rewritten,
    /// A foreign search path is too short to hold `new`; left as it is.
    TooShort,
}

/// Replace each search-path string of `bytes` that names anything outside `$ORIGIN` by `new`.
pub fn retarget(bytes: &mut [u8], new: &str) -> Patched {
    let spots = match search_path_strings(bytes) {
        Some(spots) => spots,
        None => return Patched::Unchanged,
    };
    let mut outcome = Patched::Unchanged;
    for (offset, len) in spots {
        let current = &bytes[offset..offset + len];
        let all_relative = current
            .split(|&b| b == b':')
            .all(|entry| entry.starts_with(b"$ORIGIN") || entry.starts_with(b"${ORIGIN}"));
        if all_relative && !current.is_empty() {
            continue;
        }
        if new.len() > len {
            outcome = Patched::TooShort;
            continue;
        }
        bytes[offset..offset + len].fill(0);
        bytes[offset..offset + new.len()].copy_from_slice(new.as_bytes());
        if outcome == Patched::Unchanged {
            outcome = Patched::Rewritten;
        }
    }
    outcome
}

/// File offsets and lengths of every DT_RPATH/DT_RUNPATH string. goblin gives the dynamic
/// string table's place as a file offset already (it maps DT_STRTAB's address through the
/// program headers); mapping it a second time lands elsewhere in files whose string table's
/// address and offset differ, as patchelf (and so auditwheel) lays them out.
fn search_path_strings(bytes: &[u8]) -> Option<Vec<(usize, usize)>> {
    let elf = Elf::parse(bytes).ok()?;
    let dynamic = elf.dynamic.as_ref()?;
    let (strtab, strsz) = (dynamic.info.strtab, dynamic.info.strsz);
    let table = bytes.get(strtab..strtab.checked_add(strsz)?)?;
    let mut spots = Vec::new();
    for entry in &dynamic.dyns {
        if entry.d_tag != DT_RPATH && entry.d_tag != DT_RUNPATH {
            continue;
        }
        let at = usize::try_from(entry.d_val).ok()?;
        let len = table.get(at..)?.iter().position(|&b| b == 0)?;
        spots.push((strtab + at, len));
    }
    Some(spots)
}
