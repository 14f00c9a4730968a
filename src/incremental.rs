//! Incremental rendering. Every output file is a job with a key: a hash of everything the
//! file is made from (a page's template and context, a PDF's generated Typst source,
//! templates, images and settings). A job whose key the previous output recorded for the same
//! file, under the same profile, is taken over unchanged (a hard link, not a copy); a PDF that
//! any earlier build or CI shard laid out comes from the render [`cache`](crate::cache);
//! everything else is rendered. Files are staged as they are produced, so memory stays flat
//! whatever the archive's size.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::cache::{Cache, Key, KeyBuilder};
use crate::diagnostics::{Code, Diagnostic};
use crate::load::Project;
use crate::model::{Profile, Site};
use crate::render::html;
use crate::render::pdf::{self, world::Files, PdfJob};
use crate::write::Staging;

/// What the output folder records about the build that wrote it (`.casefile-build`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// The profile: `internal=BOOL drafts=BOOL`.
    pub profile: String,
    /// The parts built: `site`, `pdf`.
    pub parts: Vec<String>,
    /// A hash of every input file and option of the build.
    pub fingerprint: String,
    /// Each file's key, by path relative to the output folder.
    pub files: BTreeMap<String, String>,
}

impl Manifest {
    /// The manifest of a previous output, if it has one this version can read.
    pub fn parse(text: &str) -> Option<Manifest> {
        serde_json::from_str(text).ok()
    }

    /// As written into the output.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default() + "\n"
    }
}

/// The profile as a manifest records it.
pub fn profile_line(profile: Profile) -> String {
    format!("internal={} drafts={}", profile.internal, profile.drafts)
}

/// A hash of everything a build reads and every option that changes what it writes: when it
/// equals the previous build's, nothing needs doing.
pub fn fingerprint(project: &Project, parts: &[&str], profile: Profile) -> String {
    let mut key = KeyBuilder::new("inputs");
    key.add(profile_line(profile).as_bytes());
    for part in parts {
        key.add(part.as_bytes());
    }
    let texts = project
        .config
        .iter()
        .chain(&project.dossiers)
        .chain(&project.entities)
        .chain(&project.sources);
    for file in texts {
        key.add(file.label.as_bytes()).add(file.text.as_bytes());
    }
    for (path, bytes) in &project.images {
        key.add(path.as_bytes()).add(bytes);
    }
    for (name, text) in &project.templates {
        key.add(name.as_bytes()).add(text.as_bytes());
    }
    key.finish().hex()
}

/// How many files of one kind were rendered, taken from the cache, or kept from the previous
/// output.
#[derive(Debug, Default)]
pub struct Tally {
    /// Laid out or rendered by this build.
    pub rendered: AtomicUsize,
    /// Taken from the render cache.
    pub cached: AtomicUsize,
    /// Kept unchanged from the previous output.
    pub kept: AtomicUsize,
}

impl Tally {
    fn count(counter: &AtomicUsize) {
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// `(rendered, cached, kept)`.
    pub fn get(&self) -> (usize, usize, usize) {
        (
            self.rendered.load(Ordering::Relaxed),
            self.cached.load(Ordering::Relaxed),
            self.kept.load(Ordering::Relaxed),
        )
    }

    /// Every file counted.
    pub fn total(&self) -> usize {
        let (r, c, k) = self.get();
        r + c + k
    }
}

/// What a build did, for `--timings` and the summary, and the warnings its PDFs gave.
#[derive(Debug, Default)]
pub struct Stats {
    /// Warnings met laying out PDFs (kept with each PDF in the cache, so a PDF taken from
    /// the cache or kept from the previous output warns as when it was laid out).
    pub warnings: Mutex<Vec<(usize, Diagnostic)>>,
    /// Pages of the site.
    pub pages: Tally,
    /// PDFs (briefings and the compendium).
    pub pdfs: Tally,
    /// Time spent per stage, in the order the stages ended.
    pub stages: Mutex<Vec<(&'static str, Duration)>>,
}

impl Stats {
    /// Records that `stage` took since `started`.
    pub fn stage(&self, stage: &'static str, started: Instant) {
        self.stages
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push((stage, started.elapsed()));
    }
}

/// Which share of the PDFs a CI shard lays out: the jobs whose position, in a fixed order
/// (briefings by id, then the compendium), is `index` modulo `count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// From 0.
    pub index: usize,
    /// How many shards there are.
    pub count: usize,
}

impl Shard {
    /// Parses `K/N` (K from 1 to N).
    pub fn parse(text: &str) -> Result<Shard, String> {
        let parsed = text.split_once('/').and_then(|(k, n)| {
            let (k, n) = (
                k.trim().parse::<usize>().ok()?,
                n.trim().parse::<usize>().ok()?,
            );
            (k >= 1 && k <= n).then(|| Shard {
                index: k - 1,
                count: n,
            })
        });
        parsed.ok_or_else(|| {
            format!("`{text}` is not a shard: write K/N with 1 ≤ K ≤ N, such as 1/4")
        })
    }

