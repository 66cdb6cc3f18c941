//! Import analysis: which modules a piece of Python source can import, read with a real Python
//! parser (ruff's), at any depth of the code.

pub mod imports;

/// Is the dotted module `name` the module or package `package`, or inside it (`a.b` is
/// inside `a`; `ab` is not)?
pub fn is_within(name: &str, package: &str) -> bool {
    name.strip_prefix(package)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
}

/// Can `name` be one part of a dotted module name (`config` yes, `config-3` no)?
pub fn is_identifier(name: &str) -> bool {
    name.chars()
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_alphanumeric() || c == '_')
}

/// Where a module is imported: the first file that imports it, and whether every import of it
/// seen so far was optional (guarded by `try`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Site {
    pub importer: String,
    pub optional: bool,
    /// Every import of it seen so far is inside a function of an installed package: it runs
    /// only if the app uses that part of the package (pandas' `to_excel` importing openpyxl).
    pub in_package_function: bool,
}

/// How much an import matters, least first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Need {
    /// The code copes without it (`try`, a version or platform test, a `HAS_*` flag).
    Optional,
    /// Only a function of an installed package has it (an optional feature).
    InFunction,
    /// It runs whenever its importer does.
    Required,
}

impl Site {
    /// An import by the app's own code (or a hint), `optional` or not.
    pub fn app(importer: &str, optional: bool) -> Site {
        Site {
            importer: importer.to_string(),
            optional,
            in_package_function: false,
        }
    }

    /// How much a failure of this import would matter.
    pub fn need(&self) -> Need {
        match (self.optional, self.in_package_function) {
            (true, _) => Need::Optional,
            (false, true) => Need::InFunction,
            (false, false) => Need::Required,
        }
    }

    /// This import made by a module that was itself reached by imports of `need`: it matters
    /// no more than they do.
    pub fn capped(&self, need: Need) -> Site {
        Site {
            importer: self.importer.clone(),
            optional: self.optional || need == Need::Optional,
            in_package_function: self.in_package_function || need == Need::InFunction,
        }
    }
}

/// Record `imports` (name → optional) of `importer` into `sites`; a required import wins over
/// an optional one.
pub fn record(
    sites: &mut std::collections::BTreeMap<String, Site>,
    imports: &std::collections::BTreeMap<String, bool>,
    importer: &str,
) {
    for (name, &optional) in imports {
        let site = Site::app(importer, optional);
        sites
            .entry(name.clone())
            .and_modify(|s| {
                if s.need() < site.need() {
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
