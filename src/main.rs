//! The `casefile` binary: parse arguments, run the command, map the outcome to an exit code.

use std::process::ExitCode;

use clap::Parser;

/// Laying out PDFs and building pages allocate many small objects from several threads at
/// once; mimalloc serves that better than the system allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = casefile::cli::Cli::parse();
    casefile::cmd::run(cli).into()
}
