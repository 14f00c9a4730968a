//! Text in, typed values with spans out: front matter, catalogs and Markdown bodies. No disk.

pub mod catalog;
pub mod citation;
pub mod config;
pub mod fields;
pub mod frontmatter;
pub mod markdown;

use crate::diagnostics::{Code, Diagnostic};
use crate::load::TextFile;
use crate::parse::catalog::{Catalog, EntityDef, SourceDef};
use crate::parse::fields::Ctx;
use crate::parse::frontmatter::DossierMeta;
use crate::parse::markdown::Body;

/// A dossier file, parsed.
#[derive(Debug, Clone)]
pub struct ParsedDossier {
    /// The file label.
    pub file: String,
    /// Id: from the front matter, or the file name.
    pub id: crate::model::Spanned<String>,
    /// Front matter.
    pub meta: DossierMeta,
    /// Body.
    pub body: Body,
    /// Inline Markdown of the summary.
    pub summary: Option<Vec<markdown::RawPiece>>,
    /// Inline Markdown of each timeline event, in the order of `meta.timeline` (empty for an
    /// entry without a valid event).
    pub timeline_events: Vec<Vec<markdown::RawPiece>>,
}

impl ParsedDossier {
    /// Every run of text that may hold references: the body, footnote texts, the summary
    /// and timeline events.
    pub fn flows(&self) -> impl Iterator<Item = &Vec<markdown::RawPiece>> {
        std::iter::once(&self.body.pieces)
            .chain(self.body.footnotes.iter().map(|f| &f.pieces))
            .chain(self.summary.iter())
            .chain(self.timeline_events.iter())
    }
}

/// Parses one dossier file. `None` when it has no usable front matter (the diagnostics say why).
pub fn parse_dossier(file: &TextFile, diags: &mut Vec<Diagnostic>) -> Option<ParsedDossier> {
    let split = match frontmatter::split(&file.label, &file.text) {
        Ok(split) => split,
        Err(diag) => {
            diags.push(diag);
            return None;
        }
    };
    let mut ctx = Ctx {
        file: &file.label,
        base: split.yaml_offset,
        diags,
    };
    let meta = frontmatter::parse_meta(&mut ctx, split.yaml);
    let id = match &meta.id {
        Some(id) => id.clone(),
        None => file_id(file, diags)?,
    };
    let body = markdown::parse_body(&file.label, split.body, split.body_offset, diags);
    let summary = meta
        .summary
        .as_ref()
        .map(|s| markdown::parse_inline(&file.label, &s.value, s.span.start, diags));
    let timeline_events = meta
        .timeline
        .iter()
        .map(|t| match &t.event {
            Some(event) => {
                markdown::parse_inline(&file.label, &event.value, event.span.start, diags)
            }
            None => Vec::new(),
        })
        .collect();
    Some(ParsedDossier {
        file: file.label.clone(),
        id,
        meta,
        body,
        summary,
        timeline_events,
    })
}

/// The id a dossier gets from its file name.
fn file_id(file: &TextFile, diags: &mut Vec<Diagnostic>) -> Option<crate::model::Spanned<String>> {
    let stem = file_stem(&file.label);
    if let Some(id) = file_name_id(&file.label) {
        return Some(crate::model::Spanned::new(
            id,
            frontmatter::first_line(&file.text),
        ));
    }
    let suggestion = markdown::slug(stem);
    let diag = Diagnostic::error(
        Code::BadFileName,
        &file.label,
        frontmatter::first_line(&file.text),
        format!("file name `{stem}` is not a valid dossier id"),
    )
    .with_help(format!(
        "rename the file to `{suggestion}.md` or give the dossier an `id:` field"
    ));
    diags.push(diag);
    None
}

/// The id a dossier file's name gives it, when the name is a valid id.
pub fn file_name_id(label: &str) -> Option<String> {
    let stem = file_stem(label);
    fields::is_id(stem).then(|| stem.to_string())
}

fn file_stem(label: &str) -> &str {
    label
        .rsplit('/')
        .next()
        .unwrap_or("")
        .trim_end_matches(".md")
}

/// Parses `entities.yaml`.
pub fn parse_entities(file: &TextFile, diags: &mut Vec<Diagnostic>) -> Catalog<EntityDef> {
    catalog::read_list(&file.label, &file.text, diags, catalog::read_entity)
}

/// Parses `sources.yaml`.
pub fn parse_sources(file: &TextFile, diags: &mut Vec<Diagnostic>) -> Catalog<SourceDef> {
    catalog::read_list(&file.label, &file.text, diags, catalog::read_source)
}
