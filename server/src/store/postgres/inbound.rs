//! Text messages to the 124 line: stored once per gateway message id (a redelivery to any
//! replica meets the UNIQUE key), claimed for a lease by the replica handling them, finished
//! together with their reply SMS.

use std::time::Duration;

use async_trait::async_trait;
use samat_core::model::{Channel, TrackingCode};
use time::OffsetDateTime;
use tokio_postgres::Row;

use super::rows::{bad, get, ms, queue_sms, Cached};
use super::{pg, PgStore};
use crate::store::{InboundClaim, InboundOutcome, InboundRecord, InboundStatus, InboundStore, NewInbound, NewSms, StoreResult};

const INBOUND_COLUMNS: &str =
    "id, message_id, sender, line, body, received_at, status, reason, tracking_code, handled_by, created_at, handled_at, note, channel, subject";

fn inbound_row(r: &Row) -> StoreResult<InboundRecord> {
    let status: String = get(r, 6)?;
    let code: Option<String> = get(r, 8)?;
    Ok(InboundRecord {
        id: get(r, 0)?,
        message_id: get(r, 1)?,
        sender: get(r, 2)?,
        line: get(r, 3)?,
        text: get(r, 4)?,
        received_at: get(r, 5)?,
        status: InboundStatus::parse(&status).ok_or_else(|| bad("inbound status", &status))?,
        reason: get(r, 7)?,
        tracking_code: code.map(|c| TrackingCode::parse(&c).map_err(|_| bad("tracking code", &c))).transpose()?,
        handled_by: get(r, 9)?,
        created_at: get(r, 10)?,
        handled_at: get(r, 11)?,
        note: get(r, 12)?,
        channel: {
            let channel: String = get(r, 13)?;
            Channel::from_wire(&channel).ok_or_else(|| bad("inbound channel", &channel))?
        },
        subject: get(r, 14)?,
    })
}

#[async_trait]
impl InboundStore for PgStore {
    async fn claim_inbound(&self, m: NewInbound, now: OffsetDateTime, lease: Duration) -> StoreResult<InboundClaim> {
        let conn = self.conn().await?;
        let (now, until) = (ms(now), ms(now + lease));
        let inserted = conn
            .query_opt_c(
                &format!(
                    "INSERT INTO inbound_sms (message_id, sender, line, body, received_at, claimed_until, created_at, channel, subject, raw)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (message_id) DO NOTHING RETURNING {INBOUND_COLUMNS}"
                ),
                &[&m.message_id, &m.sender, &m.line, &m.text, &ms(m.received_at), &until, &now, &m.channel.wire_name(), &m.subject, &m.raw],
            )
            .await
            .map_err(pg)?;
        if let Some(r) = inserted {
            return Ok(InboundClaim::Mine(inbound_row(&r)?));
        }
        let retaken = conn
            .query_opt_c(
                &format!(
                    "UPDATE inbound_sms SET claimed_until = $2 WHERE message_id = $1 AND status = 'pending' AND (claimed_until IS NULL OR claimed_until <= $3)
                     RETURNING {INBOUND_COLUMNS}"
                ),
                &[&m.message_id, &until, &now],
            )
            .await
            .map_err(pg)?;
        if let Some(r) = retaken {
            return Ok(InboundClaim::Mine(inbound_row(&r)?));
        }
        let known = conn.query_one_c(&format!("SELECT {INBOUND_COLUMNS} FROM inbound_sms WHERE message_id = $1"), &[&m.message_id]).await.map_err(pg)?;
        let known = inbound_row(&known)?;
        Ok(if known.status == InboundStatus::Pending { InboundClaim::Busy } else { InboundClaim::Done(known) })
    }

