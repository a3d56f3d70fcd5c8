//! The order in which decoders and image variants are tried.
//!
//! Passes run in order. Once a pass has found a code the remaining passes are skipped unless
//! the image plausibly holds more (a pass left well-formed finder-pattern sets undecoded away
//! from every symbol read); then only the passes that find more codes in such photos run, not
//! the rescue passes meant for a single hard code. So a clean frame costs one pass, only hard or
//! empty frames pay for the retries, and a photo of many codes keeps looking. Later passes skip
//! sets inside symbols already read; all passes share one budget of failed sets
//! ([`super::budget`]), and a frame that spends it is not scanned further. A pass whose image
//! variant resolves to one already scanned the same way is skipped (e.g. "at most 1024 px" on a
//! 640 px input is the working image again).

use super::budget::SetBudget;
use super::engine::rxing_engine::{self, Threshold};
use super::engine::{rqrr_engine, Detection};
use super::enhance;
use super::luma::{factor_for, factor_for_pixels, Gray, LumaView};
use super::{FoundCode, Point, MAX_CODES};

/// Most pixels of the working image; larger inputs are box-downscaled by an integer factor
/// first (a 12-megapixel photo is scanned at 2000x1500, a 2400x1800 one as it is).
const MAX_WORK_PIXELS: usize = 5_000_000;
/// Most pixels of the full-resolution retry (small codes in large photos).
const MAX_FULL_PIXELS: usize = 16_000_000;
/// Longest side of any rxing variant.
const MAX_WORK_SIDE: usize = 4096;
/// rqrr's cost grows badly with size and candidate count, so it only sees small images.
const MAX_RQRR_SIDE: usize = 640;
/// Smallest side worth scanning after downscaling (a version-1 symbol is 21 modules plus
/// its quiet zone).
const MIN_SIDE: usize = 48;

/// Which image variant a pass scans.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Size {
    /// The working image (the input, box-downscaled to at most [`MAX_WORK_PIXELS`]).
    Work,
    /// The input at full resolution (up to [`MAX_FULL_PIXELS`]), when that is larger than the
    /// working image.
    Full,
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

/// A filter applied to the variant before it is scanned.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Filter {
    None,
    /// Unsharp masking (radius in pixels, amount).
    Sharpen(usize, f32),
}

/// One attempt: a decoder on a variant of the image, optionally filtered, optionally inverted
/// (light-on-dark).
#[derive(Clone, Copy, Debug)]
struct Pass {
    decoder: Decoder,
    size: Size,
    filter: Filter,
    inverted: bool,
    /// Only run while nothing has been found: it rescues single hard codes, and is not worth
    /// its time looking for more codes in a photo that gave some.
    rescue: bool,
}

const fn pass(decoder: Decoder, size: Size, inverted: bool) -> Pass {
    Pass { decoder, size, filter: Filter::None, inverted, rescue: false }
}

const fn filtered(decoder: Decoder, size: Size, filter: Filter) -> Pass {
    Pass { decoder, size, filter, inverted: false, rescue: false }
}

const fn rescue(pass: Pass) -> Pass {
    Pass { rescue: true, ..pass }
}

const HYBRID: Decoder = Decoder::Rxing(Threshold::Hybrid);
const LOW_CONTRAST: Decoder = Decoder::Rxing(Threshold::LowContrast);
/// Unsharp masking over a 9x9 neighbourhood, adding 1.5 times the difference.
const SHARPEN: Filter = Filter::Sharpen(4, 1.5);
const GLOBAL: Decoder = Decoder::Rxing(Threshold::Global);

/// The pass list, cheapest / most productive first. Measured on the shared corpus and the
/// bench's hard set (see the crate README): each retry below rescues images the earlier passes
/// miss.
const PASSES: &[Pass] = &[
    // Normal photos and renders.
    pass(HYBRID, Size::Work, false),
    // Small codes in photos above the working size.
    pass(HYBRID, Size::Full, false),
    // Light-on-dark codes.
    pass(HYBRID, Size::Work, true),
    // Glare and blur: sharpened, then thresholded with a low contrast floor (a code under a
    // bright veil keeps only a few levels of contrast) or as usual.
    rescue(filtered(LOW_CONTRAST, Size::Work, SHARPEN)),
    filtered(HYBRID, Size::Work, SHARPEN),
    // Large modules in high-resolution photos; codes filling the frame.
    pass(HYBRID, Size::AtMost(1024), false),
    rescue(pass(HYBRID, Size::AtMost(640), false)),
    // Blur, JPEG/WebP artefacts and noisy edges: averaging 2x2 / 3x3 blocks cleans them up;
    // a global threshold copes with some low-contrast crops the local one breaks up.
    pass(GLOBAL, Size::Factor(2), false),
    pass(HYBRID, Size::Factor(3), false),
    // Tiny modules in small images (stylised / dotted codes, thumbnails).
    pass(HYBRID, Size::DoubledBelow(512), false),
    // Last tries for glare, blur at half size, and stains and shadows (Sauvola's threshold
    // over a 13x13 window at half size).
    rescue(pass(LOW_CONTRAST, Size::Work, false)),
    rescue(filtered(HYBRID, Size::Factor(2), Filter::Sharpen(3, 1.5))),
    rescue(pass(Decoder::Rxing(Threshold::Sauvola(6)), Size::Factor(2), false)),
    // A different detector (quirc's) for what zxing's misses, e.g. steep or curved views.
    rescue(pass(Decoder::Rqrr, Size::AtMost(MAX_RQRR_SIDE), false)),
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
    let work = factor_for(w, h, cap).max(factor_for_pixels(w, h, MAX_WORK_PIXELS));
    match pass.size {
        Size::Work => Some(Variant::Downscaled(work)),
        Size::Full => {
            let full = factor_for(w, h, cap).max(factor_for_pixels(w, h, MAX_FULL_PIXELS));
            (full < work).then_some(Variant::Downscaled(full))
        }
        Size::AtMost(side) => Some(Variant::Downscaled(factor_for(w, h, side.min(cap)))),
        Size::Factor(f) => (w.min(h) / f >= MIN_SIDE && w.max(h) / f <= cap).then_some(Variant::Downscaled(f)),
        Size::DoubledBelow(limit) => (w.max(h) <= limit.min(cap / 2)).then_some(Variant::Doubled),
    }
}

