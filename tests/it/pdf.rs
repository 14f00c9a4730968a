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

/// The text of each page of a PDF, whitespace normalised.
fn page_texts(path: &std::path::Path) -> Vec<String> {
    let text = pdf_text(path);
    let mut pages: Vec<String> = text.split('\u{c}').map(normalise).collect();
    if pages.last().is_some_and(String::is_empty) {
        pages.pop();
    }
    pages
}

/// The titles of the sample's dossiers, as written in their front matter.
fn sample_titles(fixture: &Fixture) -> Vec<String> {
    crate::support::files_under(&fixture.root().join("content/dossiers"))
        .iter()
        .map(|file| {
            let text = std::fs::read_to_string(fixture.root().join("content/dossiers").join(file))
                .unwrap();
            let line = text.lines().find(|l| l.starts_with("title:")).unwrap();
            let title = line["title:".len()..].trim();
            let title = title.strip_prefix('"').and_then(|t| t.strip_suffix('"'));
            title.unwrap_or(line["title:".len()..].trim()).to_string()
        })
        .collect()
}

/// The number printed after `title` and its leaders in a contents page.
fn contents_number(contents: &str, title: &str) -> Option<usize> {
    let at = contents.find(title)? + title.len();
    let rest = contents[at..].trim_start_matches(['.', ' ']);
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// Named destinations and the page (from 1) each is on, from `pdfinfo -dests`.
fn named_destinations(path: &std::path::Path) -> Vec<(String, usize)> {
    let output = Command::new("pdfinfo")
        .arg("-dests")
        .arg(path)
        .output()
        .unwrap();
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| {
            let page = line.split_whitespace().next()?.parse().ok()?;
            let name = line.rsplit_once(' ')?.1.trim_matches('"').to_string();
            Some((name, page))
        })
        .collect()
}

