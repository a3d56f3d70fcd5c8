//! The citizen's session: logging in with an SMS code, the stored token (and whether the
//! server refused it), and logging out — with the revocation kept for later when offline.

use super::error::{ClientError, Error, Result};
use super::store::{complaints, kv};
use super::{parse_phone, Client, Inner, Public};

/// Whether someone is logged in.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Session {
    /// The logged-in phone (`+98…`), if any.
    pub phone: Option<String>,
    /// The server refused the stored session: log in again (queued work is kept).
    pub expired: bool,
}

impl Client {
    /// Asks the server to send a login code by SMS. Persian digits are fine.
    pub async fn request_otp(&self, phone: &str) -> Public<()> {
        let phone = parse_phone(phone)?;
        self.inner.http.request_otp(phone.as_str()).await?;
        Ok(())
    }

    /// Exchanges the SMS code for a session, stored for every later call.
    pub async fn verify_otp(&self, phone: &str, code: &str) -> Public<Session> {
        let phone = parse_phone(phone)?;
        let token = self.inner.http.verify(phone.as_str(), code.trim()).await.map_err(refused_code)?.token;
        let p = phone.as_str().to_owned();
        self.inner
            .db
            .write(move |conn| {
                let tx = conn.transaction()?;
                if kv::get(&tx, kv::PHONE)?.is_some_and(|old| old != p) {
                    // Another citizen on this phone: the previous one's complaints and feed are
                    // not theirs to see (their queued work waits for their next login).
                    kv::remove(&tx, kv::CURSOR)?;
                    complaints::forget(&tx, None)?;
                }
                kv::set(&tx, kv::TOKEN, &token)?;
                kv::set(&tx, kv::PHONE, &p)?;
                kv::remove(&tx, kv::EXPIRED)?;
                tx.commit()?;
                Ok(())
            })
            .await?;
        revoke_pending(&self.inner).await;
        self.session().await
    }

    /// The current session.
    pub async fn session(&self) -> Public<Session> {
        Ok(self.inner.db.read(|conn| Ok(Session { phone: kv::get(conn, kv::PHONE)?, expired: kv::get(conn, kv::EXPIRED)?.is_some() })).await?)
    }

    /// Logs out: the token is revoked on the server, which also forgets this device's push
    /// target, so the account's news stops reaching the phone. Offline, the revocation is kept
    /// and done by the next `sync()` or login. Queued work stays.
    pub async fn logout(&self) -> Public<()> {
        self.inner
            .db
            .write(move |conn| {
                let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
                if let Some(t) = kv::get(&tx, kv::TOKEN)? {
                    kv::set(&tx, kv::REVOKE_PENDING, &t)?;
                }
                kv::remove(&tx, kv::TOKEN)?;
                kv::remove(&tx, kv::EXPIRED)?;
                kv::remove(&tx, kv::PUSH_DEVICE)?;
                tx.commit()?;
                Ok(())
            })
            .await?;
        revoke_pending(&self.inner).await;
        Ok(())
    }

    /// The live session token: `Unauthorized` when logged out or expired.
    pub(super) async fn session_token(&self) -> Public<String> {
        token(&self.inner).await?.ok_or(ClientError::Unauthorized)
    }
}

/// What a failed code check means: a refused code (401, 429) is not an expired session, so
/// the server's reason is kept (`wrong_code`, `code_expired`, `too_many_attempts`).
fn refused_code(e: Error) -> ClientError {
    match e {
        Error::Http { status: status @ (401 | 429), code, detail, .. } => ClientError::Rejected { status, server_code: code, detail },
        other => other.into(),
    }
}

/// The live session token, or `None` when logged out or expired.
pub(super) async fn token(inner: &Inner) -> Result<Option<String>> {
    inner.db.read(|conn| Ok(if kv::get(conn, kv::EXPIRED)?.is_some() { None } else { kv::get(conn, kv::TOKEN)? })).await
}

/// Marks the session expired after the server refused `token` — unless the user has logged
/// in again meanwhile (the new session is not the one refused).
pub(super) async fn expire(inner: &Inner, token: &str) -> Result<()> {
    let token = token.to_owned();
    inner
        .db
        .write(move |conn| {
            if kv::get(conn, kv::TOKEN)?.as_deref() == Some(token.as_str()) {
                kv::set(conn, kv::EXPIRED, "1")?;
            }
            Ok(())
        })
        .await
}

/// Whether a logout the server was asked for must be tried again: yes after network trouble
/// or a 5xx; any other answer settles it (a refusal means the token is no good anyway).
fn retry_revocation(answer: &Result<()>) -> bool {
    matches!(answer, Err(Error::Network(_)) | Err(Error::Http { status: 500.., .. }))
}

/// Revokes a token logged out of while offline, if any (best effort: kept for the next try
/// unless the server answered).
pub(super) async fn revoke_pending(inner: &Inner) {
    let Ok(Some(token)) = inner.db.read(|conn| kv::get(conn, kv::REVOKE_PENDING)).await else { return };
    let answer = inner.http.logout(&token).await;
    if retry_revocation(&answer) {
        return;
    }
    if let Err(e) = answer {
        tracing::info!(error = %e, "logout refused; the token is dropped");
    }
    let _ = inner
        .db
        .write(move |conn| {
            // Only if it is still the same token (a later logout may have queued another).
            if kv::get(conn, kv::REVOKE_PENDING)?.as_deref() == Some(token.as_str()) {
                kv::remove(conn, kv::REVOKE_PENDING)?;
            }
            Ok(())
        })
        .await;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn http(status: u16, code: &str) -> Error {
        Error::Http { status, code: code.into(), detail: "d".into(), fields: Vec::new() }
    }

    #[test]
    fn a_refused_code_keeps_the_servers_reason() {
        for (error, expected) in [
            (http(401, "wrong_code"), ClientError::Rejected { status: 401, server_code: "wrong_code".into(), detail: "d".into() }),
            (http(429, "too_many_attempts"), ClientError::Rejected { status: 429, server_code: "too_many_attempts".into(), detail: "d".into() }),
            (http(422, "invalid_code"), ClientError::from(http(422, "invalid_code"))),
            (http(503, "unavailable"), ClientError::Server { status: 503, detail: "d".into() }),
            (Error::Network("refused".into()), ClientError::Offline { detail: "refused".into() }),
        ] {
            assert_eq!(refused_code(error), expected);
        }
    }

    #[test]
    fn a_revocation_is_retried_only_when_the_server_did_not_settle_it() {
        for (answer, retry) in [
            (Ok(()), false),
            (Err(Error::Network("timeout".into())), true),
            (Err(http(500, "internal")), true),
            (Err(http(503, "unavailable")), true),
            (Err(http(400, "bad_request")), false),
            (Err(http(404, "not_found")), false),
        ] {
            assert_eq!(retry_revocation(&answer), retry, "{answer:?}");
        }
    }
}
