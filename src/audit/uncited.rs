//! The `uncited` rule: the paragraphs, list items and block quotes of a dossier's body that
//! cite no source, directly (`[@src]`) or through a footnote whose text cites one.
//!
//! What is checked, and what is not (docs/audit.md says the same for authors):
//! - a paragraph at the top of the body, a list item (at any depth; an item is cited when a
//!   citation appears anywhere in it, its own sub-list included) and a block quote (as one
//!   passage, with the paragraphs and lists inside it);
//! - a block quote is also cited by a paragraph directly before or after it that cites: the
//!   words of a quotation cannot carry the citation, its lead-in or attribution does;
//! - never: headings, tables, code, raw HTML, footnote texts, the summary and timeline
//!   events (these have their own `sources:`);
//! - not: a block whose text is a question (ends with `?`), a task-list item (`- [ ] …`), a
//!   block without words (an image alone), and anything in a section whose heading names
//!   open questions, gaps, caveats or unknowns ([`is_questions_heading`]): such closing
//!   lists say what is not known, which no source can support.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

use pulldown_cmark::{Event, Tag, TagEnd};

use crate::parse::markdown::{Body, RawPiece};

/// What kind of block an uncited finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Block {
    /// A paragraph.
    Paragraph,
    /// A list item.
    ListItem,
    /// A block quote.
    Quote,
}

impl Block {
    /// How a message names it.
    pub fn noun(self) -> &'static str {
        match self {
            Block::Paragraph => "paragraph",
            Block::ListItem => "list item",
            Block::Quote => "block quote",
        }
    }
}

/// A block that cites nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Uncited {
    /// Its kind.
    pub block: Block,
    /// Its span in the file.
    pub span: Range<usize>,
    /// Its text, plain, whitespace collapsed.
    pub text: String,
}

/// Words that make a heading introduce open questions rather than claims, English and
/// Spanish, matched as whole words of the heading with accents folded. Plurals only, but for
/// "question": "The gap the report describes" is a finding, "Gaps and caveats" a list of
/// what is not known.
const QUESTIONS_HEADING_WORDS: &[&str] = &[
    "question",
    "questions",
    "pregunta",
    "gaps",
    "caveats",
    "unknowns",
    "limitations",
    "preguntas",
    "lagunas",
    "salvedades",
    "incognitas",
    "pendientes",
    "limitaciones",
    "reservas",
    "vacios",
];

/// True when a heading introduces open questions, gaps or caveats ("Open questions",
/// "Gaps and caveats", "Preguntas abiertas").
pub fn is_questions_heading(text: &str) -> bool {
    crate::parse::markdown::slug(text)
        .split('-')
        .any(|word| QUESTIONS_HEADING_WORDS.contains(&word))
}

/// The blocks of `body` that cite nothing and are not exempt.
pub fn find(body: &Body) -> Vec<Uncited> {
    claims(body)
        .into_iter()
        .filter(|c| !c.cited)
        .map(|c| c.block)
        .collect()
}

/// How many of a body's blocks make claims (the blocks [`find`] checks: not exempt) and how
/// many of those cite a source. The evidence panel's share of cited paragraphs is
/// `cited / citable`, so it counts exactly what the `uncited` rule reports.
pub fn coverage(body: &Body) -> crate::model::Coverage {
    let claims = claims(body);
    crate::model::Coverage {
        citable: claims.len(),
        cited: claims.iter().filter(|c| c.cited).count(),
    }
}

/// A block that makes a claim, cited or not.
#[derive(Debug, Clone)]
struct Claim {
    block: Uncited,
    cited: bool,
}

/// Every block of `body` that makes a claim, in document order.
fn claims(body: &Body) -> Vec<Claim> {
    let citing: BTreeSet<&str> = body
        .footnotes
        .iter()
        .filter(|f| f.pieces.iter().any(|p| matches!(p, RawPiece::Cite(_))))
        .map(|f| f.label.value.as_str())
        .collect();
    let mut walk = Walk {
        spans: body.block_starts.iter().cloned().collect(),
        citing,
        ..Walk::default()
    };
    for (index, piece) in body.pieces.iter().enumerate() {
        walk.piece(index, piece);
    }
    walk.finish()
}

