//! YAML with positions: the one module that knows which YAML crate casefile uses.
//!
//! Front matter, `entities.yaml` and `sources.yaml` are read into [`Node`]s that carry the
//! byte span of every key and value, so that a diagnostic can point at the exact value that
//! is wrong (an unknown entity id inside a list points at that id). The tree is built from the
//! event parser of `yaml-rust2`; nothing outside this module names that crate, so it can be
//! swapped without touching the rest. (`serde_yaml` reports neither value positions nor more
//! than one error per document, which is why it is not used for input.)

use std::ops::Range;

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

/// Deepest nesting of sequences and maps accepted; deeper input is refused with an error
/// rather than risking the stack.
pub const MAX_DEPTH: usize = 64;

/// A YAML value with the byte span it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// What the value is.
    pub value: Value,
    /// Byte range in the text given to [`parse`].
    pub span: Range<usize>,
}

/// The shape of a YAML value. Scalars keep their text; typing (dates, booleans) is the
/// caller's business because the meaning depends on the field.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A scalar; `quoted` is true when it was written in quotes or as a block scalar, so
    /// `"true"` is a string and `true` a boolean.
    Scalar {
        /// The scalar's text after unescaping.
        text: String,
        /// Written quoted (or as a block scalar).
        quoted: bool,
    },
    /// A sequence.
    List(Vec<Node>),
    /// A mapping, keys in document order.
    Map(Vec<(Node, Node)>),
    /// An alias (`*name`); casefile does not expand them.
    Alias,
}

/// A YAML syntax error.
#[derive(Debug, Clone, PartialEq)]
pub struct SyntaxError {
    /// What the parser said.
    pub message: String,
    /// Byte offset in the parsed text.
    pub offset: usize,
}

impl Node {
    /// The scalar text, if this is a scalar.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar { text, .. } => Some(text),
            _ => None,
        }
    }

    /// True for a plain `null`, `~` or empty scalar.
    pub fn is_null(&self) -> bool {
        matches!(&self.value, Value::Scalar { text, quoted: false }
            if text.is_empty() || text == "~" || text == "null" || text == "Null" || text == "NULL")
    }

    /// The kind of value, for messages: "a string", "a list", "a map".
    pub fn kind_name(&self) -> &'static str {
        match &self.value {
            Value::Scalar { .. } if self.is_null() => "nothing (null)",
            Value::Scalar { .. } => "a single value",
            Value::List(_) => "a list",
            Value::Map(_) => "a map",
            Value::Alias => "an alias",
        }
    }

    /// What the node is, quoting a scalar's value (cut after 60 characters), for messages:
    /// "a single value `solo`", "a map".
    pub fn described(&self) -> String {
        match &self.value {
            Value::Scalar { text, .. } if !self.is_null() => {
                format!("a single value {}", crate::diagnostics::quote(text))
            }
            _ => self.kind_name().to_string(),
        }
    }

    /// Converts to JSON for free-form data (`extra`) handed to templates untouched.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match &self.value {
            Value::Scalar { text, quoted } => {
                if *quoted {
                    J::String(text.clone())
                } else if self.is_null() {
                    J::Null
                } else if let Some(b) = parse_bool(text) {
                    J::Bool(b)
                } else if let Ok(i) = text.parse::<i64>() {
                    J::from(i)
                } else if let Some(f) = text
                    .parse::<f64>()
                    .ok()
                    .and_then(serde_json::Number::from_f64)
                {
                    J::Number(f)
                } else {
                    J::String(text.clone())
                }
            }
            Value::List(items) => J::Array(items.iter().map(Node::to_json).collect()),
            Value::Map(entries) => J::Object(
                entries
                    .iter()
                    .map(|(k, v)| (k.as_str().unwrap_or_default().to_string(), v.to_json()))
                    .collect(),
            ),
            Value::Alias => J::Null,
        }
    }
}

/// Reads a YAML 1.2 core-schema boolean.
pub fn parse_bool(text: &str) -> Option<bool> {
    match text {
        "true" | "True" | "TRUE" => Some(true),
        "false" | "False" | "FALSE" => Some(false),
        _ => None,
    }
}

