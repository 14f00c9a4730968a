//! Typed reading of YAML nodes with one diagnostic per bad value: the shared vocabulary of
//! front matter, `entities.yaml` and `sources.yaml` (ids, dates, URLs, enums, lists).

use std::ops::Range;

use crate::diagnostics::{Code, Diagnostic};
use crate::model::{Date, Spanned};
use crate::yaml::{self, Node, Value};

/// Where values being read come from: the file label and the byte offset of the YAML text in
/// that file, so that every span points into the file as it is on disk.
pub struct Ctx<'a> {
    /// File label, relative to the project root.
    pub file: &'a str,
    /// Offset of the YAML text inside the file.
    pub base: usize,
    /// Where problems go.
    pub diags: &'a mut Vec<Diagnostic>,
}

impl Ctx<'_> {
    /// The node's span in file coordinates.
    pub fn span(&self, node: &Node) -> Range<usize> {
        self.base + node.span.start..self.base + node.span.end
    }

    /// Reports an error of kind `code` at a node.
    pub fn error(&mut self, code: Code, node: &Node, message: impl Into<String>) {
        let diag = Diagnostic::error(code, self.file, self.span(node), message);
        self.diags.push(diag);
    }

    /// Reports an error at a node with a suggestion among `candidates`.
    pub fn error_suggest<'c>(
        &mut self,
        code: Code,
        node: &Node,
        message: impl Into<String>,
        wrong: &str,
        candidates: impl IntoIterator<Item = &'c str>,
    ) {
        let diag = Diagnostic::error(code, self.file, self.span(node), message)
            .with_suggestion(wrong, candidates);
        self.diags.push(diag);
    }

    /// The entries of a map, after reporting unknown and repeated keys. `what` names the map
    /// in messages ("front matter", "source").
    pub fn entries<'n>(
        &mut self,
        node: &'n Node,
        what: &str,
        known: &[&str],
    ) -> Option<Vec<(&'n str, &'n Node)>> {
        let Value::Map(pairs) = &node.value else {
            self.error(
                Code::WrongType,
                node,
                format!(
                    "{what} must be a map of `key: value` lines, found {}",
                    node.kind_name()
                ),
            );
            return None;
        };
        let mut seen: Vec<&str> = Vec::new();
        let mut out = Vec::new();
        for (key, value) in pairs {
            let Some(name) = key.as_str() else {
                self.error(
                    Code::BadKey,
                    key,
                    format!("a key in the {what} must be a plain name"),
                );
                continue;
            };
            if !known.contains(&name) {
                let diag = Diagnostic::error(
                    Code::UnknownField,
                    self.file,
                    self.span(key),
                    format!("unknown field `{name}` in {what}"),
                )
                .with_suggestion_or(
                    name,
                    known.iter().copied(),
                    format!("known fields: {}", known.join(", ")),
                );
                self.diags.push(diag);
                continue;
            }
            if seen.contains(&name) {
                self.error(
                    Code::DuplicateField,
                    key,
                    format!("field `{name}` is given twice in {what}"),
                );
                continue;
            }
            seen.push(name);
            out.push((name, value));
        }
        Some(out)
    }

    /// Reports a missing required field at the map that lacks it.
    pub fn missing(&mut self, map: &Node, field: &str, what: &str) {
        let span = self.span(map);
        let diag = Diagnostic::error(
            Code::MissingField,
            self.file,
            span.start..span.start,
            format!("missing required field `{field}` in {what}"),
        );
        self.diags.push(diag);
    }

    /// A non-empty scalar as a string.
    pub fn string(&mut self, node: &Node, field: &str) -> Option<Spanned<String>> {
        match &node.value {
            Value::Scalar { text, .. } if !node.is_null() && !text.trim().is_empty() => {
                Some(Spanned::new(text.clone(), self.span(node)))
            }
            Value::Scalar { .. } => {
                self.error(Code::EmptyValue, node, format!("`{field}` is empty"));
                None
            }
            _ => {
                self.error(
                    Code::WrongType,
                    node,
                    format!("`{field}` must be text, found {}", node.kind_name()),
                );
                None
            }
        }
    }

    /// A list of node items; a non-list is reported.
    pub fn list<'n>(&mut self, node: &'n Node, field: &str) -> &'n [Node] {
        match &node.value {
            Value::List(items) => items,
            _ if node.is_null() => &[],
            _ => {
                self.error(
                    Code::WrongType,
                    node,
                    format!("`{field}` must be a list, found {}", node.described()),
                );
                &[]
            }
        }
    }

    /// A list of strings.
    pub fn strings(&mut self, node: &Node, field: &str) -> Vec<Spanned<String>> {
        self.list(node, field)
            .iter()
            .filter_map(|item| self.string(item, field))
            .collect()
    }

    /// An id: lowercase ASCII letters, digits, `-` and `_`, starting with a letter or digit.
    pub fn id(&mut self, node: &Node, field: &str) -> Option<Spanned<String>> {
        let value = self.string(node, field)?;
        if is_id(&value.value) {
            Some(value)
        } else {
            let diag = Diagnostic::error(Code::BadId, self.file, value.span.clone(), format!("`{}` is not a valid id", value.value))
                .with_help("ids use lowercase ASCII letters, digits, `-` and `_`, and start with a letter or digit".to_string());
            self.diags.push(diag);
            None
        }
    }

    /// A list of ids.
    pub fn ids(&mut self, node: &Node, field: &str) -> Vec<Spanned<String>> {
        self.list(node, field)
            .iter()
            .filter_map(|item| self.id(item, field))
            .collect()
    }

    /// A date: `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
    pub fn date(&mut self, node: &Node, field: &str) -> Option<Spanned<Date>> {
        let value = self.string(node, field)?;
        match Date::parse(&value.value) {
            Some(date) => Some(Spanned::new(date, value.span)),
            None => {
                let diag = Diagnostic::error(
                    Code::BadDate,
                    self.file,
                    value.span,
                    format!("`{}` is not a valid date", value.value),
                )
                .with_help("write dates as YYYY, YYYY-MM or YYYY-MM-DD".to_string());
                self.diags.push(diag);
                None
            }
        }
    }

    /// A boolean.
    pub fn bool(&mut self, node: &Node, field: &str) -> Option<bool> {
        match &node.value {
            Value::Scalar {
                text,
                quoted: false,
            } => match yaml::parse_bool(text) {
                Some(b) => Some(b),
                None => {
                    self.error(
                        Code::WrongType,
                        node,
                        format!("`{field}` must be true or false, found `{text}`"),
                    );
                    None
                }
            },
            Value::Scalar { text, quoted: true } => {
                self.error(
                    Code::WrongType,
                    node,
                    format!("`{field}` must be true or false, found the text `\"{text}\"`"),
                );
                None
            }
            _ => {
                self.error(
                    Code::WrongType,
                    node,
                    format!(
                        "`{field}` must be true or false, found {}",
                        node.kind_name()
                    ),
                );
                None
            }
        }
    }

    /// One of a fixed set of values.
    pub fn choice<T: Copy>(
        &mut self,
        node: &Node,
        field: &str,
        allowed: &[(&str, T)],
    ) -> Option<T> {
        let value = self.string(node, field)?;
        if let Some((_, v)) = allowed.iter().find(|(name, _)| *name == value.value) {
            return Some(*v);
        }
        let names: Vec<&str> = allowed.iter().map(|(n, _)| *n).collect();
        let diag = Diagnostic::error(
            Code::BadValue,
            self.file,
            value.span,
            format!("`{}` is not a valid {field}", value.value),
        )
        .with_suggestion_or(
            &value.value,
            names.iter().copied(),
            format!("expected one of: {}", names.join(", ")),
        );
        self.diags.push(diag);
        None
    }

    /// An absolute `http` or `https` URL.
    pub fn url(&mut self, node: &Node, field: &str) -> Option<Spanned<String>> {
        let value = self.string(node, field)?;
        if is_web_url(&value.value) {
            Some(value)
        } else {
            let diag = Diagnostic::error(
                Code::BadUrl,
                self.file,
                value.span,
                format!("`{}` is not an http or https URL", value.value),
            )
            .with_help(format!(
                "`{field}` takes an absolute address starting with https:// or http://"
            ));
            self.diags.push(diag);
            None
        }
    }
}

