//! `casefile build`: validate, render the site and the PDFs, and swap them into the output
//! folder only when everything succeeded.

use std::path::{Path, PathBuf};
use std::time::Instant;

use super::{check_build_out_dir, denied_warnings, emit, fail, plural, report, Exit};
use super::{say_checked, say_read};
use crate::cache::{self, Cache};
use crate::cli::{BuildArgs, Verbosity};
use crate::diagnostics::{Diagnostic, SourceTexts};
use crate::incremental::{self, Manifest, Renderer, Shard, Stats};
use crate::model::Profile;
use crate::resolve;
use crate::write;

/// What to build.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    /// Write the site.
    pub site: bool,
    /// Write the PDFs.
    pub pdf: bool,
    /// What may be published.
    pub profile: Profile,
    /// Lay out only this share of the PDFs into the cache, and write no output.
    pub shard: Option<Shard>,
    /// The render cache; `None` for the default, `ROOT/.casefile-cache`.
    pub cache_dir: Option<PathBuf>,
    /// Pages link the briefings even when `pdf` is off (they come from the previous output).
    pub pdf_links: bool,
    /// `--base-url`: replaces `base_url` from casefile.toml (already checked and ending in `/`).
    pub base_url: Option<String>,
    /// `--deny-warnings`: a warning fails the build (exit 1) and nothing is written.
    pub deny_warnings: bool,
    /// How much to print while building (`--quiet`, `--verbose`).
    pub verbosity: Verbosity,
}

impl BuildOptions {
    /// The options of `casefile build`.
    pub fn from_args(args: &BuildArgs, verbosity: Verbosity) -> Result<Self, String> {
        let (site, pdf) = match (args.site, args.pdf) {
            (true, false) => (true, false),
            (false, true) => (false, true),
            _ => (true, true),
        };
        Ok(BuildOptions {
            site,
            pdf,
            profile: Profile::from(args.profile),
            shard: args.shard.as_deref().map(Shard::parse).transpose()?,
            cache_dir: args.cache_dir.clone(),
            pdf_links: pdf,
            base_url: args.base_url.clone(),
            deny_warnings: args.deny_warnings,
            verbosity,
        })
    }

    /// The parts this build writes, as the manifest names them.
    fn parts(&self) -> Vec<&'static str> {
        let mut parts = Vec::new();
        if self.site {
            parts.push("site");
        }
        if self.pdf {
            parts.push("pdf");
        }
        parts
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
    /// What was rendered, cached or kept, and how long each stage took.
    pub stats: Stats,
}

impl BuildReport {
    /// Everything a person should read, as text: diagnostics, errors, and the outcome.
    pub fn text(&self, out: &Path) -> String {
        let mut text = crate::diagnostics::render_human(&self.diagnostics, &self.texts);
        for error in &self.errors {
            text.push_str(&format!("error: {error}\n"));
        }
        text.push_str(&self.outcome(out));
        text
    }

    /// With `--deny-warnings`, fails the build when there are warnings; says whether it did.
    fn deny(&mut self, options: &BuildOptions) -> bool {
        let denied = options
            .deny_warnings
            .then(|| denied_warnings(&self.diagnostics))
            .flatten();
        let Some(message) = denied else {
            return false;
        };
        self.exit = Exit::ContentErrors;
        self.errors.push(message);
        true
    }

    /// The last line: what was written, or that nothing was.
    fn outcome(&self, out: &Path) -> String {
        match &self.summary {
            Some(summary) => summary.clone(),
            None => format!(
                "build stopped: nothing was written; {} is as it was",
                out.display()
            ),
        }
    }

    /// `--timings`: each stage's time and what was rendered, taken from the cache or kept.
    pub fn timings(&self) -> String {
        let mut text = String::from("timings:\n");
        let stages = self.stats.stages.lock().unwrap_or_else(|p| p.into_inner());
        for (stage, took) in stages.iter() {
            text.push_str(&format!("  {stage:<12} {:>8.3} s\n", took.as_secs_f64()));
        }
        for (kind, tally) in [("pages", &self.stats.pages), ("pdfs", &self.stats.pdfs)] {
            let (rendered, cached, kept) = tally.get();
            text.push_str(&format!(
                "  {kind:<12} {rendered} rendered, {cached} from the cache, {kept} unchanged\n"
            ));
        }
        text
    }
}

