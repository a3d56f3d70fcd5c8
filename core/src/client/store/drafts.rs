//! Drafts and their photos.

use rusqlite::{params, Connection, OptionalExtension, Row};

use super::outbox::Payload;
use super::{from_ms, ms};
use crate::client::error::Result;
use crate::client::types::{Draft, DraftFields, DraftPhoto, DraftState, Rejection};

fn state_name(s: DraftState) -> &'static str {
    match s {
        DraftState::Editing => "editing",
        DraftState::Submitted => "submitted",
        DraftState::Rejected => "rejected",
    }
}

fn parse_state(s: &str) -> DraftState {
    match s {
        "submitted" => DraftState::Submitted,
        "rejected" => DraftState::Rejected,
        _ => DraftState::Editing,
    }
}

fn draft_row(r: &Row) -> rusqlite::Result<(String, String, String, Option<String>, i64, i64)> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?))
}

fn assemble(conn: &Connection, row: (String, String, String, Option<String>, i64, i64)) -> Result<Draft> {
    let (id, body, state, last_error, created, updated) = row;
    let fields: DraftFields = serde_json::from_str(&body)?;
    let last_error: Option<Rejection> = match last_error {
        Some(e) => Some(serde_json::from_str(&e)?),
        None => None,
    };
    let photos = photos_of(conn, &id)?;
    Ok(Draft { id, fields, photos, state: parse_state(&state), last_error, created_at: from_ms(created), updated_at: from_ms(updated) })
}

/// Creates a draft.
pub fn insert(conn: &Connection, id: &str, fields: &DraftFields, at: time::OffsetDateTime) -> Result<()> {
    conn.prepare_cached("INSERT INTO drafts (id, body, created_at, updated_at) VALUES (?1, ?2, ?3, ?3)")?.execute(params![
        id,
        serde_json::to_string(fields)?,
        ms(at)
    ])?;
    Ok(())
}

/// Replaces a draft's fields; `false` if there is no such draft.
pub fn update(conn: &Connection, id: &str, fields: &DraftFields, at: time::OffsetDateTime) -> Result<bool> {
    let n = conn.prepare_cached("UPDATE drafts SET body = ?2, updated_at = ?3 WHERE id = ?1")?.execute(params![id, serde_json::to_string(fields)?, ms(at)])?;
    Ok(n == 1)
}

/// Sets a draft's state and last refusal.
pub fn set_state(conn: &Connection, id: &str, state: DraftState, error: Option<&Rejection>, at: time::OffsetDateTime) -> Result<()> {
    let error = error.map(serde_json::to_string).transpose()?;
    conn.prepare_cached("UPDATE drafts SET state = ?2, last_error = ?3, updated_at = ?4 WHERE id = ?1")?.execute(params![
        id,
        state_name(state),
        error,
        ms(at)
    ])?;
    Ok(())
}

/// A draft.
pub fn get(conn: &Connection, id: &str) -> Result<Option<Draft>> {
    let row =
        conn.prepare_cached("SELECT id, body, state, last_error, created_at, updated_at FROM drafts WHERE id = ?1")?.query_row([id], draft_row).optional()?;
    row.map(|r| assemble(conn, r)).transpose()
}

/// All drafts, newest first (by last edit).
pub fn list(conn: &Connection) -> Result<Vec<Draft>> {
    let rows: Vec<_> = conn
        .prepare_cached("SELECT id, body, state, last_error, created_at, updated_at FROM drafts ORDER BY updated_at DESC, rowid DESC")?
        .query_map([], draft_row)?
        .collect::<rusqlite::Result<_>>()?;
    rows.into_iter().map(|r| assemble(conn, r)).collect()
}

/// Deletes a draft (its photo rows go with it); returns the photo files to remove.
pub fn delete(conn: &Connection, id: &str) -> Result<Option<Vec<String>>> {
    let files: Vec<String> =
        conn.prepare_cached("SELECT file FROM draft_photos WHERE draft_id = ?1")?.query_map([id], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
    let n = conn.prepare_cached("DELETE FROM drafts WHERE id = ?1")?.execute([id])?;
    Ok((n == 1).then_some(files))
}

/// A draft's photos in the order added.
pub fn photos_of(conn: &Connection, draft_id: &str) -> Result<Vec<DraftPhoto>> {
    Ok(conn
        .prepare_cached("SELECT id, file, width, height, size FROM draft_photos WHERE draft_id = ?1 ORDER BY created_at, rowid")?
        .query_map([draft_id], |r| Ok(DraftPhoto { id: r.get(0)?, path: r.get(1)?, width: r.get(2)?, height: r.get(3)?, size: r.get(4)? }))?
        .collect::<rusqlite::Result<_>>()?)
}

/// Adds a photo to a draft.
pub fn add_photo(conn: &Connection, draft_id: &str, photo: &DraftPhoto, at: time::OffsetDateTime) -> Result<()> {
    conn.prepare_cached("INSERT INTO draft_photos (id, draft_id, file, width, height, size, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")?
        .execute(params![photo.id, draft_id, crate::client::photos::file_name(&photo.path), photo.width, photo.height, photo.size as i64, ms(at)])?;
    conn.prepare_cached("UPDATE drafts SET updated_at = ?2 WHERE id = ?1")?.execute(params![draft_id, ms(at)])?;
    Ok(())
}

/// Removes a photo from a draft; returns its file.
pub fn remove_photo(conn: &Connection, draft_id: &str, photo_id: &str) -> Result<Option<String>> {
    let file: Option<String> = conn
        .prepare_cached("SELECT file FROM draft_photos WHERE id = ?1 AND draft_id = ?2")?
        .query_row(params![photo_id, draft_id], |r| r.get(0))
        .optional()?;
    if file.is_some() {
        conn.prepare_cached("DELETE FROM draft_photos WHERE id = ?1")?.execute([photo_id])?;
    }
    Ok(file)
}

/// The names of every photo file the database still refers to (drafts, queued uploads and the
/// photos of filed complaints).
pub fn referenced_files(conn: &Connection) -> Result<std::collections::HashSet<String>> {
    let stored: Vec<String> = conn.prepare("SELECT file FROM draft_photos")?.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
    let mut set: std::collections::HashSet<String> = stored.iter().map(|f| crate::client::photos::file_name(f).to_owned()).collect();
    set.extend(super::photos::files(conn)?.iter().map(|f| crate::client::photos::file_name(f).to_owned()));
    let queued: Vec<String> = conn
        .prepare("SELECT payload FROM outbox WHERE kind IN ('photo', 'complaint')")?
        .query_map([], |r| r.get::<_, String>(0))?
        .collect::<rusqlite::Result<_>>()?;
    for p in queued {
        match serde_json::from_str::<Payload>(&p) {
            Ok(Payload::Photo { file, .. }) => {
                set.insert(crate::client::photos::file_name(&file).to_owned());
            }
            Ok(Payload::Complaint { photos, .. }) => set.extend(photos.iter().map(|p| crate::client::photos::file_name(&p.file).to_owned())),
            _ => {}
        }
    }
    Ok(set)
}
