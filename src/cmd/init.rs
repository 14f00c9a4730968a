//! `casefile init DIR`: a new project with a sample dossier that passes `check`.

use std::path::Path;

use super::{fail, Exit};

const CONFIG: &str = "title = \"Dossiers\"\nlang = \"en\"\n\n[pdf]\npaper = \"a4\"\n";
const ENTITIES: &str = "- id: example-agency\n  name: Example Agency\n  kind: government-agency\n  description: An agency named in the sample dossier.\n";
const SOURCES: &str = "- id: example-report\n  title: Example report\n  kind: report\n  publisher: Example Agency\n  date: 2020-01\n";
const DOSSIER: &str = "---\ntitle: Sample dossier\ndate: 2020-01-15\nsummary: A sample that shows citations, links and notes.\nstatus: alleged\nconfidence: low\ntags: [sample]\nentities:\n  - { id: example-agency, role: subject }\ntimeline:\n  - date: 2020-01\n    event: The report is published.\n    sources: [example-report]\n---\n\
## What the report says\n\nThe report describes the case[@example-report, p. 1], naming [[example-agency]].[^method]\n\n[^method]: Replace this sample with your own dossier.\n";

/// What a build adds to a project and git should not track: the public and internal output
/// folders and the render cache.
pub const IGNORED: &[&str] = &[
    "output/",
    "output-internal/",
    ".casefile-cache/",
    ".output.lock",
    ".output-internal.lock",
];

/// Creates `dir` with `casefile.toml`, `content/`, a sample dossier and a `.gitignore`.
/// Refuses a folder that already has content.
pub fn run(dir: &Path) -> Exit {
    if dir.join("content").exists() || dir.join("casefile.toml").exists() {
        return fail(&format!("{} already holds a project", dir.display()));
    }
    let files = [
        ("casefile.toml", CONFIG),
        ("content/entities.yaml", ENTITIES),
        ("content/sources.yaml", SOURCES),
        ("content/dossiers/sample-dossier.md", DOSSIER),
    ];
    for (name, text) in files {
        let path = dir.join(name);
        let written = path
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| std::fs::write(&path, text));
        if let Err(err) = written {
            return fail(&format!("cannot write {}: {err}", path.display()));
        }
    }
    let ignore = dir.join(".gitignore");
    let existing = std::fs::read_to_string(&ignore).unwrap_or_default();
    if let Err(err) = std::fs::write(&ignore, gitignore(&existing)) {
        return fail(&format!("cannot write {}: {err}", ignore.display()));
    }
    eprintln!(
        "created a casefile project in {}; try `casefile build --root {}`",
        dir.display(),
        dir.display()
    );
    Exit::Success
}

/// A `.gitignore` with every entry of [`IGNORED`]: an existing file keeps its lines and gains
/// the entries it lacks.
fn gitignore(existing: &str) -> String {
    let mut text = existing.to_string();
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    for entry in IGNORED {
        if !existing.lines().any(|line| line.trim() == *entry) {
            text.push_str(entry);
            text.push('\n');
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gitignore_keeps_existing_lines_and_adds_only_missing_entries() {
        assert_eq!(
            gitignore(""),
            "output/\noutput-internal/\n.casefile-cache/\n.output.lock\n.output-internal.lock\n"
        );
        assert_eq!(
            gitignore("*.swp\noutput/"),
            "*.swp\noutput/\noutput-internal/\n.casefile-cache/\n.output.lock\n.output-internal.lock\n"
        );
    }
}
