//! Dossier text to Typst markup. Author text is always escaped so that it prints literally
//! (`#read("/etc/passwd")` is text, not code); structure is emitted as Typst function calls
//! (`#strong[…]`, `#table(…)`), never by splicing author text into code.

use std::fmt::Write;

use pulldown_cmark::{Alignment, CodeBlockKind, Event, HeadingLevel, Tag, TagEnd};

use crate::model::{wording, CiteEntry, LinkTarget, Note, NoteContent, NotePart, Piece};
use crate::render::pdf::world::MEDIA_DIR;

/// Characters after which an unbroken run of text gets a break opportunity.
const LONGEST_UNBROKEN: usize = 64;

/// Characters with a meaning in Typst markup.
fn is_markup_special(c: char) -> bool {
    matches!(
        c,
        '\\' | '#'
            | '$'
            | '*'
            | '_'
            | '`'
            | '<'
            | '>'
            | '@'
            | '['
            | ']'
            | '~'
            | '='
            | '-'
            | '+'
            | '/'
            | '{'
            | '}'
            | '"'
            | '\''
    )
}

/// Above this many special characters a text goes in as one string rather than as escapes:
/// every escape is a node of its own, and Typst slows down badly on hundreds of thousands.
const MOST_ESCAPES: usize = 32;

/// Text for Typst markup that prints literally: every character with a meaning in markup
/// gets a backslash, or the whole text becomes a string literal when it has many of them.
pub fn escape(text: &str) -> String {
    let text = with_break_opportunities(text);
    if text.chars().filter(|&c| is_markup_special(c)).count() > MOST_ESCAPES {
        let flat: String = text
            .chars()
            .map(|c| {
                if matches!(c, '\n' | '\r' | '\t') {
                    ' '
                } else {
                    c
                }
            })
            .collect();
        return format!("#{};", string(&flat));
    }
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    let mut previous = ' ';
    for c in text.chars() {
        match c {
            c if is_markup_special(c) => {
                out.push('\\');
                out.push(c);
            }
            // `1.` at the start of a line would begin a numbered list.
            '.' if previous.is_ascii_digit() => out.push_str("\\."),
            '\n' | '\r' | '\t' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
        previous = c;
    }
    out
}

/// A very long unbroken run (a hash, pathological input) gets invisible break opportunities
/// (zero-width spaces): Typst cannot wrap a run without any. A URL gets none: Typst breaks
/// a run after `://` or from `www.` at its punctuation by itself, and a zero-width space
/// would travel with the URL when a reader copies it.
fn with_break_opportunities(text: &str) -> std::borrow::Cow<'_, str> {
    let needs = text
        .split(char::is_whitespace)
        .any(|w| w.chars().count() >= LONGEST_UNBROKEN && !is_url_run(w));
    if !needs {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + text.len() / LONGEST_UNBROKEN * 3);
    let mut rest = text;
    while !rest.is_empty() {
        let space = rest.len() - rest.trim_start().len();
        out.push_str(&rest[..space]);
        rest = &rest[space..];
        let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        let word = &rest[..end];
        if is_url_run(word) {
            out.push_str(word);
        } else {
            for (i, c) in word.chars().enumerate() {
                if i > 0 && i % LONGEST_UNBROKEN == 0 {
                    out.push('\u{200B}');
                }
                out.push(c);
            }
        }
        rest = &rest[end..];
    }
    std::borrow::Cow::Owned(out)
}

/// A run of text Typst's line breaker treats as a URL (and breaks at its punctuation).
fn is_url_run(word: &str) -> bool {
    word.starts_with("www.") || word.contains("://")
}

/// A link that prints its URL (without the leading `#`): the text is the URL exactly, with
/// no break opportunity added (Typst breaks URLs at their punctuation), set by the
/// template's `url-text` so that it never hyphenates.
pub fn url_link(url: &str) -> String {
    format!("link({}, url-text({}))", string(url), string(url))
}

/// A Typst string literal holding `text`.
pub fn string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A label name made only of characters Typst accepts in labels.
pub fn label(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect()
}

/// The label of a heading of dossier `id` in the compendium. Its parts are joined with `:`,
/// which neither an id nor an anchor can contain, so that `a--b` + `c` and `a` + `b--c`
/// stay two labels.
pub fn heading_label(id: &str, anchor: &str) -> String {
    format!("{}:{}", label(&format!("d-{id}")), label(anchor))
}

/// Which document the markup is for: links and labels differ.
#[derive(Debug, Clone, Copy)]
pub enum Target<'a> {
    /// A briefing of one dossier: links to other dossiers and entities are plain text.
    Briefing,
    /// The compendium, inside a dossier's chapter: links to dossiers it holds and to entities
    /// are internal, with page numbers.
    Compendium(Chapter<'a>),
}

