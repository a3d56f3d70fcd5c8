//! The PostgreSQL backend: the national deployment, where several `samat-server` replicas
//! share one database.
//!
//! Every write is one transaction on a pooled connection, committed with PostgreSQL's
//! default `synchronous_commit = on` before the caller hears of it; concurrent writers share
//! WAL flushes, so intake is not bound to one fsync per complaint. What replicas must agree
//! on is decided in the database: a unique `client_id`, row locks on the complaint a change
//! is about, one advisory lock per citizen around what is counted per citizen (daily quotas,
//! the order of their events), outbox rows claimed with `FOR UPDATE SKIP LOCKED` for a lease,
//! rate limits in a shared table. What replicas must hear at once is sent with `NOTIFY`
//! ([`feed`]): a revoked session or a changed staff account in the transaction that caused it,
//! so it is never missed; a new event just after its commit, so that notifying (which
//! PostgreSQL serialises) never holds up the group commits of busy intake.
//!
//! Files by concern as the SQLite backend: [`migrations`], [`rows`], then one file per trait.

pub mod migrations;
pub mod rows;

mod auth;
mod complaints;
mod devices;
mod feed;
mod inbound;
mod open311;
mod outbox;
mod registry;
mod replica;
mod staff;
mod stats;

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use tokio::sync::broadcast;
use tokio_postgres_rustls::MakeRustlsConnect;

use crate::store::{Change, StoreError, StoreResult};

/// Connections per replica unless the URL says `pool_size=N`.
pub const DEFAULT_POOL: usize = 32;
/// How long a request waits for a free connection (or a new one) before it is told the
/// database is unavailable (503, retry).
const POOL_WAIT: Duration = Duration::from_secs(5);

/// The PostgreSQL store.
pub struct PgStore {
    pool: Pool,
    changes: broadcast::Sender<Change>,
    /// This process's number among the replicas (random, positive): whose outbox claims are
    /// whose.
    replica: i32,
    /// The change feed's task; ended with the store, which lets go of the life lock.
    listener: tokio::task::AbortHandle,
}

impl Drop for PgStore {
    fn drop(&mut self) {
        self.listener.abort();
    }
}

/// Splits samat's own options off a database URL (`pool_size`), leaving what libpq-style
/// URLs carry for the driver.
fn split_options(url: &str) -> anyhow::Result<(String, usize)> {
    let Some((base, query)) = url.split_once('?') else { return Ok((url.to_owned(), DEFAULT_POOL)) };
    let mut pool = DEFAULT_POOL;
    let mut rest = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        match pair.split_once('=') {
            Some(("pool_size", n)) => {
                pool = n.parse().ok().filter(|n| (1..=1000).contains(n)).ok_or_else(|| anyhow::anyhow!("pool_size must be 1 to 1000, not {n:?}"))?;
            }
            _ => rest.push(pair),
        }
    }
    Ok((if rest.is_empty() { base.to_owned() } else { format!("{base}?{}", rest.join("&")) }, pool))
}

/// TLS for database connections through rustls: the roots of `PGSSLROOTCERT` (a PEM file, as
/// libpq reads it) when set, else the Mozilla roots. Whether TLS is used follows the URL's
/// `sslmode` (`prefer` by default: TLS when the server offers it).
fn tls() -> anyhow::Result<MakeRustlsConnect> {
    use rustls::pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore::empty();
    match std::env::var_os("PGSSLROOTCERT") {
        Some(path) => {
            for cert in rustls::pki_types::CertificateDer::pem_file_iter(&path).map_err(|e| anyhow::anyhow!("PGSSLROOTCERT {path:?}: {e}"))? {
                roots.add(cert.map_err(|e| anyhow::anyhow!("PGSSLROOTCERT {path:?}: {e}"))?)?;
            }
        }
        None => roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
    }
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(MakeRustlsConnect::new(config))
}

