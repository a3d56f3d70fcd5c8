//! Firebase Cloud Messaging, HTTP v1: an OAuth2 access token from the service account (a
//! JWT bearer grant signed RS256, cached until shortly before it expires), then
//! `POST /v1/projects/{project_id}/messages:send` with a data message per device.

use std::sync::Arc;
use std::time::{Duration, Instant};

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::StatusCode;
use samat_core::model::api::PushMessage;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::{retry_after, webpush, Outcome};

/// The FCM API unless `--fcm-base-url` says otherwise.
pub const DEFAULT_BASE_URL: &str = "https://fcm.googleapis.com";
/// The OAuth2 scope FCM needs.
pub const SCOPE: &str = "https://www.googleapis.com/auth/firebase.messaging";
/// The JWT bearer grant type (RFC 7523).
pub const GRANT_TYPE: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";

/// A parsed service-account key and where to send.
pub struct FcmConfig {
    /// The Firebase project.
    pub project_id: String,
    /// The service account (`iss` of the grant).
    pub client_email: String,
    /// The key's id (`kid`), when the file has one.
    pub private_key_id: Option<String>,
    /// The RSA key.
    key: EncodingKey,
    /// Where access tokens come from (`aud` of the grant).
    pub token_uri: String,
    /// The FCM API base URL.
    pub base_url: String,
}

#[derive(Deserialize)]
struct ServiceAccountFile {
    project_id: String,
    client_email: String,
    private_key: String,
    #[serde(default)]
    private_key_id: Option<String>,
    #[serde(default)]
    token_uri: Option<String>,
}

impl FcmConfig {
    /// Parses the Google service-account JSON (`project_id`, `client_email`, `private_key`
    /// as PEM, `token_uri`).
    pub fn from_json(json: &[u8], base_url: &str) -> anyhow::Result<FcmConfig> {
        let file: ServiceAccountFile = serde_json::from_slice(json).map_err(|e| anyhow::anyhow!("not a service-account JSON file: {e}"))?;
        let key = EncodingKey::from_rsa_pem(file.private_key.as_bytes()).map_err(|e| anyhow::anyhow!("its private_key is not an RSA PEM key: {e}"))?;
        anyhow::ensure!(!file.project_id.is_empty() && !file.client_email.is_empty(), "project_id and client_email must not be empty");
        Ok(FcmConfig {
            project_id: file.project_id,
            client_email: file.client_email,
            private_key_id: file.private_key_id.filter(|k| !k.is_empty()),
            key,
            token_uri: file.token_uri.unwrap_or_else(|| "https://oauth2.googleapis.com/token".into()),
            base_url: base_url.trim_end_matches('/').to_owned(),
        })
    }

    /// Reads the service-account file.
    pub fn from_file(path: &std::path::Path, base_url: &str) -> anyhow::Result<FcmConfig> {
        let bytes = std::fs::read(path).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
        Self::from_json(&bytes, base_url).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
    }

    /// The signed grant assertion, valid for an hour from `now` (Unix seconds).
    pub fn assertion(&self, now: i64) -> Result<String, jsonwebtoken::errors::Error> {
        #[derive(Serialize)]
        struct Claims<'a> {
            iss: &'a str,
            scope: &'a str,
            aud: &'a str,
            iat: i64,
            exp: i64,
        }
        let mut header = Header::new(Algorithm::RS256);
        header.kid = self.private_key_id.clone();
        let claims = Claims { iss: &self.client_email, scope: SCOPE, aud: &self.token_uri, iat: now, exp: now + 3600 };
        jsonwebtoken::encode(&header, &claims, &self.key)
    }
}

/// The `messages:send` body for one device: a data message (every value a string) the app
/// turns into a notification after syncing.
pub fn message_body(token: &str, message: &PushMessage) -> Value {
    json!({
        "message": {
            "token": token,
            "data": {
                "tracking_code": message.tracking_code.as_str(),
                "stage": message.stage.wire_name(),
                "cursor": message.cursor.to_string(),
            },
            "android": {
                "priority": "high",
                "ttl": format!("{}s", webpush::TTL_SECONDS),
                "collapse_key": webpush::topic(message),
            },
        }
    })
}

/// What an FCM error answer means for the device.
pub fn classify(status: StatusCode, body: &Value, wait: Option<Duration>) -> Outcome {
    let error = &body["error"];
    let api_status = error["status"].as_str().unwrap_or_default();
    let message = error["message"].as_str().unwrap_or_default();
    let codes: Vec<&str> = error["details"].as_array().into_iter().flatten().filter_map(|d| d["errorCode"].as_str()).collect();
    let has = |c: &str| api_status == c || codes.contains(&c);
    let what = format!("FCM answered {status} {api_status}: {message}");
    if status.is_success() {
        return Outcome::Delivered;
    }
    // Only FCM's own verdict drops a device: a bare 404 (a wrong project id or base URL)
    // must not wipe every FCM device.
    if has("UNREGISTERED") || has("SENDER_ID_MISMATCH") {
        return Outcome::DeviceGone(what);
    }
    if status == StatusCode::BAD_REQUEST && has("INVALID_ARGUMENT") && message.to_ascii_lowercase().contains("token") {
        return Outcome::DeviceGone(what);
    }
    if status == StatusCode::TOO_MANY_REQUESTS || has("QUOTA_EXCEEDED") {
        // "Device message rate exceeded" is one phone's limit; any other quota is the project's,
        // and every FCM device waits.
        if message.to_ascii_lowercase().contains("device") {
            return Outcome::Throttled { retry_after: wait, error: what };
        }
        return Outcome::ServiceThrottled { retry_after: wait, error: what };
    }
    if status == StatusCode::UNAUTHORIZED || status.is_server_error() {
        return Outcome::Temporary(what);
    }
    Outcome::Rejected(what)
}

