//! Bodies, summaries and timeline events turned into model pieces: citation notes and
//! footnotes numbered together in order of first reference, `[[…]]` links resolved against
//! what this build publishes (anything else becomes `[withheld]`).

use std::collections::{BTreeMap, VecDeque};

use pulldown_cmark::{CowStr, Event, LinkType, Tag, TagEnd};

use crate::i18n::Words;
use crate::model::{CiteEntry, LinkTarget, Note, NoteContent, NotePart, Piece, Source};
use crate::parse::markdown::{RawCite, RawPiece};
use crate::resolve::validate::content_path;
use crate::resolve::Published;

/// What resolving one dossier's text found besides the pieces.
#[derive(Debug, Default)]
pub struct Found {
    /// Notes in number order.
    pub notes: Vec<Note>,
    /// Published dossiers linked, in order (duplicates possible).
    pub dossier_links: Vec<usize>,
    /// Published entities linked, in order (duplicates possible).
    pub entity_links: Vec<usize>,
    /// Sources cited (indices into the shown sources), in order (duplicates possible).
    pub cited: Vec<usize>,
}

/// Resolves the texts of one dossier. Notes are numbered across calls in call order, so
/// call [`BodyResolver::body`] first.
pub struct BodyResolver<'a> {
    published: &'a Published<'a>,
    dossier: usize,
    file: &'a str,
    /// The words of the text's language, for the wording of its notes.
    words: &'a Words,
    footnotes: BTreeMap<&'a str, &'a [RawPiece]>,
    numbers: BTreeMap<String, u32>,
    queue: VecDeque<(u32, &'a [RawPiece])>,
    found: Found,
}

impl<'a> BodyResolver<'a> {
    /// A resolver for dossier `dossier` (index into the parsed dossiers).
    pub fn new(published: &'a Published<'a>, dossier: usize) -> Self {
        let parsed = &published.parsed[dossier];
        let footnotes = parsed
            .body
            .footnotes
            .iter()
            .map(|f| (f.label.value.as_str(), f.pieces.as_slice()))
            .collect();
        BodyResolver {
            published,
            dossier,
            file: &parsed.file,
            words: published.words_of(dossier),
            footnotes,
            numbers: BTreeMap::new(),
            queue: VecDeque::new(),
            found: Found::default(),
        }
    }

    /// A resolver for catalog text (entity descriptions): no local sources, no footnotes.
    pub fn for_catalog(published: &'a Published<'a>, file: &'a str) -> Self {
        BodyResolver {
            published,
            dossier: usize::MAX,
            file,
            words: published.interface.words(published.lang),
            footnotes: BTreeMap::new(),
            numbers: BTreeMap::new(),
            queue: VecDeque::new(),
            found: Found::default(),
        }
    }

    /// The body: citations and footnote references become numbered notes; then the texts of
    /// the footnotes referenced, in which citations stay inline.
    pub fn body(&mut self, raw: &'a [RawPiece]) -> Vec<Piece> {
        let pieces = self.flow(raw, false);
        while let Some((number, raw)) = self.queue.pop_front() {
            let content = self.flow(raw, true);
            if let Some(note) = self.note_mut(number) {
                note.content = NoteContent::Footnote(content);
            }
        }
        pieces
    }

    /// Inline text (summary, timeline event, entity description): citations stay inline.
    pub fn inline(&mut self, raw: &'a [RawPiece]) -> Vec<Piece> {
        self.flow(raw, true)
    }

    /// Everything found so far.
    pub fn finish(self) -> Found {
        self.found
    }

