//! What an ELF file needs from the loader: its DT_NEEDED names, search paths and the newest
//! glibc it asks for.

use goblin::elf::Elf;

use super::glibc::{self, GlibcVersion};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ElfInfo {
    pub needed: Vec<String>,
    pub rpath: Vec<String>,
    pub runpath: Vec<String>,
    pub machine: u16,
    pub is_64: bool,
    pub glibc: Option<GlibcVersion>,
}

/// `None` when `bytes` is not an ELF file.
pub fn read(bytes: &[u8]) -> Option<ElfInfo> {
    if !bytes.starts_with(b"\x7fELF") {
        return None;
    }
    let elf = Elf::parse(bytes).ok()?;
    let split = |list: &[&str]| -> Vec<String> {
        list.iter()
            .flat_map(|entry| entry.split(':'))
            .filter(|p| !p.is_empty())
            .map(String::from)
            .collect()
    };
    Some(ElfInfo {
        needed: elf.libraries.iter().map(|s| s.to_string()).collect(),
        rpath: split(&elf.rpaths),
        runpath: split(&elf.runpaths),
        machine: elf.header.e_machine,
        is_64: elf.is_64,
        glibc: glibc::needed(&elf),
    })
}

/// True when the file starts like an ELF object (cheap check before parsing).
pub fn looks_like_elf(head: &[u8]) -> bool {
    head.starts_with(b"\x7fELF")
}

/// True when the first 20 bytes of a file show an ELF object of `info`'s class and machine.
pub fn header_matches(head: &[u8; 20], info: &ElfInfo) -> bool {
    let little = head[5] == 1;
    let machine = if little {
        u16::from_le_bytes([head[18], head[19]])
    } else {
        u16::from_be_bytes([head[18], head[19]])
    };
    looks_like_elf(head) && (head[4] == 2) == info.is_64 && machine == info.machine
}
