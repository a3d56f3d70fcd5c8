//! Turning gray pixels into black and white: zxing's block threshold (the first pass), a
//! low-contrast variant of it for glare, and a Sauvola local threshold, as pure functions over a
//! packed luma buffer that write a packed bit image (set bit = dark).
//!
//! Written here rather than taken from rxing's binarizers because every pass pays for one:
//! these read the luma in place, write 64 pixels per store and invert for free.

use super::enhance::window_rows;

/// A packed bit image: row `y` is `words_per_row` little-endian 64-bit words, bit `x % 64` of
/// word `x / 64` set when pixel `x` is dark.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct BitImage {
    pub width: usize,
    pub height: usize,
    pub words_per_row: usize,
    pub words: Vec<u64>,
}

impl BitImage {
    fn new(width: usize, height: usize) -> Self {
        let words_per_row = width.div_ceil(64);
        BitImage { width, height, words_per_row, words: vec![0; words_per_row * height] }
    }

    /// Whether pixel (`x`, `y`) is dark.
    pub fn get(&self, x: usize, y: usize) -> bool {
        self.words[y * self.words_per_row + x / 64] >> (x % 64) & 1 == 1
    }

    /// Row `y`'s words.
    pub fn row(&self, y: usize) -> &[u64] {
        &self.words[y * self.words_per_row..(y + 1) * self.words_per_row]
    }

    /// Sets row `y` from per-pixel thresholds: pixel `x` is dark when `dark(x)`.
    fn fill_row(&mut self, y: usize, mut dark: impl FnMut(usize) -> bool) {
        let (width, start) = (self.width, y * self.words_per_row);
        for (w, word) in self.words[start..start + self.words_per_row].iter_mut().enumerate() {
            let x0 = w * 64;
            let mut bits = 0u64;
            for bit in 0..(width - x0).min(64) {
                bits |= u64::from(dark(x0 + bit)) << bit;
            }
            *word = bits;
        }
    }
}

/// Parameters of the block threshold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct BlockThreshold {
    /// Blocks whose brightness spans at most this are taken as flat (background, unless their
    /// neighbours say otherwise) instead of being split into black and white.
    pub min_range: u8,
    /// The threshold of a block is the mean of the block black points within this many blocks.
    pub radius: usize,
}

impl BlockThreshold {
    /// zxing's `HybridBinarizer`: 8x8 blocks, flat below a range of 24, 5x5-block averaging.
    pub const ZXING: BlockThreshold = BlockThreshold { min_range: 24, radius: 2 };
    /// For glare and washed-out photos: a code under a bright veil keeps only a few levels of
    /// contrast, which zxing's threshold flattens to white; 3x3-block averaging follows the
    /// veil's quick changes of brightness.
    pub const LOW_CONTRAST: BlockThreshold = BlockThreshold { min_range: 6, radius: 1 };
}

const BLOCK: usize = 8;

/// zxing's hybrid (block) threshold with `params`; `inverted` treats light pixels as dark.
/// Images smaller than 5x5 blocks fall back to one global threshold (the mean).
pub(crate) fn block_threshold(data: &[u8], width: usize, height: usize, params: BlockThreshold, inverted: bool) -> BitImage {
    let mut out = BitImage::new(width, height);
    let needed = BLOCK * (2 * params.radius + 1);
    if width < needed || height < needed {
        let mean = (data.iter().map(|&v| u64::from(v)).sum::<u64>() / (width * height).max(1) as u64) as u8;
        for y in 0..height {
            let row = &data[y * width..(y + 1) * width];
            out.fill_row(y, |x| (row[x] <= mean) != inverted);
        }
        return out;
    }
    let (bw, bh) = (width.div_ceil(BLOCK), height.div_ceil(BLOCK));
    let black = block_black_points(data, width, height, bw, bh, params.min_range, inverted);
    let thresholds = block_means(&black, bw, bh, params.radius);
    // A pixel is dark when at most its block's threshold (inverted: when at least 255 minus
    // it), eight pixels at a time. Pixels past the last whole block use the last threshold.
    let whole = width / BLOCK;
    let mut lanes = vec![0u64; bw];
    for y in 0..height {
        let by = (y / BLOCK).min(bh - 1);
        if y % BLOCK == 0 || y / BLOCK >= bh {
            for (lane, &t) in lanes.iter_mut().zip(&thresholds[by * bw..(by + 1) * bw]) {
                *lane = broadcast(if inverted { 255 - t } else { t });
            }
        }
        let row = &data[y * width..(y + 1) * width];
        let words = &mut out.words[y * out.words_per_row..(y + 1) * out.words_per_row];
        if inverted {
            threshold_row::<true>(row, &lanes[..whole], words);
        } else {
            threshold_row::<false>(row, &lanes[..whole], words);
        }
        let t = thresholds[by * bw + bw - 1];
        for x in whole * BLOCK..width {
            let dark = if inverted { row[x] >= 255 - t } else { row[x] <= t };
            words[x / 64] |= u64::from(dark) << (x % 64);
        }
    }
    out
}

