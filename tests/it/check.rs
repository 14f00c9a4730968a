//! `casefile check`: the sample content is clean; a project with one planted error of each
//! kind reports every one, at the right file, line and column, in one run.

use crate::support::Fixture;

#[test]
fn sample_content_checks_clean_with_no_warnings() {
    let fixture = Fixture::sample();
    let run = fixture.run(&["check"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        !run.stderr.contains("warning") && !run.stderr.contains("error"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("no problems"), "{}", run.stderr);
}

const ENTITIES: &str = "\
- id: sedena
  name: Sedena
  kind: government-agency
- id: bad-kind
  name: Bad kind
  kind: persn
- id: almoloya
  name: Almoloya de Juárez
  kind: place
";

const SOURCES: &str = "\
- id: sedena-intel
  title: Intelligence report
  url: ftp://example.org/x
- id: never-cited
  title: Never cited
- id: no-title
";

const PLANTED: &str = "\
---
title: Planted errors
date: 2019-13-01
sumary: typo
status: aleged
confidence: high
entities: [sedena, sedna]
related: [no-such-dossier]
timeline:
  - date: 2019-06
    event: Something happened.
    sources: [ghost-source]
---
## Introduction

The report[@no-such-source] and [@sedena-intel, p. 2] near [[almoloya]].
Unknown [[nobody]] and heading [[other#no-such-heading]].
A note[^missing] and press@sedena.gob.mx and `[@code]`.

![outside](../../../secret.png) ![remote](https://example.org/a.png) ![gone](gone.png)

[^orphan]: Defined but never referenced.
";

const OTHER: &str = "\
---
title: Other
date: 2019
id: Bad_ID
---
## Real heading
";

const DUPLICATE: &str = "\
---
title: Duplicate of an entity id
date: 2020-01-01
id: sedena
---
Text.
";

fn planted() -> Fixture {
    Fixture::with(&[
        ("content/entities.yaml", ENTITIES),
        ("content/sources.yaml", SOURCES),
        ("content/dossiers/planted.md", PLANTED),
        ("content/dossiers/other.md", OTHER),
        ("content/dossiers/sub/dup.md", DUPLICATE),
        ("content/dossiers/no-front-matter.md", "Just text.\n"),
        (
            "content/dossiers/bad-yaml.md",
            "---\ntitle: [unclosed\ndate: 2019\n---\n",
        ),
    ])
}

#[derive(Debug, serde::Deserialize)]
struct JsonDiagnostic {
    severity: String,
    file: String,
    line: usize,
    column: usize,
    message: String,
}

fn json_diagnostics(fixture: &Fixture) -> (i32, Vec<JsonDiagnostic>) {
    let run = fixture.run(&["check", "--format", "json"]);
    let diags = run
        .stdout
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}")))
        .collect();
    (run.code, diags)
}

#[test]
fn every_planted_error_is_reported_with_file_line_and_message() {
    let fixture = planted();
    let (code, diags) = json_diagnostics(&fixture);
    assert_eq!(code, 1);
    let expect = |severity: &str, file: &str, line: usize, column: usize, needle: &str| {
        let found = diags.iter().any(|d| {
            d.severity == severity
                && d.file == file
                && d.line == line
                && d.column == column
                && d.message.contains(needle)
        });
        assert!(
            found,
            "missing {severity} {file}:{line}:{column} `{needle}` in\n{diags:#?}"
        );
    };
    let planted = "content/dossiers/planted.md";
    expect("error", planted, 3, 7, "`2019-13-01` is not a valid date");
    expect("error", planted, 4, 1, "unknown field `sumary`");
    expect("error", planted, 5, 9, "`aleged` is not a valid status");
    expect("error", planted, 7, 20, "unknown entity `sedna`");
    expect(
        "error",
        planted,
        8,
        11,
        "unknown related dossier `no-such-dossier`",
    );
    expect("error", planted, 12, 15, "unknown source `ghost-source`");
    expect("error", planted, 16, 13, "unknown source `no-such-source`");
    expect("error", planted, 17, 11, "unknown id `nobody`");
    expect("error", planted, 17, 34, "no heading `#no-such-heading`");
    expect(
        "error",
        planted,
        18,
        7,
        "footnote `[^missing]` has no definition",
    );
    expect("error", planted, 20, 1, "outside content/");
    expect(
        "error",
        planted,
        20,
        33,
        "remote image `https://example.org/a.png`",
    );
    expect("error", planted, 20, 70, "image `gone.png` not found");
    expect(
        "warning",
        planted,
        22,
        1,
        "footnote `[^orphan]` is defined but never referenced",
    );
    expect(
        "error",
        "content/dossiers/other.md",
        4,
        5,
        "`Bad_ID` is not a valid id",
    );
    expect(
        "error",
        "content/dossiers/sub/dup.md",
        4,
        5,
        "duplicate id `sedena`: also used in content/entities.yaml",
    );
    expect(
        "error",
        "content/dossiers/no-front-matter.md",
        1,
        1,
        "must start with front matter",
    );
    expect("error", "content/dossiers/bad-yaml.md", 3, 5, "bad YAML");
    expect(
        "error",
        "content/entities.yaml",
        6,
        9,
        "`persn` is not a valid kind",
    );
    expect(
        "error",
        "content/sources.yaml",
        3,
        8,
        "`ftp://example.org/x` is not an http or https URL",
    );
    expect(
        "error",
        "content/sources.yaml",
        6,
        3,
        "missing required field `title`",
    );
    expect(
        "warning",
        "content/sources.yaml",
        4,
        7,
        "source `never-cited` is defined but never cited",
    );
    assert!(
        !diags.iter().any(|d| d.message.contains("code")),
        "no citation inside code: {diags:#?}"
    );
    assert!(
        !diags.iter().any(|d| d.message.contains("gob")),
        "an e-mail address is not a citation"
    );
}

#[test]
fn human_output_reads_like_a_compiler() {
    let fixture = planted();
    let run = fixture.run(&["check"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr
            .contains("error: unknown source `no-such-source`"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("--> content/dossiers/planted.md:16:13"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("The report[@no-such-source]"),
        "the source line is shown"
    );
    assert!(
        run.stderr.contains("help: did you mean `sedena`?"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("help: did you mean `summary`?"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_bad_entry_does_not_hide_the_good_ones_around_it() {
    let fixture = planted();
    let (_, diags) = json_diagnostics(&fixture);
    // `almoloya` follows the bad entity and is still known: linking it is no error.
    assert!(
        !diags.iter().any(|d| d.message.contains("`almoloya`")),
        "{diags:#?}"
    );
}

#[test]
fn crlf_and_bom_are_accepted_and_positions_count_on_disk() {
    let text = "\u{feff}---\r\ntitle: T\r\ndate: 2019-06-10\r\n---\r\nText [@nope].\r\n";
    let fixture = Fixture::with(&[("content/dossiers/crlf.md", text)]);
    let (code, diags) = json_diagnostics(&fixture);
    assert_eq!(code, 1);
    assert_eq!(diags.len(), 1, "{diags:#?}");
    assert_eq!((diags[0].line, diags[0].column), (5, 8));
}

#[test]
fn unknown_config_key_suggests_the_nearest() {
    let fixture = Fixture::with(&[("casefile.toml", "titel = \"x\"\n")]);
    let run = fixture.run(&["check"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("unknown key `titel`") && run.stderr.contains("did you mean `title`?"),
        "{}",
        run.stderr
    );
}

#[test]
fn invalid_utf8_and_folders_named_like_files_are_diagnosed() {
    let fixture = Fixture::with(&[]);
    std::fs::write(
        fixture.root().join("content/dossiers/latin1.md"),
        b"---\ntitle: Ju\xe1rez\ndate: 2019\n---\n",
    )
    .unwrap();
    std::fs::create_dir_all(fixture.root().join("content/entities.yaml")).unwrap();
    let run = fixture.run(&["check"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("not valid UTF-8"), "{}", run.stderr);
    assert!(run.stderr.contains("is a folder"), "{}", run.stderr);
}

#[test]
fn missing_content_folder_is_a_usage_error() {
    let fixture = Fixture::empty();
    let run = fixture.run(&["check"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("no `content/` folder"),
        "{}",
        run.stderr
    );
}

#[test]
fn out_inside_content_is_refused_before_anything_is_written() {
    let fixture = Fixture::sample();
    for out in ["content/out", ".", "templates", "content"] {
        let out_path = fixture.root().join(out);
        let run = fixture.run(&["build", "--out", out_path.to_str().unwrap()]);
        assert_eq!(run.code, 2, "--out {out}: {}", run.stderr);
    }
    assert!(!fixture.root().join("content/out").exists());
    assert!(!fixture.root().join("output").exists());
}