/// A block being read.
#[derive(Debug)]
struct Open {
    block: Block,
    span: Range<usize>,
    cited: bool,
    text: String,
    task: bool,
    /// Opened inside an open-questions section.
    exempt: bool,
}

/// A block at the top of the body, in order, for the rule on quotes' neighbours.
#[derive(Debug)]
struct Top {
    block: Option<Block>,
    cited: bool,
    /// Its claim, if it is not exempt.
    claim: Option<Claim>,
}

#[derive(Debug, Default)]
struct Walk<'a> {
    spans: BTreeMap<usize, Range<usize>>,
    citing: BTreeSet<&'a str>,
    /// Blocks being read, outermost first.
    open: Vec<Open>,
    /// Open block-level tags (lists, items, quotes, paragraphs, tables, …).
    depth: usize,
    top: Vec<Top>,
    /// Claims inside lists and quotes (not top-level blocks).
    nested: Vec<Claim>,
    /// The level of the open-questions heading whose section this is.
    questions_level: Option<u8>,
    /// The text of the heading being read, with its level.
    heading: Option<(u8, String)>,
}

impl<'a> Walk<'a> {
    fn piece(&mut self, index: usize, piece: &'a RawPiece) {
        match piece {
            RawPiece::Markdown(Event::Start(tag)) => self.start(index, tag),
            RawPiece::Markdown(Event::End(end)) => self.end(end),
            RawPiece::Markdown(Event::Text(text) | Event::Code(text)) => self.text(text),
            RawPiece::Markdown(Event::SoftBreak | Event::HardBreak) => self.text(" "),
            RawPiece::Markdown(Event::TaskListMarker(_)) => {
                if let Some(open) = self.open.last_mut() {
                    open.task = open.block == Block::ListItem;
                }
            }
            RawPiece::Markdown(Event::Rule) if self.depth == 0 => self.top.push(Top {
                block: None,
                cited: false,
                claim: None,
            }),
            RawPiece::Cite(_) => self.cite(),
            RawPiece::FootnoteRef(label) if self.citing.contains(label.value.as_str()) => {
                self.cite();
            }
            _ => {}
        }
    }

    fn start(&mut self, index: usize, tag: &Tag) {
        if is_inline(tag) {
            return;
        }
        let at_top = self.depth == 0;
        self.depth += 1;
        if let Tag::Heading { level, .. } = tag {
            self.heading = Some((*level as u8, String::new()));
        }
        let block = match tag {
            Tag::Paragraph if self.open.is_empty() => Some(Block::Paragraph),
            Tag::Item if self.open.iter().all(|o| o.block == Block::ListItem) => {
                Some(Block::ListItem)
            }
            Tag::BlockQuote(_) if self.open.is_empty() => Some(Block::Quote),
            _ => None,
        };
        if at_top {
            self.top.push(Top {
                block,
                cited: false,
                claim: None,
            });
        }
        if let Some(block) = block {
            self.open.push(Open {
                block,
                span: self.spans.get(&index).cloned().unwrap_or(0..0),
                cited: false,
                text: String::new(),
                task: false,
                exempt: self.questions_level.is_some(),
            });
        }
    }

    fn end(&mut self, end: &TagEnd) {
        if is_inline_end(end) {
            return;
        }
        self.depth = self.depth.saturating_sub(1);
        if let TagEnd::Heading(_) = end {
            self.end_heading();
        }
        // Blocks inside a list item or quote are words apart.
        self.text(" ");
        let closes_open = match end {
            TagEnd::Paragraph => self
                .open
                .last()
                .is_some_and(|o| o.block == Block::Paragraph),
            TagEnd::Item => self.open.last().is_some_and(|o| o.block == Block::ListItem),
            TagEnd::BlockQuote(_) => self.open.last().is_some_and(|o| o.block == Block::Quote),
            _ => false,
        };
        let closed = if closes_open { self.open.pop() } else { None };
        let cited = closed.as_ref().is_some_and(|o| o.cited);
        let claim = closed.and_then(claim);
        if self.depth == 0 {
            if let Some(top) = self.top.last_mut() {
                top.cited = cited;
                top.claim = claim;
            }
        } else {
            self.nested.extend(claim);
        }
    }

