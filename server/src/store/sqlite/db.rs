//! Connections: one writer thread that commits concurrent writes together (group commit), and
//! a small pool of readers. WAL lets readers run while the writer commits.
//!
//! The disk here does ~160 fsyncs per second, and every acknowledged complaint must be on disk
//! (`synchronous=FULL`). The writer therefore takes every job queued while the previous commit
//! was syncing, runs each in its own savepoint (one failing job never undoes another), and
//! commits them with a single fsync; each caller hears back only after that commit.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::thread;

use rusqlite::{Connection, OpenFlags};
use tokio::sync::{mpsc, oneshot, Semaphore};

use super::migrations;
use crate::store::{StoreError, StoreResult};

/// Most jobs committed together.
const MAX_BATCH: usize = 512;
/// Reader connections.
const READERS: usize = 4;

type Reply = Box<dyn FnOnce(Result<(), String>) + Send>;
/// A write job; it gets `None` when no transaction could be started and must then fail.
type Job = Box<dyn FnOnce(Option<&Connection>) -> (bool, Reply) + Send>;

/// The database handle: a writer queue and a reader pool.
pub struct Db {
    writer: mpsc::UnboundedSender<Job>,
    readers: Arc<Mutex<Vec<Connection>>>,
    permits: Arc<Semaphore>,
}

fn configure(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.set_prepared_statement_cache_capacity(64);
    Ok(())
}

impl Db {
    /// Opens (creating if needed) and migrates the database at `path` (`:memory:` is refused:
    /// readers and writer must share one file).
    pub fn open(path: &Path) -> anyhow::Result<Db> {
        let mut conn = Connection::open(path)?;
        let mode: String = conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))?;
        anyhow::ensure!(mode.eq_ignore_ascii_case("wal"), "could not switch {path:?} to WAL (got {mode})");
        configure(&conn)?;
        migrations::migrate_to(&mut conn, migrations::LATEST)?;
        migrations::backfill(&mut conn)?;
        // Only this process opens the file: whatever a previous run claimed and did not finish
        // is due again now.
        conn.execute_batch(
            "UPDATE outbox SET claimed_until = NULL WHERE claimed_until IS NOT NULL;
             UPDATE push_outbox SET claimed_until = NULL WHERE claimed_until IS NOT NULL;
             UPDATE inbound_sms SET claimed_until = NULL WHERE claimed_until IS NOT NULL;",
        )?;

        let mut readers = Vec::with_capacity(READERS);
        for _ in 0..READERS {
            let r = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
            r.busy_timeout(std::time::Duration::from_secs(10))?;
            r.set_prepared_statement_cache_capacity(64);
            readers.push(r);
        }

        let (tx, rx) = mpsc::unbounded_channel::<Job>();
        thread::Builder::new().name("samat-sqlite-writer".into()).spawn(move || writer_loop(conn, rx))?;
        Ok(Db { writer: tx, readers: Arc::new(Mutex::new(readers)), permits: Arc::new(Semaphore::new(READERS)) })
    }

    /// Runs `f` inside the next group commit and returns its result once that commit is on disk.
    /// If `f` fails, its own changes are rolled back and the others in the batch still commit.
    pub async fn write<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> StoreResult<T> + Send + 'static,
    {
        let (tx, rx) = oneshot::channel::<StoreResult<T>>();
        let job: Job = Box::new(move |conn| {
            let result = match conn {
                Some(conn) => f(conn),
                None => Err(StoreError::Backend("could not start a transaction".into())),
            };
            let ok = result.is_ok();
            let reply: Reply = Box::new(move |commit| {
                let _ = tx.send(match commit {
                    Ok(()) => result,
                    Err(e) if ok => Err(StoreError::Backend(format!("commit failed: {e}"))),
                    Err(_) => result,
                });
            });
            (ok, reply)
        });
        self.writer.send(job).map_err(|_| StoreError::Backend("the database writer has stopped".into()))?;
        rx.await.map_err(|_| StoreError::Backend("the database writer stopped before answering".into()))?
    }

    /// Runs `f` on a reader connection in the blocking pool.
    pub async fn read<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> StoreResult<T> + Send + 'static,
    {
        let permit = self.permits.clone().acquire_owned().await.map_err(|_| StoreError::Backend("reader pool closed".into()))?;
        let readers = self.readers.clone();
        tokio::task::spawn_blocking(move || {
            let conn = readers.lock().map_err(|_| StoreError::Backend("reader pool poisoned".into()))?.pop();
            let conn = conn.ok_or_else(|| StoreError::Backend("no reader connection".into()))?;
            let result = f(&conn);
            if let Ok(mut pool) = readers.lock() {
                pool.push(conn);
            }
            drop(permit);
            result
        })
        .await
        .map_err(|e| StoreError::Backend(format!("reader task failed: {e}")))?
    }
}

fn writer_loop(conn: Connection, mut rx: mpsc::UnboundedReceiver<Job>) {
    let mut batch: Vec<Job> = Vec::with_capacity(MAX_BATCH);
    while let Some(first) = rx.blocking_recv() {
        batch.push(first);
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let mut replies: Vec<Reply> = Vec::with_capacity(batch.len());
        let begun = conn.execute_batch("BEGIN IMMEDIATE");
        if let Err(e) = begun {
            let msg = e.to_string();
            for job in batch.drain(..) {
                // Never run a job outside a transaction; fail it instead.
                let (_, reply) = job(None);
                reply(Err(msg.clone()));
            }
            continue;
        }
        for job in batch.drain(..) {
            let sp = conn.execute_batch("SAVEPOINT job");
            let (ok, reply) = job(Some(&conn));
            if sp.is_ok() {
                if ok {
                    let _ = conn.execute_batch("RELEASE job");
                } else {
                    let _ = conn.execute_batch("ROLLBACK TO job; RELEASE job");
                }
            }
            replies.push(reply);
        }
        let commit = conn.execute_batch("COMMIT").map_err(|e| e.to_string());
        if commit.is_err() {
            let _ = conn.execute_batch("ROLLBACK");
        }
        for reply in replies {
            reply(commit.clone());
        }
    }
}

/// Maps a rusqlite error into the store's error, turning uniqueness violations into conflicts.
pub fn backend(e: rusqlite::Error) -> StoreError {
    if let rusqlite::Error::SqliteFailure(f, msg) = &e {
        if f.code == rusqlite::ErrorCode::ConstraintViolation {
            return StoreError::Conflict(msg.clone().unwrap_or_else(|| "constraint violated".into()));
        }
    }
    StoreError::Backend(e.to_string())
}
