//! `ftm.jsonl`: entities and dossiers as FollowTheMoney entities, one JSON object a line, as
//! Aleph and other FtM tools import them.
//!
//! The mapping (docs/export.md has it as a table):
//! - an entity becomes the schema of its kind ([`schema`]): `person` a `Person`,
//!   `organization` and `criminal-group` an `Organization`, `government-agency` and
//!   `military-unit` a `PublicBody`, `place` an `Address`, `other` a `LegalEntity` (FtM's
//!   `Thing` is abstract and cannot be instantiated);
//! - a dossier becomes an `Article`;
//! - each entity a dossier names becomes a `Documentation` linking the two, with the role.
//!
//! Ids are stable and prefixed: `casefile-entity-ID`, `casefile-dossier-ID`,
//! `casefile-documentation-DOSSIER.ENTITY`. Only properties the FtM schemas define are written
//! (the integration tests check them with the `followthemoney` package).

use std::collections::BTreeMap;

use serde::Serialize;

use crate::model::{Dossier, Entity, EntityKind, Site};

/// One FtM entity: an id, a schema and properties, each a list of strings.
#[derive(Debug, Serialize)]
pub struct FtmEntity {
    /// Stable, prefixed id.
    pub id: String,
    /// FtM schema name.
    pub schema: &'static str,
    /// Property values, by property name (sorted, so output is stable).
    pub properties: BTreeMap<&'static str, Vec<String>>,
}

impl FtmEntity {
    fn new(id: String, schema: &'static str) -> Self {
        FtmEntity {
            id,
            schema,
            properties: BTreeMap::new(),
        }
    }

    /// Adds values to a property; empty values are left out.
    fn add(&mut self, property: &'static str, values: impl IntoIterator<Item = String>) {
        let values: Vec<String> = values.into_iter().filter(|v| !v.is_empty()).collect();
        if !values.is_empty() {
            self.properties.entry(property).or_default().extend(values);
        }
    }
}

/// The FtM schema of an entity kind.
pub fn schema(kind: EntityKind) -> &'static str {
    match kind {
        EntityKind::Person => "Person",
        EntityKind::Organization | EntityKind::CriminalGroup => "Organization",
        EntityKind::GovernmentAgency | EntityKind::MilitaryUnit => "PublicBody",
        EntityKind::Place => "Address",
        EntityKind::Other => "LegalEntity",
    }
}

/// FtM topics that say more about a kind than its schema does.
fn topics(kind: EntityKind) -> &'static [&'static str] {
    match kind {
        EntityKind::CriminalGroup => &["crime"],
        EntityKind::MilitaryUnit => &["gov.security"],
        _ => &[],
    }
}

/// The FtM id of an entity.
pub fn entity_id(id: &str) -> String {
    format!("casefile-entity-{id}")
}

/// The FtM id of a dossier.
pub fn dossier_id(id: &str) -> String {
    format!("casefile-dossier-{id}")
}

/// ISO 639-3 code FtM's language type takes, for the languages casefile has strings for.
fn ftm_language(tag: &str) -> Option<&'static str> {
    let primary = tag.split(['-', '_']).next()?.to_ascii_lowercase();
    match primary.as_str() {
        "en" => Some("eng"),
        "es" => Some("spa"),
        _ => None,
    }
}

/// Every entity, then every dossier, then every link between them, in site order.
pub fn entities(site: &Site) -> Vec<FtmEntity> {
    let base = site.config.base_url.as_deref();
    let mut out: Vec<FtmEntity> = site.entities.iter().map(|e| entity(e, base)).collect();
    out.extend(site.dossiers.iter().map(|d| dossier(d, base)));
    for entity in &site.entities {
        for mention in &entity.mentions {
            let dossier = &mention.dossier.id;
            let mut link = FtmEntity::new(
                format!("casefile-documentation-{dossier}.{}", entity.id),
                "Documentation",
            );
            link.add("document", [dossier_id(dossier)]);
            link.add("entity", [entity_id(&entity.id)]);
            link.add("role", mention.role.clone());
            out.push(link);
        }
    }
    out
}

fn entity(entity: &Entity, base_url: Option<&str>) -> FtmEntity {
    let mut ftm = FtmEntity::new(entity_id(&entity.id), schema(entity.kind));
    ftm.add("name", [entity.name.clone()]);
    if entity.kind == EntityKind::Place {
        ftm.add("full", [entity.name.clone()]);
    }
    ftm.add("alias", entity.aliases.iter().cloned());
    ftm.add(
        "description",
        entity.description.as_deref().map(super::plain),
    );
    ftm.add("topics", topics(entity.kind).iter().map(|t| t.to_string()));
    ftm.add(
        "sourceUrl",
        base_url.map(|b| format!("{b}entities/{}/", entity.id)),
    );
    ftm
}

fn dossier(dossier: &Dossier, base_url: Option<&str>) -> FtmEntity {
    let mut ftm = FtmEntity::new(dossier_id(&dossier.id), "Article");
    ftm.add("title", [dossier.title.clone()]);
    ftm.add("summary", dossier.summary_text.clone());
    ftm.add("publishedAt", [dossier.date.iso()]);
    ftm.add("modifiedAt", dossier.updated.map(|d| d.iso()));
    ftm.add("author", dossier.authors.iter().cloned());
    ftm.add("keywords", dossier.tags.iter().map(|t| t.name.clone()));
    ftm.add("language", ftm_language(&dossier.lang).map(str::to_string));
    ftm.add("bodyText", [super::plain_lines(&dossier.plain_text)]);
    ftm.add(
        "sourceUrl",
        base_url.map(|b| format!("{b}dossiers/{}/", dossier.id)),
    );
    ftm
}

/// `ftm.jsonl`: one entity a line.
pub fn jsonl(site: &Site) -> String {
    let mut out = String::new();
    for entity in entities(site) {
        // Plain data always serialises.
        out.push_str(&serde_json::to_string(&entity).unwrap_or_default());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_a_concrete_schema() {
        for (_, kind) in EntityKind::ALL {
            assert_ne!(schema(*kind), "Thing", "{kind:?}");
        }
        assert_eq!(schema(EntityKind::MilitaryUnit), "PublicBody");
    }

    #[test]
    fn languages_map_to_iso_639_3() {
        assert_eq!(ftm_language("es-MX"), Some("spa"));
        assert_eq!(ftm_language("en"), Some("eng"));
        assert_eq!(ftm_language("fr"), None);
    }

    #[test]
    fn empty_values_are_left_out() {
        let mut e = FtmEntity::new("x".into(), "Person");
        e.add("alias", [String::new()]);
        e.add("name", ["N".to_string()]);
        assert_eq!(
            serde_json::to_string(&e).unwrap(),
            r#"{"id":"x","schema":"Person","properties":{"name":["N"]}}"#
        );
    }
}
