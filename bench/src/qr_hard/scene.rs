//! Synthetic photos: guild stickers as the server prints them (signed URL, error correction H,
//! 4-module quiet zone) placed on a cluttered background, sheets and walls of many stickers,
//! mosaics of corpus photos, and 12-megapixel photos for timing.

use qrcode::{Color, EcLevel, QrCode};

use super::degrade::{add_noise, gaussian_blur, CodeBox, Plane};
use super::geometry::{bounds, Homography, Pt};
use super::rng::Rng;

/// Words business names are made of (Persian, so the URL carries percent-encoded UTF-8 as
/// real stickers do).
const NAME_WORDS: &[&str] =
    &["نانوایی", "سنگکی", "قصابی", "میوه", "فروشی", "رستوران", "کبابی", "سوپرمارکت", "لبنیات", "برادران", "تهران", "ستاره", "پارس", "آریا", "نو"];

/// The text of a signed sticker for the `index`-th business, exactly as
/// `samat_core::model::guild::sticker_url` builds it for the server.
pub fn sticker_text(rng: &mut Rng, index: usize) -> String {
    let key = ed25519_dalek::SigningKey::from_bytes(&[7u8; 32]);
    let words = 1 + rng.below(3);
    let name: Vec<&str> = (0..words).map(|_| NAME_WORDS[rng.below(NAME_WORDS.len())]).collect();
    let guild_id = format!("100{:08}", 10_010_011 + index * 7919 + rng.below(5000));
    samat_core::model::guild::sticker_url("https://www.124.ir", &guild_id, &name.join(" "), "2026a", &key)
}

/// A printed sticker: the code with its quiet zone on a card, and a band of text-like marks
/// (the business's name) below it. Coordinates are in modules from the card's top-left corner.
pub struct Sticker {
    modules: usize,
    dark: Vec<bool>,
    ink: f32,
    paper: f32,
    band: usize,
    seed: u64,
}

/// Light modules around the code, as `render_qr` prints.
const QUIET: usize = 4;

impl Sticker {
    /// Encodes `text` the way the server does (EC level H unless it does not fit).
    pub fn new(text: &str, rng: &mut Rng) -> Self {
        let code = [EcLevel::H, EcLevel::Q, EcLevel::M, EcLevel::L]
            .into_iter()
            .find_map(|level| QrCode::with_error_correction_level(text.as_bytes(), level).ok())
            .expect("sticker text fits a QR code");
        let modules = code.width();
        let dark = code.to_colors().into_iter().map(|c| c == Color::Dark).collect();
        Sticker { modules, dark, ink: rng.range(12.0, 55.0) as f32, paper: rng.range(205.0, 250.0) as f32, band: 8, seed: rng.next_u64() }
    }

    /// Modules across the symbol (without the quiet zone).
    pub fn modules(&self) -> usize {
        self.modules
    }

    /// Card size in modules (width, height).
    pub fn card(&self) -> Pt {
        let side = (self.modules + 2 * QUIET) as f64;
        (side, side + self.band as f64)
    }

    /// The card's brightness at (`u`, `v`) modules, or `None` off the card.
    pub fn value(&self, u: f64, v: f64) -> Option<f32> {
        let (w, h) = self.card();
        if u < 0.0 || v < 0.0 || u >= w || v >= h {
            return None;
        }
        let (mx, my) = (u - QUIET as f64, v - QUIET as f64);
        let n = self.modules as f64;
        if mx >= 0.0 && my >= 0.0 && mx < n && my < n {
            let dark = self.dark[my as usize * self.modules + mx as usize];
            return Some(if dark { self.ink } else { self.paper });
        }
        // Two lines of "letters" in the band below the quiet zone.
        let band_top = n + 2.0 * QUIET as f64 - 1.0;
        for line in 0..2 {
            let top = band_top + 0.8 + 3.4 * line as f64;
            if v >= top && v < top + 2.0 && mx >= 0.0 && mx < n * if line == 0 { 1.0 } else { 0.6 } {
                let cell = (mx / 0.9) as u64;
                let stroke = ((v - top) / 0.5) as u64;
                let h = splat(self.seed ^ (cell * 31 + line as u64 * 7 + stroke * 1_000_003));
                if !h.is_multiple_of(3) && (cell % 7) != 6 {
                    return Some(self.ink);
                }
            }
        }
        Some(self.paper)
    }

