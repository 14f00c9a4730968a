//! `casefile new ID`: a new draft dossier from a template, optionally in folders of
//! `content/dossiers/` (`casefile new mexico/case-1`; the id is the file name, `case-1`).

use std::path::{Path, PathBuf};

use super::{fail, Exit};
use crate::cli::Verbosity;
use crate::parse::fields::is_id;

/// The text of a new dossier: a draft, so that no build publishes it before its author
/// removes `draft: true`.
pub fn dossier_template(id: &str, today: &str) -> String {
    format!(
        "---\ntitle: {title}\ndate: {today}\ndraft: true\nsummary: One paragraph on what the case is about.\nstatus: alleged\ntags: []\nentities: []\nsources: []\n---\n\
         Write the case here. Cite a source with `[@source-id]` and link a dossier or entity with `[[id]]`\n(without the backticks).\n",
        title = id.replace(['-', '_'], " "),
    )
}

/// Writes `content/dossiers/[FOLDERS/]ID.md`, refusing to overwrite or to reuse an id.
pub fn run(root: &Path, written: &str, verbosity: Verbosity) -> Exit {
    let segments: Vec<&str> = written.trim_matches('/').split('/').collect();
    if let Some(bad) = segments.iter().find(|s| !is_id(s)) {
        // kind: bad-id (on the command line).
        let suggestion = suggested_id(written);
        let mut message = format!(
            "`{bad}` is not a valid id{}: use lowercase ASCII letters, digits, `-` and `_`",
            if segments.len() > 1 {
                " or folder name"
            } else {
                ""
            }
        );
        if !suggestion.is_empty() && suggestion != written {
            message.push_str(&format!("\nhelp: try `casefile new {suggestion}`"));
        }
        return fail(&message);
    }
    let dossiers = root.join("content").join("dossiers");
    let id = segments[segments.len() - 1];
    let path = segments
        .iter()
        .fold(dossiers.clone(), |p, s| p.join(s))
        .with_extension("md");
    if let Some(existing) = same_id(&dossiers, id) {
        return fail(&format!(
            "a dossier with the id `{id}` already exists: {}",
            existing.display()
        ));
    }
    // Dossiers and entities share one set of ids.
    if entity_ids(root).iter().any(|entity| entity == id) {
        return fail(&format!(
            "`{id}` is already the id of an entity in content/entities.yaml; dossiers and entities share ids"
        ));
    }
    let today = today();
    let result = path
        .parent()
        .map_or(Ok(()), std::fs::create_dir_all)
        .and_then(|()| std::fs::write(&path, dossier_template(id, &today)));
    match result {
        Ok(()) => {
            if verbosity != Verbosity::Quiet {
                eprintln!("wrote {} (a draft: builds leave it out until you remove `draft: true`, or pass --drafts)", path.display());
            }
            Exit::Success
        }
        Err(err) => fail(&format!("cannot write {}: {err}", path.display())),
    }
}

/// The ids of `content/entities.yaml`, as the catalog parser reads them (none when the file
/// is missing or unreadable: `check` reports that).
fn entity_ids(root: &Path) -> Vec<String> {
    let label = "content/entities.yaml";
    let Ok(text) = std::fs::read_to_string(root.join(label)) else {
        return Vec::new();
    };
    let file = crate::load::TextFile {
        label: label.to_string(),
        text,
    };
    let mut ignored = Vec::new();
    crate::parse::parse_entities(&file, &mut ignored)
        .defs
        .into_iter()
        .map(|e| e.id.value)
        .collect()
}

/// A dossier file under `dossiers` whose name gives the id `id`, at any depth.
fn same_id(dossiers: &Path, id: &str) -> Option<PathBuf> {
    let name = format!("{id}.md");
    walkdir::WalkDir::new(dossiers)
        .sort_by_file_name()
        .into_iter()
        .flatten()
        .find(|entry| entry.file_type().is_file() && entry.file_name() == name.as_str())
        .map(|entry| entry.into_path())
}

/// A valid id (or `folder/id`) close to what was written: lowercase ASCII, accents dropped,
/// anything else a single `-`.
pub fn suggested_id(written: &str) -> String {
    written
        .split('/')
        .map(slug)
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("/")
}

fn slug(segment: &str) -> String {
    let mut out = String::new();
    for c in segment.chars().flat_map(char::to_lowercase) {
        let c = fold(c);
        if c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches(['-', '_']).to_string()
}

/// A Latin letter with a diacritic as its base letter.
fn fold(c: char) -> char {
    const FOLDS: &[(&str, char)] = &[
        ("àáâãäåā", 'a'),
        ("çćč", 'c'),
        ("èéêëēė", 'e'),
        ("ìíîïī", 'i'),
        ("ñń", 'n'),
        ("òóôõöøō", 'o'),
        ("ùúûüū", 'u'),
        ("ýÿ", 'y'),
        ("šś", 's'),
        ("žźż", 'z'),
    ];
    FOLDS
        .iter()
        .find(|(from, _)| from.contains(c))
        .map_or(c, |(_, to)| *to)
}

/// Today's date as YYYY-MM-DD (UTC), from the system clock.
fn today() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let days = (secs / 86_400) as i64;
    // Civil-from-days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_invalid_id_gets_a_valid_suggestion() {
        assert_eq!(suggested_id("Case One"), "case-one");
        assert_eq!(suggested_id("México/Caso Ñandú!"), "mexico/caso-nandu");
        assert_eq!(suggested_id("--Weird__Name--"), "weird__name");
        for written in ["Case One", "México/Caso Ñandú!", "a b/c d"] {
            let suggestion = suggested_id(written);
            assert!(suggestion.split('/').all(is_id), "{suggestion}");
        }
    }
}
