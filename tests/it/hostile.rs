//! Hostile input. Whatever an author (or an attacker) puts in `content/`, casefile ends with
//! exit 0 or 1 and diagnostics, in bounded time, and never crashes; author text can neither
//! run script in a reader's browser nor run code in the Typst compiler.
//!
//! - a property test feeds arbitrary, truncated and mutated dossiers and catalogs through the
//!   library pipeline (parse, check, diagnostics, site model, HTML, Typst sources), and a
//!   second one lays out and exports the PDFs of every input `check` passes;
//! - fixed pathological inputs (deep nesting, huge tables and lines, YAML bombs, 20 MB files,
//!   invalid UTF-8, NUL bytes, hundreds of dossiers) go through the real binary with a deadline;
//! - XSS vectors must come out inert, Typst injections must print literally.
//!
//! Typst layout of very large documents is slow in a debug build, so the few inputs that are
//! large *and* reach the PDFs are laid out at a tenth of their size unless
//! `CASEFILE_SLOW_TESTS=1`; their site is always built at full size.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;
use std::process::{Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use casefile::diagnostics;
use casefile::load::{Project, TextFile};
use casefile::model::Profile;
use casefile::parse::fields::Ctx;
use casefile::parse::{frontmatter, markdown};
use casefile::render::{html, pdf};
use casefile::resolve;
use proptest::prelude::*;
use proptest::sample::{select, Index};
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestError, TestRng, TestRunner};

use crate::support::{decode_entities, files_under, pdf_text, repo, Fixture};

// ---------------------------------------------------------------------------------------------
// Property test: the library pipeline never panics
// ---------------------------------------------------------------------------------------------

/// What one generated case feeds the pipeline.
#[derive(Debug, Clone)]
struct Input {
    kind: &'static str,
    dossier: String,
    entities: Option<String>,
    sources: Option<String>,
}

impl Input {
    /// The dossier, and a catalog only when it was mutated (the samples are long).
    fn describe(&self) -> String {
        let mut out = format!("dossier: {:?}", self.dossier);
        if self.kind == "mutated catalog" {
            let (entities, sources) = (self.entities.as_deref(), self.sources.as_deref());
            let (_, samples_entities, samples_sources) = samples();
            if entities != Some(samples_entities.as_str()) {
                out.push_str(&format!("\nentities.yaml: {:?}", entities.unwrap_or("")));
            }
            if sources != Some(samples_sources.as_str()) {
                out.push_str(&format!("\nsources.yaml: {:?}", sources.unwrap_or("")));
            }
        }
        out
    }
}

/// Pieces of syntax that mutations insert: Markdown, casefile references, YAML, HTML, Typst,
/// encodings.
#[rustfmt::skip]
const TOKENS: &[&str] = &[
    "[[", "]]", "[@", "]", "[", "[^", "^", "@", "|", "#", "---\n", "---", "\n", "\r\n", "\r",
    "\u{feff}", "\0", "*", "**", "_", "~~", "`", "```\n", "<", ">", "<script>", "</div>", "<!--",
    "- ", "> ", "1. ", "+ ", "\t", "\\", "$", "{", "}", ":", ": ", "&", "&a ", "*a", "!", "'",
    "\"", ",", ";", "é", "\u{202e}", "\u{200b}", "&#8195;", "javascript:", "://", "![x](y.png)",
    "![x](../../../etc/passwd)", "[[sedena]]", "[[sedena|x]]",
    "[[tejupilco-grenade-sales#the-grenade-offer]]", "[[no-such-id#x]]",
    "[@troubling-emails-article, p. 4]", "[@a; @b, pp. 3-5]", "[^n]", "\n[^n]: note\n",
    "title: x\n", "date: 2019\n", "id: sedena\n", "classification: restricted\n", "draft: true\n",
    "confidential: true\n", "tags: [a, b]\n", "extra: {a: &x [1], b: *x}\n", "  - ", "    ",
    "|---|\n", "| a | b |\n", "## h {#x}\n", "#read(\"/etc/passwd\")", "= ", "\u{1F600}",
    "\u{0301}", "(", ")", ".", "`x`(", "**b**.", "lang: x-klingon\n", "lang: es-419\n",
    "lang: zh-Hant-TW\n", "lang: de-CH-1996\n", "lang: ", "-419", "-x-", "\u{20000}",
];

/// Language tags, well formed or not, that Typst might choke on.
#[rustfmt::skip]
const LANG_TAGS: &[&str] = &[
    "en", "es-419", "zh-Hant-TW", "sr-Latn-RS", "en-GB-oxendict", "de-CH-1996", "x-klingon",
    "i-klingon", "klingon", "zh-yue-HK", "en-US-u-ca-gregory", "de-x-old", "fil-PH", "e", "EN",
];

