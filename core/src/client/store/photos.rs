//! The photos of filed complaints, kept on the phone so the complaint's page shows them: the
//! draft's photos move here when the complaint is filed (waiting for their upload, then
//! uploaded), and copies of photos filed elsewhere (the portal, an operator) are fetched here.

use rusqlite::{params, Connection, OptionalExtension};

use super::{from_ms, ms};
use crate::client::error::Result;
use crate::client::types::{ComplaintPhoto, PhotoState};
use crate::model::TrackingCode;

/// A photo of a filed complaint, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredPhoto {
    /// The photo's UUID (the server's too).
    pub photo_id: String,
    /// The complaint.
    pub tracking_code: String,
    /// The JPEG's file name in the client's photo folder.
    pub file: String,
    /// Pixels.
    pub width: u32,
    /// Pixels.
    pub height: u32,
    /// Bytes.
    pub size: u64,
    /// Whether the server has it.
    pub uploaded: bool,
}

/// Records a photo of a filed complaint (again: nothing changes).
pub fn insert(conn: &Connection, p: &StoredPhoto, at: time::OffsetDateTime) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO complaint_photos (photo_id, tracking_code, file, width, height, size, uploaded, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT (photo_id) DO NOTHING",
    )?
    .execute(params![p.photo_id, p.tracking_code, p.file, p.width, p.height, p.size as i64, p.uploaded, ms(at)])?;
    Ok(())
}

/// Marks a photo uploaded; `false` when it is not recorded here (then its file is not kept).
pub fn mark_uploaded(conn: &Connection, photo_id: &str) -> Result<bool> {
    Ok(conn.prepare_cached("UPDATE complaint_photos SET uploaded = 1 WHERE photo_id = ?1")?.execute([photo_id])? == 1)
}

/// The photos of one complaint kept here, oldest first.
pub fn of(conn: &Connection, code: TrackingCode) -> Result<Vec<ComplaintPhoto>> {
    Ok(conn
        .prepare_cached(
            "SELECT photo_id, file, width, height, size, uploaded, created_at FROM complaint_photos WHERE tracking_code = ?1 ORDER BY created_at, rowid",
        )?
        .query_map([code.as_str()], |r| {
            let uploaded: bool = r.get(5)?;
            Ok(ComplaintPhoto {
                photo_id: r.get(0)?,
                path: Some(r.get::<_, String>(1)?),
                width: Some(r.get(2)?),
                height: Some(r.get(3)?),
                size: r.get::<_, i64>(4)? as u64,
                state: if uploaded { PhotoState::Uploaded } else { PhotoState::Queued },
                added_at: Some(from_ms(r.get(6)?)),
            })
        })?
        .collect::<rusqlite::Result<_>>()?)
}

/// Whether a photo is kept here.
pub fn exists(conn: &Connection, photo_id: &str) -> Result<bool> {
    Ok(conn.prepare_cached("SELECT 1 FROM complaint_photos WHERE photo_id = ?1")?.query_row([photo_id], |_| Ok(())).optional()?.is_some())
}

/// Forgets the photos of one complaint, or of all (another citizen logged in on this phone);
/// their files are swept once nothing refers to them.
pub fn forget(conn: &Connection, code: Option<TrackingCode>) -> Result<()> {
    match code {
        Some(c) => conn.prepare_cached("DELETE FROM complaint_photos WHERE tracking_code = ?1")?.execute([c.as_str()])?,
        None => conn.execute("DELETE FROM complaint_photos", [])?,
    };
    Ok(())
}

/// The file names this table refers to.
pub fn files(conn: &Connection) -> Result<Vec<String>> {
    Ok(conn.prepare("SELECT file FROM complaint_photos")?.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?)
}
