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
    /// The versions it accepts (`>=1.21.1,<3`; empty: any).
    pub spec: String,
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
    /// Folders of its own that its top-level `.pth` files put on `sys.path` (pywin32's
    /// `win32`, `win32/lib`), longest first: modules in them are imported by their path
    /// below the folder (`win32api`, not `win32.win32api`).
    pub path_dirs: Vec<String>,
    /// Modules its top-level `.pth` files import at start-up (`import pywin32_bootstrap`).
    pub pth_imports: Vec<String>,
}

impl Distribution {
    /// `rel` as Python's import system sees it: relative to the `sys.path` entry it is found
    /// through (one of [`Self::path_dirs`], else site-packages).
    pub fn importable<'a>(&self, rel: &'a str) -> &'a str {
        (self.path_dirs.iter())
            .find_map(|dir| rel.strip_prefix(dir.as_str())?.strip_prefix('/'))
            .unwrap_or(rel)
    }

    /// Does it run anywhere as it is? A wheel says so in its `WHEEL` file (every tag
    /// `*-none-any`); without one, it is pure when it installed no compiled file.
    pub fn is_pure(&self) -> bool {
        let wheel = (self.files.iter()).find(|f| {
            f.strip_suffix("/WHEEL")
                .is_some_and(|dir| dir.ends_with(".dist-info") && !dir.contains('/'))
        });
        if let Some(text) = wheel.and_then(|w| fs::read_to_string(self.site.join(w)).ok()) {
            let mut tags = text.lines().filter_map(|l| l.strip_prefix("Tag:"));
            let mut any = false;
            let all_pure = tags.all(|t| {
                any = true;
                t.trim().ends_with("-none-any")
            });
            if any {
                return all_pure;
            }
        }
        !self.files.iter().any(|f| is_compiled_file(f))
    }

    /// Where its file `rel` (relative to its site-packages) comes from, for messages.
    pub fn origin(&self, rel: &str) -> crate::bundle::contents::Origin {
        crate::bundle::contents::Origin::Distribution {
            name: self.name.clone(),
            file: rel.to_string(),
        }
    }

    /// Read `site/<dist_info>`; `None` when it lacks METADATA or RECORD.
    pub fn read(site: &Path, dist_info: &str) -> Option<Self> {
        let dir = site.join(dist_info);
        let metadata = fs::read_to_string(dir.join("METADATA")).ok()?;
        let record = fs::read_to_string(dir.join("RECORD")).ok()?;
        let (name, version, requires) = parse_metadata(&metadata)?;
        let files: Vec<String> = record
            .lines()
            .filter_map(record_path)
            .filter(|p| is_inside(p))
            .collect();
        let tops = top_level(&dir);
        let linked = super::editable::linked_files(site, &files, &tops);
        Some(Self::new(site, (name, version, requires), files, linked))
    }

    /// `files` sorted and without repeats.
    fn new(
        site: &Path,
        (name, version, requires): (String, String, Vec<Requirement>),
        mut files: Vec<String>,
        linked: Vec<(String, PathBuf)>,
    ) -> Self {
        files.sort();
        files.dedup();
        let (path_dirs, pth_imports) = read_pth(site, &files);
        Distribution {
            key: normalize(&name),
            name,
            version,
            site: site.to_path_buf(),
            files,
            linked,
            requires,
            path_dirs,
            pth_imports,
        }
    }

    /// Read `site/<egg_info>`, as distributions installed by `setup.py install` or packaged by
    /// Debian (`/usr/lib/python3/dist-packages`) have: PKG-INFO, `top_level.txt` and
    /// `requires.txt`, but no list of files. Its files are then the egg-info folder and
    /// everything of the packages and modules `top_level.txt` names. `None` without PKG-INFO.
    pub fn read_egg_info(site: &Path, egg_info: &str) -> Option<Self> {
        let dir = site.join(egg_info);
        let metadata = fs::read_to_string(dir.join("PKG-INFO"))
            .or_else(|_| fs::read_to_string(&dir))
            .ok()?;
        let (name, version, mut requires) = parse_metadata(&metadata)?;
        if let Ok(text) = fs::read_to_string(dir.join("requires.txt")) {
            requires.extend(parse_requires_txt(&text));
        }
        let mut tops = top_level(&dir);
        if tops.is_empty() {
            tops.push(normalize(&name).replace('-', "_"));
        }
        let mut files: Vec<(String, PathBuf)> = Vec::new();
        if dir.is_dir() {
            super::editable::walk(&dir, egg_info, &mut files, 0);
        } else {
            files.push((egg_info.to_string(), dir.clone()));
        }
        let entries: Vec<String> = fs::read_dir(site)
            .map(|d| {
                d.flatten()
                    .filter_map(|e| e.file_name().into_string().ok())
                    .collect()
            })
            .unwrap_or_default();
        for top in &tops {
            let package = site.join(top);
            if package.is_dir() {
                super::editable::walk(&package, top, &mut files, 0);
            }
            // `top.py`, or extension modules `top.cpython-311-x86_64-linux-gnu.so`.
            for entry in entries.iter().filter(|e| {
                e.strip_prefix(top.as_str()).is_some_and(|rest| {
                    rest == ".py" || (rest.starts_with('.') && rest.ends_with(".so"))
                })
            }) {
                files.push((entry.clone(), site.join(entry)));
            }
        }
        let files = files.into_iter().map(|(rel, _)| rel).collect();
        Some(Self::new(
            site,
            (name, version, requires),
            files,
            Vec::new(),
        ))
    }
}

