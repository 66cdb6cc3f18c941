//! The library closure of a bundle for macOS: every Mach-O file in it (extension modules,
//! CPython's library, the libraries wheels carry) has the libraries its load commands name
//! found as dyld would find them ([`search`]), apart from macOS's own; one found outside the
//! bundle goes into its library folder and is walked in turn. Then every file is rewritten to
//! name each library by where the bundle has it, relative to itself (`@loader_path/...`), its
//! install name made `@rpath/NAME`, and no run path left that names a folder of the build
//! machine ([`patch`]), and signed again ([`super::signer`]), as is a file that came unsigned. A
//! universal file keeps the target's slices only ([`fat`]: one, or both for `macos-universal2`),
//! each rewritten and signed on its own. A file whose header has no room for that, that cannot
//! be signed, or that lacks code for one of the target's CPUs, is named in the report.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::path::{Path, PathBuf};

use super::fat;
use super::patch::{self, Edit, PatchError};
use super::signer::{Role, Signer};
use super::{read, search, sign, system};
use crate::bundle::contents::{Contents, Item, Origin, Source};
use crate::bundle::layout;
use crate::bundle::target::{macho_cpu_name, Target};
use crate::error::Error;
use crate::native::closure::{starts_with, Closure, Needs, Visits};

/// Add every library the bundle's Mach-O files load, for `target`, looking for bare names in
/// `library_dirs` (the runtime's); point every file at the bundle's copies, signed by
/// `signer`.
pub fn resolve(
    contents: &mut Contents,
    target: Target,
    library_dirs: &[PathBuf],
    signer: &Signer,
) -> Result<Closure, Error> {
    let cputypes = target.macho_cputypes();
    if cputypes.is_empty() {
        return Err(Error::Internal(format!("{target} has no Mach-O files")));
    }
    let mut walk = Walk::new(contents, cputypes.clone());
    while let Some((dest, host, inherited)) = walk.queue.pop_front() {
        walk.visit(contents, library_dirs, dest, host, inherited)?;
    }
    walk.link_by_name();
    let Walk {
        mut report,
        files,
        needs,
        ..
    } = walk;
    let libraries = &report.libraries;
    report
        .missing
        .retain(|(name, _)| !libraries.contains_key(name));
    let dead = needs.unloadable(contents, &mut report);
    for dest in &dead {
        contents.remove(dest);
    }
    for (dest, mut file) in files.into_iter().filter(|(d, _)| !dead.contains(d)) {
        let edit = file.edit(&dest);
        let (mut rewritten, mut readable, mut unpatched) = (false, false, false);
        for cputype in &cputypes {
            match patch::rewrite(&mut file.bytes, *cputype, &edit) {
                Ok(changed) => (rewritten, readable) = (rewritten | changed, true),
                Err(PatchError::Unreadable) => {}
                Err(PatchError::NoRoom { .. }) => unpatched = true,
            }
        }
        if !readable && !unpatched {
            continue;
        }
        if unpatched {
            report.unpatched.push(dest);
            continue;
        }
        // A signature that still holds is kept (a slice's holds on its own), unless a
        // Developer ID signs everything; a file that was rewritten, or came with none (arm64
        // macOS runs no unsigned code), is signed again. An object file (`.o`, which wheels
        // sometimes carry) is never loaded, and never signed.
        let slices = fat::slices(&file.bytes).unwrap_or_default();
        let loaded = slices.iter().any(|s| sign::is_loaded(&s.bytes));
        let holds = !rewritten && (!loaded || slices.iter().all(|s| sign::check(&s.bytes).is_ok()));
        if holds && (!loaded || !signer.replaces_every_signature()) {
            if file.thinned {
                contents.replace_bytes(&dest, file.bytes);
            }
            continue;
        }
        let name = dest.rsplit('/').next().unwrap_or(&dest);
        let signed = fat::each_slice(&file.bytes, &cputypes, |slice| {
            signer.sign(&slice.bytes, name, Role::Library)
        });
        match signed {
            Ok(signed) => contents.replace_bytes(&dest, signed),
            Err(_) => {
                report.unsigned.push(dest.clone());
                contents.replace_bytes(&dest, file.bytes);
            }
        }
    }
    Ok(report)
}

