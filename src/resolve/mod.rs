//! From parsed files to the one resolved model: ids indexed, every reference checked (on all
//! content, whatever the profile), then the [`Site`] built with only what the profile may
//! publish. Renderers receive the `Site` and nothing else.

pub mod body;
pub mod index;
pub mod validate;

use std::collections::{BTreeMap, BTreeSet};

use rayon::prelude::*;

use crate::diagnostics::{Diagnostic, SourceTexts};
use crate::i18n::{Interface, Words};
use crate::load::Project;
use crate::model::Config;
use crate::model::*;
use crate::parse::catalog::{Catalog, EntityDef, SourceDef};
use crate::parse::markdown::{self, RawPiece};
use crate::parse::{self, ParsedDossier};
use body::BodyResolver;
use index::{Broken, Index, Named, SourceAt};

/// The whole project parsed, indexed and checked: the input of [`build_site`].
#[derive(Debug)]
pub struct Checked {
    /// Settings.
    pub config: Config,
    /// Every dossier that could be parsed.
    pub dossiers: Vec<ParsedDossier>,
    /// Every valid entity.
    pub entities: Vec<EntityDef>,
    /// Entity descriptions, parsed, in the order of `entities`.
    pub descriptions: Vec<Option<Vec<RawPiece>>>,
    /// Every valid global source.
    pub sources: Vec<SourceDef>,
    /// Id lookups.
    pub index: Index,
    /// The interface strings, the project's own laid over the built-in ones.
    pub interface: Interface,
    /// Every problem found.
    pub diagnostics: Vec<Diagnostic>,
    /// The texts diagnostics point into.
    pub texts: SourceTexts,
}

const ENTITIES_FILE: &str = "content/entities.yaml";
const SOURCES_FILE: &str = "content/sources.yaml";

/// Parses and checks everything loaded.
pub fn check(project: &Project) -> Checked {
    let mut diagnostics = Vec::new();
    let mut texts = SourceTexts::default();
    let mut config = match &project.config {
        Some(file) => {
            texts.insert(&file.label, &file.text);
            crate::parse::config::parse(&file.label, &file.text, &mut diagnostics)
        }
        None => Config::default(),
    };
    let interface = interface(project, &mut texts, &mut diagnostics);
    if let Some(file) = &project.config {
        let span = crate::parse::config::lang_span(&file.text);
        diagnostics.extend(
            span.and_then(|span| interface.fallback_warning(&config.lang, &file.label, span)),
        );
    }
    let entities = project
        .entities
        .as_ref()
        .map_or_else(Catalog::default, |f| {
            texts.insert(&f.label, &f.text);
            parse::parse_entities(f, &mut diagnostics)
        });
    let descriptions: Vec<Option<Vec<RawPiece>>> = entities
        .defs
        .iter()
        .map(|e| {
            e.description.as_ref().map(|d| {
                markdown::parse_body(ENTITIES_FILE, &d.value, d.span.start, &mut diagnostics).pieces
            })
        })
        .collect();
    let sources = project.sources.as_ref().map_or_else(Catalog::default, |f| {
        texts.insert(&f.label, &f.text);
        parse::parse_sources(f, &mut diagnostics)
    });
    let results: Vec<_> = project
        .dossiers
        .par_iter()
        .map(|file| {
            let mut diags = Vec::new();
            let parsed = parse::parse_dossier(file, &mut diags);
            (parsed, diags)
        })
        .collect();
    let mut dossiers = Vec::with_capacity(results.len());
    let mut unparsed = Vec::new();
    for (file, (parsed, diags)) in project.dossiers.iter().zip(results) {
        texts.insert(&file.label, &file.text);
        diagnostics.extend(diags);
        match parsed {
            Some(parsed) => dossiers.push(parsed),
            None => unparsed.extend(parse::file_name_id(&file.label)),
        }
    }
    for dossier in &dossiers {
        if let Some(lang) = &dossier.meta.lang {
            let warning = interface.fallback_warning(&lang.value, &dossier.file, lang.span.clone());
            diagnostics.extend(warning);
        }
    }
    let broken = broken(&entities, &sources, &dossiers, unparsed);
    let (entities, sources) = (entities.defs, sources.defs);
    let index = Index::build(
        &dossiers,
        &entities,
        ENTITIES_FILE,
        &sources,
        SOURCES_FILE,
        broken,
        &mut diagnostics,
    );
    let images: BTreeSet<String> = project.images.keys().cloned().collect();
    validate::check_references(
        &dossiers,
        (&sources, &descriptions),
        &images,
        &index,
        &mut diagnostics,
    );
    if let Some(file) = &project.config {
        validate::check_pdf_settings(
            &mut config.pdf,
            &file.label,
            &images,
            &index,
            &mut diagnostics,
        );
    }
    crate::diagnostics::sort(&mut diagnostics);
    Checked {
        config,
        dossiers,
        entities,
        descriptions,
        sources,
        index,
        interface,
        diagnostics,
        texts,
    }
}

