//! Reading `casefile.toml` (the settings themselves are [`Config`] in the model): site settings, every key optional with a default. Unknown keys are errors
//! with the nearest known key suggested, located at the key.

use std::ops::Range;

use toml::de::{DeTable, DeValue};
use toml::Spanned;

use crate::diagnostics::{Code, Diagnostic};
use crate::model::{
    AuditConfig, AuditLevel, Config, Length, Margins, Paper, PdfConfig, PdfStandard, Spanned as At,
};

/// The file name of the settings file in a project root.
pub const FILE_NAME: &str = "casefile.toml";

const TOP_KEYS: &[&str] = &[
    "title",
    "description",
    "lang",
    "authors",
    "base_url",
    "pdf",
    "audit",
];
const PDF_KEYS: &[&str] = &[
    "paper",
    "standard",
    "margins",
    "font_size",
    "logo",
    "cover_text",
    "compendium",
    "tagged",
];
const MARGIN_KEYS: &[&str] = &["top", "bottom", "inside", "outside"];
/// The margins a page may have (0 to 6 cm), in points.
const MARGIN_RANGE: (f64, f64) = (0.0, 6.0 * 72.0 / 2.54);
/// The body text sizes a PDF may have, in points.
const FONT_SIZE_RANGE: (f64, f64) = (6.0, 18.0);
const AUDIT_KEYS: &[&str] = &["uncited", "unarchived", "ungraded", "weak"];

/// Parses `casefile.toml`. `file` is the label used in diagnostics. Problems are pushed to
/// `diags`; whatever is valid is kept, the rest falls back to defaults.
pub fn parse(file: &str, text: &str, diags: &mut Vec<Diagnostic>) -> Config {
    let mut config = Config::default();
    let (table, errors) = DeTable::parse_recoverable(text);
    for err in &errors {
        let span = err.span().unwrap_or(0..0);
        diags.push(Diagnostic::error(
            Code::TomlSyntax,
            file,
            span,
            format!("invalid TOML: {}", err.message().trim()),
        ));
    }
    if !errors.is_empty() {
        return config;
    }
    let mut reader = Reader { file, text, diags };
    for (key, value) in table.get_ref().iter() {
        let name = key.get_ref().as_ref();
        match name {
            "title" => reader.string(value).map(|v| config.title = v),
            "description" => reader.string(value).map(|v| config.description = Some(v)),
            "lang" => reader.lang(value).map(|v| config.lang = v),
            "authors" => reader.strings(value).map(|v| config.authors = v),
            "base_url" => reader.base_url(value).map(|v| config.base_url = Some(v)),
            "pdf" => reader.pdf(value).map(|v| config.pdf = v),
            "audit" => reader.audit(value).map(|v| config.audit = v),
            _ => reader.unknown(key, TOP_KEYS),
        };
    }
    config
}

/// The span of the `lang` value in `casefile.toml`, if it is there and the file parses.
pub fn lang_span(text: &str) -> Option<Range<usize>> {
    let (table, errors) = DeTable::parse_recoverable(text);
    if !errors.is_empty() {
        return None;
    }
    let value = table.get_ref().get("lang")?;
    Some(value.span())
}

/// Checks a base URL (`base_url` here, or `--base-url` on the command line) and ends it with
/// `/`, so that templates can append page paths to it.
pub fn base_url(url: &str) -> Result<String, String> {
    if !crate::parse::fields::is_web_url(url) {
        return Err(format!("`{url}` must be an absolute http or https URL"));
    }
    Ok(if url.ends_with('/') {
        url.to_string()
    } else {
        format!("{url}/")
    })
}

struct Reader<'a> {
    file: &'a str,
    /// The file's text, to quote a wrong value as written.
    text: &'a str,
    diags: &'a mut Vec<Diagnostic>,
}