/// A bundled Mach-O file, read once: its bytes (the target's slices of a universal file), and
/// what its load commands say.
struct File {
    bytes: Vec<u8>,
    /// It was a universal file with slices the target does not run, which the bundle drops.
    thinned: bool,
    install_name: Option<String>,
    rpaths: Vec<String>,
    /// Each library it loads that the bundle has: (as its load command spells it, where the
    /// bundle has it).
    links: BTreeMap<String, String>,
}

impl File {
    /// What to rewrite in the file at `dest`: each library by its place relative to the file,
    /// its own name as `@rpath/NAME`, and only the run paths relative to it.
    fn edit(&self, dest: &str) -> Edit {
        let dir = dest.rsplit_once('/').map_or("", |(dir, _)| dir);
        let names = (self.links.iter())
            .map(|(spelled, at)| {
                (
                    spelled.clone(),
                    format!("@loader_path/{}", relative(dir, at)),
                )
            })
            .collect();
        let file_name = dest.rsplit('/').next().unwrap_or(dest);
        Edit {
            names,
            install_name: (self.install_name.as_ref()).map(|_| format!("@rpath/{file_name}")),
            rpaths: Some(
                (self.rpaths.iter())
                    .filter(|r| r.starts_with("@loader_path") || r.starts_with("@executable_path"))
                    .cloned()
                    .collect(),
            ),
        }
    }
}

/// The breadth-first walk over the bundle's Mach-O files and the libraries they load.
struct Walk {
    /// The CPUs whose slices every file keeps.
    cputypes: Vec<u32>,
    report: Closure,
    /// (bundle path, file, run paths inherited from the files that load it).
    queue: VecDeque<(String, PathBuf, Vec<PathBuf>)>,
    files: BTreeMap<String, File>,
    /// Every file of the bundle by its real path: a library a wheel carries is found where
    /// the bundle already has it and is never copied again.
    bundled: HashMap<PathBuf, String>,
    visited: Visits,
    needs: Needs,
    /// (file, the library as it names it, that library's file name) where dyld's paths from
    /// that file lead nowhere.
    unresolved: Vec<(String, String, String)>,
}

impl Walk {
    fn new(contents: &Contents, cputypes: Vec<u32>) -> Walk {
        let mut queue = VecDeque::new();
        let mut bundled = HashMap::new();
        for (dest, item) in contents.iter() {
            if let Source::File(path) = &item.source {
                if starts_like_macho(path) {
                    queue.push_back((dest.clone(), path.clone(), Vec::new()));
                }
                if let Ok(real) = path.canonicalize() {
                    bundled.insert(real, dest.clone());
                }
            }
        }
        Walk {
            cputypes,
            report: Closure::default(),
            queue,
            files: BTreeMap::new(),
            bundled,
            visited: Visits::default(),
            needs: Needs::default(),
            unresolved: Vec::new(),
        }
    }

    /// A library no dyld path from its file leads to, but that the bundle has by the same
    /// name (Qt's plugins name `@rpath/QtCore.framework/...` with run paths that only hold
    /// from another folder): the file is pointed at the bundle's copy. Else it is missing.
    fn link_by_name(&mut self) {
        for (dest, spelled, name) in std::mem::take(&mut self.unresolved) {
            match self.needs.dest_of.get(&name) {
                Some(at) => {
                    if let Some(file) = self.files.get_mut(&dest) {
                        file.links.insert(spelled, at.clone());
                    }
                }
                None => {
                    if !self.report.missing.iter().any(|(n, _)| *n == name) {
                        self.report.missing.push((name, dest));
                    }
                }
            }
        }
    }

