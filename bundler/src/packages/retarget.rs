//! The app's distributions as another target needs them. The build interpreter's
//! site-packages decide which distributions, and which versions, the app uses; for a bundle of
//! another platform, each reached distribution that is platform-specific is taken from the
//! target's wheel of the same version instead, and what only the target requires
//! (`Requires-Dist` whose marker holds there, not installed here) is fetched too, and so is
//! what the build names for the target (`--target-package`, the project's dependencies for
//! it alone). Pure distributions go as installed.

use std::collections::{BTreeSet, VecDeque};
use std::path::PathBuf;

use super::distribution::Requirement;
use super::markers::{self, Environment};
use super::wheels::Fetcher;
use super::SiteIndex;
use crate::error::Error;

/// The site folders of the target's wheels, to be searched before the interpreter's own.
#[derive(Debug, Default)]
pub struct Retargeted {
    pub sites: Vec<PathBuf>,
    /// `name version` of each distribution taken from a target wheel in place of the
    /// installed one.
    pub swapped: Vec<String>,
    /// `name spec` of each distribution only the target requires.
    pub added: Vec<String>,
}

/// Fetch what `reached` (ids in `index`) needs on the target `env` describes, and `named`
/// (requirements the target needs that this machine lacks).
pub fn for_target(
    reached: &[usize],
    named: &[Requirement],
    index: &SiteIndex,
    env: &Environment,
    fetcher: &Fetcher,
) -> Result<Retargeted, Error> {
    let mut out = Retargeted::default();
    let mut known: BTreeSet<String> = index.dists.iter().map(|d| d.key.clone()).collect();
    let mut wanted: VecDeque<(String, String)> = VecDeque::new();
    let mut queue_missing = |requires: &[Requirement], wanted: &mut VecDeque<(String, String)>| {
        for req in requires {
            let here = (req.marker.as_deref()).is_none_or(|m| markers::evaluate(m, env, &[]));
            if here && known.insert(req.key.clone()) {
                wanted.push_back((req.key.clone(), req.spec.clone()));
            }
        }
    };
    queue_missing(named, &mut wanted);
    for &id in reached {
        let dist = &index.dists[id];
        queue_missing(&dist.requires, &mut wanted);
        if dist.is_pure() {
            continue;
        }
        out.sites
            .push(fetcher.site_of(&dist.name, &format!("=={}", dist.version))?);
        out.swapped.push(format!("{} {}", dist.name, dist.version));
    }
    while let Some((key, spec)) = wanted.pop_front() {
        let site = fetcher.site_of(&key, &spec)?;
        let fetched = SiteIndex::scan(std::slice::from_ref(&site));
        for dist in &fetched.dists {
            queue_missing(&dist.requires, &mut wanted);
        }
        out.added.push(format!("{key}{spec}"));
        out.sites.push(site);
    }
    Ok(out)
}
