//! The Typst sources of the compendium's parts: a chapter per dossier (which knows no
//! absolute page number), the back matter and the front matter (written once the pages of
//! what they list are known), and the overlay of page numbers merged onto every page.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

use super::super::markup::{escape, label, string, Chapter, Emitter, Target};
use super::super::{
    array, dossier_markup, logo, preamble, source_entry, typst_value, DocumentInfo, EPOCH,
    TEMPLATE_IMPORT,
};
use crate::model::{Dossier, Site};
use crate::render::chart::network::{self, Graph};
use crate::render::chart::timeline;

/// The label of a dossier's title in the compendium.
pub(super) fn dossier_label(id: &str) -> String {
    label(&format!("d-{id}"))
}

/// The label of an entity's entry in the index.
pub(super) fn entity_label(id: &str) -> String {
    label(&format!("e-{id}"))
}

/// The target of a link to the top of a body page (numbered from 1).
pub(super) fn page_target(number: usize) -> String {
    format!("page-{number}")
}

/// Who prints the page numbers that the parts show.
#[derive(Clone, Copy)]
pub(super) enum Numbers<'a> {
    /// casefile, which merges the laid-out parts and so knows every page.
    Merged(&'a Pages<'a>),
    /// Typst, laying the whole compendium out as one document ([`one_document`]).
    Typst,
}

/// The sections of the back matter that the contents list: their word and their label.
pub(super) const BACK_SECTIONS: [(&str, &str); 4] = [
    ("timeline_all", "back-timeline"),
    ("network", "back-network"),
    ("index_of_entities", "back-index"),
    ("register_of_sources", "back-sources"),
];

impl Numbers<'_> {
    /// Whether the parts are blocks of [`one_document`] rather than documents of their own.
    fn in_one_document(self) -> bool {
        matches!(self, Numbers::Typst)
    }
}

/// The preamble of every part: the compendium's metadata and page setup, with a footer
/// that leaves the page number to the overlay (or, in [`one_document`], to Typst; that
/// document imports the template once, at its top).
fn part_preamble(site: &Site, restricted: bool, lang: &str, one_document: bool) -> String {
    let title = &site.config.title;
    let info = DocumentInfo {
        title,
        authors: &[],
        keywords: &[],
        date: site.last_updated().unwrap_or(EPOCH),
        running: title,
        restricted,
        lang,
        logo: false,
        imports: !one_document,
    };
    let mut out = preamble(site, &info);
    let footer = if one_document {
        "cf-footer"
    } else {
        "part-footer"
    };
    let _ = writeln!(out, "#set page(footer: {footer}({}))", string(title));
    out
}

/// The markup target of the chapter of the dossier `id` (or of its events in the back
/// matter).
fn held_in<'a>(site: &'a Site, id: &'a str) -> Target<'a> {
    Target::Compendium(Chapter {
        id,
        held: &site.dossier_positions,
    })
}

/// The chapter of one dossier. `digits` is the room kept for a page number.
pub(super) fn chapter(site: &Site, d: &Dossier, digits: usize) -> String {
    let mut out = part_preamble(site, d.restricted, &d.lang, false);
    let _ = writeln!(out, "#page-digits.update({digits})");
    out.push_str(&dossier_markup(site, d, held_in(site, &d.id), 1));
    out
}

/// The redefinitions that let Typst lay the compendium out as one document.
const ONE_DOCUMENT: &str = include_str!("one-document.typ");

