//! `casefile check`: validate only.

use std::path::Path;

use super::{check_out_dir, denied_warnings, fail, report, Exit};
use crate::cli::{CheckArgs, Format};

/// Loads and checks the project, prints every diagnostic.
pub fn run(root: &Path, out: &Path, args: &CheckArgs) -> Exit {
    let format = args.format;
    if let Err(message) = check_out_dir(root, out) {
        return fail(&message);
    }
    let outcome = crate::check(root);
    report(&outcome.diagnostics, &outcome.texts, format);
    if format == Format::Human && outcome.diagnostics.is_empty() {
        if let Some(checked) = &outcome.checked {
            eprintln!(
                "checked {} dossiers, {} entities and {} shared sources: no problems",
                checked.dossiers.len(),
                checked.entities.len(),
                checked.sources.len()
            );
        }
    }
    match outcome.exit() {
        Exit::Success if args.deny_warnings => match denied_warnings(&outcome.diagnostics) {
            Some(message) => {
                eprintln!("error: {message}");
                Exit::ContentErrors
            }
            None => Exit::Success,
        },
        exit => exit,
    }
}