/// Runs `casefile build`.
pub fn run(root: &Path, out: &Path, args: &BuildArgs, verbosity: Verbosity) -> Exit {
    if let Err(message) = check_build_out_dir(root, out, args.profile.internal) {
        return fail(&message);
    }
    if let Some(Err(message)) = args.emit_typst.as_deref().map(|d| emit::check_dir(root, d)) {
        return fail(&message);
    }
    let options = match BuildOptions::from_args(args, verbosity) {
        Ok(options) => options,
        Err(message) => return fail(&message),
    };
    let built = build(root, out, &options);
    report(&built.diagnostics, &built.texts, args.format, verbosity);
    for error in &built.errors {
        eprintln!("error: {error}");
    }
    if args.timings {
        eprint!("{}", built.timings());
    }
    if verbosity != Verbosity::Quiet || built.exit != Exit::Success {
        eprintln!("{}", built.outcome(out));
    }
    match (&args.emit_typst, built.exit) {
        (Some(dir), Exit::Success) => emit::run(root, dir, options.profile),
        _ => built.exit,
    }
}

/// Checks, renders and writes. The output folder is replaced only when all of it succeeded.
pub fn build(root: &Path, out: &Path, options: &BuildOptions) -> BuildReport {
    let started = Instant::now();
    let stats = Stats::default();
    let outcome = crate::check(root);
    stats.stage("check", started);
    let verbose = options.verbosity == Verbosity::Verbose;
    if verbose {
        say_read(root, &outcome.project);
        say_checked(&outcome.diagnostics);
    }
    let mut report = BuildReport {
        exit: outcome.exit(),
        diagnostics: outcome.diagnostics,
        texts: outcome.texts,
        errors: Vec::new(),
        summary: None,
        stats,
    };
    if report.exit == Exit::Success && report.deny(options) {
        return report;
    }
    let Some(mut checked) = outcome.checked.filter(|_| report.exit == Exit::Success) else {
        return report;
    };
    if let Some(url) = &options.base_url {
        checked.config.base_url = Some(url.clone());
    }
    let left_out = left_out(&checked, options.profile);
    let site = resolve::build_site(&checked, options.profile);
    // The parsed project is as large as the site built from it: free it before rendering.
    drop(checked);
    if verbose {
        eprintln!(
            "resolved ({}): {} published{}",
            incremental::profile_line(options.profile),
            plural(site.dossiers.len(), "dossier"),
            left_out
                .as_deref()
                .map_or(String::new(), |l| format!(", {l}"))
        );
    }
    let cache = Cache::at(
        options
            .cache_dir
            .clone()
            .unwrap_or_else(|| root.join(cache::DEFAULT_DIR)),
    );
    let parts = options.parts();
    let mut shape: Vec<&str> = parts.clone();
    if options.pdf_links && !options.pdf {
        shape.push("pdf-links");
    }
    // The URL is not in any input file, so the no-op check must see it here.
    if let Some(url) = &options.base_url {
        shape.extend(["base-url", url.as_str()]);
    }
    let fingerprint = incremental::fingerprint(&outcome.project, &shape, options.profile);
    let profile = incremental::profile_line(options.profile);
    let progress = Progress::new(options.verbosity != Verbosity::Quiet);
    let tick = || progress.tick();
    let renderer = |previous| Renderer {
        site: &site,
        project: &outcome.project,
        cache: &cache,
        previous,
        stats: &report.stats,
        on_file: &tick,
        pdf_links: options.pdf_links,
    };
    if let Some(shard) = options.shard {
        progress.start("laying out this shard's PDFs", 0);
        let errors = renderer(None).shard(shard);
        progress.finish();
        return finish_shard(report, errors, shard, &cache, started);
    }
    let staging = match write::Staging::begin(out) {
        Ok(staging) => staging,
        Err(err) => {
            report.exit = Exit::Failure;
            report.errors = vec![cannot_write(out, &err)];
            return report;
        }
    };
    // The previous output is read under the lock, and only when the same profile wrote it:
    // a public build never takes anything from an internal one.
    let previous = staging
        .previous_marker()
        .and_then(|text| Manifest::parse(&text))
        .filter(|m| m.profile == profile);
    if let Some(previous) = previous.as_ref().filter(|m| {
        m.fingerprint == fingerprint && m.parts == parts && write::all_present(out, m.files.keys())
    }) {
        let unchanged = renderer(None);
        unchanged.warn_unchanged(previous);
        report.diagnostics.extend(unchanged.warnings());
        if report.deny(options) {
            return report;
        }
        report.summary = Some(format!(
            "nothing changed since the last build: {} is up to date ({} files, {:.2} s)",
            out.display(),
            previous.files.len(),
            started.elapsed().as_secs_f64()
        ));
        return report;
    }
    let rendering = Instant::now();
    let renderer = renderer(previous.as_ref());
    progress.start("rendering", renderer.expected(options.site, options.pdf));
    let rendered = renderer.render(&staging, options.site, options.pdf);
    progress.finish();
    report.diagnostics.extend(renderer.warnings());
    let denied = options
        .deny_warnings
        .then(|| denied_warnings(&report.diagnostics))
        .flatten();
    let result = match (rendered, denied) {
        (Err(errors), _) => Err((Exit::ContentErrors, errors)),
        // The staging folder goes with `staging`: the previous output stays as it was.
        (Ok(_), Some(denied)) => Err((Exit::ContentErrors, vec![denied])),
        (Ok(files), None) => {
            let manifest = Manifest {
                profile: profile.clone(),
                parts: parts.iter().map(|p| p.to_string()).collect(),
                fingerprint,
                files,
            };
            commit(staging, manifest, options, previous.as_ref(), out)
                .map_err(|err| (Exit::Failure, vec![cannot_write(out, &err)]))
        }
    };
    report.stats.stage("render and write", rendering);
    match result {
        Ok(()) => {
            if verbose {
                eprint!("{}", report.timings().replacen("timings:", "rendered:", 1));
                eprintln!("wrote {} (replaced whole)", out.display());
            }
            let counts = Counts {
                stats: &report.stats,
                left_out: left_out.as_deref(),
            };
            report.summary = Some(summary(&site, options, out, counts, started));
        }
        Err((exit, errors)) => {
            report.exit = exit;
            report.errors = errors;
        }
    }
    report
}

