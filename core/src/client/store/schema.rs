//! The local schema, one upgrade step per version (`PRAGMA user_version`). Each step runs in
//! its own transaction, so a crash mid-upgrade leaves the previous version intact.

use rusqlite::Connection;

use crate::client::error::Result;

/// Upgrade steps; step `i` goes from version `i` to `i + 1`.
pub const STEPS: &[&str] = &[
    // v1: the session and offline drafts with their photos.
    r#"
    CREATE TABLE kv (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE drafts (
        id TEXT PRIMARY KEY,
        body TEXT NOT NULL,
        state TEXT NOT NULL DEFAULT 'editing',
        last_error TEXT,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
    );
    CREATE INDEX drafts_by_update ON drafts(updated_at);
    CREATE TABLE draft_photos (
        id TEXT PRIMARY KEY,
        draft_id TEXT NOT NULL REFERENCES drafts(id) ON DELETE CASCADE,
        file TEXT NOT NULL,
        width INTEGER NOT NULL,
        height INTEGER NOT NULL,
        size INTEGER NOT NULL,
        created_at INTEGER NOT NULL
    );
    CREATE INDEX draft_photos_by_draft ON draft_photos(draft_id, created_at);
    "#,
    // v2: the outbox of work for the server, and what the server told us back.
    r#"
    CREATE TABLE outbox (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        kind TEXT NOT NULL,
        key TEXT NOT NULL UNIQUE,
        draft_id TEXT,
        tracking_code TEXT,
        payload TEXT NOT NULL,
        state TEXT NOT NULL DEFAULT 'queued',
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at INTEGER NOT NULL,
        last_error TEXT,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
    );
    CREATE INDEX outbox_queued ON outbox(state, id);
    CREATE TABLE complaints (
        tracking_code TEXT PRIMARY KEY,
        client_id TEXT,
        stage TEXT NOT NULL,
        category TEXT,
        business_name TEXT,
        detail TEXT,
        etag TEXT,
        last_seq INTEGER NOT NULL DEFAULT 0,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
    );
    CREATE INDEX complaints_by_creation ON complaints(created_at);
    CREATE TABLE events (
        seq INTEGER PRIMARY KEY,
        tracking_code TEXT NOT NULL,
        body TEXT NOT NULL,
        seen INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX events_by_complaint ON events(tracking_code, seq);
    CREATE INDEX events_unseen ON events(seq) WHERE seen = 0;
    "#,
    // v3: what a scan needs offline: the ministry's sticker keys and looked-up businesses.
    r#"
    CREATE TABLE guild_keys (
        key_id TEXT PRIMARY KEY,
        algorithm TEXT NOT NULL,
        public_key TEXT NOT NULL,
        fetched_at INTEGER NOT NULL
    );
    CREATE TABLE businesses (
        guild_id TEXT PRIMARY KEY,
        body TEXT NOT NULL,
        etag TEXT,
        fetched_at INTEGER NOT NULL
    );
    "#,
    // v4: an event is reported (returned to the app as new, or shown from a push) once, apart
    // from the `seen` flag the app clears; queued work belongs to the account that queued it.
    r#"
    ALTER TABLE events ADD COLUMN notified INTEGER NOT NULL DEFAULT 0;
    UPDATE events SET notified = seen;
    ALTER TABLE outbox ADD COLUMN phone TEXT;
    "#,
    // v5: the photos of filed complaints, kept on the phone for the complaint's page: those
    // queued for upload, uploaded, and copies fetched from the server.
    r#"
    CREATE TABLE complaint_photos (
        photo_id TEXT PRIMARY KEY,
        tracking_code TEXT NOT NULL,
        file TEXT NOT NULL,
        width INTEGER NOT NULL,
        height INTEGER NOT NULL,
        size INTEGER NOT NULL,
        uploaded INTEGER NOT NULL DEFAULT 0,
        created_at INTEGER NOT NULL
    );
    CREATE INDEX complaint_photos_by_complaint ON complaint_photos(tracking_code, created_at);
    "#,
];

/// The version this build writes.
pub const LATEST: i64 = STEPS.len() as i64;

/// Upgrades to [`LATEST`]; refuses a database written by a newer app.
pub fn migrate(conn: &mut Connection) -> Result<i64> {
    migrate_to(conn, LATEST)
}

/// Upgrades to `target`.
pub fn migrate_to(conn: &mut Connection, target: i64) -> Result<i64> {
    crate::schema::migrate_to(conn, STEPS, target).map_err(|e| match e {
        crate::schema::MigrateError::Sqlite(e) => e.into(),
        newer => crate::client::error::ClientError::Storage { detail: newer.to_string() }.into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upgrading_from_version_one_keeps_drafts() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.db");
        {
            let mut conn = Connection::open(&path).unwrap();
            migrate_to(&mut conn, 1).unwrap();
            conn.execute("INSERT INTO drafts (id, body, created_at, updated_at) VALUES ('d1', '{}', 1, 1)", []).unwrap();
        }
        let mut conn = Connection::open(&path).unwrap();
        assert_eq!(migrate(&mut conn).unwrap(), LATEST);
        let n: i64 = conn.query_row("SELECT count(*) FROM drafts", [], |r| r.get(0)).unwrap();
        assert_eq!(n, 1);
        conn.execute("INSERT INTO outbox (kind, key, payload, next_attempt_at, created_at, updated_at) VALUES ('complaint', 'k', '{}', 0, 0, 0)", []).unwrap();
        assert_eq!(migrate(&mut conn).unwrap(), LATEST, "idempotent");
    }

    #[test]
    fn a_newer_database_is_refused() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "user_version", LATEST + 1).unwrap();
        assert!(migrate(&mut conn).is_err());
    }
}
