//! Rate limits keyed by phone, IP, or username and IP, with bounded memory whatever the keys.
//!
//! Each limit is the generic cell rate algorithm (GCRA: `count` per `period`, in a burst or
//! spread out) over a map from key to its theoretical arrival time. We keep our own small map
//! instead of `governor`'s because a limiter must never hold more than [`MAX_KEYS`] keys, and
//! must tell a key it knows from a new one when full: keys back to a full allowance are
//! forgotten every minute (and at once when the map fills), and past the bound a key it has
//! not seen is refused until room is made, while keys it holds go on being counted. A refusal
//! says how long to wait (`Retry-After`).
//!
//! When several server processes share a database that keeps rate limits
//! ([`ReplicaStore::shares_rate_limits`](crate::store::ReplicaStore::shares_rate_limits)),
//! the same algorithm runs in the database instead, so a limit holds across replicas.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use strum::{IntoStaticStr, VariantArray};

use crate::store::{Store, StoreError};

/// Most keys one limiter keeps (about 100 bytes each).
pub const MAX_KEYS: usize = 100_000;

/// What a full limiter tells a key it cannot hold: try again in a minute.
const FULL_WAIT: Duration = Duration::from_secs(60);

/// One keyed limit: `count` per `period`, at most `max_keys` keys.
pub struct Limiter<K: Hash + Eq + Clone> {
    /// Time between two cells (`period / count`).
    interval: Duration,
    /// How far ahead a key's arrival time may run: a burst of `count`.
    tolerance: Duration,
    max_keys: usize,
    tats: Mutex<HashMap<K, Instant>>,
}

/// The GCRA decision for one request at `now`, given the key's theoretical arrival time:
/// the new arrival time when allowed, or how long to wait.
pub fn gcra(tat: Option<Instant>, now: Instant, interval: Duration, tolerance: Duration) -> Result<Instant, Duration> {
    let tat = tat.map_or(now, |t| t.max(now));
    let ahead = tat - now;
    if ahead > tolerance {
        Err(ahead - tolerance)
    } else {
        Ok(tat + interval)
    }
}

impl<K: Hash + Eq + Clone> Limiter<K> {
    /// A limit of `count` per `period`, keeping at most `max_keys` keys.
    pub fn new(count: u32, period: Duration, max_keys: usize) -> Self {
        let count = count.max(1);
        let interval = period / count;
        Limiter { interval, tolerance: interval * (count - 1), max_keys: max_keys.max(1), tats: Mutex::new(HashMap::new()) }
    }

    /// Takes one from `key`'s allowance; `Err` with how long to wait when there is none (or
    /// when the limiter is full of other keys).
    pub fn check(&self, key: &K) -> Result<(), Duration> {
        self.check_at(key, Instant::now())
    }

    fn check_at(&self, key: &K, now: Instant) -> Result<(), Duration> {
        let mut tats = self.tats.lock().unwrap_or_else(|e| e.into_inner());
        let known = tats.get(key).copied();
        if known.is_none() && tats.len() >= self.max_keys {
            tats.retain(|_, tat| *tat > now);
            if tats.len() >= self.max_keys {
                return Err(FULL_WAIT);
            }
        }
        let next = gcra(known, now, self.interval, self.tolerance)?;
        tats.insert(key.clone(), next);
        Ok(())
    }

    /// Forgets keys that are back to a full allowance.
    pub fn shrink(&self) {
        let now = Instant::now();
        self.tats.lock().unwrap_or_else(|e| e.into_inner()).retain(|_, tat| *tat > now);
    }

    /// Keys held now.
    pub fn len(&self) -> usize {
        self.tats.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    /// Whether no key is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The server's limits. Each one's name (`otp_phone`, ...) is what its keys carry in a shared
/// table, so a name, once used, stays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, IntoStaticStr, VariantArray)]
#[strum(serialize_all = "snake_case")]
pub enum Limit {
    /// Login codes per phone.
    OtpPhone,
    /// Login codes per client address.
    OtpIp,
    /// Public tracking look-ups per client address.
    TrackIp,
    /// Staff login attempts per username from one address: an attacker is throttled, the
    /// account's owner logging in from elsewhere is not.
    StaffLogin,
    /// Staff login attempts per address, whatever the username.
    StaffLoginIp,
    /// Barcode photos read per client address.
    ScanIp,
    /// Open311 requests filed per API key.
    Open311Key,
    /// Open311 look-ups (request lists, single requests, tokens) per client address.
    Open311ReadIp,
    /// Text messages to the 124 line handled per sending phone.
    InboundSender,
}

impl Limit {
    /// The name its keys carry in a shared table.
    pub fn name(self) -> &'static str {
        self.into()
    }
}

/// The server's rate limiters: in memory, or in a database the replicas share.
pub struct Limits {
    memory: HashMap<Limit, Limiter<String>>,
    shared: Option<Arc<dyn Store>>,
}

impl Limits {
    /// Limiters kept in memory, each allowing what `quota` says: how many per how long.
    pub fn new(quota: impl Fn(Limit) -> (u32, Duration)) -> Self {
        let memory = Limit::VARIANTS
            .iter()
            .copied()
            .map(|l| {
                let (count, period) = quota(l);
                (l, Limiter::new(count, period, MAX_KEYS))
            })
            .collect();
        Limits { memory, shared: None }
    }

