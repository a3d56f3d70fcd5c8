//! The SQLite schema, one upgrade step per version, tracked in `PRAGMA user_version`.
//! Never edit a released step: add a new one.

use rusqlite::Connection;
use samat_core::model::text::search_key;
use samat_core::model::Province;

/// The upgrade steps; step `i` takes the schema from version `i` to `i + 1`.
pub const STEPS: &[&str] = &[
    // v1: accounts, sessions, login codes, registry, complaints, the event log, the SMS outbox.
    r#"
    CREATE TABLE settings (key TEXT PRIMARY KEY, value BLOB NOT NULL);
    CREATE TABLE staff (
        id INTEGER PRIMARY KEY,
        username TEXT NOT NULL UNIQUE,
        password_hash TEXT NOT NULL,
        role TEXT NOT NULL,
        active INTEGER NOT NULL DEFAULT 1,
        created_at INTEGER NOT NULL
    );
    CREATE TABLE sessions (
        token_hash BLOB PRIMARY KEY,
        phone TEXT,
        staff_id INTEGER REFERENCES staff(id),
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        revoked INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE otps (
        phone TEXT PRIMARY KEY,
        code_hash BLOB NOT NULL,
        expires_at INTEGER NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        created_at INTEGER NOT NULL
    );
    CREATE TABLE businesses (
        guild_id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        guild TEXT,
        province TEXT,
        city TEXT,
        address TEXT,
        updated_at INTEGER NOT NULL
    );
    CREATE TABLE complaints (
        id INTEGER PRIMARY KEY,
        tracking_code TEXT NOT NULL UNIQUE,
        client_id TEXT NOT NULL UNIQUE,
        phone TEXT NOT NULL,
        channel TEXT NOT NULL,
        category TEXT NOT NULL,
        description TEXT NOT NULL,
        guild_id TEXT,
        business_known INTEGER,
        business_name TEXT,
        business_address TEXT,
        province TEXT,
        city TEXT,
        incident_date TEXT,
        amount_rials INTEGER,
        wants_compensation INTEGER NOT NULL,
        stage TEXT NOT NULL,
        stage_since INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        version INTEGER NOT NULL DEFAULT 1,
        filed_by_staff INTEGER REFERENCES staff(id)
    );
    CREATE INDEX complaints_by_phone ON complaints(phone, created_at);
    CREATE INDEX complaints_by_stage ON complaints(stage, stage_since);
    CREATE TABLE events (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        complaint_id INTEGER NOT NULL REFERENCES complaints(id),
        phone TEXT NOT NULL,
        kind TEXT NOT NULL,
        from_stage TEXT,
        to_stage TEXT NOT NULL,
        actor TEXT NOT NULL,
        actor_staff_id INTEGER,
        at INTEGER NOT NULL,
        note TEXT,
        internal_note TEXT,
        details TEXT,
        visible INTEGER NOT NULL DEFAULT 1
    );
    CREATE INDEX events_by_phone ON events(phone, seq) WHERE visible = 1;
    CREATE INDEX events_by_complaint ON events(complaint_id, seq);
    CREATE TABLE outbox (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,
        recipient TEXT NOT NULL,
        body TEXT NOT NULL,
        token TEXT,
        status TEXT NOT NULL DEFAULT 'pending',
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at INTEGER NOT NULL,
        last_error TEXT,
        created_at INTEGER NOT NULL,
        sent_at INTEGER
    );
    CREATE INDEX outbox_due ON outbox(next_attempt_at) WHERE status = 'pending';
    "#,
    // v2: complaints about the handling itself (feedback, escalated to supervisors).
    r#"
    CREATE TABLE feedback (
        id INTEGER PRIMARY KEY,
        complaint_id INTEGER NOT NULL REFERENCES complaints(id),
        rating INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
        comment TEXT,
        escalated INTEGER NOT NULL,
        handled INTEGER NOT NULL DEFAULT 0,
        at INTEGER NOT NULL
    );
    CREATE INDEX feedback_by_complaint ON feedback(complaint_id);
    CREATE INDEX feedback_open_escalations ON feedback(at) WHERE escalated = 1 AND handled = 0;
    "#,
    // v3: photos, and idempotency keys for the citizen's actions (a retried decision,
    // withdrawal or feedback returns the first result).
    r#"
    CREATE TABLE photos (
        id INTEGER PRIMARY KEY,
        complaint_id INTEGER NOT NULL REFERENCES complaints(id),
        photo_id TEXT NOT NULL,
        content_type TEXT NOT NULL,
        bytes BLOB NOT NULL,
        sha256 TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        UNIQUE (complaint_id, photo_id)
    );
    ALTER TABLE events ADD COLUMN action_id TEXT;
    CREATE UNIQUE INDEX events_by_action ON events(action_id) WHERE action_id IS NOT NULL;
    ALTER TABLE feedback ADD COLUMN action_id TEXT;
    CREATE UNIQUE INDEX feedback_by_action ON feedback(action_id) WHERE action_id IS NOT NULL;
    "#,
    // v4: the guild registry for barcodes: licence number and status, and the search keys of
    // the app's business picker (name and city folded by `store::search_key`, and a name key
    // that sorts in Persian alphabetical order). Rows from before get their keys from
    // `backfill` when the database is opened.
    r#"
    ALTER TABLE businesses ADD COLUMN licence_no TEXT;
    ALTER TABLE businesses ADD COLUMN licence_status TEXT CHECK (licence_status IN ('active', 'suspended', 'expired'));
    ALTER TABLE businesses ADD COLUMN search_name TEXT;
    ALTER TABLE businesses ADD COLUMN search_city TEXT;
    ALTER TABLE businesses ADD COLUMN sort_name TEXT;
    -- The picker walks this in display order, filtering on the keys it carries, and stops at
    -- the limit: no sort, no table row read for a business that does not match.
    CREATE INDEX businesses_picker ON businesses(licence_status IS NOT 'active', sort_name, guild_id, search_name, search_city);
    "#,
    // v5: push targets and the push outbox. A target (endpoint URL or token) is registered
    // once: registering it from another account moves the row to that account. Each stage
    // change queues one push per device of the complainant, in the SMS's transaction.
    r#"
    CREATE TABLE devices (
        id INTEGER PRIMARY KEY,
        phone TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('unifiedpush', 'fcm', 'apns')),
        target TEXT NOT NULL,
        p256dh BLOB,
        auth BLOB,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        UNIQUE (kind, target)
    );
    CREATE INDEX devices_by_phone ON devices(phone, id);
    CREATE TABLE push_outbox (
        id INTEGER PRIMARY KEY,
        device_id INTEGER NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
        payload TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed', 'skipped')),
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at INTEGER NOT NULL,
        last_error TEXT,
        created_at INTEGER NOT NULL,
        sent_at INTEGER
    );
    CREATE INDEX push_outbox_due ON push_outbox(next_attempt_at) WHERE status = 'pending';
    CREATE INDEX push_outbox_by_device ON push_outbox(device_id);
    "#,
    // v6: a push target belongs to the session that registered it, so logging out stops the
    // pushes (rows from v5 have none and keep going until re-registered or unregistered).
    r#"
    ALTER TABLE devices ADD COLUMN session_hash BLOB;
    CREATE INDEX devices_by_session ON devices(session_hash) WHERE session_hash IS NOT NULL;
    "#,
    // v7: the staff console. Complaints belong to a province (`province_code`, the wire name;
    // the old free-text column keeps the Persian name) and staff accounts to one or none
    // (national); a complaint is handled by one staff member in its stage; the queues search
    // business names and filter cities by their folded keys. Rows from before get their
    // province and keys from `backfill`.
    r#"
    ALTER TABLE complaints ADD COLUMN province_code TEXT;
    ALTER TABLE complaints ADD COLUMN assigned_to INTEGER REFERENCES staff(id);
    ALTER TABLE complaints ADD COLUMN assigned_at INTEGER;
    ALTER TABLE complaints ADD COLUMN search_business TEXT;
    ALTER TABLE complaints ADD COLUMN search_city TEXT;
    ALTER TABLE staff ADD COLUMN display_name TEXT;
    ALTER TABLE staff ADD COLUMN province TEXT;
    CREATE INDEX complaints_queue ON complaints(stage, province_code, stage_since, id);
    -- The queues walk this in display order and filter on what it carries, so a page of
    -- the oldest complaints reads no table row it does not show, whatever the planner knows.
    CREATE INDEX complaints_queue_order ON complaints(stage_since, id, stage, province_code, assigned_to, category, channel, search_city, search_business);
    CREATE INDEX complaints_by_holder ON complaints(assigned_to, stage_since) WHERE assigned_to IS NOT NULL;
    CREATE INDEX complaints_by_guild ON complaints(guild_id) WHERE guild_id IS NOT NULL;
    CREATE INDEX sessions_by_staff ON sessions(staff_id) WHERE staff_id IS NOT NULL;
    -- Every staff read of a complaint's personal data (who, when, what), for supervisors.
    CREATE TABLE audit (
        id INTEGER PRIMARY KEY,
        staff_id INTEGER NOT NULL REFERENCES staff(id),
        complaint_id INTEGER NOT NULL REFERENCES complaints(id),
        what TEXT NOT NULL CHECK (what IN ('view', 'print', 'photo')),
        at INTEGER NOT NULL
    );
    CREATE INDEX audit_by_complaint ON audit(complaint_id, id);
    CREATE INDEX audit_by_staff ON audit(staff_id, id);
    -- Photo sizes, for the per-complaint and per-day allowances.
    ALTER TABLE photos ADD COLUMN size INTEGER NOT NULL DEFAULT 0;
    UPDATE photos SET size = length(bytes);
    INSERT INTO settings (key, value) VALUES ('backfill_v7', X'00') ON CONFLICT (key) DO NOTHING;
    "#,
    // v8: outbox rows are claimed by the worker that sends them, until it records how the
    // attempt ended (see `store::CLAIM_LEASE`); the one process that opens the file releases
    // what a previous run left claimed.
    r#"
    ALTER TABLE outbox ADD COLUMN claimed_until INTEGER;
    ALTER TABLE push_outbox ADD COLUMN claimed_until INTEGER;
    "#,
    // Open311 GeoReport v2: the keys third-party apps file under (only a hash of each is kept),
    // and which key filed a complaint.
    r#"
    CREATE TABLE api_keys (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        key_hash BLOB NOT NULL UNIQUE,
        created_at INTEGER NOT NULL,
        revoked_at INTEGER
    );
    ALTER TABLE complaints ADD COLUMN api_key_id INTEGER REFERENCES api_keys(id);
    CREATE INDEX complaints_by_update ON complaints(updated_at, id);
    -- The public Open311 listing, newest first.
    CREATE INDEX complaints_by_creation ON complaints(created_at, id);
    "#,
    // Inbound SMS (issue 17): every text to the 124 line, once per gateway message id (the
    // UNIQUE key is what makes a redelivered message a no-op), claimed by the process handling
    // it like an outbox row, and kept with how it ended; `triage` rows wait for an operator.
    r#"
    CREATE TABLE inbound_sms (
        id INTEGER PRIMARY KEY,
        message_id TEXT NOT NULL UNIQUE,
        sender TEXT NOT NULL,
        line TEXT NOT NULL,
        body TEXT NOT NULL,
        received_at INTEGER NOT NULL,
        status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'filed', 'answered', 'triage', 'dismissed', 'limited')),
        reason TEXT,
        tracking_code TEXT,
        handled_by INTEGER REFERENCES staff(id),
        claimed_until INTEGER,
        created_at INTEGER NOT NULL,
        handled_at INTEGER
    );
    CREATE INDEX inbound_sms_by_status ON inbound_sms(status, id);
    "#,
    // The public statistics' rollup walks every complaint's stage path (its `created` and
    // `stage` events, in order) from this index alone, without reading the event rows.
    r#"
    CREATE INDEX events_stage_path ON events(complaint_id, seq, to_stage, at) WHERE kind IN ('created', 'stage');
    "#,
    // Stage deadlines in the queues (issue 14): when each complaint's current stage is due,
    // computed by the server from the service standards as the stage is entered (and again at
    // start, when the standards may have changed). The queues walk it soonest first, so the
    // overdue come first on every page, whatever their stages' lengths. Complaints in a final
    // stage have no due time: the index keeps them at its end (SQLite would put NULLs first,
    // and every queue walk would step over all of them first).
    r#"
    ALTER TABLE complaints ADD COLUMN due_at INTEGER;
    DROP INDEX complaints_queue_order;
    CREATE INDEX complaints_queue_order ON complaints(coalesce(due_at, 9223372036854775807), id, stage, province_code, assigned_to, category, channel, search_city, search_business);
    DROP INDEX complaints_queue;
    CREATE INDEX complaints_queue ON complaints(stage, province_code, coalesce(due_at, 9223372036854775807), id);
    "#,
    // The operator's own words when setting a message of the triage list aside (the console
    // asks why), kept beside the message for whoever reads the list later.
    r#"
    ALTER TABLE inbound_sms ADD COLUMN note TEXT;
    "#,
    // Inbound e-mail (issue 17): the same table keeps e-mails (the sender column holds the
    // address), with their subject and raw bytes (the attachments become photos when filed),
    // and finds the complaint a message filed or noted (a reply in its thread).
    r#"
    ALTER TABLE inbound_sms ADD COLUMN channel TEXT NOT NULL DEFAULT 'sms' CHECK (channel IN ('sms', 'email'));
    ALTER TABLE inbound_sms ADD COLUMN subject TEXT;
    ALTER TABLE inbound_sms ADD COLUMN raw BLOB;
    CREATE INDEX inbound_sms_by_code ON inbound_sms(tracking_code) WHERE tracking_code IS NOT NULL;
    "#,
];

