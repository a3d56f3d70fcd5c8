//! What a phone does to a sticker: glare, bright spots, blur, shadows, JPEG, perspective,
//! curvature and damage, as pure functions over a float gray plane. Each takes the random
//! generator it draws its severity from, so one seed gives one set.

use super::geometry::{Homography, Pt};
use super::rng::Rng;

/// A grayscale image with float pixels (0 = black, 255 = white), row-major.
#[derive(Clone, Debug)]
pub struct Plane {
    /// Width in pixels.
    pub width: usize,
    /// Height in pixels.
    pub height: usize,
    /// `width * height` values.
    pub data: Vec<f32>,
}

impl Plane {
    /// A plane filled with `value`.
    pub fn filled(width: usize, height: usize, value: f32) -> Self {
        Plane { width, height, data: vec![value; width * height] }
    }

    /// From 8-bit gray.
    pub fn from_gray(img: &image::GrayImage) -> Self {
        Plane { width: img.width() as usize, height: img.height() as usize, data: img.as_raw().iter().map(|&v| f32::from(v)).collect() }
    }

    /// To 8-bit gray (rounded and clamped).
    pub fn to_gray(&self) -> image::GrayImage {
        let data = self.data.iter().map(|&v| v.round().clamp(0.0, 255.0) as u8).collect();
        image::GrayImage::from_raw(self.width as u32, self.height as u32, data).expect("plane size")
    }

    /// The pixel at (`x`, `y`), clamped to the edges.
    pub fn at(&self, x: isize, y: isize) -> f32 {
        let x = x.clamp(0, self.width as isize - 1) as usize;
        let y = y.clamp(0, self.height as isize - 1) as usize;
        self.data[y * self.width + x]
    }

    /// Bilinear sample at (`x`, `y`) in pixel-centre coordinates (pixel (0, 0) covers
    /// [0, 1) and has its centre at 0.5), or `None` outside the image.
    pub fn sample(&self, x: f64, y: f64) -> Option<f32> {
        let (fx, fy) = (x - 0.5, y - 0.5);
        if fx < -0.5 || fy < -0.5 || fx > self.width as f64 - 0.5 || fy > self.height as f64 - 0.5 {
            return None;
        }
        let (x0, y0) = (fx.floor(), fy.floor());
        let (tx, ty) = ((fx - x0) as f32, (fy - y0) as f32);
        let (x0, y0) = (x0 as isize, y0 as isize);
        let top = self.at(x0, y0) * (1.0 - tx) + self.at(x0 + 1, y0) * tx;
        let bottom = self.at(x0, y0 + 1) * (1.0 - tx) + self.at(x0 + 1, y0 + 1) * tx;
        Some(top * (1.0 - ty) + bottom * ty)
    }

    /// Median of the outermost pixels: what a warp fills uncovered areas with.
    pub fn border_median(&self) -> f32 {
        let (w, h) = (self.width, self.height);
        let mut edge: Vec<f32> = (0..w).flat_map(|x| [self.data[x], self.data[(h - 1) * w + x]]).collect();
        edge.extend((0..h).flat_map(|y| [self.data[y * w], self.data[y * w + w - 1]]));
        edge.sort_by(f32::total_cmp);
        edge[edge.len() / 2]
    }
}

/// Where the code is, so a degradation can aim at it: centre, side and module size in pixels.
#[derive(Clone, Copy, Debug)]
pub struct CodeBox {
    /// Centre of the symbol.
    pub center: Pt,
    /// Approximate side of the symbol.
    pub side: f64,
    /// Approximate module size.
    pub module: f64,
}

/// A broad glare veil, as on a laminated sticker under a lamp: pixels are pulled towards white
/// by up to `strength` (0..1) with a Gaussian fall-off around an ellipse near the code.
pub fn glare(p: &mut Plane, code: CodeBox, rng: &mut Rng) {
    let center = (code.center.0 + code.side * rng.range(-0.3, 0.3), code.center.1 + code.side * rng.range(-0.3, 0.3));
    let (rx, ry) = (code.side * rng.range(0.22, 0.55), code.side * rng.range(0.12, 0.4));
    let strength = rng.range(0.6, 0.97) as f32;
    let angle = rng.range(0.0, std::f64::consts::PI);
    veil(p, center, (rx, ry), angle, strength, 255.0);
}

