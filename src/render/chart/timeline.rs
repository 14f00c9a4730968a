//! The chart of events over time: one lane per dossier (ordered by its first event), dates
//! to scale along a shared axis of years. A full date is a dot; a partial date (`2019-05`,
//! `2019`) is a bar over the month or year it names. On the site each mark links to its
//! dossier.

use std::fmt::Write;

use super::{num, short, FONT};
use crate::i18n::Words;
use crate::model::{plain_text, Date, TimelineEvent};
use crate::render::dossier_path;
use crate::render::markup::escape_html;

/// Room above the lanes for the axis.
const AXIS: f64 = 28.0;
/// The height of one lane: its label, then its marks.
const LANE: f64 = 36.0;
/// Room on each side of the lanes.
const SIDE: f64 = 12.0;

/// Lane colours, taken in turn.
const COLOURS: &[&str] = &[
    "#8a1c1c", "#1a4f8b", "#2e6b3a", "#8a4b08", "#5b3f8c", "#0f6c73", "#59636e",
];

/// How to draw the chart.
#[derive(Debug, Clone, Copy)]
pub struct Drawing<'a> {
    /// The way from the page to the site's root; `None` draws no links (in a PDF).
    pub root: Option<&'a str>,
    /// The words dates and the title are written in.
    pub words: &'a Words,
    /// The chart's width (its text is 11 units high: a narrower chart has larger text
    /// once scaled to the page).
    pub width: f64,
}

/// Days since 1970-01-01 of a calendar day (proleptic Gregorian).
fn days(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The days a date covers: one day, a whole month or a whole year, as `[start, end)`.
pub fn span(date: &Date) -> (i64, i64) {
    let year = i64::from(date.year);
    match (date.month.map(i64::from), date.day.map(i64::from)) {
        (Some(m), Some(d)) => (days(year, m, d), days(year, m, d) + 1),
        (Some(12), None) => (days(year, 12, 1), days(year + 1, 1, 1)),
        (Some(m), None) => (days(year, m, 1), days(year, m + 1, 1)),
        _ => (days(year, 1, 1), days(year + 1, 1, 1)),
    }
}

/// One lane: a dossier and its events, in date order.
struct Lane<'a> {
    title: &'a str,
    events: Vec<&'a TimelineEvent>,
}

/// The most lanes a chart draws: a site with more dossiers shows those with the latest
/// events (the list of events beside the chart has them all).
pub const MOST_LANES: usize = 40;

/// The lanes of `events` (in date order), ordered by their first event: at most
/// [`MOST_LANES`], those whose last event is latest (ties to the earlier lane).
fn lanes(events: &[TimelineEvent]) -> Vec<Lane<'_>> {
    let mut lanes: Vec<Lane> = Vec::new();
    let mut by_id: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
    for event in events {
        match by_id.get(event.dossier.id.as_str()) {
            Some(&i) => lanes[i].events.push(event),
            None => {
                by_id.insert(&event.dossier.id, lanes.len());
                lanes.push(Lane {
                    title: &event.dossier.title,
                    events: vec![event],
                });
            }
        }
    }
    if lanes.len() > MOST_LANES {
        let mut latest: Vec<(usize, (i64, i64))> = lanes
            .iter()
            .enumerate()
            .map(|(i, lane)| (i, lane.events.last().map_or((0, 0), |e| span(&e.date))))
            .collect();
        latest.sort_by_key(|&(i, (start, end))| (std::cmp::Reverse((end, start)), i));
        let kept: std::collections::BTreeSet<usize> = latest
            .into_iter()
            .take(MOST_LANES)
            .map(|(i, _)| i)
            .collect();
        lanes = lanes
            .into_iter()
            .enumerate()
            .filter(|(i, _)| kept.contains(i))
            .map(|(_, lane)| lane)
            .collect();
    }
    lanes
}

/// How many dossiers with events a chart of `events` leaves out (beyond [`MOST_LANES`]).
pub fn left_out(events: &[TimelineEvent]) -> usize {
    let dossiers: std::collections::BTreeSet<&str> =
        events.iter().map(|e| e.dossier.id.as_str()).collect();
    dossiers.len().saturating_sub(MOST_LANES)
}

/// The chart of `events` (in date order) as SVG; `None` when there is no event.
pub fn svg(events: &[TimelineEvent], drawing: &Drawing) -> Option<String> {
    charts(events, drawing, usize::MAX).into_iter().next()
}

/// The chart of `events` (in date order) cut into charts of at most `per` lanes each, all
/// on the same axis (a page holds only so many lanes); none when there is no event.
pub fn charts(events: &[TimelineEvent], drawing: &Drawing, per: usize) -> Vec<String> {
    let all = lanes(events);
    let drawn = all.iter().flat_map(|lane| &lane.events);
    let (Some(first), Some(last)) = (
        drawn.clone().map(|e| e.date.year).min(),
        drawn.map(|e| e.date.year).max(),
    ) else {
        return Vec::new();
    };
    all.chunks(per.max(1))
        .map(|lanes| chart(lanes, (first, last), drawing))
        .collect()
}

