//! The licences a bundle's SBOM declares, as rows for `pybundle inspect --licenses` and the
//! notices: each component, its version, its licence as declared, and the licence files it
//! ships (a distribution's `.dist-info/licenses/`, its files named LICENSE, COPYING, NOTICE or
//! AUTHORS; CPython's LICENSE.txt; a system package's copyright file).

use serde_json::Value;

use crate::error::Error;

/// One component's row.
#[derive(Debug, PartialEq, Eq)]
pub struct Row {
    pub component: String,
    pub version: String,
    /// As declared; `None` when nothing is.
    pub licence: Option<String>,
    /// Its licence files' paths in the bundle.
    pub files: Vec<String>,
    /// A distribution from PyPI (not CPython or a shared library).
    pub is_distribution: bool,
}

/// The rows of `document`, a CycloneDX SBOM pybundle wrote, in its components' order.
pub fn rows(document: &Value) -> Vec<Row> {
    let empty = Vec::new();
    let components = document["components"].as_array().unwrap_or(&empty);
    (components.iter())
        .map(|c| Row {
            component: text(&c["name"]),
            version: text(&c["version"]),
            licence: declared(&c["licenses"]),
            files: (c["components"].as_array().unwrap_or(&empty).iter())
                .filter(|f| f["type"] == "file")
                .filter_map(|f| f["name"].as_str())
                .filter(|path| is_licence_file(path))
                .chain(
                    (c["properties"].as_array().unwrap_or(&empty).iter())
                        .filter(|p| p["name"] == "pybundle:licence-file")
                        .filter_map(|p| p["value"].as_str()),
                )
                .map(String::from)
                .collect(),
            is_distribution: c["purl"]
                .as_str()
                .is_some_and(|p| p.starts_with("pkg:pypi/")),
        })
        .collect()
}

/// The distributions of `document` (an SBOM's bytes) that declare no licence and carry no
/// licence file.
pub fn unlicensed(document: &[u8]) -> Result<Vec<Row>, Error> {
    let document: Value =
        serde_json::from_slice(document).map_err(|e| Error::Internal(e.to_string()))?;
    Ok((rows(&document).into_iter())
        .filter(|r| r.is_distribution && r.licence.is_none() && r.files.is_empty())
        .collect())
}

fn text(value: &Value) -> String {
    value.as_str().unwrap_or_default().to_string()
}

/// CycloneDX's `licenses` as one line: the expression, or the identifiers or names joined.
fn declared(licenses: &Value) -> Option<String> {
    let parts: Vec<&str> = (licenses.as_array()?.iter())
        .filter_map(|l| {
            l["expression"]
                .as_str()
                .or_else(|| l["license"]["id"].as_str())
                .or_else(|| l["license"]["name"].as_str())
        })
        .collect();
    (!parts.is_empty()).then(|| parts.join(", "))
}

/// Is `path` (in a distribution) one of its licence files?
pub fn is_licence_file(path: &str) -> bool {
    let mut parts = path.split('/');
    let top = parts.next().unwrap_or_default();
    if top.ends_with(".dist-info") && parts.next() == Some("licenses") {
        return true;
    }
    let name = path.rsplit('/').next().unwrap_or(path).to_ascii_uppercase();
    ["LICENSE", "LICENCE", "COPYING", "NOTICE", "AUTHORS"]
        .iter()
        .any(|stem| name.starts_with(stem))
        && !name.ends_with(".PY")
        && !name.ends_with(".PYC")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_say_what_each_component_declares_and_ships() {
        let doc = serde_json::json!({"components": [
            {"name": "numpy", "version": "2.4.6",
             "licenses": [{"expression": "BSD-3-Clause AND MIT"}],
             "components": [
                {"type": "file", "name": "numpy-2.4.6.dist-info/licenses/LICENSE.txt"},
                {"type": "file", "name": "numpy-2.4.6.dist-info/licenses/numpy/fft/pocketfft/LICENSE.md"},
                {"type": "file", "name": "numpy/__init__.pyc"},
                {"type": "library", "name": "libgfortran"}]},
            {"name": "six", "version": "1.17.0", "purl": "pkg:pypi/six@1.17.0",
             "licenses": [{"license": {"id": "MIT"}}],
             "components": [{"type": "file", "name": "six-1.17.0.dist-info/LICENSE"}]},
            {"name": "libffi", "version": "8"},
            {"name": "libssl", "version": "3.0.22", "properties": [
                {"name": "pybundle:licence-file", "value": "_pybundle_licenses/libssl3/copyright"}]},
            {"name": "quiet", "version": "1", "purl": "pkg:pypi/quiet@1",
             "components": [{"type": "file", "name": "quiet/__init__.pyc"}]}
        ]});
        let rows = rows(&doc);
        assert_eq!(rows[0].licence.as_deref(), Some("BSD-3-Clause AND MIT"));
        assert_eq!(rows[0].files.len(), 2);
        assert_eq!(rows[1].files, ["six-1.17.0.dist-info/LICENSE"]);
        assert_eq!(rows[2].licence, None);
        assert!(rows[2].files.is_empty());
        assert_eq!(rows[3].files, ["_pybundle_licenses/libssl3/copyright"]);
        assert!(rows[1].is_distribution && !rows[3].is_distribution);
        let bytes = serde_json::to_vec(&doc).unwrap();
        let quiet: Vec<String> = (unlicensed(&bytes).unwrap().into_iter())
            .map(|r| r.component)
            .collect();
        assert_eq!(quiet, ["quiet"]);
        assert!(!is_licence_file("pkg/licenses.pyc"));
        // Whatever PEP 639's folder holds, by any name.
        assert!(is_licence_file("x-1.dist-info/licenses/COPYRIGHT.txt"));
    }
}