/// The interface strings, with the project's tables (`templates/i18n/LANG.toml`) read and
/// checked.
fn interface(
    project: &Project,
    texts: &mut SourceTexts,
    diagnostics: &mut Vec<Diagnostic>,
) -> Interface {
    for (name, text) in &project.templates {
        if name.starts_with(crate::i18n::OVERRIDE_DIR) {
            texts.insert(&format!("templates/{name}"), text);
        }
    }
    let (interface, diags) = Interface::new(&project.templates);
    diagnostics.extend(diags);
    interface
}

/// What was defined but left out with an error: the ids of broken entries, of dossiers that
/// could not be parsed (`unparsed`, from their file names), and the files whose ids cannot all
/// be known.
fn broken(
    entities: &Catalog<EntityDef>,
    sources: &Catalog<SourceDef>,
    dossiers: &[ParsedDossier],
    unparsed: Vec<String>,
) -> Broken {
    Broken {
        names: entities
            .broken_ids
            .iter()
            .cloned()
            .chain(unparsed)
            .collect(),
        any_entity: entities.ids_unknown,
        global_sources: sources.broken_ids.iter().cloned().collect(),
        any_global_source: sources.ids_unknown,
        local_sources: dossiers
            .iter()
            .map(|d| d.meta.broken_sources.iter().cloned().collect())
            .collect(),
        any_local_source: dossiers.iter().map(|d| d.meta.unreadable).collect(),
    }
}

/// What a profile publishes, and the sources it shows, shared by the resolvers.
pub struct Published<'a> {
    /// Parsed dossiers.
    pub parsed: &'a [ParsedDossier],
    /// Parsed entities.
    pub entity_defs: &'a [EntityDef],
    /// Id lookups.
    pub index: &'a Index,
    /// Per parsed dossier: published in this profile.
    pub dossiers: Vec<bool>,
    /// Per parsed entity: published in this profile.
    pub entities: Vec<bool>,
    /// The sources this build shows.
    pub sources: Vec<Source>,
    /// Where each shown source came from.
    pub source_index: BTreeMap<SourceAt, usize>,
    /// The interface strings.
    pub interface: &'a Interface,
    /// The site's language.
    pub lang: &'a str,
}

impl Published<'_> {
    /// The language of a parsed dossier: its own `lang` or the site's.
    pub fn lang_of(&self, dossier: usize) -> &str {
        self.parsed[dossier]
            .meta
            .lang
            .as_ref()
            .map_or(self.lang, |l| l.value.as_str())
    }

    /// The interface words of a parsed dossier's language.
    pub fn words_of(&self, dossier: usize) -> &Words {
        self.interface.words(self.lang_of(dossier))
    }
}

