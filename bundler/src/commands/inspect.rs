//! `pybundle inspect`: what a bundle holds and what it is for; `--why` says why each part
//! is in it, `--json` the same as data.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use pybundle_archive::{Mode, Signals, Unpack};

use crate::cli::SbomFormat;
use crate::error::Error;

use super::opened::Opened;
use super::print_all;

/// What `inspect` shows.
pub enum Show {
    /// What the bundle holds: a summary, `--why [WHAT]`, or `--json`.
    Contents { why: Option<String>, json: bool },
    /// `--sbom [--format F]`: the SBOM as it is, or as SPDX.
    Sbom(SbomFormat),
    /// `--licenses`: each component's licence and licence files.
    Licences,
    /// `--notices`: the third-party notices, with every licence text.
    Notices,
}

/// `pybundle inspect [PATH] [--why [WHAT] | --json | --sbom | --licenses | --notices]`.
pub fn run(path: Option<PathBuf>, what: Show) -> Result<(), Error> {
    // `inspect --why dist/app`: the path was read as --why's value.
    let (path, what) = match (path, what) {
        (Some(path), what) => (path, what),
        (
            None,
            Show::Contents {
                why: Some(path),
                json,
            },
        ) if !path.is_empty() => (
            path.into(),
            Show::Contents {
                why: Some(String::new()),
                json,
            },
        ),
        (None, _) => return Err(Error::NoBundleNamed),
    };
    let (why, json) = match what {
        Show::Sbom(format) => {
            let document = crate::sbom::in_format(&sbom_of(&path)?, format)?;
            return print_all(&String::from_utf8_lossy(&document));
        }
        Show::Licences => return inspect_licences(&path),
        Show::Notices => return inspect_notices(&path),
        Show::Contents { why, json } => (why, json),
    };
    match (why, json) {
        (_, true) => inspect_json(&path),
        (Some(what), false) => inspect_why(&path, &what),
        (None, false) => inspect(&path),
    }
}

pub fn inspect(path: &Path) -> Result<(), Error> {
    let opened = Opened::open(path)?;
    let m = &opened.bundle.manifest;
    let mut out = String::new();
    let _ = writeln!(out, "name: {}", m.name);
    let _ = writeln!(out, "executable: {}", opened.exe.display());
    let mode = match &m.mode {
        Mode::Onefile {
            unpack: Unpack::Temporary,
        } => "onefile".to_string(),
        Mode::Onefile {
            unpack: Unpack::Cached,
        } => "onefile, unpacked into the user's cache (--runtime-cache)".to_string(),
        Mode::Onedir { contents_dir } => format!("onedir, files in {contents_dir}"),
    };
    let _ = writeln!(out, "mode: {mode}");
    let about = opened.about()?;
    let unknown = || "unknown".to_string();
    let target = about.target.map(|t| t.to_string());
    let _ = writeln!(out, "target: {}", target.unwrap_or_else(unknown));
    let _ = writeln!(
        out,
        "python: CPython {}, loaded from {}",
        about.python.unwrap_or_else(unknown),
        m.launch.python
    );
    let os = about.target.map(|t| t.os());
    if os == Some(crate::bundle::target::Os::Macos) {
        let macos = about.macos.map(|v| format!("{v} or newer"));
        let _ = writeln!(out, "macOS: {}", macos.unwrap_or_else(unknown));
    } else if os.is_none_or(|os| os == crate::bundle::target::Os::Linux) {
        let glibc = about.glibc.map(|g| format!("{g} or newer"));
        let _ = writeln!(
            out,
            "glibc: {}",
            glibc.unwrap_or_else(|| "none needed".into())
        );
    }
    if !m.launch.options.is_empty() {
        let _ = writeln!(out, "interpreter options: {}", m.launch.options.join(" "));
    }
    if m.launch.signals == Signals::Ignore {
        let _ = writeln!(out, "signals: ignored by the launcher");
    }
    if let Some(dir) = &m.runtime_tmpdir {
        let _ = writeln!(out, "runtime tmpdir: {dir}");
    }
    let raw: u64 = m.files.iter().map(|f| f.size).sum();
    match opened.onedir_root() {
        Some(root) => {
            let _ = writeln!(
                out,
                "files: {} ({raw} bytes) in {}",
                m.files.len(),
                root.display()
            );
        }
        None => {
            let _ = writeln!(
                out,
                "files: {} ({raw} bytes, {} compressed in {} chunks)",
                m.files.len(),
                opened.bundle.trailer.payload_len,
                m.chunks.len()
            );
        }
    }
    for f in &m.files {
        let _ = writeln!(
            out,
            "{:>12}  {:o}  {:016x}  {}",
            f.size, f.mode, f.hash, f.path
        );
    }
    print_all(&out)
}

