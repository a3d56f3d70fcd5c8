//! Photos for complaints: decoded with hard limits (no decompression bombs), turned upright,
//! downscaled, and re-encoded as JPEG — which drops EXIF, GPS position and every other piece of
//! metadata — then written into the client's own folder atomically.

use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};

use image::{DynamicImage, ImageDecoder, ImageReader, Limits};

use super::error::{Error, Result};
use super::types::DraftPhoto;

/// Largest source file accepted.
pub const MAX_SOURCE_BYTES: usize = 40 * 1024 * 1024;
/// Longest side after downscaling.
pub const MAX_SIDE: u32 = 1600;
/// JPEG quality of the stored copy.
pub const JPEG_QUALITY: u8 = 82;
/// Largest source dimension accepted.
const MAX_SOURCE_SIDE: u32 = 12_000;
/// Memory the decoder may use.
const MAX_DECODE_ALLOC: u64 = 512 * 1024 * 1024;

/// Decodes, uprights, downscales and re-encodes `bytes`; returns the JPEG and its size.
pub fn process(bytes: &[u8]) -> Result<(Vec<u8>, u32, u32)> {
    if bytes.len() > MAX_SOURCE_BYTES {
        return Err(Error::Image(format!("the photo is larger than {} MB", MAX_SOURCE_BYTES / (1024 * 1024))));
    }
    let mut reader = ImageReader::new(Cursor::new(bytes)).with_guessed_format().map_err(|e| Error::Image(e.to_string()))?;
    if reader.format().is_none() {
        return Err(Error::Image("not a JPEG, PNG, WebP or GIF image".into()));
    }
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SOURCE_SIDE);
    limits.max_image_height = Some(MAX_SOURCE_SIDE);
    limits.max_alloc = Some(MAX_DECODE_ALLOC);
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(|e| Error::Image(e.to_string()))?;
    let orientation = decoder.orientation().ok();
    let mut img = DynamicImage::from_decoder(decoder).map_err(|e| Error::Image(e.to_string()))?;
    if let Some(o) = orientation {
        img.apply_orientation(o);
    }
    if img.width().max(img.height()) > MAX_SIDE {
        img = img.resize(MAX_SIDE, MAX_SIDE, image::imageops::FilterType::Triangle);
    }
    let rgb = img.to_rgb8();
    let mut out = Vec::with_capacity(256 * 1024);
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, JPEG_QUALITY).encode_image(&rgb).map_err(|e| Error::Image(e.to_string()))?;
    Ok((out, rgb.width(), rgb.height()))
}

/// Processes `bytes` and stores the result as `<dir>/<id>.jpg` (written to a temporary name,
/// synced, then renamed, so a crash never leaves half a photo under the real name).
pub fn import(dir: &Path, id: &str, bytes: &[u8]) -> Result<DraftPhoto> {
    let (jpeg, width, height) = process(bytes)?;
    std::fs::create_dir_all(dir)?;
    let path = dir.join(format!("{id}.jpg"));
    let tmp = dir.join(format!("{id}.jpg.tmp"));
    {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(&jpeg)?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, &path)?;
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(DraftPhoto { id: id.to_owned(), path: path.to_string_lossy().into_owned(), width, height, size: jpeg.len() as u64 })
}

/// The file name a stored photo reference ends in. The database keeps names, and rows written
/// by older versions full paths: either way only the name is used, so photos survive the data
/// folder moving (iOS moves an app's container on updates; the CLI takes relative paths).
pub fn file_name(stored: &str) -> &str {
    Path::new(stored).file_name().and_then(|n| n.to_str()).unwrap_or(stored)
}

/// Where a stored photo reference is now: its file name in `dir`.
pub fn resolve(dir: &Path, stored: &str) -> PathBuf {
    dir.join(file_name(stored))
}

/// Files younger than this are left alone by [`sweep`]: another process (the app beside the
/// CLI) may be between writing a photo and recording it.
pub const SWEEP_GRACE: std::time::Duration = std::time::Duration::from_secs(3600);

