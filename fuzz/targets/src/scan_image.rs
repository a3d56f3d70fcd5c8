//! The QR scanner on uploaded images: [`scan::scan_image`] (what `POST /v1/scan` runs).

use samat_core::scan::{self, ScanError};

use crate::photo::{declared_size, MAX_DECLARED_PIXELS, MAX_IMAGE_BYTES};
use crate::scan_frame::check_codes;

/// Scans the bytes as an image. It never panics; it refuses with a reason or returns at most
/// a bounded number of codes, each with its corners inside the image.
pub fn scan_image(data: &[u8]) {
    if data.len() > MAX_IMAGE_BYTES {
        return;
    }
    let size = declared_size(data);
    if size.is_some_and(|(w, h)| u64::from(w) * u64::from(h) > MAX_DECLARED_PIXELS) {
        return;
    }
    match scan::scan_image(data) {
        Ok(codes) => {
            let (w, h) = size.unwrap_or_else(|| panic!("scanned {} bytes whose header does not read", data.len()));
            check_codes(&codes, w, h);
        }
        Err(ScanError::UnsupportedImage(why) | ScanError::TooLarge(why) | ScanError::InvalidFrame(why)) => assert!(!why.is_empty()),
    }
}
