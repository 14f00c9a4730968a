//! Diagnostics as data: what is wrong, where, and what was probably meant. Rendering them for a
//! terminal (rustc style) or as JSON lines is a separate step at the end of a command.

use std::collections::BTreeMap;
use std::io::Write;
use std::ops::Range;

use codespan_reporting::diagnostic::{Diagnostic as CsDiagnostic, Label};
use codespan_reporting::files::SimpleFiles;
use codespan_reporting::term;
use serde::Serialize;

/// How bad a problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The build fails.
    Error,
    /// Reported; the build goes on.
    Warning,
}

/// One problem in the content, located by file and byte span.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// The file, relative to the project root, with `/` separators; for a warning about a
    /// built PDF, its path in the output folder (`pdf/ID.pdf`).
    pub file: String,
    /// Byte span in the file as it is on disk; `None` when the problem is the whole file.
    pub span: Option<Range<usize>>,
    /// What is wrong, quoting the offending value.
    pub message: String,
    /// What was probably meant, or how to fix it.
    pub help: Option<String>,
}

impl Diagnostic {
    /// An error at a span of a file.
    pub fn error(file: impl Into<String>, span: Range<usize>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            file: file.into(),
            span: Some(span),
            message: message.into(),
            help: None,
        }
    }

    /// A warning at a span of a file.
    pub fn warning(
        file: impl Into<String>,
        span: Range<usize>,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(file, span, message)
        }
    }

    /// An error about a whole file (unreadable, not UTF-8, …).
    pub fn file_error(file: impl Into<String>, message: impl Into<String>) -> Self {
        Diagnostic {
            span: None,
            ..Diagnostic::error(file, 0..0, message)
        }
    }

    /// A warning about a whole file (a built PDF, …).
    pub fn file_warning(file: impl Into<String>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::file_error(file, message)
        }
    }

    /// Adds a help line.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Adds "did you mean `x`?" when a near match exists among `candidates`.
    pub fn with_suggestion<'a>(
        self,
        wrong: &str,
        candidates: impl IntoIterator<Item = &'a str>,
    ) -> Self {
        match nearest(wrong, candidates) {
            Some(near) => self.with_help(format!("did you mean `{near}`?")),
            None => self,
        }
    }

    /// Adds "did you mean `x`?" when a near match exists, and `otherwise` as the help when
    /// none does.
    pub fn with_suggestion_or<'a>(
        self,
        wrong: &str,
        candidates: impl IntoIterator<Item = &'a str>,
        otherwise: impl Into<String>,
    ) -> Self {
        let diag = self.with_suggestion(wrong, candidates);
        if diag.help.is_none() {
            diag.with_help(otherwise)
        } else {
            diag
        }
    }

    /// True for errors.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// The candidate closest to `wrong`, if any is close enough to be a plausible typo.
pub fn nearest<'a>(wrong: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let wrong_lower = wrong.to_lowercase();
    candidates
        .into_iter()
        .filter(|c| *c != wrong)
        .map(|c| (strsim::jaro_winkler(&wrong_lower, &c.to_lowercase()), c))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0).then_with(|| b.1.cmp(a.1)))
        .map(|(_, c)| c)
}

/// The texts of the files diagnostics point into, keyed by their relative path.
#[derive(Debug, Default, Clone)]
pub struct SourceTexts {
    texts: BTreeMap<String, String>,
}

impl SourceTexts {
    /// Remembers a file's text.
    pub fn insert(&mut self, file: &str, text: &str) {
        self.texts.insert(file.to_string(), text.to_string());
    }

    /// A file's text, if known.
    pub fn get(&self, file: &str) -> Option<&str> {
        self.texts.get(file).map(String::as_str)
    }
}

/// Line and column (both from 1, column in characters) of a byte offset. The one place where
/// positions become lines and columns. A byte-order mark does not count as a column.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = floor_char_boundary(text, offset.min(text.len()));
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = text[line_start..offset]
        .chars()
        .filter(|&c| c != '\u{feff}')
        .count()
        + 1;
    (line, column)
}

fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// Sorts diagnostics by file and position so that output is deterministic.
pub fn sort(diagnostics: &mut [Diagnostic]) {
    diagnostics.sort_by(|a, b| {
        let pos = |d: &Diagnostic| d.span.as_ref().map_or(0, |s| s.start);
        (&a.file, pos(a), a.severity, &a.message).cmp(&(&b.file, pos(b), b.severity, &b.message))
    });
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    severity: Severity,
    file: &'a str,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    help: Option<&'a str>,
}

/// Writes one JSON object per diagnostic and line.
pub fn write_json(
    out: &mut dyn Write,
    diagnostics: &[Diagnostic],
    texts: &SourceTexts,
) -> std::io::Result<()> {
    for d in diagnostics {
        let text = texts.get(&d.file).unwrap_or("");
        let span = d.span.clone().unwrap_or(0..0);
        let (line, column) = if d.span.is_some() {
            line_col(text, span.start)
        } else {
            (1, 1)
        };
        let (end_line, end_column) = if d.span.is_some() {
            line_col(text, span.end)
        } else {
            (1, 1)
        };
        // Tools that read only `message` still see the suggestion of a near match.
        let message = match &d.help {
            Some(help) if help.starts_with("did you mean") => format!("{}; {help}", d.message),
            _ => d.message.clone(),
        };
        let json = JsonDiagnostic {
            severity: d.severity,
            file: &d.file,
            line,
            column,
            end_line,
            end_column,
            message: &message,
            help: d.help.as_deref(),
        };
        serde_json::to_writer(&mut *out, &json)?;
        writeln!(out)?;
    }
    Ok(())
}

/// Renders diagnostics the way rustc does: message, `--> file:line:col`, the source line with
/// a caret, and a help line.
pub fn render_human(diagnostics: &[Diagnostic], texts: &SourceTexts) -> String {
    // ASCII frame characters give rustc's `-->` line, which tools and people grep for.
    let config = term::Config {
        chars: term::Chars::ascii(),
        ..term::Config::default()
    };
    let mut files = SimpleFiles::new();
    let mut ids = BTreeMap::new();
    let mut out = String::new();
    for d in diagnostics {
        let located = d.span.as_ref().zip(texts.get(&d.file));
        let mut cs = CsDiagnostic::new(severity(d.severity)).with_message(&d.message);
        let mut notes = Vec::new();
        match located {
            Some((span, text)) => {
                let id = *ids
                    .entry(d.file.clone())
                    .or_insert_with(|| files.add(d.file.clone(), text.to_string()));
                let start = floor_char_boundary(text, span.start.min(text.len()));
                let end = floor_char_boundary(text, span.end.min(text.len())).max(start);
                cs = cs.with_labels(vec![Label::primary(id, start..end)]);
            }
            None => notes.push(format!("in {}", d.file)),
        }
        if let Some(help) = &d.help {
            notes.push(format!("help: {help}"));
        }
        cs = cs.with_notes(notes);
        if term::emit_to_string(&mut out, &config, &files, &cs).is_err() {
            // The file table is built above from the same texts, so this cannot fail; keep
            // the message at least.
            out.push_str(&format!("{:?}: {}\n", d.severity, d.message));
        }
    }
    out
}

fn severity(s: Severity) -> codespan_reporting::diagnostic::Severity {
    match s {
        Severity::Error => codespan_reporting::diagnostic::Severity::Error,
        Severity::Warning => codespan_reporting::diagnostic::Severity::Warning,
    }
}

/// A one-line summary: "2 errors, 1 warning".
pub fn summary(diagnostics: &[Diagnostic]) -> String {
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    let warnings = diagnostics.len() - errors;
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    format!(
        "{}, {}",
        plural(errors, "error"),
        plural(warnings, "warning")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_from_one_in_characters() {
        let text = "ab\ncé d\n";
        assert_eq!(line_col(text, 0), (1, 1));
        assert_eq!(line_col(text, 3), (2, 1));
        assert_eq!(line_col(text, text.find('d').unwrap()), (2, 4));
    }

    #[test]
    fn bom_is_not_a_column() {
        let text = "\u{feff}---\n";
        assert_eq!(line_col(text, 3), (1, 1));
    }

    #[test]
    fn nearest_finds_typos_only() {
        let known = ["summary", "status", "sources"];
        assert_eq!(nearest("sumary", known), Some("summary"));
        assert_eq!(nearest("zzz", known), None);
    }
}
