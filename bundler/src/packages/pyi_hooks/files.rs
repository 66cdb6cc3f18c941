//! What hooks put in the bundle: their `datas` and `binaries` at the destinations they name
//! (relative to the root, where the distributions are, so a hook's destinations mean the same
//! place as in a PyInstaller bundle), and the source files of the modules they say must stay
//! sources. A distribution's file the hook names at its own place is there already; a `.py`
//! file at its own place becomes a real file beside its compiled module in the store (a
//! package that lists or reads its modules' sources: Faker's providers, pendulum's locales).
//! For another target, a distribution's file is taken from the target's wheel; one that has
//! no counterpart there, or a file from outside site-packages, stays out.

use std::path::{Path, PathBuf};

use super::Outcome;
use crate::bundle::contents::{Contents, Item, Origin};
use crate::error::Error;
use crate::packages::SiteIndex;

/// What the hooks added, for the summary and `-v`.
#[derive(Debug, Default)]
pub struct Added {
    pub files: usize,
    pub sources: usize,
    /// (destination, hook, why it was left out).
    pub left: Vec<(String, String, String)>,
}

/// Add the hooks' files. `host_sites` are the build interpreter's site-packages (where the
/// hooks found the files); `index` holds the distributions the bundle takes its files from
/// (the target's wheels first, for another target); `same_machine` says the target is this
/// machine's, so files outside site-packages may go.
pub fn add(
    outcome: &Outcome,
    host_sites: &[PathBuf],
    index: &SiteIndex,
    same_machine: bool,
    contents: &mut Contents,
) -> Result<Added, Error> {
    let mut added = Added::default();
    for (file, dest, hook) in outcome.files() {
        let rel = host_sites
            .iter()
            .find_map(|site| file.strip_prefix(site).ok())
            .map(|r| r.to_string_lossy().replace('\\', "/"));
        let source = match &rel {
            Some(rel) => match distribution_file(index, rel) {
                Some(path) => path,
                None if same_machine => file.clone(),
                None => {
                    added
                        .left
                        .push((dest, hook, "the target's wheels have no such file".into()));
                    continue;
                }
            },
            None if same_machine => file.clone(),
            // A file of the target's own wheels (a Windows-only distribution's, which the
            // hook found on the path it was given).
            None if (index.dists.iter()).any(|d| file.starts_with(&d.site)) => file.clone(),
            None => {
                added.left.push((
                    dest,
                    hook,
                    "it is a file of this machine, not of the target".into(),
                ));
                continue;
            }
        };
        // At its own place and bundled already (every data file of a bundled distribution
        // is): nothing to do, unless it is a module's source, which the store keeps no file of.
        let at_home = rel.as_deref() == Some(dest.as_str());
        if at_home && contents.contains(&dest) && !dest.ends_with(".py") {
            continue;
        }
        let item = Item::from_file(&source, Origin::PyinstallerHook(hook.clone()))?;
        match contents.add(dest.clone(), item) {
            Ok(()) => added.files += 1,
            Err(Error::Collision { .. }) => {
                added
                    .left
                    .push((dest, hook, "another file is already at that place".into()))
            }
            Err(other) => return Err(other),
        }
    }
    for (name, hook) in outcome.keep_sources() {
        added.sources += keep_sources(&name, &hook, index, contents)?;
    }
    Ok(added)
}

/// The file of a distribution in `index` at `rel` (relative to its site-packages).
fn distribution_file(index: &SiteIndex, rel: &str) -> Option<PathBuf> {
    (index.dists.iter())
        .find(|d| d.files.binary_search_by(|f| f.as_str().cmp(rel)).is_ok())
        .map(|d| d.site.join(rel))
}

/// The `.py` sources of the bundled modules of `name` (a module or package), as real files
/// beside their compiled modules; how many were added.
fn keep_sources(
    name: &str,
    hook: &str,
    index: &SiteIndex,
    contents: &mut Contents,
) -> Result<usize, Error> {
    let folder = format!("{}/", name.replace('.', "/"));
    let module = format!("{}.pyc", name.replace('.', "/"));
    let wanted: Vec<String> = (contents.iter())
        .map(|(dest, _)| dest)
        .filter(|dest| dest.ends_with(".pyc") && (dest.starts_with(&folder) || **dest == module))
        .map(|dest| dest[..dest.len() - 1].to_string())
        .filter(|source| !contents.contains(source))
        .collect();
    let mut count = 0;
    for rel in wanted {
        if let Some(path) = distribution_file(index, &rel) {
            let item = Item::from_file(Path::new(&path), Origin::PyinstallerHook(hook.into()))?;
            contents.add(rel, item)?;
            count += 1;
        }
    }
    Ok(count)
}
