//! Dropping debug information from bundled ELF files (`strip --strip-debug`): it is most of the
//! size of a typical libpython (23 MB with it, under 6 MB without) and nothing at run time
//! reads it. Symbol tables stay, so crash backtraces still name functions.

use object::build::elf::Builder;

/// The file without its `.debug_*` sections, or `None` when it has none (or is not a file the
/// ELF builder understands, which is then bundled as it is).
pub fn strip_debug(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut builder = Builder::read(bytes).ok()?;
    let mut stripped = false;
    for section in builder.sections.iter_mut() {
        let name: &[u8] = &section.name;
        if name.starts_with(b".debug_") || name.starts_with(b".zdebug_") {
            section.delete = true;
            stripped = true;
        }
    }
    if !stripped {
        return None;
    }
    let mut out = Vec::with_capacity(bytes.len() / 2);
    builder.write(&mut out).ok()?;
    Some(out)
}