    /// Pastes the card into `canvas` through `map` (card modules to canvas pixels), with 3x3
    /// supersampling so small modules are anti-aliased like a camera's pixels. Returns the
    /// symbol's corners (TL, TR, BR, BL) in canvas pixels.
    pub fn paste(&self, canvas: &mut Plane, map: &Homography) -> [Pt; 4] {
        let (w, h) = self.card();
        let corners = [(0.0, 0.0), (w, 0.0), (w, h), (0.0, h)].map(|p| map.map(p));
        let inverse = map.inverse().expect("invertible sticker map");
        let (x0, y0, x1, y1) = bounds(&corners);
        let (x0, y0) = (x0.floor().max(0.0) as usize, y0.floor().max(0.0) as usize);
        let (x1, y1) = ((x1.ceil().max(0.0) as usize).min(canvas.width), (y1.ceil().max(0.0) as usize).min(canvas.height));
        for y in y0..y1 {
            for x in x0..x1 {
                let (mut sum, mut hits) = (0.0f32, 0);
                for sy in 0..3 {
                    for sx in 0..3 {
                        let (u, v) = inverse.map((x as f64 + (sx as f64 + 0.5) / 3.0, y as f64 + (sy as f64 + 0.5) / 3.0));
                        if let Some(val) = self.value(u, v) {
                            sum += val;
                            hits += 1;
                        }
                    }
                }
                if hits > 0 {
                    let px = &mut canvas.data[y * canvas.width + x];
                    *px = (*px * (9 - hits) as f32 + sum) / 9.0;
                }
            }
        }
        let (q, n) = (QUIET as f64, (QUIET + self.modules) as f64);
        [(q, q), (n, q), (n, n), (q, n)].map(|p| map.map(p))
    }
}

