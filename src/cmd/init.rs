//! `casefile init DIR`: a new project with a sample dossier that passes `check`.

use std::path::Path;

use super::{fail, Exit};

const CONFIG: &str = "title = \"Dossiers\"\nlang = \"en\"\n\n[pdf]\npaper = \"a4\"\n";
const ENTITIES: &str = "- id: example-agency\n  name: Example Agency\n  kind: government-agency\n  description: An agency named in the sample dossier.\n";
const SOURCES: &str = "- id: example-report\n  title: Example report\n  kind: report\n  publisher: Example Agency\n  date: 2020-01\n";
const DOSSIER: &str = "---\ntitle: Sample dossier\ndate: 2020-01-15\nsummary: A sample that shows citations, links and notes.\nstatus: alleged\nconfidence: low\ntags: [sample]\nentities:\n  - { id: example-agency, role: subject }\ntimeline:\n  - date: 2020-01\n    event: The report is published.\n    sources: [example-report]\n---\n\
## What the report says\n\nThe report describes the case[@example-report, p. 1], naming [[example-agency]].[^method]\n\n[^method]: Replace this sample with your own dossier.\n";

/// Creates `dir` with `casefile.toml`, `content/` and a sample dossier. Refuses a folder that
/// already has content.
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
    eprintln!(
        "created a casefile project in {}; try `casefile build --root {}`",
        dir.display(),
        dir.display()
    );
    Exit::Success
}
