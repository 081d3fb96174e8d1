//! `iamdiff generate`: the man pages and shell completions, from the one clap definition.
//! `generate man` writes `iamdiff(1)` followed by one page per subcommand
//! (`iamdiff-diff(1)`, `iamdiff-catalog-action(1)`, ...), each starting with its own `.TH`.

use clap::CommandFactory;
use std::io::Write;

use super::args::{Cli, GenerateWhat};
use super::{CliError, Outcome};

pub fn run(what: GenerateWhat, out: &mut dyn Write) -> Result<Outcome, CliError> {
    let mut cmd = Cli::command();
    let shell = match what {
        GenerateWhat::Man => {
            cmd.build();
            man_pages(&cmd, "iamdiff", out)?;
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

/// The page of `cmd` under `name`, then of each visible subcommand, depth first.
fn man_pages(cmd: &clap::Command, name: &str, out: &mut dyn Write) -> std::io::Result<()> {
    clap_mangen::Man::new(cmd.clone())
        .title(name.to_owned())
        .render(out)?;
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        man_pages(sub, &format!("{name}-{}", sub.get_name()), out)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn man_has_a_page_for_every_subcommand() {
        let mut out = Vec::new();
        run(GenerateWhat::Man, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        for page in [
            "iamdiff",
            "iamdiff-diff",
            "iamdiff-effective",
            "iamdiff-explain",
            "iamdiff-catalog",
            "iamdiff-catalog-action",
            "iamdiff-catalog-policy",
            "iamdiff-catalog-stats",
            "iamdiff-schema",
        ] {
            assert!(text.contains(&format!(".TH {page} 1")), "no page {page}");
        }
    }
}
