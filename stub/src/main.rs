//! The launcher at the front of every pybundle executable. It reads the archive attached to its
//! own file, checks it, and runs the bundled app in two stages (see [`handoff`]), by one flow
//! ([`launch`]) over the primitives [`unix`] and [`windows`] each supply the way their system
//! allows:
//!
//! - outer stage, by mode: onedir finds the root beside the executable; onefile unpacks into
//!   a fresh private folder, runs the inner stage as a child, forwards signals (Ctrl-C on
//!   Windows), removes the folder and ends the way the app ended; onefile with `--runtime-cache`
//!   unpacks once into the user's cache and checks it at each launch. A helper that
//!   `multiprocessing` starts joins its app's root instead.
//! - inner stage: this executable again, which loads CPython from the root and runs the app
//!   in its own process.
//!
//! Errors are one line on stderr and a non-zero exit; nothing of the app runs from an archive
//! that failed its check.

mod error;
mod handoff;
mod launch;
mod root;
#[cfg(unix)]
mod unix;
#[cfg(windows)]
mod windows;

/// Exit status when the launcher itself fails (the app never ran).
const LAUNCH_FAILURE: u8 = 255;

fn main() -> std::process::ExitCode {
    launch::main()
}
