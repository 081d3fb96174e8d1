//! The command line: clap definitions (`args`), one module per subcommand, and the only
//! code that touches the terminal, the environment and exit codes.

mod args;
mod catalog;
mod common;
mod cutover;
mod diff;
mod effective;
mod explain;
mod generate;
mod lint;
mod provenance;
mod report_set;
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
    /// The `--out` report set could not be replaced; the earlier set is untouched.
    #[error("{0}")]
    Reports(String),
}

/// Entry point of the binary.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            // clap prints help/version to stdout (exit 0) and usage errors to stderr (exit
            // 2); a closed stream does not change the code
            let _ = e.print();
            return ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2));
        }
    };
    match run(&cli) {
        Ok(Outcome::Clean) => ExitCode::SUCCESS,
        Ok(Outcome::GateFailed) => ExitCode::from(1),
        Err(e) => {
            let _ = writeln!(io::stderr(), "error: {e}");
            ExitCode::from(2)
        }
    }
}

/// Runs a parsed command line, writing reports to stdout. When the reader of stdout goes
/// away (`iamdiff diff … | head -1`) the rest of the output is dropped and the run goes on,
/// so it still ends with the exit code it earned (issue 7).
pub fn run(cli: &Cli) -> Result<Outcome, CliError> {
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(PipeTolerant::new(stdout.lock()));
    let outcome = match &cli.command {
        Command::Effective(a) => effective::run(a, &mut out)?,
        Command::Explain(a) => explain::run(a, &mut out)?,
        Command::Catalog(a) => catalog::run(a, &mut out)?,
        Command::Diff(a) => diff::run(a, &mut out)?,
        Command::Lint(a) => lint::run(a, &mut out)?,
        Command::Cutover(a) => cutover::run(a, &mut out)?,
        Command::Generate { what } => generate::run(*what, &mut out)?,
        Command::Schema { what } => schema::run(*what, &mut out)?,
    };
    out.flush()?;
    Ok(outcome)
}

/// A writer that treats a broken pipe as the end of interest, not as a failure: the first
/// `EPIPE` closes it, and from then on everything written is discarded. Other errors (a
/// full disk behind a redirect) still fail the run.
pub struct PipeTolerant<W> {
    inner: W,
    closed: bool,
}

impl<W: Write> PipeTolerant<W> {
    pub fn new(inner: W) -> Self {
        PipeTolerant {
            inner,
            closed: false,
        }
    }

    /// Whether the reader went away.
    pub fn is_closed(&self) -> bool {
        self.closed
    }
}

impl<W: Write> Write for PipeTolerant<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.closed {
            return Ok(buf.len());
        }
        match self.inner.write(buf) {
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {
                self.closed = true;
                Ok(buf.len())
            }
            r => r,
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.closed {
            return Ok(());
        }
        match self.inner.flush() {
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {
                self.closed = true;
                Ok(())
            }
            r => r,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::PipeTolerant;
    use std::io::{self, Write};

    /// Accepts `room` bytes, then fails as a pipe whose reader left.
    struct Pipe {
        room: usize,
        got: Vec<u8>,
    }

    impl Write for Pipe {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            if self.room == 0 {
                return Err(io::ErrorKind::BrokenPipe.into());
            }
            let n = buf.len().min(self.room);
            self.room -= n;
            self.got.extend_from_slice(buf.get(..n).unwrap_or_default());
            Ok(n)
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_broken_pipe_ends_output_quietly() {
        let mut w = PipeTolerant::new(Pipe {
            room: 4,
            got: Vec::new(),
        });
        write!(w, "first line\nsecond line\n").unwrap();
        w.flush().unwrap();
        assert!(w.is_closed());
        assert_eq!(w.inner.got, b"firs");
    }
}
