//! Apple Push Notification service over HTTP/2: an ES256 provider token from the team's
//! `.p8` key (reused for 50 minutes; Apple refuses tokens older than an hour), then
//! `POST /3/device/{token}` with an alert the user sees even before the app syncs.

use std::sync::Arc;
use std::time::{Duration, Instant};

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::StatusCode;
use samat_core::model::api::PushMessage;
use serde::Serialize;
use serde_json::{json, Value};

use super::{retry_after, webpush, Outcome};

/// APNs production.
pub const PRODUCTION_URL: &str = "https://api.push.apple.com";
/// APNs sandbox (development builds of the app).
pub const SANDBOX_URL: &str = "https://api.sandbox.push.apple.com";
/// Provider tokens are reused this long.
pub const TOKEN_REUSE: Duration = Duration::from_secs(50 * 60);
/// The notification title.
pub const TITLE: &str = "وضعیت شکایت شما تغییر کرد";

/// The team's key and the app it notifies.
pub struct ApnsConfig {
    key: EncodingKey,
    /// The key's id (`kid`).
    pub key_id: String,
    /// The developer team (`iss`).
    pub team_id: String,
    /// The app's bundle id (`apns-topic`).
    pub topic: String,
    /// The APNs base URL.
    pub base_url: String,
}

impl ApnsConfig {
    /// A configuration from the `.p8` key (PEM, PKCS#8 EC P-256).
    pub fn new(p8_pem: &[u8], key_id: String, team_id: String, topic: String, base_url: String) -> anyhow::Result<ApnsConfig> {
        let key = EncodingKey::from_ec_pem(p8_pem).map_err(|e| anyhow::anyhow!("not an APNs .p8 key (PKCS#8 EC P-256 PEM): {e}"))?;
        for (name, value) in [("--apns-key-id", &key_id), ("--apns-team-id", &team_id), ("--apns-topic", &topic)] {
            anyhow::ensure!(!value.trim().is_empty(), "{name} must not be empty");
        }
        Ok(ApnsConfig { key, key_id, team_id, topic, base_url: base_url.trim_end_matches('/').to_owned() })
    }

    /// A provider token issued at `now` (Unix seconds).
    pub fn provider_token(&self, now: i64) -> Result<String, jsonwebtoken::errors::Error> {
        #[derive(Serialize)]
        struct Claims<'a> {
            iss: &'a str,
            iat: i64,
        }
        let mut header = Header::new(Algorithm::ES256);
        header.kid = Some(self.key_id.clone());
        jsonwebtoken::encode(&header, &Claims { iss: &self.team_id, iat: now }, &self.key)
    }
}

