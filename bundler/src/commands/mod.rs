//! The subcommands, one file each: [`parse`] reads the command line, [`run`] runs what it
//! names and turns an error into one line on stderr (and, for a `--json` build, one JSON line
//! on stdout) and a non-zero exit. `build` runs the pipeline; `inspect`, `extract` and
//! `verify` read finished bundles ([`opened`]); `cache list|clean` works over the runtime
//! cache `--runtime-cache` apps unpack into; `import-spec` and `completions SHELL` print.
//! What they print goes to stdout in one piece; a reader that stops early (`| head`) ends the
//! command quietly.

pub mod about;
mod build;
mod cache;
mod completions;
mod extract;
mod import_spec;
mod inspect;
mod opened;
mod parse;
mod verify;

pub use parse::parse;

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::CommandFactory;

use crate::cli::{CacheAction, Cli, Command, SbomFormat};
use crate::error::Error;
use crate::pipeline::summary;

/// Run the command `cli` names; an error is one line on stderr and exit status 1.
pub fn run(cli: Cli) -> ExitCode {
    let mut json = false;
    let result = match cli.command {
        Command::Build(args) => {
            json = args.options.json;
            build::build(&args, &mut json).map(|()| ExitCode::SUCCESS)
        }
        Command::Inspect {
            path,
            why,
            json,
            sbom,
            format,
            licenses,
            notices,
        } => {
            let what = match (sbom, licenses, notices) {
                (true, _, _) => inspect::Show::Sbom(format.unwrap_or(SbomFormat::Cyclonedx)),
                (_, true, _) => inspect::Show::Licences,
                (_, _, true) => inspect::Show::Notices,
                _ => inspect::Show::Contents { why, json },
            };
            inspect::run(path, what).map(|()| ExitCode::SUCCESS)
        }
        Command::Extract { exe, dest } => extract::extract(&exe, &dest).map(|()| ExitCode::SUCCESS),
        Command::Verify { exe } => verify::verify(&exe),
        Command::Cache { action } => match action {
            CacheAction::List => cache::cache_list(),
            CacheAction::Clean { apps } => cache::cache_clean(&apps),
        }
        .map(|()| ExitCode::SUCCESS),
        Command::ImportSpec { spec } => import_spec::import_spec(&spec).map(|()| ExitCode::SUCCESS),
        Command::Completions { shell } => {
            completions::completions(shell, &mut Cli::command()).map(|()| ExitCode::SUCCESS)
        }
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err}");
            if json {
                println!(
                    "{}",
                    summary::to_line(&summary::Failure::new(err.to_string()))
                );
            }
            ExitCode::FAILURE
        }
    }
}

/// Write `text` to stdout; a closed pipe (`| head`) is not an error.
pub(super) fn print_all(text: &str) -> Result<(), Error> {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(Error::Write {
            path: PathBuf::from("<stdout>"),
            source: e,
        }),
        _ => Ok(()),
    }
}
