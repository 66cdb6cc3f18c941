//! Rewriting a Mach-O file's load commands so that it finds its libraries inside the bundle:
//! the names of the libraries it loads, its own install name (`LC_ID_DYLIB`) and its run paths
//! (`LC_RPATH`, all replaced). The commands may grow into the room the linker left before the
//! first section (`-headerpad`); when they would not fit, the file is left as it was and the
//! caller names it. A rewrite breaks a code signature: the file must be signed again after.

use std::collections::BTreeMap;

use super::read;

/// What to change.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Edit {
    /// A loaded library's name as spelled now → as it is to be spelled.
    pub names: BTreeMap<String, String>,
    /// The file's own install name, when it is a library.
    pub install_name: Option<String>,
    /// The run paths, replacing all the file has; `None` keeps them.
    pub rpaths: Option<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PatchError {
    #[error("its load commands would need {needed} bytes and have {room}: relink it with -headerpad_max_install_names")]
    NoRoom { needed: usize, room: usize },
    #[error("it is not a little-endian Mach-O file with a slice for this CPU")]
    Unreadable,
}

const LC_ID_DYLIB: u32 = 0xd;
const LC_RPATH: u32 = 0x8000_001c;
/// The commands that name a library to load, by their common layout (`dylib_command`).
const LOADS: [u32; 5] = [0xc, 0x8000_0018, 0x8000_001f, 0x20, 0x8000_0023];

/// Apply `edit` to `bytes` (a thin file, or the `cputype` slice of a universal one). Returns
/// whether anything changed.
pub fn rewrite(bytes: &mut [u8], cputype: u32, edit: &Edit) -> Result<bool, PatchError> {
    let range = read::slice_range(bytes, cputype).ok_or(PatchError::Unreadable)?;
    rewrite_thin(&mut bytes[range], edit)
}

fn rewrite_thin(bytes: &mut [u8], edit: &Edit) -> Result<bool, PatchError> {
    let magic = bytes.get(..4).ok_or(PatchError::Unreadable)?;
    let (header, align) = match magic {
        [0xcf, 0xfa, 0xed, 0xfe] => (32, 8),
        [0xce, 0xfa, 0xed, 0xfe] => (28, 4),
        _ => return Err(PatchError::Unreadable),
    };
    let cputype = u32_at(bytes, 4).ok_or(PatchError::Unreadable)?;
    let room = read::read(bytes, cputype)
        .ok_or(PatchError::Unreadable)?
        .room;
    let (ncmds, sizeofcmds) = (
        u32_at(bytes, 16).ok_or(PatchError::Unreadable)? as usize,
        u32_at(bytes, 20).ok_or(PatchError::Unreadable)? as usize,
    );
    let region = bytes
        .get(header..header + sizeofcmds)
        .ok_or(PatchError::Unreadable)?;

    let mut out: Vec<u8> = Vec::with_capacity(sizeofcmds + room);
    let mut count = 0u32;
    let mut at = 0;
    for _ in 0..ncmds {
        let cmd = u32_at(region, at).ok_or(PatchError::Unreadable)?;
        let size = u32_at(region, at + 4).ok_or(PatchError::Unreadable)? as usize;
        let command = region.get(at..at + size).ok_or(PatchError::Unreadable)?;
        at += size.max(8);
        let name = || string_in(command, u32_at(command, 8).unwrap_or(0) as usize);
        let renamed = match cmd {
            LC_ID_DYLIB => edit.install_name.clone(),
            c if LOADS.contains(&c) => name().and_then(|n| edit.names.get(&n).cloned()),
            LC_RPATH if edit.rpaths.is_some() => continue, // replaced below
            _ => None,
        };
        match renamed.filter(|new| name().as_deref() != Some(new.as_str())) {
            Some(new) => {
                // dylib_command: cmd, cmdsize, name offset (24), then timestamp and versions.
                let mut fixed = command[..24].to_vec();
                fixed[8..12].copy_from_slice(&24u32.to_le_bytes());
                push_command(&mut out, &fixed, &new, align);
            }
            None => out.extend_from_slice(command),
        }
        count += 1;
    }
    for path in edit.rpaths.iter().flatten() {
        // rpath_command: cmd, cmdsize, path offset (12).
        let mut fixed = Vec::with_capacity(12);
        fixed.extend(LC_RPATH.to_le_bytes());
        fixed.extend(0u32.to_le_bytes());
        fixed.extend(12u32.to_le_bytes());
        push_command(&mut out, &fixed, path, align);
        count += 1;
    }
    if out == region {
        return Ok(false);
    }
    if out.len() > sizeofcmds + room {
        return Err(PatchError::NoRoom {
            needed: out.len(),
            room: sizeofcmds + room,
        });
    }
    let end = header + sizeofcmds.max(out.len());
    bytes[header..end].fill(0);
    bytes[header..header + out.len()].copy_from_slice(&out);
    bytes[16..20].copy_from_slice(&count.to_le_bytes());
    bytes[20..24].copy_from_slice(&(out.len() as u32).to_le_bytes());
    Ok(true)
}

