//! A dossier body: pulldown-cmark events plus casefile's references, recognised once.
//!
//! Citations (`[@src, p. 4]`, `[@a; @b]`) are found in text only, never in code or e-mail
//! addresses; wiki-links (`[[id#heading|text]]`) come from pulldown-cmark's wiki-link
//! extension; footnote definitions are lifted out of the flow. Text in, pieces and
//! diagnostics out; no disk.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

use pulldown_cmark::{CowStr, Event, LinkType, Options, Parser, Tag, TagEnd};

use crate::diagnostics::{Code, Diagnostic};
use crate::model::Spanned;

/// Largest nesting of block quotes and lists accepted in a body.
pub const MAX_NESTING: usize = 64;

/// One source at a citation point.
#[derive(Debug, Clone, PartialEq)]
pub struct RawCite {
    /// The source id as written, with its span.
    pub key: Spanned<String>,
    /// Locator such as `p. 4`.
    pub locator: Option<String>,
}

/// A body as parsed, before ids are resolved.
#[derive(Debug, Clone, PartialEq)]
pub enum RawPiece {
    /// An ordinary Markdown event.
    Markdown(Event<'static>),
    /// A citation point.
    Cite(Vec<RawCite>),
    /// A footnote reference.
    FootnoteRef(Spanned<String>),
    /// Start of a `[[…]]` link.
    WikiStart {
        /// Target id with its span.
        target: Spanned<String>,
        /// Heading slug after `#`.
        heading: Option<String>,
        /// The author gave own link text (`[[id|text]]`).
        has_text: bool,
    },
    /// End of a `[[…]]` link.
    WikiEnd,
}

/// A footnote definition.
#[derive(Debug, Clone, PartialEq)]
pub struct FootnoteDef {
    /// Its label with the span of the definition.
    pub label: Spanned<String>,
    /// Its content.
    pub pieces: Vec<RawPiece>,
}

/// A heading with its anchor.
#[derive(Debug, Clone, PartialEq)]
pub struct HeadingInfo {
    /// Anchor slug, unique in the body.
    pub anchor: String,
}

/// A parsed body.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Body {
    /// The flow, footnote definitions removed.
    pub pieces: Vec<RawPiece>,
    /// Footnote definitions, in document order.
    pub footnotes: Vec<FootnoteDef>,
    /// Headings in order.
    pub headings: Vec<HeadingInfo>,
    /// Image paths as written, with spans.
    pub images: Vec<Spanned<String>>,
}

fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_HEADING_ATTRIBUTES
        | Options::ENABLE_WIKILINKS
}

/// Parses a Markdown body that starts at byte `offset` of `file`.
pub fn parse_body(file: &str, text: &str, offset: usize, diags: &mut Vec<Diagnostic>) -> Body {
    let mut walker = Walker::new(file, text, offset, diags);
    for (event, range) in Parser::new_ext(text, options()).into_offset_iter() {
        walker.event(event, range);
    }
    walker.finish()
}

/// Parses inline Markdown (a summary, a timeline event) and drops the paragraph around it.
pub fn parse_inline(
    file: &str,
    text: &str,
    offset: usize,
    diags: &mut Vec<Diagnostic>,
) -> Vec<RawPiece> {
    let body = parse_body(file, text, offset, diags);
    body.pieces
        .into_iter()
        .filter(|p| {
            !matches!(
                p,
                RawPiece::Markdown(Event::Start(Tag::Paragraph) | Event::End(TagEnd::Paragraph))
            )
        })
        .collect()
}

