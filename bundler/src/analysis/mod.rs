//! Import analysis: which modules a piece of Python source can import, read with a real Python
//! parser (ruff's), at any depth of the code.

pub mod imports;

/// Is the dotted module `name` the module or package `package`, or inside it (`a.b` is
/// inside `a`; `ab` is not)?
pub fn is_within(name: &str, package: &str) -> bool {
    name.strip_prefix(package)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
}

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

#[cfg(test)]
mod tests {
    #[test]
    fn a_module_is_within_itself_and_its_packages_only() {
        assert!(super::is_within("numpy", "numpy"));
        assert!(super::is_within("numpy.f2py.x", "numpy.f2py"));
        assert!(!super::is_within("numpyx", "numpy"));
        assert!(!super::is_within("numpy", "numpy.f2py"));
    }
}