/// Fills what the SQL steps cannot compute: the search keys of businesses stored before v4
/// (or written by an older server), computed by the same Rust code that writes new rows.
pub fn backfill(conn: &mut Connection) -> rusqlite::Result<usize> {
    let tx = conn.transaction()?;
    let rows: Vec<(String, String, Option<String>)> = {
        let mut stmt = tx.prepare("SELECT guild_id, name, city FROM businesses WHERE search_name IS NULL OR sort_name IS NULL")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?.collect::<rusqlite::Result<_>>()?;
        rows
    };
    {
        let mut update = tx.prepare("UPDATE businesses SET search_name = ?2, search_city = ?3, sort_name = ?4 WHERE guild_id = ?1")?;
        for (guild_id, name, city) in &rows {
            let keys = crate::store::BusinessKeys::of(name, city.as_deref());
            update.execute(rusqlite::params![guild_id, keys.name, keys.city, keys.sort])?;
        }
    }
    let mut filled = rows.len();
    // v7: provinces and queue keys of complaints filed before (once: the flag is cleared).
    let pending: bool = tx.query_row("SELECT count(*) FROM settings WHERE key = 'backfill_v7' AND value = X'00'", [], |r| r.get::<_, i64>(0))? > 0;
    if pending {
        type Keys = (i64, Option<String>, Option<String>, Option<String>);
        let complaints: Vec<Keys> = {
            let mut stmt = tx.prepare("SELECT id, province, business_name, city FROM complaints")?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?.collect::<rusqlite::Result<_>>()?;
            rows
        };
        let mut update = tx.prepare("UPDATE complaints SET province_code = ?2, search_business = ?3, search_city = ?4 WHERE id = ?1")?;
        for (id, province, name, city) in &complaints {
            let code = province.as_deref().and_then(Province::from_text).map(Province::wire_name);
            update.execute(rusqlite::params![id, code, name.as_deref().map(search_key), city.as_deref().map(search_key)])?;
        }
        drop(update);
        tx.execute("UPDATE settings SET value = X'01' WHERE key = 'backfill_v7'", [])?;
        filled += complaints.len();
    }
    tx.commit()?;
    Ok(filled)
}

