//! rxing's port of the zxing-cpp QR detector and decoder (multiple symbols per image,
//! ECI / Shift_JIS aware text decoding), driven through its building blocks so that the
//! work per image is bounded.
//!
//! rxing's own `QrReader` samples and decodes *every* candidate finder-pattern triple; an
//! image tiled with hundreds of finder-like squares yields tens of thousands of triples
//! (seconds per pass, growing with the square of the pattern count). Here the number of
//! finder patterns and of sampled triples is capped.

use std::panic::{catch_unwind, AssertUnwindSafe};

use rxing::common::cpp_essentials::ConcentricPattern;
use rxing::common::{BitMatrix, DetectorRXingResult, GlobalHistogramBinarizer, HybridBinarizer};
use rxing::qrcode::cpp_port::decoder::Decode;
use rxing::qrcode::cpp_port::detector::{FindFinderPatterns, GenerateFinderPatternSets, SampleQR};
use rxing::{BarcodeFormat, Binarizer, Luma8Source, LuminanceSource, RXingResult, RXingResultMetadataType, RXingResultMetadataValue};

use super::Detection;
use crate::scan::pipeline::MAX_CODES;
use crate::scan::{Point, StructuredAppend};

/// Finder patterns considered per pass; larger ones are kept (they are sorted by size).
const MAX_FINDER_PATTERNS: usize = 120;
/// Candidate finder-pattern triples sampled and decoded per pass (best-scored first).
const MAX_TRIPLES: usize = 600;

/// How the grayscale image is turned into black and white before detection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Threshold {
    /// Local (block-wise) threshold: copes with uneven light; zxing's default.
    Hybrid,
    /// One global threshold from the histogram: better for some flat or low-contrast crops.
    Global,
}

/// Scans a packed `width`x`height` luma buffer; `inverted` scans it as light-on-dark.
pub(crate) fn scan(data: &[u8], width: usize, height: usize, inverted: bool, threshold: Threshold) -> Vec<Detection> {
    guarded(|| {
        let matrix = binarize(data, width, height, inverted, threshold)?;
        Some(read_symbols(&matrix))
    })
    .unwrap_or_default()
}

/// Number of finder-pattern candidates in the image (hybrid threshold): a clutter measure
/// used to keep slower detectors away from pathological images.
pub(crate) fn count_finder_patterns(data: &[u8], width: usize, height: usize, inverted: bool) -> usize {
    guarded(|| {
        let matrix = binarize(data, width, height, inverted, Threshold::Hybrid)?;
        Some(FindFinderPatterns(&matrix, true, 0).len())
    })
    .unwrap_or(usize::MAX)
}

fn guarded<T>(f: impl FnOnce() -> Option<T>) -> Option<T> {
    catch_unwind(AssertUnwindSafe(f)).ok().flatten()
}

fn binarize(data: &[u8], width: usize, height: usize, inverted: bool, threshold: Threshold) -> Option<BitMatrix> {
    let mut source = Luma8Source::new_with_slice(data, width as u32, height as u32).ok()?;
    if inverted {
        source.invert();
    }
    match threshold {
        Threshold::Hybrid => matrix_of(HybridBinarizer::new(source)),
        Threshold::Global => matrix_of(GlobalHistogramBinarizer::new(source)),
    }
}

fn matrix_of<B: Binarizer>(binarizer: B) -> Option<BitMatrix> {
    binarizer.get_black_matrix().ok().cloned()
}

/// Finds finder-pattern triples, samples and decodes them, best-scored first, skipping
/// triples that reuse a pattern of an already decoded symbol.
fn read_symbols(matrix: &BitMatrix) -> Vec<Detection> {
    let mut patterns = FindFinderPatterns(matrix, true, 0);
    if patterns.len() > MAX_FINDER_PATTERNS {
        patterns.sort_by_key(|p| std::cmp::Reverse(p.size));
        patterns.truncate(MAX_FINDER_PATTERNS);
    }
    let mut used: Vec<ConcentricPattern> = Vec::new();
    let mut found = Vec::new();
    for set in GenerateFinderPatternSets(&mut patterns).into_iter().take(MAX_TRIPLES) {
        if [set.bl, set.tl, set.tr].iter().any(|p| used.contains(p)) {
            continue;
        }
        let Ok(sampled) = SampleQR(matrix, &set) else {
            continue;
        };
        let Ok(decoded) = Decode(sampled.getBits()) else {
            continue;
        };
        if !decoded.isValid() {
            continue;
        }
        used.extend([set.bl, set.tl, set.tr]);
        let result = RXingResult::with_decoder_result(decoded, sampled.getPoints(), BarcodeFormat::QR_CODE);
        found.extend(to_detection(&result));
        if found.len() >= MAX_CODES {
            break;
        }
    }
    found
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
