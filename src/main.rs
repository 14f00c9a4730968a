//! The `casefile` binary: parse arguments, run the command, map the outcome to an exit code.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = casefile::cli::Cli::parse();
    casefile::cmd::run(cli).into()
}
