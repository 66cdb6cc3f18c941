//! The write stage: the launcher (with its Windows resources) and the archive or folder,
//! written into place (`output/`).

use std::borrow::Cow;

use pybundle_archive::Launch;

use crate::bundle::contents::Contents;
use crate::bundle::layout;
use crate::bundle::target::Os;
use crate::bundle::workpath::Bucket;
use crate::error::Error;
use crate::output::launcher;
use crate::output::macos::app::{self, App};
use crate::output::{self, Plan, Signing, Written};
use crate::progress::Progress;
use crate::python::runtime::Runtime;
use crate::sbom;
use crate::settings::pyproject_table;
use crate::settings::{BuildSettings, OutputMode};

/// The output, with the launcher for the target, and `--specpath`'s settings.
pub fn write(
    s: &BuildSettings,
    runtime: &Runtime,
    contents: &Contents,
    progress: &Progress,
) -> Result<Written, Error> {
    let stub = launcher::bytes_for(s.pythons.target)?;
    let launcher: Cow<[u8]> = match s.pythons.target.os() {
        Os::Windows => Cow::Owned(output::windows::apply(
            &stub,
            s.windows.as_ref().ok_or_else(|| {
                Error::Internal("a Windows build's resources were not resolved".into())
            })?,
        )?),
        _ => stub,
    };
    progress.detail(&format!(
        "launcher: {} bytes, for {}",
        launcher.len(),
        s.pythons.target
    ));
    let executable = s.executable_name();
    let app = match &s.apple {
        Some(apple) if apple.app => Some(App {
            name: &s.output.name,
            identifier: &apple.identifier,
            version: apple.version.as_deref(),
            icon: apple.icon.as_deref().map(app::icon).transpose()?,
            signer: &apple.signer,
        }),
        _ => None,
    };
    let companions = (s.input.companions.iter())
        .map(|c| {
            let file = s.executable_file(&c.name);
            (file, c.name.clone(), layout::companion_bootstrap(&c.name))
        })
        .collect();
    let plan = Plan {
        dist: &s.output.distpath,
        name: &s.output.name,
        executable: &executable,
        folder: s.folder(),
        companions,
        stub: &launcher,
        signing: match &s.apple {
            Some(apple) => Signing::Macho {
                identifier: &apple.identifier,
                signer: &apple.signer,
            },
            None => Signing::Unsigned,
        },
        app,
        launch: Launch {
            python: layout::python_library(&runtime.layout()),
            bootstrap: layout::BOOTSTRAP.to_string(),
            library_dir: layout::library_dir(&runtime.layout()).to_string(),
            options: s.launch.interpreter_options.clone(),
            signals: s.launch.signals,
            trace: s.launch.trace,
        },
        runtime_tmpdir: s.launch.runtime_tmpdir.clone(),
        level: s.output.level,
        frames: s.output.workpath.bucket(Bucket::Frames),
        timestamp: s.output.timestamp,
    };
    let written = match &s.output.mode {
        OutputMode::Onefile(unpack) => output::onefile(plan, *unpack, contents, progress)?,
        OutputMode::Onedir { contents_dir } => {
            if contents_dir == "." && contents.contains(&executable) {
                return Err(Error::Collision {
                    dest: s.output.name.clone(),
                    first: "the executable (--contents-directory .)".into(),
                    second: "a bundled file".into(),
                });
            }
            if let Some((icon, _)) = plan.app.as_ref().and_then(|a| a.icon_file(&executable)) {
                if contents.contains(&icon) {
                    return Err(Error::Collision {
                        dest: icon,
                        first: "the app's icon (--icon)".into(),
                        second: "a bundled file".into(),
                    });
                }
            }
            output::onedir(plan, contents_dir, contents, progress)?
        }
    };
    if let Some(file) = &s.output.sbom {
        let document = sbom::in_format(&sbom_of(contents)?, sbom::format_of(file))?;
        write_beside(file, &document)?;
        progress.detail(&format!("SBOM written to {}", file.display()));
    }
    if let Some(file) = &s.output.notices {
        let document: serde_json::Value = serde_json::from_slice(&sbom_of(contents)?)
            .map_err(|e| Error::Internal(e.to_string()))?;
        let text = sbom::notices::notices(&document, |path| {
            contents.get(path).map(|item| item.read()).transpose()
        })?;
        write_beside(file, text.as_bytes())?;
        progress.detail(&format!(
            "third-party notices written to {}",
            file.display()
        ));
    }
    if let Some(spec) = &s.output.specpath {
        let file =
            pyproject_table::write(&spec.dir, &s.output.name, &spec.options, &s.input.script)?;
        progress.detail(&format!("settings written to {}", file.display()));
    }
    Ok(written)
}

/// The SBOM the bundle carries.
fn sbom_of(contents: &Contents) -> Result<Vec<u8>, Error> {
    (contents.get(sbom::PATH))
        .ok_or_else(|| Error::Internal("the bundle has no SBOM".into()))?
        .read()
}

/// `bytes` written whole to `file` (`--sbom FILE`, `--notices FILE`), its folder made.
fn write_beside(file: &std::path::Path, bytes: &[u8]) -> Result<(), Error> {
    let parent = file.parent().unwrap_or(std::path::Path::new("."));
    std::fs::create_dir_all(parent)
        .and_then(|()| crate::bundle::workpath::write_whole(file, bytes))
        .map_err(|source| Error::Write {
            path: file.to_path_buf(),
            source,
        })
}
