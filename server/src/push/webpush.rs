//! Web Push, as UnifiedPush distributors speak it: the payload encrypted to the
//! subscription's keys (RFC 8291, `aes128gcm` content coding of RFC 8188) and the request
//! signed with the server's VAPID key (RFC 8292). The VAPID JWT is `jsonwebtoken`'s ES256;
//! the content coding is the RFC's few steps over RustCrypto primitives (`p256` ECDH, `hkdf`,
//! `aes-gcm`) because the `ece` / `web-push` crates only build on OpenSSL, which this project
//! keeps out of every build. The RFC 8291 example is the unit test, byte for byte, and the
//! end-to-end tests decrypt every push with an independent implementation.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes128Gcm, Nonce};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hkdf::Hkdf;
use p256::elliptic_curve::sec1::ToEncodedPoint;
use p256::{PublicKey, SecretKey};
use rand::RngCore;
use reqwest::{StatusCode, Url};
use samat_core::model::api::PushMessage;
use samat_core::model::Stage;
use sha2::Sha256;

use super::{retry_after, Outcome};

/// The record size written in the header; the payload is always one record.
pub const RECORD_SIZE: u32 = 4096;
/// Plaintext is padded to this many bytes (before the delimiter), so the ciphertext's length
/// does not tell which stage was reached.
pub const PADDED_LEN: usize = 128;
/// How long the push service should keep an undelivered message (seconds).
pub const TTL_SECONDS: u64 = 86_400;
/// VAPID tokens are made valid for this long (RFC 8292 allows at most 24 h) ...
const VAPID_VALIDITY: Duration = Duration::from_secs(12 * 3600);
/// ... and reused for an origin until this much of that is left.
const VAPID_REUSE_MARGIN: Duration = Duration::from_secs(3600);

/// Why a subscription's keys are unusable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// `p256dh` is not a 65-byte uncompressed point on P-256.
    #[error("p256dh must be the base64url 65-byte uncompressed P-256 public key")]
    P256dh,
    /// `auth` is not 16 bytes.
    #[error("auth must be the base64url 16-byte authentication secret")]
    Auth,
}

/// Decodes base64url with or without padding (browsers and distributors differ).
pub fn decode_b64url(s: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(s.trim().trim_end_matches('=')).ok()
}

/// Decodes and checks a `PushSubscription`'s `p256dh`: an uncompressed point on P-256.
pub fn parse_p256dh(p256dh: &str) -> Result<Vec<u8>, KeyError> {
    let public = decode_b64url(p256dh).filter(|b| b.len() == 65 && b[0] == 0x04).ok_or(KeyError::P256dh)?;
    PublicKey::from_sec1_bytes(&public).map_err(|_| KeyError::P256dh)?;
    Ok(public)
}

/// Decodes and checks a `PushSubscription`'s `auth`: 16 bytes.
pub fn parse_auth(auth: &str) -> Result<Vec<u8>, KeyError> {
    decode_b64url(auth).filter(|b| b.len() == 16).ok_or(KeyError::Auth)
}

/// Decodes and checks both keys of a `PushSubscription`.
pub fn parse_keys(p256dh: &str, auth: &str) -> Result<(Vec<u8>, Vec<u8>), KeyError> {
    Ok((parse_p256dh(p256dh)?, parse_auth(auth)?))
}

/// Encrypts `plaintext` for a subscription (`ua_public`: 65-byte point, `auth`: 16 bytes)
/// with a fresh ephemeral key and salt. The result is the whole request body.
pub fn encrypt(plaintext: &[u8], ua_public: &[u8], auth: &[u8]) -> Result<Vec<u8>, KeyError> {
    let ephemeral = SecretKey::random(&mut rand::rngs::OsRng);
    let mut salt = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut salt);
    let padded_to = PADDED_LEN.max(plaintext.len());
    encrypt_with(plaintext, ua_public, auth, &ephemeral, &salt, padded_to)
}

