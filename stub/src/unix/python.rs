//! The inner stage: run the bundled CPython inside this process, as PyInstaller's bootloader
//! does, so the running app is this executable (its name in `ps`, its command line in
//! `/proc/PID/cmdline`) and not a `python3.X` binary.
//!
//! CPython's shared library is loaded from the root with `dlopen`, given the root as its home
//! (so `sys.prefix` is the root and the standard library is found in it, with no search from
//! the executable's place), and run with the command line
//! `EXE OPTIONS -I -B BOOTSTRAP EXE ARGV0 LD_STATE ARGS...`: `-I` isolates the interpreter
//! from `PYTHON*` variables and the user's site-packages; the bootstrap takes the next three
//! arguments for itself and hands the rest to the app untouched.
//!
//! Each version is configured through the API CPython documents for it: PEP 741's
//! `PyInitConfig` where the library has it (3.14 and later, [`init_config`]), else
//! `Py_SetPythonHome` and `Py_BytesMain`, which every CPython from 3.8 to 3.13 has.

use std::ffi::{c_char, c_int, CStr, CString, OsStr, OsString};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use super::init_config::{self, Stop};
use crate::error::LaunchError;
use crate::handoff::{self, Handoff};

type SetPythonHome = unsafe extern "C" fn(*const libc::wchar_t);
type BytesMain = unsafe extern "C" fn(c_int, *mut *mut c_char) -> c_int;

/// The functions a CPython library is started with.
struct Entry {
    /// PEP 741's, in 3.14 and later.
    init_config: Option<init_config::Api>,
    /// `Py_SetPythonHome` and `Py_BytesMain`: 3.8 to 3.13 start with these alone; later
    /// versions still have them, for a bundle whose folder's name PEP 741 cannot express.
    legacy: Option<(SetPythonHome, BytesMain)>,
}

/// The first of the bootstrap's own arguments when the others come hex-encoded: PEP 741 takes
/// only UTF-8 strings, and an argument may be any bytes. An executable's path, which is
/// otherwise first, always starts with `/`.
const HEX_ARGUMENTS: &CStr = c"@hex";

/// Run the app from `h.root`; returns its exit status when the interpreter ends normally.
pub fn run(
    h: &Handoff,
    argv0: &OsStr,
    user_args: &[OsString],
    ld_state: &OsStr,
) -> Result<u8, LaunchError> {
    super::os::name_process(&h.name);
    reset_signals();
    // The app's helpers (multiprocessing) find this root and name through it.
    handoff::set(handoff::TREE, &h.encode());
    let exe = std::env::current_exe().map_err(LaunchError::OwnPath)?;
    let library = h.root.join(&h.python);
    handoff::trace(h.trace, "loading", &library);
    let entry = load(&library)?;

    let bootstrap = h.root.join(&h.bootstrap);
    let mut interpreter: Vec<&OsStr> = vec![exe.as_os_str()];
    interpreter.extend(h.options.iter().map(OsStr::new));
    interpreter.extend([OsStr::new("-I"), OsStr::new("-B"), bootstrap.as_os_str()]);
    let mut app: Vec<&OsStr> = vec![exe.as_os_str(), argv0, ld_state];
    app.extend(user_args.iter().map(OsString::as_os_str));
    handoff::trace(h.trace, "running the app through", &bootstrap);

    let utf8 = |s: &OsStr| std::str::from_utf8(s.as_bytes()).is_ok();
    match (entry.init_config, entry.legacy) {
        (Some(api), _) if utf8(h.root.as_os_str()) && interpreter.iter().all(|a| utf8(a)) => {
            handoff::trace(h.trace, "configured through PyInitConfig (PEP 741):", &library);
            let mut argv = c_strings(&interpreter)?;
            if app.iter().all(|a| utf8(a)) {
                argv.extend(c_strings(&app)?);
            } else {
                argv.push(CString::from(HEX_ARGUMENTS));
                argv.extend(app.iter().map(|a| hex(a.as_bytes())));
            }
            let home = CString::new(h.root.as_os_str().as_bytes())
                .map_err(|_| LaunchError::BadArgument)?;
            // SAFETY: `api` holds a CPython 3.14+ library's PEP 741 functions; the strings
            // are valid C strings alive for the whole call.
            let ran = unsafe { api.run(&home, &argv, &h.options, init_config::legacy_locale) };
            match ran {
                Ok(status) | Err(Stop::Exit(status)) => Ok(status),
                Err(Stop::Error(why)) => Err(LaunchError::StartPython { path: library, why }),
            }
        }
        (_, Some((set_home, bytes_main))) => {
            handoff::trace(h.trace, "started by Py_SetPythonHome and Py_BytesMain:", &library);
            let mut owned = c_strings(&interpreter)?;
            owned.extend(c_strings(&app)?);
            // Leaked on purpose: CPython may keep the pointer for as long as it runs.
            let home: &'static [libc::wchar_t] =
                Box::leak(wide(h.root.as_os_str()).into_boxed_slice());
            let mut argv: Vec<*mut c_char> =
                owned.iter().map(|a| a.as_ptr() as *mut c_char).collect();
            argv.push(std::ptr::null_mut());
            // SAFETY: both symbols come from a CPython library, whose documented signatures
            // these are; `home` is NUL-terminated and lives forever; `argv` holds
            // `owned.len()` valid C strings followed by NULL, all alive until Py_BytesMain
            // returns.
            let status = unsafe {
                set_home(home.as_ptr());
                bytes_main(owned.len() as c_int, argv.as_mut_ptr())
            };
            Ok(status as u8)
        }
        (_, None) => Err(LaunchError::StartPython {
            path: library,
            why: "the path of the app's folder is not UTF-8, which this Python cannot take; move the app to a folder whose name is".into(),
        }),
    }
}

