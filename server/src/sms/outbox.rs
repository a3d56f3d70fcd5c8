//! The outbox worker: sends what committed transactions queued, marks it sent, and retries
//! failures on a schedule. A message is marked sent only after the gateway accepted it, and
//! the gateways de-duplicate by outbox id, so a crash neither loses nor doubles a notice.

use std::sync::Arc;
use std::time::Duration;

use time::OffsetDateTime;
use tokio::sync::{watch, Notify};

use super::{SendError, SmsSender};
use crate::metrics::Metrics;
use crate::store::{SmsKind, Store};

/// Attempts before a message that keeps failing temporarily is given up (about two days).
pub const MAX_ATTEMPTS: i64 = 24;
/// Login codes are useless after two minutes: give up on them much sooner.
pub const MAX_OTP_ATTEMPTS: i64 = 4;

/// When to try again after `attempts` failed tries (1 = the first failure), or `None` to give up.
/// Exponential from 5 s, capped at 2 h.
pub fn retry_delay(kind: SmsKind, attempts: i64, error: &SendError) -> Option<Duration> {
    let limit = match kind {
        SmsKind::Otp => MAX_OTP_ATTEMPTS,
        SmsKind::Notice => MAX_ATTEMPTS,
    };
    match error {
        SendError::Permanent(_) => None,
        SendError::Retryable(_) if attempts >= limit => None,
        SendError::Retryable(_) => {
            let exp = (attempts.max(1) - 1).min(20) as u32;
            Some(Duration::from_secs(5u64.saturating_mul(1u64 << exp)).min(Duration::from_secs(7200)))
        }
    }
}

/// Runs until `shutdown` turns true: sends due messages whenever woken and at least every
/// second.
pub async fn run(store: Arc<dyn Store>, sender: Arc<dyn SmsSender>, wake: Arc<Notify>, metrics: Arc<Metrics>, shutdown: watch::Receiver<bool>) {
    crate::worker::drain("SMS outbox", BATCH, wake, shutdown, || deliver_due(&*store, &*sender, &metrics)).await
}

const BATCH: usize = 64;

/// Sends one batch of due messages; returns how many were due.
pub async fn deliver_due(store: &dyn Store, sender: &dyn SmsSender, metrics: &Metrics) -> Result<usize, crate::store::StoreError> {
    let due = store.due_sms(OffsetDateTime::now_utc(), BATCH as i64).await?;
    let count = due.len();
    let results = futures::future::join_all(due.iter().map(|sms| async move { (sms, sender.send(sms).await) })).await;
    let mut sent = Vec::new();
    for (sms, result) in results {
        match result {
            Ok(()) => {
                metrics.sms_sent(true);
                sent.push(sms.id);
            }
            Err(error) => {
                metrics.sms_sent(false);
                let delay = retry_delay(sms.kind, sms.attempts + 1, &error);
                tracing::warn!(id = sms.id, to = %sms.to.masked(), %error, retry_in = ?delay, "SMS not sent");
                let next = delay.map(|d| OffsetDateTime::now_utc() + d);
                store.sms_failed(sms.id, error.to_string(), next).await?;
            }
        }
    }
    if !sent.is_empty() {
        store.sms_sent(sent, OffsetDateTime::now_utc()).await?;
    }
    Ok(count)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_schedule() {
        let temp = SendError::Retryable("x".into());
        let perm = SendError::Permanent("x".into());
        let s = |n| Some(Duration::from_secs(n));
        for (kind, attempts, error, expected) in [
            (SmsKind::Notice, 1, &temp, s(5)),
            (SmsKind::Notice, 2, &temp, s(10)),
            (SmsKind::Notice, 3, &temp, s(20)),
            (SmsKind::Notice, 11, &temp, s(5120)),
            (SmsKind::Notice, 12, &temp, s(7200)),
            (SmsKind::Notice, 23, &temp, s(7200)),
            (SmsKind::Notice, 24, &temp, None),
            (SmsKind::Notice, 1, &perm, None),
            (SmsKind::Otp, 1, &temp, s(5)),
            (SmsKind::Otp, 3, &temp, s(20)),
            (SmsKind::Otp, 4, &temp, None),
            (SmsKind::Otp, 1, &perm, None),
        ] {
            assert_eq!(retry_delay(kind, attempts, error), expected, "{kind:?} {attempts} {error:?}");
        }
    }
}
