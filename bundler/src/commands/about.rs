//! What a finished bundle is for, read from its files: the platform (its launcher's ELF
//! machine, a PE launcher: Windows, or a Mach-O one's CPU: macOS), the CPython it carries (the
//! version its libpython or `python3XY.dll` holds), and the oldest system it runs on: the
//! newest glibc any of its ELF files needs, or the newest macOS any Mach-O file is built for,
//! the launcher's included. `pybundle inspect` prints these.

use std::fmt;

use goblin::mach::load_command::CommandVariant;

use crate::bundle::target::Target;
use crate::native::elf::glibc::{self, GlibcVersion};
use crate::native::macho::fat;
use crate::packages::distribution::is_compiled_file;
use crate::python::runtime::prefix::full_version;

#[derive(Debug, Default, PartialEq, Eq)]
pub struct About {
    pub target: Option<Target>,
    pub python: Option<String>,
    pub glibc: Option<GlibcVersion>,
    /// The newest macOS a Mach-O file asks for (`LC_BUILD_VERSION`'s `minos`).
    pub macos: Option<MacosVersion>,
}

/// A macOS version as Mach-O load commands hold it: `xxxx.yy.zz` in nibbles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct MacosVersion(pub u32);

impl fmt::Display for MacosVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (major, minor, patch) = (self.0 >> 16, (self.0 >> 8) & 0xff, self.0 & 0xff);
        match patch {
            0 => write!(f, "{major}.{minor}"),
            _ => write!(f, "{major}.{minor}.{patch}"),
        }
    }
}

/// The macOS a Mach-O file is built for at the oldest (the newest of its slices'), and its
/// CPU types. Read leniently: a launcher read without its archive has segments, and a
/// universal one a last slice, that reach past its end.
fn macho(bytes: &[u8]) -> Option<(Vec<u32>, Option<MacosVersion>)> {
    if !fat::is_fat(bytes) {
        return thin_macho(bytes).map(|(cputype, min)| (vec![cputype], min));
    }
    let arches = goblin::mach::MultiArch::new(bytes).ok()?;
    let slices: Vec<_> = (arches.iter_arches().flatten())
        .filter_map(|arch| {
            let start = (arch.offset as usize).min(bytes.len());
            let end = (start + arch.size as usize).min(bytes.len());
            thin_macho(&bytes[start..end])
        })
        .collect();
    let min = slices.iter().filter_map(|(_, min)| *min).max();
    (!slices.is_empty()).then(|| (slices.iter().map(|(c, _)| *c).collect(), min))
}

fn thin_macho(bytes: &[u8]) -> Option<(u32, Option<MacosVersion>)> {
    let goblin::mach::Mach::Binary(macho) = goblin::mach::Mach::parse_lossy(bytes).ok()? else {
        return None;
    };
    let min = (macho.load_commands.iter()).find_map(|c| match c.command {
        CommandVariant::BuildVersion(v) => Some(MacosVersion(v.minos)),
        CommandVariant::VersionMinMacosx(v) => Some(MacosVersion(v.version)),
        _ => None,
    });
    Some((macho.header.cputype, min))
}

impl About {
    /// Begin with the bundle's launcher.
    pub fn of_launcher(launcher: &[u8]) -> About {
        if launcher.starts_with(b"MZ") {
            let x64 = goblin::pe::header::Header::parse(launcher)
                .is_ok_and(|h| h.coff_header.machine == goblin::pe::header::COFF_MACHINE_X86_64);
            return About {
                target: x64.then_some(Target::WindowsX64),
                ..About::default()
            };
        }
        if let Some((mut cputypes, macos)) = macho(launcher) {
            cputypes.sort_unstable();
            return About {
                target: (Target::ALL.into_iter()).find(|t| {
                    let mut wanted = t.macho_cputypes();
                    wanted.sort_unstable();
                    !wanted.is_empty() && wanted == cputypes
                }),
                macos,
                ..About::default()
            };
        }
        let parsed = goblin::elf::Elf::parse(launcher).ok();
        About {
            target: parsed.as_ref().and_then(|elf| {
                Target::ALL
                    .into_iter()
                    .find(|t| t.elf_machine() == Some(elf.header.e_machine))
            }),
            glibc: parsed.as_ref().and_then(glibc::needed),
            ..About::default()
        }
    }

    /// Take in the bundled file `path`; `python` is the file CPython is loaded from
    /// (`lib/libpython3.11.so.1.0`).
    pub fn add(&mut self, path: &str, bytes: &[u8], python: &str) {
        if path == python && bytes.starts_with(b"MZ") {
            // python311.dll: `3.11` from its name.
            let digits = (python.to_ascii_lowercase().strip_prefix("python3"))
                .and_then(|rest| rest.strip_suffix(".dll").map(str::to_string));
            let short = digits.map(|d| format!("3.{d}"));
            self.python = short.and_then(|s| full_version(bytes, &s));
            return;
        }
        if let Some((_, macos)) = macho(bytes) {
            self.macos = self.macos.max(macos);
            if path == python {
                let short = (python.rsplit('/').next())
                    .and_then(|name| name.strip_prefix("libpython"))
                    .and_then(|rest| rest.strip_suffix(".dylib"));
                self.python = short.and_then(|s| full_version(bytes, s));
            }
            return;
        }
        let Ok(elf) = goblin::elf::Elf::parse(bytes) else {
            return;
        };
        if let Some(needs) = glibc::needed(&elf) {
            if self.glibc.as_ref().is_none_or(|floor| needs > *floor) {
                self.glibc = Some(needs);
            }
        }
        if path == python {
            let short = (python.rsplit('/').next())
                .and_then(|name| name.strip_prefix("libpython"))
                .and_then(|rest| rest.split(".so").next());
            self.python = short.and_then(|s| full_version(bytes, s));
        }
    }
}

/// Could the file at `path` (with `mode`) be an ELF or Mach-O file? Shared libraries and
/// executables.
pub fn may_be_native(path: &str, mode: u32) -> bool {
    is_compiled_file(path) || mode & 0o111 != 0
}