impl Reader<'_> {
    fn error(
        &mut self,
        code: Code,
        span: Range<usize>,
        message: String,
    ) -> Option<std::convert::Infallible> {
        self.diags
            .push(Diagnostic::error(code, self.file, span, message));
        None
    }

    fn unknown(&mut self, key: &Spanned<toml::de::DeString>, known: &[&str]) -> Option<()> {
        let name: &str = key.get_ref().as_ref();
        let diag = Diagnostic::error(
            Code::UnknownKey,
            self.file,
            key.span(),
            format!("unknown key `{name}` in {FILE_NAME}"),
        )
        .with_suggestion_or(
            name,
            known.iter().copied(),
            format!("known keys: {}", known.join(", ")),
        );
        self.diags.push(diag);
        None
    }

    /// The text at `span` as written, quoted for a message.
    fn quoted(&self, span: Range<usize>) -> String {
        crate::diagnostics::quote(self.text.get(span).unwrap_or_default().trim())
    }

    /// An error at a value of the wrong type, saying what was `expected` and quoting the
    /// value as written.
    fn wrong_type<T>(&mut self, value: &Spanned<DeValue>, expected: &str) -> Option<T> {
        let found = self.quoted(value.span());
        self.error(
            Code::WrongType,
            value.span(),
            format!("expected {expected}, found {found}"),
        );
        None
    }

    fn string(&mut self, value: &Spanned<DeValue>) -> Option<String> {
        match value.get_ref() {
            DeValue::String(s) => Some(s.to_string()),
            _ => self.wrong_type(value, "a string in quotes"),
        }
    }

    fn boolean(&mut self, value: &Spanned<DeValue>) -> Option<bool> {
        match value.get_ref() {
            DeValue::Boolean(b) => Some(*b),
            _ => self.wrong_type(value, "true or false"),
        }
    }

    fn strings(&mut self, value: &Spanned<DeValue>) -> Option<Vec<String>> {
        match value.get_ref() {
            DeValue::Array(items) => items.iter().map(|item| self.string(item)).collect(),
            _ => self.wrong_type(value, "a list of strings"),
        }
    }

    fn lang(&mut self, value: &Spanned<DeValue>) -> Option<String> {
        let lang = self.string(value)?;
        match crate::lang::typst_locale(&lang) {
            Ok(_) => Some(lang),
            Err(problem) => {
                self.diags.push(problem.diagnostic(self.file, value.span()));
                None
            }
        }
    }

    fn base_url(&mut self, value: &Spanned<DeValue>) -> Option<String> {
        let url = self.string(value)?;
        match base_url(&url) {
            Ok(url) => Some(url),
            Err(message) => {
                self.error(Code::BadUrl, value.span(), format!("base_url {message}"));
                None
            }
        }
    }

    /// The table `[name]`, or an error at a value that is not one.
    fn table<'v>(&mut self, value: &'v Spanned<DeValue>, name: &str) -> Option<&'v DeTable<'v>> {
        match value.get_ref() {
            DeValue::Table(table) => Some(table),
            _ => self.wrong_type(value, &format!("a table `[{name}]`")),
        }
    }

    /// One of `options` by its spelling, or an error at the value naming `what` it should be
    /// and the nearest spelling.
    fn choice<T: Copy>(
        &mut self,
        value: &Spanned<DeValue>,
        what: &str,
        options: &[(&str, T)],
    ) -> Option<T> {
        let written = self.string(value)?;
        let found = options
            .iter()
            .find(|(name, _)| *name == written)
            .map(|&(_, option)| option);
        if found.is_none() {
            let names: Vec<&str> = options.iter().map(|&(name, _)| name).collect();
            self.enum_error(value.span(), what, &written, &names);
        }
        found
    }

    fn pdf(&mut self, value: &Spanned<DeValue>) -> Option<PdfConfig> {
        let table = self.table(value, "pdf")?;
        let mut pdf = Config::default().pdf;
        for (key, value) in table.iter() {
            match key.get_ref().as_ref() {
                // A bad value is reported and the rest of `[pdf]` is still read.
                "paper" => {
                    let papers = [("a4", Paper::A4), ("us-letter", Paper::UsLetter)];
                    if let Some(paper) = self.choice(value, "paper", &papers) {
                        pdf.paper = paper;
                    }
                }
                "standard" => {
                    let standards = [
                        ("none", PdfStandard::None),
                        ("pdf/a-2b", PdfStandard::PdfA2b),
                    ];
                    if let Some(standard) = self.choice(value, "standard", &standards) {
                        pdf.standard = standard;
                    }
                }
                "margins" => {
                    if let Some(margins) = self.margins(value) {
                        pdf.margins = margins;
                    }
                }
                "font_size" => {
                    if let Some(size) = self.length(value, "font_size", FONT_SIZE_RANGE) {
                        pdf.font_size = size;
                    }
                }
                "logo" => {
                    pdf.logo = self.string(value).map(|path| At::new(path, value.span()));
                }
                "cover_text" => pdf.cover_text = self.string(value),
                "compendium" => pdf.compendium = self.ids(value),
                "tagged" => {
                    if let Some(tagged) = self.boolean(value) {
                        pdf.tagged = tagged;
                    }
                }
                _ => {
                    self.unknown(key, PDF_KEYS);
                }
            }
        }
        Some(pdf)
    }

    /// `margins = "2cm"` (every side) or `margins = { top = "3cm", inside = "2.5cm" }` (the
    /// sides not named keep their defaults).
    fn margins(&mut self, value: &Spanned<DeValue>) -> Option<Margins> {
        let range = MARGIN_RANGE;
        let DeValue::Table(table) = value.get_ref() else {
            let all = self.length(value, "margin", range)?;
            return Some(Margins {
                top: all,
                bottom: all,
                inside: all,
                outside: all,
            });
        };
        let mut margins = Margins::default();
        for (key, value) in table.iter() {
            let side = match key.get_ref().as_ref() {
                "top" => &mut margins.top,
                "bottom" => &mut margins.bottom,
                "inside" => &mut margins.inside,
                "outside" => &mut margins.outside,
                _ => {
                    self.unknown(key, MARGIN_KEYS);
                    continue;
                }
            };
            let name = format!("{} margin", key.get_ref().as_ref() as &str);
            if let Some(length) = self.length(value, &name, range) {
                *side = length;
            }
        }
        Some(margins)
    }

    /// A length such as `"2cm"` or `"10.5pt"` within `range` (in points).
    fn length(
        &mut self,
        value: &Spanned<DeValue>,
        what: &str,
        range: (f64, f64),
    ) -> Option<Length> {
        let DeValue::String(text) = value.get_ref() else {
            return self.wrong_type(
                value,
                &format!("a length in quotes for {what}, such as \"2cm\" or \"10.5pt\""),
            );
        };
        let Some(length) = Length::parse(text) else {
            self.error(
                Code::BadValue,
                value.span(),
                format!("`{text}` is not a length: write a number and one of pt, mm, cm, in, such as \"2cm\""),
            );
            return None;
        };
        let (low, high) = range;
        let points = length.to_points();
        if points < low || points > high {
            let diag = Diagnostic::error(
                Code::BadValue,
                self.file,
                value.span(),
                format!("{what} `{text}` is out of range"),
            )
            .with_help(if high > 72.0 {
                let cm = |points: f64| round(points * 2.54 / 72.0);
                format!("use {}cm to {}cm", cm(low), cm(high))
            } else {
                format!("use {}pt to {}pt", round(low), round(high))
            });
            self.diags.push(diag);
            return None;
        }
        Some(length)
    }

    /// A list of ids, each with its span.
    fn ids(&mut self, value: &Spanned<DeValue>) -> Option<Vec<At<String>>> {
        let DeValue::Array(items) = value.get_ref() else {
            return self.wrong_type(value, "a list of dossier ids, such as [\"id-a\", \"id-b\"]");
        };
        items
            .iter()
            .map(|item| self.string(item).map(|id| At::new(id, item.span())))
            .collect()
    }

    fn audit(&mut self, value: &Spanned<DeValue>) -> Option<AuditConfig> {
        let table = self.table(value, "audit")?;
        let mut audit = AuditConfig::default();
        for (key, value) in table.iter() {
            let rule = match key.get_ref().as_ref() {
                "uncited" => &mut audit.uncited,
                "unarchived" => &mut audit.unarchived,
                "ungraded" => &mut audit.ungraded,
                "weak" => &mut audit.weak,
                _ => {
                    self.unknown(key, AUDIT_KEYS);
                    continue;
                }
            };
            let what = format!("level for audit rule `{}`", key.get_ref());
            if let Some(level) = self.choice(value, &what, AuditLevel::ALL) {
                *rule = level;
            }
        }
        Some(audit)
    }

    fn enum_error(&mut self, span: Range<usize>, key: &str, value: &str, allowed: &[&str]) {
        let diag = Diagnostic::error(
            Code::BadValue,
            self.file,
            span,
            format!("`{value}` is not a valid {key}"),
        )
        .with_suggestion_or(
            value,
            allowed.iter().copied(),
            format!("expected one of: {}", allowed.join(", ")),
        );
        self.diags.push(diag);
    }
}

