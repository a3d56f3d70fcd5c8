//! Push end to end: the real server with local fakes of the three push services on loopback.
//!
//! The fake Web Push service **decrypts** every message (RFC 8291, written here independently
//! of the server's code and checked against the RFC's own example) with the subscription keys
//! the test generated, and checks the VAPID JWT against `GET /v1/push/vapid`; a wrong
//! encryption or signature fails the test. The fake FCM checks the OAuth2 JWT grant and the
//! message shape; the fake APNs speaks HTTP/2 only and checks the provider token and headers.
//! Each answers 404/410 for a "dead" target, which the server must then forget.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes128Gcm, Nonce};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Version};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Form, Router};
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;
use hkdf::Hkdf;
use p256::ecdsa::signature::Verifier;
use p256::elliptic_curve::sec1::ToEncodedPoint;
use p256::pkcs8::{EncodePrivateKey, LineEnding};
use p256::{PublicKey, SecretKey};
use reqwest::StatusCode;
use samat_tests::{Api, Server};
use serde_json::{json, Value};
use sha2::Sha256;
use uuid::Uuid;

/// A throwaway RSA key for the fake FCM service account (test data, not a secret).
const FCM_PRIVATE_KEY: &str = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC1YBRsXRtLVxNz\ntcNgzT39v6aBAY6Xysf+KXTHAZqle97vkkUHmGPrbTGlVP0R7HbmQI9ASyKzPnX9\nJqFPbmXNBFU5yxB7yjeV8KfUJRkq7dRzowDVdAs+iLP6R0yLSESGsrKf7W/h0mXg\n8SuASp2rFPJsqSKArLW4iidIXYopzxcYBPTxa4VHu6CNlJTSKv489f9LbkZyYHqF\nXQYKVN6ER/wlnum70egQKaufADKDZFgsGN1EvCKRmbSw5gm+GN2CV5xQUl/LZ+PC\nVaII31jwpjyKpLKwJQa8ILW5EMyR2dooxU8MiEHSVbm7rNRgyPInrO+pkBdECh9G\n1eokmc89AgMBAAECggEABuE9B8A/Xwv6Q6nEc7lNTZZVtJqFxA8P0ihUkuY7bWVb\nDJIrNqbKkX1RRFt1LwHIdSLunB/NfOg/YFR1CswzUIPGeib6+isZO9bb/YbRDdO6\n0DkXDhcKWdCkfQzzzmu1wmM9tdBzQukGGXJ5yzJpXnowrjul1foseXJvcNtazeD0\ne4tYen7r9C1mV8/Dbbn3kKmgW5+pJOBbgh2jbiCepk8mBN/xtVvPcDtvKfP1ydUi\nr2Tcq8IriUAZSGmtjbmJqbjIRh2M8g6QFsoMSc8YpIZPiL9YmOcg/bwEiXlUCunH\n2I22QTUUJa69mvAPLikW9GqUhAOZHCLS2/h1Z7toGQKBgQD5/lja9UIaTisRT4Ga\ncIwonnn5Sfs9sUFu5TZOnxmTgTXSjiULOZxKXsFQ83S1UOWe26RXtOj5sOSiN7En\nJVS0+7Q6u1l3zeMBzjcN4ZgKPV1QK7pq4igkMSEalsYqWO+acouTiKBms1pwsGXN\nIbcr2C0b5qd5G+nxegF2wZeGuQKBgQC5u619SGLM1rQuE31OWHLkWVtD3MTz+59W\nENkOYBiV/1dvLZlfXZtN09m2MClz7uetDEttDHkQjF6vgiTmo+DxuOyDwZBH3MDc\nsx3Fy8aCkGnp76hP3OnwXW3Ir7SomXFZafIT+8ZIQMd5TmLqSUv2tejSiqlFss3J\nZgXiqbLKpQKBgQCba22CcwftortTv8Irad05Q41BVqVD7XdookfpCTC1a5cyl/yf\nxelMsywsT683KlwXLyY1ANv2n+sEjussEyFegz3BZchxmyaOcM35a09CznO86/Kx\nkHi0R3b1ONdqbHBJ7PypdD+EmeyYMpKXvWZLc9JXjkaAHMKMxfUzB5hUwQKBgD0M\n6bvynTdDo7o5gcjM3gcdMBigasTgAsHhi9dj0vELG4xZ6r4kILZ2Wmu+bQHEl7aU\nAf74SJsd6Mm797EwUPJjnKq6Z1iXwXVKExE/KCMmoQnaUvLdZLAzpbB/wNxig5Wm\nc4IKEmURlf/TukPUj/mqVbtPBND6MxZuSKT2ruRZAoGAW37i5WmD7mj6d+hZSLZU\n9T90KFjlx+HJl90RQLntZhZc1pyO+jMO8sR88CyA8y0MhI16soZcSxIlwF3dHO7q\nu60LP+JhK6KmKjmyHsaAwn3nu+gK8vNl8I5dxZux9iMTDO2b+xyeeHMHMgTSnhkd\nQvN4bT01nnMhRej3pFNQFDQ=\n-----END PRIVATE KEY-----";
const FCM_PUBLIC_KEY: &str = "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAtWAUbF0bS1cTc7XDYM09\n/b+mgQGOl8rH/il0xwGapXve75JFB5hj620xpVT9Eex25kCPQEsisz51/SahT25l\nzQRVOcsQe8o3lfCn1CUZKu3Uc6MA1XQLPoiz+kdMi0hEhrKyn+1v4dJl4PErgEqd\nqxTybKkigKy1uIonSF2KKc8XGAT08WuFR7ugjZSU0ir+PPX/S25GcmB6hV0GClTe\nhEf8JZ7pu9HoECmrnwAyg2RYLBjdRLwikZm0sOYJvhjdglecUFJfy2fjwlWiCN9Y\n8KY8iqSysCUGvCC1uRDMkdnaKMVPDIhB0lW5u6zUYMjyJ6zvqZAXRAofRtXqJJnP\nPQIDAQAB\n-----END PUBLIC KEY-----";
const FCM_PROJECT: &str = "samat-test";
const FCM_EMAIL: &str = "push@samat-test.iam.gserviceaccount.com";
const APNS_KEY_ID: &str = "KEY1234567";
const APNS_TEAM: &str = "TEAM123456";
const APNS_TOPIC: &str = "ir.samat.app";