    /// Read the Mach-O file `host` (at `dest`, loaded with the run paths `inherited`) and
    /// find what it loads.
    fn visit(
        &mut self,
        contents: &mut Contents,
        library_dirs: &[PathBuf],
        dest: String,
        host: PathBuf,
        inherited: Vec<PathBuf>,
    ) -> Result<(), Error> {
        let Some(bytes) = self.visited.first(&host, &inherited)? else {
            return Ok(());
        };
        if let Some(lacking) = lacks_code(&bytes, &self.cputypes) {
            self.report.wrong_cpu.push((dest, lacking));
            return Ok(());
        }
        let infos: Vec<_> = (self.cputypes.iter())
            .map(|cpu| read::read(&bytes, *cpu).filter(|info| info.cputype == *cpu))
            .collect();
        let Some(info) = infos.iter().flatten().next().cloned() else {
            return Ok(());
        };
        // What any slice loads (they seldom differ).
        let mut needed = info.needed.clone();
        for other in infos.iter().flatten().skip(1) {
            for n in &other.needed {
                if !needed.iter().any(|m| m.name == n.name) {
                    needed.push(n.clone());
                }
            }
        }
        let loader_dir = host.parent().unwrap_or(Path::new("/"));
        let origin = search::Origin {
            loader_dir,
            executable_dir: loader_dir,
        };
        let mut rpaths: Vec<PathBuf> = (info.rpaths.iter())
            .filter_map(|r| search::expand(r, &origin))
            .collect();
        rpaths.extend(inherited);
        let mut links = BTreeMap::new();
        for needed in needed.iter().filter(|n| !system::is_system(&n.name)) {
            let name = needed.name.rsplit('/').next().unwrap_or(&needed.name);
            let found = search::candidates(&needed.name, &origin, &rpaths, library_dirs)
                .into_iter()
                .find(|p| p.is_file());
            // dyld goes on without a weak library: not having it is no need.
            if found.is_some() || !needed.weak {
                self.needs.edges.push((dest.clone(), name.to_string()));
            }
            match found {
                Some(found) => {
                    let at = self.place(contents, &dest, name, &found, &rpaths)?;
                    self.report.libraries.insert(name.to_string(), found);
                    self.needs.dest_of.insert(name.to_string(), at.clone());
                    links.insert(needed.name.clone(), at);
                }
                None if needed.weak => {}
                None => self
                    .unresolved
                    .push((dest.clone(), needed.name.clone(), name.to_string())),
            }
        }
        let kept = fat::each_slice::<fat::FatError>(&bytes, &self.cputypes, |s| Ok(s.bytes))
            .unwrap_or_else(|_| bytes.to_vec());
        let thinned = kept.len() != bytes.len();
        let file = self.files.entry(dest).or_insert_with(|| File {
            bytes: kept,
            thinned,
            install_name: info.install_name.clone(),
            rpaths: info.rpaths.clone(),
            links: BTreeMap::new(),
        });
        file.links.extend(links);
        Ok(())
    }

    /// Where the bundle has the library `found` (named `name`, loaded by `dest`): where it
    /// already is, where a distribution offered it, or its library folder, where it is added
    /// and walked in turn.
    fn place(
        &mut self,
        contents: &mut Contents,
        dest: &str,
        name: &str,
        found: &Path,
        rpaths: &[PathBuf],
    ) -> Result<String, Error> {
        let real = found.canonicalize().unwrap_or_else(|_| found.to_path_buf());
        if let Some(at) = self.bundled.get(&real) {
            return Ok(at.clone());
        }
        let at = match contents.take_offered(&real)? {
            Some(offered) => offered,
            None => {
                let at = format!("{}/{name}", layout::LIB_DIR);
                let origin = Origin::Library {
                    name: name.to_string(),
                    needed_by: dest.to_string(),
                };
                contents.add(at.clone(), Item::file(found.to_path_buf(), 0o755, origin))?;
                at
            }
        };
        self.bundled.insert(real, at.clone());
        self.needs.added.insert(at.clone());
        self.queue
            .push_back((at.clone(), found.to_path_buf(), rpaths.to_vec()));
        Ok(at)
    }
}

/// The path of `to` from the folder `dir`, both in the bundle (`numpy/_core` to
/// `lib/libz.1.dylib`: `../../lib/libz.1.dylib`).
fn relative(dir: &str, to: &str) -> String {
    let from: Vec<&str> = dir.split('/').filter(|p| !p.is_empty()).collect();
    let target: Vec<&str> = to.split('/').collect();
    let common = (from.iter().zip(&target))
        .take_while(|(a, b)| a == b)
        .count()
        .min(target.len().saturating_sub(1));
    let mut parts: Vec<&str> = vec![".."; from.len() - common];
    parts.extend(&target[common..]);
    parts.join("/")
}

/// The first of `cputypes` that the Mach-O file `bytes` has no code for, if it is one dyld
/// loads (an object file, never loaded, may be for any CPU).
fn lacks_code(bytes: &[u8], cputypes: &[u32]) -> Option<&'static str> {
    let slices = fat::slices(bytes).ok()?;
    if !slices.iter().any(|s| sign::is_loaded(&s.bytes)) {
        return None;
    }
    (cputypes.iter())
        .find(|cpu| !slices.iter().any(|s| s.cputype == **cpu))
        .map(|cpu| macho_cpu_name(*cpu))
}

