//! `entities.yaml` and `sources.yaml`, and source definitions wherever they appear. Each entry
//! is read on its own: one bad entry is reported and does not hide the valid ones around it.

use crate::diagnostics::{Code, Diagnostic};
use crate::model::{Classification, Date, EntityKind, SourceKind, Spanned};
use crate::parse::fields::{self, Ctx};
use crate::yaml::{self, Node};

/// The fields of a source definition.
pub const SOURCE_FIELDS: &[&str] = &[
    "id",
    "title",
    "kind",
    "publisher",
    "authors",
    "date",
    "url",
    "archive_url",
    "accessed",
    "grade",
    "confidential",
    "notes",
];

/// The fields of an entity.
pub const ENTITY_FIELDS: &[&str] = &[
    "id",
    "name",
    "kind",
    "aliases",
    "description",
    "classification",
    "extra",
];

/// A source as defined.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SourceDef {
    /// Id.
    pub id: Spanned<String>,
    /// Title.
    pub title: String,
    /// Kind (default `other`).
    pub kind: Option<SourceKind>,
    /// Publisher.
    pub publisher: Option<String>,
    /// Authors.
    pub authors: Vec<String>,
    /// Date.
    pub date: Option<Date>,
    /// URL.
    pub url: Option<String>,
    /// Archive URL.
    pub archive_url: Option<String>,
    /// Date accessed.
    pub accessed: Option<Date>,
    /// Admiralty grade.
    pub grade: Option<String>,
    /// Confidential.
    pub confidential: bool,
    /// Notes.
    pub notes: Option<String>,
}

/// An entity as defined.
#[derive(Debug, Clone, PartialEq)]
pub struct EntityDef {
    /// Id.
    pub id: Spanned<String>,
    /// Name.
    pub name: String,
    /// Kind.
    pub kind: EntityKind,
    /// Aliases.
    pub aliases: Vec<String>,
    /// Description (Markdown) and where it starts.
    pub description: Option<Spanned<String>>,
    /// Classification.
    pub classification: Classification,
    /// Free-form data.
    pub extra: serde_json::Value,
}

/// Reads one source definition.
pub fn read_source(ctx: &mut Ctx, item: &Node) -> Option<SourceDef> {
    let what = "a source";
    let entries = ctx.entries(item, what, SOURCE_FIELDS)?;
    let mut id = None;
    let mut title = None;
    let mut def = SourceDef::default();
    for (key, value) in &entries {
        let value = *value;
        match *key {
            "id" => id = ctx.id(value, key),
            "title" => title = ctx.string(value, key).map(|s| s.value),
            "kind" => def.kind = ctx.choice(value, key, SourceKind::ALL),
            "publisher" => def.publisher = ctx.string(value, key).map(|s| s.value),
            "authors" => {
                def.authors = ctx
                    .strings(value, key)
                    .into_iter()
                    .map(|s| s.value)
                    .collect()
            }
            "date" => def.date = ctx.date(value, key).map(|d| d.value),
            "url" => def.url = ctx.url(value, key).map(|s| s.value),
            "archive_url" => def.archive_url = ctx.url(value, key).map(|s| s.value),
            "accessed" => def.accessed = ctx.date(value, key).map(|d| d.value),
            "grade" => def.grade = read_grade(ctx, value),
            "confidential" => def.confidential = ctx.bool(value, key).unwrap_or(true),
            _ => def.notes = ctx.string(value, key).map(|s| s.value),
        }
    }
    for required in ["id", "title"] {
        if !entries.iter().any(|(k, _)| *k == required) {
            ctx.missing(item, required, what);
        }
    }
    // A source with a bad optional field is still registered, so that citing it does not add
    // a second, misleading "unknown source" error.
    def.id = id?;
    def.title = title?;
    Some(def)
}

fn read_grade(ctx: &mut Ctx, value: &Node) -> Option<String> {
    let grade = ctx.string(value, "grade")?;
    let b = grade.value.as_bytes();
    if b.len() == 2 && (b'A'..=b'F').contains(&b[0]) && (b'1'..=b'6').contains(&b[1]) {
        Some(grade.value)
    } else {
        ctx.error(
            Code::BadGrade,
            value,
            format!("`{}` is not an Admiralty grade", grade.value),
        );
        if let Some(d) = ctx.diags.last_mut() {
            d.help =
                Some("grades run from A1 to F6: reliability A–F, then credibility 1–6".to_string());
        }
        None
    }
}

