//! `pybundle`: parse the command line, run the command, turn an error into one line on stderr
//! and a non-zero exit.

mod analysis;
mod app;
mod bootstrap;
mod cli;
mod commands;
mod compile;
mod contents;
mod elf;
mod error;
mod interpreter;
mod layout;
mod output;
mod packages;
mod pipeline;
mod progress;
mod pyzip;
mod runtime;
mod stub;

use std::process::ExitCode;

use clap::Parser;

use crate::cli::{Cli, Command};

fn main() -> ExitCode {
    let cli = Cli::parse_from(cli::with_default_command(std::env::args_os().collect()));
    let result = match cli.command {
        Command::Build(args) => pipeline::build(args).map(|()| ExitCode::SUCCESS),
        Command::Inspect { path } => commands::inspect(&path).map(|()| ExitCode::SUCCESS),
        Command::Extract { exe, dest } => {
            commands::extract(&exe, &dest).map(|()| ExitCode::SUCCESS)
        }
        Command::Verify { exe } => Ok(commands::verify(&exe)),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}
