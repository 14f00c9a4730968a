//! Interface strings: the words casefile itself writes on pages and in PDFs (headings,
//! labels, status and kind words, dates, banners), one table per language. English and
//! Spanish are built in (`i18n/en.toml`, `i18n/es.toml`); a project overrides or adds a
//! language with `templates/i18n/LANG.toml`. A key a language leaves out reads as in English.
//!
//! A language tag selects the table of its primary language (`es-MX` → `es`); a tag with no
//! table is set in English, and `check` warns at its `lang` value.

use std::collections::BTreeMap;
use std::ops::Range;

use serde_json::{Map, Value};
use toml::de::{DeTable, DeValue};

use crate::diagnostics::{Code, Diagnostic};
use crate::model::Date;

/// The built-in tables, by primary language. English is complete: every key there is one.
pub const BUILTIN: &[(&str, &str)] = &[
    ("en", include_str!("../i18n/en.toml")),
    ("es", include_str!("../i18n/es.toml")),
];

/// Where a project's tables go, under `templates/`: `i18n/es.toml` overrides Spanish words.
pub const OVERRIDE_DIR: &str = "i18n/";

/// The language whose table is complete and stands in for missing ones.
const FALLBACK: &str = "en";

/// The words of one language, every key filled (from English where the language has none).
#[derive(Debug, Clone, PartialEq)]
pub struct Words {
    /// The primary language these words are in (`en`, `es`).
    pub lang: String,
    table: Value,
}

impl Words {
    /// The string at a dotted key (`notes`, `status.alleged`); the key itself when there is
    /// none, so that a missing word shows where it is missing instead of vanishing.
    pub fn get<'a>(&'a self, key: &'a str) -> &'a str {
        let mut at = &self.table;
        for part in key.split('.') {
            match at.get(part) {
                Some(next) => at = next,
                None => return key,
            }
        }
        at.as_str().unwrap_or(key)
    }

    /// The string at `key` with `{name}` placeholders filled in.
    pub fn fill(&self, key: &str, values: &[(&str, &str)]) -> String {
        let mut text = self.get(key).to_string();
        for (name, value) in values {
            text = text.replace(&format!("{{{name}}}"), value);
        }
        text
    }

    /// A date for readers: `10 June 2019` / `10 de junio de 2019`, `June 2019`, `2019`.
    pub fn date(&self, date: &Date) -> String {
        let year = date.year.to_string();
        let Some(month) = date.month else {
            return year;
        };
        let name = self
            .table
            .pointer(&format!(
                "/date/months/{}",
                usize::from(month).saturating_sub(1)
            ))
            .and_then(Value::as_str)
            .unwrap_or_default();
        match date.day {
            Some(day) => self.fill(
                "date.full",
                &[("day", &day.to_string()), ("month", name), ("year", &year)],
            ),
            None => self.fill("date.month", &[("month", name), ("year", &year)]),
        }
    }

    /// Every word as nested maps, as templates see them (`t.notes`, `t.status.alleged`).
    pub fn table(&self) -> &Value {
        &self.table
    }
}

/// The words of every language casefile has a table for, built-in or the project's.
#[derive(Debug, Clone, PartialEq)]
pub struct Interface {
    languages: BTreeMap<String, Words>,
}

impl Default for Interface {
    /// The built-in tables, no project overrides.
    fn default() -> Self {
        Interface::new(&BTreeMap::new()).0
    }
}

/// The primary language of a tag, in lower case: `es` of `es-MX`.
pub fn primary(tag: &str) -> String {
    tag.split('-')
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase()
}

impl Interface {
    /// The built-in tables with the project's (`templates/i18n/LANG.toml` among `templates`,
    /// keyed by their name under `templates/`) laid over them. A project table that does not
    /// parse, or names a key casefile does not know, is reported and the rest of it used.
    pub fn new(templates: &BTreeMap<String, String>) -> (Interface, Vec<Diagnostic>) {
        let mut diags = Vec::new();
        let english = builtin_table(FALLBACK);
        let mut tables: BTreeMap<String, Value> = BUILTIN
            .iter()
            .map(|(lang, _)| {
                let mut table = english.clone();
                merge(&mut table, builtin_table(lang));
                (lang.to_string(), table)
            })
            .collect();
        for (name, text) in templates {
            let Some(lang) = name
                .strip_prefix(OVERRIDE_DIR)
                .and_then(|n| n.strip_suffix(".toml"))
            else {
                continue;
            };
            let file = format!("templates/{name}");
            let own = read_override(&file, text, &english, &mut diags);
            let table = tables
                .entry(lang.to_ascii_lowercase())
                .or_insert_with(|| english.clone());
            merge(table, own);
        }
        let languages = tables
            .into_iter()
            .map(|(lang, table)| (lang.clone(), Words { lang, table }))
            .collect();
        (Interface { languages }, diags)
    }

