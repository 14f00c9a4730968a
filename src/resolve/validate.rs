//! Reference checks over all content, whatever the profile: a restricted dossier with a broken
//! link fails a public build too, so that the internal build never surprises anyone.

use std::collections::{BTreeMap, BTreeSet};

use crate::diagnostics::{nearest, Code, Diagnostic};
use crate::model::Spanned;
use crate::parse::catalog::SourceDef;
use crate::parse::markdown::{RawPiece, SuspectCite, Suspicion};
use crate::parse::ParsedDossier;
use crate::resolve::index::{Index, Named, SourceAt};

/// Checks every reference of every dossier and reports unused sources and footnotes.
pub fn check_references(
    dossiers: &[ParsedDossier],
    catalog: (&[SourceDef], &[Option<Vec<RawPiece>>]),
    images: &BTreeSet<String>,
    index: &Index,
    diags: &mut Vec<Diagnostic>,
) {
    let (sources, descriptions) = catalog;
    let sources_file = "content/sources.yaml";
    let mut cited: BTreeSet<SourceAt> = BTreeSet::new();
    // Looked up for every `[[id#heading]]`: a set per dossier, not a search along its headings.
    let anchors: Vec<BTreeSet<&str>> = dossiers
        .iter()
        .map(|d| d.body.headings.iter().map(|h| h.anchor.as_str()).collect())
        .collect();
    // Entity descriptions may cite shared sources and link ids too.
    let mut check = Checker {
        dossier: usize::MAX,
        file: "content/entities.yaml",
        index,
        dossiers,
        anchors: &anchors,
        diags,
        cited: &mut cited,
    };
    for pieces in descriptions.iter().flatten() {
        check.flow(pieces, None);
    }
    for (i, dossier) in dossiers.iter().enumerate() {
        let mut check = Checker {
            dossier: i,
            file: &dossier.file,
            index,
            dossiers,
            anchors: &anchors,
            diags,
            cited: &mut cited,
        };
        check.front_matter(dossier);
        check.body(dossier, images);
    }
    for (i, source) in sources.iter().enumerate() {
        let registered = index.global_sources.get(&source.id.value) == Some(&i);
        if registered && !cited.contains(&SourceAt::Global(i)) {
            let message = format!("source `{}` is defined but never cited", source.id.value);
            diags.push(Diagnostic::warning(
                Code::UnusedSource,
                sources_file,
                source.id.span.clone(),
                message,
            ));
        }
    }
    for (d, dossier) in dossiers.iter().enumerate() {
        for (i, source) in dossier.meta.sources.iter().enumerate() {
            let registered = index.local_sources[d].get(&source.id.value) == Some(&i);
            if registered && !cited.contains(&SourceAt::Local(d, i)) {
                let message = format!("source `{}` is defined but never cited", source.id.value);
                diags.push(Diagnostic::warning(
                    Code::UnusedSource,
                    &dossier.file,
                    source.id.span.clone(),
                    message,
                ));
            }
        }
    }
}

struct Checker<'a> {
    dossier: usize,
    file: &'a str,
    index: &'a Index,
    dossiers: &'a [ParsedDossier],
    /// Each dossier's heading anchors.
    anchors: &'a [BTreeSet<&'a str>],
    diags: &'a mut Vec<Diagnostic>,
    cited: &'a mut BTreeSet<SourceAt>,
}

