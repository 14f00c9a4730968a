//! The evidence panel, the desk page, the network and the timeline chart: what they count
//! and draw, that they draw the same bytes twice, and that a public build's drawings and
//! panels carry nothing restricted or confidential.

use crate::support::Fixture;

const SOURCES: &str = "\
- id: news-a
  title: News A
  kind: news
  grade: B2
  date: 2019-06
- id: leak-b
  title: Leak B
  kind: leaked-document
  grade: E5
  date: 2021-03-02
- id: secret-c
  title: Canary Informant
  kind: interview
  grade: A1
  date: 2023-01-01
  confidential: true
- id: plain-d
  title: Plain D
  kind: report
  date: 2018
";

const ENTITIES: &str = "\
- id: sedena
  name: Sedena
  kind: government-agency
- id: cjng
  name: CJNG
  kind: criminal-group
- id: almoloya
  name: Almoloya de Juárez
  kind: place
- id: canary-general
  name: General Canarywood
  kind: person
  classification: restricted
";

const FIRST: &str = "---
title: First case
date: 2020-02-01
status: corroborated
confidence: high
entities:
  - { id: sedena, role: source of arms }
  - { id: cjng, role: buyer }
  - { id: canary-general, role: intermediary }
timeline:
  - date: 2019-05
    event: An offer is made.
  - date: 2019-06-10
    event: The arms move.
---
Claim one [@news-a].

Bare claim.

- item cited [@leak-b]
- item bare

An informant says so [@secret-c]. See also [@plain-d].

## Open questions

- Who paid
";

const SECOND: &str = "---
title: Second case
date: 2021
confidence: low
entities:
  - { id: cjng, role: seller }
  - { id: almoloya }
timeline:
  - date: 2020
    event: A year of sales.
---
Nothing here is cited.
";

const CANARY: &str = "---
title: Canary Operation File
date: 2022-01-01
classification: restricted
entities:
  - { id: sedena, role: Canary role }
  - { id: canary-general, role: commander }
timeline:
  - date: 2021-01-01
    event: Canary event.
---
Canary text [@news-a].
";

/// Words that only restricted or confidential material carries.
const CANARIES: &[&str] = &["Canary", "canary"];

fn fixture() -> Fixture {
    Fixture::with(&[
        ("casefile.toml", "title = \"Charts\"\n"),
        ("content/sources.yaml", SOURCES),
        ("content/entities.yaml", ENTITIES),
        ("content/dossiers/first.md", FIRST),
        ("content/dossiers/second.md", SECOND),
        ("content/dossiers/canary.md", CANARY),
    ])
}

fn built(internal: bool) -> Fixture {
    let fixture = fixture();
    let args: &[&str] = if internal {
        &["build", "--site", "--internal"]
    } else {
        &["build", "--site"]
    };
    let run = fixture.run(args);
    assert_eq!(run.code, 0, "{}", run.stderr);
    fixture
}

fn page(fixture: &Fixture, internal: bool, path: &str) -> String {
    let out = if internal {
        fixture.internal_out()
    } else {
        fixture.out()
    };
    std::fs::read_to_string(out.join("site").join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The part of `html` from the element that starts with `start` to the next `end`.
fn between<'a>(html: &'a str, start: &str, end: &str) -> &'a str {
    let from = html
        .find(start)
        .unwrap_or_else(|| panic!("no {start} in the page"));
    let rest = &html[from..];
    &rest[..rest.find(end).map_or(rest.len(), |i| i + end.len())]
}

#[test]
fn the_evidence_panel_counts_sources_grades_claims_and_dates() {
    let fixture = built(false);
    let html = page(&fixture, false, "dossiers/first/index.html");
    let panel = between(&html, "<section class=\"evidence\"", "</section>");
    // Five claims (the open question is exempt), three of them cite.
    assert!(
        panel.contains("3 of 5 claims cite a source (60 %)"),
        "{panel}"
    );
    // Four sources; the confidential one is counted, not described.
    assert!(panel.contains("<dd>4 (1 confidential)</dd>"), "{panel}");
    assert!(
        panel.contains("leaked document 1 · news 1 · report 1"),
        "{panel}"
    );
    assert!(panel.contains(">B2</abbr> 1 · "), "{panel}");
    assert!(panel.contains(">E5</abbr> 1 · ungraded 1"), "{panel}");
    assert!(
        panel.contains(">2018</time> – <time datetime=\"2021-03-02\">2 March 2021</time>"),
        "the confidential source's 2023 is not shown: {panel}"
    );
    assert!(
        !panel.contains("A1") && !panel.contains("interview"),
        "{panel}"
    );
    let second = page(&fixture, false, "dossiers/second/index.html");
    assert!(second.contains("0 of 1 claims cite a source (0 %)"));
}