    fn flow(&mut self, raw: &'a [RawPiece], inline_cites: bool) -> Vec<Piece> {
        let mut out = Vec::with_capacity(raw.len());
        // Inside a `[[…]]`: whether its own text is being skipped, and whether it was opened.
        let mut link: Option<(bool, bool)> = None;
        for piece in raw {
            if let Some((skip, _)) = link {
                if skip && !matches!(piece, RawPiece::WikiEnd) {
                    continue;
                }
            }
            match piece {
                RawPiece::Markdown(event) => out.push(Piece::Markdown(self.event(event))),
                RawPiece::Cite(items) if inline_cites => {
                    trim_trailing_space(&mut out);
                    out.push(Piece::InlineCitation(self.entries(items)));
                }
                RawPiece::Cite(items) => {
                    trim_trailing_space(&mut out);
                    let number = self.next_number();
                    let anchor = format!("cf-ref-{number}");
                    let content = NoteContent::Citation(self.entries(items));
                    self.found.notes.push(Note {
                        number,
                        refs: vec![anchor.clone()],
                        content,
                    });
                    out.push(Piece::NoteRef { number, anchor });
                }
                RawPiece::FootnoteRef(label) => {
                    trim_trailing_space(&mut out);
                    out.extend(self.footnote_ref(&label.value));
                }
                RawPiece::WikiStart {
                    target,
                    heading,
                    has_text,
                } => {
                    let (piece, title) = self.wiki(&target.value, heading.as_deref());
                    match piece {
                        Some(Piece::Withheld) => {
                            out.push(Piece::Withheld);
                            link = Some((true, false));
                        }
                        Some(start) => {
                            out.push(start);
                            if !has_text {
                                out.push(Piece::Markdown(Event::Text(CowStr::from(title))));
                            }
                            link = Some((!has_text, true));
                        }
                        None => link = Some((false, false)),
                    }
                }
                RawPiece::WikiEnd => {
                    if let Some((_, true)) = link.take() {
                        out.push(Piece::LinkEnd);
                    }
                }
                // Its text is in the text before it; validation has warned.
                RawPiece::SuspectCite(_) => {}
            }
        }
        autolink(out)
    }

    fn next_number(&self) -> u32 {
        self.found.notes.len() as u32 + 1
    }

    /// The note numbered `number`: notes are numbered 1, 2, … in order, so it is found by
    /// position, not by a search.
    fn note_mut(&mut self, number: u32) -> Option<&mut Note> {
        let index = (number as usize).checked_sub(1)?;
        self.found
            .notes
            .get_mut(index)
            .filter(|n| n.number == number)
    }

    fn footnote_ref(&mut self, label: &str) -> Option<Piece> {
        if let Some(&number) = self.numbers.get(label) {
            let note = self.note_mut(number)?;
            let anchor = format!("cf-ref-{number}-{}", note.refs.len() + 1);
            note.refs.push(anchor.clone());
            return Some(Piece::NoteRef { number, anchor });
        }
        // An undefined footnote was reported by validation; it gets no note.
        let raw = *self.footnotes.get(label)?;
        let number = self.next_number();
        let anchor = format!("cf-ref-{number}");
        self.numbers.insert(label.to_string(), number);
        self.found.notes.push(Note {
            number,
            refs: vec![anchor.clone()],
            content: NoteContent::Footnote(Vec::new()),
        });
        self.queue.push_back((number, raw));
        Some(Piece::NoteRef { number, anchor })
    }