/// Name, version and `Requires-Dist` from METADATA or PKG-INFO headers.
fn parse_metadata(text: &str) -> Option<(String, String, Vec<Requirement>)> {
    let mut name = None;
    let mut version = None;
    let mut requires = Vec::new();
    for line in text.lines() {
        if line.is_empty() {
            break; // the description body follows the headers
        }
        if let Some(v) = line.strip_prefix("Name: ") {
            name = Some(v.trim().to_string());
        } else if let Some(v) = line.strip_prefix("Version: ") {
            version = Some(v.trim().to_string());
        } else if let Some(v) = line.strip_prefix("Requires-Dist: ") {
            requires.extend(parse_requirement(v));
        }
    }
    Some((name?, version.unwrap_or_default(), requires))
}

/// `requires.txt` of an egg-info: plain lines are requirements; a `[:marker]` section holds
/// requirements under that marker, an `[extra]` or `[extra:marker]` section those of an extra,
/// written as the `extra == "..."` marker a dist-info would carry.
fn parse_requires_txt(text: &str) -> Vec<Requirement> {
    let mut out = Vec::new();
    let mut marker: Option<String> = None;
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(section) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            let (extra, condition) = section.split_once(':').unwrap_or((section, ""));
            let (extra, condition) = (extra.trim(), condition.trim());
            marker = match (extra.is_empty(), condition.is_empty()) {
                (true, true) => None,
                (true, false) => Some(condition.to_string()),
                (false, true) => Some(format!("extra == \"{extra}\"")),
                (false, false) => Some(format!("({condition}) and extra == \"{extra}\"")),
            };
            continue;
        }
        if let Some(mut req) = parse_requirement(line) {
            req.marker = match (&marker, req.marker) {
                (Some(section), Some(own)) => Some(format!("({section}) and ({own})")),
                (section, own) => section.clone().or(own),
            };
            out.push(req);
        }
    }
    out
}

