//! rxing's port of the zxing-cpp QR detector and decoder (multiple symbols per image,
//! ECI / Shift_JIS aware text decoding), driven through its building blocks so that the
//! work per image is bounded.
//!
//! rxing's own `QrReader` samples and decodes *every* candidate finder-pattern triple; an
//! image tiled with hundreds of finder-like squares yields tens of thousands of triples
//! (seconds per pass, growing with the square of the pattern count). Here the patterns per
//! pass and the sets sampled per scan are bounded by the image's size (see
//! [`crate::scan::budget`]), and the sets are grouped and ranked by
//! [`crate::scan::finder_sets`].

use std::panic::{catch_unwind, AssertUnwindSafe};

use rxing::common::cpp_essentials::DecoderResult;
use rxing::common::{BitArray, BitMatrix, DetectorRXingResult};
use rxing::qrcode::cpp_port::decoder::Decode;
use rxing::qrcode::cpp_port::detector::{FinderPatternSet, SampleQR};
use rxing::{BarcodeFormat, RXingResult, RXingResultMetadataType, RXingResultMetadataValue};

use super::finder_search::find_finder_patterns;
use super::Detection;
use crate::scan::budget::{self, SetBudget};
use crate::scan::finder_sets::{guesses, plausible_pairs, plausible_sets, Finder, FinderSet};
use crate::scan::resample::{read_modules, ModuleGrid};
use crate::scan::threshold::{block_threshold, global_threshold, sauvola, BitImage, BlockThreshold};
use crate::scan::MAX_CODES;
use crate::scan::{Point, StructuredAppend};

/// Sets ranked per pass (sampling stops earlier when the scan's budget of failures is spent).
const MAX_SETS_PER_PASS: usize = 4096;
/// Pairs of finder patterns considered per pass for a guessed third corner.
const MAX_PAIRS: usize = 16;
/// Undecoded sets scoring at most this (see [`FinderSet::score`]) suggest a symbol is there.
const LEFTOVER_SCORE: f32 = 1.0;

/// How the grayscale image is turned into black and white before detection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Threshold {
    /// zxing's local (block) threshold: copes with uneven light; the first pass.
    Hybrid,
    /// The block threshold for low contrast (glare, washed-out photos).
    LowContrast,
    /// Sauvola's local threshold over a window of this radius in pixels.
    Sauvola(usize),
    /// One global threshold from the histogram: better for some flat or low-contrast crops.
    Global,
}

/// What one pass found.
#[derive(Debug, Default)]
pub(crate) struct PassOutcome {
    /// The decoded symbols.
    pub detections: Vec<Detection>,
    /// Plausible finder-pattern sets left undecoded, away from every known symbol: a hint that
    /// the image holds more codes than were read.
    pub leftover_sets: usize,
    /// The finder search hit its cap: noise, dense texture or a hostile frame.
    pub cluttered: bool,
}

/// Scans a packed `width`x`height` luma buffer; `inverted` scans it as light-on-dark.
/// Sets lying inside one of the `known` symbols (corners in this buffer's pixels) are skipped;
/// every set sampled is taken from `budget`.
pub(crate) fn scan(
    data: &[u8],
    width: usize,
    height: usize,
    inverted: bool,
    threshold: Threshold,
    known: &[[Point; 4]],
    budget: &mut SetBudget,
) -> PassOutcome {
    guarded(|| {
        let matrix = binarize(data, width, height, inverted, threshold)?;
        let gray = GrayView { data, width, height, inverted };
        Some(read_symbols(&matrix, &gray, known, budget))
    })
    .unwrap_or_default()
}

/// Number of finder-pattern candidates in a black-and-white image: a clutter measure used to
/// keep slower detectors away from pathological images.
pub(crate) fn count_finder_patterns(bits: &BitImage) -> usize {
    guarded(|| {
        let matrix = to_bit_matrix(bits)?;
        Some(find_finder_patterns(&matrix, budget::max_located(bits.width, bits.height)).0.len())
    })
    .unwrap_or(usize::MAX)
}

