//! The built sample site in a real headless Chromium, driven through chromedriver's W3C
//! WebDriver API and served over HTTP by a small static server inside the test: pages load
//! without console errors, search finds accented text from plain letters, and a citation
//! marker takes the reader to its note.
//!
//! Needs `/usr/bin/chromium` and `/usr/bin/chromedriver` (Debian: `chromium`,
//! `chromium-driver`; `.ci/run` installs them). Without them these tests fail; they never skip.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::support::{copy_tree, files_under, repo, Fixture};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// The key under which WebDriver returns an element reference.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";
const DOSSIER: &str = "dossiers/tejupilco-grenade-sales/index.html";

#[test]
fn every_page_loads_in_chromium_without_console_errors() {
    let site = BuiltSite::sample();
    let server = StaticServer::start(site.dir());
    let browser = Browser::start();

    let pages: Vec<String> = files_under(&site.dir())
        .into_iter()
        .filter(|f| f.ends_with(".html"))
        .collect();
    assert!(pages.len() > 20, "only {} pages were built", pages.len());
    let mut failures = Vec::new();

    // The log channel itself must work, or a silent console would prove nothing.
    browser.open(&server.url("index.html"));
    browser.script("console.error('casefile-probe'); return null;");
    let (probe, other): (Vec<String>, Vec<String>) = browser
        .console_errors()
        .into_iter()
        .partition(|m| m.contains("casefile-probe"));
    assert!(
        !probe.is_empty(),
        "chromedriver's browser log did not report a console.error: {other:?}"
    );
    failures.extend(
        other
            .into_iter()
            .map(|m| format!("index.html: console: {m}")),
    );

    for page in &pages {
        browser.open(&server.url(page));
        for message in browser.console_errors() {
            failures.push(format!("{page}: console: {message}"));
        }
        for problem in browser.script_strings(PAGE_HEALTH) {
            failures.push(format!("{page}: {problem}"));
        }
    }
    // A late error (an icon fetched after the load event) still counts.
    for message in browser.console_errors() {
        failures.push(format!("after the last page: console: {message}"));
    }
    assert!(
        failures.is_empty(),
        "{} problems in {} pages:\n{}",
        failures.len(),
        pages.len(),
        failures.join("\n")
    );
}

/// What a page's own resources did, as seen from inside the page.
const PAGE_HEALTH: &str = r#"
const problems = [];
for (const img of document.images) {
  if (!img.complete || img.naturalWidth === 0) problems.push("image did not load: " + img.src);
}
for (const link of document.querySelectorAll('link[rel="stylesheet"]')) {
  if (!link.sheet || link.sheet.cssRules.length === 0) problems.push("stylesheet did not load: " + link.href);
}
for (const entry of performance.getEntriesByType("resource")) {
  if (entry.responseStatus >= 400) problems.push("HTTP " + entry.responseStatus + ": " + entry.name);
}
if (!Array.isArray(window.CASEFILE_SEARCH) || window.CASEFILE_SEARCH.length === 0) {
  problems.push("the search index did not load");
}
if (!document.querySelector("main h1")) problems.push("no h1 in main");
return problems;
"#;

/// The search results' links after typing `query` into a fresh index page (the results list
/// shows a line without a link when nothing matches).
fn search_hits(browser: &Browser, start: &str, query: &str) -> Vec<String> {
    browser.open(start);
    let input = browser.find("#search-input");
    browser.post(&format!("element/{input}/value"), json!({ "text": query }));
    browser.wait_for(&format!("results of {query:?}"), || {
        let shown = browser.script_strings(
            "return Array.from(document.querySelectorAll('#search-results li'), li => li.textContent);",
        );
        (!shown.is_empty()).then_some(())
    });
    browser.script_strings(
        "return Array.from(document.querySelectorAll('#search-results a'), a => a.href);",
    )
}

