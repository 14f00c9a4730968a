//! The built site's links: every internal `href` and `src` is relative, lands on a file of
//! the site and, with a `#fragment`, on an element with that id; nothing points at the site by
//! an absolute URL, and no page carries a `javascript:` URL. Broken links are collected first
//! and reported together, as zola's link checker does.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Component, Path, PathBuf};

use crate::support::{decode_entities, files_under, Fixture};

/// The `base_url` the tests configure, so that an absolute link to the site can be recognised.
const BASE_URL: &str = "https://example.org/dossiers/";

#[test]
fn every_link_in_the_public_site_lands_on_a_file_and_an_id() {
    let fixture = sample_with_base_url();
    let run = fixture.run(&["build"]);
    assert_eq!(run.code, 0, "build failed:\n{}", run.stderr);
    let site = fixture.out().join("site");

    let report = check_site(&site);
    assert_clean(&report);
    // Guards against a checker that passes because it saw nothing.
    let dossiers = files_under(&fixture.root().join("content/dossiers"))
        .iter()
        .filter(|f| f.ends_with(".md"))
        .count();
    assert!(
        report.pages >= dossiers + 4,
        "only {} pages checked",
        report.pages
    );
    assert!(
        report.fragments_checked > 50,
        "only {} #fragment links checked",
        report.fragments_checked
    );
    assert!(
        report.cross_page_fragments > 0,
        "no link to an id on another page was checked"
    );
}

#[test]
fn every_link_in_the_internal_build_with_drafts_lands_on_a_file_and_an_id() {
    let fixture = sample_with_base_url();
    let run = fixture.run(&["build", "--site", "--internal", "--drafts"]);
    assert_eq!(run.code, 0, "build failed:\n{}", run.stderr);
    assert_clean(&check_site(&fixture.internal_out().join("site")));
}

