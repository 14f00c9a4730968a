//! `casefile export`: the resolved, profile-filtered [`Site`] written as data for other tools.
//! Like the renderers, the export sees only the `Site`, so a public export cannot hold what a
//! public build leaves out: restricted dossiers and entities are not in it, and confidential
//! sources are anonymised (and left out of the bibliography, see [`csl`]).
//!
//! Each file is a pure function of the site: same content, same bytes (docs/export.md).

pub mod csl;
pub mod ftm;
pub mod resolved;
pub mod timeline;

use crate::model::{Site, Source};
use crate::write::OutputFile;

/// The folder under the output folder where an export goes by default.
pub const EXPORT_DIR: &str = "export";

/// The file in an export folder that records which profile wrote it.
pub const EXPORT_MARKER: &str = ".casefile-export";

/// What an anonymised source is called wherever a source is referred to.
pub const CONFIDENTIAL: &str = "Confidential source";

/// Every file of an export, with the marker naming the profile (`profile_line`).
pub fn files(site: &Site, profile_line: &str) -> Vec<OutputFile> {
    vec![
        ("ftm.jsonl".to_string(), ftm::jsonl(site).into_bytes()),
        ("sources.csl.json".to_string(), csl::json(site).into_bytes()),
        ("timeline.csv".to_string(), timeline::csv(site).into_bytes()),
        (
            "timeline.json".to_string(),
            timeline::json(site).into_bytes(),
        ),
        (
            "casefile.json".to_string(),
            resolved::json(site).into_bytes(),
        ),
        (
            EXPORT_MARKER.to_string(),
            format!("{profile_line}\n").into_bytes(),
        ),
    ]
}

/// How exports refer to a source: its id for a shared one, `DOSSIER/ID` for a dossier's
/// local one (ids have no `/`, so the two never meet), and nothing for an anonymised one.
pub fn source_key(source: &Source) -> Option<String> {
    if source.anonymous {
        return None;
    }
    let global = format!("src-{}", source.id);
    if source.anchor == global {
        return Some(source.id.clone());
    }
    // A local source's anchor is `src-DOSSIER--ID`.
    let dossier = source
        .anchor
        .strip_prefix("src-")
        .and_then(|rest| rest.strip_suffix(source.id.as_str()))
        .and_then(|rest| rest.strip_suffix("--"))?;
    Some(format!("{dossier}/{}", source.id))
}

/// A source as a reference in a list: its key, or [`CONFIDENTIAL`].
pub fn source_reference(source: &Source) -> String {
    source_key(source).unwrap_or_else(|| CONFIDENTIAL.to_string())
}

/// Pretty JSON with a final newline. Serialising plain data cannot fail; if it ever did,
/// an empty document is written rather than a panic.
fn pretty(value: &impl serde::Serialize) -> String {
    let mut text = serde_json::to_string_pretty(value).unwrap_or_default();
    text.push('\n');
    text
}

/// Plain text, as exports carry Markdown: one line per block (paragraph, heading, list
/// item, table cell), whitespace within a line collapsed; a withheld link reads
/// [`crate::model::WITHHELD`].
pub fn plain(pieces: &[crate::model::Piece]) -> String {
    plain_lines(&crate::model::plain_text(pieces, crate::model::WITHHELD))
}

/// [`plain`] of text that is already plain: whitespace within each line collapsed, empty
/// lines dropped.
pub fn plain_lines(text: &str) -> String {
    text.lines()
        .map(|line| line.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|line| !line.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(id: &str, anchor: &str) -> Source {
        Source {
            id: id.to_string(),
            anchor: anchor.to_string(),
            ..Source::default()
        }
    }

    #[test]
    fn shared_and_local_sources_get_distinct_keys() {
        assert_eq!(
            source_key(&source("a--b", "src-a--b")).as_deref(),
            Some("a--b")
        );
        assert_eq!(source_key(&source("b", "src-a--b")).as_deref(), Some("a/b"));
        let anonymous = Source {
            anonymous: true,
            ..source("", "")
        };
        assert_eq!(source_key(&anonymous), None);
        assert_eq!(source_reference(&anonymous), CONFIDENTIAL);
    }

    #[test]
    fn plain_text_keeps_one_line_per_block() {
        assert_eq!(
            plain_lines("Title\n  two   words \n\n\nend\n"),
            "Title\ntwo words\nend"
        );
    }
}
