//! What a build leaves in the output folder.
//!
//! Profiles: a canary string is planted in every field of a restricted dossier, a restricted
//! entity, two confidential sources (one in `sources.yaml`, one local to a public dossier) and
//! a draft, and public dossiers link, cite and name all of them. A public build must leave no
//! canary in any file name, any byte, any PDF's extracted text, metadata or inflated streams;
//! an internal build with drafts must show every one of them (so the search can fail) and mark
//! restricted material with a RESTRICTED banner.
//!
//! Atomic output: a build that fails (bad content, a broken template, an unwritable output, a
//! SIGKILL) leaves the previous output byte for byte as it was; a successful rebuild leaves
//! nothing stale behind; two builds racing into one output leave one complete output.

use std::collections::{BTreeMap, BTreeSet};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::{files_under, pdf_text, repo, Fixture};

// ---------------------------------------------------------------------------------------------
// The canary fixture
// ---------------------------------------------------------------------------------------------

/// One planted canary: the string, and what it was planted in (for messages).
struct Canary {
    token: String,
    owner: &'static str,
    what: String,
}

/// Every canary planted in a fixture.
#[derive(Default)]
pub(crate) struct Canaries {
    planted: Vec<Canary>,
}

impl Canaries {
    /// Plants a canary for `owner`'s `field`. Canaries are lowercase ASCII letters only, so
    /// that slugs, search-index folding, case changes and PDF text extraction keep them whole.
    fn plant(&mut self, owner: &str, field: &str) -> String {
        let token = format!("cnry{owner}{field}");
        self.exact(owner, field, &token)
    }

    /// Plants a canary that is not made from its owner and field (dates).
    fn exact(&mut self, owner: &str, field: &str, token: &str) -> String {
        assert!(
            !self.planted.iter().any(|c| c.token == token),
            "canary {token} planted twice"
        );
        self.planted.push(Canary {
            token: token.to_string(),
            owner: owner_name(owner),
            what: format!("{} {field}", owner_name(owner)),
        });
        token.to_string()
    }

    /// Plants a date canary in both the spellings a build may print it in: `2031-07-17` and
    /// `17 July 2031`. Returns the ISO spelling to write in the fixture.
    fn date(&mut self, owner: &str, field: &str, iso: &str, display: &str, both: bool) -> String {
        if both {
            self.exact(owner, &format!("{field} (ISO)"), iso);
        }
        self.exact(
            owner,
            &format!("{field} (display)"),
            &display.to_lowercase(),
        );
        iso.to_string()
    }

    pub(crate) fn tokens(&self) -> Vec<String> {
        self.planted.iter().map(|c| c.token.clone()).collect()
    }

    pub(crate) fn what(&self, token: &str) -> &str {
        self.planted
            .iter()
            .find(|c| c.token == token)
            .map_or("?", |c| c.what.as_str())
    }

    /// How many canaries each owner got, for the log.
    fn counts(&self) -> BTreeMap<String, usize> {
        let mut counts = BTreeMap::new();
        for canary in &self.planted {
            *counts.entry(canary.owner.to_string()).or_default() += 1;
        }
        counts
    }
}

fn owner_name(owner: &str) -> &'static str {
    match owner {
        "rd" => "restricted-dossier",
        "re" => "restricted-entity",
        "cs" => "confidential-source(sources.yaml)",
        "lcs" => "confidential-source(local)",
        "dr" => "draft-dossier",
        "tr" => "public-text-naming-withheld-material",
        _ => "unknown",
    }
}

/// A 1×1 PNG, so that the restricted dossier can show an image with a canary file name.
const PNG: &[u8] = &[
    137, 80, 78, 71, 13, 10, 26, 10, 0, 0, 0, 13, 73, 72, 68, 82, 0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0,
    0, 0, 144, 119, 83, 222, 0, 0, 0, 12, 73, 68, 65, 84, 120, 156, 99, 248, 207, 192, 0, 0, 3, 1,
    1, 0, 201, 254, 146, 239, 0, 0, 0, 0, 73, 69, 78, 68, 174, 66, 96, 130,
];

