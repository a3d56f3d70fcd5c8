//! The change feed between replicas: what every replica must hear of at once (an event a
//! citizen's long-poll waits for, a revoked session) goes out as a `NOTIFY` on [`CHANNEL`],
//! which PostgreSQL delivers to every listener when the notifying transaction commits
//! ([`notify`] inside the write, [`announce`] just after it). Each replica keeps one connection listening and republishes what
//! arrives as [`Change`]s; when that connection is lost it reconnects and says
//! [`Change::Resync`], so caches drop what they may have missed.

use std::time::Duration;

use futures::StreamExt;
use serde::{Deserialize, Serialize};
use tokio::sync::{broadcast, mpsc};
use tokio_postgres::AsyncMessage;
use tokio_postgres_rustls::MakeRustlsConnect;

use super::pg;
use super::rows::Cached;
use crate::store::{Change, StoreResult};

/// The notification channel.
pub const CHANNEL: &str = "samat_changes";
/// The first key of the advisory lock each replica holds on its listening connection for
/// as long as it lives (the second is its [`PgStore`](super::PgStore)'s random replica
/// number): other replicas read from `pg_locks` whether the replica that claimed an outbox
/// row still lives.
pub const REPLICA_LOCK_CLASS: i32 = 0x5341_4d54 & 0x7fff_ffff;
/// Changes a slow subscriber may fall behind by before it is told to resync.
pub const CAPACITY: usize = 4096;

/// A change as it travels in a notification's payload.
#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(tag = "k", rename_all = "snake_case")]
enum Wire {
    Event { phone: String, seq: i64, visible: bool },
    Staff,
    Session { hash: String },
    Account { id: i64 },
}

fn encode(change: &Change) -> Option<String> {
    let wire = match change {
        Change::Event { phone, seq, visible } => Wire::Event { phone: phone.clone(), seq: *seq, visible: *visible },
        Change::Staff => Wire::Staff,
        Change::SessionRevoked(hash) => Wire::Session { hash: hex(hash) },
        Change::StaffAccount(id) => Wire::Account { id: *id },
        Change::Resync => return None,
    };
    serde_json::to_string(&wire).ok()
}

fn decode(payload: &str) -> Option<Change> {
    Some(match serde_json::from_str::<Wire>(payload).ok()? {
        Wire::Event { phone, seq, visible } => Change::Event { phone, seq, visible },
        Wire::Staff => Change::Staff,
        Wire::Session { hash } => Change::SessionRevoked(unhex(&hash)?),
        Wire::Account { id } => Change::StaffAccount(id),
    })
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    (0..s.len()).step_by(2).map(|i| s.get(i..i + 2).and_then(|b| u8::from_str_radix(b, 16).ok())).collect()
}

/// Announces `change` to every replica when the current transaction commits. Only for what
/// must never be missed (a revoked session, a changed staff account), which is rare: a
/// transaction that notifies holds PostgreSQL's one notification lock through its commit, so
/// such commits go one at a time. Events use [`announce`] after their commit instead.
pub async fn notify(c: &impl Cached, change: &Change) -> StoreResult<()> {
    if let Some(payload) = encode(change) {
        c.execute_c("SELECT pg_notify($1, $2)", &[&CHANNEL, &payload]).await.map_err(pg)?;
    }
    Ok(())
}

/// Announces `change` to every replica after the write it is about has committed, in a
/// transaction of its own that does not wait for its own flush (`synchronous_commit = off`),
/// so busy intake keeps its group commits. A wake-up lost here (the process dies in between,
/// the database is briefly away) delays a waiting long-poll on another replica until its
/// wait ends and the client asks again; nothing is lost, since the event is in the database.
pub async fn announce(c: &tokio_postgres::Client, change: &Change) -> StoreResult<()> {
    let Some(payload) = encode(change) else { return Ok(()) };
    // One round trip: the simple-query protocol takes the four statements at once (the
    // payload is our own JSON, quoted as a literal).
    c.batch_execute(&format!("BEGIN; SET LOCAL synchronous_commit = off; SELECT pg_notify('{CHANNEL}', '{}'); COMMIT", payload.replace('\'', "''")))
        .await
        .map_err(pg)
}

