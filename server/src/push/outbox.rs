//! The push worker: delivers what committed transactions queued in `push_outbox`, woken after
//! each commit and at least every second. What to do after an attempt is the pure [`plan`];
//! a push is marked sent only after the service accepted it, so a crash can repeat at most
//! the pushes in flight at that moment and never loses one.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use time::OffsetDateTime;
use tokio::sync::{watch, Notify};

use super::{Outcome, Pusher};
use crate::metrics::Metrics;
use crate::store::{OutboxPush, PushRecord, Store, StoreError};

/// Pushes older than this are given up: the push services drop them at the same age (`TTL`)
/// and by then the app has synced anyway.
pub const MAX_AGE: Duration = Duration::from_secs(super::webpush::TTL_SECONDS);
/// Attempts before a push that keeps failing is given up.
pub const MAX_ATTEMPTS: i64 = 30;
/// The longest wait between attempts.
pub const MAX_DELAY: Duration = Duration::from_secs(3600);
/// Pushes taken per round.
pub const BATCH: usize = 256;

/// What to do with a push after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Plan {
    /// Done.
    Sent,
    /// Forget the device (and what is queued for it).
    DropDevice,
    /// Stop trying this push.
    GiveUp,
    /// Try again after this long.
    RetryIn(Duration),
    /// Not attempted (service not configured); never retried.
    Skip,
}

/// Decides what follows `outcome` for a push that has now had `attempts` tries (1 = the first)
/// and was queued `age` ago. Failures back off exponentially from 5 s up to an hour; a
/// throttling service's `Retry-After` is respected (within that hour); nothing is retried
/// past [`MAX_AGE`] or [`MAX_ATTEMPTS`].
pub fn plan(outcome: &Outcome, attempts: i64, age: Duration) -> Plan {
    let backoff = || {
        let exp = (attempts.max(1) - 1).min(20) as u32;
        Duration::from_secs(5u64.saturating_mul(1u64 << exp)).min(MAX_DELAY)
    };
    let delay = match outcome {
        Outcome::Delivered => return Plan::Sent,
        Outcome::DeviceGone(_) => return Plan::DropDevice,
        Outcome::Rejected(_) => return Plan::GiveUp,
        Outcome::NotConfigured => return Plan::Skip,
        Outcome::Throttled { retry_after: Some(wait), .. } | Outcome::ServiceThrottled { retry_after: Some(wait), .. } => {
            (*wait).clamp(Duration::from_secs(1), MAX_DELAY)
        }
        Outcome::Throttled { retry_after: None, .. } | Outcome::ServiceThrottled { retry_after: None, .. } | Outcome::Temporary(_) => backoff(),
        // Not an attempt: `deliver_due` postpones without recording one.
        Outcome::Paused(wait) => return Plan::RetryIn(*wait),
    };
    if attempts >= MAX_ATTEMPTS || age + delay > MAX_AGE {
        Plan::GiveUp
    } else {
        Plan::RetryIn(delay)
    }
}

/// Runs until `shutdown` turns true.
pub async fn run(store: Arc<dyn Store>, pusher: Arc<Pusher>, wake: Arc<Notify>, metrics: Arc<Metrics>, shutdown: watch::Receiver<bool>) {
    crate::worker::drain("push outbox", BATCH, wake, shutdown, || deliver_due(&*store, &pusher, &metrics)).await
}

/// Sends one batch of due pushes and records each result as soon as it is known (so a crash
/// repeats at most the pushes in flight); returns how many were due. Devices are served
/// concurrently, each device's pushes in order (so the newest update for a complaint is the
/// one its `Topic` leaves standing).
pub async fn deliver_due(store: &dyn Store, pusher: &Pusher, metrics: &Metrics) -> Result<usize, StoreError> {
    let due = store.due_pushes(OffsetDateTime::now_utc(), BATCH as i64).await?;
    let count = due.len();
    let mut by_device: BTreeMap<i64, Vec<OutboxPush>> = BTreeMap::new();
    for push in due {
        by_device.entry(push.device.id).or_default().push(push);
    }
    let rounds = by_device.into_values().map(|mut pushes| async move {
        pushes.sort_by_key(|p| p.id);
        for push in pushes {
            let outcome = pusher.send(&push).await;
            if let Outcome::Paused(wait) = outcome {
                // The service asked for a pause: the device's pushes wait, no attempt counted.
                store.postpone_device_pushes(push.device.id, OffsetDateTime::now_utc() + wait).await?;
                break;
            }
            let gone = matches!(outcome, Outcome::DeviceGone(_));
            let record = record_for(&push, outcome, metrics);
            let retry_at = match &record {
                PushRecord::Failed { next_attempt_at: Some(at), .. } => Some(*at),
                _ => None,
            };
            store.pushes_finished(vec![(push.id, record)], OffsetDateTime::now_utc()).await?;
            if let Some(at) = retry_at {
                // Throttled or failing: the device's later pushes wait with it, so the service
                // is not hit again now and a newer stage never overtakes the one retried
                // (they share a Topic, and the last one delivered is what stands).
                store.postpone_device_pushes(push.device.id, at).await?;
                break;
            }
            if gone {
                // Whatever else was queued for the device went with it.
                break;
            }
        }
        Ok::<(), StoreError>(())
    });
    for result in futures::future::join_all(rounds).await {
        result?;
    }
    Ok(count)
}

