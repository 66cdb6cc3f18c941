//! What a Mach-O file (an executable, a `.dylib`, an extension module's `.so`) asks of the
//! loader: its own install name, the libraries it loads (weak ones apart: the loader goes on
//! without them), its run paths, its CPU, and the room left after its load commands, which a
//! rewrite of install names and run paths may grow into. A universal ("fat") file is read
//! through the slice of the wanted CPU.

use goblin::mach::load_command::CommandVariant;
use goblin::mach::{Mach, MachO};

/// A library a Mach-O file loads, as its load command spells it (`@rpath/libssl.3.dylib`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Needed {
    pub name: String,
    /// `LC_LOAD_WEAK_DYLIB`: the file loads without it.
    pub weak: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MachInfo {
    pub cputype: u32,
    /// `LC_ID_DYLIB`: a library's own install name.
    pub install_name: Option<String>,
    pub needed: Vec<Needed>,
    /// `LC_RPATH`s, in order.
    pub rpaths: Vec<String>,
    /// Bytes free between the end of the load commands and the first section's contents.
    pub room: usize,
}

/// Magic numbers of a thin Mach-O (64 and 32 bits, either byte order) and of a universal file.
const THIN: [[u8; 4]; 4] = [
    [0xcf, 0xfa, 0xed, 0xfe],
    [0xfe, 0xed, 0xfa, 0xcf],
    [0xce, 0xfa, 0xed, 0xfe],
    [0xfe, 0xed, 0xfa, 0xce],
];
const FAT: [u8; 4] = [0xca, 0xfe, 0xba, 0xbe];

/// Does a file starting with `head` look like a Mach-O file (a universal one included)? A
/// Java class file shares the universal magic; its next word, a version number, is far larger
/// than any count of architectures.
pub fn looks_like_macho(head: &[u8]) -> bool {
    let Some(magic) = head.get(..4) else {
        return false;
    };
    if THIN.iter().any(|m| m == magic) {
        return true;
    }
    let count = head
        .get(4..8)
        .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]));
    magic == FAT && count.is_some_and(|n| (1..=20).contains(&n))
}

/// What `bytes` asks of the loader, read from the slice for `cputype` (a thin file of another
/// CPU is read as it is, for the caller to refuse); `None` when it is not Mach-O or has no
/// slice for that CPU.
pub fn read(bytes: &[u8], cputype: u32) -> Option<MachInfo> {
    if !looks_like_macho(bytes) {
        return None;
    }
    match Mach::parse(bytes).ok()? {
        Mach::Binary(macho) => Some(info(&macho, bytes)),
        Mach::Fat(fat) => {
            let arch = (fat.iter_arches().flatten()).find(|a| a.cputype() == cputype)?;
            let slice = arch.slice(bytes);
            Some(info(&MachO::parse(slice, 0).ok()?, slice))
        }
    }
}

