//! Incremental builds: the render cache, reuse of unchanged files, no-op builds and CI shards.
//! Each proves its claim on the bytes and inodes of real output.

use std::collections::BTreeMap;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

use crate::support::{files_under, write_corpus, Fixture, Run};

/// Every file of an output folder: its bytes and its inode.
fn snapshot(out: &Path) -> BTreeMap<String, (Vec<u8>, u64)> {
    files_under(out)
        .into_iter()
        .map(|rel| {
            let path = out.join(&rel);
            let bytes = std::fs::read(&path).expect("read output file");
            let inode = std::fs::metadata(&path).expect("metadata").ino();
            (rel, (bytes, inode))
        })
        .collect()
}

/// The files whose bytes differ, or that only one side has.
fn changed(
    before: &BTreeMap<String, (Vec<u8>, u64)>,
    after: &BTreeMap<String, (Vec<u8>, u64)>,
) -> Vec<String> {
    let mut names: Vec<&String> = before.keys().chain(after.keys()).collect();
    names.sort();
    names.dedup();
    names
        .into_iter()
        .filter(|n| before.get(*n).map(|b| &b.0) != after.get(*n).map(|a| &a.0))
        .cloned()
        .collect()
}

/// `(rendered, from the cache, unchanged)` for `pages` or `pdfs` in `--timings` output.
fn tally(run: &Run, kind: &str) -> (usize, usize, usize) {
    let line = run
        .stderr
        .lines()
        .find(|l| l.trim_start().starts_with(kind))
        .unwrap_or_else(|| panic!("no `{kind}` line in --timings output:\n{}", run.stderr));
    let numbers: Vec<usize> = line
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|n| n.parse().ok())
        .collect();
    assert_eq!(numbers.len(), 3, "{line}");
    (numbers[0], numbers[1], numbers[2])
}

fn build(fixture: &Fixture, extra: &[&str]) -> Run {
    let mut args = vec!["build", "--timings"];
    args.extend_from_slice(extra);
    let run = fixture.run(&args);
    assert_eq!(run.code, 0, "build failed:\n{}", run.stderr);
    run
}

fn small_project() -> Fixture {
    let fixture = Fixture::empty();
    write_corpus(&fixture, 4);
    fixture
}

#[test]
fn a_title_edit_rerenders_exactly_the_files_that_show_the_title() {
    let fixture = small_project();
    build(&fixture, &[]);
    let before = snapshot(&fixture.out());
    let path = fixture.root().join("content/dossiers/batch-0/case-2.md");
    let text = std::fs::read_to_string(&path).expect("read dossier");
    std::fs::write(
        &path,
        text.replace("title: Case 2", "title: Renamed Zanzibar case"),
    )
    .expect("edit title");
    let run = build(&fixture, &[]);
    let after = snapshot(&fixture.out());
    let changed = changed(&before, &after);

    for (rel, (bytes, _)) in &after {
        let shows_title = if rel.ends_with(".pdf") {
            crate::support::pdf_text(&fixture.out().join(rel)).contains("Renamed Zanzibar")
        } else {
            String::from_utf8_lossy(bytes).contains("Renamed Zanzibar")
        };
        if shows_title {
            assert!(
                changed.contains(rel),
                "{rel} shows the title but did not change"
            );
        }
    }
    let pages_changed = changed
        .iter()
        .filter(|r| r.starts_with("site/") && (r.ends_with(".html") || r.ends_with(".xml")))
        .count();
    let pdfs_changed = changed.iter().filter(|r| r.starts_with("pdf/")).count();
    let (pages_rendered, _, pages_kept) = tally(&run, "pages");
    let (pdfs_rendered, pdfs_cached, pdfs_kept) = tally(&run, "pdfs");
    assert_eq!(
        pages_rendered, pages_changed,
        "pages rendered vs changed: {changed:?}\n{}",
        run.stderr
    );
    assert_eq!(pdfs_rendered, pdfs_changed, "{changed:?}\n{}", run.stderr);
    assert_eq!(pdfs_cached, 0);
    assert!(pages_kept > 0 && pdfs_kept > 0, "{}", run.stderr);
    assert!(changed.contains(&"site/dossiers/case-2/index.html".to_string()));
    assert!(changed.contains(&"pdf/case-2.pdf".to_string()));
    assert!(changed.contains(&"pdf/compendium.pdf".to_string()));
    assert!(
        !changed.contains(&"pdf/case-0.pdf".to_string()),
        "case-0 neither links to case-2 nor is linked from it in the body"
    );
    // Files not re-rendered are the previous files themselves, not rewritten copies.
    for (rel, (bytes, inode)) in &after {
        if let Some((old_bytes, old_inode)) = before.get(rel) {
            if old_bytes == bytes && rel.starts_with("pdf/") {
                assert_eq!(inode, old_inode, "{rel} was rewritten although unchanged");
            }
        }
    }
}

