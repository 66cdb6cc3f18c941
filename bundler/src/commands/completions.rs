//! `pybundle completions SHELL`: the shell completion script.

use crate::error::Error;

use super::print_all;

/// `pybundle completions SHELL`: the completion script clap writes for the whole command line.
pub fn completions(shell: clap_complete::Shell, command: &mut clap::Command) -> Result<(), Error> {
    let mut script = Vec::new();
    clap_complete::generate(shell, command, "pybundle", &mut script);
    print_all(&String::from_utf8_lossy(&script))
}