#[test]
fn search_keeps_the_enye_and_the_index_filters_by_language() {
    let site = BuiltSite::sample();
    let server = StaticServer::start(site.dir());
    let browser = Browser::start();
    let start = server.url("index.html");
    let hope = server.url("dossiers/hope-danos-a-la-inteligencia/index.html");
    // Typed without the ñ, or with it, "dañina" finds the dossier that says it.
    for query in ["danina", "dañina", "DAÑINA"] {
        let hits = search_hits(&browser, &start, query);
        assert!(hits.contains(&hope), "{query:?} offered {hits:?}");
    }
    // A query with ñ finds only ñ: "mexicaño" is not "mexicano", which the dossier says.
    let hits = search_hits(&browser, &start, "mexicaño");
    assert!(hits.is_empty(), "\"mexicaño\" offered {hits:?}");
    assert!(!search_hits(&browser, &start, "mexicano").is_empty());

    browser.open(&start);
    let visible = |browser: &Browser| {
        browser.script_strings(
            "return Array.from(document.querySelectorAll('.card'), c => c.hidden ? '' : c.getAttribute('data-lang'));",
        )
    };
    let all = visible(&browser);
    assert!(
        all.contains(&"es".to_string()) && all.contains(&"en".to_string()),
        "{all:?}"
    );
    browser.script(
        "var f = document.getElementById('lang-filter'); f.value = 'es'; f.dispatchEvent(new Event('change')); return null;",
    );
    let shown: Vec<String> = visible(&browser)
        .into_iter()
        .filter(|l| !l.is_empty())
        .collect();
    assert_eq!(shown, ["es", "es"], "the filter left {shown:?}");
}

#[test]
fn typing_juarez_finds_the_dossier_that_names_juarez() {
    let site = BuiltSite::sample();
    let server = StaticServer::start(site.dir());
    let browser = Browser::start();
    let from_disk = |path: &str| format!("file://{}/{path}", site.dir().display());

    // The top page, a page two folders down (result links must climb out of it), and the
    // site opened from disk.
    for (start, target) in [
        (server.url("index.html"), server.url(DOSSIER)),
        (
            server.url("entities/almoloya-de-juarez/index.html"),
            server.url(DOSSIER),
        ),
        (from_disk("index.html"), from_disk(DOSSIER)),
    ] {
        browser.open(&start);
        let input = browser.find("#search-input");
        browser.post(
            &format!("element/{input}/value"),
            json!({ "text": "juarez" }),
        );
        let hits = browser.wait_for(&format!("results of \"juarez\" on {start}"), || {
            let hits = browser.script_strings(
                "return Array.from(document.querySelectorAll('#search-results a'), a => a.href);",
            );
            (!hits.is_empty()).then_some(hits)
        });
        assert!(
            hits.contains(&target),
            "searching \"juarez\" from {start} did not offer {target}; it offered {hits:?}"
        );
        let list = browser.find("#search-results");
        assert_eq!(
            browser.get(&format!("element/{list}/displayed")),
            Value::Bool(true),
            "the results list is not visible on {start}"
        );
    }

    // Following the hit from the nested page lands on the dossier.
    browser.open(&server.url("entities/almoloya-de-juarez/index.html"));
    let input = browser.find("#search-input");
    browser.post(
        &format!("element/{input}/value"),
        json!({ "text": "juarez" }),
    );
    let link = browser.wait_for("a result link", || {
        browser
            .find_all(&format!("#search-results a[href$=\"{DOSSIER}\"]"))
            .into_iter()
            .next()
    });
    browser.post(&format!("element/{link}/click"), json!({}));
    let landed = browser.wait_for("the dossier page", || {
        let url = browser.get("url");
        let url = url.as_str().unwrap_or_default().to_string();
        url.ends_with(DOSSIER).then_some(url)
    });
    assert_eq!(landed, server.url(DOSSIER));
    let heading = browser.script("return document.querySelector('main h1').textContent;");
    assert!(
        heading.as_str().unwrap_or_default().contains("Tejupilco"),
        "the dossier page shows the heading {heading}"
    );
}

