//! Merging laid-out parts into the compendium's pages: each part's page with the overlay
//! page (footer, page numbers) laid over it. Links between parts were pointed at their
//! targets when the parts were laid out (see `part`), so no frame is copied here.

use std::num::NonZeroUsize;

use typst::introspection::PagedPosition;
use typst::layout::{Frame, FrameItem, FrameKind, GroupItem, Point};
use typst_layout::Page;

/// A place in the merged document: the page (from 0) and the point on it.
pub(super) fn position(page: usize, point: Point) -> PagedPosition {
    PagedPosition {
        // `page + 1` is at least 1.
        page: NonZeroUsize::new(page + 1).unwrap_or(NonZeroUsize::MIN),
        point,
    }
}

/// One page of the compendium: a part's page with the overlay page laid over it, numbered
/// as the overlay page is.
pub(super) fn page(part_page: &Page, overlay: &Page) -> Page {
    let mut frame = Frame::new(part_page.frame.size(), FrameKind::Hard);
    frame.push(
        Point::zero(),
        FrameItem::Group(GroupItem::new(part_page.frame.clone())),
    );
    frame.push(
        Point::zero(),
        FrameItem::Group(GroupItem::new(overlay.frame.clone())),
    );
    Page {
        frame,
        numbering: overlay.numbering.clone(),
        number: overlay.number,
        ..part_page.clone()
    }
}