/// Builds the model a profile may publish.
pub fn build_site(checked: &Checked, profile: Profile) -> Site {
    let dossiers: Vec<bool> = checked
        .dossiers
        .iter()
        .map(|d| {
            let restricted = d.meta.classification == Some(Classification::Restricted);
            (profile.internal || !restricted) && (profile.drafts || !d.meta.draft)
        })
        .collect();
    let entities = checked
        .entities
        .iter()
        .map(|e| profile.internal || e.classification != Classification::Restricted)
        .collect();
    let mut published = Published {
        parsed: &checked.dossiers,
        entity_defs: &checked.entities,
        index: &checked.index,
        dossiers,
        entities,
        sources: Vec::new(),
        source_index: BTreeMap::new(),
        interface: &checked.interface,
        lang: &checked.config.lang,
    };
    let (sources, source_index) = shown_sources(checked, &published, profile);
    published.sources = sources;
    published.source_index = source_index;

    let mut built: Vec<(usize, Dossier, body::Found)> = (0..checked.dossiers.len())
        .into_par_iter()
        .filter(|&i| published.dossiers[i])
        .map(|i| {
            let (dossier, found) = build_dossier(checked, &published, i);
            (i, dossier, found)
        })
        .collect();
    built.sort_by(|a, b| b.1.date.cmp(&a.1.date).then_with(|| a.1.id.cmp(&b.1.id)));
    add_backlinks(checked, &mut built);
    add_translations(&published, &mut built);
    let mut sources = published.sources.clone();
    for (_, dossier, _) in &built {
        for &s in &dossier.sources {
            sources[s].cited_by.push(dossier.reference());
        }
    }
    let entities = build_entities(checked, &published, &built);
    let tags = collect_tags(&built);
    let mut timeline: Vec<TimelineEvent> = built
        .iter()
        .flat_map(|(_, d, _)| d.timeline.clone())
        .collect();
    timeline.sort_by(|a, b| {
        a.date
            .cmp(&b.date)
            .then_with(|| a.dossier.id.cmp(&b.dossier.id))
    });
    let dossier_positions = built
        .iter()
        .enumerate()
        .map(|(pos, (_, d, _))| (d.id.clone(), pos))
        .collect();
    Site {
        config: checked.config.clone(),
        profile,
        dossier_positions,
        dossiers: built.into_iter().map(|(_, d, _)| d).collect(),
        entities,
        sources,
        tags,
        timeline,
        interface: checked.interface.clone(),
    }
}

/// Links published translations both ways: a dossier lists the one it translates and the
/// ones that translate it. A dossier this build leaves out is not named at all.
fn add_translations(published: &Published, built: &mut [(usize, Dossier, body::Found)]) {
    let position: BTreeMap<usize, usize> = built
        .iter()
        .enumerate()
        .map(|(pos, (i, _, _))| (*i, pos))
        .collect();
    let mut links: Vec<(usize, usize)> = Vec::new();
    for (pos, (i, _, _)) in built.iter().enumerate() {
        let Some(original) = &published.parsed[*i].meta.translation_of else {
            continue;
        };
        if let Some(&other) = published_dossier(published, &original.value)
            .and_then(|d| position.get(&d))
            .filter(|&&other| other != pos)
        {
            links.push((pos, other));
            links.push((other, pos));
        }
    }
    links.sort();
    links.dedup();
    for (from, to) in links {
        let (_, target, _) = &built[to];
        let translation = Translation {
            id: target.id.clone(),
            title: target.title.clone(),
            lang: target.lang.clone(),
        };
        built[from].1.translations.push(translation);
    }
}