/// Sends through FCM.
pub struct Fcm {
    http: reqwest::Client,
    config: Arc<FcmConfig>,
    /// The access token and when to stop using it.
    token: tokio::sync::Mutex<Option<(String, Instant)>>,
}

impl Fcm {
    /// A sender for `config`.
    pub fn new(config: Arc<FcmConfig>) -> anyhow::Result<Fcm> {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(30))
            .build()?;
        Ok(Fcm { http, config, token: tokio::sync::Mutex::new(None) })
    }

    async fn access_token(&self) -> Result<String, Outcome> {
        let mut cached = self.token.lock().await;
        if let Some((token, until)) = &*cached {
            if Instant::now() < *until {
                return Ok(token.clone());
            }
        }
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let assertion = self.config.assertion(now).map_err(|e| Outcome::Temporary(format!("cannot sign the FCM token request: {e}")))?;
        let response = self
            .http
            .post(&self.config.token_uri)
            .form(&[("grant_type", GRANT_TYPE), ("assertion", assertion.as_str())])
            .send()
            .await
            .map_err(|e| Outcome::Temporary(format!("token endpoint unreachable: {}", super::error_chain(&e.without_url()))))?;
        let status = response.status();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        let (Some(token), true) = (body["access_token"].as_str(), status.is_success()) else {
            return Err(Outcome::Temporary(format!("token endpoint answered {status}: {}", body["error"])));
        };
        let lifetime = body["expires_in"].as_u64().unwrap_or(3600);
        // Renew a minute early so a token never expires in flight.
        let until = Instant::now() + Duration::from_secs(lifetime.saturating_sub(60).max(1));
        *cached = Some((token.to_owned(), until));
        Ok(token.to_owned())
    }

    /// Delivers `message` to a registration token.
    pub async fn send(&self, token: &str, message: &PushMessage) -> Outcome {
        let access = match self.access_token().await {
            Ok(t) => t,
            Err(outcome) => return outcome,
        };
        let url = format!("{}/v1/projects/{}/messages:send", self.config.base_url, self.config.project_id);
        let sent = self.http.post(url).bearer_auth(&access).json(&message_body(token, message)).send().await;
        let response = match sent {
            Ok(r) => r,
            Err(e) => return Outcome::Temporary(format!("FCM unreachable: {}", super::error_chain(&e.without_url()))),
        };
        let status = response.status();
        let wait = retry_after(response.headers());
        let body: Value = response.json().await.unwrap_or(Value::Null);
        if status == StatusCode::UNAUTHORIZED {
            // The access token was revoked or expired early: fetch another next time.
            *self.token.lock().await = None;
        }
        classify(status, &body, wait)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use samat_core::model::{Stage, TrackingCode};

    #[test]
    fn error_answers_decide_the_device_fate() {
        let gone = |s: u16, b: Value| matches!(classify(StatusCode::from_u16(s).unwrap(), &b, None), Outcome::DeviceGone(_));
        let unregistered = json!({"error": {"code": 404, "status": "NOT_FOUND", "message": "Requested entity was not found.",
            "details": [{"@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError", "errorCode": "UNREGISTERED"}]}});
        assert!(gone(404, unregistered));
        let bad_token =
            json!({"error": {"code": 400, "status": "INVALID_ARGUMENT", "message": "The registration token is not a valid FCM registration token"}});
        assert!(gone(400, bad_token));
        let bad_message = json!({"error": {"code": 400, "status": "INVALID_ARGUMENT", "message": "Invalid value at 'message.android.ttl'"}});
        assert!(matches!(classify(StatusCode::BAD_REQUEST, &bad_message, None), Outcome::Rejected(_)));
        let quota = json!({"error": {"code": 429, "status": "RESOURCE_EXHAUSTED", "details": [{"errorCode": "QUOTA_EXCEEDED"}]}});
        assert_eq!(
            classify(StatusCode::TOO_MANY_REQUESTS, &quota, Some(Duration::from_secs(30))),
            Outcome::ServiceThrottled { retry_after: Some(Duration::from_secs(30)), error: "FCM answered 429 Too Many Requests RESOURCE_EXHAUSTED: ".into() }
        );
        let one_phone = json!({"error": {"code": 429, "status": "RESOURCE_EXHAUSTED", "message": "Device message rate exceeded.",
            "details": [{"errorCode": "QUOTA_EXCEEDED"}]}});
        assert!(matches!(classify(StatusCode::TOO_MANY_REQUESTS, &one_phone, None), Outcome::Throttled { retry_after: None, .. }));
        assert!(matches!(classify(StatusCode::SERVICE_UNAVAILABLE, &Value::Null, None), Outcome::Temporary(_)));
        assert!(matches!(classify(StatusCode::UNAUTHORIZED, &Value::Null, None), Outcome::Temporary(_)));
        assert_eq!(classify(StatusCode::OK, &json!({"name": "projects/p/messages/1"}), None), Outcome::Delivered);
    }

    #[test]
    fn the_message_is_a_high_priority_data_message_of_strings() {
        let code = TrackingCode::generate(&mut rand::thread_rng());
        let body = message_body("tok", &PushMessage { tracking_code: code, stage: Stage::Verdict, cursor: 77 });
        assert_eq!(body["message"]["token"], "tok");
        assert_eq!(body["message"]["data"], json!({"tracking_code": code.as_str(), "stage": "verdict", "cursor": "77"}));
        assert_eq!(body["message"]["android"]["priority"], "high");
        assert!(body["message"].get("notification").is_none(), "the app writes the text after syncing");
    }
}