fn char_floor(text: &str, at: usize) -> usize {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// Applies edits: insert a token, delete a range, duplicate a range, replace a range.
fn mutate(mut text: String, ops: &[(Index, Index, &'static str, u8)]) -> String {
    for (a, b, token, op) in ops {
        let x = char_floor(&text, a.index(text.len() + 1));
        let y = char_floor(&text, b.index(text.len() + 1));
        let (lo, hi) = (x.min(y), x.max(y).min(x.min(y) + 64));
        let hi = char_floor(&text, hi);
        match op % 4 {
            0 => text.insert_str(x, token),
            1 => text.replace_range(lo..hi, ""),
            2 => {
                let copy = text[lo..hi].to_string();
                text.insert_str(hi, &copy);
            }
            _ => text.replace_range(lo..hi, token),
        }
    }
    text
}

fn samples() -> (Vec<String>, String, String) {
    let dir = repo().join("content/dossiers");
    let dossiers: Vec<String> = files_under(&dir)
        .into_iter()
        .filter(|f| f.ends_with(".md"))
        .map(|f| std::fs::read_to_string(dir.join(f)).expect("read sample dossier"))
        .collect();
    assert!(
        !dossiers.is_empty(),
        "no sample dossiers in content/dossiers"
    );
    let read = |name: &str| {
        std::fs::read_to_string(repo().join("content").join(name)).expect("read sample catalog")
    };
    (dossiers, read("entities.yaml"), read("sources.yaml"))
}

fn inputs() -> impl Strategy<Value = Input> {
    let (dossiers, entities, sources) = samples();
    let with = move |kind: &'static str, dossier: String| Input {
        kind,
        dossier,
        entities: Some(entities.clone()),
        sources: Some(sources.clone()),
    };
    let ops = || {
        proptest::collection::vec(
            (any::<Index>(), any::<Index>(), select(TOKENS), any::<u8>()),
            1..8,
        )
    };
    let markdownish = "[-\\[\\]@#^*_`<>|:{}()&!=+~$\\\\/.,;'\" \\n\\ta-z0-9é]{0,400}";
    let yamlish = "[-a-z0-9:\\[\\]{}&*!|>'\",?#%@ \\n\\t]{0,200}";
    let w = with.clone();
    let arbitrary = any::<String>().prop_map(move |s| w("arbitrary string", s));
    let w = with.clone();
    let body = markdownish.prop_map(move |s| {
        w(
            "front matter + random body",
            format!("---\ntitle: T\ndate: 2020-01-01\n---\n{s}"),
        )
    });
    let w = with.clone();
    let front =
        yamlish.prop_map(move |s| w("random front matter", format!("---\n{s}\n---\nBody.\n")));
    let w = with.clone();
    let tag = prop_oneof![
        select(LANG_TAGS).prop_map(String::from),
        "[a-zA-Z]{1,9}(-[a-zA-Z0-9]{1,9}){0,5}",
    ];
    let lang = (tag, markdownish).prop_map(move |(tag, s)| {
        w(
            "language tag",
            format!("---\ntitle: T\ndate: 2020-01-01\nlang: {tag}\n---\n{s}"),
        )
    });
    let w = with.clone();
    let truncated = (select(dossiers.clone()), any::<Index>()).prop_map(move |(text, at)| {
        let cut = char_floor(&text, at.index(text.len() + 1));
        w("truncated sample", text[..cut].to_string())
    });
    let w = with.clone();
    let mutated = (select(dossiers.clone()), ops())
        .prop_map(move |(text, ops)| w("mutated sample", mutate(text, &ops)));
    let w = with.clone();
    let catalogs = (select(dossiers), ops(), any::<bool>()).prop_map(move |(text, ops, which)| {
        let mut input = w("mutated catalog", text);
        let target = if which {
            &mut input.entities
        } else {
            &mut input.sources
        };
        *target = target.take().map(|t| mutate(t, &ops));
        input
    });
    prop_oneof![
        1 => arbitrary,
        2 => body,
        1 => front,
        2 => lang,
        2 => truncated,
        4 => mutated,
        2 => catalogs,
    ]
}

/// How far the generated cases got.
#[derive(Default)]
struct Tally {
    tried: AtomicUsize,
    rendered: AtomicUsize,
    skipped: AtomicUsize,
}

/// Runs one input through every stage a build runs, as the CLI does: rendering only when the
/// check found no error. Returns what went wrong without a panic (a panic is caught by the
/// runner).
fn exercise(
    input: &Input,
    tera: &tera::Tera,
    tally: &Tally,
    check_typst: bool,
) -> Result<(), String> {
    tally.tried.fetch_add(1, Ordering::Relaxed);
    let label = "content/dossiers/fuzz.md";
    let mut diags = Vec::new();
    if let Ok(split) = frontmatter::split(label, &input.dossier) {
        let mut ctx = Ctx {
            file: label,
            base: split.yaml_offset,
            diags: &mut diags,
        };
        let _ = frontmatter::parse_meta(&mut ctx, split.yaml);
        let _ = markdown::parse_body(label, split.body, split.body_offset, &mut diags);
    }
    let _ = markdown::parse_body(label, &input.dossier, 0, &mut diags);
    let _ = markdown::parse_inline(label, &input.dossier, 0, &mut diags);

    let text = |label: &str, text: &Option<String>| {
        text.as_ref().map(|t| TextFile {
            label: label.to_string(),
            text: t.clone(),
        })
    };
    let project = Project {
        dossiers: vec![TextFile {
            label: label.to_string(),
            text: input.dossier.clone(),
        }],
        entities: text("content/entities.yaml", &input.entities),
        sources: text("content/sources.yaml", &input.sources),
        ..Project::default()
    };
    let checked = resolve::check(&project);
    let _ = diagnostics::render_human(&checked.diagnostics, &checked.texts);
    let mut json = Vec::new();
    let _ = diagnostics::write_json(&mut json, &checked.diagnostics, &checked.texts);
    if checked.diagnostics.iter().any(|d| d.is_error()) {
        return Ok(());
    }
    tally.rendered.fetch_add(1, Ordering::Relaxed);
    for profile in [
        Profile {
            internal: false,
            drafts: false,
        },
        Profile {
            internal: true,
            drafts: true,
        },
    ] {
        let site = resolve::build_site(&checked, profile);
        html::render_site(
            &site,
            tera,
            html::SiteOptions {
                with_pdfs: true,
                overrides: &Default::default(),
            },
        )
        .map_err(|e| format!("the built-in templates failed on checked content: {e}"))?;
        let mut sources: Vec<(String, String)> = site
            .dossiers
            .iter()
            .map(|d| (format!("{}.pdf", d.id), pdf::briefing_source(&site, d)))
            .collect();
        sources.extend(pdf::compendium::sources(&site));
        if check_typst {
            for (name, source) in sources {
                typst_syntax_errors(&source).map_err(|e| format!("{name}: {e}"))?;
            }
            // What `check` passes, `build` builds: lay out and export every PDF as a build does.
            let files = pdf::files(&BTreeMap::new(), &BTreeMap::new());
            pdf::render_all(&site, &files).map_err(|errors| {
                format!("checked content failed to typeset: {}", errors.join("\n"))
            })?;
        }
    }
    Ok(())
}

/// Generated Typst must parse: author text that breaks the syntax was not escaped, and text
/// that is not escaped is text that could be code. (Too deep a nesting is a layout limit.)
fn typst_syntax_errors(source: &str) -> Result<(), String> {
    let (errors, _) = typst::syntax::parse(source).errors_and_warnings();
    let errors: Vec<String> = errors
        .iter()
        .map(|e| e.message.to_string())
        .filter(|m| !m.contains("maximum parsing depth"))
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "generated Typst has syntax errors: {}\n--- source ---\n{source}",
            errors.join("; ")
        ))
    }
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[test]
fn arbitrary_truncated_and_mutated_input_never_panics_the_pipeline() {
    run_property("no panic", false, 256);
}

#[test]
fn every_checked_input_typesets_its_pdfs() {
    run_property("Typst compiles", true, 64);
}

