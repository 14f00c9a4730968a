//! Diagnostics as data: what is wrong, where, and what was probably meant. Rendering them for a
//! terminal (rustc style) or as JSON lines is a separate step at the end of a command.

use std::collections::BTreeMap;
use std::io::Write;
use std::ops::Range;

use codespan_reporting::diagnostic::{Diagnostic as CsDiagnostic, Label};
use codespan_reporting::files::{Error as FilesError, SimpleFiles};
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

/// Declares [`Code`] from one table: each kind of diagnostic, its stable name, its severity
/// and what it means. The README's table of codes lists the same rows (a test compares them).
macro_rules! codes {
    ($($variant:ident = $name:literal, $severity:ident, $meaning:literal;)*) => {
        /// The kind of a diagnostic: a stable name that tools can match on, shown as
        /// `error: … [unknown-source]` and as the JSON `code`. Adding a kind of diagnostic means
        /// adding a row here and to the README's table.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code {
            $(
                #[doc = $meaning]
                $variant,
            )*
        }

        impl Code {
            /// Every code, in the order of the table.
            pub const ALL: &[Code] = &[$(Code::$variant),*];

            /// The stable kebab-case name.
            pub fn name(self) -> &'static str {
                match self {
                    $(Code::$variant => $name,)*
                }
            }

            /// The severity every diagnostic of this kind has; for an audit rule, the
            /// default, which `[audit]` may raise to an error.
            pub fn severity(self) -> Severity {
                match self {
                    $(Code::$variant => Severity::$severity,)*
                }
            }

            /// What a diagnostic of this kind means, in one line.
            pub fn meaning(self) -> &'static str {
                match self {
                    $(Code::$variant => $meaning,)*
                }
            }
        }
    };
}