    fn takes(&self, position: usize) -> bool {
        position % self.count == self.index
    }
}

/// What to render and where from.
pub struct Renderer<'a> {
    /// The published model.
    pub site: &'a Site,
    /// Templates and images.
    pub project: &'a Project,
    /// The render cache.
    pub cache: &'a Cache,
    /// The previous output's manifest, when the same profile wrote it.
    pub previous: Option<&'a Manifest>,
    /// Counts and times.
    pub stats: &'a Stats,
    /// Called once per finished file (for progress).
    pub on_file: &'a (dyn Fn() + Sync),
    /// Pages link the briefings even when this build does not lay them out: `serve` shows
    /// an edited page first, with the previous briefings, and lays out the PDFs after.
    pub pdf_links: bool,
}

/// Files staged and the keys they were made from.
type Recorded = Mutex<BTreeMap<String, String>>;

impl Renderer<'_> {
    /// Every PDF job in a fixed order: briefings as the site orders dossiers, then the
    /// compendium.
    fn pdf_jobs(&self) -> Vec<PdfJob> {
        let mut jobs: Vec<PdfJob> = self
            .site
            .dossiers
            .iter()
            .map(|d| pdf::briefing_job(self.site, d))
            .collect();
        jobs.push(pdf::compendium_job(self.site));
        jobs
    }

    /// How many files a full render produces (for progress): pages and PDFs.
    pub fn expected(&self, with_site: bool, with_pdf: bool) -> usize {
        let pages = if with_site {
            html::pages(self.site).len()
        } else {
            0
        };
        let pdfs = if with_pdf {
            self.site.dossiers.len() + 1
        } else {
            0
        };
        pages + pdfs
    }

    /// Lays out this shard's share of the PDFs into the cache only. Returns errors by
    /// document.
    pub fn shard(&self, shard: Shard) -> Vec<String> {
        let files = pdf::files(&self.project.templates, &self.project.images);
        let jobs: Vec<PdfJob> = self
            .pdf_jobs()
            .into_iter()
            .enumerate()
            .filter(|(i, _)| shard.takes(*i))
            .map(|(_, job)| job)
            .collect();
        let started = Instant::now();
        let results = pdf::in_parallel(&jobs, |job| {
            let key = pdf_key(job, &files, self.site);
            let result = self.cached_pdf(job, &key, &files).map(drop);
            (self.on_file)();
            result
        });
        self.stats.stage("pdf", started);
        results.into_iter().filter_map(Result::err).collect()
    }

    /// Renders the site and/or the PDFs into `staging`. The compendium, the longest job,
    /// starts first; briefings and pages are rendered beside it. Returns the manifest's
    /// files, or every error.
    pub fn render(
        &self,
        staging: &Staging,
        with_site: bool,
        with_pdf: bool,
    ) -> Result<BTreeMap<String, String>, Vec<String>> {
        let recorded: Recorded = Mutex::default();
        let errors: Mutex<Vec<String>> = Mutex::default();
        let fail = |message: String| {
            errors
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(message)
        };
        let files = pdf::files(&self.project.templates, &self.project.images);
        std::thread::scope(|scope| {
            if with_pdf {
                let mut jobs = self.pdf_jobs();
                let compendium = jobs.pop();
                let (files, recorded, fail) = (&files, &recorded, &fail);
                scope.spawn(move || {
                    let started = Instant::now();
                    if let Some(job) = compendium {
                        if let Err(e) = self.pdf(staging, files, recorded, &job, false) {
                            fail(e);
                        }
                    }
                    self.stats.stage("compendium", started);
                });
                scope.spawn(move || {
                    let started = Instant::now();
                    for result in pdf::in_parallel(&jobs, |job| {
                        self.pdf(staging, files, recorded, job, with_site)
                    }) {
                        if let Err(e) = result {
                            fail(e);
                        }
                    }
                    self.stats.stage("briefings", started);
                });
            }
            if with_site {
                let started = Instant::now();
                let linked = if with_pdf || !self.pdf_links {
                    Ok(())
                } else {
                    self.previous_briefings(staging, &recorded)
                };
                if let Err(e) =
                    linked.and_then(|()| self.site(staging, &recorded, with_pdf || self.pdf_links))
                {
                    fail(e);
                }
                self.stats.stage("site", started);
            }
        });
        let errors = errors.into_inner().unwrap_or_else(|p| p.into_inner());
        if errors.is_empty() {
            Ok(recorded.into_inner().unwrap_or_else(|p| p.into_inner()))
        } else {
            Err(errors)
        }
    }

    /// Takes `rel` over from the previous output when it was made from the same key.
    fn kept(&self, staging: &Staging, rel: &str, key: &Key) -> Result<bool, String> {
        let same = self
            .previous
            .and_then(|m| m.files.get(rel))
            .is_some_and(|previous| *previous == key.hex());
        if !same {
            return Ok(false);
        }
        staging.reuse(rel).map_err(|e| write_error(rel, &e))
    }

    /// The site's copies of the previous output's briefings, for a site built without PDFs
    /// whose pages still link them.
    fn previous_briefings(&self, staging: &Staging, recorded: &Recorded) -> Result<(), String> {
        let Some(previous) = self.previous else {
            return Ok(());
        };
        for d in &self.site.dossiers {
            let rel = format!("site/pdf/{}.pdf", d.id);
            if let Some(key) = previous.files.get(&rel) {
                if staging.reuse(&rel).map_err(|e| write_error(&rel, &e))? {
                    recorded
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .insert(rel, key.clone());
                }
            }
        }
        Ok(())
    }

    fn record(recorded: &Recorded, rel: String, key: &Key) {
        recorded
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(rel, key.hex());
    }

    /// One PDF: kept, from the cache, or laid out; with its copy in the site when asked.
    fn pdf(
        &self,
        staging: &Staging,
        files: &Arc<Files>,
        recorded: &Recorded,
        job: &PdfJob,
        copy_to_site: bool,
    ) -> Result<(), String> {
        let key = pdf_key(job, files, self.site);
        let rel = format!("pdf/{}", job.name);
        if self.kept(staging, &rel, &key)? {
            Tally::count(&self.stats.pdfs.kept);
            self.warn(&job.name, &key.hex());
        } else {
            let bytes = self.cached_pdf(job, &key, files)?;
            staging
                .write(&rel, &bytes)
                .map_err(|e| write_error(&rel, &e))?;
        }
        if copy_to_site {
            let copy = format!("site/pdf/{}", job.name);
            staging
                .link(&rel, &copy)
                .map_err(|e| write_error(&copy, &e))?;
            Self::record(recorded, copy, &key);
        }
        Self::record(recorded, rel, &key);
        (self.on_file)();
        Ok(())
    }

    /// A PDF from the cache, or laid out and stored with its warnings.
    fn cached_pdf(&self, job: &PdfJob, key: &Key, files: &Arc<Files>) -> Result<Vec<u8>, String> {
        let mut warnings = None;
        let bytes = self.cache.get_or_render(key, || {
            let compiled = job.compile(files, self.site)?;
            warnings = Some(compiled.warnings);
            Ok::<_, String>(compiled.pdf)
        })?;
        match warnings {
            Some(warnings) => {
                Tally::count(&self.stats.pdfs.rendered);
                let stored = StoredWarning::encode(&warnings);
                let _ = self.cache.put(&warnings_key(&key.hex()), stored.as_bytes());
                let order = self.order(&job.name);
                self.stats
                    .warnings
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .extend(warnings.into_iter().map(|w| (order, w)));
            }
            None => {
                Tally::count(&self.stats.pdfs.cached);
                self.warn(&job.name, &key.hex());
            }
        }
        Ok(bytes)
    }

    /// Reports the warnings stored with a PDF that this build did not lay out (`key` is the
    /// PDF's key in hexadecimal).
    pub fn warn(&self, name: &str, key: &str) {
        let warnings = self
            .cache
            .get(&warnings_key(key))
            .map_or_else(Vec::new, |bytes| StoredWarning::decode(&bytes));
        let order = self.order(name);
        self.stats
            .warnings
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend(warnings.into_iter().map(|w| (order, w)));
    }

    /// The warnings of every PDF in the previous output, for a build that changed nothing.
    pub fn warn_unchanged(&self, previous: &Manifest) {
        for job_name in self
            .site
            .dossiers
            .iter()
            .map(|d| format!("{}.pdf", d.id))
            .chain([pdf::COMPENDIUM.to_string()])
        {
            if let Some(key) = previous.files.get(&format!("pdf/{job_name}")) {
                self.warn(&job_name, key);
            }
        }
    }

    /// Where a PDF's warnings go among all of them: briefings in the site's order, then the
    /// compendium.
    fn order(&self, name: &str) -> usize {
        let id = name.trim_end_matches(".pdf");
        self.site
            .dossier_positions
            .get(id)
            .copied()
            .unwrap_or(self.site.dossiers.len())
    }

    /// Every warning met, in the order of the PDFs.
    pub fn warnings(&self) -> Vec<Diagnostic> {
        let mut warnings = std::mem::take(
            &mut *self
                .stats
                .warnings
                .lock()
                .unwrap_or_else(|p| p.into_inner()),
        );
        warnings.sort_by_key(|(order, _)| *order);
        warnings.into_iter().map(|(_, w)| w).collect()
    }

    /// Every page of the site, the search index, the assets and the images it shows.
    fn site(&self, staging: &Staging, recorded: &Recorded, with_pdfs: bool) -> Result<(), String> {
        let tera = html::templates(&self.project.templates).map_err(|e| e.to_string())?;
        let options = html::SiteOptions {
            with_pdfs,
            overrides: &self.project.templates,
        };
        let templates = template_key(&self.project.templates);
        let shared = html::SharedContext::new(self.site);
        // The search index and the assets are made beside the pages: the index is a walk
        // of every dossier that would otherwise run alone after them.
        let (pages, statics) = rayon::join(
            || self.pages(staging, recorded, &tera, &shared, options, &templates),
            || self.statics(staging, recorded, options),
        );
        pages.and(statics)
    }

    /// Every page of the site, rendered in parallel.
    fn pages(
        &self,
        staging: &Staging,
        recorded: &Recorded,
        tera: &tera::Tera,
        shared: &html::SharedContext,
        options: html::SiteOptions,
        templates: &KeyBuilder,
    ) -> Result<(), String> {
        html::pages(self.site).par_iter().try_for_each(|page| {
            let job = html::page_job(self.site, shared, options, page);
            let key = templates
                .clone()
                .add(job.template.as_bytes())
                .add_json_last(&job.values)
                .finish();
            let rel = format!("site/{}", job.path);
            if self.kept(staging, &rel, &key)? {
                Tally::count(&self.stats.pages.kept);
            } else {
                let bytes = html::render(tera, job, &self.project.templates)?;
                Tally::count(&self.stats.pages.rendered);
                staging
                    .write(&rel, &bytes)
                    .map_err(|e| write_error(&rel, &e))?;
            }
            Self::record(recorded, rel, &key);
            (self.on_file)();
            Ok::<(), String>(())
        })
    }

    /// The search index, the assets and the images the site shows.
    fn statics(
        &self,
        staging: &Staging,
        recorded: &Recorded,
        options: html::SiteOptions,
    ) -> Result<(), String> {
        let statics = html::static_files(self.site, options);
        let used = used_images(self.site);
        let images = self
            .project
            .images
            .iter()
            .filter(|(path, _)| used.contains(path.as_str()))
            .map(|(path, bytes)| (format!("media/{path}"), bytes.clone()));
        for (path, bytes) in statics.into_iter().chain(images) {
            let rel = format!("site/{path}");
            let key = KeyBuilder::new("file").add(&bytes).finish();
            if !self.kept(staging, &rel, &key)? {
                staging
                    .write(&rel, &bytes)
                    .map_err(|e| write_error(&rel, &e))?;
            }
            Self::record(recorded, rel, &key);
        }
        Ok(())
    }
}

