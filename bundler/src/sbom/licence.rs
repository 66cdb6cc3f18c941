//! What a distribution says of its licence, read from its METADATA headers: PEP 639's
//! `License-Expression` where it has one, else the `License` field, else its `License ::`
//! classifiers; each mapped to an SPDX identifier where it maps, else kept as text.

/// A distribution's licence, as the SBOM gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Licence {
    /// An SPDX licence expression (PEP 639's `License-Expression`, or one identifier).
    Expression(String),
    /// SPDX identifiers, one per classifier or field that maps to one.
    Ids(Vec<&'static str>),
    /// Text that names a licence but maps to no SPDX identifier (`BSD License`).
    Named(Vec<String>),
    /// Nothing said.
    Unknown,
}

/// The licence `metadata` (METADATA or PKG-INFO text) declares.
pub fn declared(metadata: &str) -> Licence {
    let mut expression = None;
    let mut field: Option<String> = None;
    let mut in_field = false;
    let mut classifiers = Vec::new();
    for line in metadata.lines() {
        if line.is_empty() {
            break; // the description follows the headers
        }
        if line.starts_with([' ', '\t']) {
            // A continued field: a `License` that goes on is the licence's whole text. Its
            // first line names the licence only when it is a title that maps (`BSD 3-Clause
            // License`); a copyright line or a rule of `=` names nothing.
            if in_field && field.as_deref().and_then(spdx_id).is_none() {
                field = None;
            }
            continue;
        }
        in_field = false;
        if let Some(v) = line.strip_prefix("License-Expression:") {
            expression = Some(v.trim().to_string());
        } else if let Some(v) = line.strip_prefix("License:") {
            field = Some(v.trim().to_string());
            in_field = true;
        } else if let Some(v) = line.strip_prefix("Classifier: License ::") {
            classifiers.push(v.trim().to_string());
        }
    }
    if let Some(expression) = expression.filter(|e| !e.is_empty()) {
        return Licence::Expression(expression);
    }
    let field = field.filter(|f| !f.is_empty() && !f.eq_ignore_ascii_case("UNKNOWN"));
    if let Some(field) = &field {
        if let Some(id) = spdx_id(field) {
            return Licence::Ids(vec![id]);
        }
        // A field written as an SPDX expression before PEP 639 gave it a header of its own
        // (PySide6: `LGPL-3.0-only OR GPL-2.0-only OR GPL-3.0-only`).
        if is_expression(field) {
            return Licence::Expression(field.clone());
        }
    }
    let mut ids: Vec<&'static str> = classifiers
        .iter()
        .filter_map(|c| classifier_id(c))
        .collect();
    ids.dedup();
    if !ids.is_empty() {
        return Licence::Ids(ids);
    }
    let mut named: Vec<String> = field
        .into_iter()
        .map(|f| f.chars().take(120).collect())
        .collect();
    named.extend(
        (classifiers.iter())
            .map(|c| c.rsplit(" :: ").next().unwrap_or(c).to_string())
            .filter(|c| c != "OSI Approved"),
    );
    if named.is_empty() {
        Licence::Unknown
    } else {
        Licence::Named(named)
    }
}

/// SPDX identifiers the tables below map to, and the others seen in `License` fields.
const KNOWN_IDS: &[&str] = &[
    "MIT",
    "MIT-0",
    "Apache-2.0",
    "BSD-3-Clause",
    "BSD-2-Clause",
    "ISC",
    "PSF-2.0",
    "MPL-2.0",
    "LGPL-2.0-only",
    "LGPL-2.0-or-later",
    "LGPL-2.1-only",
    "LGPL-2.1-or-later",
    "LGPL-3.0-only",
    "LGPL-3.0-or-later",
    "GPL-2.0-only",
    "GPL-2.0-or-later",
    "GPL-3.0-only",
    "GPL-3.0-or-later",
    "Unlicense",
    "Zlib",
    "HPND",
    "CC0-1.0",
    "BSL-1.0",
    "EPL-2.0",
    "0BSD",
    "Python-2.0",
];

/// Is `field` an SPDX expression of known identifiers (`MIT OR Apache-2.0`)?
fn is_expression(field: &str) -> bool {
    let operands: Vec<&str> = field
        .split(|c: char| c.is_whitespace() || c == '(' || c == ')')
        .filter(|t| !t.is_empty() && !matches!(*t, "AND" | "OR" | "WITH"))
        .collect();
    !operands.is_empty() && (operands.iter()).all(|t| KNOWN_IDS.contains(&t.trim_end_matches('+')))
}

