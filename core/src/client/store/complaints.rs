//! Complaints and their events as the server reported them. Events are keyed by the server's
//! feed position (`seq`), so an event brought by the sync feed, a refresh and a push is stored
//! once and reported to the app once (the `seen` flag).

use rusqlite::{params, Connection, OptionalExtension};

use super::{ms, now};
use crate::client::error::Result;
use crate::client::types::{ComplaintEvent, LocalComplaint};
use crate::model::api::{ComplaintDetail, EventView, SubmitResponse};
use crate::model::{Category, Stage, TrackingCode};

/// Records a complaint the server just accepted.
pub fn accepted(conn: &Connection, r: &SubmitResponse, category: Option<&str>, business_name: Option<&str>) -> Result<()> {
    // Stored as the server stores it, so the list reads the same before and after a refresh.
    let business_name = crate::model::text::normalize_optional(business_name);
    conn.prepare_cached(
        "INSERT INTO complaints (tracking_code, client_id, stage, category, business_name, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (tracking_code) DO NOTHING",
    )?
    .execute(params![r.tracking_code.as_str(), r.client_id.to_string(), r.stage.wire_name(), category, business_name, ms(r.created_at), ms(now())])?;
    Ok(())
}

/// Stores an event if new; returns it (unseen) when it was new. An event already known (or
/// the placeholder a push left) gets the server's full text but keeps its `seen` flag, so it
/// is never reported twice. Keeps the complaint's stage in step with its newest event.
pub fn add_event(conn: &Connection, code: TrackingCode, event: &EventView) -> Result<Option<ComplaintEvent>> {
    let body = serde_json::to_string(event)?;
    let known: Option<String> = conn.prepare_cached("SELECT body FROM events WHERE seq = ?1")?.query_row([event.seq], |r| r.get(0)).optional()?;
    let fresh = match known {
        Some(old) => {
            if old != body {
                conn.prepare_cached("UPDATE events SET body = ?2, tracking_code = ?3 WHERE seq = ?1")?.execute(params![event.seq, body, code.as_str()])?;
            }
            false
        }
        None => {
            conn.prepare_cached("INSERT INTO events (seq, tracking_code, body) VALUES (?1, ?2, ?3)")?.execute(params![event.seq, code.as_str(), body])?;
            true
        }
    };
    conn.prepare_cached(
        "INSERT INTO complaints (tracking_code, stage, last_seq, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?4)
         ON CONFLICT (tracking_code) DO UPDATE SET stage = excluded.stage, last_seq = excluded.last_seq, updated_at = excluded.updated_at
         WHERE excluded.last_seq > complaints.last_seq",
    )?
    .execute(params![code.as_str(), event.stage.wire_name(), event.seq, ms(event.at)])?;
    Ok(fresh.then(|| ComplaintEvent { tracking_code: code, event: event.clone(), seen: false }))
}

/// Records what a push announced when the details cannot be fetched (offline): an event
/// already marked seen, so the notification shown now is not repeated when the sync brings
/// the real event. `false` if the event was already known.
pub fn add_pushed(conn: &Connection, code: TrackingCode, stage: Stage, seq: i64) -> Result<bool> {
    let exists: bool = conn.prepare_cached("SELECT 1 FROM events WHERE seq = ?1")?.exists([seq])?;
    if exists {
        return Ok(false);
    }
    let placeholder = EventView::bare(seq, crate::model::api::EventKind::Stage, stage, "", now());
    add_event(conn, code, &placeholder)?;
    mark_seen(conn, &[seq])?;
    conn.prepare_cached("UPDATE events SET notified = 1 WHERE seq = ?1")?.execute([seq])?;
    Ok(true)
}