/// Where compendium markup is: the dossier whose chapter it is in (or whose event the back
/// matter lists), and the dossiers the compendium holds by id.
#[derive(Debug, Clone, Copy)]
pub struct Chapter<'a> {
    /// The dossier's id.
    pub id: &'a str,
    /// The dossiers of the compendium (a link to any other prints as text).
    pub held: &'a std::collections::BTreeMap<String, usize>,
}

impl Target<'_> {
    /// Whether a link to the dossier `id` goes to its chapter.
    pub fn links_to(&self, id: &str) -> bool {
        matches!(self, Target::Compendium(chapter) if chapter.held.contains_key(id))
    }
}

impl Target<'_> {
    /// The label of a heading anchor of the current dossier.
    pub fn heading_label(&self, anchor: &str) -> String {
        match self {
            Target::Briefing => format!("h:{}", label(anchor)),
            Target::Compendium(chapter) => heading_label(chapter.id, anchor),
        }
    }

    fn note_label(&self, number: u32) -> String {
        match self {
            Target::Briefing => format!("fn-{number}"),
            Target::Compendium(chapter) => label(&format!("fn-{}-{number}", chapter.id)),
        }
    }
}

/// Writes pieces as Typst markup.
pub struct Emitter<'a> {
    target: Target<'a>,
    notes: &'a [Note],
    out: String,
    /// Inside an image: its path and the alt text gathered so far.
    image_alt: Option<(String, String)>,
    /// Inside a code block, whose text goes into a string literal.
    code: bool,
    /// What closes each open link.
    link_ends: Vec<String>,
    /// The anchor of the heading being written.
    heading_anchor: Option<String>,
    in_table_head: bool,
}

impl<'a> Emitter<'a> {
    /// An emitter for `target`; `notes` are the dossier's notes, placed as footnotes.
    pub fn new(target: Target<'a>, notes: &'a [Note]) -> Self {
        Emitter {
            target,
            notes,
            out: String::new(),
            image_alt: None,
            code: false,
            link_ends: Vec::new(),
            heading_anchor: None,
            in_table_head: false,
        }
    }

    /// The markup written so far.
    pub fn finish(self) -> String {
        self.out
    }

    /// Writes pieces.
    pub fn pieces(&mut self, pieces: &[Piece]) {
        for piece in pieces {
            self.piece(piece);
        }
    }

    fn piece(&mut self, piece: &Piece) {
        if let Some((_, alt)) = &mut self.image_alt {
            match piece {
                Piece::Markdown(Event::End(TagEnd::Image)) => {}
                Piece::Markdown(Event::Text(t) | Event::Code(t)) => {
                    alt.push_str(t);
                    return;
                }
                _ => return,
            }
        }
        match piece {
            Piece::Markdown(event) => self.event(event),
            Piece::NoteRef { number, anchor } => self.note_ref(*number, anchor),
            Piece::InlineCitation(entries) => {
                self.out.push_str(" (");
                self.citation(entries, "");
                self.out.push(')');
            }
            Piece::LinkStart(target) => self.link_start(target),
            Piece::LinkEnd => self.link_end(),
            // `t`, the interface words, is bound by the document's preamble.
            Piece::Withheld => self.out.push_str("#t.withheld;"),
        }
    }

    fn note_ref(&mut self, number: u32, anchor: &str) {
        // Inside a note (no notes to place) a reference to another note is its number: Typst
        // has no footnote inside a footnote. Such notes follow the body (see `later_notes`).
        if self.notes.is_empty() {
            let _ = write!(self.out, "#super[{number}];");
            return;
        }
        let label = self.target.note_label(number);
        // A dossier's notes are numbered 1, 2, … in order: found by position, not by a
        // search along them for every reference.
        let first = (number as usize)
            .checked_sub(1)
            .and_then(|i| self.notes.get(i))
            .filter(|n| n.number == number)
            .or_else(|| self.notes.iter().find(|n| n.number == number))
            .filter(|n| n.refs.first().map(String::as_str) == Some(anchor));
        match first {
            Some(note) => {
                let content = note_markup(note, self.target);
                let _ = write!(self.out, "#footnote[{content}]<{label}>");
            }
            None => {
                let _ = write!(self.out, "#footnote(<{label}>);");
            }
        }
    }

    /// A citation's wording, exactly as on the site (see [`wording`]).
    pub fn citation(&mut self, entries: &[CiteEntry], ending: &str) {
        for part in wording(entries, ending) {
            match part {
                NotePart::Title(t) => {
                    let _ = write!(self.out, "#emph[{}];", escape(&t));
                }
                NotePart::Text(t) => self.out.push_str(&escape(&t)),
                NotePart::Url(u) => {
                    self.out.push('#');
                    self.out.push_str(&url_link(&u));
                    self.out.push(';');
                }
            }
        }
    }