/// The SPDX identifier a `License` field names, in the spellings seen on PyPI.
fn spdx_id(field: &str) -> Option<&'static str> {
    let key: String = (field.chars())
        .filter(|c| c.is_ascii_alphanumeric() || *c == '.')
        .collect::<String>()
        .to_ascii_lowercase();
    // `MIT License`, `BSD 3-Clause License`: the word adds nothing.
    let key = match key.strip_suffix("license") {
        Some(short) if !short.is_empty() && !short.ends_with("un") => short,
        _ => &key,
    };
    Some(match key {
        "mit" | "thelicensemit" => "MIT",
        "mit0" => "MIT-0",
        "apache2.0"
        | "apache2"
        | "apachelicense2.0"
        | "apachesoftwarelicense2.0"
        | "apachelicenseversion2.0" => "Apache-2.0",
        "bsd3clause" | "bsd3" | "newbsd" | "modifiedbsd" => "BSD-3-Clause",
        "bsd2clause" | "bsd2" | "simplifiedbsd" => "BSD-2-Clause",
        "isc" => "ISC",
        "psf" | "psf2.0" | "pythonsoftwarefoundation" => "PSF-2.0",
        "mpl2.0" | "mozillapubliclicense2.0" => "MPL-2.0",
        "lgpl3" | "lgplv3" | "lgpl3.0" | "lgpl3.0only" => "LGPL-3.0-only",
        "lgpl3.0orlater" | "lgplv3+" => "LGPL-3.0-or-later",
        "gpl3" | "gplv3" | "gpl3.0" | "gpl3.0only" => "GPL-3.0-only",
        "gpl2" | "gplv2" | "gpl2.0" | "gpl2.0only" => "GPL-2.0-only",
        "unlicense" | "theunlicense" => "Unlicense",
        "zlib" => "Zlib",
        "hpnd" => "HPND",
        "cc01.0" | "cc0" => "CC0-1.0",
        "bsl1.0" | "boostsoftwarelicense1.0" => "BSL-1.0",
        _ => return None,
    })
}

/// The SPDX identifier of a trove classifier's licence (`OSI Approved :: MIT License`), where
/// it names exactly one.
fn classifier_id(classifier: &str) -> Option<&'static str> {
    let name = classifier.rsplit(" :: ").next().unwrap_or(classifier);
    Some(match name {
        "MIT License" => "MIT",
        "MIT No Attribution License (MIT-0)" => "MIT-0",
        "Apache Software License" => "Apache-2.0",
        "Python Software Foundation License" => "PSF-2.0",
        "ISC License (ISCL)" => "ISC",
        "Mozilla Public License 2.0 (MPL 2.0)" => "MPL-2.0",
        "GNU General Public License v2 (GPLv2)" => "GPL-2.0-only",
        "GNU General Public License v2 or later (GPLv2+)" => "GPL-2.0-or-later",
        "GNU General Public License v3 (GPLv3)" => "GPL-3.0-only",
        "GNU General Public License v3 or later (GPLv3+)" => "GPL-3.0-or-later",
        "GNU Lesser General Public License v2 (LGPLv2)" => "LGPL-2.0-only",
        "GNU Lesser General Public License v2 or later (LGPLv2+)" => "LGPL-2.0-or-later",
        "GNU Lesser General Public License v3 (LGPLv3)" => "LGPL-3.0-only",
        "GNU Lesser General Public License v3 or later (LGPLv3+)" => "LGPL-3.0-or-later",
        "The Unlicense (Unlicense)" => "Unlicense",
        "zlib/libpng License" => "Zlib",
        "Historical Permission Notice and Disclaimer (HPND)" => "HPND",
        "Boost Software License 1.0 (BSL-1.0)" => "BSL-1.0",
        "Eclipse Public License 2.0 (EPL-2.0)" => "EPL-2.0",
        "CC0 1.0 Universal (CC0 1.0) Public Domain Dedication" => "CC0-1.0",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_expression_wins_then_the_field_then_classifiers() {
        let m = "Name: a\nLicense-Expression: MIT OR Apache-2.0\nLicense: BSD\n\nbody";
        assert_eq!(declared(m), Licence::Expression("MIT OR Apache-2.0".into()));
        let m =
            "Name: a\nLicense: Apache 2.0\nClassifier: License :: OSI Approved :: MIT License\n";
        assert_eq!(declared(m), Licence::Ids(vec!["Apache-2.0"]));
        let m = "Name: a\nLicense: UNKNOWN\nClassifier: License :: OSI Approved :: MIT License\n";
        assert_eq!(declared(m), Licence::Ids(vec!["MIT"]));
    }

    #[test]
    fn what_maps_to_nothing_is_named_and_nothing_is_unknown() {
        let m = "Name: a\nClassifier: License :: OSI Approved :: BSD License\n";
        assert_eq!(declared(m), Licence::Named(vec!["BSD License".into()]));
        // A field that holds the licence's text names nothing: the classifier does
        // (cycler, kiwisolver); with no classifier, nothing is declared.
        let text =
            "License: Copyright (c) 2015, matplotlib project\n        All rights reserved.\n";
        let m = format!("Name: a\n{text}Classifier: License :: OSI Approved :: BSD License\n");
        assert_eq!(declared(&m), Licence::Named(vec!["BSD License".into()]));
        assert_eq!(declared(&format!("Name: a\n{text}")), Licence::Unknown);
        let m = "License: BSD 3-Clause License\n        \n        Copyright (c) 2021\n";
        assert_eq!(declared(m), Licence::Ids(vec!["BSD-3-Clause"]));
        let m = "Name: a\nLicense: BSD 3-Clause License\n";
        assert_eq!(declared(m), Licence::Ids(vec!["BSD-3-Clause"]));
        assert_eq!(
            declared("License: The Unlicense\n"),
            Licence::Ids(vec!["Unlicense"])
        );
        assert_eq!(declared("Name: a\nVersion: 1\n"), Licence::Unknown);
        let m = "Name: a\nLicense: LGPL-3.0-only OR GPL-2.0-only OR GPL-3.0-only\n";
        assert_eq!(
            declared(m),
            Licence::Expression("LGPL-3.0-only OR GPL-2.0-only OR GPL-3.0-only".into())
        );
        let m = "Name: a\nLicense: BSD OR MIT\n";
        assert_eq!(declared(m), Licence::Named(vec!["BSD OR MIT".into()]));
    }
}
