//! PDF briefings and the compendium, laid out by the typst crate in this process. Each
//! document's Typst source is generated from the site (author text escaped by
//! [`markup`]), then compiled in a [`world::CasefileWorld`] that can read only templates and
//! content images.

pub mod compendium;
pub mod emit;
pub mod markup;
pub mod viewer;
pub mod warnings;
pub mod world;

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Arc;

use typst::diag::{SourceDiagnostic, Warned};
use typst::foundations::{Datetime, Smart};
use typst::World;
use typst_layout::PagedDocument;
use typst_pdf::{PdfOptions, PdfStandard, PdfStandards, Timestamp};

use crate::diagnostics::Diagnostic;
use crate::i18n::Words;
use crate::model::PdfStandard as Standard;
use crate::model::{Date, Dossier, Site, Source};
use markup::{escape, label, string, Emitter, Target};
use world::{CasefileWorld, Files};

/// The date of a document when the site has no dossier at all.
const EPOCH: Date = Date {
    year: 1970,
    month: None,
    day: None,
};

/// The built-in Typst templates, embedded in the binary.
pub const BUILTIN_TEMPLATES: &[(&str, &str)] = &[(
    "casefile.typ",
    include_str!("../../../templates/casefile.typ"),
)];

/// What a world may read: the Typst templates (the project's `.typ` files overriding the
/// built-in ones by name) and the images under `content/`.
pub fn files(
    overrides: &BTreeMap<String, String>,
    images: &BTreeMap<String, Vec<u8>>,
) -> Arc<Files> {
    let mut templates: BTreeMap<String, String> = BUILTIN_TEMPLATES
        .iter()
        .map(|(name, text)| (name.to_string(), text.to_string()))
        .collect();
    for (name, text) in overrides.iter().filter(|(name, _)| name.ends_with(".typ")) {
        templates.insert(name.clone(), text.clone());
    }
    let images = images
        .iter()
        .map(|(path, bytes)| (path.clone(), typst::foundations::Bytes::new(bytes.clone())))
        .collect();
    Arc::new(Files { templates, images })
}

/// A PDF to lay out: its file name, its generated Typst source and the date it carries.
#[derive(Debug, Clone)]
pub struct PdfJob {
    /// `ID.pdf` or `compendium.pdf`.
    pub name: String,
    /// The generated Typst source; for the compendium, the sources of all its parts (with
    /// placeholder page numbers, which the parts themselves determine).
    pub source: String,
    /// The document's date (its metadata and the PDF timestamp).
    pub date: Date,
    /// Whether this is the compendium, laid out part by part.
    pub compendium: bool,
}

impl PdfJob {
    /// The document's name without `.pdf`, as errors and the PDF identifier use it.
    pub fn stem(&self) -> &str {
        self.name.trim_end_matches(".pdf")
    }

    /// Lays the document out and exports it.
    pub fn compile(&self, files: &Arc<Files>, site: &Site) -> Result<Compiled, String> {
        if self.compendium {
            compendium::render(site, files).map_err(|errors| errors.join("\n"))
        } else {
            compile(self.source.clone(), files, self.stem(), self.date, site)
        }
    }
}

/// The briefing of one dossier.
pub fn briefing_job(site: &Site, d: &Dossier) -> PdfJob {
    PdfJob {
        name: format!("{}.pdf", d.id),
        source: briefing_source(site, d),
        date: d.updated.unwrap_or(d.date),
        compendium: false,
    }
}

/// The compendium of every dossier.
pub fn compendium_job(site: &Site) -> PdfJob {
    PdfJob {
        name: COMPENDIUM.to_string(),
        source: compendium::sources(site)
            .into_iter()
            .map(|(_, text)| text)
            .collect::<Vec<_>>()
            .join("\n"),
        date: site.last_updated().unwrap_or(EPOCH),
        compendium: true,
    }
}

/// The compendium's file name.
pub const COMPENDIUM: &str = "compendium.pdf";

/// The PDFs of a build, as (file name, bytes), and the warnings met laying them out.
#[derive(Debug, Default)]
pub struct Rendered {
    /// `ID.pdf` per dossier, then `compendium.pdf`.
    pub pdfs: Vec<(String, Vec<u8>)>,
    /// Warnings naming the PDF they are about, in the order of the PDFs.
    pub warnings: Vec<Diagnostic>,
}

/// A compiled document: the PDF and what was worth a warning.
#[derive(Debug)]
pub struct Compiled {
    /// The PDF bytes.
    pub pdf: Vec<u8>,
    /// Typst's warnings and missing glyphs, deduplicated.
    pub warnings: Vec<Diagnostic>,
}

