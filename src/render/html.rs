//! The static site: one tera template per kind of page, rendered from the resolved site.
//! Every link is relative (each page knows its way up to the root), so the site works from
//! disk and under any path. Rendering a page is a pure function of the site and the page.

use std::collections::BTreeMap;

use rayon::prelude::*;
use serde::Serialize;
use serde_json::{json, Value};
use tera::{Context, Tera};

use crate::model::{Dossier, Entity, NoteContent, Site, Source, TimelineEvent};
use crate::render::markup::{citation_html, to_html, PageLinks};

/// The built-in templates, embedded in the binary; a project's `templates/` overrides them
/// by file name.
pub const BUILTIN_TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("../../templates/base.html")),
    ("index.html", include_str!("../../templates/index.html")),
    ("dossier.html", include_str!("../../templates/dossier.html")),
    ("entity.html", include_str!("../../templates/entity.html")),
    ("tag.html", include_str!("../../templates/tag.html")),
    (
        "timeline.html",
        include_str!("../../templates/timeline.html"),
    ),
    ("sources.html", include_str!("../../templates/sources.html")),
    ("404.html", include_str!("../../templates/404.html")),
    ("macros.html", include_str!("../../templates/macros.html")),
    ("sitemap.xml", include_str!("../../templates/sitemap.xml")),
    ("atom.xml", include_str!("../../templates/atom.xml")),
];

/// Static files copied as they are.
pub const ASSETS: &[(&str, &str)] = &[
    (
        "assets/style.css",
        include_str!("../../templates/style.css"),
    ),
    (
        "assets/search.js",
        include_str!("../../templates/search.js"),
    ),
];

/// A rendered file: its path under `site/` and its bytes.
pub type SiteFile = (String, Vec<u8>);

/// Loads the templates, the project's overrides replacing built-in ones by name. An error
/// names the template and what is wrong.
pub fn templates(overrides: &BTreeMap<String, String>) -> Result<Tera, String> {
    let mut tera = Tera::default();
    tera.autoescape_on(vec![".html", ".xml"]);
    tera.set_escape_fn(escape_html);
    let mut all: BTreeMap<&str, &str> = BUILTIN_TEMPLATES.iter().copied().collect();
    for (name, text) in overrides {
        if all.contains_key(name.as_str()) {
            all.insert(name, text);
        }
    }
    tera.add_raw_templates(all.into_iter().collect::<Vec<_>>())
        .map_err(|e| describe_tera_error(&e))?;
    Ok(tera)
}

/// Escapes text for HTML content and quoted attributes. Tera's default also escapes `/`,
/// which is safe but turns every relative URL into `..&#x2F;`.
fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Tera errors nest their causes; the innermost says what is wrong, the outer ones where.
pub fn describe_tera_error(err: &tera::Error) -> String {
    let mut message = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    message
}

/// Options for rendering the site.
#[derive(Debug, Clone, Copy)]
pub struct SiteOptions<'a> {
    /// Briefing PDFs are built and linked from dossier pages.
    pub with_pdfs: bool,
    /// The project's own templates by file name; `style.css` and `search.js` among them
    /// replace the built-in assets.
    pub overrides: &'a BTreeMap<String, String>,
}

/// Renders every page of the site. Errors name the template and page.
pub fn render_site(
    site: &Site,
    tera: &Tera,
    options: SiteOptions,
) -> Result<Vec<SiteFile>, String> {
    let mut jobs: Vec<Page> = vec![Page::Index, Page::Timeline, Page::Sources, Page::NotFound];
    jobs.extend(site.dossiers.iter().map(Page::Dossier));
    jobs.extend(site.entities.iter().map(Page::Entity));
    jobs.extend(
        site.tags
            .iter()
            .map(|(tag, dossiers)| Page::Tag(&tag.name, &tag.slug, dossiers)),
    );
    if site.config.base_url.is_some() {
        jobs.push(Page::Sitemap);
        jobs.push(Page::Feed);
    }
    // The same for every page, and it looks at every dossier: made once.
    let context = site_context(site);
    let mut files: Vec<SiteFile> = jobs
        .par_iter()
        .map(|page| render_page(site, &context, tera, options, page))
        .collect::<Result<_, _>>()?;
    files.push((
        "assets/search-index.js".to_string(),
        search_index(site).into_bytes(),
    ));
    files.extend(ASSETS.iter().map(|(path, builtin)| {
        let name = path.trim_start_matches("assets/");
        let text = options.overrides.get(name).map_or(*builtin, String::as_str);
        (path.to_string(), text.as_bytes().to_vec())
    }));
    files.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(files)
}

