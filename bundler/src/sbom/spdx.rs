//! The SBOM as SPDX 2.3 JSON (`inspect --sbom --format spdx`, or `--sbom FILE.spdx.json`),
//! made from the CycloneDX document the bundle carries, so both say the same: a package for
//! the app, CPython, each distribution, each library vendored in one and each library from
//! outside any, with their versions, PURLs and CPEs, declared licences, and the relationships
//! (the app depends on the rest, a distribution on what it requires, and contains what it
//! vendors). Files are not listed (`filesAnalyzed: false`): their hashes are the CycloneDX
//! document's.

use std::collections::BTreeSet;

use serde_json::{json, Value};

/// SPDX 2.3 JSON for `cyclonedx`, a CycloneDX document pybundle wrote.
pub fn from_cyclonedx(cyclonedx: &Value) -> Value {
    let app = &cyclonedx["metadata"]["component"];
    let name = app["name"].as_str().unwrap_or("app");
    let serial = (cyclonedx["serialNumber"].as_str())
        .and_then(|s| s.strip_prefix("urn:uuid:"))
        .unwrap_or_default();
    // SPDX requires a creation time: SOURCE_DATE_EPOCH's, as in the CycloneDX document, or
    // else the epoch, so that the same bundle gives the same bytes.
    let created = (cyclonedx["metadata"]["timestamp"].as_str()).unwrap_or("1970-01-01T00:00:00Z");
    let mut ids = Ids::default();
    let app_id = ids.make("app", name);
    let mut packages = vec![package(&app_id, app)];
    let mut relationships = vec![json!({
        "spdxElementId": "SPDXRef-DOCUMENT",
        "relationshipType": "DESCRIBES",
        "relatedSpdxElement": app_id,
    })];
    let mut by_ref = std::collections::BTreeMap::new();
    let empty = Vec::new();
    for component in cyclonedx["components"].as_array().unwrap_or(&empty) {
        let id = ids.make(
            component["bom-ref"].as_str().unwrap_or_default(),
            component["name"].as_str().unwrap_or_default(),
        );
        packages.push(package(&id, component));
        by_ref.insert(
            component["bom-ref"].as_str().unwrap_or_default(),
            id.clone(),
        );
        let nested = component["components"].as_array().unwrap_or(&empty);
        for vendored in nested.iter().filter(|c| c["type"] == "library") {
            let inner = ids.make(
                vendored["bom-ref"].as_str().unwrap_or_default(),
                vendored["name"].as_str().unwrap_or_default(),
            );
            packages.push(package(&inner, vendored));
            relationships.push(relationship(&id, "CONTAINS", &inner));
        }
    }
    for dependency in cyclonedx["dependencies"].as_array().unwrap_or(&empty) {
        let from = match dependency["ref"].as_str() {
            Some("app") => Some(&app_id),
            Some(other) => by_ref.get(other),
            None => None,
        };
        let Some(from) = from else { continue };
        for on in dependency["dependsOn"].as_array().unwrap_or(&empty) {
            if let Some(to) = on.as_str().and_then(|r| by_ref.get(r)) {
                relationships.push(relationship(from, "DEPENDS_ON", to));
            }
        }
    }
    let tool =
        (cyclonedx["metadata"]["tools"]["components"][0]["version"].as_str()).unwrap_or_default();
    json!({
        "spdxVersion": "SPDX-2.3",
        "dataLicense": "CC0-1.0",
        "SPDXID": "SPDXRef-DOCUMENT",
        "name": name,
        "documentNamespace": format!("https://spdx.org/spdxdocs/pybundle-{name}-{serial}"),
        "creationInfo": {
            "created": created,
            "creators": [format!("Tool: pybundle-{tool}")],
        },
        "packages": packages,
        "relationships": relationships,
    })
}

/// SPDX identifiers, unique and made only of the characters SPDX allows.
#[derive(Default)]
struct Ids(BTreeSet<String>);

impl Ids {
    fn make(&mut self, reference: &str, name: &str) -> String {
        let base: String = format!(
            "SPDXRef-{}",
            if reference.is_empty() {
                name
            } else {
                reference
            }
        )
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect();
        let mut id = base.clone();
        let mut n = 2;
        while !self.0.insert(id.clone()) {
            id = format!("{base}-{n}");
            n += 1;
        }
        id
    }
}

fn relationship(from: &str, kind: &str, to: &str) -> Value {
    json!({"spdxElementId": from, "relationshipType": kind, "relatedSpdxElement": to})
}

