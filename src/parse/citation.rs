//! The grammar of a citation bracket: what is inside `[…]` when it starts with `@`. A
//! bracket is a citation (`@a, p. 4; @b`), or reads like a mistyped one (`@src p. 3`,
//! `@ src`), or is ordinary text. Pure functions over the bracket's text; the caller
//! locates and reports.

/// One source at a citation point, as read from the bracket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item<'a> {
    /// The source key.
    pub key: &'a str,
    /// Byte offset of the key in the bracket's inside.
    pub key_at: usize,
    /// The locator, trimmed, if any.
    pub locator: Option<&'a str>,
}

/// What the inside of a `[@…]` bracket is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Bracket<'a> {
    /// A citation.
    Cite(Vec<Item<'a>>),
    /// Not a citation, but close to one: a space after `@` (`[@ src]`) or no comma before
    /// the locator (`[@src p. 3]`). The items are the citation it probably means;
    /// `locator_like` is true when one of their locators reads like a page, chapter or
    /// section (`p. 3`, `12`, `ch. 2`).
    Typo {
        /// The citation it probably means.
        items: Vec<Item<'a>>,
        /// A locator reads like a page, chapter or section.
        locator_like: bool,
    },
    /// Ordinary text.
    Text,
}

/// How the items of a bracket deviate from the grammar.
#[derive(Default)]
struct Slips {
    space_after_at: bool,
    missing_comma: bool,
}

/// Reads the inside of a bracket (without `[` and `]`). Whether it is a citation is decided
/// at the first character that cannot belong to one, so junk costs little.
pub fn read(inner: &str) -> Bracket<'_> {
    let mut items = Vec::new();
    let mut slips = Slips::default();
    let mut at = 0;
    loop {
        let Some((item, next)) = read_item(inner, at, &mut slips) else {
            return Bracket::Text;
        };
        items.push(item);
        match next {
            Some(next) => at = next,
            None => break,
        }
    }
    if slips.space_after_at || slips.missing_comma {
        let locator_like = items
            .iter()
            .any(|i| i.locator.is_some_and(reads_like_locator));
        Bracket::Typo {
            items,
            locator_like,
        }
    } else {
        Bracket::Cite(items)
    }
}

/// Reads one `@key, locator` from byte `at` of `inner`; also returns where the next item
/// starts (after a `;`), if one follows.
fn read_item<'a>(
    inner: &'a str,
    at: usize,
    slips: &mut Slips,
) -> Option<(Item<'a>, Option<usize>)> {
    let rest = &inner[at..];
    let at = at + (rest.len() - rest.trim_start().len());
    let after_at = inner[at..].strip_prefix('@')?;
    let spaced = after_at.trim_start();
    slips.space_after_at |= spaced.len() < after_at.len();
    let key_at = inner.len() - spaced.len();
    let key_len = spaced
        .find(|c: char| !is_key_char(c))
        .unwrap_or(spaced.len());
    if key_len == 0 {
        return None;
    }
    let key = &spaced[..key_len];
    let after_key = &spaced[key_len..];
    let after = after_key.trim_start();
    let end = |text: &str| inner.len() - text.len();
    let (locator, next) = if let Some(locator) = after.strip_prefix(',') {
        split_locator(locator, end(locator))
    } else if let Some(next) = after.strip_prefix(';') {
        (None, Some(end(next)))
    } else if after.is_empty() {
        (None, None)
    } else if after.len() < after_key.len() && !after.starts_with(['[', ']', '@']) {
        // `@src p. 3`: a locator without its comma.
        let (locator, next) = split_locator(after, end(after));
        if locator.is_some_and(|l| l.contains(['[', ']', '@'])) {
            return None;
        }
        slips.missing_comma = true;
        (locator, next)
    } else {
        return None;
    };
    Some((
        Item {
            key,
            key_at,
            locator,
        },
        next,
    ))
}

/// A locator runs to the next `;`; returns it trimmed (if not empty) and where the next
/// item starts.
fn split_locator(text: &str, at: usize) -> (Option<&str>, Option<usize>) {
    let (locator, next) = match text.split_once(';') {
        Some((locator, _)) => (locator, Some(at + locator.len() + 1)),
        None => (text, None),
    };
    (Some(locator.trim()).filter(|l| !l.is_empty()), next)
}

/// Characters a citation key may hold: an id's, plus upper case and `.`/`:` so that a
/// mistyped key is still reported as an unknown source.
pub fn is_key_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':')
}

/// Words that start a locator: page, chapter, section, paragraph, figure, volume, number…
const LOCATOR_WORDS: &[&str] = &[
    "p", "pp", "page", "pages", "pg", "ch", "chap", "chapter", "sec", "section", "s", "ss", "para",
    "paras", "par", "fig", "figure", "vol", "no", "nos", "n", "nn", "note", "fn", "art", "l", "ll",
    "line", "lines", "col", "tab", "table", "app", "annex", "item", "f", "ff", "fol", "folio",
    "cap", "pág", "págs", "núm", "anexo", "inciso", "fr", "fracc",
];

