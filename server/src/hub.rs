//! Long-poll waiters. Each citizen with a waiting `GET /v1/sync?wait=` has a `Notify`; a commit
//! that adds an event for them wakes exactly their waiters. The hub also remembers the newest
//! event seq per citizen, so an idle poll ("anything after my cursor?") needs no database read.

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::Notify;

#[derive(Default)]
struct Entry {
    latest: Option<i64>,
    notify: Arc<Notify>,
}

/// The long-poll hub.
#[derive(Default)]
pub struct Hub {
    entries: Mutex<HashMap<String, Entry>>,
    waiting: AtomicI64,
    /// Any change at all, for the staff consoles' live queues.
    staff: Notify,
    staff_changes: AtomicI64,
}

impl Hub {
    /// The `Notify` for `key` and the newest seq known for it, if any.
    pub fn watch(&self, key: &str) -> (Arc<Notify>, Option<i64>) {
        let mut map = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        let e = map.entry(key.to_owned()).or_default();
        (e.notify.clone(), e.latest)
    }

    /// Records the newest seq read from the store (never lowers what a publish recorded).
    pub fn remember(&self, key: &str, seq: i64) {
        let mut map = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        let e = map.entry(key.to_owned()).or_default();
        e.latest = Some(e.latest.map_or(seq, |l| l.max(seq)));
    }

    /// A committed event `seq` for `key`: remember it and wake the waiters.
    pub fn publish(&self, key: &str, seq: i64) {
        let mut map = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        let e = map.entry(key.to_owned()).or_default();
        e.latest = Some(e.latest.map_or(seq, |l| l.max(seq)));
        e.notify.notify_waiters();
    }

    /// Forgets every newest seq it remembered and wakes every waiter, who then read the store
    /// (after changes may have been missed: another replica's, while the feed was down).
    pub fn resync(&self) {
        let mut map = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        for e in map.values_mut() {
            e.latest = None;
            e.notify.notify_waiters();
        }
        drop(map);
        self.publish_staff();
    }

    /// Forgets the citizens nobody is waiting for (their newest seq is read again when they
    /// next poll), so the map holds the citizens polling now, not everyone who ever did.
    pub fn shrink(&self) {
        self.entries.lock().unwrap_or_else(|e| e.into_inner()).retain(|_, e| Arc::strong_count(&e.notify) > 1);
    }

    /// Citizens remembered now.
    pub fn len(&self) -> usize {
        self.entries.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    /// Whether no citizen is remembered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Something changed that staff queues show: wakes every staff console waiting.
    pub fn publish_staff(&self) {
        self.staff_changes.fetch_add(1, Ordering::Relaxed);
        self.staff.notify_waiters();
    }

    /// How many staff-visible changes this process has seen: a console waits for it to move.
    pub fn staff_changes(&self) -> i64 {
        self.staff_changes.load(Ordering::Relaxed)
    }

    /// Waits until a staff-visible change after `seen` (a value of [`Hub::staff_changes`]) or
    /// until `deadline`; returns the count then.
    pub async fn wait_staff(&self, seen: i64, deadline: tokio::time::Instant) -> i64 {
        loop {
            let notified = self.staff.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            let now = self.staff_changes();
            if now != seen {
                return now;
            }
            tokio::select! {
                _ = &mut notified => {}
                _ = tokio::time::sleep_until(deadline) => return self.staff_changes(),
            }
        }
    }

    /// Counts a waiter in (for metrics); the guard counts it out.
    pub fn enter(self: &Arc<Self>) -> WaitGuard {
        self.waiting.fetch_add(1, Ordering::Relaxed);
        WaitGuard(self.clone())
    }

    /// Requests waiting now.
    pub fn waiting(&self) -> i64 {
        self.waiting.load(Ordering::Relaxed)
    }
}

/// Counts one waiting request.
pub struct WaitGuard(Arc<Hub>);

impl Drop for WaitGuard {
    fn drop(&mut self) {
        self.0.waiting.fetch_sub(1, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn publish_wakes_only_that_citizen() {
        let hub = Hub::default();
        let (a, _) = hub.watch("a");
        let (b, _) = hub.watch("b");
        let wa = a.notified();
        let wb = b.notified();
        tokio::pin!(wa, wb);
        wa.as_mut().enable();
        wb.as_mut().enable();
        hub.publish("a", 5);
        tokio::time::timeout(std::time::Duration::from_secs(1), wa).await.unwrap();
        assert!(tokio::time::timeout(std::time::Duration::from_millis(50), wb).await.is_err());
        assert_eq!(hub.watch("a").1, Some(5));
        hub.remember("a", 3);
        assert_eq!(hub.watch("a").1, Some(5));
    }

    #[tokio::test]
    async fn shrinking_keeps_only_citizens_someone_waits_for() {
        let hub = Hub::default();
        hub.publish("idle", 1);
        let (held, _) = hub.watch("waiting");
        hub.shrink();
        assert_eq!(hub.len(), 1);
        assert_eq!(hub.watch("idle").1, None, "read again from the store next time");
        drop(held);
        hub.shrink();
        assert!(hub.is_empty());
    }

    #[tokio::test]
    async fn a_resync_forgets_what_was_known_and_wakes_the_waiters() {
        let hub = Hub::default();
        hub.publish("a", 9);
        let (a, _) = hub.watch("a");
        let woken = a.notified();
        tokio::pin!(woken);
        woken.as_mut().enable();
        hub.resync();
        tokio::time::timeout(std::time::Duration::from_secs(1), woken).await.unwrap();
        assert_eq!(hub.watch("a").1, None);
    }
}
