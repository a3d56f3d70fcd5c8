//! Decoding behaviour: coordinates, rotation, strides, charsets, structured append.

mod common;

use std::path::Path;

use common::Frame;
use samat_core::scan::{scan_frame, scan_image, FoundCode, StructuredAppendAssembler};

const TEXT: &str = "https://example.com/samat/scan-test?id=42";

fn scan(f: &Frame) -> Vec<FoundCode> {
    scan_frame(&f.data, f.width as u32, f.height as u32, f.width as u32).expect("valid frame")
}

fn assert_corners_near(code: &FoundCode, expected: [(f32, f32); 4], tolerance: f32) {
    // The reported order follows the symbol, so compare as sets.
    for (ex, ey) in expected {
        let nearest = code.corners.iter().map(|p| ((p.x - ex).powi(2) + (p.y - ey).powi(2)).sqrt()).fold(f32::MAX, f32::min);
        assert!(nearest < tolerance, "corner ({ex}, {ey}) off by {nearest}: {:?}", code.corners);
    }
}

#[test]
fn decodes_a_plain_frame_with_corners() {
    let mut f = Frame::filled(640, 480, 200);
    let corners = f.paint_qr(TEXT, 200, 120, 5);
    let codes = scan(&f);
    assert_eq!(codes.len(), 1, "{codes:?}");
    assert_eq!(codes[0].text, TEXT);
    assert_corners_near(&codes[0], corners, 6.0);
}

#[test]
fn corners_map_back_from_an_internally_downscaled_image() {
    // 5000x3500 is above the working size, so the first pass runs on a downscaled copy.
    let mut f = Frame::filled(5000, 3500, 190);
    let corners = f.paint_qr(TEXT, 3100, 1900, 24);
    let codes = scan_image(&f.to_png()).expect("decodes");
    assert_eq!(codes.len(), 1, "{codes:?}");
    assert_eq!(codes[0].text, TEXT);
    assert_corners_near(&codes[0], corners, 24.0);
}

#[test]
fn padded_stride_and_short_last_row() {
    let mut f = Frame::filled(400, 300, 210);
    let corners = f.paint_qr(TEXT, 100, 60, 4);
    let stride = 448;
    let mut buf = vec![0u8; stride * 299 + 400];
    for y in 0..300 {
        buf[y * stride..y * stride + 400].copy_from_slice(&f.data[y * 400..y * 400 + 400]);
    }
    let codes = scan_frame(&buf, 400, 300, stride as u32).unwrap();
    assert_eq!(codes.len(), 1, "{codes:?}");
    assert_eq!(codes[0].text, TEXT);
    assert_corners_near(&codes[0], corners, 5.0);
}

#[test]
fn decodes_rotated_codes() {
    let mut f = Frame::filled(600, 600, 220);
    f.paint_qr(TEXT, 190, 190, 5);
    for degrees in [90.0, 180.0, 270.0, 30.0, 45.0, 137.0] {
        let codes = scan(&f.rotated(degrees));
        assert!(codes.iter().any(|c| c.text == TEXT), "rotation {degrees}: {codes:?}");
    }
}

#[test]
fn decodes_inverted_code() {
    let mut f = Frame::filled(500, 400, 235);
    f.paint_qr(TEXT, 150, 100, 5);
    f.data.iter_mut().for_each(|p| *p = 255 - *p);
    let codes = scan(&f);
    assert!(codes.iter().any(|c| c.text == TEXT), "{codes:?}");
}

#[test]
fn finds_several_codes_in_one_frame() {
    let mut f = Frame::filled(900, 400, 225);
    f.paint_qr("first", 60, 80, 6);
    f.paint_qr("second", 360, 80, 6);
    f.paint_qr("third", 660, 80, 6);
    let mut texts: Vec<_> = scan(&f).into_iter().map(|c| c.text).collect();
    texts.sort();
    assert_eq!(texts, ["first", "second", "third"]);
}

#[test]
fn reads_a_sheet_of_twenty_codes() {
    let mut f = Frame::filled(1400, 1000, 230);
    let mut expected = Vec::new();
    for row in 0..4 {
        for col in 0..5 {
            let text = format!("sheet item {row}-{col}");
            f.paint_qr(&text, 40 + col * 270, 40 + row * 240, 5);
            expected.push(text);
        }
    }
    let mut texts: Vec<_> = scan(&f).into_iter().map(|c| c.text).collect();
    texts.sort();
    expected.sort();
    assert_eq!(texts, expected);
}

