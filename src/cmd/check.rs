//! `casefile check`: validate only; with `--audit`, also the editorial rules of `[audit]`.

use std::path::Path;

use super::{check_out_dir, denied_warnings, fail, report, Exit};
use crate::cli::{CheckArgs, Format};

/// Loads and checks the project (and audits it with `--audit`), prints every diagnostic.
pub fn run(root: &Path, out: &Path, args: &CheckArgs) -> Exit {
    if let Err(message) = check_out_dir(root, out) {
        return fail(&message);
    }
    let mut outcome = crate::check(root);
    if args.audit {
        if let Some(checked) = &outcome.checked {
            outcome
                .diagnostics
                .extend(crate::audit::audit(checked, &outcome.texts));
            crate::diagnostics::sort(&mut outcome.diagnostics);
        }
    }
    report(&outcome.diagnostics, &outcome.texts, args.format);
    if args.format == Format::Human && outcome.diagnostics.is_empty() {
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