    /// The words for a language tag: its primary language's, or English.
    pub fn words(&self, tag: &str) -> &Words {
        self.languages
            .get(&primary(tag))
            .or_else(|| self.languages.get(FALLBACK))
            .unwrap_or_else(|| fallback_words())
    }

    /// Whether casefile has words for this tag's language.
    pub fn speaks(&self, tag: &str) -> bool {
        self.languages.contains_key(&primary(tag))
    }

    /// The warning for a `lang` value at `span` of `file` whose language has no words.
    /// Kind: `lang-fallback`.
    pub fn fallback_warning(
        &self,
        tag: &str,
        file: &str,
        span: Range<usize>,
    ) -> Option<Diagnostic> {
        if self.speaks(tag) {
            return None;
        }
        let known: Vec<String> = self.languages.keys().map(|l| format!("`{l}`")).collect();
        Some(
            Diagnostic::warning(
                Code::LangFallback,
                file,
                span,
                format!(
                    "casefile has no interface strings for `{tag}`: pages and PDFs in it use \
                     English words"
                ),
            )
            .with_help(format!(
                "built in: {}; add `templates/{OVERRIDE_DIR}{}.toml` to translate them",
                known.join(", "),
                primary(tag)
            )),
        )
    }
}

/// English words built once for the impossible case of an interface without English.
fn fallback_words() -> &'static Words {
    static WORDS: std::sync::LazyLock<Words> = std::sync::LazyLock::new(|| Words {
        lang: FALLBACK.to_string(),
        table: builtin_table(FALLBACK),
    });
    &WORDS
}

/// A built-in table as nested JSON maps. A unit test proves each one parses.
fn builtin_table(lang: &str) -> Value {
    BUILTIN
        .iter()
        .find(|(l, _)| *l == lang)
        .and_then(|(_, text)| toml::from_str::<Value>(text).ok())
        .unwrap_or_else(|| Value::Object(Map::new()))
}

/// Lays `top` over `base`, table by table.
fn merge(base: &mut Value, top: Value) {
    match (base, top) {
        (Value::Object(base), Value::Object(top)) => {
            for (key, value) in top {
                match base.get_mut(&key) {
                    Some(slot) => merge(slot, value),
                    None => {
                        base.insert(key, value);
                    }
                }
            }
        }
        (base, top) => *base = top,
    }
}

/// A project's table: its keys checked against English's, which has them all.
fn read_override(file: &str, text: &str, english: &Value, diags: &mut Vec<Diagnostic>) -> Value {
    let (table, errors) = DeTable::parse_recoverable(text);
    for err in &errors {
        diags.push(Diagnostic::error(
            Code::TomlSyntax,
            file,
            err.span().unwrap_or(0..0),
            format!("invalid TOML: {}", err.message().trim()),
        ));
    }
    if !errors.is_empty() {
        return Value::Object(Map::new());
    }
    read_table(file, table.get_ref(), english, "", diags)
}

fn read_table(
    file: &str,
    table: &DeTable,
    english: &Value,
    prefix: &str,
    diags: &mut Vec<Diagnostic>,
) -> Value {
    let mut out = Map::new();
    for (key, value) in table.iter() {
        let name: &str = key.get_ref().as_ref();
        let path = format!("{prefix}{name}");
        let Some(expected) = english.get(name) else {
            let known: Vec<&str> = english
                .as_object()
                .map(|m| m.keys().map(String::as_str).collect())
                .unwrap_or_default();
            diags.push(
                Diagnostic::error(
                    Code::UnknownString,
                    file,
                    key.span(),
                    format!("unknown interface string `{path}`"),
                )
                .with_suggestion_or(
                    name,
                    known.iter().copied(),
                    "the built-in English table lists every key".to_string(),
                ),
            );
            continue;
        };
        match read_value(file, value, expected, &path, diags) {
            Some(v) => {
                out.insert(name.to_string(), v);
            }
            None => diags.push(Diagnostic::error(
                Code::WrongType,
                file,
                value.span(),
                format!("`{path}` must be {}", kind_of(expected)),
            )),
        }
    }
    Value::Object(out)
}

fn read_value(
    file: &str,
    value: &toml::Spanned<DeValue>,
    expected: &Value,
    path: &str,
    diags: &mut Vec<Diagnostic>,
) -> Option<Value> {
    match (value.get_ref(), expected) {
        (DeValue::String(s), Value::String(_)) => Some(Value::String(s.to_string())),
        (DeValue::Table(t), Value::Object(_)) => {
            Some(read_table(file, t, expected, &format!("{path}."), diags))
        }
        (DeValue::Array(items), Value::Array(english)) if items.len() == english.len() => items
            .iter()
            .map(|item| match item.get_ref() {
                DeValue::String(s) => Some(Value::String(s.to_string())),
                _ => None,
            })
            .collect::<Option<Vec<_>>>()
            .map(Value::Array),
        _ => None,
    }
}

