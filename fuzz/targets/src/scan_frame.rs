//! The QR scanner on camera frames: [`scan::scan_frame`] on a luma plane of any geometry.

use samat_core::scan::{self, FoundCode, ScanError, MAX_CODES, MAX_FRAME_PIXELS};

/// Largest input looked at (a 256x256 frame and its header).
pub const MAX_FRAME_BYTES: usize = 70_000;

/// The first byte chooses how the rest becomes a frame:
/// - bit 0 clear: raw pixels; the next bytes give the width (1–256) and the row padding,
///   and the height is what the bytes fill;
/// - bit 0 set: a QR-like module grid; the next bytes give the pixels per module (1–6), the
///   quiet zone (0–4 modules) and the grid size (21–61 modules), and the rest are the
///   modules, one bit each, so mutations of a real symbol reach the decoder;
/// - bit 1 inverts the frame (light modules on dark);
/// - bit 2 (raw pixels only) declares a geometry of its own (16-bit width, height, stride),
///   right or wrong, to exercise the frame checks.
///
/// Scanning never panics, refuses exactly the impossible geometries, and finds at most a
/// bounded number of codes with corners inside the frame.
pub fn scan_frame(data: &[u8]) {
    if data.len() > MAX_FRAME_BYTES || data.len() < 4 {
        return;
    }
    let mode = data[0];
    let (mut luma, width, height, stride) = if mode & 1 == 1 {
        modules(&data[1..])
    } else if mode & 4 == 4 {
        declared(&data[1..])
    } else {
        raw(&data[1..])
    };
    if mode & 2 == 2 {
        luma.iter_mut().for_each(|p| *p = 255 - *p);
    }
    let possible = width > 0
        && height > 0
        && stride >= width
        && u64::from(width) * u64::from(height) <= MAX_FRAME_PIXELS
        && luma.len() as u64 >= u64::from(stride) * u64::from(height - 1) + u64::from(width);
    match scan::scan_frame(&luma, width, height, stride) {
        Ok(codes) => {
            assert!(possible, "scanned an impossible {width}x{height} frame (stride {stride}, {} bytes)", luma.len());
            check_codes(&codes, width, height);
        }
        Err(ScanError::InvalidFrame(_) | ScanError::TooLarge(_)) => {
            assert!(!possible, "refused a possible {width}x{height} frame (stride {stride}, {} bytes)", luma.len())
        }
        Err(e) => panic!("a frame is not an image: {e:?}"),
    }
}

/// Raw pixels: width and padding from two bytes, as many rows as the rest fills (the last
/// row may be short of its padding, as camera APIs hand them out).
fn raw(data: &[u8]) -> (Vec<u8>, u32, u32, u32) {
    let width = u32::from(data[0]) + 1;
    let stride = width + u32::from(data[1] % 8);
    let pixels = data[2..].to_vec();
    let len = pixels.len() as u32;
    let height = if len < width { 0 } else { (len - width) / stride + 1 };
    (pixels, width, height, stride)
}

/// A geometry read from six bytes, whatever the buffer holds.
fn declared(data: &[u8]) -> (Vec<u8>, u32, u32, u32) {
    if data.len() < 6 {
        return (Vec::new(), 0, 0, 0);
    }
    let word = |i: usize| u32::from(u16::from_le_bytes([data[i], data[i + 1]]));
    (data[6..].to_vec(), word(0), word(2), word(4))
}

/// A module grid drawn black on white: `scale` px per module, `quiet` light modules around.
fn modules(data: &[u8]) -> (Vec<u8>, u32, u32, u32) {
    let scale = 1 + usize::from(data[0] % 6);
    let quiet = usize::from(data[1] % 5);
    let n = 21 + 4 * usize::from(data[2] % 11);
    let bits = &data[3..];
    let side = (n + 2 * quiet) * scale;
    let mut luma = vec![255u8; side * side];
    for my in 0..n {
        for mx in 0..n {
            let i = my * n + mx;
            let dark = bits.get(i / 8).is_some_and(|b| b & (0x80 >> (i % 8)) != 0);
            if dark {
                for y in (quiet + my) * scale..(quiet + my + 1) * scale {
                    luma[y * side + (quiet + mx) * scale..y * side + (quiet + mx + 1) * scale].fill(0);
                }
            }
        }
    }
    let side = side as u32;
    (luma, side, side, side)
}

/// What any scan result must be: a bounded list of codes whose corners are finite points
/// inside the `width`x`height` frame.
pub fn check_codes(codes: &[FoundCode], width: u32, height: u32) {
    assert!(codes.len() <= 2 * MAX_CODES, "{} codes", codes.len());
    for code in codes {
        for p in &code.corners {
            let inside = p.x.is_finite() && p.y.is_finite() && (0.0..=width as f32).contains(&p.x) && (0.0..=height as f32).contains(&p.y);
            assert!(inside, "corner {p:?} of {:?} outside the {width}x{height} frame: {:?}", code.text, code.corners);
        }
    }
}