/// Runs the property test over `default_cases` cases, or `CASEFILE_PROPTEST_CASES`, within a
/// time budget of 60 s or `CASEFILE_PROPTEST_SECONDS` (cases past it are counted as
/// skipped). The generator is deterministic, so CI sees the same cases every run and a
/// failure reproduces.
fn run_property(name: &str, check_typst: bool, default_cases: u64) {
    let cases = env_number("CASEFILE_PROPTEST_CASES", default_cases) as u32;
    let budget = Duration::from_secs(env_number("CASEFILE_PROPTEST_SECONDS", 60));
    let tera = html::templates(&BTreeMap::new()).expect("built-in templates load");
    let tally = Tally::default();
    let started = Instant::now();
    let config = Config {
        cases,
        failure_persistence: None,
        max_shrink_iters: 256,
        max_shrink_time: 20_000,
        ..Config::default()
    };
    let mut runner =
        TestRunner::new_with_rng(config, TestRng::deterministic_rng(RngAlgorithm::ChaCha));
    let result = runner.run(&inputs(), |input| {
        if started.elapsed() > budget {
            tally.skipped.fetch_add(1, Ordering::Relaxed);
            return Ok(());
        }
        exercise(&input, &tera, &tally, check_typst).map_err(TestCaseError::fail)
    });
    eprintln!(
        "hostile property test ({name}): {} inputs tried, shrinking included ({} checked clean and rendered, {} skipped over the {} s budget) in {:.1} s",
        tally.tried.load(Ordering::Relaxed),
        tally.rendered.load(Ordering::Relaxed),
        tally.skipped.load(Ordering::Relaxed),
        budget.as_secs(),
        started.elapsed().as_secs_f64()
    );
    match result {
        Ok(()) => {}
        Err(TestError::Fail(reason, input)) => panic!(
            "the pipeline failed on a {} input: {reason}\ninput (minimised): {}",
            input.kind,
            input.describe()
        ),
        Err(TestError::Abort(reason)) => panic!("property test aborted: {reason}"),
    }
    // A quarter of the generated inputs are samples with a few edits, most of which check
    // clean; far fewer reaching rendering means the generator stopped producing them.
    assert!(
        tally.rendered.load(Ordering::Relaxed) as u32 > cases.min(256) / 8,
        "too few inputs reached rendering for the test to mean much"
    );
}

// ---------------------------------------------------------------------------------------------
// Pathological inputs through the binary, with a deadline
// ---------------------------------------------------------------------------------------------

/// How much CPU time one run of the binary on one pathological input may take (debug build).
/// CPU time rather than wall time, so that tests running side by side on two cores cannot
/// push a legitimate run over the limit; wall time is capped at three times as much.
const DEADLINE: Duration = Duration::from_secs(20);

static BINARY_INPUTS: AtomicUsize = AtomicUsize::new(0);

/// How a run ended.
struct Ending {
    status: Option<ExitStatus>,
    stderr: String,
    elapsed: Duration,
    /// CPU time used, as last measured.
    cpu: Duration,
}

/// Runs `casefile ARGS --root ROOT`, killing it at the deadline.
fn run_with_deadline(root: &Path, args: &[&str], deadline: Duration) -> Ending {
    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_casefile"))
        .args(args)
        .arg("--root")
        .arg(root)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn casefile");
    // Diagnostics of a pathological input can be megabytes: drain them while waiting.
    let mut pipe = child.stderr.take().expect("stderr piped");
    let reader = std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = pipe.read_to_end(&mut bytes);
        bytes
    });
    let mut used = Duration::ZERO;
    let status = loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            break Some(status);
        }
        used = cpu_time(child.id()).unwrap_or_else(|| started.elapsed());
        if used > deadline || started.elapsed() > deadline * 3 {
            child.kill().ok();
            child.wait().ok();
            break None;
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let elapsed = started.elapsed();
    let stderr = String::from_utf8_lossy(&reader.join().unwrap_or_default()).into_owned();
    Ending {
        status,
        stderr,
        elapsed,
        cpu: used,
    }
}

/// CPU time (user + system, all threads) a running process has used, from `/proc` (Linux).
fn cpu_time(pid: u32) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) may hold spaces; the fields after it are plain numbers.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 1000 / clock_ticks()))
}

/// Clock ticks per second of `/proc` times (`getconf CLK_TCK`, 100 nearly everywhere).
fn clock_ticks() -> u64 {
    static TICKS: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *TICKS.get_or_init(|| {
        Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
            .filter(|t| *t > 0)
            .unwrap_or(100)
    })
}

fn tail(text: &str, chars: usize) -> String {
    let start = char_floor(text, text.len().saturating_sub(chars));
    text[start..].to_string()
}

/// `Ok` when the run ended as the contract says: exit 0, or exit 1 with a diagnostic, in time.
fn judge(ending: &Ending) -> Result<(), String> {
    let Some(status) = ending.status else {
        return Err(format!(
            "still running after {:.1} s of CPU time ({:.1} s of wall time): killed",
            ending.cpu.as_secs_f64(),
            ending.elapsed.as_secs_f64()
        ));
    };
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = status.signal() {
            return Err(format!(
                "crashed: killed by signal {signal} (SIGABRT = 6 is Rust's stack-overflow abort)\n{}",
                tail(&ending.stderr, 600)
            ));
        }
    }
    match status.code() {
        Some(0) => Ok(()),
        Some(1) if ending.stderr.contains("error") => Ok(()),
        Some(1) => Err("exit 1 without an error diagnostic".to_string()),
        Some(101) => Err(format!("panicked:\n{}", tail(&ending.stderr, 1500))),
        code => Err(format!(
            "exit {code:?} (expected 0 or 1):\n{}",
            tail(&ending.stderr, 1000)
        )),
    }
}

/// Whether big inputs are also laid out as PDFs at full size.
fn slow_tests() -> bool {
    std::env::var("CASEFILE_SLOW_TESTS").is_ok_and(|v| v == "1")
}

/// Runs each `(args, files)` on a fresh project, all at once, and asserts that every run
/// ended cleanly in time.
fn assert_survives(name: &str, runs: &[Run]) {
    let verdicts: Vec<Result<(), String>> = std::thread::scope(|scope| {
        let handles: Vec<_> = runs
            .iter()
            .map(|(what, args, files)| {
                scope.spawn(move || survive(&format!("{name}: {what}"), args, files))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err("the runner panicked".into()))
            })
            .collect()
    });
    let failures: Vec<String> = verdicts.into_iter().filter_map(Result::err).collect();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

fn survive(name: &str, args: &[&str], files: &[(String, Vec<u8>)]) -> Result<(), String> {
    let fixture = Fixture::with(&[]);
    for (path, bytes) in files {
        let path = fixture.root().join(path);
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("folders");
        std::fs::write(path, bytes).expect("write input");
    }
    let number = BINARY_INPUTS.fetch_add(1, Ordering::Relaxed) + 1;
    let size: usize = files.iter().map(|(_, b)| b.len()).sum();
    let ending = run_with_deadline(fixture.root(), args, DEADLINE);
    let verdict = judge(&ending);
    eprintln!(
        "hostile input #{number} {name}: `casefile {}` on {size} bytes: {} in {:.2} s ({:.2} s CPU)",
        args.join(" "),
        match (&verdict, ending.status.and_then(|s| s.code())) {
            (Ok(()), Some(code)) => format!("exit {code}"),
            _ => "FAILED".to_string(),
        },
        ending.elapsed.as_secs_f64(),
        ending.cpu.as_secs_f64()
    );
    verdict.map_err(|why| {
        format!(
            "`casefile {}` on {name} ({size} bytes): {why}",
            args.join(" ")
        )
    })
}