/// The schema version this build writes.
pub const LATEST: i64 = STEPS.len() as i64;

/// Brings the database up to `target` (normally [`LATEST`]), one step per transaction.
pub fn migrate_to(conn: &mut Connection, target: i64) -> Result<i64, samat_core::schema::MigrateError> {
    samat_core::schema::migrate_to(conn, STEPS, target)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upgrades_from_version_one_keep_the_data() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.db");
        {
            let mut conn = Connection::open(&path).unwrap();
            assert_eq!(migrate_to(&mut conn, 1).unwrap(), 1);
            conn.execute(
                "INSERT INTO complaints (tracking_code, client_id, phone, channel, category, description, wants_compensation, stage, stage_since, created_at, updated_at)
                 VALUES ('1234567890', 'c1', '+989121234567', 'app', 'fraud', 'd', 0, 'received', 0, 0, 0)",
                [],
            )
            .unwrap();
        }
        let mut conn = Connection::open(&path).unwrap();
        assert_eq!(migrate_to(&mut conn, LATEST).unwrap(), LATEST);
        let n: i64 = conn.query_row("SELECT count(*) FROM complaints", [], |r| r.get(0)).unwrap();
        assert_eq!(n, 1);
        // The v2 table works against v1 rows.
        conn.execute("INSERT INTO feedback (complaint_id, rating, escalated, at) VALUES (1, 5, 0, 0)", []).unwrap();
        // Running again is a no-op.
        assert_eq!(migrate_to(&mut conn, LATEST).unwrap(), LATEST);
    }

    #[test]
    fn businesses_from_before_v4_get_licence_columns_and_search_keys() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate_to(&mut conn, 3).unwrap();
        conn.execute("INSERT INTO businesses (guild_id, name, city, updated_at) VALUES ('10010010011', 'سوپرماركت علي', 'تهران', 0)", []).unwrap();
        migrate_to(&mut conn, LATEST).unwrap();
        assert_eq!(backfill(&mut conn).unwrap(), 1);
        let (search, status): (String, Option<String>) =
            conn.query_row("SELECT search_name, licence_status FROM businesses", [], |r| Ok((r.get(0)?, r.get(1)?))).unwrap();
        assert_eq!(search, search_key("سوپرمارکت علی"));
        assert_eq!(status, None);
        assert_eq!(backfill(&mut conn).unwrap(), 0, "nothing left to fill");
        assert!(conn.execute("UPDATE businesses SET licence_status = 'revoked'", []).is_err(), "unknown statuses are refused");
    }

    #[test]
    fn push_targets_are_unique_and_take_their_queue_along() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "foreign_keys", "ON").unwrap();
        migrate_to(&mut conn, 4).unwrap();
        migrate_to(&mut conn, LATEST).unwrap();
        conn.execute("INSERT INTO devices (phone, kind, target, created_at, updated_at) VALUES ('+989121234567', 'fcm', 'tok', 0, 0)", []).unwrap();
        let dup = conn.execute("INSERT INTO devices (phone, kind, target, created_at, updated_at) VALUES ('+989120000000', 'fcm', 'tok', 0, 0)", []);
        assert!(dup.is_err(), "one row per target: another account moves it");
        assert!(conn.execute("INSERT INTO devices (phone, kind, target, created_at, updated_at) VALUES ('+989120000000', 'gcm', 'x', 0, 0)", []).is_err());
        conn.execute("INSERT INTO push_outbox (device_id, payload, next_attempt_at, created_at) VALUES (1, '{}', 0, 0)", []).unwrap();
        conn.execute("DELETE FROM devices WHERE id = 1", []).unwrap();
        let left: i64 = conn.query_row("SELECT count(*) FROM push_outbox", [], |r| r.get(0)).unwrap();
        assert_eq!(left, 0);
    }

    #[test]
    fn complaints_from_before_open311_keys_were_filed_by_no_key() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "foreign_keys", "ON").unwrap();
        let before_keys = STEPS.iter().position(|step| step.contains("CREATE TABLE api_keys")).unwrap() as i64;
        migrate_to(&mut conn, before_keys).unwrap();
        conn.execute(
            "INSERT INTO complaints (tracking_code, client_id, phone, channel, category, description, wants_compensation, stage, stage_since, created_at, updated_at)
             VALUES ('1234567890', 'c1', '+989121234567', 'app', 'fraud', 'd', 0, 'received', 0, 0, 0)",
            [],
        )
        .unwrap();
        migrate_to(&mut conn, LATEST).unwrap();
        let key: Option<i64> = conn.query_row("SELECT api_key_id FROM complaints", [], |r| r.get(0)).unwrap();
        assert_eq!(key, None);
        conn.execute("INSERT INTO api_keys (name, key_hash, created_at) VALUES ('app', X'01', 0)", []).unwrap();
        assert!(conn.execute("INSERT INTO api_keys (name, key_hash, created_at) VALUES ('again', X'01', 0)", []).is_err(), "one key per hash");
        assert!(conn.execute("UPDATE complaints SET api_key_id = 99", []).is_err(), "only keys that exist");
    }

    #[test]
    fn a_newer_schema_is_refused() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "user_version", LATEST + 1).unwrap();
        assert!(migrate_to(&mut conn, LATEST).is_err());
    }
}
