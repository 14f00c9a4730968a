//! Merging laid-out parts into the compendium's pages: links to `casefile:LABEL` become
//! links to the labelled place, and the overlay page (footer, page numbers) is laid over
//! each page.

use std::num::NonZeroUsize;

use typst::introspection::PagedPosition;
use typst::layout::{Frame, FrameItem, Point};
use typst::model::Destination;
use typst_layout::Page;

/// The scheme of links that a part makes to places in other parts.
pub(super) const SCHEME: &str = "casefile:";

/// A place in the merged document: the page (from 0) and the point on it.
pub(super) fn position(page: usize, point: Point) -> PagedPosition {
    PagedPosition {
        // `page + 1` is at least 1.
        page: NonZeroUsize::new(page + 1).unwrap_or(NonZeroUsize::MIN),
        point,
    }
}

/// One page of the compendium: a part's page with its links resolved by `resolve` (a link
/// whose target is unknown is dropped, its text stays) and the overlay page laid over it.
pub(super) fn page(
    part_page: &Page,
    overlay: &Page,
    resolve: &impl Fn(&str) -> Option<PagedPosition>,
) -> Page {
    let mut page = part_page.clone();
    relink(&mut page.frame, resolve);
    page.frame.push_frame(Point::zero(), overlay.frame.clone());
    page.numbering = overlay.numbering.clone();
    page.number = overlay.number;
    page
}

fn relink(frame: &mut Frame, resolve: &impl Fn(&str) -> Option<PagedPosition>) {
    if !has_private_link(frame) {
        return;
    }
    frame.retain(|item| match item {
        FrameItem::Group(group) => {
            relink(&mut group.frame, resolve);
            true
        }
        FrameItem::Link(destination, _) => {
            let Destination::Url(url) = destination else {
                return true;
            };
            let Some(target) = url.strip_prefix(SCHEME) else {
                return true;
            };
            match resolve(target) {
                Some(position) => {
                    *destination = Destination::Position(position);
                    true
                }
                None => false,
            }
        }
        _ => true,
    });
}

fn has_private_link(frame: &Frame) -> bool {
    frame.items().any(|(_, item)| match item {
        FrameItem::Group(group) => has_private_link(&group.frame),
        FrameItem::Link(Destination::Url(url), _) => url.starts_with(SCHEME),
        _ => false,
    })
}
