//! Reading a symbol's modules from the gray image instead of the black-and-white one.
//!
//! rxing samples each module from the binarised image, where blur, glare or a shadow edge have
//! already turned thin modules the wrong colour. When that decoding fails, the same grid is
//! read again from the gray pixels: each module's brightness at its centre, compared with the
//! mean of the modules around it. The same reading also serves symbols located without rxing's
//! sampler (a corner rebuilt from two finder patterns).

use super::Point;

/// The projective map from module coordinates (0..dimension on each axis, y down) to pixels
/// (pixel (0, 0) covering [0, 1) x [0, 1)).
#[derive(Clone, Copy, Debug)]
pub(crate) struct ModuleGrid {
    dimension: usize,
    // Unit square to the quadrilateral, as in zxing's `PerspectiveTransform::squareToQuadrilateral`.
    a: [f64; 8],
    // Module coordinates of the unit square's (0, 0) corner and its side.
    origin: f64,
    side: f64,
}

impl ModuleGrid {
    /// The grid whose outer corners (top-left, top-right, bottom-right, bottom-left of the
    /// symbol, without quiet zone) are at `corners`.
    pub fn from_corners(dimension: usize, corners: [Point; 4]) -> Option<Self> {
        Self::new(dimension, 0.0, dimension as f64, corners)
    }

    /// The grid whose finder-pattern centres are at `tl`, `tr` and `bl`, with the fourth corner
    /// of the square through them at `br` (the parallelogram's when `None`).
    pub fn from_finders(dimension: usize, tl: Point, tr: Point, bl: Point, br: Option<Point>) -> Option<Self> {
        let br = br.unwrap_or(Point { x: tr.x + bl.x - tl.x, y: tr.y + bl.y - tl.y });
        Self::new(dimension, 3.5, dimension as f64 - 7.0, [tl, tr, br, bl])
    }

    fn new(dimension: usize, origin: f64, side: f64, q: [Point; 4]) -> Option<Self> {
        if dimension < 21 || side <= 0.0 {
            return None;
        }
        let [x0, x1, x2, x3] = q.map(|p| f64::from(p.x));
        let [y0, y1, y2, y3] = q.map(|p| f64::from(p.y));
        let (dx3, dy3) = (x0 - x1 + x2 - x3, y0 - y1 + y2 - y3);
        let a = if dx3.abs() < 1e-9 && dy3.abs() < 1e-9 {
            [x1 - x0, x2 - x1, x0, y1 - y0, y2 - y1, y0, 0.0, 0.0]
        } else {
            let (dx1, dx2, dy1, dy2) = (x1 - x2, x3 - x2, y1 - y2, y3 - y2);
            let den = dx1 * dy2 - dx2 * dy1;
            if den.abs() < 1e-12 {
                return None;
            }
            let a13 = (dx3 * dy2 - dx2 * dy3) / den;
            let a23 = (dx1 * dy3 - dx3 * dy1) / den;
            [x1 - x0 + a13 * x1, x3 - x0 + a23 * x3, x0, y1 - y0 + a13 * y1, y3 - y0 + a23 * y3, y0, a13, a23]
        };
        a.iter().all(|v| v.is_finite()).then_some(ModuleGrid { dimension, a, origin, side })
    }

    /// Modules across the symbol.
    pub fn dimension(&self) -> usize {
        self.dimension
    }

    /// Where module coordinates (`u`, `v`) fall in the image.
    pub fn pixel_at(&self, u: f64, v: f64) -> Point {
        let (s, t) = ((u - self.origin) / self.side, (v - self.origin) / self.side);
        let a = &self.a;
        let w = a[6] * s + a[7] * t + 1.0;
        let w = if w.abs() < 1e-12 { 1e-12 } else { w };
        Point { x: ((a[0] * s + a[1] * t + a[2]) / w) as f32, y: ((a[3] * s + a[4] * t + a[5]) / w) as f32 }
    }

    /// The symbol's outer corners: top-left, top-right, bottom-right, bottom-left.
    pub fn corners(&self) -> [Point; 4] {
        let d = self.dimension as f64;
        [(0.0, 0.0), (d, 0.0), (d, d), (0.0, d)].map(|(u, v)| self.pixel_at(u, v))
    }
}

/// Modules whose mean the threshold of a module is, on each side (a 7x7 neighbourhood).
const NEIGHBOURHOOD: usize = 3;

/// The symbol's modules read from `gray` (row-major, `width`x`height`) through `grid`, row by
/// row, `true` for dark; `None` when the grid leaves the image.
pub(crate) fn read_modules(gray: &[u8], width: usize, height: usize, grid: &ModuleGrid) -> Option<Vec<bool>> {
    let n = grid.dimension;
    // Each module's brightness at its centre (averaging towards its edges was tried: it reads
    // fewer blurred symbols, and costs five times as much).
    let mut values = vec![0f32; n * n];
    for my in 0..n {
        for mx in 0..n {
            values[my * n + mx] = bilinear(gray, width, height, grid.pixel_at(mx as f64 + 0.5, my as f64 + 0.5))?;
        }
    }
    Some(threshold_modules(&values, n))
}

