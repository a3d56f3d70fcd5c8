//! Plane geometry for the synthetic photos: homographies between quadrilaterals.

/// A 2-D point in pixels (or, for a sticker, in modules).
pub type Pt = (f64, f64);

/// A projective map of the plane (3x3 matrix, row-major, last entry 1).
#[derive(Clone, Copy, Debug)]
pub struct Homography([f64; 9]);

impl Homography {
    /// The map taking each corner of `src` to the same corner of `dst`; `None` when three
    /// corners of either quadrilateral are collinear.
    pub fn from_quads(src: [Pt; 4], dst: [Pt; 4]) -> Option<Self> {
        // h11..h32 solve: x' (h31 x + h32 y + 1) = h11 x + h12 y + h13, likewise for y'.
        let mut a = [[0.0f64; 9]; 8];
        for (i, (&(x, y), &(u, v))) in src.iter().zip(dst.iter()).enumerate() {
            a[2 * i] = [x, y, 1.0, 0.0, 0.0, 0.0, -u * x, -u * y, u];
            a[2 * i + 1] = [0.0, 0.0, 0.0, x, y, 1.0, -v * x, -v * y, v];
        }
        let h = solve8(a)?;
        Some(Homography([h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7], 1.0]))
    }

    /// A similarity: scale by `scale`, rotate by `degrees` about the origin, then move by `offset`.
    pub fn similarity(scale: f64, degrees: f64, offset: Pt) -> Self {
        let (s, c) = degrees.to_radians().sin_cos();
        Homography([scale * c, -scale * s, offset.0, scale * s, scale * c, offset.1, 0.0, 0.0, 1.0])
    }

    /// Where `p` goes (a point at infinity maps far away rather than to NaN).
    pub fn map(&self, p: Pt) -> Pt {
        let m = &self.0;
        let w = m[6] * p.0 + m[7] * p.1 + m[8];
        let w = if w.abs() < 1e-12 { 1e-12 } else { w };
        ((m[0] * p.0 + m[1] * p.1 + m[2]) / w, (m[3] * p.0 + m[4] * p.1 + m[5]) / w)
    }

    /// The inverse map, or `None` if this one is singular.
    pub fn inverse(&self) -> Option<Self> {
        let m = &self.0;
        let cof = [
            m[4] * m[8] - m[5] * m[7],
            m[2] * m[7] - m[1] * m[8],
            m[1] * m[5] - m[2] * m[4],
            m[5] * m[6] - m[3] * m[8],
            m[0] * m[8] - m[2] * m[6],
            m[2] * m[3] - m[0] * m[5],
            m[3] * m[7] - m[4] * m[6],
            m[1] * m[6] - m[0] * m[7],
            m[0] * m[4] - m[1] * m[3],
        ];
        let det = m[0] * cof[0] + m[1] * cof[3] + m[2] * cof[6];
        if det.abs() < 1e-15 {
            return None;
        }
        let norm = cof[8] / det;
        let scale = if norm.abs() > 1e-15 { 1.0 / (det * norm) } else { 1.0 / det };
        Some(Homography(cof.map(|c| c * scale)))
    }

    /// `self` after `first`: maps `p` to `self.map(first.map(p))`.
    pub fn after(&self, first: &Homography) -> Self {
        let (a, b) = (&self.0, &first.0);
        let mut m = [0.0; 9];
        for r in 0..3 {
            for c in 0..3 {
                m[r * 3 + c] = (0..3).map(|k| a[r * 3 + k] * b[k * 3 + c]).sum();
            }
        }
        Homography(m)
    }
}

/// Gaussian elimination with partial pivoting on an 8x9 augmented matrix.
fn solve8(mut a: [[f64; 9]; 8]) -> Option<[f64; 8]> {
    for col in 0..8 {
        let pivot = (col..8).max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))?;
        if a[pivot][col].abs() < 1e-12 {
            return None;
        }
        a.swap(col, pivot);
        let pivot = a[col];
        for (row, line) in a.iter_mut().enumerate() {
            if row != col {
                let f = line[col] / pivot[col];
                for (v, p) in line.iter_mut().zip(pivot.iter()).skip(col) {
                    *v -= f * p;
                }
            }
        }
    }
    let mut x = [0.0; 8];
    for i in 0..8 {
        x[i] = a[i][8] / a[i][i];
    }
    Some(x)
}

/// The bounding box of `points`, as (min x, min y, max x, max y).
pub fn bounds(points: &[Pt]) -> (f64, f64, f64, f64) {
    points.iter().fold((f64::MAX, f64::MAX, f64::MIN, f64::MIN), |(a, b, c, d), &(x, y)| (a.min(x), b.min(y), c.max(x), d.max(y)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: Pt, b: Pt) -> bool {
        (a.0 - b.0).abs() < 1e-6 && (a.1 - b.1).abs() < 1e-6
    }

    #[test]
    fn quad_to_quad_maps_the_corners_and_inverts() {
        let src = [(0.0, 0.0), (10.0, 0.0), (10.0, 10.0), (0.0, 10.0)];
        let dst = [(3.0, 5.0), (40.0, 2.0), (38.0, 30.0), (1.0, 33.0)];
        let h = Homography::from_quads(src, dst).unwrap();
        for (s, d) in src.iter().zip(dst.iter()) {
            assert!(close(h.map(*s), *d), "{:?} -> {:?}", s, h.map(*s));
        }
        let inv = h.inverse().unwrap();
        for (s, d) in src.iter().zip(dst.iter()) {
            assert!(close(inv.map(*d), *s));
        }
        assert!(close(inv.after(&h).map((4.0, 7.0)), (4.0, 7.0)));
    }

    #[test]
    fn similarity_rotates_about_the_origin() {
        let h = Homography::similarity(2.0, 90.0, (1.0, 1.0));
        assert!(close(h.map((1.0, 0.0)), (1.0, 3.0)));
        assert!(Homography::from_quads([(0.0, 0.0), (1.0, 0.0), (2.0, 0.0), (3.0, 0.0)], [(0.0, 0.0); 4]).is_none());
    }
}
