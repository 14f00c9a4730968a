//! The compendium, laid out part by part and merged in process.
//!
//! Each dossier is a chapter laid out on its own, as a pure function of its Typst source
//! (and the templates and images): a chapter knows no absolute page number, so an unchanged
//! dossier is never laid out twice (chapters are kept in a [`Cache`] keyed by a hash of
//! everything they depend on), chapters are laid out in parallel, and memory stays that of
//! one chapter at a time plus the finished pages. Once the chapters' pages are known:
//!
//! 1. the back matter (merged timeline, index of entities with page numbers, register of
//!    sources) is laid out with those numbers written in;
//! 2. the front matter (cover, contents), numbered separately in roman numerals;
//! 3. an overlay document whose page `i` carries what must be printed on page `i` of the
//!    compendium: the footer's "Page N of M" and the numbers of every "see p. N", placed
//!    where the chapters kept room for them;
//! 4. every page is merged with its overlay page and the whole is exported once, so the
//!    outline, named destinations and PDF/A conformance are typst's own. Links between
//!    parts (`casefile:LABEL`) were pointed at their labels when each part was laid out
//!    (see [`part`]), so merging copies no frame.

mod merge;
mod part;
mod source;

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, LazyLock, Mutex};

use typst::introspection::PagedPosition;
use typst_layout::PagedDocument;

use super::world::Files;
use super::{in_parallel, pdf_options, Compiled, EPOCH};
use crate::diagnostics::Diagnostic;
use crate::i18n::Words;
use crate::model::{Dossier, Site};
use part::Part;
use source::{Numbers, OverlayPage, Pages};

/// Laid-out chapters by the hash of what they depend on. A build keeps only the chapters it
/// used, so the cache holds at most one compendium's chapters.
#[derive(Debug, Default)]
pub struct Cache {
    parts: Mutex<BTreeMap<u128, Arc<Part>>>,
}

/// The chapters kept between the builds of one process (`casefile serve` rebuilds in
/// process). Like typst's own memoization, a cache: it never changes what a build writes.
static CHAPTERS: LazyLock<Cache> = LazyLock::new(Cache::default);

/// How many chapter layouts typst's memoized results outlive: chapters share templates,
/// fonts and styles, and two are laid out at once.
const CHAPTER_MEMO: usize = 10;

/// How the chapters of one compendium were had.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// Chapters laid out by this build.
    pub laid_out: usize,
    /// Chapters taken from the cache.
    pub reused: usize,
}

impl Cache {
    fn get(&self, key: u128) -> Option<Arc<Part>> {
        self.lock().get(&key).cloned()
    }

    fn put(&self, key: u128, part: Arc<Part>) {
        self.lock().insert(key, part);
    }