/// Parses one YAML document. An empty document gives `Ok(None)`.
pub fn parse(text: &str) -> Result<Option<Node>, SyntaxError> {
    let mut builder = TreeBuilder {
        text,
        positions: Positions::new(text),
        stack: Vec::new(),
        root: None,
        too_deep: None,
    };
    // Events are pulled one at a time: the parser's own `load` recurses once per nesting
    // level, and a few kilobytes of `- - - …` would overflow the stack before any depth
    // limit could apply.
    let mut parser = Parser::new_from_str(text);
    loop {
        let (event, marker) = parser.next_token().map_err(|err| SyntaxError {
            message: err.info().to_string(),
            offset: builder.positions.error_offset(err.marker()),
        })?;
        let end = matches!(event, Event::StreamEnd | Event::DocumentEnd);
        builder.on_event(event, marker);
        if end || builder.too_deep.is_some() {
            break;
        }
    }
    if let Some(offset) = builder.too_deep {
        return Err(SyntaxError {
            message: format!("nesting deeper than {MAX_DEPTH} levels"),
            offset,
        });
    }
    Ok(builder.root)
}

/// Maps the parser's line/column markers to byte offsets. A cursor remembers the last
/// position found and walks from there, so the values of one long line (`tags: [a, b, …]`)
/// cost one walk along it, not one walk from its start per value.
///
/// Markers are used by line and column rather than by their `index`: the parser advances
/// that index by bytes in some places and by characters in others.
struct Positions<'a> {
    text: &'a str,
    /// Byte offset of each line's start.
    starts: Vec<usize>,
    /// The cursor: a line (from 0), a column in characters from that line's start, and its
    /// byte offset. Like a marker, the column may run past the line's end (but not past
    /// the end of the text).
    line: usize,
    col: usize,
    byte: usize,
}

impl<'a> Positions<'a> {
    fn new(text: &'a str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Positions {
            text,
            starts,
            line: 0,
            col: 0,
            byte: 0,
        }
    }

    /// The byte offset of a marker (lines count from 1, columns in characters from 0);
    /// the end of the text for a marker beyond it.
    fn offset(&mut self, marker: &Marker) -> usize {
        let line = marker.line().max(1) - 1;
        let Some(&start) = self.starts.get(line) else {
            return self.text.len();
        };
        if line != self.line {
            (self.line, self.col, self.byte) = (line, 0, start);
        }
        self.walk_to(marker.col())
    }

    /// Moves the cursor along its line to column `target`, forwards or backwards; it stops
    /// at the end of the text.
    fn walk_to(&mut self, target: usize) -> usize {
        while self.col > target {
            let back = self.text[..self.byte].chars().next_back();
            self.byte -= back.map_or(0, char::len_utf8);
            self.col -= 1;
        }
        while self.col < target {
            let Some(c) = self.text[self.byte..].chars().next() else {
                break;
            };
            self.byte += c.len_utf8();
            self.col += 1;
        }
        self.byte
    }

    fn error_offset(&self, marker: &Marker) -> usize {
        // Used once, for the error that stops parsing, where the parser's own marker is
        // precise enough once clamped to the line.
        self.starts
            .get(marker.line().max(1) - 1)
            .copied()
            .unwrap_or(0)
            + marker.col()
    }
}

enum Open {
    List(usize, Vec<Node>),
    Map(usize, Vec<(Node, Node)>, Option<Node>),
}

struct TreeBuilder<'a> {
    text: &'a str,
    positions: Positions<'a>,
    stack: Vec<Open>,
    root: Option<Node>,
    too_deep: Option<usize>,
}

impl TreeBuilder<'_> {
    fn push_node(&mut self, node: Node) {
        match self.stack.last_mut() {
            None => self.root = Some(node),
            Some(Open::List(_, items)) => items.push(node),
            Some(Open::Map(_, entries, key)) => match key.take() {
                None => *key = Some(node),
                Some(k) => entries.push((k, node)),
            },
        }
    }

    /// Where a scalar starting at `start` ends: after its text (and quotes), never past its
    /// first line; a block scalar (`|`, `>`) spans its header line. Only the scalar's own
    /// bytes are scanned, so that the values of one long line stay linear.
    fn scalar_end(&self, start: usize, text: &str, style: TScalarStyle) -> usize {
        let end = match style {
            TScalarStyle::Plain => start + text.len(),
            TScalarStyle::SingleQuoted | TScalarStyle::DoubleQuoted => start + text.len() + 2,
            _ => self.text.len(),
        };
        let line_end = self.text.as_bytes()[start..end.min(self.text.len())]
            .iter()
            .position(|&b| b == b'\n' || b == b'\r')
            .map_or(self.text.len(), |i| start + i);
        end.min(line_end).max(start)
    }
}