fn splat(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A code box from the symbol's corners.
pub fn code_box(corners: &[Pt; 4], modules: usize) -> CodeBox {
    let center = (corners.iter().map(|p| p.0).sum::<f64>() / 4.0, corners.iter().map(|p| p.1).sum::<f64>() / 4.0);
    let d = |a: Pt, b: Pt| ((a.0 - b.0).powi(2) + (a.1 - b.1).powi(2)).sqrt();
    let side = (d(corners[0], corners[2]) + d(corners[1], corners[3])) / (2.0 * std::f64::consts::SQRT_2);
    CodeBox { center, side, module: side / modules as f64 }
}

/// A cluttered background: smooth light falloff, shelves and boxes (rectangles), text-like
/// bars, and a little texture. Cheap per pixel, so 12-megapixel scenes take a moment only.
pub fn background(width: usize, height: usize, rng: &mut Rng) -> Plane {
    let base = rng.range(90.0, 190.0);
    let (ax, fx, px) = (rng.range(10.0, 40.0), rng.range(0.5, 3.0) / width as f64, rng.range(0.0, 6.3));
    let (ay, fy, py) = (rng.range(10.0, 40.0), rng.range(0.5, 3.0) / height as f64, rng.range(0.0, 6.3));
    let cols: Vec<f32> = (0..width).map(|x| (ax * (std::f64::consts::TAU * fx * x as f64 + px).sin()) as f32).collect();
    let mut p = Plane::filled(width, height, 0.0);
    for y in 0..height {
        let row = (base + ay * (std::f64::consts::TAU * fy * y as f64 + py).sin()) as f32;
        for (x, c) in cols.iter().enumerate() {
            p.data[y * width + x] = row + c;
        }
    }
    let scale = width.min(height) as f64;
    for _ in 0..6 + rng.below(14) {
        let (w, h) = (scale * rng.range(0.05, 0.4), scale * rng.range(0.05, 0.4));
        let (x, y) = (rng.range(-0.1, 1.0) * width as f64, rng.range(-0.1, 1.0) * height as f64);
        let value = rng.range(30.0, 230.0) as f32;
        fill_rect(&mut p, (x, y), (w, h), value);
        // Text-like bars on some boxes.
        if rng.chance(0.5) {
            let ink = if value > 120.0 { value * 0.3 } else { (value + 140.0).min(250.0) };
            let bar = (h / 12.0).max(2.0);
            let mut by = y + bar;
            while by + bar < y + h {
                let mut bx = x + bar;
                while bx < x + w - bar {
                    let word = bar * rng.range(1.5, 6.0);
                    fill_rect(&mut p, (bx, by), (word.min(x + w - bar - bx), bar), ink);
                    bx += word + bar;
                }
                by += 2.2 * bar;
            }
        }
    }
    add_noise(&mut p, rng.range(1.5, 4.0), rng);
    p
}

fn fill_rect(p: &mut Plane, at: Pt, size: Pt, value: f32) {
    let (x0, y0) = (at.0.max(0.0) as usize, at.1.max(0.0) as usize);
    let (x1, y1) = (((at.0 + size.0).max(0.0) as usize).min(p.width), ((at.1 + size.1).max(0.0) as usize).min(p.height));
    for y in y0..y1 {
        p.data[y * p.width + x0.min(x1)..y * p.width + x1].iter_mut().for_each(|v| *v = value);
    }
}

/// A map placing a `card`-sized sticker (modules) at `center` with `px_per_module`, turned by
/// `degrees` and with its corners jittered by up to `jitter` of its size (mild perspective).
pub fn sticker_map(card: Pt, center: Pt, px_per_module: f64, degrees: f64, jitter: f64, rng: &mut Rng) -> Homography {
    let place = Homography::similarity(px_per_module, degrees, (0.0, 0.0));
    let half = (card.0 / 2.0, card.1 / 2.0);
    let src = [(0.0, 0.0), (card.0, 0.0), (card.0, card.1), (0.0, card.1)];
    let size = card.0.max(card.1) * px_per_module;
    let dst = src.map(|(u, v)| {
        let (x, y) = place.map((u - half.0, v - half.1));
        (x + center.0 + size * rng.range(-jitter, jitter), y + center.1 + size * rng.range(-jitter, jitter))
    });
    Homography::from_quads(src, dst).expect("sticker quad")
}

/// A phone photo (`width`x`height`) of one sticker on a cluttered background: 2.6–6 px per
/// module, mostly upright, a little perspective, slight softness and sensor noise.
pub fn sticker_photo(text: &str, width: usize, height: usize, rng: &mut Rng) -> (Plane, CodeBox) {
    let sticker = Sticker::new(text, rng);
    let mut p = background(width, height, rng);
    let ppm = rng.range(2.6, 6.0);
    let card = sticker.card();
    let degrees = if rng.chance(0.7) { rng.range(-20.0, 20.0) } else { rng.range(-180.0, 180.0) };
    let extent = card.0.max(card.1) * ppm * 0.75;
    let center = (rng.range(extent, (width as f64 - extent).max(extent + 1.0)), rng.range(extent, (height as f64 - extent).max(extent + 1.0)));
    let map = sticker_map(card, center, ppm, degrees, 0.03, rng);
    let corners = sticker.paste(&mut p, &map);
    let mut p = gaussian_blur(&p, rng.range(0.3, 0.7));
    add_noise(&mut p, rng.range(1.0, 3.0), rng);
    (p, code_box(&corners, sticker.modules()))
}

/// A sheet of stickers photographed (`width`x`height`): up to 12–80 stickers at two or three
/// sizes (2.5–6 px per module; as many as fit),
/// shelf-packed on paper, under a gentle light gradient and a little perspective. Returns the
/// image and the texts present.
pub fn sticker_sheet(width: usize, height: usize, first_index: usize, rng: &mut Rng) -> (Plane, Vec<String>) {
    let mut p = background(width, height, rng);
    // The paper fills most of the frame.
    let paper = rng.range(215.0, 245.0) as f32;
    let margin = width.min(height) as f64 * 0.03;
    fill_rect(&mut p, (margin, margin), (width as f64 - 2.0 * margin, height as f64 - 2.0 * margin), paper);
    let target = 12 + rng.below(69);
    // Module sizes in px: two or three sizes per sheet (what fits is placed, up to `target`).
    let sizes: Vec<f64> = (0..2 + rng.below(2)).map(|_| rng.range(2.5, 6.0)).collect();
    let mut texts = Vec::new();
    let (mut x, mut y, mut row_h) = (2.0 * margin, 2.0 * margin, 0.0f64);
    let mut rng_sticker = Rng::new(rng.next_u64(), &[]);
    for i in 0..target {
        let text = sticker_text(&mut rng_sticker, first_index + i);
        let sticker = Sticker::new(&text, &mut rng_sticker);
        let ppm = sizes[rng.below(sizes.len())];
        let card = sticker.card();
        let (cw, ch) = (card.0 * ppm, card.1 * ppm);
        let gap = ppm * rng.range(1.0, 6.0);
        if x + cw > width as f64 - 2.0 * margin {
            x = 2.0 * margin;
            y += row_h + gap;
            row_h = 0.0;
        }
        if y + ch > height as f64 - 2.0 * margin {
            break;
        }
        let map = sticker_map(card, (x + cw / 2.0, y + ch / 2.0), ppm, rng.range(-4.0, 4.0), 0.01, rng);
        sticker.paste(&mut p, &map);
        texts.push(text);
        x += cw + gap;
        row_h = row_h.max(ch);
    }
    let lit = light_gradient(&p, rng);
    let mut out = gaussian_blur(&lit, rng.range(0.3, 0.6));
    add_noise(&mut out, rng.range(1.5, 3.5), rng);
    (out, texts)
}

/// Multiplies by a linear light gradient (the far side 55–90 % as bright).
fn light_gradient(p: &Plane, rng: &mut Rng) -> Plane {
    let (s, c) = rng.range(0.0, std::f64::consts::TAU).sin_cos();
    let dark = rng.range(0.55, 0.9);
    let diag = ((p.width * p.width + p.height * p.height) as f64).sqrt();
    let mut out = p.clone();
    for y in 0..p.height {
        for x in 0..p.width {
            let t = ((x as f64 - p.width as f64 / 2.0) * c + (y as f64 - p.height as f64 / 2.0) * s) / diag + 0.5;
            out.data[y * p.width + x] *= (dark + (1.0 - dark) * t.clamp(0.0, 1.0)) as f32;
        }
    }
    out
}

/// A corpus photo to place in a scene.
pub struct Source<'a> {
    /// The photo.
    pub image: &'a Plane,
    /// Its expected text.
    pub text: &'a str,
}

