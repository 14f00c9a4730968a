//! `casefile.json`: the resolved model of the export's profile, for any other tool. Its shape
//! is documented key by key in docs/export.md; `casefile_export` is its version, raised when a
//! key changes meaning or goes away (keys may be added).
//!
//! Everything is referred to by id: dossiers and entities by their ids, sources by their keys
//! ([`super::source_key`]). Every key is present in every object (`null` or `[]` when empty).
//! Free-form `extra` maps are written only in an internal export: the built-in templates do
//! not show them, so a public one must not publish them either.

use serde::Serialize;

use super::timeline;
use crate::model::{Confidence, Dossier, EntityKind, Heading, Site, Source, SourceKind, Status};

/// The version of the shape of `casefile.json`.
pub const VERSION: u32 = 1;

/// The whole file.
#[derive(Debug, Serialize)]
pub struct Export<'a> {
    /// [`VERSION`].
    pub casefile_export: u32,
    /// `public` or `internal`.
    pub profile: &'static str,
    /// Drafts are included.
    pub drafts: bool,
    /// Site settings.
    pub site: SiteInfo<'a>,
    /// Dossiers, newest first.
    pub dossiers: Vec<DossierOut<'a>>,
    /// Entities named by exported dossiers, by name.
    pub entities: Vec<EntityOut<'a>>,
    /// Sources, shared ones first by title, then local ones; anonymised ones left out.
    pub sources: Vec<SourceOut<'a>>,
    /// Tags with the dossiers carrying them.
    pub tags: Vec<TagOut<'a>>,
    /// The merged timeline, as in `timeline.json`.
    pub timeline: Vec<timeline::Event>,
}

/// Site settings.
#[derive(Debug, Serialize)]
pub struct SiteInfo<'a> {
    /// Title.
    pub title: &'a str,
    /// Description.
    pub description: Option<&'a str>,
    /// Default language.
    pub lang: &'a str,
    /// Authors.
    pub authors: &'a [String],
    /// Base URL.
    pub base_url: Option<&'a str>,
}

/// An id with the role given to it.
#[derive(Debug, Serialize)]
pub struct Role<'a> {
    /// Dossier or entity id.
    pub id: &'a str,
    /// The role, if given.
    pub role: Option<&'a str>,
}

/// A dossier.
#[derive(Debug, Serialize)]
pub struct DossierOut<'a> {
    /// Id.
    pub id: &'a str,
    /// Title.
    pub title: &'a str,
    /// Date as written.
    pub date: String,
    /// Last update as written.
    pub updated: Option<String>,
    /// Summary, plain text.
    pub summary: Option<&'a str>,
    /// Status.
    pub status: Status,
    /// Confidence.
    pub confidence: Option<Confidence>,
    /// Restricted (only ever true in an internal export).
    pub restricted: bool,
    /// A draft (only with `--drafts`).
    pub draft: bool,
    /// Authors.
    pub authors: &'a [String],
    /// Language.
    pub lang: &'a str,
    /// Tags as written.
    pub tags: Vec<&'a str>,
    /// Entities named in the front matter, with roles.
    pub entities: Vec<Role<'a>>,
    /// Related dossier ids.
    pub related: Vec<&'a str>,
    /// Keys of the sources it cites or defines, `Confidential source` for anonymised ones.
    pub sources: Vec<String>,
    /// Ids of exported dossiers that link here.
    pub backlinks: Vec<&'a str>,
    /// Headings of the body.
    pub headings: &'a [Heading],
    /// The body as plain text.
    pub text: String,
    /// Free-form data (internal exports only; `null` otherwise).
    pub extra: Option<&'a serde_json::Value>,
}

/// An entity.
#[derive(Debug, Serialize)]
pub struct EntityOut<'a> {
    /// Id.
    pub id: &'a str,
    /// Name.
    pub name: &'a str,
    /// Kind.
    pub kind: EntityKind,
    /// Aliases.
    pub aliases: &'a [String],
    /// Description, plain text.
    pub description: Option<String>,
    /// Restricted (only ever true in an internal export).
    pub restricted: bool,
    /// Dossiers naming it, with the role each gives.
    pub dossiers: Vec<Role<'a>>,
    /// Free-form data (internal exports only; `null` otherwise).
    pub extra: Option<&'a serde_json::Value>,
}