/// Pulls pixels towards `target` by `strength` times a Gaussian of the elliptic distance.
fn veil(p: &mut Plane, center: Pt, radii: Pt, angle: f64, strength: f32, target: f32) {
    let (s, c) = angle.sin_cos();
    let reach = 3.0 * radii.0.max(radii.1);
    let (x0, x1) = (((center.0 - reach).max(0.0)) as usize, ((center.0 + reach).max(0.0) as usize).min(p.width));
    let (y0, y1) = (((center.1 - reach).max(0.0)) as usize, ((center.1 + reach).max(0.0) as usize).min(p.height));
    for y in y0..y1 {
        for x in x0..x1 {
            let (dx, dy) = (x as f64 + 0.5 - center.0, y as f64 + 0.5 - center.1);
            let (u, v) = ((c * dx + s * dy) / radii.0, (-s * dx + c * dy) / radii.1);
            let g = (-(u * u + v * v)).exp() as f32 * strength;
            let px = &mut p.data[y * p.width + x];
            *px += (target - *px) * g;
        }
    }
}

/// Small saturated highlights (specular reflections): 2 to 6 spots, each a white core with a
/// soft halo, spread over the code.
pub fn specular(p: &mut Plane, code: CodeBox, rng: &mut Rng) {
    let spots = 2 + rng.below(5);
    for _ in 0..spots {
        let center = (code.center.0 + code.side * rng.range(-0.45, 0.45), code.center.1 + code.side * rng.range(-0.45, 0.45));
        let r = code.side * rng.range(0.025, 0.09);
        let stretch = rng.range(1.0, 2.5);
        let angle = rng.range(0.0, std::f64::consts::PI);
        // Halo first, then the clipped core.
        veil(p, center, (2.0 * r * stretch, 2.0 * r), angle, 0.7, 255.0);
        disc(p, center, (r * stretch, r), angle, 255.0);
    }
}

/// Fills an ellipse with `value` (anti-aliased over about one pixel).
fn disc(p: &mut Plane, center: Pt, radii: Pt, angle: f64, value: f32) {
    let (s, c) = angle.sin_cos();
    let reach = radii.0.max(radii.1) + 2.0;
    let (x0, x1) = (((center.0 - reach).max(0.0)) as usize, ((center.0 + reach).max(0.0) as usize).min(p.width));
    let (y0, y1) = (((center.1 - reach).max(0.0)) as usize, ((center.1 + reach).max(0.0) as usize).min(p.height));
    let min_r = radii.0.min(radii.1).max(0.5);
    for y in y0..y1 {
        for x in x0..x1 {
            let (dx, dy) = (x as f64 + 0.5 - center.0, y as f64 + 0.5 - center.1);
            let (u, v) = ((c * dx + s * dy) / radii.0, (-s * dx + c * dy) / radii.1);
            // Signed distance in pixels, roughly: (elliptic radius - 1) times the smaller radius.
            let d = ((u * u + v * v).sqrt() - 1.0) * min_r;
            let cover = (0.5 - d).clamp(0.0, 1.0) as f32;
            let px = &mut p.data[y * p.width + x];
            *px += (value - *px) * cover;
        }
    }
}

/// Linear motion blur over `length` pixels at `degrees`.
pub fn motion_blur(p: &Plane, length: f64, degrees: f64) -> Plane {
    let taps = (length.ceil() as usize).max(1) + 1;
    let (s, c) = degrees.to_radians().sin_cos();
    let offsets: Vec<Pt> = (0..taps).map(|i| (i as f64 / (taps - 1) as f64 - 0.5) * length).map(|t| (t * c, t * s)).collect();
    let mut out = Plane::filled(p.width, p.height, 0.0);
    for y in 0..p.height {
        for x in 0..p.width {
            let (cx, cy) = (x as f64 + 0.5, y as f64 + 0.5);
            let sum: f32 = offsets.iter().map(|&(dx, dy)| sample_clamped(p, cx + dx, cy + dy)).sum();
            out.data[y * p.width + x] = sum / taps as f32;
        }
    }
    out
}

fn sample_clamped(p: &Plane, x: f64, y: f64) -> f32 {
    p.sample(x.clamp(0.5, p.width as f64 - 0.5), y.clamp(0.5, p.height as f64 - 0.5)).unwrap_or(0.0)
}

/// Defocus: the mean over a disc of `radius` pixels (the lens's circle of confusion).
pub fn defocus(p: &Plane, radius: f64) -> Plane {
    let r = radius.ceil() as isize;
    let taps: Vec<(isize, isize)> =
        (-r..=r).flat_map(|dy| (-r..=r).map(move |dx| (dx, dy))).filter(|&(dx, dy)| ((dx * dx + dy * dy) as f64).sqrt() <= radius + 0.3).collect();
    let mut out = Plane::filled(p.width, p.height, 0.0);
    let n = taps.len() as f32;
    for y in 0..p.height as isize {
        for x in 0..p.width as isize {
            let sum: f32 = taps.iter().map(|&(dx, dy)| p.at(x + dx, y + dy)).sum();
            out.data[y as usize * p.width + x as usize] = sum / n;
        }
    }
    out
}

