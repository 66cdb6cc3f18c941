//! The platform a bundle runs on: its name (`linux-aarch64`), its Rust triple, and the facts
//! each part of the build asks about it (the ELF machine its files must have, the wheel tags
//! that fit it, the values of its environment markers). The one place that knows them.

use std::fmt;

/// A platform pybundle builds for. `linux-x86_64` is the default on such a host.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Target {
    LinuxX86_64,
    LinuxAarch64,
    WindowsX64,
    MacosArm64,
    MacosX86_64,
    /// Both Mac CPUs in one bundle: every Mach-O file carries an x86_64 and an arm64 slice.
    MacosUniversal2,
}

/// The operating system of a target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Os {
    Linux,
    Windows,
    Macos,
}

impl Target {
    pub const ALL: [Target; 6] = [
        Target::LinuxX86_64,
        Target::LinuxAarch64,
        Target::WindowsX64,
        Target::MacosArm64,
        Target::MacosX86_64,
        Target::MacosUniversal2,
    ];

    /// The target of the machine pybundle runs on, if it can build for it at all.
    pub fn host() -> Option<Target> {
        match (std::env::consts::OS, std::env::consts::ARCH) {
            ("linux", "x86_64") => Some(Target::LinuxX86_64),
            ("linux", "aarch64") => Some(Target::LinuxAarch64),
            ("windows", "x86_64") => Some(Target::WindowsX64),
            ("macos", "aarch64") => Some(Target::MacosArm64),
            ("macos", "x86_64") => Some(Target::MacosX86_64),
            _ => None,
        }
    }

