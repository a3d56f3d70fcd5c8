//! Push devices: registering a citizen's push target under their session, listing and
//! forgetting them.

use async_trait::async_trait;
use rusqlite::{params, OptionalExtension};
use samat_core::model::PhoneNumber;
use time::OffsetDateTime;

use super::db::backend;
use super::rows::{device_by_id, device_row, ms, DEVICE_COLUMNS};
use super::SqliteStore;
use crate::store::{DeviceRecord, DeviceStore, DeviceTarget, Registration, StoreError, StoreResult};

#[async_trait]
impl DeviceStore for SqliteStore {
    async fn register_device(
        &self,
        phone: &PhoneNumber,
        session: Vec<u8>,
        target: DeviceTarget,
        at: OffsetDateTime,
        max_per_phone: i64,
    ) -> StoreResult<(DeviceRecord, Registration)> {
        let phone = phone.as_str().to_owned();
        self.db
            .write(move |conn| {
                let now = ms(at);
                // The session may have been logged out while the endpoint was being checked: a
                // target registered now would outlive it.
                let live = conn
                    .prepare_cached("SELECT 1 FROM sessions WHERE token_hash = ?1 AND revoked = 0 AND expires_at > ?2")
                    .and_then(|mut s| s.exists(params![session, now]))
                    .map_err(backend)?;
                if !live {
                    return Err(StoreError::SessionEnded);
                }
                let (p256dh, auth) = match &target {
                    DeviceTarget::UnifiedPush { p256dh, auth, .. } => (Some(p256dh.clone()), Some(auth.clone())),
                    _ => (None, None),
                };
                let kind = target.kind().wire_name();
                let existing: Option<(i64, String)> = conn
                    .prepare_cached("SELECT id, phone FROM devices WHERE kind = ?1 AND target = ?2")
                    .and_then(|mut s| s.query_row(params![kind, target.address()], |r| Ok((r.get(0)?, r.get(1)?))).optional())
                    .map_err(backend)?;
                let (id, registration) = match existing {
                    None => {
                        conn.prepare_cached(
                            "INSERT INTO devices (phone, kind, target, p256dh, auth, created_at, updated_at, session_hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?7)",
                        )
                        .and_then(|mut s| s.execute(params![phone, kind, target.address(), p256dh, auth, now, session]))
                        .map_err(backend)?;
                        (conn.last_insert_rowid(), Registration::New)
                    }
                    Some((id, owner)) if owner == phone => {
                        conn.execute(
                            "UPDATE devices SET p256dh = ?2, auth = ?3, updated_at = ?4, session_hash = ?5 WHERE id = ?1",
                            params![id, p256dh, auth, now, session],
                        )
                        .map_err(backend)?;
                        (id, Registration::Refreshed)
                    }
                    Some((id, _)) => {
                        // The phone changed hands (or accounts): the old owner's news must not
                        // reach it, not even what is already queued.
                        conn.execute("DELETE FROM push_outbox WHERE device_id = ?1 AND status = 'pending'", [id]).map_err(backend)?;
                        conn.execute(
                            "UPDATE devices SET phone = ?2, p256dh = ?3, auth = ?4, created_at = ?5, updated_at = ?5, session_hash = ?6 WHERE id = ?1",
                            params![id, phone, p256dh, auth, now, session],
                        )
                        .map_err(backend)?;
                        (id, Registration::Moved)
                    }
                };
                conn.execute(
                    "DELETE FROM devices WHERE phone = ?1 AND id NOT IN (SELECT id FROM devices WHERE phone = ?1 ORDER BY updated_at DESC, id DESC LIMIT ?2)",
                    params![phone, max_per_phone.max(1)],
                )
                .map_err(backend)?;
                let record = device_by_id(conn, id).map_err(backend)?.ok_or_else(|| StoreError::Backend("registered device vanished".into()))?;
                Ok((record, registration))
            })
            .await
    }

    async fn devices_of(&self, phone: &PhoneNumber) -> StoreResult<Vec<DeviceRecord>> {
        let phone = phone.as_str().to_owned();
        self.db
            .read(move |conn| {
                conn.prepare_cached(&format!("SELECT {DEVICE_COLUMNS} FROM devices d WHERE d.phone = ?1 ORDER BY d.id"))
                    .and_then(|mut s| s.query_map([phone], device_row)?.collect())
                    .map_err(backend)
            })
            .await
    }

    async fn delete_device(&self, phone: &PhoneNumber, id: i64) -> StoreResult<bool> {
        let phone = phone.as_str().to_owned();
        self.db
            .write(move |conn| {
                let n = conn.execute("DELETE FROM devices WHERE id = ?1 AND phone = ?2", params![id, phone]).map_err(backend)?;
                Ok(n == 1)
            })
            .await
    }
}
