//! Following a citizen's complaints: a foreign listener, and a task on the crate's runtime
//! that long-polls the server and hands it each batch of new events. uniffi cannot cancel a
//! future from Kotlin or Swift, so the task is owned by a [`SubscriptionHandle`] whose
//! `cancel()` — or its destruction — stops it.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use samat_core::Client;
use tokio::runtime::Handle;
use tokio::task::AbortHandle;

use crate::error::SamatError;
use crate::records::{all, ComplaintEvent, Connection};

/// How long one long-poll waits on the server.
const POLL_SECONDS: u64 = 30;
/// An empty answer sooner than this means the server did not wait: pause before asking again.
const MIN_EMPTY_POLL: Duration = Duration::from_secs(1);

/// Implemented by the app (Kotlin, Swift) to hear about its complaints. Called on a
/// background thread, one call at a time; keep it short (post to the UI thread).
#[uniffi::export(foreign)]
pub trait ComplaintUpdatesListener: Send + Sync {
    /// New events, oldest first: every event not yet marked seen, each delivered once per
    /// subscription — also those a `sync()` or a push brought in meanwhile.
    fn on_events(&self, events: Vec<ComplaintEvent>);
    /// Polling failed (`Offline`, `Unauthorized`, ...); it goes on with backoff. Called once
    /// per kind of failure in a row, not on every retry.
    fn on_error(&self, error: SamatError);
    /// The server became reachable (`Online`) or stopped being so (`Offline`): what the
    /// app's offline indicator shows. Called on each change, first when it is known.
    fn on_connection(&self, connection: Connection);
}

/// A running subscription. `cancel()` stops it; so does destroying the handle.
#[derive(uniffi::Object)]
pub struct SubscriptionHandle {
    task: AbortHandle,
    /// Checked right before each call into the listener, so none starts after `cancel()`.
    cancelled: Arc<AtomicBool>,
}

#[uniffi::export]
impl SubscriptionHandle {
    /// Stops the subscription; the listener is called no more after the call in progress.
    pub fn cancel(&self) {
        self.cancelled.store(true, Ordering::SeqCst);
        self.task.abort();
    }

    /// Whether it is still running.
    pub fn is_active(&self) -> bool {
        !self.cancelled.load(Ordering::SeqCst) && !self.task.is_finished()
    }
}

impl Drop for SubscriptionHandle {
    fn drop(&mut self) {
        self.cancel();
    }
}

/// Spawns the polling task on `runtime`.
pub(crate) fn subscribe(runtime: &Handle, client: Client, listener: Arc<dyn ComplaintUpdatesListener>) -> SubscriptionHandle {
    let cancelled = Arc::new(AtomicBool::new(false));
    let task = runtime.spawn(poll_forever(client, listener, cancelled.clone()));
    SubscriptionHandle { task: task.abort_handle(), cancelled }
}

