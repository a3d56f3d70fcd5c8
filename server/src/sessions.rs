//! Session tokens: 256 random bits handed to the client, only their SHA-256 stored, and a
//! small in-memory cache in front of the store so polling clients cost no database read.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::error::ApiError;
use crate::store::{Principal, Store};

/// How long a cached session is trusted before it is read again (revocation by another
/// process shows up within this time; revocation here is immediate).
const CACHE_FOR: Duration = Duration::from_secs(60);
const CACHE_MAX: usize = 200_000;

/// A fresh opaque token.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// The stored form of a token.
pub fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// The session cache.
pub struct Sessions {
    ttl: Duration,
    /// Live sessions, and (as `None`) sessions revoked here: a lookup that read the store just
    /// before a revocation committed must not put the session back.
    cache: Cache,
}

/// Token hash → the session's principal (`None`: revoked here), and when it was cached.
type Cache = Mutex<HashMap<Vec<u8>, (Option<Principal>, Instant)>>;

impl Sessions {
    /// A cache for sessions that live `ttl`.
    pub fn new(ttl: Duration) -> Self {
        Sessions { ttl, cache: Mutex::new(HashMap::new()) }
    }

    /// Creates a session for `who` and returns its token.
    pub async fn create(&self, store: &dyn Store, who: Principal) -> Result<String, ApiError> {
        self.create_for(store, who, self.ttl).await
    }

    /// Creates a session for `who` that lives `ttl` (a console session lasts a working day,
    /// an app's months) and returns its token.
    pub async fn create_for(&self, store: &dyn Store, who: Principal, ttl: Duration) -> Result<String, ApiError> {
        let token = new_token();
        let expires = OffsetDateTime::now_utc() + ttl;
        store.create_session(token_hash(&token), &who, expires).await?;
        Ok(token)
    }

    /// Forgets what is cached of staff member `id`'s sessions, after their account changed
    /// (disabled, new role or province, new password): the next request reads the store.
    pub fn forget_staff(&self, id: i64) {
        if let Ok(mut cache) = self.cache.lock() {
            cache.retain(|_, (p, _)| !matches!(p, Some(Principal::Staff { id: staff, .. }) if *staff == id));
        }
    }

    /// Forgets what is cached of the session with this token hash (revoked by another
    /// process): the next request reads the store.
    pub fn forget_hash(&self, hash: &[u8]) {
        if let Ok(mut cache) = self.cache.lock() {
            cache.remove(hash);
        }
    }

    /// Forgets everything cached (changes by other processes may have been missed).
    pub fn clear(&self) {
        if let Ok(mut cache) = self.cache.lock() {
            cache.clear();
        }
    }

    /// The principal of a token, if the session is live.
    pub async fn resolve(&self, store: &dyn Store, token: &str) -> Result<Option<Principal>, ApiError> {
        let hash = token_hash(token);
        if let Ok(cache) = self.cache.lock() {
            if let Some((p, at)) = cache.get(&hash) {
                if at.elapsed() < CACHE_FOR {
                    return Ok(p.clone());
                }
            }
        }
        let found = store.find_session(hash.clone(), OffsetDateTime::now_utc()).await?;
        Ok(self.remember(hash, found))
    }

    /// Caches what a store lookup found, unless the session was revoked here meanwhile (then
    /// it is `None`, whatever the lookup read).
    fn remember(&self, hash: Vec<u8>, found: Option<Principal>) -> Option<Principal> {
        let (Some(p), Ok(mut cache)) = (&found, self.cache.lock()) else { return found };
        if matches!(cache.get(&hash), Some((None, at)) if at.elapsed() < CACHE_FOR) {
            return None;
        }
        if cache.len() >= CACHE_MAX {
            cache.retain(|_, (_, at)| at.elapsed() < CACHE_FOR);
            if cache.len() >= CACHE_MAX {
                cache.clear();
            }
        }
        cache.insert(hash, (Some(p.clone()), Instant::now()));
        found
    }

    /// Revokes a token; false when it was not a live, unrevoked session.
    pub async fn revoke(&self, store: &dyn Store, token: &str) -> Result<bool, ApiError> {
        let hash = token_hash(token);
        let tombstone = |cache: &Cache| {
            if let Ok(mut cache) = cache.lock() {
                cache.insert(hash.clone(), (None, Instant::now()));
            }
        };
        tombstone(&self.cache);
        let revoked = store.revoke_session(hash.clone()).await?;
        // Again once committed, for a lookup that read the store in between.
        tombstone(&self.cache);
        Ok(revoked)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{DeviceTarget, StoreError};
    use samat_core::model::PhoneNumber;

    async fn store(dir: &tempfile::TempDir) -> std::sync::Arc<dyn Store> {
        crate::store::open(&format!("sqlite://{}", dir.path().join("s.db").display())).await.unwrap()
    }

    #[tokio::test]
    async fn a_revoked_session_is_not_put_back_by_a_lookup_that_raced_it() {
        let dir = tempfile::tempdir().unwrap();
        let store = store(&dir).await;
        let sessions = Sessions::new(Duration::from_secs(3600));
        let who = Principal::Citizen { phone: PhoneNumber::parse("09121234567").unwrap() };
        let token = sessions.create(&*store, who.clone()).await.unwrap();
        assert_eq!(sessions.resolve(&*store, &token).await.unwrap(), Some(who.clone()));
        // A lookup that read the store before the revocation committed, finishing after it:
        // played here as the revocation first, then that lookup's cache write.
        let stale = store.find_session(token_hash(&token), OffsetDateTime::now_utc()).await.unwrap();
        assert_eq!(stale, Some(who));
        sessions.revoke(&*store, &token).await.unwrap();
        assert_eq!(sessions.remember(token_hash(&token), stale), None, "the late lookup is not believed");
        assert_eq!(sessions.resolve(&*store, &token).await.unwrap(), None, "nor cached");
    }

    #[tokio::test]
    async fn a_push_target_cannot_outlive_its_session() {
        let dir = tempfile::tempdir().unwrap();
        let store = store(&dir).await;
        let sessions = Sessions::new(Duration::from_secs(3600));
        let phone = PhoneNumber::parse("09121234567").unwrap();
        let token = sessions.create(&*store, Principal::Citizen { phone: phone.clone() }).await.unwrap();
        let target = || DeviceTarget::Fcm { token: "fcm-token".into() };
        let now = OffsetDateTime::now_utc();
        store.register_device(&phone, token_hash(&token), target(), now, 10).await.unwrap();
        // Logged out while a second registration was being checked: it must not land.
        sessions.revoke(&*store, &token).await.unwrap();
        assert!(store.devices_of(&phone).await.unwrap().is_empty(), "logout forgot the target");
        let late = store.register_device(&phone, token_hash(&token), target(), now, 10).await;
        assert!(matches!(late, Err(StoreError::SessionEnded)), "{late:?}");
        assert!(store.devices_of(&phone).await.unwrap().is_empty());
    }
}
