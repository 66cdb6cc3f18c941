//! What unpacking asks of the operating system, in one place: creating files and folders that
//! must be new (never following a link), reading at an offset from several threads, the
//! permission bits that exist on Unix only, and how many processors there are. Windows has no modes: there a file is checked by
//! size and content alone.

use std::fs::{File, Metadata};
use std::io;
use std::path::Path;

#[cfg(unix)]
mod imp {
    use std::fs::{DirBuilder, File, Metadata, OpenOptions, Permissions};
    use std::io;
    use std::os::unix::fs::{DirBuilderExt, FileExt, OpenOptionsExt, PermissionsExt};
    use std::path::Path;

    /// The processors online (sysconf: std's available_parallelism also reads cgroup quotas,
    /// a few kilobytes of launcher for a number only used to size a thread pool).
    pub fn cores() -> usize {
        // SAFETY: sysconf has no preconditions.
        let n = unsafe { libc::sysconf(libc::_SC_NPROCESSORS_ONLN) };
        usize::try_from(n).unwrap_or(1).max(1)
    }

    pub fn create_new(path: &Path, mode: u32, umask: u32) -> io::Result<File> {
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(mode)
            .custom_flags(libc::O_NOFOLLOW)
            .open(path)?;
        if mode & umask != 0 {
            // The umask took bits away; the manifest's mode is what the app expects (and
            // what a cached unpack is checked against).
            file.set_permissions(Permissions::from_mode(mode))?;
        }
        Ok(file)
    }

    pub fn open_no_follow(path: &Path) -> io::Result<File> {
        OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NOFOLLOW)
            .open(path)
    }

    pub fn read_at(file: &File, buf: &mut [u8], pos: u64) -> io::Result<usize> {
        file.read_at(buf, pos)
    }

    pub fn create_dir(path: &Path, mode: u32) -> io::Result<()> {
        DirBuilder::new().mode(mode).create(path)
    }

    pub fn mode_matches(meta: &Metadata, mode: u32) -> bool {
        meta.permissions().mode() & 0o777 == mode
    }

    pub fn current_umask() -> u32 {
        // SAFETY: umask cannot fail; it is set back at once, before any unpacking thread
        // starts.
        unsafe {
            let mask = libc::umask(0o022);
            libc::umask(mask);
            mask as u32
        }
    }
}

#[cfg(windows)]
mod imp {
    use std::fs::{File, Metadata, OpenOptions};
    use std::io;
    use std::os::windows::fs::{FileExt, OpenOptionsExt};
    use std::path::Path;

    pub fn cores() -> usize {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    }

    /// Open a link itself rather than what it points at.
    const FILE_FLAG_OPEN_REPARSE_POINT: u32 = 0x0020_0000;

    pub fn create_new(path: &Path, _mode: u32, _umask: u32) -> io::Result<File> {
        OpenOptions::new().write(true).create_new(true).open(path)
    }

    pub fn open_no_follow(path: &Path) -> io::Result<File> {
        OpenOptions::new()
            .read(true)
            .custom_flags(FILE_FLAG_OPEN_REPARSE_POINT)
            .open(path)
    }

    pub fn read_at(file: &File, buf: &mut [u8], pos: u64) -> io::Result<usize> {
        file.seek_read(buf, pos)
    }

    pub fn create_dir(path: &Path, _mode: u32) -> io::Result<()> {
        std::fs::create_dir(path)
    }

    pub fn mode_matches(_meta: &Metadata, _mode: u32) -> bool {
        true
    }

    pub fn current_umask() -> u32 {
        0
    }
}

/// Create the new file `path` with permission bits `mode` (exactly, whatever `umask` is);
/// fails if anything, a link included, is already there.
pub fn create_new(path: &Path, mode: u32, umask: u32) -> io::Result<File> {
    imp::create_new(path, mode, umask)
}

/// Open `path` for reading; a link is opened as itself, so it is never taken for its target.
pub fn open_no_follow(path: &Path) -> io::Result<File> {
    imp::open_no_follow(path)
}

/// Read from `pos` without moving a shared cursor, so threads can share one handle.
pub fn read_at(file: &File, buf: &mut [u8], pos: u64) -> io::Result<usize> {
    imp::read_at(file, buf, pos)
}

pub fn create_dir(path: &Path, mode: u32) -> io::Result<()> {
    imp::create_dir(path, mode)
}

/// Does `meta` carry permission bits `mode` (always, where there are none)?
pub fn mode_matches(meta: &Metadata, mode: u32) -> bool {
    imp::mode_matches(meta, mode)
}

/// The process's umask (0 where there is none).
pub fn current_umask() -> u32 {
    imp::current_umask()
}

/// How many processors there are, for sizing the unpacking threads.
pub fn cores() -> usize {
    imp::cores()
}
