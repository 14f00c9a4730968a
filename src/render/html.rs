//! The static site: one tera template per kind of page, rendered from the resolved site.
//! Every link is relative (each page knows its way up to the root), so the site works from
//! disk and under any path. Rendering a page is a pure function of the site and the page.

use std::collections::BTreeMap;

use rayon::prelude::*;
use serde::Serialize;
use serde_json::{json, Value};
use tera::{Context, Tera};

use crate::i18n::Words;
use crate::model::{Date, Dossier, Entity, NoteContent, Site, Source, TimelineEvent};
use crate::render::chart::network::{self, Drawing, Graph};
use crate::render::markup::{citation_html, escape_html, to_html, BodyLabels, PageLinks};
use crate::render::{dossier_path, entity_path, template_error};

/// The built-in templates, embedded in the binary; a project's `templates/` overrides them
/// by file name.
pub const BUILTIN_TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("../../templates/base.html")),
    ("index.html", include_str!("../../templates/index.html")),
    ("dossier.html", include_str!("../../templates/dossier.html")),
    ("entity.html", include_str!("../../templates/entity.html")),
    ("tag.html", include_str!("../../templates/tag.html")),
    (
        "entities.html",
        include_str!("../../templates/entities.html"),
    ),
    ("tags.html", include_str!("../../templates/tags.html")),
    (
        "timeline.html",
        include_str!("../../templates/timeline.html"),
    ),
    ("sources.html", include_str!("../../templates/sources.html")),
    ("404.html", include_str!("../../templates/404.html")),
    ("macros.html", include_str!("../../templates/macros.html")),
    (
        "evidence.html",
        include_str!("../../templates/evidence.html"),
    ),
    ("desk.html", include_str!("../../templates/desk.html")),
    ("sorter.html", include_str!("../../templates/sorter.html")),
    ("network.html", include_str!("../../templates/network.html")),
    (
        "neighbourhood.html",
        include_str!("../../templates/neighbourhood.html"),
    ),
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
pub fn templates(overrides: &BTreeMap<String, String>) -> Result<Tera, template_error::Described> {
    let mut tera = Tera::default();
    tera.autoescape_on(vec![".html", ".xml"]);
    tera.set_escape_fn(escape_html);
    tera.register_filter("fill", fill);
    let mut all: BTreeMap<&str, &str> = BUILTIN_TEMPLATES.iter().copied().collect();
    for (name, text) in overrides {
        if all.contains_key(name.as_str()) {
            all.insert(name, text);
        }
    }
    tera.add_raw_templates(all.into_iter().collect::<Vec<_>>())
        .map_err(|e| template_error::describe(&e, overrides))?;
    Ok(tera)
}

