//! `casefile build`: validate, render the site and the PDFs, and swap them into the output
//! folder only when everything succeeded.

use std::path::Path;
use std::time::Instant;

use super::{check_out_dir, emit, fail, report, Exit};
use crate::cli::BuildArgs;
use crate::diagnostics::{Diagnostic, SourceTexts};
use crate::model::Profile;
use crate::render::{html, pdf};
use crate::resolve;
use crate::write::{self, OutputFile};

/// What to build.
#[derive(Debug, Clone, Copy)]
pub struct BuildOptions {
    /// Write the site.
    pub site: bool,
    /// Write the PDFs.
    pub pdf: bool,
    /// What may be published.
    pub profile: Profile,
}

impl BuildOptions {
    /// The options of `casefile build`.
    pub fn from_args(args: &BuildArgs) -> Self {
        let (site, pdf) = match (args.site, args.pdf) {
            (true, false) => (true, false),
            (false, true) => (false, true),
            _ => (true, true),
        };
        BuildOptions {
            site,
            pdf,
            profile: Profile {
                internal: args.internal,
                drafts: args.drafts,
            },
        }
    }
}

/// How a build went, for the caller to show.
#[derive(Debug)]
pub struct BuildReport {
    /// The exit code.
    pub exit: Exit,
    /// Content diagnostics.
    pub diagnostics: Vec<Diagnostic>,
    /// Texts they point into.
    pub texts: SourceTexts,
    /// Problems that are not about one content file (templates, layout, writing).
    pub errors: Vec<String>,
    /// One line on what was written, when something was.
    pub summary: Option<String>,
}

impl BuildReport {
    /// Everything a person should read, as text: diagnostics, errors, and the outcome.
    pub fn text(&self, out: &Path) -> String {
        let mut text = crate::diagnostics::render_human(&self.diagnostics, &self.texts);
        for error in &self.errors {
            text.push_str(&format!("error: {error}\n"));
        }
        match &self.summary {
            Some(summary) => text.push_str(summary),
            None => text.push_str(&format!(
                "build stopped: nothing was written; {} is as it was",
                out.display()
            )),
        }
        text
    }
}

/// Runs `casefile build`.
pub fn run(root: &Path, out: &Path, args: &BuildArgs) -> Exit {
    if let Err(message) = check_out_dir(root, out) {
        return fail(&message);
    }
    if let Some(Err(message)) = args.emit_typst.as_deref().map(|d| emit::check_dir(root, d)) {
        return fail(&message);
    }
    let built = build(root, out, BuildOptions::from_args(args));
    report(&built.diagnostics, &built.texts, args.format);
    for error in &built.errors {
        eprintln!("error: {error}");
    }
    match &built.summary {
        Some(summary) => eprintln!("{summary}"),
        None => eprintln!(
            "build stopped: nothing was written; {} is as it was",
            out.display()
        ),
    }
    match (&args.emit_typst, built.exit) {
        (Some(dir), Exit::Success) => emit::run(root, dir, BuildOptions::from_args(args).profile),
        _ => built.exit,
    }
}

/// Checks, renders and writes. The output folder is replaced only when all of it succeeded.
pub fn build(root: &Path, out: &Path, options: BuildOptions) -> BuildReport {
    let started = Instant::now();
    let outcome = crate::check(root);
    let mut report = BuildReport {
        exit: outcome.exit(),
        diagnostics: outcome.diagnostics,
        texts: outcome.texts,
        errors: Vec::new(),
        summary: None,
    };
    let Some(checked) = outcome.checked.filter(|_| report.exit == Exit::Success) else {
        return report;
    };
    let site = resolve::build_site(&checked, options.profile);
    let files = match render(&site, &outcome.project, options.site, options.pdf) {
        Ok(files) => files,
        Err(errors) => {
            report.errors = errors;
            report.exit = Exit::ContentErrors;
            return report;
        }
    };
    // A part not rebuilt is kept only if the same profile made it: a public `--site` build
    // must not keep the PDFs of an internal build.
    let profile_line = format!(
        "internal={} drafts={}\n",
        options.profile.internal, options.profile.drafts
    );
    let same_profile = write::previous_profile(out).as_deref() == Some(profile_line.as_str());
    let carry_over: &[&str] = match (options.site, options.pdf, same_profile) {
        (true, false, true) => &["pdf"],
        (false, true, true) => &["site"],
        _ => &[],
    };
    let mut files = files;
    files.push((write::PROFILE_MARKER.to_string(), profile_line.into_bytes()));
    if let Err(err) = write::replace_output(out, &files, carry_over) {
        report.errors.push(format!(
            "cannot write {}: {err}; the previous output is as it was",
            out.display()
        ));
        report.exit = Exit::Failure;
        return report;
    }
    let pdfs = files.iter().filter(|(p, _)| p.starts_with("pdf/")).count();
    let pages = files
        .iter()
        .filter(|(p, _)| p.starts_with("site/") && p.ends_with(".html"))
        .count();
    report.summary = Some(format!(
        "built {} dossiers{}: {pages} pages, {pdfs} PDFs in {} ({:.2} s)",
        site.dossiers.len(),
        if options.profile.internal {
            " (internal: includes restricted material)"
        } else {
            ""
        },
        out.display(),
        started.elapsed().as_secs_f64()
    ));
    report
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
                overrides: &project.templates,
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
