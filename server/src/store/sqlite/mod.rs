//! The SQLite backend (the embedded default): WAL, `synchronous=FULL`, one group-committing
//! writer and a pool of readers ([`db`]), schema steps in [`migrations`], the row mapping in
//! [`rows`], and one file per concern of the store.

pub mod db;
pub mod migrations;
pub mod rows;

mod auth;
mod complaints;
mod devices;
mod inbound;
mod open311;
mod outbox;
mod registry;
mod staff;
mod stats;

use std::path::Path;

use self::db::Db;

/// The SQLite store.
pub struct SqliteStore {
    db: Db,
}

impl SqliteStore {
    /// Opens the database file at `path`, creating and migrating it as needed.
    pub async fn open(path: &str) -> anyhow::Result<SqliteStore> {
        let path = path.to_owned();
        let db = tokio::task::spawn_blocking(move || Db::open(Path::new(&path))).await??;
        Ok(SqliteStore { db })
    }

    /// The connections, for the migration tool and tests that read the file directly.
    pub fn db(&self) -> &Db {
        &self.db
    }
}

/// One process opens a SQLite file: nothing to hear from others, limits kept in memory.
impl crate::store::ReplicaStore for SqliteStore {
    fn backend(&self) -> &'static str {
        "sqlite"
    }
}