/// The `fill` filter: an interface string with its `{name}` placeholders filled in by the
/// filter's arguments (`{{ t.back_to_note | fill(n=n.number) }}`).
fn fill(value: &Value, args: &std::collections::HashMap<String, Value>) -> tera::Result<Value> {
    let mut text = value
        .as_str()
        .ok_or_else(|| tera::Error::msg("`fill` takes text"))?
        .to_string();
    // Placeholders are distinct, so the order of filling does not matter.
    #[allow(clippy::iter_over_hash_type)]
    for (name, arg) in args {
        let with = match arg {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        text = text.replace(&format!("{{{name}}}"), &with);
    }
    Ok(Value::String(text))
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
    let shared = SharedContext::new(site);
    let mut files: Vec<SiteFile> = pages(site)
        .par_iter()
        .map(|page| {
            let job = page_job(site, &shared, options, page);
            let path = job.path.clone();
            Ok((path, render(tera, job, options.overrides)?))
        })
        .collect::<Result<_, String>>()?;
    files.extend(static_files(site, options));
    files.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(files)
}

/// The files of the site that are not rendered through a template: the search index and the
/// assets (the project's `style.css` and `search.js` replacing the built-in ones).
pub fn static_files(site: &Site, options: SiteOptions) -> Vec<SiteFile> {
    let mut files = vec![(
        "assets/search-index.js".to_string(),
        search_index(site).into_bytes(),
    )];
    files.extend(ASSETS.iter().map(|(path, builtin)| {
        let name = path.trim_start_matches("assets/");
        let text = options.overrides.get(name).map_or(*builtin, String::as_str);
        (path.to_string(), text.as_bytes().to_vec())
    }));
    files
}

/// Every page the site has.
pub fn pages(site: &Site) -> Vec<Page<'_>> {
    let mut pages: Vec<Page> = vec![
        Page::Index,
        Page::Timeline,
        Page::Sources,
        Page::Entities,
        Page::Tags,
        Page::Network,
        Page::NotFound,
    ];
    pages.extend(site.dossiers.iter().map(Page::Dossier));
    pages.extend(site.entities.iter().map(Page::Entity));
    pages.extend(
        site.tags
            .iter()
            .map(|(tag, dossiers)| Page::Tag(&tag.name, &tag.slug, dossiers)),
    );
    // The desk is for editors: only an internal build has it.
    if site.profile.internal {
        pages.push(Page::Desk);
    }
    // A sitemap and a feed invite crawlers and readers: an internal build has neither.
    if site.config.base_url.is_some() && !site.profile.internal {
        pages.push(Page::Sitemap);
        pages.push(Page::Feed);
    }
    pages
}

