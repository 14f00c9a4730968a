//! `casefile serve`: build the site, serve it on 127.0.0.1, rebuild when the project
//! changes, reload open pages, and show build errors in the page over the last good site.
//! It answers only requests addressed to the loopback address or `localhost` with its port,
//! so that a web page the author visits cannot read the site through DNS rebinding.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use super::build::{build, BuildOptions, BuildReport};
use super::{check_build_out_dir, fail, Exit};
use crate::cli::{ServeArgs, Verbosity};
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
pub fn run(root: &Path, out: &Path, args: &ServeArgs, verbosity: Verbosity) -> Exit {
    if let Err(message) = check_build_out_dir(root, out, args.profile.internal) {
        return fail(&message);
    }
    let address = args.bind.unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST));
    let listener = match TcpListener::bind((address, args.port)) {
        Ok(listener) => listener,
        // kind: port-in-use.
        Err(err) if err.kind() == std::io::ErrorKind::AddrInUse => {
            return fail(&format!(
                "port {} is in use: try --port 0 for a free one (or another --port)",
                args.port
            ));
        }
        Err(err) => {
            let at = SocketAddr::new(address, args.port);
            return fail(&format!("cannot listen on {at}: {err}"));
        }
    };
    let port = listener.local_addr().map(|a| a.port()).unwrap_or(args.port);
    let hosts = AllowedHosts {
        port,
        bind: args.bind,
    };
    let options = BuildOptions {
        site: true,
        pdf: true,
        profile: Profile::from(args.profile),
        shard: None,
        cache_dir: None,
        pdf_links: true,
        base_url: args.base_url.clone(),
        deny_warnings: false,
        verbosity,
    };
    let state = Arc::new(Mutex::new(State::default()));
    // Taken before the first build, so that an edit made while it runs is built too.
    let files = snapshot(root);
    rebuild(root, out, &options, &state);
    if !address.is_loopback() {
        eprintln!(
            "warning: --bind {address}: anyone who can reach this address can read the site{}",
            if args.profile.internal {
                ", restricted material included"
            } else {
                ""
            }
        );
    }
    let url = format!("http://{}/", SocketAddr::new(address, port));
    eprintln!(
        "serving {} on {url} (Ctrl-C to stop)",
        out.join("site").display(),
    );
    if args.open {
        open_browser(&url);
    }
    let (watch_root, watch_out, watch_state) =
        (root.to_path_buf(), out.to_path_buf(), Arc::clone(&state));
    std::thread::spawn(move || watch(&watch_root, &watch_out, &options, &watch_state, files));
    let site = out.join("site");
    for stream in listener.incoming().flatten() {
        let (site, state) = (site.clone(), Arc::clone(&state));
        std::thread::spawn(move || {
            let _ = respond(stream, &site, &state, hosts);
        });
    }
    Exit::Success
}

/// The program that opens a URL in the default browser.
#[cfg(target_os = "macos")]
const OPENER: &[&str] = &["open"];
/// The program that opens a URL in the default browser.
#[cfg(target_os = "windows")]
const OPENER: &[&str] = &["cmd", "/C", "start", ""];
/// The program that opens a URL in the default browser.
#[cfg(not(any(target_os = "macos", target_os = "windows")))]
const OPENER: &[&str] = &["xdg-open"];

/// `serve --open`: opens the site in the default browser. The site is served whatever
/// happens, so a failure is a warning that names the address (kind: browser-not-opened).
fn open_browser(url: &str) {
    let (program, args) = OPENER.split_first().unwrap_or((&"xdg-open", &[]));
    let started = std::process::Command::new(program)
        .args(args)
        .arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
    match started {
        Ok(mut child) => {
            let (program, url) = (program.to_string(), url.to_string());
            // Waited for on a thread of its own, so that the opener leaves no zombie.
            std::thread::spawn(move || match child.wait() {
                Ok(status) if !status.success() => {
                    not_opened(&url, &format!("`{program}` failed ({status})"))
                }
                Err(err) => not_opened(&url, &format!("`{program}`: {err}")),
                Ok(_) => {}
            });
        }
        Err(err) => not_opened(url, &format!("cannot run `{program}`: {err}")),
    }
}

fn not_opened(url: &str, why: &str) {
    eprintln!("warning: --open: {why}; open {url} yourself");
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
    let quiet = options.verbosity == Verbosity::Quiet;
    publish(out, &first, state, quiet);
    if first.exit == Exit::Success && options.pdf {
        let full = build(root, out, options);
        publish(out, &full, state, quiet);
    }
}

/// Tells open pages about a finished build: its errors, or a new version to reload. With
/// `--quiet`, a build that succeeded prints nothing.
fn publish(out: &Path, report: &BuildReport, state: &Mutex<State>, quiet: bool) {
    let text = report.text(out);
    if !quiet || report.exit != Exit::Success {
        eprintln!("{text}");
    }
    let mut state = state
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    state.version += 1;
    state.errors = (report.exit != Exit::Success).then_some(text);
}

