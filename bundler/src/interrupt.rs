//! Ctrl-C (SIGINT), SIGTERM or SIGHUP during a command: one line saying so, then the build
//! ends by that signal, as the shell expects. What was half-written is not in `DIST`: output is
//! made under a temporary name and swapped in with signals held (see `output::replace`); a
//! temporary left behind is removed by the next build.

const SIGNALS: [libc::c_int; 3] = [libc::SIGINT, libc::SIGTERM, libc::SIGHUP];

const MESSAGE: &[u8] = b"error: interrupted; nothing half-written is left in the output folder\n";

extern "C" fn on_signal(sig: libc::c_int) {
    // SAFETY: write, signal and raise are async-signal-safe.
    unsafe {
        libc::write(2, MESSAGE.as_ptr().cast(), MESSAGE.len());
        libc::signal(sig, libc::SIG_DFL);
        libc::raise(sig);
    }
}

/// Install the handler, for the signals this process was not started ignoring (a shell's
/// background job keeps ignoring SIGINT).
pub fn say_so() {
    for sig in SIGNALS {
        // SAFETY: reads the current disposition, and installs a handler that only calls
        // async-signal-safe functions.
        unsafe {
            let mut old: libc::sigaction = std::mem::zeroed();
            libc::sigaction(sig, std::ptr::null(), &mut old);
            if old.sa_sigaction == libc::SIG_IGN {
                continue;
            }
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = on_signal as *const () as usize;
            libc::sigemptyset(&mut action.sa_mask);
            libc::sigaction(sig, &action, std::ptr::null_mut());
        }
    }
}
