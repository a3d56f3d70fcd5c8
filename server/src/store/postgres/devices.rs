//! Push devices: registering a citizen's push target under their session, listing and
//! forgetting them.

use async_trait::async_trait;
use samat_core::model::PhoneNumber;
use time::OffsetDateTime;

use super::rows::{device_by_id, device_row, get, lock_citizen, ms, Cached, DEVICE_COLUMNS};
use super::{pg, PgStore};
use crate::store::{DeviceRecord, DeviceStore, DeviceTarget, Registration, StoreError, StoreResult};

#[async_trait]
impl DeviceStore for PgStore {
    async fn register_device(
        &self,
        phone: &PhoneNumber,
        session: Vec<u8>,
        target: DeviceTarget,
        at: OffsetDateTime,
        max_per_phone: i64,
    ) -> StoreResult<(DeviceRecord, Registration)> {
        let phone = phone.as_str();
        let now = ms(at);
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await.map_err(pg)?;
        let c = &tx;
        // The session may have been logged out while the endpoint was being checked: a target
        // registered now would outlive it. Its row is locked so a logout waits for this.
        let live = c
            .query_opt_c("SELECT 1 FROM sessions WHERE token_hash = $1 AND NOT revoked AND expires_at > $2 FOR SHARE", &[&session, &now])
            .await
            .map_err(pg)?
            .is_some();
        if !live {
            return Err(StoreError::SessionEnded);
        }
        // One registration of a citizen's devices at a time (the cap counts them).
        lock_citizen(c, phone).await?;
        let (p256dh, auth) = match &target {
            DeviceTarget::UnifiedPush { p256dh, auth, .. } => (Some(p256dh.clone()), Some(auth.clone())),
            _ => (None, None),
        };
        let kind = target.kind().wire_name();
        // Claims the target, or finds who has it (locked, so a concurrent claim waits).
        let inserted = c
            .query_opt_c(
                "INSERT INTO devices (phone, kind, target, p256dh, auth, created_at, updated_at, session_hash) VALUES ($1, $2, $3, $4, $5, $6, $6, $7)
                 ON CONFLICT (kind, target) DO NOTHING RETURNING id",
                &[&phone, &kind, &target.address(), &p256dh, &auth, &now, &session],
            )
            .await
            .map_err(pg)?;
        let (id, registration) = match inserted {
            Some(row) => (get::<i64>(&row, 0)?, Registration::New),
            None => {
                let row =
                    c.query_one_c("SELECT id, phone FROM devices WHERE kind = $1 AND target = $2 FOR UPDATE", &[&kind, &target.address()]).await.map_err(pg)?;
                let (id, owner): (i64, String) = (get(&row, 0)?, get(&row, 1)?);
                if owner == phone {
                    c.execute_c(
                        "UPDATE devices SET p256dh = $2, auth = $3, updated_at = $4, session_hash = $5 WHERE id = $1",
                        &[&id, &p256dh, &auth, &now, &session],
                    )
                    .await
                    .map_err(pg)?;
                    (id, Registration::Refreshed)
                } else {
                    // The phone changed hands (or accounts): the old owner's news must not
                    // reach it, not even what is already queued.
                    c.execute_c("DELETE FROM push_outbox WHERE device_id = $1 AND status = 'pending'", &[&id]).await.map_err(pg)?;
                    c.execute_c(
                        "UPDATE devices SET phone = $2, p256dh = $3, auth = $4, created_at = $5, updated_at = $5, session_hash = $6 WHERE id = $1",
                        &[&id, &phone, &p256dh, &auth, &now, &session],
                    )
                    .await
                    .map_err(pg)?;
                    (id, Registration::Moved)
                }
            }
        };
        c.execute_c(
            "DELETE FROM devices WHERE phone = $1 AND id NOT IN (SELECT id FROM devices WHERE phone = $1 ORDER BY updated_at DESC, id DESC LIMIT $2)",
            &[&phone, &max_per_phone.max(1)],
        )
        .await
        .map_err(pg)?;
        let record = device_by_id(c, id).await?.ok_or_else(|| StoreError::Backend("registered device vanished".into()))?;
        tx.commit().await.map_err(pg)?;
        Ok((record, registration))
    }

    async fn devices_of(&self, phone: &PhoneNumber) -> StoreResult<Vec<DeviceRecord>> {
        let conn = self.conn().await?;
        let sql = format!("SELECT {DEVICE_COLUMNS} FROM devices d WHERE d.phone = $1 ORDER BY d.id");
        conn.query_c(&sql, &[&phone.as_str()]).await.map_err(pg)?.iter().map(device_row).collect()
    }

    async fn delete_device(&self, phone: &PhoneNumber, id: i64) -> StoreResult<bool> {
        let conn = self.conn().await?;
        let n = conn.execute_c("DELETE FROM devices WHERE id = $1 AND phone = $2", &[&id, &phone.as_str()]).await.map_err(pg)?;
        Ok(n == 1)
    }
}