/// A Gaussian blur of deviation `sigma` (separable), for mild camera softness.
pub fn gaussian_blur(p: &Plane, sigma: f64) -> Plane {
    let r = (3.0 * sigma).ceil() as isize;
    let kernel: Vec<f32> = (-r..=r).map(|i| (-(i * i) as f64 / (2.0 * sigma * sigma)).exp() as f32).collect();
    let norm: f32 = kernel.iter().sum();
    let mut tmp = Plane::filled(p.width, p.height, 0.0);
    for y in 0..p.height as isize {
        for x in 0..p.width as isize {
            let s: f32 = kernel.iter().enumerate().map(|(i, k)| k * p.at(x + i as isize - r, y)).sum();
            tmp.data[y as usize * p.width + x as usize] = s / norm;
        }
    }
    let mut out = Plane::filled(p.width, p.height, 0.0);
    for y in 0..p.height as isize {
        for x in 0..p.width as isize {
            let s: f32 = kernel.iter().enumerate().map(|(i, k)| k * tmp.at(x, y + i as isize - r)).sum();
            out.data[y as usize * p.width + x as usize] = s / norm;
        }
    }
    out
}

/// Uneven light: a brightness gradient across the image times a shadow with a soft edge
/// crossing the code (a hand or a phone between the lamp and the sticker), then sensor noise
/// (which the darkening makes relatively stronger).
pub fn shadow(p: &mut Plane, code: CodeBox, rng: &mut Rng) {
    let gradient_angle = rng.range(0.0, std::f64::consts::TAU);
    let (gs, gc) = gradient_angle.sin_cos();
    let dark_end = rng.range(0.25, 0.65);
    let diag = ((p.width * p.width + p.height * p.height) as f64).sqrt();
    let shadow_angle = rng.range(0.0, std::f64::consts::TAU);
    let (ss, sc) = shadow_angle.sin_cos();
    let through = (code.center.0 + code.side * rng.range(-0.25, 0.25), code.center.1 + code.side * rng.range(-0.25, 0.25));
    let penumbra = code.side * rng.range(0.01, 0.12);
    let depth = rng.range(0.3, 0.65);
    for y in 0..p.height {
        for x in 0..p.width {
            let (fx, fy) = (x as f64 + 0.5, y as f64 + 0.5);
            let t = ((fx - p.width as f64 / 2.0) * gc + (fy - p.height as f64 / 2.0) * gs) / diag + 0.5;
            let gain = dark_end + (1.0 - dark_end) * t.clamp(0.0, 1.0);
            let d = (fx - through.0) * sc + (fy - through.1) * ss;
            let shade = 1.0 - depth * smoothstep(-penumbra, penumbra, d);
            let v = &mut p.data[y * p.width + x];
            *v *= (gain * shade) as f32;
        }
    }
    add_noise(p, rng.range(2.0, 5.0), rng);
}

fn smoothstep(lo: f64, hi: f64, x: f64) -> f64 {
    if hi <= lo {
        return if x >= hi { 1.0 } else { 0.0 };
    }
    let t = ((x - lo) / (hi - lo)).clamp(0.0, 1.0);
    t * t * (3.0 - 2.0 * t)
}

/// Gaussian sensor noise of deviation `sigma`.
pub fn add_noise(p: &mut Plane, sigma: f64, rng: &mut Rng) {
    for v in &mut p.data {
        *v += rng.normal(sigma) as f32;
    }
}

/// Re-encodes as a JPEG of `quality` (1..100) with the `image` crate and decodes it again.
pub fn jpeg(p: &Plane, quality: u8) -> Plane {
    let gray = p.to_gray();
    let mut bytes = Vec::new();
    let mut encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, quality);
    encoder.encode_image(&gray).expect("encode jpeg");
    let decoded = image::load_from_memory(&bytes).expect("decode jpeg").into_luma8();
    Plane::from_gray(&decoded)
}

/// Draws `p` through `map` (from source to output pixels) into a plane of the same size;
/// uncovered output pixels get the source's border median.
pub fn warp(p: &Plane, map: &Homography) -> Plane {
    let inverse = map.inverse().expect("invertible warp");
    let fill = p.border_median();
    let mut out = Plane::filled(p.width, p.height, fill);
    for y in 0..p.height {
        for x in 0..p.width {
            let (sx, sy) = inverse.map((x as f64 + 0.5, y as f64 + 0.5));
            if let Some(v) = p.sample(sx, sy) {
                out.data[y * p.width + x] = v;
            }
        }
    }
    out
}

