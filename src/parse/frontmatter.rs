//! A dossier's front matter: splitting it from the body and reading it into typed values
//! with spans. Text in, values and diagnostics out; no disk.

use std::ops::Range;

use crate::diagnostics::{Code, Diagnostic};
use crate::model::{Classification, Confidence, Date, Spanned, Status};
use crate::parse::catalog::{read_source, written_id, SourceDef};
use crate::parse::fields::{self, Ctx};
use crate::yaml::{self, Node, Value};

/// The front-matter fields the format knows.
pub const FIELDS: &[&str] = &[
    "title",
    "id",
    "date",
    "updated",
    "summary",
    "status",
    "confidence",
    "classification",
    "draft",
    "authors",
    "lang",
    "tags",
    "entities",
    "sources",
    "related",
    "timeline",
    "translation_of",
    "extra",
];

/// A dossier's typed front matter. Required fields that were missing or bad are `None`; the
/// diagnostics say why.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DossierMeta {
    /// Title.
    pub title: Option<Spanned<String>>,
    /// Explicit id.
    pub id: Option<Spanned<String>>,
    /// Date.
    pub date: Option<Spanned<Date>>,
    /// Updated.
    pub updated: Option<Spanned<Date>>,
    /// Summary (inline Markdown) with its span.
    pub summary: Option<Spanned<String>>,
    /// Status.
    pub status: Option<Status>,
    /// Confidence.
    pub confidence: Option<Confidence>,
    /// Classification.
    pub classification: Option<Classification>,
    /// Draft.
    pub draft: bool,
    /// Authors.
    pub authors: Vec<String>,
    /// Language, with the span of its value.
    pub lang: Option<Spanned<String>>,
    /// Tags.
    pub tags: Vec<Spanned<String>>,
    /// Entities with roles.
    pub entities: Vec<EntityUse>,
    /// Local sources.
    pub sources: Vec<SourceDef>,
    /// The ids of local sources that were reported and left out: citing one is no error of
    /// its own.
    pub broken_sources: Vec<String>,
    /// Related dossier ids.
    pub related: Vec<Spanned<String>>,
    /// Timeline.
    pub timeline: Vec<TimelineEntry>,
    /// The dossier this one translates.
    pub translation_of: Option<Spanned<String>>,
    /// Free-form data.
    pub extra: serde_json::Value,
    /// The YAML did not parse: every field is unknown (the id is read from its line if it
    /// can be), so references the fields could have defined are not errors of their own.
    pub unreadable: bool,
}

/// An entity named in front matter.
#[derive(Debug, Clone, PartialEq)]
pub struct EntityUse {
    /// Entity id.
    pub id: Spanned<String>,
    /// Role, if given.
    pub role: Option<String>,
}

/// A timeline entry as written. An entry with a bad or missing date or event is kept (and
/// reported), so that the sources and entities it names still count as cited and are checked;
/// only complete entries are published.
#[derive(Debug, Clone, PartialEq)]
pub struct TimelineEntry {
    /// When; `None` when missing or bad.
    pub date: Option<Spanned<Date>>,
    /// What (inline Markdown); `None` when missing or bad.
    pub event: Option<Spanned<String>>,
    /// Cited source ids.
    pub sources: Vec<Spanned<String>>,
    /// Entity ids.
    pub entities: Vec<Spanned<String>>,
}

/// The two parts of a dossier file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split<'a> {
    /// The YAML between the `---` lines.
    pub yaml: &'a str,
    /// Byte offset of the YAML in the file.
    pub yaml_offset: usize,
    /// The Markdown body.
    pub body: &'a str,
    /// Byte offset of the body in the file.
    pub body_offset: usize,
}

