//! The SMS and push outboxes: what is due, how each attempt ended, and pruning what is done.

use async_trait::async_trait;
use rusqlite::params;
use time::OffsetDateTime;

use super::db::backend;
use super::rows::{bad, device_row, from_ms, ms, phone_at, DEVICE_COLUMNS, DEVICE_WIDTH};
use super::SqliteStore;
use crate::store::{OutboxPush, OutboxSms, OutboxStore, PushRecord, SmsKind, StoreResult, CLAIM_LEASE};

impl SqliteStore {
    /// Whether `table` has rows due at `now` (a read: the claim, a write, only when it has).
    async fn any_due(&self, table: &'static str, now: OffsetDateTime) -> StoreResult<bool> {
        self.db
            .read(move |conn| {
                conn.prepare_cached(&format!(
                    "SELECT 1 FROM {table} WHERE status = 'pending' AND next_attempt_at <= ?1 AND (claimed_until IS NULL OR claimed_until <= ?1) LIMIT 1"
                ))
                .and_then(|mut s| s.exists([ms(now)]))
                .map_err(backend)
            })
            .await
    }
}

#[async_trait]
impl OutboxStore for SqliteStore {
    async fn due_sms(&self, now: OffsetDateTime, limit: i64) -> StoreResult<Vec<OutboxSms>> {
        if !self.any_due("outbox", now).await? {
            return Ok(Vec::new());
        }
        self.db
            .write(move |conn| {
                conn.prepare_cached(
                    "UPDATE outbox SET claimed_until = ?3 WHERE id IN (
                        SELECT id FROM outbox WHERE status = 'pending' AND next_attempt_at <= ?1 AND (claimed_until IS NULL OR claimed_until <= ?1)
                        ORDER BY id LIMIT ?2
                     ) RETURNING id, recipient, body, kind, token, attempts",
                )
                .and_then(|mut s| {
                    s.query_map(params![ms(now), limit, ms(now + CLAIM_LEASE)], |r| {
                        Ok(OutboxSms {
                            id: r.get(0)?,
                            to: phone_at(r, 1)?,
                            text: r.get(2)?,
                            kind: if r.get::<_, String>(3)? == "otp" { SmsKind::Otp } else { SmsKind::Notice },
                            token: r.get(4)?,
                            attempts: r.get(5)?,
                        })
                    })?
                    .collect::<rusqlite::Result<Vec<_>>>()
                })
                .map(|mut v| {
                    v.sort_by_key(|s| s.id);
                    v
                })
                .map_err(backend)
            })
            .await
    }

    async fn sms_sent(&self, ids: Vec<i64>, at: OffsetDateTime) -> StoreResult<()> {
        self.db
            .write(move |conn| {
                let mut stmt = conn
                    .prepare_cached(
                        "UPDATE outbox SET status = 'sent', sent_at = ?2, attempts = attempts + 1, claimed_until = NULL,
                         body = CASE kind WHEN 'otp' THEN '' ELSE body END, token = NULL WHERE id = ?1",
                    )
                    .map_err(backend)?;
                for id in ids {
                    stmt.execute(params![id, ms(at)]).map_err(backend)?;
                }
                Ok(())
            })
            .await
    }

    async fn sms_failed(&self, id: i64, error: String, next_attempt_at: Option<OffsetDateTime>) -> StoreResult<()> {
        self.db
            .write(move |conn| {
                let (status, next) = match next_attempt_at {
                    Some(t) => ("pending", ms(t)),
                    None => ("failed", ms(OffsetDateTime::now_utc())),
                };
                conn.execute(
                    "UPDATE outbox SET status = ?2, attempts = attempts + 1, last_error = ?3, next_attempt_at = ?4, claimed_until = NULL,
                     body = CASE WHEN ?2 = 'failed' AND kind = 'otp' THEN '' ELSE body END WHERE id = ?1",
                    params![id, status, error, next],
                )
                .map_err(backend)?;
                Ok(())
            })
            .await
    }

    async fn pending_sms(&self) -> StoreResult<i64> {
        self.db.read(|conn| conn.query_row("SELECT count(*) FROM outbox WHERE status = 'pending'", [], |r| r.get(0)).map_err(backend)).await
    }

    async fn due_pushes(&self, now: OffsetDateTime, limit: i64) -> StoreResult<Vec<OutboxPush>> {
        if !self.any_due("push_outbox", now).await? {
            return Ok(Vec::new());
        }
        self.db
            .write(move |conn| {
                let claimed: Vec<i64> = conn
                    .prepare_cached(
                        "UPDATE push_outbox SET claimed_until = ?3 WHERE id IN (
                            SELECT id FROM push_outbox WHERE status = 'pending' AND next_attempt_at <= ?1 AND (claimed_until IS NULL OR claimed_until <= ?1)
                            ORDER BY next_attempt_at, id LIMIT ?2
                         ) RETURNING id",
                    )
                    .and_then(|mut s| s.query_map(params![ms(now), limit, ms(now + CLAIM_LEASE)], |r| r.get(0))?.collect())
                    .map_err(backend)?;
                let ids = rusqlite::types::Value::Text(serde_json::to_string(&claimed).unwrap_or_else(|_| "[]".into()));
                conn.prepare_cached(&format!(
                    "SELECT {DEVICE_COLUMNS}, o.id, o.payload, o.attempts, o.created_at FROM push_outbox o JOIN devices d ON d.id = o.device_id
                     WHERE o.id IN (SELECT value FROM json_each(?1)) ORDER BY o.next_attempt_at, o.id"
                ))
                .and_then(|mut s| {
                    s.query_map(params![ids], |r| {
                        let payload: String = r.get(DEVICE_WIDTH + 1)?;
                        Ok(OutboxPush {
                            device: device_row(r)?,
                            id: r.get(DEVICE_WIDTH)?,
                            message: serde_json::from_str(&payload).map_err(|_| bad(DEVICE_WIDTH + 1, "push payload"))?,
                            attempts: r.get(DEVICE_WIDTH + 2)?,
                            created_at: from_ms(r.get(DEVICE_WIDTH + 3)?),
                        })
                    })?
                    .collect()
                })
                .map_err(backend)
            })
            .await
    }

    async fn pushes_finished(&self, results: Vec<(i64, PushRecord)>, at: OffsetDateTime) -> StoreResult<()> {
        self.db
            .write(move |conn| {
                let now = ms(at);
                for (id, result) in results {
                    match result {
                        PushRecord::Sent => conn
                            .prepare_cached("UPDATE push_outbox SET status = 'sent', attempts = attempts + 1, sent_at = ?2, last_error = NULL, claimed_until = NULL WHERE id = ?1")
                            .and_then(|mut s| s.execute(params![id, now])),
                        PushRecord::Failed { error, next_attempt_at: Some(next) } => conn
                            .prepare_cached("UPDATE push_outbox SET attempts = attempts + 1, last_error = ?2, next_attempt_at = ?3, claimed_until = NULL WHERE id = ?1")
                            .and_then(|mut s| s.execute(params![id, error, ms(next)])),
                        PushRecord::Failed { error, next_attempt_at: None } => conn
                            .prepare_cached("UPDATE push_outbox SET status = 'failed', attempts = attempts + 1, last_error = ?2, claimed_until = NULL WHERE id = ?1")
                            .and_then(|mut s| s.execute(params![id, error])),
                        PushRecord::Skipped { reason } => conn
                            .prepare_cached("UPDATE push_outbox SET status = 'skipped', last_error = ?2, claimed_until = NULL WHERE id = ?1")
                            .and_then(|mut s| s.execute(params![id, reason])),
                        PushRecord::DeviceGone => conn
                            .prepare_cached("DELETE FROM devices WHERE id = (SELECT device_id FROM push_outbox WHERE id = ?1)")
                            .and_then(|mut s| s.execute([id])),
                    }
                    .map_err(backend)?;
                }
                Ok(())
            })
            .await
    }

    async fn postpone_device_pushes(&self, device_id: i64, until: OffsetDateTime) -> StoreResult<()> {
        self.db
            .write(move |conn| {
                conn.execute(
                    "UPDATE push_outbox SET next_attempt_at = max(next_attempt_at, ?2), claimed_until = NULL WHERE device_id = ?1 AND status = 'pending'",
                    params![device_id, ms(until)],
                )
                .map_err(backend)?;
                Ok(())
            })
            .await
    }

    async fn pending_pushes(&self) -> StoreResult<i64> {
        self.db.read(|conn| conn.query_row("SELECT count(*) FROM push_outbox WHERE status = 'pending'", [], |r| r.get(0)).map_err(backend)).await
    }

    async fn prune_outboxes(&self, before: OffsetDateTime) -> StoreResult<i64> {
        let mut total = 0;
        // Small batches, so the writer never holds up complaints for long.
        loop {
            let n = self
                .db
                .write(move |conn| {
                    let sms = conn
                        .execute(
                            "DELETE FROM outbox WHERE id IN (SELECT id FROM outbox WHERE status <> 'pending' AND created_at < ?1 LIMIT 2000)",
                            [ms(before)],
                        )
                        .map_err(backend)?;
                    let push = conn
                        .execute(
                            "DELETE FROM push_outbox WHERE id IN (SELECT id FROM push_outbox WHERE status <> 'pending' AND created_at < ?1 LIMIT 2000)",
                            [ms(before)],
                        )
                        .map_err(backend)?;
                    Ok((sms + push) as i64)
                })
                .await?;
            total += n;
            if n == 0 {
                return Ok(total);
            }
        }
    }
}