#[test]
fn sitemap_and_feed_urls_name_files_that_exist() {
    let fixture = sample_with_base_url();
    let run = fixture.run(&["build", "--site"]);
    assert_eq!(run.code, 0, "build failed:\n{}", run.stderr);
    let site = fixture.out().join("site");

    let mut failures = Vec::new();
    let mut urls = 0;
    for (file, pattern) in [("sitemap.xml", "<loc>"), ("atom.xml", "<link href=\"")] {
        let text = std::fs::read_to_string(site.join(file))
            .unwrap_or_else(|e| panic!("{file} is written when base_url is set: {e}"));
        for raw in text.split(pattern).skip(1) {
            let end = raw.find(['<', '"']).unwrap_or(raw.len());
            let url = decode_entities(&raw[..end]);
            urls += 1;
            match url.strip_prefix(BASE_URL) {
                Some(rel) if site.join(rel).is_file() => {}
                Some(rel) => failures.push(format!("{file}: {url}: no file {rel} in the site")),
                None => failures.push(format!("{file}: {url}: not under base_url {BASE_URL}")),
            }
        }
    }
    assert!(
        urls > 10,
        "only {urls} URLs found in sitemap.xml and atom.xml"
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Nested dossier folders, images beside a dossier and above it, accented and repeated
/// headings, explicit heading ids, tags with spaces and accents, shared and local sources:
/// the places where a generator most often writes a link one folder off.
#[test]
fn links_from_nested_dossiers_images_anchors_and_accented_tags_resolve() {
    let fixture = Fixture::with(&[
        (
            "content/entities.yaml",
            "- id: almoloya\n  name: Almoloya de Juárez\n  kind: place\n",
        ),
        (
            "content/sources.yaml",
            "- id: shared-report\n  title: Shared report\n  kind: report\n  url: https://example.com/report\n",
        ),
        (
            "content/dossiers/2019/deep/nested-case.md",
            "---\ntitle: Nested case\ndate: 2019-06\ntags: [Armas de fuego, Juárez]\n\
             entities: [almoloya]\nsources:\n  - id: local-note\n    title: Local note\n---\n\
             ## Almoloya de Juárez\n\nSee the map[@shared-report, p. 2]: ![Map of the area](map.svg)\n\n\
             ## Almoloya de Juárez\n\nAnd the seal[@local-note]: ![Seal](../../../seal.png)\n\n\
             ## Own heading {#own-id}\n\nBack to [the first section](#almoloya-de-juarez) and \
             [[almoloya]][^fn].\n\n[^fn]: A footnote citing [@shared-report].\n",
        ),
        (
            "content/dossiers/linker.md",
            "---\ntitle: Linker\ndate: 2020-01-02\ntags: [Juárez]\nrelated: [nested-case]\n\
             timeline:\n  - date: 2020-01\n    event: Something in [[almoloya]].\n    sources: [shared-report]\n---\n\
             Read [[nested-case#almoloya-de-juarez]], [[nested-case#own-id|the own id]] and \
             [[nested-case]][@shared-report].\n",
        ),
        (
            "content/dossiers/2019/deep/map.svg",
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"4\" height=\"4\"><rect width=\"4\" height=\"4\"/></svg>\n",
        ),
    ]);
    std::fs::write(fixture.root().join("content/seal.png"), ONE_PIXEL_PNG).expect("write png");
    let run = fixture.run(&["build", "--site"]);
    assert_eq!(run.code, 0, "build failed:\n{}\n{}", run.stdout, run.stderr);
    let site = fixture.out().join("site");

    let report = check_site(&site);
    assert_clean(&report);
    assert!(
        report.images >= 2,
        "the two images were not linked from the page (saw {} <img>)",
        report.images
    );
}

/// The checker itself: a site with one fault of each kind gets one report per fault, and a
/// clean page gets none. Without this, a scanner that saw no attributes would pass everything.
#[test]
fn link_checker_reports_each_planted_fault_and_nothing_on_a_clean_page() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let site = dir.path();
    let write = |path: &str, text: &str| {
        let path = site.join(path);
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("folders");
        std::fs::write(path, text).expect("write page");
    };
    write(
        "index.html",
        "<!DOCTYPE html><html><body>\n\
         <!-- <a href=\"commented-out.html\"> -->\n\
         <a href=\"a/index.html#section\" id=top>fine</a>\n\
         <a class='x' href='a/index.html?q=1'>fine with a query</a>\n\
         <a href=\"https://example.com/\">external</a> <a href=\"mailto:desk@example.org\">mail</a>\n\
         <link rel=\"icon\" href=\"data:image/svg+xml,%3Csvg%3E\">\n\
         <a href=\"missing.html\">1</a>\n\
         <a href=\"/a/index.html\">2</a>\n\
         <a href=\"a/index.html#nowhere\">3</a>\n\
         <a href=\"#also-nowhere\">4</a>\n\
         <a href=\"https://example.org/dossiers/a/index.html\">5</a>\n\
         <a href=\"JavaScript:alert(1)\">6</a>\n\
         <img src=\"../outside.png\" alt=\"\">\n\
         <a href=\"a/\">8</a>\n\
         <a href=\"file:///etc/passwd\">9</a>\n\
         <img src=\"data:image/png;base64,AAAA\" alt=\"\">\n\
         <a href=\"a&#x2F;index.html#s&#xE9;ction\">fine, with entities</a>\n\
         <a href=\"a/index.html#s%C3%A9ction\">fine, percent-encoded</a>\n\
         <script>var s = '<a href=\"not-a-link.html\">';</script>\n\
         </body></html>",
    );
    write(
        "a/index.html",
        "<html><body><h2 id=\"section\">S</h2><h2 id=\"séction\">S</h2>\
         <a href=\"../index.html#top\">up</a></body></html>",
    );
    std::fs::write(site.join("outside.png"), ONE_PIXEL_PNG).expect("write png");

    let report = check_site(site);
    let failures = report.failures.join("\n");
    let expected = [
        "href=\"missing.html\"",
        "href=\"/a/index.html\"",
        "href=\"a/index.html#nowhere\"",
        "href=\"#also-nowhere\"",
        "href=\"https://example.org/dossiers/a/index.html\"",
        "href=\"JavaScript:alert(1)\"",
        "src=\"../outside.png\"",
        "href=\"a/\"",
        "href=\"file:///etc/passwd\"",
        "src=\"data:image/png;base64,AAAA\"",
        "contains \"javascript:\"",
    ];
    for fault in expected {
        assert!(
            failures.contains(fault),
            "the checker missed {fault}; it reported:\n{failures}"
        );
    }
    assert_eq!(
        report.failures.len(),
        expected.len(),
        "the checker reported more than the planted faults:\n{failures}"
    );
    assert!(
        report.failures.iter().all(|f| f.starts_with("index.html:")),
        "a fault was reported on the clean page:\n{failures}"
    );
}

/// A valid 1×1 PNG.
const ONE_PIXEL_PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4,
    0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0xf8, 0xcf, 0xc0, 0xf0,
    0x1f, 0x00, 0x05, 0x00, 0x01, 0xff, 0x89, 0x99, 0x3d, 0x1d, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45,
    0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
];

