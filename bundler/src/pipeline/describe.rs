//! What a bundle holds, described for its users' security and licence reviews, as the store
//! stage finishes: the copyright files of the system packages its libraries came from carried
//! in it, its SBOM (`sbom/`) made from its files and put in its root, and a warning for each
//! distribution that says nothing of its licence.

use std::collections::BTreeMap;
use std::path::PathBuf;

use super::Analysis;
use crate::bundle::contents::{self, Contents, Item};
use crate::bundle::layout;
use crate::bundle::origin::Origin;
use crate::bundle::target::Target;
use crate::error::Error;
use crate::native::system_package::{self, SystemPackage};
use crate::packages::markers::normalize;
use crate::progress::Progress;
use crate::sbom;
use crate::settings::BuildSettings;

/// The system packages the bundle's libraries and CPython's came from (by the path each was
/// read from), each package's copyright file added to the bundle. None for a bundle for
/// another platform.
pub fn add_package_licences(
    s: &BuildSettings,
    a: &Analysis,
    contents: &mut Contents,
) -> Result<BTreeMap<PathBuf, SystemPackage>, Error> {
    // This machine's packages can only be what a bundle for this machine's platform carries.
    if Target::host() != Some(s.pythons.target) {
        return Ok(BTreeMap::new());
    }
    let mut files: Vec<PathBuf> = (contents.iter())
        .filter(|(_, item)| matches!(item.origin, Origin::Library { .. }))
        .filter_map(|(_, item)| match &item.source {
            contents::Source::File(path) => Some(path.clone()),
            contents::Source::Bytes(_) => None,
        })
        .collect();
    files.push(a.runtime.library.clone());
    let packages = system_package::owners(&files);
    let mut names: Vec<&SystemPackage> = packages.values().collect();
    names.sort_by(|x, y| x.name.cmp(&y.name));
    names.dedup_by(|x, y| x.name == y.name);
    for package in names {
        let copyright = package.copyright();
        if copyright.is_file() {
            let origin = Origin::LicenceOf(format!("the system package {}", package.name));
            contents.add(
                layout::package_licence(&package.name),
                Item::file(copyright, 0o644, origin),
            )?;
        }
    }
    Ok(packages)
}

/// The bundle's SBOM, made from the files as they go in (the compiled modules still apart),
/// put in its root; a warning for each distribution with no licence in its metadata and no
/// licence file.
pub fn add_sbom(
    s: &BuildSettings,
    a: &Analysis,
    contents: &mut Contents,
    packages: &BTreeMap<PathBuf, SystemPackage>,
    progress: &Progress,
) -> Result<(), Error> {
    let pyproject = crate::settings::project::find(&s.input.script.path);
    let field = |key| (pyproject.as_deref()).and_then(|p| sbom::project_field(p, key));
    let subject = sbom::Subject {
        name: &s.output.name,
        version: field("version"),
        target: s.pythons.target,
        timestamp: s.output.timestamp,
    };
    let dists: Vec<_> = (a.graph.distributions.iter())
        .map(|&d| &a.index.dists[d])
        .collect();
    let document = sbom::document(&subject, &a.runtime, &dists, contents, packages)?;
    // The app's own project, installed, is the app: its licence is its author's to state.
    let own = field("name").map(|n| normalize(&n));
    for row in sbom::licences::unlicensed(&document)?
        .into_iter()
        .filter(|r| own.as_deref() != Some(&*normalize(&r.component)))
    {
        progress.warn(&format!(
            "{} {} declares no licence and carries no licence file: its terms are unknown \
             (the SBOM and notices say nothing of it); check them before you ship it",
            row.component, row.version
        ));
    }
    let origin = Origin::Runtime("the software bill of materials");
    contents.add(sbom::PATH.to_string(), Item::bytes(document, 0o644, origin))
}
