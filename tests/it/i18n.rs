//! Languages: a Spanish dossier's page and PDF are written in Spanish words and dates while an
//! English dossier on the same site keeps English; translations link both ways (and never to
//! what the build leaves out); printed URLs copy intact in both languages; a language
//! without strings falls back to English with a warning.

use std::path::Path;
use std::process::Command;
use std::sync::LazyLock;

use serde_json::Value;

use crate::support::{decode_entities, Fixture};

const SPANISH: &str = "---
title: Venta de granadas en Tejupilco
date: 2019-06-10
updated: 2019-07
lang: es-MX
translation_of: grenades
status: corroborated
confidence: high
draft: false
authors: [Mesa de investigación]
tags: [armas]
entities:
  - { id: army, role: proveedor }
sources:
  - id: nota
    title: Nota de prensa sobre las granadas
    kind: news
    publisher: Diario
    date: 2019-06-11
    url: https://example.org/noticias/2019/06/una-ruta-muy-larga-con-guiones-para-que-se-parta-la-linea/articulo-completo-con-mas-guiones.html
    grade: B2
timeline:
  - date: 2019-05
    event: Se ofrecen granadas a la célula.
    sources: [nota, informante]
---
## Lo que dice la nota

La nota[@nota, p. 2] y una fuente[@informante] hablan del [[army]] y de [[secret-case]].
Véase <https://example.org/otra-ruta/con-guiones-y-mas-guiones-para-romper/la-linea-larga-del-texto.html>.
";

const ENGLISH: &str = "---
title: Grenade sales in Tejupilco
date: 2019-06-10
status: corroborated
confidence: high
tags: [arms]
entities:
  - { id: army, role: supplier }
sources:
  - id: note
    title: Press note on the grenades
    kind: leaked-document
    date: 2019-06-11
    url: https://example.org/news/2019/06/a-very-long-path-with-hyphens-so-that-the-line-must-break/the-full-article-with-more-hyphens.html
timeline:
  - date: 2019-05
    event: Grenades are offered to the cell.
    sources: [note]
---
The note[@note, p. 2] speaks of the [[army]].
";

const SECRET: &str = "---
title: Secret matter
date: 2019-01-01
classification: restricted
---
Text.
";

const SECRET_TRANSLATION: &str = "---
title: Asunto reservado traducido
date: 2019-01-02
lang: es
translation_of: secret-case
---
Texto.
";

const ENTITIES: &str = "- id: army
  name: Ejército
  kind: military-unit
";

const SOURCES: &str = "- id: informante
  title: Informant
  kind: interview
  confidential: true
";

/// English interface words a Spanish page or PDF must not show (none of them appears in the
/// fixture's Spanish text or in the title of its English translation, which the Spanish page
/// names).
const ENGLISH_WORDS: &[&str] = &[
    "Notes",
    "Sources",
    "Timeline",
    "Download the PDF briefing",
    "Facts",
    "Status",
    "Confidence",
    "confidence",
    "Reported",
    "Who and where",
    "Tags",
    "Related",
    "Skip to content",
    "Search dossiers",
    "Search results",
    "Dossiers",
    "built with casefile",
    "Back to note",
    "Confidential source",
    "[withheld]",
    "corroborated",
    "high",
    "military unit",
    "news",
    "grade",
    "updated",
    "By ",
    "June",
    "May 2019",
    "July",
    "Page",
    " of ",
    "In English",
];

/// Spanish words the same page and PDF show instead.
const SPANISH_WORDS: &[&str] = &[
    "Notas",
    "Fuentes",
    "Cronología",
    "Publicado",
    "Quién y dónde",
    "unidad militar",
    "Fuente confidencial",
    "[reservado]",
    "10 de junio de 2019",
    "11 de junio de 2019",
    "mayo de 2019",
    "In English",
];