/// One row against per-block broadcast thresholds (`lanes`, one per whole block), written
/// into `words` a word (eight blocks) at a time.
fn threshold_row<const INVERTED: bool>(row: &[u8], lanes: &[u64], words: &mut [u64]) {
    let mask = |pixels: &[u8], lane: u64| {
        let pixels = u64::from_le_bytes(pixels.try_into().expect("block width"));
        u64::from(if INVERTED { at_most_mask(lane, pixels) } else { at_most_mask(pixels, lane) })
    };
    let full = lanes.len() / 8;
    for ((word, pixels), lanes) in words.iter_mut().zip(row.chunks_exact(64)).zip(lanes.chunks_exact(8)) {
        let mut bits = 0u64;
        for b in 0..8 {
            bits |= mask(&pixels[b * BLOCK..b * BLOCK + BLOCK], lanes[b]) << (b * 8);
        }
        *word = bits;
    }
    if full < words.len() {
        let mut bits = 0u64;
        for (b, &lane) in lanes[full * 8..].iter().enumerate() {
            let x = (full * 8 + b) * BLOCK;
            bits |= mask(&row[x..x + BLOCK], lane) << (b * 8);
        }
        words[full] = bits;
    }
}

/// The mean of each block's (2 `radius` + 1)^2 neighbourhood of black points, the
/// neighbourhood shifted inwards at the edges (as zxing's is); separable box sums.
fn block_means(black: &[u32], bw: usize, bh: usize, radius: usize) -> Vec<u8> {
    let side = 2 * radius + 1;
    // Row sums over `side` blocks starting at each clamped left edge.
    let mut rows = vec![0u32; bw * bh];
    for by in 0..bh {
        let line = &black[by * bw..(by + 1) * bw];
        for bx in 0..bw {
            let left = bx.clamp(radius, bw - 1 - radius) - radius;
            rows[by * bw + bx] = line[left..left + side].iter().sum();
        }
    }
    let n = (side * side) as u32;
    let mut means = vec![0u8; bw * bh];
    for by in 0..bh {
        let top = by.clamp(radius, bh - 1 - radius) - radius;
        for bx in 0..bw {
            let sum: u32 = (top..top + side).map(|yy| rows[yy * bw + bx]).sum();
            means[by * bw + bx] = (sum / n) as u8;
        }
    }
    means
}

/// `v` in all eight bytes.
fn broadcast(v: u8) -> u64 {
    u64::from(v) * 0x0101_0101_0101_0101
}

/// For eight byte lanes, bit `i` set when byte `i` of `x` is at most byte `i` of `y` (unsigned;
/// SIMD within a register, so it is fast without platform intrinsics).
#[inline(always)]
fn at_most_mask(x: u64, y: u64) -> u8 {
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // Per byte, the high bit of `low` is set when y's low 7 bits >= x's (no borrow between bytes).
    let low = (y | HIGH) - (x & !HIGH);
    let le = ((y & !x) | (!(x ^ y) & low)) & HIGH;
    // Gather the eight high bits into one byte, lane i to bit i.
    ((le >> 7).wrapping_mul(0x0102_0408_1020_4080) >> 56) as u8
}

/// Per-block black points, as zxing's `HybridBinarizer::calculateBlackPoints`: the block mean,
/// or, for a block spanning at most `min_range`, half its minimum (light background) unless the
/// neighbours' black points say it is dark.
fn block_black_points(data: &[u8], width: usize, height: usize, bw: usize, bh: usize, min_range: u8, inverted: bool) -> Vec<u32> {
    let mut black = vec![0u32; bw * bh];
    let mut stats = vec![(0u32, u8::MAX, 0u8); bw];
    // Column sums, minima and maxima over a block row's eight pixel rows: plain element-wise
    // loops, which the compiler vectorises.
    let (mut sum, mut lo, mut hi) = (vec![0u16; width], vec![u8::MAX; width], vec![0u8; width]);
    for by in 0..bh {
        let y0 = (by * BLOCK).min(height - BLOCK);
        sum.fill(0);
        lo.fill(u8::MAX);
        hi.fill(0);
        for y in y0..y0 + BLOCK {
            let row = &data[y * width..(y + 1) * width];
            let (sum, lo, hi) = (&mut sum[..width], &mut lo[..width], &mut hi[..width]);
            for x in 0..width {
                sum[x] += u16::from(row[x]);
                lo[x] = lo[x].min(row[x]);
                hi[x] = hi[x].max(row[x]);
            }
        }
        for (bx, st) in stats.iter_mut().enumerate() {
            let x0 = (bx * BLOCK).min(width - BLOCK);
            let range = x0..x0 + BLOCK;
            *st = (
                sum[range.clone()].iter().map(|&v| u32::from(v)).sum(),
                lo[range.clone()].iter().copied().fold(u8::MAX, u8::min),
                hi[range].iter().copied().fold(0, u8::max),
            );
        }
        for (bx, &(sum, lo, hi)) in stats.iter().enumerate() {
            let (sum, min, max) = if inverted { (255 * (BLOCK * BLOCK) as u32 - sum, 255 - hi, 255 - lo) } else { (sum, lo, hi) };
            let mut point = sum / (BLOCK * BLOCK) as u32;
            if max - min <= min_range {
                point = u32::from(min) / 2;
                if by > 0 && bx > 0 {
                    let neighbours = (black[(by - 1) * bw + bx] + 2 * black[by * bw + bx - 1] + black[(by - 1) * bw + bx - 1]) / 4;
                    if u32::from(min) < neighbours {
                        point = neighbours;
                    }
                }
            }
            black[by * bw + bx] = point;
        }
    }
    black
}