async fn poll_forever(client: Client, listener: Arc<dyn ComplaintUpdatesListener>, cancelled: Arc<AtomicBool>) {
    let mut failures = 0u32;
    let mut last_error: Option<String> = None;
    // The unseen events already handed to this listener: whichever call pulled an event (this
    // poll, an app's `sync()`, a push, a refresh), the listener hears of it once while it is
    // unseen. A set, not a high-water mark: sequence numbers are the server's, and events can
    // arrive out of order (a refresh) or lower than before (another citizen logged in).
    let mut delivered: HashSet<i64> = HashSet::new();
    // What is stored unseen already is delivered at once, before the first long poll.
    let mut first = true;
    // What the listener was last told about reaching the server.
    let mut connection = samat_core::client::Connection::Unknown;
    loop {
        let started = Instant::now();
        let polled = if std::mem::take(&mut first) {
            // A quick look first, so the listener's first word on the connection is today's,
            // not what the last call (maybe long ago) found.
            let _ = client.ping().await;
            tell_connection(&client, &listener, &cancelled, &mut connection).await;
            Ok(())
        } else {
            if connection == samat_core::client::Connection::Offline {
                // Back online is told as soon as the server answers, not after a long poll.
                let _ = client.ping().await;
                tell_connection(&client, &listener, &cancelled, &mut connection).await;
            }
            client.wait_for_updates(POLL_SECONDS).await.map(drop)
        };
        let unseen = match polled {
            Ok(()) => client.unseen_events().await,
            Err(e) => Err(e),
        };
        tell_connection(&client, &listener, &cancelled, &mut connection).await;
        match unseen {
            Ok(unseen) => {
                failures = 0;
                last_error = None;
                let fresh: Vec<_> = unseen.iter().filter(|e| !delivered.contains(&e.event.seq)).cloned().collect();
                // Everything unseen now has been delivered (before, or in this call); what the
                // app marked seen leaves the set.
                delivered = unseen.iter().map(|e| e.event.seq).collect();
                if fresh.is_empty() {
                    if started.elapsed() < MIN_EMPTY_POLL {
                        tokio::time::sleep(MIN_EMPTY_POLL).await;
                    }
                    continue;
                }
                let events: Vec<ComplaintEvent> = all(fresh);
                let l = listener.clone();
                let stop = cancelled.clone();
                deliver(move || {
                    if !stop.load(Ordering::SeqCst) {
                        l.on_events(events)
                    }
                })
                .await;
            }
            Err(e) => {
                let error = SamatError::from(e);
                failures = failures.saturating_add(1);
                let delay = retry_delay(failures, &error);
                let code = error.code();
                if last_error.as_deref() != Some(code.as_str()) {
                    let l = listener.clone();
                    let stop = cancelled.clone();
                    deliver(move || {
                        if !stop.load(Ordering::SeqCst) {
                            l.on_error(error)
                        }
                    })
                    .await;
                }
                last_error = Some(code);
                tokio::time::sleep(delay).await;
            }
        }
    }
}

/// Tells the listener whether the server can be reached, when that changed since `told`.
async fn tell_connection(
    client: &Client,
    listener: &Arc<dyn ComplaintUpdatesListener>,
    cancelled: &Arc<AtomicBool>,
    told: &mut samat_core::client::Connection,
) {
    let now = client.connection();
    if now == *told || now == samat_core::client::Connection::Unknown {
        return;
    }
    *told = now;
    let l = listener.clone();
    let stop = cancelled.clone();
    deliver(move || {
        if !stop.load(Ordering::SeqCst) {
            l.on_connection(now)
        }
    })
    .await;
}

/// Calls the foreign listener off the runtime's threads (foreign code may block, or call back
/// into the library), and survives it throwing: uniffi turns an exception in a callback into
/// a panic, which stays inside the blocking task.
async fn deliver(call: impl FnOnce() + Send + 'static) {
    if tokio::task::spawn_blocking(call).await.is_err() {
        tracing::warn!("the updates listener failed; polling goes on");
    }
}