    /// Where a CPython for this target comes from, for the message that asks for one.
    pub fn runtime_hint(self) -> &'static str {
        if self == Target::MacosUniversal2 {
            return "python-build-standalone's install_only archives for both Mac CPUs (--runtime twice: arm64's and x86_64's, which pybundle joins), or a universal2 CPython";
        }
        match self.os() {
            Os::Windows => "python.org's embeddable CPython, a zip that `tools/windows-runtime` fetches and checks (docs/windows.md)",
            Os::Linux => "a folder or archive of it: python-build-standalone's install_only archive, Debian's packages unpacked together (`tools/debian-runtime`, docs/targets.md), or your own `make install`",
            Os::Macos => "python-build-standalone's install_only archive for macOS",
        }
    }

    /// The name users type (`--target linux-aarch64`).
    pub fn name(self) -> &'static str {
        match self {
            Target::LinuxX86_64 => "linux-x86_64",
            Target::LinuxAarch64 => "linux-aarch64",
            Target::WindowsX64 => "windows-x64",
            Target::MacosArm64 => "macos-arm64",
            Target::MacosX86_64 => "macos-x86_64",
            Target::MacosUniversal2 => "macos-universal2",
        }
    }

    /// The Rust target triple its launcher is built for; a universal bundle's launcher joins
    /// its CPUs' ([`Target::slices`]).
    pub fn triple(self) -> &'static str {
        match self {
            Target::LinuxX86_64 => "x86_64-unknown-linux-gnu",
            Target::LinuxAarch64 => "aarch64-unknown-linux-gnu",
            Target::WindowsX64 => "x86_64-pc-windows-gnu",
            Target::MacosArm64 => "aarch64-apple-darwin",
            Target::MacosX86_64 => "x86_64-apple-darwin",
            Target::MacosUniversal2 => "universal2-apple-darwin",
        }
    }

    /// The targets whose launchers and files a bundle for this one joins: itself, but for
    /// `macos-universal2`, whose files hold an x86_64 slice and then an arm64 one (the order
    /// of Apple's own universal files; a onefile's archive ends the last slice).
    pub fn slices(self) -> &'static [Target] {
        match self {
            Target::LinuxX86_64 => &[Target::LinuxX86_64],
            Target::LinuxAarch64 => &[Target::LinuxAarch64],
            Target::WindowsX64 => &[Target::WindowsX64],
            Target::MacosArm64 => &[Target::MacosArm64],
            Target::MacosX86_64 => &[Target::MacosX86_64],
            Target::MacosUniversal2 => &[Target::MacosX86_64, Target::MacosArm64],
        }
    }

    /// A name or a Rust triple (`aarch64-unknown-linux-gnu`, and the `-musl`/`-msvc` spellings
    /// of the same platform), case aside.
    pub fn parse(text: &str) -> Option<Target> {
        let text = text.trim().to_ascii_lowercase();
        Target::ALL.into_iter().find(|t| {
            text == t.name() || text == t.triple() || t.aliases().contains(&text.as_str())
        })
    }

    fn aliases(self) -> &'static [&'static str] {
        match self {
            Target::LinuxX86_64 => &["linux-amd64", "linux-x64", "x86_64-linux-gnu"],
            Target::LinuxAarch64 => &["linux-arm64", "aarch64-linux-gnu"],
            Target::WindowsX64 => &["windows-x86_64", "windows-amd64", "x86_64-pc-windows-msvc"],
            Target::MacosArm64 => &["macos-aarch64", "darwin-arm64"],
            Target::MacosX86_64 => &["macos-x64", "macos-amd64", "darwin-x86_64"],
            Target::MacosUniversal2 => &["macos-universal", "darwin-universal2"],
        }
    }

    pub fn os(self) -> Os {
        match self {
            Target::LinuxX86_64 | Target::LinuxAarch64 => Os::Linux,
            Target::WindowsX64 => Os::Windows,
            Target::MacosArm64 | Target::MacosX86_64 | Target::MacosUniversal2 => Os::Macos,
        }
    }

    /// `platform.machine()` there, as environment markers see it. A universal bundle's
    /// packages are chosen once, for both CPUs: as on Apple silicon.
    pub fn machine(self) -> &'static str {
        match self {
            Target::LinuxX86_64 => "x86_64",
            Target::LinuxAarch64 => "aarch64",
            Target::WindowsX64 => "AMD64",
            Target::MacosArm64 => "arm64",
            Target::MacosX86_64 => "x86_64",
            Target::MacosUniversal2 => "arm64",
        }
    }

    /// The `e_machine` of its ELF files (Linux targets only).
    pub fn elf_machine(self) -> Option<u16> {
        match self {
            Target::LinuxX86_64 => Some(goblin::elf::header::EM_X86_64),
            Target::LinuxAarch64 => Some(goblin::elf::header::EM_AARCH64),
            _ => None,
        }
    }

    /// The CPU type of its Mach-O files (thin macOS targets only).
    pub fn macho_cputype(self) -> Option<u32> {
        match self {
            Target::MacosArm64 => Some(goblin::mach::constants::cputype::CPU_TYPE_ARM64),
            Target::MacosX86_64 => Some(goblin::mach::constants::cputype::CPU_TYPE_X86_64),
            _ => None,
        }
    }

    /// The CPU types each of its Mach-O files holds a slice for, in the order they are kept
    /// (empty off macOS).
    pub fn macho_cputypes(self) -> Vec<u32> {
        (self.slices().iter())
            .filter_map(|t| t.macho_cputype())
            .collect()
    }

    /// The multiarch tuple of its extension modules' names (`_ssl.cpython-311-aarch64-linux-gnu.so`)
    /// and of Debian's library folders.
    pub fn multiarch(self) -> &'static str {
        match self {
            Target::LinuxX86_64 => "x86_64-linux-gnu",
            Target::LinuxAarch64 => "aarch64-linux-gnu",
            Target::WindowsX64 => "win_amd64",
            Target::MacosArm64 | Target::MacosX86_64 | Target::MacosUniversal2 => "darwin",
        }
    }

    /// The loader's `$PLATFORM` there.
    pub fn loader_platform(self) -> &'static str {
        match self {
            Target::LinuxX86_64 => "x86_64",
            Target::LinuxAarch64 => "aarch64",
            _ => "",
        }
    }

    /// Wheel platform tags that run there, most widely compatible first: the oldest glibc a
    /// wheel of the wanted version was built for is the one taken, so the bundle runs on as
    /// many systems as it can.
    pub fn wheel_platforms(self) -> Vec<String> {
        let arch = match self {
            Target::LinuxX86_64 => "x86_64",
            Target::LinuxAarch64 => "aarch64",
            Target::WindowsX64 => return vec!["win_amd64".into()],
            Target::MacosArm64 => {
                return (11..=15)
                    .map(|v| format!("macosx_{v}_0_arm64"))
                    .chain(["macosx_11_0_universal2".into()])
                    .collect()
            }
            Target::MacosX86_64 => {
                return (9..=15)
                    .map(|v| format!("macosx_10_{v}_x86_64"))
                    .chain((11..=15).map(|v| format!("macosx_{v}_0_x86_64")))
                    .chain([
                        "macosx_10_9_universal2".into(),
                        "macosx_11_0_universal2".into(),
                    ])
                    .collect()
            }
            // Only a wheel whose every file holds both slices: a thin wheel's files would
            // run on one CPU.
            Target::MacosUniversal2 => {
                return (9..=15)
                    .map(|v| format!("macosx_10_{v}_universal2"))
                    .chain((11..=15).map(|v| format!("macosx_{v}_0_universal2")))
                    .collect()
            }
        };
        let mut tags = vec![format!("manylinux2014_{arch}")];
        tags.extend((17..=39).map(|minor| format!("manylinux_2_{minor}_{arch}")));
        tags
    }
}

/// The name `lipo` and `arch` give a Mach-O CPU type.
pub fn macho_cpu_name(cputype: u32) -> &'static str {
    use goblin::mach::constants::cputype::{CPU_TYPE_ARM64, CPU_TYPE_X86, CPU_TYPE_X86_64};
    match cputype {
        CPU_TYPE_ARM64 => "arm64",
        CPU_TYPE_X86_64 => "x86_64",
        CPU_TYPE_X86 => "i386",
        _ => "another CPU's",
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_triples_name_the_same_targets() {
        for t in Target::ALL {
            assert_eq!(Target::parse(t.name()), Some(t));
            assert_eq!(Target::parse(t.triple()), Some(t));
            assert_eq!(Target::parse(&t.name().to_uppercase()), Some(t));
        }
        assert_eq!(Target::parse("linux-arm64"), Some(Target::LinuxAarch64));
        assert_eq!(
            Target::parse("x86_64-pc-windows-msvc"),
            Some(Target::WindowsX64)
        );
        assert_eq!(Target::parse("linux-riscv64"), None);
        assert!(Target::host().is_some());
    }

    #[test]
    fn linux_wheels_prefer_the_oldest_glibc() {
        let tags = Target::LinuxAarch64.wheel_platforms();
        assert_eq!(tags[0], "manylinux2014_aarch64");
        assert!(tags.contains(&"manylinux_2_28_aarch64".to_string()));
        assert!(tags.iter().all(|t| t.ends_with("_aarch64")));
    }
}
