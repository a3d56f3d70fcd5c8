//! What a scan needs offline: the ministry's sticker-signing keys and the businesses looked up
//! before, so a shop is identified with no signal.

use rusqlite::{params, Connection, OptionalExtension};

use super::{ms, now};
use crate::client::error::Result;
use crate::model::guild::GuildKey;

/// Replaces the cached keys with what the server publishes now.
pub fn replace_keys(conn: &mut Connection, keys: &[GuildKey]) -> Result<()> {
    let tx = conn.transaction()?;
    tx.execute("DELETE FROM guild_keys", [])?;
    for k in keys {
        tx.execute(
            "INSERT INTO guild_keys (key_id, algorithm, public_key, fetched_at) VALUES (?1, ?2, ?3, ?4)",
            params![k.key_id, k.algorithm, k.public_key, ms(now())],
        )?;
    }
    tx.commit()?;
    Ok(())
}

/// The cached keys.
pub fn keys(conn: &Connection) -> Result<Vec<GuildKey>> {
    Ok(conn
        .prepare_cached("SELECT key_id, algorithm, public_key FROM guild_keys ORDER BY rowid")?
        .query_map([], |r| Ok(GuildKey { key_id: r.get(0)?, algorithm: r.get(1)?, public_key: r.get(2)? }))?
        .collect::<rusqlite::Result<_>>()?)
}

/// Caches a business's JSON body and ETag.
pub fn put_business(conn: &Connection, guild_id: &str, body: &str, etag: Option<&str>) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO businesses (guild_id, body, etag, fetched_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (guild_id) DO UPDATE SET body = excluded.body, etag = excluded.etag, fetched_at = excluded.fetched_at",
    )?
    .execute(params![guild_id, body, etag, ms(now())])?;
    Ok(())
}

/// A cached business: its JSON body and ETag.
pub fn business(conn: &Connection, guild_id: &str) -> Result<Option<(String, Option<String>)>> {
    Ok(conn.prepare_cached("SELECT body, etag FROM businesses WHERE guild_id = ?1")?.query_row([guild_id], |r| Ok((r.get(0)?, r.get(1)?))).optional()?)
}

/// Every cached business's JSON body (for searching offline).
pub fn all_businesses(conn: &Connection) -> Result<Vec<String>> {
    Ok(conn.prepare_cached("SELECT body FROM businesses ORDER BY guild_id")?.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?)
}