/// Pastes `src` into `canvas` through `map` (source pixels to canvas pixels), averaging 2x2
/// samples per canvas pixel.
pub fn paste_photo(canvas: &mut Plane, src: &Plane, map: &Homography) {
    let (w, h) = (src.width as f64, src.height as f64);
    let corners = [(0.0, 0.0), (w, 0.0), (w, h), (0.0, h)].map(|p| map.map(p));
    let inverse = map.inverse().expect("invertible photo map");
    let (x0, y0, x1, y1) = bounds(&corners);
    let (x0, y0) = (x0.floor().max(0.0) as usize, y0.floor().max(0.0) as usize);
    let (x1, y1) = ((x1.ceil().max(0.0) as usize).min(canvas.width), (y1.ceil().max(0.0) as usize).min(canvas.height));
    for y in y0..y1 {
        for x in x0..x1 {
            let (mut sum, mut hits) = (0.0f32, 0);
            for (sx, sy) in [(0.25, 0.25), (0.75, 0.25), (0.25, 0.75), (0.75, 0.75)] {
                let (u, v) = inverse.map((x as f64 + sx, y as f64 + sy));
                if let Some(val) = src.sample(u, v) {
                    sum += val;
                    hits += 1;
                }
            }
            if hits > 0 {
                let px = &mut canvas.data[y * canvas.width + x];
                *px = (*px * (4 - hits) as f32 + sum) / 4.0;
            }
        }
    }
}