/// Reads one entity.
pub fn read_entity(ctx: &mut Ctx, item: &Node) -> Option<EntityDef> {
    let what = "an entity";
    let entries = ctx.entries(item, what, ENTITY_FIELDS)?;
    let (mut id, mut name, mut kind) = (None, None, None);
    let mut aliases = Vec::new();
    let mut description = None;
    let mut classification = Classification::Public;
    let mut extra = serde_json::Value::Object(Default::default());
    for (key, value) in &entries {
        let value = *value;
        match *key {
            "id" => id = ctx.id(value, key),
            "name" => name = ctx.string(value, key).map(|s| s.value),
            "kind" => kind = ctx.choice(value, key, EntityKind::ALL),
            "aliases" => {
                aliases = ctx
                    .strings(value, key)
                    .into_iter()
                    .map(|s| s.value)
                    .collect()
            }
            "description" => description = ctx.string(value, key),
            "classification" => {
                classification = ctx
                    .choice(value, key, Classification::ALL)
                    .unwrap_or(Classification::Restricted)
            }
            _ => {
                extra = match &value.value {
                    yaml::Value::Map(_) => value.to_json(),
                    _ => {
                        ctx.error(
                            Code::WrongType,
                            value,
                            format!("`extra` must be a map, found {}", value.kind_name()),
                        );
                        extra
                    }
                }
            }
        }
    }
    for required in ["id", "name", "kind"] {
        if !entries.iter().any(|(k, _)| *k == required) {
            ctx.missing(item, required, what);
        }
    }
    Some(EntityDef {
        id: id?,
        name: name?,
        kind: kind?,
        aliases,
        description,
        classification,
        extra,
    })
}

/// A list file (`entities.yaml`, `sources.yaml`) read entry by entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Catalog<T> {
    /// The entries that could be read, in file order.
    pub defs: Vec<T>,
    /// The ids of entries that were reported and left out. They are known: a reference to one
    /// is explained by the entry's own error and is not an error of its own.
    pub broken_ids: Vec<String>,
    /// Part of the file could not be read far enough to tell which ids it defines (a syntax
    /// error in an entry with no readable `id:`, or a file that is not a list), so any id may
    /// be defined there.
    pub ids_unknown: bool,
}

impl<T> Default for Catalog<T> {
    fn default() -> Self {
        Catalog {
            defs: Vec::new(),
            broken_ids: Vec::new(),
            ids_unknown: false,
        }
    }
}

impl<T> Catalog<T> {
    /// Reads one parsed entry: its definition, or its id as a broken one.
    fn read_entry(&mut self, ctx: &mut Ctx, item: &Node, read: fn(&mut Ctx, &Node) -> Option<T>) {
        match read(ctx, item) {
            Some(def) => self.defs.push(def),
            None => self.broken_ids.extend(written_id(item)),
        }
    }
}

/// The `id` an entry gives, as written, whether or not the entry (or the id) is valid.
pub fn written_id(item: &Node) -> Option<String> {
    let yaml::Value::Map(pairs) = &item.value else {
        return None;
    };
    pairs
        .iter()
        .find(|(key, _)| key.as_str() == Some("id"))
        .and_then(|(_, value)| value.as_str())
        .map(str::to_string)
}

/// Reads a YAML list file (`entities.yaml`, `sources.yaml`), each entry on its own.
pub fn read_list<T>(
    file: &str,
    text: &str,
    diags: &mut Vec<Diagnostic>,
    read: fn(&mut Ctx, &Node) -> Option<T>,
) -> Catalog<T> {
    // A byte-order mark is accepted; positions still count from the start of the file.
    let base = if text.starts_with('\u{feff}') {
        '\u{feff}'.len_utf8()
    } else {
        0
    };
    let body = &text[base..];
    let mut catalog = Catalog::default();
    let root = match yaml::parse(body) {
        Ok(Some(root)) => root,
        Ok(None) => return catalog,
        // Bad YAML in one entry must not hide the others: read entry by entry.
        Err(_) => return read_entries_apart(file, body, base, diags, read),
    };
    let mut ctx = Ctx { file, base, diags };
    let yaml::Value::List(items) = &root.value else {
        let message = format!(
            "{file} must be a YAML list (each entry starting with `- `), found {}",
            root.kind_name()
        );
        ctx.error(Code::WrongType, &root, message);
        catalog.ids_unknown = true;
        return catalog;
    };
    for item in items {
        catalog.read_entry(&mut ctx, item, read);
    }
    catalog
}