codes! {
    // Files and syntax.
    NoContent = "no-content", Error, "the project has no `content/` folder";
    Unreadable = "unreadable", Error, "a file or folder could not be read";
    NotAFile = "not-a-file", Error, "a folder stands where a file is expected";
    LinkOutsideContent = "link-outside-content", Error, "a symbolic link in `content/` leads outside it, or to nothing";
    TooLarge = "too-large", Error, "a file is over the size limit";
    NotUtf8 = "not-utf8", Error, "a text file is not valid UTF-8";
    YamlSyntax = "yaml-syntax", Error, "YAML (front matter, `entities.yaml`, `sources.yaml`) does not parse";
    TomlSyntax = "toml-syntax", Error, "`casefile.toml` or a `templates/i18n/` table does not parse";
    TemplateSyntax = "template-syntax", Error, "a tera template in `templates/` does not parse (what `build` would refuse)";
    NoFrontMatter = "no-front-matter", Error, "a dossier does not start with a `---` line";
    UnclosedFrontMatter = "unclosed-front-matter", Error, "a dossier's front matter has no closing `---` line";
    EmptyFrontMatter = "empty-front-matter", Error, "a dossier's front matter holds nothing";
    // Fields and values.
    UnknownField = "unknown-field", Error, "a YAML field the format does not know";
    UnknownKey = "unknown-key", Error, "a `casefile.toml` key casefile does not know";
    DuplicateField = "duplicate-field", Error, "a field is given twice in one map";
    BadKey = "bad-key", Error, "a YAML key that is not a plain name";
    MissingField = "missing-field", Error, "a required field is missing";
    WrongType = "wrong-type", Error, "a value of the wrong type (text, list, map, true or false)";
    EmptyValue = "empty-value", Error, "a field that must hold text is empty";
    BadId = "bad-id", Error, "an id with characters other than lowercase letters, digits, `-` and `_`";
    BadFileName = "bad-file-name", Error, "a dossier without `id:` whose file name is not a valid id";
    BadDate = "bad-date", Error, "a date that is not `YYYY`, `YYYY-MM` or `YYYY-MM-DD`";
    BadValue = "bad-value", Error, "a value outside a field's fixed set (kind, status, paper, …)";
    BadUrl = "bad-url", Error, "a URL that is not an absolute http or https address";
    BadGrade = "bad-grade", Error, "a source grade that is not an Admiralty grade (A1 to F6)";
    BadLang = "bad-lang", Error, "a language that is not a usable BCP 47 tag";
    LangFallback = "lang-fallback", Warning, "a language casefile has no interface strings for; its pages and PDFs use English words";
    UnknownString = "unknown-string", Error, "a key in `templates/i18n/LANG.toml` that is not an interface string";
    // Markdown.
    UnsafeLink = "unsafe-link", Warning, "a link to an address that is not http, https, mailto or an anchor; it is shown as text";
    RawHtml = "raw-html", Warning, "raw HTML, which the PDF leaves out";
    TooDeep = "too-deep", Error, "lists, quotes and emphasis nested beyond the limit";
    BadHeadingId = "bad-heading-id", Error, "a `{#id}` on a heading that is reserved, repeated or malformed";
    RemoteImage = "remote-image", Error, "an image from the web instead of under `content/`";
    ImageWithoutAlt = "image-without-alt", Warning, "an image with no alternative text";
    UndefinedFootnote = "undefined-footnote", Error, "a footnote reference with no definition";
    UnusedFootnote = "unused-footnote", Warning, "a footnote definition nobody references";
    CitationTypo = "citation-typo", Warning, "a bracket that reads like a mistyped citation (`[@src p. 3]`, `[@ src]`) and prints as text";
    CitationLocatorIsSource = "citation-locator-is-source", Warning, "a citation whose locator names another source (`[@a, @b]`): did you mean `[@a; @b]`?";
    UnclosedWikiLink = "unclosed-wiki-link", Warning, "a `[[` with no `]]` before the end of its paragraph; it prints as text";
    // References.
    DuplicateId = "duplicate-id", Error, "two dossiers or entities with one id";
    DuplicateSource = "duplicate-source", Error, "two sources with one id in the same scope";
    ShadowedSource = "shadowed-source", Error, "a local source that reuses the id of a shared one";
    UnknownEntity = "unknown-entity", Error, "a reference to an entity that is not defined";
    NotAnEntity = "not-an-entity", Error, "a dossier id where an entity is expected";
    UnknownDossier = "unknown-dossier", Error, "a `related` or `translation_of` dossier that does not exist";
    NotADossier = "not-a-dossier", Error, "an entity id where a dossier is expected";
    UnknownSource = "unknown-source", Error, "a citation of a source that is not defined";
    UnusedSource = "unused-source", Warning, "a source nobody cites";
    UnknownId = "unknown-id", Error, "a `[[link]]` to an id that is not defined";
    HeadingOfEntity = "heading-of-entity", Error, "a `[[id#heading]]` link to an entity, which has no headings";
    UnknownHeading = "unknown-heading", Error, "a `[[id#heading]]` link to a heading the dossier does not have";
    ImageOutsideContent = "image-outside-content", Error, "an image path that leaves `content/`";
    ImageNotFound = "image-not-found", Error, "an image that does not exist";
    // The audit (`check --audit`); `[audit]` in `casefile.toml` sets each rule's level.
    AuditUncited = "audit-uncited", Warning, "`check --audit`: a body paragraph, list item or block quote that cites no source (`[audit] uncited`)";
    AuditUnarchived = "audit-unarchived", Warning, "`check --audit`: a cited source with a `url` but no `archive_url` (`[audit] unarchived`)";
    AuditUngraded = "audit-ungraded", Warning, "`check --audit`: a cited source with no `grade` (`[audit] ungraded`)";
    AuditWeak = "audit-weak", Warning, "`check --audit`: a dossier whose every citation is to a source graded D–F or 4–6 (`[audit] weak`)";
    // Laying out PDFs.
    PdfTypstWarning = "pdf-typst-warning", Warning, "Typst warned while laying out a PDF (a document that did not converge, an unknown font, …)";
    PdfMissingGlyph = "pdf-missing-glyph", Warning, "a PDF shows characters that no embedded font can draw";
}

impl Code {
    /// True for a file's own syntax error: it comes first among that file's diagnostics.
    pub fn is_syntax(self) -> bool {
        matches!(self, Code::YamlSyntax | Code::TomlSyntax)
    }
}

