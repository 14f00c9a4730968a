//! Command-line conventions: `--quiet` and `--verbose`, summaries that say what a profile
//! left out, `serve --open` and a taken port, `new` writing drafts in folders, and each
//! command accepting only the options that mean something for it.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use crate::support::{run, Fixture};

/// A dossier whose only problem is a warning: a source defined and never cited.
const UNCITED: &str =
    "---\ntitle: Case\ndate: 2020-01-02\nsources:\n  - id: memo\n    title: A memo\n---\nText.\n";

fn casefile(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_casefile"));
    command.args(args);
    command
}

fn dossier(front: &str) -> String {
    format!("---\ntitle: A case\ndate: 2020-01-02\n{front}---\nText.\n")
}

#[test]
fn quiet_prints_only_errors_and_verbose_says_what_is_read_and_written() {
    let fixture = Fixture::with(&[("content/dossiers/case.md", UNCITED)]);
    let quiet = fixture.run(&["build", "--site", "--quiet"]);
    assert_eq!(quiet.code, 0, "{}", quiet.stderr);
    assert_eq!(quiet.stderr, "", "a warning is not an error");
    let normal = fixture.run(&["check"]);
    assert!(normal.stderr.contains("never cited"), "{}", normal.stderr);
    fixture.write(
        "content/dossiers/case.md",
        &UNCITED.replace("Text.", "New text."),
    );
    let verbose = fixture.run(&["build", "--site", "--verbose"]);
    assert_eq!(verbose.code, 0, "{}", verbose.stderr);
    for line in [
        "read ",
        ": 1 dossier, 0 images",
        "checked: 0 errors, 1 warning",
        "resolved (internal=false drafts=false): 1 dossier published",
        "rendered:",
        "wrote ",
        "built 1 dossier",
    ] {
        assert!(
            verbose.stderr.contains(line),
            "`{line}` in:\n{}",
            verbose.stderr
        );
    }
    fixture.write(
        "content/dossiers/broken.md",
        "---\ntitle: Broken\n---\n[@nowhere]\n",
    );
    let failed = fixture.run(&["check", "-q"]);
    assert_eq!(failed.code, 1);
    assert!(failed.stderr.contains("error"), "{}", failed.stderr);
    assert!(!failed.stderr.contains("never cited"), "{}", failed.stderr);
    let both = fixture.run(&["check", "--quiet", "--verbose"]);
    assert_eq!(
        both.code, 2,
        "--quiet and --verbose conflict: {}",
        both.stderr
    );
}

#[test]
fn the_build_summary_says_what_the_profile_left_out() {
    let fixture = Fixture::with(&[
        ("content/dossiers/open.md", &dossier("")),
        (
            "content/dossiers/secret-a.md",
            &dossier("classification: restricted\n"),
        ),
        (
            "content/dossiers/secret-b.md",
            &dossier("classification: restricted\ndraft: true\n"),
        ),
        ("content/dossiers/unfinished.md", &dossier("draft: true\n")),
    ]);
    let public = fixture.run(&["build", "--site"]);
    assert_eq!(public.code, 0, "{}", public.stderr);
    assert!(
        public
            .stderr
            .contains("built 1 dossier (2 restricted and 1 draft left out):"),
        "{}",
        public.stderr
    );
    let internal = fixture.run(&["build", "--site", "--internal"]);
    assert!(
        internal.stderr.contains(
            "built 2 dossiers (internal: includes restricted material; 2 drafts left out):"
        ),
        "{}",
        internal.stderr
    );
    let all = fixture.run(&["build", "--site", "--internal", "--drafts"]);
    assert!(
        all.stderr
            .contains("built 4 dossiers (internal: includes restricted material):"),
        "{}",
        all.stderr
    );
}