#[test]
fn clicking_a_citation_marker_scrolls_to_its_note_and_back() {
    let site = BuiltSite::sample();
    let server = StaticServer::start(site.dir());
    let browser = Browser::start();
    browser.post("window/rect", json!({ "width": 1280, "height": 800 }));
    browser.open(&server.url(DOSSIER));

    let before = browser.script(VIEWPORT_OF_NOTE_1);
    assert_eq!(before["exists"], true, "no #cf-note-1 on {DOSSIER}");
    assert!(
        before["top"].as_f64() >= before["viewport"].as_f64(),
        "note 1 is already on screen before the click, so the test would prove nothing: {before}"
    );

    let marker = browser.find("sup.note-ref a");
    browser.post(&format!("element/{marker}/click"), json!({}));
    let after = browser.wait_for("the jump to note 1", || {
        let state = browser.script(VIEWPORT_OF_NOTE_1);
        (state["hash"] == "#cf-note-1").then_some(state)
    });
    let (top, viewport) = (
        after["top"].as_f64().unwrap_or(-1.0),
        after["viewport"].as_f64().unwrap_or(0.0),
    );
    // Scrolled into view, allowing a pixel of sub-pixel rounding at the top edge.
    assert!(
        (-1.0..viewport).contains(&top),
        "after the click #cf-note-1 is not in the viewport: {after}"
    );

    // The note's back link returns to the marker.
    let back = browser.find("#cf-note-1 a.backref");
    browser.post(&format!("element/{back}/click"), json!({}));
    let returned = browser.wait_for("the jump back to reference 1", || {
        let state = browser.script(
            "const m = document.getElementById('cf-ref-1');
             return { hash: location.hash, top: m.getBoundingClientRect().top, viewport: innerHeight };",
        );
        (state["hash"] == "#cf-ref-1").then_some(state)
    });
    let top = returned["top"].as_f64().unwrap_or(-1.0);
    assert!(
        (-1.0..returned["viewport"].as_f64().unwrap_or(0.0)).contains(&top),
        "after the back link the marker is not in the viewport: {returned}"
    );
}

const VIEWPORT_OF_NOTE_1: &str = "const n = document.getElementById('cf-note-1');
return { hash: location.hash, exists: !!n, top: n ? n.getBoundingClientRect().top : null,
         viewport: innerHeight };";