/// One problem in the content, located by file and byte span.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// The kind of problem.
    pub code: Code,
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
    /// An error of kind `code` at a span of a file.
    pub fn error(
        code: Code,
        file: impl Into<String>,
        span: Range<usize>,
        message: impl Into<String>,
    ) -> Self {
        debug_assert_eq!(code.severity(), Severity::Error, "{code:?} is a warning");
        Diagnostic {
            severity: Severity::Error,
            code,
            file: file.into(),
            span: Some(span),
            message: message.into(),
            help: None,
        }
    }

    /// A warning of kind `code` at a span of a file.
    pub fn warning(
        code: Code,
        file: impl Into<String>,
        span: Range<usize>,
        message: impl Into<String>,
    ) -> Self {
        debug_assert_eq!(code.severity(), Severity::Warning, "{code:?} is an error");
        Diagnostic {
            severity: Severity::Warning,
            code,
            file: file.into(),
            span: Some(span),
            message: message.into(),
            help: None,
        }
    }

    /// An error of kind `code` about a whole file (unreadable, not UTF-8, …).
    pub fn file_error(code: Code, file: impl Into<String>, message: impl Into<String>) -> Self {
        Diagnostic {
            span: None,
            ..Diagnostic::error(code, file, 0..0, message)
        }
    }

    /// A warning of kind `code` about a whole file (a built PDF, …).
    pub fn file_warning(code: Code, file: impl Into<String>, message: impl Into<String>) -> Self {
        Diagnostic {
            span: None,
            ..Diagnostic::warning(code, file, 0..0, message)
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
/// positions become lines and columns (through [`LineCols`]). A byte-order mark does not
/// count as a column.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    LineCols::new(text).get(offset)
}

/// Lines and columns of many offsets into one text, as [`line_col`] gives them, in one pass
/// when the offsets come in order (as sorted diagnostics do): a thousand diagnostics on one
/// long line cost one walk along it. An offset before the previous one walks from its
/// line's start.
pub struct LineCols<'a> {
    text: &'a str,
    /// Byte offset of each line's start.
    starts: Vec<usize>,
    /// The last offset found, its line (from 0) and its column (from 1).
    offset: usize,
    line: usize,
    column: usize,
}

impl<'a> LineCols<'a> {
    /// Positions in `text`.
    pub fn new(text: &'a str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineCols {
            text,
            starts,
            offset: 0,
            line: 0,
            column: 1,
        }
    }

    /// Line and column (both from 1) of a byte offset.
    pub fn get(&mut self, offset: usize) -> (usize, usize) {
        let offset = floor_char_boundary(self.text, offset.min(self.text.len()));
        if offset < self.offset || self.text[self.offset..offset].contains('\n') {
            self.line = self.starts.partition_point(|&s| s <= offset) - 1;
            self.offset = self.starts[self.line];
            self.column = 1;
        }
        self.column += columns(&self.text[self.offset..offset]);
        self.offset = offset;
        (self.line + 1, self.column)
    }

    /// The byte range of the line (from 1) holding the last offset found, without its line
    /// break.
    fn line_range(&self) -> Range<usize> {
        let start = self.starts[self.line];
        let end = self
            .starts
            .get(self.line + 1)
            .map_or(self.text.len(), |next| next - 1);
        start..end
    }
}

fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// Sorts diagnostics by file and position so that output is deterministic. A file's own
/// syntax error comes first among its diagnostics: it may explain the others.
pub fn sort(diagnostics: &mut [Diagnostic]) {
    diagnostics.sort_by(|a, b| {
        let key = |d: &Diagnostic| {
            let pos = d.span.as_ref().map_or(0, |s| s.start);
            (!d.code.is_syntax(), pos, d.severity)
        };
        (&a.file, key(a), &a.message).cmp(&(&b.file, key(b), &b.message))
    });
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    severity: Severity,
    code: &'static str,
    file: &'a str,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    help: Option<&'a str>,
}