/// The cache key of a PDF: everything its bytes depend on. The source names every image it
/// shows; templates may read any image, so images named by neither are left out of the key
/// (an unrelated image does not invalidate the document).
fn pdf_key(job: &PdfJob, files: &Files, site: &Site) -> Key {
    let mut key = KeyBuilder::new("pdf");
    key.add(job.name.as_bytes())
        .add(job.source.as_bytes())
        .add(job.date.iso().as_bytes())
        .add(format!("{:?}", site.config.pdf.standard).as_bytes())
        .add(if site.config.pdf.tagged {
            b"tagged"
        } else {
            b"untagged"
        });
    for (name, text) in &files.templates {
        key.add(name.as_bytes()).add(text.as_bytes());
    }
    for (path, bytes) in &files.images {
        let named = job.source.contains(path.as_str())
            || files.templates.values().any(|t| t.contains(path.as_str()));
        if named {
            key.add(path.as_bytes()).add(bytes.as_slice());
        }
    }
    key.finish()
}

/// Where the cache keeps the warnings of the PDF stored under `key` (hexadecimal).
fn warnings_key(key: &str) -> Key {
    KeyBuilder::new("pdf-warnings").add(key.as_bytes()).finish()
}

/// A PDF's warning as the cache keeps it.
#[derive(Debug, Serialize, Deserialize)]
struct StoredWarning {
    code: String,
    file: String,
    span: Option<(usize, usize)>,
    message: String,
    help: Option<String>,
}

