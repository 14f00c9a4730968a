//! Tera errors as messages that say where: the template file and line. Tera reports a line
//! for syntax errors only; for a render error the line is found from what the error names
//! (a variable, filter, function or test) in the template's tags.

use std::collections::BTreeMap;

use crate::diagnostics::line_col;
use crate::render::html::BUILTIN_TEMPLATES;

/// A tera error described: what went wrong, and where when the line is known. As text, the
/// message then `--> templates/NAME:LINE` on a line of its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Described {
    /// The chain of causes, in one line.
    pub message: String,
    /// `templates/NAME:LINE[:COLUMN]` (or `NAME:LINE (built-in template)`), with the other
    /// lines that use what failed.
    pub place: Option<String>,
    /// The project's template the place is in (`templates/NAME`); `None` for a built-in one.
    pub file: Option<String>,
}

impl std::fmt::Display for Described {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)?;
        match &self.place {
            Some(place) => write!(f, "\n  --> {place}"),
            None => Ok(()),
        }
    }
}

/// A tera error as a [`Described`]. `overrides` are the project's templates by file name.
pub fn describe(err: &tera::Error, overrides: &BTreeMap<String, String>) -> Described {
    let causes = causes(err);
    let message = causes
        .iter()
        .map(|cause| cause_text(cause))
        .collect::<Vec<_>>()
        .join(": ");
    let (place, file) = match locate(&causes, overrides) {
        Some((place, name)) => (
            Some(place),
            overrides
                .contains_key(&name)
                .then(|| format!("templates/{name}")),
        ),
        None => (None, None),
    };
    Described {
        message,
        place,
        file,
    }
}

/// The messages of an error and its causes, outermost first.
fn causes(err: &tera::Error) -> Vec<String> {
    let mut causes = vec![err.to_string()];
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        causes.push(cause.to_string());
        source = cause.source();
    }
    causes
}

/// A cause in one line. A syntax error's drawing of the template line is left out (the
/// location follows the message); what it expected is kept.
fn cause_text(cause: &str) -> String {
    if !cause.contains('\n') {
        return cause.to_string();
    }
    cause
        .lines()
        .filter_map(|line| line.trim_start().strip_prefix("= "))
        .collect::<Vec<_>>()
        .join("; ")
}

/// `templates/NAME:LINE` (or `NAME:LINE (built-in template)`) and the template's name, when
/// tera's messages name a template and either give a line or name something that appears
/// in its tags.
fn locate(causes: &[String], overrides: &BTreeMap<String, String>) -> Option<(String, String)> {
    let names = template_names(causes);
    if let Some((line, column)) = causes.iter().find_map(|c| syntax_position(c)) {
        let name = names.first()?;
        let place = format!("{}:{line}:{column}", label(name, overrides));
        return Some((place, name.clone()));
    }
    let needle = causes.iter().rev().find_map(|c| named_thing(c))?;
    names.iter().find_map(|name| {
        let text = template_text(name, overrides)?;
        let lines = lines_using(text, &needle);
        let first = *lines.first()?;
        let mut place = format!("{}:{first}", label(name, overrides));
        if lines.len() > 1 {
            let others: Vec<String> = lines[1..].iter().map(usize::to_string).collect();
            place.push_str(&format!(
                " (`{needle}` also appears on line {})",
                others.join(", ")
            ));
        }
        Some((place, name.clone()))
    })
}

/// The templates the messages name, most specific first: the one being rendered when the
/// error happened (`while rendering 'x'`), the one it happened in, then the one asked for.
fn template_names(causes: &[String]) -> Vec<String> {
    let mut names = Vec::new();
    for prefix in [
        "while rendering '",
        "error happened in '",
        "Failed to render '",
    ] {
        for cause in causes.iter().rev() {
            if let Some(name) = quoted_after(cause, prefix, '\'') {
                if !names.contains(&name) {
                    names.push(name);
                }
            }
        }
    }
    if let Some(name) = causes
        .iter()
        .find_map(|c| quoted_after(c, "Failed to parse '", '\''))
    {
        names.push(name);
    }
    names
}

fn quoted_after(text: &str, prefix: &str, close: char) -> Option<String> {
    let start = text.find(prefix)? + prefix.len();
    let len = text[start..].find(close)?;
    Some(text[start..start + len].to_string())
}

/// Line and column from a syntax error's ` --> LINE:COLUMN`.
fn syntax_position(cause: &str) -> Option<(usize, usize)> {
    let at = quoted_after(cause, "--> ", '\n')?;
    let (line, column) = at.trim().split_once(':')?;
    Some((line.parse().ok()?, column.parse().ok()?))
}

/// What a render error names: the variable, filter, function or test that failed.
fn named_thing(cause: &str) -> Option<String> {
    let quoted = |prefix: &str, close: char| quoted_after(cause, prefix, close);
    quoted("Variable `", '`')
        .or_else(|| quoted("Filter '", '\''))
        .or_else(|| quoted("Filter call '", '\''))
        .or_else(|| quoted("Function '", '\''))
        .or_else(|| quoted("Function call '", '\''))
        .or_else(|| quoted("Test '", '\''))
        .or_else(|| quoted("Test call '", '\''))
        .or_else(|| quoted("container (`", '`'))
        .or_else(|| quoted("on variable `", '`'))
        .filter(|name| !name.is_empty())
}

fn label(name: &str, overrides: &BTreeMap<String, String>) -> String {
    if overrides.contains_key(name) {
        format!("templates/{name}")
    } else {
        format!("{name} (built-in template)")
    }
}