/// Image variants, built lazily and reused across passes.
struct Variants<'a> {
    input: LumaView<'a>,
    built: Vec<((Variant, Filter), Gray)>,
}

impl<'a> Variants<'a> {
    /// Packed pixels, width and height of `variant` after `filter`.
    fn get(&mut self, variant: Variant, filter: Filter) -> (&[u8], usize, usize) {
        let input = self.input;
        if let (Variant::Downscaled(1), Filter::None, Some(packed)) = (variant, filter, input.as_packed()) {
            return (packed, input.width(), input.height());
        }
        let pos = match self.built.iter().position(|(k, _)| *k == (variant, filter)) {
            Some(pos) => pos,
            None => {
                let gray = match filter {
                    Filter::None => match variant {
                        Variant::Downscaled(factor) => input.downscale(factor),
                        Variant::Doubled => input.upscale2(),
                    },
                    Filter::Sharpen(radius, amount) => {
                        let (data, w, h) = self.get(variant, Filter::None);
                        Gray { data: enhance::unsharp(data, w, h, radius, amount), width: w, height: h }
                    }
                };
                self.built.push(((variant, filter), gray));
                self.built.len() - 1
            }
        };
        let gray = &self.built[pos].1;
        (&gray.data, gray.width, gray.height)
    }
}

/// Runs the pass list on `input` and returns the codes in input coordinates.
pub(crate) fn run(input: LumaView<'_>) -> Vec<FoundCode> {
    let (w, h) = (input.width(), input.height());
    let mut variants = Variants { input, built: Vec::new() };
    let mut tried: Vec<(Decoder, Variant, Filter, bool)> = Vec::new();
    let mut found: Vec<FoundCode> = Vec::new();
    let mut budget = SetBudget::for_image(w, h);
    // Whether some pass left plausible symbols unread.
    let mut more = false;
    // Whether some pass saw so many finder-like hits that its search was cut short.
    let mut cluttered = false;

    for pass in PASSES {
        if !found.is_empty() && (!more || pass.rescue) {
            continue;
        }
        // Rescue passes would see the same clutter again (sharpening makes more of it).
        if cluttered && pass.rescue {
            continue;
        }
        // A frame that spent the whole budget on sets that were no symbols is cluttered or
        // hostile: the other passes would find the same clutter.
        if budget.left() == 0 {
            break;
        }
        let Some(variant) = resolve(pass, w, h) else {
            continue;
        };
        let key = (pass.decoder, variant, pass.filter, pass.inverted);
        if tried.contains(&key) {
            continue;
        }
        tried.push(key);

        let scale = variant.scale();
        let known: Vec<[Point; 4]> = found.iter().map(|c| c.corners.map(|p| Point { x: p.x / scale, y: p.y / scale })).collect();
        let (data, vw, vh) = variants.get(variant, pass.filter);
        let detections = match pass.decoder {
            Decoder::Rxing(threshold) => {
                let outcome = rxing_engine::scan(data, vw, vh, pass.inverted, threshold, &known, &mut budget);
                more |= outcome.leftover_sets > 0;
                cluttered |= outcome.cluttered;
                outcome.detections
            }
            Decoder::Rqrr => rqrr_engine::scan(data, vw, vh, pass.inverted),
        };
        for d in detections {
            add_unique(&mut found, to_input_coords(d, scale, w, h));
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
        assert_eq!(resolve(&work, 1920, 1080), Some(Variant::Downscaled(1)));
        let doubled = pass(HYBRID, Size::DoubledBelow(512), false);
        assert_eq!(resolve(&doubled, 240, 240), Some(Variant::Doubled));
        assert_eq!(resolve(&doubled, 640, 480), None);
        let third = pass(HYBRID, Size::Factor(3), false);
        assert_eq!(resolve(&third, 120, 120), None);
        let rqrr = pass(Decoder::Rqrr, Size::AtMost(MAX_RQRR_SIDE), false);
        assert_eq!(resolve(&rqrr, 1280, 720), Some(Variant::Downscaled(2)));
        // Photos up to about 5 megapixels are scanned as they are, larger ones first at a
        // fraction and then in full.
        assert_eq!(resolve(&work, 2400, 1800), Some(Variant::Downscaled(1)));
        let full = pass(HYBRID, Size::Full, false);
        assert_eq!(resolve(&full, 2400, 1800), None);
        assert_eq!(resolve(&full, 4000, 3000), Some(Variant::Downscaled(1)));
        assert_eq!(resolve(&work, 7300, 5470), Some(Variant::Downscaled(3)));
        assert_eq!(resolve(&full, 7300, 5470), Some(Variant::Downscaled(2)));
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