/// Keeps a connection listening on [`CHANNEL`] for as long as the process runs, forwarding
/// each change to `out`, and holding this replica's life lock (`replica`, see
/// [`REPLICA_LOCK_CLASS`]); reconnects (backing off up to five seconds) when the connection is
/// lost, and sends [`Change::Resync`] each time it is listening again. `live` turns true once
/// the first connection listens and holds the lock. Aborting the task it returns closes the
/// connection (and so frees the lock).
pub fn listen(
    config: tokio_postgres::Config,
    tls: MakeRustlsConnect,
    out: broadcast::Sender<Change>,
    replica: i32,
    live: tokio::sync::watch::Sender<bool>,
) -> tokio::task::AbortHandle {
    tokio::spawn(async move {
        let mut pause = Duration::from_millis(200);
        loop {
            match listen_once(&config, tls.clone(), &out, replica, &live).await {
                Ok(()) => pause = Duration::from_millis(200),
                Err(e) => tracing::warn!(error = %e, "the change feed lost its database connection; reconnecting"),
            }
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(Duration::from_secs(5));
        }
    })
    .abort_handle()
}

async fn listen_once(
    config: &tokio_postgres::Config,
    tls: MakeRustlsConnect,
    out: &broadcast::Sender<Change>,
    replica: i32,
    live: &tokio::sync::watch::Sender<bool>,
) -> anyhow::Result<()> {
    let (client, mut connection) = config.connect(tls).await?;
    let (tx, mut rx) = mpsc::unbounded_channel::<Option<String>>();
    let pump = tokio::spawn(async move {
        let mut messages = futures::stream::poll_fn(move |cx| connection.poll_message(cx));
        while let Some(message) = messages.next().await {
            match message {
                Ok(AsyncMessage::Notification(n)) => {
                    if tx.send(Some(n.payload().to_owned())).is_err() {
                        return;
                    }
                }
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(error = %e, "change feed connection failed");
                    break;
                }
            }
        }
        let _ = tx.send(None);
    });
    // The connection goes with this future, however it ends (an abort included).
    let _pump = AbortOnDrop(pump.abort_handle());
    client.batch_execute(&format!("LISTEN {CHANNEL}")).await?;
    client.execute("SELECT pg_advisory_lock($1, $2)", &[&REPLICA_LOCK_CLASS, &replica]).await?;
    live.send_replace(true);
    // Whatever happened while no one listened here must be read again.
    let _ = out.send(Change::Resync);
    while let Some(Some(payload)) = rx.recv().await {
        match decode(&payload) {
            Some(change) => {
                let _ = out.send(change);
            }
            None => tracing::warn!(payload, "unreadable change notification"),
        }
    }
    drop(client);
    anyhow::bail!("the listening connection closed")
}

/// Aborts a task when dropped.
struct AbortOnDrop(tokio::task::AbortHandle);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_survive_the_trip_through_a_payload() {
        for change in [
            Change::Event { phone: "+989121234567".into(), seq: 42, visible: true },
            Change::Staff,
            Change::SessionRevoked(vec![0, 1, 0xab, 0xff]),
            Change::StaffAccount(7),
        ] {
            let payload = encode(&change).unwrap();
            assert!(payload.len() < 8000, "a notification payload stays under PostgreSQL's limit");
            assert_eq!(decode(&payload), Some(change));
        }
        assert_eq!(encode(&Change::Resync), None, "resync is local, never sent");
        assert_eq!(decode("{\"k\":\"session\",\"hash\":\"zz\"}"), None);
        assert_eq!(decode("not json"), None);
    }
}
