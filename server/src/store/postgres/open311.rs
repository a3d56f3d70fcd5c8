//! Open311: the API keys third-party apps file under, and the public listing of complaints.

use async_trait::async_trait;
use time::OffsetDateTime;
use tokio_postgres::Row;

use super::complaints::{public_where, refs};
use super::rows::{complaint_row, get, ms, Cached, COMPLAINT_COLUMNS};
use super::{pg, PgStore};
use crate::store::{ApiKeyRecord, ComplaintRecord, Open311Store, PublicFilter, StoreResult};

const KEY_COLUMNS: &str = "id, name, created_at, revoked_at";

fn key_row(r: &Row) -> StoreResult<ApiKeyRecord> {
    Ok(ApiKeyRecord { id: get(r, 0)?, name: get(r, 1)?, created_at: get(r, 2)?, revoked_at: get(r, 3)? })
}

#[async_trait]
impl Open311Store for PgStore {
    async fn add_api_key(&self, name: &str, key_hash: Vec<u8>, at: OffsetDateTime) -> StoreResult<i64> {
        let conn = self.conn().await?;
        let row = conn
            .query_one_c("INSERT INTO api_keys (name, key_hash, created_at) VALUES ($1, $2, $3) RETURNING id", &[&name, &key_hash, &ms(at)])
            .await
            .map_err(pg)?;
        get(&row, 0)
    }

    async fn api_key(&self, key_hash: Vec<u8>) -> StoreResult<Option<ApiKeyRecord>> {
        let conn = self.conn().await?;
        let row = conn.query_opt_c(&format!("SELECT {KEY_COLUMNS} FROM api_keys WHERE key_hash = $1"), &[&key_hash]).await.map_err(pg)?;
        row.as_ref().map(key_row).transpose()
    }

    async fn api_keys(&self) -> StoreResult<Vec<ApiKeyRecord>> {
        let conn = self.conn().await?;
        conn.query_c(&format!("SELECT {KEY_COLUMNS} FROM api_keys ORDER BY id"), &[]).await.map_err(pg)?.iter().map(key_row).collect()
    }

    async fn revoke_api_key(&self, id: i64, at: OffsetDateTime) -> StoreResult<bool> {
        let conn = self.conn().await?;
        let n = conn.execute_c("UPDATE api_keys SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL", &[&id, &ms(at)]).await.map_err(pg)?;
        Ok(n > 0)
    }

    async fn public_complaints(&self, filter: PublicFilter) -> StoreResult<Vec<ComplaintRecord>> {
        let conn = self.conn().await?;
        let (clause, mut args) = public_where(&filter);
        args.push(Box::new(filter.limit));
        let sql = format!("SELECT {COMPLAINT_COLUMNS} FROM complaints c WHERE {clause} ORDER BY c.created_at DESC, c.id DESC LIMIT ${}", args.len());
        conn.query_c(&sql, &refs(&args)).await.map_err(pg)?.iter().map(complaint_row).collect()
    }
}
