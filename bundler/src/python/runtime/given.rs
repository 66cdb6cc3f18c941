//! `--runtime`: the CPython a bundle for `--target` carries, given as a folder or an archive
//! laid out as an installed Python (a prefix: `bin/python3.X`, `lib/python3.X/`,
//! `lib/libpython3.X.so*`, `lib/libpython3.X.dylib` on macOS), as python-build-standalone's
//! `install_only` archives, Debian's packages unpacked together (under `usr/`) and `make
//! install` have it. Archives are unpacked once into the user's cache. What is found is
//! checked against the target (the CPU its libpython is built for) and the build interpreter
//! (the same minor version), and what is missing or wrong is said in one line.

use std::fs;
use std::path::{Path, PathBuf};

use xxhash_rust::xxh3::Xxh3;

use super::cpython::{Runtime, Source};
use super::prefix::{full_version, same_minor, subdirs};
use crate::bundle::target::{macho_cpu_name, Os, Target};
use crate::error::Error;
use crate::python::interpreter::Interpreter;
use crate::python::unpack::{self, Kind};
use crate::python::user_cache;

/// Join a CPython for arm64 Macs and one for Intel Macs into `into`, for both: the pipeline's
/// `native::macho::join`.
pub type JoinTrees = fn(arm64: &Path, x86_64: &Path, into: &Path) -> Result<(), Error>;

/// Open the runtime `named` for `target`, to be built with `interp`.
pub fn open(named: &Path, target: Target, interp: &Interpreter) -> Result<Runtime, Error> {
    let root = root_of(named, target)?;
    open_root(named, root, target, interp)
}

/// Open `named`, a CPython for each Mac CPU (in either order), as one universal2 runtime for
/// `target`: joined by `join` once, into the cache.
pub fn open_joined(
    named: [&Path; 2],
    target: Target,
    interp: &Interpreter,
    join: JoinTrees,
) -> Result<Runtime, Error> {
    use goblin::mach::constants::cputype::{CPU_TYPE_ARM64, CPU_TYPE_X86_64};
    let mut found = Vec::new();
    let mut key = Xxh3::new();
    for path in named {
        let root = root_of(path, target)?;
        let refuse = super::refusal(path, target);
        let bad = |why: &str| {
            refuse(format!(
                "{why}; a universal2 bundle joins one CPython for arm64 and one for x86_64 Macs"
            ))
        };
        let (prefix, short) = find_prefix(&root, &interp.version_short)
            .ok_or_else(|| bad("it holds no standard library (lib/python3.X/os.py)"))?;
        let library = find_library(&library_dirs(&root, &prefix, target), &short, target)
            .ok_or_else(|| bad("it has no libpython3.X.dylib"))?;
        let bytes = fs::read(&library).map_err(|source| Error::Read {
            path: library.clone(),
            source,
        })?;
        let cpu = match macho_cpus(&bytes).as_deref() {
            Some([cpu]) if [CPU_TYPE_ARM64, CPU_TYPE_X86_64].contains(cpu) => *cpu,
            _ => return Err(bad("it is not a macOS CPython for one CPU")),
        };
        // A folder may change under the same name: its library's size and time say when.
        let stamp = fs::metadata(&library).and_then(|m| m.modified()).ok();
        key.update(format!("{}\0{}\0{stamp:?}\0", root.display(), bytes.len()).as_bytes());
        found.push((cpu, root));
    }
    found.sort_by_key(|(cpu, _)| *cpu != CPU_TYPE_ARM64);
    let [(arm_cpu, arm), (x86_cpu, x86)] = <[_; 2]>::try_from(found)
        .map_err(|_| Error::Internal("two runtimes were expected".into()))?;
    if (arm_cpu, x86_cpu) != (CPU_TYPE_ARM64, CPU_TYPE_X86_64) {
        return Err(super::refusal(named[1], target)(format!(
            "it is for {} Macs, as is {}; give one CPython for arm64 and one for x86_64",
            macho_cpu_name(x86_cpu),
            named[0].display()
        )));
    }
    let dest = user_cache::dir("runtimes")?.join(format!("universal2-{:032x}", key.digest128()));
    user_cache::once(&dest, |fresh| join(&arm, &x86, fresh))?;
    open_root(named[0], dest, target, interp)
}