/// A wall of products: corpus photos shelf-packed on a `width`x`height` board at several sizes
/// (longer side 160–420 px), each turned a little. Returns the image and the texts placed.
pub fn corpus_mosaic(sources: &[Source<'_>], width: usize, height: usize, rng: &mut Rng) -> (Plane, Vec<String>) {
    let mut p = background(width, height, rng);
    let (mut x, mut y, mut row_h) = (20.0, 20.0, 0.0f64);
    let mut texts = Vec::new();
    for src in sources {
        let longest = src.image.width.max(src.image.height) as f64;
        let scale = rng.range(160.0, 420.0) / longest;
        let (w, h) = (src.image.width as f64 * scale, src.image.height as f64 * scale);
        let gap = rng.range(10.0, 50.0);
        if x + w > width as f64 - 20.0 {
            x = 20.0;
            y += row_h + gap;
            row_h = 0.0;
        }
        if y + h > height as f64 - 20.0 {
            break;
        }
        let degrees = rng.range(-8.0, 8.0);
        let center = (x + w / 2.0, y + h / 2.0);
        let map = Homography::similarity(1.0, 0.0, center).after(&Homography::similarity(scale, degrees, (0.0, 0.0))).after(&Homography::similarity(
            1.0,
            0.0,
            (-(src.image.width as f64) / 2.0, -(src.image.height as f64) / 2.0),
        ));
        paste_photo(&mut p, src.image, &map);
        texts.push(src.text.to_owned());
        x += w + gap;
        row_h = row_h.max(h);
    }
    add_noise(&mut p, 2.0, rng);
    (p, texts)
}

/// A 12-megapixel (4000x3000) photo holding `src` enlarged so its shorter side is 25–55 % of
/// the frame's height, turned a little, on a cluttered background.
pub fn twelve_mp_with_photo(src: &Plane, rng: &mut Rng) -> Plane {
    let (w, h) = (4000usize, 3000usize);
    let mut p = background(w, h, rng);
    let scale = h as f64 * rng.range(0.25, 0.55) / src.width.min(src.height) as f64;
    let (sw, sh) = (src.width as f64 * scale, src.height as f64 * scale);
    let center = (
        rng.range(sw / 2.0 + 10.0, (w as f64 - sw / 2.0 - 10.0).max(sw / 2.0 + 11.0)),
        rng.range(sh / 2.0 + 10.0, (h as f64 - sh / 2.0 - 10.0).max(sh / 2.0 + 11.0)),
    );
    let map = Homography::similarity(1.0, 0.0, center)
        .after(&Homography::similarity(scale, rng.range(-10.0, 10.0), (0.0, 0.0)))
        .after(&Homography::similarity(1.0, 0.0, (-(src.width as f64) / 2.0, -(src.height as f64) / 2.0)));
    paste_photo(&mut p, src, &map);
    add_noise(&mut p, 2.0, rng);
    p
}

/// A 12-megapixel photo of one sticker (8–20 px per module), as a phone's camera app takes it.
pub fn twelve_mp_with_sticker(text: &str, rng: &mut Rng) -> Plane {
    let (w, h) = (4000usize, 3000usize);
    let sticker = Sticker::new(text, rng);
    let mut p = background(w, h, rng);
    let ppm = rng.range(8.0, 20.0);
    let card = sticker.card();
    let extent = card.0.max(card.1) * ppm * 0.75;
    let center = (rng.range(extent, (w as f64 - extent).max(extent + 1.0)), rng.range(extent, (h as f64 - extent).max(extent + 1.0)));
    let map = sticker_map(card, center, ppm, rng.range(-25.0, 25.0), 0.03, rng);
    sticker.paste(&mut p, &map);
    add_noise(&mut p, 2.5, rng);
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sticker_texts_are_signed_guild_urls() {
        let mut rng = Rng::new(3, &[]);
        let a = sticker_text(&mut rng, 0);
        let b = sticker_text(&mut rng, 1);
        assert_ne!(a, b);
        for t in [&a, &b] {
            let parsed = samat_core::model::guild::parse(t).expect("a guild code");
            assert!(parsed.signature.is_some(), "{t}");
        }
    }

    #[test]
    fn a_pasted_sticker_lands_where_its_corners_say() {
        let mut rng = Rng::new(4, &[]);
        let sticker = Sticker::new("https://www.124.ir/g/10010010011", &mut rng);
        let mut canvas = Plane::filled(400, 400, 128.0);
        let map = Homography::similarity(3.0, 0.0, (20.0, 30.0));
        let corners = sticker.paste(&mut canvas, &map);
        assert_eq!(corners[0], (32.0, 42.0));
        // The top-left module of the symbol is dark (a finder pattern), the quiet zone light.
        let at = |x: f64, y: f64| canvas.data[y as usize * 400 + x as usize];
        assert!(at(33.5, 43.5) < 60.0);
        assert!(at(29.5, 39.5) > 200.0);
    }
}
