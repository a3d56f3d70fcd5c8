//! The `samat` command line, as a library so the end-to-end tests can run exactly this code
//! in child processes they kill.
//!
//! Parses the command line, runs one command on a tokio runtime, and turns any failure into
//! one `samat: <reason>` line on stderr (plus a JSON error document with `--json`) and exit
//! code 1. Usage errors are clap's, with exit code 2.

mod args;
mod commands;
mod context;
mod error;
mod output;

use std::process::ExitCode;

use clap::error::ErrorKind;
use clap::Parser;

use crate::args::Cli;
use crate::error::CliError;
use crate::output::{error_json, Output};

/// Runs `samat` with the process's arguments; returns the exit code.
pub fn run() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return usage_error(e),
    };
    let out = Output::new(cli.json, cli.gregorian);
    let runtime = match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            out.error(&CliError::new("runtime", format!("cannot start: {e}")));
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(commands::run(cli, out)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            out.error(&e);
            ExitCode::FAILURE
        }
    }
}

/// Help and version print and exit 0; real usage errors exit 2 with clap's message, and with
/// `--json` anywhere on the line also print `{"error": {"code": "usage", ...}}` on stdout.
fn usage_error(e: clap::Error) -> ExitCode {
    if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand) {
        e.exit();
    }
    if std::env::args_os().skip(1).any(|a| a == "--json") {
        let first = e.to_string().lines().next().unwrap_or("usage error").trim_start_matches("error: ").to_owned();
        println!("{}", error_json(&CliError::new("usage", first)));
    }
    let _ = e.print();
    ExitCode::from(2)
}