/// The id of YAML that does not parse, from its `id:` line: a line at the indentation of the
/// first key (the `-` of a list entry counts as indentation) holding `id:` and a plain or
/// quoted valid id. The span is the id's, in `yaml`. `None` when there is no such line.
pub fn recover_id(yaml: &str) -> Option<Spanned<String>> {
    let mut key_column = None;
    let mut offset = 0;
    for line in yaml.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        let (dash, rest) = match line.strip_prefix('-') {
            Some(rest) if key_column.is_none() => (1, rest),
            _ => (0, line),
        };
        let text = rest.trim_start();
        if text.trim_end().is_empty() || text.starts_with('#') {
            continue;
        }
        let column = dash + rest.len() - text.len();
        if column != *key_column.get_or_insert(column) {
            continue;
        }
        let Some(value) = text.strip_prefix("id:") else {
            continue;
        };
        let value = value.split(" #").next().unwrap_or_default();
        let id = value.trim().trim_matches(|c| c == '"' || c == '\'');
        let at = start + line.len() - text.len() + 3 + value.find(id).unwrap_or(0);
        return is_id(id).then(|| Spanned::new(id.to_string(), at..at + id.len()));
    }
    None
}

/// True for a valid casefile id.
pub fn is_id(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase() || c.is_ascii_digit())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

/// True for an absolute http(s) URL with a host.
pub fn is_web_url(s: &str) -> bool {
    let rest = s
        .strip_prefix("https://")
        .or_else(|| s.strip_prefix("http://"));
    matches!(rest, Some(r) if r.chars().next().is_some_and(|c| c.is_alphanumeric() || c == '['))
        && !s.chars().any(|c| c.is_whitespace() || c.is_control())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids() {
        assert!(is_id("sedena-intel_2019"));
        assert!(is_id("1st"));
        assert!(!is_id("Sedena"));
        assert!(!is_id("-x"));
        assert!(!is_id(""));
    }

    #[test]
    fn ids_are_recovered_from_their_line() {
        let entry = "- name: \"Unclosed\n  extra:\n    id: nested\n  id: 'cjng' # the cartel\n";
        let id = recover_id(entry).unwrap();
        assert_eq!(id.value, "cjng");
        assert_eq!(&entry[id.span], "cjng");
        let dash_alone = "-\n  id: x1\n";
        assert_eq!(recover_id(dash_alone).unwrap().value, "x1");
        let front_matter = "title: [unclosed\nid: my-dossier\n";
        assert_eq!(recover_id(front_matter).unwrap().value, "my-dossier");
        assert_eq!(recover_id("- {id: x, name: \"y}\n"), None);
        assert_eq!(recover_id("- id: Not An Id\n"), None);
    }

    #[test]
    fn urls() {
        assert!(is_web_url("https://example.org/a"));
        assert!(!is_web_url("javascript:alert(1)"));
        assert!(!is_web_url("ftp://x"));
        assert!(!is_web_url("https://"));
    }
}