/// The URL slug of a text: accents folded, lowercase, words joined by `-`.
pub fn slug(text: &str) -> String {
    let folded = deunicode::deunicode(text).to_lowercase();
    let mut out = String::with_capacity(folded.len());
    for c in folded.chars() {
        if c.is_ascii_alphanumeric() || c == '_' {
            out.push(c);
        } else if (c.is_whitespace() || c == '-') && !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    while out.ends_with('-') {
        out.pop();
    }
    out
}

/// The URL slug of a tag: its [`slug`], or `tag` for one with no letters or digits at all.
pub fn tag_slug(tag: &str) -> String {
    match slug(tag) {
        s if s.is_empty() => "tag".to_string(),
        s => s,
    }
}

enum LinkKind {
    Wiki,
    Kept,
    Dropped,
}

struct Walker<'a, 'd> {
    file: &'a str,
    text: &'a str,
    offset: usize,
    diags: &'d mut Vec<Diagnostic>,
    body: Body,
    /// Where pieces go: the flow, or the footnote being defined.
    footnote: Option<FootnoteDef>,
    run: Option<(String, Range<usize>)>,
    links: Vec<LinkKind>,
    /// The heading being read: its position, explicit id, and text for its slug.
    heading: Option<(usize, Option<String>, String)>,
    used_anchors: BTreeSet<String>,
    /// Next suffix to try per heading slug, so that many equal headings stay linear.
    anchor_suffixes: BTreeMap<String, usize>,
    /// Text not yet pushed: consecutive text becomes one event.
    pending: String,
    code_depth: usize,
    nesting: usize,
    warned_html: bool,
}

impl<'a, 'd> Walker<'a, 'd> {
    fn new(file: &'a str, text: &'a str, offset: usize, diags: &'d mut Vec<Diagnostic>) -> Self {
        Walker {
            file,
            text,
            offset,
            diags,
            body: Body::default(),
            footnote: None,
            run: None,
            links: Vec::new(),
            heading: None,
            used_anchors: RESERVED_ANCHORS.iter().map(|a| a.to_string()).collect(),
            anchor_suffixes: BTreeMap::new(),
            pending: String::new(),
            code_depth: 0,
            nesting: 0,
            warned_html: false,
        }
    }

    fn span(&self, range: &Range<usize>) -> Range<usize> {
        self.offset + range.start..self.offset + range.end
    }

    fn push(&mut self, piece: RawPiece) {
        self.flush_pending();
        self.push_piece(piece);
    }

    fn flush_pending(&mut self) {
        if !self.pending.is_empty() {
            let text = std::mem::take(&mut self.pending);
            self.push_piece(RawPiece::Markdown(Event::Text(CowStr::from(text))));
        }
    }

    fn push_piece(&mut self, piece: RawPiece) {
        match &mut self.footnote {
            Some(def) => def.pieces.push(piece),
            None => self.body.pieces.push(piece),
        }
    }

    fn event(&mut self, event: Event<'_>, range: Range<usize>) {
        if let Event::Text(text) = &event {
            self.text(text, range.clone());
            if self.code_depth == 0 {
                return;
            }
        }
        self.flush_run();
        match event {
            Event::Start(tag) => self.start(tag, range),
            Event::End(end) => self.end(end),
            other => self.leaf(other, range),
        }
    }

    /// Text joins the current run (scanned for citations when the run ends); in code it is
    /// pushed as it is.
    fn text(&mut self, text: &str, range: Range<usize>) {
        if self.code_depth > 0 {
            return;
        }
        match &mut self.run {
            Some((run, r)) => {
                run.push_str(text);
                r.end = range.end;
            }
            None => self.run = Some((text.to_string(), range)),
        }
    }

    fn start(&mut self, tag: Tag<'_>, range: Range<usize>) {
        match tag {
            // `{#own-id}` sets the anchor; classes and other attributes (`onclick=…`) are
            // dropped: no author markup reaches the page unsanitized.
            Tag::Heading { level, id, .. } => {
                let index = self.current_len();
                let explicit = id.map(|i| self.explicit_anchor(&i, &range));
                self.heading = Some((index, explicit, String::new()));
                self.push_md(Event::Start(Tag::Heading {
                    level,
                    id: None,
                    classes: Vec::new(),
                    attrs: Vec::new(),
                }));
            }
            Tag::CodeBlock(kind) => {
                self.code_depth += 1;
                self.push_md(Event::Start(Tag::CodeBlock(kind)));
            }
            Tag::Link {
                link_type: LinkType::WikiLink { has_pothole },
                dest_url,
                ..
            } => {
                self.wiki_start(&dest_url, has_pothole, &range);
            }
            Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            } => {
                if is_allowed_link(&dest_url) || link_type == LinkType::Email {
                    self.links.push(LinkKind::Kept);
                    self.push_md(Event::Start(Tag::Link {
                        link_type,
                        dest_url,
                        title,
                        id,
                    }));
                } else {
                    self.links.push(LinkKind::Dropped);
                    let message = format!("link to `{dest_url}` is rendered as plain text");
                    let diag = Diagnostic::warning(Code::UnsafeLink, self.file, self.span(&range), message).with_help(
                        "links go to http, https or mailto addresses or #anchors; use [[id]] to link a dossier or entity",
                    );
                    self.diags.push(diag);
                }
            }
            Tag::Image {
                link_type,
                dest_url,
                title,
                id,
            } => {
                self.image(&dest_url, &range);
                self.push_md(Event::Start(Tag::Image {
                    link_type,
                    dest_url,
                    title,
                    id,
                }));
            }
            Tag::FootnoteDefinition(label) => {
                let span = self.span(&(range.start..range.start + label.len() + 3));
                let def = FootnoteDef {
                    label: Spanned::new(label.to_lowercase(), span),
                    pieces: Vec::new(),
                };
                if let Some(previous) = self.footnote.replace(def) {
                    self.body.footnotes.push(previous);
                }
            }
            tag @ (Tag::BlockQuote(_)
            | Tag::List(_)
            | Tag::Item
            | Tag::Emphasis
            | Tag::Strong
            | Tag::Strikethrough
            | Tag::Superscript
            | Tag::Subscript) => {
                self.nesting += 1;
                if self.nesting == MAX_NESTING + 1 {
                    let message = format!(
                        "lists, quotes and emphasis are nested deeper than {MAX_NESTING} levels"
                    );
                    self.diags.push(Diagnostic::error(
                        Code::TooDeep,
                        self.file,
                        self.span(&range),
                        message,
                    ));
                }
                self.push_md(Event::Start(tag));
            }
            other => self.push_md(Event::Start(other)),
        }
    }

    fn end(&mut self, end: TagEnd) {
        match end {
            TagEnd::Heading(_) => {
                self.end_heading();
            }
            TagEnd::CodeBlock => self.code_depth = self.code_depth.saturating_sub(1),
            TagEnd::Link => {
                match self.links.pop() {
                    Some(LinkKind::Wiki) => self.push(RawPiece::WikiEnd),
                    Some(LinkKind::Kept) => self.push_md(Event::End(TagEnd::Link)),
                    _ => {}
                }
                return;
            }
            TagEnd::FootnoteDefinition => {
                if let Some(def) = self.footnote.take() {
                    self.body.footnotes.push(def);
                }
                return;
            }
            TagEnd::BlockQuote(_)
            | TagEnd::List(_)
            | TagEnd::Item
            | TagEnd::Emphasis
            | TagEnd::Strong
            | TagEnd::Strikethrough
            | TagEnd::Superscript
            | TagEnd::Subscript => {
                self.nesting = self.nesting.saturating_sub(1);
            }
            _ => {}
        }
        self.push_md(Event::End(end));
    }

    fn leaf(&mut self, event: Event<'_>, range: Range<usize>) {
        match &event {
            Event::Code(code) => {
                if let Some((_, _, heading_text)) = &mut self.heading {
                    heading_text.push_str(code);
                }
            }
            Event::FootnoteReference(label) => {
                let span = self.span(&range);
                self.push(RawPiece::FootnoteRef(Spanned::new(
                    label.to_lowercase(),
                    span,
                )));
                return;
            }
            Event::Html(_) | Event::InlineHtml(_) if !self.warned_html => {
                self.warned_html = true;
                let diag = Diagnostic::warning(
                    Code::RawHtml,
                    self.file,
                    self.span(&range),
                    "raw HTML is left out of the PDF",
                )
                .with_help("the site keeps only harmless markup; write Markdown where you can");
                self.diags.push(diag);
            }
            _ => {}
        }
        self.push_md(event);
    }

    fn current_len(&mut self) -> usize {
        self.flush_pending();
        match &self.footnote {
            Some(def) => def.pieces.len(),
            None => self.body.pieces.len(),
        }
    }

    fn push_md(&mut self, event: Event<'_>) {
        self.push(RawPiece::Markdown(event.into_static()));
    }

    /// An explicit heading id, checked: anchor characters only, unique in the page, and none
    /// of the ids the page itself uses.
    fn explicit_anchor(&mut self, id: &str, range: &Range<usize>) -> String {
        let valid = !id.is_empty()
            && id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'));
        let problem = if !valid {
            Some(format!(
                "heading id `{id}` may use only letters, digits, `-` and `_`"
            ))
        } else if id.starts_with("cf-") {
            Some(format!(
                "heading id `{id}`: ids starting with `cf-` are kept for notes"
            ))
        } else if self.used_anchors.contains(id) {
            Some(format!("heading id `{id}` is already used on this page"))
        } else {
            None
        };
        match problem {
            Some(message) => {
                self.diags.push(Diagnostic::error(
                    Code::BadHeadingId,
                    self.file,
                    self.span(range),
                    message,
                ));
                slug(id)
            }
            None => id.to_string(),
        }
    }

    fn end_heading(&mut self) {
        let Some((index, explicit, text)) = self.heading.take() else {
            return;
        };
        let anchor = match explicit {
            Some(id) => id,
            None => {
                let base = match slug(&text) {
                    s if s.is_empty() => "section".to_string(),
                    s if s.starts_with("cf-") => format!("h-{s}"),
                    s => s,
                };
                let mut n = self.anchor_suffixes.get(&base).copied().unwrap_or(0);
                let mut anchor = if n == 0 {
                    base.clone()
                } else {
                    format!("{base}-{n}")
                };
                while self.used_anchors.contains(&anchor) {
                    n += 1;
                    anchor = format!("{base}-{n}");
                }
                self.anchor_suffixes.insert(base, n + 1);
                anchor
            }
        };
        self.used_anchors.insert(anchor.clone());
        let pieces = match &mut self.footnote {
            Some(def) => &mut def.pieces,
            None => &mut self.body.pieces,
        };
        if let Some(RawPiece::Markdown(Event::Start(Tag::Heading { id, .. }))) =
            pieces.get_mut(index)
        {
            *id = Some(CowStr::from(anchor.clone()));
        }
        self.body.headings.push(HeadingInfo { anchor });
    }

    fn wiki_start(&mut self, dest: &str, has_text: bool, range: &Range<usize>) {
        self.links.push(LinkKind::Wiki);
        // Point at the target inside `[[…]]`.
        let source = &self.text[range.clone()];
        let start = range.start + source.find(dest).unwrap_or(0);
        let span = self.span(&(start..start + dest.len()));
        let (id, heading) = match dest.split_once('#') {
            Some((id, heading)) => (id.trim(), Some(heading.trim().to_string())),
            None => (dest.trim(), None),
        };
        self.push(RawPiece::WikiStart {
            target: Spanned::new(id.to_string(), span),
            heading,
            has_text,
        });
    }

    fn image(&mut self, dest: &str, range: &Range<usize>) {
        let span = self.span(range);
        if dest.starts_with("http://") || dest.starts_with("https://") || dest.starts_with("//") {
            let diag = Diagnostic::error(Code::RemoteImage, self.file, span, format!("remote image `{dest}`"))
                .with_help("builds run offline and PDFs embed what they show: save the image under content/ and use a relative path");
            self.diags.push(diag);
        } else {
            self.body.images.push(Spanned::new(dest.to_string(), span));
        }
    }

    /// Scans a run of text for citations and stray footnote references, in one pass: the
    /// next `]` is found once and reused, so `[[[[…` stays linear.
    fn flush_run(&mut self) {
        let Some((run, range)) = self.run.take() else {
            return;
        };
        let source = &self.text[range.clone()];
        let mut cursor = 0; // position in `source` for locating keys
        let mut consumed = 0; // text before this is pushed
        let mut search = 0; // where the next `[` is looked for
        let mut next_close: Option<usize> = None;
        while let Some(open) = run[search..].find('[').map(|i| search + i) {
            let inner_start = open + 1;
            let close = match next_close {
                Some(c) if c >= inner_start => c,
                _ => match run[inner_start..].find(']') {
                    Some(c) => {
                        next_close = Some(inner_start + c);
                        inner_start + c
                    }
                    None => break,
                },
            };
            let inner = &run[inner_start..close];
            if inner.starts_with('@') {
                if let Some(items) = self.citation(inner, source, &mut cursor, &range) {
                    self.push_text(&run[consumed..open]);
                    self.push(RawPiece::Cite(items));
                    consumed = close + 1;
                    search = close + 1;
                    continue;
                }
            }
            if let Some(label) = inner.strip_prefix('^').filter(|l| is_footnote_label(l)) {
                self.undefined_footnote(label, source, cursor, &range);
            }
            search = inner_start;
        }
        self.push_text(&run[consumed..]);
    }

    fn undefined_footnote(
        &mut self,
        label: &str,
        source: &str,
        cursor: usize,
        range: &Range<usize>,
    ) {
        let at = source[cursor..]
            .find(&format!("[^{label}]"))
            .map_or(0, |i| cursor + i);
        let span = self.span(&(range.start + at..range.start + at + label.len() + 3));
        let diag = Diagnostic::error(
            Code::UndefinedFootnote,
            self.file,
            span,
            format!("footnote `[^{label}]` has no definition"),
        )
        .with_help(format!("add a line `[^{label}]: …` with the note's text"));
        self.diags.push(diag);
    }

    /// Text joins the pending text; a heading also collects it for its anchor, except text
    /// inside `[[…]]`, whose target differs between builds (anchors must not).
    fn push_text(&mut self, text: &str) {
        if text.is_empty() {
            return;
        }
        if !matches!(self.links.last(), Some(LinkKind::Wiki)) {
            if let Some((_, _, heading_text)) = &mut self.heading {
                heading_text.push_str(text);
            }
        }
        self.pending.push_str(text);
    }

    /// Reads `@a, p. 4; @b` (the inside of `[…]`). `None` if it is not a citation; that is
    /// decided at the first character that cannot belong to a key, so junk costs little.
    fn citation(
        &mut self,
        inner: &str,
        source: &str,
        cursor: &mut usize,
        range: &Range<usize>,
    ) -> Option<Vec<RawCite>> {
        let mut items = Vec::new();
        let mut rest = inner;
        loop {
            let body = rest.trim_start().strip_prefix('@')?;
            let key_len = body.find(|c: char| !is_key_char(c)).unwrap_or(body.len());
            let key = &body[..key_len];
            let after = body[key_len..].trim_start();
            if key.is_empty() || !(after.is_empty() || after.starts_with([',', ';'])) {
                return None;
            }
            let (locator, next) = match after.strip_prefix(',') {
                Some(locator) => match locator.split_once(';') {
                    Some((locator, next)) => (locator, Some(next)),
                    None => (locator, None),
                },
                None => ("", after.strip_prefix(';')),
            };
            let needle = format!("@{key}");
            let at = source[*cursor..].find(&needle).map(|i| *cursor + i);
            // `\[@key]` is an escaped bracket: text, not a citation.
            if items.is_empty() && at.is_some_and(|a| source[..a].ends_with("\\[")) {
                return None;
            }
            if let Some(at) = at {
                *cursor = at + needle.len();
            }
            let start = range.start + at.map_or(0, |a| a + 1);
            let span = self.span(&(start..start + key.len()));
            let locator = Some(locator.trim().to_string()).filter(|l| !l.is_empty());
            items.push(RawCite {
                key: Spanned::new(key.to_string(), span),
                locator,
            });
            match next {
                Some(next) => rest = next,
                None => return Some(items),
            }
        }
    }

    fn finish(mut self) -> Body {
        self.flush_run();
        self.flush_pending();
        if let Some(def) = self.footnote.take() {
            self.body.footnotes.push(def);
        }
        self.body
    }
}