/// One chart of `lanes` over the years `first` to `last`.
fn chart(lanes: &[Lane], (first, last): (u16, u16), drawing: &Drawing) -> String {
    let (from, to) = (
        days(i64::from(first), 1, 1),
        days(i64::from(last) + 1, 1, 1),
    );
    let height = AXIS + LANE * lanes.len() as f64 + 8.0;
    let x =
        |day: i64| SIDE + (day - from) as f64 / (to - from) as f64 * (drawing.width - 2.0 * SIDE);
    let title = drawing.words.fill(
        "chart_timeline_title",
        &[("from", &first.to_string()), ("to", &last.to_string())],
    );
    let mut out = String::new();
    let _ = write!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart timeline-chart\" viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\" aria-labelledby=\"timeline-chart-title\"><title id=\"timeline-chart-title\">{}</title><g font-family=\"{FONT}\" font-size=\"11\">",
        escape_html(&title),
        w = num(drawing.width),
        h = num(height),
    );
    axis(&mut out, first, last, height, &x);
    for (i, lane) in lanes.iter().enumerate() {
        let top = AXIS + LANE * i as f64;
        let colour = COLOURS[i % COLOURS.len()];
        let _ = write!(
            out,
            "<text x=\"{}\" y=\"{}\" font-weight=\"bold\" fill=\"#1b1f24\">{}</text><line x1=\"{}\" y1=\"{mid}\" x2=\"{}\" y2=\"{mid}\" stroke=\"#d8d4cc\" stroke-width=\"1\"/>",
            num(SIDE),
            num(top + 12.0),
            escape_html(&short(lane.title, (drawing.width / 7.0) as usize)),
            num(SIDE),
            num(drawing.width - SIDE),
            mid = num(top + 25.0),
        );
        for event in &lane.events {
            mark(&mut out, event, top + 25.0, colour, drawing, &x);
        }
    }
    out.push_str("</g></svg>");
    out
}

/// The axis: a labelled tick at the start of each year (every 2, 5, 10… years when there
/// are many), with a faint line down through the lanes.
fn axis(out: &mut String, first: u16, last: u16, height: f64, x: &impl Fn(i64) -> f64) {
    let years = u32::from(last - first) + 1;
    let every = [1, 2, 5, 10, 20, 50, 100]
        .into_iter()
        .find(|step| years / step <= 12)
        .unwrap_or(200);
    let mut year = u32::from(first);
    while year <= u32::from(last) + 1 {
        if year % every == 0 || year == u32::from(first) {
            let at = x(days(i64::from(year), 1, 1));
            let _ = write!(
                out,
                "<line x1=\"{a}\" y1=\"{}\" x2=\"{a}\" y2=\"{}\" stroke=\"#ebe7e0\" stroke-width=\"1\"/>",
                num(AXIS - 6.0),
                num(height - 4.0),
                a = num(at),
            );
            if year <= u32::from(last) {
                let _ = write!(
                    out,
                    "<text x=\"{}\" y=\"{}\" fill=\"#59636e\">{year}</text>",
                    num(at + 3.0),
                    num(AXIS - 10.0)
                );
            }
        }
        year += 1;
    }
}

/// One event's mark: a dot for a day, a bar for a month or a year, with its date, dossier
/// and text as a tooltip, in a link to its dossier when there is a root.
fn mark(
    out: &mut String,
    event: &TimelineEvent,
    mid: f64,
    colour: &str,
    drawing: &Drawing,
    x: &impl Fn(i64) -> f64,
) {
    let withheld = drawing.words.get("withheld");
    let label = format!(
        "{} — {}: {}",
        drawing.words.date(&event.date),
        event.dossier.title,
        plain_text(&event.event, withheld).trim()
    );
    if let Some(root) = drawing.root {
        let _ = write!(
            out,
            "<a href=\"{}{}\">",
            escape_html(root),
            escape_html(&dossier_path(&event.dossier.id))
        );
    }
    let (start, end) = span(&event.date);
    if event.date.day.is_some() {
        let _ = write!(
            out,
            "<circle cx=\"{}\" cy=\"{}\" r=\"5\" fill=\"{colour}\" stroke=\"#ffffff\" stroke-width=\"1\"/>",
            num(x(start)),
            num(mid)
        );
    } else {
        let (x0, x1) = (x(start), x(end));
        let _ = write!(
            out,
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"8\" rx=\"2\" fill=\"{colour}\" fill-opacity=\"0.45\" stroke=\"{colour}\" stroke-width=\"1\"/>",
            num(x0),
            num(mid - 4.0),
            num((x1 - x0).max(4.0))
        );
    }
    let _ = write!(out, "<title>{}</title>", escape_html(&label));
    if drawing.root.is_some() {
        out.push_str("</a>");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_count_from_the_epoch_and_partial_dates_span_their_period() {
        assert_eq!(days(1970, 1, 1), 0);
        assert_eq!(days(2000, 3, 1), 11_017);
        let month = span(&Date::parse("2019-05").unwrap());
        assert_eq!(month.1 - month.0, 31);
        let year = span(&Date::parse("2020").unwrap());
        assert_eq!(year.1 - year.0, 366);
        let december = span(&Date::parse("2019-12").unwrap());
        assert_eq!(december.1, days(2020, 1, 1));
        let day = span(&Date::parse("2019-06-10").unwrap());
        assert_eq!(day.1 - day.0, 1);
    }
}
