//! Background jobs that run on a clock: the statistics rollup, the overdue sweep, outbox
//! pruning, the inbound-SMS sweep and the in-memory housekeeping all share this one loop.

use std::future::Future;
use std::time::Duration;

use tokio::sync::watch;

/// Runs `job` at once and then every `every` until `shutdown` turns true (or its sender is
/// dropped). A run that overruns its period delays the next tick instead of bunching the
/// missed ones; shutdown is noticed between runs, never in the middle of one.
pub async fn every<F, Fut>(every: Duration, mut shutdown: watch::Receiver<bool>, mut job: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = ()>,
{
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = shutdown.changed() => return,
        }
        if *shutdown.borrow() {
            return;
        }
        job().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn runs_at_once_then_again_and_ends_on_shutdown() {
        let (tx, rx) = watch::channel(false);
        let (ran, mut runs) = tokio::sync::mpsc::unbounded_channel();
        let job = tokio::spawn(every(Duration::from_millis(20), rx, move || {
            let ran = ran.clone();
            async move {
                let _ = ran.send(());
            }
        }));
        for _ in 0..2 {
            tokio::time::timeout(Duration::from_secs(10), runs.recv()).await.expect("the job ran").unwrap();
        }
        tx.send(true).unwrap();
        tokio::time::timeout(Duration::from_secs(10), job).await.expect("the loop ended on shutdown").unwrap();
        // The loop has ended: the job (and so the sender it held) is gone.
        while runs.try_recv().is_ok() {}
        assert!(runs.recv().await.is_none());
    }
}