/// zxing's `GlobalHistogramBinarizer`: one threshold for the whole image, at the deepest valley
/// between the two main peaks of a 32-bucket histogram of the middle three fifths of four rows;
/// `None` when the histogram has no two separate peaks (no contrast to threshold).
pub(crate) fn global_threshold(data: &[u8], width: usize, height: usize, inverted: bool) -> Option<BitImage> {
    let value = |v: u8| if inverted { 255 - v } else { v };
    let mut buckets = [0u32; 32];
    for y in 1..5 {
        let row = &data[(height * y / 5).min(height - 1) * width..][..width];
        for &v in &row[width / 5..width * 4 / 5] {
            buckets[usize::from(value(v) >> 3)] += 1;
        }
    }
    let black_point = black_point(&buckets)?;
    let mut out = BitImage::new(width, height);
    for y in 0..height {
        let row = &data[y * width..(y + 1) * width];
        out.fill_row(y, |x| u32::from(value(row[x])) < black_point);
    }
    Some(out)
}

/// The valley between the two highest (distance-weighted) peaks of `buckets`, in luma units.
fn black_point(buckets: &[u32; 32]) -> Option<u32> {
    let max_count = buckets.iter().copied().max().unwrap_or(0);
    // The first index of the maximum, as zxing takes it.
    let mut first = buckets.iter().position(|&b| b == max_count).unwrap_or(0);
    let mut second = 0;
    let mut second_score = 0u64;
    for (x, &b) in buckets.iter().enumerate() {
        let d = x.abs_diff(first) as u64;
        let score = u64::from(b) * d * d;
        if score > second_score {
            second = x;
            second_score = score;
        }
    }
    if first > second {
        std::mem::swap(&mut first, &mut second);
    }
    if second - first <= buckets.len() / 16 {
        return None;
    }
    let mut valley = second - 1;
    let mut valley_score = -1i64;
    for x in (first + 1..second).rev() {
        let from_first = (x - first) as i64;
        let score = from_first * from_first * (second - x) as i64 * i64::from(max_count - buckets[x]);
        if score > valley_score {
            valley = x;
            valley_score = score;
        }
    }
    Some((valley as u32) << 3)
}

