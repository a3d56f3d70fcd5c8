//! Helpers shared by the integration tests: rendering QR codes into gray frames.

#![allow(dead_code)]

/// Runs `work` on its own thread and returns its result, failing the test if it has not
/// finished after `limit`: a deadline that turns a scan stuck on hostile input into a failure
/// instead of a hung suite. Not a speed check (bench/ measures speed); the limit is generous.
pub fn finishes_within<T: Send + 'static>(limit: std::time::Duration, work: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(work());
    });
    match rx.recv_timeout(limit) {
        Ok(result) => result,
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => panic!("still running after {limit:?}: stuck"),
        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => panic!("the work panicked"),
    }
}

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
        self.paint_qr_at_level(text, qrcode::EcLevel::M, x0, y0, module)
    }

    /// [`Frame::paint_qr`] with error correction H, as the server prints guild stickers.
    pub fn paint_sticker(&mut self, text: &str, x0: usize, y0: usize, module: usize) -> [(f32, f32); 4] {
        self.paint_qr_at_level(text, qrcode::EcLevel::H, x0, y0, module)
    }

    fn paint_qr_at_level(&mut self, text: &str, level: qrcode::EcLevel, x0: usize, y0: usize, module: usize) -> [(f32, f32); 4] {
        let code = qrcode::QrCode::with_error_correction_level(text.as_bytes(), level).expect("encode");
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

    /// A glare veil: pixels pulled towards white by up to `strength` (0..1), falling off as a
    /// Gaussian of the distance from (`cx`, `cy`) over `radius` pixels.
    pub fn glare(&mut self, cx: f32, cy: f32, radius: f32, strength: f32) {
        for y in 0..self.height {
            for x in 0..self.width {
                let d2 = ((x as f32 - cx).powi(2) + (y as f32 - cy).powi(2)) / (radius * radius);
                let v = &mut self.data[y * self.width + x];
                *v = (f32::from(*v) + (255.0 - f32::from(*v)) * strength * (-d2).exp()).round() as u8;
            }
        }
    }

    /// Adds sensor noise: uniform in -`amplitude`..=`amplitude` (deterministic).
    pub fn add_noise(&mut self, amplitude: u8, seed: u64) {
        let noise = noise_bytes(self.data.len(), seed);
        let span = 2 * u32::from(amplitude) + 1;
        for (v, n) in self.data.iter_mut().zip(noise) {
            *v = (i32::from(*v) + (u32::from(n) % span) as i32 - i32::from(amplitude)).clamp(0, 255) as u8;
        }
    }

    /// Fills a disc with white (a specular highlight, or a torn-off patch).
    pub fn white_disc(&mut self, cx: f32, cy: f32, radius: f32) {
        for y in 0..self.height {
            for x in 0..self.width {
                if (x as f32 - cx).powi(2) + (y as f32 - cy).powi(2) <= radius * radius {
                    self.data[y * self.width + x] = 255;
                }
            }
        }
    }

    /// Defocus: the mean over a disc of `radius` pixels around each pixel (edges clamped).
    pub fn defocused(&self, radius: i32) -> Frame {
        let taps: Vec<(i32, i32)> =
            (-radius..=radius).flat_map(|dy| (-radius..=radius).map(move |dx| (dx, dy))).filter(|(dx, dy)| dx * dx + dy * dy <= radius * radius).collect();
        let mut out = Frame::filled(self.width, self.height, 0);
        for y in 0..self.height as i32 {
            for x in 0..self.width as i32 {
                let sum: u32 = taps
                    .iter()
                    .map(|(dx, dy)| {
                        let (sx, sy) = ((x + dx).clamp(0, self.width as i32 - 1), (y + dy).clamp(0, self.height as i32 - 1));
                        u32::from(self.data[sy as usize * self.width + sx as usize])
                    })
                    .sum();
                out.data[y as usize * self.width + x as usize] = (sum / taps.len() as u32) as u8;
            }
        }
        out
    }

    /// The frame seen in perspective: its corners (TL, TR, BR, BL) moved to `corners`
    /// (bilinear, uncovered pixels light gray).
    pub fn in_perspective(&self, corners: [(f32, f32); 4]) -> Frame {
        let (w, h) = (self.width as f32, self.height as f32);
        // Output pixel -> unit square (inverse of unit square -> corners), then to the frame.
        let to_unit = square_to_quad(corners).inverse();
        let mut out = Frame::filled(self.width, self.height, 200);
        for y in 0..self.height {
            for x in 0..self.width {
                let (u, v) = to_unit.map(x as f32 + 0.5, y as f32 + 0.5);
                let (sx, sy) = (u * w - 0.5, v * h - 0.5);
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

/// A projective map of the plane (3x3, row-major).
pub struct Projective([f32; 9]);

impl Projective {
    pub fn map(&self, x: f32, y: f32) -> (f32, f32) {
        let m = &self.0;
        let w = m[6] * x + m[7] * y + m[8];
        ((m[0] * x + m[1] * y + m[2]) / w, (m[3] * x + m[4] * y + m[5]) / w)
    }

    pub fn inverse(&self) -> Projective {
        let m = &self.0;
        let c = [
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
        Projective(c)
    }
}

/// The map from the unit square (0,0), (1,0), (1,1), (0,1) to `q` (TL, TR, BR, BL).
pub fn square_to_quad(q: [(f32, f32); 4]) -> Projective {
    let [(x0, y0), (x1, y1), (x2, y2), (x3, y3)] = q;
    let (dx3, dy3) = (x0 - x1 + x2 - x3, y0 - y1 + y2 - y3);
    let (dx1, dx2, dy1, dy2) = (x1 - x2, x3 - x2, y1 - y2, y3 - y2);
    let den = dx1 * dy2 - dx2 * dy1;
    let g = (dx3 * dy2 - dx2 * dy3) / den;
    let h = (dx1 * dy3 - dx3 * dy1) / den;
    Projective([x1 - x0 + g * x1, x3 - x0 + h * x3, x0, y1 - y0 + g * y1, y3 - y0 + h * y3, y0, g, h, 1.0])
}