/// One run of the binary: what it is, its arguments, and the project's files.
type Run = (
    &'static str,
    &'static [&'static str],
    Vec<(String, Vec<u8>)>,
);

const FRONT: &str = "---\ntitle: Hostile\ndate: 2020-01-01\n---\n";

fn dossier(body: &str) -> Vec<(String, Vec<u8>)> {
    vec![(
        "content/dossiers/hostile.md".to_string(),
        format!("{FRONT}{body}").into_bytes(),
    )]
}

fn full(what: &'static str, files: Vec<(String, Vec<u8>)>) -> Vec<Run> {
    vec![(what, &["build"][..], files)]
}

/// The site at full size, and everything (PDFs included) at `pdf_size` (full size with
/// `CASEFILE_SLOW_TESTS=1`).
fn sized(make: impl Fn(usize) -> Vec<(String, Vec<u8>)>, size: usize, pdf_size: usize) -> Vec<Run> {
    let pdf_size = if slow_tests() { size } else { pdf_size };
    vec![
        ("full size", &["build", "--site"][..], make(size)),
        (
            if pdf_size == size {
                "full size"
            } else {
                "a tenth of the size"
            },
            &["build"][..],
            make(pdf_size),
        ),
    ]
}

#[test]
fn ten_thousand_nested_block_quotes_end_cleanly() {
    assert_survives(
        "nesting",
        &full(
            "10,000 nested quotes",
            dossier(&format!("{}deep\n", "> ".repeat(10_000))),
        ),
    );
}

#[test]
fn ten_thousand_nested_lists_end_cleanly() {
    let mixed: String = (0..10_000)
        .map(|i| ["- ", "1. ", "> ", "* "][i % 4])
        .collect();
    assert_survives(
        "10,000 nested lists",
        &[
            (
                "10,000 nested bullet lists",
                &["build"][..],
                dossier(&format!("{}deep\n", "- ".repeat(10_000))),
            ),
            (
                "10,000 levels of mixed lists and quotes",
                &["build"][..],
                dossier(&format!("{mixed}deep\n")),
            ),
        ],
    );
}

#[test]
fn deeply_nested_inline_markup_ends_cleanly() {
    assert_survives(
        "nested emphasis, links, raw HTML",
        &[
            (
                "emphasis nested 5,000 deep",
                &["build"][..],
                dossier(&format!("{}x{}\n", "*".repeat(5_000), "*".repeat(5_000))),
            ),
            (
                "links nested 10,000 deep",
                &["build"][..],
                dossier(&format!(
                    "{}x{}\n",
                    "[".repeat(10_000),
                    "](https://example.org)".repeat(10_000)
                )),
            ),
            (
                "inline HTML nested 10,000 deep",
                &["build"][..],
                dossier(&format!(
                    "a {}x{}\n",
                    "<b>".repeat(20_000),
                    "</b>".repeat(20_000)
                )),
            ),
            (
                "block HTML nested 10,000 deep",
                &["build"][..],
                dossier(&format!(
                    "{}x{}\n",
                    "<div>".repeat(20_000),
                    "</div>".repeat(20_000)
                )),
            ),
        ],
    );
}

#[test]
fn five_thousand_row_table_ends_cleanly() {
    let table = |rows: usize| {
        let mut body = String::from("| n | what |\n|---:|---|\n");
        for i in 0..rows {
            body.push_str(&format!("| {i} | row *{i}* [[hostile]] |\n"));
        }
        dossier(&body)
    };
    assert_survives("5,000-row table", &sized(table, 5_000, 500));
}

#[test]
fn five_thousand_footnotes_end_cleanly() {
    let notes = |count: usize| {
        let mut body = String::new();
        for i in 0..count {
            body.push_str(&format!("Claim {i}[^n{i}]. "));
        }
        body.push_str("\n\n");
        for i in 0..count {
            body.push_str(&format!("[^n{i}]: Note {i}.\n"));
        }
        dossier(&body)
    };
    assert_survives("5,000 footnotes", &sized(notes, 5_000, 500));
}

#[test]
fn a_hundred_thousand_unclosed_link_and_citation_openers_end_cleanly() {
    assert_survives(
        "`[[` and `[@` ×100,000",
        &[
            (
                "`[[` ×100,000",
                &["build"][..],
                dossier(&format!("{}\n", "[[".repeat(100_000))),
            ),
            (
                "`[@` ×100,000",
                &["build"][..],
                dossier(&format!("{}\n", "[@".repeat(100_000))),
            ),
            (
                "`[^` ×100,000",
                &["build"][..],
                dossier(&format!("{}\n", "[^".repeat(100_000))),
            ),
        ],
    );
}

#[test]
fn a_huge_single_line_ends_cleanly() {
    let line = |bytes: usize| dossier(&format!("{}\n", "word ".repeat(bytes / 5)));
    assert_survives("a 2 MB line", &sized(line, 2_000_000, 200_000));
}

/// CPU time of `casefile ARGS` on a project holding one dossier, after checking that it
/// ended in time with exit 0 or 1 (JSON diagnostics go to standard output, which is not
/// kept).
fn cpu_time_on(name: &str, args: &[&str], dossier: &str) -> Duration {
    let fixture = Fixture::with(&[("content/dossiers/long.md", dossier)]);
    BINARY_INPUTS.fetch_add(1, Ordering::Relaxed);
    let ending = run_with_deadline(fixture.root(), args, DEADLINE);
    let code = ending.status.and_then(|s| s.code());
    if !matches!(code, Some(0 | 1)) {
        let why = judge(&ending).err().unwrap_or_default();
        panic!(
            "`casefile {}` on {name}: exit {code:?} {why}",
            args.join(" ")
        );
    }
    eprintln!(
        "`casefile {}` on {name}: {:.2} s ({:.2} s CPU)",
        args.join(" "),
        ending.elapsed.as_secs_f64(),
        ending.cpu.as_secs_f64()
    );
    ending.cpu
}

