//! The command line read as `pybundle` takes it: a misspelt command named, `build` implied
//! (`pybundle app.py -F`), a PyInstaller spec's settings put where its path was, and clap's
//! mistakes told in one line.

use std::ffi::OsString;
use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches};

use crate::cli::{self, Cli};
use crate::settings::pyinstaller_spec;

/// The command `argv` names; or, for a mistake, the exit status after it was told (help and
/// `--version` exit here).
pub fn parse(argv: Vec<OsString>) -> Result<Cli, ExitCode> {
    if let Some(command) = cli::misspelt_command(&argv) {
        let typed = argv[1].to_string_lossy();
        eprintln!("error: `{typed}` is neither a command nor a file; did you mean `pybundle {command}`? (`pybundle --help` lists the commands)");
        return Err(ExitCode::FAILURE);
    }
    let argv = cli::with_default_command(argv);
    // `pybundle build X.spec`: the spec's settings stand where its path was.
    let argv = match pyinstaller_spec::expand(argv) {
        Ok((argv, warnings)) => {
            for warning in warnings {
                eprintln!("warning: {warning}");
            }
            argv
        }
        Err(err) => {
            eprintln!("error: {err}");
            return Err(ExitCode::FAILURE);
        }
    };
    let matches = match Cli::command().try_get_matches_from(argv) {
        Ok(matches) => matches,
        Err(e) if !e.use_stderr() => e.exit(),
        Err(e) => {
            // One line, as every other mistake: clap's message and its hints joined.
            let text = e.render().to_string();
            let lines: Vec<&str> = (text.lines())
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with("For more information"))
                .filter(|l| !l.starts_with("Usage:"))
                .collect();
            eprintln!("{} (pybundle --help lists the options)", lines.join(" "));
            return Err(ExitCode::from(2));
        }
    };
    Ok(Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit()))
}