impl Checker<'_> {
    fn front_matter(&mut self, dossier: &ParsedDossier) {
        for entity in &dossier.meta.entities {
            self.entity(&entity.id);
        }
        for related in &dossier.meta.related {
            self.dossier_id(related, "related dossier");
        }
        if let Some(original) = &dossier.meta.translation_of {
            self.dossier_id(original, "dossier to translate");
        }
        for entry in &dossier.meta.timeline {
            for source in &entry.sources {
                self.source(source);
            }
            for entity in &entry.entities {
                self.entity(entity);
            }
        }
    }

    fn entity(&mut self, id: &Spanned<String>) {
        match self.index.names.get(&id.value) {
            Some(Named::Entity(_)) => {}
            Some(Named::Dossier(_)) => {
                let message = format!("`{}` is a dossier, not an entity", id.value);
                let diag =
                    Diagnostic::error(Code::NotAnEntity, self.file, id.span.clone(), message)
                        .with_help("list dossiers under `related`");
                self.diags.push(diag);
            }
            // The entity's own entry is broken, and its error says why.
            None if self.index.name_is_broken(&id.value) => {}
            None => {
                let message = format!("unknown entity `{}`", id.value);
                let diag =
                    Diagnostic::error(Code::UnknownEntity, self.file, id.span.clone(), message)
                        .with_suggestion_or(
                            &id.value,
                            self.index.entity_ids(),
                            "entities are defined in content/entities.yaml",
                        );
                self.diags.push(diag);
            }
        }
    }

    fn dossier_id(&mut self, id: &Spanned<String>, what: &str) {
        match self.index.names.get(&id.value) {
            Some(Named::Dossier(_)) => {}
            Some(Named::Entity(_)) => {
                let message = format!("`{}` is an entity, not a dossier", id.value);
                let diag =
                    Diagnostic::error(Code::NotADossier, self.file, id.span.clone(), message)
                        .with_help("list entities under `entities`");
                self.diags.push(diag);
            }
            // A dossier that could not be parsed, known by its file name or `id:` line.
            None if self.index.broken.names.contains(&id.value) => {}
            None => {
                let message = format!("unknown {what} `{}`", id.value);
                let diag =
                    Diagnostic::error(Code::UnknownDossier, self.file, id.span.clone(), message)
                        .with_suggestion(&id.value, self.index.dossier_ids());
                self.diags.push(diag);
            }
        }
    }

    fn source(&mut self, key: &Spanned<String>) {
        match self.index.source(self.dossier, &key.value) {
            Some(at) => {
                self.cited.insert(at);
            }
            None if self.index.source_is_broken(self.dossier, &key.value) => {}
            None => {
                let message = format!("unknown source `{}`", key.value);
                let diag = Diagnostic::error(
                    Code::UnknownSource,
                    self.file,
                    key.span.clone(),
                    message,
                )
                .with_suggestion_or(
                    &key.value,
                    self.index.source_keys(self.dossier),
                    "sources are defined in content/sources.yaml or in the dossier's `sources:`",
                );
                self.diags.push(diag);
            }
        }
    }

    fn body(&mut self, dossier: &ParsedDossier, images: &BTreeSet<String>) {
        let mut referenced: BTreeMap<&str, usize> = BTreeMap::new();
        let defined: BTreeSet<&str> = dossier
            .body
            .footnotes
            .iter()
            .map(|f| f.label.value.as_str())
            .collect();
        for pieces in dossier.flows() {
            self.flow(pieces, Some((&mut referenced, &defined)));
        }
        for def in &dossier.body.footnotes {
            if !referenced.contains_key(def.label.value.as_str()) {
                let message = format!(
                    "footnote `[^{}]` is defined but never referenced",
                    def.label.value
                );
                self.diags.push(Diagnostic::warning(
                    Code::UnusedFootnote,
                    self.file,
                    def.label.span.clone(),
                    message,
                ));
            }
        }
        for image in &dossier.body.images {
            self.image(image, images);
        }
    }

    /// Checks the references of one run of text; footnote references are counted when the
    /// text belongs to a dossier.
    fn flow<'p>(
        &mut self,
        pieces: &'p [RawPiece],
        mut footnotes: Option<(&mut BTreeMap<&'p str, usize>, &BTreeSet<&str>)>,
    ) {
        for piece in pieces {
            match piece {
                RawPiece::Cite(items) => items.iter().for_each(|c| self.source(&c.key)),
                RawPiece::FootnoteRef(label) => {
                    let Some((referenced, defined)) = footnotes.as_mut() else {
                        continue;
                    };
                    *referenced.entry(label.value.as_str()).or_default() += 1;
                    if !defined.contains(label.value.as_str()) {
                        let message = format!("footnote `[^{}]` has no definition", label.value);
                        let diag = Diagnostic::error(
                            Code::UndefinedFootnote,
                            self.file,
                            label.span.clone(),
                            message,
                        )
                        .with_help(format!(
                            "add a line `[^{}]: …` with the note's text",
                            label.value
                        ));
                        self.diags.push(diag);
                    }
                }
                RawPiece::WikiStart {
                    target, heading, ..
                } => self.wiki(target, heading.as_deref()),
                RawPiece::SuspectCite(suspect) => self.suspect(suspect),
                _ => {}
            }
        }
    }

    /// Warns about a bracket that reads like a mistyped citation when it names a source
    /// this text can cite, or when its locator reads like a page or chapter; `[@ the
    /// office]` in prose names no source and stays silent.
    fn suspect(&mut self, suspect: &SuspectCite) {
        let known = |key: &str| self.index.source(self.dossier, key).is_some();
        let written = &suspect.written.value;
        let (code, message) = match &suspect.suspicion {
            Suspicion::NotACitation { locator_like } => {
                if !locator_like && !suspect.meant.iter().any(|(key, _)| known(key)) {
                    return;
                }
                (
                    Code::CitationTypo,
                    format!("`{written}` is printed as text, not as a citation"),
                )
            }
            Suspicion::LocatorIsKey(keys) => {
                let Some((key, at)) = keys.iter().find(|(key, at)| *at || known(key)) else {
                    return;
                };
                let locator = if *at { format!("@{key}") } else { key.clone() };
                (
                    Code::CitationLocatorIsSource,
                    format!("`{written}` cites one source: `{locator}` is read as a locator"),
                )
            }
        };
        let meant = self.meant(&suspect.meant);
        let diag = Diagnostic::warning(code, self.file, suspect.written.span.clone(), message)
            .with_help(format!("did you mean `{meant}`?"));
        self.diags.push(diag);
    }

    /// A citation written out, each unknown key replaced by the nearest source key.
    fn meant(&self, items: &[(String, Option<String>)]) -> String {
        let parts: Vec<String> = items
            .iter()
            .map(|(key, locator)| {
                let key = match self.index.source(self.dossier, key) {
                    Some(_) => key.as_str(),
                    None => nearest(key, self.index.source_keys(self.dossier)).unwrap_or(key),
                };
                match locator {
                    Some(locator) => format!("@{key}, {locator}"),
                    None => format!("@{key}"),
                }
            })
            .collect();
        format!("[{}]", parts.join("; "))
    }

    fn wiki(&mut self, target: &Spanned<String>, heading: Option<&str>) {
        let Some(named) = self.index.names.get(&target.value) else {
            if self.index.name_is_broken(&target.value) {
                return;
            }
            let message = format!("link to unknown id `{}`", target.value);
            let all = self.index.names.keys().map(String::as_str);
            let diag = Diagnostic::error(Code::UnknownId, self.file, target.span.clone(), message)
                .with_suggestion(&target.value, all);
            self.diags.push(diag);
            return;
        };
        let Some(heading) = heading else { return };
        match named {
            Named::Entity(_) => {
                let message = format!(
                    "`{}` is an entity; only dossiers have headings to link",
                    target.value
                );
                self.diags.push(Diagnostic::error(
                    Code::HeadingOfEntity,
                    self.file,
                    target.span.clone(),
                    message,
                ));
            }
            Named::Dossier(d) => {
                if !self.anchors[*d].contains(heading) {
                    let headings = &self.dossiers[*d].body.headings;
                    let message = format!("dossier `{}` has no heading `#{heading}`", target.value);
                    let diag = Diagnostic::error(
                        Code::UnknownHeading,
                        self.file,
                        target.span.clone(),
                        message,
                    )
                    .with_suggestion(heading, headings.iter().map(|h| h.anchor.as_str()));
                    self.diags.push(diag);
                }
            }
        }
    }

    fn image(&mut self, image: &Spanned<String>, images: &BTreeSet<String>) {
        match content_path(self.file, &image.value) {
            None => {
                let message = format!("image `{}` lies outside content/", image.value);
                self.diags.push(Diagnostic::error(
                    Code::ImageOutsideContent,
                    self.file,
                    image.span.clone(),
                    message,
                ));
            }
            Some(path) if !images.contains(&path) => {
                let message = format!(
                    "image `{}` not found (looked for content/{path})",
                    image.value
                );
                let names = images.iter().map(String::as_str);
                let diag =
                    Diagnostic::error(Code::ImageNotFound, self.file, image.span.clone(), message)
                        .with_suggestion(&path, names);
                self.diags.push(diag);
            }
            Some(_) => {}
        }
    }
}

