//! A part of the compendium laid out on its own, and what the merge needs to know of it:
//! its pages, where its labels are, where it kept room for page numbers, and on which of
//! its pages each entity is mentioned.

use std::collections::BTreeMap;
use std::sync::Arc;

use typst::diag::Warned;
use typst::foundations::{Content, Label, Repr, Selector, Value};
use typst::introspection::{Introspector, Location, MetadataElem, Tag};
use typst::layout::{Frame, FrameItem, Point};
use typst::model::{Destination, LinkMarker};
use typst::utils::PicoStr;
use typst_layout::{Page, PagedDocument};

use super::super::describe;
use super::super::world::{CasefileWorld, Files};
use crate::diagnostics::Diagnostic;

/// The scheme of links that a part makes to labels in other parts.
const SCHEME: &str = "casefile:";
/// The label of the room kept for the number of a page ("see p. N").
const PAGE_REF: &str = "cf-page-ref";
/// The label of an entity's mention.
const MENTION: &str = "cf-mention";

/// A place in a part: its page (from 0) and the point on it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Spot {
    /// The page in the part, from 0.
    pub(super) page: usize,
    /// From the page's top-left corner.
    pub(super) point: Point,
}

/// Room kept for the number of the page on which `target` is.
#[derive(Debug, Clone)]
pub(super) struct Slot {
    /// The label the number is for.
    pub(super) target: String,
    /// Where the number goes (its baseline).
    pub(super) at: Spot,
    /// The surrounding text's style and the room kept, as Typst arguments.
    pub(super) style: String,
}

/// A laid-out part.
#[derive(Debug)]
pub(super) struct Part {
    /// Its pages.
    pub(super) pages: Vec<Page>,
    /// Every label of the part with the place of its first element, sorted by label.
    pub(super) anchors: BTreeMap<String, Spot>,
    /// Where page numbers go.
    pub(super) slots: Vec<Slot>,
    /// The entity mentions: the label of the entity's index entry and the page, in order.
    pub(super) mentions: Vec<(String, usize)>,
    /// The document's metadata (used from the front matter).
    pub(super) info: typst::model::DocumentInfo,
    /// Typst's warnings about the part, naming the compendium.
    pub(super) warnings: Vec<Diagnostic>,
}

/// Lays out one part whose main source is `source` at `path`, then evicts typst's memoized
/// results not used by the last `memo_kept` layouts (chapters keep some for the chapters laid
/// out beside them; a part laid out alone keeps none, since what follows shares little).
pub(super) fn lay_out(
    path: &str,
    source: String,
    files: &Arc<Files>,
    memo_kept: usize,
) -> Result<Part, String> {
    let world = CasefileWorld::at(path, source, files.clone())
        .ok_or_else(|| format!("PDF `compendium.pdf`: `{path}` is not a valid source path"))?;
    let Warned { output, warnings } = typst::compile::<PagedDocument>(&world);
    let document = output.map_err(|errors| describe(&world, "compendium", &errors))?;
    let (mut part, labelled) = Part::of(&document);
    part.warnings = super::super::warnings::from_typst(&world, "compendium", &warnings);
    drop(document);
    let relocation = Relocation {
        salt: typst::utils::hash128(path),
        labelled,
    };
    for page in &mut part.pages {
        relocation.apply(&mut page.frame);
    }
    // typst memoizes across documents; keep its cache from growing without bound.
    comemo::evict(memo_kept);
    Ok(part)
}

/// The location, in the merged compendium, of the element labelled `label` (the first
/// one, in the part that has it): links from any part to the label go there.
fn anchor_location(label: &str) -> Location {
    Location::new(typst::utils::hash128(&("casefile anchor", label)))
}

