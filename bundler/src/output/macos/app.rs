//! A macOS `.app` (`--windowed`): `NAME.app/Contents/` with `Info.plist`, the executables in
//! `MacOS/`, and everything else in `Resources/`: the bundle's root (a onedir's files, which
//! the launcher finds as `../Resources`) and the icon. py2app and Briefcase keep Python's
//! files in `Resources` too; PyInstaller 6 splits them between `Frameworks` (code) and
//! `Resources` (data) with symbolic links across, which pybundle has no need for: every
//! Mach-O file is signed where it is, and the rest is sealed as resources. Signed last:
//! the executable bound to the `Info.plist` and to the hashes of every other file.

use std::path::{Path, PathBuf};

use super::icns;
use super::info_plist::{info_plist, AppInfo};
use crate::error::Error;
use crate::native::macho::signer::Signer;

/// Where the executables go, from the `.app`'s folder.
pub const EXECUTABLES: &str = "Contents/MacOS";
/// Where the bundle's root goes, from the `.app`'s folder.
pub const ROOT: &str = "Contents/Resources";
/// The root, as the launcher in [`EXECUTABLES`] finds it (the manifest's `contents_dir`).
pub const ROOT_FROM_EXECUTABLE: &str = "../Resources";

/// What makes an output an `.app`.
pub struct App<'a> {
    /// Shown in Finder and the menu bar.
    pub name: &'a str,
    pub identifier: &'a str,
    pub version: Option<&'a str>,
    /// `--icon`, as an `.icns` file ([`icon`]).
    pub icon: Option<Vec<u8>>,
    pub signer: &'a Signer,
}

impl App<'_> {
    /// The `.app` folder for output `folder` in `dist`.
    pub fn path(&self, dist: &Path, folder: &str) -> PathBuf {
        dist.join(format!("{folder}.app"))
    }

    /// The icon's file name in `Contents/Resources` (beside a onedir's files, and listed
    /// with them), and its bytes.
    pub fn icon_file(&self, executable: &str) -> Option<(String, &[u8])> {
        let icon = self.icon.as_deref()?;
        Some((format!("{executable}.icns"), icon))
    }

    /// Write `Info.plist`, naming `executable` and its icon, into the `.app` being made at
    /// `app`; and the icon, unless it is among the root's files already (`icon_written`).
    pub fn write_parts(
        &self,
        app: &Path,
        executable: &str,
        icon_written: bool,
    ) -> std::io::Result<()> {
        let icon = self.icon_file(executable);
        let plist = info_plist(&AppInfo {
            name: self.name,
            executable,
            identifier: self.identifier,
            version: self.version,
            icon_file: icon.as_ref().map(|(name, _)| name.as_str()),
        });
        let resources = app.join(ROOT);
        std::fs::create_dir_all(&resources)?;
        std::fs::write(app.join("Contents/Info.plist"), plist)?;
        match icon {
            Some((name, bytes)) if !icon_written => std::fs::write(resources.join(name), bytes),
            _ => Ok(()),
        }
    }

    /// Seal the finished `.app` at `app`.
    pub fn seal(&self, app: &Path) -> std::io::Result<()> {
        (self.signer.seal_app(app, self.identifier))
            .map_err(|e| std::io::Error::other(format!("signing the app failed: {e}")))
    }
}

/// The `.icns` file for `--icon` `path` (an `.icns` file, or a PNG made into one).
pub fn icon(path: &Path) -> Result<Vec<u8>, Error> {
    let bad = |why: String| Error::BadOptionFile {
        flag: "--icon",
        path: path.to_path_buf(),
        why,
    };
    let bytes = std::fs::read(path).map_err(|e| bad(format!("cannot be read ({e})")))?;
    icns::icns(&bytes).map_err(|e| bad(e.to_string()))
}
