//! Independent judges of the site: the W3C Nu HTML Checker (`vnu.jar`) on every page, and
//! axe-core run inside headless Chromium on every page at a phone's width and a desktop's,
//! on the sample content and on `tests/fixtures/constructs` (every construct of the format,
//! restricted material and a confidential source included), public and internal.
//!
//! Needs a Java runtime and the checkers under `target/checkers` (or `CASEFILE_CHECKERS`);
//! `.ci/run` installs them. Without them these tests fail; they never skip.

use std::process::Command;

use serde_json::{json, Value};

use crate::browser::{Browser, BuiltSite, StaticServer};
use crate::support::{checker, run};

/// The four sites the checkers judge.
fn sites() -> Vec<(&'static str, BuiltSite)> {
    vec![
        ("sample", BuiltSite::sample()),
        ("constructs", BuiltSite::constructs(&[])),
        (
            "constructs, internal",
            BuiltSite::constructs(&["--internal", "--drafts"]),
        ),
    ]
}

#[test]
fn every_page_passes_the_nu_html_checker() {
    let vnu = checker("vnu-jar/build/dist/vnu.jar");
    let sites = sites();
    let mut command = Command::new("java");
    command
        .arg("-jar")
        .arg(&vnu)
        .args(["--errors-only", "--skip-non-html"]);
    let mut pages = 0;
    for (_, site) in &sites {
        pages += site.pages().len();
        command.arg(site.dir());
    }
    assert!(pages > 40, "only {pages} pages were built");
    let done = run(command);
    assert_eq!(
        done.code, 0,
        "the Nu HTML Checker found errors in {pages} pages:\n{}{}",
        done.stdout, done.stderr
    );
    assert!(
        done.stderr.trim().is_empty(),
        "the checker printed: {}",
        done.stderr
    );
}

/// Runs axe on the open page and returns its serious and critical violations, each as
/// "rule (impact): what, at which elements".
const AXE_RUN: &str = r#"
const done = arguments[arguments.length - 1];
axe.run(document, { resultTypes: ["violations"] }).then(
  (results) => done(results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => v.id + " (" + v.impact + "): " + v.help + " at "
      + v.nodes.map((n) => n.target.join(" ")).join(", "))),
  (error) => done(["axe failed: " + error]));
"#;

#[test]
fn no_page_has_a_serious_or_critical_axe_violation_on_a_phone_or_a_desktop() {
    let axe = std::fs::read_to_string(checker("axe-core/axe.min.js")).unwrap();
    let browser = Browser::start();
    browser.post("timeouts", json!({ "script": 60000 }));
    let mut failures = Vec::new();
    let mut checked = 0;
    for (name, site) in sites() {
        let server = StaticServer::start(site.dir());
        for (width, height) in [(390, 844), (1280, 800)] {
            browser.post("window/rect", json!({ "width": width, "height": height }));
            for page in site.pages() {
                browser.open(&server.url(&page));
                browser.script(&format!("{axe}\nreturn null;"));
                let found: Value =
                    browser.post("execute/async", json!({ "script": AXE_RUN, "args": [] }));
                checked += 1;
                for violation in found.as_array().into_iter().flatten() {
                    failures.push(format!(
                        "{name}, {page} at {width} px: {}",
                        violation.as_str().unwrap_or_default()
                    ));
                }
            }
        }
    }
    assert!(checked > 80, "only {checked} pages were checked");
    assert!(
        failures.is_empty(),
        "{} violations:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