/// RFC 8291 section 3.4 with the application server's key and the salt given, padding the
/// plaintext with zeros to `padded_to` bytes:
///
/// ```text
/// ecdh_secret = ECDH(as_private, ua_public)
/// IKM   = HKDF(salt = auth_secret, ikm = ecdh_secret, info = "WebPush: info" 0x00 ua_public as_public, 32)
/// CEK   = HKDF(salt, IKM, "Content-Encoding: aes128gcm" 0x00, 16)
/// NONCE = HKDF(salt, IKM, "Content-Encoding: nonce" 0x00, 12)
/// body  = salt(16) rs(4, big-endian) idlen(1) = 65 keyid = as_public
///         AES-128-GCM(CEK, NONCE, plaintext 0x02 zeros)      -- one, final, record
/// ```
pub fn encrypt_with(plaintext: &[u8], ua_public: &[u8], auth: &[u8], as_secret: &SecretKey, salt: &[u8; 16], padded_to: usize) -> Result<Vec<u8>, KeyError> {
    let ua_key = PublicKey::from_sec1_bytes(ua_public).map_err(|_| KeyError::P256dh)?;
    if auth.len() != 16 {
        return Err(KeyError::Auth);
    }
    let as_public = as_secret.public_key().to_encoded_point(false);
    let as_public = as_public.as_bytes();
    let ecdh = p256::ecdh::diffie_hellman(as_secret.to_nonzero_scalar(), ua_key.as_affine());

    let mut key_info = Vec::with_capacity(14 + 65 + 65);
    key_info.extend_from_slice(b"WebPush: info\0");
    key_info.extend_from_slice(ua_public);
    key_info.extend_from_slice(as_public);
    let mut ikm = [0u8; 32];
    Hkdf::<Sha256>::new(Some(auth), ecdh.raw_secret_bytes()).expand(&key_info, &mut ikm).map_err(|_| KeyError::Auth)?;

    let prk = Hkdf::<Sha256>::new(Some(salt), &ikm);
    let mut cek = [0u8; 16];
    let mut nonce = [0u8; 12];
    prk.expand(b"Content-Encoding: aes128gcm\0", &mut cek).map_err(|_| KeyError::Auth)?;
    prk.expand(b"Content-Encoding: nonce\0", &mut nonce).map_err(|_| KeyError::Auth)?;

    // One record: the data, the last-record delimiter 0x02, then zero padding (RFC 8188 2).
    let mut record = Vec::with_capacity(padded_to.max(plaintext.len()) + 1);
    record.extend_from_slice(plaintext);
    record.push(0x02);
    record.resize(padded_to.max(plaintext.len()) + 1, 0);
    let cipher = Aes128Gcm::new_from_slice(&cek).map_err(|_| KeyError::Auth)?;
    let sealed = cipher.encrypt(Nonce::from_slice(&nonce), record.as_slice()).map_err(|_| KeyError::Auth)?;

    let mut body = Vec::with_capacity(16 + 4 + 1 + 65 + sealed.len());
    body.extend_from_slice(salt);
    body.extend_from_slice(&RECORD_SIZE.to_be_bytes());
    body.push(as_public.len() as u8);
    body.extend_from_slice(as_public);
    body.extend_from_slice(&sealed);
    Ok(body)
}

/// The server's VAPID key pair (P-256).
#[derive(Clone)]
pub struct VapidKey {
    secret: SecretKey,
    /// The same key for `jsonwebtoken`'s ES256 signer.
    signer: jsonwebtoken::EncodingKey,
    /// The topic key derived from it once (HKDF-Extract), not on every push.
    topic_key: Hkdf<Sha256>,
}

impl std::fmt::Debug for VapidKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the private scalar.
        write!(f, "VapidKey({})", self.public_key_b64())
    }
}

impl VapidKey {
    /// Parses `--vapid-key`: the private key as the base64url 32-byte scalar.
    pub fn parse(s: &str) -> Result<VapidKey, String> {
        let bytes = decode_b64url(s).filter(|b| b.len() == 32).ok_or("the VAPID key must be the 32-byte P-256 private key in base64url")?;
        let secret = SecretKey::from_slice(&bytes).map_err(|_| "not a valid P-256 private key".to_owned())?;
        VapidKey::from_secret(secret)
    }

    /// A fresh key.
    pub fn generate() -> VapidKey {
        VapidKey::from_secret(SecretKey::random(&mut rand::rngs::OsRng)).expect("a fresh P-256 key encodes as PKCS#8")
    }

    fn from_secret(secret: SecretKey) -> Result<VapidKey, String> {
        use p256::pkcs8::EncodePrivateKey;
        let der = secret.to_pkcs8_der().map_err(|e| format!("cannot encode the VAPID key: {e}"))?;
        let topic_key = Hkdf::<Sha256>::new(Some(b"samat web push topic"), &secret.to_bytes());
        Ok(VapidKey { signer: jsonwebtoken::EncodingKey::from_ec_der(der.as_bytes()), topic_key, secret })
    }