// ── RFC 8291 decryption, as a user agent does it ───────────────────────────────────────────

/// Decrypts an `aes128gcm` Web Push body with the subscription's private key and auth secret.
fn decrypt(body: &[u8], ua_secret: &SecretKey, auth: &[u8]) -> Result<Vec<u8>, String> {
    if body.len() < 21 {
        return Err("body shorter than the aes128gcm header".into());
    }
    let salt = &body[..16];
    let rs = u32::from_be_bytes(body[16..20].try_into().unwrap()) as usize;
    let idlen = body[20] as usize;
    if idlen != 65 || body.len() < 21 + idlen {
        return Err(format!("keyid must be the 65-byte sender key, got {idlen} bytes"));
    }
    let as_public = &body[21..21 + idlen];
    let ciphertext = &body[21 + idlen..];
    if rs < 18 || ciphertext.len() > rs {
        return Err(format!("one record of at most rs = {rs} bytes expected, got {}", ciphertext.len()));
    }
    let sender = PublicKey::from_sec1_bytes(as_public).map_err(|_| "keyid is not a P-256 point")?;
    let shared = p256::ecdh::diffie_hellman(ua_secret.to_nonzero_scalar(), sender.as_affine());
    let ua_public = ua_secret.public_key().to_encoded_point(false);
    let mut info = b"WebPush: info\0".to_vec();
    info.extend_from_slice(ua_public.as_bytes());
    info.extend_from_slice(as_public);
    let mut ikm = [0u8; 32];
    Hkdf::<Sha256>::new(Some(auth), shared.raw_secret_bytes()).expand(&info, &mut ikm).unwrap();
    let prk = Hkdf::<Sha256>::new(Some(salt), &ikm);
    let (mut cek, mut nonce) = ([0u8; 16], [0u8; 12]);
    prk.expand(b"Content-Encoding: aes128gcm\0", &mut cek).unwrap();
    prk.expand(b"Content-Encoding: nonce\0", &mut nonce).unwrap();
    let plain = Aes128Gcm::new_from_slice(&cek)
        .unwrap()
        .decrypt(Nonce::from_slice(&nonce), ciphertext)
        .map_err(|_| "AES-GCM authentication failed: wrong keys or wrong derivation")?;
    let end = plain.iter().rposition(|&b| b != 0).ok_or("record is all padding")?;
    if plain[end] != 0x02 {
        return Err(format!("the last record must end with delimiter 0x02, got {:#04x}", plain[end]));
    }
    Ok(plain[..end].to_vec())
}

#[test]
fn the_fake_decrypts_the_rfc8291_example() {
    let ua = SecretKey::from_slice(&B64.decode("q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94").unwrap()).unwrap();
    let auth = B64.decode("BTBZMqHH6r4Tts7J_aSIgg").unwrap();
    let body = B64
        .decode("DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN")
        .unwrap();
    assert_eq!(decrypt(&body, &ua, &auth).unwrap(), b"When I grow up, I want to be a watermelon");
    let mut tampered = body.clone();
    *tampered.last_mut().unwrap() ^= 1;
    assert!(decrypt(&tampered, &ua, &auth).is_err());
    assert!(decrypt(&body, &ua, &[0u8; 16]).is_err(), "another auth secret cannot read it");
}

/// Verifies a compact ES256 JWT; returns its header and claims.
fn verify_es256(jwt: &str, key: &p256::ecdsa::VerifyingKey) -> Result<(Value, Value), String> {
    let parts: Vec<&str> = jwt.split('.').collect();
    let [h, c, s] = parts[..] else { return Err(format!("not a compact JWT: {jwt}")) };
    let signature = p256::ecdsa::Signature::from_slice(&B64.decode(s).map_err(|e| e.to_string())?).map_err(|e| e.to_string())?;
    key.verify(format!("{h}.{c}").as_bytes(), &signature).map_err(|_| "bad ES256 signature".to_owned())?;
    let header: Value = serde_json::from_slice(&B64.decode(h).map_err(|e| e.to_string())?).map_err(|e| e.to_string())?;
    let claims: Value = serde_json::from_slice(&B64.decode(c).map_err(|e| e.to_string())?).map_err(|e| e.to_string())?;
    if header["alg"] != "ES256" {
        return Err(format!("alg {} instead of ES256", header["alg"]));
    }
    Ok((header, claims))
}

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

// ── the fake push services ─────────────────────────────────────────────────────────────────

/// One push as a fake received it, decrypted.
#[derive(Debug, Clone)]
struct Received {
    /// `up:ID`, `fcm:TOKEN` or `apns:TOKEN`.
    device: String,
    tracking_code: String,
    stage: String,
    cursor: i64,
    urgency: Option<String>,
}

#[derive(Default)]
struct Fake {
    origin: String,
    /// The server's VAPID key, once the server is up.
    vapid: Mutex<Option<String>>,
    /// UnifiedPush subscriptions: id -> (private key, auth secret).
    subscriptions: Mutex<HashMap<String, (SecretKey, Vec<u8>)>>,
    received: Mutex<Vec<Received>>,
    /// Every check that failed; must stay empty.
    problems: Mutex<Vec<String>>,
    /// Requests per device, answered or not.
    attempts: Mutex<HashMap<String, usize>>,
    /// When each device was first sent to.
    first_attempts: Mutex<HashMap<String, Instant>>,
    access_tokens: Mutex<Vec<String>>,
    apns_key: Mutex<Option<p256::ecdsa::VerifyingKey>>,
    /// Time each accepted push takes (to keep a queue in flight).
    delay: Mutex<Duration>,
    /// FCM sends still to answer with a project-wide quota error (429, `Retry-After: 10`).
    fcm_quota_errors: Mutex<usize>,
    /// When the last quota error was answered.
    fcm_quota_answered_at: Mutex<Option<Instant>>,
}

type Shared = Arc<Fake>;

impl Fake {
    fn problem(&self, p: String) -> Response {
        self.problems.lock().unwrap().push(p.clone());
        (StatusCode::BAD_REQUEST, p).into_response()
    }

