//! Universal ("fat") Mach-O files, as `lipo` makes them: a big-endian header listing each CPU's
//! slice (a whole thin file at an aligned offset). A universal bundle keeps both slices of
//! each file and changes each on its own (load commands, signature), so a file is taken apart
//! into its slices and put together again here; nothing else knows the header's layout.

use crate::bundle::target::macho_cpu_name;

const FAT_MAGIC: u32 = 0xcafe_babe;
/// Each `fat_arch` entry: cputype, cpusubtype, offset, size, align (a power of two).
const ARCH_LEN: usize = 20;
/// A universal file never has more slices than this; a Java class file, which shares the
/// magic, has a version number here.
const MAX_SLICES: usize = 20;

/// One CPU's slice of a universal file, or a thin file as a slice of itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slice {
    pub cputype: u32,
    pub cpusubtype: u32,
    /// The slice starts on a multiple of 2^align bytes.
    pub align: u32,
    pub bytes: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FatError {
    #[error("it is not a Mach-O file")]
    NotMacho,
    #[error("its universal header names a slice past its end")]
    Truncated,
    #[error("it has no slice for {0}")]
    NoSlice(&'static str),
    #[error("it is over 4 GiB, more than a universal file's header can describe")]
    TooLarge,
}

/// Is `bytes` a universal file?
pub fn is_fat(bytes: &[u8]) -> bool {
    word(bytes, 0) == Some(FAT_MAGIC) && word(bytes, 4).is_some_and(|n| (1..=20).contains(&n))
}

/// The slices of `bytes`: each of a universal file's, or the thin file itself (its CPU read
/// from its header).
pub fn slices(bytes: &[u8]) -> Result<Vec<Slice>, FatError> {
    if !is_fat(bytes) {
        let cputype = bytes.get(4..8).ok_or(FatError::NotMacho)?;
        let cpusubtype = bytes.get(8..12).ok_or(FatError::NotMacho)?;
        let le = |b: &[u8]| u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
        return Ok(vec![Slice {
            cputype: le(cputype),
            cpusubtype: le(cpusubtype),
            align: align_for(le(cputype)),
            bytes: bytes.to_vec(),
        }]);
    }
    let count = (word(bytes, 4).ok_or(FatError::NotMacho)? as usize).min(MAX_SLICES);
    (0..count)
        .map(|i| {
            let at = 8 + i * ARCH_LEN;
            let field = |n: usize| word(bytes, at + 4 * n).ok_or(FatError::Truncated);
            let (offset, size) = (field(2)? as usize, field(3)? as usize);
            let end = offset.checked_add(size).ok_or(FatError::Truncated)?;
            Ok(Slice {
                cputype: field(0)?,
                cpusubtype: field(1)?,
                align: field(4)?,
                bytes: bytes.get(offset..end).ok_or(FatError::Truncated)?.to_vec(),
            })
        })
        .collect()
}

/// `bytes` with only the slices for `cputypes`, in that order, each passed through `change`:
/// a thin file when one CPU is wanted, a universal file when several are. A slice that is
/// missing is [`FatError::NoSlice`].
pub fn each_slice<E: From<FatError>>(
    bytes: &[u8],
    cputypes: &[u32],
    mut change: impl FnMut(Slice) -> Result<Vec<u8>, E>,
) -> Result<Vec<u8>, E> {
    let mut all = slices(bytes)?;
    let mut kept = Vec::with_capacity(cputypes.len());
    for cputype in cputypes {
        let at = (all.iter().position(|s| s.cputype == *cputype))
            .ok_or(FatError::NoSlice(macho_cpu_name(*cputype)))?;
        let slice = all.swap_remove(at);
        let (cpusubtype, align) = (slice.cpusubtype, slice.align);
        let bytes = change(slice)?;
        kept.push(Slice {
            cputype: *cputype,
            cpusubtype,
            align,
            bytes,
        });
    }
    match kept.len() {
        1 => Ok(kept.remove(0).bytes),
        _ => Ok(join(&kept)?),
    }
}

/// Where [`join`] puts each of `slices`: after the header and the slices before it, at the
/// next multiple of 2^align.
pub fn offsets(slices: &[Slice]) -> Vec<usize> {
    let mut offset = 8 + ARCH_LEN * slices.len();
    (slices.iter())
        .map(|slice| {
            let align = 1usize << slice.align.min(16);
            let at = offset.div_ceil(align) * align;
            offset = at + slice.bytes.len();
            at
        })
        .collect()
}

/// A universal file of `slices`, in their order, each where [`offsets`] says.
pub fn join(slices: &[Slice]) -> Result<Vec<u8>, FatError> {
    let mut out = Vec::new();
    out.extend(FAT_MAGIC.to_be_bytes());
    out.extend((slices.len() as u32).to_be_bytes());
    let placed = offsets(slices);
    let fits = |n: usize| u32::try_from(n).map_err(|_| FatError::TooLarge);
    for (slice, at) in slices.iter().zip(&placed) {
        for value in [
            slice.cputype,
            slice.cpusubtype,
            fits(*at)?,
            fits(slice.bytes.len())?,
            slice.align,
        ] {
            out.extend(value.to_be_bytes());
        }
    }
    for (slice, at) in slices.iter().zip(placed) {
        out.resize(at, 0);
        out.extend(&slice.bytes);
    }
    Ok(out)
}

/// The alignment `lipo` gives a slice of that CPU: a page of it (16 KiB on arm64).
fn align_for(cputype: u32) -> u32 {
    match cputype {
        0x0100_000c => 14,
        _ => 12,
    }
}

fn word(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::native::macho::read::tests::dylib;
    use goblin::mach::constants::cputype::{CPU_TYPE_ARM64, CPU_TYPE_X86_64};

    fn universal() -> (Vec<u8>, Vec<u8>, Vec<u8>) {
        let x86 = dylib(CPU_TYPE_X86_64, "@rpath/libx.dylib", &[], &[]);
        let arm = dylib(CPU_TYPE_ARM64, "@rpath/libx.dylib", &[], &[]);
        let fat = join(&[
            slices(&x86).unwrap().remove(0),
            slices(&arm).unwrap().remove(0),
        ])
        .unwrap();
        (fat, x86, arm)
    }

    #[test]
    fn a_joined_file_is_read_back_slice_by_slice_as_goblin_reads_it() {
        let (fat, x86, arm) = universal();
        assert!(is_fat(&fat) && !is_fat(&arm));
        let parsed = goblin::mach::MultiArch::new(&fat).unwrap();
        let arches: Vec<_> = parsed.iter_arches().map(|a| a.unwrap()).collect();
        assert_eq!(arches[0].cputype, CPU_TYPE_X86_64);
        assert_eq!(
            arches[1].offset % (1 << 14),
            0,
            "arm64 starts on a 16 KiB page"
        );
        assert_eq!(arches[1].slice(&fat), &arm[..]);
        let back = slices(&fat).unwrap();
        assert_eq!((back[0].bytes.clone(), back[1].bytes.clone()), (x86, arm));
    }

    #[test]
    fn each_slice_keeps_the_wanted_cpus_in_the_wanted_order() {
        let (fat, x86, arm) = universal();
        let thin = each_slice::<FatError>(&fat, &[CPU_TYPE_ARM64], |s| Ok(s.bytes)).unwrap();
        assert_eq!(thin, arm);
        let mut seen = Vec::new();
        let both = each_slice::<FatError>(&fat, &[CPU_TYPE_X86_64, CPU_TYPE_ARM64], |s| {
            seen.push(s.cputype);
            Ok(s.bytes)
        })
        .unwrap();
        assert_eq!(both, fat);
        assert_eq!(seen, [CPU_TYPE_X86_64, CPU_TYPE_ARM64]);
        let missing =
            each_slice::<FatError>(&x86, &[CPU_TYPE_X86_64, CPU_TYPE_ARM64], |s| Ok(s.bytes));
        assert_eq!(missing, Err(FatError::NoSlice("arm64")));
    }

    #[test]
    fn a_header_that_points_past_the_end_is_refused() {
        let (fat, _, _) = universal();
        assert_eq!(slices(&fat[..fat.len() - 1]), Err(FatError::Truncated));
        assert_eq!(slices(b"no"), Err(FatError::NotMacho));
    }
}