/// Every source cited by a published dossier, ordered: global ones by title, then local
/// ones by dossier. Confidential ones are anonymised unless the build is internal.
fn shown_sources(
    checked: &Checked,
    published: &Published,
    profile: Profile,
) -> (Vec<Source>, BTreeMap<SourceAt, usize>) {
    let mut used = BTreeSet::new();
    let mut cited_anywhere = BTreeSet::new();
    for (i, dossier) in checked.dossiers.iter().enumerate() {
        for_each_cited_key(dossier, |key| {
            if let Some(at) = checked.index.source(i, key) {
                cited_anywhere.insert(at);
                if published.dossiers[i] {
                    used.insert(at);
                }
            }
        });
        if published.dossiers[i] {
            used.extend((0..dossier.meta.sources.len()).map(|s| SourceAt::Local(i, s)));
        }
    }
    // A shared source nobody cites is still listed (its warning says so); one cited only by
    // dossiers this build leaves out is not, since it would point at them.
    let uncited = (0..checked.sources.len())
        .map(SourceAt::Global)
        .filter(|at| !cited_anywhere.contains(at));
    used.extend(uncited);
    let mut ordered: Vec<(SourceAt, &SourceDef, String)> = used
        .into_iter()
        .map(|at| match at {
            SourceAt::Global(g) => {
                let def = &checked.sources[g];
                (
                    at,
                    def,
                    format!("0{}\u{0}{}", def.title.to_lowercase(), def.id.value),
                )
            }
            SourceAt::Local(d, s) => {
                let def = &checked.dossiers[d].meta.sources[s];
                (
                    at,
                    def,
                    format!("1{}\u{0}{}", checked.dossiers[d].id.value, def.id.value),
                )
            }
        })
        .collect();
    ordered.sort_by(|a, b| a.2.cmp(&b.2));
    let mut sources = Vec::with_capacity(ordered.len());
    let mut index = BTreeMap::new();
    for (at, def, _) in ordered {
        let anchor = match at {
            SourceAt::Global(_) => format!("src-{}", def.id.value),
            SourceAt::Local(d, _) => {
                format!("src-{}--{}", checked.dossiers[d].id.value, def.id.value)
            }
        };
        index.insert(at, sources.len());
        let mut source = make_source(def, anchor, def.confidential && !profile.internal);
        source.notes = source
            .notes
            .map(|notes| withhold_in_text(published, &notes));
        sources.push(source);
    }
    (sources, index)
}

/// Plain text (a source's notes) with every `[[id…]]` naming a dossier or entity this build
/// leaves out replaced by the withheld word: the id of a restricted dossier must not reach
/// a public build through text that is not Markdown. Other brackets stay as written.
fn withhold_in_text(published: &Published, text: &str) -> String {
    let withheld = published.interface.words(published.lang).get("withheld");
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("[[") {
        let Some(len) = rest[start + 2..].find("]]") else {
            break;
        };
        let inside = &rest[start + 2..start + 2 + len];
        let id = inside.split(['|', '#']).next().unwrap_or_default().trim();
        let left_out = published.index.names.contains_key(id)
            && published_dossier(published, id).is_none()
            && published_entity(published, id).is_none();
        out.push_str(&rest[..start]);
        if left_out {
            out.push_str(withheld);
        } else {
            out.push_str(&rest[start..start + 2 + len + 2]);
        }
        rest = &rest[start + 2 + len + 2..];
    }
    out.push_str(rest);
    out
}

fn make_source(def: &SourceDef, anchor: String, anonymous: bool) -> Source {
    if anonymous {
        return Source {
            title: "Confidential source".to_string(),
            confidential: true,
            anonymous: true,
            ..Source::default()
        };
    }
    Source {
        anchor,
        id: def.id.value.clone(),
        title: def.title.clone(),
        kind: Some(def.kind.unwrap_or(SourceKind::Other)),
        publisher: def.publisher.clone(),
        authors: def.authors.clone(),
        date: def.date,
        url: def.url.clone(),
        archive_url: def.archive_url.clone(),
        accessed: def.accessed,
        grade: def.grade.clone(),
        confidential: def.confidential,
        anonymous: false,
        notes: def.notes.clone(),
        cited_by: Vec::new(),
    }
}

/// Calls `f` with every source key a dossier cites (body, footnotes, summary, timeline).
pub fn for_each_cited_key(dossier: &ParsedDossier, mut f: impl FnMut(&str)) {
    for pieces in dossier.flows() {
        for piece in pieces {
            if let RawPiece::Cite(items) = piece {
                items.iter().for_each(|c| f(&c.key.value));
            }
        }
    }
    for entry in &dossier.meta.timeline {
        entry.sources.iter().for_each(|s| f(&s.value));
    }
}