    fn attempt(&self, device: &str) -> usize {
        self.first_attempts.lock().unwrap().entry(device.to_owned()).or_insert_with(Instant::now);
        let mut a = self.attempts.lock().unwrap();
        let n = a.entry(device.to_owned()).or_default();
        *n += 1;
        *n
    }

    fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    fn attempts(&self, device: &str) -> usize {
        self.attempts.lock().unwrap().get(device).copied().unwrap_or(0)
    }

    async fn accept(&self, r: Received) {
        let delay = *self.delay.lock().unwrap();
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
        self.received.lock().unwrap().push(r);
    }
}

fn header<'a>(h: &'a HeaderMap, name: &str) -> Option<&'a str> {
    h.get(name).and_then(|v| v.to_str().ok())
}

async fn web_push(State(fake): State<Shared>, Path(id): Path<String>, headers: HeaderMap, body: Bytes) -> Response {
    let device = format!("up:{id}");
    let n = fake.attempt(&device);
    if id.starts_with("dead") {
        return StatusCode::GONE.into_response();
    }
    if id.starts_with("throttled") && n == 1 {
        return (StatusCode::TOO_MANY_REQUESTS, [("retry-after", "1")]).into_response();
    }
    // VAPID (RFC 8292): vapid t=<JWT>, k=<the key GET /v1/push/vapid publishes>.
    let Some(auth) = header(&headers, "authorization") else { return fake.problem("no Authorization".into()) };
    let Some((t, k)) = auth.strip_prefix("vapid t=").and_then(|r| r.split_once(", k=")) else {
        return fake.problem(format!("Authorization is not `vapid t=…, k=…`: {auth}"));
    };
    let published = fake.vapid.lock().unwrap().clone();
    if published.as_deref() != Some(k) {
        return fake.problem(format!("k={k} is not the published VAPID key {published:?}"));
    }
    let key = p256::ecdsa::VerifyingKey::from_sec1_bytes(&B64.decode(k).unwrap()).unwrap();
    let claims = match verify_es256(t, &key) {
        Ok((_, c)) => c,
        Err(e) => return fake.problem(format!("VAPID JWT: {e}")),
    };
    if claims["aud"] != fake.origin.as_str() {
        return fake.problem(format!("VAPID aud {} is not the endpoint's origin {}", claims["aud"], fake.origin));
    }
    let exp = claims["exp"].as_i64().unwrap_or(0);
    if exp <= now() || exp > now() + 24 * 3600 {
        return fake.problem(format!("VAPID exp {exp} is not within the next 24 hours"));
    }
    if !claims["sub"].as_str().is_some_and(|s| s.starts_with("mailto:") || s.starts_with("https:")) {
        return fake.problem(format!("VAPID sub {}", claims["sub"]));
    }
    if header(&headers, "content-encoding") != Some("aes128gcm") {
        return fake.problem("Content-Encoding is not aes128gcm".into());
    }
    if !header(&headers, "ttl").is_some_and(|t| t.parse::<u64>().is_ok_and(|t| t > 0)) {
        return fake.problem("no TTL".into());
    }
    if !header(&headers, "topic").is_some_and(|t| t.len() <= 32 && t.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')) {
        return fake.problem(format!("bad Topic {:?}", header(&headers, "topic")));
    }
    let Some((secret, auth)) = fake.subscriptions.lock().unwrap().get(&id).cloned() else {
        return fake.problem(format!("push to unknown subscription {id}"));
    };
    let plain = match decrypt(&body, &secret, &auth) {
        Ok(p) => p,
        Err(e) => return fake.problem(format!("decryption for {id} failed: {e}")),
    };
    let m: Value = match serde_json::from_slice(&plain) {
        Ok(v) => v,
        Err(e) => return fake.problem(format!("decrypted payload is not JSON: {e}")),
    };
    let keys: Vec<&String> = m.as_object().map(|o| o.keys().collect()).unwrap_or_default();
    if keys.len() != 3 {
        return fake.problem(format!("payload must be exactly tracking_code, stage, cursor: {m}"));
    }
    // The payload is encrypted; the headers are not: they must not give the complaint away.
    if let Some(code) = m["tracking_code"].as_str().filter(|c| headers.values().any(|v| v.to_str().is_ok_and(|v| v.contains(c)))) {
        return fake.problem(format!("tracking code {code} readable in a header"));
    }
    fake.accept(Received {
        device,
        tracking_code: m["tracking_code"].as_str().unwrap_or_default().to_owned(),
        stage: m["stage"].as_str().unwrap_or_default().to_owned(),
        cursor: m["cursor"].as_i64().unwrap_or(-1),
        urgency: header(&headers, "urgency").map(str::to_owned),
    })
    .await;
    StatusCode::CREATED.into_response()
}

async fn fcm_token(State(fake): State<Shared>, Form(form): Form<HashMap<String, String>>) -> Response {
    if form.get("grant_type").map(String::as_str) != Some("urn:ietf:params:oauth:grant-type:jwt-bearer") {
        return fake.problem(format!("grant_type {:?}", form.get("grant_type")));
    }
    let assertion = form.get("assertion").cloned().unwrap_or_default();
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
    validation.set_audience(&[format!("{}/token", fake.origin)]);
    validation.set_issuer(&[FCM_EMAIL]);
    validation.set_required_spec_claims(&["exp", "iat", "aud", "iss"]);
    let key = jsonwebtoken::DecodingKey::from_rsa_pem(FCM_PUBLIC_KEY.as_bytes()).unwrap();
    let claims = match jsonwebtoken::decode::<Value>(&assertion, &key, &validation) {
        Ok(t) => t.claims,
        Err(e) => return fake.problem(format!("FCM grant assertion: {e}")),
    };
    if claims["scope"] != "https://www.googleapis.com/auth/firebase.messaging" {
        return fake.problem(format!("scope {}", claims["scope"]));
    }
    let token = format!("ya29.fake-{}", Uuid::new_v4());
    fake.access_tokens.lock().unwrap().push(token.clone());
    axum::Json(json!({"access_token": token, "expires_in": 3599, "token_type": "Bearer"})).into_response()
}

