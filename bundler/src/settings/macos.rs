//! What a build for macOS adds to its output, resolved once from the settings: whether it is
//! an `.app` (`--windowed`), what the app's `Info.plist` says (its name,
//! `--osx-bundle-identifier`, `[project].version`, its icon), and who signs its Mach-O files:
//! ad hoc, or the Developer ID of `--codesign-identity`'s `.p12` file (its password in
//! `PYBUNDLE_CODESIGN_PASSWORD`), with `--osx-entitlements-file`'s entitlements either way. A
//! mistake in any of them is told here, before the build. Writing them is the write stage's
//! (`output/macos/`).

use std::path::{Path, PathBuf};

use super::options::Options;
use super::{project, BuildSettings};
use crate::error::Error;
use crate::native::macho::signer::{Identity, Signer};

/// The environment variable that holds the `.p12` file's password.
pub const PASSWORD_VAR: &str = "PYBUNDLE_CODESIGN_PASSWORD";
/// The environment variable that names the time-stamp server of a Developer ID signature
/// (`none`: no time stamp, as for a build that is not to be notarized).
pub const TIMESTAMP_VAR: &str = "PYBUNDLE_CODESIGN_TIMESTAMP_URL";
/// Apple's time-stamp server, which notarization expects signatures to use.
const APPLE_TIMESTAMP_URL: &str = "http://timestamp.apple.com/ts01";

/// Everything a macOS build writes beyond its files.
#[derive(Debug)]
pub struct Apple {
    /// `--windowed`: the output is `NAME.app`.
    pub app: bool,
    /// `CFBundleIdentifier`, and the identifier the launcher's signature carries.
    pub identifier: String,
    /// `[project].version`.
    pub version: Option<String>,
    /// `--icon`: an `.icns` file, or a PNG made into one.
    pub icon: Option<PathBuf>,
    pub signer: Signer,
}

/// What a macOS build writes beyond its files, from the resolved settings `s` and the
/// options `o` as given.
pub fn resolve(s: &BuildSettings, o: &Options) -> Result<Apple, Error> {
    let identifier = match &o.osx_bundle_identifier {
        Some(id) if is_identifier(id) => id.clone(),
        Some(id) => return Err(Error::BadBundleIdentifier(id.clone())),
        None => identifier_from(&s.output.name),
    };
    let entitlements = match &o.osx_entitlements_file {
        Some(path) => Some(entitlements(path)?),
        None => None,
    };
    let identity = match &o.codesign_identity {
        Some(file) => Some(Box::new(identity(file)?)),
        None => None,
    };
    Ok(Apple {
        app: s.launch.windowed,
        identifier,
        version: project::find(&s.input.script.path).and_then(|p| project::version(&p)),
        icon: s.launch.icon.clone(),
        signer: Signer {
            identity,
            entitlements,
        },
    })
}

/// A bundle identifier: letters, digits, `-` and `.`, as Apple's Info.plist reference
/// allows for `CFBundleIdentifier`.
fn is_identifier(id: &str) -> bool {
    !id.is_empty()
        && !id.starts_with('.')
        && !id.ends_with('.')
        && (id.bytes()).all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
}

/// The identifier of an app called `name` when none is given: its name, as PyInstaller has
/// it, with what an identifier cannot hold made `-`.
fn identifier_from(name: &str) -> String {
    let id: String = (name.chars())
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' {
                c
            } else {
                '-'
            }
        })
        .collect();
    let id = id.trim_matches('.').to_string();
    if id.is_empty() {
        "app".to_string()
    } else {
        id
    }
}

/// The entitlements in `path`: an XML property list holding a dictionary.
fn entitlements(path: &Path) -> Result<String, Error> {
    let bytes = read(path, "--osx-entitlements-file")?;
    let text = String::from_utf8(bytes).ok().filter(|t| {
        let t = t.trim_start();
        (t.starts_with("<?xml") || t.starts_with("<!DOCTYPE") || t.starts_with("<plist"))
            && t.contains("<dict")
    });
    text.ok_or_else(|| {
        bad_file(
            "--osx-entitlements-file",
            path,
            "is not an XML property list of entitlements (<plist><dict>...</dict></plist>)".into(),
        )
    })
}

/// The Developer ID in the `.p12` file `file`, opened with the password in
/// [`PASSWORD_VAR`], its signatures dated by Apple's time-stamp server unless
/// [`TIMESTAMP_VAR`] says otherwise.
fn identity(file: &Path) -> Result<Identity, Error> {
    let bytes = read(file, "--codesign-identity")?;
    let password = std::env::var(PASSWORD_VAR).map_err(|_| Error::NoCodesignPassword)?;
    let timestamp_url = match std::env::var(TIMESTAMP_VAR) {
        Ok(url) if url == "none" || url.is_empty() => None,
        Ok(url) => Some(url),
        Err(_) => Some(APPLE_TIMESTAMP_URL.to_string()),
    };
    Identity::from_p12(&bytes, &password, timestamp_url)
        .map_err(|e| bad_file("--codesign-identity", file, e.to_string()))
}

fn read(path: &Path, flag: &'static str) -> Result<Vec<u8>, Error> {
    std::fs::read(path).map_err(|e| bad_file(flag, path, format!("cannot be read ({e})")))
}

fn bad_file(flag: &'static str, path: &Path, why: String) -> Error {
    Error::BadOptionFile {
        flag,
        path: path.to_path_buf(),
        why,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_checked_and_made_from_the_name() {
        for good in ["org.example.app", "App", "a-b.c9"] {
            assert!(is_identifier(good), "{good}");
        }
        for bad in ["", ".a", "a.", "org.example/app", "my app", "é.x"] {
            assert!(!is_identifier(bad), "{bad}");
        }
        assert_eq!(identifier_from("My Tool"), "My-Tool");
        assert_eq!(identifier_from("hello"), "hello");
        assert_eq!(identifier_from("..."), "app");
        assert!(is_identifier(&identifier_from("ünïcode app")));
    }
}