/// The sample content with `base_url` set, so that sitemap, feed and any absolute self-link
/// exist to be caught. An existing `casefile.toml` keeps its keys.
fn sample_with_base_url() -> Fixture {
    let fixture = Fixture::sample();
    let config = fixture.root().join("casefile.toml");
    let existing = std::fs::read_to_string(&config).unwrap_or_default();
    let table: toml::Table = existing.parse().expect("the sample casefile.toml parses");
    if !table.contains_key("base_url") {
        // Top-level keys must come before the first [section], so the key goes first.
        let text = format!("base_url = \"{BASE_URL}\"\n{existing}");
        std::fs::write(&config, text).expect("write casefile.toml");
    }
    fixture
}

/// What the checker found in one site.
#[derive(Default)]
struct LinkReport {
    failures: Vec<String>,
    pages: usize,
    fragments_checked: usize,
    cross_page_fragments: usize,
    images: usize,
}

fn assert_clean(report: &LinkReport) {
    assert!(
        report.failures.is_empty(),
        "{} broken or unsafe links:\n{}",
        report.failures.len(),
        report.failures.join("\n")
    );
}

/// One start tag: its lowercased name and its attributes, names lowercased, values decoded.
struct Element {
    name: String,
    attrs: Vec<(String, String)>,
}

