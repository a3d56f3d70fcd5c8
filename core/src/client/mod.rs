//! The offline client of the "Samat-e Ma" app.
//!
//! A citizen writes a complaint in a shop basement with no signal and closes the app; the
//! complaint must still reach the server exactly once when the phone is back online, and its
//! progress must show up without the user asking. [`Client`] keeps drafts, photos and queued
//! work in a local SQLite database, sends the queue with idempotency keys in [`Client::sync`],
//! and pulls the complaint's events through the server's sync feed.
//!
//! Every public call is async (tokio), the client is `Send + Sync` and cheap to clone, and
//! errors are [`ClientError`].

mod businesses;
mod complaints;
mod drafts;
pub mod error;
pub mod http;
pub mod photos;
pub mod push;
mod queue;
pub mod retry;
pub mod search;
mod session;
/// Reading guild codes from scans (kept under its old path for the apps and the CLI).
#[cfg(feature = "scan")]
pub mod scanning {
    pub use crate::scan::identify::*;
}
pub mod stickers;
pub mod store;
mod sync;
pub mod types;
pub mod updates;

use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use self::drafts::validate_draft;
pub use self::error::ClientError;
use self::error::{Error, Result};
use self::http::Http;
pub use self::session::Session;
#[cfg(feature = "scan")]
pub use self::stickers::scan_error;
use self::store::{drafts as stored_drafts, LocalDb};
pub use self::types::*;
pub use self::updates::{Delivery, Update, Updates};
use crate::model::{PhoneNumber, TrackingCode};

type Public<T> = std::result::Result<T, ClientError>;

struct Inner {
    db: LocalDb,
    http: Http,
    photos_dir: PathBuf,
    /// Serialises sending, so two concurrent `sync()` calls never send the same item twice.
    send_lock: tokio::sync::Mutex<()>,
}

/// The client. Clone it freely: clones share one database and one queue.
///
/// Its calls live beside what they work on: `session` (login, logout), `drafts`, `queue`
/// (submit, the citizen's actions, the outbox), `sync`, `complaints`, `businesses` (the
/// registry), `stickers` (keys and scans), `push`, `updates` (following the complaints).
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

fn parse_code(code: &str) -> Public<TrackingCode> {
    TrackingCode::parse(code).map_err(|e| ClientError::invalid("tracking_code", e.code(), &e.to_string()))
}

fn parse_phone(phone: &str) -> Public<PhoneNumber> {
    PhoneNumber::parse(phone).map_err(|e| ClientError::invalid("phone", e.code(), &e.to_string()))
}

impl Client {
    /// Opens the client's storage in `data_dir` (created if needed) for the server at
    /// `server_url`. Safe after a crash at any point: migrations are transactional and
    /// half-written photo files are swept.
    pub async fn open(data_dir: impl AsRef<Path>, server_url: &str) -> Public<Client> {
        let data_dir = data_dir.as_ref().to_owned();
        let photos_dir = data_dir.join("photos");
        let db = tokio::task::spawn_blocking({
            let data_dir = data_dir.clone();
            let photos_dir = photos_dir.clone();
            move || -> Result<LocalDb> {
                std::fs::create_dir_all(&photos_dir)?;
                let db = LocalDb::open(&data_dir.join("samat.db"))?;
                Ok(db)
            }
        })
        .await
        .map_err(|e| ClientError::Storage { detail: e.to_string() })??;
        let http = Http::new(server_url)?;
        let client = Client { inner: Arc::new(Inner { db, http, photos_dir, send_lock: tokio::sync::Mutex::new(()) }) };
        client.sweep_photos().await?;
        Ok(client)
    }

    async fn sweep_photos(&self) -> Result<()> {
        let dir = self.inner.photos_dir.clone();
        let referenced = self.inner.db.read(stored_drafts::referenced_files).await?;
        tokio::task::spawn_blocking(move || photos::sweep(&dir, &referenced)).await.map_err(|e| Error::Task(e.to_string()))??;
        Ok(())
    }

    /// The server this client talks to.
    pub fn server_url(&self) -> &str {
        self.inner.http.base_url()
    }

    /// Whether the server answers at all (`GET /healthz`), to tell "offline" from "logged
    /// out" before asking the user to log in.
    pub async fn ping(&self) -> Public<()> {
        Ok(self.inner.http.ping().await?)
    }

    /// Whether the server answered the last request (any call, any answer) or could not be
    /// reached: what an offline indicator shows.
    pub fn connection(&self) -> Connection {
        self.inner.http.connection()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_client_can_be_shared_across_threads() {
        fn assert_send_sync<T: Send + Sync + Clone + 'static>() {}
        assert_send_sync::<Client>();
    }

    #[tokio::test]
    async fn a_corrupt_database_is_a_storage_error_not_a_crash() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("samat.db"), b"this is not a sqlite database, just bytes that pretend").unwrap();
        match Client::open(dir.path(), "http://127.0.0.1:9").await {
            Err(ClientError::Storage { .. }) => {}
            Err(other) => panic!("expected a storage error, got {other:?}"),
            Ok(_) => panic!("a corrupt database must not open"),
        }
    }
}
