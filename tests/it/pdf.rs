//! The PDFs, checked on the real files: text extracted with poppler, metadata, embedded
//! fonts, the compendium's links and outline, and byte-identical rebuilds.

use std::process::Command;

use crate::support::{files_under, pdf_text, Fixture};

fn normalise(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn poppler(tool: &str, path: &std::path::Path) -> String {
    let output = Command::new(tool)
        .arg(path)
        .output()
        .unwrap_or_else(|e| panic!("{tool} (poppler-utils) must be installed: {e}"));
    assert!(
        output.status.success(),
        "{tool} failed on {}",
        path.display()
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn sample_build_writes_a_briefing_per_dossier_and_a_compendium() {
    let fixture = Fixture::sample();
    let run = fixture.run(&["build"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let pdfs = files_under(&fixture.out().join("pdf"));
    let dossiers = files_under(&fixture.root().join("content/dossiers"));
    assert_eq!(pdfs.len(), dossiers.len() + 1, "{pdfs:?}");
    assert!(pdfs.contains(&"compendium.pdf".to_string()));
    for pdf in &pdfs {
        let bytes = std::fs::read(fixture.out().join("pdf").join(pdf)).unwrap();
        assert!(bytes.starts_with(b"%PDF-"), "{pdf} is a PDF");
        if pdf != "compendium.pdf" {
            let site_copy = std::fs::read(fixture.out().join("site/pdf").join(pdf)).unwrap();
            assert_eq!(bytes, site_copy, "the site carries the same briefing");
        }
    }
    let page = std::fs::read_to_string(
        fixture
            .out()
            .join("site/dossiers/tejupilco-grenade-sales/index.html"),
    )
    .unwrap();
    assert!(
        page.contains("href=\"../../pdf/tejupilco-grenade-sales.pdf\""),
        "the dossier page links its PDF"
    );
}

#[test]
fn briefing_text_metadata_fonts_and_note_wording() {
    let fixture = Fixture::with(&[
        ("casefile.toml", "title = \"Test desk\"\nauthors = [\"Investigations desk\"]\n"),
        (
            "content/sources.yaml",
            "- id: intel\n  title: Intelligence report on Tejupilco\n  kind: leaked-document\n  publisher: Sedena\n  date: 2019-06-10\n",
        ),
        ("content/entities.yaml", "- id: almoloya\n  name: Villa de Almoloya de Juárez\n  kind: place\n"),
        (
            "content/dossiers/brief.md",
            "---\ntitle: Grenades in Tejupilco\ndate: 2019-06-10\ntags: [arms-trafficking]\nentities: [almoloya]\n---\n\
             ## Qué dice el informe\n\nThe seller lived in [[almoloya]][@intel, p. 2]. Special text: #read(\"x\") @sedena $1 <b> [x] * _ `c`.[^n]\n\n\
             | Item | Count |\n|---|---:|\n| grenades | 8 |\n\n[^n]: A footnote that cites inline [@intel].\n",
        ),
    ]);
    let run = fixture.run(&["build"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let pdf = fixture.out().join("pdf/brief.pdf");
    let text = normalise(&pdf_text(&pdf));
    assert!(
        text.contains("Qué dice el informe"),
        "accented heading: {text}"
    );
    assert!(text.contains("Villa de Almoloya de Juárez"), "{text}");
    assert!(
        text.contains("Special text: #read(\"x\") @sedena $1 [x] * _ c."),
        "specials print literally: {text}"
    );
    let wording = "Intelligence report on Tejupilco, Sedena, 10 June 2019, p. 2.";
    assert!(text.contains(wording), "citation note wording: {text}");
    assert!(text.contains("A footnote that cites inline (Intelligence report on Tejupilco, Sedena, 10 June 2019)."), "{text}");
    let page =
        std::fs::read_to_string(fixture.out().join("site/dossiers/brief/index.html")).unwrap();
    let page_text = normalise(&strip_tags(&page));
    assert!(
        page_text.contains(wording),
        "the site says the same: {page_text}"
    );

    let info = poppler("pdfinfo", &pdf);
    assert!(
        info.contains("Title:           Grenades in Tejupilco"),
        "{info}"
    );
    assert!(
        info.contains("Author:          Investigations desk"),
        "{info}"
    );
    assert!(info.contains("Keywords:        arms-trafficking"), "{info}");
    assert!(
        info.contains("2019"),
        "creation date from the content: {info}"
    );
    let fonts = poppler("pdffonts", &pdf);
    let font_rows: Vec<&str> = fonts.lines().skip(2).collect();
    assert!(!font_rows.is_empty(), "{fonts}");
    for row in font_rows {
        let columns: Vec<&str> = row.split_whitespace().collect();
        // name type [encoding] emb sub uni object ID: `emb` is the fourth column from the end.
        assert_eq!(
            columns[columns.len() - 5],
            "yes",
            "font not embedded: {row}"
        );
    }
}

#[test]
fn compendium_has_contents_cross_references_indexes_and_outline() {
    let fixture = Fixture::sample();
    let run = fixture.run(&["build", "--pdf"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let path = fixture.out().join("pdf/compendium.pdf");
    let text = normalise(&pdf_text(&path));
    for heading in [
        "Contents",
        "Timeline of all dossiers",
        "Index of entities",
        "Register of sources",
    ] {
        assert!(text.contains(heading), "{heading} in the compendium");
    }
    assert!(
        text.contains("(see p. "),
        "cross-references carry page numbers"
    );
    let bytes = std::fs::read(&path).unwrap();
    let raw = String::from_utf8_lossy(&bytes);
    assert!(raw.contains("/Outlines"), "the PDF has bookmarks");
    assert!(
        raw.contains("/Link") && (raw.contains("/GoTo") || raw.contains("/Dest")),
        "internal links exist"
    );
    assert!(
        !fixture.out().join("site").exists(),
        "--pdf builds only the PDFs"
    );
}

#[test]
fn same_input_gives_the_same_bytes() {
    let fixture = Fixture::sample();
    let first = fixture.root().join("first");
    let second = fixture.root().join("second");
    for out in [&first, &second] {
        let run = fixture.run(&["build", "--out", out.to_str().unwrap()]);
        assert_eq!(run.code, 0, "{}", run.stderr);
    }
    let files = files_under(&first);
    assert_eq!(files, files_under(&second));
    for file in &files {
        let a = std::fs::read(first.join(file)).unwrap();
        let b = std::fs::read(second.join(file)).unwrap();
        assert!(
            a == b,
            "{file} differs between two builds of the same input"
        );
    }
}

fn strip_tags(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&amp;", "&")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&#39;", "'")
}

fn one_dossier(extra: &[(&str, &str)]) -> Fixture {
    let fixture = Fixture::with(&[(
        "content/dossiers/case.md",
        "---\ntitle: Case\ndate: 2019-06-10\n---\nText.\n",
    )]);
    for (path, text) in extra {
        fixture.write(path, text);
    }
    fixture
}

#[test]
fn paper_size_and_archival_standard_follow_the_settings() {
    let fixture = one_dossier(&[(
        "casefile.toml",
        "[pdf]\npaper = \"us-letter\"\nstandard = \"pdf/a-2b\"\n",
    )]);
    let run = fixture.run(&["build", "--pdf"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let path = fixture.out().join("pdf/case.pdf");
    assert!(poppler("pdfinfo", &path).contains("612 x 792 pts (letter)"));
    let raw = String::from_utf8_lossy(&std::fs::read(&path).unwrap()).into_owned();
    assert!(
        raw.contains("pdfaid:part") || raw.contains("pdfaid:part=\"2\""),
        "PDF/A identification in the metadata"
    );
}

#[test]
fn a_broken_typst_template_is_reported_by_template_file_and_line() {
    let fixture = one_dossier(&[]);
    let builtin =
        std::fs::read_to_string(crate::support::repo().join("templates/casefile.typ")).unwrap();
    let broken = format!("{builtin}\n#let broken = (1 +\n");
    fixture.write("templates/casefile.typ", &broken);
    let run = fixture.run(&["build", "--pdf"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let line = broken.lines().count();
    assert!(
        run.stderr
            .contains(&format!("templates/casefile.typ:{line}")),
        "{}",
        run.stderr
    );
    assert!(!fixture.out().exists(), "nothing written");
}

#[test]
fn templates_cannot_read_files_outside_what_casefile_serves() {
    let fixture = one_dossier(&[]);
    let builtin =
        std::fs::read_to_string(crate::support::repo().join("templates/casefile.typ")).unwrap();
    fixture.write("secret.txt", "top secret");
    fixture.write(
        "templates/casefile.typ",
        &format!(
            "{builtin}\n#let leak = read(\"/secret.txt\")\n#let passwd = read(\"/etc/passwd\")\n"
        ),
    );
    let run = fixture.run(&["build", "--pdf"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("`/secret.txt` is not available"),
        "{}",
        run.stderr
    );
    let root = fixture.root().to_string_lossy().into_owned();
    let typst_lines = run
        .stderr
        .lines()
        .filter(|l| !l.starts_with("build stopped"));
    for line in typst_lines {
        assert!(
            !line.contains(&root),
            "no host path in typst's messages: {line}"
        );
    }
}

/// Every absolute path a Typst source names in a string (`"/templates/casefile.typ"`,
/// `"/media/…"`).
fn rooted_paths(source: &str) -> Vec<String> {
    source
        .split("\"/")
        .skip(1)
        .filter_map(|rest| rest.split_once('"').map(|(path, _)| format!("/{path}")))
        .collect()
}

#[test]
fn emit_typst_writes_every_pdf_source_with_the_files_it_reads() {
    let svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\"><rect width=\"10\" height=\"10\"/></svg>";
    let fixture = Fixture::with(&[
        (
            "content/dossiers/case.md",
            "---\ntitle: Case\ndate: 2019-06-10\n---\nText.\n\n![A map](maps/map.svg)\n",
        ),
        (
            "content/dossiers/other.md",
            "---\ntitle: Other\ndate: 2020\n---\nSee [[case]].\n",
        ),
        ("content/dossiers/maps/map.svg", svg),
    ]);
    let typ = fixture.root().join("typst");
    let run = fixture.run(&["build", "--pdf", "--emit-typst", typ.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        files_under(&typ),
        [
            "case.typ",
            "compendium.typ",
            "media/dossiers/maps/map.svg",
            "other.typ",
            "templates/casefile.typ"
        ]
    );
    assert_eq!(
        std::fs::read_to_string(typ.join("media/dossiers/maps/map.svg")).unwrap(),
        svg
    );
    let briefing = std::fs::read_to_string(typ.join("case.typ")).unwrap();
    assert_eq!(
        rooted_paths(&briefing),
        ["/templates/casefile.typ", "/media/dossiers/maps/map.svg"]
    );
    for name in ["case.typ", "other.typ", "compendium.typ"] {
        let source = std::fs::read_to_string(typ.join(name)).unwrap();
        assert!(source.contains("Text.") || name == "other.typ", "{name}");
        for path in rooted_paths(&source) {
            assert!(
                typ.join(path.trim_start_matches('/')).is_file(),
                "{name} reads {path}, which was not written"
            );
        }
    }
}

#[test]
fn emit_typst_refuses_a_folder_among_the_input() {
    let fixture = one_dossier(&[]);
    let inside = fixture.root().join("content/typst");
    let run = fixture.run(&["build", "--pdf", "--emit-typst", inside.to_str().unwrap()]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("--emit-typst"), "{}", run.stderr);
    assert!(!inside.exists());
    assert!(!fixture.out().exists(), "checked before building");
}
