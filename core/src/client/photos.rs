//! Photos for complaints on the phone: made safe by [`crate::photo::normalize`] (decoded with
//! limits, upright, downscaled, re-encoded as JPEG without metadata), then written into the
//! client's own folder atomically, and swept when nothing refers to them.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::error::{Error, Result};
use super::types::DraftPhoto;

pub use crate::photo::{JPEG_QUALITY, MAX_SIDE, MAX_SOURCE_BYTES};

/// Decodes, uprights, downscales and re-encodes `bytes` ([`crate::photo::normalize`]);
/// returns the JPEG and its size.
pub fn process(bytes: &[u8]) -> Result<(Vec<u8>, u32, u32)> {
    let p = crate::photo::normalize(bytes).map_err(|e| Error::Image(e.to_string()))?;
    Ok((p.jpeg, p.width, p.height))
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
    use image::DynamicImage;
    use std::io::Cursor;

    fn png(width: u32, height: u32) -> Vec<u8> {
        let img = image::RgbImage::from_fn(width, height, |x, y| image::Rgb([(x % 256) as u8, (y % 256) as u8, 128]));
        let mut out = Vec::new();
        DynamicImage::ImageRgb8(img).write_to(&mut Cursor::new(&mut out), image::ImageFormat::Png).unwrap();
        out
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
