//! Logins: one-time codes sent by SMS, and sessions for citizens and staff.

use async_trait::async_trait;
use rusqlite::{params, OptionalExtension};
use samat_core::model::{PhoneNumber, Province, Role};
use time::OffsetDateTime;

use super::db::backend;
use super::rows::{ms, queue_sms};
use super::SqliteStore;
use crate::store::{AuthStore, NewSms, OtpCheck, Principal, StoreResult};

#[async_trait]
impl AuthStore for SqliteStore {
    async fn put_otp(&self, phone: &PhoneNumber, code_hash: Vec<u8>, expires_at: OffsetDateTime, sms: NewSms) -> StoreResult<()> {
        let phone = phone.as_str().to_owned();
        self.db
            .write(move |conn| {
                let now = ms(OffsetDateTime::now_utc());
                conn.prepare_cached("INSERT OR REPLACE INTO otps (phone, code_hash, expires_at, attempts, created_at) VALUES (?1, ?2, ?3, 0, ?4)")
                    .and_then(|mut s| s.execute(params![phone, code_hash, ms(expires_at), now]))
                    .map_err(backend)?;
                queue_sms(conn, &sms, now).map_err(backend)
            })
            .await
    }

    async fn check_otp(&self, phone: &PhoneNumber, code_hash: Vec<u8>, now: OffsetDateTime, max_attempts: i64) -> StoreResult<OtpCheck> {
        let phone = phone.as_str().to_owned();
        self.db
            .write(move |conn| {
                let row: Option<(Vec<u8>, i64, i64)> = conn
                    .prepare_cached("SELECT code_hash, expires_at, attempts FROM otps WHERE phone = ?1")
                    .and_then(|mut s| s.query_row([&phone], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).optional())
                    .map_err(backend)?;
                let Some((stored, expires_at, attempts)) = row else { return Ok(OtpCheck::Expired) };
                if expires_at < ms(now) {
                    conn.execute("DELETE FROM otps WHERE phone = ?1", [&phone]).map_err(backend)?;
                    return Ok(OtpCheck::Expired);
                }
                if attempts >= max_attempts {
                    return Ok(OtpCheck::TooManyAttempts);
                }
                if stored == code_hash {
                    conn.execute("DELETE FROM otps WHERE phone = ?1", [&phone]).map_err(backend)?;
                    return Ok(OtpCheck::Valid);
                }
                conn.execute("UPDATE otps SET attempts = attempts + 1 WHERE phone = ?1", [&phone]).map_err(backend)?;
                Ok(OtpCheck::Wrong { remaining: max_attempts - attempts - 1 })
            })
            .await
    }

    async fn create_session(&self, token_hash: Vec<u8>, who: &Principal, expires_at: OffsetDateTime) -> StoreResult<()> {
        let (phone, staff_id) = match who {
            Principal::Citizen { phone } => (Some(phone.as_str().to_owned()), None),
            Principal::Staff { id, .. } => (None, Some(*id)),
        };
        self.db
            .write(move |conn| {
                conn.execute(
                    "INSERT INTO sessions (token_hash, phone, staff_id, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![token_hash, phone, staff_id, ms(OffsetDateTime::now_utc()), ms(expires_at)],
                )
                .map_err(backend)?;
                Ok(())
            })
            .await
    }

    async fn find_session(&self, token_hash: Vec<u8>, now: OffsetDateTime) -> StoreResult<Option<Principal>> {
        self.db
            .read(move |conn| {
                conn.prepare_cached(
                    "SELECT s.phone, st.id, st.username, st.role, st.active, st.province FROM sessions s LEFT JOIN staff st ON st.id = s.staff_id
                     WHERE s.token_hash = ?1 AND s.revoked = 0 AND s.expires_at > ?2",
                )
                .and_then(|mut s| {
                    s.query_row(params![token_hash, ms(now)], |r| {
                        let phone: Option<String> = r.get(0)?;
                        if let Some(p) = phone {
                            return Ok(PhoneNumber::parse(&p).ok().map(|phone| Principal::Citizen { phone }));
                        }
                        let id: Option<i64> = r.get(1)?;
                        let active: Option<bool> = r.get(4)?;
                        let role = r.get::<_, Option<String>>(3)?.and_then(|r| Role::from_wire(&r));
                        let province = r.get::<_, Option<String>>(5)?.and_then(|p| Province::from_wire(&p));
                        Ok(match (id, role, active) {
                            (Some(id), Some(role), Some(true)) => Some(Principal::Staff { id, username: r.get(2)?, role, province }),
                            _ => None,
                        })
                    })
                    .optional()
                })
                .map(Option::flatten)
                .map_err(backend)
            })
            .await
    }

    async fn revoke_session(&self, token_hash: Vec<u8>) -> StoreResult<bool> {
        self.db
            .write(move |conn| {
                // One job, so one savepoint: both or neither.
                let revoked = conn.execute("UPDATE sessions SET revoked = 1 WHERE token_hash = ?1 AND revoked = 0", [&token_hash]).map_err(backend)?;
                // Logged out: this phone hears no more of the account (queued pushes go too).
                conn.execute("DELETE FROM devices WHERE session_hash = ?1", [&token_hash]).map_err(backend)?;
                Ok(revoked > 0)
            })
            .await
    }
}