/// A steep perspective view: one edge of the image recedes (shortened to 40–75 %), the image is
/// foreshortened along the viewing direction and turned a little. Returns the warped plane and
/// where the code went.
pub fn perspective(p: &Plane, code: CodeBox, rng: &mut Rng) -> (Plane, CodeBox) {
    let (w, h) = (p.width as f64, p.height as f64);
    let far = rng.range(0.4, 0.75);
    let fore = rng.range(0.65, 0.95);
    // Unit square corners (TL, TR, BR, BL) with the top edge receding, then rotated so any
    // edge may be the far one.
    let half = (1.0 - far) / 2.0;
    let quad = [(half, 1.0 - fore), (1.0 - half, 1.0 - fore), (1.0, 1.0), (0.0, 1.0)];
    let turn = rng.below(4);
    let tilt = rng.range(-12.0, 12.0);
    let margin = 0.05;
    let dst: Vec<Pt> = (0..4)
        .map(|i| {
            let (u, v) = quad[(i + turn) % 4];
            let (u, v) = (margin + u * (1.0 - 2.0 * margin), margin + v * (1.0 - 2.0 * margin));
            (u * w, v * h)
        })
        .collect();
    let src = [(0.0, 0.0), (w, 0.0), (w, h), (0.0, h)];
    let map = Homography::from_quads(src, [dst[0], dst[1], dst[2], dst[3]]).expect("perspective quad");
    let rot = Homography::similarity(1.0, tilt, (0.0, 0.0));
    let to_center = Homography::similarity(1.0, 0.0, (-w / 2.0, -h / 2.0));
    let back = Homography::similarity(1.0, 0.0, (w / 2.0, h / 2.0));
    let full = back.after(&rot.after(&to_center.after(&map)));
    let out = warp(p, &full);
    let c = full.map(code.center);
    let (a, b) = (full.map((code.center.0 - code.side / 2.0, code.center.1)), full.map((code.center.0 + code.side / 2.0, code.center.1)));
    let side = ((a.0 - b.0).powi(2) + (a.1 - b.1).powi(2)).sqrt();
    (out, CodeBox { center: c, side, module: code.module * side / code.side })
}

/// A sticker on a bottle or a pipe: the image wrapped round a cylinder whose axis runs through
/// the code (vertical or horizontal), seen from a finite distance, with the light falling off
/// towards the cylinder's edges. The code's half-width spans 20–55° of arc: a 3 cm sticker on
/// a bottle of 5–8 cm diameter spans 20–35°, on a 3 cm pipe about 55°.
pub fn cylinder(p: &Plane, code: CodeBox, rng: &mut Rng) -> (Plane, CodeBox) {
    let arc = rng.range(20.0f64, 55.0).to_radians();
    let radius = (code.side / 2.0) / arc;
    let depth = rng.range(0.1, 0.35);
    let vertical_axis = rng.chance(0.5);
    let fill = p.border_median();
    let mut out = Plane::filled(p.width, p.height, fill);
    let (cx, cy) = code.center;
    for y in 0..p.height {
        for x in 0..p.width {
            // (a, b): across and along the axis, relative to the code centre.
            let (fx, fy) = (x as f64 + 0.5 - cx, y as f64 + 0.5 - cy);
            let (a, b) = if vertical_axis { (fx, fy) } else { (fy, fx) };
            let t = a / radius;
            if t.abs() >= 1.0 {
                continue;
            }
            let theta = t.asin();
            let (sa, sb) = (radius * theta, b * (1.0 + depth * (1.0 - theta.cos())));
            let (sx, sy) = if vertical_axis { (sa + cx, sb + cy) } else { (sb + cx, sa + cy) };
            if let Some(v) = p.sample(sx, sy) {
                out.data[y * p.width + x] = v * (0.6 + 0.4 * theta.cos()) as f32;
            }
        }
    }
    let side = code.side * (arc.sin() / arc);
    (out, CodeBox { center: code.center, side, module: code.module })
}