fn guarded<T>(f: impl FnOnce() -> Option<T>) -> Option<T> {
    catch_unwind(AssertUnwindSafe(f)).ok().flatten()
}

fn binarize(data: &[u8], width: usize, height: usize, inverted: bool, threshold: Threshold) -> Option<BitMatrix> {
    let bits = match threshold {
        Threshold::Hybrid => block_threshold(data, width, height, BlockThreshold::ZXING, inverted),
        Threshold::LowContrast => block_threshold(data, width, height, BlockThreshold::LOW_CONTRAST, inverted),
        Threshold::Sauvola(radius) => sauvola(data, width, height, radius, SAUVOLA_K, inverted),
        Threshold::Global => global_threshold(data, width, height, inverted)?,
    };
    to_bit_matrix(&bits)
}

/// Sauvola's sensitivity to local contrast (0.2 is the usual choice for print).
const SAUVOLA_K: f32 = 0.2;

/// Copies a packed bit image into rxing's matrix, a 64-bit word at a time.
fn to_bit_matrix(bits: &BitImage) -> Option<BitMatrix> {
    let mut matrix = BitMatrix::new(bits.width as u32, bits.height as u32).ok()?;
    let mut row = BitArray::with_size(bits.width);
    for y in 0..bits.height {
        for (i, &word) in bits.row(y).iter().enumerate() {
            row.setBulk(i * 64, word as usize);
        }
        matrix.setRow(y as u32, &row);
    }
    Some(matrix)
}

/// Finds finder patterns, decodes the plausible sets of three best first, then tries pairs
/// left without a third, and reports how many plausible sets stayed unread.
fn read_symbols(matrix: &BitMatrix, gray: &GrayView<'_>, known: &[[Point; 4]], budget: &mut SetBudget) -> PassOutcome {
    let (w, h) = (matrix.width() as usize, matrix.height() as usize);
    let (mut patterns, cluttered) = find_finder_patterns(matrix, budget::max_located(w, h));
    let cap = budget::max_finder_patterns(w, h);
    if patterns.len() > cap {
        // Larger ones are less likely to be noise.
        patterns.sort_by_key(|p| std::cmp::Reverse(p.size));
        patterns.truncate(cap);
    }
    let finders: Vec<Finder> = patterns.iter().map(|p| Finder { x: p.p.x, y: p.p.y, size: p.size as f32 }).collect();
    let sets = plausible_sets(&finders, MAX_SETS_PER_PASS);
    let mut read = Symbols { finders: &finders, used: vec![false; finders.len()], known: known.to_vec(), detections: Vec::new() };

    for set in &sets {
        if read.detections.len() >= MAX_CODES {
            break;
        }
        if set.members().iter().any(|&i| read.used[i] || read.near_known(i, known.len())) {
            continue;
        }
        if !budget.take() {
            break;
        }
        let corners = FinderPatternSet { bl: patterns[set.bl], tl: patterns[set.tl], tr: patterns[set.tr] };
        let Ok(sampled) = SampleQR(matrix, &corners) else {
            continue;
        };
        let result = match Decode(sampled.getBits()) {
            Ok(result) if result.isValid() => Some(result),
            _ => reread(gray, sampled.getBits().width() as usize, sampled.getPoints(), budget),
        };
        if let Some(result) = result {
            budget.refund();
            read.add(&set.members(), &RXingResult::with_decoder_result(result, sampled.getPoints(), BarcodeFormat::QR_CODE));
        }
    }
    read_guessed(&mut read, gray, budget);

    let leftover = |s: &&FinderSet| s.score <= LEFTOVER_SCORE && !s.members().iter().any(|&i| read.used[i] || read.near_known(i, read.known.len()));
    let leftover_sets = sets.iter().filter(leftover).count();
    PassOutcome { detections: read.detections, leftover_sets, cluttered }
}

/// What a pass has read so far.
struct Symbols<'a> {
    finders: &'a [Finder],
    /// Finders that are corners of a decoded symbol.
    used: Vec<bool>,
    /// Symbols known before the pass, then the ones it decoded (corners in this buffer).
    known: Vec<[Point; 4]>,
    detections: Vec<Detection>,
}