/// `pybundle inspect --why [WHAT]`: why each distribution is in the bundle and what put the
/// largest files there; with WHAT, that distribution or file alone.
pub fn inspect_why(path: &Path, what: &str) -> Result<(), Error> {
    let opened = Opened::open(path)?;
    let Some(record) = opened.record()? else {
        return print_all("this bundle keeps no record of why things are in it (it was built by an older pybundle)\n");
    };
    let sizes: BTreeMap<&str, u64> = (opened.bundle.manifest.files.iter())
        .map(|f| (f.path.as_str(), f.size))
        .collect();
    let mut out = String::new();
    let why_of = |d: &crate::store::record::Distribution, out: &mut String| {
        let _ = writeln!(out, "{} {}", d.name, d.version);
        for line in &d.why {
            let _ = writeln!(out, "  {line}");
        }
    };
    if what.is_empty() {
        let _ = writeln!(out, "distributions, and how the app reaches each:");
        for d in &record.distributions {
            why_of(d, &mut out);
        }
        let mut largest: Vec<(&str, u64)> = sizes.iter().map(|(p, s)| (*p, *s)).collect();
        largest.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        let _ = writeln!(out, "largest files, and what put each there:");
        for (file, size) in largest.iter().take(15) {
            let origin = record.files.get(*file).map_or("the build", String::as_str);
            let _ = writeln!(out, "{:>10.1} MB  {file}  ({origin})", *size as f64 / 1e6);
        }
        return print_all(&out);
    }
    let norm = |s: &str| s.to_ascii_lowercase().replace(['-', '.'], "_");
    if let Some(d) = record
        .distributions
        .iter()
        .find(|d| norm(&d.name) == norm(what))
    {
        why_of(d, &mut out);
        let mine: Vec<(&String, &String)> = (record.files.iter())
            .filter(|(_, origin)| origin.ends_with(&format!("({})", d.name)))
            .collect();
        let on_disk: Vec<u64> = (mine.iter())
            .filter_map(|(p, _)| sizes.get(p.as_str()).copied())
            .collect();
        let _ = writeln!(
            out,
            "files: {} ({:.1} MB), {} more served from the module store with its modules",
            on_disk.len(),
            on_disk.iter().sum::<u64>() as f64 / 1e6,
            mine.len() - on_disk.len()
        );
        return print_all(&out);
    }
    if let Some(origin) = record.files.get(what) {
        let _ = writeln!(out, "{what}: {origin}");
        let dist =
            (record.distributions.iter()).find(|d| origin.ends_with(&format!("({})", d.name)));
        if let Some(d) = dist {
            why_of(d, &mut out);
        }
        return print_all(&out);
    }
    Err(Error::NotInBundle {
        what: what.to_string(),
        path: path.to_path_buf(),
    })
}

/// `pybundle inspect --json`: what `inspect` shows, and the build's record, as one object.
pub fn inspect_json(path: &Path) -> Result<(), Error> {
    let opened = Opened::open(path)?;
    let m = &opened.bundle.manifest;
    let about = opened.about()?;
    let (mode, unpack) = match &m.mode {
        Mode::Onefile { unpack } => (
            "onefile",
            Some(if *unpack == Unpack::Cached {
                "cache"
            } else {
                "temporary"
            }),
        ),
        Mode::Onedir { .. } => ("onedir", None),
    };
    let files: Vec<serde_json::Value> = (m.files.iter())
        .map(|f| serde_json::json!({"path": f.path, "bytes": f.size, "mode": format!("{:o}", f.mode)}))
        .collect();
    let value = serde_json::json!({
        "schema": 1,
        "name": m.name,
        "executable": opened.exe,
        "mode": mode,
        "unpack": unpack,
        "target": about.target.map(|t| t.to_string()),
        "python": about.python,
        "glibc": about.glibc.map(|g| g.to_string()),
        "macos": about.macos.map(|v| v.to_string()),
        "files": files,
        "record": opened.record()?,
    });
    print_all(&format!("{value}\n"))
}

/// The SBOM the bundle carries, as it is.
fn sbom_of(path: &Path) -> Result<Vec<u8>, Error> {
    let opened = Opened::open(path)?;
    opened.read(crate::sbom::PATH)?.ok_or_else(|| Error::BadBundle {
        path: opened.exe,
        why: "it carries no SBOM (it was made before pybundle wrote one into every bundle); rebuild it"
            .into(),
    })
}

/// The SBOM the bundle carries, read.
fn sbom_document(path: &Path) -> Result<serde_json::Value, Error> {
    serde_json::from_slice(&sbom_of(path)?).map_err(|e| Error::BadBundle {
        path: path.to_path_buf(),
        why: format!("its SBOM is not JSON ({e})"),
    })
}

/// `inspect --notices`: the third-party notices, from the SBOM and the bundle's licence files.
fn inspect_notices(path: &Path) -> Result<(), Error> {
    let document = sbom_document(path)?;
    let opened = Opened::open(path)?;
    print_all(&crate::sbom::notices::notices(&document, |file| {
        opened.read(file)
    })?)
}

/// `inspect --licenses`: a row per component of the SBOM.
fn inspect_licences(path: &Path) -> Result<(), Error> {
    let document = sbom_document(path)?;
    let rows = crate::sbom::licences::rows(&document);
    let width =
        |f: &dyn Fn(&crate::sbom::licences::Row) -> usize| rows.iter().map(f).max().unwrap_or(0);
    let (w_name, w_version) = (
        width(&|r| r.component.len()).max("component".len()),
        width(&|r| r.version.len()).max("version".len()),
    );
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:w_name$}  {:w_version$}  licence; licence files",
        "component", "version"
    );
    for row in &rows {
        let licence = row.licence.as_deref().unwrap_or("(none declared)");
        let files = match row.files.as_slice() {
            [] => String::new(),
            [one] => format!("; {one}"),
            [first, rest @ ..] => format!("; {first} (+{} more)", rest.len()),
        };
        let _ = writeln!(
            out,
            "{:w_name$}  {:w_version$}  {licence}{files}",
            row.component, row.version
        );
    }
    print_all(&out)
}
