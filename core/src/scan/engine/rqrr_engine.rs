//! rqrr (a port of quirc): a different detector that finds some codes zxing's misses
//! (blurred, low-contrast). Used only as a fallback on small buffers: it ignores ECI, so
//! only payloads that are valid UTF-8 are accepted, and it is slow and panics on some inputs.

use std::panic::{catch_unwind, AssertUnwindSafe};

use super::Detection;
use crate::scan::threshold::{block_threshold, BlockThreshold};
use crate::scan::Point;

/// Most grids whose decoding is attempted per call.
const MAX_GRIDS: usize = 8;
/// rqrr tries every plausible triple of capstones and copies the whole image for each, so
/// an image cluttered with finder-like shapes takes seconds; such images are skipped.
const MAX_FINDER_PATTERNS: usize = 24;

/// Scans a packed `width`x`height` luma buffer; `inverted` scans it as light-on-dark.
pub(crate) fn scan(data: &[u8], width: usize, height: usize, inverted: bool) -> Vec<Detection> {
    // rqrr gets the black-and-white image the finder patterns are counted on, so the count
    // bounds the work it will do (with its own threshold it can see many more).
    let bits = block_threshold(data, width, height, BlockThreshold::ZXING, inverted);
    if super::rxing_engine::count_finder_patterns(&bits) > MAX_FINDER_PATTERNS {
        return Vec::new();
    }
    catch_unwind(AssertUnwindSafe(|| {
        let mut prepared = rqrr::PreparedImage::prepare_from_bitmap(width, height, |x, y| bits.get(x, y));
        prepared
            .detect_grids()
            .iter()
            .take(MAX_GRIDS)
            .filter_map(|grid| {
                let mut bytes = Vec::new();
                grid.decode_to(&mut bytes).ok()?;
                let text = String::from_utf8(bytes).ok()?;
                let corners = grid.bounds.map(|p| Point { x: p.x as f32, y: p.y as f32 });
                Some(Detection { text, corners, structured_append: None })
            })
            .collect()
    }))
    .unwrap_or_default()
}