    fn link_start(&mut self, target: &LinkTarget) {
        let end = match (self.target, target) {
            (Target::Compendium(_), LinkTarget::Dossier { id, heading })
                if self.target.links_to(id) =>
            {
                let label = match heading {
                    Some(anchor) => heading_label(id, anchor),
                    None => label(&format!("d-{id}")),
                };
                let _ = write!(self.out, "#xref({}, t: t)[", string(&label));
                "];".to_string()
            }
            (Target::Compendium(_), LinkTarget::Entity { id }) => {
                let target = label(&format!("e-{id}"));
                let _ = write!(self.out, "#entity-ref({})[", string(&target));
                "];".to_string()
            }
            // A briefing, or a dossier the compendium leaves out: the text, emphasised.
            _ => {
                self.out.push_str("#emph[");
                "];".to_string()
            }
        };
        self.link_ends.push(end);
    }

    fn link_end(&mut self) {
        let end = self.link_ends.pop().unwrap_or_else(|| "]".to_string());
        self.out.push_str(&end);
    }

    fn event(&mut self, event: &Event<'_>) {
        match event {
            Event::Start(tag) => self.start(tag),
            Event::End(tag) => self.end(tag),
            Event::Text(t) if self.code => {
                let quoted = string(t);
                self.out.push_str(&quoted[1..quoted.len() - 1]);
            }
            Event::Text(t) => self.out.push_str(&escape(t)),
            Event::Code(t) => {
                let _ = write!(self.out, "#raw({});", string(t));
            }
            Event::SoftBreak => self.out.push(' '),
            Event::HardBreak => self.out.push_str("#linebreak();"),
            Event::Rule => self
                .out
                .push_str("\n#line(length: 100%, stroke: 0.5pt + luma(160))\n"),
            Event::TaskListMarker(done) => self.out.push_str(if *done { "☑ " } else { "☐ " }),
            // Raw HTML is left out of the PDF (the author was warned when it was parsed).
            Event::Html(_) | Event::InlineHtml(_) => {}
            Event::FootnoteReference(_) | Event::InlineMath(_) | Event::DisplayMath(_) => {}
        }
    }

    fn start(&mut self, tag: &Tag<'_>) {
        match tag {
            Tag::Paragraph => self.out.push('\n'),
            Tag::Heading { level, id, .. } => {
                let depth = (heading_depth(*level) + 1).min(6);
                self.heading_anchor = id.as_ref().map(|a| a.to_string());
                let _ = write!(self.out, "\n#heading(level: {depth})[");
            }
            Tag::BlockQuote(_) => self.out.push_str("\n#quote(block: true)["),
            Tag::CodeBlock(kind) => {
                let lang = match kind {
                    CodeBlockKind::Fenced(lang) if !lang.is_empty() => format!(
                        "lang: {}, ",
                        string(lang.split_whitespace().next().unwrap_or(""))
                    ),
                    _ => String::new(),
                };
                let _ = write!(self.out, "\n#raw(block: true, {lang}");
                self.out.push('"');
                self.code = true;
            }
            Tag::List(Some(start)) => {
                let _ = write!(self.out, "\n#enum(start: {start}, ");
            }
            Tag::List(None) => self.out.push_str("\n#list("),
            Tag::Item => self.out.push('['),
            Tag::Table(alignments) => {
                let aligns: Vec<&str> = alignments
                    .iter()
                    .map(|a| match a {
                        Alignment::Right => "right",
                        Alignment::Center => "center",
                        _ => "left",
                    })
                    .collect();
                let _ = write!(
                    self.out,
                    "\n#table(columns: {}, align: ({},), ",
                    alignments.len().max(1),
                    aligns.join(", ")
                );
            }
            Tag::TableHead => {
                self.in_table_head = true;
                self.out.push_str("table.header(");
            }
            Tag::TableRow => {}
            Tag::TableCell => {
                if self.in_table_head {
                    self.out.push_str("[#strong[");
                } else {
                    self.out.push('[');
                }
            }
            Tag::Emphasis => self.out.push_str("#emph["),
            Tag::Strong => self.out.push_str("#strong["),
            Tag::Strikethrough => self.out.push_str("#strike["),
            Tag::Superscript => self.out.push_str("#super["),
            Tag::Subscript => self.out.push_str("#sub["),
            Tag::Link {
                dest_url,
                link_type,
                ..
            } => {
                // An in-page `#anchor` may name no heading of the PDF: its text stays, unlinked.
                if dest_url.starts_with('#') {
                    self.out.push_str("#[");
                    self.link_ends.push("];".to_string());
                } else if *link_type == pulldown_cmark::LinkType::Autolink {
                    // `<https://…>` prints its URL: as a URL, never hyphenated.
                    let _ = write!(self.out, "#link({})[#url-text[", string(dest_url));
                    self.link_ends.push("]];".to_string());
                } else {
                    let _ = write!(self.out, "#link({})[", string(dest_url));
                    self.link_ends.push("];".to_string());
                }
            }
            Tag::Image { dest_url, .. } => {
                self.image_alt = Some((dest_url.to_string(), String::new()))
            }
            Tag::FootnoteDefinition(_)
            | Tag::HtmlBlock
            | Tag::MetadataBlock(_)
            | Tag::DefinitionList
            | Tag::DefinitionListTitle
            | Tag::DefinitionListDefinition => {}
        }
    }

