//! The launcher stubs this pybundle carries, chosen by target: the one place that knows which
//! stub goes with which platform. `build.rs` builds the host's stub, and one for each other
//! target whose toolchain is installed (`tools/add-target`).

use std::borrow::Cow;

use crate::bundle::target::Target;
use crate::error::Error;
use crate::native::macho::fat;

/// The target triple of the machine this pybundle was built for.
pub const HOST_TARGET: &str = env!("PYBUNDLE_STUB_TARGET");

include!(concat!(env!("OUT_DIR"), "/stubs.rs"));

/// The launcher for bundles that run on `target`, or how to get one: a universal bundle's is
/// its CPUs' launchers joined into one universal file.
pub fn bytes_for(target: Target) -> Result<Cow<'static, [u8]>, Error> {
    match target.slices() {
        [one] => built(*one).map(Cow::Borrowed),
        slices => {
            let slices = (slices.iter())
                .map(|t| Ok(fat::slices(built(*t)?).map_err(internal)?.remove(0)))
                .collect::<Result<Vec<_>, Error>>()?;
            Ok(Cow::Owned(fat::join(&slices).map_err(internal)?))
        }
    }
}

/// The launcher `build.rs` built for `target`.
fn built(target: Target) -> Result<&'static [u8], Error> {
    STUBS
        .iter()
        .find(|(triple, _)| *triple == target.triple())
        .map(|(_, bytes)| *bytes)
        .ok_or(Error::NoStub(target))
}

fn internal(e: fat::FatError) -> Error {
    Error::Internal(format!("joining the Mac launchers failed: {e}"))
}

/// The targets this pybundle has a launcher for.
pub fn carried() -> Vec<Target> {
    (Target::ALL.into_iter())
        .filter(|t| t.slices().iter().all(|s| built(*s).is_ok()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bundle::target::Os;

    #[test]
    fn the_host_stub_is_the_one_built_for_this_machine() {
        let host = Target::host().expect("a supported build machine");
        assert_eq!(host.triple(), HOST_TARGET);
        let stub = bytes_for(host).unwrap();
        let elf = goblin::elf::Elf::parse(&stub).unwrap();
        assert_eq!(Some(elf.header.e_machine), host.elf_machine());
    }

    /// Every byte of the launcher is in every bundle; uv's trampoline is 45 KB. Ours holds the
    /// archive reader and zstd's decoder, and must stay under this on every target.
    const STUB_BUDGET: usize = 512 * 1024;

    #[test]
    fn every_stub_fits_its_budget_and_is_built_for_its_target() {
        for (triple, stub) in STUBS {
            assert!(
                stub.len() <= STUB_BUDGET,
                "the launcher for {triple} is {} bytes, over its budget of {STUB_BUDGET}",
                stub.len()
            );
            let target = Target::parse(triple).unwrap();
            match target.os() {
                Os::Linux => {
                    let elf = goblin::elf::Elf::parse(stub).unwrap();
                    assert_eq!(Some(elf.header.e_machine), target.elf_machine(), "{triple}");
                }
                Os::Macos => {
                    use goblin::mach::load_command::CommandVariant;
                    let cputype = target.macho_cputype().unwrap();
                    let info = crate::native::macho::read::read(stub, cputype).unwrap();
                    assert_eq!(info.cputype, cputype, "{triple}");
                    // Only what every Mac has. An arm64 Mac runs nothing unsigned: that
                    // launcher carries the linker's ad hoc signature (zig signs arm64 only).
                    let needed: Vec<&str> = info.needed.iter().map(|n| n.name.as_str()).collect();
                    assert_eq!(needed, ["/usr/lib/libSystem.B.dylib"], "{triple}");
                    assert!(info.install_name.is_none() && info.rpaths.is_empty());
                    let macho = goblin::mach::MachO::parse(stub, 0).unwrap();
                    let signed = (macho.load_commands.iter())
                        .any(|c| matches!(c.command, CommandVariant::CodeSignature(_)));
                    assert!(
                        signed || target != Target::MacosArm64,
                        "{triple} is not signed"
                    );
                    // The macOS it runs on is Rust's floor for the target, not the newest
                    // one zig knows.
                    let about = crate::commands::about::About::of_launcher(stub);
                    let oldest = match target {
                        Target::MacosArm64 => "11.0",
                        _ => "10.12",
                    };
                    let found = about.macos.map(|v| v.to_string());
                    assert_eq!(found.as_deref(), Some(oldest), "{triple}");
                }
                Os::Windows => {
                    let pe = goblin::pe::PE::parse(stub).unwrap();
                    assert!(pe.is_64 && !pe.is_lib, "{triple}");
                    // No link time: the same sources give the same launcher from any build.
                    assert_eq!(pe.header.coff_header.time_date_stamp, 0, "{triple}");
                    // Only what every Windows has: no DLL a bundle would need to carry.
                    for dll in &pe.libraries {
                        assert!(
                            crate::native::pe::system::is_system(dll),
                            "{triple} imports {dll}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn the_universal_launcher_is_both_mac_launchers_joined() {
        if !carried().contains(&Target::MacosUniversal2) {
            return;
        }
        let joined = bytes_for(Target::MacosUniversal2).unwrap();
        let slices = fat::slices(&joined).unwrap();
        assert_eq!(slices.len(), 2);
        for (slice, target) in slices.iter().zip([Target::MacosX86_64, Target::MacosArm64]) {
            assert_eq!(Some(slice.cputype), target.macho_cputype());
            assert_eq!(slice.bytes, built(target).unwrap());
        }
    }

    #[test]
    fn a_target_without_a_stub_says_how_to_get_one() {
        // Every target's message, whether or not this build carries its launcher.
        for t in Target::ALL {
            let message = Error::NoStub(t).to_string();
            assert!(
                message.contains(&format!("tools/add-target {t}")),
                "{message}"
            );
        }
        // And for_target gives it for each target it carries no launcher for.
        for t in Target::ALL.into_iter().filter(|t| !carried().contains(t)) {
            assert!(matches!(bytes_for(t), Err(Error::NoStub(x)) if t.slices().contains(&x)));
        }
    }
}