    fn event(&self, event: &Event<'static>) -> Event<'static> {
        match event {
            Event::Start(Tag::Image {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                let dest = content_path(self.file, dest_url)
                    .map_or_else(|| dest_url.clone(), CowStr::from);
                Event::Start(Tag::Image {
                    link_type: *link_type,
                    dest_url: dest,
                    title: title.clone(),
                    id: id.clone(),
                })
            }
            other => other.clone(),
        }
    }

    fn entries(&mut self, items: &[RawCite]) -> Vec<CiteEntry> {
        items
            .iter()
            .filter_map(|cite| {
                let at = self.published.index.source(self.dossier, &cite.key.value)?;
                let source = *self.published.source_index.get(&at)?;
                self.found.cited.push(source);
                let parts = note_parts(
                    &self.published.sources[source],
                    cite.locator.as_deref(),
                    self.words,
                );
                Some(CiteEntry {
                    source: Some(source),
                    parts,
                })
            })
            .collect()
    }

    /// The start piece for a `[[…]]` link and the target's title or name.
    fn wiki(&mut self, id: &str, heading: Option<&str>) -> (Option<Piece>, String) {
        use crate::resolve::index::Named;
        match self.published.index.names.get(id) {
            Some(&Named::Dossier(d)) if self.published.dossiers[d] => {
                self.found.dossier_links.push(d);
                let parsed = &self.published.parsed[d];
                let mut title = parsed
                    .meta
                    .title
                    .as_ref()
                    .map(|t| t.value.clone())
                    .unwrap_or_default();
                // A link into a page says where in it: "Title › Heading".
                let section =
                    heading.and_then(|h| parsed.body.headings.iter().find(|info| info.anchor == h));
                if let Some(section) = section.filter(|s| !s.text.is_empty()) {
                    title = format!("{title} › {}", section.text);
                }
                let target = LinkTarget::Dossier {
                    id: id.to_string(),
                    heading: heading.map(str::to_string),
                };
                (Some(Piece::LinkStart(target)), title)
            }
            Some(&Named::Entity(e)) if self.published.entities[e] => {
                self.found.entity_links.push(e);
                let name = self.published.entity_defs[e].name.clone();
                (
                    Some(Piece::LinkStart(LinkTarget::Entity { id: id.to_string() })),
                    name,
                )
            }
            Some(_) => (Some(Piece::Withheld), String::new()),
            None => (None, String::new()),
        }
    }
}

/// Bare `http://` and `https://` addresses in text become links that print their address,
/// as `<https://…>` does, on the site and in the PDFs. Text inside links, images and code
/// stays as it is. An address ends at a space; punctuation that ends a sentence or closes
/// an unmatched parenthesis is left out of it.
fn autolink(pieces: Vec<Piece>) -> Vec<Piece> {
    let mut out = Vec::with_capacity(pieces.len());
    // Open links, images and code blocks around the current piece.
    let mut inside = 0usize;
    for piece in pieces {
        match &piece {
            Piece::LinkStart(_)
            | Piece::Markdown(Event::Start(
                Tag::Link { .. } | Tag::Image { .. } | Tag::CodeBlock(_),
            )) => inside += 1,
            Piece::LinkEnd
            | Piece::Markdown(Event::End(TagEnd::Link | TagEnd::Image | TagEnd::CodeBlock)) => {
                inside = inside.saturating_sub(1)
            }
            Piece::Markdown(Event::Text(text)) if inside == 0 && text.contains("://") => {
                link_addresses(text, &mut out);
                continue;
            }
            _ => {}
        }
        out.push(piece);
    }
    out
}

/// Pushes `text` with each bare address in it as a link.
fn link_addresses(text: &str, out: &mut Vec<Piece>) {
    let mut rest = text;
    while let Some((start, end)) = next_address(rest) {
        if start > 0 {
            out.push(Piece::Markdown(Event::Text(CowStr::from(
                rest[..start].to_string(),
            ))));
        }
        let url = rest[start..end].to_string();
        out.push(Piece::Markdown(Event::Start(Tag::Link {
            link_type: LinkType::Autolink,
            dest_url: CowStr::from(url.clone()),
            title: CowStr::from(""),
            id: CowStr::from(""),
        })));
        out.push(Piece::Markdown(Event::Text(CowStr::from(url))));
        out.push(Piece::Markdown(Event::End(TagEnd::Link)));
        rest = &rest[end..];
    }
    if !rest.is_empty() {
        out.push(Piece::Markdown(Event::Text(CowStr::from(rest.to_string()))));
    }
}

/// The byte range of the first bare address in `text`: `http://` or `https://` at the start
/// of a word, with something after the scheme.
fn next_address(text: &str) -> Option<(usize, usize)> {
    let mut from = 0;
    while let Some(found) = text[from..].find("http") {
        let start = from + found;
        let tail = &text[start..];
        let scheme = ["https://", "http://"]
            .into_iter()
            .find(|s| tail.starts_with(s));
        let at_word_start = text[..start].chars().next_back().is_none_or(|c| {
            c.is_whitespace() || matches!(c, '(' | '[' | '"' | '\'' | '<' | '«' | '“')
        });
        if let (Some(scheme), true) = (scheme, at_word_start) {
            let len = tail.find(char::is_whitespace).unwrap_or(tail.len());
            let len = trim_address(&tail[..len]);
            if len > scheme.len() {
                return Some((start, start + len));
            }
        }
        from = start + 4;
    }
    None
}

/// The length of an address without the punctuation that follows it in a sentence.
fn trim_address(candidate: &str) -> usize {
    let mut end = candidate.len();
    loop {
        let Some(last) = candidate[..end].chars().next_back() else {
            return end;
        };
        let unmatched_paren = last == ')'
            && candidate[..end].matches('(').count() < candidate[..end].matches(')').count();
        if matches!(
            last,
            '.' | ',' | ';' | ':' | '!' | '?' | '"' | '\'' | '»' | '”' | '>' | ']'
        ) || unmatched_paren
        {
            end -= last.len_utf8();
        } else {
            return end;
        }
    }
}

/// A note marker sits right after the word it annotates: `forces [@x]` reads `forces¹`.
fn trim_trailing_space(out: &mut Vec<Piece>) {
    // A line break in the source before `[@…]` is a space too.
    while matches!(out.last(), Some(Piece::Markdown(Event::SoftBreak))) {
        out.pop();
    }
    if let Some(Piece::Markdown(Event::Text(text))) = out.last_mut() {
        if text.ends_with(char::is_whitespace) {
            *text = CowStr::from(text.trim_end().to_string());
        }
    }
}

/// The wording of a citation of `source` with an optional locator: title, authors,
/// publisher, date, locator, then the URL. A confidential source in a public build says only
/// "Confidential source", in the words of the citing text's language.
pub fn note_parts(source: &Source, locator: Option<&str>, words: &Words) -> Vec<NotePart> {
    let mut parts = Vec::new();
    if source.anonymous {
        parts.push(NotePart::Text(words.get("confidential_source").to_string()));
    } else {
        parts.push(NotePart::Title(source.title.clone()));
    }
    let mut details = Vec::new();
    if !source.authors.is_empty() {
        details.push(source.authors.join(", "));
    }
    details.extend(source.publisher.clone());
    details.extend(source.date.map(|d| words.date(&d)));
    let mut text = String::new();
    for detail in details {
        text.push_str(", ");
        text.push_str(&detail);
    }
    // The note ends with the locator, as the format requires: the URL comes before it.
    if let Some(url) = &source.url {
        text.push_str(", ");
        parts.push(NotePart::Text(std::mem::take(&mut text)));
        parts.push(NotePart::Url(url.clone()));
    }
    if let Some(locator) = locator {
        text.push_str(", ");
        text.push_str(locator);
    }
    if !text.is_empty() {
        parts.push(NotePart::Text(text));
    }
    parts
}

#[cfg(test)]
mod autolink_tests {
    use super::*;

    fn addresses(text: &str) -> Vec<String> {
        let mut out = Vec::new();
        link_addresses(text, &mut out);
        let mut found = Vec::new();
        let mut in_link = false;
        for piece in out {
            match piece {
                Piece::Markdown(Event::Start(Tag::Link { dest_url, .. })) => {
                    in_link = true;
                    found.push(dest_url.to_string());
                }
                Piece::Markdown(Event::End(TagEnd::Link)) => in_link = false,
                Piece::Markdown(Event::Text(t)) if in_link => {
                    assert_eq!(found.last().unwrap(), &*t)
                }
                _ => {}
            }
        }
        found
    }

    #[test]
    fn bare_addresses_become_links_without_the_sentence_punctuation() {
        assert_eq!(
            addresses("See https://example.org/a/b.html. Then http://x.example/q?a=1, done"),
            ["https://example.org/a/b.html", "http://x.example/q?a=1"]
        );
        assert_eq!(
            addresses("(at https://en.wikipedia.org/wiki/Sedena_(Mexico))"),
            ["https://en.wikipedia.org/wiki/Sedena_(Mexico)"]
        );
        assert_eq!(
            addresses("«https://example.org/x»"),
            ["https://example.org/x"]
        );
    }

    #[test]
    fn text_that_only_looks_like_an_address_stays_text() {
        assert!(addresses("https:// alone, xhttps://example.org, and httpx").is_empty());
    }

    #[test]
    fn addresses_inside_links_and_code_stay_as_they_are() {
        let text = |t: &str| Piece::Markdown(Event::Text(CowStr::from(t.to_string())));
        let pieces = vec![
            Piece::Markdown(Event::Start(Tag::CodeBlock(
                pulldown_cmark::CodeBlockKind::Indented,
            ))),
            text("https://example.org/in-code"),
            Piece::Markdown(Event::End(TagEnd::CodeBlock)),
            text("and https://example.org/out"),
        ];
        let out = autolink(pieces);
        let links = out
            .iter()
            .filter(|p| matches!(p, Piece::Markdown(Event::Start(Tag::Link { .. }))))
            .count();
        assert_eq!(links, 1);
    }
}