/// Renders a briefing per dossier (`ID.pdf`) and the compendium (`compendium.pdf`), without
/// a cache (builds go through [`crate::incremental`]).
pub fn render_all(site: &Site, files: &Arc<Files>) -> Result<Rendered, Vec<String>> {
    let mut jobs: Vec<PdfJob> = site
        .dossiers
        .iter()
        .map(|d| briefing_job(site, d))
        .collect();
    jobs.push(compendium_job(site));
    let results = in_parallel(&jobs, |job| job.compile(files, site));
    let mut rendered = Rendered::default();
    let mut errors = Vec::new();
    for (job, result) in jobs.iter().zip(results) {
        match result {
            Ok(compiled) => {
                rendered.pdfs.push((job.name.clone(), compiled.pdf));
                rendered.warnings.extend(compiled.warnings);
            }
            Err(err) => errors.push(err),
        }
    }
    if errors.is_empty() {
        Ok(rendered)
    } else {
        Err(errors)
    }
}

/// Runs `job` on every item on plain threads, one per core, results in item order.
///
/// Not rayon: typst itself hands work to rayon's pool while laying out and exporting, and a
/// document compiled on a rayon worker waits behind the other documents' queued work (the
/// export of the n-th briefing took n times as long).
pub fn in_parallel<T: Sync, R: Send>(items: &[T], job: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(items.len().max(1));
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mut results: Vec<(usize, R)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(item) = items.get(i) else { break };
                        done.push((i, job(item)));
                    }
                    done
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| {
                h.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    });
    results.sort_by_key(|(i, _)| *i);
    results.into_iter().map(|(_, r)| r).collect()
}

/// Compiles one document to PDF bytes. `name` says which document in errors and warnings.
pub fn compile(
    source: String,
    files: &Arc<Files>,
    name: &str,
    date: Date,
    site: &Site,
) -> Result<Compiled, String> {
    let world = CasefileWorld::new(source, files.clone());
    let Warned { output, warnings } = typst::compile::<PagedDocument>(&world);
    let document = output.map_err(|errors| describe(&world, name, &errors))?;
    let mut found = warnings::from_typst(&world, name, &warnings);
    found.extend(warnings::missing_glyphs(&document, name));
    let options = pdf_options(site, name, date)?;
    let pdf =
        typst_pdf::pdf(&document, &options).map_err(|errors| describe(&world, name, &errors))?;
    let pdf = viewer::display_doc_title(pdf);
    // typst memoizes across documents; keep its cache from growing without bound.
    comemo::evict(10);
    Ok(Compiled {
        pdf,
        warnings: found,
    })
}

/// The export settings of the PDF `name`: its identifier, timestamp and standard.
fn pdf_options(site: &Site, name: &str, date: Date) -> Result<PdfOptions, String> {
    let standards = match site.config.pdf.standard {
        Standard::None => PdfStandards::default(),
        Standard::PdfA2b => {
            PdfStandards::new(&[PdfStandard::A_2b]).map_err(|e| format!("PDF/A-2b: {e:?}"))?
        }
    };
    Ok(PdfOptions {
        ident: Smart::Custom(format!("casefile-{name}")),
        timestamp: datetime(date).map(Timestamp::new_utc),
        standards,
        tagged: site.config.pdf.tagged,
        ..PdfOptions::default()
    })
}

fn datetime(date: Date) -> Option<Datetime> {
    Datetime::from_ymd(
        i32::from(date.year),
        date.month.unwrap_or(1),
        date.day.unwrap_or(1),
    )
}

/// Typst errors as casefile messages: the template file and line, or the dossier whose
/// generated source failed. Host paths never appear.
fn describe(world: &CasefileWorld, name: &str, errors: &[SourceDiagnostic]) -> String {
    let mut out = format!("PDF `{name}.pdf` could not be laid out:");
    for err in errors {
        let _ = write!(
            out,
            "\n  {}: {}",
            place(world, err).unwrap_or_else(|| "document".to_string()),
            err.message
        );
        for hint in &err.hints {
            let _ = write!(out, " (hint: {})", hint.v);
        }
    }
    out
}

/// Where a Typst diagnostic points: a template's file and line, or a line of the generated
/// source; `None` for the document as a whole.
fn place(world: &CasefileWorld, diag: &SourceDiagnostic) -> Option<String> {
    let id = diag.span.id()?;
    let source = world.source(id).ok()?;
    let range = world.range(diag.span)?;
    let line = source.lines().byte_to_line(range.start)? + 1;
    let path = id.get().vpath().get_with_slash().to_string();
    Some(match path.strip_prefix(world::TEMPLATE_DIR) {
        Some(template) => format!("templates/{template}:{line}"),
        None => format!("generated source line {line}"),
    })
}

