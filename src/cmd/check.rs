//! `casefile check`: validate only; with `--audit`, also the editorial rules of `[audit]`.

use std::path::Path;

use super::{check_out_dir, denied_warnings, fail, report, say_checked, say_read, Exit};
use crate::cli::{CheckArgs, Format, Verbosity};

/// Loads and checks the project (and audits it with `--audit`), prints every diagnostic.
/// The project's tera templates, parsed as a build parses them: `check` in CI refuses what
/// `build` would. Kind: `template-syntax`, at the template the message names.
fn template_problem(
    overrides: &std::collections::BTreeMap<String, String>,
) -> Option<crate::diagnostics::Diagnostic> {
    let problem = crate::render::html::templates(overrides).err()?;
    // The template is the diagnostic's file; the message keeps what went wrong, and the line.
    let text = match &problem.place {
        Some(place) => format!("{} (at {place})", problem.message),
        None => problem.message,
    };
    Some(crate::diagnostics::Diagnostic::file_error(
        crate::diagnostics::Code::TemplateSyntax,
        problem.file.unwrap_or_else(|| "templates".to_string()),
        text,
    ))
}

/// `out` is checked as a build would check it, so that `check` in CI refuses what `build`
/// would refuse.
pub fn run(root: &Path, out: &Path, args: &CheckArgs, verbosity: Verbosity) -> Exit {
    if let Err(message) = check_out_dir(root, out) {
        return fail(&message);
    }
    let mut outcome = crate::check(root);
    if verbosity == Verbosity::Verbose {
        say_read(root, &outcome.project);
    }
    if let Some(diag) = template_problem(&outcome.project.templates) {
        outcome.diagnostics.push(diag);
        crate::diagnostics::sort(&mut outcome.diagnostics);
    }
    if args.audit {
        if let Some(checked) = &outcome.checked {
            outcome
                .diagnostics
                .extend(crate::audit::audit(checked, &outcome.texts));
            crate::diagnostics::sort(&mut outcome.diagnostics);
        }
    }
    if verbosity == Verbosity::Verbose {
        say_checked(&outcome.diagnostics);
    }
    report(&outcome.diagnostics, &outcome.texts, args.format, verbosity);
    let quiet = verbosity == Verbosity::Quiet;
    if args.format == Format::Human && outcome.diagnostics.is_empty() && !quiet {
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
