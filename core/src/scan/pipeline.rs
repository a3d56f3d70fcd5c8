//! The order in which decoders and image variants are tried.
//!
//! Passes run in order and the pipeline stops after the first pass that finds anything, so a
//! clean frame costs one rxing pass and only hard or empty frames pay for the retries.
//! A pass whose image variant resolves to one already scanned the same way is skipped (e.g.
//! "at most 1024 px" on a 640 px input is the working image again).

use super::engine::rxing_engine::{self, Threshold};
use super::engine::{rqrr_engine, Detection};
use super::luma::{factor_for, Gray, LumaView};
use super::{FoundCode, Point};

/// Most codes reported for one frame.
pub const MAX_CODES: usize = 32;

/// Longest side (pixels) of the working image; larger inputs are box-downscaled by an
/// integer factor first (a 4000x3000 photo is scanned at 2000x1500).
const MAX_WORK_SIDE: usize = 2048;
/// rqrr's cost grows badly with size and candidate count, so it only sees small images.
const MAX_RQRR_SIDE: usize = 640;
/// Smallest side worth scanning after downscaling (a version-1 symbol is 21 modules plus
/// its quiet zone).
const MIN_SIDE: usize = 48;

/// Which image variant a pass scans.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Size {
    /// The working image (the input, box-downscaled to at most [`MAX_WORK_SIDE`]).
    Work,
    /// Box-downscaled so the longer side is at most this many pixels.
    AtMost(usize),
    /// Box-downscaled by this integer factor, if the result keeps at least [`MIN_SIDE`] px.
    Factor(usize),
    /// Upscaled 2x, only for inputs whose longer side is at most this many pixels.
    DoubledBelow(usize),
}

/// Which decoder a pass runs.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Decoder {
    Rxing(Threshold),
    Rqrr,
}

/// One attempt: a decoder on a variant of the image, optionally inverted (light-on-dark).
#[derive(Clone, Copy, Debug)]
struct Pass {
    decoder: Decoder,
    size: Size,
    inverted: bool,
}

const fn pass(decoder: Decoder, size: Size, inverted: bool) -> Pass {
    Pass { decoder, size, inverted }
}

const HYBRID: Decoder = Decoder::Rxing(Threshold::Hybrid);
const GLOBAL: Decoder = Decoder::Rxing(Threshold::Global);

/// The pass list, cheapest / most productive first. Measured on the shared corpus (see the
/// crate README): each retry below rescues images the earlier passes miss.
const PASSES: &[Pass] = &[
    // Normal photos and renders.
    pass(HYBRID, Size::Work, false),
    // Light-on-dark codes.
    pass(HYBRID, Size::Work, true),
    // Large modules in high-resolution photos; codes filling the frame.
    pass(HYBRID, Size::AtMost(1024), false),
    pass(HYBRID, Size::AtMost(640), false),
    // Blur, JPEG/WebP artefacts and noisy edges: averaging 2x2 / 3x3 blocks cleans them up;
    // a global threshold copes with some low-contrast crops the local one breaks up.
    pass(GLOBAL, Size::Factor(2), false),
    pass(HYBRID, Size::Factor(3), false),
    // Tiny modules in small images (stylised / dotted codes, thumbnails).
    pass(HYBRID, Size::DoubledBelow(512), false),
    // A different detector (quirc's) for what zxing's misses, e.g. curved surfaces.
    pass(Decoder::Rqrr, Size::AtMost(MAX_RQRR_SIDE), false),
];

/// A concrete image variant.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Variant {
    /// The input box-downscaled by this factor (1 = the input itself).
    Downscaled(usize),
    /// The input upscaled 2x.
    Doubled,
}

impl Variant {
    /// Input pixels per variant pixel.
    fn scale(self) -> f32 {
        match self {
            Variant::Downscaled(factor) => factor as f32,
            Variant::Doubled => 0.5,
        }
    }
}

/// The variant `pass` scans for a `w`x`h` input, or `None` if the pass does not apply.
fn resolve(pass: &Pass, w: usize, h: usize) -> Option<Variant> {
    let cap = if pass.decoder == Decoder::Rqrr { MAX_RQRR_SIDE } else { MAX_WORK_SIDE };
    match pass.size {
        Size::Work => Some(Variant::Downscaled(factor_for(w, h, cap))),
        Size::AtMost(side) => Some(Variant::Downscaled(factor_for(w, h, side.min(cap)))),
        Size::Factor(f) => (w.min(h) / f >= MIN_SIDE && w.max(h) / f <= cap).then_some(Variant::Downscaled(f)),
        Size::DoubledBelow(limit) => (w.max(h) <= limit.min(cap / 2)).then_some(Variant::Doubled),
    }
}

/// Image variants, built lazily and reused across passes.
struct Variants<'a> {
    input: LumaView<'a>,
    downscaled: Vec<(usize, Gray)>,
    doubled: Option<Gray>,
}

