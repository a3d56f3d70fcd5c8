//! Structured append: one message split over up to 16 QR symbols.
//!
//! Each part is reported as its own [`FoundCode`] with [`FoundCode::structured_append`] set.
//! When one frame holds every part of a message, the pipeline also appends a merged
//! [`FoundCode`] (see [`merge_complete_sets`]). When the parts arrive in different frames or
//! images, feed them to a [`StructuredAppendAssembler`].

use std::collections::BTreeMap;

use super::{FoundCode, Point};

/// Position of a symbol within a structured-append message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct StructuredAppend {
    /// Zero-based position of this symbol in the message.
    pub index: u8,
    /// Number of symbols the message is split into (2..=16).
    pub count: u8,
}

/// Collects the parts of one structured-append message across frames or images.
///
/// A part whose `count` differs from the parts collected so far, or that disagrees with an
/// already collected part of the same index, starts a new message.
#[derive(Debug, Default, Clone)]
pub struct StructuredAppendAssembler {
    count: u8,
    parts: BTreeMap<u8, String>,
}

impl StructuredAppendAssembler {
    /// An empty assembler.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a scanned code. Codes without structured-append data are ignored.
    /// Returns the whole message once every part has been seen.
    pub fn push(&mut self, code: &FoundCode) -> Option<String> {
        let sa = code.structured_append?;
        let conflicting = self.parts.get(&sa.index).is_some_and(|t| *t != code.text);
        if sa.count != self.count || conflicting {
            self.parts.clear();
            self.count = sa.count;
        }
        self.parts.insert(sa.index, code.text.clone());
        self.merged()
    }

    /// The whole message if every part has been collected.
    pub fn merged(&self) -> Option<String> {
        (self.count > 0 && self.parts.len() == usize::from(self.count)).then(|| self.parts.values().map(String::as_str).collect())
    }

    /// Indices still missing from the current message.
    pub fn missing(&self) -> Vec<u8> {
        (0..self.count).filter(|i| !self.parts.contains_key(i)).collect()
    }
}

/// For every message whose parts are all in `codes`, appends one merged [`FoundCode`] with
/// `structured_append: None` and the bounding box of the parts as its corners.
pub(crate) fn merge_complete_sets(codes: &mut Vec<FoundCode>) {
    let mut merged = Vec::new();
    for count in 2..=16u8 {
        let mut parts: BTreeMap<u8, &FoundCode> = BTreeMap::new();
        for code in codes.iter() {
            if let Some(sa) = code.structured_append.filter(|sa| sa.count == count) {
                parts.entry(sa.index).or_insert(code);
            }
        }
        if parts.len() != usize::from(count) {
            continue;
        }
        let text = parts.values().map(|c| c.text.as_str()).collect();
        let all = parts.values().flat_map(|c| c.corners.iter());
        let (mut x0, mut y0, mut x1, mut y1) = (f32::MAX, f32::MAX, f32::MIN, f32::MIN);
        for p in all {
            (x0, y0, x1, y1) = (x0.min(p.x), y0.min(p.y), x1.max(p.x), y1.max(p.y));
        }
        let corners = [Point { x: x0, y: y0 }, Point { x: x1, y: y0 }, Point { x: x1, y: y1 }, Point { x: x0, y: y1 }];
        merged.push(FoundCode { text, corners, structured_append: None });
    }
    codes.extend(merged);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn part(index: u8, count: u8, text: &str) -> FoundCode {
        FoundCode { text: text.into(), corners: [Point { x: 0.0, y: 0.0 }; 4], structured_append: Some(StructuredAppend { index, count }) }
    }

    #[test]
    fn assembles_in_order_across_frames() {
        let mut a = StructuredAppendAssembler::new();
        assert_eq!(a.push(&part(2, 3, "c")), None);
        assert_eq!(a.push(&part(0, 3, "a")), None);
        assert_eq!(a.missing(), vec![1]);
        assert_eq!(a.push(&part(1, 3, "b")).as_deref(), Some("abc"));
    }

    #[test]
    fn merges_complete_set_in_one_frame() {
        let mut codes = vec![part(1, 2, "y"), part(0, 2, "x"), part(0, 3, "lonely")];
        merge_complete_sets(&mut codes);
        assert_eq!(codes.len(), 4);
        assert_eq!(codes[3].text, "xy");
        assert!(codes[3].structured_append.is_none());
    }
}