fn dossier_ref(parsed: &ParsedDossier) -> DossierRef {
    DossierRef {
        id: parsed.id.value.clone(),
        title: parsed
            .meta
            .title
            .as_ref()
            .map(|t| t.value.clone())
            .unwrap_or_default(),
        date: parsed.meta.date.as_ref().map_or(
            Date {
                year: 0,
                month: None,
                day: None,
            },
            |d| d.value,
        ),
        status: parsed.meta.status.unwrap_or(Status::Alleged),
    }
}

fn entity_role(def: &EntityDef, role: Option<String>) -> EntityRole {
    EntityRole {
        id: def.id.value.clone(),
        name: def.name.clone(),
        kind: def.kind,
        role,
    }
}

fn published_entity<'a>(published: &'a Published, id: &str) -> Option<&'a EntityDef> {
    match published.index.names.get(id) {
        Some(&Named::Entity(e)) if published.entities[e] => Some(&published.entity_defs[e]),
        _ => None,
    }
}

fn published_dossier(published: &Published, id: &str) -> Option<usize> {
    match published.index.names.get(id) {
        Some(&Named::Dossier(d)) if published.dossiers[d] => Some(d),
        _ => None,
    }
}

fn build_dossier(checked: &Checked, published: &Published, i: usize) -> (Dossier, body::Found) {
    let parsed = &checked.dossiers[i];
    let meta = &parsed.meta;
    let reference = dossier_ref(parsed);
    let mut resolver = BodyResolver::new(published, i);
    let body = resolver.body(&parsed.body.pieces);
    let words = published.words_of(i);
    let body_text = plain_text(&body, words.get("withheld"));
    let body_headings = headings(&body, words.get("withheld"));
    let summary = parsed.summary.as_ref().map(|s| resolver.inline(s));
    let mut timeline: Vec<TimelineEvent> = meta
        .timeline
        .iter()
        .zip(&parsed.timeline_events)
        .filter_map(|(entry, event)| {
            // Only checked content is built, so every entry has its date and event here.
            let date = entry.date.as_ref()?.value;
            entry.event.as_ref()?;
            let event = resolver.inline(event);
            Some(timeline_event(published, i, &reference, entry, date, event))
        })
        .collect();
    timeline.sort_by_key(|t| t.date);
    let found = resolver.finish();
    let timeline_sources = timeline.iter().flat_map(|t| t.sources.iter().copied());
    let local = (0..meta.sources.len())
        .filter_map(|s| published.source_index.get(&SourceAt::Local(i, s)).copied());
    let mut seen = BTreeSet::new();
    let sources: Vec<usize> = found
        .cited
        .iter()
        .copied()
        .chain(timeline_sources)
        .chain(local)
        .filter(|s| seen.insert(*s))
        .collect();
    let dossier = Dossier {
        id: reference.id.clone(),
        file: parsed.file.clone(),
        title: reference.title.clone(),
        date: reference.date,
        updated: meta.updated.as_ref().map(|d| d.value),
        summary_text: summary
            .as_ref()
            .map(|pieces| plain_text(pieces, words.get("withheld")).trim().to_string()),
        summary,
        status: reference.status,
        confidence: meta.confidence,
        restricted: meta.classification == Some(Classification::Restricted),
        draft: meta.draft,
        authors: meta.authors.clone(),
        lang: published.lang_of(i).to_string(),
        tags: meta
            .tags
            .iter()
            .map(|t| Tag {
                name: t.value.clone(),
                slug: markdown::tag_slug(&t.value),
            })
            .collect(),
        entities: meta
            .entities
            .iter()
            .filter_map(|u| {
                published_entity(published, &u.id.value).map(|def| entity_role(def, u.role.clone()))
            })
            .collect(),
        related: meta
            .related
            .iter()
            .filter_map(|r| {
                published_dossier(published, &r.value).map(|d| dossier_ref(&checked.dossiers[d]))
            })
            .collect(),
        body,
        notes: found.notes.clone(),
        headings: body_headings,
        sources,
        timeline,
        coverage: crate::audit::uncited::coverage(&parsed.body),
        backlinks: Vec::new(),
        translations: Vec::new(),
        plain_text: body_text,
        extra: meta.extra.clone(),
    };
    (dossier, found)
}

