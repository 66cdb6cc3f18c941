//! CPython 3.14 and later configured through PEP 741's `PyInitConfig`, the API CPython
//! documents for its current versions, instead of the global-configuration calls
//! (`Py_SetPythonHome`) deprecated since 3.11.
//!
//! `PyInitConfig_Create` starts from CPython's *isolated* configuration, which differs from a
//! `python -I` command line in what an app can notice: no signal handlers (Ctrl-C would not
//! raise KeyboardInterrupt), C stdio left alone (`-u` would not unbuffer), the locale left
//! alone (file names and `open()` would speak ASCII under a UTF-8 locale), and preinitialisation
//! options fixed rather than read from the command line (`-X utf8` and `-X dev` would be
//! ignored). [`Settings`] is what this launcher sets so the app sees what `python -I OPTIONS`
//! would give it; the command line itself is still parsed by CPython (`parse_argv`), so `-O`,
//! `-u`, `-W` and the other `-X` options behave as in `python`.

use std::ffi::{c_char, c_int, CStr, CString};

/// What the launcher sets besides `home` and `argv`, derived from the build's interpreter
/// options and, for UTF-8 mode, from the locale the app starts in.
#[derive(Debug, PartialEq, Eq)]
pub struct Settings {
    pub ints: Vec<(&'static CStr, i64)>,
}

/// How UTF-8 mode is decided when `-X utf8` is not given: the version's own default
/// (3.15 and later: on, PEP 686), else on only in the C or POSIX locale (PEP 540).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Utf8Default {
    On,
    ByLocale { legacy_locale: bool },
}

impl Settings {
    /// The settings for a bundle built with interpreter `options` (`-O`, `-u`, `-X utf8`...).
    pub fn new(options: &[String], utf8: Utf8Default) -> Settings {
        let x = x_options(options);
        let x_value = |name: &str| -> Option<Option<&str>> {
            x.iter().rev().find_map(|o| match o.split_once('=') {
                Some((n, v)) if n == name => Some(Some(v)),
                None if *o == name => Some(None),
                _ => None,
            })
        };
        let utf8_mode = match x_value("utf8") {
            Some(Some("0")) => 0,
            Some(_) => 1,
            None => match utf8 {
                Utf8Default::On => 1,
                Utf8Default::ByLocale { legacy_locale } => i64::from(legacy_locale),
            },
        };
        let mut ints = vec![
            (c"parse_argv", 1),
            (c"install_signal_handlers", 1),
            (c"configure_c_stdio", 1),
            (c"pathconfig_warnings", 1),
            (c"configure_locale", 1),
            // 1: coerce the C locale to a UTF-8 one when it is the locale (PEP 538).
            (c"coerce_c_locale", 1),
            (c"utf8_mode", utf8_mode),
            (c"dev_mode", i64::from(x_value("dev").is_some())),
        ];
        // Fixed to "off" by the isolated configuration, so the command line's -X cannot
        // turn them on by itself.
        if x_value("faulthandler").is_some() {
            ints.push((c"faulthandler", 1));
        }
        if let Some(frames) = x_value("tracemalloc") {
            let n = frames.and_then(|v| v.parse().ok()).unwrap_or(1);
            ints.push((c"tracemalloc", n));
        }
        if x_value("perf").is_some() {
            ints.push((c"perf_profiling", 1));
        }
        if x_value("perf_jit").is_some() {
            ints.push((c"perf_profiling", 2));
        }
        if let Some(Some(n)) = x_value("int_max_str_digits") {
            if let Ok(n) = n.parse() {
                ints.push((c"int_max_str_digits", n));
            }
        }
        Settings { ints }
    }
}

/// The values of the `-X` options among `options` (`["-X", "utf8", "-O"]` gives `["utf8"]`).
fn x_options(options: &[String]) -> Vec<&str> {
    let mut out = Vec::new();
    let mut it = options.iter();
    while let Some(o) = it.next() {
        if o == "-X" {
            if let Some(v) = it.next() {
                out.push(v.as_str());
            }
        } else if let Some(v) = o.strip_prefix("-X") {
            out.push(v);
        }
    }
    out
}

/// Is the locale the app would start in (`setlocale(LC_CTYPE, "")`) the C or POSIX one, as
/// CPython's preinitialisation asks? The launcher's own locale is left as it found it.
pub fn legacy_locale() -> bool {
    // SAFETY: setlocale with a NULL locale only reads; the saved name is copied before the
    // next call; the launcher is single-threaded here.
    unsafe {
        let before = libc::setlocale(libc::LC_CTYPE, std::ptr::null());
        let saved = (!before.is_null()).then(|| CStr::from_ptr(before).to_owned());
        let now = libc::setlocale(libc::LC_CTYPE, c"".as_ptr());
        let legacy = now.is_null() || matches!(CStr::from_ptr(now).to_bytes(), b"C" | b"POSIX");
        if let Some(saved) = saved {
            libc::setlocale(libc::LC_CTYPE, saved.as_ptr());
        }
        legacy
    }
}

pub type Create = unsafe extern "C" fn() -> *mut libc::c_void;
pub type Free = unsafe extern "C" fn(*mut libc::c_void);
pub type GetError = unsafe extern "C" fn(*mut libc::c_void, *mut *const c_char) -> c_int;
pub type GetExitCode = unsafe extern "C" fn(*mut libc::c_void, *mut c_int) -> c_int;
pub type GetInt = unsafe extern "C" fn(*mut libc::c_void, *const c_char, *mut i64) -> c_int;
pub type SetInt = unsafe extern "C" fn(*mut libc::c_void, *const c_char, i64) -> c_int;
pub type SetStr = unsafe extern "C" fn(*mut libc::c_void, *const c_char, *const c_char) -> c_int;
pub type SetStrList =
    unsafe extern "C" fn(*mut libc::c_void, *const c_char, usize, *const *const c_char) -> c_int;
