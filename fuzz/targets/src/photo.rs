//! Image intake: [`photo::normalize`], which every uploaded photo goes through before it is
//! kept (decode with limits, upright, downscale, re-encode as JPEG).

use std::io::Cursor;

use image::ImageReader;
use samat_core::photo::{self, MAX_SIDE};

/// Largest file looked at.
pub const MAX_IMAGE_BYTES: usize = 256 * 1024;
/// Most pixels an image may declare to be decoded here; bigger ones cost seconds per input,
/// and the decoder's own limits are tested by `samat-core`'s unit tests.
pub const MAX_DECLARED_PIXELS: u64 = 1_500_000;

/// Sends the bytes through photo intake. It refuses with one of its two codes or returns a
/// JPEG with no metadata, at most [`MAX_SIDE`] pixels on a side, of the size it says, the
/// same size as the source when that was small enough, and that intake keeps as it is.
pub fn photo(data: &[u8]) {
    if data.len() > MAX_IMAGE_BYTES {
        return;
    }
    let Some((w, h)) = declared_size(data) else {
        // Not an image the header parser reads: intake must refuse it too.
        if let Ok(p) = photo::normalize(data) {
            panic!("intake kept {}x{} from bytes whose header does not read", p.width, p.height);
        }
        return;
    };
    if u64::from(w) * u64::from(h) > MAX_DECLARED_PIXELS {
        return;
    }
    let kept = match photo::normalize(data) {
        Ok(kept) => kept,
        Err(e) => return assert!(matches!(e.code(), "invalid_image" | "image_too_large"), "{e:?}"),
    };
    check_jpeg(&kept);
    if w.max(h) <= MAX_SIDE {
        let size = (kept.width, kept.height);
        assert!(size == (w, h) || size == (h, w), "a {w}x{h} source was kept as {}x{}", kept.width, kept.height);
    }
    let again = photo::normalize(&kept.jpeg).unwrap_or_else(|e| panic!("intake refuses its own output: {e}"));
    assert_eq!((again.width, again.height), (kept.width, kept.height), "a kept photo changes size when sent again");
}

/// The size an image's header declares, if it is one.
pub fn declared_size(data: &[u8]) -> Option<(u32, u32)> {
    ImageReader::new(Cursor::new(data)).with_guessed_format().ok()?.into_dimensions().ok()
}

fn check_jpeg(kept: &photo::Photo) {
    let jpeg = &kept.jpeg;
    assert!(jpeg.starts_with(&[0xFF, 0xD8, 0xFF]) && jpeg.ends_with(&[0xFF, 0xD9]), "not a JPEG");
    assert!(kept.width >= 1 && kept.height >= 1 && kept.width.max(kept.height) <= MAX_SIDE, "{}x{}", kept.width, kept.height);
    assert!(!jpeg.windows(6).any(|w| w == b"Exif\0\0"), "EXIF kept");
    let decoded = image::load_from_memory_with_format(jpeg, image::ImageFormat::Jpeg).expect("the kept JPEG decodes");
    assert_eq!((decoded.width(), decoded.height()), (kept.width, kept.height));
}