impl Element {
    fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A parsed page: its elements and the ids they declare.
struct Page {
    elements: Vec<Element>,
    ids: BTreeSet<String>,
}

/// Checks every `.html` page under `site`.
fn check_site(site: &Path) -> LinkReport {
    let mut pages = BTreeMap::new();
    let mut report = LinkReport::default();
    for rel in files_under(site) {
        if !rel.ends_with(".html") {
            continue;
        }
        let text = std::fs::read_to_string(site.join(&rel))
            .unwrap_or_else(|e| panic!("{rel} is not UTF-8 text: {e}"));
        if text.to_ascii_lowercase().contains("javascript:") {
            report
                .failures
                .push(format!("{rel}: contains \"javascript:\""));
        }
        let elements = scan_elements(&text);
        let mut ids = BTreeSet::new();
        for element in &elements {
            if let Some(id) = element.attr("id") {
                if !ids.insert(id.to_string()) {
                    report
                        .failures
                        .push(format!("{rel}: id=\"{id}\" appears more than once"));
                }
            }
        }
        pages.insert(rel, Page { elements, ids });
    }
    report.pages = pages.len();
    for (rel, page) in &pages {
        for element in &page.elements {
            for attr in ["href", "src"] {
                if let Some(value) = element.attr(attr) {
                    if element.name == "img" {
                        report.images += 1;
                    }
                    if let Err(why) = check_link(site, rel, element, value, &pages, &mut report) {
                        report.failures.push(format!(
                            "{rel}: <{} {attr}=\"{value}\">: {why}",
                            element.name
                        ));
                    }
                }
            }
        }
    }
    report
}

/// Checks one `href` or `src` value found on page `from` (a path relative to the site).
fn check_link(
    site: &Path,
    from: &str,
    element: &Element,
    value: &str,
    pages: &BTreeMap<String, Page>,
    report: &mut LinkReport,
) -> Result<(), String> {
    // A URL parser strips surrounding spaces and controls; so does this check.
    let url = value.trim_matches(|c: char| c <= ' ');
    if url.is_empty() {
        return Err("empty link".into());
    }
    if let Some(scheme) = scheme(url) {
        return match scheme.as_str() {
            "http" | "https" => {
                let lower = url.to_ascii_lowercase();
                let own = lower.starts_with(BASE_URL)
                    || ["localhost", "127.0.0.1", "[::1]"]
                        .iter()
                        .any(|h| lower.split('/').nth(2).is_some_and(|a| a.starts_with(h)));
                if own {
                    Err("absolute URL of the site's own file; links inside the site must be relative".into())
                } else {
                    Ok(())
                }
            }
            "mailto" => Ok(()),
            // The one data: URL a page may carry is its inline icon.
            "data"
                if element.name == "link"
                    && element.attr("rel").is_some_and(|r| {
                        r.split_whitespace().any(|w| w.eq_ignore_ascii_case("icon"))
                    })
                    && url.to_ascii_lowercase().starts_with("data:image/") =>
            {
                Ok(())
            }
            other => Err(format!("{other}: URL in a page")),
        };
    }
    if url.starts_with("//") {
        return Err("scheme-relative URL; internal links must be relative paths".into());
    }
    if url.starts_with('/') {
        return Err("root-absolute link; it breaks when the site is opened from disk or served under a path".into());
    }
    let (before_fragment, fragment) = match url.split_once('#') {
        Some((path, fragment)) => (path, Some(fragment)),
        None => (url, None),
    };
    let path = before_fragment
        .split_once('?')
        .map_or(before_fragment, |(path, _)| path);
    let target = if path.is_empty() {
        from.to_string()
    } else {
        resolve(from, &percent_decode(path))?
    };
    let on_disk = site.join(&target);
    if on_disk.is_dir() {
        return Err(format!(
            "links to the folder {target}/; opened from disk that shows a listing, not index.html"
        ));
    }
    if !on_disk.is_file() {
        return Err(format!("no file {target}"));
    }
    if let Some(fragment) = fragment {
        let id = percent_decode(fragment);
        if id.is_empty() {
            return Err("empty #fragment".into());
        }
        let page = pages
            .get(&target)
            .ok_or_else(|| format!("#{id} points into {target}, which is not an HTML page"))?;
        report.fragments_checked += 1;
        if target != from {
            report.cross_page_fragments += 1;
        }
        if !page.ids.contains(&id) {
            return Err(format!("no id=\"{id}\" in {target}"));
        }
    }
    Ok(())
}

/// The lowercased scheme of an absolute URL, if `url` has one.
fn scheme(url: &str) -> Option<String> {
    let colon = url.find(':')?;
    let candidate = &url[..colon];
    let mut chars = candidate.chars();
    let valid = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    valid.then(|| candidate.to_ascii_lowercase())
}

/// Resolves a relative path against the folder of page `from`, both relative to the site
/// root; a path that climbs out of the site is an error.
fn resolve(from: &str, path: &str) -> Result<String, String> {
    let mut parts: Vec<String> = from.split('/').map(str::to_string).collect();
    parts.pop(); // the page's own file name
    for component in Path::new(path).components() {
        match component {
            Component::Normal(part) => parts.push(part.to_string_lossy().into_owned()),
            Component::CurDir => {}
            Component::ParentDir => {
                if parts.pop().is_none() {
                    return Err("climbs out of the site folder".into());
                }
            }
            Component::RootDir | Component::Prefix(_) => {
                return Err("not a relative path".into());
            }
        }
    }
    Ok(parts
        .iter()
        .collect::<PathBuf>()
        .to_string_lossy()
        .replace('\\', "/"))
}

/// Every start tag of an HTML document, skipping comments, doctypes, end tags and the raw
/// text of `script`, `style`, `textarea` and `title`.
fn scan_elements(html: &str) -> Vec<Element> {
    let bytes = html.as_bytes();
    let mut elements = Vec::new();
    let mut i = 0;
    while let Some(offset) = html[i..].find('<') {
        i += offset;
        let rest = &html[i..];
        if rest.starts_with("<!--") {
            i += rest.find("-->").map_or(rest.len(), |end| end + 3);
            continue;
        }
        let next = bytes.get(i + 1).copied().unwrap_or(b' ');
        if !next.is_ascii_alphabetic() {
            // `</end>`, `<!DOCTYPE>`, `<?…>` or a stray `<` in text.
            i += 1;
            if matches!(next, b'/' | b'!' | b'?') {
                i += html[i..].find('>').map_or(html.len() - i, |end| end + 1);
            }
            continue;
        }
        let (element, end) = scan_tag(html, i + 1);
        i = end;
        if matches!(
            element.name.as_str(),
            "script" | "style" | "textarea" | "title"
        ) {
            let close = format!("</{}", element.name);
            i += html[i..]
                .to_ascii_lowercase()
                .find(&close)
                .unwrap_or(html.len() - i);
        }
        elements.push(element);
    }
    elements
}

/// Reads one start tag from just after its `<`; returns it and the offset after its `>`.
fn scan_tag(html: &str, start: usize) -> (Element, usize) {
    let bytes = html.as_bytes();
    let stops_name = |b: u8| b.is_ascii_whitespace() || matches!(b, b'>' | b'/' | b'=');
    let mut i = start;
    while i < bytes.len() && !stops_name(bytes[i]) {
        i += 1;
    }
    let name = html[start..i].to_ascii_lowercase();
    let mut attrs = Vec::new();
    loop {
        while i < bytes.len() && (bytes[i].is_ascii_whitespace() || bytes[i] == b'/') {
            i += 1;
        }
        if i >= bytes.len() {
            break;
        }
        if bytes[i] == b'>' {
            i += 1;
            break;
        }
        let name_start = i;
        i += 1; // an attribute name may start with `=`; it is taken as a character
        while i < bytes.len() && !stops_name(bytes[i]) {
            i += 1;
        }
        let attr_name = html[name_start..i].to_ascii_lowercase();
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        let mut value = String::new();
        if i < bytes.len() && bytes[i] == b'=' {
            i += 1;
            while i < bytes.len() && bytes[i].is_ascii_whitespace() {
                i += 1;
            }
            let value_start;
            let value_end;
            if i < bytes.len() && matches!(bytes[i], b'"' | b'\'') {
                let quote = bytes[i] as char;
                value_start = i + 1;
                value_end = html[value_start..]
                    .find(quote)
                    .map_or(html.len(), |end| value_start + end);
                i = (value_end + 1).min(html.len());
            } else {
                value_start = i;
                while i < bytes.len() && !bytes[i].is_ascii_whitespace() && bytes[i] != b'>' {
                    i += 1;
                }
                value_end = i;
            }
            value = decode_entities(&html[value_start..value_end]);
        }
        // The first of two attributes with one name wins, as in a browser.
        if !attrs.iter().any(|(n, _)| *n == attr_name) {
            attrs.push((attr_name, value));
        }
    }
    (Element { name, attrs }, i)
}

/// Decodes `%XX` escapes as UTF-8; a malformed escape is kept as written.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}