/// The names in a metadata folder's `top_level.txt`, if any.
fn top_level(dir: &Path) -> Vec<String> {
    fs::read_to_string(dir.join("top_level.txt"))
        .map(|t| {
            t.lines()
                .map(|l| l.trim().to_string())
                .filter(|l| !l.is_empty())
                .collect()
        })
        .unwrap_or_default()
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
    let (extras, rest) = match rest.strip_prefix('[').and_then(|r| r.split_once(']')) {
        Some((list, rest)) => (
            list.split(',')
                .map(|e| e.trim().to_string())
                .filter(|e| !e.is_empty())
                .collect(),
            rest,
        ),
        None => (Vec::new(), rest),
    };
    let spec = rest.trim().trim_start_matches('(').trim_end_matches(')');
    // `name @ URL` names no versions pybundle can ask an index for.
    let spec = if spec.starts_with('@') { "" } else { spec };
    Some(Requirement {
        key: normalize(name),
        extras,
        spec: spec.replace(' ', ""),
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

/// A file only one platform can load: an extension module or shared library.
pub fn is_compiled_file(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.ends_with(".so")
        || name.contains(".so.")
        || name.ends_with(".pyd")
        || name.ends_with(".dll")
        || name.ends_with(".dylib")
}

/// What the top-level `.pth` files among `files` do as `site` reads them: the folders among
/// `files` they put on `sys.path` (a line that is a relative path), longest first, and the
/// modules their `import` lines import.
fn read_pth(site: &Path, files: &[String]) -> (Vec<String>, Vec<String>) {
    let mut dirs: Vec<String> = Vec::new();
    let mut imports: Vec<String> = Vec::new();
    for pth in files
        .iter()
        .filter(|f| f.ends_with(".pth") && !f.contains('/'))
    {
        let Ok(text) = fs::read_to_string(site.join(pth)) else {
            continue;
        };
        for line in text.lines().map(str::trim) {
            if let Some(names) = line.strip_prefix("import ") {
                // `import a, b; other code`: the names before any other statement.
                let names = names.split(';').next().unwrap_or_default();
                imports.extend(
                    (names.split(','))
                        .map(|n| n.split_whitespace().next().unwrap_or_default().to_string())
                        .filter(|n| !n.is_empty()),
                );
                continue;
            }
            if line.is_empty() || line.starts_with('#') || line.starts_with("import") {
                continue;
            }
            let dir = line.replace('\\', "/").trim_end_matches('/').to_string();
            let inside = !dir.starts_with('/') && !dir.contains(':') && is_inside(&dir);
            let prefix = format!("{dir}/");
            if inside && files.iter().any(|f| f.starts_with(&prefix)) && !dirs.contains(&dir) {
                dirs.push(dir);
            }
        }
    }
    dirs.sort_by_key(|d| std::cmp::Reverse(d.len()));
    (dirs, imports)
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
        assert_eq!(r.spec, "!=1.5.7,>=1.5.6");
        assert_eq!(r.marker.as_deref(), Some("extra == 'socks'"));
        let r = parse_requirement("urllib3[brotli,zstd]<3,>=1.21.1").unwrap();
        assert_eq!((r.key.as_str(), r.extras.len()), ("urllib3", 2));
        assert_eq!(r.spec, "<3,>=1.21.1");
        assert!(r.marker.is_none());
        let r = parse_requirement("colorama; platform_system == \"Windows\"").unwrap();
        assert_eq!((r.key.as_str(), r.spec.as_str()), ("colorama", ""));
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

    #[test]
    fn reads_an_egg_info_without_a_file_list() {
        let site = tempfile::tempdir().unwrap();
        let egg = site.path().join("Thing-2.0.egg-info");
        fs::create_dir_all(&egg).unwrap();
        fs::write(
            egg.join("PKG-INFO"),
            "Metadata-Version: 1.1\nName: Thing\nVersion: 2.0\n",
        )
        .unwrap();
        fs::write(egg.join("top_level.txt"), "thing\nthing_ext\n").unwrap();
        fs::write(
            egg.join("requires.txt"),
            "six\n\n[:python_version < \"3\"]\nfutures\n\n[docs]\nsphinx\n\n\
             [fast:sys_platform == \"linux\"]\nuvloop\n",
        )
        .unwrap();
        fs::create_dir_all(site.path().join("thing/__pycache__")).unwrap();
        fs::write(site.path().join("thing/__init__.py"), "").unwrap();
        fs::write(site.path().join("thing/__pycache__/x.pyc"), "").unwrap();
        fs::write(
            site.path()
                .join("thing_ext.cpython-311-x86_64-linux-gnu.so"),
            "",
        )
        .unwrap();
        fs::write(site.path().join("other.py"), "").unwrap();
        let dist = Distribution::read_egg_info(site.path(), "Thing-2.0.egg-info").unwrap();
        assert_eq!((dist.key.as_str(), dist.version.as_str()), ("thing", "2.0"));
        assert_eq!(
            dist.files,
            [
                "Thing-2.0.egg-info/PKG-INFO",
                "Thing-2.0.egg-info/requires.txt",
                "Thing-2.0.egg-info/top_level.txt",
                "thing/__init__.py",
                "thing_ext.cpython-311-x86_64-linux-gnu.so",
            ]
        );
        let reqs: Vec<(&str, Option<&str>)> = dist
            .requires
            .iter()
            .map(|r| (r.key.as_str(), r.marker.as_deref()))
            .collect();
        assert_eq!(
            reqs,
            [
                ("six", None),
                ("futures", Some("python_version < \"3\"")),
                ("sphinx", Some("extra == \"docs\"")),
                (
                    "uvloop",
                    Some("(sys_platform == \"linux\") and extra == \"fast\"")
                )
            ]
        );
    }
}
