//! Following a citizen's complaints: a foreign listener, and a task on the crate's runtime
//! that follows the core's updates stream ([`samat_core::client::Updates`]: long polls,
//! each event once, backoff, the connection) and hands each update to the listener. uniffi
//! cannot cancel a future from Kotlin or Swift, so the task is owned by a
//! [`SubscriptionHandle`] whose `cancel()` — or its destruction — stops it.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use samat_core::client::{Delivery, Update, Updates};
use samat_core::Client;
use tokio::runtime::Handle;
use tokio::task::AbortHandle;

use crate::records::{all, ComplaintEvent, Connection};
use crate::SamatError;

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

/// Spawns the listening task on `runtime`.
pub(crate) fn subscribe(runtime: &Handle, client: Client, listener: Arc<dyn ComplaintUpdatesListener>) -> SubscriptionHandle {
    let cancelled = Arc::new(AtomicBool::new(false));
    let task = runtime.spawn(listen(client.updates(Delivery::Unseen), listener, cancelled.clone()));
    SubscriptionHandle { task: task.abort_handle(), cancelled }
}

/// Hands each update to the listener: events when there are any, a failure once per kind in
/// a row, each change of the connection.
async fn listen(mut updates: Updates, listener: Arc<dyn ComplaintUpdatesListener>, cancelled: Arc<AtomicBool>) {
    loop {
        let l = listener.clone();
        let call: Box<dyn FnOnce() + Send> = match updates.next().await {
            Update::Events(events) if events.is_empty() => continue,
            Update::Events(events) => {
                let events: Vec<ComplaintEvent> = all(events);
                Box::new(move || l.on_events(events))
            }
            Update::Connection(connection) => Box::new(move || l.on_connection(connection)),
            Update::Failed { repeated: true, .. } => continue,
            Update::Failed { error, .. } => Box::new(move || l.on_error(error)),
        };
        let stop = cancelled.clone();
        deliver(move || {
            if !stop.load(Ordering::SeqCst) {
                call()
            }
        })
        .await;
    }
}

/// Calls the foreign listener off the runtime's threads (foreign code may block, or call back
/// into the library), and survives it throwing: uniffi turns an exception in a callback into
/// a panic, which stays inside the blocking task.
async fn deliver(call: impl FnOnce() + Send + 'static) {
    if tokio::task::spawn_blocking(call).await.is_err() {
        tracing::warn!("the updates listener failed; polling goes on");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;
    use std::time::Duration;

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
            self.errors.lock().unwrap().push(error.code().to_owned());
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
}
