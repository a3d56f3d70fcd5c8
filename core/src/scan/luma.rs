//! Borrowed and owned 8-bit grayscale buffers, validation and downscaling.

use super::ScanError;

/// Largest frame [`super::scan_frame`] accepts, in pixels (40 megapixels).
pub const MAX_FRAME_PIXELS: u64 = 40_000_000;

/// A validated, borrowed luma plane (row `y` starts at `y * stride`).
#[derive(Clone, Copy)]
pub(crate) struct LumaView<'a> {
    data: &'a [u8],
    width: usize,
    height: usize,
    stride: usize,
}

impl<'a> LumaView<'a> {
    /// Checks the geometry of a caller-supplied plane. The last row may be shorter than
    /// `stride` (as camera APIs often hand out), but must hold `width` pixels.
    pub fn new(data: &'a [u8], width: u32, height: u32, stride: u32) -> Result<Self, ScanError> {
        if width == 0 || height == 0 {
            return Err(ScanError::InvalidFrame(format!("empty frame {width}x{height}")));
        }
        if stride < width {
            return Err(ScanError::InvalidFrame(format!("row stride {stride} < width {width}")));
        }
        let pixels = u64::from(width) * u64::from(height);
        if pixels > MAX_FRAME_PIXELS {
            return Err(ScanError::TooLarge(format!("frame {width}x{height} exceeds {MAX_FRAME_PIXELS} pixels")));
        }
        let needed = u64::from(stride) * u64::from(height - 1) + u64::from(width);
        if (data.len() as u64) < needed {
            return Err(ScanError::InvalidFrame(format!("buffer holds {} bytes, {width}x{height} with stride {stride} needs {needed}", data.len())));
        }
        Ok(Self { data, width: width as usize, height: height as usize, stride: stride as usize })
    }

    pub fn width(&self) -> usize {
        self.width
    }

    pub fn height(&self) -> usize {
        self.height
    }

    /// Row `y` (exactly `width` bytes).
    #[inline]
    pub fn row(&self, y: usize) -> &'a [u8] {
        let start = y * self.stride;
        &self.data[start..start + self.width]
    }

    /// The pixels as one contiguous slice when the rows are packed.
    pub fn as_packed(&self) -> Option<&'a [u8]> {
        (self.stride == self.width).then(|| &self.data[..self.width * self.height])
    }

    /// A packed copy of the plane (luma only; used when rows are padded).
    pub fn packed_copy(self) -> Gray {
        let mut data = Vec::with_capacity(self.width * self.height);
        for y in 0..self.height {
            data.extend_from_slice(self.row(y));
        }
        Gray { data, width: self.width, height: self.height }
    }

    /// Box-filter downscale by an integer `factor` (>= 1), dropping partial edge blocks.
    pub fn downscale(&self, factor: usize) -> Gray {
        let factor = factor.max(1);
        if factor == 1 {
            return self.packed_copy();
        }
        let (w, h) = ((self.width / factor).max(1), (self.height / factor).max(1));
        let fx = factor.min(self.width);
        let fy = factor.min(self.height);
        let area = (fx * fy) as u32;
        let mut sums = vec![0u32; w];
        let mut data = Vec::with_capacity(w * h);
        for oy in 0..h {
            sums.iter_mut().for_each(|s| *s = 0);
            for y in oy * fy..oy * fy + fy {
                let row = self.row(y);
                for (ox, sum) in sums.iter_mut().enumerate() {
                    *sum += row[ox * fx..ox * fx + fx].iter().map(|&p| u32::from(p)).sum::<u32>();
                }
            }
            data.extend(sums.iter().map(|&s| ((s + area / 2) / area) as u8));
        }
        Gray { data, width: w, height: h }
    }
}

/// An owned, packed 8-bit grayscale image.
#[derive(Clone)]
pub(crate) struct Gray {
    pub data: Vec<u8>,
    pub width: usize,
    pub height: usize,
}

impl Gray {
    pub fn view(&self) -> LumaView<'_> {
        LumaView { data: &self.data, width: self.width, height: self.height, stride: self.width }
    }
}

