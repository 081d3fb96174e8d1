//! The `iamdiff` binary: parse arguments, run the command, map the outcome to an exit
//! code (0 clean, 1 gate failed, 2 bad usage or input). All logic is in the library.

use std::process::ExitCode;

/// A general-purpose allocator built for many threads allocating small objects at once:
/// the comparison allocates and frees millions of small sets on every core, which the
/// system allocator serves with lock contention and returns to the OS page by page.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    iamdiff::cli::main()
}
