//! What went wrong in a PDF without stopping it, as build warnings that name the PDF: Typst's
//! own warnings (a document that did not converge, so page numbers may be wrong; an unknown
//! font family in a template) and characters that no embedded font can draw, which Typst
//! prints as empty boxes without a word.

use std::collections::BTreeSet;

use typst::diag::SourceDiagnostic;
use typst::layout::{Frame, FrameItem};
use typst_layout::PagedDocument;

use super::world::CasefileWorld;
use crate::diagnostics::{Code, Diagnostic};

/// How many missing characters one warning lists before it counts the rest.
const LISTED: usize = 12;

/// The path of a PDF in the output folder, which a warning about it names.
fn pdf_path(name: &str) -> String {
    format!("pdf/{name}.pdf")
}

/// Typst's warnings about one PDF, the same one said once. Kind: `pdf-typst-warning`.
pub fn from_typst(
    world: &CasefileWorld,
    name: &str,
    warnings: &[SourceDiagnostic],
) -> Vec<Diagnostic> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for warning in warnings {
        let mut message = format!("while laying out the PDF: {}", warning.message);
        if let Some(place) = super::place(world, warning) {
            message.push_str(&format!(" ({place})"));
        }
        let hints: Vec<&str> = warning.hints.iter().map(|h| h.v.as_str()).collect();
        if !seen.insert((message.clone(), hints.clone())) {
            continue;
        }
        let mut diag = Diagnostic::file_warning(Code::PdfTypstWarning, pdf_path(name), message);
        if !hints.is_empty() {
            diag = diag.with_help(hints.join("; "));
        }
        out.push(diag);
    }
    out
}

/// One warning listing the characters of a PDF that no embedded font has a glyph for.
/// Kind: `pdf-missing-glyph`.
pub fn missing_glyphs(document: &PagedDocument, name: &str) -> Option<Diagnostic> {
    let mut missing = BTreeSet::new();
    for page in document.pages() {
        collect_missing(&page.frame, &mut missing);
    }
    if missing.is_empty() {
        return None;
    }
    let mut listed: Vec<String> = missing.iter().take(LISTED).map(|&c| show(c)).collect();
    if missing.len() > LISTED {
        listed.push(format!("{} more", missing.len() - LISTED));
    }
    let diag = Diagnostic::file_warning(
        Code::PdfMissingGlyph,
        pdf_path(name),
        format!(
            "no embedded font has a glyph for {}; {}",
            listed.join(", "),
            if missing.len() == 1 {
                "it prints as an empty box"
            } else {
                "they print as empty boxes"
            }
        ),
    )
    .with_help("PDFs can use only the fonts built into casefile (Libertinus Serif, New Computer Modern, DejaVu Sans Mono)");
    Some(diag)
}

/// Gathers the characters Typst drew with glyph 0 (`.notdef`, the empty box a font shows
/// for a character it lacks), in this frame and the frames inside it.
fn collect_missing(frame: &Frame, missing: &mut BTreeSet<char>) {
    for (_, item) in frame.items() {
        match item {
            FrameItem::Group(group) => collect_missing(&group.frame, missing),
            FrameItem::Text(text) => {
                for glyph in text.glyphs.iter().filter(|g| g.id == 0) {
                    let chars = text.text.get(glyph.range()).unwrap_or_default();
                    missing.extend(chars.chars().filter(|c| !c.is_whitespace()));
                }
            }
            _ => {}
        }
    }
}

/// A character as a reader can find it: itself in backticks when printable, and its code.
fn show(c: char) -> String {
    if c.is_control() {
        format!("U+{:04X}", u32::from(c))
    } else {
        format!("`{c}` (U+{:04X})", u32::from(c))
    }
}
