//! The guild registry (businesses and their search keys) and the server's settings.

use async_trait::async_trait;
use rusqlite::{params, Connection, OptionalExtension};
use samat_core::model::api::LicenceStatus;
use samat_core::model::text::search_key;
use time::OffsetDateTime;

use super::db::backend;
use super::rows::{business_by_id, business_row, ms, BUSINESS_COLUMNS};
use super::SqliteStore;
use crate::store::{BusinessFields, BusinessKeys, BusinessRecord, RegistryStore, StoreResult, Upserted};

/// Inserts `b`, or updates the stored row with the fields `fields` carries; an update that
/// changes nothing writes nothing (so `updated_at` tells when the data last changed).
fn upsert_business(conn: &Connection, b: BusinessRecord, fields: BusinessFields, now: i64) -> rusqlite::Result<Upserted> {
    let (b, outcome) = match business_by_id(conn, &b.guild_id)? {
        None => (b, Upserted::Inserted),
        Some(old) => {
            let merged = fields.merge(b, &old);
            if merged == old {
                return Ok(Upserted::Unchanged);
            }
            (merged, Upserted::Updated)
        }
    };
    let keys = BusinessKeys::of(&b.name, b.city.as_deref());
    conn.prepare_cached(
        "INSERT INTO businesses (guild_id, name, guild, licence_no, licence_status, province, city, address, search_name, search_city, sort_name, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
         ON CONFLICT (guild_id) DO UPDATE SET name = excluded.name, guild = excluded.guild, licence_no = excluded.licence_no,
         licence_status = excluded.licence_status, province = excluded.province, city = excluded.city, address = excluded.address,
         search_name = excluded.search_name, search_city = excluded.search_city, sort_name = excluded.sort_name, updated_at = excluded.updated_at",
    )?
    .execute(params![
        b.guild_id,
        b.name,
        b.guild,
        b.licence_no,
        b.licence_status.map(LicenceStatus::wire_name),
        b.province,
        b.city,
        b.address,
        keys.name,
        keys.city,
        keys.sort,
        now
    ])?;
    Ok(outcome)
}

#[async_trait]
impl RegistryStore for SqliteStore {
    async fn upsert_business(&self, b: BusinessRecord, at: OffsetDateTime) -> StoreResult<Upserted> {
        self.db.write(move |conn| upsert_business(conn, b, BusinessFields::ALL, ms(at)).map_err(backend)).await
    }

    async fn upsert_businesses(&self, rows: Vec<BusinessRecord>, fields: BusinessFields, at: OffsetDateTime) -> StoreResult<Vec<Upserted>> {
        self.db
            .write(move |conn| {
                let now = ms(at);
                rows.into_iter().map(|b| upsert_business(conn, b, fields, now)).collect::<rusqlite::Result<Vec<_>>>().map_err(backend)
            })
            .await
    }

    async fn business(&self, guild_id: &str) -> StoreResult<Option<BusinessRecord>> {
        let guild_id = guild_id.to_owned();
        self.db.read(move |conn| business_by_id(conn, &guild_id).map_err(backend)).await
    }

    async fn search_businesses(&self, name: Option<String>, city: Option<String>, limit: i64) -> StoreResult<Vec<BusinessRecord>> {
        let name = name.map(|n| search_key(&n)).filter(|k| !k.is_empty());
        let city = city.map(|c| search_key(&c)).filter(|k| !k.is_empty());
        self.db
            .read(move |conn| {
                // Walks the picker index in display order and stops at `limit` matches.
                conn.prepare_cached(&format!(
                    "SELECT {BUSINESS_COLUMNS} FROM businesses INDEXED BY businesses_picker
                     WHERE (?1 IS NULL OR instr(search_name, ?1) > 0) AND (?2 IS NULL OR instr(search_city, ?2) > 0)
                     ORDER BY licence_status IS NOT 'active', sort_name, guild_id LIMIT ?3"
                ))
                .and_then(|mut s| s.query_map(params![name, city, limit], business_row)?.collect())
                .map_err(backend)
            })
            .await
    }

    async fn setting(&self, key: &str) -> StoreResult<Option<Vec<u8>>> {
        let key = key.to_owned();
        self.db
            .read(move |conn| {
                conn.prepare_cached("SELECT value FROM settings WHERE key = ?1").and_then(|mut s| s.query_row([key], |r| r.get(0)).optional()).map_err(backend)
            })
            .await
    }

    async fn setting_or_insert(&self, key: &str, value: Vec<u8>) -> StoreResult<Vec<u8>> {
        let key = key.to_owned();
        self.db
            .write(move |conn| {
                conn.execute("INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO NOTHING", params![key, value]).map_err(backend)?;
                conn.query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| r.get(0)).map_err(backend)
            })
            .await
    }

    async fn ping(&self) -> StoreResult<()> {
        self.db.read(|conn| conn.query_row("SELECT 1", [], |_| Ok(())).map_err(backend)).await
    }
}
