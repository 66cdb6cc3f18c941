//! The bundle's software bill of materials (docs/sbom.md): a CycloneDX 1.6 JSON document
//! made from what the build already knows of every file (its [`Origin`]). The app is the
//! document's subject; its components are CPython, every bundled distribution (its PURL, its
//! declared licence, the libraries vendored in it, the SHA-256 of each of its files as
//! bundled) and the shared libraries that came from outside any distribution; its
//! dependencies are the distributions' `Requires-Dist` among what was bundled. The same
//! build gives the same bytes: no clock is read, and the serial number comes from the content.

pub mod library;
pub mod licence;
pub mod licences;
pub mod notices;
pub mod spdx;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::bundle::contents::{self, Contents, Item};
use crate::bundle::layout;
use crate::bundle::origin::Origin;
use crate::bundle::target::Target;
use crate::cli::SbomFormat;
use crate::error::Error;
use crate::native::system_package::SystemPackage;
use crate::packages::distribution::Distribution;
use crate::python::runtime::cpython::Source;
use crate::python::runtime::Runtime;
use licence::Licence;

/// The SBOM's path in the bundle's root.
pub const PATH: &str = "_pybundle_sbom.cdx.json";

/// What the document is about.
pub struct Subject<'a> {
    pub name: &'a str,
    /// `[project].version` of the app's pyproject.toml, when it has one.
    pub version: Option<String>,
    pub target: Target,
    /// `SOURCE_DATE_EPOCH`, the only time the document may carry.
    pub timestamp: Option<SystemTime>,
}

/// The document for `subject`, whose bundle carries `runtime`, the distributions `dists` and
/// the files `contents`, some of which came from the system packages `packages` (by the path
/// they were read from; their copyright files are in `contents` already).
pub fn document(
    subject: &Subject,
    runtime: &Runtime,
    dists: &[&Distribution],
    contents: &Contents,
    packages: &BTreeMap<PathBuf, SystemPackage>,
) -> Result<Vec<u8>, Error> {
    let Sorted {
        mut files_of,
        runtime_files,
        mut libraries,
    } = sort(contents, packages)?;
    let bundled: BTreeSet<&str> = dists.iter().map(|d| d.key.as_str()).collect();
    let cpython_package = packages.get(&runtime.library);
    let mut components = vec![cpython(runtime, cpython_package, runtime_files)];
    let mut dependencies = Vec::new();
    for dist in dists {
        let files = files_of.remove(dist.name.as_str()).unwrap_or_default();
        components.push(distribution(dist, files));
        let mut on: Vec<String> = (dist.requires.iter())
            .filter(|r| bundled.contains(r.key.as_str()) && r.key != dist.key)
            .filter_map(|r| dists.iter().find(|d| d.key == r.key))
            .map(|d| purl(d))
            .collect();
        on.sort();
        on.dedup();
        dependencies.push(json!({"ref": purl(dist), "dependsOn": on}));
    }
    library::date_libssl(&mut libraries);
    components.extend(libraries);
    let mut app_on: Vec<String> = dists.iter().map(|d| purl(d)).collect();
    app_on.sort();
    app_on.insert(0, "cpython".to_string());
    dependencies.insert(0, json!({"ref": "app", "dependsOn": app_on}));

    let mut app = json!({
        "type": "application",
        "bom-ref": "app",
        "name": subject.name,
    });
    if let Some(version) = &subject.version {
        app["version"] = json!(version);
    }
    let mut metadata = json!({
        "tools": {"components": [{
            "type": "application",
            "name": "pybundle",
            "version": env!("CARGO_PKG_VERSION"),
        }]},
        "component": app,
        "properties": [{"name": "pybundle:target", "value": subject.target.name()}],
    });
    if let Some(time) = subject.timestamp {
        metadata["timestamp"] = json!(rfc3339(time));
    }
    let mut doc = json!({
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "version": 1,
        "metadata": metadata,
        "components": components,
        "dependencies": dependencies,
    });
    let body = serde_json::to_vec(&doc).map_err(|e| Error::Internal(e.to_string()))?;
    doc["serialNumber"] = json!(serial_number(&body));
    serde_json::to_vec_pretty(&doc).map_err(|e| Error::Internal(e.to_string()))
}

/// The bundle's files as the document lists them: each distribution's, CPython's, and the
/// shared libraries from outside any distribution (as components).
struct Sorted<'a> {
    files_of: BTreeMap<&'a str, Vec<Value>>,
    runtime_files: Vec<Value>,
    libraries: Vec<Value>,
}

