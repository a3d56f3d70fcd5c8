//! Small settings: the session token, its phone, whether it expired, the sync cursor.

use rusqlite::{params, Connection, OptionalExtension};

use crate::client::error::Result;

/// The session token.
pub const TOKEN: &str = "session.token";
/// The logged-in phone (`+98…`).
pub const PHONE: &str = "session.phone";
/// Set when the server answered 401 to the stored token.
pub const EXPIRED: &str = "session.expired";
/// The sync cursor.
pub const CURSOR: &str = "sync.cursor";
/// When the sticker-signing keys were last fetched (Unix seconds).
pub const KEYS_FETCHED: &str = "guild.keys_fetched";
/// A token logged out of while offline, still to be revoked on the server (which then stops
/// pushing to this device).
pub const REVOKE_PENDING: &str = "session.revoke_pending";
/// The id of this device's registered push target.
pub const PUSH_DEVICE: &str = "push.device";

/// Reads a value.
pub fn get(conn: &Connection, key: &str) -> Result<Option<String>> {
    Ok(conn.prepare_cached("SELECT value FROM kv WHERE key = ?1")?.query_row([key], |r| r.get(0)).optional()?)
}

/// Writes a value.
pub fn set(conn: &Connection, key: &str, value: &str) -> Result<()> {
    conn.prepare_cached("INSERT INTO kv (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value")?.execute(params![key, value])?;
    Ok(())
}

/// Removes a value.
pub fn remove(conn: &Connection, key: &str) -> Result<()> {
    conn.prepare_cached("DELETE FROM kv WHERE key = ?1")?.execute([key])?;
    Ok(())
}

/// The sync cursor (0 before the first sync).
pub fn cursor(conn: &Connection) -> Result<i64> {
    Ok(get(conn, CURSOR)?.and_then(|v| v.parse().ok()).unwrap_or(0))
}