/// Writes one JSON object per diagnostic and line. `message` and `help` are separate keys;
/// U+2028 and U+2029 are escaped, so that no reader splits a diagnostic over two lines.
pub fn write_json(
    out: &mut dyn Write,
    diagnostics: &[Diagnostic],
    texts: &SourceTexts,
) -> std::io::Result<()> {
    // Per file, positions of span starts and of span ends, each found in order.
    let mut positions: BTreeMap<&str, (LineCols, LineCols)> = BTreeMap::new();
    for d in diagnostics {
        let ((line, column), (end_line, end_column)) = match &d.span {
            Some(span) => {
                let text = texts.get(&d.file).unwrap_or("");
                let (starts, ends) = positions
                    .entry(&d.file)
                    .or_insert_with(|| (LineCols::new(text), LineCols::new(text)));
                (starts.get(span.start), ends.get(span.end))
            }
            None => ((1, 1), (1, 1)),
        };
        let json = JsonDiagnostic {
            severity: d.severity,
            code: d.code.name(),
            file: &d.file,
            line,
            column,
            end_line,
            end_column,
            message: &d.message,
            help: d.help.as_deref(),
        };
        let object = serde_json::to_string(&json)?;
        writeln!(out, "{}", escape_line_separators(&object))?;
    }
    Ok(())
}

/// JSON text with U+2028 and U+2029 written as escapes. serde_json leaves them raw, which is
/// valid JSON, but Python's `splitlines` and older JavaScript take them for line breaks. Outside
/// strings JSON text is ASCII, so every occurrence is inside a string, where an escape means
/// the same character.
fn escape_line_separators(json: &str) -> std::borrow::Cow<'_, str> {
    if json.contains(['\u{2028}', '\u{2029}']) {
        json.replace('\u{2028}', "\\u2028")
            .replace('\u{2029}', "\\u2029")
            .into()
    } else {
        json.into()
    }
}

/// Renders diagnostics the way rustc does: message, `--> file:line:col`, the source line with
/// a caret, and a help line.
pub fn render_human(diagnostics: &[Diagnostic], texts: &SourceTexts) -> String {
    render_human_styled(diagnostics, texts, false)
}

/// [`render_human`], in colour (ANSI escapes) when `color` is set: for a terminal.
pub fn render_human_styled(diagnostics: &[Diagnostic], texts: &SourceTexts, color: bool) -> String {
    // ASCII frame characters give rustc's `-->` line, which tools and people grep for.
    let config = term::Config {
        chars: term::Chars::ascii(),
        ..term::Config::default()
    };
    let mut files = SimpleFiles::new();
    let mut ids = BTreeMap::new();
    let mut positions: BTreeMap<&str, LineCols> = BTreeMap::new();
    let mut out = String::new();
    for d in diagnostics {
        let located = d.span.as_ref().zip(texts.get(&d.file));
        let mut notes = Vec::new();
        if located.is_none() {
            notes.push(format!("in {}", d.file));
        }
        if let Some(help) = &d.help {
            notes.push(format!("help: {help}"));
        }
        let shown = match located {
            Some((span, text)) => {
                let lines = positions
                    .entry(&d.file)
                    .or_insert_with(|| LineCols::new(text));
                match Window::around(&d.file, text, span, lines) {
                    Some(window) => {
                        let label = Label::primary((), window.label.clone());
                        let cs = cs_diagnostic(d, notes, vec![label]);
                        emit(&mut out, &config, &window, &cs, color)
                    }
                    None => {
                        let id = *ids
                            .entry(d.file.clone())
                            .or_insert_with(|| files.add(d.file.clone(), text.to_string()));
                        let start = floor_char_boundary(text, span.start.min(text.len()));
                        let end = floor_char_boundary(text, span.end.min(text.len())).max(start);
                        let cs = cs_diagnostic(d, notes, vec![Label::primary(id, start..end)]);
                        emit(&mut out, &config, &files, &cs, color)
                    }
                }
            }
            None => {
                let cs: CsDiagnostic<usize> = cs_diagnostic(d, notes, Vec::new());
                emit(&mut out, &config, &files, &cs, color)
            }
        };
        if shown.is_err() {
            // The file table is built above from the same texts, so this cannot fail; keep
            // the message at least.
            out.push_str(&format!("{:?}: {}\n", d.severity, d.message));
        }
    }
    out
}