/// Removes photo files nothing refers to any more (`referenced` holds file names), and
/// half-written ones (after a crash) — only those older than [`SWEEP_GRACE`].
pub fn sweep(dir: &Path, referenced: &std::collections::HashSet<String>) -> std::io::Result<usize> {
    let mut removed = 0;
    let Ok(entries) = std::fs::read_dir(dir) else { return Ok(0) };
    let now = std::time::SystemTime::now();
    for entry in entries.flatten() {
        let path: PathBuf = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        let orphan = name.ends_with(".tmp") || (name.ends_with(".jpg") && !referenced.contains(&name));
        let settled = entry.metadata().and_then(|m| m.modified()).is_ok_and(|at| now.duration_since(at).is_ok_and(|age| age >= SWEEP_GRACE));
        if orphan && settled {
            std::fs::remove_file(&path)?;
            removed += 1;
        }
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(width: u32, height: u32) -> Vec<u8> {
        let img = image::RgbImage::from_fn(width, height, |x, y| image::Rgb([(x % 256) as u8, (y % 256) as u8, 128]));
        let mut out = Vec::new();
        DynamicImage::ImageRgb8(img).write_to(&mut Cursor::new(&mut out), image::ImageFormat::Png).unwrap();
        out
    }

    #[test]
    fn large_photos_are_downscaled_to_a_jpeg() {
        let (jpeg, w, h) = process(&png(3200, 1200)).unwrap();
        assert_eq!((w, h), (1600, 600));
        assert_eq!(&jpeg[..3], &[0xFF, 0xD8, 0xFF]);
    }

    #[test]
    fn exif_and_gps_are_stripped() {
        // A JPEG with an APP1 Exif segment carrying a GPS-looking payload.
        let (clean, _, _) = process(&png(64, 64)).unwrap();
        let mut with_exif = vec![0xFF, 0xD8];
        let exif_payload = b"Exif\0\0MM\0*GPSLatitude35.6892GPSLongitude51.3890";
        with_exif.extend([0xFF, 0xE1]);
        with_exif.extend(((exif_payload.len() + 2) as u16).to_be_bytes());
        with_exif.extend(exif_payload);
        with_exif.extend(&clean[2..]);
        assert!(with_exif.windows(11).any(|w| w == b"GPSLatitude"));
        let (out, _, _) = process(&with_exif).unwrap();
        assert!(!out.windows(4).any(|w| w == b"Exif"), "EXIF survived");
        assert!(!out.windows(11).any(|w| w == b"GPSLatitude"), "GPS survived");
    }

    #[test]
    fn hostile_or_broken_input_is_an_error_not_a_crash() {
        assert!(process(b"not an image").is_err());
        assert!(process(&[]).is_err());
        let mut truncated = png(100, 100);
        truncated.truncate(60);
        assert!(process(&truncated).is_err());
        // A PNG header claiming 100000 x 100000 pixels.
        let mut bomb = png(1, 1);
        bomb[16..20].copy_from_slice(&100_000u32.to_be_bytes());
        bomb[20..24].copy_from_slice(&100_000u32.to_be_bytes());
        assert!(process(&bomb).is_err());
    }

    #[test]
    fn import_writes_atomically_and_sweep_removes_settled_orphans() {
        let dir = tempfile::tempdir().unwrap();
        let p = import(dir.path(), "a", &png(10, 10)).unwrap();
        assert!(Path::new(&p.path).exists());
        let old = std::time::SystemTime::now() - SWEEP_GRACE - std::time::Duration::from_secs(1);
        let age = |name: &str| std::fs::File::options().write(true).open(dir.path().join(name)).unwrap().set_modified(old).unwrap();
        for name in ["b.jpg.tmp", "orphan.jpg", "fresh.jpg", "fresh.jpg.tmp"] {
            std::fs::write(dir.path().join(name), b"x").unwrap();
        }
        age("b.jpg.tmp");
        age("orphan.jpg");
        age("a.jpg");
        // Referenced by name, whatever folder the reference was written under.
        let keep: std::collections::HashSet<String> = [file_name(&p.path).to_owned()].into();
        assert_eq!(sweep(dir.path(), &keep).unwrap(), 2, "the settled orphans only");
        assert!(Path::new(&p.path).exists());
        assert!(dir.path().join("fresh.jpg").exists(), "another process may be about to record it");
        assert!(dir.path().join("fresh.jpg.tmp").exists());
    }

    #[test]
    fn references_resolve_by_name_in_the_current_folder() {
        assert_eq!(file_name("/var/mobile/Containers/Data/Application/OLD/Library/photos/x.jpg"), "x.jpg");
        assert_eq!(file_name("x.jpg"), "x.jpg");
        assert_eq!(resolve(Path::new("/new/photos"), "/old/place/photos/x.jpg"), Path::new("/new/photos/x.jpg"));
        assert_eq!(resolve(Path::new("data/photos"), "x.jpg"), Path::new("data/photos/x.jpg"));
    }
}
