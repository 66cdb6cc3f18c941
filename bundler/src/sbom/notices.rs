//! The third-party notices of a bundle: a plain text an app shows in its About box or ships
//! beside its installer, made from the SBOM's components and the text of every licence file
//! the bundle carries (`--notices FILE`, `pybundle inspect --notices`).

use std::collections::BTreeSet;
use std::fmt::Write as _;

use serde_json::Value;

use super::licences;
use crate::error::Error;

/// The notices of the bundle whose SBOM is `document`; `read` gives a file of the bundle by
/// its path in it.
pub fn notices(
    document: &Value,
    mut read: impl FnMut(&str) -> Result<Option<Vec<u8>>, Error>,
) -> Result<String, Error> {
    let app = document["metadata"]["component"]["name"]
        .as_str()
        .unwrap_or("This program");
    let rows = licences::rows(document);
    let rule = "=".repeat(78);
    let mut out = String::new();
    let _ = writeln!(out, "Third-party software in {app}\n");
    let _ = writeln!(
        out,
        "{app} includes the software below. Each part is named with its version and the \
         licence it declares,\nfollowed by the text of each licence file it carries.\n"
    );
    let mut shown = BTreeSet::new();
    let mut without_files = Vec::new();
    for row in &rows {
        let declared = row.licence.as_deref().unwrap_or("none declared");
        if row.files.is_empty() {
            without_files.push(format!("{} {} ({declared})", row.component, row.version));
            continue;
        }
        let _ = writeln!(out, "{rule}\n{} {}", row.component, row.version);
        let _ = writeln!(out, "Licence: {declared}\n{rule}\n");
        for path in &row.files {
            if !shown.insert(path.as_str()) {
                let _ = writeln!(out, "--- {path}: as above ---\n");
                continue;
            }
            let Some(text) = read(path)? else {
                // A onedir folder someone has pruned.
                let _ = writeln!(out, "--- {path}: missing from the bundle ---\n");
                continue;
            };
            let text = String::from_utf8_lossy(&text);
            let _ = writeln!(out, "--- {path} ---\n\n{}\n", text.trim_end());
        }
    }
    if !without_files.is_empty() {
        let _ = writeln!(out, "{rule}\nWith no licence file in the bundle\n{rule}\n");
        for line in without_files {
            let _ = writeln!(out, "{line}");
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_licence_text_is_there_once() {
        let doc = serde_json::json!({
        "metadata": {"component": {"name": "app"}},
        "components": [
            {"name": "six", "version": "1.17.0", "licenses": [{"license": {"id": "MIT"}}],
             "components": [{"type": "file", "name": "six-1.17.0.dist-info/LICENSE"}]},
            {"name": "libssl", "version": "3.0.22", "properties": [
                {"name": "pybundle:licence-file", "value": "_pybundle_licenses/libssl3/copyright"}]},
            {"name": "libcrypto", "version": "3.0.22", "properties": [
                {"name": "pybundle:licence-file", "value": "_pybundle_licenses/libssl3/copyright"}]},
            {"name": "libffi", "version": "8"}
        ]});
        let text = notices(&doc, |path| {
            Ok(Some(format!("the text of {path}\n").into_bytes()))
        })
        .unwrap();
        assert!(text.starts_with("Third-party software in app"));
        assert!(text.contains("six 1.17.0\nLicence: MIT\n"));
        assert!(text.contains("the text of six-1.17.0.dist-info/LICENSE"));
        assert_eq!(
            text.matches("the text of _pybundle_licenses/libssl3/copyright")
                .count(),
            1
        );
        assert!(text.contains("--- _pybundle_licenses/libssl3/copyright: as above ---"));
        assert!(text.ends_with("libffi 8 (none declared)\n"));
        // A file the SBOM names that the bundle lacks is said to be missing.
        let pruned = notices(&doc, |_| Ok(None)).unwrap();
        assert!(pruned.contains("--- six-1.17.0.dist-info/LICENSE: missing from the bundle ---"));
    }
}
