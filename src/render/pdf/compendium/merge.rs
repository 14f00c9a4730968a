//! Merging laid-out parts into the compendium's pages: links to `casefile:LABEL` become
//! links to the labelled place, and the overlay page (footer, page numbers) is laid over
//! each page.

use std::num::NonZeroUsize;

use typst::introspection::{PagedPosition, Tag};
use typst::layout::{Frame, FrameItem, Point};
use typst::model::{Destination, LinkMarker};
use typst_layout::Page;

/// The scheme of links that a part makes to places in other parts.
const SCHEME: &str = "casefile:";

/// A place in the merged document: the page (from 0) and the point on it.
pub(super) fn position(page: usize, point: Point) -> PagedPosition {
    PagedPosition {
        // `page + 1` is at least 1.
        page: NonZeroUsize::new(page + 1).unwrap_or(NonZeroUsize::MIN),
        point,
    }
}

/// Where a link goes, and the text that describes it to assistive technology.
pub(super) struct Resolved {
    /// The place.
    pub(super) position: PagedPosition,
    /// Such as `Page 12`.
    pub(super) alt: String,
}

/// One page of the compendium: a part's page with its links resolved by `resolve` (a link
/// whose target is unknown is dropped, its text stays) and the overlay page laid over it.
pub(super) fn page(
    part_page: &Page,
    overlay: &Page,
    resolve: &impl Fn(&str) -> Option<Resolved>,
) -> Page {
    let mut page = part_page.clone();
    relink(&mut page.frame, resolve);
    page.frame.push_frame(Point::zero(), overlay.frame.clone());
    page.numbering = overlay.numbering.clone();
    page.number = overlay.number;
    page
}

fn relink(frame: &mut Frame, resolve: &impl Fn(&str) -> Option<Resolved>) {
    if !has_private_link(frame) {
        return;
    }
    frame.retain(|item| match item {
        FrameItem::Group(group) => {
            relink(&mut group.frame, resolve);
            true
        }
        FrameItem::Link(destination, _) => {
            let Some(target) = private_target(destination) else {
                return true;
            };
            match resolve(target) {
                Some(resolved) => {
                    *destination = Destination::Position(resolved.position);
                    true
                }
                None => false,
            }
        }
        FrameItem::Tag(Tag::Start(content, _)) => {
            if let Some(marker) = content.to_packed_mut::<LinkMarker>() {
                let target = marker.alt.as_deref().and_then(|a| a.strip_prefix(SCHEME));
                if let Some(target) = target {
                    // typst describes a link by its URL; the private one means nothing.
                    let alt = resolve(target).map(|r| r.alt.into());
                    marker.alt = alt;
                }
            }
            true
        }
        _ => true,
    });
}

fn private_target(destination: &Destination) -> Option<&str> {
    match destination {
        Destination::Url(url) => url.strip_prefix(SCHEME),
        _ => None,
    }
}

fn has_private_link(frame: &Frame) -> bool {
    frame.items().any(|(_, item)| match item {
        FrameItem::Group(group) => has_private_link(&group.frame),
        FrameItem::Link(destination, _) => private_target(destination).is_some(),
        FrameItem::Tag(Tag::Start(content, _)) => content
            .to_packed::<LinkMarker>()
            .and_then(|marker| marker.alt.as_deref())
            .is_some_and(|alt| alt.starts_with(SCHEME)),
        _ => false,
    })
}