#[test]
fn decodes_every_supported_container() {
    let mut f = Frame::filled(320, 240, 225);
    f.paint_qr(TEXT, 80, 40, 4);
    let gray = image::GrayImage::from_raw(320, 240, f.data.clone()).unwrap();
    let rgb = image::DynamicImage::ImageLuma8(gray).to_rgb8();
    for format in [image::ImageFormat::Png, image::ImageFormat::Jpeg, image::ImageFormat::Gif, image::ImageFormat::WebP] {
        let mut bytes = std::io::Cursor::new(Vec::new());
        rgb.write_to(&mut bytes, format).expect("encode");
        let codes = scan_image(&bytes.into_inner()).expect("decodes");
        assert!(codes.iter().any(|c| c.text == TEXT), "{format:?}: {codes:?}");
    }
}

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/qr-corpus");

fn corpus_file(rel: &str) -> Option<Vec<u8>> {
    let path = Path::new(CORPUS).join(rel);
    if !path.exists() {
        eprintln!("corpus file {} missing, skipping", path.display());
        return None;
    }
    Some(std::fs::read(path).unwrap())
}

#[test]
fn shift_jis_text_is_decoded() {
    let (Some(img), Some(txt)) = (corpus_file("zxing/qrcode-2/16.png"), corpus_file("zxing/qrcode-2/16.txt")) else {
        return;
    };
    let expected = String::from_utf8(txt).unwrap();
    let codes = scan_image(&img).unwrap();
    assert!(codes.iter().any(|c| c.text == expected), "{codes:?}");
}

#[test]
fn rqrr_panic_image_is_survived() {
    let Some(img) = corpus_file("zxing/qrcode-6/7.png") else {
        return;
    };
    let _ = scan_image(&img).unwrap();
}

#[test]
fn structured_append_parts_assemble_across_images() {
    let Some(expected) = corpus_file("zxing-cpp/qrcode-7/01.txt") else {
        return;
    };
    let expected = String::from_utf8(expected).unwrap();
    let mut assembler = StructuredAppendAssembler::new();
    let mut merged = None;
    for i in [3, 1, 4, 2] {
        let img = corpus_file(&format!("zxing-cpp/qrcode-7/01-0{i}.png")).unwrap();
        let codes = scan_image(&img).unwrap();
        assert_eq!(codes.len(), 1);
        let sa = codes[0].structured_append.expect("structured append part");
        assert_eq!((sa.index, sa.count), (i - 1, 4));
        merged = assembler.push(&codes[0]);
    }
    assert_eq!(merged.as_deref(), Some(expected.as_str()));
}

/// Corners come in the symbol's own order — top-left, top-right, bottom-right, bottom-left —
/// so an app can draw the box as a polygon and knows which way up the sticker is.
#[test]
fn corners_are_in_symbol_order_whatever_the_rotation() {
    for degrees in [0.0f32, 90.0, 180.0, 270.0] {
        let mut f = common::Frame::filled(640, 640, 235);
        let painted = f.paint_qr(TEXT, 220, 220, 5);
        let frame = if degrees == 0.0 { f } else { f.rotated(degrees) };
        // Where the rotation about the frame centre took each painted corner.
        let (s, c) = (-degrees).to_radians().sin_cos();
        let expected = painted.map(|(x, y)| {
            let (dx, dy) = (x - 320.0, y - 320.0);
            (c * dx + s * dy + 320.0, -s * dx + c * dy + 320.0)
        });
        let codes = scan_frame(&frame.data, 640, 640, 640).unwrap();
        assert_eq!(codes.len(), 1, "{degrees}°");
        for (i, (ex, ey)) in expected.iter().enumerate() {
            let p = codes[0].corners[i];
            let off = ((p.x - ex).powi(2) + (p.y - ey).powi(2)).sqrt();
            assert!(off < 8.0, "{degrees}°: corner {i} at ({}, {}), expected ({ex}, {ey}); all: {:?}", p.x, p.y, codes[0].corners);
        }
    }
}
