//! The licences a bundle's SBOM declares, as rows for `pybundle inspect --licenses`: each
//! component, its version, its licence as declared, and the licence files it ships (a
//! distribution's `.dist-info/licenses/`, and its files named LICENSE, COPYING, NOTICE or
//! AUTHORS).

use serde_json::Value;

/// One component's row.
#[derive(Debug, PartialEq, Eq)]
pub struct Row {
    pub component: String,
    pub version: String,
    /// As declared; `None` when nothing is.
    pub licence: Option<String>,
    /// Its licence files' paths in the bundle.
    pub files: Vec<String>,
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
                .map(String::from)
                .collect(),
        })
        .collect()
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
            {"name": "six", "version": "1.17.0",
             "licenses": [{"license": {"id": "MIT"}}],
             "components": [{"type": "file", "name": "six-1.17.0.dist-info/LICENSE"}]},
            {"name": "libffi", "version": "8"}
        ]});
        let rows = rows(&doc);
        assert_eq!(rows[0].licence.as_deref(), Some("BSD-3-Clause AND MIT"));
        assert_eq!(rows[0].files.len(), 2);
        assert_eq!(rows[1].files, ["six-1.17.0.dist-info/LICENSE"]);
        assert_eq!(rows[2].licence, None);
        assert!(rows[2].files.is_empty());
        assert!(!is_licence_file("pkg/licenses.pyc"));
        // Whatever PEP 639's folder holds, by any name.
        assert!(is_licence_file("x-1.dist-info/licenses/COPYRIGHT.txt"));
    }
}