    fn end_heading(&mut self) {
        let Some((level, text)) = self.heading.take() else {
            return;
        };
        if self.questions_level.is_some_and(|open| level <= open) {
            self.questions_level = None;
        }
        if is_questions_heading(&text) {
            self.questions_level = Some(level);
        }
    }

    fn text(&mut self, text: &str) {
        if let Some((_, heading)) = &mut self.heading {
            heading.push_str(text);
        }
        if let Some(open) = self.open.last_mut() {
            open.text.push_str(text);
        }
    }

    /// A citation counts for every block it is in.
    fn cite(&mut self) {
        for open in &mut self.open {
            open.cited = true;
        }
    }

    /// The claims in document order. A quote is cited by a citing paragraph beside it.
    fn finish(self) -> Vec<Claim> {
        let cites_beside = |i: usize, top: &[Top]| {
            let cites = |t: &Top| t.block == Some(Block::Paragraph) && t.cited;
            (i > 0 && cites(&top[i - 1])) || top.get(i + 1).is_some_and(cites)
        };
        let mut found: Vec<Claim> = self.nested;
        for (i, top) in self.top.iter().enumerate() {
            if let Some(claim) = &top.claim {
                let mut claim = claim.clone();
                if top.block == Some(Block::Quote) && cites_beside(i, &self.top) {
                    claim.cited = true;
                }
                found.push(claim);
            }
        }
        found.sort_by_key(|c| c.block.span.start);
        found
    }
}

/// The claim a closed block makes, unless it is exempt.
fn claim(open: Open) -> Option<Claim> {
    let text = open.text.split_whitespace().collect::<Vec<_>>().join(" ");
    let exempt =
        open.exempt || open.task || !text.chars().any(char::is_alphanumeric) || is_question(&text);
    (!exempt).then_some(Claim {
        block: Uncited {
            block: open.block,
            span: open.span,
            text,
        },
        cited: open.cited,
    })
}

/// A question asserts nothing: text ending with `?`, closing quotes and brackets aside.
fn is_question(text: &str) -> bool {
    text.trim_end_matches(|c: char| {
        c.is_whitespace() || matches!(c, '"' | '\'' | '”' | '’' | '»' | ')' | ']' | '*' | '_')
    })
    .ends_with('?')
}

fn is_inline(tag: &Tag) -> bool {
    matches!(
        tag,
        Tag::Emphasis
            | Tag::Strong
            | Tag::Strikethrough
            | Tag::Superscript
            | Tag::Subscript
            | Tag::Link { .. }
            | Tag::Image { .. }
    )
}

