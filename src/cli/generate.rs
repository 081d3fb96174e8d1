//! `iamdiff generate`: the man page and shell completions, from the one clap definition.

use clap::CommandFactory;
use std::io::Write;

use super::args::{Cli, GenerateWhat};
use super::{CliError, Outcome};

pub fn run(what: GenerateWhat, out: &mut dyn Write) -> Result<Outcome, CliError> {
    let mut cmd = Cli::command();
    let shell = match what {
        GenerateWhat::Man => {
            clap_mangen::Man::new(cmd).render(out)?;
            return Ok(Outcome::Clean);
        }
        GenerateWhat::Bash => clap_complete::Shell::Bash,
        GenerateWhat::Zsh => clap_complete::Shell::Zsh,
        GenerateWhat::Fish => clap_complete::Shell::Fish,
        GenerateWhat::Powershell => clap_complete::Shell::PowerShell,
        GenerateWhat::Elvish => clap_complete::Shell::Elvish,
    };
    clap_complete::generate(shell, &mut cmd, "iamdiff", out);
    Ok(Outcome::Clean)
}