pub type Initialize = unsafe extern "C" fn(*mut libc::c_void) -> c_int;
pub type RunMain = unsafe extern "C" fn() -> c_int;

/// The PEP 741 functions of one CPython library.
pub struct Api {
    pub create: Create,
    pub free: Free,
    pub get_error: GetError,
    pub get_exit_code: GetExitCode,
    pub get_int: GetInt,
    pub set_int: SetInt,
    pub set_str: SetStr,
    pub set_str_list: SetStrList,
    pub initialize: Initialize,
    pub run_main: RunMain,
}

/// How a start through `PyInitConfig` ended before the app ran.
pub enum Stop {
    /// CPython asked to exit (a bad option, `--version`): its status.
    Exit(u8),
    /// CPython's own message.
    Error(String),
}

impl Api {
    /// Initialise CPython with `home` as its prefix and `argv` as its command line, the
    /// options as [`Settings`] gives them; then run the app (`Py_RunMain`) and return its
    /// exit status.
    ///
    /// # Safety
    /// The functions must be a CPython 3.14+ library's PEP 741 functions, loaded and alive.
    pub unsafe fn run(
        &self,
        home: &CStr,
        argv: &[CString],
        options: &[String],
        legacy_locale: impl FnOnce() -> bool,
    ) -> Result<u8, Stop> {
        let config = (self.create)();
        if config.is_null() {
            return Err(Stop::Error("out of memory".into()));
        }
        let result = self.configure(config, home, argv, options, legacy_locale);
        (self.free)(config);
        result?;
        Ok((self.run_main)() as u8)
    }

    unsafe fn configure(
        &self,
        config: *mut libc::c_void,
        home: &CStr,
        argv: &[CString],
        options: &[String],
        legacy_locale: impl FnOnce() -> bool,
    ) -> Result<(), Stop> {
        let fail = || {
            let mut message: *const c_char = std::ptr::null();
            (self.get_error)(config, &mut message);
            let mut code: c_int = 0;
            if (self.get_exit_code)(config, &mut code) == 1 {
                return Stop::Exit(code as u8);
            }
            if message.is_null() {
                Stop::Error("it could not start".into())
            } else {
                Stop::Error(CStr::from_ptr(message).to_string_lossy().into_owned())
            }
        };
        // The version's own UTF-8 default, before anything is set: on in 3.15+.
        let mut isolated_utf8: i64 = 0;
        if (self.get_int)(config, c"utf8_mode".as_ptr(), &mut isolated_utf8) != 0 {
            return Err(fail());
        }
        let utf8 = if isolated_utf8 == 1 {
            Utf8Default::On
        } else {
            Utf8Default::ByLocale {
                legacy_locale: legacy_locale(),
            }
        };
        for (name, value) in Settings::new(options, utf8).ints {
            if (self.set_int)(config, name.as_ptr(), value) != 0 {
                return Err(fail());
            }
        }
        if (self.set_str)(config, c"home".as_ptr(), home.as_ptr()) != 0 {
            return Err(fail());
        }
        let items: Vec<*const c_char> = argv.iter().map(|a| a.as_ptr()).collect();
        if (self.set_str_list)(config, c"argv".as_ptr(), items.len(), items.as_ptr()) != 0 {
            return Err(fail());
        }
        if (self.initialize)(config) != 0 {
            return Err(fail());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get(s: &Settings, name: &CStr) -> Option<i64> {
        s.ints
            .iter()
            .rev()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| *v)
    }

    fn opts(o: &[&str]) -> Vec<String> {
        o.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn utf8_mode_follows_the_option_then_the_version_then_the_locale() {
        let by = |legacy_locale| Utf8Default::ByLocale { legacy_locale };
        let cases: [(&[&str], Utf8Default, i64); 7] = [
            (&["-X", "utf8"], by(false), 1),
            (&["-X", "utf8=1"], by(false), 1),
            (&["-X", "utf8=0"], Utf8Default::On, 0),
            (&["-Xutf8"], by(false), 1),
            (&["-O"], Utf8Default::On, 1),
            (&[], by(true), 1),
            (&["-u"], by(false), 0),
        ];
        for (o, default, want) in cases {
            let s = Settings::new(&opts(o), default);
            assert_eq!(get(&s, c"utf8_mode"), Some(want), "{o:?} {default:?}");
        }
    }

    #[test]
    fn what_the_isolated_configuration_turns_off_is_turned_back_on() {
        let s = Settings::new(&[], Utf8Default::On);
        for name in [
            c"parse_argv",
            c"install_signal_handlers",
            c"configure_c_stdio",
            c"configure_locale",
        ] {
            assert_eq!(get(&s, name), Some(1), "{name:?}");
        }
        assert_eq!(get(&s, c"dev_mode"), Some(0));
        assert_eq!(get(&s, c"tracemalloc"), None);
    }

    #[test]
    fn x_options_fixed_by_the_isolated_configuration_are_set() {
        let s = Settings::new(
            &opts(&[
                "-X",
                "dev",
                "-X",
                "tracemalloc=5",
                "-X",
                "faulthandler",
                "-W",
                "x",
            ]),
            Utf8Default::On,
        );
        assert_eq!(get(&s, c"dev_mode"), Some(1));
        assert_eq!(get(&s, c"tracemalloc"), Some(5));
        assert_eq!(get(&s, c"faulthandler"), Some(1));
        let s = Settings::new(&opts(&["-X", "int_max_str_digits=640"]), Utf8Default::On);
        assert_eq!(get(&s, c"int_max_str_digits"), Some(640));
    }
}
