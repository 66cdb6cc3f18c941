//! `--specpath DIR`: PyInstaller writes `NAME.spec` there, the file that rebuilds the same
//! app. pybundle's equivalent is a `[tool.pybundle]` table, so it writes `DIR/NAME.toml`
//! holding one: the build's settings, with paths relative to DIR where they are inside it.
//! Put the table in the `pyproject.toml` next to the app to build it again with
//! `pybundle SCRIPT`.

use std::fs;
use std::path::{Path, PathBuf};

use crate::cli::BuildOptions;
use crate::error::Error;
use crate::settings::data::DataSpec;
use crate::settings::options::Options;
use crate::settings::script::Script;

/// Write the settings; returns the file written.
pub fn write(dir: &Path, name: &str, o: &Options, script: &Script) -> Result<PathBuf, Error> {
    let dir = std::path::absolute(dir).map_err(|source| Error::Write {
        path: dir.to_path_buf(),
        source,
    })?;
    let body = table(&dir, name, o)?;
    let text = format!(
        "# The settings of the pybundle build of {} (PyInstaller's {name}.spec).\n\
         # Put this table in the pyproject.toml beside the script to build it again with\n\
         # `pybundle {}`; its paths are relative to this file's folder.\n[tool.pybundle]\n{body}",
        script.file_name, script.file_name
    );
    fs::create_dir_all(&dir).map_err(|source| Error::Write {
        path: dir.clone(),
        source,
    })?;
    let file = dir.join(format!("{name}.toml"));
    crate::bundle::workpath::write_whole(&file, text.as_bytes()).map_err(|source| {
        Error::Write {
            path: file.clone(),
            source,
        }
    })?;
    Ok(file)
}

/// The body of a `[tool.pybundle]` table holding `o`, paths relative to `dir` (absolute) where
/// they are inside it.
pub fn table(dir: &Path, name: &str, o: &Options) -> Result<String, Error> {
    let rel = |p: &Path| -> String {
        let abs = std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
        abs.strip_prefix(dir)
            .map(|r| r.to_string_lossy().into_owned())
            .unwrap_or_else(|_| abs.to_string_lossy().into_owned())
    };
    let spec = |d: &DataSpec| {
        let dest = if d.dest.is_empty() { "." } else { &d.dest };
        format!("{}:{dest}", rel(&d.source))
    };
    let rel_path = |p: &Path| PathBuf::from(rel(p));
    let table = BuildOptions {
        onefile: o.onefile == Some(true),
        onedir: o.onefile == Some(false),
        name: Some(name.to_string()),
        distpath: o.distpath.as_deref().map(rel_path),
        workpath: o.workpath.as_deref().map(rel_path),
        contents_directory: o.contents_directory.clone(),
        sbom: o.sbom.as_deref().map(rel_path),
        notices: o.notices.as_deref().map(rel_path),
        add_data: o.add_data.iter().map(spec).collect(),
        add_binary: o.add_binary.iter().map(spec).collect(),
        paths: o.paths.iter().map(|p| rel(p)).collect(),
        collect_all: o.collect_all.clone(),
        collect_data: o.collect_data.clone(),
        collect_binaries: o.collect_binaries.clone(),
        collect_submodules: o.collect_submodules.clone(),
        copy_metadata: o.copy_metadata.clone(),
        recursive_copy_metadata: o.recursive_copy_metadata.clone(),
        hidden_import: o.hidden_import.clone(),
        target_package: o.target_package.clone(),
        exclude_module: o.exclude_module.clone(),
        runtime_hook: o.runtime_hook.iter().map(|p| rel_path(p)).collect(),
        python: o.python.as_deref().map(rel_path),
        optimize: o.optimize,
        python_option: o.python_option.clone(),
        debug: o.debug.clone(),
        windowed: o.windowed == Some(true),
        console: o.windowed == Some(false),
        icon: o.icon.as_deref().map(rel_path),
        strip: o.strip == Some(true),
        runtime_tmpdir: o.runtime_tmpdir.clone(),
        runtime_cache: o.runtime_cache == Some(true),
        bootloader_ignore_signals: o.bootloader_ignore_signals == Some(true),
        compression_level: o.compression_level,
        strict: o.strict == Some(true),
        version_file: o.version_file.as_deref().map(rel_path),
        manifest: o.manifest.clone(),
        uac_admin: o.uac_admin == Some(true),
        uac_uiaccess: o.uac_uiaccess == Some(true),
        osx_bundle_identifier: o.osx_bundle_identifier.clone(),
        codesign_identity: o.codesign_identity.as_deref().map(rel_path),
        osx_entitlements_file: o.osx_entitlements_file.as_deref().map(rel_path),
        // What the app is built for, and the user's hook folders: part of rebuilding it.
        target: o.target.clone(),
        target_arch: o.target_arch.clone(),
        runtime: o.runtime.iter().map(|p| rel_path(p)).collect(),
        additional_hooks_dir: (o.additional_hooks_dir.iter())
            .map(|p| rel_path(p))
            .collect(),
        // Every field is named, so a new option is a compile error here until its place in
        // the table is decided. Not kept: what a build of SCRIPT cannot carry (a console
        // script chosen by name, whose wrapper is generated), the table's own place, and how
        // one run talks and replaces.
        entry_point: None,
        all_entry_points: false,
        specpath: None,
        noconfirm: false,
        clean: false,
        quiet: false,
        verbose: false,
        log_level: None,
        json: false,
    };
    let mut keys = toml::Table::try_from(&table).map_err(|e| Error::Internal(e.to_string()))?;
    // A flag not given and a list left empty say nothing.
    keys.retain(|_, value| match value {
        toml::Value::Boolean(on) => *on,
        toml::Value::Array(list) => !list.is_empty(),
        _ => true,
    });
    toml::to_string(&keys).map_err(|e| Error::Internal(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_build_for_another_target_keeps_its_target_runtime_and_hook_folders() {
        let dir = Path::new("/project");
        let options = Options {
            target: Some("linux-aarch64".into()),
            runtime: vec![dir.join("runtimes/arm64")],
            additional_hooks_dir: vec![dir.join("hooks")],
            noconfirm: Some(true),
            ..Options::default()
        };
        let text = table(dir, "app", &options).unwrap();
        assert!(text.contains("target = \"linux-aarch64\"\n"), "{text}");
        assert!(text.contains("runtime = \"runtimes/arm64\"\n"), "{text}");
        assert!(
            text.contains("additional-hooks-dir = [\"hooks\"]\n"),
            "{text}"
        );
        // How one run replaces its output is not the app's.
        assert!(!text.contains("noconfirm"), "{text}");
    }
}