/// Polls the project's files and rebuilds when any changes (a poll needs no platform API
/// and sees edits, additions and removals alike).
fn watch(
    root: &Path,
    out: &Path,
    options: &BuildOptions,
    state: &Mutex<State>,
    mut last: Snapshot,
) {
    loop {
        std::thread::sleep(Duration::from_millis(400));
        let now = snapshot(root);
        if now != last {
            last = now;
            rebuild(root, out, options, state);
        }
    }
}

/// The size and modification time of every file a build reads.
type Snapshot = BTreeMap<PathBuf, (u64, Option<SystemTime>)>;

fn snapshot(root: &Path) -> Snapshot {
    let mut files = BTreeMap::new();
    let config = root.join(crate::parse::config::FILE_NAME);
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

fn respond(
    mut stream: TcpStream,
    site: &Path,
    state: &Mutex<State>,
    hosts: AllowedHosts,
) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    let request = match read_request(&stream)? {
        Ok(request) => request,
        Err(problem) => return send_text(&mut stream, "400 Bad Request", problem),
    };
    match request.host.as_deref() {
        None => return send_text(&mut stream, "400 Bad Request", "no Host header"),
        Some(host) if !hosts.allows(host) => {
            let answer = format!(
                "casefile serve answers only requests for 127.0.0.1:{0}, localhost:{0} or [::1]:{0}",
                hosts.port
            );
            return send_text(&mut stream, "421 Misdirected Request", &answer);
        }
        Some(_) => {}
    }
    let path = request.target.split(['?', '#']).next().unwrap_or("/");
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
        _ => send_site_file(&mut stream, site, path),
    }
}

fn send_site_file(stream: &mut TcpStream, site: &Path, path: &str) -> std::io::Result<()> {
    match site_file(site, path) {
        Some(file) => {
            let bytes = std::fs::read(&file)?;
            let kind = content_type(&file);
            let bytes = if kind.starts_with("text/html") {
                with_live_script(bytes)
            } else {
                bytes
            };
            send(stream, "200 OK", kind, &bytes)
        }
        None => {
            let page = std::fs::read(site.join("404.html"))
                .map(with_live_script)
                .unwrap_or_else(|_| b"not found".to_vec());
            send(stream, "404 Not Found", "text/html; charset=utf-8", &page)
        }
    }
}

/// What the server reads of a request: its target (a path) and its `Host` header.
#[derive(Debug, PartialEq)]
struct Request {
    target: String,
    host: Option<String>,
}

/// The most a request line and headers may take together.
const MAX_HEAD: u64 = 16 * 1024;

/// Reads the request line and the headers. The inner error is why the request is refused
/// (400): a head too long or cut short, a target that is not a path, two `Host` headers.
fn read_request(stream: impl Read) -> std::io::Result<Result<Request, &'static str>> {
    let mut reader = BufReader::new(stream.take(MAX_HEAD));
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let target = match line.split_whitespace().collect::<Vec<_>>()[..] {
        [_, target, _] if target.starts_with('/') => target.to_string(),
        _ => return Ok(Err("a request line is METHOD /path VERSION")),
    };
    let mut host = None;
    loop {
        line.clear();
        reader.read_line(&mut line)?;
        if !line.ends_with('\n') {
            return Ok(Err("the request head is too long or incomplete"));
        }
        let header = line.trim_end_matches(['\r', '\n']);
        if header.is_empty() {
            return Ok(Ok(Request { target, host }));
        }
        let Some((name, value)) = header.split_once(':') else {
            return Ok(Err("a header line is NAME: VALUE"));
        };
        if name.eq_ignore_ascii_case("host") {
            if host.is_some() {
                return Ok(Err("more than one Host header"));
            }
            host = Some(value.trim_matches([' ', '\t']).to_string());
        }
    }
}

/// The `Host` headers the server answers: `127.0.0.1`, `localhost` or `[::1]` with the served
/// port, and the address given to `--bind` (any IP address when that is `0.0.0.0` or `::`).
/// A name other than `localhost` is never answered: that is what defeats DNS rebinding, where
/// an attacker's name is made to point at 127.0.0.1.
#[derive(Debug, Clone, Copy)]
struct AllowedHosts {
    port: u16,
    bind: Option<IpAddr>,
}

impl AllowedHosts {
    fn allows(&self, host: &str) -> bool {
        let Some((name, port)) = split_host(host) else {
            return false;
        };
        // A browser leaves the port out only when it is 80.
        let port_matches = port.unwrap_or(80) == self.port;
        let name_allowed = match name {
            HostName::Domain(domain) => domain.eq_ignore_ascii_case("localhost"),
            HostName::Ip(ip) => {
                ip == IpAddr::V4(Ipv4Addr::LOCALHOST)
                    || ip == IpAddr::V6(Ipv6Addr::LOCALHOST)
                    || self
                        .bind
                        .is_some_and(|bind| bind == ip || bind.is_unspecified())
            }
        };
        port_matches && name_allowed
    }
}

