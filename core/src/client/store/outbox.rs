//! The outbox: work for the server, frozen at the moment the user asked for it, sent by
//! `sync()` with its idempotency key until the server has it.

use rusqlite::{params, Connection, Row};
use serde::{Deserialize, Serialize};

use super::{from_ms, ms};
use crate::client::error::Result;
use crate::client::types::{OutboxItem, OutboxKind, OutboxState, Rejection};
use crate::model::api::NewComplaint;

/// A photo going along with a complaint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueuedPhoto {
    /// Photo UUID.
    pub id: String,
    /// File in the client's storage.
    pub file: String,
}

/// What an outbox item carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Payload {
    /// File a complaint, then upload its photos.
    Complaint {
        /// The body, with `client_id`.
        body: NewComplaint,
        /// Its photos.
        photos: Vec<QueuedPhoto>,
    },
    /// Upload one photo.
    Photo {
        /// The complaint.
        tracking_code: String,
        /// Photo UUID.
        photo_id: String,
        file: String,
    },
    /// The self-regulation answer.
    Decision {
        /// The complaint.
        tracking_code: String,
        /// Accept (resolved) or reject (inspection).
        accept: bool,
        /// Words from the citizen.
        note: Option<String>,
    },
    Withdraw {
        /// The complaint.
        tracking_code: String,
        /// Reason.
        note: Option<String>,
    },
    /// Feedback on the handling.
    Feedback {
        /// The complaint.
        tracking_code: String,
        /// 1–5.
        rating: i64,
        comment: Option<String>,
        /// To the supervisors.
        escalate: bool,
    },
}

impl Payload {
    /// The kind of item.
    pub fn kind(&self) -> OutboxKind {
        match self {
            Payload::Complaint { .. } => OutboxKind::Complaint,
            Payload::Photo { .. } => OutboxKind::Photo,
            Payload::Decision { .. } => OutboxKind::Decision,
            Payload::Withdraw { .. } => OutboxKind::Withdraw,
            Payload::Feedback { .. } => OutboxKind::Feedback,
        }
    }

    /// The complaint it concerns, if filed.
    pub fn tracking_code(&self) -> Option<&str> {
        match self {
            Payload::Complaint { .. } => None,
            Payload::Photo { tracking_code, .. }
            | Payload::Decision { tracking_code, .. }
            | Payload::Withdraw { tracking_code, .. }
            | Payload::Feedback { tracking_code, .. } => Some(tracking_code),
        }
    }
}

/// A queued item with its payload, for sending.
#[derive(Debug, Clone)]
pub struct Queued {
    /// The listing.
    pub item: OutboxItem,
    /// What to send.
    pub payload: Payload,
}

const COLUMNS: &str = "id, kind, state, key, draft_id, tracking_code, attempts, next_attempt_at, last_error, payload";

fn row(r: &Row) -> rusqlite::Result<(OutboxItem, String)> {
    let kind: String = r.get(1)?;
    let state: String = r.get(2)?;
    let last_error: Option<String> = r.get(8)?;
    Ok((
        OutboxItem {
            id: r.get(0)?,
            kind: OutboxKind::parse(&kind).unwrap_or(OutboxKind::Complaint),
            state: if state == "failed" { OutboxState::Failed } else { OutboxState::Queued },
            key: r.get(3)?,
            draft_id: r.get(4)?,
            tracking_code: r.get(5)?,
            attempts: r.get(6)?,
            next_attempt_at: from_ms(r.get(7)?),
            last_error: last_error.and_then(|e| serde_json::from_str::<Rejection>(&e).ok()),
        },
        r.get(9)?,
    ))
}

/// Queues an item for the account logged in now (it is sent only while that account is);
/// returns its id. The `key` is unique: queuing the same key twice is a no-op that returns the
/// existing item.
pub fn insert(conn: &Connection, key: &str, draft_id: Option<&str>, payload: &Payload, at: time::OffsetDateTime) -> Result<i64> {
    let phone = super::kv::get(conn, super::kv::PHONE)?;
    conn.prepare_cached(
        "INSERT INTO outbox (kind, key, draft_id, tracking_code, payload, next_attempt_at, created_at, updated_at, phone)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?6, ?7) ON CONFLICT (key) DO NOTHING",
    )?
    .execute(params![payload.kind().as_str(), key, draft_id, payload.tracking_code(), serde_json::to_string(payload)?, ms(at), phone])?;
    Ok(conn.prepare_cached("SELECT id FROM outbox WHERE key = ?1")?.query_row([key], |r| r.get(0))?)
}