#[test]
fn new_writes_a_draft_in_nested_folders_and_suggests_a_valid_id() {
    let fixture = Fixture::with(&[]);
    let made = fixture.run(&["new", "mexico/case-1"]);
    assert_eq!(made.code, 0, "{}", made.stderr);
    let path = fixture.root().join("content/dossiers/mexico/case-1.md");
    let text = std::fs::read_to_string(&path).expect("the nested dossier");
    assert!(text.contains("\ndraft: true\n"), "{text}");
    let check = fixture.run(&["check"]);
    assert_eq!(check.code, 0, "the new dossier checks: {}", check.stderr);
    let built = fixture.run(&["build", "--site", "--drafts"]);
    assert!(
        fixture
            .out()
            .join("site/dossiers/case-1/index.html")
            .exists(),
        "its id is its file name: {}",
        built.stderr
    );
    let again = fixture.run(&["new", "case-1"]);
    assert_eq!(again.code, 2, "the id is taken, in another folder");
    assert!(again.stderr.contains("already exists"), "{}", again.stderr);
    let invalid = fixture.run(&["new", "México/Case One"]);
    assert_eq!(invalid.code, 2);
    assert!(
        invalid
            .stderr
            .contains("try `casefile new mexico/case-one`"),
        "{}",
        invalid.stderr
    );
}

#[test]
fn each_command_accepts_only_the_options_that_mean_something_for_it() {
    let fixture = Fixture::empty();
    let dir = fixture.root().join("desk");
    let dir = dir.to_str().unwrap();
    // `--root` and `--out` may stand anywhere, but a command they mean nothing to says so.
    for (args, option) in [
        (vec!["init", dir, "--out", "x"], "--out"),
        (vec!["init", dir, "--root", "x"], "--root"),
        (vec!["--root", "x", "man"], "--root"),
        (vec!["completions", "bash", "--out", "x"], "--out"),
        (vec!["new", "case", "--out", "x"], "--out"),
    ] {
        let refused = run(casefile(&args));
        assert_eq!(refused.code, 2, "{args:?} is refused: {}", refused.stderr);
        assert!(
            refused
                .stderr
                .contains(&format!("`{option}` means nothing")),
            "{args:?}: {}",
            refused.stderr
        );
    }
    for args in [
        vec!["check", "--internal"],
        vec!["serve", "--deny-warnings"],
        vec!["init", dir, "--internal"],
    ] {
        let refused = run(casefile(&args));
        assert_eq!(refused.code, 2, "{args:?} is refused: {}", refused.stderr);
        assert!(
            refused.stderr.contains("unexpected argument"),
            "{args:?}: {}",
            refused.stderr
        );
    }
    assert!(!fixture.root().join("desk").exists(), "nothing was created");
    let quiet_anywhere = run(casefile(&["man", "--quiet"]));
    assert_eq!(quiet_anywhere.code, 0, "{}", quiet_anywhere.stderr);
}

#[test]
fn root_and_out_work_before_and_after_the_command() {
    let fixture = Fixture::with(&[(
        "content/dossiers/case.md",
        "---\ntitle: Case\ndate: 2020-01-02\n---\nText.\n",
    )]);
    let root = fixture.root().to_str().unwrap();
    let before = fixture.root().join("before");
    let after = fixture.root().join("after");
    let first = run(casefile(&[
        "--root",
        root,
        "--out",
        before.to_str().unwrap(),
        "build",
        "--site",
    ]));
    assert_eq!(first.code, 0, "{}", first.stderr);
    let second = run(casefile(&[
        "build",
        "--site",
        "--root",
        root,
        "--out",
        after.to_str().unwrap(),
    ]));
    assert_eq!(second.code, 0, "{}", second.stderr);
    assert!(before.join("site/index.html").is_file());
    assert!(after.join("site/index.html").is_file());
    let check = run(casefile(&[
        "--root",
        root,
        "check",
        "--out",
        after.to_str().unwrap(),
    ]));
    assert_eq!(
        check.code, 0,
        "check takes --out as build does: {}",
        check.stderr
    );
    let inside = run(casefile(&[
        "check",
        "--root",
        root,
        "--out",
        &format!("{root}/content/x"),
    ]));
    assert_eq!(
        inside.code, 2,
        "and refuses what build refuses: {}",
        inside.stderr
    );
}

