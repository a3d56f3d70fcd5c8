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
    cache: Mutex<HashMap<Vec<u8>, (Principal, Instant)>>,
}

impl Sessions {
    /// A cache for sessions that live `ttl`.
    pub fn new(ttl: Duration) -> Self {
        Sessions { ttl, cache: Mutex::new(HashMap::new()) }
    }

    /// Creates a session for `who` and returns its token.
    pub async fn create(&self, store: &dyn Store, who: Principal) -> Result<String, ApiError> {
        let token = new_token();
        let expires = OffsetDateTime::now_utc() + self.ttl;
        store.create_session(token_hash(&token), &who, expires).await?;
        Ok(token)
    }

    /// The principal of a token, if the session is live.
    pub async fn resolve(&self, store: &dyn Store, token: &str) -> Result<Option<Principal>, ApiError> {
        let hash = token_hash(token);
        if let Ok(cache) = self.cache.lock() {
            if let Some((p, at)) = cache.get(&hash) {
                if at.elapsed() < CACHE_FOR {
                    return Ok(Some(p.clone()));
                }
            }
        }
        let found = store.find_session(hash.clone(), OffsetDateTime::now_utc()).await?;
        if let (Some(p), Ok(mut cache)) = (&found, self.cache.lock()) {
            if cache.len() >= CACHE_MAX {
                cache.retain(|_, (_, at)| at.elapsed() < CACHE_FOR);
                if cache.len() >= CACHE_MAX {
                    cache.clear();
                }
            }
            cache.insert(hash, (p.clone(), Instant::now()));
        }
        Ok(found)
    }

    /// Revokes a token.
    pub async fn revoke(&self, store: &dyn Store, token: &str) -> Result<(), ApiError> {
        let hash = token_hash(token);
        if let Ok(mut cache) = self.cache.lock() {
            cache.remove(&hash);
        }
        store.revoke_session(hash).await?;
        Ok(())
    }
}