fn timeline_event(
    published: &Published,
    dossier: usize,
    reference: &DossierRef,
    entry: &crate::parse::frontmatter::TimelineEntry,
    date: Date,
    event: Vec<Piece>,
) -> TimelineEvent {
    let sources = entry
        .sources
        .iter()
        .filter_map(|s| published.index.source(dossier, &s.value))
        .filter_map(|at| published.source_index.get(&at).copied())
        .collect();
    let entities = entry
        .entities
        .iter()
        .filter_map(|e| published_entity(published, &e.value).map(|def| entity_role(def, None)))
        .collect();
    TimelineEvent {
        date,
        event,
        dossier: reference.clone(),
        sources,
        entities,
    }
}

/// The headings of a resolved body with their published text (a withheld link inside a
/// heading reads `[withheld]` in the table of contents too).
fn headings(body: &[Piece], withheld: &str) -> Vec<Heading> {
    let mut headings = Vec::new();
    let mut open: Option<(u8, String, usize)> = None;
    for (i, piece) in body.iter().enumerate() {
        match piece {
            Piece::Markdown(pulldown_cmark::Event::Start(pulldown_cmark::Tag::Heading {
                level,
                id,
                ..
            })) => {
                open = Some((
                    *level as u8,
                    id.as_deref().unwrap_or_default().to_string(),
                    i + 1,
                ));
            }
            Piece::Markdown(pulldown_cmark::Event::End(pulldown_cmark::TagEnd::Heading(_))) => {
                if let Some((level, anchor, start)) = open.take() {
                    let text = plain_text(&body[start..i], withheld).trim().to_string();
                    headings.push(Heading {
                        level,
                        text,
                        anchor,
                    });
                }
            }
            _ => {}
        }
    }
    headings
}

fn add_backlinks(checked: &Checked, built: &mut [(usize, Dossier, body::Found)]) {
    let position: BTreeMap<usize, usize> = built
        .iter()
        .enumerate()
        .map(|(pos, (i, _, _))| (*i, pos))
        .collect();
    let mut backlinks: Vec<Vec<usize>> = vec![Vec::new(); built.len()];
    for (pos, (i, _, found)) in built.iter().enumerate() {
        let related = checked.dossiers[*i].meta.related.iter().filter_map(|r| {
            match checked.index.names.get(&r.value) {
                Some(&Named::Dossier(d)) => Some(d),
                _ => None,
            }
        });
        for target in found.dossier_links.iter().copied().chain(related) {
            if let Some(&target_pos) = position.get(&target) {
                // Positions come in order, so a repeat can only be the last one pushed.
                if target_pos != pos && backlinks[target_pos].last() != Some(&pos) {
                    backlinks[target_pos].push(pos);
                }
            }
        }
    }
    for (target_pos, mut sources) in backlinks.into_iter().enumerate() {
        sources.sort_unstable();
        built[target_pos].1.backlinks = sources
            .into_iter()
            .map(|pos| built[pos].1.reference())
            .collect();
    }
}

/// Per entity: the published dossiers that name it (positions in `built`, in order) with
/// its role there.
type Mentions = BTreeMap<usize, Vec<(usize, Option<String>)>>;

fn build_entities(
    checked: &Checked,
    published: &Published,
    built: &[(usize, Dossier, body::Found)],
) -> Vec<Entity> {
    let mentions = mentions(checked, published, built);
    let mut companions = companions(&checked.entities, &mentions);
    let mut resolver_owner = None;
    let mut entities: Vec<Entity> = mentions
        .iter()
        .map(|(&e, list)| {
            let def = &checked.entities[e];
            let description =
                checked.descriptions[e].as_ref().map(|raw| {
                    let resolver = resolver_owner
                        .get_or_insert_with(|| BodyResolver::for_catalog(published, ENTITIES_FILE));
                    let pieces = resolver.inline(raw);
                    unlink_entities_without_page(pieces, |id| {
                        checked.index.names.get(id).is_some_and(
                            |n| matches!(n, Named::Entity(i) if mentions.contains_key(i)),
                        )
                    })
                });
            Entity {
                id: def.id.value.clone(),
                name: def.name.clone(),
                kind: def.kind,
                aliases: def.aliases.clone(),
                description,
                restricted: def.classification == Classification::Restricted,
                mentions: list
                    .iter()
                    .map(|(pos, role)| Mention {
                        dossier: built[*pos].1.reference(),
                        role: role.clone(),
                    })
                    .collect(),
                companions: companions.remove(&e).unwrap_or_default(),
                extra: def.extra.clone(),
            }
        })
        .collect();
    entities.sort_by_cached_key(|e| (sort_key(&e.name), e.id.clone()));
    entities
}