enum Page<'a> {
    Index,
    Timeline,
    Sources,
    NotFound,
    Sitemap,
    Feed,
    Dossier(&'a Dossier),
    Entity(&'a Entity),
    Tag(&'a str, &'a str, &'a [crate::model::DossierRef]),
}

fn render_page(
    site: &Site,
    site_context: &SiteContext,
    tera: &Tera,
    options: SiteOptions,
    page: &Page,
) -> Result<SiteFile, String> {
    let (path, template, depth) = match page {
        Page::Index => ("index.html".to_string(), "index.html", 0),
        Page::Timeline => ("timeline/index.html".to_string(), "timeline.html", 1),
        Page::Sources => ("sources/index.html".to_string(), "sources.html", 1),
        Page::NotFound => ("404.html".to_string(), "404.html", 0),
        Page::Sitemap => ("sitemap.xml".to_string(), "sitemap.xml", 0),
        Page::Feed => ("atom.xml".to_string(), "atom.xml", 0),
        Page::Dossier(d) => (format!("dossiers/{}/index.html", d.id), "dossier.html", 2),
        Page::Entity(e) => (format!("entities/{}/index.html", e.id), "entity.html", 2),
        Page::Tag(_, slug, _) => (format!("tags/{slug}/index.html"), "tag.html", 2),
    };
    // Every link is relative, the 404 page's too (the format requires it); a host that
    // serves it for a nested address shows it unstyled.
    let links = PageLinks {
        root: "../".repeat(depth),
    };
    let mut context = Context::new();
    context.insert("site", site_context);
    context.insert("root", &links.root);
    context.insert("path", &path);
    match page {
        Page::Index | Page::Sitemap | Page::Feed => {
            let dossiers: Vec<Value> = site
                .dossiers
                .iter()
                .map(|d| dossier_summary(d, &links))
                .collect();
            context.insert("dossiers", &dossiers);
            let entities: Vec<&str> = site.entities.iter().map(|e| e.id.as_str()).collect();
            context.insert("entities", &entities);
            context.insert(
                "tags",
                &site
                    .tags
                    .iter()
                    .map(|(t, ds)| json!({"name": t.name, "slug": t.slug, "count": ds.len()}))
                    .collect::<Vec<_>>(),
            );
        }
        Page::Timeline => context.insert("events", &timeline(&site.timeline, site, &links)),
        Page::Sources => {
            let shown: Vec<&Source> = site.sources.iter().filter(|s| !s.anonymous).collect();
            context.insert("sources", &shown);
        }
        Page::NotFound => {}
        Page::Dossier(d) => context.insert("dossier", &dossier_context(d, site, &links, options)),
        Page::Entity(e) => {
            let description = e.description.as_ref().map(|p| to_html(p, &links));
            context.insert("entity", e);
            context.insert("description_html", &description);
        }
        Page::Tag(name, slug, dossiers) => {
            context.insert("tag", &json!({"name": name, "slug": slug}));
            let list: Vec<Value> = dossiers
                .iter()
                .filter_map(|r| site.dossier(&r.id))
                .map(|d| dossier_summary(d, &links))
                .collect();
            context.insert("dossiers", &list);
        }
    }
    let html = tera.render(template, &context).map_err(|e| {
        format!(
            "template `{template}` failed for {path}: {}",
            describe_tera_error(&e)
        )
    })?;
    Ok((path, html.into_bytes()))
}

#[derive(Serialize)]
struct SiteContext<'a> {
    title: &'a str,
    description: Option<&'a str>,
    lang: &'a str,
    authors: &'a [String],
    base_url: Option<&'a str>,
    internal: bool,
    dossier_count: usize,
    entity_count: usize,
    source_count: usize,
    event_count: usize,
    updated: Option<String>,
}

fn site_context(site: &Site) -> SiteContext<'_> {
    SiteContext {
        title: &site.config.title,
        description: site.config.description.as_deref(),
        lang: &site.config.lang,
        authors: &site.config.authors,
        base_url: site.config.base_url.as_deref(),
        internal: site.profile.internal,
        dossier_count: site.dossiers.len(),
        entity_count: site.entities.len(),
        source_count: site.sources.iter().filter(|s| !s.anonymous).count(),
        event_count: site.timeline.len(),
        // The newest date in the content, never the clock: same input, same bytes.
        updated: site.last_updated().map(|d| feed_date(&d)),
    }
}

/// An RFC 3339 timestamp for a content date (the feed needs full timestamps).
fn feed_date(date: &crate::model::Date) -> String {
    format!(
        "{:04}-{:02}-{:02}T00:00:00Z",
        date.year,
        date.month.unwrap_or(1),
        date.day.unwrap_or(1)
    )
}

fn dossier_summary(d: &Dossier, links: &PageLinks) -> Value {
    json!({
        "id": d.id,
        "title": d.title,
        "date": d.date,
        "feed_date": feed_date(&d.updated.unwrap_or(d.date)),
        "status": d.status,
        "confidence": d.confidence,
        "restricted": d.restricted,
        "draft": d.draft,
        "summary_html": d.summary.as_ref().map(|p| to_html(p, links)),
        "summary_text": d.summary_text,
        "tags": d.tags,
        "note_count": d.notes.len(),
        "source_count": d.sources.len(),
    })
}

