//! casefile turns YAML-annotated Markdown dossiers into a cross-referenced static site and
//! print-ready PDF briefings with source notes.
//!
//! # Steps
//!
//! 1. **Load** ([`load`]): walk `content/`, read `casefile.toml`, the dossiers, the catalogs,
//!    images and template overrides. The only reader of the input disk.
//! 2. **Parse** ([`parse`], [`yaml`]; `casefile.toml` in [`parse::config`]): front matter into typed values with byte
//!    spans, bodies into pulldown-cmark events plus citations, footnotes and `[[links]]`.
//! 3. **Resolve** ([`resolve`]): index ids, check every reference over all content, then
//!    build the read-only [`model::Site`] with only what the build's [`model::Profile`] may
//!    publish: notes numbered, links resolved or `[withheld]`, backlinks, timeline, tags.
//! 4. **Render** ([`render`]): pages through tera, briefings and the compendium through
//!    typst, each a pure function of the site and one item.
//! 5. **Write** ([`write`]): stage everything beside the output folder and swap it in only
//!    when all of it succeeded.
//!
//! `casefile check --audit` adds the editorial rules of [`audit`] to step 3's checks, and
//! `casefile export` writes step 3's model as data for other tools ([`export`]), through
//! step 5.
//!
//! Problems are [`diagnostics::Diagnostic`] values collected along the way and reported all
//! at once.

#![warn(missing_docs, unreachable_pub)]

pub mod audit;
pub mod cache;
pub mod cli;
pub mod cmd;
pub mod diagnostics;
pub mod export;
pub mod i18n;
pub mod incremental;
pub mod lang;
pub mod load;
pub mod model;
pub mod parse;
pub mod render;
pub mod resolve;
pub mod write;
pub mod yaml;

use std::path::Path;

use diagnostics::{Diagnostic, SourceTexts};

/// The result of loading and checking a project.
#[derive(Debug)]
pub struct Outcome {
    /// Every problem, sorted.
    pub diagnostics: Vec<Diagnostic>,
    /// The texts the diagnostics point into.
    pub texts: SourceTexts,
    /// A file could not be read at all.
    pub io_failure: bool,
    /// The checked project, for building.
    pub checked: Option<resolve::Checked>,
    /// What was loaded (images and templates are needed to render).
    pub project: load::Project,
}

impl Outcome {
    /// True when there is at least one error.
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }

    /// The exit code for a command that stops here.
    pub fn exit(&self) -> cmd::Exit {
        if self.io_failure {
            cmd::Exit::Failure
        } else if self.has_errors() {
            cmd::Exit::ContentErrors
        } else {
            cmd::Exit::Success
        }
    }
}

/// Loads, parses and checks the project at `root`.
pub fn check(root: &Path) -> Outcome {
    let loaded = load::load(root);
    let mut checked = resolve::check(&loaded.project);
    let mut diagnostics = loaded.diagnostics;
    diagnostics.append(&mut checked.diagnostics);
    diagnostics::sort(&mut diagnostics);
    let mut texts = std::mem::take(&mut checked.texts);
    for (label, text) in &loaded.undecodable {
        texts.insert(label, text);
    }
    Outcome {
        diagnostics,
        texts,
        io_failure: loaded.io_failure,
        checked: Some(checked),
        project: loaded.project,
    }
}