#[test]
fn no_page_scrolls_sideways_on_a_phone_screen() {
    let browser = Browser::start();
    browser.post("window/rect", json!({ "width": 390, "height": 844 }));
    let mut failures = Vec::new();
    for site in [BuiltSite::sample(), BuiltSite::constructs(&[])] {
        let server = StaticServer::start(site.dir());
        for page in site.pages() {
            browser.open(&server.url(&page));
            let widths = browser.script(
                "return { page: document.documentElement.scrollWidth, viewport: document.documentElement.clientWidth };",
            );
            if widths["page"].as_f64() > widths["viewport"].as_f64() {
                failures.push(format!("{page}: {widths}"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "pages wider than a 390 px phone:\n{}",
        failures.join("\n")
    );
}

/// The sample content, built (site only) into a temporary folder.
pub struct BuiltSite {
    fixture: Fixture,
}

impl BuiltSite {
    pub fn sample() -> BuiltSite {
        BuiltSite::of(Fixture::sample(), &[])
    }

    /// `tests/fixtures/constructs`: every construct of the format, restricted material and
    /// a confidential source included, built with `args` after `build --site`.
    pub fn constructs(args: &[&str]) -> BuiltSite {
        let fixture = Fixture::empty();
        copy_tree(&repo().join("tests/fixtures/constructs"), fixture.root());
        BuiltSite::of(fixture, args)
    }

    fn of(fixture: Fixture, args: &[&str]) -> BuiltSite {
        let mut all = vec!["build", "--site"];
        all.extend(args);
        let run = fixture.run(&all);
        assert_eq!(run.code, 0, "build failed:\n{}", run.stderr);
        BuiltSite { fixture }
    }

    pub fn dir(&self) -> PathBuf {
        let internal = self.fixture.internal_out().join("site");
        if internal.is_dir() {
            internal
        } else {
            self.fixture.out().join("site")
        }
    }

    /// Every page of the site, as paths relative to it.
    pub fn pages(&self) -> Vec<String> {
        files_under(&self.dir())
            .into_iter()
            .filter(|f| f.ends_with(".html"))
            .collect()
    }
}

/// A static file server on 127.0.0.1 for one folder. Each connection gets a thread, up to
/// `MAX_WORKERS` at once; beyond that the accepting thread serves it itself, which slows the
/// next accept instead of refusing anyone. Dropping the server stops it.
pub struct StaticServer {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    acceptor: Option<JoinHandle<()>>,
}

const MAX_WORKERS: usize = 8;

impl StaticServer {
    pub fn start(root: PathBuf) -> StaticServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local address");
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = Arc::clone(&stop);
        let acceptor = thread::spawn(move || {
            let root = Arc::new(root);
            let workers = Arc::new(AtomicUsize::new(0));
            for stream in listener.incoming() {
                if stopping.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                if workers.fetch_add(1, Ordering::SeqCst) >= MAX_WORKERS {
                    workers.fetch_sub(1, Ordering::SeqCst);
                    serve(stream, &root);
                    continue;
                }
                let (root, workers) = (Arc::clone(&root), Arc::clone(&workers));
                thread::spawn(move || {
                    serve(stream, &root);
                    workers.fetch_sub(1, Ordering::SeqCst);
                });
            }
        });
        StaticServer {
            addr,
            stop,
            acceptor: Some(acceptor),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}/{path}", self.addr)
    }
}

impl Drop for StaticServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the blocking accept so that the loop sees the flag.
        let _ = TcpStream::connect(self.addr);
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
    }
}

/// Answers one HTTP/1.1 request and closes the connection.
fn serve(mut stream: TcpStream, root: &Path) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let _ = stream.set_write_timeout(Some(Duration::from_secs(5)));
    let mut head = Vec::new();
    let mut buf = [0u8; 2048];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 16 * 1024 {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    let head = String::from_utf8_lossy(&head);
    let mut words = head.lines().next().unwrap_or_default().split(' ');
    let (method, target) = (words.next().unwrap_or(""), words.next().unwrap_or(""));
    let (status, content_type, body) = match (method, file_for(root, target)) {
        ("GET" | "HEAD", Some(path)) => match std::fs::read(&path) {
            Ok(body) => ("200 OK", content_type(&path), body),
            Err(_) => not_found(root),
        },
        ("GET" | "HEAD", None) => not_found(root),
        _ => (
            "405 Method Not Allowed",
            "text/plain; charset=utf-8",
            b"GET only\n".to_vec(),
        ),
    };
    let header = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\
         X-Content-Type-Options: nosniff\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(header.as_bytes());
    if method != "HEAD" {
        let _ = stream.write_all(&body);
    }
    let _ = stream.flush();
    let _ = stream.shutdown(Shutdown::Both);
}

/// The file a request target names: percent-decoded, query dropped, folders to their
/// `index.html`; `None` for anything outside `root` or missing.
fn file_for(root: &Path, target: &str) -> Option<PathBuf> {
    let path = target.split(['?', '#']).next()?.strip_prefix('/')?;
    let mut bytes = Vec::new();
    let mut rest = path.as_bytes();
    while let Some((&b, tail)) = rest.split_first() {
        let hex = tail.get(..2).and_then(|h| std::str::from_utf8(h).ok());
        match (b, hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(decoded)) => {
                bytes.push(decoded);
                rest = &tail[2..];
            }
            _ => {
                bytes.push(b);
                rest = tail;
            }
        }
    }
    let path = String::from_utf8(bytes).ok()?;
    if path
        .split('/')
        .any(|part| part == ".." || part.contains(['\\', '\0']))
    {
        return None;
    }
    let mut file = root.join(&path);
    if file.is_dir() {
        file = file.join("index.html");
    }
    file.is_file().then_some(file)
}