/// Splits front matter from the body. Accepts a BOM and CRLF line endings.
pub fn split<'a>(file: &str, text: &'a str) -> Result<Split<'a>, Diagnostic> {
    let start = if text.starts_with('\u{feff}') {
        '\u{feff}'.len_utf8()
    } else {
        0
    };
    let rest = &text[start..];
    let first_line_end = rest.find('\n').map_or(rest.len(), |i| i + 1);
    if rest[..first_line_end].trim_end() != "---" {
        let line = rest[..first_line_end].trim_end_matches(['\r', '\n']);
        return Err(Diagnostic::error(
            Code::NoFrontMatter,
            file,
            start..start + line.len(),
            "a dossier must start with front matter between two `---` lines",
        )
        .with_help("begin the file with `---`, the YAML fields (title, date, …), then `---`"));
    }
    let yaml_offset = start + first_line_end;
    let mut offset = yaml_offset;
    for line in text[yaml_offset..].split_inclusive('\n') {
        if line.trim_end() == "---" {
            let body_offset = offset + line.len();
            return Ok(Split {
                yaml: &text[yaml_offset..offset],
                yaml_offset,
                body: &text[body_offset..],
                body_offset,
            });
        }
        offset += line.len();
    }
    Err(Diagnostic::error(
        Code::UnclosedFrontMatter,
        file,
        start..start + 3,
        "front matter is not closed: no second `---` line",
    )
    .with_help("end the YAML fields with a line holding only `---`"))
}

/// Reads front matter YAML (at `ctx.base` in its file) into a [`DossierMeta`].
pub fn parse_meta(ctx: &mut Ctx, yaml_text: &str) -> DossierMeta {
    let mut meta = DossierMeta::default();
    let root = match yaml::parse(yaml_text) {
        Ok(Some(root)) => root,
        Ok(None) => {
            let at = ctx.base;
            ctx.diags.push(Diagnostic::error(
                Code::EmptyFrontMatter,
                ctx.file,
                at..at,
                "front matter is empty: `title` and `date` are required",
            ));
            return meta;
        }
        Err(err) => {
            let at = ctx.base + err.offset.min(yaml_text.len());
            ctx.diags.push(Diagnostic::error(
                Code::YamlSyntax,
                ctx.file,
                at..at,
                format!("bad YAML in front matter: {}", err.message),
            ));
            meta.unreadable = true;
            meta.id = fields::recover_id(yaml_text).map(|id| {
                let span = ctx.base + id.span.start..ctx.base + id.span.end;
                Spanned::new(id.value, span)
            });
            return meta;
        }
    };
    let Some(entries) = ctx.entries(&root, "front matter", FIELDS) else {
        return meta;
    };
    for (key, value) in entries {
        read_field(ctx, &mut meta, key, value);
    }
    if meta.title.is_none() && !has_key(&root, "title") {
        ctx.missing(&root, "title", "front matter");
    }
    if meta.date.is_none() && !has_key(&root, "date") {
        ctx.missing(&root, "date", "front matter");
    }
    meta
}

fn has_key(map: &Node, key: &str) -> bool {
    matches!(&map.value, Value::Map(pairs) if pairs.iter().any(|(k, _)| k.as_str() == Some(key)))
}