    /// The private key as `--vapid-key` takes it.
    pub fn to_b64(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.secret.to_bytes())
    }

    /// The public key as the app subscribes with it (`applicationServerKey`): base64url of the
    /// 65-byte uncompressed point.
    pub fn public_key_b64(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.secret.public_key().to_encoded_point(false).as_bytes())
    }

    /// A VAPID JWT (ES256) for `audience` (the endpoint's origin), valid until `exp` (Unix
    /// seconds), naming the operator's contact `subject` (`mailto:` or `https:`).
    pub fn jwt(&self, audience: &str, exp: i64, subject: &str) -> Result<String, String> {
        #[derive(serde::Serialize)]
        struct Claims<'a> {
            aud: &'a str,
            exp: i64,
            sub: &'a str,
        }
        let header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::ES256);
        jsonwebtoken::encode(&header, &Claims { aud: audience, exp, sub: subject }, &self.signer).map_err(|e| format!("VAPID JWT not signed: {e}"))
    }

    /// The Web Push `Topic` header for a complaint: a newer update replaces one the push
    /// service still holds for the device. The payload is encrypted, so the topic must not give
    /// the tracking code away: it is a keyed hash of it (HKDF-SHA-256 under a key derived from
    /// the VAPID key, stable across restarts), 22 base64url characters (the limit is 32).
    pub fn topic(&self, message: &PushMessage) -> String {
        let mut out = [0u8; 16];
        // 16 bytes are far below HKDF's limit: expand cannot fail.
        let _ = self.topic_key.expand(message.tracking_code.as_str().as_bytes(), &mut out);
        URL_SAFE_NO_PAD.encode(out)
    }

    /// The `Authorization` header value of RFC 8292: `vapid t=<JWT>, k=<public key>`.
    pub fn authorization(&self, audience: &str, exp: i64, subject: &str) -> Result<String, String> {
        Ok(format!("vapid t={}, k={}", self.jwt(audience, exp, subject)?, self.public_key_b64()))
    }
}

/// The origin of an endpoint URL (`https://host[:port]`), the VAPID audience.
pub fn origin(url: &Url) -> String {
    url.origin().ascii_serialization()
}

/// The collapse key for a complaint with FCM and APNs (`collapse_key`, `apns-collapse-id`,
/// `thread-id`): a newer update replaces one the service still holds for the device. Those
/// services see the (unencrypted) payload, tracking code included, anyway; Web Push uses
/// [`VapidKey::topic`], which hides it.
pub fn topic(message: &PushMessage) -> String {
    format!("complaint-{}", message.tracking_code.as_str())
}

/// The `Urgency` header: a verdict should wake the phone; other steps can wait for it.
pub fn urgency(stage: Stage) -> &'static str {
    if stage == Stage::Verdict {
        "high"
    } else {
        "normal"
    }
}

/// Sends Web Push messages.
pub struct WebPush {
    http: reqwest::Client,
    key: VapidKey,
    subject: String,
    allow_private: bool,
    /// VAPID headers per origin, with when they stop being reused (Unix seconds).
    tokens: Mutex<HashMap<String, (Arc<str>, i64)>>,
}

impl WebPush {
    /// A sender signing with `key`; without `allow_private` only public https endpoints are
    /// called (see [`super::ssrf`]).
    pub fn new(key: VapidKey, subject: String, allow_private: bool) -> anyhow::Result<WebPush> {
        let mut builder = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            // A system proxy would resolve the endpoint's host itself, past the public-only
            // resolver: never use one for citizen-supplied endpoints.
            .no_proxy()
            .connect_timeout(Duration::from_secs(10))
            // A slow endpoint must not hold up everyone else's pushes for long.
            .timeout(Duration::from_secs(10))
            .user_agent(concat!("samat-server/", env!("CARGO_PKG_VERSION")));
        if !allow_private {
            builder = builder.dns_resolver(Arc::new(super::ssrf::PublicOnlyResolver)).https_only(true);
        }
        Ok(WebPush { http: builder.build()?, key, subject, allow_private, tokens: Mutex::new(HashMap::new()) })
    }

    fn authorization(&self, audience: &str) -> Result<Arc<str>, String> {
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let mut tokens = self.tokens.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((value, reuse_until)) = tokens.get(audience) {
            if now < *reuse_until {
                return Ok(value.clone());
            }
        }
        let exp = now + VAPID_VALIDITY.as_secs() as i64;
        let value: Arc<str> = self.key.authorization(audience, exp, &self.subject)?.into();
        tokens.insert(audience.to_owned(), (value.clone(), exp - VAPID_REUSE_MARGIN.as_secs() as i64));
        Ok(value)
    }

