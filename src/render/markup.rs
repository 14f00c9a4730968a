//! Dossier text (body, notes, summaries) to HTML: the model's pieces become pulldown-cmark
//! events and pulldown-cmark writes the HTML. Raw HTML from authors goes through a
//! sanitizer; every other piece of markup comes from events, so it is escaped by the writer.

use std::borrow::Cow;
use std::collections::HashSet;
use std::sync::LazyLock;

use pulldown_cmark::{CowStr, Event, LinkType, Tag, TagEnd};

use crate::model::{wording, CiteEntry, LinkTarget, NotePart, Piece};
use crate::render::{dossier_path, entity_path};

/// Keeps only harmless markup from raw HTML: no scripts, event handlers or styles, and URLs
/// only when absolute `http`, `https` or `mailto`, or a `#fragment`.
static SANITIZER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut builder = ammonia::Builder::default();
    builder
        .url_schemes(HashSet::from(["http", "https", "mailto"]))
        .url_relative(ammonia::UrlRelative::Custom(Box::new(keep_fragment_only)))
        .link_rel(Some("noopener noreferrer"))
        // `cite` holds a URL that ammonia does not filter: drop it.
        .rm_tag_attributes("blockquote", &["cite"])
        .rm_tag_attributes("q", &["cite"])
        .rm_tag_attributes("del", &["cite"])
        .rm_tag_attributes("ins", &["cite"]);
    builder
});

fn keep_fragment_only(url: &str) -> Option<Cow<'_, str>> {
    url.starts_with('#').then_some(Cow::Borrowed(url))
}

/// Sanitizes an author's raw HTML.
pub fn sanitize(html: &str) -> String {
    SANITIZER.clean(html).to_string()
}

/// Where links of a page go: the relative way up to the site root.
#[derive(Debug, Clone)]
pub struct PageLinks {
    /// `""` on the site root, `"../../"` on `dossiers/ID/index.html`.
    pub root: String,
    /// What a link to something the build leaves out reads, in the page's language.
    pub withheld: String,
    /// The accessible names of what the body adds around the author's Markdown.
    pub labels: BodyLabels,
}

/// Accessible names, in the page's language, for what a body's HTML adds: the states of a
/// task-list checkbox, and the regions a wide table or code block scrolls in.
#[derive(Debug, Clone, Default)]
pub struct BodyLabels {
    /// A checked task (`- [x]`).
    pub task_done: String,
    /// An open task (`- [ ]`).
    pub task_open: String,
    /// A table's scrolling region.
    pub table: String,
    /// A code block's scrolling region.
    pub code: String,
}

impl PageLinks {
    /// The URL of a `[[…]]` target from this page.
    pub fn target(&self, target: &LinkTarget) -> String {
        match target {
            LinkTarget::Dossier {
                id,
                heading: Some(h),
            } => format!("{}{}#{h}", self.root, dossier_path(id)),
            LinkTarget::Dossier { id, heading: None } => {
                format!("{}{}", self.root, dossier_path(id))
            }
            LinkTarget::Entity { id } => format!("{}{}", self.root, entity_path(id)),
        }
    }

    /// The URL of an image (a path relative to `content/`).
    pub fn media(&self, path: &str) -> String {
        format!("{}media/{path}", self.root)
    }
}

/// Renders pieces to HTML.
pub fn to_html(pieces: &[Piece], links: &PageLinks) -> String {
    let mut events: Vec<Event<'static>> = Vec::with_capacity(pieces.len());
    let mut i = 0;
    while i < pieces.len() {
        let raw = match &pieces[i] {
            Piece::Markdown(Event::Html(_)) => run_len(&pieces[i..], is_block_html),
            Piece::Markdown(Event::InlineHtml(_)) => run_len(&pieces[i..], is_inline_run),
            _ => 0,
        };
        if raw > 0 {
            // Raw HTML is sanitized together with the text between its tags, so that
            // `<a href=…>text</a>` keeps its link and `<script>…</script>` loses its text.
            let mut html = String::new();
            pulldown_cmark::html::push_html(
                &mut html,
                pieces[i..i + raw].iter().filter_map(markdown_event),
            );
            let clean = CowStr::from(sanitize(&html));
            let block = matches!(pieces[i], Piece::Markdown(Event::Html(_)));
            events.push(if block {
                Event::Html(clean)
            } else {
                Event::InlineHtml(clean)
            });
            i += raw;
            continue;
        }
        if let Some((figure, used)) = figure(&pieces[i..], links) {
            events.push(Event::Html(CowStr::from(figure)));
            i += used;
            continue;
        }
        push_piece(&pieces[i], links, &mut events);
        i += 1;
    }
    let mut out = String::new();
    pulldown_cmark::html::push_html(&mut out, events.into_iter());
    out
}

