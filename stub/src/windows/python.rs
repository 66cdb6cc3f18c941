//! Run the bundled CPython inside this process on Windows. Its DLL is loaded by full path
//! (its own folder is searched for what it imports: `vcruntime140.dll`), the root is added to
//! the DLL search path (extension modules find the bundle's DLLs there), `Py_SetPythonHome`
//! makes the root its prefix, and `Py_Main` runs `EXE OPTIONS -I -B BOOTSTRAP EXE ARGV0 * ARGS`
//! (the bootstrap's third argument, `*`, says there is no loader path to restore). Both
//! functions take UTF-16 strings here, so any argument Windows can pass reaches the app intact.

use std::ffi::{c_int, OsStr};

use windows_sys::Win32::System::LibraryLoader::{
    AddDllDirectory, GetProcAddress, LoadLibraryExW, SetDllDirectoryW,
    LOAD_WITH_ALTERED_SEARCH_PATH,
};

use super::gui;
use super::lock::DirLock;
use crate::error::LaunchError;
use crate::handoff::{self, Handoff};
use crate::launch::Invocation;

type SetPythonHome = unsafe extern "C" fn(*const u16);
type PyMain = unsafe extern "C" fn(c_int, *mut *mut u16) -> c_int;

/// Run the app from `h.root`, holding `_lock` (a helper's or a cache's mark of use) while it
/// runs; its exit status.
pub fn run(h: &Handoff, inv: &Invocation, _lock: Option<DirLock>) -> Result<u32, LaunchError> {
    // The app's helpers (multiprocessing) find this root through it.
    handoff::set(handoff::TREE, &h.encode());
    let exe = std::env::current_exe().map_err(LaunchError::OwnPath)?;
    let library = h.root.join(&h.python);
    handoff::trace(h.trace, "loading", &library);
    let root = super::wide(h.root.as_os_str());
    // SAFETY: NUL-terminated paths; failures leave the search path as it was, and the load
    // below then names what is missing.
    unsafe {
        SetDllDirectoryW(root.as_ptr());
        AddDllDirectory(root.as_ptr());
    }
    let (set_home, py_main) = load(&library)?;

    let bootstrap = h.root.join(&h.bootstrap);
    let mut args: Vec<&OsStr> = vec![exe.as_os_str()];
    args.extend(h.options.iter().map(OsStr::new));
    args.extend([
        OsStr::new("-I"),
        OsStr::new("-B"),
        bootstrap.as_os_str(),
        exe.as_os_str(),
        &inv.argv0,
        OsStr::new("*"),
    ]);
    args.extend(inv.user_args.iter().map(|a| a.as_os_str()));
    let mut owned: Vec<Vec<u16>> = Vec::with_capacity(args.len());
    for arg in &args {
        let w = super::wide(arg);
        if w[..w.len() - 1].contains(&0) {
            return Err(LaunchError::BadArgument);
        }
        owned.push(w);
    }
    let mut argv: Vec<*mut u16> = owned.iter_mut().map(|a| a.as_mut_ptr()).collect();
    argv.push(std::ptr::null_mut());
    // Leaked on purpose: CPython may keep the pointer for as long as it runs.
    let home: &'static [u16] = Box::leak(root.into_boxed_slice());
    handoff::trace(h.trace, "running the app through", &bootstrap);
    // SAFETY: both symbols come from a CPython DLL, whose documented signatures these are;
    // `home` is NUL-terminated and lives forever; `argv` holds `args.len()` valid strings
    // followed by NULL, all alive until Py_Main returns.
    let status = unsafe {
        set_home(home.as_ptr());
        py_main(args.len() as c_int, argv.as_mut_ptr())
    };
    let title = std::path::Path::new(&inv.argv0)
        .file_stem()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    gui::report_app_error(&title);
    Ok(status as u32)
}

/// Load CPython's DLL and find the two functions.
fn load(library: &std::path::Path) -> Result<(SetPythonHome, PyMain), LaunchError> {
    let fail = |why: String| LaunchError::LoadPython {
        path: library.to_path_buf(),
        why,
    };
    let name = super::wide(library.as_os_str());
    // SAFETY: a NUL-terminated path; the module is never freed (the app runs from it).
    let module = unsafe {
        LoadLibraryExW(
            name.as_ptr(),
            std::ptr::null_mut(),
            LOAD_WITH_ALTERED_SEARCH_PATH,
        )
    };
    if module.is_null() {
        return Err(fail(std::io::Error::last_os_error().to_string()));
    }
    let symbol = |name: &'static [u8]| {
        // SAFETY: a live module and a NUL-terminated name.
        unsafe { GetProcAddress(module, name.as_ptr()) }.ok_or_else(|| {
            fail(format!(
                "it has no {} (not a CPython 3.8+ DLL)",
                String::from_utf8_lossy(&name[..name.len() - 1])
            ))
        })
    };
    let set_home = symbol(b"Py_SetPythonHome\0")?;
    let py_main = symbol(b"Py_Main\0")?;
    // SAFETY: these CPython functions have exactly these signatures.
    unsafe {
        Ok((
            std::mem::transmute::<unsafe extern "system" fn() -> isize, SetPythonHome>(set_home),
            std::mem::transmute::<unsafe extern "system" fn() -> isize, PyMain>(py_main),
        ))
    }
}
