//! Helpers shared by the integration tests: rendering QR codes into gray frames.

#![allow(dead_code)]

/// A gray frame, row-major, packed.
pub struct Frame {
    pub data: Vec<u8>,
    pub width: usize,
    pub height: usize,
}

impl Frame {
    pub fn filled(width: usize, height: usize, value: u8) -> Self {
        Frame { data: vec![value; width * height], width, height }
    }

    /// Paints `text` as a QR code with its top-left module corner at (`x0`, `y0`), `module`
    /// pixels per module and a 4-module white quiet zone around it. Returns the symbol's
    /// corners (outer edge of the modules, without the quiet zone): TL, TR, BR, BL.
    pub fn paint_qr(&mut self, text: &str, x0: usize, y0: usize, module: usize) -> [(f32, f32); 4] {
        let code = qrcode::QrCode::new(text.as_bytes()).expect("encode");
        let n = code.width();
        let colors = code.to_colors();
        let quiet = 4 * module;
        for y in y0 - quiet..y0 + n * module + quiet {
            for x in x0 - quiet..x0 + n * module + quiet {
                let inside = x >= x0 && y >= y0 && x < x0 + n * module && y < y0 + n * module;
                let dark = inside && colors[((y - y0) / module) * n + (x - x0) / module] == qrcode::Color::Dark;
                self.data[y * self.width + x] = if dark { 20 } else { 235 };
            }
        }
        let s = (n * module) as f32;
        let (x, y) = (x0 as f32, y0 as f32);
        [(x, y), (x + s, y), (x + s, y + s), (x, y + s)]
    }

    /// Rotates the frame by `degrees` about its centre (bilinear, white fill).
    pub fn rotated(&self, degrees: f32) -> Frame {
        let (w, h) = (self.width as f32, self.height as f32);
        let (s, c) = degrees.to_radians().sin_cos();
        let (cx, cy) = (w / 2.0, h / 2.0);
        let mut out = Frame::filled(self.width, self.height, 235);
        for y in 0..self.height {
            for x in 0..self.width {
                let (dx, dy) = (x as f32 + 0.5 - cx, y as f32 + 0.5 - cy);
                let sx = c * dx + s * dy + cx - 0.5;
                let sy = -s * dx + c * dy + cy - 0.5;
                if sx < 0.0 || sy < 0.0 || sx >= w - 1.0 || sy >= h - 1.0 {
                    continue;
                }
                let (ix, iy) = (sx as usize, sy as usize);
                let (fx, fy) = (sx - ix as f32, sy - iy as f32);
                let p = |xx: usize, yy: usize| f32::from(self.data[yy * self.width + xx]);
                let v = p(ix, iy) * (1.0 - fx) * (1.0 - fy) + p(ix + 1, iy) * fx * (1.0 - fy) + p(ix, iy + 1) * (1.0 - fx) * fy + p(ix + 1, iy + 1) * fx * fy;
                out.data[y * self.width + x] = v.round() as u8;
            }
        }
        out
    }

    /// Encodes the frame as an 8-bit grayscale PNG.
    pub fn to_png(&self) -> Vec<u8> {
        let img = image::GrayImage::from_raw(self.width as u32, self.height as u32, self.data.clone()).expect("buffer size");
        let mut out = std::io::Cursor::new(Vec::new());
        img.write_to(&mut out, image::ImageFormat::Png).expect("encode png");
        out.into_inner()
    }
}

/// Deterministic xorshift64 bytes.
pub fn noise_bytes(len: usize, seed: u64) -> Vec<u8> {
    let mut state = seed.max(1);
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect()
}