impl StoredWarning {
    fn encode(warnings: &[Diagnostic]) -> String {
        let stored: Vec<StoredWarning> = warnings
            .iter()
            .map(|w| StoredWarning {
                code: w.code.name().to_string(),
                file: w.file.clone(),
                span: w.span.as_ref().map(|s| (s.start, s.end)),
                message: w.message.clone(),
                help: w.help.clone(),
            })
            .collect();
        serde_json::to_string(&stored).unwrap_or_default()
    }

    fn decode(bytes: &[u8]) -> Vec<Diagnostic> {
        let stored: Vec<StoredWarning> = serde_json::from_slice(bytes).unwrap_or_default();
        stored
            .into_iter()
            .map(|w| {
                let code = Code::ALL
                    .iter()
                    .copied()
                    .find(|c| c.name() == w.code)
                    .unwrap_or(Code::PdfTypstWarning);
                let warning = match w.span {
                    Some((start, end)) => Diagnostic::warning(code, w.file, start..end, w.message),
                    None => Diagnostic::file_warning(code, w.file, w.message),
                };
                match w.help {
                    Some(help) => warning.with_help(help),
                    None => warning,
                }
            })
            .collect()
    }
}

/// The part of every page's key that the templates make.
fn template_key(overrides: &BTreeMap<String, String>) -> KeyBuilder {
    let mut key = KeyBuilder::new("page");
    for (name, builtin) in html::BUILTIN_TEMPLATES {
        let text = overrides.get(*name).map_or(*builtin, String::as_str);
        key.add(name.as_bytes()).add(text.as_bytes());
    }
    key
}

fn write_error(rel: &str, err: &std::io::Error) -> String {
    format!("cannot write {rel}: {err}")
}

/// Images shown by published dossiers (only those are copied: an image of a restricted
/// dossier must not reach a public site).
fn used_images(site: &Site) -> std::collections::BTreeSet<&str> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_split_every_job_once() {
        let shards: Vec<Shard> = (1..=3)
            .map(|k| Shard::parse(&format!("{k}/3")).unwrap())
            .collect();
        for position in 0..10 {
            assert_eq!(shards.iter().filter(|s| s.takes(position)).count(), 1);
        }
        for bad in ["0/3", "4/3", "3", "a/b", "1/0"] {
            assert!(Shard::parse(bad).is_err(), "{bad}");
        }
    }
}