/// The byte range of the `cputype` slice of `bytes`: the whole file when it is thin; `None`
/// when a universal file has no such slice.
pub fn slice_range(bytes: &[u8], cputype: u32) -> Option<std::ops::Range<usize>> {
    if bytes.get(..4)? != [0xca, 0xfe, 0xba, 0xbe] {
        return Some(0..bytes.len());
    }
    let word = |at: usize| -> Option<u32> {
        Some(u32::from_be_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
    };
    let count = word(4)? as usize;
    (0..count.min(20)).find_map(|i| {
        let at = 8 + i * 20;
        (word(at)? == cputype).then(|| {
            let (offset, size) = (word(at + 8)? as usize, word(at + 12)? as usize);
            (offset + size <= bytes.len()).then_some(offset..offset + size)
        })?
    })
}

fn info(macho: &MachO, bytes: &[u8]) -> MachInfo {
    let string_at = |at: usize| -> Option<String> {
        let rest = bytes.get(at..)?;
        let end = rest.iter().position(|b| *b == 0)?;
        Some(String::from_utf8_lossy(&rest[..end]).into_owned())
    };
    let mut install_name = None;
    let mut needed = Vec::new();
    let mut rpaths = Vec::new();
    for lc in &macho.load_commands {
        let dylib = |d: &goblin::mach::load_command::DylibCommand| {
            string_at(lc.offset + d.dylib.name as usize)
        };
        match &lc.command {
            CommandVariant::IdDylib(d) => install_name = dylib(d),
            CommandVariant::LoadDylib(d)
            | CommandVariant::ReexportDylib(d)
            | CommandVariant::LazyLoadDylib(d)
            | CommandVariant::LoadUpwardDylib(d) => {
                needed.extend(dylib(d).map(|name| Needed { name, weak: false }))
            }
            CommandVariant::LoadWeakDylib(d) => {
                needed.extend(dylib(d).map(|name| Needed { name, weak: true }))
            }
            CommandVariant::Rpath(r) => rpaths.extend(string_at(lc.offset + r.path as usize)),
            _ => {}
        }
    }
    let header = if macho.is_64 {
        goblin::mach::header::SIZEOF_HEADER_64
    } else {
        goblin::mach::header::SIZEOF_HEADER_32
    };
    let end_of_commands = header + macho.header.sizeofcmds as usize;
    let first_section = (macho.segments.iter())
        .flat_map(|s| s.sections().unwrap_or_default())
        .filter(|(s, _)| s.offset > 0 && s.size > 0)
        .map(|(s, _)| s.offset as usize)
        .min()
        .unwrap_or(end_of_commands);
    MachInfo {
        cputype: macho.header.cputype(),
        install_name,
        needed,
        rpaths,
        room: first_section.saturating_sub(end_of_commands),
    }
}

#[cfg(test)]
pub mod tests {
    use super::*;
    use goblin::mach::constants::cputype::{CPU_TYPE_ARM64, CPU_TYPE_X86_64};

    /// A minimal 64-bit Mach-O dylib for `cputype`: its install name `id`, the libraries it
    /// loads (`(name, weak)`), its run paths, and one section at 0x1000.
    pub fn dylib(cputype: u32, id: &str, needs: &[(&str, bool)], rpaths: &[&str]) -> Vec<u8> {
        fn padded(text: &str, fixed: usize) -> (Vec<u8>, u32) {
            let mut s = text.as_bytes().to_vec();
            s.push(0);
            while !(fixed + s.len()).is_multiple_of(8) {
                s.push(0);
            }
            let size = (fixed + s.len()) as u32;
            (s, size)
        }
        let mut cmds: Vec<u8> = Vec::new();
        let mut ncmds = 0;
        let dylib_cmd = |cmds: &mut Vec<u8>, cmd: u32, name: &str| {
            let (s, size) = padded(name, 24);
            for word in [cmd, size, 24, 0, 0x10000, 0x10000] {
                cmds.extend(word.to_le_bytes());
            }
            cmds.extend(s);
        };
        dylib_cmd(&mut cmds, 0xd, id);
        ncmds += 1;
        for (name, weak) in needs {
            dylib_cmd(&mut cmds, if *weak { 0x8000_0018 } else { 0xc }, name);
            ncmds += 1;
        }
        for path in rpaths {
            let (s, size) = padded(path, 12);
            for word in [0x8000_001c, size, 12] {
                cmds.extend(word.to_le_bytes());
            }
            cmds.extend(s);
            ncmds += 1;
        }
        // LC_SEGMENT_64 __TEXT with one section, __text, at file offset 0x1000.
        let mut seg = Vec::new();
        seg.extend(0x19u32.to_le_bytes());
        seg.extend((72u32 + 80).to_le_bytes());
        seg.extend(*b"__TEXT\0\0\0\0\0\0\0\0\0\0");
        for word in [0u64, 0x2000, 0, 0x1010] {
            seg.extend(word.to_le_bytes());
        }
        for word in [5u32, 5, 1, 0] {
            seg.extend(word.to_le_bytes());
        }
        seg.extend(*b"__text\0\0\0\0\0\0\0\0\0\0");
        seg.extend(*b"__TEXT\0\0\0\0\0\0\0\0\0\0");
        for word in [0x1000u64, 0x10] {
            seg.extend(word.to_le_bytes());
        }
        for word in [0x1000u32, 0, 0, 0, 0, 0, 0, 0] {
            seg.extend(word.to_le_bytes());
        }
        cmds.extend(seg);
        ncmds += 1;
        let mut out = Vec::new();
        for word in [
            0xfeed_facfu32,
            cputype,
            0,
            6,
            ncmds,
            cmds.len() as u32,
            0,
            0,
        ] {
            out.extend(word.to_le_bytes());
        }
        out.extend(cmds);
        out.resize(0x1010, 0);
        out
    }

    #[test]
    fn a_dylib_says_its_name_what_it_loads_and_its_room() {
        let bytes = dylib(
            CPU_TYPE_ARM64,
            "@rpath/libpython3.12.dylib",
            &[
                ("/usr/lib/libSystem.B.dylib", false),
                ("@rpath/libintl.8.dylib", true),
            ],
            &["@loader_path/../lib"],
        );
        let info = read(&bytes, CPU_TYPE_ARM64).expect("a Mach-O");
        assert_eq!(info.cputype, CPU_TYPE_ARM64);
        assert_eq!(
            info.install_name.as_deref(),
            Some("@rpath/libpython3.12.dylib")
        );
        assert_eq!(
            info.needed,
            [
                Needed {
                    name: "/usr/lib/libSystem.B.dylib".into(),
                    weak: false
                },
                Needed {
                    name: "@rpath/libintl.8.dylib".into(),
                    weak: true
                },
            ]
        );
        assert_eq!(info.rpaths, ["@loader_path/../lib"]);
        let used = 32 + u32::from_le_bytes(bytes[20..24].try_into().unwrap()) as usize;
        assert_eq!(info.room, 0x1000 - used);
        // A thin file of another CPU is read as it is; the caller checks `cputype`.
        assert_eq!(
            read(&bytes, CPU_TYPE_X86_64).unwrap().cputype,
            CPU_TYPE_ARM64
        );
    }

    #[test]
    fn a_universal_file_is_read_through_the_wanted_slice() {
        let arm = dylib(CPU_TYPE_ARM64, "@rpath/libz.1.dylib", &[], &[]);
        let x86 = dylib(
            CPU_TYPE_X86_64,
            "@rpath/libz.1.dylib",
            &[("/usr/lib/libc++.1.dylib", false)],
            &[],
        );
        // fat_header, two fat_arch entries, each slice 4 KiB-aligned.
        let mut fat = Vec::new();
        fat.extend(0xcafe_babeu32.to_be_bytes());
        fat.extend(2u32.to_be_bytes());
        let (a, b) = (0x1000u32, 0x3000u32);
        for (cpu, offset, len) in [
            (CPU_TYPE_ARM64, a, arm.len()),
            (CPU_TYPE_X86_64, b, x86.len()),
        ] {
            for word in [cpu, 0, offset, len as u32, 12] {
                fat.extend(word.to_be_bytes());
            }
        }
        fat.resize(a as usize, 0);
        fat.extend(&arm);
        fat.resize(b as usize, 0);
        fat.extend(&x86);
        let info = read(&fat, CPU_TYPE_X86_64).expect("the x86_64 slice");
        assert_eq!(info.cputype, CPU_TYPE_X86_64);
        assert_eq!(info.needed[0].name, "/usr/lib/libc++.1.dylib");
        assert!(
            read(&fat, 0x0100_0007 + 1).is_none(),
            "no slice for that CPU"
        );
        // A Java class file starts like a universal file and is not one.
        assert!(!looks_like_macho(&[0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 52]));
        assert!(looks_like_macho(&fat));
        assert!(!looks_like_macho(b"\x7fELF\x02\x01"));
    }
}