fn c_strings(args: &[&OsStr]) -> Result<Vec<CString>, LaunchError> {
    (args.iter())
        .map(|a| CString::new(a.as_bytes()))
        .collect::<Result<_, _>>()
        .map_err(|_| LaunchError::BadArgument)
}

/// `bytes` as lowercase hex digits, as the bootstrap's `bytes.fromhex` reads them.
fn hex(bytes: &[u8]) -> CString {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = Vec::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[usize::from(b >> 4)]);
        out.push(DIGITS[usize::from(b & 15)]);
    }
    // Hex digits hold no NUL byte.
    CString::new(out).unwrap_or_default()
}

/// `dlopen` CPython's library (its symbols global, as extension modules expect) and find the
/// functions that start it.
fn load(library: &Path) -> Result<Entry, LaunchError> {
    let fail = |why: String| LaunchError::LoadPython {
        path: library.to_path_buf(),
        why,
    };
    let path = CString::new(library.as_os_str().as_bytes())
        .map_err(|_| fail("the path holds a NUL byte".into()))?;
    // SAFETY: a valid C string; the handle is never closed (the app runs from it).
    let handle = unsafe { libc::dlopen(path.as_ptr(), libc::RTLD_NOW | libc::RTLD_GLOBAL) };
    if handle.is_null() {
        return Err(fail(dl_error()));
    }
    // SAFETY: `handle` is a live library handle and `name` a C string.
    let find = |name: &CStr| unsafe { libc::dlsym(handle, name.as_ptr()) };
    let symbol = |name: &CStr| {
        let found = find(name);
        if found.is_null() {
            Err(fail(format!(
                "it has no {} (not a CPython 3.8+ library)",
                name.to_string_lossy()
            )))
        } else {
            Ok(found)
        }
    };
    let init_config = if find(c"PyInitConfig_Create").is_null() {
        None
    } else {
        // SAFETY: a library with PyInitConfig_Create is a CPython 3.14+ one, whose PEP 741
        // functions have exactly these signatures.
        unsafe {
            Some(init_config::Api {
                create: as_fn(symbol(c"PyInitConfig_Create")?),
                free: as_fn(symbol(c"PyInitConfig_Free")?),
                get_error: as_fn(symbol(c"PyInitConfig_GetError")?),
                get_exit_code: as_fn(symbol(c"PyInitConfig_GetExitCode")?),
                get_int: as_fn(symbol(c"PyInitConfig_GetInt")?),
                set_int: as_fn(symbol(c"PyInitConfig_SetInt")?),
                set_str: as_fn(symbol(c"PyInitConfig_SetStr")?),
                set_str_list: as_fn(symbol(c"PyInitConfig_SetStrList")?),
                initialize: as_fn(symbol(c"Py_InitializeFromInitConfig")?),
                run_main: as_fn(symbol(c"Py_RunMain")?),
            })
        }
    };
    let legacy = match (init_config.is_some(), find(c"Py_SetPythonHome")) {
        (true, home) if home.is_null() => None,
        (_, _) => {
            // SAFETY: these CPython functions have exactly these signatures.
            unsafe {
                Some((
                    as_fn::<SetPythonHome>(symbol(c"Py_SetPythonHome")?),
                    as_fn::<BytesMain>(symbol(c"Py_BytesMain")?),
                ))
            }
        }
    };
    Ok(Entry {
        init_config,
        legacy,
    })
}

/// A symbol's address as the function type `F`.
///
/// # Safety
/// `F` must be a function pointer type matching the symbol's real signature.
unsafe fn as_fn<F: Copy>(address: *mut libc::c_void) -> F {
    const { assert!(std::mem::size_of::<F>() == std::mem::size_of::<*mut libc::c_void>()) };
    std::mem::transmute_copy(&address)
}

fn dl_error() -> String {
    // SAFETY: dlerror returns NULL or a C string valid until the next dl* call.
    let message = unsafe { libc::dlerror() };
    if message.is_null() {
        return "it could not be loaded".into();
    }
    // SAFETY: non-NULL, NUL-terminated, read at once.
    unsafe { CStr::from_ptr(message) }
        .to_string_lossy()
        .into_owned()
}

/// Give the app the signal dispositions a fresh `python` process starts with: Rust's runtime
/// ignores SIGPIPE and catches SIGSEGV and SIGBUS for its own stack-overflow reports, which
/// must not reach CPython (it sets up SIGPIPE itself, and a crash in a C extension should
/// end the process as it would under python).
fn reset_signals() {
    for sig in [libc::SIGPIPE, libc::SIGSEGV, libc::SIGBUS] {
        // SAFETY: resets one disposition to its default; no handler runs.
        unsafe {
            libc::signal(sig, libc::SIG_DFL);
        }
    }
}

/// `path` as CPython decodes a file name (UTF-8, undecodable bytes as U+DC80..U+DCFF), in a
/// NUL-terminated wide string.
fn wide(path: &OsStr) -> Vec<libc::wchar_t> {
    let mut out = Vec::with_capacity(path.len() + 1);
    for chunk in path.as_bytes().utf8_chunks() {
        out.extend(chunk.valid().chars().map(|c| c as libc::wchar_t));
        out.extend((chunk.invalid().iter()).map(|&b| (0xDC00 + u32::from(b)) as libc::wchar_t));
    }
    out.push(0);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_widen_as_cpython_decodes_them() {
        let w = wide(OsStr::from_bytes(b"/t\xc3\xa9/\xff"));
        let expected: Vec<libc::wchar_t> = ['/', 't', 'é', '/']
            .iter()
            .map(|&c| c as libc::wchar_t)
            .chain([0xDCFF, 0])
            .collect();
        assert_eq!(w, expected);
    }
}
