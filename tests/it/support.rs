//! A small builder for fixture projects and a runner for the `casefile` binary.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A project in a temporary folder, removed when dropped.
pub struct Fixture {
    dir: tempfile::TempDir,
}

/// What a run of the binary printed and how it ended.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Fixture {
    /// An empty project (no files at all).
    pub fn empty() -> Fixture {
        Fixture {
            dir: tempfile::Builder::new()
                .prefix("casefile-it-")
                .tempdir()
                .expect("temporary folder"),
        }
    }

    /// A project with a `content/` folder holding the given files (paths relative to the root).
    pub fn with(files: &[(&str, &str)]) -> Fixture {
        let fixture = Fixture::empty();
        std::fs::create_dir_all(fixture.root().join("content/dossiers")).expect("content folder");
        for (path, text) in files {
            fixture.write(path, text);
        }
        fixture
    }

    /// A copy of the repository's sample content.
    pub fn sample() -> Fixture {
        let fixture = Fixture::empty();
        copy_tree(&repo().join("content"), &fixture.root().join("content"));
        if repo().join("casefile.toml").exists() {
            std::fs::copy(
                repo().join("casefile.toml"),
                fixture.root().join("casefile.toml"),
            )
            .expect("copy casefile.toml");
        }
        fixture
    }

    /// The project root.
    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    /// The output folder of a default build.
    pub fn out(&self) -> PathBuf {
        self.root().join("output")
    }

    /// The output folder of a default internal build.
    pub fn internal_out(&self) -> PathBuf {
        self.root().join("output-internal")
    }

    /// Writes a file, creating folders.
    pub fn write(&self, path: &str, text: &str) -> &Self {
        let path = self.root().join(path);
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("folders");
        std::fs::write(path, text).expect("write fixture file");
        self
    }

    /// Runs `casefile ARGS --root ROOT`.
    pub fn run(&self, args: &[&str]) -> Run {
        let mut command = Command::new(env!("CARGO_BIN_EXE_casefile"));
        command.args(args).arg("--root").arg(self.root());
        run(command)
    }
}

/// Runs a command and collects its output.
pub fn run(mut command: Command) -> Run {
    let Output {
        status,
        stdout,
        stderr,
    } = command.output().expect("run casefile");
    Run {
        code: status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    }
}

/// The repository root.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Copies a folder recursively.
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("folders");
    for entry in std::fs::read_dir(from).expect("read folder") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

/// Every file under a folder, relative paths with `/`, sorted.
pub fn files_under(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let entry = entry.expect("walk");
        if entry.file_type().is_file() {
            let rel = entry.path().strip_prefix(dir).expect("under dir");
            out.push(rel.to_string_lossy().replace('\\', "/"));
        }
    }
    out
}

/// The text of a PDF, extracted by poppler's `pdftotext`.
pub fn pdf_text(path: &Path) -> String {
    let output = Command::new("pdftotext")
        .arg("-enc")
        .arg("UTF-8")
        .arg(path)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) must be installed; .ci/run installs it");
    assert!(
        output.status.success(),
        "pdftotext failed on {}",
        path.display()
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Writes a valid synthetic project of `n` dossiers (with entities, shared sources,
/// citations, footnotes, links between dossiers and a table each) into the fixture.
pub fn write_corpus(fixture: &Fixture, n: usize) {
    let entities: String = (0..20)
        .map(|i| format!("- id: entity-{i}\n  name: Entidad {i} de Juárez\n  kind: place\n"))
        .collect();
    let sources: String = (0..10)
        .map(|i| {
            format!(
                "- id: source-{i}\n  title: Report {i}\n  kind: report\n  date: 2019-0{}\n",
                i % 9 + 1
            )
        })
        .collect();
    fixture.write("content/entities.yaml", &entities);
    fixture.write("content/sources.yaml", &sources);
    for i in 0..n {
        let related = if i > 0 {
            format!("related: [case-{}]\n", i - 1)
        } else {
            String::new()
        };
        let link = if i > 0 {
            format!(" See [[case-{}]].", i - 1)
        } else {
            String::new()
        };
        let text = format!(
            "---\ntitle: Case {i}\ndate: 2019-{:02}-{:02}\nsummary: Case number {i}.\ntags: [tag-{}]\nentities: [entity-{}]\n{related}---\n\
             ## Findings\n\nThe report on [[entity-{}]] says so[@source-{}, p. {i}].{link} A note.[^n]\n\n\
             | Item | Count |\n|---|---:|\n| grenades | {i} |\n\n[^n]: Footnote of case {i}.\n",
            i % 12 + 1,
            i % 28 + 1,
            i % 7,
            i % 20,
            i % 20,
            i % 10,
        );
        fixture.write(
            &format!("content/dossiers/batch-{}/case-{i}.md", i / 100),
            &text,
        );
    }
}

/// Decodes HTML character references (numeric ones and the named ones that matter for
/// URLs); an unknown one is left as written.
pub fn decode_entities(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let end = rest.find(';').filter(|e| *e < 12);
        let decoded = end.and_then(|e| {
            let entity = &rest[1..e];
            let code = if let Some(hex) = entity
                .strip_prefix("#x")
                .or_else(|| entity.strip_prefix("#X"))
            {
                u32::from_str_radix(hex, 16).ok()
            } else if let Some(dec) = entity.strip_prefix('#') {
                dec.parse().ok()
            } else {
                match entity {
                    "amp" => Some(38),
                    "lt" => Some(60),
                    "gt" => Some(62),
                    "quot" => Some(34),
                    "apos" => Some(39),
                    "colon" => Some(58),
                    "tab" => Some(9),
                    "newline" => Some(10),
                    _ => None,
                }
            };
            code.and_then(char::from_u32).map(|c| (c, e + 1))
        });
        match decoded {
            Some((c, len)) => {
                out.push(c);
                rest = &rest[len..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Where the independent checkers are installed: `CASEFILE_CHECKERS`, or `target/checkers`
/// of the repository (`.ci/run` installs them there with
/// `npm install --ignore-scripts --prefix target/checkers vnu-jar axe-core`).
pub fn checker(file: &str) -> PathBuf {
    let prefix = std::env::var_os("CASEFILE_CHECKERS")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join("target/checkers"));
    let path = prefix.join("node_modules").join(file);
    assert!(
        path.is_file(),
        "{} is missing: the checker tests need the W3C Nu HTML Checker and axe-core \
         (run .ci/run, or `npm install --ignore-scripts --prefix target/checkers vnu-jar axe-core` \
         and `apt-get install default-jre-headless`)",
        path.display()
    );
    path
}

/// What a command printed with `--format json`: one JSON object a line, each read as `T`
/// (a `serde_json::Value`, or a typed diagnostic).
pub fn json_lines<T: serde::de::DeserializeOwned>(stdout: &str) -> Vec<T> {
    stdout
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}")))
        .collect()
}
