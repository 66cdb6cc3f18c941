//! The write stage: the launcher (with its Windows resources) and the archive or folder,
//! written into place (`output/`).

use std::borrow::Cow;
use std::path::PathBuf;

use pybundle_archive::Launch;

use crate::bundle::contents::Contents;
use crate::bundle::layout;
use crate::bundle::target::Os;
use crate::bundle::workpath::Bucket;
use crate::error::Error;
use crate::output::launcher;
use crate::output::{self, Plan, Written};
use crate::progress::Progress;
use crate::python::runtime::Runtime;
use crate::settings::pyproject_table;
use crate::settings::{self, BuildSettings, OutputMode};

/// The output, with the launcher for the target, and `--specpath`'s settings.
pub fn write(
    s: &BuildSettings,
    runtime: &Runtime,
    contents: &Contents,
    progress: &Progress,
) -> Result<Written, Error> {
    let stub = launcher::bytes_for(s.target)?;
    let launcher: Cow<[u8]> = match s.target.os() {
        Os::Windows => Cow::Owned(output::windows::resources::apply(
            stub,
            &windows_resources(s)?,
        )?),
        _ => Cow::Borrowed(stub),
    };
    progress.detail(&format!(
        "launcher: {} bytes, for {}",
        launcher.len(),
        s.target
    ));
    let executable = s.executable_name();
    let companions = (s.companions.iter())
        .map(|c| {
            let file = s.executable_file(&c.name);
            (file, c.name.clone(), layout::companion_bootstrap(&c.name))
        })
        .collect();
    let plan = Plan {
        dist: &s.distpath,
        name: &s.name,
        executable: &executable,
        folder: s.folder(),
        companions,
        stub: &launcher,
        launch: Launch {
            python: layout::python_library(runtime),
            bootstrap: layout::BOOTSTRAP.to_string(),
            library_dir: layout::library_dir(runtime).to_string(),
            options: s.interpreter_options.clone(),
            signals: s.signals,
            trace: s.trace,
        },
        runtime_tmpdir: s.runtime_tmpdir.clone(),
        level: s.level,
        frames: s.workpath.bucket(Bucket::Frames),
        timestamp: s.timestamp,
    };
    let written = match &s.mode {
        OutputMode::Onefile(unpack) => output::onefile(plan, *unpack, contents, progress)?,
        OutputMode::Onedir { contents_dir } => {
            if contents_dir == "." && contents.contains(&executable) {
                return Err(Error::Collision {
                    dest: s.name.clone(),
                    first: "the executable (--contents-directory .)".into(),
                    second: "a bundled file".into(),
                });
            }
            output::onedir(plan, contents_dir, contents, progress)?
        }
    };
    if let Some(dir) = &s.specpath {
        let file = pyproject_table::write(dir, &s.name, &s.options, &s.script)?;
        progress.detail(&format!("settings written to {}", file.display()));
    }
    Ok(written)
}

/// What the launcher of a Windows executable carries: icon, subsystem, version information
/// (from the app's name, its pyproject.toml and `--version-file`) and manifest.
pub(super) fn windows_resources(
    s: &BuildSettings,
) -> Result<output::windows::resources::Resources<'_>, Error> {
    let mut version = output::windows::version::VersionStrings::new(&s.name, &s.executable_name());
    if let Some(pyproject) = settings::project::find(&s.script.path) {
        version.from_project(&pyproject)?;
    }
    if let Some(file) = &s.options.version_file {
        version.from_version_file(file)?;
    }
    let manifest = match &s.options.manifest {
        Some(xml) if xml.trim_start().starts_with('<') => {
            output::windows::resources::Manifest::Given(xml.clone())
        }
        Some(file) => output::windows::resources::Manifest::Given(
            std::fs::read_to_string(file).map_err(|e| Error::WindowsInput {
                flag: "--manifest",
                path: PathBuf::from(file),
                why: format!("is neither XML nor a file that can be read ({e})"),
            })?,
        ),
        None => output::windows::resources::Manifest::Generated {
            name: s.name.clone(),
            admin: s.options.uac_admin.unwrap_or(false),
            ui_access: s.options.uac_uiaccess.unwrap_or(false),
        },
    };
    Ok(output::windows::resources::Resources {
        icon: s.icon.as_deref(),
        windowed: s.windowed,
        version,
        manifest,
    })
}
