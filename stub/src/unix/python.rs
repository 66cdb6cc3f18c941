//! The inner stage: run the bundled CPython inside this process, as PyInstaller's bootloader
//! does, so the running app is this executable (its name in `ps`, its command line in
//! `/proc/PID/cmdline`) and not a `python3.X` binary.
//!
//! CPython's shared library is loaded from the root with `dlopen`; `Py_SetPythonHome` makes the
//! root its prefix (so `sys.prefix` is the root and the standard library is found in it, with
//! no search from the executable's place), and `Py_BytesMain` runs
//! `EXE OPTIONS -I -B BOOTSTRAP EXE ARGV0 LD_STATE ARGS...`: `-I` isolates the interpreter
//! from `PYTHON*` variables and the user's site-packages; the bootstrap takes the next three
//! arguments for itself and hands the rest to the app untouched. Both functions exist in every
//! CPython from 3.8 to 3.13.

use std::ffi::{c_char, c_int, CStr, CString, OsStr, OsString};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use crate::error::LaunchError;
use crate::handoff::{self, Handoff};

type SetPythonHome = unsafe extern "C" fn(*const libc::wchar_t);
type BytesMain = unsafe extern "C" fn(c_int, *mut *mut c_char) -> c_int;

/// Run the app from `h.root`; returns its exit status when the interpreter ends normally.
pub fn run(
    h: &Handoff,
    argv0: &OsStr,
    user_args: &[OsString],
    ld_state: &OsStr,
) -> Result<u8, LaunchError> {
    name_process(&h.name);
    reset_signals();
    // The app's helpers (multiprocessing) find this root and name through it.
    handoff::set(handoff::TREE, &h.encode());
    let exe = std::env::current_exe().map_err(LaunchError::OwnPath)?;
    let library = h.root.join(&h.python);
    handoff::trace(h.trace, "loading", &library);
    let (set_home, bytes_main) = load(&library)?;

    // Leaked on purpose: CPython may keep the pointer for as long as it runs.
    let home: &'static [libc::wchar_t] = Box::leak(wide(h.root.as_os_str()).into_boxed_slice());
    let mut args: Vec<&OsStr> = vec![exe.as_os_str()];
    args.extend(h.options.iter().map(OsStr::new));
    let bootstrap = h.root.join(&h.bootstrap);
    args.extend([
        OsStr::new("-I"),
        OsStr::new("-B"),
        bootstrap.as_os_str(),
        exe.as_os_str(),
        argv0,
        ld_state,
    ]);
    args.extend(user_args.iter().map(OsString::as_os_str));
    let owned: Vec<CString> = args
        .iter()
        .map(|a| CString::new(a.as_bytes()))
        .collect::<Result<_, _>>()
        .map_err(|_| LaunchError::BadArgument)?;
    let mut argv: Vec<*mut c_char> = owned.iter().map(|a| a.as_ptr() as *mut c_char).collect();
    argv.push(std::ptr::null_mut());
    handoff::trace(h.trace, "running the app through", &bootstrap);
    // SAFETY: both symbols come from a CPython library, whose documented signatures these
    // are; `home` is NUL-terminated and lives forever; `argv` holds `args.len()` valid C
    // strings followed by NULL, all alive until Py_BytesMain returns.
    let status = unsafe {
        set_home(home.as_ptr());
        bytes_main(args.len() as c_int, argv.as_mut_ptr())
    };
    Ok(status as u8)
}

/// `dlopen` CPython's library (its symbols global, as extension modules expect) and find the
/// two functions.
fn load(library: &Path) -> Result<(SetPythonHome, BytesMain), LaunchError> {
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
    let symbol = |name: &CStr| {
        // SAFETY: `handle` is a live library handle and `name` a C string.
        let found = unsafe { libc::dlsym(handle, name.as_ptr()) };
        if found.is_null() {
            Err(fail(format!(
                "it has no {} (not a CPython 3.8+ library)",
                name.to_string_lossy()
            )))
        } else {
            Ok(found)
        }
    };
    let set_home = symbol(c"Py_SetPythonHome")?;
    let bytes_main = symbol(c"Py_BytesMain")?;
    // SAFETY: these CPython functions have exactly these signatures.
    unsafe {
        Ok((
            std::mem::transmute::<*mut libc::c_void, SetPythonHome>(set_home),
            std::mem::transmute::<*mut libc::c_void, BytesMain>(bytes_main),
        ))
    }
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

/// The process's name as `ps`, `top`, `pgrep` and `/proc/PID/status` show it: the name the
/// user ran (the kernel keeps 15 bytes). Re-running this executable named it after its file.
fn name_process(name: &[u8]) {
    let mut buf = [0u8; 16];
    let len = name.len().min(15);
    buf[..len].copy_from_slice(&name[..len]);
    if len == 0 {
        return;
    }
    // SAFETY: PR_SET_NAME reads a NUL-terminated string of at most 16 bytes.
    unsafe {
        libc::prctl(libc::PR_SET_NAME, buf.as_ptr() as libc::c_ulong, 0, 0, 0);
    }
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