/// How long to wait before polling again after `failures` failures in a row, the last being
/// `error`: doubling from 1 s to a minute while offline or the server fails; a steady 5 s
/// while logged out (that check is local, so the first poll after a login is prompt).
pub(crate) fn retry_delay(failures: u32, error: &SamatError) -> Duration {
    match error {
        SamatError::Unauthorized => Duration::from_secs(5),
        _ => Duration::from_secs(1u64 << failures.saturating_sub(1).min(6)).min(Duration::from_secs(60)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[derive(Default)]
    struct Recorder {
        errors: Mutex<Vec<String>>,
        events: Mutex<Vec<i64>>,
        connections: Mutex<Vec<Connection>>,
    }

    impl ComplaintUpdatesListener for Recorder {
        fn on_events(&self, events: Vec<ComplaintEvent>) {
            self.events.lock().unwrap().extend(events.iter().map(|e| e.seq));
        }
        fn on_error(&self, error: SamatError) {
            self.errors.lock().unwrap().push(error.code());
        }
        fn on_connection(&self, connection: Connection) {
            self.connections.lock().unwrap().push(connection);
        }
    }

    async fn wait_until(mut done: impl FnMut() -> bool) {
        for _ in 0..500 {
            if done() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("timed out");
    }

    #[tokio::test]
    async fn dropping_the_handle_stops_polling_and_releases_the_listener() {
        let dir = tempfile::tempdir().unwrap();
        let client = Client::open(dir.path(), "http://127.0.0.1:9").await.unwrap();
        let recorder = Arc::new(Recorder::default());
        let listener: Arc<dyn ComplaintUpdatesListener> = recorder.clone();
        let handle = subscribe(&Handle::current(), client, listener);
        // Logged out: told once, then a quiet retry every few seconds.
        wait_until(|| !recorder.errors.lock().unwrap().is_empty()).await;
        assert_eq!(*recorder.errors.lock().unwrap(), vec!["unauthorized".to_owned()]);
        assert!(handle.is_active());
        drop(handle);
        // The task let go of its listener: nothing will call it again.
        wait_until(|| Arc::strong_count(&recorder) == 1).await;
    }

    #[tokio::test]
    async fn events_already_stored_unseen_are_heard_at_once_even_offline() {
        let dir = tempfile::tempdir().unwrap();
        let client = Client::open(dir.path(), "http://127.0.0.1:9").await.unwrap();
        // Two unseen events a push left while the app was closed, and one the app has seen.
        {
            let conn = rusqlite::Connection::open(dir.path().join("samat.db")).unwrap();
            for (seq, seen) in [(7, 0), (3, 0), (5, 1)] {
                let body = serde_json::json!({"seq": seq, "kind": "stage", "stage": "expert_review", "actor": "expert", "at": "2026-11-29T08:00:00Z"});
                conn.execute(
                    "INSERT INTO events (seq, tracking_code, body, seen) VALUES (?1, '5973453081', ?2, ?3)",
                    rusqlite::params![seq, body.to_string(), seen],
                )
                .unwrap();
            }
        }
        let recorder = Arc::new(Recorder::default());
        let handle = subscribe(&Handle::current(), client, recorder.clone());
        wait_until(|| recorder.events.lock().unwrap().len() == 2).await;
        assert_eq!(*recorder.events.lock().unwrap(), vec![3, 7], "oldest first, the seen one left out");
        // Offline and logged out, it goes on polling and never repeats them.
        wait_until(|| !recorder.errors.lock().unwrap().is_empty()).await;
        assert_eq!(recorder.events.lock().unwrap().len(), 2);
        handle.cancel();
    }

    #[tokio::test]
    async fn the_listener_hears_when_the_server_cannot_be_reached() {
        let dir = tempfile::tempdir().unwrap();
        let client = Client::open(dir.path(), "http://127.0.0.1:9").await.unwrap();
        {
            let conn = rusqlite::Connection::open(dir.path().join("samat.db")).unwrap();
            conn.execute("INSERT INTO kv (key, value) VALUES ('session.token', 't'), ('session.phone', '+989121110001')", []).unwrap();
        }
        let recorder = Arc::new(Recorder::default());
        let handle = subscribe(&Handle::current(), client.clone(), recorder.clone());
        // Told at once (a quick look before the first poll), then the poll's error.
        wait_until(|| !recorder.connections.lock().unwrap().is_empty() && !recorder.errors.lock().unwrap().is_empty()).await;
        assert_eq!(*recorder.connections.lock().unwrap(), vec![Connection::Offline]);
        assert_eq!(*recorder.errors.lock().unwrap(), vec!["offline".to_owned()]);
        assert_eq!(client.connection(), Connection::Offline);
        handle.cancel();
    }

    #[tokio::test]
    async fn cancel_stops_the_task() {
        let dir = tempfile::tempdir().unwrap();
        let client = Client::open(dir.path(), "http://127.0.0.1:9").await.unwrap();
        let handle = subscribe(&Handle::current(), client, Arc::new(Recorder::default()));
        handle.cancel();
        wait_until(|| !handle.is_active()).await;
    }

    #[test]
    fn backoff_doubles_to_a_minute_and_logged_out_polls_steadily() {
        let offline = SamatError::Offline { detail: String::new() };
        let table = [(1, 1), (2, 2), (3, 4), (4, 8), (5, 16), (6, 32), (7, 60), (8, 60), (1000, 60)];
        for (failures, secs) in table {
            assert_eq!(retry_delay(failures, &offline), Duration::from_secs(secs), "{failures}");
        }
        for failures in [1, 10, u32::MAX] {
            assert_eq!(retry_delay(failures, &SamatError::Unauthorized), Duration::from_secs(5));
        }
    }
}