/// Append a command made of `fixed` (its size field set here) and `text`, NUL-ended and
/// padded to `align`.
fn push_command(out: &mut Vec<u8>, fixed: &[u8], text: &str, align: usize) {
    let mut size = fixed.len() + text.len() + 1;
    size = size.div_ceil(align) * align;
    let start = out.len();
    out.extend_from_slice(fixed);
    out[start + 4..start + 8].copy_from_slice(&(size as u32).to_le_bytes());
    out.extend_from_slice(text.as_bytes());
    out.resize(start + size, 0);
}

fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
}

fn string_in(command: &[u8], offset: usize) -> Option<String> {
    let rest = command.get(offset..)?;
    let end = rest.iter().position(|b| *b == 0).unwrap_or(rest.len());
    Some(String::from_utf8_lossy(&rest[..end]).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::native::macho::read::tests::dylib;
    use goblin::mach::constants::cputype::CPU_TYPE_ARM64;

    #[test]
    fn names_and_run_paths_are_rewritten_into_the_room() {
        let mut bytes = dylib(
            CPU_TYPE_ARM64,
            "/opt/x/lib/libjpeg.62.dylib",
            &[
                ("/usr/lib/libSystem.B.dylib", false),
                ("/opt/x/lib/libz.1.dylib", false),
                ("@rpath/libintl.8.dylib", true),
            ],
            &["/opt/x/lib", "/opt/y/lib"],
        );
        let edit = Edit {
            names: BTreeMap::from([(
                "/opt/x/lib/libz.1.dylib".to_string(),
                "@loader_path/libz.1.dylib".to_string(),
            )]),
            install_name: Some("@rpath/libjpeg.62.dylib".into()),
            rpaths: Some(vec!["@loader_path".into()]),
        };
        assert_eq!(rewrite(&mut bytes, CPU_TYPE_ARM64, &edit), Ok(true));
        let info = read::read(&bytes, CPU_TYPE_ARM64).unwrap();
        assert_eq!(
            info.install_name.as_deref(),
            Some("@rpath/libjpeg.62.dylib")
        );
        let names: Vec<(&str, bool)> = (info.needed.iter())
            .map(|n| (n.name.as_str(), n.weak))
            .collect();
        assert_eq!(
            names,
            [
                ("/usr/lib/libSystem.B.dylib", false),
                ("@loader_path/libz.1.dylib", false),
                ("@rpath/libintl.8.dylib", true)
            ]
        );
        assert_eq!(info.rpaths, ["@loader_path"]);
        // The file is still whole: goblin reads its segment and section as before.
        let macho = goblin::mach::MachO::parse(&bytes, 0).unwrap();
        assert_eq!(macho.segments.sections().flatten().count(), 1);
        // Nothing to do is no change.
        let again = rewrite(
            &mut bytes,
            CPU_TYPE_ARM64,
            &Edit {
                rpaths: None,
                ..edit
            },
        );
        assert_eq!(again, Ok(false));
    }

    #[test]
    fn what_does_not_fit_leaves_the_file_alone_and_says_so() {
        let mut bytes = dylib(CPU_TYPE_ARM64, "@rpath/libz.1.dylib", &[], &[]);
        let before = bytes.clone();
        let long = format!("@loader_path/{}", "x".repeat(5000));
        let edit = Edit {
            install_name: Some(long),
            ..Edit::default()
        };
        let err = rewrite(&mut bytes, CPU_TYPE_ARM64, &edit).unwrap_err();
        assert!(matches!(err, PatchError::NoRoom { .. }), "{err}");
        assert!(err.to_string().contains("headerpad"));
        assert_eq!(bytes, before);
        assert_eq!(
            rewrite(&mut b"not a mach-o".to_vec(), CPU_TYPE_ARM64, &edit),
            Err(PatchError::Unreadable)
        );
    }
}
