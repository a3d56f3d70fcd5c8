//! The SMS and push outboxes. Every replica drains them: a due row is claimed with
//! `FOR UPDATE SKIP LOCKED` (two replicas never take the same row) by this replica, for a
//! lease ([`CLAIM_LEASE`]). A claim ends when the lease runs out or at once when the replica
//! that made it is gone: each replica holds an advisory lock for as long as it lives
//! ([`feed`](super::feed)), and a claim whose replica holds no lock is free, so a replica
//! killed mid-send leaves its rows to the others within moments; the gateways de-duplicate
//! by outbox id, so that retry never reaches a phone twice.

use async_trait::async_trait;
use time::OffsetDateTime;

use super::feed::REPLICA_LOCK_CLASS;
use super::rows::{device_row, get, ms, phone_at, Cached, DEVICE_COLUMNS, DEVICE_WIDTH};
use super::{pg, PgStore};
use crate::store::{OutboxPush, OutboxSms, OutboxStore, PushRecord, SmsKind, StoreError, StoreResult, CLAIM_LEASE};

/// Whether a row may be claimed: never claimed, its lease ran out, or the replica that
/// claimed it no longer holds its life lock on this database (it died or lost its
/// connection).
fn unclaimed() -> String {
    format!(
        "(claimed_until IS NULL OR claimed_until <= $1 OR NOT EXISTS (
        SELECT 1 FROM pg_locks l WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
        AND l.classid = {REPLICA_LOCK_CLASS} AND l.objid::bigint = claimed_by
        AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())))"
    )
}