/// The whole compendium as one Typst document, for the typst CLI (`compendium.typ` of
/// `--emit-typst`): the parts casefile lays out, each in a block of its own and in the
/// order casefile merges them, with the page numbers, the links between parts and the
/// index's pages left to Typst. It holds what `compendium.pdf` holds; casefile itself
/// lays out the parts.
pub(super) fn one_document(site: &Site) -> String {
    let numbers = Numbers::Typst;
    let mut out = String::from(TEMPLATE_IMPORT);
    let _ = writeln!(
        out,
        "#let cf-site-t = {}",
        typst_value(site.words().table())
    );
    out.push_str(ONE_DOCUMENT);
    out.push_str("\n#set page(numbering: \"i\")\n");
    push_block(&mut out, &front_matter(site, numbers, &[]));
    out.push_str("#set page(numbering: \"1\")\n");
    // The body's first page, numbered 1: the first chapter's (or the back matter's).
    let mut opening = Some("#counter(page).update(1)\n#cf-body.update(true)\n");
    for d in &site.dossiers {
        let mut chapter = part_preamble(site, d.restricted, &d.lang, true);
        chapter.push_str(opening.take().unwrap_or_default());
        // Footnotes are numbered per chapter, as in a chapter laid out alone.
        chapter.push_str("#counter(footnote).update(0)\n");
        chapter.push_str(&dossier_markup(site, d, held_in(site, &d.id), 1));
        push_block(&mut out, &chapter);
    }
    // The room kept for page numbers goes unused: Typst prints them in place (`cf-page-of`).
    let mut back = back_matter(site, numbers, 1);
    if let Some(opening) = opening {
        let preamble = part_preamble(site, false, &site.config.lang, numbers.in_one_document());
        back.insert_str(preamble.len(), opening);
    }
    push_block(&mut out, &back);
    out
}

/// Appends a part to [`one_document`] as a block, which keeps its settings to itself.
fn push_block(out: &mut String, part: &str) {
    out.push_str("#[\n");
    out.push_str(part);
    out.push_str("\n]\n");
}

/// What the back matter needs to know of the laid-out chapters.
pub(super) struct Pages<'a> {
    /// The body page (from 1) on which each dossier starts, by dossier id.
    pub(super) dossiers: &'a BTreeMap<String, usize>,
    /// The body pages that mention each entity, by the label of its index entry.
    pub(super) mentions: &'a BTreeMap<String, BTreeSet<usize>>,
}

/// The back matter: the merged timeline, the index of entities with the pages that
/// mention them, and the register of sources.
pub(super) fn back_matter(site: &Site, numbers: Numbers, digits: usize) -> String {
    let words = site.words();
    let mut out = part_preamble(site, false, &site.config.lang, numbers.in_one_document());
    let _ = writeln!(out, "#page-digits.update({digits})");
    out.push_str("#metadata(none)<back-timeline>\n");
    let events = site.timeline.iter().map(|e| {
        let mut em = Emitter::new(held_in(site, &e.dossier.id), &[]);
        em.pieces(&e.event);
        format!(
            "(date: {}, body: [{} #text(fill: muted, size: 8.5pt)[— #link({})[{}] ({}~{})]])",
            string(&words.date(&e.date)),
            em.finish().trim(),
            string(&format!("casefile:{}", dossier_label(&e.dossier.id))),
            escape(&e.dossier.title),
            escape(words.get("see_page")),
            dossier_page(numbers, &e.dossier.id),
        )
    });
    let _ = writeln!(
        out,
        "#timeline-section({}, title: [{}], level: 1, t: t)",
        array(events),
        escape(words.get("timeline_all"))
    );
    out.push_str(&charts(site));
    let _ = writeln!(
        out,
        "#pagebreak(weak: true)\n= {} <back-index>\n#set par(justify: false)",
        escape(words.get("index_of_entities"))
    );
    // A chosen compendium lists only the entities its chapters mention.
    let chosen = site.config.pdf.compendium.is_some();
    for e in &site.entities {
        let target = entity_label(&e.id);
        let pages = match numbers {
            Numbers::Merged(pages) => {
                if chosen && !pages.mentions.contains_key(&target) {
                    continue;
                }
                let listed = pages.mentions.get(&target).into_iter().flatten();
                let links: Vec<String> = listed
                    .map(|&n| {
                        format!(
                            "#link({})[{n}]",
                            string(&format!("casefile:{}", page_target(n)))
                        )
                    })
                    .collect();
                format!("[{}]", links.join(", "))
            }
            Numbers::Typst => format!("cf-mentions({})", string(&target)),
        };
        let entry = format!(
            "#index-entry([{}], {}, {pages}) <{target}>",
            escape(&e.name),
            string(words.get(&format!("entity_kind.{}", e.kind.as_str()))),
        );
        match numbers {
            Numbers::Typst if chosen => {
                let _ = writeln!(out, "#cf-if-mentioned({})[{entry}]", string(&target));
            }
            _ => {
                let _ = writeln!(out, "{entry}");
            }
        }
    }
    let _ = writeln!(
        out,
        "#pagebreak(weak: true)\n= {} <back-sources>",
        escape(words.get("register_of_sources"))
    );
    // A chosen compendium registers only the sources its dossiers cite.
    let cited = |i: usize| !chosen || site.dossiers.iter().any(|d| d.sources.contains(&i));
    let shown: Vec<String> = site
        .sources
        .iter()
        .enumerate()
        .filter(|(i, s)| !s.anonymous && cited(*i))
        .map(|(_, s)| source_entry(s, words))
        .collect();
    let _ = writeln!(out, "#sources-section({}, level: 2, t: t)", array(shown));
    out
}

