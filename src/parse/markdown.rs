//! A dossier body: pulldown-cmark events plus casefile's references, recognised once.
//!
//! Citations (`[@src, p. 4]`, `[@a; @b]`) are found in text only, never in code or e-mail
//! addresses; brackets that read like mistyped citations are kept for validation, which
//! knows the sources. Wiki-links (`[[id#heading|text]]`) come from pulldown-cmark's wiki-link
//! extension; an unclosed `[[id` is reported. Footnote definitions are lifted out of the
//! flow. Text in, pieces and diagnostics out; no disk.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

use pulldown_cmark::{CowStr, Event, LinkType, Options, Parser, Tag, TagEnd};

use crate::diagnostics::{Code, Diagnostic};
use crate::model::Spanned;
use crate::parse::citation::{self, Bracket, Item};

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
    /// A bracket that reads like a mistyped citation. It renders as nothing (its text is in
    /// the text before it); validation, which knows the sources, decides whether to warn.
    SuspectCite(SuspectCite),
}

/// A bracket that reads like a mistyped citation.
#[derive(Debug, Clone, PartialEq)]
pub struct SuspectCite {
    /// The bracket as written, with its span in the file.
    pub written: Spanned<String>,
    /// The citation it probably means: source keys as written, with their locators.
    pub meant: Vec<(String, Option<String>)>,
    /// What makes it suspect.
    pub suspicion: Suspicion,
}