impl Symbols<'_> {
    /// Whether finder `i` lies inside one of the first `count` known symbols.
    fn near_known(&self, i: usize, count: usize) -> bool {
        let c = Point { x: self.finders[i].x, y: self.finders[i].y };
        self.known[..count].iter().any(|quad| inside(quad, c))
    }

    /// Records a symbol decoded from finders `members`.
    fn add(&mut self, members: &[usize], result: &RXingResult) {
        members.iter().for_each(|&i| self.used[i] = true);
        if let Some(d) = to_detection(result) {
            self.known.push(d.corners);
            self.detections.push(d);
        }
    }
}

/// Two finder patterns left without a third (lost to glare, a bright spot or damage): guesses
/// where the third was and reads the symbol from the gray pixels.
fn read_guessed(read: &mut Symbols<'_>, gray: &GrayView<'_>, budget: &mut SetBudget) {
    let skip: Vec<bool> = (0..read.finders.len()).map(|i| read.used[i] || read.near_known(i, read.known.len())).collect();
    for (i, j) in plausible_pairs(read.finders, &skip, MAX_PAIRS) {
        if read.detections.len() >= MAX_CODES {
            return;
        }
        if read.used[i] || read.used[j] {
            continue;
        }
        for guess in guesses(read.finders[i], read.finders[j]) {
            if !budget.take_modules(guess.dimension) {
                continue;
            }
            let pt = |(x, y): (f32, f32)| Point { x, y };
            let Some(grid) = ModuleGrid::from_finders(guess.dimension, pt(guess.tl), pt(guess.tr), pt(guess.bl), None) else {
                continue;
            };
            if let Some(result) = decode_modules(gray, &grid) {
                // In the sampler's order: top-left, top-right, bottom-left, bottom-right.
                let [tl, tr, br, bl] = grid.corners();
                let points = [tl, tr, bl, br].map(|p| rxing::Point { x: p.x, y: p.y });
                read.add(&[i, j], &RXingResult::with_decoder_result(result, &points, BarcodeFormat::QR_CODE));
                break;
            }
        }
    }
}

/// The gray pixels a pass binarised, for re-reading modules.
struct GrayView<'a> {
    data: &'a [u8],
    width: usize,
    height: usize,
    inverted: bool,
}

/// Reads a symbol rxing sampled but could not decode again from the gray pixels (see
/// [`crate::scan::resample`]). `points` are the sampler's corners (top-left, top-right,
/// bottom-left, bottom-right, half a pixel off).
fn reread(gray: &GrayView<'_>, dimension: usize, points: &[rxing::Point], budget: &mut SetBudget) -> Option<DecoderResult<bool>> {
    let &[tl, tr, bl, br] = points else {
        return None;
    };
    if !budget.take_modules(dimension) {
        return None;
    }
    let corner = |p: rxing::Point| Point { x: p.x - 0.5, y: p.y - 0.5 };
    let grid = ModuleGrid::from_corners(dimension, [corner(tl), corner(tr), corner(br), corner(bl)])?;
    decode_modules(gray, &grid)
}

/// Reads `grid`'s modules from the gray pixels and decodes them.
fn decode_modules(gray: &GrayView<'_>, grid: &ModuleGrid) -> Option<DecoderResult<bool>> {
    let n = grid.dimension();
    let modules = read_modules(gray.data, gray.width, gray.height, grid)?;
    let mut bits = BitMatrix::new(n as u32, n as u32).ok()?;
    for (i, &dark) in modules.iter().enumerate() {
        if dark != gray.inverted {
            bits.set((i % n) as u32, (i / n) as u32);
        }
    }
    Decode(&bits).ok().filter(|r| r.isValid())
}

/// Whether `p` lies inside the convex quadrilateral `quad` (either winding).
fn inside(quad: &[Point; 4], p: Point) -> bool {
    let mut sign = 0.0f32;
    for i in 0..4 {
        let (a, b) = (quad[i], quad[(i + 1) % 4]);
        let cross = (b.x - a.x) * (p.y - a.y) - (b.y - a.y) * (p.x - a.x);
        if cross * sign < 0.0 {
            return false;
        }
        if cross != 0.0 {
            sign = cross;
        }
    }
    true
}