/// Each module dark when below the mean of its neighbourhood (clamped inside the symbol),
/// with the sums from a summed-area table.
fn threshold_modules(values: &[f32], n: usize) -> Vec<bool> {
    let k = NEIGHBOURHOOD.min(n / 2);
    let stride = n + 1;
    let mut table = vec![0f64; stride * stride];
    for y in 0..n {
        let mut row = 0f64;
        for x in 0..n {
            row += f64::from(values[y * n + x]);
            table[(y + 1) * stride + x + 1] = table[y * stride + x + 1] + row;
        }
    }
    let mut bits = vec![false; n * n];
    for my in 0..n {
        let (y0, y1) = (my.saturating_sub(k), (my + k + 1).min(n));
        for mx in 0..n {
            let (x0, x1) = (mx.saturating_sub(k), (mx + k + 1).min(n));
            let sum = table[y1 * stride + x1] - table[y0 * stride + x1] - table[y1 * stride + x0] + table[y0 * stride + x0];
            let mean = sum / ((y1 - y0) * (x1 - x0)) as f64;
            bits[my * n + mx] = f64::from(values[my * n + mx]) < mean;
        }
    }
    bits
}

/// Bilinear brightness at `p` (pixel centres at half-integers), or `None` outside the image.
fn bilinear(gray: &[u8], width: usize, height: usize, p: Point) -> Option<f32> {
    let (fx, fy) = (p.x - 0.5, p.y - 0.5);
    if !(fx >= -0.5 && fy >= -0.5 && fx <= width as f32 - 0.5 && fy <= height as f32 - 0.5) {
        return None;
    }
    // Truncation is the floor here: values below zero are clamped to the first pixel anyway.
    let (x0, y0) = (fx.max(0.0) as usize, fy.max(0.0) as usize);
    let (x1, y1) = ((x0 + 1).min(width - 1), (y0 + 1).min(height - 1));
    let (tx, ty) = ((fx - x0 as f32).clamp(0.0, 1.0), (fy - y0 as f32).clamp(0.0, 1.0));
    let at = |x: usize, y: usize| f32::from(gray[y * width + x]);
    let top = at(x0, y0) * (1.0 - tx) + at(x1, y0) * tx;
    let bottom = at(x0, y1) * (1.0 - tx) + at(x1, y1) * tx;
    Some(top * (1.0 - ty) + bottom * ty)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(x: f32, y: f32) -> Point {
        Point { x, y }
    }

    /// A 25-module pattern (a checkerboard with a dark border), drawn at 6 px per module with
    /// its top-left corner at (10, 10), under a brightness `gradient` across the image.
    fn drawn(gradient: f32) -> (Vec<u8>, usize, Vec<bool>) {
        let (n, m, off, size) = (25usize, 6usize, 10usize, 170usize);
        let bits: Vec<bool> = (0..n * n).map(|i| (i % n == 0) || ((i % n + i / n) % 3 == 0)).collect();
        let mut img = vec![0u8; size * size];
        for y in 0..size {
            for x in 0..size {
                let inside = x >= off && y >= off && x < off + n * m && y < off + n * m;
                let dark = inside && bits[((y - off) / m) * n + (x - off) / m];
                let light = 220.0 - gradient * x as f32 / size as f32;
                img[y * size + x] = if dark { (light * 0.25) as u8 } else { light as u8 };
            }
        }
        (img, size, bits)
    }

    #[test]
    fn corners_map_to_where_they_were_given() {
        let corners = [p(10.0, 20.0), p(110.0, 25.0), p(105.0, 130.0), p(8.0, 118.0)];
        let g = ModuleGrid::from_corners(25, corners).unwrap();
        for (a, b) in g.corners().iter().zip(&corners) {
            assert!((a.x - b.x).abs() < 1e-3 && (a.y - b.y).abs() < 1e-3, "{a:?} {b:?}");
        }
        // Finder centres sit 3.5 modules in from the corners.
        // 25 modules of 6 px from (10, 10): centres at 10 + 3.5 * 6 and 10 + 21.5 * 6.
        let f = ModuleGrid::from_finders(25, p(31.0, 31.0), p(139.0, 31.0), p(31.0, 139.0), None).unwrap();
        let c = f.corners();
        assert!((c[0].x - 10.0).abs() < 1e-3 && (c[2].y - 160.0).abs() < 1e-3, "{c:?}");
    }

    #[test]
    fn reads_the_modules_back_under_a_gradient() {
        for gradient in [0.0, 150.0] {
            let (img, size, bits) = drawn(gradient);
            let grid = ModuleGrid::from_corners(25, [p(10.0, 10.0), p(160.0, 10.0), p(160.0, 160.0), p(10.0, 160.0)]).unwrap();
            assert_eq!(read_modules(&img, size, size, &grid), Some(bits), "gradient {gradient}");
        }
    }

    #[test]
    fn a_grid_leaving_the_image_reads_nothing() {
        let (img, size, _) = drawn(0.0);
        let grid = ModuleGrid::from_corners(25, [p(100.0, 100.0), p(250.0, 100.0), p(250.0, 250.0), p(100.0, 250.0)]).unwrap();
        assert_eq!(read_modules(&img, size, size, &grid), None);
        assert!(ModuleGrid::from_corners(17, [p(0.0, 0.0), p(1.0, 0.0), p(1.0, 1.0), p(0.0, 1.0)]).is_none());
    }
}
