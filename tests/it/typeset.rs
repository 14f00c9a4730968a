//! What `check` accepts, the PDFs typeset: language tags reach Typst as a language and a
//! region (and a tag Typst cannot take is refused at its `lang` line), Typst's warnings and
//! missing glyphs become build warnings naming the PDF, and heading labels do not collide.

use casefile::load::{Project, TextFile};
use casefile::model::Profile;
use casefile::render::pdf;
use casefile::resolve;
use serde_json::Value;

use crate::support::{json_lines, pdf_text, Fixture};

fn dossier(title: &str, front: &str, body: &str) -> String {
    format!("---\ntitle: {title}\ndate: 2019-06-10\n{front}---\n{body}\n")
}

#[test]
fn every_language_tag_check_accepts_builds_its_pdf() {
    let tags = [
        "es-419",
        "zh-Hant-TW",
        "sr-Latn-RS",
        "en-GB-oxendict",
        "de-CH-1996",
    ];
    let fixture = Fixture::with(&[("casefile.toml", "lang = \"es-419\"\n")]);
    for (i, tag) in tags.iter().enumerate() {
        fixture.write(
            &format!("content/dossiers/case-{i}.md"),
            &dossier(&format!("Case {i}"), &format!("lang: {tag}\n"), "Text."),
        );
    }
    let run = fixture.run(&["build"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    for (i, tag) in tags.iter().enumerate() {
        assert!(fixture.out().join(format!("pdf/case-{i}.pdf")).exists());
        let page = std::fs::read_to_string(
            fixture
                .out()
                .join(format!("site/dossiers/case-{i}/index.html")),
        )
        .unwrap();
        assert!(
            page.contains(&format!("<html lang=\"{tag}\"")),
            "the page keeps the whole tag {tag}"
        );
    }
    assert!(fixture.out().join("pdf/compendium.pdf").exists());
}

#[test]
fn a_pdf_is_set_in_the_language_and_two_letter_region_of_its_tag() {
    let file = |label: &str, text: String| TextFile {
        label: label.to_string(),
        text,
    };
    let project = Project {
        config: Some(file("casefile.toml", "lang = \"es-419\"\n".to_string())),
        dossiers: vec![file(
            "content/dossiers/case.md",
            dossier("Case", "lang: zh-Hant-TW\n", "Text."),
        )],
        ..Project::default()
    };
    let checked = resolve::check(&project);
    // Chinese has no interface strings: its words fall back to English, with a warning.
    let codes: Vec<_> = checked.diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(
        codes,
        [casefile::diagnostics::Code::LangFallback],
        "{:?}",
        checked.diagnostics
    );
    let profile = Profile {
        internal: false,
        drafts: false,
    };
    let site = resolve::build_site(&checked, profile);
    let briefing = pdf::briefing_source(&site, &site.dossiers[0]);
    assert!(
        briefing.contains("lang: \"zh\", region: \"TW\""),
        "{briefing}"
    );
    let parts = pdf::compendium::sources(&site);
    let (_, compendium) = parts
        .iter()
        .find(|(path, _)| path == "compendium/front-matter.typ")
        .expect("the compendium has front matter");
    assert!(
        compendium.contains("lang: \"es\", region: none"),
        "a numeric region is not passed: {compendium}"
    );
}

#[test]
fn a_language_typst_cannot_take_is_refused_at_its_lang_line() {
    let fixture = Fixture::with(&[
        ("casefile.toml", "title = \"T\"\nlang = \"i-klingon\"\n"),
        (
            "content/dossiers/case.md",
            &dossier("Case", "lang: x-klingon\n", "Text."),
        ),
    ]);
    let run = fixture.run(&["check", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let diags = json_lines::<Value>(&run.stdout);
    let at = |file: &str, line: u64, tag: &str| {
        diags.iter().any(|d| {
            d["file"] == file
                && d["line"] == line
                && d["severity"] == "error"
                && d["message"]
                    .as_str()
                    .is_some_and(|m| m.contains(&format!("`{tag}`")))
        })
    };
    assert!(at("casefile.toml", 2, "i-klingon"), "{diags:?}");
    assert!(at("content/dossiers/case.md", 4, "x-klingon"), "{diags:?}");
    let build = fixture.run(&["build", "--pdf"]);
    assert_eq!(build.code, 1, "{}", build.stderr);
    assert!(!build.stderr.contains("casefile.typ"), "{}", build.stderr);
}

#[test]
fn a_character_no_font_has_is_a_warning_naming_the_pdf() {
    let fixture = Fixture::with(&[(
        "content/dossiers/seal.md",
        &dossier("Seal", "", "The seal reads \u{20000} beside a \u{1F980}."),
    )]);
    let run = fixture.run(&["build", "--pdf"]);
    assert_eq!(
        run.code, 0,
        "a warning does not fail the build: {}",
        run.stderr
    );
    assert!(run.stderr.contains("warning"), "{}", run.stderr);
    assert!(run.stderr.contains("pdf/seal.pdf"), "{}", run.stderr);
    assert!(run.stderr.contains("U+1F980"), "{}", run.stderr);
    assert!(fixture.out().join("pdf/seal.pdf").exists());

    let json = fixture.run(&["build", "--pdf", "--format", "json"]);
    assert_eq!(json.code, 0, "{}", json.stderr);
    let glyphs: Vec<Value> = json_lines::<Value>(&json.stdout)
        .into_iter()
        .filter(|d| d["message"].as_str().is_some_and(|m| m.contains("U+20000")))
        .collect();
    let files: Vec<&str> = glyphs.iter().filter_map(|d| d["file"].as_str()).collect();
    assert_eq!(files, ["pdf/seal.pdf", "pdf/compendium.pdf"], "{glyphs:?}");
    assert!(glyphs.iter().all(|d| d["severity"] == "warning"));
}

#[test]
fn a_document_that_does_not_converge_is_a_warning_naming_the_pdf() {
    let fixture = Fixture::with(&[("content/dossiers/case.md", &dossier("Case", "", "Text."))]);
    let builtin =
        std::fs::read_to_string(crate::support::repo().join("templates/casefile.typ")).unwrap();
    // A counter set from its own final value never settles.
    let looping = builtin.replacen(
        "  body\n}",
        "  let runaway = counter(\"runaway\")\n  context runaway.update(runaway.final().first() + 1)\n  body\n}",
        1,
    );
    assert_ne!(looping, builtin, "the template's `setup` ends with `body`");
    fixture.write("templates/casefile.typ", &looping);
    let run = fixture.run(&["build", "--pdf"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let warnings: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.contains("did not converge"))
        .collect();
    assert!(!warnings.is_empty(), "{}", run.stderr);
    assert!(run.stderr.contains("pdf/case.pdf"), "{}", run.stderr);
    assert!(run.stderr.contains("pdf/compendium.pdf"), "{}", run.stderr);
    let once = warnings
        .iter()
        .filter(|l| l.contains("document did not converge"))
        .count();
    assert_eq!(once, 2, "once per PDF: {}", run.stderr);
}

/// The printed number of the page on which `needle` first appears in a PDF's text: the
/// "Page N of M" of its footer.
fn page_of(text: &str, needle: &str) -> usize {
    let page = text
        .split('\u{c}')
        .find(|page| page.contains(needle))
        .unwrap_or_else(|| panic!("`{needle}` in {text}"));
    page.split("Page ")
        .filter_map(|rest| rest.split_once(" of ")?.0.trim().parse().ok())
        .next()
        .unwrap_or_else(|| panic!("the page of `{needle}` has a footer: {page}"))
}

/// The page number a compendium cross-reference prints after `link`: "link (see p. N)".
fn page_cited(text: &str, link: &str) -> usize {
    let at = text
        .find(link)
        .unwrap_or_else(|| panic!("`{link}` in {text}"));
    text[at..]
        .split("see p.")
        .nth(1)
        .and_then(|rest| {
            let digits: String = rest
                .trim_start_matches([' ', '\u{a0}', '\n'])
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            digits.parse().ok()
        })
        .unwrap_or_else(|| panic!("`{link}` is followed by a page: {}", &text[at..]))
}

#[test]
fn ids_and_anchors_with_double_hyphens_link_to_their_own_headings() {
    let fixture = Fixture::with(&[
        (
            "content/dossiers/a--b.md",
            &dossier("First", "", "## Cedar heading {#c}\n\nText."),
        ),
        (
            "content/dossiers/a.md",
            &dossier("Second", "", "## Birch heading {#b--c}\n\nText."),
        ),
        (
            "content/dossiers/links.md",
            &dossier(
                "Links",
                "",
                "To [[a--b#c|the cedar]] and [[a#b--c|the birch]].",
            ),
        ),
    ]);
    let run = fixture.run(&["build", "--pdf"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let text = pdf_text(&fixture.out().join("pdf/compendium.pdf"));
    let cedar = page_of(&text, "Cedar heading");
    let birch = page_of(&text, "Birch heading");
    assert_ne!(cedar, birch, "each dossier starts a page: {text}");
    assert_eq!(page_cited(&text, "the cedar"), cedar, "{text}");
    assert_eq!(page_cited(&text, "the birch"), birch, "{text}");
}

#[test]
fn a_short_page_number_leaves_no_space_before_the_punctuation_after_it() {
    let fixture = Fixture::with(&[
        ("content/dossiers/first.md", &dossier("First", "", "Text.")),
        (
            "content/dossiers/second.md",
            &dossier("Second", "", "See [[first|the first]]; then more."),
        ),
    ]);
    let run = fixture.run(&["build", "--pdf"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let text = pdf_text(&fixture.out().join("pdf/compendium.pdf"));
    let page = page_cited(&text, "the first");
    assert!(page < 10, "a one-digit page in room for two: {page}");
    assert!(text.contains(&format!("{page});")), "{text}");
}