impl PgStore {
    /// Connects to the database a `postgres://` URL names, brings its schema up to date (one
    /// replica at a time) and starts listening for the other replicas' changes.
    pub async fn open(url: &str) -> anyhow::Result<PgStore> {
        let (url, pool_size) = split_options(url)?;
        let config = tokio_postgres::Config::from_str(&url).map_err(|e| anyhow::anyhow!("database URL: {e}"))?;
        let tls = tls()?;
        let manager = Manager::from_config(config.clone(), tls.clone(), ManagerConfig { recycling_method: RecyclingMethod::Fast });
        let pool = Pool::builder(manager)
            .max_size(pool_size)
            .runtime(Runtime::Tokio1)
            .wait_timeout(Some(POOL_WAIT))
            .create_timeout(Some(POOL_WAIT))
            .recycle_timeout(Some(POOL_WAIT))
            .build()?;
        {
            let mut client = pool.get().await.map_err(|e| anyhow::anyhow!("cannot connect to the database: {e}"))?;
            migrations::migrate_to(&mut client, migrations::LATEST).await?;
        }
        let (changes, _) = broadcast::channel(feed::CAPACITY);
        let replica = rand::random::<i32>() & 0x7fff_ffff;
        let (live, mut listening) = tokio::sync::watch::channel(false);
        let listener = feed::listen(config, tls, changes.clone(), replica, live);
        // Claims are only made once this replica's life lock is held, or they would look
        // abandoned to the others.
        tokio::time::timeout(POOL_WAIT, listening.wait_for(|live| *live))
            .await
            .map_err(|_| anyhow::anyhow!("cannot open the change feed's connection to the database"))?
            .map_err(|_| anyhow::anyhow!("the change feed stopped"))?;
        Ok(PgStore { pool, changes, replica, listener })
    }

    /// A pooled connection; `Unavailable` when none can be had in time.
    async fn conn(&self) -> StoreResult<deadpool_postgres::Object> {
        self.pool.get().await.map_err(|e| StoreError::Unavailable(e.to_string()))
    }

    /// The pool, for the migration tool.
    pub fn pool(&self) -> &Pool {
        &self.pool
    }
}

/// Tells every replica (this one too) of a change that has committed, on the connection that
/// committed it (taking a second one could wait on a pool that all such callers hold); see
/// [`feed::announce`]. A failure is logged, not returned: the write it is about stands.
async fn announce(conn: &mut deadpool_postgres::Object, change: Change) {
    let conn: &tokio_postgres::Client = conn;
    if let Err(e) = feed::announce(conn, &change).await {
        tracing::warn!(error = %e, ?change, "could not announce a change to the other replicas");
    }
}

/// Maps a driver error into the store's: a broken rule of uniqueness is a conflict (named by
/// its constraint), a lost connection is `Unavailable` (retry), the rest a backend error.
pub fn pg(e: tokio_postgres::Error) -> StoreError {
    use tokio_postgres::error::SqlState;
    if let Some(db) = e.as_db_error() {
        let code = db.code();
        if *code == SqlState::UNIQUE_VIOLATION || *code == SqlState::FOREIGN_KEY_VIOLATION || *code == SqlState::CHECK_VIOLATION {
            return StoreError::Conflict(db.constraint().unwrap_or("constraint violated").to_owned());
        }
        // The server is shutting down, or in recovery, or out of connections: come back.
        if code.code().starts_with("57") || code.code().starts_with("08") || *code == SqlState::TOO_MANY_CONNECTIONS {
            return StoreError::Unavailable(db.message().to_owned());
        }
        return StoreError::Backend(format!("{}: {}", code.code(), db.message()));
    }
    if e.is_closed() || std::error::Error::source(&e).is_some_and(|s| s.is::<std::io::Error>()) {
        return StoreError::Unavailable(e.to_string());
    }
    StoreError::Backend(e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pool_size_is_ours_and_the_rest_goes_to_the_driver() {
        assert_eq!(split_options("postgres://u@h/db").unwrap(), ("postgres://u@h/db".to_owned(), DEFAULT_POOL));
        assert_eq!(split_options("postgres://u@h/db?pool_size=8").unwrap(), ("postgres://u@h/db".to_owned(), 8));
        assert_eq!(split_options("postgres://u@h/db?sslmode=require&pool_size=4").unwrap(), ("postgres://u@h/db?sslmode=require".to_owned(), 4));
        assert!(split_options("postgres://u@h/db?pool_size=0").is_err());
        assert!(split_options("postgres://u@h/db?pool_size=x").is_err());
    }
}