/// Items of the logged-in account waiting to be sent, oldest first; with `due_before`, only
/// those whose backoff is over. Another account's items wait for that account's login.
pub fn queued(conn: &Connection, due_before: Option<time::OffsetDateTime>) -> Result<Vec<Queued>> {
    let due = due_before.map(ms).unwrap_or(i64::MAX);
    let phone = super::kv::get(conn, super::kv::PHONE)?;
    let rows: Vec<(OutboxItem, String)> = conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM outbox WHERE state = 'queued' AND next_attempt_at <= ?1 AND (phone IS NULL OR phone IS ?2) ORDER BY id"
        ))?
        .query_map(params![due, phone], row)?
        .collect::<rusqlite::Result<_>>()?;
    rows.into_iter().map(|(item, p)| Ok(Queued { item, payload: serde_json::from_str(&p)? })).collect()
}

/// Every item (queued and failed), oldest first.
pub fn list(conn: &Connection) -> Result<Vec<OutboxItem>> {
    let rows: Vec<(OutboxItem, String)> =
        conn.prepare_cached(&format!("SELECT {COLUMNS} FROM outbox ORDER BY id"))?.query_map([], row)?.collect::<rusqlite::Result<_>>()?;
    Ok(rows.into_iter().map(|(i, _)| i).collect())
}

/// Removes a delivered item.
pub fn done(conn: &Connection, id: i64) -> Result<()> {
    conn.prepare_cached("DELETE FROM outbox WHERE id = ?1")?.execute([id])?;
    Ok(())
}

/// Schedules another attempt.
pub fn retry(conn: &Connection, id: i64, attempts: u32, next_at: time::OffsetDateTime) -> Result<()> {
    conn.prepare_cached("UPDATE outbox SET attempts = ?2, next_attempt_at = ?3, updated_at = ?4 WHERE id = ?1")?.execute(params![
        id,
        attempts,
        ms(next_at),
        ms(super::now())
    ])?;
    Ok(())
}

/// Marks an item refused.
pub fn failed(conn: &Connection, id: i64, attempts: u32, rejection: &Rejection) -> Result<()> {
    conn.prepare_cached("UPDATE outbox SET state = 'failed', attempts = ?2, last_error = ?3, updated_at = ?4 WHERE id = ?1")?.execute(params![
        id,
        attempts,
        serde_json::to_string(rejection)?,
        ms(super::now())
    ])?;
    Ok(())
}

/// Removes the refused items of a draft (it is being submitted again).
pub fn clear_failed_for_draft(conn: &Connection, draft_id: &str) -> Result<()> {
    conn.prepare_cached("DELETE FROM outbox WHERE draft_id = ?1 AND state = 'failed'")?.execute([draft_id])?;
    Ok(())
}

/// Removes a refused item the user gave up on; returns its payload.
pub fn discard_failed(conn: &Connection, id: i64) -> Result<Option<Payload>> {
    let p: Option<String> = rusqlite::OptionalExtension::optional(
        conn.prepare_cached("SELECT payload FROM outbox WHERE id = ?1 AND state = 'failed'")?.query_row([id], |r| r.get(0)),
    )?;
    conn.prepare_cached("DELETE FROM outbox WHERE id = ?1 AND state = 'failed'")?.execute([id])?;
    p.map(|p| serde_json::from_str(&p).map_err(Into::into)).transpose()
}

/// Items of the logged-in account still queued.
pub fn pending(conn: &Connection) -> Result<u32> {
    let phone = super::kv::get(conn, super::kv::PHONE)?;
    Ok(conn.prepare_cached("SELECT count(*) FROM outbox WHERE state = 'queued' AND (phone IS NULL OR phone IS ?1)")?.query_row([phone], |r| r.get(0))?)
}

/// The earliest automatic retry, if anything is queued.
pub fn next_due(conn: &Connection) -> Result<Option<time::OffsetDateTime>> {
    let v: Option<i64> = conn.prepare_cached("SELECT min(next_attempt_at) FROM outbox WHERE state = 'queued'")?.query_row([], |r| r.get(0))?;
    Ok(v.map(from_ms))
}
