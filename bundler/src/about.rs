//! What a finished bundle is for, read from its files: the platform (its launcher's ELF
//! machine), the CPython it carries (the version its libpython holds) and the newest glibc any
//! of its ELF files needs, the launcher's included. `pybundle inspect` prints these.

use crate::elf::glibc::{self, GlibcVersion};
use crate::packages::distribution::is_compiled_file;
use crate::runtime::given::full_version;
use crate::target::Target;

#[derive(Debug, Default, PartialEq, Eq)]
pub struct About {
    pub target: Option<Target>,
    pub python: Option<String>,
    pub glibc: Option<GlibcVersion>,
}

impl About {
    /// Begin with the bundle's launcher.
    pub fn of_launcher(launcher: &[u8]) -> About {
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