/// A paragraph holding one image and nothing else, as a figure captioned with the image's
/// alternative text, as the PDF shows it: `(html, pieces used)`. The image itself then has
/// an empty `alt`, so that a screen reader reads the caption once.
fn figure(pieces: &[Piece], links: &PageLinks) -> Option<(String, usize)> {
    let [Piece::Markdown(Event::Start(Tag::Paragraph)), Piece::Markdown(Event::Start(Tag::Image { dest_url, .. })), rest @ ..] =
        pieces
    else {
        return None;
    };
    // The alternative text, then the image's end and the paragraph's.
    let end = rest
        .iter()
        .position(|p| matches!(p, Piece::Markdown(Event::End(TagEnd::Image))))?;
    if !matches!(
        rest.get(end + 1),
        Some(Piece::Markdown(Event::End(TagEnd::Paragraph)))
    ) {
        return None;
    }
    let mut caption = String::new();
    for piece in &rest[..end] {
        match piece {
            Piece::Markdown(Event::Text(t) | Event::Code(t)) => caption.push_str(t),
            Piece::Markdown(Event::SoftBreak | Event::HardBreak) => caption.push(' '),
            _ => return None,
        }
    }
    let caption = caption.trim();
    let image = format!(
        "<img src=\"{}\" alt=\"\">",
        escape_html(&links.media(dest_url))
    );
    let html = if caption.is_empty() {
        format!("<figure>{image}</figure>\n")
    } else {
        format!(
            "<figure>{image}<figcaption>{}</figcaption></figure>\n",
            escape_html(caption)
        )
    };
    // The paragraph's start, the image's, the alternative text, the image's end and the
    // paragraph's.
    Some((html, end + 4))
}

fn markdown_event(piece: &Piece) -> Option<Event<'static>> {
    match piece {
        Piece::Markdown(event) => Some(event.clone()),
        _ => None,
    }
}

fn is_block_html(piece: &Piece) -> bool {
    matches!(piece, Piece::Markdown(Event::Html(_)))
}

/// Inline HTML and the plain text around its tags, up to the last tag of the run.
fn is_inline_run(piece: &Piece) -> bool {
    matches!(
        piece,
        Piece::Markdown(
            Event::InlineHtml(_)
                | Event::Text(_)
                | Event::Code(_)
                | Event::SoftBreak
                | Event::HardBreak
        )
    )
}

/// How many pieces from the start form a run, ending at its last raw HTML piece.
fn run_len(pieces: &[Piece], belongs: fn(&Piece) -> bool) -> usize {
    let mut last_html = 0;
    for (i, piece) in pieces.iter().enumerate() {
        if !belongs(piece) {
            break;
        }
        if matches!(
            piece,
            Piece::Markdown(Event::Html(_) | Event::InlineHtml(_))
        ) {
            last_html = i + 1;
        }
    }
    last_html
}

/// The opening tag of a box that scrolls sideways: focusable, and a named region.
fn scroll_region(name: &str) -> String {
    format!(
        "<div class=\"scroll\" tabindex=\"0\" role=\"region\" aria-label=\"{}\">\n",
        escape_html(name)
    )
}

/// Escapes text for HTML content and quoted attributes. Tera's default also escapes `/`,
/// which is safe but turns every relative URL into `..&#x2F;`.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn push_piece(piece: &Piece, links: &PageLinks, events: &mut Vec<Event<'static>>) {
    match piece {
        Piece::Markdown(Event::InlineHtml(html)) => {
            events.push(Event::InlineHtml(CowStr::from(sanitize(html))))
        }
        Piece::Markdown(Event::Start(Tag::Image {
            link_type,
            dest_url,
            title,
            id,
        })) => {
            events.push(Event::Start(Tag::Image {
                link_type: *link_type,
                dest_url: CowStr::from(links.media(dest_url)),
                title: title.clone(),
                id: id.clone(),
            }));
        }
        Piece::Markdown(Event::TaskListMarker(done)) => {
            let name = if *done {
                &links.labels.task_done
            } else {
                &links.labels.task_open
            };
            let checked = if *done { " checked" } else { "" };
            events.push(Event::InlineHtml(CowStr::from(format!(
                "<input type=\"checkbox\" disabled{checked} aria-label=\"{}\"> ",
                escape_html(name)
            ))));
        }
        // Wide tables and long code lines scroll inside their own box, which a keyboard can
        // reach (it is focusable) and a screen reader can name.
        Piece::Markdown(event @ Event::Start(Tag::Table(_))) => {
            events.push(Event::Html(CowStr::from(scroll_region(
                &links.labels.table,
            ))));
            events.push(event.clone());
        }
        Piece::Markdown(event @ Event::End(TagEnd::Table)) => {
            events.push(event.clone());
            events.push(Event::Html(CowStr::from("</div>\n")));
        }
        Piece::Markdown(event @ Event::Start(Tag::CodeBlock(_))) => {
            events.push(Event::Html(CowStr::from(scroll_region(&links.labels.code))));
            events.push(event.clone());
        }
        Piece::Markdown(event @ Event::End(TagEnd::CodeBlock)) => {
            events.push(event.clone());
            events.push(Event::Html(CowStr::from("</div>\n")));
        }
        Piece::Markdown(event) => events.push(event.clone()),
        Piece::NoteRef { number, anchor } => {
            // The anchor and number are generated (`cf-ref-3`), never author text.
            events.push(Event::InlineHtml(CowStr::from(format!(
                "<sup class=\"note-ref\"><a href=\"#cf-note-{number}\" id=\"{anchor}\" role=\"doc-noteref\">{number}</a></sup>"
            ))));
        }
        Piece::InlineCitation(entries) => {
            events.push(Event::Text(CowStr::from(" (")));
            push_citation(entries, "", events);
            events.push(Event::Text(CowStr::from(")")));
        }
        Piece::LinkStart(target) => events.push(Event::Start(Tag::Link {
            link_type: LinkType::Inline,
            dest_url: CowStr::from(links.target(target)),
            title: CowStr::from(""),
            id: CowStr::from(""),
        })),
        Piece::LinkEnd => events.push(Event::End(TagEnd::Link)),
        Piece::Withheld => events.push(Event::Text(CowStr::from(links.withheld.clone()))),
    }
}

