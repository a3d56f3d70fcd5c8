//! The Samat 124 complaint server.
//!
//! [`router`] builds the whole HTTP API over an [`AppState`], so tests can drive it with
//! `tower::ServiceExt::oneshot`; [`serve`] runs it on a listener together with the SMS and
//! push outbox workers (and the inbound SMS and e-mail readers, when configured) until the shutdown
//! future resolves, then drains in-flight requests.

pub mod actions;
pub mod cli;
pub mod demo;
pub mod error;
pub mod extract;
pub mod forwarded;
pub mod http;
pub mod hub;
pub mod inbound;
pub mod keys;
pub mod limits;
pub mod metrics;
pub mod notice;
pub mod open311;
pub mod openapi;
pub mod overdue;
pub mod passwords;
pub mod periodic;
pub mod push;
pub mod registry;
pub mod routes;
pub mod sessions;
pub mod sms;
pub mod state;
pub mod stats;
pub mod store;
pub mod views;
pub mod web;
pub mod worker;

use std::future::Future;
use std::sync::Arc;

pub use routes::router;
pub use state::{AppState, Settings};

/// Serves the API on `listener` and runs the SMS and push workers until `shutdown` resolves;
/// in-flight requests finish, the workers stop after their current batch.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    sms: Arc<dyn sms::SmsSender>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let pusher = Arc::new(push::Pusher::new(&state.settings.push)?);
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let worker = tokio::spawn(sms::outbox::run(state.store.clone(), sms, state.outbox_wake.clone(), state.metrics.clone(), stop_rx.clone()));
    let push_worker = tokio::spawn(push::outbox::run(state.store.clone(), pusher, state.push_wake.clone(), state.metrics.clone(), stop_rx.clone()));
    let pruner = tokio::spawn(prune_outboxes(state.store.clone(), state.settings.outbox_retention, stop_rx.clone()));
    let sweeper = tokio::spawn(overdue::run(state.clone(), std::time::Duration::from_secs(3600), stop_rx.clone()));
    let inbound_sweeper = tokio::spawn(inbound::sweep(state.clone(), stop_rx.clone()));
    let inbox = state.settings.inbound_poll.clone().map(|options| tokio::spawn(inbound::kavenegar::run(state.clone(), options, stop_rx.clone())));
    let mailbox = state.settings.inbound_imap.clone().map(|options| tokio::spawn(inbound::imap::run(state.clone(), options, stop_rx.clone())));
    let statistician = tokio::spawn(stats::run(state.clone(), state.settings.stats_every, stop_rx.clone()));
    let (limits, hub) = (state.limits.clone(), state.hub.clone());
    // Rate limiters forget idle keys, and the long-poll hub citizens nobody waits for,
    // every minute, whatever else happens.
    let shrinker = tokio::spawn(periodic::every(std::time::Duration::from_secs(60), stop_rx.clone(), move || {
        let (limits, hub) = (limits.clone(), hub.clone());
        async move {
            limits.shrink().await;
            hub.shrink();
        }
    }));
    let feed = state.store.changes().map(|changes| tokio::spawn(follow_changes(changes, state.hub.clone(), state.sessions.clone(), stop_rx.clone())));
    let header_timeout = state.settings.header_timeout;
    let app = router(state);
    let mut stop_for_server = stop_rx;
    let served = http::serve_connections(listener, app, header_timeout, async move {
        tokio::select! {
            _ = shutdown => {}
            _ = stop_for_server.changed() => {}
        }
    })
    .await;
    let _ = stop_tx.send(true);
    let _ = worker.await;
    let _ = push_worker.await;
    let _ = pruner.await;
    let _ = shrinker.await;
    let _ = sweeper.await;
    let _ = inbound_sweeper.await;
    if let Some(inbox) = inbox {
        let _ = inbox.await;
    }
    if let Some(mailbox) = mailbox {
        let _ = mailbox.await;
    }
    let _ = statistician.await;
    if let Some(feed) = feed {
        let _ = feed.await;
    }
    served
}

/// Applies what other processes on the same database committed (see
/// [`store::ReplicaStore::changes`]): their citizens' new events wake this process's
/// long-polls, their revoked sessions leave its session cache, and after a gap in the feed
/// everything cached is read again.
async fn follow_changes(
    mut changes: tokio::sync::broadcast::Receiver<store::Change>,
    hub: Arc<hub::Hub>,
    sessions: Arc<sessions::Sessions>,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) {
    use tokio::sync::broadcast::error::RecvError;
    loop {
        let change = tokio::select! {
            c = changes.recv() => c,
            _ = shutdown.changed() => return,
        };
        match change {
            Ok(store::Change::Event { phone, seq, visible }) => {
                if visible {
                    hub.publish(&phone, seq);
                }
                hub.publish_staff();
            }
            Ok(store::Change::Staff) => hub.publish_staff(),
            Ok(store::Change::SessionRevoked(hash)) => sessions.forget_hash(&hash),
            Ok(store::Change::StaffAccount(id)) => sessions.forget_staff(id),
            Ok(store::Change::Resync) | Err(RecvError::Lagged(_)) => {
                sessions.clear();
                hub.resync();
            }
            Err(RecvError::Closed) => return,
        }
    }
}

/// Hourly, forgets finished SMS and pushes older than `retention` (the tables would otherwise
/// grow by a row per stage change per device forever), until shutdown.
async fn prune_outboxes(store: Arc<dyn store::Store>, retention: std::time::Duration, shutdown: tokio::sync::watch::Receiver<bool>) {
    periodic::every(std::time::Duration::from_secs(3600), shutdown, || async {
        match store.prune_outboxes(time::OffsetDateTime::now_utc() - retention).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(rows = n, "pruned finished SMS and pushes"),
            Err(e) => tracing::warn!(error = %e, "could not prune the outboxes"),
        }
    })
    .await
}
