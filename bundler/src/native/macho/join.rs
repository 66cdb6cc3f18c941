//! Two trees of the same software, one built for arm64 Macs and one for Intel Macs, joined
//! into one for both, as `lipo -create` joins two files: what a universal2 bundle takes from a
//! package that publishes one wheel per CPU (numpy, Pillow) and none for both. A Mach-O file
//! both trees have becomes one universal file ([`fat`]: the x86_64 slice, then the arm64 one);
//! a file with the same bytes in both is taken once; any other file that differs (a wheel's
//! `RECORD` and `WHEEL`, which name its tag) is taken from the arm64 tree. A file only one tree
//! has is taken as it is: if it is a library with code for one CPU, the closure names it.

use std::fs;
use std::io;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use goblin::mach::constants::cputype::{CPU_TYPE_ARM64, CPU_TYPE_X86_64};

use super::fat;

/// What [`join`] did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Joined {
    /// Mach-O files made universal.
    pub universal: usize,
    /// Files that differ and are not Mach-O, taken from the arm64 tree (relative paths).
    pub from_arm64: Vec<String>,
    /// Files only one tree has (relative paths).
    pub alone: Vec<String>,
}

/// Join the trees `arm64` and `x86_64` into the folder `into` (which exists and is empty).
pub fn join(arm64: &Path, x86_64: &Path, into: &Path) -> io::Result<Joined> {
    let mut joined = Joined::default();
    let (arm, x86) = (files(arm64)?, files(x86_64)?);
    let names: std::collections::BTreeSet<&String> = arm.iter().chain(&x86).collect();
    for rel in names {
        let dest = into.join(rel);
        if let Some(parent) = dest.parent() {
            fs::create_dir_all(parent)?;
        }
        let (a, x) = (arm64.join(rel), x86_64.join(rel));
        let (in_arm, in_x86) = (arm.contains(rel), x86.contains(rel));
        let source = if in_arm { &a } else { &x };
        if !(in_arm && in_x86) {
            joined.alone.push(rel.clone());
        }
        // A symbolic link (a runtime's `bin/python3`) stays one, as the arm64 tree has it.
        if let Ok(link) = fs::read_link(source) {
            std::os::unix::fs::symlink(link, &dest)?;
            continue;
        }
        if !(in_arm && in_x86) {
            fs::copy(source, &dest)?;
            continue;
        }
        let (arm_bytes, x86_bytes) = (fs::read(&a)?, fs::read(&x)?);
        if arm_bytes == x86_bytes {
            fs::copy(&a, &dest)?;
            continue;
        }
        match universal(&x86_bytes, &arm_bytes) {
            Some(bytes) => {
                fs::write(&dest, bytes)?;
                let mode = fs::metadata(&a)?.permissions().mode();
                fs::set_permissions(&dest, fs::Permissions::from_mode(mode))?;
                joined.universal += 1;
            }
            None => {
                joined.from_arm64.push(rel.clone());
                fs::copy(&a, &dest)?;
            }
        }
    }
    Ok(joined)
}

/// The universal file of an x86_64 file and an arm64 file, each with code for its CPU alone
/// (thin, or universal with one slice, as gfortran's libraries in numpy's wheels come).
fn universal(x86: &[u8], arm: &[u8]) -> Option<Vec<u8>> {
    let thin = |bytes: &[u8], cpu: u32| -> Option<fat::Slice> {
        let mut slices = fat::slices(bytes).ok()?;
        (slices.len() == 1 && slices[0].cputype == cpu).then(|| slices.remove(0))
    };
    let slices = [thin(x86, CPU_TYPE_X86_64)?, thin(arm, CPU_TYPE_ARM64)?];
    fat::join(&slices).ok()
}

/// Every regular file and symbolic link under `root`, by its path relative to it.
fn files(root: &Path) -> io::Result<std::collections::BTreeSet<String>> {
    let mut found = std::collections::BTreeSet::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir)? {
            let entry = entry?;
            let kind = entry.file_type()?;
            if kind.is_dir() {
                stack.push(entry.path());
            } else if kind.is_file() || kind.is_symlink() {
                if let Some(rel) = entry
                    .path()
                    .strip_prefix(root)
                    .ok()
                    .and_then(|p| p.to_str())
                {
                    found.insert(rel.to_string());
                }
            }
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::native::macho::read::tests::dylib;

    #[test]
    fn two_wheels_trees_become_one_with_universal_libraries() {
        let dir = tempfile::tempdir().unwrap();
        let (arm, x86, out) = (
            dir.path().join("arm"),
            dir.path().join("x86"),
            dir.path().join("out"),
        );
        let put = |root: &Path, rel: &str, bytes: &[u8]| {
            let path = root.join(rel);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, bytes).unwrap();
        };
        let arm_lib = dylib(CPU_TYPE_ARM64, "@rpath/_m.so", &[], &[]);
        let x86_lib = dylib(CPU_TYPE_X86_64, "@rpath/_m.so", &[], &[]);
        put(&arm, "pkg/_m.so", &arm_lib);
        put(&x86, "pkg/_m.so", &x86_lib);
        put(&arm, "pkg/__init__.py", b"same");
        put(&x86, "pkg/__init__.py", b"same");
        put(
            &arm,
            "pkg-1.0.dist-info/WHEEL",
            b"Tag: cp311-cp311-macosx_11_0_arm64\n",
        );
        put(
            &x86,
            "pkg-1.0.dist-info/WHEEL",
            b"Tag: cp311-cp311-macosx_10_9_x86_64\n",
        );
        put(&x86, "pkg/.dylibs/libonly.dylib", &x86_lib);
        for root in [&arm, &x86] {
            std::os::unix::fs::symlink("python3.11", root.join("pkg/python3")).unwrap();
        }
        // A universal file of one slice, as numpy's wheels carry gfortran's libraries.
        let one = |lib: &[u8]| fat::join(&fat::slices(lib).unwrap()).unwrap();
        put(&arm, "pkg/.dylibs/libgcc_s.1.1.dylib", &one(&arm_lib));
        put(&x86, "pkg/.dylibs/libgcc_s.1.1.dylib", &one(&x86_lib));
        fs::create_dir(&out).unwrap();

        let joined = join(&arm, &x86, &out).unwrap();
        assert_eq!(joined.universal, 2);
        assert_eq!(joined.from_arm64, ["pkg-1.0.dist-info/WHEEL"]);
        assert_eq!(joined.alone, ["pkg/.dylibs/libonly.dylib"]);
        let both = fs::read(out.join("pkg/_m.so")).unwrap();
        let slices = fat::slices(&both).unwrap();
        assert_eq!(slices[0].bytes, x86_lib);
        assert_eq!(slices[1].bytes, arm_lib);
        let gcc = fs::read(out.join("pkg/.dylibs/libgcc_s.1.1.dylib")).unwrap();
        let cpus: Vec<u32> = (fat::slices(&gcc).unwrap().iter())
            .map(|s| s.cputype)
            .collect();
        assert_eq!(cpus, [CPU_TYPE_X86_64, CPU_TYPE_ARM64]);
        assert_eq!(fs::read(out.join("pkg/__init__.py")).unwrap(), b"same");
        let link = fs::read_link(out.join("pkg/python3")).unwrap();
        assert_eq!(link, Path::new("python3.11"));
        assert!(fs::read(out.join("pkg-1.0.dist-info/WHEEL"))
            .unwrap()
            .ends_with(b"arm64\n"));
    }
}