/// The folder `named` is, or that its archive is unpacked into.
fn root_of(named: &Path, target: Target) -> Result<PathBuf, Error> {
    let bad = super::refusal(named, target);
    if named.is_dir() {
        Ok(named.to_path_buf())
    } else if !named.exists() {
        Err(bad("it does not exist".into()))
    } else {
        let kind = Kind::of(named).ok_or_else(|| {
            bad("it is neither a folder nor a .tar.gz, .tar.zst or .zip archive".into())
        })?;
        unpacked(named, kind)
    }
}

/// Open the runtime `named`, found at `root`.
fn open_root(
    named: &Path,
    root: PathBuf,
    target: Target,
    interp: &Interpreter,
) -> Result<Runtime, Error> {
    let bad = super::refusal(named, target);
    if target.os() == Os::Windows {
        return super::windows::open(named, root, target, interp);
    }
    let (prefix, version_short) = find_prefix(&root, &interp.version_short).ok_or_else(|| {
        bad("it holds no standard library (lib/python3.X/os.py); give the folder or archive of a whole CPython installation, such as python-build-standalone's install_only archive".into())
    })?;
    let stdlib = prefix.join("lib").join(format!("python{version_short}"));
    let dynload = stdlib.join("lib-dynload");
    if !dynload.is_dir() {
        return Err(bad(format!(
            "its standard library has no lib-dynload folder ({})",
            dynload.display()
        )));
    }
    let library_dirs = library_dirs(&root, &prefix, target);
    let library = find_library(&library_dirs, &version_short, target).ok_or_else(|| {
        let file = library_names(&version_short, target).pop().unwrap_or_default();
        bad(format!("it has no shared library {file}, which a bundle's launcher loads; use a CPython built with --enable-shared (python-build-standalone's install_only archives and Debian's libpython{version_short} package have it)"))
    })?;
    let bytes = fs::read(&library).map_err(|source| Error::Read {
        path: library.clone(),
        source,
    })?;
    let library_name = check_library(&bytes, target)
        .map_err(bad)?
        .unwrap_or_else(|| {
            let name = library.file_name().unwrap_or_default();
            name.to_string_lossy().into_owned()
        });
    same_minor(named, &version_short, interp)?;
    let version = full_version(&bytes, &version_short).unwrap_or_else(|| version_short.clone());
    Ok(Runtime {
        target,
        version,
        version_short,
        library,
        library_name,
        stdlib,
        stdlib_zip: None,
        dynload,
        builtins: interp.builtins.clone(),
        stdlib_names: interp.stdlib_names.clone(),
        source: Source::Given {
            named: named.to_path_buf(),
            root,
            prefix,
            library_dirs,
        },
    })
}

/// The folder the archive `named` is unpacked into in the cache, keyed by its content.
fn unpacked(named: &Path, kind: Kind) -> Result<PathBuf, Error> {
    let mut hash = Xxh3::new();
    let mut file = fs::File::open(named).map_err(|source| Error::Read {
        path: named.to_path_buf(),
        source,
    })?;
    std::io::copy(&mut file, &mut HashWriter(&mut hash)).map_err(|source| Error::Read {
        path: named.to_path_buf(),
        source,
    })?;
    let dest = user_cache::dir("runtimes")?.join(format!("{:032x}", hash.digest128()));
    user_cache::once(&dest, |fresh| unpack::unpack(named, kind, fresh))?;
    Ok(dest)
}

struct HashWriter<'a>(&'a mut Xxh3);

