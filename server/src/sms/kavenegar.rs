//! Kavenegar's REST API: `verify/lookup.json` (a pre-approved template) for login codes and
//! `sms/send.json` for notices, with the outbox id as `localid` so the gateway drops a
//! duplicate sent after a crash.
//!
//! Both answer `{"return": {"status": N, "message": "…"}, "entries": …}`; status 200 is
//! success, 4xx statuses are errors of the request (bad key, bad number, template), 5xx the
//! gateway's own trouble.

use std::time::Duration;

use async_trait::async_trait;
use serde::Deserialize;

use super::{KavenegarOptions, SendError, SmsSender};
use crate::store::{OutboxSms, SmsKind};

/// The Kavenegar gateway.
pub struct KavenegarSms {
    key: String,
    options: KavenegarOptions,
    http: reqwest::Client,
}

#[derive(Deserialize)]
struct Reply {
    #[serde(rename = "return")]
    ret: ReplyStatus,
}

#[derive(Deserialize)]
struct ReplyStatus {
    status: i64,
    #[serde(default)]
    message: String,
}

impl KavenegarSms {
    /// A client for `key`.
    pub fn new(key: String, options: KavenegarOptions) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder().timeout(Duration::from_secs(20)).redirect(reqwest::redirect::Policy::none()).build()?;
        Ok(KavenegarSms { key, options, http })
    }

    fn url(&self, method: &str) -> String {
        format!("{}/v1/{}/{method}.json", self.options.base_url.trim_end_matches('/'), self.key)
    }
}

/// Kavenegar's status codes: which are worth retrying.
fn classify(status: i64, message: &str) -> Result<(), SendError> {
    match status {
        200 => Ok(()),
        // 418: account credit exhausted; 429-ish and 5xx: gateway trouble — retry later.
        418 | 429 | 500..=599 => Err(SendError::Retryable(format!("kavenegar {status}: {message}"))),
        _ => Err(SendError::Permanent(format!("kavenegar {status}: {message}"))),
    }
}

#[async_trait]
impl SmsSender for KavenegarSms {
    async fn send(&self, sms: &OutboxSms) -> Result<(), SendError> {
        let receptor = sms.to.national();
        let request = match (sms.kind, &sms.token) {
            (SmsKind::Otp, Some(token)) => self.http.post(self.url("verify/lookup")).form(&[
                ("receptor", receptor.as_str()),
                ("token", token.as_str()),
                ("template", self.options.otp_template.as_str()),
            ]),
            _ => {
                let localid = sms.id.to_string();
                let mut form = vec![("receptor", receptor.as_str()), ("message", sms.text.as_str()), ("localid", localid.as_str())];
                if let Some(sender) = &self.options.sender {
                    form.push(("sender", sender.as_str()));
                }
                self.http.post(self.url("sms/send")).form(&form)
            }
        };
        let response = request.send().await.map_err(|e| SendError::Retryable(format!("kavenegar unreachable: {}", e.without_url())))?;
        let http_status = response.status();
        let body = response.text().await.map_err(|e| SendError::Retryable(e.without_url().to_string()))?;
        match serde_json::from_str::<Reply>(&body) {
            Ok(reply) => classify(reply.ret.status, &reply.ret.message),
            Err(_) if http_status.is_server_error() => Err(SendError::Retryable(format!("kavenegar HTTP {http_status}"))),
            Err(_) => Err(SendError::Retryable(format!("kavenegar answered HTTP {http_status} with an unexpected body"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_codes_are_classified() {
        assert_eq!(classify(200, ""), Ok(()));
        for s in [418, 500, 502] {
            assert!(matches!(classify(s, "x"), Err(SendError::Retryable(_))), "{s}");
        }
        for s in [400, 401, 403, 411, 412, 422, 424] {
            assert!(matches!(classify(s, "x"), Err(SendError::Permanent(_))), "{s}");
        }
    }
}
