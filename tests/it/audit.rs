//! `casefile check --audit`: each rule of `[audit]` found where a reader would find it, at
//! its file, line and column, as a warning by default and an error where `casefile.toml` says
//! so; nothing of it without `--audit`.

use serde_json::Value;

use crate::support::{json_lines, Fixture};

const SOURCES: &str = "\
- id: archived
  title: Archived page
  url: https://example.org/a
  archive_url: https://web.archive.org/web/2022/https://example.org/a
  grade: B2
- id: fragile
  title: Fragile page
  url: https://example.org/fragile
  grade: A1
- id: rumour
  title: Rumour
  grade: E5
- id: hearsay
  title: Hearsay
  grade: B6
- id: unrated
  title: Unrated
- id: never-cited
  title: Never cited either
  url: https://example.org/never
";

const SOLID: &str = "\
---
title: Solid dossier
date: 2020-01-01
---
## Findings

The page says so [@archived].

An uncited claim about
the fragile page.

- first item [@fragile]
- second item, bare

As the rumour goes[^fn].

## Quotes

> Quoted words with no citation.

Attributed quote follows:

> more quoted words

The attribution [@unrated].

## Open questions

- Who paid for it
- Bare claim in the questions section

[^fn]: Reported by [@rumour].
";

const WEAK: &str = "\
---
title: Weak dossier
date: 2020-01-02
---
Only rumour [@rumour] and hearsay [@hearsay].
";

fn fixture(config: &str) -> Fixture {
    let fixture = Fixture::with(&[
        ("content/sources.yaml", SOURCES),
        ("content/dossiers/solid.md", SOLID),
        ("content/dossiers/weak.md", WEAK),
    ]);
    fixture.write("casefile.toml", config);
    fixture
}

/// (code, file, line, column) of every audit finding, in output order.
fn findings(diags: &[Value]) -> Vec<(String, String, u64, u64)> {
    diags
        .iter()
        .filter(|d| d["code"].as_str().unwrap_or("").starts_with("audit-"))
        .map(|d| {
            (
                d["code"].as_str().unwrap().to_string(),
                d["file"].as_str().unwrap().to_string(),
                d["line"].as_u64().unwrap(),
                d["column"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn line_of(text: &str, needle: &str) -> u64 {
    let at = text.find(needle).expect(needle);
    text[..at].matches('\n').count() as u64 + 1
}

#[test]
fn each_rule_finds_what_a_reader_would_at_its_line_and_column() {
    let fixture = fixture("");
    let run = fixture.run(&["check", "--audit", "--format", "json"]);
    assert_eq!(run.code, 0, "warnings only: {}", run.stdout);
    let diags = json_lines::<Value>(&run.stdout);
    let solid = "content/dossiers/solid.md";
    let weak = "content/dossiers/weak.md";
    let sources = "content/sources.yaml";
    let expected = vec![
        (
            "audit-uncited",
            solid,
            line_of(SOLID, "An uncited claim"),
            1,
        ),
        ("audit-uncited", solid, line_of(SOLID, "- second item"), 1),
        ("audit-uncited", solid, line_of(SOLID, "> Quoted words"), 1),
        (
            "audit-uncited",
            solid,
            line_of(SOLID, "Attributed quote"),
            1,
        ),
        ("audit-weak", weak, 2, 8),
        (
            "audit-unarchived",
            sources,
            line_of(SOURCES, "id: fragile"),
            7,
        ),
        (
            "audit-ungraded",
            sources,
            line_of(SOURCES, "id: unrated"),
            7,
        ),
    ];
    let expected: Vec<(String, String, u64, u64)> = expected
        .into_iter()
        .map(|(c, f, l, col)| (c.to_string(), f.to_string(), l, col))
        .collect();
    assert_eq!(findings(&diags), expected, "{}", run.stdout);
    let message = |code: &str| {
        diags
            .iter()
            .find(|d| d["code"] == code)
            .and_then(|d| d["message"].as_str())
            .unwrap()
            .to_string()
    };
    assert!(message("audit-uncited").contains("`An uncited claim about the fragile page.`"));
    assert!(message("audit-unarchived").contains("`https://example.org/fragile`"));
    assert!(message("audit-ungraded").contains("`unrated`"));
    let weak_message = message("audit-weak");
    assert!(
        weak_message.contains("`rumour` (E5)") && weak_message.contains("`hearsay` (B6)"),
        "{weak_message}"
    );
    assert!(diags.iter().all(|d| d["severity"] == "warning"));
    // A finding points at the first line of its block, not at the whole block.
    for d in diags.iter().filter(|d| d["code"] == "audit-uncited") {
        assert_eq!(d["end_line"], d["line"], "{d}");
    }
}

#[test]
fn without_audit_check_reports_none_of_it() {
    let run = fixture("").run(&["check", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(
        findings(&json_lines::<Value>(&run.stdout)).is_empty(),
        "{}",
        run.stdout
    );
}

#[test]
fn a_rule_set_to_error_fails_the_check_and_off_silences_it() {
    let config = "[audit]\nuncited = \"error\"\nungraded = \"off\"\n";
    let run = fixture(config).run(&["check", "--audit", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    let diags = json_lines::<Value>(&run.stdout);
    let severity = |code: &str| -> Vec<&str> {
        diags
            .iter()
            .filter(|d| d["code"] == code)
            .map(|d| d["severity"].as_str().unwrap())
            .collect()
    };
    assert_eq!(severity("audit-uncited"), ["error"; 4]);
    assert_eq!(severity("audit-weak"), ["warning"]);
    assert!(severity("audit-ungraded").is_empty());
}

#[test]
fn human_output_reads_like_a_compiler_with_the_code_and_the_quoted_text() {
    let run = fixture("").run(&["check", "--audit"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let line = line_of(SOLID, "- second item");
    assert!(
        run.stderr
            .contains("warning: list item cites no source: `second item, bare` [audit-uncited]"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains(&format!("--> content/dossiers/solid.md:{line}:1")),
        "{}",
        run.stderr
    );
    // Seven findings, and `never-cited` is an unused source.
    assert!(
        run.stderr.contains("0 errors, 8 warnings"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_bad_audit_setting_is_an_error_at_its_place() {
    let run = fixture("[audit]\nweak = \"eror\"\n").run(&["check", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    let diags = json_lines::<Value>(&run.stdout);
    let bad = diags
        .iter()
        .find(|d| d["file"] == "casefile.toml")
        .expect("a diagnostic on casefile.toml");
    assert_eq!(
        (bad["line"].as_u64(), bad["column"].as_u64()),
        (Some(2), Some(8))
    );
    assert!(bad["message"].as_str().unwrap().contains("`eror`"));
    assert_eq!(bad["help"], "did you mean `error`?");
}

#[test]
fn the_sample_content_audit_finds_the_uncited_passages_and_ungraded_sources() {
    let run = Fixture::sample().run(&["check", "--audit", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    let found = findings(&json_lines::<Value>(&run.stdout));
    let count = |code: &str| found.iter().filter(|f| f.0 == code).count();
    // Counted by hand: see docs/audit.md.
    assert_eq!(count("audit-uncited"), 36, "{found:?}");
    assert_eq!(count("audit-ungraded"), 6, "{found:?}");
    assert_eq!(count("audit-unarchived"), 0);
    assert_eq!(count("audit-weak"), 0);
}