    fn end(&mut self, tag: &TagEnd) {
        match tag {
            TagEnd::Paragraph => self.out.push('\n'),
            TagEnd::Heading(_) => {
                self.out.push(']');
                if let Some(anchor) = self.heading_anchor.take() {
                    let _ = write!(self.out, " <{}>", self.target.heading_label(&anchor));
                }
                self.out.push('\n');
            }
            TagEnd::BlockQuote(_) => self.out.push_str("]\n"),
            TagEnd::CodeBlock => {
                self.out.push_str("\")\n");
                self.code = false;
            }
            TagEnd::List(_) => self.out.push_str(")\n"),
            TagEnd::Item => self.out.push_str("],"),
            TagEnd::Table => self.out.push_str(")\n"),
            TagEnd::TableHead => {
                self.in_table_head = false;
                self.out.push_str("),");
            }
            TagEnd::TableRow => {}
            TagEnd::TableCell => self
                .out
                .push_str(if self.in_table_head { "]]," } else { "]," }),
            TagEnd::Emphasis
            | TagEnd::Strong
            | TagEnd::Strikethrough
            | TagEnd::Superscript
            | TagEnd::Subscript => {
                self.out.push_str("];");
            }
            TagEnd::Link => self.link_end(),
            TagEnd::Image => {
                if let Some((path, alt)) = self.image_alt.take() {
                    let _ = write!(
                        self.out,
                        "#figure(image({}, alt: {}, width: 80%), caption: [{}]);",
                        string(&format!("{MEDIA_DIR}{path}")),
                        string(&alt),
                        escape(&alt)
                    );
                }
            }
            _ => {}
        }
    }
}

fn heading_depth(level: HeadingLevel) -> u8 {
    level as u8
}

/// A note's content as markup: a citation's wording, or a footnote's text (its citations
/// inline; footnote paragraphs joined).
pub fn note_markup(note: &Note, target: Target) -> String {
    let mut emitter = Emitter::new(target, &[]);
    match &note.content {
        NoteContent::Citation(entries) => emitter.citation(entries, "."),
        NoteContent::Footnote(pieces) => emitter.pieces(pieces),
    }
    emitter.finish().trim().to_string()
}

/// The notes referenced only from other notes' text, which cannot be footnotes: they
/// follow the body, each with its number.
pub fn later_notes(body: &[Piece], notes: &[Note], target: Target) -> String {
    let placed: std::collections::BTreeSet<u32> = body
        .iter()
        .filter_map(|p| match p {
            Piece::NoteRef { number, .. } => Some(*number),
            _ => None,
        })
        .collect();
    let mut out = String::new();
    for note in notes.iter().filter(|n| !placed.contains(&n.number)) {
        let _ = writeln!(
            out,
            "#block(text(size: 8.5pt)[#super[{}] {}])",
            note.number,
            note_markup(note, target)
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn injection_is_escaped() {
        let e = escape("#read(\"/etc/passwd\") @sedena $x$ *b* _i_ `c` <l> [x] = h");
        assert!(!e.contains("#read") || e.contains("\\#read"));
        for needle in [
            "\\#", "\\@", "\\$", "\\*", "\\_", "\\`", "\\<", "\\[", "\\/",
        ] {
            assert!(e.contains(needle), "{needle} in {e}");
        }
    }

    #[test]
    fn strings_are_quoted() {
        assert_eq!(string("a\"b\\c\n"), "\"a\\\"b\\\\c\\n\"");
    }

    #[test]
    fn numbered_line_start_is_escaped() {
        assert_eq!(escape("1. x"), "1\\. x");
    }

    #[test]
    fn heading_labels_of_ids_and_anchors_with_double_hyphens_stay_apart() {
        let first = heading_label("a--b", "c");
        let second = heading_label("a", "b--c");
        assert_ne!(first, second);
        assert_ne!(
            first,
            label("d-a--b--c"),
            "nor the label of a dossier `a--b--c`"
        );
        for written in [first, second] {
            assert!(
                typst::syntax::is_valid_label_literal_id(&written),
                "Typst takes `<{written}>` as a label"
            );
        }
    }
}
