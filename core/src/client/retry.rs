//! When to try again: the client's one backoff ([`Backoff`], exponential with jitter), and
//! when to send a queued item again: one pure function over the outcome of the last attempt,
//! table-tested. Network failures and server errors are retried forever with exponential
//! backoff and jitter; a rejection (4xx) stops with a clear `failed` state and the server's
//! code, because only the user can fix it; a 401 waits for a new login. Polling for updates
//! ([`super::updates`]) backs off with the same rule on a shorter schedule.

use std::time::Duration;

/// First retry delay.
pub const BASE_DELAY: Duration = Duration::from_secs(2);
/// Longest delay between automatic retries.
pub const MAX_DELAY: Duration = Duration::from_secs(10 * 60);

/// How an attempt ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Accepted (2xx).
    Delivered,
    /// No connection, DNS, TLS, timeout.
    Network,
    /// The server answered with this status (4xx other than 401, or 5xx).
    Status {
        /// HTTP status.
        status: u16,
        /// The problem code.
        code: String,
    },
    /// 401: the session is gone.
    Unauthorized,
}

/// What to do with the item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Next {
    /// Done; forget it.
    Done,
    /// Try again after this delay (or at once when the app calls `sync()`).
    RetryAfter(Duration),
    /// Stop: the user must change something. Keeps the code.
    Failed {
        /// The server's code.
        code: String,
    },
    /// Keep it queued until the user logs in again.
    AwaitLogin,
}

/// An exponential backoff: `base` after the first failure, doubling after each further one up
/// to `max`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// The delay after the first failure.
    pub base: Duration,
    /// The longest delay.
    pub max: Duration,
}

impl Backoff {
    /// Sending queued work: 2 s doubling to 10 minutes (the app also sends at once when the
    /// network comes back).
    pub const QUEUE: Backoff = Backoff { base: BASE_DELAY, max: MAX_DELAY };
    /// Polling for updates: 1 s doubling to a minute, so an open app hears within a minute
    /// that the server answers again.
    pub const POLL: Backoff = Backoff { base: Duration::from_secs(1), max: Duration::from_secs(60) };

    /// The delay before retry number `attempts` (1 = after the first failure), with `jitter`
    /// in [0, 1) spreading retries of many phones apart ("equal jitter": between half and all
    /// of the exponential delay).
    pub fn delay(self, attempts: u32, jitter: f64) -> Duration {
        let exp = attempts.saturating_sub(1).min(20);
        let full = self.base.saturating_mul(1u32 << exp).min(self.max);
        let jitter = jitter.clamp(0.0, 1.0);
        full.mul_f64(0.5 + 0.5 * jitter)
    }
}

/// The delay before sending a queued item again: [`Backoff::QUEUE`].
pub fn backoff(attempts: u32, jitter: f64) -> Duration {
    Backoff::QUEUE.delay(attempts, jitter)
}

/// Decides what follows an attempt that ended in `outcome` after `attempts` tries.
pub fn next(outcome: &Outcome, attempts: u32, jitter: f64) -> Next {
    match outcome {
        Outcome::Delivered => Next::Done,
        Outcome::Unauthorized => Next::AwaitLogin,
        Outcome::Network => Next::RetryAfter(backoff(attempts, jitter)),
        // Timeouts and throttling are the server's state, not the request's fault.
        Outcome::Status { status: 408 | 425 | 429, .. } => Next::RetryAfter(backoff(attempts, jitter)),
        Outcome::Status { status, code } if (400..500).contains(status) => Next::Failed { code: code.clone() },
        Outcome::Status { .. } => Next::RetryAfter(backoff(attempts, jitter)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(secs: u64) -> Duration {
        Duration::from_secs(secs)
    }

    #[test]
    fn backoff_doubles_to_a_cap_with_jitter_between_half_and_full() {
        for (attempts, jitter, expected) in [
            (1, 1.0, s(2)),
            (1, 0.0, s(1)),
            (2, 1.0, s(4)),
            (3, 1.0, s(8)),
            (5, 1.0, s(32)),
            (9, 1.0, s(512)),
            (10, 1.0, s(600)),
            (10, 0.0, s(300)),
            (60, 1.0, s(600)),
            (0, 1.0, s(2)),
            (3, 7.0, s(8)),
        ] {
            assert_eq!(backoff(attempts, jitter), expected, "attempt {attempts} jitter {jitter}");
        }
    }

    #[test]
    fn polling_backs_off_by_the_same_rule_to_a_minute() {
        for (attempts, jitter, expected) in [
            (1, 1.0, s(1)),
            (2, 1.0, s(2)),
            (3, 1.0, s(4)),
            (4, 1.0, s(8)),
            (5, 1.0, s(16)),
            (6, 1.0, s(32)),
            (7, 1.0, s(60)),
            (8, 1.0, s(60)),
            (1000, 1.0, s(60)),
            (1, 0.0, Duration::from_millis(500)),
            (7, 0.0, s(30)),
            (u32::MAX, 0.5, s(45)),
        ] {
            assert_eq!(Backoff::POLL.delay(attempts, jitter), expected, "attempt {attempts} jitter {jitter}");
        }
    }

    #[test]
    fn outcomes_decide_the_next_step() {
        let st = |status: u16, code: &str| Outcome::Status { status, code: code.into() };
        for (outcome, attempts, expected) in [
            (Outcome::Delivered, 1, Next::Done),
            (Outcome::Network, 1, Next::RetryAfter(s(2))),
            (Outcome::Network, 1000, Next::RetryAfter(s(600))),
            (st(500, "internal"), 2, Next::RetryAfter(s(4))),
            (st(503, "timeout"), 3, Next::RetryAfter(s(8))),
            (st(429, "rate_limited"), 1, Next::RetryAfter(s(2))),
            (st(408, "timeout"), 1, Next::RetryAfter(s(2))),
            (st(422, "validation_failed"), 1, Next::Failed { code: "validation_failed".into() }),
            (st(409, "invalid_transition"), 4, Next::Failed { code: "invalid_transition".into() }),
            (st(404, "complaint_not_found"), 1, Next::Failed { code: "complaint_not_found".into() }),
            (Outcome::Unauthorized, 1, Next::AwaitLogin),
        ] {
            assert_eq!(next(&outcome, attempts, 1.0), expected, "{outcome:?} after {attempts}");
        }
    }
}
