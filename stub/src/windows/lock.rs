//! The lock that tells a live unpack folder from an abandoned one, on Windows: every process
//! using a folder (the launcher, the app's `multiprocessing` helpers) holds a handle on it that
//! lets others read and write but not delete; a later launch may remove a folder only when it
//! can open it with no sharing at all, which fails while any such handle is open. Windows
//! closes a process's handles however it ends, so a killed launcher leaves no lock behind.

use std::path::Path;

use windows_sys::Win32::Foundation::{CloseHandle, GENERIC_READ, HANDLE, INVALID_HANDLE_VALUE};
use windows_sys::Win32::Storage::FileSystem::{
    CreateFileW, FILE_FLAG_BACKUP_SEMANTICS, FILE_FLAG_OPEN_REPARSE_POINT, FILE_SHARE_MODE,
    FILE_SHARE_READ, FILE_SHARE_WRITE, OPEN_EXISTING,
};

/// An open handle on a folder; closed on drop.
pub struct DirLock(HANDLE);

impl Drop for DirLock {
    fn drop(&mut self) {
        // SAFETY: a handle this lock opened and nobody else closes.
        unsafe {
            CloseHandle(self.0);
        }
    }
}

/// Mark `dir` as in use: `None` when it is not a folder, or is being removed.
pub fn share(dir: &Path) -> Option<DirLock> {
    open(dir, FILE_SHARE_READ | FILE_SHARE_WRITE)
}

/// Take `dir` for removal: `None` while anyone uses it.
pub fn exclusive(dir: &Path) -> Option<DirLock> {
    open(dir, 0)
}

fn open(dir: &Path, share: FILE_SHARE_MODE) -> Option<DirLock> {
    let name = super::wide(dir.as_os_str());
    // SAFETY: a NUL-terminated path; the handle is owned by the returned lock.
    let handle = unsafe {
        CreateFileW(
            name.as_ptr(),
            GENERIC_READ,
            share,
            std::ptr::null(),
            OPEN_EXISTING,
            // A folder is opened with backup semantics; a link is opened as itself.
            FILE_FLAG_BACKUP_SEMANTICS | FILE_FLAG_OPEN_REPARSE_POINT,
            std::ptr::null_mut(),
        )
    };
    if handle == INVALID_HANDLE_VALUE || handle.is_null() {
        return None;
    }
    let lock = DirLock(handle);
    let is_dir = std::fs::symlink_metadata(dir).is_ok_and(|m| m.is_dir());
    is_dir.then_some(lock)
}