fn is_inline_end(end: &TagEnd) -> bool {
    matches!(
        end,
        TagEnd::Emphasis
            | TagEnd::Strong
            | TagEnd::Strikethrough
            | TagEnd::Superscript
            | TagEnd::Subscript
            | TagEnd::Link
            | TagEnd::Image
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uncited(body: &str) -> Vec<(Block, String)> {
        let mut diags = Vec::new();
        let parsed = crate::parse::markdown::parse_body("a.md", body, 0, &mut diags);
        find(&parsed)
            .into_iter()
            .map(|u| (u.block, u.text))
            .collect()
    }

    #[test]
    fn a_paragraph_without_citation_is_found_and_one_with_is_not() {
        let found = uncited("Cited claim [@a].\n\nBare claim.\n");
        assert_eq!(found, [(Block::Paragraph, "Bare claim.".to_string())]);
    }

    #[test]
    fn a_footnote_counts_only_when_its_text_cites() {
        let body = "One[^c].\n\nTwo[^n].\n\n[^c]: See [@a].\n\n[^n]: A remark.\n";
        assert_eq!(uncited(body), [(Block::Paragraph, "Two.".to_string())]);
    }

    #[test]
    fn headings_tables_and_code_are_never_findings() {
        let body = "## A heading\n\n| a | b |\n|---|---|\n| x | y |\n\n```\ncode\n```\n";
        assert!(uncited(body).is_empty());
    }

    #[test]
    fn each_list_item_is_checked_and_a_cited_sub_item_covers_its_parent() {
        let body = "- first [@a]\n- second\n- parent\n  - child [@b]\n";
        assert_eq!(uncited(body), [(Block::ListItem, "second".to_string())]);
    }

    #[test]
    fn a_loose_list_item_is_one_finding_not_one_per_paragraph() {
        let body = "- one\n\n  more of one\n\n- two [@a]\n";
        assert_eq!(
            uncited(body),
            [(Block::ListItem, "one more of one".to_string())]
        );
    }

    #[test]
    fn a_quote_is_cited_by_itself_or_by_the_paragraph_beside_it() {
        let before = "He said [@a]:\n\n> words\n\nAfter.\n";
        assert_eq!(uncited(before), [(Block::Paragraph, "After.".to_string())]);
        let after = "He said:\n\n> words\n\nSo the report [@a].\n";
        assert_eq!(uncited(after), [(Block::Paragraph, "He said:".to_string())]);
        let inside = "> words [@a]\n>\n> more words\n";
        assert!(uncited(inside).is_empty());
        let alone = "Intro.\n\n> words\n";
        assert_eq!(uncited(alone).len(), 2);
    }

    #[test]
    fn open_questions_sections_questions_and_tasks_are_not_findings() {
        let body = "## Open questions\n\n- Who paid\n- Bare claim in the section\n\n\
                    ## Facts\n\nBare fact.\n\n- Who paid?\n- [ ] Find the contract\n\n\
                    ## Preguntas abiertas\n\n1. ¿Quién pagó\n";
        assert_eq!(
            uncited(body),
            [(Block::Paragraph, "Bare fact.".to_string())]
        );
    }

    #[test]
    fn a_subsection_stays_in_its_open_questions_section_until_a_peer_heading() {
        let body = "## Gaps and caveats\n\n### Detail\n\nExempt.\n\n## Next\n\nFound.\n";
        assert_eq!(uncited(body), [(Block::Paragraph, "Found.".to_string())]);
    }

    #[test]
    fn an_image_alone_is_not_a_claim() {
        assert!(uncited("![](map.png)\n").is_empty());
    }

    #[test]
    fn question_headings_are_recognised_in_english_and_spanish() {
        for heading in [
            "Open questions",
            "Gaps and caveats",
            "Preguntas abiertas",
            "Lagunas y salvedades",
            "Unknowns",
            "One open question",
        ] {
            assert!(is_questions_heading(heading), "{heading}");
        }
        for heading in [
            "What the report says",
            "Assessment",
            "The gap the report describes",
            "Unknown soldier",
        ] {
            assert!(!is_questions_heading(heading), "{heading}");
        }
    }

    #[test]
    fn coverage_counts_the_blocks_the_rule_checks() {
        let mut diags = Vec::new();
        let body = "Cited [@a].\n\nBare.\n\n> quoted\n\nSo [@b].\n\n- item\n- Who?\n\n\
                    ## Open questions\n\n- exempt\n";
        let parsed = crate::parse::markdown::parse_body("a.md", body, 0, &mut diags);
        let coverage = coverage(&parsed);
        assert_eq!((coverage.citable, coverage.cited), (5, 3));
    }

    #[test]
    fn spans_point_at_the_block_in_the_file() {
        let body = "Cited [@a].\n\n- item\n\n> quote\n";
        let mut diags = Vec::new();
        let parsed = crate::parse::markdown::parse_body("a.md", body, 100, &mut diags);
        let starts: Vec<usize> = find(&parsed).iter().map(|u| u.span.start - 100).collect();
        assert_eq!(
            starts,
            [body.find("- item").unwrap(), body.find("> quote").unwrap()]
        );
    }
}