impl<'a> Variants<'a> {
    /// Packed pixels, width and height of `variant`.
    fn get(&mut self, variant: Variant) -> (&[u8], usize, usize) {
        let input = self.input;
        let gray = match variant {
            Variant::Downscaled(1) if input.as_packed().is_some() => {
                let packed = input.as_packed().unwrap_or_default();
                return (packed, input.width(), input.height());
            }
            Variant::Downscaled(factor) => {
                let pos = match self.downscaled.iter().position(|(f, _)| *f == factor) {
                    Some(pos) => pos,
                    None => {
                        self.downscaled.push((factor, input.downscale(factor)));
                        self.downscaled.len() - 1
                    }
                };
                &self.downscaled[pos].1
            }
            Variant::Doubled => self.doubled.get_or_insert_with(|| input.upscale2()),
        };
        (&gray.data, gray.width, gray.height)
    }
}

/// Runs the pass list on `input` and returns the codes in input coordinates.
pub(crate) fn run(input: LumaView<'_>) -> Vec<FoundCode> {
    let (w, h) = (input.width(), input.height());
    let mut variants = Variants { input, downscaled: Vec::new(), doubled: None };
    let mut tried: Vec<(Decoder, Variant, bool)> = Vec::new();
    let mut found: Vec<FoundCode> = Vec::new();

    for pass in PASSES {
        let Some(variant) = resolve(pass, w, h) else {
            continue;
        };
        let key = (pass.decoder, variant, pass.inverted);
        if tried.contains(&key) {
            continue;
        }
        tried.push(key);

        let (data, vw, vh) = variants.get(variant);
        let detections = match pass.decoder {
            Decoder::Rxing(threshold) => rxing_engine::scan(data, vw, vh, pass.inverted, threshold),
            Decoder::Rqrr => rqrr_engine::scan(data, vw, vh, pass.inverted),
        };
        for d in detections {
            add_unique(&mut found, to_input_coords(d, variant.scale(), w, h));
        }
        if !found.is_empty() {
            break;
        }
    }
    found
}

/// Maps a detection from a variant's pixels to the `w`x`h` input's, clamped to the input: a
/// symbol that fills the frame to its edge can be estimated a fraction of a pixel beyond it.
fn to_input_coords(d: Detection, scale: f32, w: usize, h: usize) -> FoundCode {
    // `max` before `min` also turns a NaN into 0.
    let inside = |p: Point| Point { x: (p.x * scale).max(0.0).min(w as f32), y: (p.y * scale).max(0.0).min(h as f32) };
    FoundCode { text: d.text, corners: d.corners.map(inside), structured_append: d.structured_append }
}

/// Adds `code` unless the same text was already found at about the same place, or
/// [`MAX_CODES`] codes were already found.
fn add_unique(found: &mut Vec<FoundCode>, code: FoundCode) {
    let center = code.center();
    let size = code.size();
    let duplicate = found.iter().any(|f| f.text == code.text && f.center().distance(&center) < size.max(f.size()) / 2.0);
    if !duplicate && found.len() < MAX_CODES {
        found.push(code);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passes_resolve_to_sensible_variants() {
        let work = pass(HYBRID, Size::Work, false);
        assert_eq!(resolve(&work, 640, 480), Some(Variant::Downscaled(1)));
        assert_eq!(resolve(&work, 4000, 3000), Some(Variant::Downscaled(2)));
        let doubled = pass(HYBRID, Size::DoubledBelow(512), false);
        assert_eq!(resolve(&doubled, 240, 240), Some(Variant::Doubled));
        assert_eq!(resolve(&doubled, 640, 480), None);
        let third = pass(HYBRID, Size::Factor(3), false);
        assert_eq!(resolve(&third, 120, 120), None);
        let rqrr = pass(Decoder::Rqrr, Size::AtMost(MAX_RQRR_SIDE), false);
        assert_eq!(resolve(&rqrr, 1280, 720), Some(Variant::Downscaled(2)));
    }

    #[test]
    fn corners_estimated_past_the_edge_are_kept_inside_the_frame() {
        // Found by the fuzz corpus (fuzz/corpus/scan_frame): a code without a quiet zone filling a
        // 42x42 frame was reported with corners at 42.5.
        let d = Detection {
            text: "x".into(),
            corners: [Point { x: 0.5, y: -0.25 }, Point { x: 21.25, y: 0.5 }, Point { x: 21.25, y: 21.25 }, Point { x: f32::NAN, y: 10.0 }],
            structured_append: None,
        };
        let code = to_input_coords(d, 2.0, 42, 42);
        assert_eq!(code.corners[0], Point { x: 1.0, y: 0.0 });
        assert_eq!(code.corners[2], Point { x: 42.0, y: 42.0 });
        for p in code.corners {
            assert!((0.0..=42.0).contains(&p.x) && (0.0..=42.0).contains(&p.y), "{p:?}");
        }
    }
}