fn template_text<'a>(name: &str, overrides: &'a BTreeMap<String, String>) -> Option<&'a str> {
    match overrides.get(name) {
        Some(text) => Some(text),
        None => BUILTIN_TEMPLATES
            .iter()
            .find(|(builtin, _)| *builtin == name)
            .map(|(_, text)| *text),
    }
}

/// The lines (from 1, each once, in order) where `needle` is used inside a `{{ }}` or
/// `{% %}` tag as a whole name: not part of a longer name or path.
fn lines_using(text: &str, needle: &str) -> Vec<usize> {
    let mut lines = Vec::new();
    for (start, end) in tags(text) {
        let tag = &text[start..end];
        let mut from = 0;
        while let Some(found) = tag[from..].find(needle) {
            let at = from + found;
            from = at + needle.len();
            let before = tag[..at].chars().next_back();
            let after = tag[from..].chars().next();
            let is_name = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
            if is_name(before) || before == Some('.') || is_name(after) || after == Some('.') {
                continue;
            }
            let (line, _) = line_col(text, start + at);
            if !lines.contains(&line) {
                lines.push(line);
            }
        }
    }
    lines
}

/// The byte ranges of the `{{ … }}` and `{% … %}` tags of a template, in order. Comments
/// (`{# … #}`) and raw blocks are not tags.
fn tags(text: &str) -> Vec<(usize, usize)> {
    let mut tags = Vec::new();
    let mut at = 0;
    while let Some(found) = text[at..].find('{') {
        let start = at + found;
        let close = match text[start + 1..].chars().next() {
            Some('{') => "}}",
            Some('%') => "%}",
            Some('#') => "#}",
            _ => {
                at = start + 1;
                continue;
            }
        };
        let end = text[start + 2..]
            .find(close)
            .map_or(text.len(), |i| start + 2 + i + 2);
        let tag = &text[start..end];
        if close != "#}" {
            tags.push((start, end));
        }
        if close == "%}" && is_raw_start(tag) {
            at = raw_end(text, end);
        } else {
            at = end;
        }
    }
    tags
}

fn is_raw_start(tag: &str) -> bool {
    statement(tag) == "raw"
}

/// The words of a `{% … %}` tag, without its delimiters and whitespace control.
fn statement(tag: &str) -> &str {
    let inner = tag.trim_start_matches("{%").trim_end_matches("%}");
    inner.trim_matches(|c: char| c == '-' || c.is_whitespace())
}

/// The end of the `{% endraw %}` tag after `from`, or the end of the text.
fn raw_end(text: &str, from: usize) -> usize {
    let mut at = from;
    while let Some(found) = text[at..].find("{%") {
        let start = at + found;
        let end = text[start..]
            .find("%}")
            .map_or(text.len(), |i| start + i + 2);
        if statement(&text[start..end]) == "endraw" {
            return end;
        }
        at = end;
    }
    text.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn overrides(name: &str, text: &str) -> BTreeMap<String, String> {
        BTreeMap::from([(name.to_string(), text.to_string())])
    }

    fn render_error(name: &str, text: &str) -> String {
        let overrides = overrides(name, text);
        let mut tera = tera::Tera::default();
        tera.add_raw_template(name, text).expect("parses");
        let mut context = tera::Context::new();
        context.insert("title", "T");
        context.insert("dossier", &serde_json::json!({"title": "T"}));
        let err = tera.render(name, &context).expect_err("fails to render");
        describe(&err, &overrides).to_string()
    }

    #[test]
    fn an_unknown_variable_is_found_on_its_line() {
        let text = "<p>{{ dossier.title }}</p>\n{# dossier.missing in a comment #}\n<p>{{ dossier.missing | upper }}</p>\n";
        let message = render_error("page.html", text);
        assert!(message.ends_with("--> templates/page.html:3"), "{message}");
    }

    #[test]
    fn a_longer_path_is_not_the_failing_name() {
        let text = "{% if x %}{{ a.b.c }}{% endif %}\n{{ a.b }}\n";
        let mut tera = tera::Tera::default();
        tera.add_raw_template("t.html", text).unwrap();
        let mut context = tera::Context::new();
        context.insert("x", &false);
        context.insert("a", &serde_json::json!({}));
        let err = tera.render("t.html", &context).unwrap_err();
        let message = describe(&err, &overrides("t.html", text)).to_string();
        assert!(message.ends_with("--> templates/t.html:2"), "{message}");
    }

    #[test]
    fn an_unknown_filter_is_found_and_other_uses_are_named() {
        let text = "<h1>{{ 'a' | nope }}</h1>\n\n{{ 'b' | nope }}\n";
        let message = render_error("page.html", text);
        assert!(
            message.ends_with("--> templates/page.html:1 (`nope` also appears on line 3)"),
            "{message}"
        );
    }

    #[test]
    fn a_syntax_error_gives_line_and_column_in_one_line() {
        let text = "<p>ok</p>\n<p>{% if %}</p>\n";
        let mut tera = tera::Tera::default();
        let err = tera.add_raw_template("page.html", text).unwrap_err();
        let message = describe(&err, &overrides("page.html", text)).to_string();
        let (first, place) = message.split_once('\n').expect("two lines");
        assert!(
            first.starts_with("Failed to parse 'page.html'"),
            "{message}"
        );
        assert!(!first.contains('|'), "no drawing: {message}");
        // Tera points after `if`, where the condition is missing.
        assert_eq!(place, "  --> templates/page.html:2:10", "{message}");
    }

    #[test]
    fn tags_skip_comments_and_raw_blocks() {
        let text = "{# {{ a }} #}{% raw %}{{ b }}{% endraw %}{{ c }}";
        let found: Vec<&str> = tags(text).iter().map(|&(s, e)| &text[s..e]).collect();
        assert_eq!(found, ["{% raw %}", "{{ c }}"]);
    }
}
