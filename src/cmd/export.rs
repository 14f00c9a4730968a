//! `casefile export`: check, then write the model of the build's profile as data for other
//! tools into the export folder, swapped in whole like a build's output.

use std::path::Path;

use super::{check_build_out_dir, fail, report, say_checked, say_read, Exit};
use crate::cli::{ExportArgs, Verbosity};
use crate::model::Profile;

/// Runs `casefile export`.
pub fn run(root: &Path, out: &Path, args: &ExportArgs, verbosity: Verbosity) -> Exit {
    if let Err(message) = check_build_out_dir(root, out, args.profile.internal) {
        return fail(&message);
    }
    let profile = Profile::from(args.profile);
    let outcome = crate::check(root);
    if verbosity == Verbosity::Verbose {
        say_read(root, &outcome.project);
        say_checked(&outcome.diagnostics);
    }
    report(&outcome.diagnostics, &outcome.texts, args.format, verbosity);
    let exit = outcome.exit();
    let Some(checked) = outcome.checked.filter(|_| exit == Exit::Success) else {
        eprintln!(
            "export stopped: nothing was written; {} is as it was",
            out.display()
        );
        return exit;
    };
    let site = crate::resolve::build_site(&checked, profile);
    let marker = crate::incremental::profile_line(profile);
    let files = crate::export::files(&site, &marker);
    if let Err(err) = crate::write::replace_output(out, &files, &[]) {
        return fail(&format!(
            "cannot write {}: {err}; the previous export is as it was",
            out.display()
        ));
    }
    if verbosity == Verbosity::Verbose {
        for (path, _) in &files {
            eprintln!("wrote {}", out.join(path).display());
        }
    }
    if verbosity == Verbosity::Quiet {
        return Exit::Success;
    }
    eprintln!(
        "exported {} dossiers, {} entities, {} sources and {} timeline events{} to {}",
        site.dossiers.len(),
        site.entities.len(),
        site.sources.iter().filter(|s| !s.anonymous).count(),
        site.timeline.len(),
        if profile.internal {
            " (internal: includes restricted material)"
        } else {
            ""
        },
        out.display()
    );
    Exit::Success
}
