//! Text messages to the 124 line: stored once per gateway message id, claimed by the one
//! handling them, finished together with their reply SMS.

use std::time::Duration;

use async_trait::async_trait;
use rusqlite::{params, Connection, OptionalExtension, Row};
use samat_core::model::{Channel, TrackingCode};
use time::OffsetDateTime;

use super::db::backend;
use super::rows::{bad, from_ms, ms, queue_sms};
use super::SqliteStore;
use crate::store::{InboundClaim, InboundOutcome, InboundRecord, InboundStatus, InboundStore, NewInbound, NewSms, StoreResult};

const INBOUND_COLUMNS: &str =
    "id, message_id, sender, line, body, received_at, status, reason, tracking_code, handled_by, created_at, handled_at, note, channel, subject";

fn inbound_row(r: &Row) -> rusqlite::Result<InboundRecord> {
    let code: Option<String> = r.get(8)?;
    Ok(InboundRecord {
        id: r.get(0)?,
        message_id: r.get(1)?,
        sender: r.get(2)?,
        line: r.get(3)?,
        text: r.get(4)?,
        received_at: from_ms(r.get(5)?),
        status: InboundStatus::parse(&r.get::<_, String>(6)?).ok_or_else(|| bad(6, "inbound status"))?,
        reason: r.get(7)?,
        tracking_code: code.map(|c| TrackingCode::parse(&c).map_err(|_| bad(8, "tracking code"))).transpose()?,
        handled_by: r.get(9)?,
        created_at: from_ms(r.get(10)?),
        handled_at: r.get::<_, Option<i64>>(11)?.map(from_ms),
        note: r.get(12)?,
        channel: Channel::from_wire(&r.get::<_, String>(13)?).ok_or_else(|| bad(13, "inbound channel"))?,
        subject: r.get(14)?,
    })
}

fn claim(conn: &Connection, m: &NewInbound, now: OffsetDateTime, lease: Duration) -> rusqlite::Result<InboundClaim> {
    let until = ms(now + lease);
    let inserted = conn
        .prepare_cached(&format!(
            "INSERT INTO inbound_sms (message_id, sender, line, body, received_at, claimed_until, created_at, channel, subject, raw)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) ON CONFLICT (message_id) DO NOTHING RETURNING {INBOUND_COLUMNS}"
        ))?
        .query_row(params![m.message_id, m.sender, m.line, m.text, ms(m.received_at), until, ms(now), m.channel.wire_name(), m.subject, m.raw], inbound_row)
        .optional()?;
    if let Some(r) = inserted {
        return Ok(InboundClaim::Mine(r));
    }
    let retaken = conn
        .prepare_cached(&format!(
            "UPDATE inbound_sms SET claimed_until = ?2 WHERE message_id = ?1 AND status = 'pending' AND (claimed_until IS NULL OR claimed_until <= ?3)
             RETURNING {INBOUND_COLUMNS}"
        ))?
        .query_row(params![m.message_id, until, ms(now)], inbound_row)
        .optional()?;
    if let Some(r) = retaken {
        return Ok(InboundClaim::Mine(r));
    }
    let known = conn.prepare_cached(&format!("SELECT {INBOUND_COLUMNS} FROM inbound_sms WHERE message_id = ?1"))?.query_row([&m.message_id], inbound_row)?;
    Ok(if known.status == InboundStatus::Pending { InboundClaim::Busy } else { InboundClaim::Done(known) })
}

#[async_trait]
impl InboundStore for SqliteStore {
    async fn claim_inbound(&self, message: NewInbound, now: OffsetDateTime, lease: Duration) -> StoreResult<InboundClaim> {
        self.db.write(move |conn| claim(conn, &message, now, lease).map_err(backend)).await
    }