/// A number of points as written in a hint: whole when it is.
fn round(points: f64) -> String {
    let tenths = (points * 10.0).round() / 10.0;
    format!("{tenths}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_has_a_default() {
        let mut diags = Vec::new();
        assert_eq!(parse("casefile.toml", "", &mut diags), Config::default());
        assert!(diags.is_empty());
    }

    #[test]
    fn unknown_key_suggests_the_nearest() {
        let mut diags = Vec::new();
        let text = "titel = \"x\"\n[pdf]\npaper = \"a5\"\n";
        parse("casefile.toml", text, &mut diags);
        assert_eq!(diags.len(), 2, "{diags:?}");
        let key = diags
            .iter()
            .find(|d| d.message.contains("`titel`"))
            .unwrap();
        assert_eq!(key.help.as_deref(), Some("did you mean `title`?"));
        assert_eq!(&text[key.span.clone().unwrap()], "titel");
        assert!(diags.iter().any(|d| d.message.contains("`a5`")));
    }

    #[test]
    fn reads_all_keys() {
        let mut diags = Vec::new();
        let text = "title = \"T\"\nlang = \"es\"\nauthors = [\"A\"]\nbase_url = \"https://x.org/d\"\n[pdf]\npaper = \"us-letter\"\nstandard = \"pdf/a-2b\"\n";
        let c = parse("casefile.toml", text, &mut diags);
        assert!(diags.is_empty(), "{diags:?}");
        assert_eq!(c.title, "T");
        assert_eq!(c.base_url.as_deref(), Some("https://x.org/d/"));
        assert_eq!(c.pdf.paper, Paper::UsLetter);
        assert_eq!(c.pdf.standard, PdfStandard::PdfA2b);
    }

    #[test]
    fn reads_audit_levels_and_defaults_the_others_to_warn() {
        let mut diags = Vec::new();
        let text = "[audit]\nuncited = \"error\"\nweak = \"off\"\n";
        let c = parse("casefile.toml", text, &mut diags);
        assert!(diags.is_empty(), "{diags:?}");
        assert_eq!(c.audit.uncited, AuditLevel::Error);
        assert_eq!(c.audit.unarchived, AuditLevel::Warn);
        assert_eq!(c.audit.ungraded, AuditLevel::Warn);
        assert_eq!(c.audit.weak, AuditLevel::Off);
    }

    #[test]
    fn a_bad_audit_key_or_level_is_refused_at_its_place_with_the_nearest_match() {
        let mut diags = Vec::new();
        let text = "[audit]\nuncitd = \"warn\"\nungraded = \"warning\"\nweak = \"loud\"\n";
        let c = parse("casefile.toml", text, &mut diags);
        assert_eq!(diags.len(), 3, "{diags:?}");
        let key = diags
            .iter()
            .find(|d| d.message.contains("`uncitd`"))
            .unwrap();
        assert_eq!(&text[key.span.clone().unwrap()], "uncitd");
        assert_eq!(key.help.as_deref(), Some("did you mean `uncited`?"));
        let level = diags
            .iter()
            .find(|d| d.message.contains("`warning`"))
            .unwrap();
        assert_eq!(&text[level.span.clone().unwrap()], "\"warning\"");
        assert_eq!(level.help.as_deref(), Some("did you mean `warn`?"));
        let loud = diags.iter().find(|d| d.message.contains("`loud`")).unwrap();
        assert_eq!(
            loud.help.as_deref(),
            Some("expected one of: off, warn, error")
        );
        assert_eq!(c.audit, AuditConfig::default());
    }

    #[test]
    fn reads_the_pdf_options_of_a_publisher() {
        let mut diags = Vec::new();
        let text = "[pdf]\nmargins = { top = \"3cm\", inside = \"25mm\" }\nfont_size = \"11pt\"\nlogo = \"images/logo.png\"\ncover_text = \"For the desk.\"\ncompendium = [\"b\", \"a\"]\n";
        let c = parse("casefile.toml", text, &mut diags);
        assert!(diags.is_empty(), "{diags:?}");
        let pdf = &c.pdf;
        assert_eq!(pdf.margins.top.typst(), "3cm");
        assert_eq!(pdf.margins.inside.typst(), "25mm");
        assert_eq!(
            pdf.margins.bottom,
            Margins::default().bottom,
            "unnamed sides keep theirs"
        );
        assert_eq!(pdf.font_size.typst(), "11pt");
        let logo = pdf.logo.as_ref().unwrap();
        assert_eq!(&text[logo.span.clone()], "\"images/logo.png\"");
        assert_eq!(pdf.cover_text.as_deref(), Some("For the desk."));
        let ids: Vec<&str> = pdf
            .compendium
            .iter()
            .flatten()
            .map(|i| i.value.as_str())
            .collect();
        assert_eq!(ids, ["b", "a"]);
        let all = parse("x", "[pdf]\nmargins = \"2cm\"\n", &mut diags)
            .pdf
            .margins;
        assert_eq!(
            [all.top, all.bottom, all.inside, all.outside],
            [Length::cm(2.0); 4]
        );
    }

    #[test]
    fn tagged_is_true_or_false() {
        let mut diags = Vec::new();
        let c = parse("casefile.toml", "[pdf]\ntagged = false\n", &mut diags);
        assert!(diags.is_empty(), "{diags:?}");
        assert!(!c.pdf.tagged);
        let text = "[pdf]\ntagged = \"no\"\npaper = \"a4\"\n";
        let c = parse("casefile.toml", text, &mut diags);
        assert_eq!(diags.len(), 1, "{diags:?}");
        assert!(
            diags[0].message.contains("true or false"),
            "{}",
            diags[0].message
        );
        assert_eq!(&text[diags[0].span.clone().unwrap()], "\"no\"");
        assert!(c.pdf.tagged, "a bad value keeps the default");
    }

    #[test]
    fn bad_pdf_lengths_are_refused_at_their_values() {
        let mut diags = Vec::new();
        let text =
            "[pdf]\nfont_size = \"40pt\"\nmargins = { top = \"2 furlongs\", left = \"1cm\" }\n";
        let c = parse("casefile.toml", text, &mut diags);
        assert_eq!(diags.len(), 3, "{diags:?}");
        let size = diags.iter().find(|d| d.message.contains("`40pt`")).unwrap();
        assert!(size.message.contains("out of range"), "{}", size.message);
        assert_eq!(&text[size.span.clone().unwrap()], "\"40pt\"");
        assert_eq!(size.help.as_deref(), Some("use 6pt to 18pt"));
        let unit = diags
            .iter()
            .find(|d| d.message.contains("furlongs"))
            .unwrap();
        assert!(unit.message.contains("not a length"), "{}", unit.message);
        let side = diags.iter().find(|d| d.message.contains("`left`")).unwrap();
        assert_eq!(
            side.help.as_deref(),
            Some("known keys: top, bottom, inside, outside")
        );
        assert_eq!(c.pdf.font_size, Length::points(10.5));
    }

    #[test]
    fn a_language_typst_cannot_take_is_refused_at_its_value() {
        let mut diags = Vec::new();
        let text = "lang = \"x-klingon\"\n";
        let c = parse("casefile.toml", text, &mut diags);
        assert_eq!(diags.len(), 1, "{diags:?}");
        assert!(diags[0].message.contains("`x-klingon`"));
        assert_eq!(&text[diags[0].span.clone().unwrap()], "\"x-klingon\"");
        assert_eq!(c.lang, "en");
    }
}