fn dossier_context(d: &Dossier, site: &Site, links: &PageLinks, options: SiteOptions) -> Value {
    let notes: Vec<Value> = d
        .notes
        .iter()
        .map(|n| {
            let html = match &n.content {
                NoteContent::Citation(entries) => citation_html(entries),
                NoteContent::Footnote(pieces) => to_html(pieces, links),
            };
            json!({"number": n.number, "refs": n.refs, "html": html, "citation": matches!(n.content, NoteContent::Citation(_))})
        })
        .collect();
    let sources: Vec<Source> = d
        .sources
        .iter()
        .map(|&i| listed(&site.sources[i]))
        .collect();
    let mut value = serde_json::to_value(d).unwrap_or(Value::Null);
    if let Value::Object(map) = &mut value {
        map.insert("body_html".into(), Value::String(to_html(&d.body, links)));
        map.insert(
            "summary_html".into(),
            json!(d.summary.as_ref().map(|p| to_html(p, links))),
        );
        map.insert("notes".into(), Value::Array(notes));
        map.insert("source_list".into(), json!(sources));
        map.insert("events".into(), json!(timeline(&d.timeline, site, links)));
        map.insert(
            "pdf".into(),
            json!(options
                .with_pdfs
                .then(|| format!("{}pdf/{}.pdf", links.root, d.id))),
        );
    }
    value
}

/// A source as a dossier page lists it: without the dossiers citing it, which only the
/// sources register shows. Carried onto every dossier page, they made the site grow with
/// the square of the number of dossiers citing one source.
fn listed(source: &Source) -> Source {
    Source {
        anchor: source.anchor.clone(),
        id: source.id.clone(),
        title: source.title.clone(),
        kind: source.kind,
        publisher: source.publisher.clone(),
        authors: source.authors.clone(),
        date: source.date,
        url: source.url.clone(),
        archive_url: source.archive_url.clone(),
        accessed: source.accessed,
        grade: source.grade.clone(),
        confidential: source.confidential,
        anonymous: source.anonymous,
        notes: source.notes.clone(),
        cited_by: Vec::new(),
    }
}

fn timeline(events: &[TimelineEvent], site: &Site, links: &PageLinks) -> Vec<Value> {
    events
        .iter()
        .map(|e| {
            let sources: Vec<Value> = e
                .sources
                .iter()
                .map(|&i| {
                    let s = &site.sources[i];
                    json!({"title": s.title, "anchor": s.anchor, "anonymous": s.anonymous})
                })
                .collect();
            json!({
                "date": e.date,
                "html": to_html(&e.event, links),
                "dossier": e.dossier,
                "sources": sources,
                "entities": e.entities,
            })
        })
        .collect()
}

/// The search index as a script (a JSON file cannot be fetched from `file://`): per dossier
/// its title, summary and URL, and its words folded to ASCII lowercase.
fn search_index(site: &Site) -> String {
    // Every entity a dossier names, in its front matter or its text.
    let mut named: BTreeMap<&str, Vec<&Entity>> = BTreeMap::new();
    for entity in &site.entities {
        for mention in &entity.mentions {
            named
                .entry(mention.dossier.id.as_str())
                .or_default()
                .push(entity);
        }
    }
    let entries: Vec<Value> = site
        .dossiers
        .iter()
        .map(|d| {
            let mut words = vec![
                d.title.as_str(),
                d.summary_text.as_deref().unwrap_or(""),
                d.plain_text.as_str(),
            ];
            for entity in named.get(d.id.as_str()).into_iter().flatten() {
                words.push(&entity.name);
                words.extend(entity.aliases.iter().map(String::as_str));
            }
            words.extend(d.tags.iter().map(|t| t.name.as_str()));
            json!({
                "t": d.title,
                "u": format!("dossiers/{}/index.html", d.id),
                "s": d.summary_text.clone().unwrap_or_default(),
                "d": d.date.display(),
                "k": unique_words(&fold(&words.join(" "))),
            })
        })
        .collect();
    let json = serde_json::to_string(&entries).unwrap_or_else(|_| "[]".to_string());
    // `</` cannot end the script early when the index is inlined or served as a script.
    format!("window.CASEFILE_SEARCH = {};\n", json.replace("</", "<\\/"))
}

/// Each word once, in order of first appearance: the index needs no repeats.
fn unique_words(folded: &str) -> String {
    let mut seen = std::collections::BTreeSet::new();
    folded
        .split(' ')
        .filter(|w| seen.insert(*w))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Text folded for accent-insensitive search: ASCII, lowercase, single spaces.
pub fn fold(text: &str) -> String {
    let folded = deunicode::deunicode(text).to_lowercase();
    let mut out = String::with_capacity(folded.len());
    for word in folded
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}