    async fn lapsed_inbound(&self, now: OffsetDateTime, lease: Duration, limit: i64) -> StoreResult<Vec<InboundRecord>> {
        self.db
            .write(move |conn| {
                conn.prepare_cached(&format!(
                    "UPDATE inbound_sms SET claimed_until = ?2 WHERE id IN (
                        SELECT id FROM inbound_sms WHERE status = 'pending' AND (claimed_until IS NULL OR claimed_until <= ?1) ORDER BY id LIMIT ?3
                     ) RETURNING {INBOUND_COLUMNS}"
                ))
                .and_then(|mut s| s.query_map(params![ms(now), ms(now + lease), limit], inbound_row)?.collect::<rusqlite::Result<Vec<_>>>())
                .map(|mut v| {
                    v.sort_by_key(|r| r.id);
                    v
                })
                .map_err(backend)
            })
            .await
    }

    async fn finish_inbound(&self, id: i64, from: InboundStatus, outcome: InboundOutcome, reply: Option<NewSms>, at: OffsetDateTime) -> StoreResult<bool> {
        self.db
            .write(move |conn| {
                let n = conn
                    .prepare_cached(
                        "UPDATE inbound_sms SET status = ?3, reason = ?4, tracking_code = ?5, handled_by = ?6, handled_at = ?7, note = ?8, claimed_until = NULL,
                         raw = CASE WHEN ?3 IN ('filed', 'answered', 'dismissed') THEN NULL ELSE raw END
                         WHERE id = ?1 AND status = ?2",
                    )
                    .and_then(|mut s| {
                        s.execute(params![
                            id,
                            from.as_str(),
                            outcome.status.as_str(),
                            outcome.reason,
                            outcome.tracking_code.as_ref().map(TrackingCode::as_str),
                            outcome.handled_by,
                            ms(at),
                            outcome.note
                        ])
                    })
                    .map_err(backend)?;
                if n == 1 {
                    if let Some(sms) = &reply {
                        queue_sms(conn, sms, ms(at)).map_err(backend)?;
                    }
                }
                Ok(n == 1)
            })
            .await
    }

    async fn inbound_message(&self, id: i64) -> StoreResult<Option<InboundRecord>> {
        self.db
            .read(move |conn| {
                conn.prepare_cached(&format!("SELECT {INBOUND_COLUMNS} FROM inbound_sms WHERE id = ?1"))
                    .and_then(|mut s| s.query_row([id], inbound_row).optional())
                    .map_err(backend)
            })
            .await
    }

    async fn inbound_list(&self, status: InboundStatus, limit: i64, offset: i64) -> StoreResult<Vec<InboundRecord>> {
        self.db
            .read(move |conn| {
                conn.prepare_cached(&format!("SELECT {INBOUND_COLUMNS} FROM inbound_sms WHERE status = ?1 ORDER BY id LIMIT ?2 OFFSET ?3"))
                    .and_then(|mut s| s.query_map(params![status.as_str(), limit, offset], inbound_row)?.collect::<rusqlite::Result<Vec<_>>>())
                    .map_err(backend)
            })
            .await
    }

    async fn inbound_count(&self, status: InboundStatus) -> StoreResult<i64> {
        self.db
            .read(move |conn| {
                conn.prepare_cached("SELECT COUNT(*) FROM inbound_sms WHERE status = ?1")
                    .and_then(|mut s| s.query_row([status.as_str()], |r| r.get(0)))
                    .map_err(backend)
            })
            .await
    }

    async fn inbound_raw(&self, id: i64) -> StoreResult<Option<Vec<u8>>> {
        self.db
            .read(move |conn| {
                conn.prepare_cached("SELECT raw FROM inbound_sms WHERE id = ?1")
                    .and_then(|mut s| s.query_row([id], |r| r.get::<_, Option<Vec<u8>>>(0)).optional())
                    .map(Option::flatten)
                    .map_err(backend)
            })
            .await
    }

    async fn inbound_thread(&self, message_ids: Vec<String>) -> StoreResult<Option<TrackingCode>> {
        self.db
            .read(move |conn| {
                let mut stmt =
                    conn.prepare_cached("SELECT tracking_code FROM inbound_sms WHERE message_id = ?1 AND tracking_code IS NOT NULL").map_err(backend)?;
                for id in &message_ids {
                    if let Some(code) = stmt.query_row([id], |r| r.get::<_, String>(0)).optional().map_err(backend)? {
                        return TrackingCode::parse(&code).map(Some).map_err(|_| backend(bad(0, "tracking code")));
                    }
                }
                Ok(None)
            })
            .await
    }

    async fn inbound_of_complaint(&self, code: TrackingCode) -> StoreResult<Option<InboundRecord>> {
        self.db
            .read(move |conn| {
                conn.prepare_cached(&format!("SELECT {INBOUND_COLUMNS} FROM inbound_sms WHERE tracking_code = ?1 AND status = 'filed' ORDER BY id LIMIT 1"))
                    .and_then(|mut s| s.query_row([code.as_str()], inbound_row).optional())
                    .map_err(backend)
            })
            .await
    }
}