/// Starts `casefile serve ARGS` on the fixture with `PATH` set to `path`; returns the child
/// and the lines it printed up to and including its address.
fn serve_until_address(
    fixture: &Fixture,
    args: &[&str],
    path: &str,
) -> (std::process::Child, Vec<String>) {
    let mut child = casefile(&["serve", "--root"])
        .arg(fixture.root())
        .args(args)
        .env("PATH", path)
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("start serve");
    let stderr = child.stderr.take().expect("stderr");
    let mut lines = Vec::new();
    for line in BufReader::new(stderr).lines() {
        let line = line.expect("a line");
        let done = line.contains("http://") || line.starts_with("error");
        lines.push(line);
        if done {
            break;
        }
    }
    (child, lines)
}

#[test]
fn serve_open_runs_the_browser_opener_and_a_taken_port_gets_a_hint() {
    let fixture = Fixture::with(&[("content/dossiers/case.md", &dossier(""))]);
    let bin = fixture.root().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let opened = fixture.root().join("opened.txt");
    let opener = bin.join("xdg-open");
    std::fs::write(
        &opener,
        format!("#!/bin/sh\necho \"$1\" > '{}'\n", opened.display()),
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&opener, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let path = format!("{}:/usr/bin:/bin", bin.display());
    let (mut server, lines) = serve_until_address(&fixture, &["--port", "0", "--open"], &path);
    let address = lines.last().cloned().unwrap_or_default();
    let start = std::time::Instant::now();
    while !opened.exists() && start.elapsed() < std::time::Duration::from_secs(20) {
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let url = std::fs::read_to_string(&opened).unwrap_or_default();
    assert!(
        url.starts_with("http://127.0.0.1:"),
        "the opener got the site's address: {url:?}"
    );
    assert!(address.contains(url.trim()), "{address} vs {url}");
    // The same port again: taken.
    let port = url
        .trim()
        .trim_end_matches('/')
        .rsplit(':')
        .next()
        .unwrap()
        .to_string();
    let (mut second, lines) = serve_until_address(&fixture, &["--port", &port], &path);
    let status = second.wait().unwrap();
    assert_eq!(status.code(), Some(2));
    let text = lines.join("\n");
    assert!(
        text.contains(&format!(
            "port {port} is in use: try --port 0 for a free one"
        )),
        "{text}"
    );
    let _ = server.kill();
    let _ = server.wait();
    // No opener at all: a warning after the address, and the site is served.
    let mut third = casefile(&["serve", "--port", "0", "--open", "--root"])
        .arg(fixture.root())
        .env("PATH", "/nonexistent")
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("start serve");
    let stderr = third.stderr.take().expect("stderr");
    let (send, lines) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = send.send(line);
        }
    });
    let mut printed = Vec::new();
    while let Ok(line) = lines.recv_timeout(std::time::Duration::from_secs(20)) {
        let warned = line.starts_with("warning: --open");
        printed.push(line);
        if warned {
            break;
        }
    }
    let _ = third.kill();
    let _ = third.wait();
    let serving = printed.iter().position(|l| l.contains("serving"));
    let warning = printed
        .iter()
        .position(|l| l.starts_with("warning: --open"));
    assert!(
        serving.is_some() && warning > serving,
        "served, then warned about --open: {printed:?}"
    );
}

#[test]
fn new_refuses_the_id_of_an_entity() {
    let fixture = Fixture::with(&[(
        "content/entities.yaml",
        "- id: sedena\n  name: Sedena\n  kind: government-agency\n",
    )]);
    let run = casefile(&["new", "sedena", "--root"])
        .arg(fixture.root())
        .output()
        .expect("run");
    assert_eq!(run.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&run.stderr).contains("id of an entity"));
    assert!(!fixture.root().join("content/dossiers/sedena.md").exists());
}