    fn keep_only(&self, keys: &BTreeSet<u128>) {
        self.lock().retain(|key, _| keys.contains(key));
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<u128, Arc<Part>>> {
        // A panic while the lock was held leaves whole entries (inserts are single calls).
        self.parts
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Lays out the compendium and exports it as PDF bytes, reusing the chapters of earlier
/// builds of this process.
pub fn render(site: &Site, files: &Arc<Files>) -> Result<Compiled, Vec<String>> {
    render_with(site, files, &CHAPTERS).map(|(compiled, _)| compiled)
}

/// [`render`] with a given cache, saying how many chapters were laid out.
pub fn render_with(
    site: &Site,
    files: &Arc<Files>,
    cache: &Cache,
) -> Result<(Compiled, Stats), Vec<String>> {
    let selected = selection(site);
    let site = selected.as_ref();
    let (document, warnings, stats) = lay_out(site, files, cache)?;
    let pdf = export(site, document).map_err(|e| vec![e])?;
    Ok((Compiled { pdf, warnings }, stats))
}

/// Lays out the compendium of the (selected) site: its pages, ready to export.
fn lay_out(
    site: &Site,
    files: &Arc<Files>,
    cache: &Cache,
) -> Result<(PagedDocument, Vec<Diagnostic>, Stats), Vec<String>> {
    let files_key = typst::utils::hash128(&(&files.templates, &files.images));
    let mut digits = digits_for(site.dossiers.len() * 4 + 10);
    let mut stats = Stats::default();
    // What typst memoized for other documents (the briefings) is of little use here.
    comemo::evict(0);
    loop {
        let chapters = chapters(site, files, cache, files_key, digits, &mut stats)?;
        let body = Body::of(site, &chapters);
        let back = part::lay_out(
            "/parts/back.typ",
            source::back_matter(site, Numbers::Merged(&body.pages()), digits),
            files,
            0,
        )
        .map_err(|e| vec![e])?;
        let body_pages = body.pages + back.pages.len();
        // A page number wider than the room kept for it: lay the chapters out again with
        // more room (only when a compendium grows past a power of ten of its estimate).
        if digits_for(body_pages) > digits {
            digits = digits_for(body_pages);
            continue;
        }
        let (document, warnings) =
            assemble(site, files, &chapters, &body, &back).map_err(|e| vec![e])?;
        return Ok((document, warnings, stats));
    }
}

/// The site as the compendium holds it. With `compendium` in `[pdf]`, only the dossiers
/// listed there that the profile publishes, in that order, and their timeline; links to the
/// others print as text. Without it, every published dossier, newest first.
pub fn selection(site: &Site) -> Cow<'_, Site> {
    let Some(ids) = &site.config.pdf.compendium else {
        return Cow::Borrowed(site);
    };
    let dossiers: Vec<Dossier> = ids
        .iter()
        .filter_map(|id| site.dossier(&id.value))
        .cloned()
        .collect();
    let dossier_positions = dossiers
        .iter()
        .enumerate()
        .map(|(i, d)| (d.id.clone(), i))
        .collect::<BTreeMap<_, _>>();
    let timeline = site
        .timeline
        .iter()
        .filter(|e| dossier_positions.contains_key(&e.dossier.id))
        .cloned()
        .collect();
    Cow::Owned(Site {
        config: site.config.clone(),
        profile: site.profile,
        dossiers,
        entities: site.entities.clone(),
        sources: site.sources.clone(),
        tags: site.tags.clone(),
        timeline,
        dossier_positions,
        interface: site.interface.clone(),
    })
}

/// The room kept for a page number: the digits of the highest page, at least two.
fn digits_for(pages: usize) -> usize {
    pages.to_string().len().max(2)
}

/// Lays out (or takes from the cache) every dossier's chapter, in parallel, in dossier
/// order. The cache then holds these chapters only.
fn chapters(
    site: &Site,
    files: &Arc<Files>,
    cache: &Cache,
    files_key: u128,
    digits: usize,
    stats: &mut Stats,
) -> Result<Vec<Arc<Part>>, Vec<String>> {
    let results = in_parallel(&site.dossiers, |d| {
        let path = format!("/chapters/{}.typ", d.id);
        let text = source::chapter(site, d, digits);
        let key = typst::utils::hash128(&(&path, &text, files_key));
        if let Some(part) = cache.get(key) {
            return Ok((key, part, false));
        }
        let part = Arc::new(part::lay_out(&path, text, files, CHAPTER_MEMO)?);
        cache.put(key, part.clone());
        Ok((key, part, true))
    });
    let mut parts = Vec::with_capacity(results.len());
    let mut keys = BTreeSet::new();
    let mut errors = Vec::new();
    for result in results {
        match result {
            Ok((key, part, fresh)) => {
                if fresh {
                    stats.laid_out += 1;
                } else {
                    stats.reused += 1;
                }
                keys.insert(key);
                parts.push(part);
            }
            Err(error) => errors.push(error),
        }
    }
    cache.keep_only(&keys);
    if errors.is_empty() {
        Ok(parts)
    } else {
        Err(errors)
    }
}

/// Where the chapters fall in the body (the pages numbered from 1).
struct Body {
    /// The body page on which each dossier starts, by id.
    starts: BTreeMap<String, usize>,
    /// The body pages mentioning each entity, by the label of its index entry.
    mentions: BTreeMap<String, BTreeSet<usize>>,
    /// The number of chapter pages.
    pages: usize,
}

impl Body {
    fn of(site: &Site, chapters: &[Arc<Part>]) -> Body {
        let mut starts = BTreeMap::new();
        let mut mentions: BTreeMap<String, BTreeSet<usize>> = BTreeMap::new();
        let mut next = 1;
        for (d, chapter) in site.dossiers.iter().zip(chapters) {
            starts.insert(d.id.clone(), next);
            for (target, page) in &chapter.mentions {
                mentions
                    .entry(target.clone())
                    .or_default()
                    .insert(next + page);
            }
            next += chapter.pages.len();
        }
        Body {
            starts,
            mentions,
            pages: next - 1,
        }
    }

    fn pages(&self) -> Pages<'_> {
        Pages {
            dossiers: &self.starts,
            mentions: &self.mentions,
        }
    }
}

/// Lays out the front matter and the overlay and merges every page: the compendium, and the
/// warnings of its parts.
fn assemble(
    site: &Site,
    files: &Arc<Files>,
    chapters: &[Arc<Part>],
    body: &Body,
    back: &Part,
) -> Result<(PagedDocument, Vec<Diagnostic>), String> {
    let back_start = body.pages + 1;
    let words = site.words();
    let sections: Vec<(&str, usize)> = source::BACK_SECTIONS
        .into_iter()
        .filter_map(|(name, label)| {
            Some((words.get(name), back_start + back.anchors.get(label)?.page))
        })
        .collect();
    let front = part::lay_out(
        "/parts/front.typ",
        source::front_matter(site, Numbers::Merged(&body.pages()), &sections),
        files,
        0,
    )?;
    // Every part with the index of its first page in the compendium.
    let mut placed: Vec<(&Part, usize)> = vec![(&front, 0)];
    let mut next = front.pages.len();
    for chapter in chapters.iter().map(Arc::as_ref).chain([back]) {
        placed.push((chapter, next));
        next += chapter.pages.len();
    }
    let layout = Layout::new(&placed, front.pages.len(), next);
    let overlay = part::lay_out(
        "/parts/overlay.typ",
        source::overlay(site, &layout.overlay_pages(&placed, words)),
        files,
        0,
    )?;
    let mut pages = Vec::with_capacity(next);
    for (part, first) in &placed {
        for (i, page) in part.pages.iter().enumerate() {
            let over = overlay.pages.get(first + i).ok_or_else(|| {
                "PDF `compendium.pdf`: the overlay has fewer pages than the compendium".to_string()
            })?;
            pages.push(merge::page(page, over));
        }
    }
    let document = PagedDocument::new(pages.into(), front.info.clone());
    let mut warnings = Vec::new();
    for part in placed.iter().map(|(part, _)| *part).chain([&overlay]) {
        for warning in &part.warnings {
            if !warnings.contains(warning) {
                warnings.push(warning.clone());
            }
        }
    }
    warnings.extend(super::warnings::missing_glyphs(&document, "compendium"));
    Ok((document, warnings))
}

/// Where every label and page of the merged compendium is.
struct Layout {
    /// Every label of every part, at its place in the compendium.
    anchors: BTreeMap<String, PagedPosition>,
    /// The number of front-matter pages (the body's page 1 follows them).
    front: usize,
    /// All pages.
    total: usize,
}

impl Layout {
    fn new(placed: &[(&Part, usize)], front: usize, total: usize) -> Layout {
        let mut anchors = BTreeMap::new();
        for (part, first) in placed {
            for (label, spot) in &part.anchors {
                anchors
                    .entry(label.clone())
                    .or_insert_with(|| merge::position(first + spot.page, spot.point));
            }
        }
        Layout {
            anchors,
            front,
            total,
        }
    }

