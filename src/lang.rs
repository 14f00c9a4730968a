//! BCP 47 language tags: which ones casefile accepts, and what Typst's `text` receives of
//! them. The site keeps the whole tag (`lang="sr-Latn-RS"`); a PDF gets the language and the
//! region (`lang: "sr", region: "RS"`). One function, [`typst_locale`], decides both, so a
//! tag that `check` accepts is one the PDFs can be set in.

use std::ops::Range;

use crate::diagnostics::{Code, Diagnostic};

/// What Typst's `text` takes of a language tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypstLocale {
    /// The ISO 639 language: two or three lowercase letters.
    pub lang: String,
    /// The ISO 3166-1 alpha-2 region in upper case; `None` when the tag has none or a numeric
    /// one (`es-419`), which Typst does not take.
    pub region: Option<String>,
}

impl Default for TypstLocale {
    fn default() -> Self {
        TypstLocale {
            lang: "en".to_string(),
            region: None,
        }
    }
}

/// Why a tag was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LangProblem {
    /// What is wrong, quoting the tag.
    pub message: String,
}

impl LangProblem {
    /// The problem as an error at the `lang` value. Kind: `bad-lang-tag`.
    pub fn diagnostic(&self, file: &str, span: Range<usize>) -> Diagnostic {
        Diagnostic::error(Code::BadLang, file, span, self.message.clone())
            .with_help("use a tag such as `en`, `en-GB`, `es-419`, `zh-Hant-TW` or `de-CH-1996`")
    }
}

/// Maps a BCP 47 tag (RFC 5646, any case) to what Typst takes: the primary language and a
/// two-letter region. The whole tag must be well formed: an extended language, a script, a
/// region, variants, extensions and a private-use part may follow the language, in that
/// order. Refused: a primary language that is not two or three letters (`x-klingon`,
/// `i-klingon`, a five-letter language), since Typst takes no other.
pub fn typst_locale(tag: &str) -> Result<TypstLocale, LangProblem> {
    let mut subtags = tag.split('-').peekable();
    let language = subtags.next().unwrap_or_default();
    if !is_alpha(language, 2..=3) {
        return Err(LangProblem {
            message: format!(
                "`{tag}` cannot be set in a PDF: a language tag must start with a two- or \
                 three-letter ISO 639 language"
            ),
        });
    }
    let subtags = &mut subtags;
    // Extended languages (`zh-yue`): the primary language still names the macrolanguage.
    for _ in 0..3 {
        if take(subtags, |s| is_alpha(s, 3..=3)).is_none() {
            break;
        }
    }
    let _script = take(subtags, |s| is_alpha(s, 4..=4));
    let region = take(subtags, |s| is_alpha(s, 2..=2) || is_digits(s, 3)).filter(|s| s.len() == 2);
    while take(subtags, is_variant).is_some() {}
    while take(subtags, is_singleton).is_some() {
        take_run(tag, subtags, 2..=8)?;
    }
    if take(subtags, |s| s.eq_ignore_ascii_case("x")).is_some() {
        take_run(tag, subtags, 1..=8)?;
    }
    if let Some(rest) = subtags.next() {
        return Err(malformed(tag, Some(rest)));
    }
    Ok(TypstLocale {
        lang: language.to_ascii_lowercase(),
        region: region.map(str::to_ascii_uppercase),
    })
}

type Subtags<'a> = std::iter::Peekable<std::str::Split<'a, char>>;

/// The next subtag, if it fits.
fn take<'a>(subtags: &mut Subtags<'a>, fits: fn(&str) -> bool) -> Option<&'a str> {
    subtags.next_if(|s| fits(s))
}

/// One or more subtags of letters and digits of a length in `len`, as an extension or the
/// private-use part needs after its singleton.
fn take_run(
    tag: &str,
    subtags: &mut Subtags<'_>,
    len: std::ops::RangeInclusive<usize>,
) -> Result<(), LangProblem> {
    let mut count = 0;
    while subtags.next_if(|s| is_alnum(s, len.clone())).is_some() {
        count += 1;
    }
    if count == 0 {
        return Err(malformed(tag, subtags.next()));
    }
    Ok(())
}

/// The one-character subtag that opens an extension (`u` in `en-u-ca-gregory`); `x` opens
/// the private-use part instead.
fn is_singleton(s: &str) -> bool {
    is_alnum(s, 1..=1) && !s.eq_ignore_ascii_case("x")
}

fn malformed(tag: &str, subtag: Option<&str>) -> LangProblem {
    let why = match subtag {
        Some("") | None => "a subtag is missing".to_string(),
        Some(s) => format!("`{s}` is out of place or not a subtag"),
    };
    LangProblem {
        message: format!("`{tag}` is not a BCP 47 language tag: {why}"),
    }
}

fn is_alpha(s: &str, len: std::ops::RangeInclusive<usize>) -> bool {
    len.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphabetic())
}

fn is_alnum(s: &str, len: std::ops::RangeInclusive<usize>) -> bool {
    len.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric())
}

fn is_digits(s: &str, len: usize) -> bool {
    s.len() == len && s.bytes().all(|b| b.is_ascii_digit())
}

/// A variant: five to eight letters or digits (`oxendict`), or a digit and three more
/// (`1996`).
fn is_variant(s: &str) -> bool {
    is_alnum(s, 5..=8) || (is_alnum(s, 4..=4) && s.as_bytes()[0].is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn locale(tag: &str) -> (String, Option<String>) {
        let l = typst_locale(tag).unwrap_or_else(|p| panic!("{tag}: {}", p.message));
        (l.lang, l.region)
    }

    #[test]
    fn language_and_two_letter_region_reach_typst() {
        let cases = [
            ("en", "en", None),
            ("es-MX", "es", Some("MX")),
            ("es-419", "es", None),
            ("zh-Hant-TW", "zh", Some("TW")),
            ("sr-Latn-RS", "sr", Some("RS")),
            ("en-GB-oxendict", "en", Some("GB")),
            ("de-CH-1996", "de", Some("CH")),
            ("EN-gb", "en", Some("GB")),
            ("zh-yue-HK", "zh", Some("HK")),
            ("fil", "fil", None),
            ("en-US-u-ca-gregory-x-private", "en", Some("US")),
            ("de-x-old", "de", None),
        ];
        for (tag, lang, region) in cases {
            assert_eq!(
                locale(tag),
                (lang.to_string(), region.map(String::from)),
                "{tag}"
            );
        }
    }

    #[test]
    fn tags_typst_cannot_take_are_refused_with_the_tag_quoted() {
        for tag in [
            "x-klingon",
            "i-klingon",
            "klingon",
            "e",
            "",
            "12",
            "english language",
        ] {
            let problem = typst_locale(tag).expect_err(tag);
            assert!(problem.message.contains(&format!("`{tag}`")), "{tag}");
        }
    }

    #[test]
    fn malformed_tags_are_refused() {
        for tag in [
            "en-",
            "en--US",
            "es-M",
            "es-MX-US",
            "es-419-MX",
            "en-GB-toolongvariant",
            "en-a",
            "en-x",
            "en-US-a-x",
        ] {
            let problem = typst_locale(tag).expect_err(tag);
            assert!(problem.message.contains("not a BCP 47"), "{tag}");
        }
    }
}
