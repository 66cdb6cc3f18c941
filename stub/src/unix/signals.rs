//! Signals in onefile mode, where the launcher stays as the app's parent: forward the ones a
//! user or service manager sends to the launcher (or ignore them, `--bootloader-ignore-signals`),
//! and end the launcher the way the app ended.
//!
//! Each signal must reach the app once. Ctrl-C at a terminal already goes to the whole
//! foreground process group, app included, so a signal the kernel raised is not passed on.
//! Without a terminal, the app gets a process group of its own: a signal sent to the launcher's
//! group (`kill -INT -PGID`, a supervisor stopping a job) then reaches the app only through
//! the launcher, once. With a terminal the app stays in the launcher's group, which job control
//! (Ctrl-Z, `fg`, reading the terminal) needs.

use std::sync::atomic::{AtomicI32, Ordering};

/// Signals that must reach the app: those that end a process or ask a daemon to do something.
const FORWARDED: [libc::c_int; 7] = [
    libc::SIGINT,
    libc::SIGTERM,
    libc::SIGHUP,
    libc::SIGQUIT,
    libc::SIGUSR1,
    libc::SIGUSR2,
    libc::SIGALRM,
];

/// `si_code` of a signal the kernel raised itself, e.g. Ctrl-C at a terminal, which the kernel
/// already delivers to the whole foreground process group, app included.
const SI_KERNEL: libc::c_int = 0x80;

static CHILD: AtomicI32 = AtomicI32::new(0);

fn forwarded_set() -> libc::sigset_t {
    // SAFETY: sigemptyset/sigaddset only write into the set they are given.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        for sig in FORWARDED {
            libc::sigaddset(&mut set, sig);
        }
        set
    }
}

/// Hold the forwarded signals until [`forward_to`] knows where to send them, so one that
/// arrives while the app is being started is delivered, not lost. The child releases them
/// for itself in [`child_setup`].
pub fn hold() {
    let set = forwarded_set();
    // SAFETY: changes this thread's mask only.
    unsafe {
        libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
    }
}

extern "C" fn forward(sig: libc::c_int, info: *mut libc::siginfo_t, _: *mut libc::c_void) {
    let pid = CHILD.load(Ordering::Relaxed);
    // SAFETY: the kernel passes a valid siginfo to an SA_SIGINFO handler.
    let from_kernel = !info.is_null() && unsafe { (*info).si_code } == SI_KERNEL;
    if pid > 0 && !from_kernel {
        // SAFETY: kill is async-signal-safe.
        unsafe {
            libc::kill(pid, sig);
        }
    }
}

/// Send the forwarded signals to `pid` from now on, then release any that were held.
pub fn forward_to(pid: u32) {
    CHILD.store(pid as i32, Ordering::Relaxed);
    // SAFETY: installs a handler that only calls async-signal-safe functions.
    unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = forward as *const () as usize;
        action.sa_flags = libc::SA_SIGINFO | libc::SA_RESTART;
        libc::sigemptyset(&mut action.sa_mask);
        install(&action);
    }
}

/// Ignore the forwarded signals from now on (whoever sends them signals the app too), then
/// release any that were held.
pub fn ignore() {
    // SAFETY: installs a handler that does nothing. A handler rather than SIG_IGN, so the app's
    // own later children, were any exec'd from here, would not inherit the ignoring.
    unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = do_nothing as *const () as usize;
        action.sa_flags = libc::SA_RESTART;
        libc::sigemptyset(&mut action.sa_mask);
        install(&action);
    }
}

extern "C" fn do_nothing(_: libc::c_int) {}

/// # Safety
/// `action` must name a handler that only calls async-signal-safe functions.
unsafe fn install(action: &libc::sigaction) {
    for sig in FORWARDED {
        // A signal the launcher was started with ignored (a shell's background job: SIGINT)
        // stays ignored, as the app inherited it so.
        let mut old: libc::sigaction = std::mem::zeroed();
        libc::sigaction(sig, std::ptr::null(), &mut old);
        if old.sa_sigaction != libc::SIG_IGN {
            libc::sigaction(sig, action, std::ptr::null_mut());
        }
    }
    let set = forwarded_set();
    libc::pthread_sigmask(libc::SIG_UNBLOCK, &set, std::ptr::null_mut());
}

/// How the app's process is grouped (see the module's doc).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    /// The launcher's, for job control at a terminal.
    Shared,
    /// Its own: no terminal, so every signal comes through the launcher.
    Own,
}

impl Group {
    /// `Own` when this process has no controlling terminal.
    pub fn for_this_session() -> Self {
        // SAFETY: opening /dev/tty fails with ENXIO when there is no controlling terminal;
        // the descriptor is closed at once.
        let fd = unsafe { libc::open(c"/dev/tty".as_ptr(), libc::O_RDONLY | libc::O_CLOEXEC) };
        if fd < 0 {
            return Group::Own;
        }
        // SAFETY: closing the descriptor just opened.
        unsafe { libc::close(fd) };
        Group::Shared
    }
}

/// In the child, before exec: release the signals [`hold`] held, take its own process group
/// if asked, die with the launcher (SIGKILL when it goes), and give up if it is already gone.
pub fn child_setup(parent: libc::pid_t, group: Group) -> std::io::Result<()> {
    let set = forwarded_set();
    // SAFETY: sigprocmask, setpgid, die_with_launcher's prctl and getppid are
    // async-signal-safe and touch no Rust state.
    unsafe {
        libc::pthread_sigmask(libc::SIG_UNBLOCK, &set, std::ptr::null_mut());
        if group == Group::Own {
            libc::setpgid(0, 0);
        }
        super::os::die_with_launcher()?;
        if libc::getppid() != parent {
            return Err(std::io::Error::other("the launcher is gone"));
        }
    }
    Ok(())
}

/// End this process by `sig`, as the app did, so a shell sees 128+N; without a core file.
pub fn die_like(sig: libc::c_int) -> ! {
    // SAFETY: resets one signal to its default and sends it to ourselves.
    unsafe {
        let no_core = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        libc::setrlimit(libc::RLIMIT_CORE, &no_core);
        libc::signal(sig, libc::SIG_DFL);
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, sig);
        libc::pthread_sigmask(libc::SIG_UNBLOCK, &set, std::ptr::null_mut());
        libc::kill(libc::getpid(), sig);
    }
    // A signal whose default is to continue (e.g. SIGCHLD-like) lands here.
    std::process::exit(128 + sig)
}
