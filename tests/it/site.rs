//! The site's content as a reader sees it: note numbering, backlinks, entity pages,
//! search index, sitemap and feed.

use crate::support::{files_under, Fixture};

const SOURCES: &str = "- id: report-a\n  title: Report A\n  publisher: Sedena\n  date: 2019-06\n  grade: B2\n  url: https://example.org/a\n- id: report-b\n  title: Report B\n";
const ENTITIES: &str = "- id: almoloya\n  name: Almoloya de Juárez\n  kind: place\n  aliases: [Almoloya]\n- id: sedena\n  name: Sedena\n  kind: government-agency\n";

const FIRST: &str = "---\ntitle: First case\ndate: 2019-06-10\nsummary: The *first* case.\ntags: [Arms Trafficking]\nentities:\n  - { id: sedena, role: source of arms }\ntimeline:\n  - date: 2019-05-31\n    event: An offer is made.\n    sources: [report-b]\n---\n\
## Findings\n\nA footnote first[^a], a citation[@report-a, p. 2], two at once[@report-a; @report-b, pp. 3-5], the footnote again[^a].\n\
See [[second]] and [[almoloya|the town]].\n\n[^a]: The footnote, citing [@report-b].\n";

const SECOND: &str = "---\ntitle: Second case\ndate: 2020\ntags: [arms trafficking]\n---\nNear [[almoloya]]; back to [[first#findings]].\n";

fn fixture(config: &str) -> Fixture {
    Fixture::with(&[
        ("casefile.toml", config),
        ("content/sources.yaml", SOURCES),
        ("content/entities.yaml", ENTITIES),
        ("content/dossiers/first.md", FIRST),
        ("content/dossiers/second.md", SECOND),
    ])
}

