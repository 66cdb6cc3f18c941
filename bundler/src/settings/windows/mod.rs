//! What a Windows launcher carries, resolved once from the settings: the icon, the
//! subsystem (`--windowed`), the version information ([`version`]) and the manifest
//! (`--manifest`, or pybundle's own with `--uac-admin`/`--uac-uiaccess`). Writing it into the
//! launcher is the write stage's (`output/windows.rs`).

pub mod version;

use std::path::PathBuf;

use super::options::Options;
use super::{project, BuildSettings};
use crate::error::Error;
use version::VersionStrings;

/// The application manifest's source.
#[derive(Debug, Clone)]
pub enum Manifest {
    /// pybundle's own, for the app `name`.
    Generated {
        name: String,
        admin: bool,
        ui_access: bool,
    },
    /// The user's XML, as given.
    Given(String),
}

/// Everything written into the launcher.
#[derive(Debug, Clone)]
pub struct Resources {
    pub icon: Option<PathBuf>,
    pub windowed: bool,
    pub version: VersionStrings,
    pub manifest: Manifest,
}

/// What the launcher of a Windows executable carries: icon, subsystem, version information
/// (from the app's name, its pyproject.toml and `--version-file`) and manifest.
pub fn resolve(s: &BuildSettings, o: &Options) -> Result<Resources, Error> {
    let mut version = VersionStrings::new(&s.output.name, &s.executable_name());
    if let Some(pyproject) = project::find(&s.input.script.path) {
        version.from_project(&pyproject)?;
    }
    if let Some(file) = &o.version_file {
        version.from_version_file(file)?;
    }
    let manifest =
        match &o.manifest {
            Some(xml) if xml.trim_start().starts_with('<') => Manifest::Given(xml.clone()),
            Some(file) => Manifest::Given(std::fs::read_to_string(file).map_err(|e| {
                Error::BadOptionFile {
                    flag: "--manifest",
                    path: PathBuf::from(file),
                    why: format!("is neither XML nor a file that can be read ({e})"),
                }
            })?),
            None => Manifest::Generated {
                name: s.output.name.clone(),
                admin: o.uac_admin.unwrap_or(false),
                ui_access: o.uac_uiaccess.unwrap_or(false),
            },
        };
    Ok(Resources {
        icon: s.launch.icon.clone(),
        windowed: s.launch.windowed,
        version,
        manifest,
    })
}