/// Sauvola's local threshold: dark when the pixel is below `m * (1 + k * (s / 128 - 1))`, with
/// `m` and `s` the mean and deviation over a `(2 * radius + 1)`-pixel square window (integral
/// images, so the cost does not depend on the window). Copes with shadows and stains where
/// background and ink both change from place to place.
pub(crate) fn sauvola(data: &[u8], width: usize, height: usize, radius: usize, k: f32, inverted: bool) -> BitImage {
    let mut out = BitImage::new(width, height);
    let side = 2 * radius + 1;
    let n = (side * side) as f32;
    window_rows(data, width, height, radius, true, |y, sums, squares| {
        let row = &data[y * width..(y + 1) * width];
        out.fill_row(y, |x| {
            // Inverting maps v to 255 - v: the mean mirrors, the deviation stays.
            let mean = sums[x] as f32 / n;
            let deviation = (squares[x] as f32 / n - mean * mean).max(0.0).sqrt();
            let (mean, v) = if inverted { (255.0 - mean, 255.0 - f32::from(row[x])) } else { (mean, f32::from(row[x])) };
            v <= mean * (1.0 + k * (deviation / 128.0 - 1.0))
        });
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A `w`x`h` image of 4-pixel stripes, dark `lo` and light `hi`.
    fn stripes(w: usize, h: usize, lo: u8, hi: u8) -> Vec<u8> {
        (0..w * h).map(|i| if ((i % w) / 4).is_multiple_of(2) { lo } else { hi }).collect()
    }

    fn dark_fraction(b: &BitImage) -> f32 {
        let dark: usize = (0..b.height).map(|y| (0..b.width).filter(|&x| b.get(x, y)).count()).sum();
        dark as f32 / (b.width * b.height) as f32
    }

    #[test]
    fn stripes_come_out_black_and_white_with_every_threshold() {
        // Strong and weak contrast.
        for (lo, hi) in [(20u8, 235u8), (100, 160)] {
            let img = stripes(96, 80, lo, hi);
            let outputs = [
                block_threshold(&img, 96, 80, BlockThreshold::ZXING, false),
                block_threshold(&img, 96, 80, BlockThreshold::LOW_CONTRAST, false),
                sauvola(&img, 96, 80, 7, 0.2, false),
            ];
            for (i, out) in outputs.iter().enumerate() {
                // Away from the left and right edges, where Sauvola's window is half outside.
                for x in 8..88 {
                    assert_eq!(out.get(x, 40), x / 4 % 2 == 0, "threshold {i}, ({lo}, {hi}), pixel {x}");
                }
            }
        }
    }

    #[test]
    fn glare_contrast_needs_the_low_contrast_threshold() {
        // A code under a bright veil: only 12 levels between ink and paper.
        let img = stripes(96, 80, 232, 244);
        assert!(dark_fraction(&block_threshold(&img, 96, 80, BlockThreshold::ZXING, false)) < 0.05);
        let low = block_threshold(&img, 96, 80, BlockThreshold::LOW_CONTRAST, false);
        assert!((0..96).all(|x| low.get(x, 40) == (x / 4 % 2 == 0)));
    }

    #[test]
    fn flat_areas_stay_light() {
        let img = vec![180u8; 96 * 80];
        for out in [block_threshold(&img, 96, 80, BlockThreshold::ZXING, false), sauvola(&img, 96, 80, 7, 0.2, false)] {
            assert_eq!(dark_fraction(&out), 0.0);
        }
    }

    #[test]
    fn inverting_swaps_dark_and_light() {
        let img = stripes(96, 80, 20, 235);
        let plain = block_threshold(&img, 96, 80, BlockThreshold::ZXING, false);
        let inverted = block_threshold(&img, 96, 80, BlockThreshold::ZXING, true);
        assert!((0..96).all(|x| plain.get(x, 10) != inverted.get(x, 10)));
        let s = sauvola(&img, 96, 80, 7, 0.2, true);
        assert!((0..96).all(|x| s.get(x, 10) != plain.get(x, 10)));
    }

    #[test]
    fn global_threshold_splits_two_peaks_and_refuses_one() {
        let img = stripes(100, 50, 40, 200);
        let out = global_threshold(&img, 100, 50, false).unwrap();
        assert!((0..100).all(|x| out.get(x, 25) == (x / 4 % 2 == 0)));
        // (buckets with two peaks, black point between them)
        let mut two = [0u32; 32];
        two[5] = 100;
        two[25] = 80;
        two[14] = 3;
        let point = black_point(&two).unwrap();
        assert!((6 << 3..25 << 3).contains(&point), "{point}");
        let mut one = [0u32; 32];
        one[10] = 100;
        one[11] = 50;
        assert_eq!(black_point(&one), None);
        // A flat image has nothing dark (zxing still finds a "valley" below its one peak).
        let flat = global_threshold(&vec![128u8; 100 * 50], 100, 50, false);
        assert!(flat.is_none_or(|b| dark_fraction(&b) == 0.0));
    }

    #[test]
    fn small_images_use_one_threshold() {
        let img = stripes(20, 12, 30, 220);
        let out = block_threshold(&img, 20, 12, BlockThreshold::ZXING, false);
        assert!((0..20).all(|x| out.get(x, 5) == (x / 4 % 2 == 0)));
    }

    #[test]
    fn eight_lane_comparison_matches_bytewise() {
        let lanes = [0u8, 1, 127, 128, 129, 200, 254, 255];
        for &a in &lanes {
            for &b in &lanes {
                let x = u64::from_le_bytes([a, b, a, b, 0, 255, b, a]);
                let y = u64::from_le_bytes([b, a, a, 0, b, b, 255, 0]);
                let (xs, ys) = (x.to_le_bytes(), y.to_le_bytes());
                let expected = (0..8).fold(0u8, |m, i| m | (u8::from(xs[i] <= ys[i]) << i));
                assert_eq!(at_most_mask(x, y), expected, "{xs:?} <= {ys:?}");
            }
        }
    }

    #[test]
    fn rows_wider_than_a_word_are_packed() {
        let img = stripes(130, 48, 10, 240);
        let out = block_threshold(&img, 130, 48, BlockThreshold::ZXING, false);
        assert_eq!(out.words_per_row, 3);
        assert_eq!(out.row(0).len(), 3);
        assert!(out.get(128, 0) && !out.get(124, 0));
    }
}
