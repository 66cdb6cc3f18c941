//! What one stage of a launch hands the next, through the environment.
//!
//! A launch has two stages in one executable. The outer stage checks the archive and finds or
//! makes the bundle's root (the `_internal` folder, a fresh unpack, the cache); it then runs
//! this executable again as the inner stage, with the loader's path pointed at the bundle
//! (`LD_LIBRARY_PATH` only takes effect when a process starts), and the inner stage loads
//! CPython from the root (see [`crate::unix::python`] and `crate::windows::python`). The handoff says where the root is and what
//! to load:
//!
//! - [`LAUNCH`]: for the inner stage only; it removes the variable before Python starts.
//! - [`LD_STATE`]: the caller's `LD_LIBRARY_PATH` (`-` unset, `=VALUE` set), which the
//!   bootstrap puts back for the app's own children; removed likewise.
//! - [`TREE`]: the same handoff, left in the app's environment so that the helpers
//!   `multiprocessing` starts by running the executable again join the app's root instead of
//!   unpacking their own, and carry the app's process name (see [`crate::unix::workers`]). It names
//!   nothing secret: the app sees the same folder as `sys._MEIPASS`.
//!
//! Encoding: `2`, then hex fields separated by `:` (bundle hash, process name, python,
//! bootstrap, library folder, interpreter options joined by NUL, trace flag), then `:` and the
//! root path's bytes as they are (it may hold any byte but NUL, so it comes last).

use std::ffi::{OsStr, OsString};
use std::path::PathBuf;

use pybundle_archive::Launch;

pub const LAUNCH: &str = "_PYBUNDLE_LAUNCH";
pub const LD_STATE: &str = "_PYBUNDLE_LD";
pub const TREE: &str = "_PYBUNDLE_TREE";

const VERSION: &str = "2";

/// Everything the inner stage needs to run the app from a root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handoff {
    /// The archive's hash: which bundle the root holds.
    pub bundle: u128,
    /// The name the process carries (`ps`, `top`, `/proc/PID/comm`).
    pub name: Vec<u8>,
    pub python: String,
    pub bootstrap: String,
    pub library_dir: String,
    pub options: Vec<String>,
    pub trace: bool,
    pub root: PathBuf,
}

impl Handoff {
    pub fn new(bundle: u128, name: Vec<u8>, launch: &Launch, root: PathBuf) -> Self {
        Handoff {
            bundle,
            name,
            python: launch.python.clone(),
            bootstrap: launch.bootstrap.clone(),
            library_dir: launch.library_dir.clone(),
            options: launch.options.clone(),
            trace: launch.trace,
            root,
        }
    }

    pub fn encode(&self) -> OsString {
        let mut out = format!(
            "{VERSION}:{}:{}:{}:{}:{}:{}:{}:",
            hex(&self.bundle.to_le_bytes()),
            hex(&self.name),
            hex(self.python.as_bytes()),
            hex(self.bootstrap.as_bytes()),
            hex(self.library_dir.as_bytes()),
            hex(self.options.join("\0").as_bytes()),
            u8::from(self.trace),
        )
        .into_bytes();
        out.extend_from_slice(&os::bytes(self.root.as_os_str()));
        os::from_bytes(out).unwrap_or_default()
    }

    /// `None` for anything that is not a handoff of this version.
    pub fn decode(value: &OsStr) -> Option<Self> {
        let bytes = os::bytes(value);
        let mut fields = bytes.splitn(9, |&b| b == b':');
        if fields.next()? != VERSION.as_bytes() {
            return None;
        }
        let bundle = u128::from_le_bytes(unhex(fields.next()?)?.try_into().ok()?);
        let name = unhex(fields.next()?)?;
        let python = String::from_utf8(unhex(fields.next()?)?).ok()?;
        let bootstrap = String::from_utf8(unhex(fields.next()?)?).ok()?;
        let library_dir = String::from_utf8(unhex(fields.next()?)?).ok()?;
        let options = String::from_utf8(unhex(fields.next()?)?).ok()?;
        let trace = match fields.next()? {
            b"0" => false,
            b"1" => true,
            _ => return None,
        };
        let root = PathBuf::from(os::from_bytes(fields.next()?.to_vec())?);
        if !root.is_absolute() || python.is_empty() || bootstrap.is_empty() {
            return None;
        }
        let options = if options.is_empty() {
            Vec::new()
        } else {
            options.split('\0').map(String::from).collect()
        };
        Some(Handoff {
            bundle,
            name,
            python,
            bootstrap,
            library_dir,
            options,
            trace,
            root,
        })
    }
}

/// The caller's `LD_LIBRARY_PATH`, as the bootstrap's `LD_STATE` argument expects it.
#[cfg(unix)]
pub fn ld_state() -> OsString {
    match std::env::var_os("LD_LIBRARY_PATH") {
        Some(value) => {
            let mut state = OsString::from("=");
            state.push(value);
            state
        }
        None => OsString::from("-"),
    }
}

