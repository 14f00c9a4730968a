//! The generated Typst sources as a folder the typst CLI can compile: one `ID.typ` per
//! briefing, the compendium's parts under `compendium/` (each chapter, the back and the
//! front matter, with placeholder page numbers: casefile merges the laid-out parts and
//! prints the numbers over them), and the templates and images they read, at the paths the
//! [`world`](super::world) serves them from. `typst compile --root DIR DIR/ID.typ` then lays
//! out the same document as casefile (with the same embedded fonts).

use super::world::{Files, MEDIA_DIR, TEMPLATE_DIR};
use super::{briefing_source, compendium};
use crate::model::Site;
/// A file to write: its path relative to the emit folder, and its bytes.
type OutputFile = (String, Vec<u8>);

/// Every file of the folder, as paths relative to it, sorted by path.
pub fn typst_tree(site: &Site, files: &Files) -> Vec<OutputFile> {
    let mut tree: Vec<OutputFile> = site
        .dossiers
        .iter()
        .map(|d| {
            (
                format!("{}.typ", d.id),
                briefing_source(site, d).into_bytes(),
            )
        })
        .collect();
    tree.push((
        "compendium.typ".to_string(),
        compendium::one_document(site).into_bytes(),
    ));
    tree.extend(
        compendium::sources(site)
            .into_iter()
            .map(|(path, text)| (path, text.into_bytes())),
    );
    let templates = folder(TEMPLATE_DIR);
    tree.extend(
        files
            .templates
            .iter()
            .map(|(name, text)| (format!("{templates}{name}"), text.clone().into_bytes())),
    );
    let media = folder(MEDIA_DIR);
    tree.extend(
        files
            .images
            .iter()
            .map(|(path, bytes)| (format!("{media}{path}"), bytes.to_vec())),
    );
    tree.sort_by(|a, b| a.0.cmp(&b.0));
    tree
}

/// A virtual folder of the world (`/templates/`) as a relative path (`templates/`).
fn folder(virtual_dir: &str) -> &str {
    virtual_dir.trim_start_matches('/')
}
