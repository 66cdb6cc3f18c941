//! One installed distribution, read from its `.dist-info`: name, version, the files it
//! installed (RECORD) and what it requires (Requires-Dist).

use std::fs;
use std::path::{Path, PathBuf};

use super::markers::normalize;

/// One `Requires-Dist` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requirement {
    /// Normalised name.
    pub key: String,
    pub extras: Vec<String>,
    pub marker: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Distribution {
    pub name: String,
    /// Normalised name.
    pub key: String,
    pub version: String,
    /// The site-packages folder it is installed in.
    pub site: PathBuf,
    /// Files it installed, relative to `site`, `/`-separated; its `.dist-info` included.
    pub files: Vec<String>,
    /// An editable install's code, outside `site`: (path under site-packages, source).
    pub linked: Vec<(String, PathBuf)>,
    pub requires: Vec<Requirement>,
}

impl Distribution {
    /// Read `site/<dist_info>`; `None` when it lacks METADATA or RECORD.
    pub fn read(site: &Path, dist_info: &str) -> Option<Self> {
        let dir = site.join(dist_info);
        let metadata = fs::read_to_string(dir.join("METADATA")).ok()?;
        let record = fs::read_to_string(dir.join("RECORD")).ok()?;
        let mut name = None;
        let mut version = None;
        let mut requires = Vec::new();
        for line in metadata.lines() {
            if line.is_empty() {
                break; // the description body follows the headers
            }
            if let Some(v) = line.strip_prefix("Name: ") {
                name = Some(v.trim().to_string());
            } else if let Some(v) = line.strip_prefix("Version: ") {
                version = Some(v.trim().to_string());
            } else if let Some(v) = line.strip_prefix("Requires-Dist: ") {
                if let Some(req) = parse_requirement(v) {
                    requires.push(req);
                }
            }
        }
        let name = name?;
        let mut files: Vec<String> = record
            .lines()
            .filter_map(record_path)
            .filter(|p| is_inside(p))
            .collect();
        files.sort();
        files.dedup();
        let tops: Vec<String> = fs::read_to_string(dir.join("top_level.txt"))
            .map(|t| {
                t.lines()
                    .map(|l| l.trim().to_string())
                    .filter(|l| !l.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        let linked = super::editable::linked_files(site, &files, &tops);
        Some(Distribution {
            key: normalize(&name),
            name,
            version: version.unwrap_or_default(),
            site: site.to_path_buf(),
            files,
            linked,
            requires,
        })
    }
}

/// `name [extra, ...] (>= 1) ; marker` → its parts.
pub fn parse_requirement(spec: &str) -> Option<Requirement> {
    let (head, marker) = match spec.split_once(';') {
        Some((h, m)) => (h, Some(m.trim().to_string())),
        None => (spec, None),
    };
    let head = head.trim();
    let end = head
        .find(|c: char| !(c.is_ascii_alphanumeric() || "._-".contains(c)))
        .unwrap_or(head.len());
    let name = &head[..end];
    if name.is_empty() {
        return None;
    }
    let rest = head[end..].trim_start();
    let extras = match rest.strip_prefix('[').and_then(|r| r.split_once(']')) {
        Some((list, _)) => list
            .split(',')
            .map(|e| e.trim().to_string())
            .filter(|e| !e.is_empty())
            .collect(),
        None => Vec::new(),
    };
    Some(Requirement {
        key: normalize(name),
        extras,
        marker,
    })
}

/// The path field of one RECORD line (CSV: `path,hash,size`, path quoted when needed).
fn record_path(line: &str) -> Option<String> {
    if let Some(quoted) = line.strip_prefix('"') {
        let mut out = String::new();
        let mut chars = quoted.chars().peekable();
        while let Some(c) = chars.next() {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    chars.next();
                    out.push('"');
                } else {
                    return Some(out);
                }
            } else {
                out.push(c);
            }
        }
        None
    } else {
        let path = line.split(',').next()?.trim();
        (!path.is_empty()).then(|| path.to_string())
    }
}

/// RECORD may list files outside site-packages (`../../bin/tool`); those are not bundled.
fn is_inside(path: &str) -> bool {
    !path.starts_with('/')
        && !path.split('/').any(|p| p == ".." || p == "__pycache__")
        && !path.ends_with(".pyc")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_requirements() {
        let r = parse_requirement("PySocks (!=1.5.7,>=1.5.6) ; extra == 'socks'").unwrap();
        assert_eq!(r.key, "pysocks");
        assert_eq!(r.marker.as_deref(), Some("extra == 'socks'"));
        let r = parse_requirement("urllib3[brotli,zstd]<3,>=1.21.1").unwrap();
        assert_eq!((r.key.as_str(), r.extras.len()), ("urllib3", 2));
        assert!(r.marker.is_none());
        let r = parse_requirement("colorama; platform_system == \"Windows\"").unwrap();
        assert_eq!(r.key, "colorama");
    }

    #[test]
    fn reads_record_paths() {
        assert_eq!(
            record_path("click/core.py,sha256=x,100").as_deref(),
            Some("click/core.py")
        );
        assert_eq!(
            record_path("\"a,b.py\",sha256=x,1").as_deref(),
            Some("a,b.py")
        );
        assert!(!is_inside("../../../bin/click"));
        assert!(!is_inside("click/__pycache__/core.cpython-311.pyc"));
        assert!(is_inside("click-8.1.7.dist-info/METADATA"));
    }
}
