//! Kavenegar's inbox: `sms/receive.json` with the configured `linenumber` and `isread=0`
//! returns the unread texts to the line (and marks them read), polled every few seconds, with
//! a growing pause while the gateway fails. Every replica may poll: each message is handled
//! once by its id whichever replica read it, and a message read by a replica that died before
//! handling it is finished by the lapsed-claim sweep ([`super::sweep`]).
//!
//! The same push format (`messageid`, `from`, `to`, `message`, `date`) arrives at
//! `POST /v1/inbound/sms` when the line is set to forward to a URL.

use std::time::Duration;

use serde::Deserialize;
use serde_json::Value;
use time::OffsetDateTime;
use tokio::sync::watch;

pub use super::options::InboxOptions;
use super::InboundSms;
use crate::state::AppState;

/// The longest pause after failures.
pub const MAX_BACKOFF: Duration = Duration::from_secs(300);

/// The pause before the next read after `failures` failed reads in a row: the interval, then
/// doubling from it up to [`MAX_BACKOFF`].
pub fn poll_delay(interval: Duration, failures: u32) -> Duration {
    if failures == 0 {
        return interval;
    }
    interval.saturating_mul(1u32 << failures.min(16)).min(MAX_BACKOFF.max(interval))
}

/// The message id as the gateway writes it (a number or a string), prefixed.
pub fn message_id(raw: &Value) -> Option<String> {
    let id = match raw {
        Value::Number(n) => n.to_string(),
        Value::String(s) if !s.trim().is_empty() => s.trim().to_owned(),
        _ => return None,
    };
    Some(format!("kavenegar:{id}"))
}

/// A Unix time in seconds (a number or a string), or now.
pub fn message_date(raw: Option<&Value>) -> OffsetDateTime {
    let secs = match raw {
        Some(Value::Number(n)) => n.as_i64(),
        Some(Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    };
    secs.and_then(|s| OffsetDateTime::from_unix_timestamp(s).ok()).unwrap_or_else(OffsetDateTime::now_utc)
}

#[derive(Deserialize)]
struct Reply {
    #[serde(rename = "return")]
    ret: Status,
    #[serde(default)]
    entries: Option<Vec<Entry>>,
}

#[derive(Deserialize)]
struct Status {
    status: i64,
    #[serde(default)]
    message: String,
}

/// One message of the inbox.
#[derive(Deserialize)]
struct Entry {
    messageid: Value,
    #[serde(default)]
    message: String,
    #[serde(default)]
    sender: String,
    #[serde(default)]
    receptor: String,
    #[serde(default)]
    date: Option<Value>,
}

/// Reads the unread messages of the line once.
pub async fn fetch(http: &reqwest::Client, options: &InboxOptions) -> anyhow::Result<Vec<InboundSms>> {
    let url = format!("{}/v1/{}/sms/receive.json", options.base_url.trim_end_matches('/'), options.key);
    let response = http
        .post(url)
        .form(&[("linenumber", options.line.as_str()), ("isread", "0")])
        .send()
        .await
        .map_err(|e| anyhow::anyhow!("kavenegar unreachable: {}", e.without_url()))?;
    let http_status = response.status();
    let body = response.text().await.map_err(|e| anyhow::anyhow!("kavenegar: {}", e.without_url()))?;
    let reply: Reply = serde_json::from_str(&body).map_err(|_| anyhow::anyhow!("kavenegar answered HTTP {http_status} with an unexpected body"))?;
    anyhow::ensure!(reply.ret.status == 200, "kavenegar {}: {}", reply.ret.status, reply.ret.message);
    Ok(reply
        .entries
        .unwrap_or_default()
        .into_iter()
        .filter_map(|e| {
            Some(InboundSms {
                message_id: message_id(&e.messageid)?,
                from: e.sender,
                to: if e.receptor.is_empty() { options.line.clone() } else { e.receptor },
                text: e.message,
                received_at: message_date(e.date.as_ref()),
            })
        })
        .collect())
}

/// Reads the inbox until shutdown and hands every message in.
pub async fn run(state: AppState, options: InboxOptions, mut shutdown: watch::Receiver<bool>) {
    let http = match reqwest::Client::builder().timeout(Duration::from_secs(20)).redirect(reqwest::redirect::Policy::none()).build() {
        Ok(h) => h,
        Err(e) => {
            tracing::error!(error = %e, "cannot start the Kavenegar inbox reader");
            return;
        }
    };
    let mut failures = 0u32;
    // Messages read but not handed in (the database failed): the gateway counts them as read,
    // so this process keeps them and tries again before the next read.
    let mut held: Vec<InboundSms> = Vec::new();
    loop {
        match fetch(&http, &options).await {
            Ok(messages) => {
                failures = 0;
                held.extend(messages);
                let mut again = Vec::new();
                for sms in held.drain(..) {
                    if let Err(e) = super::receive(&state, sms.clone()).await {
                        tracing::warn!(message = %sms.message_id, code = e.code, "an inbound SMS could not be handled now; trying again");
                        again.push(sms);
                    }
                }
                held = again;
            }
            Err(e) => {
                failures = failures.saturating_add(1);
                tracing::warn!(error = %e, retry_in = ?poll_delay(options.interval, failures), "could not read the Kavenegar inbox");
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(poll_delay(options.interval, failures)) => {}
            _ = shutdown.changed() => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_back_off_while_the_gateway_fails() {
        let s = Duration::from_secs;
        for (failures, expected) in [(0, s(5)), (1, s(10)), (2, s(20)), (5, s(160)), (6, s(300)), (40, s(300))] {
            assert_eq!(poll_delay(s(5), failures), expected, "{failures}");
        }
        assert_eq!(poll_delay(s(600), 3), s(600), "never shorter than the interval");
    }

    #[test]
    fn ids_and_dates_read_as_numbers_or_strings() {
        assert_eq!(message_id(&serde_json::json!(123456)).as_deref(), Some("kavenegar:123456"));
        assert_eq!(message_id(&serde_json::json!(" 99 ")).as_deref(), Some("kavenegar:99"));
        assert_eq!(message_id(&serde_json::json!("")), None);
        assert_eq!(message_id(&Value::Null), None);
        assert_eq!(message_date(Some(&serde_json::json!(1_700_000_000))).unix_timestamp(), 1_700_000_000);
        assert_eq!(message_date(Some(&serde_json::json!("1700000000"))).unix_timestamp(), 1_700_000_000);
    }
}
