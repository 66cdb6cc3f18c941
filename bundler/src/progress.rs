//! What the user sees while a build runs: an indicatif display on a terminal, nothing
//! elsewhere (no TTY, `NO_COLOR`, `-q`). What else reaches stderr follows the build's
//! [`Verbosity`]: warnings unless `-q`; notes and the closing line at the normal level and up;
//! details with `-v`.

use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

pub struct Progress {
    bar: Option<ProgressBar>,
    level: Verbosity,
    /// Every warning and note given, shown or not, for the `--json` summary.
    told: Mutex<Told>,
}

/// How much the build says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verbosity {
    /// Errors only (`-q`, `--log-level ERROR`).
    Quiet,
    /// Warnings and errors (`--log-level WARN`).
    Warnings,
    Normal,
    /// What was collected and from where (`-v`, `--log-level DEBUG`).
    Verbose,
}

/// What a build said.
#[derive(Debug, Default, Clone)]
pub struct Told {
    pub warnings: Vec<String>,
    pub notes: Vec<String>,
}

impl Progress {
    pub fn new(level: Verbosity) -> Self {
        let show = level >= Verbosity::Normal
            && std::io::stderr().is_terminal()
            && std::env::var_os("NO_COLOR").is_none();
        let bar = show.then(|| {
            let bar = ProgressBar::new_spinner();
            bar.enable_steady_tick(Duration::from_millis(100));
            bar
        });
        Progress {
            bar,
            level,
            told: Mutex::default(),
        }
    }

    /// A new phase of the build.
    pub fn step(&self, message: &str) {
        if let Some(bar) = &self.bar {
            bar.set_style(
                ProgressStyle::with_template("{spinner} {msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            bar.set_message(message.to_string());
        }
    }

    /// A phase measured in bytes.
    pub fn bytes(&self, message: &str, total: u64) {
        if let Some(bar) = &self.bar {
            bar.set_length(total);
            bar.set_position(0);
            bar.set_style(
                ProgressStyle::with_template("{spinner} {msg} [{bar:30}] {bytes}/{total_bytes}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=> "),
            );
            bar.set_message(message.to_string());
        }
    }

    pub fn advance(&self, n: u64) {
        if let Some(bar) = &self.bar {
            bar.inc(n);
        }
    }

    /// A detail shown with `-v`.
    pub fn detail(&self, message: &str) {
        if self.level >= Verbosity::Verbose {
            self.line(message);
        }
    }

    /// Worth knowing, not a problem.
    pub fn note(&self, message: &str) {
        if let Ok(mut told) = self.told.lock() {
            told.notes.push(message.to_string());
        }
        if self.level >= Verbosity::Normal {
            self.line(&format!("note: {message}"));
        }
    }

    pub fn warn(&self, message: &str) {
        if let Ok(mut told) = self.told.lock() {
            told.warnings.push(message.to_string());
        }
        if self.level >= Verbosity::Warnings {
            self.line(&format!("warning: {message}"));
        }
    }

    /// Every warning and note given so far.
    pub fn told(&self) -> Told {
        self.told.lock().map(|t| t.clone()).unwrap_or_default()
    }

    /// The closing line, unless `-q`.
    pub fn done(&self, message: &str) {
        self.finish();
        if self.level >= Verbosity::Normal {
            eprintln!("{message}");
        }
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }

    fn line(&self, message: &str) {
        match &self.bar {
            Some(bar) => bar.println(message),
            None => eprintln!("{message}"),
        }
    }
}
