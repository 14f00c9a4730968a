//! `casefile build`: validate, render the site and the PDFs, and swap them into the output
//! folder only when everything succeeded.

use std::path::Path;
use std::time::Instant;

use super::{check_out_dir, fail, report, Exit};
use crate::cli::BuildArgs;
use crate::model::Profile;
use crate::render::{html, pdf};
use crate::resolve;
use crate::write::{self, OutputFile};

/// Runs a build.
pub fn run(root: &Path, out: &Path, args: &BuildArgs) -> Exit {
    if let Err(message) = check_out_dir(root, out) {
        return fail(&message);
    }
    let started = Instant::now();
    let outcome = crate::check(root);
    report(&outcome.diagnostics, &outcome.texts, args.format);
    if outcome.exit() != Exit::Success {
        eprintln!(
            "build stopped: nothing was written; {} is as it was",
            out.display()
        );
        return outcome.exit();
    }
    let Some(checked) = &outcome.checked else {
        return fail("the project could not be checked");
    };
    let profile = Profile {
        internal: args.internal,
        drafts: args.drafts,
    };
    let site = resolve::build_site(checked, profile);
    let (build_site, build_pdf) = match (args.site, args.pdf) {
        (true, false) => (true, false),
        (false, true) => (false, true),
        _ => (true, true),
    };
    let files = match render(&site, &outcome.project, build_site, build_pdf) {
        Ok(files) => files,
        Err(errors) => {
            for error in &errors {
                eprintln!("error: {error}");
            }
            eprintln!(
                "build stopped: nothing was written; {} is as it was",
                out.display()
            );
            return Exit::ContentErrors;
        }
    };
    let carry_over: &[&str] = match (build_site, build_pdf) {
        (true, false) => &["pdf"],
        (false, true) => &["site"],
        _ => &[],
    };
    if let Err(err) = write::replace_output(out, &files, carry_over) {
        return fail(&format!(
            "cannot write {}: {err}; the previous output is as it was",
            out.display()
        ));
    }
    let pdfs = files.iter().filter(|(p, _)| p.starts_with("pdf/")).count();
    let pages = files
        .iter()
        .filter(|(p, _)| p.starts_with("site/") && p.ends_with(".html"))
        .count();
    eprintln!(
        "built {} dossiers{}: {pages} pages, {pdfs} PDFs in {} ({:.2} s)",
        site.dossiers.len(),
        if profile.internal {
            " (internal: includes restricted material)"
        } else {
            ""
        },
        out.display(),
        started.elapsed().as_secs_f64()
    );
    Exit::Success
}

/// Renders what was asked for, as files relative to the output folder.
fn render(
    site: &crate::model::Site,
    project: &crate::load::Project,
    with_site: bool,
    with_pdf: bool,
) -> Result<Vec<OutputFile>, Vec<String>> {
    let mut files: Vec<OutputFile> = Vec::new();
    if with_pdf {
        let world_files = pdf::files(&project.templates, &project.images);
        for (name, bytes) in pdf::render_all(site, &world_files)? {
            if with_site && name != "compendium.pdf" {
                files.push((format!("site/pdf/{name}"), bytes.clone()));
            }
            files.push((format!("pdf/{name}"), bytes));
        }
    }
    if with_site {
        let tera = html::templates(&project.templates).map_err(|e| vec![e])?;
        let pages = html::render_site(
            site,
            &tera,
            html::SiteOptions {
                with_pdfs: with_pdf,
            },
        )
        .map_err(|e| vec![e])?;
        files.extend(
            pages
                .into_iter()
                .map(|(path, bytes)| (format!("site/{path}"), bytes)),
        );
        let used_images = used_images(site);
        for (path, bytes) in &project.images {
            if used_images.contains(path.as_str()) {
                files.push((format!("site/media/{path}"), bytes.clone()));
            }
        }
    }
    files.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(files)
}

/// Images shown by published dossiers (only those are copied: an image of a restricted
/// dossier must not reach a public site).
fn used_images(site: &crate::model::Site) -> std::collections::BTreeSet<&str> {
    use crate::model::Piece;
    use pulldown_cmark::{Event, Tag};
    let mut used = std::collections::BTreeSet::new();
    for d in &site.dossiers {
        let footnotes = d.notes.iter().filter_map(|n| match &n.content {
            crate::model::NoteContent::Footnote(p) => Some(p.as_slice()),
            _ => None,
        });
        for pieces in std::iter::once(d.body.as_slice()).chain(footnotes) {
            for piece in pieces {
                if let Piece::Markdown(Event::Start(Tag::Image { dest_url, .. })) = piece {
                    used.insert(dest_url.as_ref());
                }
            }
        }
    }
    used
}
