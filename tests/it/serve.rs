//! `casefile serve`: serves the built site on 127.0.0.1, rebuilds on change, and reports a
//! failed rebuild to the page while the last good site stays up.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::Fixture;

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn get(url: &str) -> (u16, String) {
    match ureq::get(url).call() {
        Ok(mut response) => (
            response.status().as_u16(),
            response.body_mut().read_to_string().unwrap_or_default(),
        ),
        Err(ureq::Error::StatusCode(code)) => (code, String::new()),
        Err(err) => panic!("GET {url}: {err}"),
    }
}

fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "timed out waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Starts `casefile serve --port 0 ARGS` on the fixture; returns the server, its address
/// (`http://127.0.0.1:PORT/`) and what it printed before it.
fn serve(fixture: &Fixture, args: &[&str]) -> (Server, String, String) {
    let (server, base, printed, _) = serve_logged(fixture, args);
    (server, base, printed)
}

/// Every line the server printed on standard error so far, collected as it prints them.
type Log = std::sync::Arc<std::sync::Mutex<Vec<String>>>;

/// [`serve`], also returning everything the server prints, as it prints it.
fn serve_logged(fixture: &Fixture, args: &[&str]) -> (Server, String, String, Log) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_casefile"))
        .args(["serve", "--port", "0", "--root"])
        .arg(fixture.root())
        .args(args)
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("start casefile serve");
    let stderr = child.stderr.take().expect("stderr");
    let server = Server(child);
    let mut lines = BufReader::new(stderr).lines();
    let mut printed = String::new();
    let base = loop {
        let line = lines
            .next()
            .expect("serve printed its address")
            .expect("read stderr");
        printed.push_str(&line);
        printed.push('\n');
        if let Some(at) = line.find("http://") {
            let address = line[at..].split_whitespace().next().unwrap();
            let port = address.trim_end_matches('/').rsplit(':').next().unwrap();
            break format!("http://127.0.0.1:{port}/");
        }
    };
    // Keep draining stderr so the server never blocks on a full pipe.
    let log = Log::new(std::sync::Mutex::new(
        printed.lines().map(str::to_string).collect(),
    ));
    let sink = std::sync::Arc::clone(&log);
    std::thread::spawn(move || {
        for line in lines.map_while(Result::ok) {
            sink.lock().unwrap().push(line);
        }
    });
    (server, base, printed, log)
}

/// The port of a base address `http://127.0.0.1:PORT/`.
fn port_of(base: &str) -> u16 {
    base.trim_end_matches('/')
        .rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .expect("a port")
}

/// Sends `GET PATH` with the given `Host` header (none when `None`) to 127.0.0.1:PORT and
/// returns the status code and the whole response.
fn raw_get(port: u16, path: &str, host: Option<&str>) -> (u16, String) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    let host = host.map_or(String::new(), |h| format!("Host: {h}\r\n"));
    write!(
        stream,
        "GET {path} HTTP/1.1\r\n{host}Connection: close\r\n\r\n"
    )
    .expect("send");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read");
    let status = response
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or(0);
    (status, response)
}

#[test]
fn serve_rebuilds_on_change_and_reports_errors_to_the_page() {
    let fixture = Fixture::with(&[(
        "content/dossiers/case.md",
        "---\ntitle: First title\ndate: 2019-06-10\n---\nText.\n",
    )]);
    let (server, base, _) = serve(&fixture, &[]);

    let page = format!("{base}dossiers/case/index.html");
    let (status, html) = get(&page);
    assert_eq!(status, 200);
    assert!(
        html.contains("First title") && html.contains("/__casefile/live.js"),
        "{html}"
    );
    assert_eq!(get(&format!("{base}../../etc/passwd")).0, 404);

    fixture.write(
        "content/dossiers/case.md",
        "---\ntitle: Second title\ndate: 2019-06-10\n---\nText.\n",
    );
    wait_for("the rebuilt page", || get(&page).1.contains("Second title"));

    fixture.write(
        "content/dossiers/case.md",
        "---\ntitle: Second title\ndate: 2019-06-10\n---\nText [@nope].\n",
    );
    wait_for("the error state", || {
        get(&format!("{base}__casefile/state"))
            .1
            .contains("unknown source `nope`")
    });
    assert!(
        get(&page).1.contains("Second title"),
        "the last good site stays up"
    );
    drop(server);
}

#[test]
fn serve_shows_an_edited_page_before_it_lays_out_the_pdfs() {
    let fixture = Fixture::with(&[(
        "content/dossiers/case.md",
        "---\ntitle: First title\ndate: 2019-06-10\n---\nText.\n",
    )]);
    let (server, base, _, log) = serve_logged(&fixture, &[]);
    let lines = || log.lock().unwrap().clone();
    wait_for("the first PDFs", || {
        lines()
            .iter()
            .any(|l| l.contains("built") && l.contains("2 PDFs"))
    });
    let seen = lines().len();

    fixture.write(
        "content/dossiers/case.md",
        "---\ntitle: Edited title\ndate: 2019-06-10\n---\nText.\n",
    );
    wait_for("the PDFs after the edit", || {
        lines()[seen..]
            .iter()
            .any(|l| l.contains("built") && l.contains("2 PDFs"))
    });
    let builds: Vec<String> = lines()[seen..]
        .iter()
        .filter(|l| l.starts_with("built"))
        .cloned()
        .collect();
    assert!(
        builds[0].contains("0 PDFs"),
        "the site is rebuilt first, without laying out PDFs: {builds:?}"
    );
    assert!(get(&format!("{base}dossiers/case/index.html"))
        .1
        .contains("Edited title"));
    let pdf = ureq::get(&format!("{base}pdf/case.pdf"))
        .call()
        .expect("the briefing is served")
        .body_mut()
        .read_to_vec()
        .expect("read the briefing");
    let path = fixture.root().join("served.pdf");
    std::fs::write(&path, pdf).expect("save the briefing");
    assert!(crate::support::pdf_text(&path).contains("Edited title"));
    drop(server);
}

