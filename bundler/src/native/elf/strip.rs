//! What bundled ELF files lose. Always their debug information (`strip --strip-debug`): it is
//! most of the size of a typical libpython (23 MB with it, under 6 MB without) and nothing at
//! run time reads it. With `--strip` also their static symbol table (`strip --strip-all`):
//! the dynamic linker, `dlsym` and ctypes use `.dynsym`, which stays, so only a debugger's or
//! a crash backtrace's names for internal functions go.

use object::build::elf::{Builder, SectionData};

/// How much to take out of each ELF file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strip {
    /// `.debug_*` sections.
    Debug,
    /// Those and the static symbol table with its strings.
    All,
}

/// The file without what `strip` takes out, or `None` when it has nothing to take (or is not a
/// file the ELF builder understands, which is then bundled as it is).
pub fn strip(bytes: &[u8], strip: Strip) -> Option<Vec<u8>> {
    let mut builder = Builder::read(bytes).ok()?;
    let mut stripped = false;
    for section in builder.sections.iter_mut() {
        let name: &[u8] = &section.name;
        let debug = name.starts_with(b".debug_") || name.starts_with(b".zdebug_");
        let symbols = matches!(
            section.data,
            SectionData::Symbol | SectionData::SymbolSectionIndex | SectionData::String
        );
        if debug || (strip == Strip::All && symbols) {
            section.delete = true;
            stripped = true;
        }
    }
    if !stripped {
        return None;
    }
    if strip == Strip::All {
        for symbol in builder.symbols.iter_mut() {
            symbol.delete = true;
        }
        builder.delete_orphan_relocations();
    }
    let mut out = Vec::with_capacity(bytes.len() / 2);
    builder.write(&mut out).ok()?;
    Some(out)
}
