//! What a finished bundle is for, read from its files: the platform (its launcher's ELF
//! machine, or a PE launcher: Windows), the CPython it carries (the version its libpython or
//! `python3XY.dll` holds) and the newest glibc any of its ELF files needs, the launcher's
//! included. `pybundle inspect` prints these.

use crate::bundle::target::Target;
use crate::native::elf::glibc::{self, GlibcVersion};
use crate::packages::distribution::is_compiled_file;
use crate::python::runtime::prefix::full_version;

#[derive(Debug, Default, PartialEq, Eq)]
pub struct About {
    pub target: Option<Target>,
    pub python: Option<String>,
    pub glibc: Option<GlibcVersion>,
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
        let parsed = goblin::elf::Elf::parse(launcher).ok();
        About {
            target: parsed.as_ref().and_then(|elf| {
                Target::ALL
                    .into_iter()
                    .find(|t| t.elf_machine() == Some(elf.header.e_machine))
            }),
            glibc: parsed.as_ref().and_then(glibc::needed),
            python: None,
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

/// Could the file at `path` (with `mode`) be an ELF file? Shared libraries and executables.
pub fn may_be_elf(path: &str, mode: u32) -> bool {
    is_compiled_file(path) || mode & 0o111 != 0
}
