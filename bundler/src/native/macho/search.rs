//! Where macOS's loader (dyld) looks for a library a Mach-O file names: `@loader_path/` is the
//! folder of the file naming it, `@executable_path/` the main program's, `@rpath/` each run
//! path in effect (the file's own, then those of the files that loaded it, each expanded the
//! same way), an absolute path is itself, and a bare name is looked for in dyld's fallback
//! folders. Paths are made lexically (`a/b/../c` is `a/c`), as dyld does.

use std::path::{Component, Path, PathBuf};

/// The folders a library's name is resolved against.
#[derive(Debug, Clone)]
pub struct Origin<'a> {
    /// The folder of the file that names the library (`@loader_path`).
    pub loader_dir: &'a Path,
    /// The main program's folder (`@executable_path`).
    pub executable_dir: &'a Path,
}

/// `path` with `@loader_path` and `@executable_path` replaced; `None` for an `@rpath` (a run
/// path cannot name another) or another `@` word.
pub fn expand(path: &str, origin: &Origin) -> Option<PathBuf> {
    let joined = if let Some(rest) = path.strip_prefix("@loader_path") {
        origin.loader_dir.join(rest.trim_start_matches('/'))
    } else if let Some(rest) = path.strip_prefix("@executable_path") {
        origin.executable_dir.join(rest.trim_start_matches('/'))
    } else if path.starts_with('@') {
        return None;
    } else {
        PathBuf::from(path)
    };
    Some(lexical(&joined))
}

/// Where the loader looks for `name`, in order: through each of `rpaths` (already expanded,
/// the naming file's first) for `@rpath/...`, in `fallback` for a bare name.
pub fn candidates(
    name: &str,
    origin: &Origin,
    rpaths: &[PathBuf],
    fallback: &[PathBuf],
) -> Vec<PathBuf> {
    if let Some(rest) = name.strip_prefix("@rpath/") {
        return rpaths.iter().map(|dir| lexical(&dir.join(rest))).collect();
    }
    if !name.contains('/') {
        return fallback.iter().map(|dir| dir.join(name)).collect();
    }
    expand(name, origin).into_iter().collect()
}

/// `path` with `.` and `..` worked out by its text alone.
pub fn lexical(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_at_word_is_the_folder_dyld_gives_it() {
        let origin = Origin {
            loader_dir: Path::new("/b/PIL/.dylibs"),
            executable_dir: Path::new("/b/bin"),
        };
        assert_eq!(
            expand("@loader_path/../../lib", &origin).unwrap(),
            Path::new("/b/lib")
        );
        assert_eq!(
            expand("@executable_path/../lib", &origin).unwrap(),
            Path::new("/b/lib")
        );
        assert_eq!(expand("@rpath/x", &origin), None);
        let rpaths = [PathBuf::from("/b/PIL/.dylibs"), PathBuf::from("/b/lib")];
        assert_eq!(
            candidates("@rpath/libjpeg.62.dylib", &origin, &rpaths, &[]),
            [
                PathBuf::from("/b/PIL/.dylibs/libjpeg.62.dylib"),
                PathBuf::from("/b/lib/libjpeg.62.dylib")
            ]
        );
        assert_eq!(
            candidates("@loader_path/libz.1.dylib", &origin, &rpaths, &[]),
            [PathBuf::from("/b/PIL/.dylibs/libz.1.dylib")]
        );
        assert_eq!(
            candidates("/opt/x/libffi.8.dylib", &origin, &rpaths, &[]),
            [PathBuf::from("/opt/x/libffi.8.dylib")]
        );
        let fallback = [PathBuf::from("/r/lib")];
        assert_eq!(
            candidates("libtcl8.6.dylib", &origin, &rpaths, &fallback),
            [PathBuf::from("/r/lib/libtcl8.6.dylib")]
        );
    }
}