use typst::WorldExt;

fn array(items: impl IntoIterator<Item = String>) -> String {
    let mut out = String::from("(");
    for item in items {
        out.push_str(&item);
        out.push_str(", ");
    }
    if out.len() > 1 {
        out.truncate(out.len() - 2);
        out.push_str(",)");
    } else {
        out.push(')');
    }
    out
}

fn opt_str(value: Option<&str>) -> String {
    value.map_or_else(|| "none".to_string(), string)
}

/// The document-level facts of a PDF: its metadata and page furniture.
struct DocumentInfo<'a> {
    title: &'a str,
    authors: &'a [String],
    keywords: &'a [String],
    date: Date,
    running: &'a str,
    restricted: bool,
    lang: &'a str,
    /// Whether the page header shows the logo of `[pdf]` (briefings).
    logo: bool,
    /// Whether the source imports the template (not a part of the compendium laid out as
    /// one document, which imports it once at its top).
    imports: bool,
}

/// The logo of `[pdf]` as the template takes it: its path in the world (`check` wrote it
/// relative to `content/`) and its alternative text (the site's title), or `none`.
fn logo(site: &Site) -> String {
    site.config
        .pdf
        .logo
        .as_ref()
        .map_or("none".to_string(), |logo| {
            format!(
                "(path: {}, alt: {})",
                string(&format!("{}{}", world::MEDIA_DIR, logo.value)),
                string(&site.config.title)
            )
        })
}

/// The line that makes the template's functions available to a source.
const TEMPLATE_IMPORT: &str = "#import \"/templates/casefile.typ\": *\n";

fn preamble(site: &Site, info: &DocumentInfo) -> String {
    let DocumentInfo {
        title,
        authors,
        keywords,
        date,
        running,
        restricted,
        lang,
        logo: with_logo,
        imports,
    } = *info;
    let pdf = &site.config.pdf;
    let margins = &pdf.margins;
    let authors = if authors.is_empty() {
        &site.config.authors
    } else {
        authors
    };
    let locale = locale(lang);
    let date = datetime(date).map_or("auto".to_string(), |_| {
        format!(
            "datetime(year: {}, month: {}, day: {})",
            date.year,
            date.month.unwrap_or(1),
            date.day.unwrap_or(1)
        )
    });
    format!(
        "{}{}\
         #set document(title: {}, author: {}, keywords: {}, date: {date})\n\
         #show: setup.with(title: {}, running: {}, restricted: {restricted}, lang: {}, region: {}, paper: {}, margin: (top: {}, bottom: {}, inside: {}, outside: {}), font-size: {}, logo: {}, t: t)\n",
        if imports { TEMPLATE_IMPORT } else { "" },
        words_binding(site.interface.words(lang)),
        string(title),
        array(authors.iter().map(|a| string(a))),
        array(keywords.iter().map(|k| string(k))),
        string(title),
        string(running),
        string(&locale.lang),
        opt_str(locale.region.as_deref()),
        string(pdf.paper.typst_name()),
        margins.top.typst(),
        margins.bottom.typst(),
        margins.inside.typst(),
        margins.outside.typst(),
        pdf.font_size.typst(),
        if with_logo {
            logo(site)
        } else {
            "none".to_string()
        },
    )
}

/// What Typst's `text` takes of a tag. Every tag in the model was checked by `typst_locale`
/// when it was read; the default only serves a site assembled without that check.
fn locale(lang: &str) -> crate::lang::TypstLocale {
    crate::lang::typst_locale(lang).unwrap_or_default()
}

/// Binds `t` to the interface words of a language for the markup that follows: every call
/// of the template takes `t: t`.
fn words_binding(words: &Words) -> String {
    format!("#let t = {}\n", typst_value(words.table()))
}

/// A JSON value of the interface table as a Typst value: maps become dictionaries with
/// string keys, lists arrays, text strings.
fn typst_value(value: &serde_json::Value) -> String {
    use serde_json::Value;
    match value {
        Value::Object(map) if map.is_empty() => "(:)".to_string(),
        Value::Object(map) => {
            let fields: Vec<String> = map
                .iter()
                .map(|(k, v)| format!("{}: {}", string(k), typst_value(v)))
                .collect();
            format!("({})", fields.join(", "))
        }
        Value::Array(items) => array(items.iter().map(typst_value)),
        Value::String(text) => string(text),
        other => string(&other.to_string()),
    }
}