fn page(fixture: &Fixture, path: &str) -> String {
    std::fs::read_to_string(fixture.out().join("site").join(path))
        .unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn notes_are_numbered_in_order_of_first_reference_and_footnotes_reuse_their_number() {
    let fixture = fixture("");
    let run = fixture.run(&["build", "--site"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let html = page(&fixture, "dossiers/first/index.html");
    let refs: Vec<&str> = html
        .match_indices("href=\"#cf-note-")
        .map(|(i, _)| &html[i + 15..i + 16])
        .collect();
    assert_eq!(refs, ["1", "2", "3", "1"], "reference order in the body");
    let notes = &html[html
        .find("<section class=\"notes\"")
        .expect("notes section")..];
    let one =
        &notes[notes.find("id=\"cf-note-1\"").unwrap()..notes.find("id=\"cf-note-2\"").unwrap()];
    assert!(
        one.contains("The footnote, citing") && one.contains("(<em>Report B</em>)"),
        "a citation in a footnote is inline: {one}"
    );
    assert!(
        one.contains("href=\"#cf-ref-1\"") && one.contains("href=\"#cf-ref-1-2\""),
        "a note links back to every reference"
    );
    let two =
        &notes[notes.find("id=\"cf-note-2\"").unwrap()..notes.find("id=\"cf-note-3\"").unwrap()];
    assert!(
        two.contains("<em>Report A</em>, Sedena, June 2019, <a href=\"https://example.org/a\">https://example.org/a</a>, p. 2."),
        "{two}"
    );
    let three = &notes[notes.find("id=\"cf-note-3\"").unwrap()..];
    assert!(
        three.contains("<em>Report A</em>, Sedena, June 2019, <a href=\"https://example.org/a\">https://example.org/a</a>; <em>Report B</em>, pp. 3-5."),
        "{three}"
    );
}

#[test]
fn links_backlinks_entities_tags_and_timeline() {
    let fixture = fixture("");
    assert_eq!(fixture.run(&["build", "--site"]).code, 0);
    let first = page(&fixture, "dossiers/first/index.html");
    assert!(
        first.contains("<a href=\"../../dossiers/second/index.html\">Second case</a>"),
        "[[id]] takes the title"
    );
    assert!(
        first.contains("<a href=\"../../entities/almoloya/index.html\">the town</a>"),
        "[[id|text]] keeps the text"
    );
    assert!(
        first.contains("Referenced by") && first.contains("../../dossiers/second/index.html"),
        "backlink from second"
    );
    let second = page(&fixture, "dossiers/second/index.html");
    assert!(
        second.contains("href=\"../../dossiers/first/index.html#findings\""),
        "heading link"
    );
    let entity = page(&fixture, "entities/almoloya/index.html");
    assert!(
        entity.contains("First case") && entity.contains("Second case"),
        "mentions in body links count"
    );
    let sedena = page(&fixture, "entities/sedena/index.html");
    assert!(sedena.contains("role: source of arms"), "{sedena}");
    // Two spellings of one tag share a page (beside the index of tags).
    assert_eq!(
        files_under(&fixture.out().join("site/tags")),
        ["arms-trafficking/index.html", "index.html"]
    );
    let timeline = page(&fixture, "timeline/index.html");
    assert!(timeline.contains("31 May 2019") && timeline.contains("An offer is made."));
    let index = page(&fixture, "index.html");
    assert!(
        index.find("Second case").unwrap() < index.find("First case").unwrap(),
        "newest first (2020 before 2019)"
    );
    let sources = page(&fixture, "sources/index.html");
    assert!(sources.contains("id=\"src-report-a\"") && sources.contains("B2"));
}

#[test]
fn search_index_folds_accents_and_covers_entity_names_and_aliases() {
    let fixture = fixture("");
    assert_eq!(fixture.run(&["build", "--site"]).code, 0);
    let index = page(&fixture, "assets/search-index.js");
    assert!(index.starts_with("window.CASEFILE_SEARCH = "));
    let json: serde_json::Value = serde_json::from_str(
        index
            .trim_start_matches("window.CASEFILE_SEARCH = ")
            .trim_end()
            .trim_end_matches(';'),
    )
    .unwrap();
    let first = json
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["t"] == "First case")
        .unwrap();
    let words = first["k"].as_str().unwrap();
    assert!(
        words.contains("juarez") && words.contains("sedena"),
        "{words}"
    );
}

#[test]
fn sitemap_and_feed_only_with_a_base_url() {
    let without = fixture("");
    assert_eq!(without.run(&["build", "--site"]).code, 0);
    assert!(!without.out().join("site/sitemap.xml").exists());
    let with = fixture("base_url = \"https://example.org/dossiers\"\n");
    assert_eq!(with.run(&["build", "--site"]).code, 0);
    let sitemap = page(&with, "sitemap.xml");
    assert!(
        sitemap.contains("<loc>https://example.org/dossiers/dossiers/first/index.html</loc>"),
        "{sitemap}"
    );
    let feed = page(&with, "atom.xml");
    assert!(
        feed.contains("<feed xmlns=\"http://www.w3.org/2005/Atom\"")
            && feed.contains("<title>First case</title>"),
        "{feed}"
    );
    assert!(
        feed.contains("<updated>2019-06-10T00:00:00Z</updated>"),
        "dates from the content: {feed}"
    );
    assert!(page(&with, "404.html").contains("Page not found"));
}

#[test]
fn base_url_option_overrides_the_config_in_sitemap_and_feed_for_that_build_only() {
    let fixture = fixture("base_url = \"https://example.org/dossiers\"\n");
    let staging = "https://staging.example.net/preview";
    let run = fixture.run(&["build", "--site", "--base-url", staging]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let sitemap = page(&fixture, "sitemap.xml");
    assert!(
        sitemap
            .contains("<loc>https://staging.example.net/preview/dossiers/first/index.html</loc>")
            && !sitemap.contains("example.org"),
        "{sitemap}"
    );
    let feed = page(&fixture, "atom.xml");
    assert!(
        feed.contains("<id>https://staging.example.net/preview/</id>")
            && feed.contains("href=\"https://staging.example.net/preview/atom.xml\"")
            && !feed.contains("example.org"),
        "{feed}"
    );
    assert_eq!(fixture.run(&["build", "--site"]).code, 0);
    assert!(
        page(&fixture, "sitemap.xml")
            .contains("<loc>https://example.org/dossiers/index.html</loc>"),
        "a build without the option goes back to casefile.toml's base_url"
    );
}

#[test]
fn base_url_option_gives_a_site_without_base_url_its_sitemap_and_refuses_a_relative_url() {
    let fixture = fixture("");
    let run = fixture.run(&["build", "--site", "--base-url", "/preview/"]);
    assert_eq!(run.code, 2, "a usage error");
    assert!(
        run.stderr
            .contains("`/preview/` must be an absolute http or https URL"),
        "{}",
        run.stderr
    );
    assert!(!fixture.out().exists(), "nothing was built");
    let run = fixture.run(&["build", "--site", "--base-url", "http://localhost:8000"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(page(&fixture, "sitemap.xml").contains("<loc>http://localhost:8000/index.html</loc>"));
    assert!(
        page(&fixture, "atom.xml").contains("<link href=\"http://localhost:8000/index.html\"/>")
    );
}

#[test]
fn a_project_template_overrides_the_built_in_one() {
    let fixture = fixture("");
    fixture.write("templates/404.html", "{% extends \"base.html\" %}{% block content %}<p>Gone: {{ site.title }}</p>{% endblock content %}");
    assert_eq!(fixture.run(&["build", "--site"]).code, 0);
    assert!(page(&fixture, "404.html").contains("<p>Gone: Dossiers</p>"));
}

#[test]
fn init_makes_a_project_that_builds_and_new_adds_a_dossier() {
    let fixture = crate::support::Fixture::empty();
    let dir = fixture.root().join("desk");
    let mut init = std::process::Command::new(env!("CARGO_BIN_EXE_casefile"));
    init.arg("init").arg(&dir);
    assert_eq!(crate::support::run(init).code, 0);
    let mut new = std::process::Command::new(env!("CARGO_BIN_EXE_casefile"));
    new.args(["new", "second-case", "--root"]).arg(&dir);
    assert_eq!(crate::support::run(new).code, 0);
    assert!(dir.join("content/dossiers/second-case.md").exists());
    let mut check = std::process::Command::new(env!("CARGO_BIN_EXE_casefile"));
    check.args(["check", "--root"]).arg(&dir);
    let run = crate::support::run(check);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let mut again = std::process::Command::new(env!("CARGO_BIN_EXE_casefile"));
    again.args(["new", "second-case", "--root"]).arg(&dir);
    assert_eq!(crate::support::run(again).code, 2, "new never overwrites");
}

#[test]
fn init_ignores_everything_a_build_adds_to_the_project() {
    let fixture = crate::support::Fixture::empty();
    let dir = fixture.root().join("desk");
    std::fs::create_dir_all(&dir).expect("folder");
    std::fs::write(dir.join(".gitignore"), "*.swp\n").expect("an existing .gitignore");
    let mut init = std::process::Command::new(env!("CARGO_BIN_EXE_casefile"));
    init.arg("init").arg(&dir);
    assert_eq!(crate::support::run(init).code, 0);
    let ignore = std::fs::read_to_string(dir.join(".gitignore")).expect(".gitignore");
    let lines: Vec<&str> = ignore.lines().collect();
    assert_eq!(
        lines,
        [
            "*.swp",
            "output/",
            "output-internal/",
            ".casefile-cache/",
            ".output.lock",
            ".output-internal.lock"
        ],
        "existing lines are kept"
    );
    let mut build = std::process::Command::new(env!("CARGO_BIN_EXE_casefile"));
    build.args(["build", "--root"]).arg(&dir);
    let run = crate::support::run(build);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let tracked = ["casefile.toml", "content", ".gitignore"];
    for entry in std::fs::read_dir(&dir).expect("read the project") {
        let name = entry
            .expect("entry")
            .file_name()
            .to_string_lossy()
            .into_owned();
        if !tracked.contains(&name.as_str()) {
            assert!(
                lines.contains(&format!("{name}/").as_str()) || lines.contains(&name.as_str()),
                "the build added `{name}`, which .gitignore does not list"
            );
        }
    }
    assert!(dir.join(".casefile-cache").is_dir() && dir.join("output").is_dir());
}

#[test]
fn a_source_cited_only_inside_a_footnote_is_listed_with_the_dossier_sources() {
    let fixture = Fixture::with(&[
        ("content/sources.yaml", SOURCES),
        (
            "content/dossiers/only.md",
            "---\ntitle: Only in a note\ndate: 2019\n---\nText[^n] and [@report-a].\n\n[^n]: Per [@report-b].\n",
        ),
    ]);
    assert_eq!(fixture.run(&["build", "--site"]).code, 0);
    let html = page(&fixture, "dossiers/only/index.html");
    let sources = &html[html
        .find("id=\"sources-heading\"")
        .expect("sources section")..];
    assert!(sources.contains("Report B"), "{sources}");
    let register = page(&fixture, "sources/index.html");
    let b = &register[register.find("id=\"src-report-b\"").unwrap()..];
    assert!(b.contains("Only in a note"), "cited by the dossier");
}

#[test]
fn heading_attributes_cannot_add_markup_and_anchors_stay_unique() {
    let fixture = Fixture::with(&[
        ("content/entities.yaml", "\u{feff}- id: place\n  name: Place\n  kind: place\n"),
        (
            "content/dossiers/a.md",
            "---\ntitle: A\ndate: 2019\nentities: [place]\n---\n## Main\n\n## C {#x onclick=alert(1) style=color:red .cls}\n\n## cf-note-1\n\n\
             Mail <press@sedena.gob.mx> and a note[^Case].\n\n[^case]: The note.\n",
        ),
        ("templates/style.css", "body { color: rebeccapurple; }\n"),
    ]);
    let run = fixture.run(&["build", "--site"]);
    assert_eq!(
        run.code, 0,
        "a BOM in entities.yaml and a footnote label in other case are fine:\n{}",
        run.stderr
    );
    let html = page(&fixture, "dossiers/a/index.html");
    assert!(
        html.contains("<h2 id=\"x\">") && !html.contains("onclick") && !html.contains("color:red"),
        "{html}"
    );
    assert_eq!(
        html.matches("id=\"main\"").count(),
        1,
        "a heading never takes the page's own ids"
    );
    assert_eq!(html.matches("id=\"cf-note-1\"").count(), 1);
    assert!(
        html.contains("href=\"mailto:press@sedena.gob.mx\""),
        "e-mail autolinks are kept"
    );
    assert!(
        page(&fixture, "assets/style.css").contains("rebeccapurple"),
        "templates/style.css replaces the built-in one"
    );
}

#[test]
fn entity_descriptions_are_checked_and_link_only_to_pages_that_exist() {
    let entities = "- id: shown\n  name: Shown\n  kind: place\n  description: Near [[hidden]] and [[nowhere]], per [@nosrc].\n\
                    - id: hidden\n  name: Hidden\n  kind: place\n";
    let fixture = Fixture::with(&[
        ("content/entities.yaml", entities),
        (
            "content/dossiers/a.md",
            "---\ntitle: A\ndate: 2019\nentities: [shown]\n---\nText.\n",
        ),
    ]);
    let run = fixture.run(&["check"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("unknown id `nowhere`")
            && run.stderr.contains("unknown source `nosrc`"),
        "{}",
        run.stderr
    );
    fixture.write(
        "content/entities.yaml",
        &entities.replace(" and [[nowhere]], per [@nosrc]", ""),
    );
    assert_eq!(fixture.run(&["build", "--site"]).code, 0);
    let html = page(&fixture, "entities/shown/index.html");
    assert!(
        html.contains("Near Hidden") && !html.contains("entities/hidden/"),
        "no link to a page that is not built: {html}"
    );
}

#[test]
fn wide_tables_and_code_scroll_in_named_focusable_boxes_and_bare_addresses_are_links() {
    let fixture = Fixture::with(&[(
        "content/dossiers/case.md",
        "---\ntitle: Case\ndate: 2020-01-02\n---\n| a | b |\n|---|---|\n| 1 | 2 |\n\n```\ncode https://example.org/in-code\n```\n\n- [x] Done thing\n- [ ] Open thing\n\nSee https://example.org/a/b.html. And [a link](https://example.org/c).\n",
    )]);
    let run = fixture.run(&["build", "--site"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let html = page(&fixture, "dossiers/case/index.html");
    assert!(
        html.contains(
            "<div class=\"scroll\" tabindex=\"0\" role=\"region\" aria-label=\"Table\">\n<table>"
        ),
        "{html}"
    );
    assert!(
        html.contains(
            "<div class=\"scroll\" tabindex=\"0\" role=\"region\" aria-label=\"Code\">\n<pre>"
        ),
        "{html}"
    );
    assert!(html.contains("checked aria-label=\"Done\">"), "{html}");
    assert!(html.contains("disabled aria-label=\"Not done\">"), "{html}");
    assert!(
        html.contains(
            "See <a href=\"https://example.org/a/b.html\">https://example.org/a/b.html</a>."
        ),
        "{html}"
    );
    assert!(
        !html.contains("href=\"https://example.org/in-code\""),
        "code stays code: {html}"
    );
}

#[test]
fn entities_and_tags_have_index_pages_linked_from_every_page() {
    let fixture = Fixture::sample();
    let run = fixture.run(&["build", "--site"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let entities = page(&fixture, "entities/index.html");
    assert!(
        entities.contains("<h2 id=\"kind-person\">People</h2>"),
        "{entities}"
    );
    assert!(
        entities.contains("<a href=\"../entities/sedena/index.html\">Sedena</a>"),
        "{entities}"
    );
    assert!(entities.contains("8 dossiers"), "{entities}");
    let tags = page(&fixture, "tags/index.html");
    assert!(
        tags.contains("href=\"../tags/arms-trafficking/index.html\">arms-trafficking</a>"),
        "{tags}"
    );
    let dossier = page(&fixture, "dossiers/tejupilco-grenade-sales/index.html");
    assert!(dossier.contains("href=\"../../entities/index.html\">Entities</a>"));
    assert!(dossier.contains("href=\"../../tags/index.html\">Tags</a>"));
}

#[test]
fn a_dossier_page_describes_itself_with_its_summary_and_a_canonical_address() {
    let fixture = Fixture::with(&[
        (
            "casefile.toml",
            "title = \"Desk\"\ndescription = \"The desk's dossiers.\"\nbase_url = \"https://example.org/desk/\"\n",
        ),
        (
            "content/dossiers/case.md",
            "---\ntitle: The case\ndate: 2020-01-02\nsummary: What the case is about.\n---\nText.\n",
        ),
    ]);
    assert_eq!(fixture.run(&["build", "--site"]).code, 0);
    let html = page(&fixture, "dossiers/case/index.html");
    for expected in [
        "<meta name=\"description\" content=\"What the case is about.\">",
        "<meta property=\"og:title\" content=\"The case\">",
        "<meta property=\"og:type\" content=\"article\">",
        "<meta property=\"og:url\" content=\"https://example.org/desk/dossiers/case/\">",
    ] {
        assert!(html.contains(expected), "`{expected}` in {html}");
    }
    let index = page(&fixture, "index.html");
    assert!(
        index.contains("<meta name=\"description\" content=\"The desk&#39;s dossiers.\">"),
        "{index}"
    );
    assert!(index.contains("<meta property=\"og:url\" content=\"https://example.org/desk/\">"));
    // Every link of the site is relative, as the format requires: no `<link rel=canonical>`.
    assert!(!html.contains("rel=\"canonical\""), "{html}");

    assert_eq!(fixture.run(&["build", "--site", "--internal"]).code, 0);
    let internal =
        std::fs::read_to_string(fixture.internal_out().join("site/dossiers/case/index.html"))
            .unwrap();
    assert!(
        !internal.contains("og:url"),
        "an internal page names no public address"
    );
}

#[test]
fn a_link_into_a_page_names_the_heading_it_points_to() {
    let fixture = Fixture::with(&[
        (
            "content/dossiers/target.md",
            "---\ntitle: The target\ndate: 2020-01-02\n---\n## Background  facts\n\nText.\n",
        ),
        (
            "content/dossiers/source.md",
            "---\ntitle: Source\ndate: 2020-01-03\n---\nSee [[target#background-facts]] and [[target#background-facts|this]].\n",
        ),
    ]);
    assert_eq!(fixture.run(&["build", "--site"]).code, 0);
    let html = page(&fixture, "dossiers/source/index.html");
    assert!(
        html.contains(">The target › Background facts</a>"),
        "{html}"
    );
    assert!(html.contains("#background-facts\">this</a>"), "{html}");
}

#[test]
fn a_citation_note_ends_with_its_locator_even_when_the_source_has_a_url() {
    let fixture = Fixture::with(&[
        (
            "content/sources.yaml",
            "- id: full\n  title: Full Source\n  publisher: Pub Co\n  url: https://full.example/a\n",
        ),
        (
            "content/dossiers/case.md",
            "---\ntitle: Case\ndate: 2020-01-02\n---\nOne [@full, p. 4].\n",
        ),
    ]);
    assert_eq!(fixture.run(&["build"]).code, 0);
    let html = page(&fixture, "dossiers/case/index.html");
    let note = html
        .split("id=\"cf-note-1\"")
        .nth(1)
        .and_then(|rest| rest.split("</li>").next())
        .expect("note 1");
    let url = note.find("https://full.example/a").expect("the URL");
    let locator = note.find("p. 4").expect("the locator");
    assert!(url < locator, "the locator ends the note: {note}");
    let pdf = crate::support::pdf_text(&fixture.out().join("pdf/case.pdf"));
    let joined = pdf.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        joined.contains("https://full.example/a, p. 4"),
        "the briefing's note too: {joined}"
    );
}
