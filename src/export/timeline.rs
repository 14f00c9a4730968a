//! `timeline.csv` and `timeline.json`: the merged timeline of every exported dossier, in date
//! order (as the site's timeline page). Each event has its date as written (`2019`,
//! `2019-06`, `2019-06-10`), its dossier's id and title, its text as plain text, the sources
//! it cites (keys, or `Confidential source`) and the entities it involves (ids).

use serde::Serialize;

use crate::model::{Site, TimelineEvent};

/// One event of the merged timeline.
#[derive(Debug, Serialize)]
pub struct Event {
    /// The date as written.
    pub date: String,
    /// The dossier's id.
    pub dossier: String,
    /// The dossier's title.
    pub dossier_title: String,
    /// What happened, as plain text.
    pub event: String,
    /// Source keys, or `Confidential source` for an anonymised one.
    pub sources: Vec<String>,
    /// Entity ids.
    pub entities: Vec<String>,
}

/// The events of the site's timeline.
pub fn events(site: &Site) -> Vec<Event> {
    site.timeline.iter().map(|e| event(site, e)).collect()
}

fn event(site: &Site, event: &TimelineEvent) -> Event {
    Event {
        date: event.date.iso(),
        dossier: event.dossier.id.clone(),
        dossier_title: event.dossier.title.clone(),
        event: super::plain(&event.event),
        sources: event
            .sources
            .iter()
            .filter_map(|&s| site.sources.get(s))
            .map(super::source_reference)
            .collect(),
        entities: event.entities.iter().map(|e| e.id.clone()).collect(),
    }
}

/// `timeline.json`: the events as a JSON array.
pub fn json(site: &Site) -> String {
    super::pretty(&events(site))
}

/// The columns of `timeline.csv`.
const COLUMNS: [&str; 6] = [
    "date",
    "dossier",
    "dossier_title",
    "event",
    "sources",
    "entities",
];

/// `timeline.csv`: RFC 4180 (a header line, CRLF line ends, fields quoted when they hold a
/// comma, a quote or a line break); several sources or entities are joined by `; `.
pub fn csv(site: &Site) -> String {
    let mut out = String::new();
    push_row(&mut out, COLUMNS.iter().map(|c| c.to_string()));
    for e in events(site) {
        push_row(
            &mut out,
            [
                e.date,
                e.dossier,
                e.dossier_title,
                e.event,
                e.sources.join("; "),
                e.entities.join("; "),
            ],
        );
    }
    out
}

fn push_row(out: &mut String, fields: impl IntoIterator<Item = String>) {
    for (i, field) in fields.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&csv_field(&field));
    }
    out.push_str("\r\n");
}

fn csv_field(field: &str) -> std::borrow::Cow<'_, str> {
    if field.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", field.replace('"', "\"\"")).into()
    } else {
        field.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_with_commas_quotes_or_breaks_are_quoted() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a, b"), "\"a, b\"");
        assert_eq!(csv_field("say \"x\""), "\"say \"\"x\"\"\"");
        assert_eq!(csv_field("two\nlines"), "\"two\nlines\"");
    }
}
