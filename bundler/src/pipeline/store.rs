//! The store stage: the bundle's pure-Python modules packed into the module store, with the
//! build's record; the bundle described in its SBOM first (`describe`).

use super::{describe, Analysis, Collected};
use crate::bundle::contents::Contents;
use crate::bundle::layout;
use crate::bundle::target::Os;
use crate::error::Error;
use crate::packages::{self, pyi_hooks};
use crate::progress::Progress;
use crate::python::runtime::Runtime;
use crate::settings::BuildSettings;
use crate::store;
use crate::store::record;

/// The last step before writing: the build's record made, and the app's and the
/// distributions' compiled modules moved into the module store with it.
pub fn store(
    s: &BuildSettings,
    a: &Analysis,
    collected: &mut Collected,
    progress: &Progress,
) -> Result<(), Error> {
    let (rules, contents) = (&collected.rules, &mut collected.contents);
    let packages = describe::add_package_licences(s, a, contents)?;
    let record = record::build(&a.graph, &a.index, contents);
    describe::add_sbom(s, a, contents, &packages, progress)?;
    let record = serde_json::to_vec(&record).map_err(|e| Error::Internal(e.to_string()))?;
    let modules = pack_modules(s, &a.runtime, rules, &a.hooks, record, contents)?;
    progress.detail(&format!(
        "module store: {} modules and {} resources in one file ({:.1} MB)",
        modules.modules,
        modules.resources,
        modules.bytes as f64 / 1e6
    ));
    for (path, rule) in &modules.on_disk {
        progress.detail(&format!("rule {rule}: {path} stays a file"));
    }
    Ok(())
}

/// The compiled modules moved into the module store, with `record`: stored as they are in a
/// onefile bundle (its archive compresses them better as a whole), each compressed in a
/// onedir folder when the bundle can inflate them (zlib is in it).
pub(super) fn pack_modules(
    s: &BuildSettings,
    runtime: &Runtime,
    rules: &packages::rules::Rules,
    hooks: &pyi_hooks::Outcome,
    record: Vec<u8>,
    contents: &mut Contents,
) -> Result<store::Packed, Error> {
    let has_zlib = s.pythons.target.os() == Os::Windows
        || runtime.builtins.iter().any(|m| m == "zlib")
        || contents.iter().any(|(path, _)| {
            let name = path.rsplit('/').next().unwrap_or(path);
            path.contains("/lib-dynload/") && name.starts_with("zlib.")
        });
    let compression = if s.onefile() || !has_zlib {
        store::Compression::Stored
    } else {
        store::Compression::Zlib
    };
    // A rule's `on-disk`, or a hook's `pyc` collection mode.
    let compiled_files = hooks.keep_compiled();
    let on_disk = |rel: &str| {
        rules.on_disk(rel).map(str::to_string).or_else(|| {
            let module = rel.strip_suffix(".py").unwrap_or(rel).replace('/', ".");
            let module = module
                .strip_suffix(".__init__")
                .unwrap_or(&module)
                .to_string();
            (compiled_files.iter())
                .find(|(name, _)| crate::bundle::module_name::is_within(&module, name))
                .map(|(_, hook)| hook.clone())
        })
    };
    // Python 3.9's importlib.resources.files() takes a package's folder as it is on disk
    // and never asks its loader: there, resources stay files.
    let minor: u32 = (runtime.version_short.split('.').nth(1))
        .and_then(|m| m.parse().ok())
        .unwrap_or(0);
    let resources = |rel: &str| {
        (minor >= 10)
            .then(|| rules.resource(rel).map(str::to_string))
            .flatten()
    };
    let read_by_path: Vec<String> = std::iter::once(&s.input.script)
        .chain(s.input.companions.iter().map(|c| &c.script))
        .map(|script| script.compiled_dest())
        .collect();
    let plan = store::Plan {
        entries: &[layout::SITE_PACKAGES],
        read_by_path: &read_by_path,
        compression,
        on_disk: &on_disk,
        resources: &resources,
        record: Some(record),
    };
    store::pack(contents, layout::MODULE_STORE, &plan)
}