/// Every file of `contents` with its hash, sorted by what put it there; a vendored library's
/// version read from it; a library from the system packages `packages` with its package.
fn sort<'a>(
    contents: &'a Contents,
    packages: &BTreeMap<PathBuf, SystemPackage>,
) -> Result<Sorted<'a>, Error> {
    let mut sorted = Sorted {
        files_of: BTreeMap::new(),
        runtime_files: Vec::new(),
        libraries: Vec::new(),
    };
    for (path, item) in contents.iter() {
        match &item.origin {
            Origin::Distribution { name, .. } => {
                let bytes = item.read()?;
                let mut f = file(path, &bytes);
                if let Some(version) = (library::is_vendored(path))
                    .then(|| library::version(path, &bytes))
                    .flatten()
                {
                    f["version"] = json!(version);
                }
                sorted.files_of.entry(name).or_default().push(f);
            }
            Origin::Runtime(_) => sorted.runtime_files.push(file(path, &item.read()?)),
            Origin::Library { .. } => {
                let bytes = item.read()?;
                let package = package_of(item, packages);
                let licence = package.map(|p| layout::package_licence(&p.name));
                sorted.libraries.push(library::component(
                    path,
                    &bytes,
                    hex_sha256(&bytes),
                    package.zip(licence.as_deref()),
                ));
            }
            _ => {}
        }
    }
    Ok(sorted)
}

/// `cyclonedx` (the document the bundle carries) in `format`.
pub fn in_format(cyclonedx: &[u8], format: SbomFormat) -> Result<Vec<u8>, Error> {
    match format {
        SbomFormat::Cyclonedx => Ok(cyclonedx.to_vec()),
        SbomFormat::Spdx => {
            let doc: Value = serde_json::from_slice(cyclonedx)
                .map_err(|e| Error::Internal(format!("the SBOM is not JSON: {e}")))?;
            serde_json::to_vec_pretty(&spdx::from_cyclonedx(&doc))
                .map_err(|e| Error::Internal(e.to_string()))
        }
    }
}

/// The format a file named `name` is written in: SPDX for `*.spdx.json`, else CycloneDX.
pub fn format_of(name: &Path) -> SbomFormat {
    let name = name
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase());
    if name.is_some_and(|n| n.ends_with(".spdx.json")) {
        SbomFormat::Spdx
    } else {
        SbomFormat::Cyclonedx
    }
}

/// `pkg:pypi/NAME@VERSION`, the name normalised as the PURL spec asks.
pub fn purl(dist: &Distribution) -> String {
    format!("pkg:pypi/{}@{}", dist.key.replace('_', "-"), dist.version)
}

/// A distribution, its licence and its files; the shared libraries vendored in it
/// (`numpy.libs/libscipy_openblas64_-….so`, `PySide6/Qt/lib/libQt6Core.so.6`) as components of
/// their own.
fn distribution(dist: &Distribution, files: Vec<Value>) -> Value {
    let metadata = dist_metadata(dist);
    let (vendored, files): (Vec<Value>, Vec<Value>) = files
        .into_iter()
        .partition(|f| f["name"].as_str().is_some_and(library::is_vendored));
    let mut nested: Vec<Value> = (vendored.into_iter())
        .map(|mut f| {
            let path = f["name"].as_str().unwrap_or_default().to_string();
            f["type"] = json!("library");
            f["name"] = json!(library::name(&path));
            f["bom-ref"] = json!(format!("{}#{path}", purl(dist)));
            f["properties"] = json!([{"name": "pybundle:path", "value": path}]);
            f
        })
        .collect();
    nested.extend(files.into_iter().map(|mut f| {
        let path = f["name"].as_str().unwrap_or_default().to_string();
        f["bom-ref"] = json!(format!("{}#{path}", purl(dist)));
        f
    }));
    let mut component = json!({
        "type": "library",
        "bom-ref": purl(dist),
        "name": dist.name,
        "version": dist.version,
        "purl": purl(dist),
        "components": nested,
    });
    if let Some(licences) = licences(&licence::declared(&metadata)) {
        component["licenses"] = licences;
    }
    component
}

/// CycloneDX's `licenses` for `licence`; `None` when nothing was declared.
fn licences(licence: &Licence) -> Option<Value> {
    Some(match licence {
        Licence::Expression(e) => json!([{"expression": e}]),
        Licence::Ids(ids) => Value::Array(
            ids.iter()
                .map(|id| json!({"license": {"id": id}}))
                .collect(),
        ),
        Licence::Named(names) => Value::Array(
            names
                .iter()
                .map(|n| json!({"license": {"name": n}}))
                .collect(),
        ),
        Licence::Unknown => return None,
    })
}

/// The distribution's METADATA (PKG-INFO for an egg-info), or nothing.
fn dist_metadata(dist: &Distribution) -> String {
    (dist.files.iter())
        .find(|f| {
            let mut parts = f.rsplitn(2, '/');
            let name = parts.next().unwrap_or_default();
            let dir = parts.next().unwrap_or_default();
            (name == "METADATA" && dir.ends_with(".dist-info"))
                || (name == "PKG-INFO" && dir.ends_with(".egg-info"))
        })
        .and_then(|f| std::fs::read_to_string(dist.site.join(f)).ok())
        .unwrap_or_default()
}