/// Take this stage's handoff out of the environment (so nothing the app starts sees it):
/// `Some((handoff, ld_state))` when this process is an inner stage.
pub fn take_inner() -> Option<(Handoff, OsString)> {
    let launch = std::env::var_os(LAUNCH)?;
    let ld = std::env::var_os(LD_STATE).unwrap_or_else(|| OsString::from("-"));
    unset(LAUNCH);
    unset(LD_STATE);
    Some((Handoff::decode(&launch)?, ld))
}

/// Set `name` in this process's environment.
pub fn set(name: &str, value: &OsStr) {
    os::set(name, value);
}

fn unset(name: &str) {
    os::unset(name);
}

/// Say what the launcher is doing, when the bundle was built with `--debug bootloader`.
pub fn trace(on: bool, what: &str, path: &std::path::Path) {
    if on {
        eprintln!("[pybundle] {what} {}", path.display());
    }
}

/// The handoff the app's process left for the helpers it starts, if any.
pub fn tree() -> Option<Handoff> {
    Handoff::decode(&std::env::var_os(TREE)?)
}

/// The handoff's text as bytes, and environment changes, the way each system has them.
#[cfg(unix)]
mod os {
    use std::borrow::Cow;
    use std::ffi::{CString, OsStr, OsString};
    use std::os::unix::ffi::{OsStrExt, OsStringExt};

    pub fn bytes(value: &OsStr) -> Cow<'_, [u8]> {
        Cow::Borrowed(value.as_bytes())
    }

    pub fn from_bytes(bytes: Vec<u8>) -> Option<OsString> {
        Some(OsString::from_vec(bytes))
    }

    /// libc's own call: std's adds a lock and a panic path the launcher has no use for.
    pub fn set(name: &str, value: &OsStr) {
        let (Ok(name), Ok(value)) = (CString::new(name), CString::new(value.as_bytes())) else {
            return;
        };
        // SAFETY: the launcher is single-threaded when it changes its environment.
        unsafe {
            libc::setenv(name.as_ptr(), value.as_ptr(), 1);
        }
    }

    pub fn unset(name: &str) {
        let Ok(name) = CString::new(name) else {
            return;
        };
        // SAFETY: as in `set`.
        unsafe {
            libc::unsetenv(name.as_ptr());
        }
    }
}

/// Windows keeps environment values as UTF-16: the handoff travels as UTF-8 text.
#[cfg(windows)]
mod os {
    use std::borrow::Cow;
    use std::ffi::{OsStr, OsString};

    /// A path that is not valid Unicode (rare in `%TEMP%`) comes out with U+FFFD in it, and
    /// then fails to load in one clear line rather than running from somewhere else.
    pub fn bytes(value: &OsStr) -> Cow<'_, [u8]> {
        match value.to_string_lossy() {
            Cow::Borrowed(s) => Cow::Borrowed(s.as_bytes()),
            Cow::Owned(s) => Cow::Owned(s.into_bytes()),
        }
    }

    pub fn from_bytes(bytes: Vec<u8>) -> Option<OsString> {
        String::from_utf8(bytes).ok().map(OsString::from)
    }

    pub fn set(name: &str, value: &OsStr) {
        std::env::set_var(name, value);
    }

    pub fn unset(name: &str) {
        std::env::remove_var(name);
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &[u8]) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    text.chunks(2)
        .map(|pair| u8::from_str_radix(std::str::from_utf8(pair).ok()?, 16).ok())
        .collect()
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::ffi::OsStrExt;

    fn sample() -> Handoff {
        Handoff {
            bundle: 0x0123_4567_89ab_cdef_0011_2233_4455_6677,
            name: b"my app\xff".to_vec(),
            python: "lib/libpython3.11.so.1.0".into(),
            bootstrap: "_pybundle_boot.pyc".into(),
            library_dir: "lib".into(),
            options: vec!["-O".into(), "-X".into(), "dev".into()],
            trace: true,
            root: PathBuf::from(OsStr::from_bytes(b"/tmp/odd:dir\n\xfe/_pb1_00")),
        }
    }

    #[test]
    fn a_handoff_survives_the_environment_byte_for_byte() {
        let h = sample();
        assert_eq!(Handoff::decode(&h.encode()), Some(h));
        let plain = Handoff {
            options: Vec::new(),
            trace: false,
            ..sample()
        };
        assert_eq!(Handoff::decode(&plain.encode()), Some(plain));
    }

    #[test]
    fn anything_else_is_no_handoff() {
        for bad in [
            "",
            "1:Z::6c:6c:6c::0:/r",
            "2:zz::6c:6c:6c::0:/r",
            "2:00::6c:6c:6c::0:/r",
            "2:Z:0:6c:6c:6c::0:/r",
            "2:Z::6c:6c:6c::2:/r",
            "2:Z::6c:6c:6c::0:relative",
            "2:Z::::6c::0:/r",
        ] {
            let bad = bad.replace('Z', &"00".repeat(16));
            assert_eq!(Handoff::decode(OsStr::new(&bad)), None, "{bad:?}");
        }
        let good = format!("2:{}::6c:6c:6c::0:/r", "00".repeat(16));
        assert!(Handoff::decode(OsStr::new(&good)).is_some());
    }
}
