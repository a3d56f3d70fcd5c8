//! QR-code scanning: camera luma frames ([`scan_frame`]) and encoded images ([`scan_image`]).
//!
//! Pure Rust (rxing's port of the zxing-cpp QR reader, with rqrr as a fallback), so it builds
//! for Android and iOS without a C/C++ toolchain. Hostile input never panics and never runs
//! unbounded: dimensions are validated, decoders run under `catch_unwind`, image decoding is
//! capped, large inputs are downscaled, the number of passes is fixed and the candidate work
//! is bounded by the image's size.

mod budget;
mod engine;
mod enhance;
mod finder_sets;
pub mod identify;
mod image_input;
mod luma;
mod pipeline;
mod resample;
mod structured_append;
mod threshold;

pub use image_input::{MAX_DECODE_ALLOC, MAX_IMAGE_SIDE};
pub use luma::MAX_FRAME_PIXELS;
pub use structured_append::{StructuredAppend, StructuredAppendAssembler};

/// Most codes reported for one frame (the pipeline and the engines stop there).
pub const MAX_CODES: usize = 256;

/// A position in the input image, in pixels (x to the right, y down).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Point {
    /// Horizontal position in pixels from the left edge.
    pub x: f32,
    /// Vertical position in pixels from the top edge.
    pub y: f32,
}

impl Point {
    /// Euclidean distance to `other`.
    pub fn distance(&self, other: &Point) -> f32 {
        ((self.x - other.x).powi(2) + (self.y - other.y).powi(2)).sqrt()
    }
}

/// One decoded QR code.
#[derive(Clone, Debug, PartialEq)]
pub struct FoundCode {
    /// The decoded text (character set / ECI already applied).
    pub text: String,
    /// The symbol's corners in the input image's pixel coordinates, whatever scaling was
    /// done internally: top-left, top-right, bottom-right, bottom-left as seen in the symbol
    /// (so a code photographed upside down has its "top-left" near the image's bottom-right).
    pub corners: [Point; 4],
    /// Set when this symbol is one part of a structured-append message. If all parts are in
    /// the same frame, a merged code (with this field `None`) follows the parts.
    pub structured_append: Option<StructuredAppend>,
}

impl FoundCode {
    /// Centre of the four corners.
    pub fn center(&self) -> Point {
        let (sx, sy) = self.corners.iter().fold((0.0, 0.0), |(x, y), p| (x + p.x, y + p.y));
        Point { x: sx / 4.0, y: sy / 4.0 }
    }

    /// Approximate side length in pixels (mean of the two diagonals / sqrt 2).
    pub fn size(&self) -> f32 {
        let [a, b, c, d] = &self.corners;
        (a.distance(c) + b.distance(d)) / (2.0 * std::f32::consts::SQRT_2)
    }
}

/// Why a frame or image could not be scanned (finding no code is not an error).
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum ScanError {
    /// The frame's geometry is impossible: zero size, stride < width, buffer too short.
    #[error("invalid frame: {0}")]
    InvalidFrame(String),
    /// The bytes are not a JPEG, PNG, WebP or GIF image, or are corrupt.
    #[error("unsupported image: {0}")]
    UnsupportedImage(String),
    /// The frame or image exceeds the size or memory limits.
    #[error("too large: {0}")]
    TooLarge(String),
}

/// Scans a camera luma (Y) plane for QR codes.
///
/// `luma` holds `height` rows of `row_stride` bytes (the last row may stop after `width`
/// bytes); only the first `width` bytes of each row are read. The plane is read in place
/// (no RGB conversion); it is only copied when rows are padded or for downscaled retries.
/// Returns an empty vector when no code is found. Frames above [`MAX_FRAME_PIXELS`] are
/// refused with [`ScanError::TooLarge`].
pub fn scan_frame(luma: &[u8], width: u32, height: u32, row_stride: u32) -> Result<Vec<FoundCode>, ScanError> {
    let view = luma::LumaView::new(luma, width, height, row_stride)?;
    Ok(finish(pipeline::run(view)))
}

/// Decodes a JPEG, PNG, WebP or GIF image and scans it for QR codes.
///
/// Images wider or taller than [`MAX_IMAGE_SIDE`], or needing more than
/// [`MAX_DECODE_ALLOC`] bytes to decode, are refused with [`ScanError::TooLarge`].
pub fn scan_image(bytes: &[u8]) -> Result<Vec<FoundCode>, ScanError> {
    let gray = image_input::decode_to_gray(bytes)?;
    Ok(finish(pipeline::run(gray.view())))
}

fn finish(mut codes: Vec<FoundCode>) -> Vec<FoundCode> {
    structured_append::merge_complete_sets(&mut codes);
    codes
}