/// Counts, logs and turns an attempt's outcome into what the outbox records.
fn record_for(push: &OutboxPush, outcome: Outcome, metrics: &Metrics) -> PushRecord {
    let kind = push.device.target.kind().wire_name();
    metrics.push_attempt(kind, outcome.label());
    let age = (OffsetDateTime::now_utc() - push.created_at).try_into().unwrap_or(Duration::ZERO);
    let attempts = push.attempts + 1;
    match plan(&outcome, attempts, age) {
        Plan::Sent => PushRecord::Sent,
        Plan::Skip => PushRecord::Skipped { reason: format!("{kind} is not configured on this server") },
        Plan::DropDevice => {
            tracing::info!(device = push.device.id, provider = kind, reason = ?outcome, "push: the service says the device is gone; forgetting it");
            PushRecord::DeviceGone
        }
        Plan::GiveUp => {
            tracing::warn!(push = push.id, provider = kind, reason = ?outcome, attempts, "push given up");
            PushRecord::Failed { error: describe(&outcome), next_attempt_at: None }
        }
        Plan::RetryIn(delay) => {
            tracing::info!(push = push.id, provider = kind, reason = ?outcome, retry_in = ?delay, "push not delivered; will retry");
            PushRecord::Failed { error: describe(&outcome), next_attempt_at: Some(OffsetDateTime::now_utc() + delay) }
        }
    }
}

fn describe(outcome: &Outcome) -> String {
    match outcome {
        Outcome::Delivered => "delivered".into(),
        Outcome::NotConfigured => "not configured".into(),
        Outcome::Paused(wait) => format!("service paused for {wait:?}"),
        Outcome::DeviceGone(e)
        | Outcome::Rejected(e)
        | Outcome::Temporary(e)
        | Outcome::Throttled { error: e, .. }
        | Outcome::ServiceThrottled { error: e, .. } => e.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_table() {
        let temp = Outcome::Temporary("503".into());
        let slow = Outcome::Throttled { retry_after: None, error: "429".into() };
        let slow_120 = Outcome::Throttled { retry_after: Some(Duration::from_secs(120)), error: "429".into() };
        let slow_day = Outcome::Throttled { retry_after: Some(Duration::from_secs(86_400)), error: "429".into() };
        let slow_0 = Outcome::Throttled { retry_after: Some(Duration::ZERO), error: "429".into() };
        let quota = Outcome::ServiceThrottled { retry_after: None, error: "429 quota".into() };
        let quota_300 = Outcome::ServiceThrottled { retry_after: Some(Duration::from_secs(300)), error: "429 quota".into() };
        let s = Duration::from_secs;
        let young = s(10);
        for (outcome, attempts, age, expected) in [
            (&Outcome::Delivered, 1, young, Plan::Sent),
            (&Outcome::Delivered, 29, s(80_000), Plan::Sent),
            (&Outcome::DeviceGone("410".into()), 1, young, Plan::DropDevice),
            (&Outcome::Rejected("400".into()), 1, young, Plan::GiveUp),
            (&Outcome::NotConfigured, 1, young, Plan::Skip),
            (&temp, 1, young, Plan::RetryIn(s(5))),
            (&temp, 2, young, Plan::RetryIn(s(10))),
            (&temp, 3, young, Plan::RetryIn(s(20))),
            (&temp, 10, young, Plan::RetryIn(s(2560))),
            (&temp, 11, young, Plan::RetryIn(s(3600))),
            (&temp, 29, young, Plan::RetryIn(s(3600))),
            (&temp, 30, young, Plan::GiveUp),
            (&temp, 5, s(86_400 - 80), Plan::RetryIn(s(80))),
            (&temp, 5, s(86_400 - 79), Plan::GiveUp),
            (&slow, 1, young, Plan::RetryIn(s(5))),
            (&slow, 4, young, Plan::RetryIn(s(40))),
            (&slow_120, 1, young, Plan::RetryIn(s(120))),
            (&slow_day, 1, young, Plan::RetryIn(s(3600))),
            (&slow_0, 1, young, Plan::RetryIn(s(1))),
            (&slow_120, 1, s(86_400 - 60), Plan::GiveUp),
            (&quota, 1, young, Plan::RetryIn(s(5))),
            (&quota_300, 2, young, Plan::RetryIn(s(300))),
            (&Outcome::Paused(s(42)), 29, young, Plan::RetryIn(s(42))),
        ] {
            assert_eq!(plan(outcome, attempts, age), expected, "{outcome:?} attempt {attempts} age {age:?}");
        }
    }
}
