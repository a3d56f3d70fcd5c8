//! Local storage: one SQLite file in the app's data folder (WAL, `synchronous=FULL` so a
//! queued complaint survives the app being killed or the phone dying), one writer connection
//! and one reader, used from tokio through the blocking pool. Every query lives in the
//! data-access modules beside this one: [`drafts`], [`outbox`], [`complaints`], [`photos`] (of
//! filed complaints), [`kv`], [`registry`].

pub mod complaints;
pub mod drafts;
pub mod kv;
pub mod outbox;
pub mod photos;
pub mod registry;
pub mod schema;

use std::path::Path;
use std::sync::{Arc, Mutex};

use rusqlite::{Connection, OpenFlags};
use time::OffsetDateTime;

use super::error::{Error, Result};

/// The local database.
#[derive(Clone)]
pub struct LocalDb {
    writer: Arc<Mutex<Connection>>,
    reader: Arc<Mutex<Connection>>,
}

impl LocalDb {
    /// Opens (creating and migrating) the database at `path`.
    pub fn open(path: &Path) -> Result<LocalDb> {
        let mut writer = Connection::open(path)?;
        writer.busy_timeout(std::time::Duration::from_secs(5))?;
        writer.query_row("PRAGMA journal_mode=WAL", [], |_| Ok(()))?;
        writer.pragma_update(None, "synchronous", "FULL")?;
        writer.pragma_update(None, "foreign_keys", "ON")?;
        schema::migrate(&mut writer)?;
        let reader = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
        reader.busy_timeout(std::time::Duration::from_secs(5))?;
        Ok(LocalDb { writer: Arc::new(Mutex::new(writer)), reader: Arc::new(Mutex::new(reader)) })
    }

    /// Runs `f` with the writer connection on the blocking pool.
    pub async fn write<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T> + Send + 'static,
    {
        let conn = self.writer.clone();
        tokio::task::spawn_blocking(move || {
            let mut guard = conn.lock().unwrap_or_else(|e| e.into_inner());
            f(&mut guard)
        })
        .await
        .map_err(|e| Error::Task(e.to_string()))?
    }

    /// Runs `f` with the reader connection on the blocking pool.
    pub async fn read<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T> + Send + 'static,
    {
        let conn = self.reader.clone();
        tokio::task::spawn_blocking(move || {
            let guard = conn.lock().unwrap_or_else(|e| e.into_inner());
            f(&guard)
        })
        .await
        .map_err(|e| Error::Task(e.to_string()))?
    }
}

/// Milliseconds since the epoch, as stored.
pub fn ms(t: OffsetDateTime) -> i64 {
    (t.unix_timestamp_nanos() / 1_000_000) as i64
}

/// The inverse of [`ms`].
pub fn from_ms(v: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(v as i128 * 1_000_000).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// Now, truncated to what is stored.
pub fn now() -> OffsetDateTime {
    from_ms(ms(OffsetDateTime::now_utc()))
}