impl std::io::Write for HashWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.update(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The installation prefix under `root` (itself, `usr/`, `python/`, or any folder up to three
/// levels down) whose `lib/python3.X/os.py` exists, and that `3.X`; the build interpreter's
/// minor version first when there are several.
fn find_prefix(root: &Path, preferred: &str) -> Option<(PathBuf, String)> {
    let mut level = vec![root.to_path_buf()];
    for _ in 0..4 {
        let mut found: Vec<(PathBuf, String)> = Vec::new();
        let mut next = Vec::new();
        for dir in &level {
            found.extend(versions_in(dir).into_iter().map(|v| (dir.clone(), v)));
            next.extend(subdirs(dir));
        }
        if !found.is_empty() {
            found.sort_by_key(|(_, v)| v != preferred);
            return found.into_iter().next();
        }
        level = next;
    }
    None
}

/// `3.X` of each `dir/lib/python3.X/os.py`.
fn versions_in(dir: &Path) -> Vec<String> {
    let mut versions: Vec<String> = fs::read_dir(dir.join("lib"))
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| e.file_name().into_string().ok())
        .filter_map(|n| n.strip_prefix("python").map(str::to_string))
        .filter(|v| {
            v.strip_prefix("3.")
                .is_some_and(|m| !m.is_empty() && m.bytes().all(|b| b.is_ascii_digit()))
        })
        .filter(|v| dir.join("lib").join(format!("python{v}/os.py")).is_file())
        .collect();
    versions.sort();
    versions
}

/// Where the runtime's shared libraries are: the prefix's `lib` (and its multiarch folder, as
/// Debian has it), then the system folders of the tree it came in.
fn library_dirs(root: &Path, prefix: &Path, target: Target) -> Vec<PathBuf> {
    let multiarch = target.multiarch();
    let candidates = [
        prefix.join("lib"),
        prefix.join("lib").join(multiarch),
        root.join("lib").join(multiarch),
        root.join("usr/lib").join(multiarch),
        root.join("lib64"),
        root.join("usr/lib64"),
        root.join("lib"),
        root.join("usr/lib"),
    ];
    let mut dirs: Vec<PathBuf> = Vec::new();
    for dir in candidates {
        if dir.is_dir() && !dirs.contains(&dir) {
            dirs.push(dir);
        }
    }
    dirs
}

/// The file names of CPython's shared library for `target`, the preferred first:
/// `libpython3.X.so.1.0`, `libpython3.X.so`; `libpython3.X.dylib` on macOS.
fn library_names(version_short: &str, target: Target) -> Vec<String> {
    match target.os() {
        Os::Macos => vec![format!("libpython{version_short}.dylib")],
        _ => vec![
            format!("libpython{version_short}.so.1.0"),
            format!("libpython{version_short}.so"),
        ],
    }
}

/// CPython's shared library for `target` in the first of `dirs` that has it.
fn find_library(dirs: &[PathBuf], version_short: &str, target: Target) -> Option<PathBuf> {
    (library_names(version_short, target).iter())
        .flat_map(|name| dirs.iter().map(move |dir| dir.join(name)))
        .find(|path| path.is_file())
}

/// Check that `bytes`, a libpython, is a shared library for `target`; its soname (ELF).
fn check_library(bytes: &[u8], target: Target) -> Result<Option<String>, String> {
    if bytes.starts_with(b"MZ") {
        return Err("it is a Windows build of CPython".into());
    }
    let wanted = target.macho_cputypes();
    match (wanted.is_empty(), macho_cpus(bytes)) {
        (true, Some(_)) => return Err("it is a macOS build of CPython".into()),
        (false, None) => {
            return Err(format!(
                "it is not a macOS build of CPython, which {target} needs"
            ))
        }
        (false, Some(cpus)) => {
            return match wanted.iter().find(|c| !cpus.contains(c)) {
                Some(_) if wanted.len() > 1 => {
                    Err(format!(
                    "its libpython is not universal2 (it has {} code only), which {target} needs; give --runtime twice, with the arm64 and the x86_64 CPython, to have them joined",
                    (cpus.iter()).map(|c| macho_cpu_name(*c)).collect::<Vec<_>>().join(" and ")
                ))
                }
                Some(_) => Err(format!("it is built for another CPU than {target}'s")),
                None => Ok(None),
            }
        }
        (true, None) => {}
    }
    let elf = goblin::elf::Elf::parse(bytes)
        .map_err(|e| format!("its libpython is not a shared library pybundle can read ({e})"))?;
    let machine = elf.header.e_machine;
    if Some(machine) != target.elf_machine() {
        return Err(format!(
            "it is built for {}, not {target}",
            machine_name(machine)
        ));
    }
    Ok(elf.soname.map(str::to_string))
}

/// The CPUs a Mach-O file is built for (each slice of a universal one); `None` when `bytes`
/// is not Mach-O.
fn macho_cpus(bytes: &[u8]) -> Option<Vec<u32>> {
    match goblin::mach::Mach::parse(bytes).ok()? {
        goblin::mach::Mach::Binary(macho) => Some(vec![macho.header.cputype()]),
        goblin::mach::Mach::Fat(fat) => {
            Some((fat.iter_arches().flatten()).map(|a| a.cputype()).collect())
        }
    }
}

/// A person's name for an ELF machine.
pub fn machine_name(machine: u16) -> String {
    use goblin::elf::header::*;
    match machine {
        EM_X86_64 => "x86_64".into(),
        EM_AARCH64 => "aarch64".into(),
        EM_386 => "32-bit x86".into(),
        EM_ARM => "32-bit ARM".into(),
        EM_RISCV => "RISC-V".into(),
        EM_PPC64 => "POWER".into(),
        EM_S390 => "s390x".into(),
        other => format!("ELF machine {other}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn touch(root: &Path, rel: &str) {
        let path = root.join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, b"").unwrap();
    }

    #[test]
    fn the_prefix_is_found_where_each_kind_of_runtime_keeps_it() {
        for (layout, expected) in [
            ("python/lib/python3.11/os.py", "python"),
            ("usr/lib/python3.11/os.py", "usr"),
            ("lib/python3.11/os.py", ""),
        ] {
            let dir = tempfile::tempdir().unwrap();
            touch(dir.path(), layout);
            // Debian's dist-packages folder `lib/python3/` is no standard library.
            touch(dir.path(), "usr/lib/python3/dist-packages/x.py");
            let (prefix, version) = find_prefix(dir.path(), "3.11").unwrap();
            assert_eq!(prefix, dir.path().join(expected), "{layout}");
            assert_eq!(version, "3.11");
        }
        let two = tempfile::tempdir().unwrap();
        touch(two.path(), "lib/python3.12/os.py");
        touch(two.path(), "lib/python3.11/os.py");
        assert_eq!(find_prefix(two.path(), "3.12").unwrap().1, "3.12");
        assert!(find_prefix(tempfile::tempdir().unwrap().path(), "3.11").is_none());
    }

    #[test]
    fn a_library_of_another_platform_is_named() {
        let host_lib = fs::read(std::env::current_exe().unwrap()).unwrap();
        let other = Target::ALL
            .into_iter()
            .find(|t| t.elf_machine().is_some() && Some(*t) != Target::host())
            .unwrap();
        let why = check_library(&host_lib, other).unwrap_err();
        assert!(why.contains(&format!("not {other}")), "{why}");
        assert!(check_library(b"MZ\x90\0", other)
            .unwrap_err()
            .contains("Windows"));
    }

    #[test]
    fn a_macos_runtime_is_checked_by_its_cpu() {
        use crate::native::macho::read::tests::dylib;
        use goblin::mach::constants::cputype::{CPU_TYPE_ARM64, CPU_TYPE_X86_64};
        let arm = dylib(CPU_TYPE_ARM64, "@rpath/libpython3.12.dylib", &[], &[]);
        assert_eq!(check_library(&arm, Target::MacosArm64), Ok(None));
        let why = check_library(&arm, Target::MacosX86_64).unwrap_err();
        assert!(why.contains("macos-x86_64"), "{why}");
        assert!(check_library(&arm, Target::LinuxX86_64)
            .unwrap_err()
            .contains("macOS build"));
        let x86 = dylib(CPU_TYPE_X86_64, "@rpath/libpython3.12.dylib", &[], &[]);
        assert_eq!(check_library(&x86, Target::MacosX86_64), Ok(None));
        let host_lib = fs::read(std::env::current_exe().unwrap()).unwrap();
        assert!(check_library(&host_lib, Target::MacosArm64)
            .unwrap_err()
            .contains("not a macOS build"));

        // python-build-standalone's macOS layout: python/lib/libpython3.12.dylib.
        let dir = tempfile::tempdir().unwrap();
        touch(dir.path(), "python/lib/python3.12/os.py");
        touch(dir.path(), "python/lib/libpython3.12.dylib");
        let (prefix, version) = find_prefix(dir.path(), "3.12").unwrap();
        let dirs = library_dirs(dir.path(), &prefix, Target::MacosArm64);
        assert_eq!(
            find_library(&dirs, &version, Target::MacosArm64).unwrap(),
            dir.path().join("python/lib/libpython3.12.dylib")
        );
        assert!(find_library(&dirs, &version, Target::LinuxX86_64).is_none());
    }
}