/// One public build of a site in English with a Spanish translation, shared by the tests.
static BUILT: LazyLock<Fixture> = LazyLock::new(|| {
    let fixture = Fixture::with(&[
        ("casefile.toml", "title = \"Casos\"\nlang = \"en\"\n"),
        ("content/entities.yaml", ENTITIES),
        ("content/sources.yaml", SOURCES),
        ("content/dossiers/granadas.md", SPANISH),
        ("content/dossiers/grenades.md", ENGLISH),
        ("content/dossiers/secret-case.md", SECRET),
        ("content/dossiers/secreto.md", SECRET_TRANSLATION),
    ]);
    let run = fixture.run(&["build"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    fixture
});

fn page(fixture: &Fixture, path: &str) -> String {
    std::fs::read_to_string(fixture.out().join("site").join(path))
        .unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// What a reader sees of a page: its text without tags, and the words of the attributes
/// read out or shown (`aria-label`, `placeholder`, `title`).
fn seen(html: &str) -> String {
    let mut text = String::new();
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        text.push_str(&rest[..open]);
        let Some(close) = rest[open..].find('>') else {
            break;
        };
        let tag = &rest[open..open + close];
        for attr in ["aria-label=\"", "placeholder=\"", "title=\""] {
            if let Some(at) = tag.find(attr) {
                let value = &tag[at + attr.len()..];
                text.push(' ');
                text.push_str(&value[..value.find('"').unwrap_or(value.len())]);
                text.push(' ');
            }
        }
        text.push(' ');
        rest = &rest[open + close + 1..];
    }
    text.push_str(rest);
    decode_entities(&text)
}

/// The text of a PDF as `pdftotext -raw` gives it: in reading order, a line per printed line.
fn pdf_raw_text(path: &Path) -> String {
    let output = Command::new("pdftotext")
        .args(["-raw", "-enc", "UTF-8"])
        .arg(path)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) must be installed");
    assert!(
        output.status.success(),
        "pdftotext failed on {}",
        path.display()
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn assert_words(what: &str, text: &str, absent: &[&str], present: &[&str]) {
    let shown: Vec<&&str> = absent.iter().filter(|w| text.contains(**w)).collect();
    assert!(
        shown.is_empty(),
        "{what} shows English words {shown:?}:\n{text}"
    );
    let missing: Vec<&&str> = present.iter().filter(|w| !text.contains(**w)).collect();
    assert!(missing.is_empty(), "{what} lacks {missing:?}:\n{text}");
}

#[test]
fn a_spanish_dossier_page_uses_spanish_words_and_dates_only() {
    let html = page(&BUILT, "dossiers/granadas/index.html");
    assert!(html.contains("<html lang=\"es-MX\">"));
    // "In English" is the link to the translation, in the language it leads to.
    let absent: Vec<&str> = ENGLISH_WORDS
        .iter()
        .copied()
        .filter(|w| *w != "In English")
        .collect();
    let mut present = SPANISH_WORDS.to_vec();
    present.extend([
        "corroborado",
        "Descargar el informe en PDF",
        "Datos",
        "Estado",
        "Confianza",
        "alta",
        "Etiquetas",
        "noticia",
        "grado",
        "actualizado",
        "julio de 2019",
        "Por Mesa de investigación",
        "Saltar al contenido",
        "Buscar expedientes",
        "Volver a la nota 1 en el texto",
    ]);
    assert_words("the Spanish page", &seen(&html), &absent, &present);
}

#[test]
fn a_spanish_briefing_uses_spanish_words_and_dates_and_its_metadata_language_is_spanish() {
    let path = BUILT.out().join("pdf/granadas.pdf");
    let text = pdf_raw_text(&path);
    let absent: Vec<&str> = ENGLISH_WORDS
        .iter()
        .copied()
        .filter(|w| *w != "In English")
        .collect();
    // Notes are footnotes in a PDF: no "Notas" heading.
    let mut present: Vec<&str> = SPANISH_WORDS
        .iter()
        .copied()
        .filter(|w| *w != "Notas")
        .collect();
    present.extend([
        "Página 1 de",
        "CORROBORADO",
        "CONFIANZA: ALTA",
        "Etiquetas",
        "GRADO B2",
        "actualizado julio de 2019",
    ]);
    assert_words("the Spanish briefing", &text, &absent, &present);
    let bytes = std::fs::read(&path).unwrap();
    let lang = b"/Lang(es-MX)";
    assert!(
        bytes.windows(lang.len()).any(|w| w == lang),
        "the briefing's catalog does not say Spanish"
    );
}

#[test]
fn an_english_dossier_on_the_same_site_keeps_english() {
    let html = seen(&page(&BUILT, "dossiers/grenades/index.html"));
    for word in [
        "Notes",
        "Sources",
        "Timeline",
        "Download the PDF briefing",
        "10 June 2019",
        "May 2019",
        "corroborated",
        "leaked document",
        "military unit",
        "En español",
    ] {
        assert!(
            html.contains(word),
            "the English page lacks {word:?}:\n{html}"
        );
    }
    for word in ["Notas", "Fuentes", "Cronología", "de junio de"] {
        assert!(!html.contains(word), "the English page shows {word:?}");
    }
    let text = pdf_raw_text(&BUILT.out().join("pdf/grenades.pdf"));
    for word in [
        "Sources",
        "Timeline",
        "Reported 10 June 2019",
        "Page 1 of",
        "En español",
    ] {
        assert!(
            text.contains(word),
            "the English briefing lacks {word:?}:\n{text}"
        );
    }
    let bytes = std::fs::read(BUILT.out().join("pdf/grenades.pdf")).unwrap();
    assert!(bytes.windows(9).any(|w| w == b"/Lang(en)"));
    // Shared pages are in the site's language.
    let index = seen(&page(&BUILT, "index.html"));
    assert!(index.contains("Dossiers") && index.contains("10 June 2019"));
}

#[test]
fn translations_link_both_ways_with_hreflang_and_the_index_filters_by_language() {
    let spanish = page(&BUILT, "dossiers/granadas/index.html");
    let english = page(&BUILT, "dossiers/grenades/index.html");
    assert!(spanish.contains(
        "<a class=\"translation\" href=\"../../dossiers/grenades/index.html\" hreflang=\"en\" lang=\"en\">In English: <cite>Grenade sales in Tejupilco</cite></a>"
    ), "{spanish}");
    assert!(english.contains(
        "<a class=\"translation\" href=\"../../dossiers/granadas/index.html\" hreflang=\"es-MX\" lang=\"es-MX\">En español: <cite>Venta de granadas en Tejupilco</cite></a>"
    ), "{english}");
    for html in [&spanish, &english] {
        assert!(html.contains(
            "<link rel=\"alternate\" hreflang=\"es-MX\" href=\"../../dossiers/granadas/index.html\">"
        ));
        assert!(html.contains(
            "<link rel=\"alternate\" hreflang=\"en\" href=\"../../dossiers/grenades/index.html\">"
        ));
    }
    let spanish_pdf = pdf_raw_text(&BUILT.out().join("pdf/granadas.pdf"));
    assert!(
        spanish_pdf.contains("In English: Grenade sales in Tejupilco"),
        "{spanish_pdf}"
    );
    let index = page(&BUILT, "index.html");
    assert!(index.contains("<select id=\"lang-filter\">"), "{index}");
    assert!(index.contains("<option value=\"es\" lang=\"es\">Español</option>"));
    assert!(index.contains("<option value=\"en\" lang=\"en\">English</option>"));
    assert!(index.contains("data-lang=\"es\"") && index.contains("data-lang=\"en\""));
}

#[test]
fn a_translation_of_a_restricted_dossier_names_it_nowhere_in_a_public_build() {
    let html = page(&BUILT, "dossiers/secreto/index.html");
    for leak in [
        "secret-case",
        "Secret matter",
        "class=\"translation\"",
        "hreflang",
    ] {
        assert!(
            !html.contains(leak),
            "the public page leaks {leak:?}:\n{html}"
        );
    }
    let text = pdf_raw_text(&BUILT.out().join("pdf/secreto.pdf"));
    assert!(
        !text.contains("Secret matter") && !text.contains("In English"),
        "{text}"
    );

    let internal = Fixture::with(&[
        ("content/dossiers/secret-case.md", SECRET),
        ("content/dossiers/secreto.md", SECRET_TRANSLATION),
    ]);
    let run = internal.run(&["build", "--internal", "--site"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let html = std::fs::read_to_string(
        internal
            .internal_out()
            .join("site/dossiers/secreto/index.html"),
    )
    .unwrap();
    assert!(
        html.contains("In English: <cite>Secret matter</cite>"),
        "{html}"
    );
}

#[test]
fn no_printed_url_carries_a_hyphen_or_invisible_character_in_either_language() {
    let urls = [
        "https://example.org/noticias/2019/06/una-ruta-muy-larga-con-guiones-para-que-se-parta-la-linea/articulo-completo-con-mas-guiones.html",
        "https://example.org/otra-ruta/con-guiones-y-mas-guiones-para-romper/la-linea-larga-del-texto.html",
        "https://example.org/news/2019/06/a-very-long-path-with-hyphens-so-that-the-line-must-break/the-full-article-with-more-hyphens.html",
    ];
    for name in ["granadas.pdf", "grenades.pdf", "compendium.pdf"] {
        let text = pdf_raw_text(&BUILT.out().join("pdf").join(name));
        // A printed URL and the line it continues on carry no invisible character.
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            if !line.contains("https://") {
                continue;
            }
            let around = format!("{line}{}", lines.get(i + 1).unwrap_or(&""));
            for invisible in ['\u{200B}', '\u{00AD}', '\u{2060}', '\u{FEFF}'] {
                assert!(
                    !around.contains(invisible),
                    "{name}: U+{:04X} in {around:?}",
                    invisible as u32
                );
            }
        }
        // A URL broken across lines reads whole once the line breaks are taken out: no
        // hyphen was added at the break, none repeated on the next line.
        let joined = text.replace('\n', "");
        let printed: Vec<&&str> = urls.iter().filter(|u| joined.contains(**u)).collect();
        let expected = if name == "grenades.pdf" {
            1
        } else if name == "granadas.pdf" {
            2
        } else {
            3
        };
        assert_eq!(printed.len(), expected, "{name}: {printed:?}\n{text}");
        assert!(
            urls.iter()
                .any(|u| joined.contains(u) && !text.lines().any(|l| l.contains(u))),
            "{name}: no URL was long enough to break, so the test proves nothing:\n{text}"
        );
    }
}

#[test]
fn a_language_without_strings_falls_back_to_english_with_a_warning_at_its_lang() {
    let fixture = Fixture::with(&[(
        "content/dossiers/fall.md",
        "---\ntitle: Fall\ndate: 2019-06-10\nlang: de\n---\nText.\n",
    )]);
    let run = fixture.run(&["check", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let warnings: Vec<Value> = crate::support::json_lines(&run.stdout);
    assert_eq!(warnings.len(), 1, "{}", run.stdout);
    let w = &warnings[0];
    assert_eq!(w["code"], "lang-fallback");
    assert_eq!(w["severity"], "warning");
    assert_eq!(w["file"], "content/dossiers/fall.md");
    assert_eq!(
        (w["line"].as_u64(), w["column"].as_u64()),
        (Some(4), Some(7))
    );
    assert!(w["message"].as_str().unwrap().contains("`de`"));
    let run = fixture.run(&["build", "--site"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let html = page(&fixture, "dossiers/fall/index.html");
    assert!(html.contains("<html lang=\"de\">") && html.contains("10 June 2019"));
}

#[test]
fn a_project_table_in_templates_overrides_the_built_in_words() {
    let fixture = Fixture::with(&[
        ("casefile.toml", "lang = \"es\"\n"),
        ("templates/i18n/es.toml", "timeline = \"Cronología de hechos\"\n"),
        (
            "content/dossiers/caso.md",
            "---\ntitle: Caso\ndate: 2019-06\ntimeline:\n  - date: 2019\n    event: Algo.\n---\nTexto.\n",
        ),
    ]);
    let run = fixture.run(&["build", "--site"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let html = page(&fixture, "dossiers/caso/index.html");
    assert!(html.contains(">Cronología de hechos</h2>"), "{html}");
    assert!(html.contains(">junio de 2019</time>"), "{html}");
    fixture.write("templates/i18n/es.toml", "timline = \"x\"\n");
    let run = fixture.run(&["check"]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("[unknown-string]"), "{}", run.stderr);
    assert!(
        run.stderr.contains("did you mean `timeline`?"),
        "{}",
        run.stderr
    );
}

#[test]
fn an_unknown_translation_of_is_an_error_with_the_nearest_dossier() {
    let fixture = Fixture::with(&[
        ("content/dossiers/grenades.md", ENGLISH),
        ("content/entities.yaml", ENTITIES),
        (
            "content/dossiers/granadas.md",
            "---\ntitle: T\ndate: 2019\nlang: es\ntranslation_of: grenade\n---\nTexto.\n",
        ),
    ]);
    let run = fixture.run(&["check"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("[unknown-dossier]"), "{}", run.stderr);
    assert!(
        run.stderr.contains("did you mean `grenades`?"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("granadas.md:5:17"), "{}", run.stderr);
}

#[test]
fn a_spanish_site_sets_its_compendium_in_spanish() {
    let fixture = Fixture::with(&[
        ("casefile.toml", "lang = \"es-MX\"\n"),
        ("content/entities.yaml", ENTITIES),
        (
            "content/dossiers/caso.md",
            "---\ntitle: Caso\ndate: 2019-06-10\nentities: [army]\n---\nTexto sobre el [[army]].\n",
        ),
    ]);
    let run = fixture.run(&["build", "--pdf"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let path = fixture.out().join("pdf/compendium.pdf");
    let text = pdf_raw_text(&path);
    for word in [
        "Compendio de 1 expediente · al 10 de junio de 2019",
        "Contenido",
        "Índice de entidades",
        "unidad militar",
        "Publicado 10 de junio de 2019",
    ] {
        assert!(
            text.contains(word),
            "the compendium lacks {word:?}:\n{text}"
        );
    }
    for word in ["Contents", "Index of entities", "Compendium", "Reported"] {
        assert!(!text.contains(word), "the compendium shows {word:?}");
    }
    let bytes = std::fs::read(&path).unwrap();
    assert!(bytes.windows(12).any(|w| w == b"/Lang(es-MX)"));
}
