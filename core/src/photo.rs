//! Photos of complaints, made safe to keep and show: decoded with hard limits (no
//! decompression bombs, a decoder panic is an error), turned upright, downscaled, and
//! re-encoded as JPEG — which drops EXIF, GPS position and every other piece of metadata, and
//! anything that was not really an image. The phone runs it before storing a photo in a draft;
//! the server runs it again on every upload, whatever sent it.

use std::io::Cursor;
use std::panic::{catch_unwind, AssertUnwindSafe};

use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};

/// Largest source file accepted.
pub const MAX_SOURCE_BYTES: usize = 40 * 1024 * 1024;
/// Longest side after downscaling.
pub const MAX_SIDE: u32 = 1600;
/// JPEG quality of the stored copy.
pub const JPEG_QUALITY: u8 = 82;
/// Largest source width or height accepted (a 12,000 px side is past any phone camera).
pub const MAX_SOURCE_SIDE: u32 = 12_000;
/// Memory the decoder may use for one image.
pub const MAX_DECODE_ALLOC: u64 = 512 * 1024 * 1024;

/// Why bytes are not a photo we keep.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhotoError {
    /// Not a JPEG, PNG, WebP or GIF, or broken.
    #[error("not a readable JPEG, PNG, WebP or GIF image: {0}")]
    NotAnImage(String),
    /// Too many bytes, or too many pixels (a decompression bomb).
    #[error("the image is too large: {0}")]
    TooLarge(String),
}

impl PhotoError {
    /// The stable error code: `invalid_image` or `image_too_large`.
    pub fn code(&self) -> &'static str {
        match self {
            PhotoError::NotAnImage(_) => "invalid_image",
            PhotoError::TooLarge(_) => "image_too_large",
        }
    }
}

/// A photo as kept: JPEG bytes and their size in pixels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Photo {
    pub jpeg: Vec<u8>,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
}

/// Decodes, uprights, downscales to [`MAX_SIDE`] and re-encodes `bytes` as JPEG. A JPEG that
/// is already upright and small enough is kept as it is, without its metadata, when that is
/// smaller than re-encoding it: a photo is never made bigger by "downscaling".
pub fn normalize(bytes: &[u8]) -> Result<Photo, PhotoError> {
    if bytes.len() > MAX_SOURCE_BYTES {
        return Err(PhotoError::TooLarge(format!("more than {} MB", MAX_SOURCE_BYTES / (1024 * 1024))));
    }
    let format = image::guess_format(bytes).map_err(|e| PhotoError::NotAnImage(e.to_string()))?;
    if !matches!(format, ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::WebP | ImageFormat::Gif) {
        return Err(PhotoError::NotAnImage(format!("{} is not accepted", format.to_mime_type())));
    }
    let (mut img, upright) = decode(bytes, format)?;
    let resized = img.width().max(img.height()) > MAX_SIDE;
    if resized {
        img = img.resize(MAX_SIDE, MAX_SIDE, image::imageops::FilterType::Triangle);
    }
    let rgb = img.to_rgb8();
    let mut jpeg = Vec::with_capacity(256 * 1024);
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, JPEG_QUALITY).encode_image(&rgb).map_err(|e| PhotoError::NotAnImage(e.to_string()))?;
    let (width, height) = (rgb.width(), rgb.height());
    if format == ImageFormat::Jpeg && !resized && upright {
        if let Some(stripped) = strip_jpeg_metadata(bytes) {
            // The stripped original must still be the same picture.
            let same = decode(&stripped, ImageFormat::Jpeg).is_ok_and(|(i, _)| (i.width(), i.height()) == (width, height));
            if keep_original(same, stripped.len(), jpeg.len()) {
                return Ok(Photo { jpeg: stripped, width, height });
            }
        }
    }
    Ok(Photo { jpeg, width, height })
}

/// Whether to keep a small, upright JPEG as it came (without its metadata) rather than its
/// re-encoding: when it still decodes to the same picture and is not larger.
pub fn keep_original(decodes_the_same: bool, original_len: usize, reencoded_len: usize) -> bool {
    decodes_the_same && original_len <= reencoded_len
}

/// Decodes with limits (a decoder panic is an error) and turns the picture upright; says
/// whether it was upright already.
fn decode(bytes: &[u8], format: ImageFormat) -> Result<(DynamicImage, bool), PhotoError> {
    let decoded = catch_unwind(AssertUnwindSafe(|| -> Result<(DynamicImage, bool), image::ImageError> {
        let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
        let mut limits = Limits::default();
        limits.max_image_width = Some(MAX_SOURCE_SIDE);
        limits.max_image_height = Some(MAX_SOURCE_SIDE);
        limits.max_alloc = Some(MAX_DECODE_ALLOC);
        reader.limits(limits);
        let mut decoder = reader.into_decoder()?;
        let orientation = decoder.orientation().ok();
        let mut img = DynamicImage::from_decoder(decoder)?;
        let upright = orientation.is_none_or(|o| o == image::metadata::Orientation::NoTransforms);
        if let Some(o) = orientation {
            img.apply_orientation(o);
        }
        Ok((img, upright))
    }))
    .map_err(|_| PhotoError::NotAnImage("the decoder failed".into()))?;
    decoded.map_err(|e| match e {
        image::ImageError::Limits(l) => PhotoError::TooLarge(l.to_string()),
        other => PhotoError::NotAnImage(other.to_string()),
    })
}

