//! `--copy-metadata` and `--recursive-copy-metadata`: a distribution's metadata folder
//! (`.dist-info`/`.egg-info`) in the bundle, so `importlib.metadata.version(...)` and entry
//! points find it even when none of its code is bundled (a plugin looked up by name, a
//! version check of a package the app talks to over a pipe). A distribution bundled because
//! the app reaches it carries its metadata already.

use std::collections::BTreeSet;

use crate::bundle::contents::{Contents, Item, Origin};
use crate::error::Error;
use crate::packages::markers::{self, Environment};
use crate::packages::SiteIndex;
use crate::settings::CopyMetadata;

/// Add the metadata of each distribution `wanted` names (and, when recursive, of everything
/// it requires on this platform); returns the distributions whose metadata went in.
pub fn copy(
    wanted: &[CopyMetadata],
    index: &SiteIndex,
    env: &Environment,
    site_dest: &str,
    contents: &mut Contents,
) -> Result<Vec<String>, Error> {
    let mut done: BTreeSet<usize> = BTreeSet::new();
    let mut queue: Vec<usize> = Vec::new();
    for want in wanted {
        let id = index
            .by_key(&markers::normalize(&want.distribution))
            .ok_or_else(|| Error::NoSuchDistribution {
                option: if want.recursive {
                    "--recursive-copy-metadata"
                } else {
                    "--copy-metadata"
                },
                name: want.distribution.clone(),
            })?;
        queue.push(id);
        while let Some(id) = queue.pop() {
            if !done.insert(id) {
                continue;
            }
            let dist = &index.dists[id];
            for rel in &dist.files {
                let top = rel.split('/').next().unwrap_or(rel);
                if top.ends_with(".dist-info") || top.ends_with(".egg-info") {
                    let source = dist.site.join(rel);
                    if source.is_file() {
                        let origin = Origin::Metadata(dist.name.clone());
                        let item = Item::from_file(&source, origin)?;
                        contents.add(crate::bundle::layout::within(site_dest, rel), item)?;
                    }
                }
            }
            if want.recursive {
                for req in &dist.requires {
                    let applies =
                        (req.marker.as_deref()).is_none_or(|m| markers::evaluate(m, env, &[]));
                    if let Some(dep) = index.by_key(&req.key).filter(|_| applies) {
                        queue.push(dep);
                    }
                }
            }
        }
    }
    Ok(done
        .into_iter()
        .map(|id| index.dists[id].name.clone())
        .collect())
}