/// The Typst source of one dossier's briefing.
pub fn briefing_source(site: &Site, d: &Dossier) -> String {
    let keywords: Vec<String> = d.tags.iter().map(|t| t.name.clone()).collect();
    let info = DocumentInfo {
        title: &d.title,
        authors: &d.authors,
        keywords: &keywords,
        date: d.updated.unwrap_or(d.date),
        running: &site.config.title,
        restricted: d.restricted,
        lang: &d.lang,
        logo: true,
        imports: true,
    };
    let mut out = preamble(site, &info);
    out.push_str(&dossier_markup(site, d, Target::Briefing, 1));
    out
}

/// The parts of a dossier shared by its briefing and its chapter of the compendium.
fn dossier_markup(site: &Site, d: &Dossier, target: Target, level: u8) -> String {
    let words = site.interface.words(&d.lang);
    let mut out = String::new();
    let title_label = match target {
        Target::Briefing => String::new(),
        Target::Compendium(chapter) => format!(" <{}>", label(&format!("d-{}", chapter.id))),
    };
    let summary = d.summary.as_ref().map_or("none".to_string(), |pieces| {
        let mut e = Emitter::new(target, &[]);
        e.pieces(pieces);
        format!("[{}]", e.finish().trim())
    });
    let _ = writeln!(
        out,
        "#dossier-head(title: [#heading(level: {level})[{}]{title_label}], status: {}, confidence: {}, date: {}, updated: {}, authors: {}, summary: {summary}, restricted: {}, draft: {}, t: t)",
        escape(&d.title),
        string(d.status.as_str()),
        opt_str(d.confidence.map(|c| c.as_str())),
        string(&words.date(&d.date)),
        opt_str(d.updated.map(|u| words.date(&u)).as_deref()),
        array(d.authors.iter().map(|a| string(a))),
        d.restricted,
        d.draft,
    );
    let entities = d.entities.iter().map(|e| {
        let name = match target {
            Target::Briefing => format!("[{}]", escape(&e.name)),
            Target::Compendium(_) => format!(
                "[#entity-ref({})[{}]]",
                string(&label(&format!("e-{}", e.id))),
                escape(&e.name),
            ),
        };
        let role = e
            .role
            .as_deref()
            .map_or("none".to_string(), |r| format!("[{}]", escape(r)));
        format!(
            "(name: {name}, kind: {}, role: {role})",
            string(words.get(&format!("entity_kind.{}", e.kind.as_str())))
        )
    });
    let related = d.related.iter().map(|r| {
        if target.links_to(&r.id) {
            format!(
                "[#xref({})[{}]]",
                string(&label(&format!("d-{}", r.id))),
                escape(&r.title)
            )
        } else {
            format!("[{}]", escape(&r.title))
        }
    });
    out.push_str(&translation_links(site, d, target));
    let _ = writeln!(
        out,
        "#facts(entities: {}, tags: {}, related: {}, t: t)",
        array(entities),
        array(d.tags.iter().map(|t| string(&t.name))),
        array(related)
    );
    out.push_str(&evidence_markup(site, d, words));
    let mut body = Emitter::new(target, &d.notes);
    body.pieces(&d.body);
    out.push_str(&body.finish());
    out.push('\n');
    out.push_str(&markup::later_notes(&d.body, &d.notes, target));
    let sources = d
        .sources
        .iter()
        .map(|&i| source_entry(&site.sources[i], words));
    let _ = writeln!(
        out,
        "#sources-section({}, level: {}, t: t)",
        array(sources),
        level + 1
    );
    let events = d.timeline.iter().map(|e| {
        let mut em = Emitter::new(target, &[]);
        em.pieces(&e.event);
        format!(
            "(date: {}, body: [{}])",
            string(&words.date(&e.date)),
            em.finish().trim()
        )
    });
    let _ = writeln!(
        out,
        "#timeline-section({}, level: {}, t: t)",
        array(events),
        level + 1
    );
    out.push_str(&referenced_by(site, d, target, level + 1));
    out
}

