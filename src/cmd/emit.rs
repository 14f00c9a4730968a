//! `casefile build --emit-typst DIR`: after a successful build, write the generated Typst
//! source of every PDF with the templates and images it reads, so that the typst CLI can
//! compile the same documents (for comparison, or to debug a template).
//!
//! It loads and resolves the project again instead of reaching into the build: the build
//! stays as it is, and the sources are those of the same content and profile.

use std::fs;
use std::path::Path;

use super::{check_out_dir, fail, Exit};
use crate::model::Profile;
use crate::render::pdf;
use crate::resolve;

/// Writes the Typst folder into `dir` and says so (after a successful build).
pub fn run(root: &Path, dir: &Path, profile: Profile) -> Exit {
    match emit_typst(root, dir, profile) {
        Ok(documents) => {
            eprintln!(
                "wrote the Typst sources of {documents} PDFs to {}",
                dir.display()
            );
            Exit::Success
        }
        Err(message) => fail(&message),
    }
}

/// Refuses a folder among the input, as for the output folder (checked before the build).
pub fn check_dir(root: &Path, dir: &Path) -> Result<(), String> {
    check_out_dir(root, dir).map_err(|message| message.replacen("--out", "--emit-typst", 1))
}

/// Writes the Typst folder into `dir` and returns how many documents it holds. Files already
/// in `dir` are overwritten, others are left alone.
fn emit_typst(root: &Path, dir: &Path, profile: Profile) -> Result<usize, String> {
    let outcome = crate::check(root);
    let passed = outcome.exit() == Exit::Success;
    let checked = outcome
        .checked
        .filter(|_| passed)
        .ok_or_else(|| "the content changed during the build; run it again".to_string())?;
    let site = resolve::build_site(&checked, profile);
    let files = pdf::files(&outcome.project.templates, &outcome.project.images);
    let tree = pdf::emit::typst_tree(&site, &files);
    for (path, bytes) in &tree {
        let target = dir.join(path);
        let written = target
            .parent()
            .map_or(Ok(()), fs::create_dir_all)
            .and_then(|()| fs::write(&target, bytes));
        written.map_err(|err| format!("cannot write {}: {err}", target.display()))?;
    }
    Ok(site.dossiers.len() + 1)
}
