//! `pybundle`: parse the command line, run the command, turn an error into one line on stderr
//! and a non-zero exit.

use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches};

use pybundle::cli::{self, Cli, Command};
use pybundle::pipeline::{self, summary};
use pybundle::settings::pyinstaller_spec;
use pybundle::settings::BuildSettings;
use pybundle::{commands, interrupt};

fn main() -> ExitCode {
    interrupt::say_so();
    let argv: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if let Some(command) = cli::misspelt_command(&argv) {
        let typed = argv[1].to_string_lossy();
        eprintln!("error: `{typed}` is neither a command nor a file; did you mean `pybundle {command}`? (`pybundle --help` lists the commands)");
        return ExitCode::FAILURE;
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
            return ExitCode::FAILURE;
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
            return ExitCode::from(2);
        }
    };
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    let mut json = false;
    let result = match cli.command {
        Command::Build(args) => {
            json = args.options.json;
            BuildSettings::from_args(&args)
                .and_then(|builds| {
                    for settings in builds {
                        json |= settings.report.json;
                        pipeline::build(settings)?;
                    }
                    Ok(())
                })
                .map(|()| ExitCode::SUCCESS)
        }
        Command::Inspect { path, why, json } => {
            // `inspect --why dist/app`: the path was read as --why's value.
            let (path, why) = match (path, why) {
                (Some(path), why) => (path, why),
                (None, Some(path)) if !path.is_empty() => (path.into(), Some(String::new())),
                (None, _) => {
                    eprintln!("error: name the bundle to inspect: pybundle inspect dist/app");
                    return ExitCode::FAILURE;
                }
            };
            let result = match (why, json) {
                (_, true) => commands::inspect_json(&path),
                (Some(what), false) => commands::inspect_why(&path, &what),
                (None, false) => commands::inspect(&path),
            };
            result.map(|()| ExitCode::SUCCESS)
        }
        Command::Extract { exe, dest } => {
            commands::extract(&exe, &dest).map(|()| ExitCode::SUCCESS)
        }
        Command::Verify { exe } => commands::verify(&exe),
        Command::Cache { action } => match action {
            cli::CacheAction::List => commands::cache_list(),
            cli::CacheAction::Clean { apps } => commands::cache_clean(&apps),
        }
        .map(|()| ExitCode::SUCCESS),
        Command::ImportSpec { spec } => commands::import_spec(&spec).map(|()| ExitCode::SUCCESS),
        Command::Completions { shell } => {
            commands::completions(shell, &mut Cli::command()).map(|()| ExitCode::SUCCESS)
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