/// What makes a bracket a suspected typo.
#[derive(Debug, Clone, PartialEq)]
pub enum Suspicion {
    /// It is printed as text because of a space after `@` (`[@ src]`) or a missing comma
    /// before the locator (`[@src p. 3]`). `locator_like`: one of its locators reads like a
    /// page, chapter or section.
    NotACitation {
        /// A locator reads like a page, chapter or section.
        locator_like: bool,
    },
    /// A citation whose locator reads like another source (`[@a, @b]`, `[@a, b]`): those
    /// keys, each with whether it was written with `@`.
    LocatorIsKey(Vec<(String, bool)>),
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
    /// The heading's text, without the text of `[[links]]` in it, whitespace collapsed.
    pub text: String,
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
    /// Where each paragraph, list item and block quote of the flow starts: the index of its
    /// `Start` piece in `pieces`, with its span in the file (for the audit's diagnostics).
    pub block_starts: Vec<(usize, Range<usize>)>,
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
    run: Option<TextRun>,
    /// Suspected typos in text not yet pushed; they follow that text.
    suspects: Vec<SuspectCite>,
    /// The end of each open block that holds text (paragraph, heading, table cell, list
    /// item), and whether an unclosed `[[` was reported in it.
    blocks: Vec<(usize, bool)>,
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
    /// The images being read: the span and path of each, and whether it has alt text yet.
    images: Vec<(Range<usize>, String, bool)>,
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
            suspects: Vec::new(),
            blocks: Vec::new(),
            links: Vec::new(),
            heading: None,
            used_anchors: RESERVED_ANCHORS.iter().map(|a| a.to_string()).collect(),
            anchor_suffixes: BTreeMap::new(),
            pending: String::new(),
            code_depth: 0,
            nesting: 0,
            warned_html: false,
            images: Vec::new(),
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
        for suspect in std::mem::take(&mut self.suspects) {
            self.push_piece(RawPiece::SuspectCite(suspect));
        }
    }

    fn push_piece(&mut self, piece: RawPiece) {
        match &mut self.footnote {
            Some(def) => def.pieces.push(piece),
            None => self.body.pieces.push(piece),
        }
    }

    fn event(&mut self, event: Event<'_>, range: Range<usize>) {
        if let (Some(image), Event::Text(text) | Event::Code(text)) =
            (self.images.last_mut(), &event)
        {
            image.2 |= !text.trim().is_empty();
        }
        if let Event::Text(text) = &event {
            self.text(text, range.clone());
            if self.code_depth == 0 {
                return;
            }
        }
        self.flush_run();
        match &event {
            Event::Start(Tag::Paragraph | Tag::Heading { .. } | Tag::TableCell | Tag::Item) => {
                self.blocks.push((range.end, false));
            }
            Event::End(
                TagEnd::Paragraph | TagEnd::Heading(_) | TagEnd::TableCell | TagEnd::Item,
            ) => {
                self.blocks.pop();
            }
            _ => {}
        }
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
        self.run
            .get_or_insert_with(TextRun::default)
            .push(text, range, self.text);
    }

    fn start(&mut self, tag: Tag<'_>, range: Range<usize>) {
        if matches!(tag, Tag::Paragraph | Tag::Item | Tag::BlockQuote(_)) && self.footnote.is_none()
        {
            let index = self.current_len();
            let span = self.span(&range);
            self.body.block_starts.push((index, span));
        }
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
                self.images
                    .push((self.span(&range), dest_url.to_string(), false));
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
            TagEnd::Image => self.end_image(),
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
            Event::Html(html) | Event::InlineHtml(html) if !self.warned_html => {
                self.raw_images_without_alt(html, &range);
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
            Event::Html(html) | Event::InlineHtml(html) => {
                self.raw_images_without_alt(html, &range)
            }
            _ => {}
        }
        self.push_md(event);
    }

    /// Raw `<img>` tags without an `alt` attribute in a piece of raw HTML at `range`.
    /// Kind: `image-without-alt`.
    fn raw_images_without_alt(&mut self, html: &str, range: &Range<usize>) {
        let lower = html.to_ascii_lowercase();
        let mut from = 0;
        while let Some(found) = lower[from..].find("<img") {
            let start = from + found;
            let end = lower[start..]
                .find('>')
                .map_or(lower.len(), |e| start + e + 1);
            let tag = &lower[start..end];
            let has_alt = tag
                .split(|c: char| c.is_ascii_whitespace() || c == '/')
                .any(|attribute| attribute == "alt" || attribute.starts_with("alt="));
            let boundary = tag[4..]
                .chars()
                .next()
                .is_none_or(|c| c.is_ascii_whitespace() || c == '>' || c == '/');
            if boundary && !has_alt {
                let at = range.start + start;
                let span = self.span(&(at..range.start + end.min(html.len())));
                let diag = Diagnostic::warning(
                    Code::ImageWithoutAlt,
                    self.file,
                    span,
                    format!("image `{}` has no alternative text", &html[start..end]),
                )
                .with_help("add an `alt=\"…\"` saying what it shows, or write it as Markdown: `![A map of the region](map.png)`");
                self.diags.push(diag);
            }
            from = end.max(start + 4);
        }
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
        let shown = text.split_whitespace().collect::<Vec<_>>().join(" ");
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
        self.body.headings.push(HeadingInfo {
            anchor,
            text: shown,
        });
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

    /// An image without alternative text is a warning: screen readers and the PDF's tags
    /// have nothing else to say of it. Kind: `image-without-alt`.
    fn end_image(&mut self) {
        let Some((span, dest, false)) = self.images.pop() else {
            return;
        };
        let message = format!("image `{dest}` has no alternative text");
        let diag = Diagnostic::warning(Code::ImageWithoutAlt, self.file, span, message)
            .with_help(format!(
                "say what it shows between the brackets, as in `![A map of the region]({dest})`; screen readers read it, and the page shows it if the image is missing"
            ));
        self.diags.push(diag);
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

    /// Scans a run of text for citations, suspected typos, unclosed `[[` and stray
    /// footnote references, in one pass: the next `]` is found once and reused, so `[[[[…`
    /// stays linear.
    fn flush_run(&mut self) {
        let Some(run) = self.run.take() else {
            return;
        };
        let text = run.text.as_str();
        let mut consumed = 0; // text before this is pushed
        let mut search = 0; // where the next `[` is looked for
        let mut close_memo = None;
        while let Some(open) = text[search..].find('[').map(|i| search + i) {
            let inner_start = open + 1;
            search = inner_start;
            // `\[` is an escaped bracket: text, whatever follows.
            if run.escaped(open, self.text) {
                continue;
            }
            if text[inner_start..].starts_with('[') && !text[..open].ends_with('[') {
                self.check_link_closed(&run, open);
            }
            let Some(close) = next_close(text, inner_start, &mut close_memo) else {
                continue; // no bracket can close any more; only `[[` is still looked for
            };
            let inner = &text[inner_start..close];
            if inner.starts_with('@') {
                let bracket = run.source_offset(open)..run.source_offset(close) + 1;
                match citation::read(inner) {
                    Bracket::Cite(items) => {
                        self.push_text(&text[consumed..open]);
                        self.cite(&run, inner_start, &items, bracket);
                        consumed = close + 1;
                        search = close + 1;
                        continue;
                    }
                    Bracket::Typo {
                        items,
                        locator_like,
                    } => {
                        let suspicion = Suspicion::NotACitation { locator_like };
                        self.suspect(bracket, meant(&items), suspicion);
                    }
                    Bracket::Text => {}
                }
            }
            if let Some(label) = inner.strip_prefix('^').filter(|l| is_footnote_label(l)) {
                self.undefined_footnote(label, run.source_offset(open));
            }
        }
        self.push_text(&text[consumed..]);
    }

    /// Pushes a citation, and a suspect after it when a locator reads like another source
    /// (`[@a, @b]`).
    fn cite(&mut self, run: &TextRun, inner_at: usize, items: &[Item], bracket: Range<usize>) {
        let cites = items
            .iter()
            .map(|item| {
                let start = run.source_offset(inner_at + item.key_at);
                RawCite {
                    key: Spanned::new(
                        item.key.to_string(),
                        self.span(&(start..start + item.key.len())),
                    ),
                    locator: item.locator.map(str::to_string),
                }
            })
            .collect();
        self.push(RawPiece::Cite(cites));
        let mut keys = Vec::new();
        let mut meant = Vec::new();
        for item in items {
            match item.locator.and_then(citation::locator_as_key) {
                Some(other) => {
                    keys.push((other.key.to_string(), other.with_at));
                    meant.push((item.key.to_string(), None));
                    meant.push((other.key.to_string(), other.locator.map(str::to_string)));
                }
                None => meant.push((item.key.to_string(), item.locator.map(str::to_string))),
            }
        }
        if !keys.is_empty() {
            self.suspect(bracket, meant, Suspicion::LocatorIsKey(keys));
        }
    }

    /// Keeps a suspected typo; it follows the text it was found in.
    fn suspect(
        &mut self,
        bracket: Range<usize>,
        meant: Vec<(String, Option<String>)>,
        suspicion: Suspicion,
    ) {
        let written = self
            .text
            .get(bracket.clone())
            .unwrap_or_default()
            .to_string();
        self.suspects.push(SuspectCite {
            written: Spanned::new(written, self.span(&bracket)),
            meant,
            suspicion,
        });
    }

    /// Reports a `[[` at byte `open` of the run that no `]]` closes before the next `[[` or
    /// the end of its block (once per block: the first one is what needs fixing).
    fn check_link_closed(&mut self, run: &TextRun, open: usize) {
        let end = match self.blocks.last() {
            Some((_, true)) => return,
            Some(&(end, false)) => end,
            None => self.text.len(),
        };
        let start = run.source_offset(open);
        let after = self.text.as_bytes().get(start + 2..end).unwrap_or_default();
        let closed = after
            .windows(2)
            .find_map(|w| match w {
                b"]]" => Some(true),
                b"[[" => Some(false),
                _ => None,
            })
            .unwrap_or(false);
        if closed {
            return;
        }
        if let Some(block) = self.blocks.last_mut() {
            block.1 = true;
        }
        let target: String = run.text[open + 2..]
            .chars()
            .take_while(|&c| citation::is_key_char(c) || c == '#')
            .take(60)
            .collect();
        let end = run.source_offset(open + 2 + target.len()).max(start + 2);
        let written = self.text.get(start..end).unwrap_or("[[");
        let help = if target.is_empty() {
            "a link to a dossier or entity is written `[[id]]`, closed in the same paragraph; \
             write `\\[[` for brackets as text"
                .to_string()
        } else {
            format!("did you mean `[[{target}]]`?")
        };
        let diag = Diagnostic::warning(
            Code::UnclosedWikiLink,
            self.file,
            self.span(&(start..end)),
            format!("`{written}` is not closed: it is printed as text"),
        )
        .with_help(help);
        self.diags.push(diag);
    }

    /// Reports `[^label]` at body offset `at` that no definition matched (pulldown-cmark
    /// leaves it as text).
    fn undefined_footnote(&mut self, label: &str, at: usize) {
        let span = self.span(&(at..at + label.len() + 3));
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

    fn finish(mut self) -> Body {
        self.flush_run();
        self.flush_pending();
        if let Some(def) = self.footnote.take() {
            self.body.footnotes.push(def);
        }
        self.body
    }
}

/// Consecutive text events joined, so that a citation split over several events (`[`, `@a`,
/// `]`) is read as one; positions in the joined text map back to the body through the
/// events' ranges.
#[derive(Default)]
struct TextRun {
    text: String,
    segments: Vec<Segment>,
}

/// One text event of a run: where its text starts in the run, its range in the body, and
/// whether its text is the body's as written (not an entity such as `&amp;`).
struct Segment {
    at: usize,
    source: Range<usize>,
    verbatim: bool,
}

impl TextRun {
    fn push(&mut self, text: &str, range: Range<usize>, body: &str) {
        let verbatim = body.get(range.clone()) == Some(text);
        self.segments.push(Segment {
            at: self.text.len(),
            source: range,
            verbatim,
        });
        self.text.push_str(text);
    }

    /// The segment holding byte `at` of the run's text (the last one for its end).
    fn segment(&self, at: usize) -> (usize, &Segment) {
        let i = self
            .segments
            .partition_point(|s| s.at <= at)
            .saturating_sub(1);
        (i, &self.segments[i])
    }

    /// The body offset of byte `at` of the run's text; inside an entity, the entity's start.
    fn source_offset(&self, at: usize) -> usize {
        let (_, segment) = self.segment(at);
        if segment.verbatim {
            (segment.source.start + (at - segment.at)).min(segment.source.end)
        } else {
            segment.source.start
        }
    }

    /// True when the character at byte `at` was escaped (`\[`): its event starts right
    /// after a backslash that no event of the run holds.
    fn escaped(&self, at: usize, body: &str) -> bool {
        let (i, segment) = self.segment(at);
        let start = segment.source.start;
        let after_gap = i == 0 || self.segments[i - 1].source.end < start;
        segment.at == at && after_gap && body[..start].ends_with('\\')
    }
}

/// The first `]` in `text` at or after `from`. `memo` keeps the last one found (`usize::MAX`
/// when none is left); positions asked for only grow, so the text is searched once.
fn next_close(text: &str, from: usize, memo: &mut Option<usize>) -> Option<usize> {
    match *memo {
        Some(c) if c >= from => {}
        _ => *memo = Some(text[from..].find(']').map_or(usize::MAX, |c| from + c)),
    }
    memo.filter(|&c| c != usize::MAX)
}

/// The citation a suspected typo probably means, as key and locator pairs.
fn meant(items: &[Item]) -> Vec<(String, Option<String>)> {
    items
        .iter()
        .map(|i| (i.key.to_string(), i.locator.map(str::to_string)))
        .collect()
}

/// Ids the page around a dossier body uses (templates and notes); headings get others.
pub const RESERVED_ANCHORS: &[&str] = &[
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
    "evidence-heading",
    "neighbourhood-heading",
    "sorter",
    "sort-by",
    "lang-filter",
    "status-filter",
    "confidence-filter",
    "coverage-filter",
];

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

    #[test]
    fn every_literal_id_of_the_built_in_templates_is_reserved_for_headings() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
        let mut missing = Vec::new();
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
            for rest in text.split("id=\"").skip(1) {
                let id = rest.split('"').next().unwrap_or_default();
                let literal = !id.is_empty()
                    && id
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
                if literal && !super::RESERVED_ANCHORS.contains(&id) {
                    missing.push(format!("{}: {id}", entry.file_name().to_string_lossy()));
                }
            }
        }
        assert!(missing.is_empty(), "ids a heading could take: {missing:?}");
    }
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

    fn suspects(body: &Body) -> Vec<&SuspectCite> {
        body.pieces
            .iter()
            .filter_map(|p| match p {
                RawPiece::SuspectCite(s) => Some(s),
                _ => None,
            })
            .collect()
    }

    fn text_of(body: &Body) -> String {
        body.pieces
            .iter()
            .filter_map(|p| match p {
                RawPiece::Markdown(Event::Text(t)) => Some(t.as_ref()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn mistyped_citations_stay_text_and_are_kept_as_suspects() {
        let text = "Seen [@src p. 3] and [@ other] and [@a, @b].";
        let (body, diags) = parse(text);
        assert!(diags.is_empty(), "{diags:?}");
        assert_eq!(text_of(&body), "Seen [@src p. 3] and [@ other] and .");
        let found = suspects(&body);
        assert_eq!(found.len(), 3, "{found:?}");
        assert_eq!(found[0].written.value, "[@src p. 3]");
        assert_eq!(&text[found[0].written.span.clone()], "[@src p. 3]");
        assert_eq!(
            found[0].meant,
            [("src".to_string(), Some("p. 3".to_string()))]
        );
        assert_eq!(
            found[0].suspicion,
            Suspicion::NotACitation { locator_like: true }
        );
        assert_eq!(&text[found[1].written.span.clone()], "[@ other]");
        assert_eq!(
            found[2].suspicion,
            Suspicion::LocatorIsKey(vec![("b".to_string(), true)])
        );
        assert_eq!(found[2].meant[1], ("b".to_string(), None));
        assert_eq!(
            cites(&body),
            [vec![("a".to_string(), Some("@b".to_string()))]]
        );
    }

    #[test]
    fn no_suspects_in_code_or_email() {
        let (body, diags) =
            parse("Mail [ops@x.org p. 3], `[@src p. 3]`.\n\n```\n[@src p. 3] [[open\n```\n");
        assert!(suspects(&body).is_empty());
        assert!(diags.is_empty(), "{diags:?}");
    }

    #[test]
    fn an_unclosed_wiki_link_warns_at_its_brackets_once_per_paragraph() {
        let text = "See [[sedena and [[almoloya]].\n\nAlso [[x [[y\n\nFine [[z]] and [a] b.\n";
        let (_, diags) = parse(text);
        assert_eq!(diags.len(), 2, "{diags:?}");
        assert_eq!(&text[diags[0].span.clone().unwrap()], "[[sedena");
        assert_eq!(diags[0].help.as_deref(), Some("did you mean `[[sedena]]`?"));
        assert!(diags[0].message.contains("`[[sedena` is not closed"));
        assert_eq!(&text[diags[1].span.clone().unwrap()], "[[x");
        let (_, diags) = parse(&"[[".repeat(1000));
        assert_eq!(diags.len(), 1, "{diags:?}");
    }

    #[test]
    fn positions_map_through_entities_and_repeated_footnotes() {
        let text = "A &amp; B[@s] [^gone] and [^gone].";
        let (body, diags) = parse(text);
        let Some(RawPiece::Cite(items)) =
            body.pieces.iter().find(|p| matches!(p, RawPiece::Cite(_)))
        else {
            panic!("no citation")
        };
        assert_eq!(&text[items[0].key.span.clone()], "s");
        let spans: Vec<_> = diags
            .iter()
            .map(|d| d.span.clone().unwrap().start)
            .collect();
        assert_eq!(spans, [14, 26], "{diags:?}");
    }

    #[test]
    fn an_escaped_backslash_does_not_escape_the_bracket_after_it() {
        let (body, _) = parse("Two \\\\[@real] and \\[@not].");
        let found = cites(&body);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0][0].0, "real");
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