/// Wear: scratches (thin light or dark strokes across the code) and missing patches (peeled or
/// smudged areas a few modules wide), within what error correction H might still recover.
pub fn damage(p: &mut Plane, code: CodeBox, rng: &mut Rng) {
    let point_in = |rng: &mut Rng| (code.center.0 + code.side * rng.range(-0.6, 0.6), code.center.1 + code.side * rng.range(-0.6, 0.6));
    for _ in 0..2 + rng.below(4) {
        let (a, b) = (point_in(rng), point_in(rng));
        let width = code.module * rng.range(0.25, 0.9);
        let value = if rng.chance(0.7) { rng.range(215.0, 255.0) } else { rng.range(10.0, 60.0) } as f32;
        stroke(p, a, b, width, value);
    }
    for _ in 0..1 + rng.below(3) {
        let center = (code.center.0 + code.side * rng.range(-0.4, 0.4), code.center.1 + code.side * rng.range(-0.4, 0.4));
        let radii = (code.side * rng.range(0.03, 0.09), code.side * rng.range(0.03, 0.09));
        let value = if rng.chance(0.6) { rng.range(200.0, 245.0) } else { rng.range(80.0, 160.0) } as f32;
        disc(p, center, radii, rng.range(0.0, std::f64::consts::PI), value);
    }
}

/// A straight stroke from `a` to `b`, `width` pixels wide, anti-aliased.
fn stroke(p: &mut Plane, a: Pt, b: Pt, width: f64, value: f32) {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let len2 = (dx * dx + dy * dy).max(1e-9);
    let reach = width / 2.0 + 1.0;
    let (x0, x1) = ((a.0.min(b.0) - reach).max(0.0) as usize, ((a.0.max(b.0) + reach).max(0.0) as usize).min(p.width));
    let (y0, y1) = ((a.1.min(b.1) - reach).max(0.0) as usize, ((a.1.max(b.1) + reach).max(0.0) as usize).min(p.height));
    for y in y0..y1 {
        for x in x0..x1 {
            let (px, py) = (x as f64 + 0.5, y as f64 + 0.5);
            let t = (((px - a.0) * dx + (py - a.1) * dy) / len2).clamp(0.0, 1.0);
            let d = ((px - a.0 - t * dx).powi(2) + (py - a.1 - t * dy).powi(2)).sqrt();
            let cover = (width / 2.0 + 0.5 - d).clamp(0.0, 1.0) as f32;
            let v = &mut p.data[y * p.width + x];
            *v += (value - *v) * cover;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn checker(n: usize) -> Plane {
        let mut p = Plane::filled(n, n, 0.0);
        for y in 0..n {
            for x in 0..n {
                p.data[y * n + x] = if (x / 4 + y / 4) % 2 == 0 { 20.0 } else { 235.0 };
            }
        }
        p
    }

    fn contrast(p: &Plane) -> f32 {
        let mean = p.data.iter().sum::<f32>() / p.data.len() as f32;
        (p.data.iter().map(|v| (v - mean).powi(2)).sum::<f32>() / p.data.len() as f32).sqrt()
    }

    #[test]
    fn blurs_lower_contrast_and_keep_the_mean() {
        let p = checker(64);
        let mean = |p: &Plane| p.data.iter().sum::<f32>() / p.data.len() as f32;
        for blurred in [motion_blur(&p, 8.0, 30.0), defocus(&p, 3.0), gaussian_blur(&p, 2.0)] {
            assert!(contrast(&blurred) < 0.7 * contrast(&p));
            assert!((mean(&blurred) - mean(&p)).abs() < 6.0);
        }
    }

    #[test]
    fn glare_brightens_and_specular_saturates() {
        let code = CodeBox { center: (32.0, 32.0), side: 60.0, module: 4.0 };
        let p = checker(64);
        let mut g = p.clone();
        glare(&mut g, code, &mut Rng::new(1, &[]));
        assert!(g.data.iter().sum::<f32>() > p.data.iter().sum::<f32>());
        let mut s = p.clone();
        specular(&mut s, code, &mut Rng::new(2, &[]));
        assert!(s.data.iter().any(|&v| v > 254.0) && s.data.iter().filter(|&&v| v > 254.0).count() > p.data.iter().filter(|&&v| v > 254.0).count());
    }

    #[test]
    fn identity_warp_keeps_the_image() {
        let p = checker(32);
        let same = warp(&p, &Homography::similarity(1.0, 0.0, (0.0, 0.0)));
        assert!(p.data.iter().zip(&same.data).all(|(a, b)| (a - b).abs() < 1e-3));
    }

    #[test]
    fn jpeg_round_trip_stays_close_at_high_quality() {
        let p = checker(64);
        let q = jpeg(&p, 95);
        let err = p.data.iter().zip(&q.data).map(|(a, b)| (a - b).abs()).sum::<f32>() / p.data.len() as f32;
        assert!(err < 8.0, "{err}");
    }
}