fn starts_like_macho(path: &Path) -> bool {
    starts_with::<8>(path, read::looks_like_macho)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bundle::origin::Origin;
    use crate::native::macho::read::tests::dylib;
    use goblin::mach::constants::cputype::CPU_TYPE_ARM64;
    use std::fs;

    #[test]
    fn paths_between_bundle_folders() {
        assert_eq!(
            relative("numpy/_core", "lib/libz.1.dylib"),
            "../../lib/libz.1.dylib"
        );
        assert_eq!(relative("lib", "lib/libz.1.dylib"), "libz.1.dylib");
        assert_eq!(relative("", "lib/libz.1.dylib"), "lib/libz.1.dylib");
        assert_eq!(
            relative("PIL", "PIL/.dylibs/libjpeg.62.dylib"),
            ".dylibs/libjpeg.62.dylib"
        );
    }

    #[test]
    fn libraries_are_found_as_dyld_would_and_named_by_their_place_in_the_bundle() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let write = |rel: &str, bytes: Vec<u8>| {
            let path = root.join(rel);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(&path, bytes).unwrap();
            path
        };
        let zlib = root.join("opt/lib/libz.1.dylib");
        let ext = write(
            "site/pkg/_ext.so",
            dylib(
                CPU_TYPE_ARM64,
                "/build/_ext.so",
                &[
                    ("/usr/lib/libSystem.B.dylib", false),
                    ("@loader_path/../pkg.dylibs/libfoo.1.dylib", false),
                    ("@rpath/libweak.dylib", true),
                ],
                &["/build/machine/lib"],
            ),
        );
        let foo = write(
            "site/pkg.dylibs/libfoo.1.dylib",
            dylib(
                CPU_TYPE_ARM64,
                "/build/libfoo.1.dylib",
                &[
                    ("@rpath/libbar.2.dylib", false),
                    (zlib.to_str().unwrap(), false),
                ],
                &["@loader_path"],
            ),
        );
        let bar = write(
            "site/pkg.dylibs/libbar.2.dylib",
            dylib(
                CPU_TYPE_ARM64,
                "@rpath/libbar.2.dylib",
                &[("@rpath/libgone.dylib", false)],
                &[],
            ),
        );
        write(
            "opt/lib/libz.1.dylib",
            dylib(CPU_TYPE_ARM64, &zlib.to_string_lossy(), &[], &[]),
        );
        write(
            "site/pkg.dylibs/unused.dylib",
            dylib(CPU_TYPE_ARM64, "x", &[], &[]),
        );

        let mut contents = Contents::default();
        let from = |name: &str| Origin::Distribution {
            name: "pkg".into(),
            file: name.into(),
        };
        contents
            .add("pkg/_ext.so".into(), Item::file(ext, 0o755, from("_ext")))
            .unwrap();
        contents.offer(
            "pkg.dylibs/libfoo.1.dylib".into(),
            Item::file(foo, 0o755, from("foo")),
        );
        contents.offer(
            "pkg.dylibs/libbar.2.dylib".into(),
            Item::file(bar, 0o755, from("bar")),
        );
        let unused = root.join("site/pkg.dylibs/unused.dylib");
        contents.offer(
            "pkg.dylibs/unused.dylib".into(),
            Item::file(unused, 0o755, from("u")),
        );

        let report = resolve(&mut contents, Target::MacosArm64, &[], &Signer::default()).unwrap();

        // Taken from the wheel where it offered them, and from outside into lib/.
        assert!(contents.contains("pkg.dylibs/libfoo.1.dylib"));
        assert!(contents.contains("pkg.dylibs/libbar.2.dylib"));
        assert!(contents.contains("lib/libz.1.dylib"));
        assert!(
            !contents.contains("pkg.dylibs/unused.dylib"),
            "nothing loads it"
        );
        // What no folder has is missing, named with who needs it; a weak one is not.
        assert_eq!(
            report.missing,
            [(
                "libgone.dylib".to_string(),
                "pkg.dylibs/libbar.2.dylib".to_string()
            )]
        );

        let info = |dest: &str| {
            let bytes = contents.get(dest).unwrap().read().unwrap();
            read::read(&bytes, CPU_TYPE_ARM64).unwrap()
        };
        let names =
            |dest: &str| -> Vec<String> { info(dest).needed.into_iter().map(|n| n.name).collect() };
        assert_eq!(
            names("pkg/_ext.so"),
            [
                "/usr/lib/libSystem.B.dylib",
                "@loader_path/../pkg.dylibs/libfoo.1.dylib",
                "@rpath/libweak.dylib"
            ]
        );
        assert!(
            info("pkg/_ext.so").rpaths.is_empty(),
            "the build machine's run path"
        );
        assert_eq!(
            names("pkg.dylibs/libfoo.1.dylib"),
            [
                "@loader_path/libbar.2.dylib",
                "@loader_path/../lib/libz.1.dylib"
            ]
        );
        let foo = info("pkg.dylibs/libfoo.1.dylib");
        assert_eq!(foo.install_name.as_deref(), Some("@rpath/libfoo.1.dylib"));
        assert_eq!(foo.rpaths, ["@loader_path"]);
        assert_eq!(
            info("lib/libz.1.dylib").install_name.as_deref(),
            Some("@rpath/libz.1.dylib")
        );
        // Nothing in the bundle names a folder of this machine.
        let root_text = root.to_string_lossy().into_owned();
        for (dest, item) in contents.iter() {
            let text = String::from_utf8_lossy(&item.read().unwrap()).into_owned();
            assert!(!text.contains(&root_text), "{dest} names {root_text}");
            assert!(!text.contains("/build/"), "{dest} names /build/");
        }
    }
    /// For macos-universal2, each slice of a universal file is rewritten; a file with code
    /// for one CPU only is named with the CPU it lacks.
    #[test]
    fn a_universal_bundle_rewrites_every_slice_and_names_a_thin_file() {
        use goblin::mach::constants::cputype::CPU_TYPE_X86_64;
        let dir = tempfile::tempdir().unwrap();
        let both = |cpu_first: u32, cpu_second: u32, needs: &[(&str, bool)]| {
            let slices: Vec<fat::Slice> = [cpu_first, cpu_second]
                .iter()
                .map(|cpu| {
                    fat::slices(&dylib(*cpu, "/build/x", needs, &[]))
                        .unwrap()
                        .remove(0)
                })
                .collect();
            fat::join(&slices).unwrap()
        };
        let lib = dir.path().join("libdep.dylib");
        fs::write(&lib, both(CPU_TYPE_X86_64, CPU_TYPE_ARM64, &[])).unwrap();
        let ext = dir.path().join("_ext.so");
        let needs = [(lib.to_str().unwrap(), false)];
        // The arm64 slice first: the bundle keeps x86_64's first, as Apple orders them.
        fs::write(&ext, both(CPU_TYPE_ARM64, CPU_TYPE_X86_64, &needs)).unwrap();
        let thin = dir.path().join("_thin.so");
        fs::write(&thin, dylib(CPU_TYPE_ARM64, "/build/t", &[], &[])).unwrap();
        let mut contents = Contents::default();
        let origin = |file: &str| Origin::Distribution {
            name: "pkg".into(),
            file: file.into(),
        };
        for (dest, path) in [("pkg/_ext.so", &ext), ("pkg/_thin.so", &thin)] {
            (contents.add(dest.into(), Item::file(path.clone(), 0o755, origin(dest)))).unwrap();
        }
        let report = resolve(
            &mut contents,
            Target::MacosUniversal2,
            &[],
            &Signer::default(),
        )
        .unwrap();
        assert_eq!(report.wrong_cpu, [("pkg/_thin.so".to_string(), "x86_64")]);
        let bytes = contents.get("pkg/_ext.so").unwrap().read().unwrap();
        let kept: Vec<u32> = fat::slices(&bytes)
            .unwrap()
            .iter()
            .map(|s| s.cputype)
            .collect();
        assert_eq!(kept, [CPU_TYPE_X86_64, CPU_TYPE_ARM64]);
        for cpu in kept {
            let info = read::read(&bytes, cpu).unwrap();
            assert_eq!(info.cputype, cpu);
            assert_eq!(info.needed[0].name, "@loader_path/../lib/libdep.dylib");
            assert_eq!(info.install_name.as_deref(), Some("@rpath/_ext.so"));
        }
        assert!(contents.contains("lib/libdep.dylib"));
    }
}