/// Renders one diagnostic onto `out`, plain or with ANSI colours.
fn emit<'f, F: codespan_reporting::files::Files<'f> + ?Sized>(
    out: &mut String,
    config: &term::Config,
    files: &'f F,
    diagnostic: &CsDiagnostic<F::FileId>,
    color: bool,
) -> Result<(), codespan_reporting::files::Error> {
    if !color {
        return term::emit_to_string(out, config, files, diagnostic);
    }
    let mut buffer = term::termcolor::Buffer::ansi();
    term::emit_to_write_style(&mut buffer, config, files, diagnostic)?;
    out.push_str(&String::from_utf8_lossy(buffer.as_slice()));
    Ok(())
}

/// The header reads as the format writes it, `error: unknown source `x``, with the stable
/// code after the message in brackets: `error: unknown source `x` [unknown-source]`.
fn cs_diagnostic<F>(d: &Diagnostic, notes: Vec<String>, labels: Vec<Label<F>>) -> CsDiagnostic<F> {
    CsDiagnostic::new(severity(d.severity))
        .with_message(format!("{} [{}]", d.message, d.code.name()))
        .with_labels(labels)
        .with_notes(notes)
}

/// Longest line shown whole under a diagnostic. A longer one (a one-line list of thousands
/// of values, generated text) is shown as a window around the span, so that many
/// diagnostics on it do not print all of it again and again.
const LONGEST_SHOWN_LINE: usize = 1000;

/// Bytes of a long line shown on each side of a span's start.
const WINDOW: usize = 120;

/// A part of one long line, shown as if it were the whole file: `…` marks where the line
/// goes on, and lines and columns are those of the real file.
struct Window {
    name: String,
    text: String,
    /// Bytes of `…` before the line's text.
    prefix: usize,
    /// Real line and column of the window's first character of the line.
    line: usize,
    column: usize,
    /// The span, in the window.
    label: Range<usize>,
}

impl Window {
    /// A window on the span's line, if that line is too long to show whole.
    fn around(name: &str, text: &str, span: &Range<usize>, lines: &mut LineCols) -> Option<Self> {
        let start = floor_char_boundary(text, span.start.min(text.len()));
        let (line, start_column) = lines.get(start);
        let whole = lines.line_range();
        if whole.len() <= LONGEST_SHOWN_LINE {
            return None;
        }
        let from = floor_char_boundary(text, start.saturating_sub(WINDOW).max(whole.start));
        let to = floor_char_boundary(text, (start + WINDOW).min(whole.end));
        let prefix = if from > whole.start { "…" } else { "" };
        let suffix = if to < whole.end { "…" } else { "" };
        let end = floor_char_boundary(text, span.end.min(to)).max(start);
        let shift = |at: usize| at - from + prefix.len();
        Some(Window {
            name: name.to_string(),
            text: format!("{prefix}{}{suffix}", &text[from..to]),
            prefix: prefix.len(),
            line,
            column: start_column - columns(&text[from..start]),
            label: shift(start)..shift(end),
        })
    }
}

/// Columns a text takes: its characters, a byte-order mark not counted.
fn columns(text: &str) -> usize {
    text.chars().filter(|&c| c != '\u{feff}').count()
}

impl<'a> codespan_reporting::files::Files<'a> for Window {
    type FileId = ();
    type Name = &'a str;
    type Source = &'a str;