/// The events of one complaint nothing has reported yet (no sync returned them, no push
/// showed them) and the app has not seen, oldest first.
pub fn unreported_of(conn: &Connection, code: TrackingCode) -> Result<Vec<ComplaintEvent>> {
    let rows: Vec<String> = conn
        .prepare_cached("SELECT body FROM events WHERE tracking_code = ?1 AND notified = 0 AND seen = 0 ORDER BY seq")?
        .query_map([code.as_str()], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    rows.iter().map(|b| Ok(ComplaintEvent { tracking_code: code, event: serde_json::from_str(b)?, seen: false })).collect()
}

/// Records that events were reported to the app (returned as new, or shown from a push).
pub fn mark_notified(conn: &Connection, events: &[ComplaintEvent]) -> Result<()> {
    let mut stmt = conn.prepare_cached("UPDATE events SET notified = 1 WHERE seq = ?1")?;
    for e in events {
        stmt.execute([e.event.seq])?;
    }
    Ok(())
}

/// Forgets the complaints and events stored for another account (a new citizen logged in on
/// this phone, or the server no longer shows us a complaint).
pub fn forget(conn: &Connection, code: Option<TrackingCode>) -> Result<()> {
    super::photos::forget(conn, code)?;
    match code {
        Some(c) => {
            conn.prepare_cached("DELETE FROM events WHERE tracking_code = ?1")?.execute([c.as_str()])?;
            conn.prepare_cached("DELETE FROM complaints WHERE tracking_code = ?1")?.execute([c.as_str()])?;
        }
        None => {
            conn.execute("DELETE FROM events", [])?;
            conn.execute("DELETE FROM complaints", [])?;
        }
    }
    Ok(())
}

/// Stores a full detail and its ETag (and any events in it not seen before).
pub fn store_detail(conn: &Connection, d: &ComplaintDetail, etag: Option<&str>) -> Result<Vec<ComplaintEvent>> {
    let mut fresh = Vec::new();
    for e in &d.events {
        if let Some(ev) = add_event(conn, d.tracking_code, e)? {
            fresh.push(ev);
        }
    }
    conn.prepare_cached(
        "INSERT INTO complaints (tracking_code, client_id, stage, category, business_name, detail, etag, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
         ON CONFLICT (tracking_code) DO UPDATE SET client_id = excluded.client_id, stage = excluded.stage, category = excluded.category,
           business_name = excluded.business_name, detail = excluded.detail, etag = excluded.etag, created_at = excluded.created_at,
           updated_at = excluded.updated_at",
    )?
    .execute(params![
        d.tracking_code.as_str(),
        d.client_id.to_string(),
        d.stage.wire_name(),
        d.category.wire_name(),
        d.business_name,
        serde_json::to_string(d)?,
        etag,
        ms(d.created_at),
        ms(d.updated_at),
    ])?;
    Ok(fresh)
}

/// The stored ETag of a complaint.
pub fn etag(conn: &Connection, code: TrackingCode) -> Result<Option<String>> {
    Ok(conn.prepare_cached("SELECT etag FROM complaints WHERE tracking_code = ?1")?.query_row([code.as_str()], |r| r.get(0)).optional()?.flatten())
}

/// Complaints known without their detail (filed by an operator, say), to fetch.
pub fn missing_detail(conn: &Connection) -> Result<Vec<TrackingCode>> {
    let codes: Vec<String> =
        conn.prepare_cached("SELECT tracking_code FROM complaints WHERE category IS NULL")?.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
    Ok(codes.iter().filter_map(|c| TrackingCode::parse(c).ok()).collect())
}

fn events_of(conn: &Connection, code: &str) -> Result<Vec<ComplaintEvent>> {
    let rows: Vec<(String, bool)> = conn
        .prepare_cached("SELECT body, seen FROM events WHERE tracking_code = ?1 ORDER BY seq")?
        .query_map([code], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let tc = TrackingCode::parse(code).map_err(|_| rusqlite::Error::InvalidQuery)?;
    rows.into_iter().map(|(b, seen)| Ok(ComplaintEvent { tracking_code: tc, event: serde_json::from_str(&b)?, seen })).collect()
}

fn complaint_row(conn: &Connection, row: (String, String, Option<String>, Option<String>, Option<String>)) -> Result<Option<LocalComplaint>> {
    let (code, stage, category, business_name, detail) = row;
    let (Ok(tracking_code), Some(stage)) = (TrackingCode::parse(&code), Stage::from_wire(&stage)) else { return Ok(None) };
    let detail: Option<ComplaintDetail> = match detail {
        Some(d) => Some(serde_json::from_str(&d)?),
        None => None,
    };
    Ok(Some(LocalComplaint {
        tracking_code,
        stage,
        category: category.as_deref().and_then(Category::from_wire),
        business_name,
        detail,
        events: events_of(conn, &code)?,
    }))
}

/// All complaints, newest first.
pub fn list(conn: &Connection) -> Result<Vec<LocalComplaint>> {
    let rows: Vec<_> = conn
        .prepare_cached("SELECT tracking_code, stage, category, business_name, detail FROM complaints ORDER BY created_at DESC, rowid DESC")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows.into_iter().map(|r| complaint_row(conn, r)).collect::<Result<Vec<_>>>()?.into_iter().flatten().collect())
}

/// One complaint.
pub fn get(conn: &Connection, code: TrackingCode) -> Result<Option<LocalComplaint>> {
    let row = conn
        .prepare_cached("SELECT tracking_code, stage, category, business_name, detail FROM complaints WHERE tracking_code = ?1")?
        .query_row([code.as_str()], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))
        .optional()?;
    Ok(match row {
        Some(r) => complaint_row(conn, r)?,
        None => None,
    })
}

/// Events the app has not shown yet, oldest first.
pub fn unseen(conn: &Connection) -> Result<Vec<ComplaintEvent>> {
    let rows: Vec<(String, String)> = conn
        .prepare_cached("SELECT tracking_code, body FROM events WHERE seen = 0 ORDER BY seq")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    rows.into_iter()
        .filter_map(|(c, b)| TrackingCode::parse(&c).ok().map(|tc| (tc, b)))
        .map(|(tracking_code, b)| Ok(ComplaintEvent { tracking_code, event: serde_json::from_str(&b)?, seen: false }))
        .collect()
}

/// Takes the events not yet shown — all of them, or those of `only` — and marks them shown,
/// in one transaction: of two processes reporting events (`samat watch` beside `samat sync`),
/// each event goes to exactly one.
pub fn take_unseen(conn: &mut Connection, only: Option<&[i64]>) -> Result<Vec<ComplaintEvent>> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let mut events = unseen(&tx)?;
    if let Some(only) = only {
        events.retain(|e| only.contains(&e.event.seq));
    }
    mark_seen(&tx, &events.iter().map(|e| e.event.seq).collect::<Vec<_>>())?;
    tx.commit()?;
    Ok(events)
}

/// Marks events as shown.
pub fn mark_seen(conn: &Connection, seqs: &[i64]) -> Result<()> {
    let mut stmt = conn.prepare_cached("UPDATE events SET seen = 1 WHERE seq = ?1")?;
    for s in seqs {
        stmt.execute([s])?;
    }
    Ok(())
}

/// Counts, for benchmarks and diagnostics: (complaints, events).
pub fn counts(conn: &Connection) -> Result<(i64, i64)> {
    Ok((conn.query_row("SELECT count(*) FROM complaints", [], |r| r.get(0))?, conn.query_row("SELECT count(*) FROM events", [], |r| r.get(0))?))
}