/// One page of the site.
#[derive(Debug)]
pub enum Page<'a> {
    /// The list of every dossier.
    Index,
    /// Every dated event.
    Timeline,
    /// The register of sources.
    Sources,
    /// Every entity a built dossier names, by kind.
    Entities,
    /// Every tag, with its dossiers' count.
    Tags,
    /// The network of entities and dossiers.
    Network,
    /// The page for an address that does not exist.
    NotFound,
    /// The editors' desk: dossiers weakest first (internal builds only).
    Desk,
    /// `sitemap.xml`.
    Sitemap,
    /// `atom.xml`.
    Feed,
    /// A dossier.
    Dossier(&'a Dossier),
    /// An entity.
    Entity(&'a Entity),
    /// A tag: its name, slug and dossiers.
    Tag(&'a str, &'a str, &'a [crate::model::DossierRef]),
}

/// What is the same on every page, computed once per site: the values every template gets
/// as `site`, and which entities each dossier names (for the entity pages' drawings).
pub struct SharedContext {
    values: Value,
    named: network::Named,
}

impl SharedContext {
    /// The site-wide values and indexes of `site`.
    pub fn new(site: &Site) -> Self {
        SharedContext {
            values: serde_json::to_value(site_context(site)).unwrap_or(Value::Null),
            named: network::Named::of(site),
        }
    }
}

/// A page ready to render: where it goes, its template, and everything the template sees.
/// The rendered page is a pure function of the template and these values.
pub struct PageJob {
    /// The path under `site/`.
    pub path: String,
    /// The template's name.
    pub template: &'static str,
    /// The template's variables.
    pub values: serde_json::Map<String, Value>,
}

/// The path, template and context of one page.
pub fn page_job(site: &Site, shared: &SharedContext, options: SiteOptions, page: &Page) -> PageJob {
    let (path, template, depth) = match page {
        Page::Index => ("index.html".to_string(), "index.html", 0),
        Page::Timeline => ("timeline/index.html".to_string(), "timeline.html", 1),
        Page::Sources => ("sources/index.html".to_string(), "sources.html", 1),
        Page::Entities => ("entities/index.html".to_string(), "entities.html", 1),
        Page::Tags => ("tags/index.html".to_string(), "tags.html", 1),
        Page::NotFound => ("404.html".to_string(), "404.html", 0),
        Page::Desk => ("desk/index.html".to_string(), "desk.html", 1),
        Page::Network => ("network/index.html".to_string(), "network.html", 1),
        Page::Sitemap => ("sitemap.xml".to_string(), "sitemap.xml", 0),
        Page::Feed => ("atom.xml".to_string(), "atom.xml", 0),
        Page::Dossier(d) => (dossier_path(&d.id), "dossier.html", 2),
        Page::Entity(e) => (entity_path(&e.id), "entity.html", 2),
        Page::Tag(_, slug, _) => (format!("tags/{slug}/index.html"), "tag.html", 2),
    };
    // Every link is relative, the 404 page's too (the format requires it); a host that
    // serves it for a nested address shows it unstyled.
    // A dossier's page is in the dossier's language; every other page in the site's.
    let lang = match page {
        Page::Dossier(d) => d.lang.as_str(),
        _ => site.config.lang.as_str(),
    };
    let words = site.interface.words(lang);
    let links = PageLinks {
        root: "../".repeat(depth),
        withheld: words.get("withheld").to_string(),
        labels: BodyLabels {
            task_done: words.get("task_done").to_string(),
            task_open: words.get("task_open").to_string(),
            table: words.get("table").to_string(),
            code: words.get("code").to_string(),
        },
    };
    let mut context = Context::new();
    context.insert("site", &shared.values);
    context.insert("root", &links.root);
    context.insert("path", &path);
    context.insert("lang", lang);
    context.insert("t", words.table());
    context.insert("alternates", &alternates(page, &links));
    context.insert("meta", &page_meta(site, page, &path));
    insert_page_values(&mut context, site, shared, options, page, &links);
    let mut values = match context.into_json() {
        Value::Object(values) => values,
        _ => serde_json::Map::new(),
    };
    for value in values.values_mut() {
        localize_dates(value, words);
    }
    PageJob {
        path,
        template,
        values,
    }
}

/// Renders a page. An error names the template, its line and the page; `overrides` are the
/// project's templates (an error in a built-in one says so).
pub fn render(
    tera: &Tera,
    job: PageJob,
    overrides: &BTreeMap<String, String>,
) -> Result<Vec<u8>, String> {
    let PageJob {
        path,
        template,
        values,
    } = job;
    let internal = values
        .get("site")
        .and_then(|site| site.get("internal"))
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let context = Context::from_value(Value::Object(values))
        .map_err(|e| format!("page {path}: {}", template_error::describe(&e, overrides)))?;
    let html = tera.render(template, &context).map_err(|e| {
        format!(
            "template `{template}` failed for {path}: {}",
            template_error::describe(&e, overrides)
        )
    })?;
    if internal && path.ends_with(".html") {
        if let Some(missing) = missing_internal_mark(&html) {
            return Err(format!(
                "template `{template}` rendered {path} of an internal build without {missing}; \
                 every internal page must carry both (the built-in base.html does; keep its \
                 `site.internal` parts in an override)"
            ));
        }
    }
    Ok(html.into_bytes())
}

/// The `hreflang` alternates of a page: a dossier with published translations lists itself
/// and each of them; other pages have none.
fn alternates(page: &Page, links: &PageLinks) -> Vec<Value> {
    let Page::Dossier(d) = page else {
        return Vec::new();
    };
    if d.translations.is_empty() {
        return Vec::new();
    }
    std::iter::once((&d.id, &d.lang))
        .chain(d.translations.iter().map(|t| (&t.id, &t.lang)))
        .map(|(id, lang)| json!({"lang": lang, "href": format!("{}{}", links.root, dossier_path(id))}))
        .collect()
}

/// Every date among a page's values (an object of exactly `iso` and `display`) made to
/// read in the page's language: `display` is written by [`Words::date`].
fn localize_dates(value: &mut Value, words: &Words) {
    match value {
        Value::Object(map) => {
            let date = (map.len() == 2)
                .then(|| map.get("display").and(map.get("iso")))
                .flatten()
                .and_then(Value::as_str)
                .and_then(Date::parse);
            match date {
                Some(date) => {
                    map.insert("display".into(), Value::String(words.date(&date)));
                }
                None => map.values_mut().for_each(|v| localize_dates(v, words)),
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| localize_dates(v, words)),
        _ => {}
    }
}

fn insert_page_values(
    context: &mut Context,
    site: &Site,
    shared: &SharedContext,
    options: SiteOptions,
    page: &Page,
    links: &PageLinks,
) {
    match page {
        Page::Index | Page::Sitemap | Page::Feed => {
            let dossiers: Vec<Value> = site
                .dossiers
                .iter()
                .map(|d| dossier_summary(d, links))
                .collect();
            context.insert("dossiers", &dossiers);
            context.insert("languages", &languages(site));
            let entities: Vec<&str> = site.entities.iter().map(|e| e.id.as_str()).collect();
            context.insert("entities", &entities);
            context.insert("tags", &tag_list(site));
        }
        Page::Timeline => {
            context.insert("events", &timeline(&site.timeline, site, links));
            let drawing = crate::render::chart::timeline::Drawing {
                root: Some(&links.root),
                words: site.words(),
                width: 960.0,
            };
            context.insert(
                "timeline_chart",
                &crate::render::chart::timeline::svg(&site.timeline, &drawing),
            );
            context.insert(
                "timeline_left_out",
                &crate::render::chart::timeline::left_out(&site.timeline),
            );
        }
        Page::Sources => {
            let shown: Vec<Value> = site
                .sources
                .iter()
                .filter(|s| !s.anonymous)
                .map(|s| {
                    let mut value = serde_json::to_value(s).unwrap_or(Value::Null);
                    if let Value::Object(fields) = &mut value {
                        fields.insert("cited_by".into(), json!(s.cited_by));
                    }
                    value
                })
                .collect();
            context.insert("sources", &shown);
        }
        Page::NotFound => {}
        Page::Entities => context.insert("groups", &entity_groups(site)),
        Page::Tags => context.insert("tags", &tag_list(site)),
        Page::Network => {
            let graph = Graph::whole(site, &shared.named);
            let words = site.words();
            let title = graph.title(words);
            let drawing = Drawing {
                id: "network",
                title: &title,
                size: graph.size(960.0),
                root: Some(&links.root),
                focus: None,
            };
            context.insert("network", &network_context(&graph, &drawing));
        }
        Page::Desk => {
            let desk: Vec<Value> = crate::render::evidence::weakest_first(site)
                .into_iter()
                .map(|(d, evidence)| json!({"dossier": dossier_summary(d, links), "evidence": evidence, "fair": evidence.fair_percent()}))
                .collect();
            context.insert("desk", &desk);
        }
        Page::Dossier(d) => context.insert("dossier", &dossier_context(d, site, links, options)),
        Page::Entity(e) => {
            let description = e.description.as_ref().map(|p| to_html(p, links));
            context.insert("entity", e);
            context.insert("description_html", &description);
            let graph = Graph::neighbourhood(site, &shared.named, e);
            let title = site
                .words()
                .fill("network_neighbourhood_title", &[("name", e.name.as_str())]);
            let drawing = Drawing {
                id: "neighbourhood",
                title: &title,
                size: (720.0, 420.0),
                root: Some(&links.root),
                focus: Some(&e.id),
            };
            context.insert("network", &network_context(&graph, &drawing));
        }
        Page::Tag(name, slug, dossiers) => {
            context.insert("tag", &json!({"name": name, "slug": slug}));
            let list: Vec<Value> = dossiers
                .iter()
                .filter_map(|r| site.dossier(&r.id))
                .map(|d| dossier_summary(d, links))
                .collect();
            context.insert("dossiers", &list);
        }
    }
}

/// What a page says of itself to search engines and link previews: its description (a
/// dossier's summary, else the site's), OpenGraph title and type, and, when the site has a
/// `base_url` and is public, its public address (`og:url`; not a `<link rel=canonical>`,
/// since every link of the site is relative).
fn page_meta(site: &Site, page: &Page, path: &str) -> Value {
    let (title, description, kind) = match page {
        Page::Dossier(d) => (
            d.title.as_str(),
            d.summary_text
                .as_deref()
                .or(site.config.description.as_deref()),
            "article",
        ),
        Page::Entity(e) => (
            e.name.as_str(),
            site.config.description.as_deref(),
            "website",
        ),
        _ => (
            site.config.title.as_str(),
            site.config.description.as_deref(),
            "website",
        ),
    };
    let canonical = site
        .config
        .base_url
        .as_deref()
        .filter(|_| !site.profile.internal && !matches!(page, Page::NotFound))
        .map(|base| format!("{base}{}", path.trim_end_matches("index.html")));
    json!({
        "title": title,
        "description": description.map(|d| d.split_whitespace().collect::<Vec<_>>().join(" ")),
        "type": kind,
        "canonical": canonical,
    })
}

/// The entities by kind (kinds in the order the format lists them), each in the site's
/// order (by name), with the number of dossiers that name it.
fn entity_groups(site: &Site) -> Vec<Value> {
    let mut groups: BTreeMap<crate::model::EntityKind, Vec<&crate::model::Entity>> =
        BTreeMap::new();
    for e in &site.entities {
        groups.entry(e.kind).or_default().push(e);
    }
    groups
        .into_iter()
        .map(|(kind, entities)| {
            let listed: Vec<Value> = entities
                .iter()
                .map(|e| {
                    json!({
                        "id": e.id,
                        "name": e.name,
                        "aliases": e.aliases,
                        "restricted": e.restricted,
                        "count": e.mentions.len(),
                    })
                })
                .collect();
            json!({ "kind": kind.as_str(), "entities": listed })
        })
        .collect()
}

/// Every tag with its slug and its number of dossiers, as the site orders tags.
fn tag_list(site: &Site) -> Vec<Value> {
    site.tags
        .iter()
        .map(|(t, ds)| json!({"name": t.name, "slug": t.slug, "count": ds.len()}))
        .collect()
}

/// A network drawing and the same links as a list, for a template.
fn network_context(graph: &Graph, drawing: &Drawing) -> Value {
    if graph.links.is_empty() {
        return json!({"svg": null, "links": [], "legend": []});
    }
    let links: Vec<Value> = graph
        .links
        .iter()
        .map(|l| {
            let (d, e) = (&graph.nodes[l.dossier], &graph.nodes[l.entity]);
            json!({"dossier": d.label, "dossier_href": d.href(), "entity": e.label, "entity_href": e.href(), "role": l.role})
        })
        .collect();
    let kinds: std::collections::BTreeSet<Option<crate::model::EntityKind>> =
        graph.nodes.iter().map(|n| n.kind).collect();
    let legend: Vec<Value> = network::legend()
        .into_iter()
        .filter(|(kind, _)| kinds.contains(kind))
        .map(|(kind, colour)| json!({"kind": kind, "colour": colour}))
        .collect();
    json!({"svg": network::svg(graph, drawing), "links": links, "legend": legend})
}

/// What marks every page of an internal build: the robots meta element that keeps it out of
/// search engines, and a banner saying INTERNAL.
const NOINDEX_META: &str = r#"<meta name="robots" content="noindex">"#;

/// The first mark an internal page lacks, if any. The built-in templates always add them;
/// this catches a template override that dropped them.
fn missing_internal_mark(html: &str) -> Option<String> {
    if !html.contains(NOINDEX_META) {
        Some(format!("`{NOINDEX_META}`"))
    } else if !html.contains("INTERNAL") {
        Some("the word INTERNAL".to_string())
    } else {
        None
    }
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

/// The languages of the published dossiers (by primary language, each named in itself), for
/// the index's filter.
fn languages(site: &Site) -> Vec<Value> {
    let primaries: std::collections::BTreeSet<String> = site
        .dossiers
        .iter()
        .map(|d| crate::i18n::primary(&d.lang))
        .collect();
    primaries
        .into_iter()
        .map(|lang| {
            let name = site.interface.words(&lang).get("language_name").to_string();
            // A language without a table of its own is named by its code.
            let name = if site.interface.speaks(&lang) {
                name
            } else {
                lang.clone()
            };
            json!({"lang": lang, "name": name})
        })
        .collect()
}

fn dossier_summary(d: &Dossier, links: &PageLinks) -> Value {
    json!({
        "id": d.id,
        "title": d.title,
        "lang": d.lang,
        "primary_lang": crate::i18n::primary(&d.lang),
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
        "coverage": d.coverage.percent(),
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
    // A dossier page does not list who else cites its sources (`cited_by` is not serialised).
    let sources: Vec<&Source> = d.sources.iter().map(|&i| &site.sources[i]).collect();
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
            "evidence".into(),
            json!(crate::render::evidence::Evidence::of(site, d)),
        );
        map.insert(
            "pdf".into(),
            json!(options
                .with_pdfs
                .then(|| format!("{}pdf/{}.pdf", links.root, d.id))),
        );
        map.insert(
            "translation_links".into(),
            translation_links(d, site, links, options),
        );
    }
    value
}

/// Links to a dossier's translations, each labelled in the language it leads to ("En
/// español", "In English").
fn translation_links(d: &Dossier, site: &Site, links: &PageLinks, options: SiteOptions) -> Value {
    let list: Vec<Value> = d
        .translations
        .iter()
        .map(|t| {
            json!({
                "id": t.id,
                "title": t.title,
                "lang": t.lang,
                "label": site.interface.words(&t.lang).get("read_in"),
                "href": format!("{}{}", links.root, dossier_path(&t.id)),
                "pdf": options.with_pdfs.then(|| format!("{}pdf/{}.pdf", links.root, t.id)),
            })
        })
        .collect();
    Value::Array(list)
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
                "u": dossier_path(&d.id),
                "s": d.summary_text.clone().unwrap_or_default(),
                "d": site.words().date(&d.date),
                "k": unique_words(&fold(&words.join(" "))),
            })
        })
        .collect();
    // Entities are found by name and alias; a dossier naming one is found by it too.
    let words = site.words();
    let entries: Vec<Value> = entries
        .into_iter()
        .chain(site.entities.iter().map(|e| {
            let mut names = vec![e.name.as_str()];
            names.extend(e.aliases.iter().map(String::as_str));
            json!({
                "t": e.name,
                "u": entity_path(&e.id),
                "s": e.aliases.join(", "),
                "d": words.get(&format!("entity_kind.{}", e.kind.as_str())),
                "k": unique_words(&fold(&names.join(" "))),
            })
        }))
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

/// Text folded for accent-insensitive search: ASCII, lowercase, single spaces, except the
/// ñ, which Spanish readers take for a letter of its own (`año` is not `ano`): it stays, in
/// lower case, and the search script lets a query without ñ find it too.
pub fn fold(text: &str) -> String {
    // A decomposed ñ (n and a combining tilde) is the same letter.
    let composed = text.replace("n\u{303}", "ñ").replace("N\u{303}", "ñ");
    let folded: String = composed
        .split(['ñ', 'Ñ'])
        .map(|part| deunicode::deunicode(part).to_lowercase())
        .collect::<Vec<_>>()
        .join("ñ");
    let mut out = String::with_capacity(folded.len());
    for word in folded
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == 'ñ'))
        .filter(|w| !w.is_empty())
    {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn search_folds_accents_but_keeps_the_enye() {
        assert_eq!(super::fold("Almoloya de Juárez"), "almoloya de juarez");
        assert_eq!(super::fold("AÑO Peña Nieto, año"), "año peña nieto año");
        assert_eq!(super::fold("Pen\u{303}a"), "peña");
        assert_eq!(super::fold("Ünïcödé ça"), "unicode ca");
    }
}