#[test]
fn the_index_cards_carry_what_the_sort_and_filters_read() {
    let fixture = built(false);
    let html = page(&fixture, false, "index.html");
    assert!(
        html.contains("id=\"sorter\" hidden"),
        "hidden without script"
    );
    let cards: Vec<&str> = html
        .match_indices("<article class=\"card")
        .map(|(i, _)| &html[i..i + html[i..].find('>').unwrap()])
        .collect();
    assert_eq!(cards.len(), 2);
    // The default order is the site's: newest first.
    assert!(
        cards[0].contains("data-status=\"alleged\" data-confidence=\"low\" data-coverage=\"0\"")
    );
    assert!(cards[1]
        .contains("data-status=\"corroborated\" data-confidence=\"high\" data-coverage=\"60\""));
}

#[test]
fn the_desk_is_only_in_internal_builds_and_lists_the_weakest_first() {
    let public = built(false);
    assert!(!public.out().join("site/desk/index.html").exists());
    assert!(!page(&public, false, "index.html").contains("desk/index.html"));
    let internal = built(true);
    let desk = page(&internal, true, "desk/index.html");
    assert!(desk.contains("<meta name=\"robots\" content=\"noindex\">"));
    assert!(page(&internal, true, "index.html").contains("href=\"desk/index.html\""));
    let order: Vec<usize> = ["Second case", "First case", "Canary Operation File"]
        .iter()
        .map(|t| desk.find(t).unwrap_or_else(|| panic!("{t} on the desk")))
        .collect();
    // Second: 0 % cited; first: 60 %; the restricted file: 100 %.
    assert!(order[0] < order[1] && order[1] < order[2], "{order:?}");
}

/// Every `<title>` of the drawing's lines: the links it draws.
fn drawn_links(svg: &str) -> Vec<String> {
    svg.split("<line ")
        .skip(1)
        .map(|line| between(line, "<title>", "</title>").to_string())
        .map(|t| t["<title>".len()..t.len() - "</title>".len()].to_string())
        .collect()
}

/// The items of the list beside the drawing, their tags removed.
fn listed_links(html: &str) -> Vec<String> {
    let list = between(html, "<ul class=\"network-links\">", "</ul>");
    list.split("<li>")
        .skip(1)
        .map(|item| {
            let item = item.split("</li>").next().unwrap_or("");
            let mut text = String::new();
            let mut in_tag = false;
            for c in item.chars() {
                match c {
                    '<' => in_tag = true,
                    '>' => in_tag = false,
                    c if !in_tag => text.push(c),
                    _ => {}
                }
            }
            text
        })
        .collect()
}

#[test]
fn the_network_page_lists_the_links_its_drawing_draws() {
    let fixture = built(false);
    let html = page(&fixture, false, "network/index.html");
    let svg = between(&html, "<svg", "</svg>");
    assert!(
        svg.contains("<title id=\"network-title\">Network of 3 entities and 2 dossiers</title>")
    );
    let drawn = drawn_links(svg);
    assert_eq!(
        drawn,
        [
            "Second case — Almoloya de Juárez",
            "Second case — CJNG: seller",
            "First case — CJNG: buyer",
            "First case — Sedena: source of arms",
        ]
    );
    assert_eq!(listed_links(&html), drawn);
    for node in ["dossiers/first/index.html", "entities/cjng/index.html"] {
        assert!(svg.contains(&format!("<a href=\"../{node}\">")), "{node}");
    }
}

#[test]
fn an_entity_page_draws_its_neighbourhood() {
    let fixture = built(false);
    let html = page(&fixture, false, "entities/almoloya/index.html");
    let svg = between(&html, "<svg", "</svg>");
    // Almoloya is named only in the second case, with CJNG.
    assert_eq!(
        drawn_links(svg),
        [
            "Second case — Almoloya de Juárez",
            "Second case — CJNG: seller"
        ]
    );
    assert!(!svg.contains("First case"));
}

