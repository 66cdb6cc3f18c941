//! Finding a DT_NEEDED library as glibc's loader would: DT_RPATH (when there is no
//! DT_RUNPATH), `LD_LIBRARY_PATH`, DT_RUNPATH, the folders of `/etc/ld.so.conf`, then the
//! default folders. `$ORIGIN` expands to the requesting file's folder. A candidate must match
//! the requester's ELF class and machine.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use super::read::{self, ElfInfo};

pub struct Searcher {
    env_dirs: Vec<PathBuf>,
    config_dirs: Vec<PathBuf>,
}

impl Searcher {
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
        for dir in [
            "/lib/x86_64-linux-gnu",
            "/usr/lib/x86_64-linux-gnu",
            "/lib64",
            "/usr/lib64",
            "/lib",
            "/usr/lib",
            "/usr/local/lib",
        ] {
            config_dirs.push(PathBuf::from(dir));
        }
        Searcher {
            env_dirs,
            config_dirs,
        }
    }

    /// Where `name`, needed by the file at `requester` (described by `info`), is found.
    pub fn find(&self, name: &str, requester: &Path, info: &ElfInfo) -> Option<PathBuf> {
        if name.contains('/') {
            let path = PathBuf::from(name);
            return self.matches(&path, info).then_some(path);
        }
        let origin = requester
            .canonicalize()
            .ok()
            .and_then(|p| p.parent().map(Path::to_path_buf))
            .unwrap_or_default();
        let expand = |entries: &[String]| -> Vec<PathBuf> {
            entries
                .iter()
                .map(|e| {
                    PathBuf::from(
                        e.replace("${ORIGIN}", &origin.to_string_lossy())
                            .replace("$ORIGIN", &origin.to_string_lossy())
                            .replace("$LIB", "lib64")
                            .replace("$PLATFORM", "x86_64"),
                    )
                })
                .collect()
        };
        let mut order: Vec<PathBuf> = Vec::new();
        if info.runpath.is_empty() {
            order.extend(expand(&info.rpath));
        }
        order.extend(self.env_dirs.iter().cloned());
        order.extend(expand(&info.runpath));
        order.extend(self.config_dirs.iter().cloned());
        order
            .into_iter()
            .map(|dir| dir.join(name))
            .find(|candidate| self.matches(candidate, info))
    }

    fn matches(&self, candidate: &Path, info: &ElfInfo) -> bool {
        let mut head = [0u8; 20];
        let readable = fs::File::open(candidate).and_then(|mut f| f.read_exact(&mut head));
        readable.is_ok() && read::header_matches(&head, info)
    }
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