/// CPython: its version, where it came from (`package`, when its library is a system
/// package's), and its files in the bundle.
fn cpython(runtime: &Runtime, package: Option<&SystemPackage>, files: Vec<Value>) -> Value {
    let origin = match package {
        Some(p) => format!("{}'s package {} {}", distro_name(p), p.name, p.version),
        None => runtime_origin(runtime),
    };
    let mut properties = vec![json!({"name": "pybundle:origin", "value": origin})];
    if let Some(p) = package {
        let licence = layout::package_licence(&p.name);
        properties.push(json!({"name": "pybundle:licence-file", "value": licence}));
    }
    json!({
        "type": "framework",
        "bom-ref": "cpython",
        "name": "CPython",
        "version": runtime.version,
        "description": format!("CPython {} for {}, {origin}", runtime.version, runtime.target),
        "cpe": format!("cpe:2.3:a:python:python:{}:*:*:*:*:*:*:*", runtime.version),
        // A distribution's build is patched by it: its advisories are the ones that apply.
        "purl": package.map_or_else(|| format!("pkg:generic/cpython@{}", runtime.version), SystemPackage::purl),
        "licenses": [{"license": {"id": "PSF-2.0"}}],
        "properties": properties,
        "components": files,
    })
}

/// `Debian`, as a system package's distribution is named.
fn distro_name(package: &SystemPackage) -> String {
    let mut chars = package.vendor().chars();
    chars
        .next()
        .map_or_else(String::new, |c| c.to_uppercase().chain(chars).collect())
}

/// The system package `item` was read from, if any.
fn package_of<'a>(
    item: &Item,
    packages: &'a BTreeMap<PathBuf, SystemPackage>,
) -> Option<&'a SystemPackage> {
    match &item.source {
        contents::Source::File(path) => packages.get(path),
        contents::Source::Bytes(_) => None,
    }
}

/// Where the runtime came from, in a few words.
fn runtime_origin(runtime: &Runtime) -> String {
    let library = runtime.library.to_string_lossy();
    match &runtime.source {
        Source::Interpreter if library.contains("/.pyenv/") => "a pyenv build".into(),
        Source::Interpreter => "the build interpreter's own".into(),
        Source::Given { named, .. } => {
            let file = named
                .file_name()
                .map(|f| f.to_string_lossy().into_owned())
                .unwrap_or_default();
            if file.contains("-embed-") {
                format!("python.org's embeddable distribution ({file})")
            } else if file.contains("install_only") || file.starts_with("cpython-") {
                format!("python-build-standalone ({file})")
            } else {
                format!("given with --runtime ({file})")
            }
        }
    }
}

/// A file of the bundle, with its SHA-256.
fn file(path: &str, bytes: &[u8]) -> Value {
    json!({
        "type": "file",
        "name": path,
        "hashes": [{"alg": "SHA-256", "content": hex_sha256(bytes)}],
    })
}

fn hex_sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A UUID made from the document's bytes (the form of RFC 4122's version 5), so the same
/// bundle gets the same serial number.
fn serial_number(body: &[u8]) -> String {
    let mut b: [u8; 16] = Sha256::digest(body)[..16].try_into().unwrap_or([0; 16]);
    b[6] = (b[6] & 0x0f) | 0x50;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "urn:uuid:{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

/// `time` as RFC 3339 in UTC (`2026-12-07T14:20:28Z`).
fn rfc3339(time: SystemTime) -> String {
    let secs = time.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let (days, rest) = (secs / 86_400, secs % 86_400);
    // Howard Hinnant's days-to-civil.
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

/// The field `key` (`name`, `version`) of `pyproject`'s `[project]`.
pub fn project_field(pyproject: &Path, key: &str) -> Option<String> {
    let text = std::fs::read_to_string(pyproject).ok()?;
    let doc: toml::Table = text.parse().ok()?;
    let value = doc.get("project")?.get(key)?.as_str()?;
    Some(value.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_and_serial_numbers_are_fixed_by_their_inputs() {
        let t = UNIX_EPOCH + std::time::Duration::from_secs(1_796_653_228);
        assert_eq!(rfc3339(t), "2026-12-07T14:20:28Z");
        assert_eq!(rfc3339(UNIX_EPOCH), "1970-01-01T00:00:00Z");
        let a = serial_number(b"x");
        assert_eq!(a, serial_number(b"x"));
        assert_ne!(a, serial_number(b"y"));
        assert_eq!(&a[23..24], "5");
    }
}