    fn name(&'a self, _: ()) -> Result<&'a str, FilesError> {
        Ok(&self.name)
    }

    fn source(&'a self, _: ()) -> Result<&'a str, FilesError> {
        Ok(&self.text)
    }

    fn line_index(&'a self, _: (), _: usize) -> Result<usize, FilesError> {
        Ok(0)
    }

    fn line_number(&'a self, _: (), _: usize) -> Result<usize, FilesError> {
        Ok(self.line)
    }

    fn column_number(&'a self, _: (), _: usize, byte: usize) -> Result<usize, FilesError> {
        let byte = floor_char_boundary(&self.text, byte.clamp(self.prefix, self.text.len()));
        Ok(self.column + columns(&self.text[self.prefix..byte]))
    }

    fn line_range(&'a self, _: (), line: usize) -> Result<Range<usize>, FilesError> {
        match line {
            0 => Ok(0..self.text.len()),
            _ => Err(FilesError::LineTooLarge {
                given: line,
                max: 0,
            }),
        }
    }
}

fn severity(s: Severity) -> codespan_reporting::diagnostic::Severity {
    match s {
        Severity::Error => codespan_reporting::diagnostic::Severity::Error,
        Severity::Warning => codespan_reporting::diagnostic::Severity::Warning,
    }
}

/// A value as a message quotes it: in backticks, cut after 60 characters (`…` marks the cut),
/// so that a long wrong value does not flood the terminal.
pub fn quote(value: &str) -> String {
    const SHOWN: usize = 60;
    let mut shown: String = value.chars().take(SHOWN).collect();
    if value.chars().nth(SHOWN).is_some() {
        shown.push('…');
    }
    format!("`{shown}`")
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

    fn severity_name(severity: Severity) -> &'static str {
        match severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }

    #[test]
    fn codes_are_distinct_kebab_case_names() {
        let mut names: Vec<&str> = Code::ALL.iter().map(|c| c.name()).collect();
        for name in &names {
            let kebab = name.split('-').all(|part| {
                !part.is_empty()
                    && part
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
            });
            assert!(kebab, "`{name}` is not kebab-case");
        }
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Code::ALL.len(), "a name is used twice");
    }

    #[test]
    fn the_readme_documents_every_code_and_no_other() {
        let readme = include_str!("../README.md");
        for code in Code::ALL {
            let row = format!(
                "| `{}` | {} | {} |",
                code.name(),
                severity_name(code.severity()),
                code.meaning()
            );
            assert!(readme.contains(&row), "README lacks the row\n{row}");
        }
        let documented = readme
            .lines()
            .filter(|line| line.starts_with("| `"))
            .filter(|line| line.contains("` | error | ") || line.contains("` | warning | "))
            .count();
        assert_eq!(
            documented,
            Code::ALL.len(),
            "README documents codes that do not exist"
        );
    }

    fn sample(message: &str, help: Option<&str>) -> Diagnostic {
        let mut diag = Diagnostic::error(Code::UnknownSource, "content/a.md", 4..8, message);
        diag.help = help.map(str::to_string);
        diag
    }

