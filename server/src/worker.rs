//! The loop every outbox worker runs: deliver what is due, again at once while full batches
//! keep coming, otherwise sleep until a commit wakes it (or a second passes), until shutdown.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{watch, Notify};

use crate::store::StoreError;

/// Runs `deliver` (which returns how many items were due) until `shutdown` turns true.
pub async fn drain<F, Fut>(name: &'static str, batch: usize, wake: Arc<Notify>, mut shutdown: watch::Receiver<bool>, mut deliver: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<usize, StoreError>>,
{
    loop {
        if *shutdown.borrow() {
            return;
        }
        // Listen before reading the queue, so a commit in between is not missed.
        let notified = wake.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        let more = match deliver().await {
            Ok(n) => n == batch,
            Err(e) => {
                tracing::warn!(error = %e, "{name}: could not read or update the queue");
                false
            }
        };
        if more {
            continue;
        }
        tokio::select! {
            _ = &mut notified => {}
            _ = tokio::time::sleep(Duration::from_secs(1)) => {}
            _ = shutdown.changed() => {}
        }
    }
}