#[test]
fn the_cache_and_the_previous_output_give_the_same_bytes_as_a_clean_build() {
    let fixture = small_project();
    build(&fixture, &[]);
    let clean = snapshot(&fixture.out());
    // Output gone, cache kept: every PDF comes from the cache.
    std::fs::remove_dir_all(fixture.out()).expect("remove output");
    let run = build(&fixture, &[]);
    let (rendered, cached, _) = tally(&run, "pdfs");
    assert_eq!((rendered, cached), (0, 5), "{}", run.stderr);
    let from_cache = snapshot(&fixture.out());
    // Cache gone, output kept but for one PDF: that one is laid out again, the rest kept.
    std::fs::remove_dir_all(fixture.root().join(".casefile-cache")).expect("remove cache");
    std::fs::remove_file(fixture.out().join("pdf/case-1.pdf")).expect("remove a PDF");
    let run = build(&fixture, &[]);
    assert_eq!(tally(&run, "pdfs"), (1, 0, 4), "{}", run.stderr);
    let kept = snapshot(&fixture.out());
    // Both gone: everything rendered again.
    std::fs::remove_dir_all(fixture.out()).expect("remove output");
    std::fs::remove_dir_all(fixture.root().join(".casefile-cache")).expect("remove cache");
    build(&fixture, &[]);
    let again = snapshot(&fixture.out());
    for (name, other) in [
        ("from the cache", &from_cache),
        ("kept", &kept),
        ("again", &again),
    ] {
        assert_eq!(
            changed(&clean, other),
            Vec::<String>::new(),
            "{name} differs from a clean build"
        );
    }
}

#[test]
fn a_build_with_nothing_changed_writes_nothing() {
    let fixture = small_project();
    build(&fixture, &[]);
    let before = snapshot(&fixture.out());
    let folder_inode = std::fs::metadata(fixture.out()).expect("out").ino();
    let run = build(&fixture, &[]);
    assert!(
        run.stderr.contains("nothing changed"),
        "a no-op build says so:\n{}",
        run.stderr
    );
    assert_eq!(
        std::fs::metadata(fixture.out()).expect("out").ino(),
        folder_inode,
        "the output folder was not replaced"
    );
    assert_eq!(snapshot(&fixture.out()), before);
    // Another part or profile is not "nothing changed".
    let run = build(&fixture, &["--site"]);
    assert!(!run.stderr.contains("nothing changed"), "{}", run.stderr);
    // A removed output file is noticed.
    build(&fixture, &[]);
    std::fs::remove_file(fixture.out().join("pdf/case-1.pdf")).expect("remove a PDF");
    let run = build(&fixture, &[]);
    assert!(!run.stderr.contains("nothing changed"), "{}", run.stderr);
    assert!(fixture.out().join("pdf/case-1.pdf").is_file());
}

#[test]
fn shards_laid_out_apart_combine_into_the_bytes_of_one_build() {
    let fixture = small_project();
    let root = fixture.root();
    build(&fixture, &["--out", &root.join("whole").to_string_lossy()]);
    let whole = snapshot(&root.join("whole"));
    let mut laid_out = 0;
    for k in 1..=3 {
        let cache = root.join(format!("cache-{k}"));
        let run = build(
            &fixture,
            &[
                "--shard",
                &format!("{k}/3"),
                "--cache-dir",
                &cache.to_string_lossy(),
            ],
        );
        let (rendered, _, _) = tally(&run, "pdfs");
        laid_out += rendered;
        assert!(!fixture.out().exists(), "a shard writes no output");
        crate::support::copy_tree(&cache, &root.join("combined-cache"));
    }
    assert_eq!(laid_out, 5, "every PDF laid out by exactly one shard");
    let run = build(
        &fixture,
        &[
            "--cache-dir",
            &root.join("combined-cache").to_string_lossy(),
            "--out",
            &root.join("combined").to_string_lossy(),
        ],
    );
    assert_eq!(tally(&run, "pdfs").0, 0, "{}", run.stderr);
    let combined = snapshot(&root.join("combined"));
    assert_eq!(changed(&whole, &combined), Vec::<String>::new());
}
