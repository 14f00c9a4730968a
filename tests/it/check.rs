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
pub(crate) struct JsonDiagnostic {
    pub(crate) severity: String,
    pub(crate) code: String,
    pub(crate) file: String,
    pub(crate) line: usize,
    pub(crate) column: usize,
    pub(crate) message: String,
    pub(crate) help: Option<String>,
}

impl JsonDiagnostic {
    /// `code file:line:column`, for comparing whole runs at once.
    fn place(&self) -> String {
        format!("{} {}:{}:{}", self.code, self.file, self.line, self.column)
    }
}

fn places(diags: &[JsonDiagnostic]) -> Vec<String> {
    diags.iter().map(JsonDiagnostic::place).collect()
}

/// The exit code of `check --format json` and its diagnostics.
pub(crate) fn json_diagnostics(fixture: &Fixture) -> (i32, Vec<JsonDiagnostic>) {
    let run = fixture.run(&["check", "--format", "json"]);
    (run.code, crate::support::json_lines(&run.stdout))
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
            .contains("error: unknown source `no-such-source` [unknown-source]"),
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
fn json_diagnostics_carry_a_stable_code_and_keep_help_apart() {
    let fixture = planted();
    let (_, diags) = json_diagnostics(&fixture);
    let all = places(&diags);
    for expected in [
        "bad-date content/dossiers/planted.md:3:7",
        "unknown-field content/dossiers/planted.md:4:1",
        "bad-value content/dossiers/planted.md:5:9",
        "unknown-entity content/dossiers/planted.md:7:20",
        "unknown-source content/dossiers/planted.md:16:13",
        "unknown-id content/dossiers/planted.md:17:11",
        "unused-footnote content/dossiers/planted.md:22:1",
        "duplicate-id content/dossiers/sub/dup.md:4:5",
        "no-front-matter content/dossiers/no-front-matter.md:1:1",
        "yaml-syntax content/dossiers/bad-yaml.md:3:5",
        "bad-url content/sources.yaml:3:8",
        "missing-field content/sources.yaml:6:3",
        "unused-source content/sources.yaml:4:7",
    ] {
        assert!(
            all.iter().any(|p| p == expected),
            "no {expected} in {all:#?}"
        );
    }
    let sedna = diags
        .iter()
        .find(|d| d.message.contains("`sedna`"))
        .expect("the unknown entity `sedna`");
    assert_eq!(sedna.message, "unknown entity `sedna`");
    assert_eq!(sedna.help.as_deref(), Some("did you mean `sedena`?"));
    assert!(
        diags.iter().all(|d| !d.message.contains("did you mean")),
        "{diags:#?}"
    );
}

const ENTITY_USES: &str = "\
---
title: Uses cjng
date: 2019-06-10
entities: [cjng, sedena]
related: [cjng-overview]
timeline:
  - date: 2019-06
    event: Seen with [[cjng]].
    entities: [cjng]
---
Text about [[cjng]] citing [@report].
";

#[test]
fn an_entity_with_a_bad_kind_is_one_error() {
    let fixture = Fixture::with(&[
        (
            "content/entities.yaml",
            "- id: sedena\n  name: Sedena\n  kind: government-agency\n- id: cjng\n  name: CJNG\n  kind: cartell\n",
        ),
        ("content/sources.yaml", "- id: report\n  title: A report\n"),
        ("content/dossiers/uses.md", ENTITY_USES),
        (
            "content/dossiers/overview.md",
            "---\ntitle: Overview\ndate: 2019\nid: cjng-overview\n---\nSee [[uses]].\n",
        ),
    ]);
    let (code, diags) = json_diagnostics(&fixture);
    assert_eq!(code, 1);
    assert_eq!(
        places(&diags),
        ["bad-value content/entities.yaml:6:9"],
        "{diags:#?}"
    );
    assert_eq!(diags[0].message, "`cartell` is not a valid kind");
}

#[test]
fn a_bad_timeline_date_is_one_error() {
    let dossier = "\
---
title: Timeline
date: 2019-06-10
timeline:
  - date: 2019-13-40
    event: Sold [[sedena]] grenades, per [@memo].
    sources: [report]
    entities: [sedena]
---
Text.
";
    let fixture = Fixture::with(&[
        (
            "content/entities.yaml",
            "- id: sedena\n  name: Sedena\n  kind: government-agency\n",
        ),
        (
            "content/sources.yaml",
            "- id: report\n  title: A report\n- id: memo\n  title: A memo\n",
        ),
        ("content/dossiers/timeline.md", dossier),
    ]);
    let (code, diags) = json_diagnostics(&fixture);
    assert_eq!(code, 1);
    assert_eq!(
        places(&diags),
        ["bad-date content/dossiers/timeline.md:5:11"],
        "the sources of the entry still count as cited: {diags:#?}"
    );
}

#[test]
fn a_timeline_entry_with_a_bad_date_still_has_its_references_checked() {
    let dossier = "---\ntitle: T\ndate: 2019\ntimeline:\n  - date: someday\n    event: E.\n    sources: [repot]\n---\n";
    let fixture = Fixture::with(&[
        ("content/sources.yaml", "- id: report\n  title: A report\n"),
        ("content/dossiers/t.md", dossier),
    ]);
    let (_, diags) = json_diagnostics(&fixture);
    assert_eq!(
        places(&diags),
        [
            "bad-date content/dossiers/t.md:5:11",
            "unknown-source content/dossiers/t.md:7:15",
            "unused-source content/sources.yaml:1:7",
        ],
        "{diags:#?}"
    );
}

const ENTITIES_UNCLOSED_QUOTE: &str = "\
- id: sedena
  name: Sedena
  kind: persn
- id: cjng
  name: \"Cártel Jalisco Nueva Generación
  kind: criminal-group
- id: almoloya
  name: Almoloya de Juárez
  kind: place
";

#[test]
fn an_unclosed_quote_in_entities_yaml_is_one_error_and_comes_first() {
    let fixture = Fixture::with(&[
        ("content/entities.yaml", ENTITIES_UNCLOSED_QUOTE),
        ("content/sources.yaml", "- id: report\n  title: A report\n"),
        ("content/dossiers/uses.md", ENTITY_USES),
        (
            "content/dossiers/overview.md",
            "---\ntitle: Overview\ndate: 2019\nid: cjng-overview\n---\nSee [[uses]] and [[almoloya]].\n",
        ),
    ]);
    let (code, diags) = json_diagnostics(&fixture);
    assert_eq!(code, 1);
    // The syntax error first, then the entries' own errors; the references to the entry
    // whose YAML is broken (its id is on its first line) are not errors of their own.
    assert_eq!(
        places(&diags),
        [
            "yaml-syntax content/entities.yaml:5:9",
            "bad-value content/entities.yaml:3:9",
        ],
        "{diags:#?}"
    );
    let run = fixture.run(&["check"]);
    let syntax = run
        .stderr
        .find("[yaml-syntax]")
        .expect("syntax error shown");
    let kind = run.stderr.find("[bad-value]").expect("kind error shown");
    assert!(syntax < kind, "{}", run.stderr);
}

#[test]
fn entities_yaml_that_does_not_parse_hides_only_the_references_it_explains() {
    // No `id:` can be read from the broken entry: any entity may be defined there.
    let entities = "- id: sedena\n  name: Sedena\n  kind: government-agency\n- {id: cjng, name: \"CJNG, kind: criminal-group}\n";
    let fixture = Fixture::with(&[
        ("content/entities.yaml", entities),
        ("content/sources.yaml", "- id: report\n  title: A report\n"),
        ("content/dossiers/uses.md", ENTITY_USES),
        (
            "content/dossiers/overview.md",
            "---\ntitle: Overview\ndate: 2019\nid: cjng-overview\n---\nSee [[uses]], citing [@no-such-source].\n",
        ),
    ]);
    let (code, diags) = json_diagnostics(&fixture);
    assert_eq!(code, 1);
    // A mistake the broken file cannot explain is still reported.
    assert_eq!(
        places(&diags),
        [
            "unknown-source content/dossiers/overview.md:6:24",
            "yaml-syntax content/entities.yaml:4:20",
        ],
        "{diags:#?}"
    );
}

#[test]
fn a_dossier_that_cannot_be_read_explains_the_references_to_it_and_its_sources() {
    let broken_yaml = "---\ntitle: [unclosed\nid: broken-one\nsources:\n  - id: annex\n    title: Annex\n---\nPer the annex[@annex].\n";
    let bad_local =
        "---\ntitle: Local\ndate: 2019\nsources:\n  - id: memo\n---\nPer the memo[@memo].\n";
    let links = "---\ntitle: Links\ndate: 2019\nrelated: [broken-one, no-front]\n---\nSee [[broken-one]], [[no-front]] and [[nowhere]].\n";
    let fixture = Fixture::with(&[
        ("content/dossiers/broken.md", broken_yaml),
        ("content/dossiers/no-front.md", "Just text.\n"),
        ("content/dossiers/local.md", bad_local),
        ("content/dossiers/links.md", links),
    ]);
    let (code, diags) = json_diagnostics(&fixture);
    assert_eq!(code, 1);
    assert_eq!(
        places(&diags),
        [
            "yaml-syntax content/dossiers/broken.md:3:3",
            "unknown-id content/dossiers/links.md:6:40",
            "missing-field content/dossiers/local.md:5:5",
            "no-front-matter content/dossiers/no-front.md:1:1",
        ],
        "{diags:#?}"
    );
}

#[test]
fn json_lines_stay_lines_with_unicode_line_separators() {
    let dossier =
        "---\ntitle: T\ndate: 2019\nstatus: ale\u{2028}ged\nconfidence: hi\u{2029}gh\n---\nText.\n";
    let fixture = Fixture::with(&[("content/dossiers/t.md", dossier)]);
    let run = fixture.run(&["check", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        !run.stdout.contains(['\u{2028}', '\u{2029}']),
        "raw separators in {:?}",
        run.stdout
    );
    assert!(run.stdout.contains("ale\\u2028ged"), "{:?}", run.stdout);
    // Python's `splitlines` splits at U+2028 and U+2029 too: count lines its way.
    let lines: Vec<&str> = run
        .stdout
        .split(['\n', '\u{2028}', '\u{2029}'])
        .filter(|l| !l.is_empty())
        .collect();
    assert_eq!(lines.len(), 2, "{:?}", run.stdout);
    let diags: Vec<JsonDiagnostic> = lines
        .iter()
        .map(|l| serde_json::from_str(l).expect("one JSON object a line"))
        .collect();
    assert_eq!(diags[0].message, "`ale\u{2028}ged` is not a valid status");
    assert_eq!(diags[1].message, "`hi\u{2029}gh` is not a valid confidence");
}

const SMALL_DOSSIER: &str = "---\ntitle: Small\ndate: 2019-06-10\n---\nText.\n";

#[test]
fn a_template_override_that_fails_to_render_names_its_line() {
    let fixture = Fixture::with(&[("content/dossiers/small.md", SMALL_DOSSIER)]);
    fixture.write(
        "templates/dossier.html",
        "{% extends \"base.html\" %}\n{% block content %}\n<h1>{{ dossier.title }}</h1>\n<p>{{ dossier.no_such_field }}</p>\n{% endblock content %}\n",
    );
    let run = fixture.run(&["build", "--site"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("Variable `dossier.no_such_field` not found"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("--> templates/dossier.html:4\n"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_template_override_with_a_syntax_error_names_its_line_and_column() {
    let fixture = Fixture::with(&[("content/dossiers/small.md", SMALL_DOSSIER)]);
    fixture.write(
        "templates/base.html",
        "<html>\n<body>\n{% block content %}{% endblock content %}\n{{ site.title | }}\n</body>\n</html>\n",
    );
    let run = fixture.run(&["build", "--site"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("--> templates/base.html:4:"),
        "{}",
        run.stderr
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

#[test]
fn a_value_of_the_wrong_type_is_quoted_in_its_message() {
    let fixture = Fixture::with(&[
        (
            "casefile.toml",
            "title = 5\nauthors = \"solo\"\n[pdf]\npaper = 4\n",
        ),
        (
            "content/dossiers/case.md",
            "---\ntitle: Case\ndate: 2020-01-02\nauthors: Ana Solo\nrelated: yes\n---\nText.\n",
        ),
    ]);
    let run = fixture.run(&["check", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    // JSON escapes the quotes of `"solo"`.
    for quoted in ["`5`", "`\\\"solo\\\"`", "`4`", "`Ana Solo`", "`yes`"] {
        assert!(
            run.stdout.lines().any(|l| l.contains(quoted)),
            "{quoted} is quoted: {}",
            run.stdout
        );
    }
}

#[test]
fn check_refuses_a_template_that_build_would_refuse() {
    let fixture = Fixture::with(&[
        (
            "content/dossiers/case.md",
            "---\ntitle: Case\ndate: 2020-01-02\n---\nText.\n",
        ),
        ("templates/404.html", "{% if %}\n"),
    ]);
    let run = fixture.run(&["check", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(
        run.stdout.contains("\"code\":\"template-syntax\"")
            && run.stdout.contains("\"file\":\"templates/404.html\""),
        "{}",
        run.stdout
    );
    assert_eq!(fixture.run(&["build"]).code, 1, "and build refuses it too");
}

#[test]
fn a_file_that_is_not_utf8_is_located_at_its_first_bad_byte() {
    let fixture = Fixture::with(&[]);
    std::fs::write(
        fixture.root().join("content/dossiers/latin1.md"),
        b"---\ntitle: Ju\xe1rez\ndate: 2019\n---\n",
    )
    .unwrap();
    let run = fixture.run(&["check", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    let line = run
        .stdout
        .lines()
        .find(|l| l.contains("\"not-utf8\""))
        .expect("a not-utf8 diagnostic");
    assert!(
        line.contains("\"line\":2") && line.contains("\"column\":10"),
        "{line}"
    );
    let human = fixture.run(&["check"]);
    assert!(
        human.stderr.contains("--> content/dossiers/latin1.md:2:10"),
        "{}",
        human.stderr
    );
}

#[test]
fn a_bad_pdf_setting_does_not_hide_the_ones_after_it() {
    let fixture = Fixture::with(&[
        (
            "casefile.toml",
            "[pdf]\npaper = 4\nstandard = \"pdf/x\"\nfont_size = \"99pt\"\n",
        ),
        (
            "content/dossiers/case.md",
            "---\ntitle: Case\ndate: 2020-01-02\n---\nText.\n",
        ),
    ]);
    let (code, diags) = json_diagnostics(&fixture);
    assert_eq!(code, 1);
    let lines: Vec<usize> = diags
        .iter()
        .filter(|d| d.file == "casefile.toml")
        .map(|d| d.line)
        .collect();
    assert_eq!(lines, [2, 3, 4], "{diags:?}");
}
