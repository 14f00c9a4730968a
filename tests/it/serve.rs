//! `casefile serve`: serves the built site on 127.0.0.1, rebuilds on change, and reports a
//! failed rebuild to the page while the last good site stays up.

use std::io::{BufRead, BufReader};
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

#[test]
fn serve_rebuilds_on_change_and_reports_errors_to_the_page() {
    let fixture = Fixture::with(&[(
        "content/dossiers/case.md",
        "---\ntitle: First title\ndate: 2019-06-10\n---\nText.\n",
    )]);
    let mut child = Command::new(env!("CARGO_BIN_EXE_casefile"))
        .args(["serve", "--port", "0", "--root"])
        .arg(fixture.root())
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("start casefile serve");
    let stderr = child.stderr.take().expect("stderr");
    let server = Server(child);
    let mut lines = BufReader::new(stderr).lines();
    let base = loop {
        let line = lines
            .next()
            .expect("serve printed its address")
            .expect("read stderr");
        if let Some(at) = line.find("http://127.0.0.1:") {
            break line[at..].split_whitespace().next().unwrap().to_string();
        }
    };
    // Keep draining stderr so the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});

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
    let mut child = Command::new(env!("CARGO_BIN_EXE_casefile"))
        .args(["serve", "--port", "0", "--root"])
        .arg(fixture.root())
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("start casefile serve");
    let stderr = child.stderr.take().expect("stderr");
    let server = Server(child);
    let log = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let sink = std::sync::Arc::clone(&log);
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            sink.lock().unwrap().push(line);
        }
    });
    let lines = || log.lock().unwrap().clone();
    wait_for("the address", || {
        lines().iter().any(|l| l.contains("http://127.0.0.1:"))
    });
    let base = lines()
        .iter()
        .find_map(|l| {
            l.find("http://127.0.0.1:")
                .map(|at| l[at..].split_whitespace().next().unwrap().to_string())
        })
        .unwrap();
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

#[test]
fn serve_writes_the_sitemap_with_the_base_url_option() {
    let fixture = Fixture::with(&[(
        "content/dossiers/case.md",
        "---\ntitle: First title\ndate: 2019-06-10\n---\nText.\n",
    )]);
    let mut child = Command::new(env!("CARGO_BIN_EXE_casefile"))
        .args([
            "serve",
            "--port",
            "0",
            "--base-url",
            "https://staging.example.net/",
        ])
        .arg("--root")
        .arg(fixture.root())
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("start casefile serve");
    let stderr = child.stderr.take().expect("stderr");
    let server = Server(child);
    let mut lines = BufReader::new(stderr).lines();
    let base = loop {
        let line = lines
            .next()
            .expect("serve printed its address")
            .expect("read stderr");
        if let Some(at) = line.find("http://127.0.0.1:") {
            break line[at..].split_whitespace().next().unwrap().to_string();
        }
    };
    std::thread::spawn(move || for _ in lines {});
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
