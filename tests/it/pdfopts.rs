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

/// A 1×1 PNG, the smallest image a logo can be.
const PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4,
    0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0x60, 0x60, 0x60, 0xf8,
    0x0f, 0x00, 0x01, 0x04, 0x01, 0x00, 0x5f, 0xe5, 0xc3, 0x4b, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45,
    0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
];

#[test]
fn pdf_settings_that_name_content_are_checked_at_their_values() {
    let fixture = linked(
        "[pdf]\nlogo = \"images/logo.png\"\ncompendium = [\"firts\", \"first\", \"first\"]\nfont_size = \"3pt\"\n",
    );
    std::fs::create_dir_all(fixture.root().join("content/images")).unwrap();
    std::fs::write(fixture.root().join("content/images/logos.png"), PNG).unwrap();
    let run = fixture.run(&["check"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    for expected in [
        "logo `images/logo.png` not found (looked for content/images/logo.png",
        "casefile.toml:2:8",
        "did you mean `images/logos.png`?",
        "the compendium lists `firts`, which is not a dossier",
        "casefile.toml:3:15",
        "did you mean `first`?",
        "dossier `first` is listed twice in the compendium",
        "font_size `3pt` is out of range",
    ] {
        assert!(run.stderr.contains(expected), "{expected}:\n{}", run.stderr);
    }
}

#[test]
fn the_compendium_holds_the_chosen_dossiers_in_their_order_with_logo_and_cover_text() {
    let fixture = linked(
        "title = \"Desk\"\n[pdf]\nlogo = \"logo.png\"\ncover_text = \"For the editors only.\"\ncompendium = [\"first\"]\nmargins = \"1.5cm\"\nfont_size = \"12pt\"\n",
    );
    std::fs::write(fixture.root().join("content/logo.png"), PNG).unwrap();
    let run = fixture.run(&["build", "--pdf"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let compendium = fixture.out().join("pdf/compendium.pdf");
    let text = normalise(&pdf_text(&compendium));
    assert!(text.contains("Compendium of 1 dossier"), "{text}");
    assert!(text.contains("For the editors only."), "{text}");
    assert!(text.contains("The first case"), "{text}");
    assert!(
        !text.contains("This follows"),
        "the later case is left out: {text}"
    );
    // The later case links here, but is not in the compendium: its title, without a page.
    assert!(
        text.contains("Referenced by The later case 1 March 2020"),
        "{text}"
    );
    assert!(!text.contains("?)"), "{text}");
    let images = |pdf: &str| {
        let output = Command::new("pdfimages")
            .args(["-list"])
            .arg(fixture.out().join("pdf").join(pdf))
            .output()
            .expect("pdfimages (poppler-utils)");
        // An image with transparency is listed twice: as `image` and as its `smask`.
        String::from_utf8_lossy(&output.stdout)
            .lines()
            .filter(|l| l.split_whitespace().nth(2) == Some("image"))
            .count()
    };
    assert_eq!(images("compendium.pdf"), 1, "the logo on the cover only");
    assert_eq!(images("first.pdf"), 1, "the logo in the briefing's header");
}

/// The `pdfs` line of `--timings`: (rendered, from the cache, unchanged).
fn pdf_tally(stderr: &str) -> (usize, usize, usize) {
    let line = stderr
        .lines()
        .find(|l| l.trim_start().starts_with("pdfs"))
        .unwrap_or_else(|| panic!("no pdfs line:\n{stderr}"));
    let n: Vec<usize> = line
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|n| n.parse().ok())
        .collect();
    (n[0], n[1], n[2])
}

#[test]
fn a_pdf_option_re_renders_exactly_the_pdfs_it_affects() {
    let fixture = linked("title = \"Desk\"\n");
    let build = |config: &str| {
        fixture.write("casefile.toml", config);
        let run = fixture.run(&["build", "--pdf", "--timings"]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        pdf_tally(&run.stderr)
    };
    assert_eq!(build("title = \"Desk\"\n"), (3, 0, 0));
    let cover = "title = \"Desk\"\n[pdf]\ncover_text = \"Hello.\"\n";
    assert_eq!(build(cover), (1, 0, 2), "cover text: the compendium only");
    let order = format!("{cover}compendium = [\"first\", \"later\"]\n");
    assert_eq!(build(&order), (1, 0, 2), "the compendium's order: it only");
    let margins = format!("{order}margins = \"2cm\"\n");
    assert_eq!(build(&margins), (3, 0, 0), "margins: every PDF");
    let size = format!("{margins}font_size = \"11pt\"\n");
    assert_eq!(build(&size), (3, 0, 0), "font size: every PDF");
    assert_eq!(
        build(&order),
        (0, 3, 0),
        "back to earlier options: from the cache"
    );
}
