//! Decoding JPEG / PNG / WebP / GIF bytes into a grayscale buffer, with hard limits.

use std::io::Cursor;
use std::panic::{catch_unwind, AssertUnwindSafe};

use image::{ImageFormat, ImageReader, Limits};

use super::luma::Gray;
use super::ScanError;

/// Largest width or height accepted from an encoded image.
pub const MAX_IMAGE_SIDE: u32 = 8000;
/// Most memory the image decoder may allocate for one image.
pub const MAX_DECODE_ALLOC: u64 = 256 * 1024 * 1024;

/// Decodes `bytes` (JPEG, PNG, WebP or GIF; first frame of an animation) to 8-bit luma.
///
/// The header is checked against [`MAX_IMAGE_SIDE`] before any pixel buffer is allocated and
/// the decoder is capped at [`MAX_DECODE_ALLOC`] bytes, so decompression bombs fail fast.
pub(crate) fn decode_to_gray(bytes: &[u8]) -> Result<Gray, ScanError> {
    if bytes.is_empty() {
        return Err(ScanError::UnsupportedImage("empty input".into()));
    }
    let format = image::guess_format(bytes).map_err(|e| ScanError::UnsupportedImage(format!("unknown image format: {e}")))?;
    if !matches!(format, ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::WebP | ImageFormat::Gif) {
        return Err(ScanError::UnsupportedImage(format!("{} is not supported", format.to_mime_type())));
    }
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_IMAGE_SIDE);
    limits.max_image_height = Some(MAX_IMAGE_SIDE);
    limits.max_alloc = Some(MAX_DECODE_ALLOC);

    let decoded = catch_unwind(AssertUnwindSafe(|| {
        let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
        reader.limits(limits);
        reader.decode()
    }))
    .map_err(|_| ScanError::UnsupportedImage("image decoder panicked".into()))?;

    let image = decoded.map_err(|e| match e {
        image::ImageError::Limits(l) => ScanError::TooLarge(l.to_string()),
        other => ScanError::UnsupportedImage(other.to_string()),
    })?;
    let luma = image.into_luma8();
    let (width, height) = (luma.width() as usize, luma.height() as usize);
    Ok(Gray { data: luma.into_raw(), width, height })
}