fn cannot_write(out: &Path, err: &std::io::Error) -> String {
    format!(
        "cannot write {}: {err}; the previous output is as it was",
        out.display()
    )
}

/// Writes the manifest and swaps the new output in. A part not rebuilt is kept only if the
/// same profile made it: a public `--site` build must not keep the PDFs of an internal build.
/// So is the folder `casefile export` writes into by default (`export/`).
fn commit(
    staging: write::Staging,
    mut manifest: Manifest,
    options: &BuildOptions,
    previous: Option<&Manifest>,
    out: &Path,
) -> std::io::Result<()> {
    let mut carry_over: Vec<&str> = match (options.site, options.pdf, previous.is_some()) {
        (true, false, true) => vec!["pdf"],
        (false, true, true) => vec!["site"],
        _ => Vec::new(),
    };
    let export = out
        .join(crate::export::EXPORT_DIR)
        .join(crate::export::EXPORT_MARKER);
    let exported_by = std::fs::read_to_string(export).unwrap_or_default();
    if exported_by.trim() == manifest.profile {
        carry_over.push(crate::export::EXPORT_DIR);
    }
    // What is carried over keeps its keys, so the next build can keep it too.
    for part in &carry_over {
        let prefix = format!("{part}/");
        for (rel, key) in previous.iter().flat_map(|m| &m.files) {
            if rel.starts_with(&prefix) {
                manifest.files.insert(rel.clone(), key.clone());
            }
        }
    }
    staging.write(write::PROFILE_MARKER, manifest.to_json().as_bytes())?;
    staging.commit(&carry_over)
}

/// What the summary line counts: the files of the build and what the profile left out.
struct Counts<'a> {
    stats: &'a Stats,
    left_out: Option<&'a str>,
}

