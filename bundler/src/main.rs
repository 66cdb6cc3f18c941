//! `pybundle`: read the command line, run the command ([`pybundle::commands`]).

use std::process::ExitCode;

use pybundle::{commands, interrupt};

fn main() -> ExitCode {
    interrupt::say_so();
    match commands::parse(std::env::args_os().collect()) {
        Ok(cli) => commands::run(cli),
        Err(code) => code,
    }
}