fn read_field(ctx: &mut Ctx, meta: &mut DossierMeta, key: &str, value: &Node) {
    match key {
        "title" => meta.title = ctx.string(value, key),
        "id" => meta.id = ctx.id(value, key),
        "date" => meta.date = ctx.date(value, key),
        "updated" => meta.updated = ctx.date(value, key),
        "summary" => meta.summary = ctx.string(value, key),
        "status" => meta.status = ctx.choice(value, key, Status::ALL),
        "confidence" => meta.confidence = ctx.choice(value, key, Confidence::ALL),
        "classification" => meta.classification = ctx.choice(value, key, Classification::ALL),
        "draft" => meta.draft = ctx.bool(value, key).unwrap_or(false),
        "authors" => {
            meta.authors = ctx
                .strings(value, key)
                .into_iter()
                .map(|s| s.value)
                .collect()
        }
        "lang" => meta.lang = read_lang(ctx, value),
        "tags" => meta.tags = ctx.strings(value, key),
        "entities" => {
            meta.entities = ctx
                .list(value, key)
                .iter()
                .filter_map(|item| read_entity_use(ctx, item))
                .collect()
        }
        "sources" => {
            for item in ctx.list(value, key) {
                match read_source(ctx, item) {
                    Some(source) => meta.sources.push(source),
                    None => meta.broken_sources.extend(written_id(item)),
                }
            }
        }
        "related" => meta.related = ctx.ids(value, key),
        "timeline" => {
            meta.timeline = ctx
                .list(value, key)
                .iter()
                .filter_map(|item| read_timeline(ctx, item))
                .collect()
        }
        "translation_of" => meta.translation_of = ctx.id(value, key),
        "extra" => meta.extra = read_extra(ctx, value),
        _ => unreachable!("`entries` only returns known fields"),
    }
}

fn read_lang(ctx: &mut Ctx, value: &Node) -> Option<Spanned<String>> {
    let lang = ctx.string(value, "lang")?;
    match crate::lang::typst_locale(&lang.value) {
        Ok(_) => Some(lang),
        Err(problem) => {
            let diag = problem.diagnostic(ctx.file, ctx.span(value));
            ctx.diags.push(diag);
            None
        }
    }
}

fn read_extra(ctx: &mut Ctx, value: &Node) -> serde_json::Value {
    match &value.value {
        Value::Map(_) => value.to_json(),
        _ if value.is_null() => serde_json::Value::Object(Default::default()),
        _ => {
            ctx.error(
                Code::WrongType,
                value,
                format!("`extra` must be a map, found {}", value.kind_name()),
            );
            serde_json::Value::Object(Default::default())
        }
    }
}

fn read_entity_use(ctx: &mut Ctx, item: &Node) -> Option<EntityUse> {
    if let Value::Scalar { .. } = item.value {
        return ctx
            .id(item, "entities")
            .map(|id| EntityUse { id, role: None });
    }
    let entries = ctx.entries(item, "an `entities` entry", &["id", "role"])?;
    let mut id = None;
    let mut role = None;
    for (key, value) in entries {
        match key {
            "id" => id = Some(ctx.id(value, "id")),
            _ => role = ctx.string(value, "role").map(|r| r.value),
        }
    }
    match id {
        Some(id) => id.map(|id| EntityUse { id, role }),
        None => {
            ctx.missing(item, "id", "an `entities` entry");
            None
        }
    }
}

fn read_timeline(ctx: &mut Ctx, item: &Node) -> Option<TimelineEntry> {
    let what = "a timeline entry";
    let entries = ctx.entries(item, what, &["date", "event", "sources", "entities"])?;
    let (mut date, mut event, mut sources, mut entities) = (None, None, Vec::new(), Vec::new());
    let (mut has_date, mut has_event) = (false, false);
    for (key, value) in entries {
        match key {
            "date" => (has_date, date) = (true, ctx.date(value, key)),
            "event" => (has_event, event) = (true, ctx.string(value, key)),
            "sources" => sources = ctx.ids(value, key),
            _ => entities = ctx.ids(value, key),
        }
    }
    if !has_date {
        ctx.missing(item, "date", what);
    }
    if !has_event {
        ctx.missing(item, "event", what);
    }
    Some(TimelineEntry {
        date,
        event,
        sources,
        entities,
    })
}