/// True for text that reads like a locator: a number, `§`/`¶`, or a locator word followed
/// by a period or a number (`p. 3`, `pp 3-5`, `ch.2`, `p3`).
pub fn reads_like_locator(text: &str) -> bool {
    let text = text.trim_start();
    if text.starts_with(|c: char| c.is_ascii_digit() || matches!(c, '§' | '¶')) {
        return true;
    }
    let word_len = text
        .find(|c: char| !c.is_alphabetic())
        .unwrap_or(text.len());
    let (word, after) = text.split_at(word_len);
    let known = LOCATOR_WORDS.contains(&word.to_lowercase().as_str());
    let numbered = after
        .trim_start_matches('.')
        .trim_start()
        .starts_with(|c: char| c.is_ascii_digit() || c.is_ascii_uppercase());
    known && (after.starts_with('.') || numbered)
}

/// A locator that reads like another source rather than a place in a source: `@b` (then
/// `with_at` is true), `@b, p. 3`, or a single id-like word such as `b`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyLike<'a> {
    /// The key it reads like.
    pub key: &'a str,
    /// It was written with `@`.
    pub with_at: bool,
    /// What follows the key after a comma: that source's own locator.
    pub locator: Option<&'a str>,
}

/// Reads a locator as a source key, if it reads like one (see [`KeyLike`]).
pub fn locator_as_key(locator: &str) -> Option<KeyLike<'_>> {
    let Some(after_at) = locator.strip_prefix('@') else {
        let id_like = !locator.is_empty() && locator.chars().all(is_key_char);
        return id_like.then_some(KeyLike {
            key: locator,
            with_at: false,
            locator: None,
        });
    };
    let key_len = after_at
        .find(|c: char| !is_key_char(c))
        .unwrap_or(after_at.len());
    let (key, rest) = after_at.split_at(key_len);
    let rest = rest.trim_start();
    let locator = match rest.strip_prefix(',') {
        Some(l) => Some(l.trim()).filter(|l| !l.is_empty()),
        None if rest.is_empty() => None,
        None => return None,
    };
    (!key.is_empty()).then_some(KeyLike {
        key,
        with_at: true,
        locator,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys<'a>(items: &[Item<'a>]) -> Vec<(&'a str, Option<&'a str>)> {
        items.iter().map(|i| (i.key, i.locator)).collect()
    }

    #[test]
    fn citations_with_locators() {
        let Bracket::Cite(items) = read("@a, p. 4; @b,pp. 3-5;@c") else {
            panic!("not a citation")
        };
        assert_eq!(
            keys(&items),
            [("a", Some("p. 4")), ("b", Some("pp. 3-5")), ("c", None)]
        );
        let inner = "@a, p. 4; @b,pp. 3-5;@c";
        assert_eq!(&inner[items[1].key_at..items[1].key_at + 1], "b");
    }

    #[test]
    fn a_locator_after_a_comma_without_a_space_is_a_locator() {
        let Bracket::Cite(items) = read("@src,p3") else {
            panic!("not a citation")
        };
        assert_eq!(keys(&items), [("src", Some("p3"))]);
    }

    #[test]
    fn a_missing_comma_or_a_space_after_at_is_a_typo() {
        let Bracket::Typo {
            items,
            locator_like,
        } = read("@src p. 3")
        else {
            panic!("not a typo")
        };
        assert_eq!(keys(&items), [("src", Some("p. 3"))]);
        assert!(locator_like);
        let Bracket::Typo {
            items,
            locator_like,
        } = read("@ src")
        else {
            panic!("not a typo")
        };
        assert_eq!(keys(&items), [("src", None)]);
        assert!(!locator_like);
        let Bracket::Typo { items, .. } = read("@a; @ b, ch. 2") else {
            panic!("not a typo")
        };
        assert_eq!(keys(&items), [("a", None), ("b", Some("ch. 2"))]);
    }

    #[test]
    fn prose_in_brackets_is_a_typo_only_in_shape() {
        // The shape of `[@ the office]` is that of a typo; whether it is one depends on
        // whether `the` is a source, which the caller knows.
        let Bracket::Typo { locator_like, .. } = read("@ the office") else {
            panic!("not a typo")
        };
        assert!(!locator_like);
        assert_eq!(read("@src's report"), Bracket::Text);
        assert_eq!(read("@"), Bracket::Text);
        assert_eq!(read("@ "), Bracket::Text);
        assert_eq!(read("@a [@b"), Bracket::Text);
        assert_eq!(read("@a; b"), Bracket::Text);
    }

    #[test]
    fn locators() {
        for yes in [
            "p. 3", "pp 3-5", "12", "§ 4", "ch.2", "p3", "Vol. II", "fig 2",
        ] {
            assert!(reads_like_locator(yes), "{yes}");
        }
        for no in ["office", "no way", "part of", "said so", "page"] {
            assert!(!reads_like_locator(no), "{no}");
        }
    }

    #[test]
    fn locators_that_read_like_keys() {
        let key = |key, with_at, locator| {
            Some(KeyLike {
                key,
                with_at,
                locator,
            })
        };
        assert_eq!(locator_as_key("@b"), key("b", true, None));
        assert_eq!(locator_as_key("@b, p. 3"), key("b", true, Some("p. 3")));
        assert_eq!(locator_as_key("b"), key("b", false, None));
        assert_eq!(locator_as_key("p. 3"), None);
        assert_eq!(locator_as_key("@"), None);
        assert_eq!(locator_as_key("@b and more"), None);
    }
}