/// Which published entities each published dossier names: in its front matter, its
/// timeline or its text, each once, with the role the front matter gives.
fn mentions(
    checked: &Checked,
    published: &Published,
    built: &[(usize, Dossier, body::Found)],
) -> Mentions {
    let mut mentions = Mentions::new();
    for (pos, (i, _, found)) in built.iter().enumerate() {
        let meta = &checked.dossiers[*i].meta;
        let mut seen = BTreeSet::new();
        let front = meta
            .entities
            .iter()
            .map(|u| (u.id.value.as_str(), u.role.clone()));
        let timeline = meta
            .timeline
            .iter()
            .flat_map(|t| t.entities.iter().map(|e| (e.value.as_str(), None)));
        for (id, role) in front.chain(timeline) {
            if let Some(&Named::Entity(e)) = checked.index.names.get(id) {
                if published.entities[e] && seen.insert(e) {
                    mentions.entry(e).or_default().push((pos, role));
                }
            }
        }
        for &e in &found.entity_links {
            if seen.insert(e) {
                mentions.entry(e).or_default().push((pos, None));
            }
        }
    }
    mentions
}

/// Per entity, the entities that appear in the same dossiers ("appears with"): most shared
/// dossiers first, then by name, at most eight. Computed once for the site, and once per
/// set of dossiers: entities named by the same dossiers share one count, so that a dossier
/// naming thousands of entities costs one pass over it, not one per entity. The cost is
/// bounded by the sum, over dossiers, of the square of the entities each names.
fn companions(entities: &[EntityDef], mentions: &Mentions) -> BTreeMap<usize, Vec<Companion>> {
    let mut members: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    let mut groups: BTreeMap<Vec<usize>, Vec<usize>> = BTreeMap::new();
    for (&e, list) in mentions {
        let positions: Vec<usize> = list.iter().map(|(pos, _)| *pos).collect();
        for &pos in &positions {
            members.entry(pos).or_default().push(e);
        }
        groups.entry(positions).or_default().push(e);
    }
    let mut keys = vec![String::new(); entities.len()];
    for &e in mentions.keys() {
        keys[e] = sort_key(&entities[e].name);
    }
    let mut shared = vec![0usize; entities.len()];
    let mut out = BTreeMap::new();
    for (positions, group) in &groups {
        let mut ranked: Vec<usize> = Vec::new();
        for other in positions.iter().flat_map(|pos| &members[pos]) {
            if shared[*other] == 0 {
                ranked.push(*other);
            }
            shared[*other] += 1;
        }
        ranked.sort_by(|a, b| (shared[*b], &keys[*a], a).cmp(&(shared[*a], &keys[*b], b)));
        for &e in group {
            let list = ranked
                .iter()
                .filter(|&&other| other != e)
                .take(8)
                .map(|&other| Companion {
                    id: entities[other].id.value.clone(),
                    name: entities[other].name.clone(),
                    shared: shared[other],
                })
                .collect();
            out.insert(e, list);
        }
        for other in ranked {
            shared[other] = 0;
        }
    }
    out
}

/// An entity gets a page only when a published dossier names it; a description's link to one
/// without a page keeps its text and loses the link.
fn unlink_entities_without_page(pieces: Vec<Piece>, has_page: impl Fn(&str) -> bool) -> Vec<Piece> {
    let mut out = Vec::with_capacity(pieces.len());
    let mut dropped_open = false;
    for piece in pieces {
        match &piece {
            Piece::LinkStart(LinkTarget::Entity { id }) if !has_page(id) => dropped_open = true,
            Piece::LinkEnd if dropped_open => dropped_open = false,
            _ => out.push(piece),
        }
    }
    out
}