async fn fcm_send(State(fake): State<Shared>, Path((project, method)): Path<(String, String)>, headers: HeaderMap, body: Bytes) -> Response {
    if project != FCM_PROJECT || method != "messages:send" {
        return fake.problem(format!("FCM path projects/{project}/{method}"));
    }
    let bearer = header(&headers, "authorization").and_then(|a| a.strip_prefix("Bearer ")).unwrap_or_default().to_owned();
    if !fake.access_tokens.lock().unwrap().contains(&bearer) {
        return fake.problem(format!("FCM bearer {bearer:?} was not issued by the token endpoint"));
    }
    let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let m = &v["message"];
    let token = m["token"].as_str().unwrap_or_default().to_owned();
    let device = format!("fcm:{token}");
    fake.attempt(&device);
    {
        let mut quota = fake.fcm_quota_errors.lock().unwrap();
        if *quota > 0 {
            *quota -= 1;
            *fake.fcm_quota_answered_at.lock().unwrap() = Some(Instant::now());
            let e = json!({"error": {"code": 429, "status": "RESOURCE_EXHAUSTED", "message": "Quota exceeded for quota metric 'Send requests'",
                "details": [{"@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError", "errorCode": "QUOTA_EXCEEDED"}]}});
            return (StatusCode::TOO_MANY_REQUESTS, [("retry-after", "10")], axum::Json(e)).into_response();
        }
    }
    if token.starts_with("dead") {
        let e = json!({"error": {"code": 404, "message": "Requested entity was not found.", "status": "NOT_FOUND",
            "details": [{"@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError", "errorCode": "UNREGISTERED"}]}});
        return (StatusCode::NOT_FOUND, axum::Json(e)).into_response();
    }
    let data = &m["data"];
    let all_strings = data.as_object().is_some_and(|o| o.len() == 3 && o.values().all(Value::is_string));
    if !all_strings || m["android"]["priority"] != "high" || m.get("notification").is_some() {
        return fake.problem(format!("FCM message shape: {v}"));
    }
    fake.accept(Received {
        device,
        tracking_code: data["tracking_code"].as_str().unwrap_or_default().to_owned(),
        stage: data["stage"].as_str().unwrap_or_default().to_owned(),
        cursor: data["cursor"].as_str().and_then(|c| c.parse().ok()).unwrap_or(-1),
        urgency: Some(m["android"]["priority"].as_str().unwrap_or_default().to_owned()),
    })
    .await;
    axum::Json(json!({"name": format!("projects/{FCM_PROJECT}/messages/{}", Uuid::new_v4())})).into_response()
}

async fn apns(State(fake): State<Shared>, Path(token): Path<String>, version: Version, headers: HeaderMap, body: Bytes) -> Response {
    let device = format!("apns:{token}");
    fake.attempt(&device);
    if version != Version::HTTP_2 {
        return fake.problem(format!("APNs request over {version:?}, not HTTP/2"));
    }
    let key = (*fake.apns_key.lock().unwrap()).unwrap();
    let jwt = header(&headers, "authorization").and_then(|a| a.strip_prefix("bearer ")).unwrap_or_default();
    match verify_es256(jwt, &key) {
        Ok((h, c)) if h["kid"] == APNS_KEY_ID && c["iss"] == APNS_TEAM && c["iat"].as_i64().is_some_and(|t| (now() - t).abs() < 3600) => {}
        Ok((h, c)) => return fake.problem(format!("APNs provider token header {h} claims {c}")),
        Err(e) => return fake.problem(format!("APNs provider token: {e}")),
    }
    for (name, want) in [("apns-topic", Some(APNS_TOPIC)), ("apns-push-type", Some("alert")), ("apns-priority", Some("10"))] {
        if header(&headers, name) != want {
            return fake.problem(format!("{name}: {:?}", header(&headers, name)));
        }
    }
    if !header(&headers, "apns-expiration").is_some_and(|e| e.parse::<i64>().is_ok_and(|e| e > now())) {
        return fake.problem("apns-expiration".into());
    }
    if token.starts_with("dead") {
        return (StatusCode::GONE, axum::Json(json!({"reason": "Unregistered", "timestamp": now() * 1000}))).into_response();
    }
    let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    if !v["aps"]["alert"]["title"].is_string() || !v["aps"]["alert"]["body"].is_string() {
        return fake.problem(format!("APNs payload {v}"));
    }
    fake.accept(Received {
        device,
        tracking_code: v["tracking_code"].as_str().unwrap_or_default().to_owned(),
        stage: v["stage"].as_str().unwrap_or_default().to_owned(),
        cursor: v["cursor"].as_i64().unwrap_or(-1),
        urgency: None,
    })
    .await;
    StatusCode::OK.into_response()
}

/// The fakes on one loopback port (HTTP/1.1 and HTTP/2 with prior knowledge), plus the files
/// and flags the server needs to use them.
struct Fakes {
    fake: Shared,
    flags: Vec<String>,
    _files: tempfile::TempDir,
}

async fn start_fakes() -> Fakes {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    let apns_secret = SecretKey::random(&mut rand::rngs::OsRng);
    let fake = Arc::new(Fake { origin: origin.clone(), ..Fake::default() });
    *fake.apns_key.lock().unwrap() = Some(p256::ecdsa::VerifyingKey::from(&p256::ecdsa::SigningKey::from(&apns_secret)));
    let app = Router::new()
        .route("/push/{id}", post(web_push))
        .route("/token", post(fcm_token))
        .route("/v1/projects/{project}/{method}", post(fcm_send))
        .route("/3/device/{token}", post(apns))
        .with_state(fake.clone());
    tokio::spawn(async move { axum::serve(listener, app).await });

    let files = tempfile::tempdir().unwrap();
    let sa = files.path().join("service-account.json");
    let service_account = json!({
        "type": "service_account", "project_id": FCM_PROJECT, "private_key_id": "k1",
        "private_key": FCM_PRIVATE_KEY, "client_email": FCM_EMAIL, "token_uri": format!("{origin}/token"),
    });
    std::fs::write(&sa, service_account.to_string()).unwrap();
    let p8 = files.path().join("AuthKey.p8");
    std::fs::write(&p8, apns_secret.to_pkcs8_pem(LineEnding::LF).unwrap().as_bytes()).unwrap();
    let flags = [
        "--push-allow-private-endpoints",
        "--fcm-service-account",
        &sa.display().to_string(),
        "--fcm-base-url",
        &origin,
        "--apns-key",
        &p8.display().to_string(),
        "--apns-key-id",
        APNS_KEY_ID,
        "--apns-team-id",
        APNS_TEAM,
        "--apns-topic",
        APNS_TOPIC,
        "--apns-base-url",
        &origin,
    ]
    .map(str::to_owned)
    .to_vec();
    Fakes { fake, flags, _files: files }
}