    /// Limiters for a server on `store`, with the quotas `quota` gives: shared through the
    /// store when it keeps rate limits.
    pub fn for_store(quota: impl Fn(Limit) -> (u32, Duration), store: &Arc<dyn Store>) -> Self {
        let mut limits = Limits::new(quota);
        if store.shares_rate_limits() {
            limits.shared = Some(store.clone());
        }
        limits
    }

    /// Takes one from `key`'s allowance under `limit`: `Ok(Err(wait))` when there is none,
    /// `Err` when the shared store cannot be reached.
    pub async fn check(&self, limit: Limit, key: &str) -> Result<Result<(), Duration>, StoreError> {
        let Some(limiter) = self.memory.get(&limit) else { return Ok(Ok(())) };
        match &self.shared {
            None => Ok(limiter.check(&key.to_owned())),
            Some(store) => store.take_rate(&format!("{}:{key}", limit.name()), limiter.interval, limiter.tolerance).await,
        }
    }

    /// Drops idle keys (every minute, from the server's housekeeping task).
    pub async fn shrink(&self) {
        for limiter in self.memory.values() {
            limiter.shrink();
        }
        if let Some(store) = &self.shared {
            if let Err(e) = store.prune_rates().await {
                tracing::warn!(error = %e, "could not prune the shared rate limits");
            }
        }
    }
}

/// The whole seconds to put in `Retry-After` for a wait (at least one).
pub fn retry_after_secs(wait: Duration) -> u64 {
    (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cell_rate_allows_a_burst_then_spaces_requests_out() {
        let t0 = Instant::now();
        let s = Duration::from_secs;
        // 3 per 30 s: a cell every 10 s, a burst of 3.
        let (interval, tolerance) = (s(10), s(20));
        let mut tat = None;
        for _ in 0..3 {
            tat = Some(gcra(tat, t0, interval, tolerance).unwrap());
        }
        assert_eq!(gcra(tat, t0, interval, tolerance), Err(s(10)), "the fourth waits one interval");
        assert_eq!(gcra(tat, t0 + s(5), interval, tolerance), Err(s(5)));
        let after = gcra(tat, t0 + s(10), interval, tolerance).unwrap();
        assert_eq!(after, t0 + s(40));
        assert_eq!(gcra(None, t0, interval, tolerance), Ok(t0 + s(10)), "a new key starts with a full allowance");
        assert_eq!(gcra(Some(t0 - s(100)), t0, interval, tolerance), Ok(t0 + s(10)), "a long idle key too");
    }

    #[test]
    fn the_names_in_shared_tables_stay() {
        let names: Vec<&str> = Limit::VARIANTS.iter().map(|l| l.name()).collect();
        let kept = ["otp_phone", "otp_ip", "track_ip", "staff_login", "staff_login_ip", "scan_ip", "open311_key", "open311_read_ip", "inbound_sender"];
        assert_eq!(names, kept);
    }

    #[test]
    fn an_hourly_quota_refuses_with_the_time_to_wait() {
        let l = Limits::new(|limit| match limit {
            Limit::OtpPhone => (3, Duration::from_secs(3600)),
            _ => (100, Duration::from_secs(60)),
        });
        let key = "+989121234567";
        let check = |k: &str| futures::executor::block_on(l.check(Limit::OtpPhone, k)).unwrap();
        for _ in 0..3 {
            assert!(check(key).is_ok());
        }
        let wait = check(key).unwrap_err();
        assert!(wait > Duration::from_secs(60 * 19) && wait <= Duration::from_secs(20 * 60), "{wait:?}");
        assert!(check("+989121234568").is_ok());
        assert_eq!(retry_after_secs(Duration::from_millis(1500)), 2);
        assert_eq!(retry_after_secs(Duration::ZERO), 1);
    }

    #[test]
    fn memory_stays_bounded_whatever_the_keys() {
        let limiter: Limiter<String> = Limiter::new(10, Duration::from_secs(900), 1000);
        for i in 0..20_000 {
            let _ = limiter.check(&format!("user-{i}"));
        }
        assert_eq!(limiter.len(), 1000, "never more than the bound");
        // A key it holds is still counted down; a new one waits for room.
        let held = "user-0".to_string();
        let refusals = (0..20).filter(|_| limiter.check(&held).is_err()).count();
        assert_eq!(refusals, 11, "10 in the burst, one used above");
        assert_eq!(limiter.check(&"newcomer".to_string()), Err(FULL_WAIT));
        // Keys back to a full allowance are forgotten.
        let quick: Limiter<u32> = Limiter::new(1000, Duration::from_millis(10), 10);
        for i in 0..10 {
            quick.check(&i).unwrap();
        }
        std::thread::sleep(Duration::from_millis(20));
        quick.shrink();
        assert!(quick.is_empty());
    }
}
