//! Likely typos that would print as literal text (`[@src p. 3]`, `[@ src]`, `[@a, @b]`, an
//! unclosed `[[id`) get a warning at the bracket with the probable intent; prose, code and
//! e-mail addresses that merely look similar stay silent.

use crate::check::json_diagnostics;
use crate::support::Fixture;

const SOURCES: &str = "\
- id: src
  title: Report
- id: other
  title: Other report
";

/// Line and column (from 1, in characters) of the first `needle` in `text`.
fn position(text: &str, needle: &str) -> (usize, usize) {
    let at = text
        .find(needle)
        .unwrap_or_else(|| panic!("{needle} not in text"));
    let before = &text[..at];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (
        before.matches('\n').count() + 1,
        before[line_start..].chars().count() + 1,
    )
}

fn dossier(body: &str) -> String {
    format!("---\ntitle: Typos\ndate: 2020-01-01\nsummary: Seen [@src pp. 4-5].\n---\n{body}")
}

const TYPOS: &str = "\
Both sources [@src; @other] agree.

Missing comma [@src p. 3]. Space after the at sign [@ src].
Near miss [@srcc p. 4], two sources read as one [@src, @other].
Unclosed [[sedena link. Accented é [@src ch. 2] still lines up.

A note.[^n]

[^n]: In a note [@other p. 9].
";

#[test]
fn mistyped_citations_warn_at_the_bracket_with_the_likely_intent() {
    let text = dossier(TYPOS);
    let fixture = Fixture::with(&[
        ("content/sources.yaml", SOURCES),
        ("content/dossiers/typos.md", &text),
    ]);
    let (code, diags) = json_diagnostics(&fixture);
    assert_eq!(code, 0, "warnings only: {diags:#?}");
    let expected = [
        ("[@src pp. 4-5]", "[@src, pp. 4-5]"),
        ("[@src p. 3]", "[@src, p. 3]"),
        ("[@ src]", "[@src]"),
        ("[@srcc p. 4]", "[@src, p. 4]"),
        ("[@src, @other]", "[@src; @other]"),
        ("[[sedena", "[[sedena]]"),
        ("[@src ch. 2]", "[@src, ch. 2]"),
        ("[@other p. 9]", "[@other, p. 9]"),
    ];
    assert_eq!(diags.len(), expected.len(), "{diags:#?}");
    for (written, meant) in expected {
        let (line, column) = position(&text, written);
        let diag = diags
            .iter()
            .find(|d| d.line == line && d.column == column)
            .unwrap_or_else(|| panic!("no warning at {line}:{column} for {written}: {diags:#?}"));
        assert_eq!(diag.severity, "warning");
        assert_eq!(diag.file, "content/dossiers/typos.md");
        assert!(
            diag.message.contains(&format!("`{written}")),
            "{written}: {}",
            diag.message
        );
        assert_eq!(
            diag.help.as_deref(),
            Some(format!("did you mean `{meant}`?").as_str())
        );
    }
}

#[test]
fn a_human_report_points_at_the_bracket_and_says_what_was_meant() {
    let text = dossier("Missing comma [@src p. 3] and [@other].\n");
    let fixture = Fixture::with(&[
        ("content/sources.yaml", SOURCES),
        ("content/dossiers/typos.md", &text),
    ]);
    let run = fixture.run(&["check"]);
    let (line, column) = position(&text, "[@src p. 3]");
    assert!(
        run.stderr
            .contains(&format!("--> content/dossiers/typos.md:{line}:{column}")),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("help: did you mean `[@src, p. 3]`?"),
        "{}",
        run.stderr
    );
}

const LOOKALIKES: &str = "\
The minutes [@ the office] and [@john said so] and [@nobody] are prose or errors elsewhere.
Code `[@src p. 3]` and `[[open` is code; so is the block below. Write to press@src.org or
[press@src.org p. 3]. A locator after a bare comma [@src,p3] is a locator; so is
[@src, annex b] and [@other, app. 2]. Brackets [see p. 3] and [a] [b] are text, and
\\[@src p. 3] is escaped.

```
[@src p. 3] [[open
```
";

#[test]
fn prose_code_and_email_that_look_like_citations_stay_silent() {
    let text = dossier(LOOKALIKES).replace("summary: Seen [@src pp. 4-5].\n", "");
    let fixture = Fixture::with(&[
        ("content/sources.yaml", SOURCES),
        ("content/dossiers/prose.md", &text),
    ]);
    let (_, diags) = json_diagnostics(&fixture);
    let warnings: Vec<_> = diags.iter().filter(|d| d.severity == "warning").collect();
    assert!(warnings.is_empty(), "{warnings:#?}");
    // `[@nobody]` is a citation, of a source that does not exist: an error, not a typo.
    assert_eq!(diags.len(), 1, "{diags:#?}");
    assert!(diags[0].message.contains("unknown source `nobody`"));
}

#[test]
fn a_locator_written_without_a_space_after_the_comma_is_a_locator() {
    let text =
        dossier("Cited [@src,p3] and [@other].\n").replace("summary: Seen [@src pp. 4-5].\n", "");
    let fixture = Fixture::with(&[
        ("content/sources.yaml", SOURCES),
        ("content/dossiers/tight.md", &text),
    ]);
    let run = fixture.run(&["build", "--site"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(!run.stderr.contains("warning"), "{}", run.stderr);
    let html = std::fs::read_to_string(fixture.out().join("site/dossiers/tight/index.html"))
        .expect("dossier page");
    assert!(html.contains("Report</em>, p3."), "{html}");
}