/// Whether `token` looks like an APNs device token: hex, 32 to 100 bytes.
pub fn valid_device_token(token: &str) -> bool {
    (64..=200).contains(&token.len()) && token.len().is_multiple_of(2) && token.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The notification body: a Persian alert naming the stage (no personal data) and the push
/// fields the app reads.
pub fn payload(message: &PushMessage) -> Value {
    json!({
        "aps": {
            "alert": { "title": TITLE, "body": format!("{} — کد رهگیری {}", message.stage.label_fa(), message.tracking_code.as_str()) },
            "sound": "default",
            "thread-id": webpush::topic(message),
        },
        "tracking_code": message.tracking_code.as_str(),
        "stage": message.stage.wire_name(),
        "cursor": message.cursor,
    })
}

/// What an APNs answer means for the device.
pub fn classify(status: StatusCode, reason: &str, wait: Option<Duration>) -> Outcome {
    let what = format!("APNs answered {status} {reason}");
    match status {
        s if s.is_success() => Outcome::Delivered,
        StatusCode::GONE => Outcome::DeviceGone(what),
        StatusCode::BAD_REQUEST if matches!(reason, "BadDeviceToken" | "DeviceTokenNotForTopic") => Outcome::DeviceGone(what),
        StatusCode::FORBIDDEN if matches!(reason, "ExpiredProviderToken" | "InvalidProviderToken") => Outcome::Temporary(what),
        // Too many provider-token changes is this server's limit, not one phone's.
        StatusCode::TOO_MANY_REQUESTS if reason == "TooManyProviderTokenUpdates" => Outcome::ServiceThrottled { retry_after: wait, error: what },
        StatusCode::TOO_MANY_REQUESTS => Outcome::Throttled { retry_after: wait, error: what },
        s if s.is_server_error() => Outcome::Temporary(what),
        _ => Outcome::Rejected(what),
    }
}

/// Sends through APNs.
pub struct Apns {
    http: reqwest::Client,
    config: Arc<ApnsConfig>,
    token: std::sync::Mutex<Option<(String, Instant)>>,
}

impl Apns {
    /// A sender for `config`; HTTP/2 only (prior knowledge on a plain-http test base URL).
    pub fn new(config: Arc<ApnsConfig>) -> anyhow::Result<Apns> {
        let mut builder =
            reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).connect_timeout(Duration::from_secs(10)).timeout(Duration::from_secs(30));
        if config.base_url.starts_with("http://") {
            builder = builder.http2_prior_knowledge();
        }
        Ok(Apns { http: builder.build()?, config, token: std::sync::Mutex::new(None) })
    }

    fn provider_token(&self) -> Result<String, Outcome> {
        let mut cached = self.token.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((token, until)) = &*cached {
            if Instant::now() < *until {
                return Ok(token.clone());
            }
        }
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let token = self.config.provider_token(now).map_err(|e| Outcome::Temporary(format!("cannot sign the APNs provider token: {e}")))?;
        *cached = Some((token.clone(), Instant::now() + TOKEN_REUSE));
        Ok(token)
    }

    /// Delivers `message` to a device token.
    pub async fn send(&self, device_token: &str, message: &PushMessage) -> Outcome {
        let jwt = match self.provider_token() {
            Ok(t) => t,
            Err(outcome) => return outcome,
        };
        let expiration = time::OffsetDateTime::now_utc().unix_timestamp() + webpush::TTL_SECONDS as i64;
        let sent = self
            .http
            .post(format!("{}/3/device/{device_token}", self.config.base_url))
            .header("authorization", format!("bearer {jwt}"))
            .header("apns-topic", &self.config.topic)
            .header("apns-push-type", "alert")
            .header("apns-priority", "10")
            .header("apns-expiration", expiration.to_string())
            .header("apns-collapse-id", webpush::topic(message))
            .json(&payload(message))
            .send()
            .await;
        let response = match sent {
            Ok(r) => r,
            Err(e) => return Outcome::Temporary(format!("APNs unreachable: {}", super::error_chain(&e.without_url()))),
        };
        let status = response.status();
        let wait = retry_after(response.headers());
        let body: Value = response.json().await.unwrap_or(Value::Null);
        let reason = body["reason"].as_str().unwrap_or_default().to_owned();
        if matches!(reason.as_str(), "ExpiredProviderToken" | "InvalidProviderToken") {
            *self.token.lock().unwrap_or_else(|e| e.into_inner()) = None;
        }
        classify(status, &reason, wait)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use samat_core::model::{Stage, TrackingCode};

    #[test]
    fn answers_decide_the_device_fate() {
        let s = |n| StatusCode::from_u16(n).unwrap();
        assert_eq!(classify(s(200), "", None), Outcome::Delivered);
        assert!(matches!(classify(s(410), "Unregistered", None), Outcome::DeviceGone(_)));
        assert!(matches!(classify(s(400), "BadDeviceToken", None), Outcome::DeviceGone(_)));
        assert!(matches!(classify(s(400), "DeviceTokenNotForTopic", None), Outcome::DeviceGone(_)));
        assert!(matches!(classify(s(400), "BadCollapseId", None), Outcome::Rejected(_)));
        assert!(matches!(classify(s(403), "ExpiredProviderToken", None), Outcome::Temporary(_)));
        assert!(matches!(classify(s(429), "TooManyRequests", None), Outcome::Throttled { .. }));
        assert!(matches!(classify(s(429), "TooManyProviderTokenUpdates", None), Outcome::ServiceThrottled { .. }));
        assert!(matches!(classify(s(503), "ServiceUnavailable", None), Outcome::Temporary(_)));
    }

    #[test]
    fn the_alert_names_the_stage_and_nothing_personal() {
        let code = TrackingCode::generate(&mut rand::thread_rng());
        let p = payload(&PushMessage { tracking_code: code, stage: Stage::Verdict, cursor: 5 });
        assert_eq!(p["aps"]["alert"]["title"], TITLE);
        assert!(p["aps"]["alert"]["body"].as_str().unwrap().contains(Stage::Verdict.label_fa()));
        assert_eq!(p["stage"], "verdict");
        assert_eq!(p["cursor"], 5);
        assert!(valid_device_token(&"ab".repeat(32)));
        assert!(!valid_device_token("xyz"));
        assert!(!valid_device_token(&"g".repeat(64)));
    }
}