/// Checks the `[pdf]` settings that name content: the logo must be an image under
/// `content/` (its path is then written relative to `content/`, as renderers take it), and
/// the compendium's ids dossiers, each listed once. `file` is the label of `casefile.toml`.
pub fn check_pdf_settings(
    pdf: &mut crate::model::PdfConfig,
    file: &str,
    images: &BTreeSet<String>,
    index: &Index,
    diags: &mut Vec<Diagnostic>,
) {
    if let Some(logo) = &mut pdf.logo {
        // kinds: image-outside-content, image-not-found (at the `logo` value).
        match content_path("content/casefile.toml", &logo.value) {
            None => diags.push(Diagnostic::error(
                Code::ImageOutsideContent,
                file,
                logo.span.clone(),
                format!("logo `{}` lies outside content/", logo.value),
            )),
            Some(path) if !images.contains(&path) => diags.push(
                Diagnostic::error(
                    Code::ImageNotFound,
                    file,
                    logo.span.clone(),
                    format!(
                        "logo `{}` not found (looked for content/{path}; the path is relative to content/)",
                        logo.value
                    ),
                )
                .with_suggestion(&path, images.iter().map(String::as_str)),
            ),
            Some(path) => logo.value = path,
        }
    }
    let dossier_ids = || {
        index
            .names
            .iter()
            .filter(|(_, named)| matches!(named, Named::Dossier(_)))
            .map(|(id, _)| id.as_str())
    };
    let mut seen = BTreeSet::new();
    for id in pdf.compendium.iter().flatten() {
        let (code, message) = match index.names.get(&id.value) {
            Some(Named::Dossier(_)) if seen.insert(id.value.as_str()) => continue,
            // kind: bad-value (a dossier listed twice).
            Some(Named::Dossier(_)) => (
                Code::BadValue,
                format!("dossier `{}` is listed twice in the compendium", id.value),
            ),
            Some(Named::Entity(_)) => (
                Code::NotADossier,
                format!(
                    "`{}` in the compendium is an entity, not a dossier",
                    id.value
                ),
            ),
            None if index.broken.names.contains(&id.value) => continue,
            None => (
                Code::UnknownDossier,
                format!(
                    "the compendium lists `{}`, which is not a dossier",
                    id.value
                ),
            ),
        };
        let diag = Diagnostic::error(code, file, id.span.clone(), message);
        diags.push(if code == Code::BadValue {
            diag.with_help("list each dossier once, in the order the compendium gives them")
        } else {
            diag.with_suggestion(&id.value, dossier_ids())
        });
    }
}

/// The path relative to `content/` of an image written in `file` (a label such as
/// `content/dossiers/x.md`), or `None` when it would leave `content/`.
pub fn content_path(file: &str, dest: &str) -> Option<String> {
    if dest.starts_with('/') || dest.starts_with('\\') || dest.contains(':') {
        return None;
    }
    let dir = file.strip_prefix("content/")?;
    let mut parts: Vec<&str> = dir.split('/').collect();
    parts.pop(); // the file name
    for part in dest.split(['/', '\\']) {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            other => parts.push(other),
        }
    }
    Some(parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::content_path;

    #[test]
    fn image_paths_stay_inside_content() {
        assert_eq!(
            content_path("content/dossiers/a/x.md", "img/p.png").as_deref(),
            Some("dossiers/a/img/p.png")
        );
        assert_eq!(
            content_path("content/dossiers/x.md", "../images/p.png").as_deref(),
            Some("images/p.png")
        );
        assert_eq!(
            content_path("content/dossiers/x.md", "../../../etc/passwd"),
            None
        );
        assert_eq!(content_path("content/dossiers/x.md", "/etc/passwd"), None);
        assert_eq!(content_path("content/dossiers/x.md", "C:/x.png"), None);
    }
}
