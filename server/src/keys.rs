//! The ministry's sticker keys: the Ed25519 key that signs new guild barcodes, and retired
//! public keys still published so old stickers keep verifying (`GET /v1/keys`).
//!
//! On the command line a signing key is `KEY_ID:SEED` (the 32-byte seed in base64url) and a
//! published key is `KEY_ID:PUBLIC` (the 32-byte public key in base64url). A `--demo` server
//! without a signing key makes one and keeps its seed in the database's `settings` table, so
//! stickers it printed stay valid across restarts.

use std::fmt;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use ed25519_dalek::{SigningKey, VerifyingKey};
use samat_core::model::guild::{self, GuildKey};

use crate::store::Store;

/// The `settings` key holding the demo signing key (`KEY_ID:SEED`).
pub const DEMO_KEY_SETTING: &str = "demo_signing_key";

/// The signing key and the retired keys.
#[derive(Clone, Default)]
pub struct GuildKeys {
    signing: Option<(String, SigningKey)>,
    retired: Vec<GuildKey>,
}

impl fmt::Debug for GuildKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never the seed.
        f.debug_struct("GuildKeys")
            .field("signing", &self.signing.as_ref().map(|(id, _)| id))
            .field("retired", &self.retired.iter().map(|k| &k.key_id).collect::<Vec<_>>())
            .finish()
    }
}

impl GuildKeys {
    /// Keys from a signing key (if any) and retired public keys.
    pub fn new(signing: Option<(String, SigningKey)>, retired: Vec<GuildKey>) -> GuildKeys {
        GuildKeys { signing, retired }
    }

    /// The key that signs new stickers, with its id.
    pub fn signing(&self) -> Option<(&str, &SigningKey)> {
        self.signing.as_ref().map(|(id, k)| (id.as_str(), k))
    }

    /// The published keys: the signing key first, then the retired ones in the order given;
    /// a key id listed twice is published once (the signing key wins).
    pub fn published(&self) -> Vec<GuildKey> {
        let mut keys: Vec<GuildKey> = self.signing.iter().map(|(id, k)| guild::public_key(id, k)).collect();
        for k in &self.retired {
            if !keys.iter().any(|have| have.key_id == k.key_id) {
                keys.push(k.clone());
            }
        }
        keys
    }
}

/// Whether `id` is a usable key id: 1 to 64 ASCII letters, digits, `.`, `_` or `-` (it is
/// printed in every sticker URL).
pub fn valid_key_id(id: &str) -> bool {
    (1..=64).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
}

fn split_pair<'a>(s: &'a str, what: &str) -> Result<(&'a str, &'a str), String> {
    let (id, value) = s.trim().split_once(':').ok_or_else(|| format!("expected KEY_ID:{what}, got no ':'"))?;
    if !valid_key_id(id) {
        return Err(format!("bad key id {id:?}: use 1-64 letters, digits, '.', '_' or '-'"));
    }
    Ok((id, value.trim()))
}

/// Parses `--signing-key KEY_ID:SEED`.
pub fn parse_signing_key(s: &str) -> Result<(String, SigningKey), String> {
    let (id, seed) = split_pair(s, "SEED")?;
    let key = guild::signing_key_from_seed(seed).ok_or("the seed must be 32 bytes in base64url without padding")?;
    Ok((id.to_owned(), key))
}

/// Parses `--verify-key KEY_ID:PUBLIC`.
pub fn parse_verify_key(s: &str) -> Result<GuildKey, String> {
    let (id, public) = split_pair(s, "PUBLIC")?;
    let bytes: [u8; 32] =
        URL_SAFE_NO_PAD.decode(public).ok().and_then(|b| b.try_into().ok()).ok_or("the public key must be 32 bytes in base64url without padding")?;
    VerifyingKey::from_bytes(&bytes).map_err(|_| "not a valid Ed25519 public key".to_owned())?;
    Ok(GuildKey { key_id: id.to_owned(), algorithm: "Ed25519".into(), public_key: public.to_owned() })
}

/// The demo signing key of this database: made on first use and kept in `settings`.
pub async fn demo_signing_key(store: &dyn Store) -> anyhow::Result<(String, SigningKey)> {
    if let Some(stored) = store.setting(DEMO_KEY_SETTING).await? {
        return parse_stored(&stored);
    }
    let (key, seed) = guild::generate_signing_key();
    // An id unique to this key, so an app that met another demo server's key never mixes them up.
    let fingerprint = URL_SAFE_NO_PAD.encode(key.verifying_key().to_bytes());
    let id = format!("demo-{}", &fingerprint[..8]);
    let stored = store.setting_or_insert(DEMO_KEY_SETTING, format!("{id}:{seed}").into_bytes()).await?;
    parse_stored(&stored)
}

fn parse_stored(stored: &[u8]) -> anyhow::Result<(String, SigningKey)> {
    let text = std::str::from_utf8(stored).map_err(|_| anyhow::anyhow!("the stored demo signing key is not text"))?;
    parse_signing_key(text).map_err(|e| anyhow::anyhow!("the stored demo signing key is unusable: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_arguments_parse_and_bad_ones_say_why() {
        let seed = URL_SAFE_NO_PAD.encode([9u8; 32]);
        let (id, key) = parse_signing_key(&format!("m2026:{seed}")).unwrap();
        assert_eq!(id, "m2026");
        let public = guild::public_key("m2025", &key);
        assert_eq!(parse_verify_key(&format!("m2025:{}", public.public_key)).unwrap(), public);
        assert!(parse_signing_key(&seed).unwrap_err().contains("KEY_ID"));
        assert!(parse_signing_key("a b:xyz").unwrap_err().contains("key id"));
        assert!(parse_signing_key("k:short").unwrap_err().contains("32 bytes"));
        assert!(parse_verify_key("k:short").unwrap_err().contains("32 bytes"));
    }

    #[test]
    fn the_signing_key_is_published_first_and_once() {
        let (a, _) = guild::generate_signing_key();
        let (b, _) = guild::generate_signing_key();
        let keys = GuildKeys::new(Some(("new".into(), a.clone())), vec![guild::public_key("old", &b), guild::public_key("new", &b)]);
        let published = keys.published();
        assert_eq!(published.iter().map(|k| k.key_id.as_str()).collect::<Vec<_>>(), ["new", "old"]);
        assert_eq!(published[0], guild::public_key("new", &a));
        assert!(!format!("{keys:?}").contains(&URL_SAFE_NO_PAD.encode(a.to_bytes())));
    }
}