/// The evidence panel of a dossier, with the figures of the site's panel.
fn evidence_markup(site: &Site, d: &Dossier, words: &Words) -> String {
    let e = crate::render::evidence::Evidence::of(site, d);
    let coverage = match e.percent {
        Some(percent) => words.fill(
            "evidence_cited",
            &[
                ("cited", &e.coverage.cited.to_string()),
                ("citable", &e.coverage.citable.to_string()),
                ("percent", &percent.to_string()),
            ],
        ),
        None => words.get("evidence_no_claims").to_string(),
    };
    let mut rows = Vec::new();
    let mut sources = e.sources.to_string();
    if e.confidential > 0 {
        let _ = write!(
            sources,
            " ({} {})",
            e.confidential,
            words.get("confidential")
        );
    }
    rows.push((words.get("evidence_sources"), sources));
    let kinds: Vec<String> = e
        .kinds
        .iter()
        .map(|k| {
            format!(
                "{} {}",
                words.get(&format!("source_kind.{}", k.name)),
                k.count
            )
        })
        .collect();
    if !kinds.is_empty() {
        rows.push((words.get("evidence_by_kind"), kinds.join(" · ")));
    }
    let mut grades: Vec<String> = e
        .grades
        .iter()
        .map(|g| format!("{} {}", g.name, g.count))
        .collect();
    if e.ungraded > 0 {
        grades.push(format!("{} {}", words.get("ungraded"), e.ungraded));
    }
    if !grades.is_empty() {
        rows.push((words.get("evidence_by_grade"), grades.join(" · ")));
    }
    if let (Some(oldest), Some(newest)) = (e.oldest, e.newest) {
        let span = if oldest == newest {
            words.date(&oldest)
        } else {
            format!("{} – {}", words.date(&oldest), words.date(&newest))
        };
        rows.push((words.get("evidence_dates"), span));
    }
    let rows = rows
        .into_iter()
        .map(|(label, text)| format!("({}, {})", string(label), string(&text)));
    format!(
        "#evidence(coverage: {}, percent: {}, rows: {}, t: t)\n",
        string(&coverage),
        e.percent.map_or("none".to_string(), |p| p.to_string()),
        array(rows)
    )
}

/// The dossiers that link to this one, as the site's dossier page lists them: in the
/// compendium, those it holds link to their chapter with their page.
fn referenced_by(site: &Site, d: &Dossier, target: Target, level: u8) -> String {
    let words = site.interface.words(&d.lang);
    let items = d.backlinks.iter().map(|b| {
        let title = match target {
            _ if target.links_to(&b.id) => format!(
                "[#xref({}, t: t)[#emph[{}]]]",
                string(&label(&format!("d-{}", b.id))),
                escape(&b.title)
            ),
            _ => format!("[#emph[{}]]", escape(&b.title)),
        };
        format!("(title: {title}, date: {})", string(&words.date(&b.date)))
    });
    format!("#referenced-by({}, level: {level}, t: t)\n", array(items))
}

/// Links to a dossier's published translations: to their briefings (`ID.pdf` beside this
/// one) or, in the compendium, to their chapters.
fn translation_links(site: &Site, d: &Dossier, target: Target) -> String {
    if d.translations.is_empty() {
        return String::new();
    }
    let items = d.translations.iter().map(|tr| {
        let link = match target {
            Target::Briefing => format!(
                "link({})[#emph[{}]]",
                string(&format!("{}.pdf", tr.id)),
                escape(&tr.title)
            ),
            Target::Compendium(_) if !target.links_to(&tr.id) => {
                format!("emph[{}]", escape(&tr.title))
            }
            Target::Compendium(_) => format!(
                "xref({}, t: t)[#emph[{}]]",
                string(&label(&format!("d-{}", tr.id))),
                escape(&tr.title)
            ),
        };
        format!(
            "(lang: {}, label: {}, link: [#{link}])",
            string(&locale(&tr.lang).lang),
            string(site.interface.words(&tr.lang).get("read_in")),
        )
    });
    format!("#translations({})\n", array(items))
}

fn source_entry(s: &Source, words: &Words) -> String {
    if s.anonymous {
        return format!(
            "(title: [{}], grade: none, details: none)",
            escape(words.get("confidential_source"))
        );
    }
    let mut details = Vec::new();
    details.extend(
        s.kind
            .map(|k| escape(words.get(&format!("source_kind.{}", k.as_str())))),
    );
    details.extend(s.publisher.as_deref().map(escape));
    details.extend(s.date.map(|d| escape(&words.date(&d))));
    let mut details = details.join(" · ");
    if let Some(url) = &s.url {
        let _ = write!(details, " · #{}", markup::url_link(url));
    }
    format!(
        "(title: [#emph[{}]], grade: {}, details: {})",
        escape(&s.title),
        opt_str(s.grade.as_deref()),
        if details.is_empty() {
            "none".to_string()
        } else {
            format!("[{details}]")
        }
    )
}