/// Every internal link as (page it is on, page it goes to), pages from 1, read with qpdf.
fn internal_links(path: &std::path::Path) -> Vec<(usize, usize)> {
    let output = Command::new("qpdf")
        .args(["--json=2", "--json-key=pages", "--json-key=qpdf"])
        .arg(path)
        .output()
        .expect("qpdf must be installed");
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let objects = &json["qpdf"][1];
    let object = |reference: &str| &objects[format!("obj:{reference}")]["value"];
    let page_of: std::collections::BTreeMap<String, usize> = json["pages"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
        .map(|(i, p)| (p["object"].as_str().unwrap().to_string(), i + 1))
        .collect();
    let named: std::collections::BTreeMap<String, usize> =
        named_destinations(path).into_iter().collect();
    let mut links = Vec::new();
    for (page, number) in &page_of {
        let annots = object(page)["/Annots"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        for annot in annots {
            let annot = match annot.as_str() {
                Some(reference) => object(reference).clone(),
                None => annot,
            };
            let dest = match &annot["/Dest"] {
                serde_json::Value::Null => annot["/A"]["/D"].clone(),
                dest => dest.clone(),
            };
            // A named destination (a string), a reference to an array, or an array.
            let target = match dest.as_str() {
                Some(name) if name.starts_with("u:") => named.get(&name[2..]).copied(),
                Some(reference) => object(reference)[0]
                    .as_str()
                    .and_then(|r| page_of.get(r).copied()),
                None => dest[0].as_str().and_then(|r| page_of.get(r).copied()),
            };
            if let Some(target) = target {
                links.push((*number, target));
            }
        }
    }
    links.sort_unstable();
    links
}

fn qpdf_check(path: &std::path::Path) {
    let output = Command::new("qpdf")
        .arg("--check")
        .arg(path)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "qpdf --check: {}",
        String::from_utf8_lossy(&output.stdout)
    );
}

#[test]
fn compendium_contents_cross_references_footers_and_links_give_the_right_pages() {
    let fixture = Fixture::sample();
    let run = fixture.run(&["build", "--pdf"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        !fixture.out().join("site").exists(),
        "--pdf builds only the PDFs"
    );
    let path = fixture.out().join("pdf/compendium.pdf");
    let pages = page_texts(&path);
    // The body is numbered from 1 after the cover and contents (roman).
    let first = pages.iter().position(|p| p.contains("Page 1 of ")).unwrap();
    let body = pages.len() - first;
    assert!(
        pages[1].contains("Contents") && pages[1].contains("Page ii"),
        "{}",
        pages[1]
    );
    for (i, page) in pages[first..].iter().enumerate() {
        let folio = format!("Page {} of {body}", i + 1);
        assert!(
            page.contains(&folio),
            "{folio} on page {}: {page}",
            first + i + 1
        );
    }
    let physical = |number: usize| first + number - 1;
    let contents = pages[1..first].join(" ");
    let titles = sample_titles(&fixture);
    let mut listed = Vec::new();
    for title in &titles {
        let number = contents_number(&contents, title)
            .unwrap_or_else(|| panic!("{title} in contents: {contents}"));
        assert!(
            pages[physical(number)].contains(title),
            "{title} is on page {number}"
        );
        listed.push(physical(number) + 1);
    }
    for (section, _) in [
        ("Timeline of all dossiers", 0),
        ("Network", 0),
        ("Index of entities", 0),
        ("Register of sources", 0),
    ] {
        let number = contents_number(&contents, section).unwrap();
        assert!(
            pages[physical(number)].starts_with(section)
                || pages[physical(number)].contains(section),
            "{section} on page {number}"
        );
        listed.push(physical(number) + 1);
    }
    // Every "(see p. N)" after a dossier's title sends to the page where that dossier starts.
    let mut checked = 0;
    for page in &pages[first..] {
        for (at, _) in page.match_indices("(see p. ") {
            let number: String = page[at + 8..]
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            let before = page[..at].trim_end();
            if let Some(title) = titles.iter().find(|t| before.ends_with(t.as_str())) {
                let number: usize = number.parse().unwrap();
                assert!(
                    pages[physical(number)].contains(title.as_str()),
                    "see p. {number} for {title}"
                );
                checked += 1;
            }
        }
    }
    assert!(
        checked >= 14,
        "related dossiers and the timeline cite pages ({checked})"
    );
    // Links from the contents go to the pages it lists.
    let links = internal_links(&path);
    let mut from_contents: Vec<usize> = links
        .iter()
        .filter(|(from, _)| (2..=first).contains(from))
        .map(|(_, to)| *to)
        .collect();
    from_contents.sort_unstable();
    // A line's title, leaders and number may be separate link areas.
    from_contents.dedup();
    listed.sort_unstable();
    assert_eq!(from_contents, listed, "contents links");
    assert!(
        links.iter().any(|(from, _)| *from > first),
        "links between chapters"
    );
    // Bookmarks and named destinations: each dossier's title, on its page.
    let raw = String::from_utf8_lossy(&std::fs::read(&path).unwrap()).into_owned();
    assert!(raw.contains("/Outlines"), "the PDF has bookmarks");
    let dests = named_destinations(&path);
    let ids = crate::support::files_under(&fixture.root().join("content/dossiers"));
    for (id, title) in ids.iter().zip(&titles) {
        let name = format!("d-{}", id.trim_end_matches(".md"));
        let page = dests
            .iter()
            .find(|(n, _)| *n == name)
            .unwrap_or_else(|| panic!("{name} in {dests:?}"))
            .1;
        assert!(
            pages[page - 1].contains(title.as_str()),
            "{name} on page {page}"
        );
    }
    qpdf_check(&path);
}

#[test]
fn compendium_index_lists_the_pages_of_mentions_and_stays_archival() {
    let fixture = Fixture::with(&[(
        "casefile.toml",
        "title = \"Desk\"\n[pdf]\nstandard = \"pdf/a-2b\"\n",
    )]);
    crate::support::write_corpus(&fixture, 3);
    let run = fixture.run(&["build", "--pdf"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let path = fixture.out().join("pdf/compendium.pdf");
    let pages = page_texts(&path);
    let first = pages.iter().position(|p| p.contains("Page 1 of ")).unwrap();
    // The layout keeps each entry on its line, the pages at its end.
    let output = Command::new("pdftotext")
        .args(["-layout", "-enc", "UTF-8"])
        .arg(&path)
        .arg("-")
        .output()
        .unwrap();
    let layout = String::from_utf8_lossy(&output.stdout).into_owned();
    let index = layout
        .split('\u{c}')
        .find(|p| p.contains("Index of entities") && p.contains("Entidad 0"))
        .unwrap();
    for i in 0..3 {
        let name = format!("Entidad {i} de Juárez");
        let line = index
            .lines()
            .find(|l| l.contains(&name))
            .unwrap_or_else(|| panic!("{name} in {index}"));
        let listed: Vec<usize> = line
            .rsplit("place")
            .next()
            .unwrap()
            .split([',', ' '])
            .filter_map(|n| n.parse().ok())
            .collect();
        assert!(!listed.is_empty(), "{name} lists its pages: {line}");
        for number in listed {
            let page = &pages[first + number - 1];
            assert!(
                page.contains(&format!("Case {i}")) && page.contains(&name),
                "{name}: page {number}"
            );
        }
    }
    let raw = String::from_utf8_lossy(&std::fs::read(&path).unwrap()).into_owned();
    assert!(
        raw.contains("pdfaid:part"),
        "PDF/A identification in the compendium"
    );
    qpdf_check(&path);
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
fn pdfs_are_tagged_unless_the_settings_say_otherwise() {
    let tagged = |fixture: &Fixture, name: &str| {
        let info = poppler("pdfinfo", &fixture.out().join("pdf").join(name));
        let line = info
            .lines()
            .find(|l| l.starts_with("Tagged:"))
            .unwrap_or_default();
        line.ends_with("yes")
    };
    let fixture = one_dossier(&[]);
    let run = fixture.run(&["build", "--pdf"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(tagged(&fixture, "case.pdf") && tagged(&fixture, "compendium.pdf"));
    fixture.write("casefile.toml", "[pdf]\ntagged = false\n");
    let run = fixture.run(&["build", "--pdf"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(!tagged(&fixture, "case.pdf") && !tagged(&fixture, "compendium.pdf"));
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
            "compendium/back-matter.typ",
            "compendium/chapter-case.typ",
            "compendium/chapter-other.typ",
            "compendium/front-matter.typ",
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
    let sources = [
        "case.typ",
        "other.typ",
        "compendium/chapter-case.typ",
        "compendium/back-matter.typ",
        "compendium/front-matter.typ",
        "compendium.typ",
    ];
    for name in sources {
        let source = std::fs::read_to_string(typ.join(name)).unwrap();
        assert!(
            source.contains("Text.") == (name.contains("case") || name == "compendium.typ"),
            "{name}"
        );
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
