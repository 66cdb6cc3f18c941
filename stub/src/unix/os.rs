//! Where Linux and macOS differ, as primitives the one Unix launch flow calls: this
//! executable's path, the name the process carries, the app dying with its onefile launcher,
//! whether a file system may run programs, random bits, and ext4's placement flag. Everything
//! else of the Unix launcher is the same code on both.

use std::os::fd::OwnedFd;
use std::path::Path;
use std::process::Command;

/// This executable, to run again as the inner stage. Linux: `/proc/self/exe`, the file this
/// process runs even if it was replaced or renamed since.
#[cfg(not(target_os = "macos"))]
pub fn self_exe() -> &'static Path {
    Path::new("/proc/self/exe")
}

/// This executable, to run again as the inner stage. macOS has no `/proc`: the path the
/// kernel started it from (`_NSGetExecutablePath`).
#[cfg(target_os = "macos")]
pub fn self_exe() -> &'static Path {
    static EXE: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();
    EXE.get_or_init(|| std::env::current_exe().unwrap_or_default())
}

/// Name this process `name` for `ps`, `top` and `pgrep` (the kernel keeps 15 bytes).
#[cfg(not(target_os = "macos"))]
pub fn name_process(name: &[u8]) {
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

/// Name this process `name`: macOS's `ps` shows `argv[0]`, which the inner stage was started
/// with already; the main thread's name is what debuggers and crash reports show.
#[cfg(target_os = "macos")]
pub fn name_process(name: &[u8]) {
    let mut buf = [0u8; 64];
    let len = name.len().min(63);
    buf[..len].copy_from_slice(&name[..len]);
    // SAFETY: reads a NUL-terminated string from a live buffer.
    unsafe {
        libc::pthread_setname_np(buf.as_ptr().cast());
    }
}

/// The environment variable that tells a macOS inner stage which launcher to die with.
#[cfg(target_os = "macos")]
const LAUNCHER_PID: &str = "_PYBUNDLE_LAUNCHER_PID";

/// Ready `cmd`, the onefile app's command, to die with this launcher (`parent`). Linux does
/// it in the child before exec ([`die_with_launcher`]); macOS tells the inner stage whom to
/// watch.
pub fn tie_to_launcher(cmd: &mut Command, parent: libc::pid_t) {
    #[cfg(target_os = "macos")]
    cmd.env(LAUNCHER_PID, parent.to_string());
    #[cfg(not(target_os = "macos"))]
    let _ = (cmd, parent);
}

/// In the onefile app's child before exec: SIGKILL when the launcher goes (Linux); nothing to
/// do here on macOS, where [`watch_launcher`] does it after exec. Async-signal-safe.
pub fn die_with_launcher() -> std::io::Result<()> {
    #[cfg(not(target_os = "macos"))]
    // SAFETY: prctl is async-signal-safe and touches no Rust state.
    if unsafe { libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}

/// In the inner stage, first: on macOS, a thread that kills this process when the onefile
/// launcher that started it ends (kqueue's process-exit event); nothing elsewhere.
pub fn watch_launcher() {
    #[cfg(target_os = "macos")]
    {
        let Some(pid) = std::env::var_os(LAUNCHER_PID) else {
            return;
        };
        std::env::remove_var(LAUNCHER_PID);
        let Some(pid) = pid.to_str().and_then(|p| p.parse::<libc::pid_t>().ok()) else {
            return;
        };
        // SAFETY: kqueue and kevent read and write structs this function owns; kill ends this
        // process.
        unsafe {
            let kq = libc::kqueue();
            let mut event: libc::kevent = std::mem::zeroed();
            event.ident = pid as libc::uintptr_t;
            event.filter = libc::EVFILT_PROC;
            event.flags = libc::EV_ADD | libc::EV_ONESHOT;
            event.fflags = libc::NOTE_EXIT;
            let added = libc::kevent(kq, &event, 1, std::ptr::null_mut(), 0, std::ptr::null());
            if kq < 0 || added < 0 || libc::getppid() != pid {
                libc::kill(libc::getpid(), libc::SIGKILL);
            }
            std::thread::spawn(move || {
                let mut fired: libc::kevent = std::mem::zeroed();
                libc::kevent(kq, std::ptr::null(), 0, &mut fired, 1, std::ptr::null());
                libc::kill(libc::getpid(), libc::SIGKILL);
            });
        }
    }
}

/// Is the file system holding `dir` mounted `noexec` (so CPython's library cannot be loaded
/// from it)?
pub fn mounted_noexec(dir: &Path) -> bool {
    use std::os::unix::ffi::OsStrExt;
    let Ok(path) = std::ffi::CString::new(dir.as_os_str().as_bytes()) else {
        return false;
    };
    // SAFETY: statvfs and statfs fill the struct they are given.
    unsafe {
        #[cfg(not(target_os = "macos"))]
        {
            let mut info: libc::statvfs = std::mem::zeroed();
            libc::statvfs(path.as_ptr(), &mut info) == 0 && info.f_flag & libc::ST_NOEXEC != 0
        }
        #[cfg(target_os = "macos")]
        {
            let mut info: libc::statfs = std::mem::zeroed();
            libc::statfs(path.as_ptr(), &mut info) == 0
                && info.f_flags & libc::MNT_NOEXEC as u32 != 0
        }
    }
}

/// 64 unpredictable bits for folder names.
pub fn random() -> u64 {
    let mut bytes = [0u8; 8];
    #[cfg(not(target_os = "macos"))]
    {
        // SAFETY: getrandom writes at most `bytes.len()` bytes into the buffer.
        let n = unsafe { libc::getrandom(bytes.as_mut_ptr().cast(), bytes.len(), 0) };
        if n != bytes.len() as isize {
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or(0);
            return nanos ^ ((std::process::id() as u64) << 32);
        }
    }
    // SAFETY: fills the buffer it is given; it cannot fail.
    #[cfg(target_os = "macos")]
    unsafe {
        libc::arc4random_buf(bytes.as_mut_ptr().cast(), bytes.len());
    }
    u64::from_le_bytes(bytes)
}

/// ext4's "top of a hierarchy" flag (`chattr +T`, `FS_TOPDIR_FL` in linux/fs.h).
#[cfg(not(target_os = "macos"))]
const FS_TOPDIR_FL: libc::c_long = 0x0002_0000;

/// Mark `dir` as the top of a hierarchy, so that a folder made in it is placed like one made
/// in `/` (see `unpack_dir`'s comment). Best effort: a file system without the flag, and
/// macOS, say no.
pub fn spread_subfolders(dir: &OwnedFd) {
    #[cfg(not(target_os = "macos"))]
    {
        use std::os::fd::AsRawFd;
        let mut flags: libc::c_long = 0;
        // SAFETY: both ioctls read or write one int through a pointer to a live c_long.
        unsafe {
            if libc::ioctl(dir.as_raw_fd(), libc::FS_IOC_GETFLAGS, &mut flags) == 0 {
                flags |= FS_TOPDIR_FL;
                libc::ioctl(dir.as_raw_fd(), libc::FS_IOC_SETFLAGS, &flags);
            }
        }
    }
    #[cfg(target_os = "macos")]
    let _ = dir;
}