/// Lanes of the timeline chart a page holds.
const LANES_PER_PAGE: usize = 18;

/// The drawings of the back matter: the chart of events over time (after the merged
/// timeline), then the network on a page of its own. Drawn without links: a PDF is read
/// apart from the site.
fn charts(site: &Site) -> String {
    let words = site.words();
    let mut out = String::new();
    let drawing = timeline::Drawing {
        root: None,
        words,
        width: 640.0,
    };
    for svg in timeline::charts(&site.timeline, &drawing, LANES_PER_PAGE) {
        let _ = writeln!(
            out,
            "#figure(image(bytes({}), format: \"svg\", width: 100%, alt: {}), caption: [{}])",
            string(&svg),
            string(words.get("timeline_figure")),
            escape(words.get("timeline_figure"))
        );
    }
    let graph = Graph::whole(site, &network::Named::of(site));
    if graph.links.is_empty() {
        return out;
    }
    let title = graph.title(words);
    let drawing = network::Drawing {
        id: "network",
        title: &title,
        // Taller than on a screen: the figure has a portrait page to itself.
        size: (720.0, (graph.size(720.0).1 * 1.8).min(960.0)),
        root: None,
        focus: None,
    };
    let _ = writeln!(
        out,
        "#pagebreak(weak: true)\n= {} <back-network>\n#figure(image(bytes({}), format: \"svg\", width: 100%, alt: {}), caption: [{}])",
        escape(words.get("network")),
        string(&network::svg(&graph, &drawing)),
        string(&title),
        escape(words.get("network_figure"))
    );
    out
}

/// The cover text as Typst content: its paragraphs (split at blank lines) as they are written.
fn cover_text(text: Option<&str>) -> String {
    let Some(text) = text else {
        return "none".to_string();
    };
    let paragraphs: Vec<String> = text
        .split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(escape)
        .collect();
    format!("[{}]", paragraphs.join("\n\n"))
}

/// The number of the page on which the dossier `id` starts, as markup.
fn dossier_page(numbers: Numbers, id: &str) -> String {
    match numbers {
        Numbers::Merged(pages) => pages
            .dossiers
            .get(id)
            .map_or_else(|| "?".to_string(), |n| n.to_string()),
        Numbers::Typst => format!("#cf-page-of({})", string(&dossier_label(id))),
    }
}

