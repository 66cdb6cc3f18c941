//! What a windowed launcher (GUI subsystem, `--windowed`) does instead of writing to a console
//! it does not have: a message box, with the launcher's own error or the app's uncaught
//! exception. The bootstrap leaves the traceback of an uncaught exception in
//! [`APP_ERROR`] when the app has no `sys.stderr` (docs/windows.md).

use windows_sys::Win32::System::LibraryLoader::GetModuleHandleW;
use windows_sys::Win32::UI::WindowsAndMessaging::{MessageBoxW, MB_ICONERROR, MB_OK};

/// Where the bootstrap puts the traceback of an uncaught exception in a windowed app.
pub const APP_ERROR: &str = "_PYBUNDLE_APP_ERROR";

/// The subsystem field of the PE optional header: 2 is a GUI program.
const SUBSYSTEM_GUI: u16 = 2;

/// Is this executable a GUI-subsystem program (built with `--windowed`)? Read from its own
/// header, as loaded in memory.
pub fn is_windowed() -> bool {
    // SAFETY: a NULL name gives this executable's module, whose base address is its mapped
    // DOS and PE headers; the offsets read are inside them by the PE format.
    unsafe {
        let base = GetModuleHandleW(std::ptr::null()) as *const u8;
        if base.is_null() {
            return false;
        }
        let pe = std::ptr::read_unaligned(base.add(0x3c) as *const u32) as usize;
        // Signature (4), file header (20), then the optional header: Subsystem at 68.
        std::ptr::read_unaligned(base.add(pe + 24 + 68) as *const u16) == SUBSYSTEM_GUI
    }
}

/// Tell the user `message`: on stderr, and in a message box titled `title` when windowed.
pub fn report(title: &str, message: &str) {
    eprintln!("{message}");
    if is_windowed() {
        show(title, message);
    }
}

/// After the app ended in a windowed launcher: show its uncaught exception, if it left one.
pub fn report_app_error(title: &str) {
    if !is_windowed() {
        return;
    }
    if let Some(text) = std::env::var_os(APP_ERROR) {
        std::env::remove_var(APP_ERROR);
        show(title, &text.to_string_lossy());
    }
}

fn show(title: &str, message: &str) {
    let title = super::wide(title.as_ref());
    let text = super::wide(message.as_ref());
    // SAFETY: both strings are NUL-terminated and outlive the call; no owner window.
    unsafe {
        MessageBoxW(
            std::ptr::null_mut(),
            text.as_ptr(),
            title.as_ptr(),
            MB_OK | MB_ICONERROR,
        );
    }
}
