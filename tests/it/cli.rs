//! The command line around the build: shell completions, the man page, `--deny-warnings`,
//! colour only on a terminal and never with `NO_COLOR`.

use std::process::Command;

use serde_json::{json, Value};

use crate::support::{json_lines, run, Fixture};

/// A dossier whose only problem is a warning: a source defined and never cited.
const UNCITED: &str =
    "---\ntitle: Case\ndate: 2020-01-02\nsources:\n  - id: memo\n    title: A memo\n---\nText.\n";

/// A dossier with an error: a citation of an unknown source.
const UNKNOWN: &str = "---\ntitle: Case\ndate: 2020-01-02\n---\nText [@nowhere].\n";

fn casefile(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_casefile"));
    command.args(args);
    command
}

#[test]
fn completions_are_printed_for_every_shell_the_spec_names() {
    for (shell, marker) in [
        ("bash", "complete -F"),
        ("zsh", "#compdef casefile"),
        ("fish", "complete -c casefile"),
        ("elvish", "edit:completion:arg-completer[casefile]"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let done = run(casefile(&["completions", shell]));
        assert_eq!(done.code, 0, "{shell}: {}", done.stderr);
        assert!(done.stdout.contains(marker), "{shell}: {}", done.stdout);
        for command in ["build", "check", "serve", "init", "new"] {
            assert!(
                done.stdout.contains(command),
                "{shell} completes `{command}`"
            );
        }
    }
    let unknown = run(casefile(&["completions", "tcsh"]));
    assert_eq!(unknown.code, 2, "a shell it does not know is a usage error");
}

#[test]
fn the_man_page_is_roff_naming_the_commands_and_exit_codes() {
    let done = run(casefile(&["man"]));
    assert_eq!(done.code, 0, "{}", done.stderr);
    assert!(done.stdout.starts_with(".ie") || done.stdout.starts_with(".TH"));
    assert!(done.stdout.contains(".TH casefile 1"), "{}", done.stdout);
    for section in [
        ".SH NAME",
        ".SH SYNOPSIS",
        ".SH \"EXIT STATUS\"",
        "NO_COLOR",
    ] {
        assert!(
            done.stdout.contains(section),
            "`{section}` in {}",
            done.stdout
        );
    }
    for command in ["build", "check", "serve", "init", "completions"] {
        assert!(done.stdout.contains(command), "`{command}`");
    }
}

#[test]
fn deny_warnings_makes_a_warning_fail_check_and_build_without_touching_the_output() {
    let fixture = Fixture::with(&[("content/dossiers/case.md", UNCITED)]);
    let check = fixture.run(&["check"]);
    assert_eq!(check.code, 0, "a warning alone passes: {}", check.stderr);
    assert!(check.stderr.contains("never cited"), "{}", check.stderr);
    let denied = fixture.run(&["check", "--deny-warnings"]);
    assert_eq!(denied.code, 1, "{}", denied.stderr);
    assert!(
        denied.stderr.contains("--deny-warnings"),
        "{}",
        denied.stderr
    );

    let built = fixture.run(&["build", "--site"]);
    assert_eq!(built.code, 0, "{}", built.stderr);
    let page = fixture.out().join("site/dossiers/case/index.html");
    let before = std::fs::read(&page).unwrap();
    fixture.write(
        "content/dossiers/case.md",
        &UNCITED.replace("Text.", "Changed text."),
    );
    let denied = fixture.run(&["build", "--site", "--deny-warnings"]);
    assert_eq!(denied.code, 1, "{}", denied.stderr);
    assert!(denied.stderr.contains("never cited"), "{}", denied.stderr);
    assert_eq!(
        std::fs::read(&page).unwrap(),
        before,
        "a denied build leaves the previous output as it was"
    );
    let json = fixture.run(&["check", "--deny-warnings", "--format", "json"]);
    assert_eq!(json.code, 1, "{}", json.stderr);
    assert!(
        json.stdout.contains("\"severity\":\"warning\""),
        "{}",
        json.stdout
    );
}

#[test]
fn deny_warnings_passes_a_clean_project() {
    let fixture = Fixture::with(&[(
        "content/dossiers/case.md",
        "---\ntitle: Case\ndate: 2020-01-02\n---\nText.\n",
    )]);
    assert_eq!(fixture.run(&["check", "--deny-warnings"]).code, 0);
    let built = fixture.run(&["build", "--site", "--deny-warnings"]);
    assert_eq!(built.code, 0, "{}", built.stderr);
}

/// Runs casefile on a pseudo-terminal (util-linux `script`), so that it sees a terminal.
fn on_terminal(fixture: &Fixture, no_color: bool) -> String {
    let line = format!(
        "{} check --root {}",
        env!("CARGO_BIN_EXE_casefile"),
        fixture.root().display()
    );
    let mut command = Command::new("script");
    command.args(["-q", "-e", "-c", &line, "/dev/null"]);
    command.env_remove("NO_COLOR");
    if no_color {
        command.env("NO_COLOR", "1");
    }
    let done = run(command);
    assert_eq!(done.code, 1, "{}{}", done.stdout, done.stderr);
    done.stdout
}

#[test]
fn diagnostics_are_coloured_on_a_terminal_only_and_never_with_no_color() {
    let fixture = Fixture::with(&[("content/dossiers/case.md", UNKNOWN)]);
    let piped = fixture.run(&["check"]);
    assert!(piped.stderr.contains("nowhere"), "{}", piped.stderr);
    assert!(!piped.stderr.contains('\u{1b}'), "no escapes in a pipe");

    let coloured = on_terminal(&fixture, false);
    assert!(coloured.contains("nowhere"), "{coloured}");
    assert!(
        coloured.contains("\u{1b}["),
        "colour on a terminal: {coloured:?}"
    );

    let plain = on_terminal(&fixture, true);
    assert!(plain.contains("nowhere"), "{plain}");
    assert!(!plain.contains('\u{1b}'), "NO_COLOR: {plain:?}");
}

#[test]
fn an_image_without_alternative_text_is_a_warning_at_the_image() {
    let png = "content/dossiers/map.png";
    let fixture = Fixture::with(&[
        (
            "content/dossiers/case.md",
            "---\ntitle: Case\ndate: 2020-01-02\n---\nText.\n\n![](map.png)\n\n![A map](map.png)\n",
        ),
        (png, "an image"),
    ]);
    let warnings = checked_with_code(&fixture, "image-without-alt");
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert_eq!(
        (&warnings[0]["line"], &warnings[0]["column"]),
        (&json!(7), &json!(1))
    );
    assert!(warnings[0]["message"].as_str().unwrap().contains("map.png"));
}

#[test]
fn a_raw_img_without_alt_is_a_warning_at_the_tag() {
    let fixture = Fixture::with(&[(
        "content/dossiers/case.md",
        "---\ntitle: Case\ndate: 2020-01-02\n---\nText.\n\n<p>A <img src=\"a.png\"> and <img alt=\"B\" src=\"b.png\"> and <IMG SRC=c.png/></p>\n",
    )]);
    let warnings = checked_with_code(&fixture, "image-without-alt");
    assert_eq!(warnings.len(), 2, "{warnings:?}");
    assert_eq!(
        (&warnings[0]["line"], &warnings[0]["column"]),
        (&json!(7), &json!(6))
    );
    assert!(warnings[0]["message"].as_str().unwrap().contains("a.png"));
    assert!(warnings[1]["message"].as_str().unwrap().contains("c.png"));
}

/// The diagnostics of kind `code` that `check --format json` prints for `fixture`, which
/// must pass (exit 0).
fn checked_with_code(fixture: &Fixture, code: &str) -> Vec<Value> {
    let done = fixture.run(&["check", "--format", "json"]);
    assert_eq!(done.code, 0, "{}", done.stderr);
    json_lines::<Value>(&done.stdout)
        .into_iter()
        .filter(|d| d["code"] == code)
        .collect()
}