/// The canary project: two public dossiers, a restricted one, a draft, a restricted entity and
/// confidential sources, with a canary in every field that can hold one.
pub(crate) fn canary_fixture() -> (Fixture, Canaries) {
    let mut c = Canaries::default();

    // The restricted dossier; its id comes from its file name.
    let rd = c.plant("rd", "id");
    let rd_title = c.plant("rd", "title");
    let rd_date = c.date("rd", "date", "2031-07-17", "17 July 2031", true);
    let rd_updated = c.date("rd", "updated", "2032-08-18", "18 August 2032", true);
    let rd_summary = c.plant("rd", "summary");
    let rd_author = c.plant("rd", "author");
    let rd_tag = c.plant("rd", "tag");
    let rd_role = c.plant("rd", "entityrole");
    let rd_src = c.plant("rd", "srcid");
    let rd_src_title = c.plant("rd", "srctitle");
    let rd_src_publisher = c.plant("rd", "srcpublisher");
    let rd_src_author = c.plant("rd", "srcauthor");
    let rd_src_url = c.plant("rd", "srcurl");
    let rd_src_archive = c.plant("rd", "srcarchive");
    let rd_src_notes = c.plant("rd", "srcnotes");
    let rd_event_date = c.date(
        "rd",
        "timeline date",
        "2033-09-19",
        "19 September 2033",
        true,
    );
    let rd_event = c.plant("rd", "event");
    let rd_extra = c.plant("rd", "extra");
    let rd_heading = c.plant("rd", "heading");
    let rd_body = c.plant("rd", "body");
    let rd_footnote = c.plant("rd", "footnote");
    let rd_image = c.plant("rd", "image");
    let rd_alt = c.plant("rd", "alt");

    // The restricted entity.
    let re = c.plant("re", "id");
    let re_name = c.plant("re", "name");
    let re_alias = c.plant("re", "alias");
    let re_description = c.plant("re", "description");
    let re_extra = c.plant("re", "extra");

    // The confidential source in sources.yaml.
    let cs = c.plant("cs", "id");
    let cs_title = c.plant("cs", "title");
    let cs_publisher = c.plant("cs", "publisher");
    let cs_author = c.plant("cs", "author");
    let cs_url = c.plant("cs", "url");
    let cs_archive = c.plant("cs", "archive");
    let cs_notes = c.plant("cs", "notes");
    let cs_date = c.date("cs", "date", "2035-03-03", "3 March 2035", false);
    let cs_accessed = c.date("cs", "accessed", "2036-04-04", "4 April 2036", false);

    // The confidential source local to public dossier A.
    let lcs = c.plant("lcs", "id");
    let lcs_title = c.plant("lcs", "title");
    let lcs_publisher = c.plant("lcs", "publisher");
    let lcs_author = c.plant("lcs", "author");
    let lcs_url = c.plant("lcs", "url");
    let lcs_archive = c.plant("lcs", "archive");
    let lcs_notes = c.plant("lcs", "notes");

    // The draft; its id is given in the front matter.
    let dr = c.plant("dr", "id");
    let dr_title = c.plant("dr", "title");
    let dr_date = c.date("dr", "date", "2037-05-05", "5 May 2037", true);
    let dr_summary = c.plant("dr", "summary");
    let dr_author = c.plant("dr", "author");
    let dr_tag = c.plant("dr", "tag");
    let dr_src = c.plant("dr", "srcid");
    let dr_src_title = c.plant("dr", "srctitle");
    let dr_src_publisher = c.plant("dr", "srcpublisher");
    let dr_src_url = c.plant("dr", "srcurl");
    let dr_src_notes = c.plant("dr", "srcnotes");
    let dr_event = c.plant("dr", "event");
    let dr_extra = c.plant("dr", "extra");
    let dr_heading = c.plant("dr", "heading");
    let dr_body = c.plant("dr", "body");
    let dr_footnote = c.plant("dr", "footnote");

    // Text in public dossiers that names withheld material: own link text, a role.
    let tr_rd_link = c.plant("tr", "rdlinktext");
    let tr_re_link = c.plant("tr", "relinktext");
    let tr_dr_link = c.plant("tr", "drlinktext");
    let tr_re_role = c.plant("tr", "rerole");

    let tokens = c.tokens();
    for a in &tokens {
        for b in &tokens {
            assert!(
                a == b || !b.contains(a.as_str()),
                "canary {a} is inside {b}"
            );
        }
    }

    let config = "title = \"Canary project\"\nbase_url = \"https://example.org/dossiers/\"\n";
    let entities = format!(
        "\
- id: sedena
  name: Sedena
  kind: government-agency
  description: Public agency; see [[{re}]] and [[{rd}]].
- id: {re}
  name: Name {re_name}
  kind: person
  aliases: [Alias {re_alias}]
  description: Description {re_description}.
  classification: restricted
  extra: {{ note: {re_extra} }}
"
    );
    let sources = format!(
        "\
- id: pubsrc
  title: A public report
  kind: report
  publisher: Public publisher
- id: {cs}
  title: Title {cs_title}
  kind: leaked-document
  publisher: Publisher {cs_publisher}
  authors: [Author {cs_author}]
  date: {cs_date}
  url: https://{cs_url}.example.org/doc
  archive_url: https://{cs_archive}.example.org/doc
  accessed: {cs_accessed}
  grade: C3
  confidential: true
  notes: Notes {cs_notes}.
"
    );
    let restricted = format!(
        "\
---
title: Title {rd_title}
date: {rd_date}
updated: {rd_updated}
summary: Summary {rd_summary}.
classification: restricted
status: corroborated
confidence: high
authors: [Author {rd_author}]
tags: [{rd_tag}]
entities:
  - sedena
  - {{ id: {re}, role: Role {rd_role} }}
sources:
  - id: {rd_src}
    title: Title {rd_src_title}
    kind: interview
    publisher: Publisher {rd_src_publisher}
    authors: [Author {rd_src_author}]
    url: https://{rd_src_url}.example.org/a
    archive_url: https://{rd_src_archive}.example.org/a
    notes: Notes {rd_src_notes}.
related: [pub-a]
timeline:
  - date: {rd_event_date}
    event: Event {rd_event}.
    sources: [{rd_src}, pubsrc]
    entities: [sedena, {re}]
extra:
  note: {rd_extra}
---
## Heading {rd_heading}

Body {rd_body} cites[@{rd_src}] and[@pubsrc, p. 2] and links [[pub-a]] and [[{re}]].
A note[^f].

![Alt {rd_alt}]({rd_image}.png)

[^f]: Footnote {rd_footnote}.
"
    );
    let draft = format!(
        "\
---
id: {dr}
title: Title {dr_title}
date: {dr_date}
summary: Summary {dr_summary}.
draft: true
authors: [Author {dr_author}]
tags: [{dr_tag}]
entities: [sedena]
sources:
  - id: {dr_src}
    title: Title {dr_src_title}
    publisher: Publisher {dr_src_publisher}
    url: https://{dr_src_url}.example.org/d
    notes: Notes {dr_src_notes}.
related: [pub-b]
timeline:
  - date: 2037-05-01
    event: Event {dr_event}.
    sources: [{dr_src}]
extra:
  note: {dr_extra}
---
## Heading {dr_heading}

Body {dr_body} cites[@{dr_src}] and links [[pub-b]].
A note[^d].

[^d]: Footnote {dr_footnote}.
"
    );
    // Public dossier A names every withheld thing in every way the format allows.
    let public_a = format!(
        "\
---
title: Public dossier A
date: 2020-05-01
summary: Summary citing[@{cs}] and linking [[{rd}]], [[{re}]] and [[{dr}]].
tags: [public-tag]
entities:
  - sedena
  - {{ id: {re}, role: Role {tr_re_role} }}
sources:
  - id: {lcs}
    title: Title {lcs_title}
    kind: interview
    publisher: Publisher {lcs_publisher}
    authors: [Author {lcs_author}]
    url: https://{lcs_url}.example.org/x
    archive_url: https://{lcs_archive}.example.org/x
    notes: Notes {lcs_notes}.
    confidential: true
related: [{rd}, {dr}, pub-b]
timeline:
  - date: 2020-04-01
    event: Event linking [[{rd}]] and citing[@{cs}].
    sources: [{cs}, {lcs}, pubsrc]
    entities: [sedena, {re}]
---
## Overview

Links: [[{rd}]], [[{rd}|{tr_rd_link}]], [[{rd}#heading-{rd_heading}]], [[{re}]],
[[{re}|{tr_re_link}]], [[{dr}]], [[{dr}|{tr_dr_link}]] and [[pub-b]].

Citations: one[@{cs}, p. 7], two[@{lcs}], three[@pubsrc; @{cs}], four[^n].

## About [[{rd}]]

More about [[{re}]] and [[{dr}]].

[^n]: A footnote citing[@{cs}] and linking [[{rd}]].
"
    );
    let public_b = "\
---
title: Public dossier B
date: 2020-03-01
summary: The second public dossier.
tags: [public-tag]
entities: [sedena]
related: [pub-a]
---
Public text citing[@pubsrc] and linking [[pub-a]] and [[sedena]].
";
    let fixture = Fixture::with(&[
        ("casefile.toml", config),
        ("content/entities.yaml", &entities),
        ("content/sources.yaml", &sources),
        (&format!("content/dossiers/{rd}.md"), &restricted),
        ("content/dossiers/drafts/draft-notes.md", &draft),
        ("content/dossiers/pub-a.md", &public_a),
        ("content/dossiers/pub-b.md", public_b),
        (
            "templates/dossier.html",
            &with_extra("dossier.html", "dossier"),
        ),
        (
            "templates/entity.html",
            &with_extra("entity.html", "entity"),
        ),
    ]);
    std::fs::write(
        fixture
            .root()
            .join(format!("content/dossiers/{rd_image}.png")),
        PNG,
    )
    .expect("write image");
    (fixture, c)
}

/// A built-in page template that also prints the page's `extra` map, as a project that uses
/// `extra` would: without it no built-in page shows `extra`, and its canary could never be seen.
fn with_extra(template: &str, item: &str) -> String {
    let path = repo().join("templates").join(template);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("read built-in {}: {e}", path.display()));
    let end = "{% endblock content %}";
    let at = text
        .rfind(end)
        .unwrap_or_else(|| panic!("templates/{template} has no `{end}` to insert `extra` before"));
    format!(
        "{}<pre class=\"extra\">{{{{ {item}.extra | json_encode() }}}}</pre>\n{}",
        &text[..at],
        &text[at..]
    )
}

// ---------------------------------------------------------------------------------------------
// Searching an output folder
// ---------------------------------------------------------------------------------------------

/// Lowercased, with whitespace and line-end hyphenation removed: what is left of a canary
/// that a PDF wrapped or hyphenated.
fn squeezed(text: &str) -> String {
    let lower = text.to_lowercase();
    let mut out = String::with_capacity(lower.len());
    let mut chars = lower.chars().peekable();
    while let Some(ch) = chars.next() {
        if ch == '-' || ch == '\u{ad}' || ch == '‐' {
            // A hyphen followed by a line break is a hyphenated word.
            let mut ahead = chars.clone();
            let mut saw_break = false;
            while let Some(&next) = ahead.peek() {
                if next == '\n' || next == '\r' || next == '\u{c}' {
                    saw_break = true;
                    ahead.next();
                } else if next.is_whitespace() {
                    ahead.next();
                } else {
                    break;
                }
            }
            if saw_break || ch == '\u{ad}' {
                chars = ahead;
                continue;
            }
        }
        if !ch.is_whitespace() {
            out.push(ch);
        }
    }
    out
}

/// What a file says, in every form a reader could get at: its bytes, and for a PDF the text
/// poppler extracts, its metadata, and its inflated streams (object streams hold link URIs,
/// outlines and named destinations).
fn readings(path: &Path, bytes: &[u8]) -> Vec<(&'static str, String)> {
    let mut out = vec![("bytes", String::from_utf8_lossy(bytes).to_lowercase())];
    if path.extension().is_some_and(|e| e == "pdf") {
        out.push(("pdftotext", pdf_text(path).to_lowercase()));
        out.push(("pdfinfo", pdf_info(path).to_lowercase()));
        out.push(("pdf streams", pdf_streams(path).to_lowercase()));
    }
    out
}

fn pdf_info(path: &Path) -> String {
    let output = Command::new("pdfinfo")
        .arg(path)
        .output()
        .expect("pdfinfo (poppler-utils) must be installed; .ci/run installs it");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Inflates every stream of a PDF and decodes its UTF-16 strings (python3's zlib: no
/// inflater is among the test dependencies).
const INFLATE_PDF: &str = r#"
import re, sys, zlib
data = open(sys.argv[1], 'rb').read()
parts = [data]
for m in re.finditer(rb'stream\r?\n', data):
    end = data.find(b'endstream', m.end())
    if end < 0:
        continue
    try:
        parts.append(zlib.decompressobj().decompress(data[m.end():end]))
    except Exception:
        pass
blob = b'\n'.join(parts)
texts = [blob.decode('latin-1')]
for m in re.finditer(rb'<(FEFF(?:[0-9A-Fa-f]{4})*)>', blob):
    texts.append(bytes.fromhex(m.group(1).decode())[2:].decode('utf-16-be', 'replace'))
for m in re.finditer(rb'\(\xfe\xff((?:[^()\\]|\\.)*)\)', blob, re.S):
    raw = re.sub(rb'\\(.)', lambda x: x.group(1), m.group(1))
    texts.append(raw.decode('utf-16-be', 'replace'))
sys.stdout.buffer.write('\n'.join(texts).encode('utf-8', 'replace'))
"#;

fn pdf_streams(path: &Path) -> String {
    let output = Command::new("python3")
        .arg("-c")
        .arg(INFLATE_PDF)
        .arg(path)
        .output()
        .expect("python3 is needed to inflate PDF streams");
    assert!(
        output.status.success(),
        "inflating {} failed: {}",
        path.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// For each canary found under `dir`, where: `path/in/output [how it was read]`.
fn find_canaries(dir: &Path, tokens: &[String]) -> BTreeMap<String, Vec<String>> {
    let mut found: BTreeMap<String, Vec<String>> = BTreeMap::new();
    // Identical files (site/pdf/X.pdf and pdf/X.pdf) are read once.
    let mut cache: BTreeMap<u64, Vec<(&'static str, String, String)>> = BTreeMap::new();
    for rel in files_under(dir) {
        let path = dir.join(&rel);
        for token in tokens {
            if rel.to_lowercase().contains(token.as_str()) {
                found
                    .entry(token.clone())
                    .or_default()
                    .push(format!("{rel} [file name]"));
            }
        }
        let bytes = std::fs::read(&path).expect("read output file");
        let key = hash(&bytes);
        let readings = cache.entry(key).or_insert_with(|| {
            readings(&path, &bytes)
                .into_iter()
                .map(|(how, text)| {
                    let squeezed = squeezed(&text);
                    (how, text, squeezed)
                })
                .collect()
        });
        for token in tokens {
            let needle = squeezed(token);
            for (how, text, squeezed) in readings.iter() {
                if text.contains(token.as_str()) || squeezed.contains(&needle) {
                    found
                        .entry(token.clone())
                        .or_default()
                        .push(format!("{rel} [{how}]"));
                }
            }
        }
    }
    found
}

fn hash(bytes: &[u8]) -> u64 {
    let mut hasher = DefaultHasher::new();
    bytes.hash(&mut hasher);
    hasher.finish()
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

/// The part of a page between two markers (the whole rest when the end is missing).
fn section<'a>(html: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let from = html.find(start)?;
    let rest = &html[from..];
    Some(rest.find(end).map_or(rest, |to| &rest[..to]))
}

fn log_counts(canaries: &Canaries) {
    let counts = canaries.counts();
    let total: usize = counts.values().sum();
    eprintln!("canaries planted: {total}");
    for (owner, count) in &counts {
        eprintln!("  {owner}: {count}");
    }
}

// ---------------------------------------------------------------------------------------------
// Profiles
// ---------------------------------------------------------------------------------------------

#[test]
fn public_build_leaves_no_trace_of_restricted_confidential_or_draft_material() {
    let (fixture, canaries) = canary_fixture();
    let run = fixture.run(&["build"]);
    assert_eq!(run.code, 0, "public build failed:\n{}", run.stderr);
    let out = fixture.out();
    log_counts(&canaries);

    let tokens = canaries.tokens();
    let found = find_canaries(&out, &tokens);
    let files = files_under(&out);
    eprintln!(
        "public build: {} files searched; {} of {} canaries leaked",
        files.len(),
        found.len(),
        tokens.len()
    );

    // The public dossier says that something was withheld, and cites anonymously.
    let page = read(&out.join("site/dossiers/pub-a/index.html"));
    let briefing = pdf_text(&out.join("pdf/pub-a.pdf"));
    let mut missing = Vec::new();
    if !page.contains("[withheld]") {
        missing.push("`[withheld]` on site/dossiers/pub-a/index.html".to_string());
    }
    if !briefing.contains("[withheld]") {
        missing.push("`[withheld]` in pdf/pub-a.pdf".to_string());
    }
    match section(&page, "id=\"notes-heading\"", "</section>") {
        Some(notes) if notes.contains("Confidential source") => {}
        Some(_) => missing.push("`Confidential source` in pub-a's notes".to_string()),
        None => missing.push("a notes section on pub-a's page".to_string()),
    }
    if !squeezed(&briefing).contains("confidentialsource") {
        missing.push("`Confidential source` in pdf/pub-a.pdf".to_string());
    }
    for expected in [
        "site/index.html",
        "site/dossiers/pub-a/index.html",
        "site/dossiers/pub-b/index.html",
        "site/sitemap.xml",
        "site/atom.xml",
        "site/assets/search-index.js",
        "pdf/pub-a.pdf",
        "pdf/compendium.pdf",
    ] {
        if !files.iter().any(|f| f == expected) {
            missing.push(format!("the file {expected}"));
        }
    }

    let leaks: Vec<String> = found
        .iter()
        .map(|(token, places)| {
            format!(
                "  {token} ({}): {}",
                canaries.what(token),
                places.join(", ")
            )
        })
        .collect();
    assert!(
        leaks.is_empty() && missing.is_empty(),
        "public build leaks {} of {} canaries:\n{}\nexpected but missing:\n  {}",
        leaks.len(),
        tokens.len(),
        leaks.join("\n"),
        if missing.is_empty() {
            "none".to_string()
        } else {
            missing.join("\n  ")
        }
    );
}

#[test]
fn internal_build_with_drafts_shows_every_canary_and_marks_restricted_material() {
    let (fixture, canaries) = canary_fixture();
    let run = fixture.run(&["build", "--internal", "--drafts"]);
    assert_eq!(run.code, 0, "internal build failed:\n{}", run.stderr);
    let out = fixture.internal_out();
    let tokens = canaries.tokens();
    let found = find_canaries(&out, &tokens);
    let unseen: Vec<String> = tokens
        .iter()
        .filter(|t| !found.contains_key(*t))
        .map(|t| format!("  {t} ({})", canaries.what(t)))
        .collect();
    eprintln!(
        "internal build: {} of {} canaries found",
        found.len(),
        tokens.len()
    );

    let mut unmarked = Vec::new();
    for page in [
        "site/dossiers/cnryrdid/index.html",
        "site/entities/cnryreid/index.html",
    ] {
        match std::fs::read_to_string(out.join(page)) {
            Ok(html) if html.contains("RESTRICTED") => {}
            Ok(_) => unmarked.push(format!("{page} has no RESTRICTED banner")),
            Err(e) => unmarked.push(format!("{page}: {e}")),
        }
    }
    for pdf in ["pdf/cnryrdid.pdf", "pdf/compendium.pdf"] {
        let path = out.join(pdf);
        if !path.is_file() {
            unmarked.push(format!("{pdf} was not written"));
        } else if !pdf_text(&path).contains("RESTRICTED") {
            unmarked.push(format!("{pdf} has no RESTRICTED banner"));
        }
    }
    // The PDFs alone show the restricted dossier's text: the PDF search is not blind.
    let in_pdfs = find_canaries(&out.join("pdf"), &tokens);
    for token in [
        "cnryrdtitle",
        "cnryrdbody",
        "cnryrdheading",
        "cnryrdfootnote",
        "cnryrdalt",
        "cnryrdsrcurl",
        "cnrycstitle",
    ] {
        if !in_pdfs.contains_key(token) {
            unmarked.push(format!("{token} is in no PDF: the PDF search may be blind"));
        }
    }
    if pdf_text(&out.join("pdf/pub-a.pdf")).contains("RESTRICTED") {
        unmarked.push("pdf/pub-a.pdf (a public dossier) is marked RESTRICTED".to_string());
    }
    assert!(
        unseen.is_empty() && unmarked.is_empty(),
        "internal build with drafts: {} canaries never shown (the public search would be blind to them):\n{}\nbanners and PDFs:\n  {}",
        unseen.len(),
        unseen.join("\n"),
        unmarked.join("\n  ")
    );
}

#[test]
fn public_build_after_an_internal_build_keeps_no_restricted_part() {
    let (fixture, canaries) = canary_fixture();
    let tokens = canaries.tokens();
    let mut leaks = Vec::new();
    let mut look = |after: &str, out: &Path| {
        let found = find_canaries(out, &tokens);
        let mut files: BTreeSet<String> = BTreeSet::new();
        for places in found.values() {
            for place in places {
                files.insert(place.split(" [").next().unwrap_or(place).to_string());
            }
        }
        if !found.is_empty() {
            leaks.push(format!(
                "{after}: {} canaries remain in the public output, in {} files, e.g. {}",
                found.len(),
                files.len(),
                files.iter().take(5).cloned().collect::<Vec<_>>().join(", ")
            ));
        }
    };

    // The default folders: the public build never reads what the internal one wrote.
    let run = fixture.run(&["build", "--internal", "--drafts"]);
    assert_eq!(run.code, 0, "internal build failed:\n{}", run.stderr);
    for public in [&["build", "--site"][..], &["build", "--pdf"], &["build"]] {
        let run = fixture.run(public);
        assert_eq!(run.code, 0, "{public:?} failed:\n{}", run.stderr);
        look(
            &format!("`build --internal --drafts` then `{}`", public.join(" ")),
            &fixture.out(),
        );
    }

    // One --out for both: the part a public partial build does not make is not carried over
    // from the internal build that wrote the folder.
    let shared = fixture.root().join("preview");
    let shared_arg = shared.to_str().expect("utf-8 path");
    for partial in ["--site", "--pdf"] {
        let run = fixture.run(&["build", "--internal", "--drafts", "--out", shared_arg]);
        assert_eq!(run.code, 0, "internal build failed:\n{}", run.stderr);
        let run = fixture.run(&["build", partial, "--out", shared_arg]);
        assert_eq!(run.code, 0, "build {partial} failed:\n{}", run.stderr);
        look(
            &format!("`build --internal --drafts --out DIR` then `build {partial} --out DIR`"),
            &shared,
        );
    }
    assert!(
        leaks.is_empty(),
        "a public build kept material of an earlier internal build:\n  {}",
        leaks.join("\n  ")
    );
}

// ---------------------------------------------------------------------------------------------
// Internal builds have their own folder and mark every page
// ---------------------------------------------------------------------------------------------

const RESTRICTED_ONE: &str = "\
---
title: Restricted small dossier
date: 2021-03-03
classification: restricted
---
Restricted text linking [[small-one]].
";

const NOINDEX: &str = r#"<meta name="robots" content="noindex">"#;

#[test]
fn internal_build_writes_output_internal_and_leaves_output_untouched() {
    let fixture = small_fixture();
    fixture.write("content/dossiers/restricted-one.md", RESTRICTED_ONE);
    let run = fixture.run(&["build"]);
    assert_eq!(run.code, 0, "public build failed:\n{}", run.stderr);
    let public = snapshot(&fixture.out());
    for args in [
        &["build", "--internal"][..],
        &["build", "--internal", "--site"],
    ] {
        let run = fixture.run(args);
        assert_eq!(run.code, 0, "{args:?} failed:\n{}", run.stderr);
        assert!(
            run.stderr.contains("output-internal"),
            "{args:?} does not say where it wrote:\n{}",
            run.stderr
        );
        let after = snapshot(&fixture.out());
        assert!(
            after == public,
            "{args:?} changed output/: {}",
            diff(&public, &after)
        );
    }
    let internal = fixture.internal_out();
    for file in [
        "site/index.html",
        "site/dossiers/restricted-one/index.html",
        "pdf/restricted-one.pdf",
        "pdf/compendium.pdf",
    ] {
        assert!(
            internal.join(file).is_file(),
            "output-internal/{file} was not written"
        );
    }
    assert!(
        !fixture.out().join("site/dossiers/restricted-one").exists(),
        "the restricted dossier reached output/"
    );
}

#[test]
fn every_internal_page_says_internal_and_is_noindex_and_no_public_page_does() {
    let fixture = small_fixture();
    fixture.write("content/dossiers/restricted-one.md", RESTRICTED_ONE);
    fixture.write("casefile.toml", "base_url = \"https://example.org/d/\"\n");
    for args in [&["build", "--site"][..], &["build", "--site", "--internal"]] {
        let run = fixture.run(args);
        assert_eq!(run.code, 0, "{args:?} failed:\n{}", run.stderr);
    }
    let mut problems = Vec::new();
    let mut pages = [0, 0];
    for (n, (out, internal)) in [(fixture.out(), false), (fixture.internal_out(), true)]
        .into_iter()
        .enumerate()
    {
        let site = out.join("site");
        for page in files_under(&site).iter().filter(|f| f.ends_with(".html")) {
            pages[n] += 1;
            let html = read(&site.join(page));
            let marks = [
                ("the robots noindex meta element", html.contains(NOINDEX)),
                ("the word INTERNAL", html.contains("INTERNAL")),
            ];
            for (mark, present) in marks {
                if present != internal {
                    let build = if internal { "internal" } else { "public" };
                    let has = if present { "has" } else { "lacks" };
                    problems.push(format!("{build} page {page} {has} {mark}"));
                }
            }
        }
    }
    assert!(
        pages[0] >= 8 && pages[1] > pages[0],
        "too few pages checked: {pages:?}"
    );
    assert!(
        files_under(&fixture.internal_out().join("site")).contains(&"404.html".to_string()),
        "the internal build has no 404.html"
    );
    // Nothing of an internal build invites crawlers or feed readers.
    for feed in ["sitemap.xml", "atom.xml"] {
        assert!(
            fixture.out().join("site").join(feed).is_file(),
            "public {feed}"
        );
        assert!(
            !fixture.internal_out().join("site").join(feed).exists(),
            "an internal build writes no {feed}"
        );
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn internal_build_into_the_public_output_folder_is_refused_and_touches_nothing() {
    let fixture = small_fixture();
    let run = fixture.run(&["build", "--site"]);
    assert_eq!(run.code, 0, "public build failed:\n{}", run.stderr);
    let before = snapshot(fixture.root());
    let root = fixture.root();
    let outs = [
        root.join("output"),
        root.join("output/"),
        root.join("content/../output"),
        root.join("output/preview"),
    ];
    let mut problems = Vec::new();
    for out in &outs {
        let out = out.to_str().expect("utf-8 path");
        for command in ["build", "serve"] {
            let run = fixture.run(&[command, "--internal", "--out", out]);
            if run.code != 2 || !run.stderr.contains("output-internal") {
                problems.push(format!(
                    "`{command} --internal --out {out}`: exit {}\n{}",
                    run.code, run.stderr
                ));
            }
        }
    }
    let after = snapshot(fixture.root());
    if after != before {
        problems.push(format!("the project changed: {}", diff(&before, &after)));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn template_override_that_drops_the_internal_marks_fails_only_the_internal_build() {
    let fixture = small_fixture();
    fixture.write(
        "templates/base.html",
        "<!DOCTYPE html><html><head><title>{{ site.title }}</title></head>\
         <body>{% block content %}{% endblock content %}</body></html>",
    );
    let run = fixture.run(&["build", "--site"]);
    assert_eq!(run.code, 0, "public build failed:\n{}", run.stderr);
    let run = fixture.run(&["build", "--site", "--internal"]);
    assert_eq!(
        run.code, 1,
        "an internal build without the marks succeeded:\n{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("noindex") && run.stderr.contains("base.html"),
        "the error does not say what is missing and where:\n{}",
        run.stderr
    );
    assert!(!fixture.internal_out().exists(), "it wrote output-internal");
}

// ---------------------------------------------------------------------------------------------
// Atomic output
// ---------------------------------------------------------------------------------------------

/// Every file under a folder with its size and hash; `None` when the folder does not exist.
type Snapshot = BTreeMap<String, (u64, u64)>;

fn snapshot(dir: &Path) -> Option<Snapshot> {
    if !dir.exists() {
        return None;
    }
    let mut files = BTreeMap::new();
    for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let entry = entry.expect("walk");
        let rel = entry
            .path()
            .strip_prefix(dir)
            .expect("under dir")
            .to_string_lossy()
            .replace('\\', "/");
        if entry.file_type().is_file() {
            let bytes = std::fs::read(entry.path()).expect("read");
            files.insert(rel, (bytes.len() as u64, hash(&bytes)));
        } else if entry.file_type().is_dir() {
            files.insert(format!("{rel}/"), (0, 0));
        }
    }
    Some(files)
}

/// What differs between two snapshots, briefly.
fn diff(before: &Option<Snapshot>, after: &Option<Snapshot>) -> String {
    match (before, after) {
        (None, None) => String::new(),
        (None, Some(_)) => "the folder appeared".to_string(),
        (Some(_), None) => "the folder disappeared".to_string(),
        (Some(a), Some(b)) => {
            let removed: Vec<&String> = a.keys().filter(|p| !b.contains_key(*p)).collect();
            let added: Vec<&String> = b.keys().filter(|p| !a.contains_key(*p)).collect();
            let changed: Vec<&String> = a
                .iter()
                .filter(|(p, v)| b.get(*p).is_some_and(|w| w != *v))
                .map(|(p, _)| p)
                .collect();
            let some = |list: &[&String]| {
                let shown: Vec<&str> = list.iter().take(4).map(|p| p.as_str()).collect();
                let more = if list.len() > 4 { ", …" } else { "" };
                format!("{} ({}{more})", list.len(), shown.join(", "))
            };
            format!(
                "{} removed, {} added, {} changed",
                some(&removed),
                some(&added),
                some(&changed)
            )
        }
    }
}

const SMALL_ONE: &str = "\
---
title: First small dossier
date: 2021-02-03
summary: A short summary.
tags: [small]
entities: [sedena]
---
## Section

Text citing[@report] and linking [[small-two]].
";

const SMALL_TWO: &str = "\
---
title: Second small dossier
date: 2021-01-01
---
Text linking [[small-one]].
";

fn small_fixture() -> Fixture {
    Fixture::with(&[
        (
            "content/entities.yaml",
            "- id: sedena\n  name: Sedena\n  kind: government-agency\n",
        ),
        ("content/sources.yaml", "- id: report\n  title: A report\n"),
        ("content/dossiers/small-one.md", SMALL_ONE),
        ("content/dossiers/small-two.md", SMALL_TWO),
    ])
}

#[test]
fn build_with_content_errors_leaves_previous_output_byte_for_byte() {
    let fixture = Fixture::sample();
    let run = fixture.run(&["build"]);
    assert_eq!(run.code, 0, "first build failed:\n{}", run.stderr);
    let before = snapshot(&fixture.out());
    assert!(
        before.as_ref().is_some_and(|s| s.len() > 20),
        "first build wrote little"
    );

    let victim = fixture
        .root()
        .join("content/dossiers/tejupilco-grenade-sales.md");
    let mut text = read(&victim);
    text.push_str("\nA broken citation[@no-such-source-anywhere].\n");
    std::fs::write(&victim, text).expect("break the dossier");
    let root_broken = snapshot(fixture.root());

    let mut failures = Vec::new();
    for args in [
        &["build"][..],
        &["build", "--site"],
        &["build", "--pdf"],
        &["build", "--internal", "--drafts"],
    ] {
        let run = fixture.run(args);
        if run.code != 1 {
            failures.push(format!("{args:?}: exit {} (expected 1)", run.code));
        }
        if !run.stderr.contains("no-such-source-anywhere") {
            failures.push(format!(
                "{args:?}: the error is not reported:\n{}",
                run.stderr
            ));
        }
        let after = snapshot(&fixture.out());
        if after != before {
            failures.push(format!(
                "{args:?}: output changed: {}",
                diff(&before, &after)
            ));
        }
    }
    let root_after = snapshot(fixture.root());
    if root_after != root_broken {
        failures.push(format!(
            "the project changed: {}",
            diff(&root_broken, &root_after)
        ));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn failing_template_override_leaves_previous_output_and_names_the_template() {
    let fixture = small_fixture();
    let run = fixture.run(&["build"]);
    assert_eq!(run.code, 0, "first build failed:\n{}", run.stderr);
    let before = snapshot(&fixture.out());

    // The built-in Typst template with one unknown function called when it is imported.
    let broken_typst =
        read(&repo().join("templates/casefile.typ")) + "\n#let oops = no-such-function()\n";
    let cases = [
        (
            "templates/dossier.html",
            "dossier.html",
            "tera syntax error",
            "{% extends \"base.html\" %}{% block content %}{% if %}{% endblock content %}",
        ),
        (
            "templates/dossier.html",
            "dossier.html",
            "undefined variable at render time",
            "{% extends \"base.html\" %}{% block content %}{{ dossier.no_such_field.deeper }}{% endblock content %}",
        ),
        (
            "templates/base.html",
            "base.html",
            "unknown filter at render time",
            "<html>{{ site.title | no_such_filter }}{% block content %}{% endblock content %}</html>",
        ),
        (
            "templates/casefile.typ",
            "casefile.typ",
            "typst error in the PDF template",
            broken_typst.as_str(),
        ),
    ];
    let mut failures = Vec::new();
    for (path, name, what, text) in cases {
        fixture.write(path, text);
        let run = fixture.run(&["build"]);
        if run.code == 0 {
            failures.push(format!("{what} ({path}): the build succeeded"));
        } else if run.code != 1 && run.code != 2 {
            failures.push(format!(
                "{what} ({path}): exit {} (a crash?)\n{}",
                run.code, run.stderr
            ));
        }
        if !run.stderr.contains(name) {
            failures.push(format!(
                "{what}: the message does not name {name}:\n{}",
                run.stderr
            ));
        }
        let after = snapshot(&fixture.out());
        if after != before {
            failures.push(format!("{what}: output changed: {}", diff(&before, &after)));
        }
        std::fs::remove_file(fixture.root().join(path)).expect("remove override");
    }
    // Without the overrides the build works again and makes the very same bytes.
    let run = fixture.run(&["build"]);
    assert_eq!(
        run.code, 0,
        "build without overrides failed:\n{}",
        run.stderr
    );
    let after = snapshot(&fixture.out());
    if after != before {
        failures.push(format!(
            "a rebuild of the same input made different bytes: {}",
            diff(&before, &after)
        ));
    }
    let leftovers = stray_entries(fixture.root());
    if !leftovers.is_empty() {
        failures.push(format!("left beside the output: {leftovers:?}"));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// What a project root may hold after builds: the input, the two output folders and their
/// lock files.
const PROJECT_ENTRIES: &[&str] = &[
    "content",
    "templates",
    "casefile.toml",
    "output",
    "output-internal",
    ".output.lock",
    ".output-internal.lock",
    ".casefile-cache",
];

/// Entries of the project root that a build should not leave (staging or old copies).
fn stray_entries(root: &Path) -> Vec<String> {
    std::fs::read_dir(root)
        .expect("read root")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| !PROJECT_ENTRIES.contains(&n.as_str()))
        .collect()
}

const GONE_ENTITIES: &str = "\
- id: sedena
  name: Sedena
  kind: government-agency
- id: goneentity
  name: Goneentity name
  kind: person
";

const KEPT: &str = "\
---
title: Kept dossier
date: 2020-01-01
tags: [kept]
entities: [sedena]
---
Kept text.
";

/// A dossier with its own entity page, tag page, local source and timeline event.
const GONE: &str = "\
---
title: Gonetitle dossier
date: 2020-02-02
tags: [gonetag]
entities: [goneentity]
sources:
  - id: gonesource
    title: Gonesource title
timeline:
  - date: 2020-02-01
    event: Goneevent happened.
---
Gonebody text[@gonesource] and [[keep]].
";

#[test]
fn rebuild_after_removing_a_dossier_leaves_no_stale_files() {
    let fixture = Fixture::with(&[
        ("content/entities.yaml", GONE_ENTITIES),
        ("content/dossiers/keep.md", KEPT),
        ("content/dossiers/gone.md", GONE),
    ]);
    let run = fixture.run(&["build"]);
    assert_eq!(run.code, 0, "first build failed:\n{}", run.stderr);
    let out = fixture.out();
    for path in [
        "site/dossiers/gone/index.html",
        "site/entities/goneentity/index.html",
        "site/tags/gonetag/index.html",
        "site/pdf/gone.pdf",
        "pdf/gone.pdf",
    ] {
        assert!(out.join(path).is_file(), "first build did not write {path}");
    }

    std::fs::remove_file(fixture.root().join("content/dossiers/gone.md")).expect("remove");
    let run = fixture.run(&["build"]);
    assert_eq!(run.code, 0, "rebuild failed:\n{}", run.stderr);
    let traces = [
        "gonetitle",
        "gonetag",
        "goneentity",
        "gonesource",
        "goneevent",
        "gonebody",
    ];
    let found = find_canaries(&out, &traces.map(String::from));
    let files = files_under(&out);
    assert!(
        files.iter().any(|f| f == "pdf/keep.pdf"),
        "keep.pdf is missing"
    );
    let stale: Vec<&String> = files.iter().filter(|f| f.contains("gone")).collect();
    assert!(
        stale.is_empty(),
        "stale files after a successful rebuild: {stale:?}"
    );
    assert!(
        found.is_empty(),
        "the removed dossier left traces after a successful rebuild:\n{}",
        found
            .iter()
            .map(|(t, places)| format!("  {t}: {}", places.join(", ")))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn unwritable_output_is_an_io_error_that_changes_nothing() {
    let fixture = small_fixture();
    let mut failures = Vec::new();

    // The output folder is a regular file. (Tests run as root, which ignores permissions.)
    fixture.write("output", "a file where the output folder should be\n");
    let before = snapshot(fixture.root());
    let run = fixture.run(&["build"]);
    if run.code != 2 {
        failures.push(format!(
            "output/ is a file: exit {} (expected 2)\n{}",
            run.code, run.stderr
        ));
    }
    if !run.stderr.contains("output") {
        failures.push(format!(
            "output/ is a file: the message does not name it:\n{}",
            run.stderr
        ));
    }
    let after = snapshot(fixture.root());
    if after != before {
        failures.push(format!(
            "output/ is a file: the project changed: {}",
            diff(&before, &after)
        ));
    }
    std::fs::remove_file(fixture.out()).ok();
    std::fs::remove_dir_all(fixture.out()).ok();
    for stray in stray_entries(fixture.root()) {
        let path = fixture.root().join(stray);
        std::fs::remove_dir_all(&path)
            .or_else(|_| std::fs::remove_file(&path))
            .ok();
    }

    // --out lies below a regular file.
    fixture.write("blocker", "a file\n");
    let before = snapshot(fixture.root());
    let out = fixture.root().join("blocker/out");
    let run = fixture.run(&["build", "--out", out.to_str().expect("utf-8 path")]);
    if run.code != 2 {
        failures.push(format!(
            "--out under a file: exit {} (expected 2)\n{}",
            run.code, run.stderr
        ));
    }
    if !run.stderr.contains("blocker") {
        failures.push(format!(
            "--out under a file: the message does not name the path:\n{}",
            run.stderr
        ));
    }
    let after = snapshot(fixture.root());
    if after != before {
        failures.push(format!(
            "--out under a file: the project changed: {}",
            diff(&before, &after)
        ));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

// ---------------------------------------------------------------------------------------------
// SIGKILL in the middle of a build
// ---------------------------------------------------------------------------------------------

#[test]
fn killed_build_leaves_the_old_or_the_new_output_never_a_partial_one() {
    let fixture = Fixture::empty();
    crate::support::write_corpus(&fixture, 300);

    // Two editions that differ in the site title, so on every page. Each is built once in
    // full; then every killed build goes from one edition to the other, and must leave the
    // output it started from or the complete other one. (Same input, same bytes.)
    let edition = |n: usize| format!("title = \"Synthetic corpus, edition {n}\"\nlang = \"en\"\n");
    let mut complete = Vec::new();
    let mut duration = Duration::ZERO;
    for n in 0..2 {
        fixture.write("casefile.toml", &edition(n));
        let started = Instant::now();
        // The site of 300 dossiers: hundreds of files, about a second in a debug build. (A
        // full build with PDFs of this corpus takes minutes in debug.)
        let run = fixture.run(&["build", "--site"]);
        duration = duration.max(started.elapsed());
        assert_eq!(run.code, 0, "build of edition {n} failed:\n{}", run.stderr);
        let state = snapshot(&fixture.out());
        let files = state.as_ref().map_or(0, |s| s.len());
        assert!(files > 300, "edition {n}: only {files} entries written");
        complete.push(state);
    }
    assert_ne!(
        complete[0], complete[1],
        "the editions' outputs do not differ"
    );

    // Kills at fractions of a build's time, and kills timed from the moment a new entry (the
    // staging folder) appears beside the output, to land inside the writing itself.
    let kills = [
        Kill::After(duration.mul_f64(0.5)),
        Kill::After(duration.mul_f64(1.0)),
        Kill::AfterStaging(Duration::ZERO),
        Kill::AfterStaging(Duration::from_millis(10)),
        Kill::AfterStaging(Duration::from_millis(50)),
    ];
    let mut current = 1;
    let (mut kept, mut replaced) = (0, 0);
    let mut log = Vec::new();
    let mut partial = Vec::new();
    for kill in kills {
        let target = 1 - current;
        fixture.write("casefile.toml", &edition(target));
        let (what, state) = kill_build(&fixture, kill, duration * 3);
        if state == complete[current] {
            kept += 1;
            log.push(format!("{what}: previous output kept"));
        } else if state == complete[target] {
            replaced += 1;
            log.push(format!("{what}: complete new output"));
            current = target;
        } else {
            log.push(format!("{what}: PARTIAL"));
            partial.push(format!(
                "{what}: neither the previous nor the complete new output: vs previous: {}; vs new: {}",
                diff(&complete[current], &state),
                diff(&complete[target], &state)
            ));
            break;
        }
    }
    let leftovers = stray_entries(fixture.root());
    eprintln!(
        "kill test: site build up to {} ms; {} kills: {kept} kept the previous output, {replaced} left the complete new one, {} partial; left beside the output: {leftovers:?}\n  {}",
        duration.as_millis(),
        log.len(),
        partial.len(),
        log.join("\n  ")
    );
    assert!(partial.is_empty(), "{}", partial.join("\n"));

    // A later build is not disturbed by what the killed ones left.
    let target = 1 - current;
    fixture.write("casefile.toml", &edition(target));
    let run = fixture.run(&["build", "--site"]);
    assert_eq!(
        run.code, 0,
        "build after the killed ones failed:\n{}",
        run.stderr
    );
    assert!(
        snapshot(&fixture.out()) == complete[target],
        "the build after the killed ones differs from a clean build of the same input"
    );
}

#[test]
fn concurrent_builds_into_one_output_never_leave_a_partial_output() {
    // Two projects that differ in the site title build into the same --out at the same time,
    // as `casefile serve` and a `casefile build` may. Whatever the interleaving, the output
    // must end up as one complete build, and a build that reports success must not have been
    // cut short by the other.
    let first = Fixture::empty();
    crate::support::write_corpus(&first, 80);
    let second = Fixture::empty();
    crate::support::copy_tree(
        &first.root().join("content"),
        &second.root().join("content"),
    );
    let projects = [first, second];
    for (n, project) in projects.iter().enumerate() {
        project.write(
            "casefile.toml",
            &format!("title = \"Concurrent edition {n}\"\n"),
        );
    }
    let shared = Fixture::empty();
    let out = shared.root().join("output");
    let out_arg = out.to_str().expect("utf-8 path").to_string();

    let mut complete = Vec::new();
    for project in &projects {
        let run = project.run(&["build", "--site", "--out", &out_arg]);
        assert_eq!(run.code, 0, "clean build failed:\n{}", run.stderr);
        complete.push(snapshot(&out));
    }
    assert_ne!(
        complete[0], complete[1],
        "the two projects' outputs do not differ"
    );

    let mut problems = Vec::new();
    for round in 0..5 {
        let children: Vec<_> = projects
            .iter()
            .map(|project| {
                Command::new(env!("CARGO_BIN_EXE_casefile"))
                    .args(["build", "--site", "--out", &out_arg, "--root"])
                    .arg(project.root())
                    .stdout(Stdio::null())
                    .stderr(Stdio::piped())
                    .spawn()
                    .expect("spawn casefile")
            })
            .collect();
        let ends: Vec<(i32, String)> = children
            .into_iter()
            .map(|child| {
                let output = child.wait_with_output().expect("wait");
                let stderr = String::from_utf8_lossy(&output.stderr);
                let last = stderr
                    .lines()
                    .rev()
                    .find(|l| l.starts_with("error"))
                    .unwrap_or("");
                (output.status.code().unwrap_or(-1), last.to_string())
            })
            .collect();
        let state = snapshot(&out);
        let which = complete.iter().position(|c| *c == state);
        let codes: Vec<i32> = ends.iter().map(|(code, _)| *code).collect();
        eprintln!(
            "concurrent round {round}: exits {codes:?}, output {}",
            which.map_or("PARTIAL".to_string(), |n| format!("complete build {n}"))
        );
        match which {
            None => problems.push(format!(
                "round {round}: exits {codes:?}, the output is neither complete build: vs build 0: {}; vs build 1: {}\n  {}",
                diff(&complete[0], &state),
                diff(&complete[1], &state),
                ends.iter().map(|(_, e)| e.as_str()).collect::<Vec<_>>().join("\n  ")
            )),
            Some(n) if codes[n] != 0 => problems.push(format!(
                "round {round}: exits {codes:?}, but the output is that of the build that failed"
            )),
            Some(_) => {}
        }
        if codes.iter().any(|c| *c != 0 && *c != 2) {
            problems.push(format!("round {round}: exits {codes:?}"));
        }
        if !problems.is_empty() {
            break;
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[derive(Clone, Copy)]
enum Kill {
    /// SIGKILL this long after the start.
    After(Duration),
    /// SIGKILL this long after a new entry appears in the project root.
    AfterStaging(Duration),
}

/// Runs `build --site`, SIGKILLs it as told, and returns what happened and the output left.
fn kill_build(fixture: &Fixture, kill: Kill, limit: Duration) -> (String, Option<Snapshot>) {
    let entries = |root: &Path| -> BTreeSet<String> {
        std::fs::read_dir(root)
            .map(|d| {
                d.filter_map(|e| e.ok())
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default()
    };
    let before = entries(fixture.root());
    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_casefile"))
        .args(["build", "--site", "--root"])
        .arg(fixture.root())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn casefile");
    let mut note = String::new();
    match kill {
        Kill::After(delay) => std::thread::sleep(delay),
        Kill::AfterStaging(delay) => loop {
            if child.try_wait().expect("try_wait").is_some() || started.elapsed() > limit {
                note = " (no new entry seen)".to_string();
                break;
            }
            let now = entries(fixture.root());
            if let Some(new) = now.difference(&before).next() {
                note = format!(
                    " (`{new}` appeared at {} ms)",
                    started.elapsed().as_millis()
                );
                std::thread::sleep(delay);
                break;
            }
            std::thread::sleep(Duration::from_millis(1));
        },
    }
    let finished = child.try_wait().expect("try_wait").is_some();
    let at = started.elapsed();
    child.kill().ok(); // SIGKILL on Unix
    child.wait().expect("wait");
    let what = match kill {
        Kill::After(_) => format!("killed at {} ms", at.as_millis()),
        Kill::AfterStaging(delay) => format!(
            "killed {} ms after staging, at {} ms{note}",
            delay.as_millis(),
            at.as_millis()
        ),
    };
    let what = if finished {
        format!("{what}, after it had finished")
    } else {
        what
    };
    (what, snapshot(&fixture.out()))
}

#[test]
fn a_build_that_panics_while_writing_leaves_previous_output_byte_for_byte() {
    let fixture = Fixture::sample();
    let run = fixture.run(&["build", "--site"]);
    assert_eq!(run.code, 0, "first build failed:\n{}", run.stderr);
    let before = snapshot(&fixture.out());
    fixture.write("casefile.toml", "title = \"Another title on every page\"\n");
    let mut command = Command::new(env!("CARGO_BIN_EXE_casefile"));
    command
        .args(["build", "--site", "--root"])
        .arg(fixture.root())
        .env("CASEFILE_FAILPOINT", "panic-while-staging");
    let run = crate::support::run(command);
    assert_eq!(
        run.code, 2,
        "a panic is an internal error, exit 2:\n{}",
        run.stderr
    );
    assert!(run.stderr.contains("internal error"), "{}", run.stderr);
    let after = snapshot(&fixture.out());
    assert!(
        before == after,
        "the output changed:\n{}",
        diff(&before, &after)
    );
    let run = fixture.run(&["build", "--site"]);
    assert_eq!(run.code, 0, "the next build recovers:\n{}", run.stderr);
    assert!(
        snapshot(&fixture.out()) != before,
        "and writes the new output"
    );
}

#[test]
fn a_lock_file_left_by_an_earlier_build_does_not_block_the_next() {
    let fixture = small_fixture();
    // A lock file naming a process that runs (pid 1 runs everywhere) made older builds wait
    // two minutes before giving up.
    fixture.write(".output.lock", "1");
    let started = Instant::now();
    let run = fixture.run(&["build", "--site"]);
    let took = started.elapsed();
    assert_eq!(run.code, 0, "the build failed:\n{}", run.stderr);
    assert!(
        took < Duration::from_secs(60),
        "the build waited {took:?} for a lock nobody holds"
    );
    assert!(fixture.out().join("site/index.html").is_file());
}

/// Linux exchanges the old and the new output in one step: a reader of the site never finds
/// it missing, whatever the moment.
#[cfg(target_os = "linux")]
#[test]
fn a_reader_never_finds_the_site_missing_while_builds_swap_it() {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use std::sync::Arc;
    let fixture = small_fixture();
    let run = fixture.run(&["build", "--site"]);
    assert_eq!(run.code, 0, "first build failed:\n{}", run.stderr);
    let stop = Arc::new(AtomicBool::new(false));
    let (reads, misses) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let reader = {
        let index = fixture.out().join("site/index.html");
        let (stop, reads, misses) = (Arc::clone(&stop), Arc::clone(&reads), Arc::clone(&misses));
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                reads.fetch_add(1, Ordering::Relaxed);
                if std::fs::File::open(&index).is_err() {
                    misses.fetch_add(1, Ordering::Relaxed);
                }
            }
        })
    };
    let builds = 40;
    for n in 0..builds {
        fixture.write("casefile.toml", &format!("title = \"Edition {n}\"\n"));
        let run = fixture.run(&["build", "--site"]);
        assert_eq!(run.code, 0, "build {n} failed:\n{}", run.stderr);
    }
    stop.store(true, Ordering::Relaxed);
    reader.join().expect("reader thread");
    let (reads, misses) = (
        reads.load(Ordering::Relaxed),
        misses.load(Ordering::Relaxed),
    );
    eprintln!("{builds} swaps, {reads} reads of output/site/index.html, {misses} found nothing");
    assert!(reads > builds, "the reader hardly ran: {reads} reads");
    assert_eq!(
        misses, 0,
        "{misses} of {reads} reads found no output/site/index.html"
    );
    let last = format!("Edition {}", builds - 1);
    assert!(read(&fixture.out().join("site/index.html")).contains(&last));
}

#[test]
fn a_link_to_a_restricted_dossier_in_a_sources_notes_is_withheld_in_public_output() {
    let fixture = crate::support::Fixture::with(&[
        (
            "content/sources.yaml",
            "- id: memo\n  title: A memo\n  notes: See [[hushcanary-file]] and [[open-file]] for more.\n",
        ),
        (
            "content/dossiers/open-file.md",
            "---\ntitle: Open file\ndate: 2020-01-02\n---\nText [@memo].\n",
        ),
        (
            "content/dossiers/hushcanary-file.md",
            "---\ntitle: Hushed\ndate: 2020-01-03\nclassification: restricted\n---\nText [@memo].\n",
        ),
    ]);
    assert_eq!(fixture.run(&["build", "--site"]).code, 0);
    assert_eq!(fixture.run(&["export"]).code, 0);
    let out = fixture.out();
    for file in crate::support::files_under(&out) {
        let bytes = std::fs::read(out.join(&file)).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        assert!(
            !text.contains("hushcanary"),
            "{file} names the restricted dossier"
        );
    }
    let register = std::fs::read_to_string(out.join("site/sources/index.html")).unwrap();
    assert!(
        register.contains("See [withheld] and [[open-file]] for more."),
        "{register}"
    );
    assert_eq!(fixture.run(&["build", "--site", "--internal"]).code, 0);
    let internal =
        std::fs::read_to_string(fixture.internal_out().join("site/sources/index.html")).unwrap();
    assert!(
        internal.contains("[[hushcanary-file]]"),
        "an internal build keeps the notes"
    );
}