/// The front matter: the cover and the contents, with the page of every dossier and, when
/// casefile merges the parts, of each section of the back matter (`back` names them with
/// their first page; Typst finds its own in [`one_document`]).
pub(super) fn front_matter(site: &Site, numbers: Numbers, back: &[(&str, usize)]) -> String {
    let title = &site.config.title;
    let newest = site.last_updated().unwrap_or(EPOCH);
    let words = site.words();
    let mut out = part_preamble(site, false, &site.config.lang, numbers.in_one_document());
    let _ = writeln!(
        out,
        "#cover(title: [{}], description: {}, count: {}, date: {}, internal: {}, logo: {}, note: {}, t: t)",
        escape(title),
        site.config
            .description
            .as_deref()
            .map_or("none".to_string(), |d| format!("[{}]", escape(d))),
        site.dossiers.len(),
        string(&words.date(&newest)),
        site.profile.internal,
        logo(site),
        cover_text(site.config.pdf.cover_text.as_deref()),
    );
    let _ = writeln!(
        out,
        "#heading(level: 1, outlined: false, bookmarked: true)[{}]",
        escape(words.get("contents"))
    );
    for d in &site.dossiers {
        let _ = writeln!(
            out,
            "#contents-entry({}, {})[{}]",
            string(&dossier_label(&d.id)),
            string(&dossier_page(numbers, &d.id)),
            escape(&d.title)
        );
    }
    let back: Vec<(&str, String, String)> = match numbers {
        Numbers::Merged(_) => back
            .iter()
            .map(|&(name, page)| (name, page_target(page), page.to_string()))
            .collect(),
        // A section the back matter lacks (the network of a site without links) has no
        // label, and Typst's contents leave it out.
        Numbers::Typst => BACK_SECTIONS
            .iter()
            .map(|&(word, label)| (words.get(word), label.to_string(), String::new()))
            .collect(),
    };
    for (name, target, page) in back {
        let _ = writeln!(
            out,
            "#contents-entry({}, {})[{}]",
            string(&target),
            string(&page),
            escape(name)
        );
    }
    out
}

/// One page of the overlay: its footer text (none on the cover), its number in the body,
/// and the numbers to place on it.
pub(super) struct OverlayPage {
    /// The footer's page number, such as `Page 3 of 120`.
    pub(super) folio: Option<String>,
    /// `i` for the front matter, `1` for the body.
    pub(super) numbering: &'static str,
    /// The page's number in the body (arabic numbering starts again at 1); its top is
    /// labelled `page-N` for links.
    pub(super) number: Option<usize>,
    /// The numbers placed on the page.
    pub(super) marks: Vec<Mark>,
}

/// A page number placed where a part kept room for it.
pub(super) struct Mark {
    /// From the page's top-left corner, in points.
    pub(super) x: f64,
    /// The baseline, from the page's top, in points.
    pub(super) y: f64,
    /// The text's style, as Typst arguments (`size: 9pt, fill: …`).
    pub(super) style: String,
    /// What is placed: the number and the closing parenthesis.
    pub(super) text: String,
}

/// The overlay document: one page per page of the compendium.
pub(super) fn overlay(site: &Site, pages: &[OverlayPage]) -> String {
    let mut out = part_preamble(site, false, &site.config.lang, false);
    let title = string(&site.config.title);
    for page in pages {
        let marks = page.marks.iter().map(|m| {
            format!(
                "(x: {:.4}pt, y: {:.4}pt, {}, body: {})",
                m.x,
                m.y,
                m.style,
                string(&m.text)
            )
        });
        let body = match page.number {
            Some(1) => format!(
                "#counter(page).update(1)#metadata(none)<{}>",
                page_target(1)
            ),
            Some(n) => format!("#metadata(none)<{}>", page_target(n)),
            None => String::new(),
        };
        let _ = writeln!(
            out,
            "#overlay-page(title: {title}, folio: {}, numbering: {}, marks: {})[{body}]",
            page.folio.as_deref().map_or("none".to_string(), string),
            string(page.numbering),
            array(marks)
        );
    }
    out
}