/// Asserts that `casefile ARGS` on a front-matter list written on one line takes at most a
/// few times as long as on the same list written one item per line. CPU time, not wall
/// time, so that a busy machine slows both alike; the floor absorbs the noise of runs this
/// short.
fn assert_one_line_as_fast_as_per_line(args: &[&str], field: &str, items: &[String]) {
    let front = "---\ntitle: Long lists\ndate: 2020-01-01\n";
    let one_line = format!("{front}{field}: [{}]\n---\nText.\n", items.join(", "));
    let per_line: String = items.iter().map(|t| format!("  - {t}\n")).collect();
    let per_line = format!("{front}{field}:\n{per_line}---\nText.\n");
    let count = items.len();
    let per_line_cpu = cpu_time_on(&format!("{count} {field} one a line"), args, &per_line);
    let one_line_cpu = cpu_time_on(&format!("{count} {field} on one line"), args, &one_line);
    let allowed = per_line_cpu * 4 + Duration::from_secs(5);
    assert!(
        one_line_cpu <= allowed,
        "`casefile {}`: one line took {one_line_cpu:?} of CPU, one item a line {per_line_cpu:?}",
        args.join(" ")
    );
}

#[test]
fn a_long_one_line_front_matter_checks_about_as_fast_as_one_item_per_line() {
    // 80,000 tags on one line took minutes when each value's position was found by walking
    // its line from the start; one walk along the line must do.
    let tags: Vec<String> = (0..80_000).map(|i| format!("tag-{i}")).collect();
    assert_one_line_as_fast_as_per_line(&["check"], "tags", &tags);
}

#[test]
fn eighty_thousand_errors_on_one_line_are_reported_about_as_fast_as_one_a_line() {
    // Each diagnostic's line and column were counted from the start of the file, and each
    // human one printed its whole line: minutes, and gigabytes, for one long line.
    let ids: Vec<String> = (0..80_000).map(|i| format!("nobody-{i}")).collect();
    assert_one_line_as_fast_as_per_line(&["check", "--format", "json"], "entities", &ids);
    assert_one_line_as_fast_as_per_line(&["check"], "entities", &ids);
}

#[test]
fn ten_thousand_identical_headings_end_cleanly() {
    // Each needs its own anchor (`h`, `h-1`, `h-2`, …).
    let headings = |count: usize| dossier(&"## h\n\ntext\n\n".repeat(count));
    assert_survives("10,000 identical headings", &sized(headings, 10_000, 1_000));
}

#[test]
fn yaml_bombs_and_deep_yaml_end_cleanly() {
    // Billion laughs: nine levels of nine aliases each.
    let mut laughs = String::from("---\ntitle: Laughs\ndate: 2020-01-01\nextra:\n  l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for level in 1..10 {
        let refs = vec![format!("*l{}", level - 1); 9].join(", ");
        laughs.push_str(&format!("  l{level}: &l{level} [{refs}]\n"));
    }
    laughs.push_str("---\nBody.\n");
    // The same, with the bomb also used where a list of strings is expected.
    let laughs_in_tags = laughs.replacen("---\nBody.", "tags: *l9\n---\nBody.", 1);
    let front = |yaml: String| {
        vec![(
            "content/dossiers/hostile.md".to_string(),
            format!("---\ntitle: Deep\ndate: 2020-01-01\n{yaml}\n---\nBody.\n").into_bytes(),
        )]
    };
    let block_maps: String = (0..3_000)
        .map(|i| format!("{}k{i}:\n", " ".repeat(i + 2)))
        .collect();
    let catalog = |name: &str, text: String| {
        let mut files = dossier("Body.\n");
        files.push((format!("content/{name}"), text.into_bytes()));
        files
    };
    assert_survives(
        "YAML bombs and deep YAML",
        &[
            (
                "billion laughs (9 levels of 9 aliases)",
                &["build"][..],
                vec![(
                    "content/dossiers/hostile.md".to_string(),
                    laughs.into_bytes(),
                )],
            ),
            (
                "billion laughs used as `tags`",
                &["build"][..],
                vec![(
                    "content/dossiers/hostile.md".to_string(),
                    laughs_in_tags.into_bytes(),
                )],
            ),
            (
                "flow lists 10,000 deep",
                &["build"][..],
                front(format!(
                    "extra: {}{}",
                    "[".repeat(10_000),
                    "]".repeat(10_000)
                )),
            ),
            (
                "flow maps 10,000 deep",
                &["build"][..],
                front(format!(
                    "extra: {}1{}",
                    "{a: ".repeat(10_000),
                    "}".repeat(10_000)
                )),
            ),
            (
                "compact block lists `- - - …` 10,000 deep in front matter",
                &["build"][..],
                front(format!("extra:\n  k:\n    {}x", "- ".repeat(10_000))),
            ),
            (
                "indented block maps 3,000 deep in front matter",
                &["build"][..],
                front(format!("extra:\n{block_maps}")),
            ),
            (
                "compact block lists 10,000 deep in entities.yaml",
                &["build"][..],
                catalog("entities.yaml", format!("{}x\n", "- ".repeat(10_000))),
            ),
            (
                "self-referencing anchor, unclosed, in sources.yaml",
                &["build"][..],
                catalog("sources.yaml", format!("- &a {}\n", "[*a, ".repeat(5_000))),
            ),
        ],
    );
}

#[test]
fn a_twenty_megabyte_dossier_is_refused_with_a_clear_error() {
    let fixture = Fixture::with(&[]);
    let mut text = String::from(FRONT);
    while text.len() < 20 * 1024 * 1024 {
        text.push_str("Lorem ipsum dolor sit amet, consectetur adipiscing elit.\n");
    }
    fixture.write("content/dossiers/huge.md", &text);
    BINARY_INPUTS.fetch_add(1, Ordering::Relaxed);
    let ending = run_with_deadline(fixture.root(), &["build"], DEADLINE);
    judge(&ending).unwrap_or_else(|why| panic!("20 MB dossier: {why}"));
    assert_eq!(
        ending.status.and_then(|s| s.code()),
        Some(1),
        "a file over the size limit is a content error:\n{}",
        ending.stderr
    );
    assert!(
        ending.stderr.contains("content/dossiers/huge.md")
            && ["8388608", "8 MiB", "too large", "refused"]
                .iter()
                .any(|w| ending.stderr.contains(w)),
        "the error names the file and the limit:\n{}",
        tail(&ending.stderr, 2000)
    );
    assert!(
        !fixture.out().exists(),
        "nothing is written when the build is refused"
    );
}

