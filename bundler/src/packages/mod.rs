//! Third-party packages: the distributions installed in the interpreter's site-packages
//! ([`SiteIndex`]), which of them own a given module, and bundling the ones the app reaches,
//! whole, with their metadata and requirements ([`collect`]), with what their compiled modules
//! import from C ([`compiled`]).

pub mod compiled;
pub mod distribution;
pub mod editable;
pub mod files;
pub mod hooks;
pub mod ini;
pub mod markers;
pub mod pyi_hooks;
pub mod retarget;
pub mod rules;
pub mod wheels;

use std::collections::HashMap;
use std::fs;
use std::path::PathBuf;

use crate::bundle::module_name::{is_identifier, ModuleName};
use distribution::Distribution;

/// Every distribution installed in some site-packages folders, indexed by module.
#[derive(Debug, Default)]
pub struct SiteIndex {
    pub dists: Vec<Distribution>,
    /// Dotted module or package name → distributions that install it (several for a
    /// namespace package).
    by_module: HashMap<String, Vec<usize>>,
    by_key: HashMap<String, usize>,
}

impl SiteIndex {
    pub fn scan(sites: &[PathBuf]) -> Self {
        let mut index = SiteIndex::default();
        for site in sites {
            let Ok(entries) = fs::read_dir(site) else {
                continue;
            };
            let mut names: Vec<String> = entries
                .flatten()
                .filter_map(|e| e.file_name().into_string().ok())
                .filter(|n| n.ends_with(".dist-info") || n.ends_with(".egg-info"))
                .collect();
            // Every `.dist-info` first: where both describe one distribution, the richer wins.
            names.sort_by_key(|n| (n.ends_with(".egg-info"), n.clone()));
            for name in names {
                let dist = if name.ends_with(".dist-info") {
                    Distribution::read(site, &name)
                } else {
                    Distribution::read_egg_info(site, &name)
                };
                let Some(dist) = dist else {
                    continue;
                };
                if index.by_key.contains_key(&dist.key) {
                    continue; // an earlier site wins, as on sys.path
                }
                let id = index.dists.len();
                let linked = dist.linked.iter().map(|(rel, _)| rel);
                for file in dist.files.iter().chain(linked) {
                    for module in module_names(dist.importable(file)) {
                        let owners = index.by_module.entry(module).or_default();
                        if !owners.contains(&id) {
                            owners.push(id);
                        }
                    }
                }
                index.by_key.insert(dist.key.clone(), id);
                index.dists.push(dist);
            }
        }
        index
    }

    /// The distributions that provide `dotted`: those owning its longest known prefix.
    pub fn owners(&self, dotted: &str) -> &[usize] {
        let mut name = dotted;
        loop {
            if let Some(owners) = self.by_module.get(name) {
                return owners;
            }
            match name.rsplit_once('.') {
                Some((parent, _)) => name = parent,
                None => return &[],
            }
        }
    }

    pub fn by_key(&self, key: &str) -> Option<usize> {
        self.by_key.get(key).copied()
    }
}

/// The module names a RECORD path provides: `a/b/c.py` → `a`, `a.b`, `a.b.c`; an extension
/// `a/_x.cpython-311-x86_64-linux-gnu.so` → `a`, `a._x`. Paths through folders that cannot be
/// packages (`numpy.libs/`, `x.dist-info/`) provide none; a data file, its packages.
fn module_names(path: &str) -> Vec<String> {
    let (dir, _) = path.rsplit_once('/').unwrap_or(("", path));
    if !dir.split('/').filter(|d| !d.is_empty()).all(is_identifier) {
        return Vec::new();
    }
    let module = ModuleName::from_path(path).or_else(|| {
        // A data file: its folder's package.
        (!dir.is_empty()).then(|| ModuleName::new(dir.replace('/', ".")))
    });
    module
        .map(|m| m.prefixes().map(String::from).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::module_names;

    #[test]
    fn record_paths_name_modules() {
        assert_eq!(module_names("click/core.py"), ["click", "click.core"]);
        assert_eq!(module_names("click/__init__.py"), ["click"]);
        assert_eq!(module_names("six.py"), ["six"]);
        assert_eq!(
            module_names("numpy/core/_multiarray_umath.cpython-311-x86_64-linux-gnu.so"),
            ["numpy", "numpy.core", "numpy.core._multiarray_umath"]
        );
        assert!(module_names("numpy.libs/libopenblas.so").is_empty());
        assert!(module_names("click-8.1.7.dist-info/METADATA").is_empty());
        assert_eq!(module_names("click/py.typed"), ["click"]);
    }
}
