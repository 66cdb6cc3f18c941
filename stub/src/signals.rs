//! Signals in onefile mode, where the launcher stays as the app's parent: forward the ones a
//! user or service manager sends to the launcher, and end the launcher the way the app ended.

use std::sync::atomic::{AtomicI32, Ordering};

/// Signals that must reach the app.
const FORWARDED: [libc::c_int; 4] = [libc::SIGINT, libc::SIGTERM, libc::SIGHUP, libc::SIGQUIT];

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
        for sig in FORWARDED {
            libc::sigaction(sig, &action, std::ptr::null_mut());
        }
        let set = forwarded_set();
        libc::pthread_sigmask(libc::SIG_UNBLOCK, &set, std::ptr::null_mut());
    }
}

/// In the child, before exec: release the signals [`hold`] held, die with the launcher
/// (SIGKILL when it goes), and give up if it is already gone.
pub fn child_setup(parent: libc::pid_t) -> std::io::Result<()> {
    let set = forwarded_set();
    // SAFETY: sigprocmask, prctl and getppid are async-signal-safe and touch no Rust state.
    unsafe {
        libc::pthread_sigmask(libc::SIG_UNBLOCK, &set, std::ptr::null_mut());
        if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
            return Err(std::io::Error::last_os_error());
        }
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