impl LumaView<'_> {
    /// Bilinear 2x upscale (pixel centres preserved: output (x, y) samples input
    /// ((x + 0.5) / 2 - 0.5, (y + 0.5) / 2 - 0.5)). Helps the detector on tiny modules.
    pub fn upscale2(&self) -> Gray {
        let (w, h) = (self.width, self.height);
        let (ow, oh) = (w * 2, h * 2);
        let mut data = Vec::with_capacity(ow * oh);
        // Source index and weight (in quarters) of the lower neighbour for output i.
        let tap = |i: usize, n: usize| -> (usize, usize, u32) {
            if i.is_multiple_of(2) {
                let lo = (i / 2).saturating_sub(1);
                (lo, (i / 2).min(n - 1), if i == 0 { 0 } else { 1 })
            } else {
                let lo = i / 2;
                (lo, (lo + 1).min(n - 1), 3)
            }
        };
        for oy in 0..oh {
            let (y0, y1, wy) = tap(oy, h);
            let (r0, r1) = (self.row(y0), self.row(y1));
            for ox in 0..ow {
                let (x0, x1, wx) = tap(ox, w);
                // Weights: `wx` quarters on x0 and 4 - wx on x1 (same for y).
                let top = u32::from(r0[x0]) * wx + u32::from(r0[x1]) * (4 - wx);
                let bottom = u32::from(r1[x0]) * wx + u32::from(r1[x1]) * (4 - wx);
                data.push(((top * wy + bottom * (4 - wy) + 8) / 16) as u8);
            }
        }
        Gray { data, width: ow, height: oh }
    }
}

/// Smallest integer factor that brings the longer side of `width`x`height` to at most `max_side`.
pub(crate) fn factor_for(width: usize, height: usize, max_side: usize) -> usize {
    let longest = width.max(height);
    longest.div_ceil(max_side.max(1)).max(1)
}

/// Smallest integer factor that brings `width`x`height` to at most `max_pixels` pixels.
pub(crate) fn factor_for_pixels(width: usize, height: usize, max_pixels: usize) -> usize {
    let mut factor = 1;
    while (width / factor).saturating_mul(height / factor) > max_pixels.max(1) {
        factor += 1;
    }
    factor
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_bad_geometry() {
        assert!(matches!(LumaView::new(&[], 0, 0, 0), Err(ScanError::InvalidFrame(_))));
        assert!(matches!(LumaView::new(&[0; 100], 10, 10, 9), Err(ScanError::InvalidFrame(_))));
        assert!(matches!(LumaView::new(&[0; 99], 10, 10, 10), Err(ScanError::InvalidFrame(_))));
        assert!(matches!(LumaView::new(&[0; 10], 100_000, 100_000, 100_000), Err(ScanError::TooLarge(_))));
        // Short last row is fine.
        assert!(LumaView::new(&[0; 12 * 9 + 10], 10, 10, 12).is_ok());
    }

    #[test]
    fn factors_bring_images_within_limits() {
        // (width, height, limit, factor)
        for (w, h, max_side, side_factor) in [(640, 480, 2048, 1), (2049, 100, 2048, 2), (4000, 3000, 640, 7)] {
            assert_eq!(factor_for(w, h, max_side), side_factor, "{w}x{h} to {max_side} px");
        }
        for (w, h, max_pixels, pixel_factor) in [(1280, 720, 5_000_000, 1), (2400, 1800, 5_000_000, 1), (4000, 3000, 5_000_000, 2), (7300, 5470, 5_000_000, 3)]
        {
            assert_eq!(factor_for_pixels(w, h, max_pixels), pixel_factor, "{w}x{h} to {max_pixels} pixels");
        }
    }

    #[test]
    fn downscale_averages_blocks() {
        let data = [0u8, 255, 10, 10, 255, 0, 10, 10, 7, 7, 7, 7];
        let v = LumaView::new(&data, 3, 3, 4).unwrap();
        let g = v.downscale(2);
        assert_eq!((g.width, g.height), (1, 1));
        assert_eq!(g.data, vec![128]);
    }
}
