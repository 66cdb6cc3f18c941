//! Finding a DT_NEEDED library as glibc's loader would: DT_RPATH (when there is no
//! DT_RUNPATH), then the DT_RPATH of each object up the chain that loaded the requester,
//! `LD_LIBRARY_PATH`, DT_RUNPATH, the folders of `/etc/ld.so.conf`, then the default folders.
//! `$ORIGIN` expands to the folder of the file whose search path it is. A candidate must match
//! the requester's ELF class and machine.
//!
//! The loader chain matters for wheels: scipy's `_fblas` carries `RPATH $ORIGIN/../../scipy.libs`
//! and needs `libgfortran`, which has no search path of its own and finds its `libquadmath`
//! only through `_fblas`'s.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use super::read::{self, ElfInfo};
use crate::bundle::target::Target;
use crate::python::runtime::{Runtime, Source};

pub struct Searcher {
    env_dirs: Vec<PathBuf>,
    config_dirs: Vec<PathBuf>,
    /// The loader's `$PLATFORM` where the bundle runs.
    platform: &'static str,
}

impl Searcher {
    /// The search for a bundle of `runtime`: this machine's loader for the build interpreter's
    /// own runtime; the runtime's own folders for a `--runtime`, then this machine's only when
    /// it is of the same platform.
    pub fn for_runtime(runtime: &Runtime) -> Self {
        match &runtime.source {
            Source::Interpreter => Searcher::from_host(),
            Source::Given { library_dirs, .. } => {
                let mut config_dirs = library_dirs.clone();
                if Target::host() == Some(runtime.target) {
                    let host = Searcher::from_host();
                    config_dirs.extend(host.env_dirs);
                    config_dirs.extend(host.config_dirs);
                }
                Searcher {
                    env_dirs: Vec::new(),
                    config_dirs,
                    platform: runtime.target.loader_platform(),
                }
            }
        }
    }

    /// Read `LD_LIBRARY_PATH` and the loader's configuration of this machine.
    pub fn from_host() -> Self {
        let env_dirs = std::env::var_os("LD_LIBRARY_PATH")
            .map(|v| {
                std::env::split_paths(&v)
                    .filter(|p| !p.as_os_str().is_empty())
                    .collect()
            })
            .unwrap_or_default();
        let mut config_dirs = Vec::new();
        read_conf(Path::new("/etc/ld.so.conf"), &mut config_dirs, 0);
        let multiarch = format!("{}-linux-gnu", std::env::consts::ARCH);
        config_dirs.push(Path::new("/lib").join(&multiarch));
        config_dirs.push(Path::new("/usr/lib").join(&multiarch));
        for dir in ["/lib64", "/usr/lib64", "/lib", "/usr/lib", "/usr/local/lib"] {
            config_dirs.push(PathBuf::from(dir));
        }
        Searcher {
            env_dirs,
            config_dirs,
            platform: std::env::consts::ARCH,
        }
    }

    /// Where `name`, needed by the file at `requester` (described by `info`), is found;
    /// `loaders` are the DT_RPATH folders of the objects that loaded the requester, nearest
    /// first (see [`Searcher::chain`]).
    pub fn find(
        &self,
        name: &str,
        requester: &Path,
        info: &ElfInfo,
        loaders: &[PathBuf],
    ) -> Option<PathBuf> {
        if name.contains('/') {
            let path = PathBuf::from(name);
            return self.matches(&path, info).then_some(path);
        }
        let mut order: Vec<PathBuf> = Vec::new();
        if info.runpath.is_empty() {
            order.extend(expand(&info.rpath, requester, self.platform));
            order.extend(loaders.iter().cloned());
        }
        order.extend(self.env_dirs.iter().cloned());
        order.extend(expand(&info.runpath, requester, self.platform));
        order.extend(self.config_dirs.iter().cloned());
        order
            .into_iter()
            .map(|dir| dir.join(name))
            .find(|candidate| self.matches(candidate, info))
    }

    /// The DT_RPATH folders the libraries `requester` loads inherit: its own (unless it has a
    /// DT_RUNPATH, which turns its DT_RPATH off), then those of its own `loaders`.
    pub fn chain(&self, requester: &Path, info: &ElfInfo, loaders: &[PathBuf]) -> Vec<PathBuf> {
        let mut dirs = Vec::new();
        if info.runpath.is_empty() {
            dirs.extend(expand(&info.rpath, requester, self.platform));
        }
        dirs.extend(loaders.iter().cloned());
        dirs
    }

    fn matches(&self, candidate: &Path, info: &ElfInfo) -> bool {
        let mut head = [0u8; 20];
        let readable = fs::File::open(candidate).and_then(|mut f| f.read_exact(&mut head));
        readable.is_ok() && read::header_matches(&head, info)
    }
}

/// Search-path `entries` of the file at `owner`, with `$ORIGIN` and the loader's other
/// tokens expanded.
fn expand(entries: &[String], owner: &Path, platform: &str) -> Vec<PathBuf> {
    let origin = owner
        .canonicalize()
        .ok()
        .and_then(|p| p.parent().map(Path::to_path_buf))
        .unwrap_or_default();
    let origin = origin.to_string_lossy();
    entries
        .iter()
        .map(|e| {
            PathBuf::from(
                e.replace("${ORIGIN}", &origin)
                    .replace("$ORIGIN", &origin)
                    .replace("$LIB", "lib64")
                    .replace("$PLATFORM", platform),
            )
        })
        .collect()
}

fn read_conf(path: &Path, out: &mut Vec<PathBuf>, depth: usize) {
    let Ok(text) = fs::read_to_string(path) else {
        return;
    };
    for line in text.lines() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        if let Some(pattern) = line.strip_prefix("include") {
            let pattern = pattern.trim();
            let pattern = if pattern.starts_with('/') {
                pattern.to_string()
            } else {
                format!("/etc/{pattern}")
            };
            if depth < 8 {
                let mut matches: Vec<PathBuf> = glob::glob(&pattern)
                    .map(|paths| paths.flatten().collect())
                    .unwrap_or_default();
                matches.sort();
                for m in matches {
                    read_conf(&m, out, depth + 1);
                }
            }
        } else {
            out.push(PathBuf::from(line));
        }
    }
}
