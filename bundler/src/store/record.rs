//! The build's record of why each part is in the bundle, kept in the module store and read
//! back by `pybundle inspect --why`: each distribution with the chain that brought it in (the
//! app file that imports a module, the modules that import the next, a distribution that
//! requires another), and each file but the compiled modules with what put it there (its
//! distribution, the library that needed it, an option, the runtime).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::analysis::graph::{ModuleGraph, Wanted};
use crate::bundle::contents::{Contents, Origin};
use crate::bundle::module_name::ModuleName;
use crate::packages::SiteIndex;

/// Bumped when a field changes meaning or goes; fields may be added within a version.
pub const SCHEMA: u32 = 1;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    pub schema: u32,
    pub distributions: Vec<Distribution>,
    /// Path in the bundle → what put it there (compiled modules left out: theirs is their
    /// distribution's or the app's).
    pub files: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Distribution {
    pub name: String,
    pub version: String,
    /// How it was reached, from the app down: `app.py imports pandas`, `pandas requires
    /// tzdata`.
    pub why: Vec<String>,
}

/// The record of a build whose graph is `graph` and whose files are `contents`.
pub fn build(graph: &ModuleGraph, index: &SiteIndex, contents: &Contents) -> Record {
    let name = |dist: usize| index.dists[dist].name.clone();
    let distributions = (graph.distributions.iter())
        .map(|&dist| Distribution {
            name: name(dist),
            version: index.dists[dist].version.clone(),
            why: chain(graph, dist, &name),
        })
        .collect();
    let files = (contents.iter())
        .filter(|(path, item)| {
            let module = matches!(item.origin, Origin::App(_) | Origin::Distribution { .. });
            !(module && path.ends_with(".pyc"))
        })
        .map(|(path, item)| (path.clone(), item.origin.to_string()))
        .collect();
    Record {
        schema: SCHEMA,
        distributions,
        files,
    }
}

/// Why `dist` is wanted, from the app down.
fn chain(graph: &ModuleGraph, dist: usize, name: &dyn Fn(usize) -> String) -> Vec<String> {
    let mut lines = Vec::new();
    let mut current = dist;
    // Bounded: a requirement cycle cannot loop forever.
    for _ in 0..32 {
        match graph.wanted_by.get(&current) {
            Some(Wanted::Requires(by)) => {
                lines.push(format!("{} requires {}", name(*by), name(current)));
                current = *by;
            }
            Some(Wanted::Import(module)) => {
                lines.extend(imports(graph, module));
                break;
            }
            None => break,
        }
    }
    lines.reverse();
    lines
}

/// `module`'s import chain, from it up: `pandas/core/frame.py imports numpy`, ...
fn imports(graph: &ModuleGraph, module: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut current = module.to_string();
    for _ in 0..64 {
        let Some(importer) = graph.imported_by.get(&current) else {
            break;
        };
        lines.push(format!("{importer} imports {current}"));
        // A distribution's file (`pkg/mod.py`) continues the chain through its module.
        match ModuleName::from_path(importer) {
            Some(next)
                if graph.imported_by.contains_key(next.as_str()) && next.as_str() != current =>
            {
                current = next.as_str().to_string();
            }
            _ => break,
        }
    }
    lines
}