/// Ids the page around a dossier body uses (templates and notes); headings get others.
const RESERVED_ANCHORS: &[&str] = &[
    "main",
    "search-input",
    "search-results",
    "search-status",
    "notes-heading",
    "sources-heading",
    "timeline-heading",
    "backlinks-heading",
    "mentions-heading",
    "companions-heading",
];

/// Characters a citation key may hold: an id's, plus upper case and `.`/`:` so that a
/// mistyped key is still reported as an unknown source.
fn is_key_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':')
}

/// A plausible footnote label (what `[^label]` may hold).
fn is_footnote_label(label: &str) -> bool {
    !label.is_empty()
        && label.len() <= 200
        && label
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// Links an author may write in Markdown: web and mail addresses, and anchors in the page.
pub fn is_allowed_link(dest: &str) -> bool {
    let lower = dest.trim_start().to_ascii_lowercase();
    lower.starts_with("https://")
        || lower.starts_with("http://")
        || lower.starts_with("mailto:")
        || lower.starts_with('#')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> (Body, Vec<Diagnostic>) {
        let mut diags = Vec::new();
        let body = parse_body("d.md", text, 0, &mut diags);
        (body, diags)
    }

    fn cites(body: &Body) -> Vec<Vec<(String, Option<String>)>> {
        body.pieces
            .iter()
            .filter_map(|p| match p {
                RawPiece::Cite(items) => Some(
                    items
                        .iter()
                        .map(|c| (c.key.value.clone(), c.locator.clone()))
                        .collect(),
                ),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn citations_with_locators_and_several_sources() {
        let text = "One[@a, p. 2] and two [@b; @c, pp. 3-5].";
        let (body, diags) = parse(text);
        assert!(diags.is_empty());
        let found = cites(&body);
        assert_eq!(found.len(), 2);
        assert_eq!(found[0], vec![("a".to_string(), Some("p. 2".to_string()))]);
        assert_eq!(found[1][1], ("c".to_string(), Some("pp. 3-5".to_string())));
        let RawPiece::Cite(items) = &body
            .pieces
            .iter()
            .find(|p| matches!(p, RawPiece::Cite(_)))
            .unwrap()
        else {
            unreachable!()
        };
        assert_eq!(&text[items[0].key.span.clone()], "a");
    }

    #[test]
    fn nesting_deeper_than_the_limit_is_an_error() {
        let quotes = ">".repeat(MAX_NESTING + 5) + " deep\n";
        let (_, diags) = parse(&quotes);
        assert_eq!(diags.len(), 1, "{diags:?}");
        assert!(diags[0].message.contains("nested deeper than 64 levels"));
        let emphasis = "*a ".repeat(MAX_NESTING + 5) + "x" + &" a*".repeat(MAX_NESTING + 5);
        let (_, diags) = parse(&emphasis);
        assert!(
            diags.iter().any(|d| d.message.contains("nested deeper")),
            "{diags:?}"
        );
        let (_, diags) = parse(&">".repeat(MAX_NESTING - 1));
        assert!(diags.is_empty(), "{diags:?}");
    }

    #[test]
    fn an_escaped_bracket_is_not_a_citation() {
        let (body, _) = parse("Literal \\[@not-a-cite] and real [@cite].");
        let found = cites(&body);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0][0].0, "cite");
    }

    #[test]
    fn no_citations_in_code_or_email() {
        let (body, _) = parse("Write to press@sedena.gob.mx, `[@not]`.\n\n```\n[@code]\n```\n");
        assert!(cites(&body).is_empty());
    }

    #[test]
    fn headings_get_folded_unique_anchors() {
        let (body, _) =
            parse("## Almoloya de Juárez\n\n## Almoloya de Juárez\n\n## Own {#own-id}\n");
        let anchors: Vec<_> = body.headings.iter().map(|h| h.anchor.as_str()).collect();
        assert_eq!(
            anchors,
            ["almoloya-de-juarez", "almoloya-de-juarez-1", "own-id"]
        );
    }

    #[test]
    fn wiki_links_with_heading_and_text() {
        let text = "See [[case-1#the-offer|the offer]] and [[sedena]].";
        let (body, _) = parse(text);
        let links: Vec<_> = body
            .pieces
            .iter()
            .filter_map(|p| match p {
                RawPiece::WikiStart {
                    target,
                    heading,
                    has_text,
                } => Some((
                    target.value.clone(),
                    heading.clone(),
                    *has_text,
                    target.span.clone(),
                )),
                _ => None,
            })
            .collect();
        assert_eq!(links[0].0, "case-1");
        assert_eq!(links[0].1.as_deref(), Some("the-offer"));
        assert!(links[0].2);
        assert_eq!(&text[links[1].3.clone()], "sedena");
        assert!(!links[1].2);
    }

    #[test]
    fn footnotes_are_lifted_out() {
        let (body, diags) = parse("Text[^a].\n\n[^a]: The note.\n\nAfter.");
        assert!(diags.is_empty());
        assert_eq!(body.footnotes.len(), 1);
        assert!(body
            .pieces
            .iter()
            .any(|p| matches!(p, RawPiece::FootnoteRef(l) if l.value == "a")));
    }

    #[test]
    fn undefined_footnote_is_an_error() {
        let (_, diags) = parse("Text[^missing].\n");
        assert_eq!(diags.len(), 1, "{diags:?}");
        assert!(diags[0].message.contains("[^missing]"));
    }

    #[test]
    fn unsafe_links_become_text_with_a_warning() {
        let (body, diags) = parse("[x](javascript:alert(1)) [y](other.md)");
        assert_eq!(diags.len(), 2);
        assert!(!body
            .pieces
            .iter()
            .any(|p| matches!(p, RawPiece::Markdown(Event::Start(Tag::Link { .. })))));
    }

    #[test]
    fn slugs_fold_accents() {
        assert_eq!(slug("Almoloya de Juárez"), "almoloya-de-juarez");
        assert_eq!(slug("State of Mexico"), "state-of-mexico");
        assert_eq!(slug("  What's new?  "), "whats-new");
    }
}
