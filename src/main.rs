//! The `iamdiff` binary: parse arguments, run the command, map the outcome to an exit
//! code (0 clean, 1 gate failed, 2 bad usage or input). All logic is in the library.

use std::process::ExitCode;

fn main() -> ExitCode {
    iamdiff::cli::main()
}