    /// Delivers `message` to a subscription.
    pub async fn send(&self, endpoint: &str, p256dh: &[u8], auth: &[u8], message: &PushMessage) -> Outcome {
        // Checked again here; a host name's addresses are judged by the client's resolver when
        // it connects, since they may have changed since registration.
        let url = match super::ssrf::check_endpoint_offline(endpoint, self.allow_private) {
            Ok(url) => url,
            Err(super::ssrf::EndpointProblem::Invalid(why) | super::ssrf::EndpointProblem::NotAllowed(why)) => {
                return Outcome::DeviceGone(format!("endpoint refused: {why}"))
            }
        };
        let plaintext = match serde_json::to_vec(message) {
            Ok(p) => p,
            Err(e) => return Outcome::Rejected(format!("payload: {e}")),
        };
        let body = match encrypt(&plaintext, p256dh, auth) {
            Ok(b) => b,
            Err(e) => return Outcome::DeviceGone(format!("unusable subscription keys: {e}")),
        };
        let authorization = match self.authorization(&origin(&url)) {
            Ok(a) => a,
            Err(e) => return Outcome::Temporary(e),
        };
        let sent = self
            .http
            .post(url)
            .header("TTL", TTL_SECONDS.to_string())
            .header("Urgency", urgency(message.stage))
            .header("Topic", self.key.topic(message))
            .header("Content-Encoding", "aes128gcm")
            .header("Content-Type", "application/octet-stream")
            .header("Authorization", &*authorization)
            .body(body)
            .send()
            .await;
        let response = match sent {
            Ok(r) => r,
            Err(e) => return Outcome::Temporary(format!("push service unreachable: {}", super::error_chain(&e.without_url()))),
        };
        let status = response.status();
        let wait = retry_after(response.headers());
        match status {
            StatusCode::CREATED | StatusCode::ACCEPTED | StatusCode::OK => Outcome::Delivered,
            StatusCode::NOT_FOUND | StatusCode::GONE => Outcome::DeviceGone(format!("push service answered {status}")),
            StatusCode::PAYLOAD_TOO_LARGE | StatusCode::TOO_MANY_REQUESTS => {
                Outcome::Throttled { retry_after: wait, error: format!("push service answered {status}") }
            }
            s if s.is_redirection() => Outcome::Rejected(format!("push service redirected ({status}); redirects are not followed")),
            s if s.is_client_error() => Outcome::Rejected(format!("push service refused the message: {status}")),
            _ => Outcome::Temporary(format!("push service answered {status}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use p256::ecdsa::signature::Verifier;

    fn b64(s: &str) -> Vec<u8> {
        decode_b64url(s).unwrap()
    }

    /// RFC 8291 section 5 (and appendix A): the exact keys, salt and expected body.
    #[test]
    fn rfc8291_example_encrypts_byte_for_byte() {
        let plaintext = b"When I grow up, I want to be a watermelon";
        let as_private = SecretKey::from_slice(&b64("yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw")).unwrap();
        let as_public = "BP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A8";
        assert_eq!(URL_SAFE_NO_PAD.encode(as_private.public_key().to_encoded_point(false).as_bytes()), as_public);
        let ua_public = b64("BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4");
        let ua_private = SecretKey::from_slice(&b64("q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94")).unwrap();
        assert_eq!(ua_private.public_key().to_encoded_point(false).as_bytes(), &ua_public[..]);
        let salt: [u8; 16] = b64("DGv6ra1nlYgDCS1FRnbzlw").try_into().unwrap();
        let auth = b64("BTBZMqHH6r4Tts7J_aSIgg");
        let expected = "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN";
        // The example has no padding.
        let body = encrypt_with(plaintext, &ua_public, &auth, &as_private, &salt, 0).unwrap();
        assert_eq!(URL_SAFE_NO_PAD.encode(&body), expected);
    }

    #[test]
    fn padding_hides_which_stage_was_reached() {
        let ua = SecretKey::random(&mut rand::rngs::OsRng);
        let ua_public = ua.public_key().to_encoded_point(false).as_bytes().to_vec();
        let auth = [7u8; 16];
        let code = samat_core::model::TrackingCode::generate(&mut rand::thread_rng());
        let lengths: std::collections::BTreeSet<usize> = Stage::ALL
            .into_iter()
            .map(|stage| {
                let m = serde_json::to_vec(&PushMessage { tracking_code: code, stage, cursor: 123_456 }).unwrap();
                assert!(m.len() < PADDED_LEN, "{} bytes", m.len());
                encrypt(&m, &ua_public, &auth).unwrap().len()
            })
            .collect();
        assert_eq!(lengths.len(), 1, "{lengths:?}");
        // header 86 + padded record + delimiter + 16-byte tag
        assert_eq!(lengths.into_iter().next(), Some(86 + PADDED_LEN + 1 + 16));
    }

    #[test]
    fn subscription_keys_are_checked() {
        let ua = SecretKey::random(&mut rand::rngs::OsRng);
        let good = URL_SAFE_NO_PAD.encode(ua.public_key().to_encoded_point(false).as_bytes());
        let compressed = URL_SAFE_NO_PAD.encode(ua.public_key().to_encoded_point(true).as_bytes());
        let auth = URL_SAFE_NO_PAD.encode([1u8; 16]);
        assert!(parse_keys(&good, &auth).is_ok());
        assert!(parse_keys(&format!("{good}="), &format!("{auth}==")).is_ok(), "padding is tolerated");
        assert_eq!(parse_keys(&compressed, &auth), Err(KeyError::P256dh));
        let mut off_curve = ua.public_key().to_encoded_point(false).as_bytes().to_vec();
        off_curve[64] ^= 1;
        assert_eq!(parse_keys(&URL_SAFE_NO_PAD.encode(off_curve), &auth), Err(KeyError::P256dh));
        assert_eq!(parse_keys("!!", &auth), Err(KeyError::P256dh));
        assert_eq!(parse_keys(&good, &URL_SAFE_NO_PAD.encode([1u8; 15])), Err(KeyError::Auth));
    }

    #[test]
    fn vapid_jwt_is_es256_for_the_origin_and_verifies_with_the_public_key() {
        let key = VapidKey::generate();
        let url = Url::parse("https://updates.push.services.mozilla.com:443/wpush/v2/gAAAA?x=1").unwrap();
        assert_eq!(origin(&url), "https://updates.push.services.mozilla.com");
        let exp = time::OffsetDateTime::now_utc().unix_timestamp() + 12 * 3600;
        let header = key.authorization(&origin(&url), exp, "mailto:push@124.ir").unwrap();
        let rest = header.strip_prefix("vapid t=").unwrap();
        let (jwt, k) = rest.split_once(", k=").unwrap();
        assert_eq!(k, key.public_key_b64());
        let parts: Vec<&str> = jwt.split('.').collect();
        assert_eq!(parts.len(), 3);
        let head: serde_json::Value = serde_json::from_slice(&b64(parts[0])).unwrap();
        assert_eq!(head["alg"], "ES256");
        assert_eq!(head["typ"], "JWT");
        let claims: serde_json::Value = serde_json::from_slice(&b64(parts[1])).unwrap();
        assert_eq!(claims["aud"], "https://updates.push.services.mozilla.com");
        assert_eq!(claims["sub"], "mailto:push@124.ir");
        assert_eq!(claims["exp"], exp);
        let public = p256::ecdsa::VerifyingKey::from_sec1_bytes(&b64(k)).unwrap();
        let signature = p256::ecdsa::Signature::from_slice(&b64(parts[2])).unwrap();
        public.verify(format!("{}.{}", parts[0], parts[1]).as_bytes(), &signature).unwrap();
        // The key round-trips through its --vapid-key form.
        assert_eq!(VapidKey::parse(&key.to_b64()).unwrap().public_key_b64(), key.public_key_b64());
        assert!(VapidKey::parse("short").is_err());
        assert!(!format!("{key:?}").contains(&key.to_b64()));
    }

    #[test]
    fn headers_per_stage() {
        let code = samat_core::model::TrackingCode::generate(&mut rand::thread_rng());
        let m = PushMessage { tracking_code: code, stage: Stage::Verdict, cursor: 9 };
        let key = VapidKey::generate();
        for t in [topic(&m), key.topic(&m)] {
            assert!(t.len() <= 32 && t.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'), "{t}");
        }
        // Web Push: the same per complaint and key, different per complaint, never the code itself.
        let t = key.topic(&m);
        assert_eq!(t, VapidKey::parse(&key.to_b64()).unwrap().topic(&m), "stable across restarts");
        assert!(!t.contains(m.tracking_code.as_str()));
        let other = PushMessage { tracking_code: samat_core::model::TrackingCode::generate(&mut rand::thread_rng()), ..m.clone() };
        assert_ne!(key.topic(&other), t);
        assert_ne!(VapidKey::generate().topic(&m), t, "another deployment's topics differ");
        assert_eq!(urgency(Stage::Verdict), "high");
        assert_eq!(urgency(Stage::Inspection), "normal");
    }
}
