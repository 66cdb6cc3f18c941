//! `pybundle verify`: every file of a bundle checked against its recorded hash.

use std::path::Path;
use std::process::ExitCode;

use pybundle_archive::Difference;

use crate::error::Error;

use super::opened::Opened;
use super::print_all;

/// Exit 0 when the executable's archive (and a onedir's every file) is as built; else one
/// line per problem on stderr and exit 1.
pub fn verify(path: &Path) -> Result<ExitCode, Error> {
    let opened = match Opened::open(path) {
        Ok(opened) => opened,
        Err(err) => {
            eprintln!("error: {err}");
            return Ok(ExitCode::FAILURE);
        }
    };
    let files = opened.bundle.manifest.files.len();
    let Some(root) = opened.onedir_root() else {
        print_all(&format!(
            "{}: intact ({files} files)\n",
            opened.exe.display()
        ))?;
        return Ok(ExitCode::SUCCESS);
    };
    let launcher_name = opened
        .exe
        .file_name()
        .map(|n| n.to_string_lossy().into_owned());
    let differences: Vec<Difference> = (opened.bundle.differences(&root).into_iter())
        // With `--contents-directory .` the launcher sits among the files.
        .filter(|d| !matches!(d, Difference::Added(p) if Some(p) == launcher_name.as_ref()))
        .collect();
    if differences.is_empty() {
        print_all(&format!(
            "{}: intact ({files} files in {}, each checked)\n",
            opened.exe.display(),
            root.display()
        ))?;
        return Ok(ExitCode::SUCCESS);
    }
    for d in &differences {
        let line = match d {
            Difference::Missing(p) => format!("{p} is missing"),
            Difference::Changed(p, why) => format!("{p} changed: it {why}"),
            Difference::Added(p) => format!("{p} was not in the bundle"),
        };
        eprintln!("error: {}: {line}", root.display());
    }
    eprintln!(
        "error: {} is damaged ({} of {files} files differ); rebuild it or copy it again",
        opened.exe.display(),
        differences.len()
    );
    Ok(ExitCode::FAILURE)
}