#[test]
fn a_public_build_draws_and_counts_nothing_restricted_or_confidential() {
    let fixture = built(false);
    let site = fixture.out().join("site");
    let mut seen = 0;
    for path in crate::support::files_under(&site) {
        if !path.ends_with(".html") {
            continue;
        }
        let html = std::fs::read_to_string(site.join(&path)).unwrap();
        for part in html.split("<svg").skip(1) {
            seen += 1;
            for canary in CANARIES {
                assert!(!part.contains(canary), "{path} draws {canary}");
            }
        }
        if let Some(at) = html.find("<section class=\"evidence\"") {
            let panel = between(&html[at..], "<section", "</section>");
            for canary in CANARIES {
                assert!(!panel.contains(canary), "{path}'s panel names {canary}");
            }
        }
    }
    assert!(seen >= 3, "drawings found: {seen}");
    // The internal build draws them: the test looks at the right places.
    let internal = built(true);
    let network = page(&internal, true, "network/index.html");
    assert!(network.contains("General Canarywood") && network.contains("Canary Operation File"));
}

#[test]
fn two_builds_draw_the_same_bytes() {
    let drawings = |fixture: &Fixture| -> Vec<String> {
        [
            "network/index.html",
            "entities/cjng/index.html",
            "timeline/index.html",
        ]
        .iter()
        .flat_map(|p| {
            let html = page(fixture, false, p);
            html.split("<svg")
                .skip(1)
                .map(|s| s.split("</svg>").next().unwrap_or("").to_string())
                .collect::<Vec<_>>()
        })
        .collect()
    };
    let first = drawings(&built(false));
    assert!(first.len() >= 2, "{}", first.len());
    assert_eq!(first, drawings(&built(false)));
}

#[test]
fn the_timeline_chart_has_a_mark_per_event_linking_to_its_dossier() {
    let fixture = built(false);
    let html = page(&fixture, false, "timeline/index.html");
    let svg = between(&html, "<svg", "</svg>");
    let marks: Vec<&str> = svg.split("<a href=\"").skip(1).collect();
    // Three public events; the restricted file's is not drawn.
    assert_eq!(marks.len(), 3, "{svg}");
    let to = |mark: &str| mark.split('"').next().unwrap_or("").to_string();
    assert_eq!(
        marks.iter().map(|m| to(m)).collect::<Vec<_>>(),
        [
            "../dossiers/first/index.html",
            "../dossiers/first/index.html",
            "../dossiers/second/index.html"
        ]
    );
    // Partial dates are spans, a full date a dot.
    assert!(marks[0].starts_with("../dossiers/first/index.html\"><rect"));
    assert!(marks[0].contains("<title>May 2019 — First case: An offer is made.</title>"));
    assert!(marks[1].contains("\"><circle"));
    assert!(marks[2].contains("\"><rect"));
    assert!(!svg.contains("Canary"));
}

#[test]
fn the_public_compendium_draws_the_network_and_the_chart_without_restricted_items() {
    let fixture = fixture();
    let run = fixture.run(&["build", "--pdf"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let text = crate::support::pdf_text(&fixture.out().join("pdf/compendium.pdf"));
    assert!(
        text.contains("Figure 1: Events over time, one lane per dossier"),
        "{text}"
    );
    assert!(
        text.contains("Figure 2: The network of entities and dossiers"),
        "{text}"
    );
    // The drawings' labels are text in the PDF.
    assert!(text.contains("Almoloya de Juárez") && text.contains("CJNG"));
    for canary in CANARIES {
        assert!(!text.contains(canary), "the compendium shows {canary}");
    }
}

#[test]
fn a_dossier_and_its_translation_are_drawn_once() {
    let fixture = Fixture::with(&[
        ("content/entities.yaml", ENTITIES),
        (
            "content/dossiers/case.md",
            "---\ntitle: The case\ndate: 2020-01-02\nentities: [sedena, cjng]\n---\nText.\n",
        ),
        (
            "content/dossiers/caso.md",
            "---\ntitle: El caso\ndate: 2020-01-03\nlang: es\ntranslation_of: case\nentities: [sedena, cjng]\n---\nTexto.\n",
        ),
    ]);
    let run = fixture.run(&["build", "--site"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let network = std::fs::read_to_string(fixture.out().join("site/network/index.html")).unwrap();
    assert!(
        network.contains("The case"),
        "the original is drawn: {network}"
    );
    assert!(
        !network.contains("El caso"),
        "its translation, in another language than the site's, is not: {network}"
    );
}
