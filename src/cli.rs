//! The command line: clap definitions (`args`), one module per subcommand, and the only
//! code that touches the terminal, the environment and exit codes.

mod args;
mod catalog;
mod common;
mod diff;
mod effective;
mod explain;
mod generate;
mod schema;

use clap::Parser;
use std::io::{self, Write};
use std::process::ExitCode;

pub use args::{Cli, Command};

/// How a run ended; each maps to an exit code.
#[derive(Debug)]
pub enum Outcome {
    /// Nothing at or above the gate's threshold (exit 0).
    Clean,
    /// The gate failed (exit 1).
    GateFailed,
}

/// An error that ends the run with exit code 2.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error("{0}")]
    Input(#[from] crate::ingest::IngestError),
    #[error("{0}")]
    Usage(String),
    #[error("{0}")]
    Diff(#[from] crate::diff::err::DiffError),
    #[error("cannot write output: {0}")]
    Output(#[from] io::Error),
}

/// Entry point of the binary.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            // clap prints help/version to stdout (exit 0) and usage errors to stderr (exit 2)
            let _ = e.print();
            return ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2));
        }
    };
    match run(&cli) {
        Ok(Outcome::Clean) => ExitCode::SUCCESS,
        Ok(Outcome::GateFailed) => ExitCode::from(1),
        Err(CliError::Output(e)) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            let _ = writeln!(io::stderr(), "error: {e}");
            ExitCode::from(2)
        }
    }
}

/// Runs a parsed command line, writing reports to stdout.
pub fn run(cli: &Cli) -> Result<Outcome, CliError> {
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let outcome = match &cli.command {
        Command::Effective(a) => effective::run(a, &mut out)?,
        Command::Explain(a) => explain::run(a, &mut out)?,
        Command::Catalog(a) => catalog::run(a, &mut out)?,
        Command::Diff(a) => diff::run(a, &mut out)?,
        Command::Generate { what } => generate::run(*what, &mut out)?,
        Command::Schema { what } => schema::run(*what, &mut out)?,
    };
    out.flush()?;
    Ok(outcome)
}