    /// The place of a label.
    fn resolve(&self, target: &str) -> Option<PagedPosition> {
        self.anchors.get(target).copied()
    }

    /// The body page number of a label, as printed.
    fn number_of(&self, target: &str) -> Option<usize> {
        let index = self.resolve(target)?.page.get() - 1;
        index.checked_sub(self.front).map(|i| i + 1)
    }

    fn overlay_pages(&self, placed: &[(&Part, usize)], words: &Words) -> Vec<OverlayPage> {
        let body = self.total - self.front;
        let page = words.get("page");
        let of = words.get("page_of");
        let mut pages: Vec<OverlayPage> = (0..self.total)
            .map(|i| match i.checked_sub(self.front) {
                None => OverlayPage {
                    // The cover (the first page) has no footer.
                    folio: (i > 0).then(|| format!("{page} {}", roman(i + 1))),
                    numbering: "i",
                    number: None,
                    marks: Vec::new(),
                },
                Some(b) => OverlayPage {
                    folio: Some(format!("{page} {} {of} {body}", b + 1)),
                    numbering: "1",
                    number: Some(b + 1),
                    marks: Vec::new(),
                },
            })
            .collect();
        for (part, first) in placed {
            for slot in &part.slots {
                let text = self
                    .number_of(&slot.target)
                    .map_or_else(|| "?)".to_string(), |n| format!("{n})"));
                if let Some(page) = pages.get_mut(first + slot.at.page) {
                    page.marks.push(source::Mark {
                        x: slot.at.point.x.to_pt(),
                        y: slot.at.point.y.to_pt(),
                        style: slot.style.clone(),
                        text,
                    });
                }
            }
        }
        pages
    }
}

/// A number in lowercase roman numerals (front-matter pages).
fn roman(mut n: usize) -> String {
    const NUMERALS: [(usize, &str); 13] = [
        (1000, "m"),
        (900, "cm"),
        (500, "d"),
        (400, "cd"),
        (100, "c"),
        (90, "xc"),
        (50, "l"),
        (40, "xl"),
        (10, "x"),
        (9, "ix"),
        (5, "v"),
        (4, "iv"),
        (1, "i"),
    ];
    let mut out = String::new();
    for (value, numeral) in NUMERALS {
        while n >= value {
            out.push_str(numeral);
            n -= value;
        }
    }
    out
}

/// Exports the merged compendium.
fn export(site: &Site, document: PagedDocument) -> Result<Vec<u8>, String> {
    let date = site.last_updated().unwrap_or(EPOCH);
    let options = pdf_options(site, "compendium", date)?;
    let pdf = typst_pdf::pdf(&document, &options).map_err(|errors| {
        let mut out = "PDF `compendium.pdf` could not be written:".to_string();
        for error in errors {
            out.push_str("\n  ");
            out.push_str(&error.message);
        }
        out
    })?;
    Ok(super::viewer::display_doc_title(pdf))
}

/// The Typst sources of the compendium's parts, with placeholder page numbers, each with a
/// relative path to write it at (`compendium/chapter-ID.typ`, `compendium/back-matter.typ`,
/// `compendium/front-matter.typ`): what a build's key, `--emit-typst` and the checks that
/// generated Typst parses take.
pub fn sources(site: &Site) -> Vec<(String, String)> {
    let selected = selection(site);
    let site = selected.as_ref();
    let digits = digits_for(site.dossiers.len());
    let starts: BTreeMap<String, usize> = site
        .dossiers
        .iter()
        .enumerate()
        .map(|(i, d)| (d.id.clone(), i + 1))
        .collect();
    let mentions = BTreeMap::new();
    let pages = Pages {
        dossiers: &starts,
        mentions: &mentions,
    };
    let mut out: Vec<(String, String)> = site
        .dossiers
        .iter()
        .map(|d| {
            (
                format!("compendium/chapter-{}.typ", d.id),
                source::chapter(site, d, digits),
            )
        })
        .collect();
    out.push((
        "compendium/back-matter.typ".into(),
        source::back_matter(site, Numbers::Merged(&pages), digits),
    ));
    out.push((
        "compendium/front-matter.typ".into(),
        source::front_matter(site, Numbers::Merged(&pages), &[("Index of entities", 1)]),
    ));
    out
}

/// The whole compendium as one Typst document that the typst CLI lays out
/// (`compendium.typ` of `--emit-typst`; see [`source::one_document`]).
pub fn one_document(site: &Site) -> String {
    source::one_document(selection(site).as_ref())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::{Project, TextFile};
    use crate::model::Profile;

    fn text_file(label: &str, text: &str) -> TextFile {
        TextFile {
            label: label.to_string(),
            text: text.to_string(),
        }
    }

    /// A site of three dossiers linking each other and naming one entity; `second` is the
    /// body of the second dossier.
    fn site(second: &str) -> Site {
        let dossier = |id: &str, body: &str| {
            text_file(
                &format!("content/dossiers/{id}.md"),
                &format!("---\ntitle: Case {id}\ndate: 2019-06-10\nentities: [almoloya]\nrelated: [one]\n---\n{body}\n"),
            )
        };
        let project = Project {
            dossiers: vec![
                dossier("one", "First, near [[almoloya]]."),
                dossier("two", second),
                dossier("three", "Third; see [[two]][^t].\n\n[^t]: Its note."),
            ],
            entities: Some(text_file(
                "content/entities.yaml",
                "- id: almoloya\n  name: Almoloya de Juárez\n  kind: place\n",
            )),
            ..Project::default()
        };
        let checked = crate::resolve::check(&project);
        assert!(
            !checked.diagnostics.iter().any(|d| d.is_error()),
            "{:?}",
            checked.diagnostics
        );
        crate::resolve::build_site(
            &checked,
            Profile {
                internal: false,
                drafts: false,
            },
        )
    }

    fn files() -> Arc<Files> {
        super::super::files(&BTreeMap::new(), &BTreeMap::new())
    }

    #[test]
    fn an_unchanged_dossier_is_never_laid_out_twice() {
        let cache = Cache::default();
        let files = files();
        let (first, stats) = render_with(&site("Second."), &files, &cache).unwrap();
        assert_eq!(
            stats,
            Stats {
                laid_out: 3,
                reused: 0
            }
        );
        let (again, stats) = render_with(&site("Second."), &files, &cache).unwrap();
        assert_eq!(
            stats,
            Stats {
                laid_out: 0,
                reused: 3
            }
        );
        assert!(first.pdf == again.pdf, "a cache hit gives the same bytes");
        let (_, stats) = render_with(&site("Second, changed."), &files, &cache).unwrap();
        assert_eq!(
            stats,
            Stats {
                laid_out: 1,
                reused: 2
            }
        );
        let fresh = render_with(&site("Second."), &files, &Cache::default()).unwrap();
        assert!(
            fresh.0.pdf == first.pdf,
            "a rebuild without the cache gives the same bytes"
        );
    }

    #[test]
    fn the_cache_keeps_only_the_chapters_of_the_last_build() {
        let cache = Cache::default();
        let files = files();
        render_with(&site("Second."), &files, &cache).unwrap();
        render_with(&site("Second, changed."), &files, &cache).unwrap();
        assert_eq!(cache.lock().len(), 3);
    }

    #[test]
    fn chapters_share_no_element_location() {
        use typst::layout::{Frame, FrameItem};
        fn collect(frame: &Frame, out: &mut Vec<u128>) {
            for (_, item) in frame.items() {
                match item {
                    FrameItem::Group(group) => collect(&group.frame, out),
                    FrameItem::Tag(typst::introspection::Tag::Start(content, _)) => {
                        out.extend(content.location().map(|l| l.hash()));
                    }
                    _ => {}
                }
            }
        }
        let site = site("Second, near [[almoloya]] and [[one]].");
        let files = files();
        let cache = Cache::default();
        let mut stats = Stats::default();
        let chapters = chapters(&site, &files, &cache, 0, 3, &mut stats).unwrap();
        let mut seen = BTreeMap::new();
        for (i, chapter) in chapters.iter().enumerate() {
            let mut locations = Vec::new();
            for page in &chapter.pages {
                collect(&page.frame, &mut locations);
            }
            locations.sort_unstable();
            locations.dedup();
            for location in locations {
                if let Some(other) = seen.insert(location, i) {
                    panic!("chapters {other} and {i} share a location");
                }
            }
        }
        assert!(seen.len() > 10, "the chapters have located elements");
    }

    /// What a reader sees on each page: its characters but spaces, sorted (the merged
    /// compendium lays its footers and page numbers over the pages, so its text runs are
    /// in another order).
    fn page_characters(document: &PagedDocument) -> Vec<String> {
        use typst::layout::{Frame, FrameItem};
        fn collect(frame: &Frame, out: &mut Vec<char>) {
            for (_, item) in frame.items() {
                match item {
                    FrameItem::Group(group) => collect(&group.frame, out),
                    FrameItem::Text(text) => {
                        out.extend(text.text.chars().filter(|c| !c.is_whitespace()));
                    }
                    _ => {}
                }
            }
        }
        document
            .pages()
            .iter()
            .map(|page| {
                let mut chars = Vec::new();
                collect(&page.frame, &mut chars);
                chars.sort_unstable();
                chars.into_iter().collect()
            })
            .collect()
    }

    #[test]
    fn the_compendium_as_one_document_holds_what_casefile_merges() {
        let site = site("Second, near [[almoloya]] and [[one]][^n].\n\n[^n]: A note.");
        let files = files();
        let (merged, _, _) = lay_out(&site, &files, &Cache::default()).unwrap();
        let source = one_document(&site);
        let world =
            super::super::world::CasefileWorld::at("/compendium.typ", source, files).unwrap();
        let one = typst::compile::<PagedDocument>(&world).output.unwrap();
        let (one, merged) = (page_characters(&one), page_characters(&merged));
        assert!(merged.len() > 4, "{} pages", merged.len());
        assert_eq!(one, merged);
    }

    #[test]
    fn roman_numerals() {
        let numbers: Vec<String> = [1, 4, 9, 14, 40, 90, 400, 1994].map(roman).to_vec();
        assert_eq!(
            numbers,
            ["i", "iv", "ix", "xiv", "xl", "xc", "cd", "mcmxciv"]
        );
    }
}