/// What the profile leaves out, as `2 restricted and 1 draft left out`; `None` for nothing.
/// A restricted draft counts as restricted.
fn left_out(checked: &resolve::Checked, profile: crate::model::Profile) -> Option<String> {
    let restricted_dossier = |d: &crate::parse::ParsedDossier| {
        d.meta.classification == Some(crate::model::Classification::Restricted)
    };
    let restricted = checked
        .dossiers
        .iter()
        .filter(|d| !profile.internal && restricted_dossier(d))
        .count();
    let drafts = checked
        .dossiers
        .iter()
        .filter(|d| !profile.drafts && d.meta.draft)
        .filter(|d| profile.internal || !restricted_dossier(d))
        .count();
    let mut parts = Vec::new();
    if restricted > 0 {
        parts.push(format!("{restricted} restricted"));
    }
    if drafts > 0 {
        parts.push(plural(drafts, "draft"));
    }
    (!parts.is_empty()).then(|| format!("{} left out", parts.join(" and ")))
}

fn summary(
    site: &crate::model::Site,
    options: &BuildOptions,
    out: &Path,
    counts: Counts,
    started: Instant,
) -> String {
    let stats = counts.stats;
    let (pages, pdfs) = (stats.pages.total(), stats.pdfs.total());
    let reused = stats.pages.get().2 + stats.pdfs.get().1 + stats.pdfs.get().2;
    let mut notes = Vec::new();
    if options.profile.internal {
        notes.push("internal: includes restricted material");
    }
    notes.extend(counts.left_out);
    format!(
        "built {}{}: {}, {} in {}{} ({:.2} s)",
        counted(site.dossiers.len(), "dossier"),
        if notes.is_empty() {
            String::new()
        } else {
            format!(" ({})", notes.join("; "))
        },
        counted(pages, "page"),
        counted(pdfs, "PDF"),
        out.display(),
        if reused > 0 {
            format!(", {reused} reused")
        } else {
            String::new()
        },
        started.elapsed().as_secs_f64()
    )
}

/// `1 dossier`, `3 dossiers`.
fn counted(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

fn finish_shard(
    mut report: BuildReport,
    errors: Vec<String>,
    shard: Shard,
    cache: &Cache,
    started: Instant,
) -> BuildReport {
    if !errors.is_empty() {
        report.errors = errors;
        report.exit = Exit::ContentErrors;
        return report;
    }
    let (rendered, cached, _) = report.stats.pdfs.get();
    report.summary = Some(format!(
        "shard {}/{}: {} PDFs in {} ({rendered} laid out, {cached} already there; {:.2} s)",
        shard.index + 1,
        shard.count,
        rendered + cached,
        cache
            .dir()
            .map_or("no cache".into(), |d| d.display().to_string()),
        started.elapsed().as_secs_f64()
    ));
    report
}

/// A progress bar on standard error while rendering, when it is a terminal.
struct Progress(indicatif::ProgressBar);

impl Progress {
    /// A bar on standard error, or a hidden one (`--quiet`).
    fn new(shown: bool) -> Self {
        let target = if shown {
            indicatif::ProgressDrawTarget::stderr()
        } else {
            indicatif::ProgressDrawTarget::hidden()
        };
        Progress(indicatif::ProgressBar::with_draw_target(None, target))
    }

    fn start(&self, stage: &'static str, total: usize) {
        if total > 0 {
            self.0.set_length(total as u64);
        }
        self.0.set_style(
            indicatif::ProgressStyle::with_template(
                "{msg} {wide_bar} {pos}/{len} files, {per_sec}, {elapsed}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        self.0.set_message(stage);
    }

    fn tick(&self) {
        self.0.inc(1);
    }

    fn finish(&self) {
        self.0.finish_and_clear();
    }
}

#[cfg(test)]
mod tests {
    use super::counted;

    #[test]
    fn counts_read_as_english() {
        assert_eq!(counted(1, "dossier"), "1 dossier");
        assert_eq!(counted(3, "PDF"), "3 PDFs");
        assert_eq!(counted(0, "page"), "0 pages");
    }
}