impl Fakes {
    /// Starts the server against these fakes and tells the Web Push fake its VAPID key.
    async fn server(&self) -> Server {
        let flags: Vec<&str> = self.flags.iter().map(String::as_str).collect();
        let srv = Server::start(env!("CARGO_BIN_EXE_e2e-server"), &flags);
        let (st, body) = Api::new(&srv.url, None).get("/v1/push/vapid").await;
        assert_eq!(st, StatusCode::OK, "{body}");
        let key = body["public_key"].as_str().unwrap().to_owned();
        assert_eq!(B64.decode(&key).unwrap().len(), 65);
        *self.fake.vapid.lock().unwrap() = Some(key);
        srv
    }

    /// A fresh UnifiedPush subscription on the fake: the registration body.
    fn subscription(&self, id: &str) -> Value {
        let secret = SecretKey::random(&mut rand::rngs::OsRng);
        let mut auth = vec![0u8; 16];
        rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut auth);
        let body = json!({
            "kind": "unifiedpush",
            "endpoint": format!("{}/push/{id}", self.fake.origin),
            "keys": {"p256dh": B64.encode(secret.public_key().to_encoded_point(false).as_bytes()), "auth": B64.encode(&auth)},
        });
        self.fake.subscriptions.lock().unwrap().insert(id.to_owned(), (secret, auth));
        body
    }

    fn assert_no_problems(&self) {
        let problems = self.fake.problems.lock().unwrap().clone();
        assert!(problems.is_empty(), "the fake push services refused: {problems:#?}");
    }
}

// ── helpers ────────────────────────────────────────────────────────────────────────────────