impl Part {
    /// The part and the new locations of its labelled elements (see [`anchor_location`]).
    fn of(document: &PagedDocument) -> (Part, BTreeMap<u128, Location>) {
        let introspector = document.introspector();
        let spot = |content: &Content| -> Option<Spot> {
            let position = introspector.position(content.location()?)?;
            Some(Spot {
                page: position.page.get() - 1,
                point: position.point,
            })
        };
        let mut anchors = BTreeMap::new();
        let mut labelled = BTreeMap::new();
        for content in introspector.query_labelled() {
            let (Some(label), Some(location), Some(at)) =
                (content.label(), content.location(), spot(&content))
            else {
                continue;
            };
            let name = label.resolve().to_string();
            if !name.starts_with("cf-") && !anchors.contains_key(&name) {
                labelled.insert(location.hash(), anchor_location(&name));
                anchors.insert(name, at);
            }
        }
        let slots = metadata(document, PAGE_REF)
            .filter_map(|(value, content)| {
                let Value::Dict(dict) = value else {
                    return None;
                };
                let target = match dict.get("target").ok()? {
                    Value::Str(s) => s.to_string(),
                    _ => return None,
                };
                let style = ["size", "fill", "weight", "style", "room"]
                    .iter()
                    .filter_map(|key| Some(format!("{key}: {}", dict.get(key).ok()?.repr())))
                    .collect::<Vec<_>>()
                    .join(", ");
                Some(Slot {
                    target,
                    at: spot(&content)?,
                    style,
                })
            })
            .collect();
        let mentions = metadata(document, MENTION)
            .filter_map(|(value, content)| match value {
                Value::Str(target) => Some((target.to_string(), spot(&content)?.page)),
                _ => None,
            })
            .collect();
        let part = Part {
            pages: document.pages().to_vec(),
            anchors,
            slots,
            mentions,
            info: typst::model::Document::info(document).clone(),
            warnings: Vec::new(),
        };
        (part, labelled)
    }
}

/// Gives every element of a part a location of its own in the compendium, and points the
/// part's links to other parts at them.
///
/// Parts are laid out separately, so the same template element (a header's grid, a facts
/// box's label) gets the same location in every part; once merged, locations must be
/// unique for the introspector and the PDF's tag tree. Each location is rehashed with a
/// salt of the part's own, everywhere it appears in the frames (element starts and ends,
/// logical parents, links to locations), so the part's own relations are kept; a labelled
/// element takes its label's [`anchor_location`] instead. A link to `casefile:LABEL`
/// becomes a link to that location, which typst resolves in the merged document (and
/// exports as a named destination when it is a heading's). All of it is done once, when the
/// part is laid out: merging copies no frame.
struct Relocation {
    salt: u128,
    /// The new locations of labelled elements, by their old one.
    labelled: BTreeMap<u128, Location>,
}

impl Relocation {
    fn moved(&self, location: Location) -> Location {
        match self.labelled.get(&location.hash()) {
            Some(anchor) => *anchor,
            None => Location::new(typst::utils::hash128(&(self.salt, location.hash()))),
        }
    }

    fn apply(&self, frame: &mut Frame) {
        frame.retain(|item| {
            match item {
                FrameItem::Group(group) => {
                    if let Some(parent) = &mut group.parent {
                        parent.location = self.moved(parent.location);
                    }
                    self.apply(&mut group.frame);
                }
                FrameItem::Tag(Tag::Start(content, _)) => {
                    if let Some(location) = content.location() {
                        content.set_location(self.moved(location));
                    }
                    if let Some(marker) = content.to_packed_mut::<LinkMarker>() {
                        // typst describes a link by its URL; the private one means nothing.
                        if marker.alt.as_deref().is_some_and(|a| a.starts_with(SCHEME)) {
                            marker.alt = None;
                        }
                    }
                }
                FrameItem::Tag(Tag::End(location, _, _)) => *location = self.moved(*location),
                FrameItem::Link(destination, _) => {
                    *destination = match destination {
                        Destination::Location(location) => {
                            Destination::Location(self.moved(*location))
                        }
                        Destination::Url(url) => match url.strip_prefix(SCHEME) {
                            Some(label) => Destination::Location(anchor_location(label)),
                            None => Destination::Url(url.clone()),
                        },
                        Destination::Position(position) => Destination::Position(*position),
                    };
                }
                _ => {}
            }
            true
        });
    }
}

/// The values of the metadata labelled `name`, in document order, with their elements.
fn metadata<'a>(
    document: &'a PagedDocument,
    name: &str,
) -> impl Iterator<Item = (Value, Content)> + 'a {
    let found = Label::new(PicoStr::intern(name))
        .map(|label| document.introspector().query(&Selector::Label(label)))
        .unwrap_or_default();
    found.into_iter().filter_map(|content| {
        let value = content.to_packed::<MetadataElem>()?.value.clone();
        Some((value, content))
    })
}
