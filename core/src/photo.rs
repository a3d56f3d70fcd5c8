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
    /// The JPEG.
    pub jpeg: Vec<u8>,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
}

/// Decodes, uprights, downscales to [`MAX_SIDE`] and re-encodes `bytes` as JPEG.
pub fn normalize(bytes: &[u8]) -> Result<Photo, PhotoError> {
    if bytes.len() > MAX_SOURCE_BYTES {
        return Err(PhotoError::TooLarge(format!("more than {} MB", MAX_SOURCE_BYTES / (1024 * 1024))));
    }
    let format = image::guess_format(bytes).map_err(|e| PhotoError::NotAnImage(e.to_string()))?;
    if !matches!(format, ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::WebP | ImageFormat::Gif) {
        return Err(PhotoError::NotAnImage(format!("{format:?} is not accepted")));
    }
    let decoded = catch_unwind(AssertUnwindSafe(|| -> Result<DynamicImage, image::ImageError> {
        let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
        let mut limits = Limits::default();
        limits.max_image_width = Some(MAX_SOURCE_SIDE);
        limits.max_image_height = Some(MAX_SOURCE_SIDE);
        limits.max_alloc = Some(MAX_DECODE_ALLOC);
        reader.limits(limits);
        let mut decoder = reader.into_decoder()?;
        let orientation = decoder.orientation().ok();
        let mut img = DynamicImage::from_decoder(decoder)?;
        if let Some(o) = orientation {
            img.apply_orientation(o);
        }
        Ok(img)
    }))
    .map_err(|_| PhotoError::NotAnImage("the decoder failed".into()))?;
    let mut img = decoded.map_err(|e| match e {
        image::ImageError::Limits(l) => PhotoError::TooLarge(l.to_string()),
        other => PhotoError::NotAnImage(other.to_string()),
    })?;
    if img.width().max(img.height()) > MAX_SIDE {
        img = img.resize(MAX_SIDE, MAX_SIDE, image::imageops::FilterType::Triangle);
    }
    let rgb = img.to_rgb8();
    let mut jpeg = Vec::with_capacity(256 * 1024);
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, JPEG_QUALITY).encode_image(&rgb).map_err(|e| PhotoError::NotAnImage(e.to_string()))?;
    Ok(Photo { jpeg, width: rgb.width(), height: rgb.height() })
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