/// A JPEG with only the segments its picture is made of — no application segments (EXIF with
/// GPS, XMP, ICC, thumbnails), comments or reserved segments — and nothing after its end: the same compressed picture, nothing else. `None` when
/// the file is not a well-formed baseline or progressive JPEG, or carries an Adobe segment
/// (whose colour transform the picture needs).
pub fn strip_jpeg_metadata(bytes: &[u8]) -> Option<Vec<u8>> {
    if bytes.get(..2)? != [0xFF, 0xD8] {
        return None;
    }
    let mut out = Vec::with_capacity(bytes.len());
    out.extend_from_slice(&[0xFF, 0xD8]);
    let mut i = 2;
    loop {
        // A marker: 0xFF, any fill bytes, then its code.
        if *bytes.get(i)? != 0xFF {
            return None;
        }
        while *bytes.get(i)? == 0xFF {
            i += 1;
        }
        let marker = *bytes.get(i)?;
        i += 1;
        match marker {
            0xD9 => {
                out.extend_from_slice(&[0xFF, 0xD9]);
                return Some(out);
            }
            0xD8 | 0x00 => return None,
            0x01 | 0xD0..=0xD7 => out.extend_from_slice(&[0xFF, marker]),
            _ => {
                let len = u16::from_be_bytes([*bytes.get(i)?, *bytes.get(i + 1)?]) as usize;
                if len < 2 {
                    return None;
                }
                let segment = bytes.get(i..i + len)?;
                i += len;
                match marker {
                    0xEE if segment.get(2..7) == Some(b"Adobe") => return None,
                    // What the picture is made of: frame headers, Huffman and arithmetic
                    // tables, quantisation tables, restart interval, scans, line count.
                    0xC0..=0xCF | 0xDA..=0xDD => {}
                    // Everything else carries no pixels and may carry anything (application
                    // segments, comments, and reserved markers a decoder skips): dropped.
                    _ => continue,
                }
                out.extend_from_slice(&[0xFF, marker]);
                out.extend_from_slice(segment);
                if marker == 0xDA {
                    // The entropy-coded scan runs to the next marker that is not a stuffed
                    // 0xFF00 or a restart marker.
                    let start = i;
                    loop {
                        let b = *bytes.get(i)?;
                        if b == 0xFF {
                            let next = *bytes.get(i + 1)?;
                            if next != 0x00 && !(0xD0..=0xD7).contains(&next) && next != 0xFF {
                                break;
                            }
                            if next == 0xFF {
                                // Fill before a marker: the marker starts at the last 0xFF.
                                i += 1;
                                continue;
                            }
                            i += 2;
                        } else {
                            i += 1;
                        }
                    }
                    out.extend_from_slice(&bytes[start..i]);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(width: u32, height: u32) -> Vec<u8> {
        let img = image::RgbImage::from_fn(width, height, |x, y| image::Rgb([(x % 256) as u8, (y % 256) as u8, 128]));
        let mut out = Vec::new();
        DynamicImage::ImageRgb8(img).write_to(&mut Cursor::new(&mut out), ImageFormat::Png).unwrap();
        out
    }

    #[test]
    fn large_photos_are_downscaled_to_a_jpeg() {
        let p = normalize(&png(3200, 1200)).unwrap();
        assert_eq!((p.width, p.height), (1600, 600));
        assert_eq!(&p.jpeg[..3], &[0xFF, 0xD8, 0xFF]);
    }

    #[test]
    fn exif_hidden_in_a_reserved_segment_is_stripped_too() {
        // Found by the fuzz target `photo` (fuzz/corpus/photo/found-exif-kept): an Exif payload
        // in a reserved 0xFFA1 segment, which decoders skip and the strip kept.
        let clean = normalize(&png(64, 64)).unwrap().jpeg;
        let mut hidden = vec![0xFF, 0xD8, 0xFF, 0xA1];
        let payload = b"Exif\0\0II*\0GPSLatitude35.6892";
        hidden.extend(((payload.len() + 2) as u16).to_be_bytes());
        hidden.extend(payload);
        hidden.extend(&clean[2..]);
        let out = strip_jpeg_metadata(&hidden).expect("still a JPEG");
        assert!(!out.windows(4).any(|w| w == b"Exif"), "EXIF survived");
        assert_eq!(image::load_from_memory(&out).unwrap().width(), image::load_from_memory(&clean).unwrap().width());
    }

    #[test]
    fn exif_and_gps_are_stripped() {
        // A JPEG with an APP1 Exif segment carrying a GPS-looking payload.
        let clean = normalize(&png(64, 64)).unwrap().jpeg;
        let mut with_exif = vec![0xFF, 0xD8];
        let exif_payload = b"Exif\0\0MM\0*GPSLatitude35.6892GPSLongitude51.3890";
        with_exif.extend([0xFF, 0xE1]);
        with_exif.extend(((exif_payload.len() + 2) as u16).to_be_bytes());
        with_exif.extend(exif_payload);
        with_exif.extend(&clean[2..]);
        assert!(with_exif.windows(11).any(|w| w == b"GPSLatitude"));
        let out = normalize(&with_exif).unwrap().jpeg;
        assert!(!out.windows(4).any(|w| w == b"Exif"), "EXIF survived");
        assert!(!out.windows(11).any(|w| w == b"GPSLatitude"), "GPS survived");
    }

    fn jpeg(width: u32, height: u32, quality: u8) -> Vec<u8> {
        let img = image::RgbImage::from_fn(width, height, |x, y| image::Rgb([(x % 256) as u8, (y % 256) as u8, 128]));
        let mut out = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality).encode_image(&img).unwrap();
        out
    }

    fn with_app1(jpeg: &[u8], payload: &[u8]) -> Vec<u8> {
        let mut out = vec![0xFF, 0xD8, 0xFF, 0xE1];
        out.extend(((payload.len() + 2) as u16).to_be_bytes());
        out.extend(payload);
        out.extend(&jpeg[2..]);
        out
    }

    #[test]
    fn a_small_jpeg_is_kept_without_its_metadata_and_never_grows() {
        // A JPEG of low quality: re-encoding it at quality 82 would make it bigger.
        let small = jpeg(800, 600, 40);
        let mut sent = with_app1(&small, b"Exif\0\0MM\0*GPSLatitude35.6892");
        sent.extend(b"trailing bytes after the end");
        let p = normalize(&sent).unwrap();
        assert_eq!((p.width, p.height), (800, 600));
        assert!(p.jpeg.len() <= sent.len(), "{} > {}", p.jpeg.len(), sent.len());
        assert_eq!(p.jpeg, strip_jpeg_metadata(&small).unwrap(), "the same picture, without the EXIF and the trailing bytes");
        assert!(!p.jpeg.windows(11).any(|w| w == b"GPSLatitude"));
        // Kept once, kept again: the server's second pass changes nothing.
        assert_eq!(normalize(&p.jpeg).unwrap().jpeg, p.jpeg);
    }

    #[test]
    fn when_to_keep_the_original() {
        for (same, original, reencoded, keep) in [(true, 100, 200, true), (true, 200, 200, true), (true, 201, 200, false), (false, 100, 200, false)] {
            assert_eq!(keep_original(same, original, reencoded), keep, "{same} {original} {reencoded}");
        }
    }

    #[test]
    fn stripping_refuses_what_is_not_a_plain_jpeg() {
        assert!(strip_jpeg_metadata(b"not a jpeg").is_none());
        let j = jpeg(16, 16, 80);
        assert!(strip_jpeg_metadata(&j[..j.len() / 2]).is_none(), "truncated");
        let mut adobe = vec![0xFF, 0xD8, 0xFF, 0xEE, 0x00, 0x0E];
        adobe.extend(b"Adobe\0\x64\0\0\0\0\x01");
        adobe.extend(&j[2..]);
        assert!(strip_jpeg_metadata(&adobe).is_none(), "an Adobe colour transform is kept by re-encoding");
        let stripped = strip_jpeg_metadata(&j).unwrap();
        assert_eq!(strip_jpeg_metadata(&stripped).unwrap(), stripped);
        assert_eq!(decode(&stripped, ImageFormat::Jpeg).unwrap().0.width(), 16);
    }

    #[test]
    fn hostile_or_broken_input_is_an_error_not_a_crash() {
        assert_eq!(normalize(b"not an image").unwrap_err().code(), "invalid_image");
        assert!(normalize(&[]).is_err());
        let mut truncated = png(100, 100);
        truncated.truncate(60);
        assert!(normalize(&truncated).is_err());
        // A PNG header claiming 60000 x 60000 pixels (its checksum left wrong here; the
        // end-to-end test sends a correct one and gets `image_too_large`).
        let mut bomb = png(1, 1);
        bomb[16..20].copy_from_slice(&60_000u32.to_be_bytes());
        bomb[20..24].copy_from_slice(&60_000u32.to_be_bytes());
        assert!(normalize(&bomb).is_err());
        // A PNG signature followed by HTML is not an image.
        let mut fake = b"\x89PNG\r\n\x1a\n".to_vec();
        fake.extend_from_slice(b"<html><script>alert(1)</script></html>");
        assert_eq!(normalize(&fake).unwrap_err().code(), "invalid_image");
    }
}
