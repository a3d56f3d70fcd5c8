//! Open311: the API keys third-party apps file under, and the public listing of complaints.

use async_trait::async_trait;
use rusqlite::{params, OptionalExtension, Row};
use time::OffsetDateTime;

use super::complaints::public_where;
use super::db::backend;
use super::rows::{complaint_row, from_ms, ms, COMPLAINT_COLUMNS};
use super::SqliteStore;
use crate::store::{ApiKeyRecord, ComplaintRecord, Open311Store, PublicFilter, StoreResult};

const KEY_COLUMNS: &str = "id, name, created_at, revoked_at";

fn key_row(r: &Row) -> rusqlite::Result<ApiKeyRecord> {
    Ok(ApiKeyRecord { id: r.get(0)?, name: r.get(1)?, created_at: from_ms(r.get(2)?), revoked_at: r.get::<_, Option<i64>>(3)?.map(from_ms) })
}

#[async_trait]
impl Open311Store for SqliteStore {
    async fn add_api_key(&self, name: &str, key_hash: Vec<u8>, at: OffsetDateTime) -> StoreResult<i64> {
        let name = name.to_owned();
        self.db
            .write(move |conn| {
                conn.execute("INSERT INTO api_keys (name, key_hash, created_at) VALUES (?1, ?2, ?3)", params![name, key_hash, ms(at)]).map_err(backend)?;
                Ok(conn.last_insert_rowid())
            })
            .await
    }

    async fn api_key(&self, key_hash: Vec<u8>) -> StoreResult<Option<ApiKeyRecord>> {
        self.db
            .read(move |conn| {
                conn.prepare_cached(&format!("SELECT {KEY_COLUMNS} FROM api_keys WHERE key_hash = ?1"))
                    .and_then(|mut s| s.query_row([key_hash], key_row).optional())
                    .map_err(backend)
            })
            .await
    }

    async fn api_keys(&self) -> StoreResult<Vec<ApiKeyRecord>> {
        self.db
            .read(move |conn| {
                conn.prepare_cached(&format!("SELECT {KEY_COLUMNS} FROM api_keys ORDER BY id"))
                    .and_then(|mut s| s.query_map([], key_row)?.collect())
                    .map_err(backend)
            })
            .await
    }

    async fn revoke_api_key(&self, id: i64, at: OffsetDateTime) -> StoreResult<bool> {
        self.db
            .write(move |conn| {
                let n = conn.execute("UPDATE api_keys SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL", params![id, ms(at)]).map_err(backend)?;
                Ok(n > 0)
            })
            .await
    }

    async fn public_complaints(&self, filter: PublicFilter) -> StoreResult<Vec<ComplaintRecord>> {
        self.db
            .read(move |conn| {
                let (clause, mut args) = public_where(&filter);
                args.push(rusqlite::types::Value::Integer(filter.limit));
                let sql = format!("SELECT {COMPLAINT_COLUMNS} FROM complaints c WHERE {clause} ORDER BY c.created_at DESC, c.id DESC LIMIT ?{}", args.len());
                conn.prepare_cached(&sql).and_then(|mut s| s.query_map(rusqlite::params_from_iter(args), complaint_row)?.collect()).map_err(backend)
            })
            .await
    }
}