#[async_trait]
impl OutboxStore for PgStore {
    async fn due_sms(&self, now: OffsetDateTime, limit: i64) -> StoreResult<Vec<OutboxSms>> {
        let conn = self.conn().await?;
        let rows = conn
            .query_c(
                &format!(
                    "UPDATE outbox o SET claimed_until = $3, claimed_by = $4 FROM (
                        SELECT id FROM outbox WHERE status = 'pending' AND next_attempt_at <= $1 AND {}
                        ORDER BY next_attempt_at, id LIMIT $2 FOR UPDATE SKIP LOCKED
                     ) due WHERE o.id = due.id
                     RETURNING o.id, o.recipient, o.body, o.kind, o.token, o.attempts",
                    unclaimed()
                ),
                &[&now, &limit, &ms(now + CLAIM_LEASE), &self.replica],
            )
            .await
            .map_err(pg)?;
        let mut out = rows
            .iter()
            .map(|r| {
                Ok(OutboxSms {
                    id: get(r, 0)?,
                    to: phone_at(r, 1)?,
                    text: get(r, 2)?,
                    kind: if get::<String>(r, 3)? == "otp" { SmsKind::Otp } else { SmsKind::Notice },
                    token: get(r, 4)?,
                    attempts: get(r, 5)?,
                })
            })
            .collect::<StoreResult<Vec<_>>>()?;
        out.sort_by_key(|s| s.id);
        Ok(out)
    }

    async fn sms_sent(&self, ids: Vec<i64>, at: OffsetDateTime) -> StoreResult<()> {
        let conn = self.conn().await?;
        conn.execute_c(
            "UPDATE outbox SET status = 'sent', sent_at = $2, attempts = attempts + 1, claimed_until = NULL,
             body = CASE kind WHEN 'otp' THEN '' ELSE body END, token = NULL WHERE id = ANY($1)",
            &[&ids, &ms(at)],
        )
        .await
        .map_err(pg)?;
        Ok(())
    }

    async fn sms_failed(&self, id: i64, error: String, next_attempt_at: Option<OffsetDateTime>) -> StoreResult<()> {
        let (status, next) = match next_attempt_at {
            Some(t) => ("pending", ms(t)),
            None => ("failed", ms(OffsetDateTime::now_utc())),
        };
        let conn = self.conn().await?;
        conn.execute_c(
            "UPDATE outbox SET status = $2, attempts = attempts + 1, last_error = $3, next_attempt_at = $4, claimed_until = NULL,
             body = CASE WHEN $2 = 'failed' AND kind = 'otp' THEN '' ELSE body END WHERE id = $1",
            &[&id, &status, &error, &next],
        )
        .await
        .map_err(pg)?;
        Ok(())
    }

    async fn pending_sms(&self) -> StoreResult<i64> {
        let conn = self.conn().await?;
        get(&conn.query_one_c("SELECT count(*) FROM outbox WHERE status = 'pending'", &[]).await.map_err(pg)?, 0)
    }

    async fn due_pushes(&self, now: OffsetDateTime, limit: i64) -> StoreResult<Vec<OutboxPush>> {
        let conn = self.conn().await?;
        let claimed = conn
            .query_c(
                &format!(
                    "UPDATE push_outbox o SET claimed_until = $3, claimed_by = $4 FROM (
                        SELECT id FROM push_outbox WHERE status = 'pending' AND next_attempt_at <= $1 AND {}
                        ORDER BY next_attempt_at, id LIMIT $2 FOR UPDATE SKIP LOCKED
                     ) due WHERE o.id = due.id
                     RETURNING o.id",
                    unclaimed()
                ),
                &[&now, &limit, &ms(now + CLAIM_LEASE), &self.replica],
            )
            .await
            .map_err(pg)?;
        let ids: Vec<i64> = claimed.iter().map(|r| get(r, 0)).collect::<StoreResult<_>>()?;
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let rows = conn
            .query_c(
                &format!(
                    "SELECT {DEVICE_COLUMNS}, o.id, o.payload, o.attempts, o.created_at FROM push_outbox o JOIN devices d ON d.id = o.device_id
                     WHERE o.id = ANY($1) ORDER BY o.next_attempt_at, o.id"
                ),
                &[&ids],
            )
            .await
            .map_err(pg)?;
        rows.iter()
            .map(|r| {
                let payload: String = get(r, DEVICE_WIDTH + 1)?;
                Ok(OutboxPush {
                    device: device_row(r)?,
                    id: get(r, DEVICE_WIDTH)?,
                    message: serde_json::from_str(&payload).map_err(|_| StoreError::Backend(format!("bad push payload {payload:?}")))?,
                    attempts: get(r, DEVICE_WIDTH + 2)?,
                    created_at: get(r, DEVICE_WIDTH + 3)?,
                })
            })
            .collect()
    }

    async fn pushes_finished(&self, results: Vec<(i64, PushRecord)>, at: OffsetDateTime) -> StoreResult<()> {
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await.map_err(pg)?;
        let now = ms(at);
        for (id, result) in results {
            match result {
                PushRecord::Sent => {
                    tx.execute_c(
                        "UPDATE push_outbox SET status = 'sent', attempts = attempts + 1, sent_at = $2, last_error = NULL, claimed_until = NULL WHERE id = $1",
                        &[&id, &now],
                    )
                    .await
                }
                PushRecord::Failed { error, next_attempt_at: Some(next) } => {
                    tx.execute_c(
                        "UPDATE push_outbox SET attempts = attempts + 1, last_error = $2, next_attempt_at = $3, claimed_until = NULL WHERE id = $1",
                        &[&id, &error, &ms(next)],
                    )
                    .await
                }
                PushRecord::Failed { error, next_attempt_at: None } => {
                    tx.execute_c(
                        "UPDATE push_outbox SET status = 'failed', attempts = attempts + 1, last_error = $2, claimed_until = NULL WHERE id = $1",
                        &[&id, &error],
                    )
                    .await
                }
                PushRecord::Skipped { reason } => {
                    tx.execute_c("UPDATE push_outbox SET status = 'skipped', last_error = $2, claimed_until = NULL WHERE id = $1", &[&id, &reason]).await
                }
                PushRecord::DeviceGone => tx.execute_c("DELETE FROM devices WHERE id = (SELECT device_id FROM push_outbox WHERE id = $1)", &[&id]).await,
            }
            .map_err(pg)?;
        }
        tx.commit().await.map_err(pg)
    }

    async fn postpone_device_pushes(&self, device_id: i64, until: OffsetDateTime) -> StoreResult<()> {
        let conn = self.conn().await?;
        conn.execute_c(
            "UPDATE push_outbox SET next_attempt_at = greatest(next_attempt_at, $2), claimed_until = NULL WHERE device_id = $1 AND status = 'pending'",
            &[&device_id, &ms(until)],
        )
        .await
        .map_err(pg)?;
        Ok(())
    }

    async fn pending_pushes(&self) -> StoreResult<i64> {
        let conn = self.conn().await?;
        get(&conn.query_one_c("SELECT count(*) FROM push_outbox WHERE status = 'pending'", &[]).await.map_err(pg)?, 0)
    }

    async fn prune_outboxes(&self, before: OffsetDateTime) -> StoreResult<i64> {
        let conn = self.conn().await?;
        let mut total = 0;
        // Small batches, so no statement holds many row locks for long.
        loop {
            let sms = conn
                .execute_c("DELETE FROM outbox WHERE id IN (SELECT id FROM outbox WHERE status <> 'pending' AND created_at < $1 LIMIT 2000)", &[&before])
                .await
                .map_err(pg)?;
            let push = conn
                .execute_c(
                    "DELETE FROM push_outbox WHERE id IN (SELECT id FROM push_outbox WHERE status <> 'pending' AND created_at < $1 LIMIT 2000)",
                    &[&before],
                )
                .await
                .map_err(pg)?;
            total += (sms + push) as i64;
            if sms + push == 0 {
                return Ok(total);
            }
        }
    }
}