/// A span in the file, for a whole-file problem at its first line.
pub fn first_line(text: &str) -> Range<usize> {
    0..text.find('\n').unwrap_or(text.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(text: &str) -> (DossierMeta, Vec<Diagnostic>) {
        let split = split("d.md", text).unwrap();
        let mut diags = Vec::new();
        let mut ctx = Ctx {
            file: "d.md",
            base: split.yaml_offset,
            diags: &mut diags,
        };
        let meta = parse_meta(&mut ctx, split.yaml);
        (meta, diags)
    }

    #[test]
    fn splits_with_bom_and_crlf() {
        let text = "\u{feff}---\r\ntitle: T\r\ndate: 2019\r\n---\r\nBody\r\n";
        let s = split("d.md", text).unwrap();
        assert_eq!(s.body, "Body\r\n");
        assert_eq!(&text[s.body_offset..], "Body\r\n");
        let (m, diags) = meta(text);
        assert!(diags.is_empty(), "{diags:?}");
        assert_eq!(m.title.unwrap().value, "T");
    }

    #[test]
    fn missing_front_matter_is_an_error() {
        assert!(split("d.md", "# Just a heading\n").is_err());
        assert!(split("d.md", "---\ntitle: x\n").is_err());
    }

    #[test]
    fn unknown_field_is_located_and_suggested() {
        let text = "---\ntitle: T\ndate: 2019-06-10\nsumary: x\n---\n";
        let (_, diags) = meta(text);
        assert_eq!(diags.len(), 1);
        assert_eq!(&text[diags[0].span.clone().unwrap()], "sumary");
        assert_eq!(diags[0].help.as_deref(), Some("did you mean `summary`?"));
    }

    #[test]
    fn every_bad_value_is_reported() {
        let text = "---\ntitle: T\ndate: 2019-13-01\nstatus: aleged\nentities: [Bad Id, ok]\nsources:\n  - id: s\n    title: S\n    url: ftp://x\n---\n";
        let (m, diags) = meta(text);
        let messages: Vec<_> = diags.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(diags.len(), 4, "{messages:?}");
        assert!(messages.iter().any(|m| m.contains("`2019-13-01`")));
        assert!(messages.iter().any(|m| m.contains("`aleged`")));
        assert!(messages.iter().any(|m| m.contains("`Bad Id`")));
        assert!(messages.iter().any(|m| m.contains("`ftp://x`")));
        assert_eq!(m.entities.len(), 1);
    }

    #[test]
    fn a_timeline_entry_with_a_bad_date_keeps_its_references() {
        let text = "---\ntitle: T\ndate: 2019\ntimeline:\n  - date: 2019-13\n    event: E\n    sources: [report]\n---\n";
        let (m, diags) = meta(text);
        assert_eq!(diags.len(), 1, "{diags:?}");
        assert_eq!(m.timeline.len(), 1);
        assert_eq!(m.timeline[0].date, None);
        assert_eq!(m.timeline[0].sources[0].value, "report");
    }

    #[test]
    fn front_matter_that_does_not_parse_keeps_its_id() {
        let text = "---\ntitle: [unclosed\nid: my-case\n---\n";
        let (m, diags) = meta(text);
        assert_eq!(diags.len(), 1, "{diags:?}");
        assert!(m.unreadable);
        let id = m.id.expect("read from its line");
        assert_eq!(&text[id.span], "my-case");
    }

    #[test]
    fn missing_required_fields() {
        let (_, diags) = meta("---\nsummary: x\n---\n");
        assert_eq!(diags.len(), 2);
    }

    #[test]
    fn a_language_typst_cannot_take_is_refused_at_its_value() {
        let text = "---\ntitle: T\ndate: 2019\nlang: x-klingon\n---\n";
        let (m, diags) = meta(text);
        assert_eq!(diags.len(), 1);
        assert_eq!(&text[diags[0].span.clone().unwrap()], "x-klingon");
        assert!(diags[0].message.contains("`x-klingon`"));
        assert_eq!(m.lang, None);
        let (m, diags) = meta("---\ntitle: T\ndate: 2019\nlang: sr-Latn-RS\n---\n");
        assert!(diags.is_empty(), "{diags:?}");
        assert_eq!(m.lang.map(|l| l.value).as_deref(), Some("sr-Latn-RS"));
    }
}