    async fn lapsed_inbound(&self, now: OffsetDateTime, lease: Duration, limit: i64) -> StoreResult<Vec<InboundRecord>> {
        let conn = self.conn().await?;
        let rows = conn
            .query_c(
                &format!(
                    "UPDATE inbound_sms SET claimed_until = $2 WHERE id IN (
                        SELECT id FROM inbound_sms WHERE status = 'pending' AND (claimed_until IS NULL OR claimed_until <= $1)
                        ORDER BY id LIMIT $3 FOR UPDATE SKIP LOCKED
                     ) RETURNING {INBOUND_COLUMNS}"
                ),
                &[&ms(now), &ms(now + lease), &limit],
            )
            .await
            .map_err(pg)?;
        let mut out = rows.iter().map(inbound_row).collect::<StoreResult<Vec<_>>>()?;
        out.sort_by_key(|r| r.id);
        Ok(out)
    }

    async fn finish_inbound(&self, id: i64, from: InboundStatus, outcome: InboundOutcome, reply: Option<NewSms>, at: OffsetDateTime) -> StoreResult<bool> {
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await.map_err(pg)?;
        let n = tx
            .execute_c(
                "UPDATE inbound_sms SET status = $3, reason = $4, tracking_code = $5, handled_by = $6, handled_at = $7, note = $8, claimed_until = NULL,
                 raw = CASE WHEN $3 IN ('filed', 'answered', 'dismissed') THEN NULL ELSE raw END
                 WHERE id = $1 AND status = $2",
                &[
                    &id,
                    &from.as_str(),
                    &outcome.status.as_str(),
                    &outcome.reason,
                    &outcome.tracking_code.as_ref().map(TrackingCode::as_str),
                    &outcome.handled_by,
                    &ms(at),
                    &outcome.note,
                ],
            )
            .await
            .map_err(pg)?;
        if n == 1 {
            if let Some(sms) = &reply {
                queue_sms(&tx, sms, ms(at)).await?;
            }
        }
        tx.commit().await.map_err(pg)?;
        Ok(n == 1)
    }

    async fn inbound_message(&self, id: i64) -> StoreResult<Option<InboundRecord>> {
        let conn = self.conn().await?;
        conn.query_opt_c(&format!("SELECT {INBOUND_COLUMNS} FROM inbound_sms WHERE id = $1"), &[&id]).await.map_err(pg)?.as_ref().map(inbound_row).transpose()
    }

    async fn inbound_list(&self, status: InboundStatus, limit: i64, offset: i64) -> StoreResult<Vec<InboundRecord>> {
        let conn = self.conn().await?;
        let rows = conn
            .query_c(
                &format!("SELECT {INBOUND_COLUMNS} FROM inbound_sms WHERE status = $1 ORDER BY id LIMIT $2 OFFSET $3"),
                &[&status.as_str(), &limit, &offset],
            )
            .await
            .map_err(pg)?;
        rows.iter().map(inbound_row).collect()
    }

    async fn inbound_count(&self, status: InboundStatus) -> StoreResult<i64> {
        let conn = self.conn().await?;
        let row = conn.query_one_c("SELECT COUNT(*) FROM inbound_sms WHERE status = $1", &[&status.as_str()]).await.map_err(pg)?;
        get(&row, 0)
    }

    async fn inbound_raw(&self, id: i64) -> StoreResult<Option<Vec<u8>>> {
        let conn = self.conn().await?;
        let row = conn.query_opt_c("SELECT raw FROM inbound_sms WHERE id = $1", &[&id]).await.map_err(pg)?;
        Ok(match row {
            Some(r) => get::<Option<Vec<u8>>>(&r, 0)?,
            None => None,
        })
    }

    async fn inbound_thread(&self, message_ids: Vec<String>) -> StoreResult<Option<TrackingCode>> {
        let conn = self.conn().await?;
        let rows = conn
            .query_c("SELECT message_id, tracking_code FROM inbound_sms WHERE message_id = ANY($1) AND tracking_code IS NOT NULL", &[&message_ids])
            .await
            .map_err(pg)?;
        // The first of the ids given that is known (the closest message of the thread).
        let mut found: Vec<(usize, String)> = Vec::new();
        for r in &rows {
            let id: String = get(r, 0)?;
            let code: String = get(r, 1)?;
            if let Some(at) = message_ids.iter().position(|m| *m == id) {
                found.push((at, code));
            }
        }
        found.sort();
        found.into_iter().next().map(|(_, c)| TrackingCode::parse(&c).map_err(|_| bad("tracking code", &c))).transpose()
    }

    async fn inbound_of_complaint(&self, code: TrackingCode) -> StoreResult<Option<InboundRecord>> {
        let conn = self.conn().await?;
        conn.query_opt_c(
            &format!("SELECT {INBOUND_COLUMNS} FROM inbound_sms WHERE tracking_code = $1 AND status = 'filed' ORDER BY id LIMIT 1"),
            &[&code.as_str()],
        )
        .await
        .map_err(pg)?
        .as_ref()
        .map(inbound_row)
        .transpose()
    }
}