/// One package from a CycloneDX component.
fn package(id: &str, component: &Value) -> Value {
    let mut package = json!({
        "SPDXID": id,
        "name": component["name"],
        "downloadLocation": "NOASSERTION",
        "filesAnalyzed": false,
        "licenseConcluded": "NOASSERTION",
        "licenseDeclared": declared(&component["licenses"]),
        "copyrightText": "NOASSERTION",
    });
    if let Some(version) = component["version"].as_str() {
        package["versionInfo"] = json!(version);
    }
    if let Some(description) = component["description"].as_str() {
        package["description"] = json!(description);
    }
    let mut refs = Vec::new();
    if let Some(purl) = component["purl"].as_str() {
        refs.push(json!({
            "referenceCategory": "PACKAGE-MANAGER",
            "referenceType": "purl",
            "referenceLocator": purl,
        }));
    }
    if let Some(cpe) = component["cpe"].as_str() {
        refs.push(json!({
            "referenceCategory": "SECURITY",
            "referenceType": "cpe23Type",
            "referenceLocator": cpe,
        }));
    }
    if !refs.is_empty() {
        package["externalRefs"] = json!(refs);
    }
    if let Some(hash) = component["hashes"][0]["content"].as_str() {
        package["checksums"] = json!([{"algorithm": "SHA256", "checksumValue": hash}]);
    }
    package
}

/// The declared licence as an SPDX expression: CycloneDX's expression or identifiers;
/// `NOASSERTION` for a licence known only by name, or none.
fn declared(licenses: &Value) -> Value {
    let Some(list) = licenses.as_array() else {
        return json!("NOASSERTION");
    };
    if let Some(expression) = list.iter().find_map(|l| l["expression"].as_str()) {
        return json!(expression);
    }
    let ids: Vec<&str> = list
        .iter()
        .filter_map(|l| l["license"]["id"].as_str())
        .collect();
    match ids.as_slice() {
        [] => json!("NOASSERTION"),
        [one] => json!(one),
        many => json!(many.join(" AND ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn components_become_packages_and_dependencies_relationships() {
        let cyclonedx = json!({
            "serialNumber": "urn:uuid:2cd6d010-968b-5194-b688-0ddfdfa4fb17",
            "metadata": {"component": {"name": "matmul", "bom-ref": "app"},
                         "tools": {"components": [{"version": "0.1.0"}]}},
            "components": [
                {"bom-ref": "cpython", "name": "CPython", "version": "3.11.7",
                 "licenses": [{"license": {"id": "PSF-2.0"}}],
                 "cpe": "cpe:2.3:a:python:python:3.11.7:*:*:*:*:*:*:*"},
                {"bom-ref": "pkg:pypi/numpy@2.4.6", "name": "numpy", "version": "2.4.6",
                 "purl": "pkg:pypi/numpy@2.4.6",
                 "licenses": [{"expression": "BSD-3-Clause AND MIT"}],
                 "components": [{"type": "library", "name": "libgfortran",
                                 "bom-ref": "pkg:pypi/numpy@2.4.6#numpy.libs/libgfortran.so",
                                 "hashes": [{"alg": "SHA-256", "content": "ab"}]}]},
                {"bom-ref": "file:libssl.so.3", "name": "libssl",
                 "licenses": [{"license": {"name": "OpenSSL"}}]}
            ],
            "dependencies": [{"ref": "app", "dependsOn": ["cpython", "pkg:pypi/numpy@2.4.6"]}]
        });
        let spdx = from_cyclonedx(&cyclonedx);
        assert_eq!(spdx["creationInfo"]["created"], "1970-01-01T00:00:00Z");
        let packages = spdx["packages"].as_array().unwrap();
        assert_eq!(packages.len(), 5);
        let numpy = packages.iter().find(|p| p["name"] == "numpy").unwrap();
        assert_eq!(numpy["licenseDeclared"], "BSD-3-Clause AND MIT");
        assert_eq!(numpy["SPDXID"], "SPDXRef-pkg-pypi-numpy-2.4.6");
        let ssl = packages.iter().find(|p| p["name"] == "libssl").unwrap();
        assert_eq!(ssl["licenseDeclared"], "NOASSERTION");
        let kinds: Vec<&str> = (spdx["relationships"].as_array().unwrap().iter())
            .filter_map(|r| r["relationshipType"].as_str())
            .collect();
        assert_eq!(kinds, ["DESCRIBES", "CONTAINS", "DEPENDS_ON", "DEPENDS_ON"]);
    }
}
