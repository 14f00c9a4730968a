//! The id namespaces of a project: dossiers and entities share one, sources have their own
//! (global ones from `sources.yaml`, local ones per dossier).

use std::collections::{BTreeMap, BTreeSet};

use crate::diagnostics::{Code, Diagnostic};
use crate::parse::catalog::{EntityDef, SourceDef};
use crate::parse::ParsedDossier;

/// What an id in the shared namespace names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Named {
    /// Index into the parsed dossiers.
    Dossier(usize),
    /// Index into the parsed entities.
    Entity(usize),
}

/// Where a source is defined.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum SourceAt {
    /// Index into `sources.yaml`'s entries.
    Global(usize),
    /// A dossier's local source: (dossier index, index in its `sources`).
    Local(usize, usize),
}

/// Lookups over every parsed dossier, entity and source (before any profile filtering).
#[derive(Debug, Default)]
pub struct Index {
    /// Dossier and entity ids.
    pub names: BTreeMap<String, Named>,
    /// Global source ids.
    pub global_sources: BTreeMap<String, usize>,
    /// Local source ids per dossier.
    pub local_sources: Vec<BTreeMap<String, usize>>,
    /// Ids whose definitions are broken, and files whose ids cannot all be known.
    pub broken: Broken,
}

/// What was defined but could not be read, and so is known without being usable: a
/// reference that only this explains is not an error of its own (the definition's error
/// already says what is wrong).
#[derive(Debug, Default)]
pub struct Broken {
    /// Ids of entities and dossiers that were reported and left out.
    pub names: BTreeSet<String>,
    /// `entities.yaml` could not be read far enough to know every id it defines.
    pub any_entity: bool,
    /// Ids of global sources that were reported and left out.
    pub global_sources: BTreeSet<String>,
    /// `sources.yaml` could not be read far enough to know every id it defines.
    pub any_global_source: bool,
    /// Per dossier: ids of local sources that were reported and left out.
    pub local_sources: Vec<BTreeSet<String>>,
    /// Per dossier: its front matter did not parse, so it may define any local source.
    pub any_local_source: Vec<bool>,
}

impl Index {
    /// Builds the index, reporting duplicate ids (naming both files).
    pub fn build(
        dossiers: &[ParsedDossier],
        entities: &[EntityDef],
        entities_file: &str,
        sources: &[SourceDef],
        sources_file: &str,
        broken: Broken,
        diags: &mut Vec<Diagnostic>,
    ) -> Index {
        let mut index = Index {
            broken,
            ..Index::default()
        };
        let mut first_at: BTreeMap<String, String> = BTreeMap::new();
        for (i, entity) in entities.iter().enumerate() {
            index.claim(
                &entity.id.value,
                Named::Entity(i),
                entities_file,
                &entity.id.span,
                &mut first_at,
                diags,
            );
        }
        for (i, dossier) in dossiers.iter().enumerate() {
            index.claim(
                &dossier.id.value,
                Named::Dossier(i),
                &dossier.file,
                &dossier.id.span,
                &mut first_at,
                diags,
            );
        }
        for (i, source) in sources.iter().enumerate() {
            // The first definition counts; a later one with the same id is the error.
            if index.global_sources.contains_key(&source.id.value) {
                let message = format!(
                    "duplicate source id `{}`: already defined earlier in {sources_file}",
                    source.id.value
                );
                diags.push(Diagnostic::error(
                    Code::DuplicateSource,
                    sources_file,
                    source.id.span.clone(),
                    message,
                ));
            } else {
                index.global_sources.insert(source.id.value.clone(), i);
            }
        }
        for dossier in dossiers {
            let mut local = BTreeMap::new();
            for (i, source) in dossier.meta.sources.iter().enumerate() {
                let id = &source.id.value;
                if index.global_sources.contains_key(id) {
                    let message =
                        format!("local source `{id}` reuses the id of a source in {sources_file}");
                    let diag = Diagnostic::error(Code::ShadowedSource, &dossier.file, source.id.span.clone(), message)
                        .with_help("give the local source its own id, or cite the shared one without redefining it");
                    diags.push(diag);
                } else if local.contains_key(id) {
                    let message = format!("duplicate source id `{id}` in this dossier's sources");
                    diags.push(Diagnostic::error(
                        Code::DuplicateSource,
                        &dossier.file,
                        source.id.span.clone(),
                        message,
                    ));
                } else {
                    local.insert(id.clone(), i);
                }
            }
            index.local_sources.push(local);
        }
        index
    }

    fn claim(
        &mut self,
        id: &str,
        named: Named,
        file: &str,
        span: &std::ops::Range<usize>,
        first_at: &mut BTreeMap<String, String>,
        diags: &mut Vec<Diagnostic>,
    ) {
        if let Some(first) = first_at.get(id) {
            let message = format!("duplicate id `{id}`: also used in {first}");
            let diag = Diagnostic::error(Code::DuplicateId, file, span.clone(), message)
                .with_help("dossiers and entities share one namespace of ids; rename one of them");
            diags.push(diag);
            return;
        }
        first_at.insert(id.to_string(), file.to_string());
        self.names.insert(id.to_string(), named);
    }

    /// The source a dossier's citation key names: its own local source first, then a global one.
    pub fn source(&self, dossier: usize, key: &str) -> Option<SourceAt> {
        if let Some(&i) = self.local_sources.get(dossier).and_then(|m| m.get(key)) {
            return Some(SourceAt::Local(dossier, i));
        }
        self.global_sources.get(key).map(|&i| SourceAt::Global(i))
    }

    /// True when an unknown entity or `[[link]]` id may be one whose definition is broken.
    pub fn name_is_broken(&self, id: &str) -> bool {
        self.broken.any_entity || self.broken.names.contains(id)
    }

    /// True when an unknown source a dossier cites may be one whose definition is broken.
    pub fn source_is_broken(&self, dossier: usize, key: &str) -> bool {
        let b = &self.broken;
        b.any_global_source
            || b.global_sources.contains(key)
            || b.any_local_source.get(dossier).copied().unwrap_or(false)
            || b.local_sources
                .get(dossier)
                .is_some_and(|ids| ids.contains(key))
    }

    /// Every source key a dossier can cite, for suggestions.
    pub fn source_keys(&self, dossier: usize) -> impl Iterator<Item = &str> {
        let local = self
            .local_sources
            .get(dossier)
            .into_iter()
            .flat_map(|m| m.keys());
        local.chain(self.global_sources.keys()).map(String::as_str)
    }

    /// Entity ids, for suggestions.
    pub fn entity_ids(&self) -> impl Iterator<Item = &str> {
        self.names
            .iter()
            .filter(|(_, n)| matches!(n, Named::Entity(_)))
            .map(|(k, _)| k.as_str())
    }

    /// Dossier ids, for suggestions.
    pub fn dossier_ids(&self) -> impl Iterator<Item = &str> {
        self.names
            .iter()
            .filter(|(_, n)| matches!(n, Named::Dossier(_)))
            .map(|(k, _)| k.as_str())
    }
}
