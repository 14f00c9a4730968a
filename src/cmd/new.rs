//! `casefile new ID`: a new dossier from a template.

use std::path::Path;

use super::{fail, Exit};
use crate::parse::fields::is_id;

/// The text of a new dossier.
pub fn dossier_template(id: &str, today: &str) -> String {
    format!(
        "---\ntitle: {title}\ndate: {today}\nsummary: One paragraph on what the case is about.\nstatus: alleged\ntags: []\nentities: []\nsources: []\n---\n\
         Write the case here. Cite a source with `[@source-id]` and link a dossier or entity with `[[id]]`\n(without the backticks).\n",
        title = id.replace(['-', '_'], " "),
    )
}

/// Writes `content/dossiers/ID.md`, refusing to overwrite.
pub fn run(root: &Path, id: &str) -> Exit {
    if !is_id(id) {
        return fail(&format!(
            "`{id}` is not a valid id: use lowercase ASCII letters, digits, `-` and `_`"
        ));
    }
    let dir = root.join("content").join("dossiers");
    let path = dir.join(format!("{id}.md"));
    if path.exists() {
        return fail(&format!("{} already exists", path.display()));
    }
    let today = today();
    let result = std::fs::create_dir_all(&dir)
        .and_then(|()| std::fs::write(&path, dossier_template(id, &today)));
    match result {
        Ok(()) => {
            eprintln!("wrote {}", path.display());
            Exit::Success
        }
        Err(err) => fail(&format!("cannot write {}: {err}", path.display())),
    }
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