fn not_found(root: &Path) -> (&'static str, &'static str, Vec<u8>) {
    let body = std::fs::read(root.join("404.html")).unwrap_or_else(|_| b"not found\n".to_vec());
    ("404 Not Found", "text/html; charset=utf-8", body)
}

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()) {
        Some("html") => "text/html; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("json") => "application/json",
        Some("xml") => "application/xml",
        Some("pdf") => "application/pdf",
        Some("png") => "image/png",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("svg") => "image/svg+xml",
        _ => "application/octet-stream",
    }
}

/// A chromedriver process and one browser session in it. Dropping it ends the session and
/// the process, even when an assertion failed.
pub struct Browser {
    agent: ureq::Agent,
    driver: Child,
    session: String,
    endpoint: String,
    /// Chromium's user-data folder, removed after the driver has stopped.
    profile: tempfile::TempDir,
}

impl Browser {
    pub fn start() -> Browser {
        for program in [CHROMEDRIVER, CHROMIUM] {
            assert!(
                Path::new(program).is_file(),
                "{program} is missing: the browser tests need Chromium and its driver \
                 (Debian: apt-get install -y chromium chromium-driver; .ci/run installs them)"
            );
        }
        let mut driver = Command::new(CHROMEDRIVER)
            .arg("--port=0")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("start {CHROMEDRIVER}: {e}"));
        let port = match driver_port(&mut driver) {
            Ok(port) => port,
            Err(why) => {
                let _ = driver.kill();
                let _ = driver.wait();
                panic!("{CHROMEDRIVER} did not start: {why}");
            }
        };
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .proxy(None)
            .timeout_global(Some(Duration::from_secs(30)))
            .build()
            .into();
        let profile = tempfile::Builder::new()
            .prefix("casefile-chromium-")
            .tempdir()
            .expect("profile folder");
        let mut browser = Browser {
            agent,
            driver,
            session: String::new(),
            endpoint: format!("http://127.0.0.1:{port}"),
            profile,
        };
        let capabilities = json!({ "capabilities": { "alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", "--no-first-run", "--window-size=1280,800",
                    format!("--user-data-dir={}", browser.profile.path().display()),
                ],
            },
            "goog:loggingPrefs": { "browser": "ALL" },
            "timeouts": { "pageLoad": 15000, "script": 5000, "implicit": 0 },
        }}});
        let created = browser.call(
            "POST",
            &format!("{}/session", browser.endpoint),
            Some(capabilities),
        );
        browser.session = created["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session id in {created}"))
            .to_string();
        browser
    }

    /// Sends one WebDriver command and returns its `value`; a WebDriver error fails the test.
    fn call(&self, method: &str, url: &str, body: Option<Value>) -> Value {
        let response = match (method, body) {
            ("GET", _) => self.agent.get(url).call(),
            ("DELETE", _) => self.agent.delete(url).call(),
            (_, body) => self
                .agent
                .post(url)
                .send_json(body.unwrap_or_else(|| json!({}))),
        };
        let mut response =
            response.unwrap_or_else(|e| panic!("WebDriver {method} {url} failed: {e}"));
        let reply: Value = response
            .body_mut()
            .read_json()
            .unwrap_or_else(|e| panic!("WebDriver {method} {url}: unreadable reply: {e}"));
        let value = reply["value"].clone();
        if let Some(error) = value.get("error") {
            panic!(
                "WebDriver {method} {url}: {error}: {}",
                value["message"].as_str().unwrap_or_default()
            );
        }
        value
    }

    fn get(&self, command: &str) -> Value {
        self.call("GET", &self.command_url(command), None)
    }

    pub fn post(&self, command: &str, body: Value) -> Value {
        self.call("POST", &self.command_url(command), Some(body))
    }

    fn command_url(&self, command: &str) -> String {
        format!("{}/session/{}/{command}", self.endpoint, self.session)
    }

    /// Navigates and waits for the page's load event.
    pub fn open(&self, url: &str) {
        self.post("url", json!({ "url": url }));
    }

    pub fn script(&self, script: &str) -> Value {
        self.post("execute/sync", json!({ "script": script, "args": [] }))
    }

    pub fn script_strings(&self, script: &str) -> Vec<String> {
        let value = self.script(script);
        value
            .as_array()
            .unwrap_or_else(|| panic!("the script returned {value}, not a list"))
            .iter()
            .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string))
            .collect()
    }

    /// The element reference of the first match; fails if nothing matches.
    fn find(&self, css: &str) -> String {
        self.find_all(css)
            .into_iter()
            .next()
            .unwrap_or_else(|| panic!("no element matches {css}"))
    }

    fn find_all(&self, css: &str) -> Vec<String> {
        let found = self.post("elements", json!({ "using": "css selector", "value": css }));
        found
            .as_array()
            .map(|all| {
                all.iter()
                    .filter_map(|e| e[ELEMENT].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The console errors and failed loads logged since the last call (reading clears them).
    fn console_errors(&self) -> Vec<String> {
        let entries = self.post("se/log", json!({ "type": "browser" }));
        entries
            .as_array()
            .unwrap_or_else(|| panic!("the browser log is not a list: {entries}"))
            .iter()
            .filter(|e| e["level"] == "SEVERE")
            .map(|e| e["message"].as_str().unwrap_or_default().to_string())
            .collect()
    }

    /// Polls `probe` until it returns something, for at most five seconds (CI machines are slow).
    fn wait_for<T>(&self, what: &str, mut probe: impl FnMut() -> Option<T>) -> T {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            if let Some(found) = probe() {
                return found;
            }
            assert!(Instant::now() < deadline, "gave up waiting for {what}");
            thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let url = format!("{}/session/{}", self.endpoint, self.session);
            let _ = self.agent.delete(&url).call();
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// Reads chromedriver's "started successfully on port N." line (it was asked for port 0,
/// so the system chose a free one), then keeps draining its output in the background.
fn driver_port(driver: &mut Child) -> Result<u16, String> {
    let stdout = driver.stdout.take().ok_or("no stdout")?;
    let (found, port) = mpsc::channel();
    thread::spawn(move || {
        let mut found = Some(found);
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if let Some(rest) = line.split("on port ").nth(1) {
                if let (Some(sender), Ok(port)) =
                    (&found, rest.trim_end_matches('.').parse::<u16>())
                {
                    if port != 0 {
                        let _ = sender.send(port);
                        found = None;
                    }
                }
            }
        }
    });
    port.recv_timeout(Duration::from_secs(10))
        .map_err(|_| "no \"started successfully on port\" line within 10 s".to_string())
}

#[test]
fn search_finds_entities_by_alias_and_a_linked_query_shows_its_results() {
    let site = BuiltSite::sample();
    let server = StaticServer::start(site.dir());
    let browser = Browser::start();
    let start = server.url("index.html");
    // "Secretary of National Defense" is an alias of Sedena.
    let hits = search_hits(&browser, &start, "secretary of national defense");
    assert!(
        hits.contains(&server.url("entities/sedena/index.html")),
        "{hits:?}"
    );
    // Typing keeps the query in the address.
    let address = browser.script("return window.location.search;");
    assert_eq!(
        address.as_str(),
        Some("?q=secretary+of+national+defense"),
        "{address}"
    );
    // Opening that address shows the same results at once.
    browser.open(&format!("{start}?q=juarez"));
    let shown = browser.wait_for("results of a linked query", || {
        let links = browser.script_strings(
            "return Array.from(document.querySelectorAll('#search-results a'), a => a.href);",
        );
        (!links.is_empty()).then_some(links)
    });
    assert!(shown.contains(&server.url(DOSSIER)), "{shown:?}");
    assert_eq!(
        browser.script("return document.getElementById('search-input').value;"),
        "juarez"
    );
}
