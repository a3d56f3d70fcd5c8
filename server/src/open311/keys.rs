//! Open311 API keys: made at random, shown once (`samat-server apikeys add`), stored only as
//! a SHA-256 hash like session tokens; a POST's key is checked, then counted against its
//! per-minute allowance (shared by every replica on PostgreSQL).

use axum::http::StatusCode;
use base64::Engine;
use rand::RngCore;

use super::Open311Error;
use crate::limits::Limit;
use crate::state::AppState;
use crate::store::ApiKeyRecord;

/// What every key starts with, so a leaked one is recognisable (and secret scanners can find it).
pub const PREFIX: &str = "samat311_";

/// A fresh key: [`PREFIX`] and 32 random bytes, base64url.
pub fn generate() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    format!("{PREFIX}{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

/// What is stored of a key.
pub fn hash(key: &str) -> Vec<u8> {
    crate::sessions::token_hash(key.trim())
}

/// The key a POST carries, if it is one we issued and did not revoke, and its allowance is not
/// used up: 403 for a missing, unknown or revoked key (the same answer for the three), 429 with
/// the wait when it filed too many this minute.
pub async fn authorize(state: &AppState, key: Option<&str>) -> Result<ApiKeyRecord, Open311Error> {
    let refused = || Open311Error::new(StatusCode::FORBIDDEN, "api_key missing, unknown or revoked: ask the ministry's supervisors for a key");
    let key = key.map(str::trim).filter(|k| !k.is_empty()).ok_or_else(refused)?;
    let record = state.store.api_key(hash(key)).await?.filter(|k| k.revoked_at.is_none()).ok_or_else(refused)?;
    state.limits.check(Limit::Open311Key, &record.id.to_string()).await?.map_err(|wait| {
        Open311Error::new(StatusCode::TOO_MANY_REQUESTS, "too many requests filed with this api_key; wait and try again")
            .retry_after(crate::limits::retry_after_secs(wait))
    })?;
    Ok(record)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_random_prefixed_and_stored_hashed() {
        let (a, b) = (generate(), generate());
        assert_ne!(a, b);
        assert!(a.starts_with(PREFIX) && a.len() == PREFIX.len() + 43, "{a}");
        assert_eq!(hash(&a), hash(&format!(" {a}\n")), "pasted with spaces, still the key");
        assert_ne!(hash(&a), a.as_bytes());
    }
}
