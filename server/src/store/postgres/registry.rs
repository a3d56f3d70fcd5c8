//! The guild registry (businesses and their search keys) and the server's settings, shared by
//! every replica.

use async_trait::async_trait;
use samat_core::model::api::LicenceStatus;
use samat_core::model::text::search_key;
use time::OffsetDateTime;

use super::rows::{business_by_id, business_row, get, ms, Cached, BUSINESS_COLUMNS};
use super::{pg, PgStore};
use crate::store::{BusinessFields, BusinessKeys, BusinessRecord, RegistryStore, StoreResult, Upserted};

/// Inserts `b`, or updates the stored row with the fields `fields` carries; an update that
/// changes nothing writes nothing (so `updated_at` tells when the data last changed).
async fn upsert_business(c: &impl Cached, b: BusinessRecord, fields: BusinessFields, now: OffsetDateTime) -> StoreResult<Upserted> {
    // Locked (or, for a new one, its key reserved by the insert below): two imports of one
    // business merge one after the other.
    let old = {
        let sql = format!("SELECT {BUSINESS_COLUMNS} FROM businesses WHERE guild_id = $1 FOR UPDATE");
        c.query_opt_c(&sql, &[&b.guild_id]).await.map_err(pg)?.as_ref().map(business_row).transpose()?
    };
    let (b, outcome) = match old {
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
    c.execute_c(
        "INSERT INTO businesses (guild_id, name, guild, licence_no, licence_status, province, city, address, search_name, search_city, sort_name, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
         ON CONFLICT (guild_id) DO UPDATE SET name = excluded.name, guild = excluded.guild, licence_no = excluded.licence_no,
         licence_status = excluded.licence_status, province = excluded.province, city = excluded.city, address = excluded.address,
         search_name = excluded.search_name, search_city = excluded.search_city, sort_name = excluded.sort_name, updated_at = excluded.updated_at",
        &[
            &b.guild_id,
            &b.name,
            &b.guild,
            &b.licence_no,
            &b.licence_status.map(LicenceStatus::wire_name),
            &b.province,
            &b.city,
            &b.address,
            &keys.name,
            &keys.city,
            &keys.sort,
            &now,
        ],
    )
    .await
    .map_err(pg)?;
    Ok(outcome)
}

#[async_trait]
impl RegistryStore for PgStore {
    async fn upsert_business(&self, b: BusinessRecord, at: OffsetDateTime) -> StoreResult<Upserted> {
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await.map_err(pg)?;
        let outcome = upsert_business(&tx, b, BusinessFields::ALL, ms(at)).await?;
        tx.commit().await.map_err(pg)?;
        Ok(outcome)
    }

    async fn upsert_businesses(&self, rows: Vec<BusinessRecord>, fields: BusinessFields, at: OffsetDateTime) -> StoreResult<Vec<Upserted>> {
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await.map_err(pg)?;
        let now = ms(at);
        let mut out = Vec::with_capacity(rows.len());
        for b in rows {
            out.push(upsert_business(&tx, b, fields, now).await?);
        }
        tx.commit().await.map_err(pg)?;
        Ok(out)
    }

    async fn business(&self, guild_id: &str) -> StoreResult<Option<BusinessRecord>> {
        business_by_id(&self.conn().await?, guild_id).await
    }

    async fn search_businesses(&self, name: Option<String>, city: Option<String>, limit: i64) -> StoreResult<Vec<BusinessRecord>> {
        let name = name.map(|n| search_key(&n)).filter(|k| !k.is_empty());
        let city = city.map(|c| search_key(&c)).filter(|k| !k.is_empty());
        let conn = self.conn().await?;
        // Walks the picker index in display order and stops at `limit` matches.
        let sql = format!(
            "SELECT {BUSINESS_COLUMNS} FROM businesses
             WHERE ($1::text IS NULL OR strpos(search_name, $1) > 0) AND ($2::text IS NULL OR strpos(search_city, $2) > 0)
             ORDER BY licence_status IS DISTINCT FROM 'active', sort_name, guild_id LIMIT $3"
        );
        conn.query_c(&sql, &[&name, &city, &limit]).await.map_err(pg)?.iter().map(business_row).collect()
    }

    async fn setting(&self, key: &str) -> StoreResult<Option<Vec<u8>>> {
        let conn = self.conn().await?;
        conn.query_opt_c("SELECT value FROM settings WHERE key = $1", &[&key]).await.map_err(pg)?.map(|r| get(&r, 0)).transpose()
    }

    async fn setting_or_insert(&self, key: &str, value: Vec<u8>) -> StoreResult<Vec<u8>> {
        let conn = self.conn().await?;
        conn.execute_c("INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING", &[&key, &value]).await.map_err(pg)?;
        get(&conn.query_one_c("SELECT value FROM settings WHERE key = $1", &[&key]).await.map_err(pg)?, 0)
    }

    async fn ping(&self) -> StoreResult<()> {
        let conn = self.conn().await?;
        conn.query_one_c("SELECT 1", &[]).await.map_err(pg)?;
        Ok(())
    }
}
