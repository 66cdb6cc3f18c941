//! `pybundle import-spec X.spec`: a PyInstaller spec's settings as a `[tool.pybundle]` table.

use std::fmt::Write as _;
use std::path::Path;

use crate::error::Error;

use super::print_all;

/// `pybundle import-spec X.spec`: the spec's settings as a `[tool.pybundle]` table, paths
/// relative to the spec's folder, and what was not carried over as comments.
pub fn import_spec(spec: &Path) -> Result<(), Error> {
    use clap::Parser as _;
    let imported = crate::settings::pyinstaller_spec::read(spec)?;
    let argv = ["pybundle", "build"]
        .into_iter()
        .map(String::from)
        .chain(imported.args.iter().cloned());
    let cli = crate::cli::Cli::try_parse_from(argv).map_err(|e| Error::BadSpec {
        path: spec.to_path_buf(),
        why: e.to_string().lines().next().unwrap_or_default().to_string(),
    })?;
    let crate::cli::Command::Build(args) = cli.command else {
        return Err(Error::Internal("a spec's arguments are a build's".into()));
    };
    let options = crate::settings::options::Options::from_cli(&args)?;
    let script = args.script.clone().unwrap_or_default();
    let dir = std::path::absolute(spec)
        .ok()
        .and_then(|p| p.parent().map(Path::to_path_buf))
        .unwrap_or_default();
    let stem = script.file_stem().unwrap_or_default().to_string_lossy();
    let name = options.name.clone().unwrap_or_else(|| stem.to_string());
    let body = crate::settings::pyproject_table::table(&dir, &name, &options)?;
    let shown = script
        .strip_prefix(&dir)
        .unwrap_or(&script)
        .display()
        .to_string();
    let mut out = format!(
        "# {} as pybundle settings. Put this table in the pyproject.toml beside the spec\n\
         # (paths are relative to its folder), then: pybundle build {shown}\n",
        spec.display()
    );
    for warning in imported.warnings_for(spec) {
        eprintln!("warning: {warning}");
        let _ = writeln!(out, "# {warning}");
    }
    let _ = write!(out, "[tool.pybundle]\n{body}");
    print_all(&out)
}
