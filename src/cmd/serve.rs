//! `casefile serve`: build the site, serve it on 127.0.0.1, rebuild when the project
//! changes, reload open pages, and show build errors in the page over the last good site.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use super::build::{build, BuildOptions, BuildReport};
use super::{check_out_dir, fail, Exit};
use crate::cli::ServeArgs;
use crate::model::Profile;

/// The script every served page gets: it asks for the build state and reloads on a new
/// build, or shows the errors of a failed one.
const LIVE_JS: &str = include_str!("../../templates/live.js");

/// What the watcher last built: a counter that changes with every build, and the errors of
/// the last one if it failed.
#[derive(Debug, Default)]
struct State {
    version: u64,
    errors: Option<String>,
}

/// Runs the server until the process is stopped.
pub fn run(root: &Path, out: &Path, args: &ServeArgs) -> Exit {
    if let Err(message) = check_out_dir(root, out) {
        return fail(&message);
    }
    let listener = match TcpListener::bind(("127.0.0.1", args.port)) {
        Ok(listener) => listener,
        Err(err) => return fail(&format!("cannot listen on 127.0.0.1:{}: {err}", args.port)),
    };
    let port = listener.local_addr().map(|a| a.port()).unwrap_or(args.port);
    let options = BuildOptions {
        site: true,
        pdf: true,
        profile: Profile {
            internal: args.internal,
            drafts: args.drafts,
        },
        shard: None,
        cache_dir: None,
        pdf_links: true,
        base_url: args.base_url.clone(),
    };
    let state = Arc::new(Mutex::new(State::default()));
    rebuild(root, out, &options, &state);
    eprintln!(
        "serving {} on http://127.0.0.1:{port}/ (Ctrl-C to stop)",
        out.join("site").display()
    );
    let (watch_root, watch_out, watch_state) =
        (root.to_path_buf(), out.to_path_buf(), Arc::clone(&state));
    std::thread::spawn(move || watch(&watch_root, &watch_out, &options, &watch_state));
    let site = out.join("site");
    for stream in listener.incoming().flatten() {
        let (site, state) = (site.clone(), Arc::clone(&state));
        std::thread::spawn(move || {
            let _ = respond(stream, &site, &state);
        });
    }
    Exit::Success
}

/// Rebuilds in two steps so that an edit shows at once: the site first (its pages linking
/// the previous briefings), then the PDFs. Open pages reload after each step that changed
/// something.
fn rebuild(root: &Path, out: &Path, options: &BuildOptions, state: &Mutex<State>) {
    let site_first = BuildOptions {
        pdf: false,
        ..options.clone()
    };
    let first = build(root, out, &site_first);
    publish(out, &first, state);
    if first.exit == Exit::Success && options.pdf {
        let full = build(root, out, options);
        publish(out, &full, state);
    }
}

/// Tells open pages about a finished build: its errors, or a new version to reload.
fn publish(out: &Path, report: &BuildReport, state: &Mutex<State>) {
    let text = report.text(out);
    eprintln!("{text}");
    let mut state = state
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    state.version += 1;
    state.errors = (report.exit != Exit::Success).then_some(text);
}

/// Polls the project's files and rebuilds when any changes (a poll needs no platform API
/// and sees edits, additions and removals alike).
fn watch(root: &Path, out: &Path, options: &BuildOptions, state: &Mutex<State>) {
    let mut last = snapshot(root);
    loop {
        std::thread::sleep(Duration::from_millis(400));
        let now = snapshot(root);
        if now != last {
            last = now;
            rebuild(root, out, options, state);
        }
    }
}

fn snapshot(root: &Path) -> BTreeMap<PathBuf, (u64, Option<SystemTime>)> {
    let mut files = BTreeMap::new();
    let config = root.join(crate::config::FILE_NAME);
    for dir in [root.join("content"), root.join("templates"), config] {
        for entry in walkdir::WalkDir::new(dir).into_iter().flatten() {
            if let Ok(meta) = entry.metadata() {
                files.insert(
                    entry.path().to_path_buf(),
                    (meta.len(), meta.modified().ok()),
                );
            }
        }
    }
    files
}

fn respond(mut stream: TcpStream, site: &Path, state: &Mutex<State>) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    let mut request_line = String::new();
    BufReader::new(&stream).read_line(&mut request_line)?;
    let path = request_line.split_whitespace().nth(1).unwrap_or("/");
    let path = path.split(['?', '#']).next().unwrap_or("/");
    match path {
        "/__casefile/live.js" => send(&mut stream, "200 OK", "text/javascript", LIVE_JS.as_bytes()),
        "/__casefile/state" => {
            let state = state
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            let body =
                serde_json::json!({ "version": state.version, "errors": state.errors }).to_string();
            send(&mut stream, "200 OK", "application/json", body.as_bytes())
        }
        _ => match site_file(site, path) {
            Some(file) => {
                let bytes = std::fs::read(&file)?;
                let kind = content_type(&file);
                let bytes = if kind.starts_with("text/html") {
                    with_live_script(bytes)
                } else {
                    bytes
                };
                send(&mut stream, "200 OK", kind, &bytes)
            }
            None => {
                let page = std::fs::read(site.join("404.html"))
                    .map(with_live_script)
                    .unwrap_or_else(|_| b"not found".to_vec());
                send(
                    &mut stream,
                    "404 Not Found",
                    "text/html; charset=utf-8",
                    &page,
                )
            }
        },
    }
}

/// The file under the site for a URL path; `None` for anything that would leave it.
fn site_file(site: &Path, url_path: &str) -> Option<PathBuf> {
    let mut file = site.to_path_buf();
    for part in url_path.split('/').filter(|p| !p.is_empty()) {
        let part = percent_decode(part)?;
        if part == ".." || part == "." || part.contains(['/', '\\']) {
            return None;
        }
        file.push(part);
    }
    if file.is_dir() {
        file.push("index.html");
    }
    file.is_file().then_some(file)
}

fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

fn with_live_script(html: Vec<u8>) -> Vec<u8> {
    let tag = b"<script src=\"/__casefile/live.js\"></script>";
    match html.windows(7).rposition(|w| w == b"</body>") {
        Some(at) => [&html[..at], tag, &html[at..]].concat(),
        None => [&html[..], tag].concat(),
    }
}

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "xml" => "application/xml",
        "pdf" => "application/pdf",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "svg" => "image/svg+xml",
        _ => "application/octet-stream",
    }
}

fn send(stream: &mut TcpStream, status: &str, kind: &str, body: &[u8]) -> std::io::Result<()> {
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes())?;
    stream.write_all(body)?;
    stream.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_paths_cannot_leave_the_site() {
        let site = std::env::temp_dir();
        assert_eq!(site_file(&site, "/../etc/passwd"), None);
        assert_eq!(site_file(&site, "/%2e%2e/etc/passwd"), None);
        assert_eq!(site_file(&site, "/a%2fb"), None);
    }

    #[test]
    fn the_live_script_goes_before_the_end_of_the_body() {
        let html = with_live_script(b"<html><body>x</body></html>".to_vec());
        assert_eq!(
            String::from_utf8(html).unwrap(),
            "<html><body>x<script src=\"/__casefile/live.js\"></script></body></html>"
        );
    }
}
