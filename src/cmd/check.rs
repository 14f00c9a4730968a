//! `casefile check`: validate only.

use std::path::Path;

use super::{check_out_dir, fail, report, Exit};
use crate::cli::Format;

/// Loads and checks the project, prints every diagnostic.
pub fn run(root: &Path, out: &Path, format: Format) -> Exit {
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
    outcome.exit()
}