/// The name part of a `Host` header.
#[derive(Debug, PartialEq)]
enum HostName<'a> {
    Ip(IpAddr),
    Domain(&'a str),
}

/// Splits `name[:port]` or `[v6]:port`; `None` when it is neither.
fn split_host(host: &str) -> Option<(HostName<'_>, Option<u16>)> {
    let (name, rest) = match host.strip_prefix('[') {
        Some(bracketed) => {
            let (inside, rest) = bracketed.split_once(']')?;
            (HostName::Ip(IpAddr::V6(inside.parse().ok()?)), rest)
        }
        None => {
            let (name, rest) = host.split_at(host.find(':').unwrap_or(host.len()));
            match name.parse::<Ipv4Addr>() {
                Ok(ip) => (HostName::Ip(IpAddr::V4(ip)), rest),
                Err(_) => (HostName::Domain(name), rest),
            }
        }
    };
    let port = match rest {
        "" => None,
        _ => {
            let digits = rest.strip_prefix(':')?;
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            Some(digits.parse().ok()?)
        }
    };
    Some((name, port))
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

fn send_text(stream: &mut TcpStream, status: &str, text: &str) -> std::io::Result<()> {
    let body = format!("{text}\n");
    send(stream, status, "text/plain; charset=utf-8", body.as_bytes())
}

/// Every answer says `noindex`: a preview is not a place for search engines, and an internal
/// one holds restricted material (its PDFs cannot carry a robots meta element).
fn send(stream: &mut TcpStream, status: &str, kind: &str, body: &[u8]) -> std::io::Result<()> {
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nCache-Control: no-store\r\nX-Robots-Tag: noindex\r\nConnection: close\r\n\r\n",
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
    fn only_loopback_hosts_with_the_served_port_are_answered() {
        let hosts = AllowedHosts {
            port: 4000,
            bind: None,
        };
        for allowed in [
            "127.0.0.1:4000",
            "localhost:4000",
            "LocalHost:4000",
            "[::1]:4000",
        ] {
            assert!(hosts.allows(allowed), "{allowed} is refused");
        }
        for refused in [
            "evil.example",
            "attacker.test:4000",
            "localhost.attacker.test:4000",
            "localhost.:4000",
            "localhost:4001",
            "localhost",
            "127.0.0.1",
            "127.0.0.1:",
            "127.0.0.1:+4000",
            "127.0.0.1:4000:4000",
            "127.0.0.2:4000",
            "0177.0.0.1:4000",
            "[::1]",
            "[::1]4000",
            "::1:4000",
            "192.168.1.5:4000",
            "",
        ] {
            assert!(!hosts.allows(refused), "{refused:?} is answered");
        }
        let on_port_80 = AllowedHosts {
            port: 80,
            bind: None,
        };
        assert!(on_port_80.allows("localhost") && on_port_80.allows("127.0.0.1:80"));
    }

    #[test]
    fn a_bound_address_is_answered_but_never_a_name() {
        let bound = AllowedHosts {
            port: 4000,
            bind: Some("192.168.1.5".parse().unwrap()),
        };
        assert!(bound.allows("192.168.1.5:4000") && bound.allows("localhost:4000"));
        assert!(!bound.allows("192.168.1.6:4000") && !bound.allows("attacker.test:4000"));
        let everywhere = AllowedHosts {
            port: 4000,
            bind: Some("::".parse().unwrap()),
        };
        assert!(everywhere.allows("10.0.0.7:4000") && everywhere.allows("[fe80::1]:4000"));
        assert!(!everywhere.allows("attacker.test:4000"));
    }

    #[test]
    fn requests_are_read_strictly() {
        let read = |head: &str| read_request(head.as_bytes()).unwrap();
        assert_eq!(
            read("GET /a?b HTTP/1.1\r\nhost:  localhost:1 \r\nAccept: */*\r\n\r\n"),
            Ok(Request {
                target: "/a?b".to_string(),
                host: Some("localhost:1".to_string())
            })
        );
        assert_eq!(
            read("GET / HTTP/1.0\r\n\r\n"),
            Ok(Request {
                target: "/".to_string(),
                host: None
            })
        );
        for bad in [
            "GET http://evil.example/ HTTP/1.1\r\nHost: localhost:1\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: localhost:1\r\nHost: evil.example\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: localhost:1\r\n",
            "GET / HTTP/1.1\r\nno colon\r\n\r\n",
            "GET /\r\n\r\n",
        ] {
            assert!(read(bad).is_err(), "{bad:?} is accepted");
        }
        let endless = format!("GET / HTTP/1.1\r\nX: {}\r\n\r\n", "a".repeat(20_000));
        assert!(read(&endless).is_err(), "a head over the limit is accepted");
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