/// Sort key for names: accents folded, case ignored.
pub fn sort_key(name: &str) -> String {
    deunicode::deunicode(name).to_lowercase()
}

fn collect_tags(built: &[(usize, Dossier, body::Found)]) -> Vec<(Tag, Vec<DossierRef>)> {
    let mut tags: BTreeMap<String, (Tag, Vec<DossierRef>)> = BTreeMap::new();
    for (_, dossier, _) in built {
        for tag in &dossier.tags {
            let entry = tags
                .entry(tag.slug.clone())
                .or_insert_with(|| (tag.clone(), Vec::new()));
            // Dossiers come one after the other, so a repeated tag can only repeat the last.
            if entry.1.last().map(|d| &d.id) != Some(&dossier.id) {
                entry.1.push(dossier.reference());
            }
        }
    }
    tags.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entity(i: usize) -> EntityDef {
        EntityDef {
            id: Spanned::new(format!("e{i}"), 0..0),
            // Names repeat so that ties on the name fall back to the entity's order.
            name: format!("Name {}", (i * 7) % 11),
            kind: EntityKind::Person,
            aliases: Vec::new(),
            description: None,
            classification: Classification::Public,
            extra: serde_json::Value::Null,
        }
    }

    /// The definition: for each entity, every other one with the number of dossiers both
    /// appear in, most first, then by name, then in entity order; eight at most.
    fn companions_by_definition(
        entities: &[EntityDef],
        mentions: &Mentions,
    ) -> BTreeMap<usize, Vec<Companion>> {
        let sets: BTreeMap<usize, BTreeSet<usize>> = mentions
            .iter()
            .map(|(e, list)| (*e, list.iter().map(|(pos, _)| *pos).collect()))
            .collect();
        sets.iter()
            .map(|(e, mine)| {
                let mut list: Vec<Companion> = sets
                    .iter()
                    .filter(|(other, _)| *other != e)
                    .map(|(other, theirs)| (other, mine.intersection(theirs).count()))
                    .filter(|(_, shared)| *shared > 0)
                    .map(|(other, shared)| Companion {
                        id: entities[*other].id.value.clone(),
                        name: entities[*other].name.clone(),
                        shared,
                    })
                    .collect();
                list.sort_by(|a, b| {
                    b.shared
                        .cmp(&a.shared)
                        .then_with(|| sort_key(&a.name).cmp(&sort_key(&b.name)))
                });
                list.truncate(8);
                (*e, list)
            })
            .collect()
    }

    #[test]
    fn companions_counted_once_per_site_match_their_definition() {
        let entities: Vec<EntityDef> = (0..40).map(entity).collect();
        let mut mentions = Mentions::new();
        // Twenty dossiers naming pseudo-random entities, one naming half of them, and
        // entities that share the same dossiers.
        let mut state = 7u64;
        for pos in 0..20 {
            for e in 0..40usize {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                if (state >> 33).is_multiple_of(5) || (pos == 3 && e.is_multiple_of(2)) {
                    mentions.entry(e).or_default().push((pos, None));
                }
            }
        }
        for e in [30, 31, 32] {
            mentions.insert(e, vec![(0, None), (1, None)]);
        }
        assert_eq!(
            companions(&entities, &mentions),
            companions_by_definition(&entities, &mentions)
        );
    }

    #[test]
    fn one_dossier_naming_many_entities_gives_each_the_first_eight_by_name() {
        let entities: Vec<EntityDef> = (0..5_000).map(entity).collect();
        let mentions: Mentions = (0..5_000).map(|e| (e, vec![(0, None)])).collect();
        let found = companions(&entities, &mentions);
        assert_eq!(found.len(), 5_000);
        let first = &found[&1];
        assert_eq!(first.len(), 8);
        assert!(first.iter().all(|c| c.shared == 1 && c.name == "Name 0"));
        assert!(first.iter().all(|c| c.id != "e1"));
    }
}
