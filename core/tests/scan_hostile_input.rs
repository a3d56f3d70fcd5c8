//! Hostile or broken input must yield an error or an empty result, quickly and without panic.

mod common;

use std::time::{Duration, Instant};

use samat_core::scan::{scan_frame, scan_image, ScanError};

/// How long a scan may run before the test calls it stuck (the 1920x1080 finder grid once
/// stalled for minutes; a healthy scan takes well under a second). Speed is bench/'s job.
const STUCK: Duration = Duration::from_secs(120);

#[test]
fn zero_sized_frame_is_invalid() {
    assert!(matches!(scan_frame(&[], 0, 0, 0), Err(ScanError::InvalidFrame(_))));
    assert!(matches!(scan_frame(&[0; 10], 0, 10, 1), Err(ScanError::InvalidFrame(_))));
}

#[test]
fn stride_smaller_than_width_is_invalid() {
    assert!(matches!(scan_frame(&[0; 100], 10, 10, 9), Err(ScanError::InvalidFrame(_))));
}

#[test]
fn short_buffer_is_invalid() {
    assert!(matches!(scan_frame(&[0; 99], 10, 10, 10), Err(ScanError::InvalidFrame(_))));
    // Padded stride: needs 9 full rows plus one row of `width`.
    assert!(matches!(scan_frame(&[0; 9 * 16 + 9], 10, 10, 16), Err(ScanError::InvalidFrame(_))));
    assert!(scan_frame(&[0; 9 * 16 + 10], 10, 10, 16).is_ok());
}

#[test]
fn huge_claimed_frame_is_refused_without_touching_memory() {
    let r = scan_frame(&[0; 16], 100_000, 100_000, 100_000);
    assert!(matches!(r, Err(ScanError::TooLarge(_))), "{r:?}");
    let r = scan_frame(&[0; 16], u32::MAX, u32::MAX, u32::MAX);
    assert!(matches!(r, Err(ScanError::TooLarge(_))), "{r:?}");
}

#[test]
fn random_bytes_are_unsupported() {
    for seed in 1..20 {
        let bytes = common::noise_bytes(4096, seed);
        assert!(scan_image(&bytes).is_err());
    }
    assert!(scan_image(&[]).is_err());
}

/// Minimal PNG writer for hand-made headers (CRC-32 as the format requires).
fn png_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = !0u32;
        for &b in bytes {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 != 0 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
            }
        }
        !crc
    }
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    let start = out.len();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let crc = crc32(&out[start..]);
    out.extend_from_slice(&crc.to_be_bytes());
}

fn png_with_header(width: u32, height: u32, bit_depth: u8, color_type: u8) -> Vec<u8> {
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[bit_depth, color_type, 0, 0, 0]);
    png_chunk(&mut png, b"IHDR", &ihdr);
    // A tiny, valid zlib stream (a few zero bytes) standing in for the pixel data.
    png_chunk(&mut png, b"IDAT", &[0x78, 0x9c, 0x63, 0x60, 0x00, 0x00, 0x00, 0x02, 0x00, 0x01]);
    png_chunk(&mut png, b"IEND", &[]);
    png
}

#[test]
fn png_claiming_100000_squared_is_refused() {
    let r = scan_image(&png_with_header(100_000, 100_000, 8, 0));
    assert!(matches!(r, Err(ScanError::TooLarge(_))), "{r:?}");
}

#[test]
fn png_needing_more_than_the_alloc_limit_is_refused() {
    // 7999 x 7999 RGBA16 = 512 MB decoded: within the side limit, over the memory limit.
    let r = scan_image(&png_with_header(7999, 7999, 16, 6));
    assert!(matches!(r, Err(ScanError::TooLarge(_))), "{r:?}");
}

#[test]
fn truncated_png_is_an_error() {
    let r = scan_image(&png_with_header(640, 480, 8, 0));
    assert!(matches!(r, Err(ScanError::UnsupportedImage(_))), "{r:?}");
}

#[test]
fn decompression_bomb_within_limits_is_scanned_quickly() {
    // 6000 x 6000 black compresses to a few tens of kB and decodes to 36 MB of luma.
    let bomb = common::Frame::filled(6000, 6000, 0).to_png();
    assert!(bomb.len() < 200_000, "bomb is {} bytes", bomb.len());
    let r = common::finishes_within(STUCK, move || scan_image(&bomb));
    assert_eq!(r, Ok(vec![]));
}

#[test]
fn pure_noise_frame_finds_nothing_in_bounded_time() {
    let (w, h) = (1280u32, 720u32);
    let frame = common::noise_bytes((w * h) as usize, 7);
    let codes = common::finishes_within(STUCK, move || scan_frame(&frame, w, h, w)).expect("valid frame");
    assert!(codes.is_empty(), "{codes:?}");
}

/// A `w`x`h` frame tiled with 7x7-module finder-like squares (no valid code), `module` px
/// per module, `pitch` px apart: stresses the finder-grouping logic of both decoders.
fn fake_finder_grid(w: usize, h: usize, module: usize, pitch: usize) -> common::Frame {
    let mut f = common::Frame::filled(w, h, 235);
    let side = 7 * module;
    for y0 in (8..h.saturating_sub(side + 8)).step_by(pitch) {
        for x0 in (8..w.saturating_sub(side + 8)).step_by(pitch) {
            for y in 0..side {
                for x in 0..side {
                    let (mx, my) = (x / module, y / module);
                    let ring = mx == 0 || my == 0 || mx == 6 || my == 6;
                    let core = (2..=4).contains(&mx) && (2..=4).contains(&my);
                    if ring || core {
                        f.data[(y0 + y) * w + x0 + x] = 20;
                    }
                }
            }
        }
    }
    f
}

#[test]
fn many_fake_finder_patterns_stay_bounded() {
    // The 1920x1080 one once stalled the rqrr fallback for minutes.
    for (w, h, module, pitch) in [(1024, 768, 4, 52), (640, 480, 2, 22), (640, 480, 3, 30), (1920, 1080, 3, 30)] {
        let f = fake_finder_grid(w, h, module, pitch);
        let start = Instant::now();
        let codes = common::finishes_within(STUCK, move || scan_frame(&f.data, w as u32, h as u32, w as u32)).unwrap();
        eprintln!("{w}x{h} module {module} pitch {pitch}: {:?}", start.elapsed());
        assert!(codes.is_empty());
    }
}

#[test]
fn unsupported_format_is_reported() {
    // A BMP header: the `image` crate knows the format but this scanner does not accept it.
    let r = scan_image(b"BM\x3a\0\0\0\0\0\0\0\x36\0\0\0\x28\0\0\0");
    assert!(matches!(r, Err(ScanError::UnsupportedImage(_))), "{r:?}");
}
