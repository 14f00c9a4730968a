//! `casefile export`: the files, read by the tools they are for. `ftm.jsonl` is checked with
//! the `followthemoney` Python package (its `validate` command, and a strict check that every
//! schema is concrete, every property is one the schema has and every value is clean), the
//! CSL-JSON is rendered into a bibliography by Pandoc's citeproc, and the CSV is read by
//! Python's `csv` module. The tools must be installed (`.ci/run` installs them); a test fails
//! with a message saying so when one is missing.
//!
//! A public export of the canary project (see `profiles`) holds no canary; an internal one
//! does. The output folder is guarded and replaced whole, as a build's is.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::profiles::canary_fixture;
use crate::support::{files_under, repo, Fixture};

const EXPORT_FILES: [&str; 6] = [
    ".casefile-export",
    "casefile.json",
    "ftm.jsonl",
    "sources.csl.json",
    "timeline.csv",
    "timeline.json",
];

/// The virtual environment with `followthemoney`: `CASEFILE_TEST_VENV`, or the one `.ci/run`
/// makes under `target/`.
fn venv() -> PathBuf {
    std::env::var_os("CASEFILE_TEST_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join("target/export-tools"))
}

/// The venv's Python, after checking that it has `followthemoney`.
fn ftm_python() -> PathBuf {
    let python = venv().join("bin/python");
    let has_it = Command::new(&python)
        .args(["-c", "import followthemoney"])
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        has_it,
        "the followthemoney Python package is not installed in {}: run .ci/run, or \
         `python3 -m venv target/export-tools && target/export-tools/bin/pip install \
         followthemoney`, or set CASEFILE_TEST_VENV to a venv that has it",
        venv().display()
    );
    python
}

fn pandoc() -> Command {
    let found = Command::new("pandoc")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        found,
        "pandoc is not installed: run .ci/run, or install the `pandoc` package"
    );
    Command::new("pandoc")
}

/// Runs a command and returns its standard output; fails the test, with what it printed, if
/// the command fails.
fn output_of(mut command: Command, what: &str) -> String {
    let output = command.output().unwrap_or_else(|e| panic!("{what}: {e}"));
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(
        output.status.success(),
        "{what} failed:\n{stdout}\n{stderr}"
    );
    stdout
}

/// A strict reading of `ftm.jsonl` through the FtM model: `followthemoney validate` drops
/// unknown properties and accepts abstract schemas without a word, so this checks them.
const FTM_CHECK: &str = r#"
import json, sys
from followthemoney import model

problems = []
entities = []
with open(sys.argv[1], encoding="utf-8") as f:
    for n, line in enumerate(f, 1):
        entities.append((n, json.loads(line)))
ids = {data["id"] for _, data in entities}
if len(ids) != len(entities):
    problems.append("ids are not unique")
for n, data in entities:
    schema = model.get(data["schema"])
    if schema is None or schema.abstract:
        problems.append(f"line {n}: schema {data['schema']!r} is unknown or abstract")
        continue
    for name, values in data["properties"].items():
        prop = schema.get(name)
        if prop is None:
            problems.append(f"line {n}: {schema.name} has no property {name!r}")
            continue
        for value in values:
            if prop.type.clean(value) != value:
                problems.append(f"line {n}: {name} value {value!r} is not a clean {prop.type.name}")
            if prop.type.name == "entity" and value not in ids:
                problems.append(f"line {n}: {name} refers to {value!r}, not in the file")
    for required in schema.required:
        if not data["properties"].get(required):
            problems.append(f"line {n}: {schema.name} lacks required {required!r}")
    model.get_proxy(data, cleaned=False)
print("\n".join(problems) if problems else f"{len(entities)} entities valid")
sys.exit(1 if problems else 0)
"#;