impl MarkedEventReceiver for TreeBuilder<'_> {
    fn on_event(&mut self, event: Event, marker: Marker) {
        let offset = self.positions.offset(&marker);
        if self.too_deep.is_some() {
            return;
        }
        match event {
            Event::Scalar(text, style, _, _) => {
                let end = self.scalar_end(offset, &text, style);
                let quoted = !matches!(style, TScalarStyle::Plain);
                self.push_node(Node {
                    value: Value::Scalar { text, quoted },
                    span: offset..end,
                });
            }
            Event::Alias(_) => self.push_node(Node {
                value: Value::Alias,
                span: offset..offset + 1,
            }),
            Event::SequenceStart(..) | Event::MappingStart(..) if self.stack.len() >= MAX_DEPTH => {
                self.too_deep = Some(offset);
            }
            Event::SequenceStart(..) => self.stack.push(Open::List(offset, Vec::new())),
            Event::MappingStart(..) => self.stack.push(Open::Map(offset, Vec::new(), None)),
            Event::SequenceEnd | Event::MappingEnd => {
                let node = match self.stack.pop() {
                    Some(Open::List(start, items)) => {
                        let end = items.last().map_or(start + 1, |n| n.span.end);
                        Node {
                            value: Value::List(items),
                            span: start..end.max(start),
                        }
                    }
                    Some(Open::Map(start, entries, _)) => {
                        // A block map's start event points past its first key; the key is
                        // where the map visibly begins.
                        let start = entries
                            .first()
                            .map_or(start, |(k, _)| k.span.start.min(start));
                        let end = entries.last().map_or(start + 1, |(_, v)| v.span.end);
                        Node {
                            value: Value::Map(entries),
                            span: start..end.max(start),
                        }
                    }
                    None => return,
                };
                self.push_node(node);
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_point_at_values() {
        let text =
            "title: Hello\ntags: [a, bé, c]\nentities:\n  - sedena\n  - { id: x, role: y }\n";
        let root = parse(text).unwrap().unwrap();
        let Value::Map(entries) = &root.value else {
            panic!("not a map")
        };
        let (k, v) = &entries[0];
        assert_eq!(&text[k.span.clone()], "title");
        assert_eq!(&text[v.span.clone()], "Hello");
        let Value::List(tags) = &entries[1].1.value else {
            panic!("not a list")
        };
        assert_eq!(&text[tags[1].span.clone()], "bé");
        assert_eq!(&text[tags[2].span.clone()], "c");
        let Value::List(ents) = &entries[2].1.value else {
            panic!("not a list")
        };
        assert_eq!(&text[ents[0].span.clone()], "sedena");
        let Value::Map(m) = &ents[1].value else {
            panic!("not a map")
        };
        assert_eq!(&text[m[0].1.span.clone()], "x");
    }

    #[test]
    fn spans_stay_exact_along_one_long_line_and_across_lines() {
        let items: Vec<String> = (0..500).map(|i| format!("é{i}")).collect();
        let text = format!(
            "a: [{}, \"q é\", 'x']\nnext: ü\nmap:\n  ñ: {{ k: v }}\n  k2: end",
            items.join(", ")
        );
        let root = parse(&text).unwrap().unwrap();
        let Value::Map(entries) = &root.value else {
            panic!("not a map")
        };
        let Value::List(list) = &entries[0].1.value else {
            panic!("not a list")
        };
        for (item, node) in items.iter().zip(list) {
            assert_eq!(&text[node.span.clone()], item);
        }
        assert_eq!(&text[list[500].span.clone()], "\"q é\"");
        assert_eq!(&text[list[501].span.clone()], "'x'");
        assert_eq!(&text[entries[1].1.span.clone()], "ü");
        let Value::Map(inner) = &entries[2].1.value else {
            panic!("not a map")
        };
        assert_eq!(&text[inner[0].0.span.clone()], "ñ");
        assert_eq!(&text[inner[1].0.span.clone()], "k2");
        assert_eq!(&text[inner[1].1.span.clone()], "end");
    }

    #[test]
    fn quoted_scalars_are_strings() {
        let root = parse("a: \"true\"\nb: true\n").unwrap().unwrap();
        let json = root.to_json();
        assert_eq!(json["a"], serde_json::json!("true"));
        assert_eq!(json["b"], serde_json::json!(true));
    }

    #[test]
    fn syntax_errors_have_positions() {
        let err = parse("a: [1, 2\nb: c\n").unwrap_err();
        assert!(err.offset > 0, "{err:?}");
    }

    #[test]
    fn deep_block_nesting_is_refused_without_overflowing_the_stack() {
        let text = "- ".repeat(20_000) + "x\n";
        let err = parse(&text).unwrap_err();
        assert!(err.message.contains("nesting"), "{err:?}");
    }

    #[test]
    fn deep_nesting_is_refused() {
        let text = "[".repeat(200) + &"]".repeat(200);
        let err = parse(&text).unwrap_err();
        assert!(err.message.contains("nesting"));
    }
}
