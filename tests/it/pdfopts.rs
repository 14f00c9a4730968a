//! What a publisher can tune in the PDFs (`[pdf]` margins, font size, logo, cover text and
//! the compendium's dossiers), and what every PDF carries: the dossiers that link to it and
//! a title the viewer shows.

use std::process::Command;

use crate::support::{pdf_text, Fixture};

fn normalise(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Two dossiers: `later` links `first` in its body.
fn linked(config: &str) -> Fixture {
    Fixture::with(&[
        ("casefile.toml", config),
        (
            "content/dossiers/first.md",
            "---\ntitle: The first case\ndate: 2019-06-10\n---\nText of the first case.\n",
        ),
        (
            "content/dossiers/later.md",
            "---\ntitle: The later case\ndate: 2020-03-01\n---\nThis follows [[first]].\n",
        ),
    ])
}

/// The catalog of a PDF as qpdf shows it.
fn catalog(path: &std::path::Path) -> String {
    let qpdf = |args: &[&str]| {
        let output = Command::new("qpdf")
            .args(args)
            .arg(path)
            .output()
            .expect("qpdf must be installed");
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    let trailer = qpdf(&["--show-object=trailer"]);
    let root = trailer
        .split("/Root ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .expect("a /Root in the trailer")
        .to_string();
    let check = Command::new("qpdf")
        .arg("--check")
        .arg(path)
        .output()
        .unwrap();
    assert!(check.status.success(), "qpdf --check {}", path.display());
    qpdf(&[&format!("--show-object={root}")])
}

#[test]
fn briefing_and_compendium_list_the_dossiers_that_link_here() {
    let fixture = linked("title = \"Desk\"\n");
    let run = fixture.run(&["build", "--pdf"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let briefing = normalise(&pdf_text(&fixture.out().join("pdf/first.pdf")));
    assert!(
        briefing.contains("Referenced by The later case 1 March 2020"),
        "{briefing}"
    );
    let later = normalise(&pdf_text(&fixture.out().join("pdf/later.pdf")));
    assert!(!later.contains("Referenced by"), "{later}");
    let compendium = normalise(&pdf_text(&fixture.out().join("pdf/compendium.pdf")));
    assert!(
        compendium.contains("Referenced by The later case (see p. 1) 1 March 2020"),
        "{compendium}"
    );
}

#[test]
fn the_viewer_shows_the_document_title_in_every_standard() {
    for standard in ["none", "pdf/a-2b"] {
        let fixture = linked(&format!(
            "title = \"Desk\"\n[pdf]\nstandard = \"{standard}\"\n"
        ));
        let run = fixture.run(&["build", "--pdf"]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        for pdf in ["first.pdf", "compendium.pdf"] {
            let catalog = catalog(&fixture.out().join("pdf").join(pdf));
            assert!(
                catalog.contains("/DisplayDocTitle true"),
                "{standard} {pdf}: {catalog}"
            );
        }
    }
}