fn kind_of(expected: &Value) -> String {
    match expected {
        Value::Object(_) => "a table".to_string(),
        Value::Array(items) => format!("a list of {} strings", items.len()),
        _ => "a string".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(value: &Value, prefix: &str, out: &mut Vec<String>) {
        if let Value::Object(map) = value {
            for (k, v) in map {
                keys(v, &format!("{prefix}{k}."), out);
            }
        } else {
            out.push(prefix.trim_end_matches('.').to_string());
        }
    }

    #[test]
    fn every_builtin_table_parses_and_knows_only_english_keys() {
        let english = builtin_table("en");
        let mut all = Vec::new();
        keys(&english, "", &mut all);
        assert!(all.len() > 80, "{all:?}");
        for (lang, text) in BUILTIN {
            let table: Value = toml::from_str(text).unwrap_or_else(|e| panic!("{lang}: {e}"));
            let mut own = Vec::new();
            keys(&table, "", &mut own);
            let unknown: Vec<&String> = own.iter().filter(|k| !all.contains(k)).collect();
            assert!(unknown.is_empty(), "{lang}: {unknown:?}");
        }
    }

    #[test]
    fn spanish_is_complete() {
        let mut english = Vec::new();
        keys(&builtin_table("en"), "", &mut english);
        let mut spanish = Vec::new();
        keys(&builtin_table("es"), "", &mut spanish);
        let missing: Vec<&String> = english.iter().filter(|k| !spanish.contains(k)).collect();
        assert!(missing.is_empty(), "{missing:?}");
    }

    #[test]
    fn dates_read_as_each_language_writes_them() {
        let interface = Interface::default();
        let date = |s: &str| Date::parse(s).unwrap();
        let es = interface.words("es-MX");
        assert_eq!(es.date(&date("2019-06-10")), "10 de junio de 2019");
        assert_eq!(es.date(&date("2019-06")), "junio de 2019");
        assert_eq!(es.date(&date("2019")), "2019");
        let en = interface.words("en-GB");
        assert_eq!(en.date(&date("2019-06-10")), "10 June 2019");
        assert_eq!(en.date(&date("2019-06")), "June 2019");
        assert_eq!(en.date(&date("2019")), "2019");
    }

    #[test]
    fn a_tag_selects_its_primary_language_or_english() {
        let interface = Interface::default();
        assert_eq!(interface.words("es-419").get("notes"), "Notas");
        assert_eq!(interface.words("ES").get("status.alleged"), "presunto");
        assert_eq!(interface.words("de-CH").get("notes"), "Notes");
        assert!(interface.speaks("es-MX") && !interface.speaks("de"));
        let warning = interface
            .fallback_warning("de", "casefile.toml", 7..11)
            .unwrap();
        assert_eq!(warning.code, Code::LangFallback);
        assert!(warning.message.contains("`de`"), "{}", warning.message);
        assert!(interface.fallback_warning("es-MX", "f", 0..1).is_none());
    }

    #[test]
    fn a_project_table_overrides_words_and_may_add_a_language() {
        let mut templates = BTreeMap::new();
        templates.insert(
            "i18n/es.toml".to_string(),
            "notes = \"Notas al pie\"\n[status]\nalleged = \"supuesto\"\n".to_string(),
        );
        templates.insert(
            "i18n/de.toml".to_string(),
            "notes = \"Anmerkungen\"\n".to_string(),
        );
        let (interface, diags) = Interface::new(&templates);
        assert!(diags.is_empty(), "{diags:?}");
        let es = interface.words("es");
        assert_eq!(es.get("notes"), "Notas al pie");
        assert_eq!(es.get("status.alleged"), "supuesto");
        assert_eq!(es.get("sources"), "Fuentes");
        let de = interface.words("de-AT");
        assert_eq!(de.get("notes"), "Anmerkungen");
        assert_eq!(de.get("sources"), "Sources");
        assert!(interface.speaks("de"));
    }

    #[test]
    fn an_unknown_or_mistyped_project_string_is_an_error_at_its_key() {
        let text = "note = \"x\"\n[date]\nmonths = [\"a\"]\n";
        let mut templates = BTreeMap::new();
        templates.insert("i18n/es.toml".to_string(), text.to_string());
        let (interface, diags) = Interface::new(&templates);
        assert_eq!(diags.len(), 2, "{diags:?}");
        let unknown = diags
            .iter()
            .find(|d| d.code == Code::UnknownString)
            .unwrap();
        assert_eq!(unknown.file, "templates/i18n/es.toml");
        assert_eq!(unknown.span, Some(0..4));
        assert_eq!(unknown.help.as_deref(), Some("did you mean `notes`?"));
        let wrong = diags.iter().find(|d| d.code == Code::WrongType).unwrap();
        assert!(wrong.message.contains("`date.months`"), "{}", wrong.message);
        assert_eq!(interface.words("es").get("notes"), "Notas");
    }
}