    fn json_lines(diagnostics: &[Diagnostic], text: &str) -> String {
        let mut texts = SourceTexts::default();
        texts.insert("content/a.md", text);
        let mut out = Vec::new();
        write_json(&mut out, diagnostics, &texts).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn json_has_the_code_and_keeps_help_out_of_the_message() {
        let diag = sample(
            "unknown source `sedena-intl`",
            Some("did you mean `sedena-intel`?"),
        );
        let out = json_lines(&[diag], "Yes [@sedena-intl].\n");
        let value: serde_json::Value = serde_json::from_str(out.trim_end()).unwrap();
        assert_eq!(value["code"], "unknown-source");
        assert_eq!(value["message"], "unknown source `sedena-intl`");
        assert_eq!(value["help"], "did you mean `sedena-intel`?");
        assert_eq!(
            (value["line"].as_u64(), value["column"].as_u64()),
            (Some(1), Some(5))
        );
    }

    #[test]
    fn line_and_paragraph_separators_are_escaped_in_json() {
        let diag = sample("unknown source `a\u{2028}b\u{2029}c`", Some("x\u{2028}y"));
        let out = json_lines(&[diag.clone(), diag], "");
        assert!(!out.contains(['\u{2028}', '\u{2029}']), "{out:?}");
        // Python's `splitlines` also breaks at these; every diagnostic is one line.
        assert_eq!(
            out.split(['\n', '\u{2028}', '\u{2029}']).count(),
            3,
            "{out:?}"
        );
        let first: serde_json::Value = serde_json::from_str(out.lines().next().unwrap()).unwrap();
        assert_eq!(first["message"], "unknown source `a\u{2028}b\u{2029}c`");
        assert_eq!(first["help"], "x\u{2028}y");
    }

    #[test]
    fn a_quoted_value_is_cut_after_sixty_characters() {
        assert_eq!(quote("solo"), "`solo`");
        let long = "x".repeat(61);
        assert_eq!(quote(&long), format!("`{}…`", "x".repeat(60)));
        assert_eq!(quote(&"é".repeat(60)), format!("`{}`", "é".repeat(60)));
    }

    #[test]
    fn human_output_reads_like_the_format_with_the_code_after_the_message() {
        let mut texts = SourceTexts::default();
        texts.insert("content/a.md", "Yes [@sedena-intl].\n");
        let out = render_human(&[sample("unknown source `x`", None)], &texts);
        assert!(
            out.starts_with("error: unknown source `x` [unknown-source]"),
            "{out}"
        );
        assert!(out.contains("--> content/a.md:1:5"), "{out}");
    }

    #[test]
    fn a_files_syntax_error_sorts_first_among_its_diagnostics() {
        let late_syntax = Diagnostic::error(
            Code::YamlSyntax,
            "content/entities.yaml",
            90..90,
            "bad YAML",
        );
        let early = Diagnostic::error(Code::BadValue, "content/entities.yaml", 10..15, "bad kind");
        let other_file =
            Diagnostic::error(Code::UnknownEntity, "content/dossiers/a.md", 50..54, "x");
        let mut diags = vec![early.clone(), other_file.clone(), late_syntax.clone()];
        sort(&mut diags);
        assert_eq!(diags, [other_file, late_syntax, early]);
    }

    /// Line and column by their definition: newlines before the offset, characters since
    /// the last one.
    fn line_col_by_definition(text: &str, offset: usize) -> (usize, usize) {
        let before = &text[..offset];
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        (
            before.matches('\n').count() + 1,
            columns(&text[line_start..offset]) + 1,
        )
    }

    #[test]
    fn positions_in_any_order_match_their_definition() {
        let text = "\u{feff}ab\ncé d\n\nlong é line\r\nend";
        let offsets: Vec<usize> = (0..=text.len())
            .filter(|&i| text.is_char_boundary(i))
            .collect();
        let mut lines = LineCols::new(text);
        for &offset in offsets
            .iter()
            .chain(offsets.iter().rev())
            .chain(&[3, 20, 0, 9])
        {
            assert_eq!(
                lines.get(offset),
                line_col_by_definition(text, offset),
                "{offset}"
            );
        }
    }

    #[test]
    fn a_span_on_a_very_long_line_shows_a_window_of_it_at_its_real_column() {
        let text = format!("title\n{}needle{}\n", "é".repeat(3000), "x".repeat(3000));
        let at = text.find("needle").unwrap();
        let mut texts = SourceTexts::default();
        texts.insert("f.md", &text);
        let diags = vec![Diagnostic::error(Code::UnknownSource, "f.md", at..at + 6, "found it"); 3];
        let shown = render_human(&diags, &texts);
        assert_eq!(shown.matches("--> f.md:2:3001").count(), 3, "{shown}");
        assert!(
            shown.contains("…éé") && shown.contains("needlexx"),
            "{shown}"
        );
        assert!(shown.len() < 3 * 1200, "{} bytes", shown.len());
        let caret_line = shown.lines().find(|l| l.contains("^^^^^^")).unwrap();
        let source_line = shown.lines().find(|l| l.contains("needle")).unwrap();
        // The caret sits under the needle, counting characters.
        let width = caret_line.find('^').unwrap();
        let under: String = source_line.chars().skip(width).take(6).collect();
        assert_eq!(under, "needle", "{shown}");
        let mut json = Vec::new();
        write_json(&mut json, &diags, &texts).unwrap();
        let json = String::from_utf8(json).unwrap();
        assert_eq!(
            json.matches("\"line\":2,\"column\":3001").count(),
            3,
            "{json}"
        );
    }

    #[test]
    fn nearest_finds_typos_only() {
        let known = ["summary", "status", "sources"];
        assert_eq!(nearest("sumary", known), Some("summary"));
        assert_eq!(nearest("zzz", known), None);
    }
}