/// Reads a list whose YAML does not parse as a whole: each top-level `- ` entry is parsed on
/// its own, so a syntax error is reported in its entry and the others are still read.
fn read_entries_apart<T>(
    file: &str,
    body: &str,
    base: usize,
    diags: &mut Vec<Diagnostic>,
    read: fn(&mut Ctx, &Node) -> Option<T>,
) -> Catalog<T> {
    let mut starts: Vec<usize> = Vec::new();
    let mut offset = 0;
    for line in body.split_inclusive('\n') {
        if line.starts_with("- ") || line.trim_end() == "-" {
            starts.push(offset);
        }
        offset += line.len();
    }
    if starts.first() != Some(&0) {
        starts.insert(0, 0);
    }
    let mut catalog = Catalog::default();
    for (i, &start) in starts.iter().enumerate() {
        let end = starts.get(i + 1).copied().unwrap_or(body.len());
        let chunk = &body[start..end];
        match yaml::parse(chunk) {
            Ok(Some(root)) => {
                let mut ctx = Ctx {
                    file,
                    base: base + start,
                    diags,
                };
                match &root.value {
                    yaml::Value::List(entries) => {
                        for entry in entries {
                            catalog.read_entry(&mut ctx, entry, read);
                        }
                    }
                    _ => {
                        ctx.error(
                            Code::WrongType,
                            &root,
                            format!("{file} must be a YAML list (each entry starting with `- `)"),
                        );
                        catalog.ids_unknown = true;
                    }
                }
            }
            Ok(None) => {}
            Err(err) => {
                let at = base + start + err.offset.min(chunk.len());
                diags.push(Diagnostic::error(
                    Code::YamlSyntax,
                    file,
                    at..at,
                    format!("bad YAML: {}", err.message),
                ));
                match fields::recover_id(chunk) {
                    Some(id) => catalog.broken_ids.push(id.value),
                    None => catalog.ids_unknown = true,
                }
            }
        }
    }
    catalog
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(entities: &[EntityDef]) -> Vec<&str> {
        entities.iter().map(|e| e.id.value.as_str()).collect()
    }

    #[test]
    fn one_bad_entry_does_not_hide_the_others() {
        let text = "- id: a\n  name: A\n  kind: person\n- id: b\n  name: B\n  kind: persn\n- id: c\n  name: C\n  kind: place\n";
        let mut diags = Vec::new();
        let entities = read_list("content/entities.yaml", text, &mut diags, read_entity);
        assert_eq!(ids(&entities.defs), ["a", "c"]);
        assert_eq!(diags.len(), 1);
        assert_eq!(diags[0].help.as_deref(), Some("did you mean `person`?"));
        assert_eq!(entities.broken_ids, ["b"], "the bad entry's id stays known");
        assert!(!entities.ids_unknown);
    }

    #[test]
    fn a_syntax_error_in_one_entry_does_not_hide_the_others() {
        let text = "\u{feff}- id: a\n  name: A\n  kind: person\n- id: b\n  name: [unclosed\n  kind: person\n- id: c\n  name: C\n  kind: place\n";
        let mut diags = Vec::new();
        let entities = read_list("content/entities.yaml", text, &mut diags, read_entity);
        assert_eq!(ids(&entities.defs), ["a", "c"]);
        assert_eq!(
            entities.broken_ids,
            ["b"],
            "read from the entry's `id:` line"
        );
        assert!(!entities.ids_unknown);
        assert_eq!(diags.len(), 1, "{diags:?}");
        assert!(diags[0].message.starts_with("bad YAML"));
        let at = diags[0].span.clone().unwrap().start;
        assert!(
            at > text.find("- id: b").unwrap() && at < text.find("- id: c").unwrap(),
            "located in its entry"
        );
    }

    #[test]
    fn a_syntax_error_without_a_readable_id_leaves_the_ids_unknown() {
        let text = "- id: a\n  name: A\n  kind: person\n- {id: b, name: \"B, kind: person}\n";
        let mut diags = Vec::new();
        let entities = read_list("content/entities.yaml", text, &mut diags, read_entity);
        assert_eq!(ids(&entities.defs), ["a"]);
        assert!(entities.broken_ids.is_empty());
        assert!(entities.ids_unknown);
    }

    #[test]
    fn a_file_that_is_not_a_list_leaves_the_ids_unknown() {
        let mut diags = Vec::new();
        let entities = read_list("content/entities.yaml", "a: 1\n", &mut diags, read_entity);
        assert!(entities.defs.is_empty());
        assert!(entities.ids_unknown);
        assert_eq!(diags.len(), 1, "{diags:?}");
    }

    #[test]
    fn a_source_without_a_title_keeps_its_id_known() {
        let text = "- id: s\n  url: https://example.org\n";
        let mut diags = Vec::new();
        let sources = read_list("content/sources.yaml", text, &mut diags, read_source);
        assert!(sources.defs.is_empty());
        assert_eq!(sources.broken_ids, ["s"]);
    }

    #[test]
    fn bad_grade_and_url_scheme() {
        let text = "- id: s\n  title: S\n  grade: G9\n  url: javascript:alert(1)\n";
        let mut diags = Vec::new();
        read_list("content/sources.yaml", text, &mut diags, read_source);
        assert_eq!(diags.len(), 2, "{diags:?}");
    }
}
