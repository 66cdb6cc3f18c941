//! Import analysis: which modules a piece of Python source can import, read with a real Python
//! parser (ruff's), at any depth of the code.

pub mod imports;

/// Where a module is imported: the first file that imports it, and whether every import of it
/// seen so far was optional (guarded by `try`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Site {
    pub importer: String,
    pub optional: bool,
}

/// Record `imports` (name → optional) of `importer` into `sites`; a required import wins over
/// an optional one.
pub fn record(
    sites: &mut std::collections::BTreeMap<String, Site>,
    imports: &std::collections::BTreeMap<String, bool>,
    importer: &str,
) {
    for (name, &optional) in imports {
        let site = Site {
            importer: importer.to_string(),
            optional,
        };
        sites
            .entry(name.clone())
            .and_modify(|s| {
                if s.optional && !optional {
                    *s = site.clone();
                }
            })
            .or_insert(site);
    }
}