const CASE: &str = "---\ntitle: Served title\ndate: 2019-06-10\n---\nText.\n";

#[test]
fn serve_answers_only_requests_addressed_to_the_loopback_with_its_port() {
    let fixture = Fixture::with(&[("content/dossiers/case.md", CASE)]);
    let (server, base, _) = serve(&fixture, &[]);
    let port = port_of(&base);
    let paths = [
        "/",
        "/dossiers/case/index.html",
        "/__casefile/state",
        "/__casefile/live.js",
    ];
    let mut wrong = Vec::new();
    let mut expect = |path: &str, host: Option<&str>, allowed: &[u16]| {
        let (status, response) = raw_get(port, path, host);
        if !allowed.contains(&status) {
            wrong.push(format!(
                "GET {path} with Host {host:?}: {status}, expected {allowed:?}\n{}",
                response.lines().next().unwrap_or("")
            ));
        }
    };
    for path in paths {
        for host in ["evil.example", "evil.example:80"] {
            expect(path, Some(host), &[421, 403]);
        }
        // DNS rebinding: the attacker's name, pointed at 127.0.0.1, with the served port.
        for host in [
            format!("attacker.test:{port}"),
            format!("localhost.attacker.test:{port}"),
            format!("127.0.0.1:{}", port.wrapping_add(1)),
        ] {
            expect(path, Some(&host), &[421, 403]);
        }
        expect(path, None, &[400]);
        for host in [
            format!("localhost:{port}"),
            format!("127.0.0.1:{port}"),
            format!("[::1]:{port}"),
        ] {
            expect(path, Some(&host), &[200]);
        }
    }
    let (_, refused) = raw_get(port, "/dossiers/case/index.html", Some("evil.example"));
    if refused.contains("Served title") {
        wrong.push("a refused request still got the page".to_string());
    }
    drop(server);
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn serve_internal_writes_output_internal_and_marks_what_it_serves_noindex() {
    let fixture = Fixture::with(&[
        ("content/dossiers/case.md", CASE),
        (
            "content/dossiers/secret.md",
            "---\ntitle: Secret title\ndate: 2019-06-11\nclassification: restricted\n---\nText.\n",
        ),
    ]);
    let (server, base, printed) = serve(&fixture, &["--internal"]);
    assert!(
        printed.contains("output-internal"),
        "serve --internal does not say it serves output-internal:\n{printed}"
    );
    let port = port_of(&base);
    let host = format!("localhost:{port}");
    let (status, response) = raw_get(port, "/dossiers/secret/index.html", Some(&host));
    assert_eq!(status, 200, "{response}");
    let lower = response.to_ascii_lowercase();
    assert!(
        lower.contains("\r\nx-robots-tag: noindex"),
        "no X-Robots-Tag header:\n{response}"
    );
    assert!(
        response.contains(r#"<meta name="robots" content="noindex">"#)
            && response.contains("INTERNAL"),
        "the served internal page is not marked:\n{response}"
    );
    drop(server);
    assert!(
        fixture
            .internal_out()
            .join("site/dossiers/secret/index.html")
            .is_file(),
        "serve --internal did not write output-internal"
    );
    assert!(
        !fixture.out().exists(),
        "serve --internal wrote output/, the folder public builds publish"
    );
}

#[test]
fn serve_bind_warns_that_the_site_is_readable_from_the_network() {
    let fixture = Fixture::with(&[("content/dossiers/case.md", CASE)]);
    let (server, base, printed) = serve(&fixture, &["--bind", "0.0.0.0", "--internal"]);
    assert!(
        printed.contains("warning") && printed.contains("restricted material"),
        "no warning that anyone who can reach the address reads the site:\n{printed}"
    );
    let port = port_of(&base);
    assert_eq!(
        raw_get(port, "/", Some(&format!("127.0.0.1:{port}"))).0,
        200
    );
    assert_eq!(
        raw_get(port, "/", Some(&format!("attacker.test:{port}"))).0,
        421,
        "a name other than localhost is answered on --bind"
    );
    drop(server);

    let (server, _, printed) = serve(&fixture, &[]);
    assert!(
        !printed.contains("warning"),
        "a loopback-only serve warns:\n{printed}"
    );
    drop(server);
}

#[test]
fn serve_writes_the_sitemap_with_the_base_url_option() {
    let fixture = Fixture::with(&[(
        "content/dossiers/case.md",
        "---\ntitle: First title\ndate: 2019-06-10\n---\nText.\n",
    )]);
    let (server, base, _) = serve(&fixture, &["--base-url", "https://staging.example.net/"]);
    let (status, sitemap) = get(&format!("{base}sitemap.xml"));
    assert_eq!(
        status, 200,
        "a site with no base_url in casefile.toml gets a sitemap"
    );
    assert!(
        sitemap.contains("<loc>https://staging.example.net/dossiers/case/index.html</loc>"),
        "{sitemap}"
    );
    drop(server);
}