/// The events of a citation's wording (see [`wording`]): titles in italics, URLs linked.
pub fn push_citation(entries: &[CiteEntry], ending: &str, events: &mut Vec<Event<'static>>) {
    for part in wording(entries, ending) {
        match part {
            NotePart::Title(title) => {
                events.push(Event::Start(Tag::Emphasis));
                events.push(Event::Text(CowStr::from(title)));
                events.push(Event::End(TagEnd::Emphasis));
            }
            NotePart::Text(text) => events.push(Event::Text(CowStr::from(text))),
            NotePart::Url(url) => {
                events.push(Event::Start(Tag::Link {
                    link_type: LinkType::Autolink,
                    dest_url: CowStr::from(url.clone()),
                    title: CowStr::from(""),
                    id: CowStr::from(""),
                }));
                events.push(Event::Text(CowStr::from(url)));
                events.push(Event::End(TagEnd::Link));
            }
        }
    }
}

/// A citation's wording as HTML.
pub fn citation_html(entries: &[CiteEntry]) -> String {
    let mut events = Vec::new();
    push_citation(entries, ".", &mut events);
    let mut out = String::new();
    pulldown_cmark::html::push_html(&mut out, events.into_iter());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitizer_removes_scripts_handlers_and_unsafe_urls() {
        let dirty = r##"<p onclick="x()">Hi<script>alert(1)</script> <a href="javascript:alert(1)">a</a> <a href="#n">b</a> <a href="rel/x">c</a> <a href="https://ok.org">d</a> <img src=x onerror=alert(1)><a href="&#8195;javascript:alert(1)">e</a></p>"##;
        let clean = sanitize(dirty);
        assert!(!clean.contains("script"), "{clean}");
        assert!(
            !clean.contains("onclick") && !clean.contains("onerror"),
            "{clean}"
        );
        assert!(!clean.contains("javascript"), "{clean}");
        assert!(clean.contains("href=\"#n\""), "{clean}");
        assert!(!clean.contains("rel/x"), "{clean}");
        assert!(clean.contains("https://ok.org"), "{clean}");
        assert!(clean.contains("Hi"), "{clean}");
        let cite =
            sanitize(r#"<blockquote cite="javascript:alert(1)">Q</blockquote><q cite="rel">q</q>"#);
        assert!(!cite.contains("cite="), "{cite}");
    }

    #[test]
    fn inline_html_is_sanitized_with_the_text_between_its_tags() {
        let mut diags = Vec::new();
        let body = crate::parse::markdown::parse_body(
            "d.md",
            "Before <script>alert(1)</script> and <a href=\"https://ok.example/\">Ok link</a> <b onmouseover=\"x()\">bold</b>.",
            0,
            &mut diags,
        );
        let pieces: Vec<Piece> = body
            .pieces
            .into_iter()
            .filter_map(|p| match p {
                crate::parse::markdown::RawPiece::Markdown(e) => Some(Piece::Markdown(e)),
                _ => None,
            })
            .collect();
        let html = to_html(
            &pieces,
            &PageLinks {
                root: String::new(),
                withheld: "[withheld]".to_string(),
                labels: BodyLabels::default(),
            },
        );
        assert!(!html.contains("alert"), "{html}");
        assert!(
            html.contains(">Ok link</a>") && html.contains("https://ok.example/"),
            "{html}"
        );
        assert!(
            html.contains("<b>bold</b>") && !html.contains("onmouseover"),
            "{html}"
        );
    }
}
