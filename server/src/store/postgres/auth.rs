//! Logins: one-time codes sent by SMS, and sessions for citizens and staff. A revoked
//! session is announced to every replica, whose session caches drop it at once.

use async_trait::async_trait;
use samat_core::model::{PhoneNumber, Province, Role};
use time::OffsetDateTime;

use super::rows::{get, ms, queue_sms, Cached};
use super::{feed, pg, PgStore};
use crate::store::{AuthStore, Change, NewSms, OtpCheck, Principal, StoreResult};

#[async_trait]
impl AuthStore for PgStore {
    async fn put_otp(&self, phone: &PhoneNumber, code_hash: Vec<u8>, expires_at: OffsetDateTime, sms: NewSms) -> StoreResult<()> {
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await.map_err(pg)?;
        let now = ms(OffsetDateTime::now_utc());
        tx.execute_c(
            "INSERT INTO otps (phone, code_hash, expires_at, attempts, created_at) VALUES ($1, $2, $3, 0, $4)
             ON CONFLICT (phone) DO UPDATE SET code_hash = excluded.code_hash, expires_at = excluded.expires_at, attempts = 0, created_at = excluded.created_at",
            &[&phone.as_str(), &code_hash, &ms(expires_at), &now],
        )
        .await
        .map_err(pg)?;
        queue_sms(&tx, &sms, now).await?;
        tx.commit().await.map_err(pg)
    }

    async fn check_otp(&self, phone: &PhoneNumber, code_hash: Vec<u8>, now: OffsetDateTime, max_attempts: i64) -> StoreResult<OtpCheck> {
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await.map_err(pg)?;
        let phone = phone.as_str();
        // Locked: two guesses at once count as two.
        let Some(row) = tx.query_opt_c("SELECT code_hash, expires_at, attempts FROM otps WHERE phone = $1 FOR UPDATE", &[&phone]).await.map_err(pg)? else {
            return Ok(OtpCheck::Expired);
        };
        let (stored, expires_at, attempts): (Vec<u8>, OffsetDateTime, i64) = (get(&row, 0)?, get(&row, 1)?, get(&row, 2)?);
        let outcome = if expires_at < now {
            tx.execute_c("DELETE FROM otps WHERE phone = $1", &[&phone]).await.map_err(pg)?;
            OtpCheck::Expired
        } else if attempts >= max_attempts {
            OtpCheck::TooManyAttempts
        } else if stored == code_hash {
            tx.execute_c("DELETE FROM otps WHERE phone = $1", &[&phone]).await.map_err(pg)?;
            OtpCheck::Valid
        } else {
            tx.execute_c("UPDATE otps SET attempts = attempts + 1 WHERE phone = $1", &[&phone]).await.map_err(pg)?;
            OtpCheck::Wrong { remaining: max_attempts - attempts - 1 }
        };
        tx.commit().await.map_err(pg)?;
        Ok(outcome)
    }

    async fn create_session(&self, token_hash: Vec<u8>, who: &Principal, expires_at: OffsetDateTime) -> StoreResult<()> {
        let (phone, staff_id) = match who {
            Principal::Citizen { phone } => (Some(phone.as_str().to_owned()), None),
            Principal::Staff { id, .. } => (None, Some(*id)),
        };
        let conn = self.conn().await?;
        conn.execute_c(
            "INSERT INTO sessions (token_hash, phone, staff_id, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
            &[&token_hash, &phone, &staff_id, &ms(OffsetDateTime::now_utc()), &ms(expires_at)],
        )
        .await
        .map_err(pg)?;
        Ok(())
    }

    async fn find_session(&self, token_hash: Vec<u8>, now: OffsetDateTime) -> StoreResult<Option<Principal>> {
        let conn = self.conn().await?;
        let row = conn
            .query_opt_c(
                "SELECT s.phone, st.id, st.username, st.role, st.active, st.province FROM sessions s LEFT JOIN staff st ON st.id = s.staff_id
                 WHERE s.token_hash = $1 AND NOT s.revoked AND s.expires_at > $2",
                &[&token_hash, &now],
            )
            .await
            .map_err(pg)?;
        let Some(r) = row else { return Ok(None) };
        if let Some(p) = get::<Option<String>>(&r, 0)? {
            return Ok(PhoneNumber::parse(&p).ok().map(|phone| Principal::Citizen { phone }));
        }
        let id: Option<i64> = get(&r, 1)?;
        let role = get::<Option<String>>(&r, 3)?.and_then(|r| Role::from_wire(&r));
        let active: Option<bool> = get(&r, 4)?;
        let province = get::<Option<String>>(&r, 5)?.and_then(|p| Province::from_wire(&p));
        Ok(match (id, role, active) {
            (Some(id), Some(role), Some(true)) => Some(Principal::Staff { id, username: get(&r, 2)?, role, province }),
            _ => None,
        })
    }

    async fn revoke_session(&self, token_hash: Vec<u8>) -> StoreResult<bool> {
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await.map_err(pg)?;
        let revoked = tx.execute_c("UPDATE sessions SET revoked = true WHERE token_hash = $1 AND NOT revoked", &[&token_hash]).await.map_err(pg)?;
        // Logged out: this phone hears no more of the account (queued pushes go too).
        tx.execute_c("DELETE FROM devices WHERE session_hash = $1", &[&token_hash]).await.map_err(pg)?;
        if revoked > 0 {
            feed::notify(&tx, &Change::SessionRevoked(token_hash)).await?;
        }
        tx.commit().await.map_err(pg)?;
        Ok(revoked > 0)
    }
}