/// Waits for `ok`, failing at once if a fake refused something (a wrong encryption or
/// signature shows up here rather than as a timeout).
async fn wait_until(fakes: &Fakes, what: &str, secs: u64, mut ok: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !ok() {
        fakes.assert_no_problems();
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

async fn register(citizen: &Api, body: Value) -> (StatusCode, Value) {
    citizen.post("/v1/devices", body).await
}

async fn must_register(citizen: &Api, body: Value) -> i64 {
    let (st, b) = register(citizen, body).await;
    assert_eq!(st, StatusCode::CREATED, "{b}");
    b["id"].as_i64().unwrap()
}

async fn device_ids(citizen: &Api) -> Vec<i64> {
    let (st, b) = citizen.get("/v1/devices").await;
    assert_eq!(st, StatusCode::OK, "{b}");
    b["devices"].as_array().unwrap().iter().map(|d| d["id"].as_i64().unwrap()).collect()
}

async fn file(citizen: &Api) -> String {
    let body = json!({
        "client_id": Uuid::new_v4().to_string(), "category": "no_invoice",
        "description": "فروشنده فاکتور نداد", "guild_id": "10010010011", "wants_compensation": true,
    });
    let (st, b) = citizen.post("/v1/complaints", body).await;
    assert_eq!(st, StatusCode::CREATED, "{b}");
    b["tracking_code"].as_str().unwrap().to_owned()
}

async fn must_move(staff: &Api, code: &str, body: Value) {
    let (st, b) = staff.post(&format!("/v1/staff/complaints/{code}/transition"), body).await;
    assert_eq!(st, StatusCode::OK, "{b}");
}

/// Every event in the citizen's sync feed: cursor -> (tracking code, stage).
async fn feed(citizen: &Api) -> BTreeMap<i64, (String, String)> {
    let (st, b) = citizen.get("/v1/sync?since=0&limit=500").await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(b["more"], false);
    b["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["seq"].as_i64().unwrap(), (e["tracking_code"].as_str().unwrap().to_owned(), e["stage"].as_str().unwrap().to_owned())))
        .collect()
}

/// Cursors each device received, in arrival order.
fn cursors_by_device(received: &[Received]) -> BTreeMap<String, Vec<i64>> {
    let mut out: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    for r in received {
        out.entry(r.device.clone()).or_default().push(r.cursor);
    }
    out
}

// ── the tests ──────────────────────────────────────────────────────────────────────────────

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_stage_change_reaches_every_device_exactly_once() {
    let fakes = start_fakes().await;
    let srv = fakes.server().await;
    let citizen = srv.citizen("09121230001").await;
    let other = srv.citizen("09121230002").await;

    // Registration, and what is refused.
    let up = fakes.subscription("phone-1");
    let up_id = must_register(&citizen, up.clone()).await;
    let (st, again) = register(&citizen, up.clone()).await;
    assert_eq!((st, again["id"].as_i64()), (StatusCode::OK, Some(up_id)), "the same target again is the same device");
    assert_eq!(again["kind"], "unifiedpush");
    let apns_token = "a1b2".repeat(16);
    must_register(&citizen, json!({"kind": "fcm", "token": "fcm-phone-1"})).await;
    must_register(&citizen, json!({"kind": "apns", "token": apns_token.to_uppercase()})).await;
    must_register(&citizen, fakes.subscription("throttled-1")).await;
    let dead = [
        must_register(&citizen, fakes.subscription("dead-1")).await,
        must_register(&citizen, json!({"kind": "fcm", "token": "dead-fcm"})).await,
        must_register(&citizen, json!({"kind": "apns", "token": "dead".repeat(16)})).await,
    ];
    let other_device = must_register(&other, fakes.subscription("other-1")).await;

    let mut bad = fakes.subscription("bad");
    bad["keys"]["p256dh"] = json!(B64.encode([4u8; 33]));
    bad["keys"]["auth"] = json!(B64.encode([1u8; 15]));
    let (st, problem) = register(&citizen, bad).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    let codes: Vec<&str> = problem["fields"].as_array().unwrap().iter().map(|f| f["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["invalid_p256dh", "invalid_auth"], "{problem}");
    let (st, problem) = register(&citizen, json!({"kind": "apns", "token": "not-hex"})).await;
    assert_eq!((st, problem["fields"][0]["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_token")));
    let (st, _) = register(&citizen, json!({"kind": "sms", "token": "x"})).await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    let (st, problem) = citizen.call(reqwest::Method::DELETE, &format!("/v1/devices/{other_device}"), None).await;
    assert_eq!((st, problem["code"].as_str()), (StatusCode::NOT_FOUND, Some("device_not_found")), "another citizen's device");
    let staff = srv.staff("expert").await;
    let (st, _) = register(&staff, json!({"kind": "fcm", "token": "t"})).await;
    assert_eq!(st, StatusCode::FORBIDDEN);

    // A complaint walks the whole path: filed + six stage changes.
    let code = file(&citizen).await;
    must_move(&staff, &code, json!({"to": "expert_review"})).await;
    must_move(&staff, &code, json!({"to": "self_regulation", "note": "ارجاع به اتحادیه"})).await;
    let (st, b) = citizen.post(&format!("/v1/complaints/{code}/decision"), json!({"accept": false})).await;
    assert_eq!(st, StatusCode::OK, "{b}");
    let inspector = srv.staff("inspector").await;
    must_move(&inspector, &code, json!({"to": "inspection_reported", "note": "تخلف تأیید شد"})).await;
    must_move(&inspector, &code, json!({"to": "taazirat", "note": "پرونده تشکیل شد"})).await;
    let taazirat = srv.staff("taazirat").await;
    must_move(&taazirat, &code, json!({"to": "verdict", "note": "رأی صادر شد", "details": {"violation": true, "penalty_rials": 1000}})).await;
    let other_code = file(&other).await;

    let events = feed(&citizen).await;
    assert_eq!(events.len(), 7);
    let live = ["up:phone-1", "up:throttled-1", "fcm:fcm-phone-1", &format!("apns:{apns_token}")].map(|s| s.to_string());
    wait_until(&fakes, "every push at every live device", 30, || {
        let got = cursors_by_device(&fakes.fake.received());
        live.iter().all(|d| got.get(d).map_or(0, Vec::len) >= events.len())
    })
    .await;
    // Nothing more is on its way: the outbox is empty.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let metrics = reqwest::get(format!("{}/metrics", srv.url)).await.unwrap().text().await.unwrap();
        if metrics.contains("samat_push_outbox_pending 0") {
            assert!(metrics.contains(r#"samat_push_attempts_total{provider="unifiedpush",result="sent"}"#), "{metrics}");
            break;
        }
        assert!(Instant::now() < deadline, "pushes still pending");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    fakes.assert_no_problems();

    let received = fakes.fake.received();
    let by_device = cursors_by_device(&received);
    for device in &live {
        let mut got = by_device[device].clone();
        got.sort_unstable();
        assert_eq!(got, events.keys().copied().collect::<Vec<_>>(), "{device}: each stage change exactly once");
    }
    for r in received.iter().filter(|r| r.device != "up:other-1") {
        let (want_code, want_stage) = &events[&r.cursor];
        assert_eq!((&r.tracking_code, &r.stage), (want_code, want_stage), "{r:?}");
        if r.device.starts_with("up:") {
            let want = if r.stage == "verdict" { "high" } else { "normal" };
            assert_eq!(r.urgency.as_deref(), Some(want), "{r:?}");
        }
    }
    assert_eq!(fakes.fake.attempts("up:throttled-1"), events.len() + 1, "one 429, then each push once");

    // The other citizen's device heard only of their own complaint.
    let theirs: Vec<&Received> = received.iter().filter(|r| r.device == "up:other-1").collect();
    assert_eq!(theirs.len(), 1);
    assert_eq!(theirs[0].tracking_code, other_code);

    // Dead targets were tried once and forgotten.
    for d in ["up:dead-1", "fcm:dead-fcm", &format!("apns:{}", "dead".repeat(16))] {
        assert_eq!(fakes.fake.attempts(d), 1, "{d}");
    }
    let left = device_ids(&citizen).await;
    assert!(dead.iter().all(|d| !left.contains(d)), "dead devices dropped: {left:?} vs {dead:?}");
    assert_eq!(left.len(), 4);

    // Unregistering stops the pushes.
    let (st, _) = citizen.call(reqwest::Method::DELETE, &format!("/v1/devices/{up_id}"), None).await;
    assert_eq!(st, StatusCode::NO_CONTENT);
    let (st, _) = citizen.call(reqwest::Method::DELETE, &format!("/v1/devices/{up_id}"), None).await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    let before = by_device["up:phone-1"].len();
    let code2 = file(&citizen).await;
    wait_until(&fakes, "the next push at the FCM device", 20, || {
        fakes.fake.received().iter().any(|r| r.device == "fcm:fcm-phone-1" && r.tracking_code == code2)
    })
    .await;
    assert_eq!(cursors_by_device(&fakes.fake.received())["up:phone-1"].len(), before);
    fakes.assert_no_problems();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_registered_by_another_citizen_moves_to_them() {
    let fakes = start_fakes().await;
    let srv = fakes.server().await;
    let first = srv.citizen("09121230011").await;
    let second = srv.citizen("09121230012").await;
    let id = must_register(&first, fakes.subscription("shared-phone")).await;
    // The phone changes hands: the new owner's app subscribes again (new keys, same endpoint).
    let moved = must_register(&second, fakes.subscription("shared-phone")).await;
    assert_eq!(moved, id, "the same device row, now the second citizen's");
    assert!(device_ids(&first).await.is_empty());
    assert_eq!(device_ids(&second).await, [id]);
    let (st, _) = first.call(reqwest::Method::DELETE, &format!("/v1/devices/{id}"), None).await;
    assert_eq!(st, StatusCode::NOT_FOUND, "the old owner cannot remove it any more");

    let first_code = file(&first).await;
    let second_code = file(&second).await;
    wait_until(&fakes, "the new owner's push", 20, || fakes.fake.received().iter().any(|r| r.tracking_code == second_code)).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let received = fakes.fake.received();
    assert!(received.iter().all(|r| r.tracking_code != first_code), "the old owner's news reached the new owner's phone: {received:?}");
    // It decrypted with the new owner's keys (the fake holds only those now).
    fakes.assert_no_problems();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pushes_survive_a_kill_mid_delivery() {
    let (fakes, mut srv, events) = changes_in_flight(10).await;
    srv.kill();
    let at_kill = fakes.fake.received().len();
    assert!(at_kill < 2 * events.len(), "the kill came too late to test anything ({at_kill} delivered)");
    srv.restart();
    for (device, cursors) in every_cursor_arrives(&fakes, &srv, &events).await {
        let mut unique = cursors.clone();
        unique.sort_unstable();
        unique.dedup();
        // Only a push in flight at the kill (sent, not yet marked) may come twice: one per
        // device; the app shows it once (`handle_push` de-duplicates by cursor).
        assert!(cursors.len() - unique.len() <= 1, "{device}: {} duplicates", cursors.len() - unique.len());
    }
}

/// A restart the ordinary way (SIGTERM, as systemd or an operator does it): the worker
/// finishes the batch in flight and records it, so each push arrives exactly once. More
/// pushes are queued than one batch holds, so some are still waiting at the restart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pushes_survive_a_graceful_restart_exactly_once() {
    let (fakes, mut srv, events) = changes_in_flight(40).await;
    assert!(srv.terminate(), "SIGTERM ends the server cleanly");
    assert!(fakes.fake.received().len() < 2 * events.len(), "the restart came too late to test anything");
    srv.restart();
    for (device, cursors) in every_cursor_arrives(&fakes, &srv, &events).await {
        assert_eq!(cursors.len(), events.len(), "{device}: each push exactly once");
    }
}

/// `complaints` complaints moved twice each (three events apiece) for a citizen with a
/// UnifiedPush and an FCM device, the fake answering slowly so pushes are still queued when
/// the test returns.
async fn changes_in_flight(complaints: usize) -> (Fakes, Server, BTreeMap<i64, (String, String)>) {
    let fakes = start_fakes().await;
    *fakes.fake.delay.lock().unwrap() = Duration::from_millis(40);
    let srv = fakes.server().await;
    let citizen = srv.citizen("09121230021").await;
    must_register(&citizen, fakes.subscription("crash-1")).await;
    must_register(&citizen, json!({"kind": "fcm", "token": "fcm-crash-1"})).await;
    let expert = srv.staff("expert").await;
    for _ in 0..complaints {
        let code = file(&citizen).await;
        must_move(&expert, &code, json!({"to": "expert_review"})).await;
        must_move(&expert, &code, json!({"to": "inspection"})).await;
    }
    let events = feed(&citizen).await;
    assert_eq!(events.len(), 3 * complaints);
    wait_until(&fakes, "some pushes delivered", 20, || fakes.fake.received().len() >= 4).await;
    (fakes, srv, events)
}

/// Waits until both devices have every event's cursor; returns what each received.
async fn every_cursor_arrives(fakes: &Fakes, srv: &Server, events: &BTreeMap<i64, (String, String)>) -> BTreeMap<String, Vec<i64>> {
    wait_until(fakes, "every push after the restart", 60, || {
        let got = cursors_by_device(&fakes.fake.received());
        ["up:crash-1", "fcm:fcm-crash-1"].iter().all(|d| {
            let mut c = got.get(*d).cloned().unwrap_or_default();
            c.sort_unstable();
            c.dedup();
            c.len() == events.len()
        })
    })
    .await;
    srv.settled().await;
    fakes.assert_no_problems();
    let received = cursors_by_device(&fakes.fake.received());
    for (device, cursors) in &received {
        let mut unique = cursors.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique, events.keys().copied().collect::<Vec<_>>(), "{device}: every cursor arrived");
    }
    received
}

#[tokio::test]
async fn endpoints_on_private_addresses_are_refused() {
    let srv = Server::start(env!("CARGO_BIN_EXE_e2e-server"), &[]);
    let citizen = srv.citizen("09121230031").await;
    let secret = SecretKey::random(&mut rand::rngs::OsRng);
    let keys = json!({"p256dh": B64.encode(secret.public_key().to_encoded_point(false).as_bytes()), "auth": B64.encode([9u8; 16])});
    for endpoint in [
        "http://push.example.org/x",
        "https://127.0.0.1/push/x",
        "https://10.1.2.3/push/x",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/push/x",
        "https://[fd00::1]/push/x",
        "https://[::ffff:192.168.1.1]/push/x",
        "https://localhost:8443/push/x",
    ] {
        let (st, problem) = register(&citizen, json!({"kind": "unifiedpush", "endpoint": endpoint, "keys": keys})).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{endpoint}: {problem}");
        assert_eq!(problem["code"], "endpoint_not_allowed", "{endpoint}: {problem}");
    }
    let (st, problem) = register(&citizen, json!({"kind": "unifiedpush", "endpoint": "ftp://x", "keys": keys})).await;
    assert_eq!((st, problem["fields"][0]["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_endpoint")));
    // A --demo server has a VAPID key.
    let (st, key) = Api::new(&srv.url, None).get("/v1/push/vapid").await;
    assert_eq!(st, StatusCode::OK);
    assert!(key["public_key"].as_str().is_some_and(|k| k.len() == 87), "{key}");
}

#[tokio::test]
async fn the_demo_vapid_key_outlives_a_restart() {
    let mut srv = Server::start(env!("CARGO_BIN_EXE_e2e-server"), &[]);
    let (_, before) = Api::new(&srv.url, None).get("/v1/push/vapid").await;
    srv.restart();
    let (_, after) = Api::new(&srv.url, None).get("/v1/push/vapid").await;
    assert_eq!(before, after, "subscriptions made with the old key must keep working");
}

/// The app's side: the core client registers its UnifiedPush subscription, a stage change
/// arrives through the (decrypting) fake push service, and `handle_push` turns the decrypted
/// message into one Persian notification — and a second delivery or a sync adds nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_client_registers_and_turns_a_push_into_one_notification() {
    let fakes = start_fakes().await;
    let srv = fakes.server().await;
    let dir = tempfile::tempdir().unwrap();
    let client = samat_core::Client::open(dir.path(), &srv.url).await.unwrap();
    srv.login_client(&client, "09125550001").await;
    assert_eq!(client.push_vapid_key().await.unwrap(), fakes.fake.vapid.lock().unwrap().clone().unwrap());
    let target: samat_core::model::api::PushTarget = serde_json::from_value(fakes.subscription("app1")).unwrap();
    let device = client.register_push(target).await.unwrap();
    assert!(device.id > 0);

    let d = client
        .create_draft(samat_core::client::DraftFields {
            category: Some("hoarding".into()), description: Some("احتکار برنج".into()), ..Default::default()
        })
        .await
        .unwrap();
    client.submit(&d.id).await.unwrap();
    client.sync().await.unwrap();
    let code = client.complaints().await.unwrap()[0].tracking_code.to_string();
    let seen: Vec<i64> = client.unseen_events().await.unwrap().iter().map(|e| e.event.seq).collect();
    client.mark_seen(seen).await.unwrap();
    let expert = srv.staff("expert").await;
    must_move(&expert, &code, json!({"to": "expert_review"})).await;
    wait_until(&fakes, "the push", 20, || fakes.fake.received().iter().any(|r| r.device == "up:app1" && r.stage == "expert_review")).await;
    let got = fakes.fake.received().into_iter().find(|r| r.device == "up:app1" && r.stage == "expert_review").unwrap();
    assert_eq!(got.tracking_code, code);
    // As FCM would carry it (every value a string): the same notification.
    let payload = json!({"tracking_code": got.tracking_code, "stage": got.stage, "cursor": got.cursor.to_string()}).to_string();
    let n = client.handle_push(&payload).await.unwrap().expect("one notification");
    assert_eq!(n.stage.wire_name(), "expert_review");
    assert!(n.body_fa.contains("بررسی کارشناس"), "{}", n.body_fa);
    assert!(client.handle_push(&payload).await.unwrap().is_none());
    assert!(client.sync().await.unwrap().new_events.is_empty());
    // Unregistered: the next stage change is not pushed to it.
    client.unregister_push().await.unwrap();
    must_move(&expert, &code, json!({"to": "inspection"})).await;
    srv.settled().await;
    assert!(!fakes.fake.received().iter().any(|r| r.device == "up:app1" && r.stage == "inspection"));
    fakes.assert_no_problems();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logging_out_stops_the_pushes_even_when_done_offline() {
    let fakes = start_fakes().await;
    let mut srv = fakes.server().await;
    let expert = srv.staff("expert").await;
    for (n, offline) in [(1, false), (2, true)] {
        let dir = tempfile::tempdir().unwrap();
        let client = samat_core::Client::open(dir.path(), &srv.url).await.unwrap();
        let phone = format!("0912555010{n}");
        srv.login_client(&client, &phone).await;
        let device = format!("logout{n}");
        client.register_push(serde_json::from_value(fakes.subscription(&device)).unwrap()).await.unwrap();
        let citizen = srv.citizen(&phone).await;
        assert_eq!(device_ids(&citizen).await.len(), 1);
        let code = file(&citizen).await;
        if offline {
            // Logged out in the basement: the revocation waits for the network.
            tokio::task::block_in_place(|| srv.kill());
            client.logout().await.unwrap();
            tokio::task::block_in_place(|| srv.restart());
            assert_eq!(device_ids(&citizen).await.len(), 1, "the server has not heard yet");
            assert!(matches!(client.sync().await, Err(samat_core::ClientError::Unauthorized)));
        } else {
            client.logout().await.unwrap();
        }
        assert!(device_ids(&citizen).await.is_empty(), "logging out forgets the phone's push target");
        must_move(&expert, &code, json!({"to": "expert_review"})).await;
        tokio::time::sleep(Duration::from_millis(800)).await;
        let to_device = format!("up:{device}");
        assert!(!fakes.fake.received().iter().any(|r| r.device == to_device && r.stage == "expert_review"), "a logged-out phone was pushed to");
        // A push that was already on its way is not shown either.
        let payload = json!({"tracking_code": code, "stage": "expert_review", "cursor": 1}).to_string();
        assert!(client.handle_push(&payload).await.unwrap().is_none());
    }
    fakes.assert_no_problems();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_project_wide_fcm_quota_pauses_every_fcm_device() {
    let fakes = start_fakes().await;
    let srv = fakes.server().await;
    let first = srv.citizen("09125550201").await;
    must_register(&first, json!({"kind": "fcm", "token": "quota-first"})).await;
    let mut others = Vec::new();
    for n in 2..6 {
        let citizen = srv.citizen(&format!("0912555020{n}")).await;
        must_register(&citizen, json!({"kind": "fcm", "token": format!("quota-{n}")})).await;
        others.push((format!("fcm:quota-{n}"), citizen));
    }
    *fakes.fake.fcm_quota_errors.lock().unwrap() = 1;
    file(&first).await;
    wait_until(&fakes, "the throttled attempt", 20, || fakes.fake.attempts("fcm:quota-first") == 1).await;
    // While FCM asked for a pause (Retry-After: 10), other citizens' pushes wait without touching it.
    let mut codes = Vec::new();
    for (device, citizen) in &others {
        codes.push((device.clone(), file(citizen).await));
    }
    // After it, everything goes out, each push once.
    wait_until(&fakes, "every push after the pause", 20, || {
        let got = fakes.fake.received();
        codes.iter().all(|(device, code)| got.iter().any(|r| &r.device == device && &r.tracking_code == code))
            && got.iter().any(|r| r.device == "fcm:quota-first")
    })
    .await;
    // Nobody was sent to during the pause: every first attempt came at least the 10 s of
    // Retry-After after the quota error was answered (both instants on this process's clock; a
    // slow machine only makes the gap longer).
    let paused_at = fakes.fake.fcm_quota_answered_at.lock().unwrap().expect("the quota error was answered");
    for (device, _) in &codes {
        assert_eq!(fakes.fake.attempts(device), 1, "{device}");
        let first = fakes.fake.first_attempts.lock().unwrap()[device];
        assert!(first >= paused_at + Duration::from_millis(9_750), "{device} was sent to {:?} into the 10 s pause", first - paused_at);
    }
    assert_eq!(fakes.fake.attempts("fcm:quota-first"), 2, "the throttled push, then its retry");
    fakes.assert_no_problems();
}