#[test]
fn invalid_utf8_and_nul_bytes_end_cleanly() {
    let raw = |path: &str, bytes: &[u8]| vec![(path.to_string(), bytes.to_vec())];
    let mut invalid = FRONT.as_bytes().to_vec();
    invalid.extend_from_slice(
        b"Valid text, then \xff\xfe and \xc3\x28 and \xed\xa0\x80 (a surrogate).\n",
    );
    let mut nul_body = FRONT.as_bytes().to_vec();
    nul_body.extend_from_slice(b"a\0b [[\0]] [@\0] [^\0] \0\0\n\n# \0\n");
    assert_survives(
        "invalid UTF-8 and NUL bytes",
        &[
            (
                "invalid UTF-8 in a body",
                &["build"][..],
                raw("content/dossiers/hostile.md", &invalid),
            ),
            (
                "NUL bytes in a body",
                &["build"][..],
                raw("content/dossiers/hostile.md", &nul_body),
            ),
            (
                "NUL in a front-matter value",
                &["build"][..],
                raw(
                    "content/dossiers/hostile.md",
                    b"---\ntitle: a\0b\ndate: 2020-01-01\n---\nx\n",
                ),
            ),
            (
                "NUL in the front-matter fence",
                &["build"][..],
                raw("content/dossiers/hostile.md", b"---\0\ntitle: x\n---\n"),
            ),
            (
                "NUL in entities.yaml",
                &["build"][..],
                raw(
                    "content/entities.yaml",
                    b"- id: a\0b\n  name: \0\n  kind: person\n",
                ),
            ),
            (
                "invalid UTF-8 in sources.yaml",
                &["build"][..],
                raw("content/sources.yaml", b"\xff\xfe- id: x\n"),
            ),
            (
                "NUL and invalid UTF-8 in casefile.toml",
                &["build"][..],
                raw("casefile.toml", b"title = \"\0\"\n\xff"),
            ),
        ],
    );
    // The invalid UTF-8 is reported as such, with the file.
    let fixture = Fixture::with(&[]);
    std::fs::write(fixture.root().join("content/dossiers/hostile.md"), &invalid).expect("write");
    let run = fixture.run(&["check"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("content/dossiers/hostile.md") && run.stderr.contains("UTF-8"),
        "the error names the file and the encoding:\n{}",
        run.stderr
    );
}

#[test]
fn hundreds_of_dossiers_build_pdfs_without_overflowing_a_thread_stack() {
    // Briefings are compiled in parallel; nothing about their number may exhaust a stack.
    let mut files = Vec::new();
    for i in 0..300 {
        files.push((
            format!("content/dossiers/d{i:03}.md"),
            format!("---\ntitle: Dossier {i}\ndate: 2020-01-01\n---\nText {i}.\n").into_bytes(),
        ));
    }
    assert_survives(
        "many dossiers",
        &[("300 small dossiers", &["build", "--pdf"][..], files)],
    );
}

#[test]
fn a_footnote_that_refers_to_another_footnote_builds() {
    // `check` accepts it, so `build` must too: check and build report the same problems.
    let fixture = Fixture::with(&[(
        "content/dossiers/notes.md",
        "---\ntitle: Notes\ndate: 2020-01-01\n---\nA claim[^a] and another[^c].\n\n[^a]: See also[^b].\n\n[^b]: The second note.\n\n[^c]: The third note.\n",
    )]);
    let check = fixture.run(&["check"]);
    assert_eq!(check.code, 0, "check: {}", check.stderr);
    let run = fixture.run(&["build"]);
    assert_eq!(
        run.code, 0,
        "check passed but build failed:\n{}",
        run.stderr
    );
    let text = pdf_text(&fixture.out().join("pdf/notes.pdf"));
    for note in ["See also", "The second note", "The third note"] {
        assert!(
            text.contains(note),
            "`{note}` missing from the briefing:\n{text}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// XSS: author text never becomes active HTML
// ---------------------------------------------------------------------------------------------

const XSS_DOSSIER: &str = r##"---
title: "XSS <script>alert('title')</script> \" onmouseover=\"alert(1)"
date: 2020-01-01
summary: "Summary <img src=x onerror=alert(1)> [click](javascript:alert(2)) <a href='data:text/html,x'>d</a>"
tags: ["<script>tag</script>", "\" onfocus=\"alert(3)"]
authors: ["<b onmouseover=alert(3)>author</b>"]
entities:
  - { id: evil, role: "<svg onload=alert(4)>" }
sources:
  - id: local
    title: "<script>alert('source')</script>"
    url: "https://example.org/\"onmouseover=\"alert(5)"
    archive_url: "https://example.org/'><script>alert(6)</script>"
    notes: "<img src=x onerror=alert(7)>"
timeline:
  - date: 2020-01-01
    event: "Event <img src=x onerror=alert(8)> [e](javascript:alert(9))"
    sources: [local]
extra:
  html: "<script>alert('extra')</script>"
---
<script>alert(10)</script>

Inline <img src=x onerror="alert(11)"> and <a href="javascript:alert(12)">js</a> and
<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxMyk8L3NjcmlwdD4=">data</a>[@local].

<a href="&#8195;javascript:alert(14)">em space</a> <a href="&#x2003;javascript:alert(15)">hex</a>
<a href=" javascript:alert(16)">space</a> <a href="JaVaScRiPt:alert(17)">case</a>
<a href="java&#x09;script:alert(18)">tab</a> <a href="jav&#97;script:alert(19)">entity</a>
<a href="&#x6A;avascript:alert(20)">hex entity</a> <a href="vbscript:msgbox(21)">vb</a>

<svg><script>alert(22)</script><a xlink:href="javascript:alert(23)"><text>svg</text></a></svg>

<svg onload=alert(24)></svg> <math><mtext><table><mglyph><style><img src=x onerror=alert(25)></style></mglyph></table></mtext></math>

<iframe src="javascript:alert(26)"></iframe> <object data="javascript:alert(27)"></object> <embed src="javascript:alert(28)">
<form action="javascript:alert(29)"><button formaction="javascript:alert(30)">b</button></form>

<div style="background:url(javascript:alert(31))">styled</div> <img src="data:image/svg+xml,<svg onload=alert(32)>">
<base href="javascript:alert(33)//"> <meta http-equiv="refresh" content="0;url=javascript:alert(34)"> <link rel="import" href="data:text/html,x">

[md js](javascript:alert(35)) [md data](data:text/html,<script>alert(36)</script>) [md vb](vbscript:alert(37))
[md entity](&#106;avascript:alert(38)) [md space]( javascript:alert(39)) <javascript:alert(40)>

[ref js][r] and [ref data][d]

[r]: javascript:alert(41)
[d]: data:text/html,alert(42)

<details open ontoggle=alert(43)><summary>x</summary></details> <a href="#frag" onclick="alert(44)">frag</a>
<p onclick=alert(45)>para</p> <img src="x" alt="x" onerror  =  "alert(46)"> <a href="https://ok.example.org/" onmouseover=alert(47)>ok</a>

`<script>alert('code')</script>`

```html
<script>alert('block')</script>
```
"##;

const XSS_ENTITIES: &str = r##"- id: evil
  name: "<script>alert('entity')</script>"
  kind: person
  aliases: ["<img src=x onerror=alert(48)>"]
  description: "Description <img src=x onerror=alert(49)> <a href='javascript:alert(50)'>x</a> [y](javascript:alert(51))"
"##;

/// One tag of a page: its name and attributes (values with entities decoded).
struct Tag {
    name: String,
    attributes: Vec<(String, String)>,
    at: usize,
}

/// Every start tag of a page, read as a browser would read attributes.
fn tags(html: &str) -> Vec<Tag> {
    let bytes = html.as_bytes();
    let mut tags = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'<' || !bytes.get(i + 1).is_some_and(|b| b.is_ascii_alphabetic()) {
            i += 1;
            continue;
        }
        let at = i;
        i += 1;
        let start = i;
        while i < bytes.len()
            && !bytes[i].is_ascii_whitespace()
            && bytes[i] != b'>'
            && bytes[i] != b'/'
        {
            i += 1;
        }
        let name = html[start..i].to_ascii_lowercase();
        let mut attributes = Vec::new();
        loop {
            while i < bytes.len() && (bytes[i].is_ascii_whitespace() || bytes[i] == b'/') {
                i += 1;
            }
            if i >= bytes.len() || bytes[i] == b'>' {
                i += 1;
                break;
            }
            let start = i;
            while i < bytes.len()
                && !bytes[i].is_ascii_whitespace()
                && !matches!(bytes[i], b'=' | b'>')
            {
                i += 1;
            }
            let attr = html[start..i].to_ascii_lowercase();
            while i < bytes.len() && bytes[i].is_ascii_whitespace() {
                i += 1;
            }
            let mut value = String::new();
            if i < bytes.len() && bytes[i] == b'=' {
                i += 1;
                while i < bytes.len() && bytes[i].is_ascii_whitespace() {
                    i += 1;
                }
                if i < bytes.len() && (bytes[i] == b'"' || bytes[i] == b'\'') {
                    let quote = bytes[i];
                    let start = i + 1;
                    i = start;
                    while i < bytes.len() && bytes[i] != quote {
                        i += 1;
                    }
                    value = html[start..i.min(bytes.len())].to_string();
                    i += 1;
                } else {
                    let start = i;
                    while i < bytes.len() && !bytes[i].is_ascii_whitespace() && bytes[i] != b'>' {
                        i += 1;
                    }
                    value = html[start..i].to_string();
                }
            }
            attributes.push((attr, decode_entities(&value)));
        }
        tags.push(Tag {
            name,
            attributes,
            at,
        });
    }
    tags
}

/// What a browser would make of a URL's scheme: controls and whitespace dropped, lowercase.
fn url_scheme(url: &str) -> String {
    let cleaned: String = url
        .chars()
        .filter(|c| !c.is_whitespace() && !c.is_control())
        .collect::<String>()
        .to_ascii_lowercase();
    cleaned.split(':').next().unwrap_or("").to_string()
}

const URL_ATTRIBUTES: &[&str] = &[
    "href",
    "src",
    "action",
    "formaction",
    "xlink:href",
    "data",
    "poster",
    "srcset",
    "background",
    "cite",
    "longdesc",
    "usemap",
    "manifest",
    "ping",
    "codebase",
];

/// Everything active in one page: script tags that are not the site's own, event handlers,
/// dangerous URLs and elements (in the page body), inline styles.
fn active_content(rel: &str, html: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let body_at = html.find("<body").unwrap_or(0);
    let (main_at, main_end) = match (html.find("<main"), html.rfind("</main>")) {
        (Some(a), Some(b)) => (a, b),
        _ => (0, html.len()),
    };
    for tag in tags(html) {
        let in_body = tag.at >= body_at;
        let in_main = tag.at >= main_at && tag.at < main_end;
        if tag.name == "script" {
            let src = tag
                .attributes
                .iter()
                .find(|(n, _)| n == "src")
                .map(|(_, v)| v.as_str());
            let own = src.is_some_and(|s| {
                !s.contains(':')
                    && s.trim_start_matches("../").starts_with("assets/")
                    && s.ends_with(".js")
            });
            let empty = html[tag.at..]
                .find('>')
                .is_some_and(|gt| html[tag.at + gt + 1..].starts_with("</script>"));
            if !own || !empty || in_main {
                problems.push(format!(
                    "{rel}: a <script> that is not the site's own: {}",
                    snippet(html, tag.at)
                ));
            }
        }
        for (name, value) in &tag.attributes {
            if name.starts_with("on")
                && name.len() > 2
                && name[2..].chars().all(|c| c.is_ascii_alphabetic())
            {
                problems.push(format!(
                    "{rel}: event handler `{name}` on <{}>: {}",
                    tag.name,
                    snippet(html, tag.at)
                ));
            }
            if in_body && URL_ATTRIBUTES.contains(&name.as_str()) {
                let scheme = url_scheme(value);
                if ["javascript", "data", "vbscript"].contains(&scheme.as_str()) {
                    problems.push(format!("{rel}: {name}=\"{value}\" on <{}>", tag.name));
                }
            }
            if in_main && name == "style" {
                problems.push(format!(
                    "{rel}: inline style on <{}>: {}",
                    tag.name,
                    snippet(html, tag.at)
                ));
            }
        }
        // casefile's own drawings (docs/charts.md) are the one SVG a page may have: their
        // tags are still checked above for handlers and dangerous URLs, and an author's
        // `<svg>` never starts like this.
        let own_drawing = tag.name == "svg"
            && html[tag.at..]
                .starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart ");
        if in_main
            && !own_drawing
            && [
                "iframe", "object", "embed", "svg", "math", "style", "form", "base", "meta",
                "link", "button", "input",
            ]
            .contains(&tag.name.as_str())
        {
            problems.push(format!(
                "{rel}: <{}> element in the page body: {}",
                tag.name,
                snippet(html, tag.at)
            ));
        }
    }
    problems
}

fn snippet(html: &str, at: usize) -> String {
    let end = char_floor(html, (at + 120).min(html.len()));
    html[at..end].replace('\n', " ")
}

#[test]
fn script_handlers_and_dangerous_urls_never_reach_the_site() {
    let fixture = Fixture::with(&[
        ("content/entities.yaml", XSS_ENTITIES),
        ("content/dossiers/xss.md", XSS_DOSSIER),
    ]);
    let run = fixture.run(&["build", "--site"]);
    assert_eq!(run.code, 0, "build failed:\n{}", run.stderr);
    let site = fixture.out().join("site");
    let pages: Vec<String> = files_under(&site)
        .into_iter()
        .filter(|f| f.ends_with(".html") || f.ends_with(".xml"))
        .collect();
    assert!(
        pages.iter().any(|p| p == "dossiers/xss/index.html"),
        "no page for the dossier: {pages:?}"
    );
    let mut problems = Vec::new();
    for rel in &pages {
        problems.extend(active_content(
            rel,
            &std::fs::read_to_string(site.join(rel)).expect("read page"),
        ));
    }
    // The checker itself must see what it looks for.
    let planted = active_content(
        "planted.html",
        "<body><main><p onclick=\"x\">a</p><a href=\"&#x2003;javascript:x\">b</a><script>x</script><svg></svg></main><script src=\"../../assets/search.js\"></script></body>",
    );
    assert_eq!(
        planted.len(),
        4,
        "the checker misses planted faults: {planted:#?}"
    );

    let page = std::fs::read_to_string(site.join("dossiers/xss/index.html")).expect("read");
    for text in ["em space", "md js", "frag", "para", "Inline"] {
        if !page.contains(text) {
            problems.push(format!("the text `{text}` of a sanitized element was lost"));
        }
    }
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

// ---------------------------------------------------------------------------------------------
// Typst injection: author text prints literally
// ---------------------------------------------------------------------------------------------

#[test]
fn typst_syntax_in_author_text_prints_literally_and_reads_no_files() {
    // Markdown escapes (`\-`, `1\.`) keep list markers as text at the start of a paragraph,
    // where Typst would read them as markup.
    let body = r##"Reads #read("/etc/passwd") and #import "/etc/passwd": * here.

#include "/etc/passwd"

Math $x^2$ and $ y $, a reference @sedena and a label \<label\> and <https://example.org>.

// a line comment

/* a block comment */ after it.

= a heading

\- a list item

\+ an enum item

1\. a numbered item

Backslashes \\ and \\n and C:\\dir\\file, braces #{1+1} and #let x = 1 and #set text(red).

A raw `#read("/etc/passwd")` and *#emph* and _#strong_ and [#link("file:///etc/passwd")].

```
#read("/etc/passwd") "quoted" \ back `tick`
```
"##;
    let front = r##"---
title: 'Title #read("/etc/passwd") $t$ @sedena'
date: 2020-01-01
summary: 'Summary #import "/etc/passwd": * // not a comment'
authors: ['Author ")#read("/etc/passwd")//']
tags: ['#read("/etc/passwd")']
entities:
  - { id: sedena, role: 'role #{2+2} $r$' }
sources:
  - id: src
    title: 'Source #read("/etc/passwd")'
    publisher: 'Publisher ]) #read("/etc/passwd") //'
    url: 'https://example.org/")#read("/etc/passwd")//'
timeline:
  - date: 2020-01-01
    event: 'Event #read("/etc/passwd") $e$'
---
"##;
    let dossier = format!("{front}{body}\nCited[@src].\n");
    let fixture = Fixture::with(&[
        (
            "content/entities.yaml",
            "- id: sedena\n  name: 'Sedena #read(\"/etc/passwd\")'\n  kind: government-agency\n",
        ),
        ("content/dossiers/typst.md", &dossier),
    ]);
    let run = fixture.run(&["build", "--pdf"]);
    assert_eq!(run.code, 0, "build failed:\n{}", run.stderr);
    let normalise = |text: &str| -> String {
        text.replace(['“', '”', '„'], "\"")
            .replace(['‘', '’'], "'")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    let mut problems = Vec::new();
    for pdf in ["pdf/typst.pdf", "pdf/compendium.pdf"] {
        let text = normalise(&pdf_text(&fixture.out().join(pdf)));
        for literal in [
            "Reads #read(\"/etc/passwd\") and #import \"/etc/passwd\": * here.",
            "#include \"/etc/passwd\"",
            "Math $x^2$ and $ y $, a reference @sedena and a label <label>",
            "// a line comment",
            "/* a block comment */ after it.",
            "= a heading",
            "- a list item",
            "+ an enum item",
            "1. a numbered item",
            "Backslashes \\ and \\n and C:\\dir\\file, braces #{1+1} and #let x = 1 and #set text(red).",
            "#read(\"/etc/passwd\") \"quoted\" \\ back `tick`",
            "Title #read(\"/etc/passwd\") $t$ @sedena",
            "Summary #import \"/etc/passwd\": * // not a comment",
            "Author \")#read(\"/etc/passwd\")//",
            "role #{2+2} $r$",
            "Source #read(\"/etc/passwd\")",
            "Publisher ]) #read(\"/etc/passwd\") //",
            "Event #read(\"/etc/passwd\") $e$",
            "Sedena #read(\"/etc/passwd\")",
        ] {
            if !text.contains(&normalise(literal)) {
                problems.push(format!("{pdf}: `{literal}` is not printed literally"));
            }
        }
        for secret in [
            "root:x:0",
            ":/root:",
            "/bin/bash",
            "/usr/sbin/nologin",
            "daemon:",
        ] {
            if text.contains(secret) {
                problems.push(format!("{pdf}: contains `{secret}`: a file was read"));
            }
        }
        if problems.iter().any(|p| p.starts_with(pdf)) {
            problems.push(format!("--- {pdf} text ---\n{text}"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn text_right_after_inline_markup_stays_text_in_the_pdf() {
    // In Typst, `#f(…)` followed by `(`, `[` or `.` continues the call: text written right
    // after inline code, emphasis or a note must not be read as arguments or fields.
    let body = "Run `ls`(1) and `cat`[2], **bold**(x), *em*.field, ~~gone~~(y) and a claim[^a] \
                then again[^a](see above).\n\n[^a]: The note.\n";
    let fixture = Fixture::with(&[(
        "content/dossiers/chain.md",
        &format!("---\ntitle: Chains\ndate: 2020-01-01\n---\n{body}"),
    )]);
    let check = fixture.run(&["check"]);
    assert_eq!(check.code, 0, "check: {}", check.stderr);
    let run = fixture.run(&["build", "--pdf"]);
    assert_eq!(
        run.code, 0,
        "check passed but the PDF build failed:\n{}",
        run.stderr
    );
    let text = pdf_text(&fixture.out().join("pdf/chain.pdf"))
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    for literal in [
        "ls(1)",
        "cat[2]",
        "bold(x)",
        "em.field",
        "gone(y)",
        "(see above)",
    ] {
        assert!(
            text.contains(literal),
            "`{literal}` is not in the briefing:\n{text}"
        );
    }
}