fn to_detection(result: &RXingResult) -> Option<Detection> {
    let points = result.getPoints();
    if points.len() < 4 {
        return None;
    }
    // The cpp-port sampler gives top-left, top-right, bottom-left, bottom-right; the API
    // promises a polygon (top-left, top-right, bottom-right, bottom-left).
    let corners = [0, 1, 3, 2].map(|i| Point { x: points[i].x, y: points[i].y });
    let meta = result.getRXingResultMetadata();
    // rxing's cpp-port decoder stores the symbol count under the PARITY key and the
    // zero-based position under SEQUENCE; both are -1 for a stand-alone symbol.
    let index = match meta.get(&RXingResultMetadataType::STRUCTURED_APPEND_SEQUENCE) {
        Some(RXingResultMetadataValue::StructuredAppendSequence(i)) => *i,
        _ => -1,
    };
    let count = match meta.get(&RXingResultMetadataType::STRUCTURED_APPEND_PARITY) {
        Some(RXingResultMetadataValue::StructuredAppendParity(c)) => *c,
        _ => -1,
    };
    let structured_append = (index >= 0 && count > 1 && index < count && count <= 16).then_some(StructuredAppend { index: index as u8, count: count as u8 });
    Some(Detection { text: result.getText().to_owned(), corners, structured_append })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rxing::common::{GlobalHistogramBinarizer, HybridBinarizer};
    use rxing::{Binarizer, Luma8Source, LuminanceSource};

    #[test]
    fn thresholds_match_rxings_binarizers() {
        // A noisy scene: gradients, bars and texture (xorshift noise).
        let (w, h) = (203usize, 141usize);
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        let data: Vec<u8> = (0..w * h)
            .map(|i| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                let (x, y) = (i % w, i / w);
                let base = 60.0 + 120.0 * ((x as f32 / 23.0).sin() * (y as f32 / 17.0).cos()).abs();
                let bar = if (x / 6 + y / 9) % 3 == 0 { -40.0 } else { 0.0 };
                (base + bar + (state % 13) as f32).clamp(0.0, 255.0) as u8
            })
            .collect();
        for inverted in [false, true] {
            let ours = to_bit_matrix(&block_threshold(&data, w, h, BlockThreshold::ZXING, inverted)).unwrap();
            let mut source = Luma8Source::new_with_slice(&data, w as u32, h as u32).unwrap();
            if inverted {
                source.invert();
            }
            let theirs = HybridBinarizer::new(source.clone()).get_black_matrix().unwrap().clone();
            // zxing lets the last, overlapping block row and column add dark pixels; away from
            // them the two must agree exactly.
            for y in 0..h - 8 {
                for x in 0..w - 8 {
                    assert_eq!(ours.get(x as u32, y as u32), theirs.get(x as u32, y as u32), "({x}, {y}) inverted {inverted}");
                }
            }
            let ours = to_bit_matrix(&global_threshold(&data, w, h, inverted).unwrap()).unwrap();
            let theirs = GlobalHistogramBinarizer::new(source).get_black_matrix().unwrap().clone();
            assert_eq!(ours, theirs, "global, inverted {inverted}");
        }
    }

    #[test]
    fn inside_a_quadrilateral() {
        let quad = [Point { x: 0.0, y: 0.0 }, Point { x: 10.0, y: 0.0 }, Point { x: 12.0, y: 10.0 }, Point { x: 0.0, y: 10.0 }];
        let mut reversed = quad;
        reversed.reverse();
        // (point, inside)
        for (x, y, expected) in [(5.0, 5.0, true), (11.0, 9.0, true), (11.0, 1.0, false), (-1.0, 5.0, false), (5.0, 10.5, false), (0.0, 0.0, true)] {
            let p = Point { x, y };
            assert_eq!(inside(&quad, p), expected, "({x}, {y})");
            assert_eq!(inside(&reversed, p), expected, "({x}, {y}) reversed");
        }
    }
}