/// A source that is not anonymised.
#[derive(Debug, Serialize)]
pub struct SourceOut<'a> {
    /// Key: the id, or `DOSSIER/ID` for a dossier's own source.
    pub key: String,
    /// Id as written.
    pub id: &'a str,
    /// Title.
    pub title: &'a str,
    /// Kind.
    pub kind: Option<SourceKind>,
    /// Publisher.
    pub publisher: Option<&'a str>,
    /// Authors.
    pub authors: &'a [String],
    /// Date as written.
    pub date: Option<String>,
    /// URL.
    pub url: Option<&'a str>,
    /// Archived copy.
    pub archive_url: Option<&'a str>,
    /// Date accessed.
    pub accessed: Option<String>,
    /// Admiralty grade.
    pub grade: Option<&'a str>,
    /// Marked confidential (only ever true in an internal export).
    pub confidential: bool,
    /// Notes.
    pub notes: Option<&'a str>,
    /// Ids of the exported dossiers citing it.
    pub cited_by: Vec<&'a str>,
}

/// A tag.
#[derive(Debug, Serialize)]
pub struct TagOut<'a> {
    /// As written.
    pub name: &'a str,
    /// URL slug.
    pub slug: &'a str,
    /// Ids of the dossiers carrying it.
    pub dossiers: Vec<&'a str>,
}

/// The model of the site, as `casefile.json` holds it.
pub fn export(site: &Site) -> Export<'_> {
    let internal = site.profile.internal;
    let config = &site.config;
    Export {
        casefile_export: VERSION,
        profile: if internal { "internal" } else { "public" },
        drafts: site.profile.drafts,
        site: SiteInfo {
            title: &config.title,
            description: config.description.as_deref(),
            lang: &config.lang,
            authors: &config.authors,
            base_url: config.base_url.as_deref(),
        },
        dossiers: site.dossiers.iter().map(|d| dossier(site, d)).collect(),
        entities: site
            .entities
            .iter()
            .map(|e| EntityOut {
                id: &e.id,
                name: &e.name,
                kind: e.kind,
                aliases: &e.aliases,
                description: e.description.as_deref().map(super::plain),
                restricted: e.restricted,
                dossiers: e
                    .mentions
                    .iter()
                    .map(|m| Role {
                        id: &m.dossier.id,
                        role: m.role.as_deref(),
                    })
                    .collect(),
                extra: internal.then_some(&e.extra),
            })
            .collect(),
        sources: site.sources.iter().filter_map(source).collect(),
        tags: site
            .tags
            .iter()
            .map(|(tag, dossiers)| TagOut {
                name: &tag.name,
                slug: &tag.slug,
                dossiers: dossiers.iter().map(|d| d.id.as_str()).collect(),
            })
            .collect(),
        timeline: timeline::events(site),
    }
}

fn dossier<'a>(site: &'a Site, d: &'a Dossier) -> DossierOut<'a> {
    DossierOut {
        id: &d.id,
        title: &d.title,
        date: d.date.iso(),
        updated: d.updated.map(|u| u.iso()),
        summary: d.summary_text.as_deref(),
        status: d.status,
        confidence: d.confidence,
        restricted: d.restricted,
        draft: d.draft,
        authors: &d.authors,
        lang: &d.lang,
        tags: d.tags.iter().map(|t| t.name.as_str()).collect(),
        entities: d
            .entities
            .iter()
            .map(|e| Role {
                id: &e.id,
                role: e.role.as_deref(),
            })
            .collect(),
        related: d.related.iter().map(|r| r.id.as_str()).collect(),
        sources: d
            .sources
            .iter()
            .filter_map(|&s| site.sources.get(s))
            .map(super::source_reference)
            .collect(),
        backlinks: d.backlinks.iter().map(|b| b.id.as_str()).collect(),
        headings: &d.headings,
        text: super::plain_lines(&d.plain_text),
        extra: site.profile.internal.then_some(&d.extra),
    }
}

fn source(s: &Source) -> Option<SourceOut<'_>> {
    Some(SourceOut {
        key: super::source_key(s)?,
        id: &s.id,
        title: &s.title,
        kind: s.kind,
        publisher: s.publisher.as_deref(),
        authors: &s.authors,
        date: s.date.map(|d| d.iso()),
        url: s.url.as_deref(),
        archive_url: s.archive_url.as_deref(),
        accessed: s.accessed.map(|d| d.iso()),
        grade: s.grade.as_deref(),
        confidential: s.confidential,
        notes: s.notes.as_deref(),
        cited_by: s.cited_by.iter().map(|d| d.id.as_str()).collect(),
    })
}

/// `casefile.json`.
pub fn json(site: &Site) -> String {
    super::pretty(&export(site))
}