/// Checks `ftm.jsonl` with `followthemoney validate` and the strict check; returns the
/// schemas used, in file order.
fn validate_ftm(file: &Path) -> Vec<String> {
    let python = ftm_python();
    let validated = file.with_extension("validated.jsonl");
    let mut validate = Command::new(python.with_file_name("followthemoney"));
    validate
        .arg("validate")
        .arg("-i")
        .arg(file)
        .arg("-o")
        .arg(&validated);
    output_of(validate, "followthemoney validate");
    let text = std::fs::read_to_string(file).expect("ftm.jsonl");
    let again = std::fs::read_to_string(&validated).expect("validated entities");
    assert_eq!(
        again.lines().count(),
        text.lines().count(),
        "followthemoney validate kept a different number of entities"
    );
    let mut strict = Command::new(&python);
    strict.arg("-c").arg(FTM_CHECK).arg(file);
    let said = output_of(strict, "the strict FtM check");
    assert!(said.contains("entities valid"), "{said}");
    text.lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).expect("one JSON object a line");
            v["schema"].as_str().unwrap_or_default().to_string()
        })
        .collect()
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn the_sample_exports_every_file_and_ftm_validates_with_followthemoney() {
    let fixture = Fixture::sample();
    let run = fixture.run(&["export"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let dir = fixture.out().join("export");
    assert_eq!(files_under(&dir), EXPORT_FILES);
    let schemas = validate_ftm(&dir.join("ftm.jsonl"));
    for schema in [
        "Person",
        "Organization",
        "PublicBody",
        "Address",
        "Article",
        "Documentation",
    ] {
        assert!(
            schemas.iter().any(|s| s == schema),
            "no {schema} in {schemas:?}"
        );
    }
    let model = read_json(&dir.join("casefile.json"));
    assert_eq!(model["profile"], "public");
    assert_eq!(model["dossiers"].as_array().map(Vec::len), Some(10));
    let articles = schemas.iter().filter(|s| *s == "Article").count();
    assert_eq!(articles, 10);
}

#[test]
fn pandoc_renders_a_bibliography_from_the_csl_json() {
    let fixture = Fixture::sample();
    assert_eq!(fixture.run(&["export"]).code, 0);
    let csl = fixture.out().join("export/sources.csl.json");
    let items = read_json(&csl);
    let items = items.as_array().expect("a CSL-JSON array");
    assert_eq!(items.len(), 10);
    // Cite every item by its id, as an author would in Pandoc Markdown.
    let cites: Vec<String> = items
        .iter()
        .map(|i| format!("[@{}]", i["id"].as_str().expect("an id")))
        .collect();
    let document = fixture.root().join("cites.md");
    std::fs::write(&document, format!("Claims {}.\n", cites.join(" "))).expect("write");
    let mut command = pandoc();
    command
        .arg("--citeproc")
        .arg("--bibliography")
        .arg(&csl)
        .args(["-t", "plain", "--wrap=none"])
        .arg(&document);
    let output = command.output().expect("run pandoc");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(
        !stderr.contains("not found"),
        "pandoc missed a citation: {stderr}"
    );
    let rendered = String::from_utf8_lossy(&output.stdout);
    // Chicago title-cases titles, so compare without case.
    let lower = rendered.to_lowercase();
    for title in [
        "consequences of air intelligence",
        "intelligence report on arms sales to a cartel cell in tejupilco",
    ] {
        assert!(lower.contains(title), "{title} not in:\n{rendered}");
    }
    assert!(rendered.contains("Fox News Digital"), "{rendered}");
    assert!(rendered.contains("Guillermo Valdés"), "{rendered}");
}

#[test]
fn the_timeline_csv_reads_back_as_the_timeline_json() {
    let fixture = Fixture::sample();
    assert_eq!(fixture.run(&["export"]).code, 0);
    let dir = fixture.out().join("export");
    let script = r#"
import csv, json, sys
with open(sys.argv[1], newline="", encoding="utf-8") as f:
    rows = list(csv.DictReader(f))
events = json.load(open(sys.argv[2], encoding="utf-8"))
assert len(rows) == len(events) > 0, (len(rows), len(events))
for row, event in zip(rows, events):
    for key in ("sources", "entities"):
        event[key] = "; ".join(event[key])
    assert row == event, (row, event)
print(len(rows), "rows")
"#;
    let mut python = Command::new(ftm_python());
    python
        .arg("-c")
        .arg(script)
        .arg(dir.join("timeline.csv"))
        .arg(dir.join("timeline.json"));
    let said = output_of(python, "reading timeline.csv");
    assert_eq!(said.trim(), "7 rows");
    let events = read_json(&dir.join("timeline.json"));
    let first = &events[0];
    assert_eq!(first["date"], "2019-01");
    assert_eq!(first["dossier"], "firmi-agent-jalisco-cartel");
}

#[test]
fn a_public_export_holds_nothing_restricted_or_confidential() {
    let (fixture, canaries) = canary_fixture();
    let run = fixture.run(&["export"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let dir = fixture.out().join("export");
    let mut leaks = Vec::new();
    for file in files_under(&dir) {
        let text = std::fs::read_to_string(dir.join(&file))
            .expect("export files are text")
            .to_lowercase();
        for token in canaries.tokens() {
            if file.to_lowercase().contains(&token) || text.contains(&token) {
                leaks.push(format!("{file}: {token} ({})", canaries.what(&token)));
            }
        }
    }
    assert!(leaks.is_empty(), "leaked:\n{}", leaks.join("\n"));
    // A citation of a confidential source is still counted, as the site shows it.
    let model = read_json(&dir.join("casefile.json"));
    let pub_a = model["dossiers"]
        .as_array()
        .and_then(|d| d.iter().find(|d| d["id"] == "pub-a"))
        .expect("pub-a exported");
    let sources = pub_a["sources"].as_array().expect("sources");
    assert!(
        sources.iter().any(|s| s == "Confidential source"),
        "{pub_a}"
    );
    assert!(pub_a["text"].as_str().unwrap().contains("[withheld]"));
    validate_ftm(&dir.join("ftm.jsonl"));
}

#[test]
fn an_internal_export_with_drafts_holds_what_the_public_one_leaves_out() {
    let (fixture, canaries) = canary_fixture();
    let run = fixture.run(&["export", "--internal", "--drafts"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        !fixture.out().exists(),
        "an internal export wrote into output/"
    );
    let dir = fixture.internal_out().join("export");
    let all: String = files_under(&dir)
        .iter()
        .map(|f| std::fs::read_to_string(dir.join(f)).expect("text"))
        .collect::<String>()
        .to_lowercase();
    let found: Vec<String> = canaries
        .tokens()
        .into_iter()
        .filter(|t| all.contains(t.as_str()))
        .collect();
    // Every kind of withheld thing shows up, so the public test's search can fail.
    for owner in ["cnryrd", "cnryre", "cnrycs", "cnrylcs", "cnrydr"] {
        assert!(
            found.iter().any(|t| t.starts_with(owner)),
            "no {owner} canary in the internal export; found {found:?}"
        );
    }
    let model = read_json(&dir.join("casefile.json"));
    assert_eq!(model["profile"], "internal");
    assert_eq!(model["drafts"], true);
    validate_ftm(&dir.join("ftm.jsonl"));
}

#[test]
fn exports_are_byte_for_byte_the_same_every_time() {
    let fixture = Fixture::sample();
    let read = |fixture: &Fixture| -> Vec<(String, Vec<u8>)> {
        let dir = fixture.out().join("export");
        files_under(&dir)
            .into_iter()
            .map(|f| {
                let bytes = std::fs::read(dir.join(&f)).expect("read");
                (f, bytes)
            })
            .collect()
    };
    assert_eq!(fixture.run(&["export"]).code, 0);
    let first = read(&fixture);
    assert_eq!(fixture.run(&["export"]).code, 0);
    assert_eq!(read(&fixture), first);
}

#[test]
fn a_bad_out_is_refused_and_touches_nothing() {
    let fixture = Fixture::sample();
    let content = fixture.root().join("content");
    let before = files_under(&content);
    for args in [
        vec!["export", "--out", "content/export"],
        vec!["export", "--out", "."],
        vec!["export", "--internal", "--out", "output/export"],
    ] {
        let mut command = Command::new(env!("CARGO_BIN_EXE_casefile"));
        command.args(&args).arg("--root").arg(fixture.root());
        command.current_dir(fixture.root());
        let run = crate::support::run(command);
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
        assert!(run.stderr.contains("--out"), "{}", run.stderr);
    }
    assert_eq!(files_under(&content), before);
    assert!(!fixture.out().exists());
}

#[test]
fn content_errors_stop_the_export_and_keep_the_previous_one() {
    let fixture = Fixture::sample();
    assert_eq!(fixture.run(&["export"]).code, 0);
    let csl = fixture.out().join("export/sources.csl.json");
    let before = std::fs::read(&csl).expect("read");
    fixture.write(
        "content/dossiers/broken.md",
        "---\ntitle: Broken\ndate: 2020-01-01\n---\nCites [@no-such-source].\n",
    );
    let run = fixture.run(&["export"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("no-such-source"), "{}", run.stderr);
    assert_eq!(std::fs::read(&csl).expect("read"), before);
}

#[test]
fn a_build_keeps_the_export_its_profile_wrote_beside_it() {
    let fixture = Fixture::sample();
    assert_eq!(fixture.run(&["export"]).code, 0);
    let run = fixture.run(&["build", "--site"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(files_under(&fixture.out().join("export")), EXPORT_FILES);
    // An export written by another profile is not kept.
    let out = fixture.root().join("elsewhere");
    let out_arg = out.to_str().expect("UTF-8 path");
    let export_dir = out.join("export");
    let run = fixture.run(&[
        "export",
        "--internal",
        "--out",
        export_dir.to_str().expect("UTF-8 path"),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let run = fixture.run(&["build", "--site", "--out", out_arg]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        !export_dir.exists(),
        "a public build kept an internal export"
    );
}
