//! `sources.csl.json`: the sources as a CSL-JSON array, which Zotero, Pandoc (`--citeproc`)
//! and other CSL processors read. An item's `id` is the source's key ([`super::source_key`]):
//! `[@fox-guacamaya-hack]` in Pandoc cites the same source as in casefile.
//!
//! An anonymised source (confidential, in a public export) is left out: an entry that may not
//! name its title, publisher, author or address would tell a reader nothing, and its made-up
//! id could only serve to match it across exports.

use serde::Serialize;

use crate::model::{Date, Site, Source, SourceKind};

/// A CSL date: `{"date-parts": [[2019, 6, 10]]}`, partial dates as given.
#[derive(Debug, Serialize)]
pub struct CslDate {
    /// Year, then month and day when known.
    #[serde(rename = "date-parts")]
    pub date_parts: Vec<Vec<u16>>,
}

impl From<Date> for CslDate {
    fn from(date: Date) -> Self {
        let mut parts = vec![date.year];
        parts.extend(date.month.map(u16::from));
        parts.extend(date.day.map(u16::from));
        CslDate {
            date_parts: vec![parts],
        }
    }
}

/// A CSL name. casefile keeps an author as written, so it is a literal.
#[derive(Debug, Serialize)]
pub struct CslName {
    /// The name as written.
    pub literal: String,
}

/// One CSL-JSON item.
#[derive(Debug, Serialize)]
pub struct CslItem {
    /// The source's key.
    pub id: String,
    /// CSL item type ([`csl_type`]).
    #[serde(rename = "type")]
    pub item_type: &'static str,
    /// Title.
    pub title: String,
    /// The kind of document, for kinds a CSL type does not say.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub genre: Option<String>,
    /// The newspaper or site a news item appeared in: its publisher.
    #[serde(rename = "container-title", skip_serializing_if = "Option::is_none")]
    pub container_title: Option<String>,
    /// Publisher.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub publisher: Option<String>,
    /// Authors.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub author: Vec<CslName>,
    /// Date of the source.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issued: Option<CslDate>,
    /// Date accessed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub accessed: Option<CslDate>,
    /// Address.
    #[serde(rename = "URL", skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Notes, then the archived copy's address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// The CSL type of a source kind.
pub fn csl_type(kind: SourceKind) -> &'static str {
    match kind {
        SourceKind::News => "article-newspaper",
        SourceKind::CourtRecord => "legal_case",
        SourceKind::Interview => "interview",
        SourceKind::Report => "report",
        SourceKind::Dataset => "dataset",
        SourceKind::LeakedDocument | SourceKind::OfficialStatement | SourceKind::Other => {
            "document"
        }
    }
}

/// The item of a source, or nothing for an anonymised one.
pub fn item(source: &Source) -> Option<CslItem> {
    let id = super::source_key(source)?;
    let kind = source.kind.unwrap_or(SourceKind::Other);
    let genre = matches!(
        kind,
        SourceKind::LeakedDocument | SourceKind::OfficialStatement
    )
    .then(|| kind.label());
    let archived = source
        .archive_url
        .as_ref()
        .map(|url| format!("Archived at {url}"));
    let note: Vec<String> = source.notes.iter().cloned().chain(archived).collect();
    Some(CslItem {
        id,
        item_type: csl_type(kind),
        title: source.title.clone(),
        genre,
        container_title: source
            .publisher
            .clone()
            .filter(|_| kind == SourceKind::News),
        publisher: source.publisher.clone(),
        author: source
            .authors
            .iter()
            .map(|a| CslName { literal: a.clone() })
            .collect(),
        issued: source.date.map(CslDate::from),
        accessed: source.accessed.map(CslDate::from),
        url: source.url.clone(),
        note: (!note.is_empty()).then(|| note.join(". ")),
    })
}

/// `sources.csl.json`: every source the site shows, in its order, anonymised ones left out.
pub fn json(site: &Site) -> String {
    let items: Vec<CslItem> = site.sources.iter().filter_map(item).collect();
    super::pretty(&items)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partial_dates_keep_only_their_parts() {
        let date = Date::parse("2019-06").unwrap();
        let json = serde_json::to_string(&CslDate::from(date)).unwrap();
        assert_eq!(json, r#"{"date-parts":[[2019,6]]}"#);
    }

    #[test]
    fn an_anonymised_source_has_no_item() {
        let source = Source {
            title: crate::export::CONFIDENTIAL.to_string(),
            confidential: true,
            anonymous: true,
            ..Source::default()
        };
        assert!(item(&source).is_none());
    }
}
