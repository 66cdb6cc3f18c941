//! The link stage: the shared libraries the bundle's native files need (`native/`).

use crate::bundle::contents::Contents;
use crate::bundle::layout;
use crate::bundle::target::{Os, Target};
use crate::error::Error;
use crate::native::elf;
use crate::native::elf::glibc::GlibcVersion;
use crate::native::macho;
use crate::native::pe;
use crate::output::launcher;
use crate::packages::{self};
use crate::progress::Progress;
use crate::python::runtime::{Runtime, Source};
use crate::settings::{BuildSettings, Strip};

/// The shared libraries the bundle's native files need, added: ELF files stripped and pointed
/// at the bundle's library folder, DLLs found by their imports, Mach-O files pointed at the
/// bundle's copies.
pub fn link(
    s: &BuildSettings,
    runtime: &Runtime,
    contents: &mut Contents,
    rules: &packages::rules::Rules,
    progress: &Progress,
) -> Result<crate::native::closure::Closure, Error> {
    progress.step("Resolving shared libraries");
    let given_dirs = || match &runtime.source {
        Source::Given { library_dirs, .. } => library_dirs.clone(),
        Source::Interpreter => Vec::new(),
    };
    let closure = match runtime.target.os() {
        Os::Windows => {
            let dirs = given_dirs();
            let is_dll_dir = |dir: &str| {
                (dir.strip_prefix(layout::SITE_PACKAGES))
                    .map(|d| d.trim_start_matches('/'))
                    .is_some_and(|d| rules.is_dll_dir(d))
            };
            let dynload = layout::dynload(&runtime.layout());
            let search = pe::closure::SearchPath {
                is_dll_dir: &is_dll_dir,
                dynload: &dynload,
            };
            pe::closure::resolve(contents, &dirs, &search)?
        }
        Os::Macos => {
            let ad_hoc = macho::signer::Signer::default();
            let signer = s.apple.as_ref().map_or(&ad_hoc, |apple| &apple.signer);
            macho::closure::resolve(contents, runtime.target, &given_dirs(), signer)?
        }
        Os::Linux => elf::closure::resolve(
            contents,
            &elf::search::Searcher::for_runtime(runtime),
            match s.output.strip {
                Strip::All => elf::strip::Strip::All,
                Strip::Debug => elf::strip::Strip::Debug,
            },
        )?,
    };
    for (lib, path) in &closure.libraries {
        progress.detail(&format!("library: {lib} from {}", path.display()));
    }
    if !closure.unloadable.is_empty() {
        let list: Vec<String> = (closure.unloadable.iter())
            .map(|(file, lib)| {
                let name = file.rsplit('/').next().unwrap_or(file);
                format!("{name} (needs {lib})")
            })
            .collect();
        // Platform plugins first: without one a GUI app cannot start.
        let mut list = list;
        list.sort_by_key(|p| {
            !p.starts_with("libq") || !p.contains("xcb") && !p.contains("wayland")
        });
        let shown = list.len().min(4);
        let more = match list.len() - shown {
            0 => String::new(),
            n => format!(" and {n} more (-v lists them)"),
        };
        progress.note(&format!(
            "{} plugins left out, as libraries they load are not installed here: {}{more}; install those libraries to ship them",
            list.len(),
            list[..shown].join(", ")
        ));
        progress.detail(&format!("plugins left out: {}", list.join(", ")));
    }
    if contents.offered_left() > 0 {
        progress.detail(&format!(
            "{} shared libraries of the distributions are left out: no bundled file loads them",
            contents.offered_left()
        ));
    }
    for (lib, needed_by) in &closure.missing {
        progress.warn(&format!(
            "the shared library {lib}, needed by {needed_by}, was not found; that module will fail to import (install the library or pass its path with --add-binary)"
        ));
    }
    for clash in &closure.clashes {
        progress.warn(&format!(
            "{} would load {} from {}, but the bundle carries the one from {}; if it misbehaves, make both come from the same place",
            clash.needed_by,
            clash.library,
            clash.other.display(),
            clash.kept.display()
        ));
    }
    if let Some((floor, file)) = &closure.glibc {
        progress.detail(&format!("newest glibc needed: {floor}, by {file}"));
    }
    if let Some((file, cpu)) = closure.wrong_cpu.first() {
        // It would not load on the Mac it is for.
        return Err(Error::MachoWrongCpu {
            file: file.clone(),
            cpu,
            target: runtime.target,
            more: closure.wrong_cpu.len() - 1,
        });
    }
    if runtime.target.os() == Os::Macos && !closure.unpatched.is_empty() {
        // Left as it is, it would look for its libraries where the build machine had them.
        return Err(Error::MachoNoRoom(closure.unpatched.clone()));
    }
    for file in &closure.unpatched {
        progress.warn(&format!(
            "{file} keeps a search path pybundle could not rewrite"
        ));
    }
    for file in &closure.unsigned {
        progress.warn(&format!(
            "{file} could not be signed; macOS on Apple silicon will refuse to load it"
        ));
    }
    Ok(closure)
}

/// The newest glibc the bundle needs, its launcher included, and the file that needs it.
pub(super) fn glibc_floor(
    closure: &crate::native::closure::Closure,
    target: Target,
) -> Option<(GlibcVersion, String)> {
    let launcher = launcher::bytes_for(target)
        .ok()
        .and_then(|l| elf::read::read(&l));
    let launcher = launcher
        .and_then(|info| info.glibc)
        .map(|v| (v, "the launcher".to_string()));
    closure
        .glibc
        .clone()
        .into_iter()
        .chain(launcher)
        .max_by(|a, b| a.0.cmp(&b.0))
}
