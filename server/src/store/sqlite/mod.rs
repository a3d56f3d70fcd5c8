//! The SQLite backend (the embedded default): WAL, `synchronous=FULL`, one group-committing
//! writer and a pool of readers ([`db`]), schema steps in [`migrations`].

pub mod db;
pub mod migrations;

use std::path::Path;

use async_trait::async_trait;
use rusqlite::{params, Connection, OptionalExtension, Row};
use samat_core::model::api::{EventKind, LicenceStatus, PushKind, PushMessage};
use samat_core::model::{Actor, Category, Channel, PhoneNumber, Role, Stage, TrackingCode};
use time::OffsetDateTime;
use uuid::Uuid;

use self::db::{backend, Db};
use super::*;

/// The SQLite store.
pub struct SqliteStore {
    db: Db,
}

impl SqliteStore {
    /// Opens the database file at `path`, creating and migrating it as needed.
    pub async fn open(path: &str) -> anyhow::Result<SqliteStore> {
        let path = path.to_owned();
        let db = tokio::task::spawn_blocking(move || Db::open(Path::new(&path))).await??;
        Ok(SqliteStore { db })
    }
}

/// Milliseconds since the epoch, as stored.
fn ms(t: OffsetDateTime) -> i64 {
    (t.unix_timestamp_nanos() / 1_000_000) as i64
}

fn from_ms(v: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(v as i128 * 1_000_000).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

fn bad(col: usize, what: &str) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(col, rusqlite::types::Type::Text, format!("bad {what} in database").into())
}

fn stage_at(r: &Row, i: usize) -> rusqlite::Result<Stage> {
    Stage::from_wire(&r.get::<_, String>(i)?).ok_or_else(|| bad(i, "stage"))
}

fn code_at(r: &Row, i: usize) -> rusqlite::Result<TrackingCode> {
    TrackingCode::parse(&r.get::<_, String>(i)?).map_err(|_| bad(i, "tracking code"))
}

fn phone_at(r: &Row, i: usize) -> rusqlite::Result<PhoneNumber> {
    PhoneNumber::parse(&r.get::<_, String>(i)?).map_err(|_| bad(i, "phone"))
}

const COMPLAINT_COLUMNS: &str = "c.id, c.tracking_code, c.client_id, c.phone, c.channel, c.category, c.description, c.guild_id, \
     c.business_known, c.business_name, c.business_address, c.province, c.city, c.incident_date, c.amount_rials, \
     c.wants_compensation, c.stage, c.stage_since, c.created_at, c.updated_at, c.version";
const COMPLAINT_WIDTH: usize = 21;

fn complaint_row(r: &Row) -> rusqlite::Result<ComplaintRecord> {
    let incident: Option<String> = r.get(13)?;
    Ok(ComplaintRecord {
        id: r.get(0)?,
        tracking_code: code_at(r, 1)?,
        client_id: Uuid::parse_str(&r.get::<_, String>(2)?).map_err(|_| bad(2, "client_id"))?,
        phone: phone_at(r, 3)?,
        channel: Channel::from_wire(&r.get::<_, String>(4)?).ok_or_else(|| bad(4, "channel"))?,
        category: Category::from_wire(&r.get::<_, String>(5)?).ok_or_else(|| bad(5, "category"))?,
        description: r.get(6)?,
        guild_id: r.get(7)?,
        business_known: r.get(8)?,
        business_name: r.get(9)?,
        business_address: r.get(10)?,
        province: r.get(11)?,
        city: r.get(12)?,
        incident_date: match incident {
            None => None,
            Some(s) => Some(samat_core::model::api::parse_date(&s).ok_or_else(|| bad(13, "date"))?),
        },
        amount_rials: r.get(14)?,
        wants_compensation: r.get(15)?,
        stage: stage_at(r, 16)?,
        stage_since: from_ms(r.get(17)?),
        created_at: from_ms(r.get(18)?),
        updated_at: from_ms(r.get(19)?),
        version: r.get(20)?,
    })
}

const EVENT_COLUMNS: &str =
    "e.seq, c.tracking_code, e.kind, e.from_stage, e.to_stage, e.actor, e.actor_staff_id, e.at, e.note, e.internal_note, e.details, e.visible";

fn event_row(r: &Row) -> rusqlite::Result<EventRecord> {
    let kind = match r.get::<_, String>(2)?.as_str() {
        "created" => EventKind::Created,
        "stage" => EventKind::Stage,
        "note" => EventKind::Note,
        _ => return Err(bad(2, "event kind")),
    };
    let from: Option<String> = r.get(3)?;
    let details: Option<String> = r.get(10)?;
    Ok(EventRecord {
        seq: r.get(0)?,
        tracking_code: code_at(r, 1)?,
        kind,
        from_stage: match from {
            None => None,
            Some(s) => Some(Stage::from_wire(&s).ok_or_else(|| bad(3, "stage"))?),
        },
        stage: stage_at(r, 4)?,
        actor: Actor::from_wire(&r.get::<_, String>(5)?).ok_or_else(|| bad(5, "actor"))?,
        actor_staff_id: r.get(6)?,
        at: from_ms(r.get(7)?),
        note: r.get(8)?,
        internal_note: r.get(9)?,
        details: details.and_then(|d| serde_json::from_str(&d).ok()),
        visible: r.get(11)?,
    })
}

fn event_kind_name(k: EventKind) -> &'static str {
    match k {
        EventKind::Created => "created",
        EventKind::Stage => "stage",
        EventKind::Note => "note",
    }
}

fn queue_sms(conn: &Connection, sms: &NewSms, now: i64) -> rusqlite::Result<()> {
    conn.prepare_cached("INSERT INTO outbox (kind, recipient, body, token, next_attempt_at, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?5)")?.execute(params![
        sms.kind.as_str(),
        sms.to.as_str(),
        sms.text,
        sms.token,
        now
    ])?;
    Ok(())
}

/// Queues a push about `message` to every device of `phone`; returns how many.
fn queue_push(conn: &Connection, phone: &str, message: &PushMessage, now: i64) -> rusqlite::Result<usize> {
    let payload = serde_json::to_string(message).map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
    conn.prepare_cached("INSERT INTO push_outbox (device_id, payload, next_attempt_at, created_at) SELECT id, ?2, ?3, ?3 FROM devices WHERE phone = ?1")?
        .execute(params![phone, payload, now])
}

const DEVICE_COLUMNS: &str = "d.id, d.phone, d.kind, d.target, d.p256dh, d.auth, d.created_at, d.updated_at";
const DEVICE_WIDTH: usize = 8;

fn device_row(r: &Row) -> rusqlite::Result<DeviceRecord> {
    let target: String = r.get(3)?;
    let target = match PushKind::from_wire(&r.get::<_, String>(2)?) {
        Some(PushKind::UnifiedPush) => DeviceTarget::UnifiedPush { endpoint: target, p256dh: r.get(4)?, auth: r.get(5)? },
        Some(PushKind::Fcm) => DeviceTarget::Fcm { token: target },
        Some(PushKind::Apns) => DeviceTarget::Apns { token: target },
        None => return Err(bad(2, "device kind")),
    };
    Ok(DeviceRecord { id: r.get(0)?, phone: phone_at(r, 1)?, target, created_at: from_ms(r.get(6)?), updated_at: from_ms(r.get(7)?) })
}

fn device_by_id(conn: &Connection, id: i64) -> rusqlite::Result<Option<DeviceRecord>> {
    conn.prepare_cached(&format!("SELECT {DEVICE_COLUMNS} FROM devices d WHERE d.id = ?1"))?.query_row([id], device_row).optional()
}

fn complaint_by_code(conn: &Connection, code: &str) -> rusqlite::Result<Option<ComplaintRecord>> {
    conn.prepare_cached(&format!("SELECT {COMPLAINT_COLUMNS} FROM complaints c WHERE c.tracking_code = ?1"))?.query_row([code], complaint_row).optional()
}

fn event_by_action(conn: &Connection, action: &str) -> rusqlite::Result<Option<EventRecord>> {
    conn.prepare_cached(&format!("SELECT {EVENT_COLUMNS} FROM events e JOIN complaints c ON c.id = e.complaint_id WHERE e.action_id = ?1"))?
        .query_row([action], event_row)
        .optional()
}

fn feedback_row(r: &Row, offset: usize) -> rusqlite::Result<FeedbackRecord> {
    Ok(FeedbackRecord {
        id: r.get(offset)?,
        tracking_code: code_at(r, offset + 1)?,
        rating: r.get(offset + 2)?,
        comment: r.get(offset + 3)?,
        escalated: r.get(offset + 4)?,
        at: from_ms(r.get(offset + 5)?),
    })
}

const FEEDBACK_COLUMNS: &str = "f.id, c.tracking_code, f.rating, f.comment, f.escalated, f.at";

const BUSINESS_COLUMNS: &str = "guild_id, name, guild, licence_no, licence_status, province, city, address";

fn business_row(r: &Row) -> rusqlite::Result<BusinessRecord> {
    let status: Option<String> = r.get(4)?;
    Ok(BusinessRecord {
        guild_id: r.get(0)?,
        name: r.get(1)?,
        guild: r.get(2)?,
        licence_no: r.get(3)?,
        licence_status: match status {
            None => None,
            Some(s) => Some(LicenceStatus::from_wire(&s).ok_or_else(|| bad(4, "licence status"))?),
        },
        province: r.get(5)?,
        city: r.get(6)?,
        address: r.get(7)?,
    })
}

fn business_by_id(conn: &Connection, guild_id: &str) -> rusqlite::Result<Option<BusinessRecord>> {
    conn.prepare_cached(&format!("SELECT {BUSINESS_COLUMNS} FROM businesses WHERE guild_id = ?1"))?.query_row([guild_id], business_row).optional()
}

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
impl Store for SqliteStore {
    async fn put_otp(&self, phone: &PhoneNumber, code_hash: Vec<u8>, expires_at: OffsetDateTime, sms: NewSms) -> StoreResult<()> {
        let phone = phone.as_str().to_owned();
        self.db
            .write(move |conn| {
                let now = ms(OffsetDateTime::now_utc());
                conn.prepare_cached("INSERT OR REPLACE INTO otps (phone, code_hash, expires_at, attempts, created_at) VALUES (?1, ?2, ?3, 0, ?4)")
                    .and_then(|mut s| s.execute(params![phone, code_hash, ms(expires_at), now]))
                    .map_err(backend)?;
                queue_sms(conn, &sms, now).map_err(backend)
            })
            .await
    }

    async fn check_otp(&self, phone: &PhoneNumber, code_hash: Vec<u8>, now: OffsetDateTime, max_attempts: i64) -> StoreResult<OtpCheck> {
        let phone = phone.as_str().to_owned();
        self.db
            .write(move |conn| {
                let row: Option<(Vec<u8>, i64, i64)> = conn
                    .prepare_cached("SELECT code_hash, expires_at, attempts FROM otps WHERE phone = ?1")
                    .and_then(|mut s| s.query_row([&phone], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).optional())
                    .map_err(backend)?;
                let Some((stored, expires_at, attempts)) = row else { return Ok(OtpCheck::Expired) };
                if expires_at < ms(now) {
                    conn.execute("DELETE FROM otps WHERE phone = ?1", [&phone]).map_err(backend)?;
                    return Ok(OtpCheck::Expired);
                }
                if attempts >= max_attempts {
                    return Ok(OtpCheck::TooManyAttempts);
                }
                if stored == code_hash {
                    conn.execute("DELETE FROM otps WHERE phone = ?1", [&phone]).map_err(backend)?;
                    return Ok(OtpCheck::Valid);
                }
                conn.execute("UPDATE otps SET attempts = attempts + 1 WHERE phone = ?1", [&phone]).map_err(backend)?;
                Ok(OtpCheck::Wrong { remaining: max_attempts - attempts - 1 })
            })
            .await
    }

    async fn create_session(&self, token_hash: Vec<u8>, who: &Principal, expires_at: OffsetDateTime) -> StoreResult<()> {
        let (phone, staff_id) = match who {
            Principal::Citizen { phone } => (Some(phone.as_str().to_owned()), None),
            Principal::Staff { id, .. } => (None, Some(*id)),
        };
        self.db
            .write(move |conn| {
                conn.execute(
                    "INSERT INTO sessions (token_hash, phone, staff_id, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![token_hash, phone, staff_id, ms(OffsetDateTime::now_utc()), ms(expires_at)],
                )
                .map_err(backend)?;
                Ok(())
            })
            .await
    }

    async fn find_session(&self, token_hash: Vec<u8>, now: OffsetDateTime) -> StoreResult<Option<Principal>> {
        self.db
            .read(move |conn| {
                conn.prepare_cached(
                    "SELECT s.phone, st.id, st.username, st.role, st.active FROM sessions s LEFT JOIN staff st ON st.id = s.staff_id
                     WHERE s.token_hash = ?1 AND s.revoked = 0 AND s.expires_at > ?2",
                )
                .and_then(|mut s| {
                    s.query_row(params![token_hash, ms(now)], |r| {
                        let phone: Option<String> = r.get(0)?;
                        if let Some(p) = phone {
                            return Ok(PhoneNumber::parse(&p).ok().map(|phone| Principal::Citizen { phone }));
                        }
                        let id: Option<i64> = r.get(1)?;
                        let active: Option<bool> = r.get(4)?;
                        let role = r.get::<_, Option<String>>(3)?.and_then(|r| Role::from_wire(&r));
                        Ok(match (id, role, active) {
                            (Some(id), Some(role), Some(true)) => Some(Principal::Staff { id, username: r.get(2)?, role }),
                            _ => None,
                        })
                    })
                    .optional()
                })
                .map(Option::flatten)
                .map_err(backend)
            })
            .await
    }

    async fn revoke_session(&self, token_hash: Vec<u8>) -> StoreResult<()> {
        self.db
            .write(move |conn| {
                // One job, so one savepoint: both or neither.
                conn.execute("UPDATE sessions SET revoked = 1 WHERE token_hash = ?1", [&token_hash]).map_err(backend)?;
                // Logged out: this phone hears no more of the account (queued pushes go too).
                conn.execute("DELETE FROM devices WHERE session_hash = ?1", [&token_hash]).map_err(backend)?;
                Ok(())
            })
            .await
    }

    async fn add_staff(&self, username: &str, password_hash: &str, role: Role) -> StoreResult<i64> {
        let (username, password_hash) = (username.to_owned(), password_hash.to_owned());
        self.db
            .write(move |conn| {
                conn.execute(
                    "INSERT INTO staff (username, password_hash, role, created_at) VALUES (?1, ?2, ?3, ?4)",
                    params![username, password_hash, role.wire_name(), ms(OffsetDateTime::now_utc())],
                )
                .map_err(|e| match backend(e) {
                    StoreError::Conflict(_) => StoreError::Conflict(format!("username {username:?} is taken")),
                    other => other,
                })?;
                Ok(conn.last_insert_rowid())
            })
            .await
    }

    async fn find_staff(&self, username: &str) -> StoreResult<Option<StaffRecord>> {
        let username = username.to_owned();
        self.db
            .read(move |conn| {
                conn.prepare_cached("SELECT id, username, password_hash, role, active FROM staff WHERE username = ?1")
                    .and_then(|mut s| {
                        s.query_row([username], |r| {
                            Ok(Role::from_wire(&r.get::<_, String>(3)?).map(|role| StaffRecord {
                                id: r.get(0).unwrap_or_default(),
                                username: r.get(1).unwrap_or_default(),
                                password_hash: r.get(2).unwrap_or_default(),
                                role,
                                active: r.get(4).unwrap_or(false),
                            }))
                        })
                        .optional()
                    })
                    .map(Option::flatten)
                    .map_err(backend)
            })
            .await
    }

    async fn insert_complaint(&self, new: NewComplaintRecord, sms: Box<dyn Fn(TrackingCode) -> NewSms + Send>) -> StoreResult<(ComplaintRecord, Option<i64>)> {
        self.db
            .write(move |conn| {
                let client_id = new.client_id.to_string();
                let existing = conn
                    .prepare_cached(&format!("SELECT {COMPLAINT_COLUMNS} FROM complaints c WHERE c.client_id = ?1"))
                    .and_then(|mut s| s.query_row([&client_id], complaint_row).optional())
                    .map_err(backend)?;
                if let Some(existing) = existing {
                    if existing.phone != new.phone {
                        return Err(StoreError::Conflict("this client_id was used for another citizen's complaint".into()));
                    }
                    return Ok((existing, None));
                }
                let f = &new.fields;
                let business_known = match &f.guild_id {
                    None => None,
                    Some(g) => Some(conn.prepare_cached("SELECT 1 FROM businesses WHERE guild_id = ?1").and_then(|mut s| s.exists([g])).map_err(backend)?),
                };
                let now = ms(new.at);
                let incident = f.incident_date.map(|d| d.to_string());
                let mut rng = rand::thread_rng();
                let mut inserted = None;
                for _ in 0..16 {
                    let code = TrackingCode::generate(&mut rng);
                    let res = conn
                        .prepare_cached(
                            "INSERT INTO complaints (tracking_code, client_id, phone, channel, category, description, guild_id, business_known,
                             business_name, business_address, province, city, incident_date, amount_rials, wants_compensation, stage,
                             stage_since, created_at, updated_at, filed_by_staff)
                             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, 'received', ?16, ?16, ?16, ?17)",
                        )
                        .and_then(|mut s| {
                            s.execute(params![
                                code.as_str(),
                                client_id,
                                new.phone.as_str(),
                                new.channel.wire_name(),
                                f.category.wire_name(),
                                f.description,
                                f.guild_id,
                                business_known,
                                f.business_name,
                                f.business_address,
                                f.province,
                                f.city,
                                incident,
                                f.amount_rials,
                                f.wants_compensation,
                                now,
                                new.filed_by_staff,
                            ])
                        });
                    match res {
                        Ok(_) => {
                            inserted = Some((conn.last_insert_rowid(), code));
                            break;
                        }
                        Err(e) => match backend(e) {
                            // a tracking-code collision: draw another
                            StoreError::Conflict(_) => continue,
                            other => return Err(other),
                        },
                    }
                }
                let (id, code) = inserted.ok_or_else(|| StoreError::Backend("could not draw a free tracking code".into()))?;
                let actor = if new.filed_by_staff.is_some() { "operator" } else { "citizen" };
                conn.prepare_cached(
                    "INSERT INTO events (complaint_id, phone, kind, to_stage, actor, actor_staff_id, at) VALUES (?1, ?2, 'created', 'received', ?3, ?4, ?5)",
                )
                .and_then(|mut s| s.execute(params![id, new.phone.as_str(), actor, new.filed_by_staff, now]))
                .map_err(backend)?;
                let seq = conn.last_insert_rowid();
                queue_sms(conn, &sms(code), now).map_err(backend)?;
                queue_push(conn, new.phone.as_str(), &PushMessage { tracking_code: code, stage: Stage::Received, cursor: seq }, now).map_err(backend)?;
                let record =
                    complaint_by_code(conn, code.as_str()).map_err(backend)?.ok_or_else(|| StoreError::Backend("inserted complaint vanished".into()))?;
                Ok((record, Some(seq)))
            })
            .await
    }

    async fn complaint(&self, code: TrackingCode) -> StoreResult<Option<ComplaintRecord>> {
        self.db.read(move |conn| complaint_by_code(conn, code.as_str()).map_err(backend)).await
    }

    async fn events(&self, complaint_id: i64) -> StoreResult<Vec<EventRecord>> {
        self.db
            .read(move |conn| {
                conn.prepare_cached(&format!(
                    "SELECT {EVENT_COLUMNS} FROM events e JOIN complaints c ON c.id = e.complaint_id WHERE e.complaint_id = ?1 ORDER BY e.seq"
                ))
                .and_then(|mut s| s.query_map([complaint_id], event_row)?.collect())
                .map_err(backend)
            })
            .await
    }

    async fn feedback(&self, complaint_id: i64) -> StoreResult<Vec<FeedbackRecord>> {
        self.db
            .read(move |conn| {
                conn.prepare_cached(&format!(
                    "SELECT {FEEDBACK_COLUMNS} FROM feedback f JOIN complaints c ON c.id = f.complaint_id WHERE f.complaint_id = ?1 ORDER BY f.id"
                ))
                .and_then(|mut s| s.query_map([complaint_id], |r| feedback_row(r, 0))?.collect())
                .map_err(backend)
            })
            .await
    }

    async fn complaints_of(&self, phone: &PhoneNumber) -> StoreResult<Vec<ComplaintRecord>> {
        let phone = phone.as_str().to_owned();
        self.db
            .read(move |conn| {
                conn.prepare_cached(&format!("SELECT {COMPLAINT_COLUMNS} FROM complaints c WHERE c.phone = ?1 ORDER BY c.created_at DESC, c.id DESC"))
                    .and_then(|mut s| s.query_map([phone], complaint_row)?.collect())
                    .map_err(backend)
            })
            .await
    }

    async fn record_change(&self, change: ChangeRecord) -> StoreResult<EventRecord> {
        self.db
            .write(move |conn| {
                if let Some(action) = change.action_id {
                    // Checked again here, in the writer: two requests racing with one key.
                    if let Some(done) = event_by_action(conn, &action.to_string()).map_err(backend)? {
                        if done.tracking_code != change.tracking_code {
                            return Err(StoreError::ActionIdConflict);
                        }
                        return Ok(done);
                    }
                }
                let current = complaint_by_code(conn, change.tracking_code.as_str()).map_err(backend)?;
                let Some(current) = current else { return Err(StoreError::StageChanged) };
                if current.stage != change.expected_stage {
                    return Err(StoreError::StageChanged);
                }
                let now = ms(change.at);
                let stage_change = change.to != current.stage;
                conn.prepare_cached(
                    "UPDATE complaints SET stage = ?1, stage_since = CASE WHEN ?2 THEN ?3 ELSE stage_since END, updated_at = ?3, version = version + 1 WHERE id = ?4",
                )
                .and_then(|mut s| s.execute(params![change.to.wire_name(), stage_change, now, current.id]))
                .map_err(backend)?;
                let details = change.details.as_ref().map(|d| d.to_string());
                conn.prepare_cached(
                    "INSERT INTO events (complaint_id, phone, kind, from_stage, to_stage, actor, actor_staff_id, at, note, internal_note, details, visible, action_id)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
                )
                .and_then(|mut s| {
                    s.execute(params![
                        current.id,
                        current.phone.as_str(),
                        event_kind_name(change.kind),
                        stage_change.then(|| current.stage.wire_name()),
                        change.to.wire_name(),
                        change.actor.wire_name(),
                        change.actor_staff_id,
                        now,
                        change.note,
                        change.internal_note,
                        details,
                        change.visible,
                        change.action_id.map(|a| a.to_string()),
                    ])
                })
                .map_err(backend)?;
                let seq = conn.last_insert_rowid();
                if let Some(sms) = &change.sms {
                    // Whatever the citizen hears of by SMS, their devices hear of by push.
                    queue_sms(conn, sms, now).map_err(backend)?;
                    let message = PushMessage { tracking_code: current.tracking_code, stage: change.to, cursor: seq };
                    queue_push(conn, current.phone.as_str(), &message, now).map_err(backend)?;
                }
                Ok(EventRecord {
                    seq,
                    tracking_code: current.tracking_code,
                    kind: change.kind,
                    from_stage: stage_change.then_some(current.stage),
                    stage: change.to,
                    actor: change.actor,
                    actor_staff_id: change.actor_staff_id,
                    at: from_ms(now),
                    note: change.note,
                    internal_note: change.internal_note,
                    details: change.details,
                    visible: change.visible,
                })
            })
            .await
    }

    async fn event_by_action(&self, action_id: Uuid) -> StoreResult<Option<EventRecord>> {
        self.db.read(move |conn| event_by_action(conn, &action_id.to_string()).map_err(backend)).await
    }

    async fn add_feedback(
        &self,
        code: TrackingCode,
        rating: i64,
        comment: Option<String>,
        escalate: bool,
        action_id: Option<Uuid>,
        at: OffsetDateTime,
    ) -> StoreResult<FeedbackRecord> {
        self.db
            .write(move |conn| {
                let action = action_id.map(|a| a.to_string());
                if let Some(action) = &action {
                    let done = conn
                        .prepare_cached(&format!("SELECT {FEEDBACK_COLUMNS} FROM feedback f JOIN complaints c ON c.id = f.complaint_id WHERE f.action_id = ?1"))
                        .and_then(|mut s| s.query_row([action], |r| feedback_row(r, 0)).optional())
                        .map_err(backend)?;
                    if let Some(done) = done {
                        if done.tracking_code != code {
                            return Err(StoreError::ActionIdConflict);
                        }
                        return Ok(done);
                    }
                }
                let current = complaint_by_code(conn, code.as_str()).map_err(backend)?.ok_or(StoreError::StageChanged)?;
                conn.execute(
                    "INSERT INTO feedback (complaint_id, rating, comment, escalated, at, action_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    params![current.id, rating, comment, escalate, ms(at), action],
                )
                .map_err(backend)?;
                let id = conn.last_insert_rowid();
                conn.execute("UPDATE complaints SET version = version + 1 WHERE id = ?1", [current.id]).map_err(backend)?;
                Ok(FeedbackRecord { id, tracking_code: code, rating, comment, escalated: escalate, at: from_ms(ms(at)) })
            })
            .await
    }

    async fn put_photo(&self, complaint_id: i64, photo: PhotoRecord, bytes: Vec<u8>, max_photos: i64, at: OffsetDateTime) -> StoreResult<PutPhoto> {
        self.db
            .write(move |conn| {
                let id = photo.photo_id.to_string();
                let existing: Option<String> = conn
                    .prepare_cached("SELECT sha256 FROM photos WHERE complaint_id = ?1 AND photo_id = ?2")
                    .and_then(|mut s| s.query_row(params![complaint_id, id], |r| r.get(0)).optional())
                    .map_err(backend)?;
                match existing {
                    Some(sha) if sha == photo.sha256 => return Ok(PutPhoto::Exists(photo)),
                    Some(_) => return Ok(PutPhoto::IdConflict),
                    None => {}
                }
                let count: i64 = conn.query_row("SELECT count(*) FROM photos WHERE complaint_id = ?1", [complaint_id], |r| r.get(0)).map_err(backend)?;
                if count >= max_photos {
                    return Ok(PutPhoto::TooMany);
                }
                conn.execute(
                    "INSERT INTO photos (complaint_id, photo_id, content_type, bytes, sha256, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    params![complaint_id, id, photo.content_type, bytes, photo.sha256, ms(at)],
                )
                .map_err(backend)?;
                conn.execute("UPDATE complaints SET version = version + 1 WHERE id = ?1", [complaint_id]).map_err(backend)?;
                Ok(PutPhoto::Created(photo))
            })
            .await
    }

    async fn photos(&self, complaint_id: i64) -> StoreResult<Vec<PhotoRecord>> {
        self.db
            .read(move |conn| {
                conn.prepare_cached("SELECT photo_id, content_type, length(bytes), sha256 FROM photos WHERE complaint_id = ?1 ORDER BY id")
                    .and_then(|mut s| {
                        s.query_map([complaint_id], |r| {
                            Ok(PhotoRecord {
                                photo_id: Uuid::parse_str(&r.get::<_, String>(0)?).map_err(|_| bad(0, "photo id"))?,
                                content_type: r.get(1)?,
                                size: r.get(2)?,
                                sha256: r.get(3)?,
                            })
                        })?
                        .collect()
                    })
                    .map_err(backend)
            })
            .await
    }

    async fn photo_bytes(&self, complaint_id: i64, photo_id: Uuid) -> StoreResult<Option<(String, Vec<u8>)>> {
        self.db
            .read(move |conn| {
                conn.prepare_cached("SELECT content_type, bytes FROM photos WHERE complaint_id = ?1 AND photo_id = ?2")
                    .and_then(|mut s| s.query_row(params![complaint_id, photo_id.to_string()], |r| Ok((r.get(0)?, r.get(1)?))).optional())
                    .map_err(backend)
            })
            .await
    }

    async fn close_escalation(&self, feedback_id: i64) -> StoreResult<bool> {
        self.db
            .write(move |conn| {
                let n = conn.execute("UPDATE feedback SET handled = 1 WHERE id = ?1 AND escalated = 1 AND handled = 0", [feedback_id]).map_err(backend)?;
                Ok(n == 1)
            })
            .await
    }

    async fn events_since(&self, phone: &PhoneNumber, since: i64, limit: i64) -> StoreResult<Vec<EventRecord>> {
        let phone = phone.as_str().to_owned();
        self.db
            .read(move |conn| {
                conn.prepare_cached(&format!(
                    "SELECT {EVENT_COLUMNS} FROM events e JOIN complaints c ON c.id = e.complaint_id
                     WHERE e.phone = ?1 AND e.visible = 1 AND e.seq > ?2 ORDER BY e.seq LIMIT ?3"
                ))
                .and_then(|mut s| s.query_map(params![phone, since, limit], event_row)?.collect())
                .map_err(backend)
            })
            .await
    }

    async fn latest_seq(&self, phone: &PhoneNumber) -> StoreResult<i64> {
        let phone = phone.as_str().to_owned();
        self.db
            .read(move |conn| {
                conn.prepare_cached("SELECT coalesce(max(seq), 0) FROM events WHERE phone = ?1 AND visible = 1")
                    .and_then(|mut s| s.query_row([phone], |r| r.get(0)))
                    .map_err(backend)
            })
            .await
    }

    async fn queue(&self, stages: &[Stage], escalated: bool, limit: i64) -> StoreResult<Vec<QueueRow>> {
        let stages: Vec<String> = stages.iter().map(|s| format!("'{}'", s.wire_name())).collect();
        self.db
            .read(move |conn| {
                let mut rows: Vec<QueueRow> = Vec::new();
                if !stages.is_empty() {
                    let sql =
                        format!("SELECT {COMPLAINT_COLUMNS} FROM complaints c WHERE c.stage IN ({}) ORDER BY c.stage_since, c.id LIMIT ?1", stages.join(","));
                    let list: Vec<ComplaintRecord> =
                        conn.prepare_cached(&sql).and_then(|mut s| s.query_map([limit], complaint_row)?.collect()).map_err(backend)?;
                    rows.extend(list.into_iter().map(|complaint| QueueRow { complaint, escalation: None }));
                }
                if escalated {
                    let sql = format!(
                        "SELECT {COMPLAINT_COLUMNS}, {FEEDBACK_COLUMNS} FROM feedback f JOIN complaints c ON c.id = f.complaint_id
                         WHERE f.escalated = 1 AND f.handled = 0 ORDER BY f.at LIMIT ?1"
                    );
                    let list: Vec<QueueRow> = conn
                        .prepare_cached(&sql)
                        .and_then(|mut s| {
                            s.query_map([limit], |r| Ok(QueueRow { complaint: complaint_row(r)?, escalation: Some(feedback_row(r, COMPLAINT_WIDTH)?) }))?
                                .collect()
                        })
                        .map_err(backend)?;
                    rows.extend(list);
                }
                Ok(rows)
            })
            .await
    }

    async fn due_sms(&self, now: OffsetDateTime, limit: i64) -> StoreResult<Vec<OutboxSms>> {
        self.db
            .read(move |conn| {
                conn.prepare_cached(
                    "SELECT id, recipient, body, kind, token, attempts FROM outbox WHERE status = 'pending' AND next_attempt_at <= ?1 ORDER BY id LIMIT ?2",
                )
                .and_then(|mut s| {
                    s.query_map(params![ms(now), limit], |r| {
                        Ok(OutboxSms {
                            id: r.get(0)?,
                            to: phone_at(r, 1)?,
                            text: r.get(2)?,
                            kind: if r.get::<_, String>(3)? == "otp" { SmsKind::Otp } else { SmsKind::Notice },
                            token: r.get(4)?,
                            attempts: r.get(5)?,
                        })
                    })?
                    .collect()
                })
                .map_err(backend)
            })
            .await
    }

    async fn sms_sent(&self, ids: Vec<i64>, at: OffsetDateTime) -> StoreResult<()> {
        self.db
            .write(move |conn| {
                let mut stmt = conn
                    .prepare_cached(
                        "UPDATE outbox SET status = 'sent', sent_at = ?2, attempts = attempts + 1,
                         body = CASE kind WHEN 'otp' THEN '' ELSE body END, token = NULL WHERE id = ?1",
                    )
                    .map_err(backend)?;
                for id in ids {
                    stmt.execute(params![id, ms(at)]).map_err(backend)?;
                }
                Ok(())
            })
            .await
    }

    async fn sms_failed(&self, id: i64, error: String, next_attempt_at: Option<OffsetDateTime>) -> StoreResult<()> {
        self.db
            .write(move |conn| {
                let (status, next) = match next_attempt_at {
                    Some(t) => ("pending", ms(t)),
                    None => ("failed", ms(OffsetDateTime::now_utc())),
                };
                conn.execute(
                    "UPDATE outbox SET status = ?2, attempts = attempts + 1, last_error = ?3, next_attempt_at = ?4,
                     body = CASE WHEN ?2 = 'failed' AND kind = 'otp' THEN '' ELSE body END WHERE id = ?1",
                    params![id, status, error, next],
                )
                .map_err(backend)?;
                Ok(())
            })
            .await
    }

    async fn pending_sms(&self) -> StoreResult<i64> {
        self.db.read(|conn| conn.query_row("SELECT count(*) FROM outbox WHERE status = 'pending'", [], |r| r.get(0)).map_err(backend)).await
    }

    async fn register_device(
        &self,
        phone: &PhoneNumber,
        session: Vec<u8>,
        target: DeviceTarget,
        at: OffsetDateTime,
        max_per_phone: i64,
    ) -> StoreResult<(DeviceRecord, Registration)> {
        let phone = phone.as_str().to_owned();
        self.db
            .write(move |conn| {
                let now = ms(at);
                // The session may have been logged out while the endpoint was being checked: a
                // target registered now would outlive it.
                let live = conn
                    .prepare_cached("SELECT 1 FROM sessions WHERE token_hash = ?1 AND revoked = 0 AND expires_at > ?2")
                    .and_then(|mut s| s.exists(params![session, now]))
                    .map_err(backend)?;
                if !live {
                    return Err(StoreError::SessionEnded);
                }
                let (p256dh, auth) = match &target {
                    DeviceTarget::UnifiedPush { p256dh, auth, .. } => (Some(p256dh.clone()), Some(auth.clone())),
                    _ => (None, None),
                };
                let kind = target.kind().wire_name();
                let existing: Option<(i64, String)> = conn
                    .prepare_cached("SELECT id, phone FROM devices WHERE kind = ?1 AND target = ?2")
                    .and_then(|mut s| s.query_row(params![kind, target.address()], |r| Ok((r.get(0)?, r.get(1)?))).optional())
                    .map_err(backend)?;
                let (id, registration) = match existing {
                    None => {
                        conn.prepare_cached(
                            "INSERT INTO devices (phone, kind, target, p256dh, auth, created_at, updated_at, session_hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?7)",
                        )
                        .and_then(|mut s| s.execute(params![phone, kind, target.address(), p256dh, auth, now, session]))
                        .map_err(backend)?;
                        (conn.last_insert_rowid(), Registration::New)
                    }
                    Some((id, owner)) if owner == phone => {
                        conn.execute(
                            "UPDATE devices SET p256dh = ?2, auth = ?3, updated_at = ?4, session_hash = ?5 WHERE id = ?1",
                            params![id, p256dh, auth, now, session],
                        )
                        .map_err(backend)?;
                        (id, Registration::Refreshed)
                    }
                    Some((id, _)) => {
                        // The phone changed hands (or accounts): the old owner's news must not
                        // reach it, not even what is already queued.
                        conn.execute("DELETE FROM push_outbox WHERE device_id = ?1 AND status = 'pending'", [id]).map_err(backend)?;
                        conn.execute(
                            "UPDATE devices SET phone = ?2, p256dh = ?3, auth = ?4, created_at = ?5, updated_at = ?5, session_hash = ?6 WHERE id = ?1",
                            params![id, phone, p256dh, auth, now, session],
                        )
                        .map_err(backend)?;
                        (id, Registration::Moved)
                    }
                };
                conn.execute(
                    "DELETE FROM devices WHERE phone = ?1 AND id NOT IN (SELECT id FROM devices WHERE phone = ?1 ORDER BY updated_at DESC, id DESC LIMIT ?2)",
                    params![phone, max_per_phone.max(1)],
                )
                .map_err(backend)?;
                let record = device_by_id(conn, id).map_err(backend)?.ok_or_else(|| StoreError::Backend("registered device vanished".into()))?;
                Ok((record, registration))
            })
            .await
    }

    async fn devices_of(&self, phone: &PhoneNumber) -> StoreResult<Vec<DeviceRecord>> {
        let phone = phone.as_str().to_owned();
        self.db
            .read(move |conn| {
                conn.prepare_cached(&format!("SELECT {DEVICE_COLUMNS} FROM devices d WHERE d.phone = ?1 ORDER BY d.id"))
                    .and_then(|mut s| s.query_map([phone], device_row)?.collect())
                    .map_err(backend)
            })
            .await
    }

    async fn delete_device(&self, phone: &PhoneNumber, id: i64) -> StoreResult<bool> {
        let phone = phone.as_str().to_owned();
        self.db
            .write(move |conn| {
                let n = conn.execute("DELETE FROM devices WHERE id = ?1 AND phone = ?2", params![id, phone]).map_err(backend)?;
                Ok(n == 1)
            })
            .await
    }

    async fn due_pushes(&self, now: OffsetDateTime, limit: i64) -> StoreResult<Vec<OutboxPush>> {
        self.db
            .read(move |conn| {
                conn.prepare_cached(&format!(
                    "SELECT {DEVICE_COLUMNS}, o.id, o.payload, o.attempts, o.created_at FROM push_outbox o JOIN devices d ON d.id = o.device_id
                     WHERE o.status = 'pending' AND o.next_attempt_at <= ?1 ORDER BY o.next_attempt_at, o.id LIMIT ?2"
                ))
                .and_then(|mut s| {
                    s.query_map(params![ms(now), limit], |r| {
                        let payload: String = r.get(DEVICE_WIDTH + 1)?;
                        Ok(OutboxPush {
                            device: device_row(r)?,
                            id: r.get(DEVICE_WIDTH)?,
                            message: serde_json::from_str(&payload).map_err(|_| bad(DEVICE_WIDTH + 1, "push payload"))?,
                            attempts: r.get(DEVICE_WIDTH + 2)?,
                            created_at: from_ms(r.get(DEVICE_WIDTH + 3)?),
                        })
                    })?
                    .collect()
                })
                .map_err(backend)
            })
            .await
    }

    async fn prune_outboxes(&self, before: OffsetDateTime) -> StoreResult<i64> {
        let mut total = 0;
        // Small batches, so the writer never holds up complaints for long.
        loop {
            let n = self
                .db
                .write(move |conn| {
                    let sms = conn
                        .execute(
                            "DELETE FROM outbox WHERE id IN (SELECT id FROM outbox WHERE status <> 'pending' AND created_at < ?1 LIMIT 2000)",
                            [ms(before)],
                        )
                        .map_err(backend)?;
                    let push = conn
                        .execute(
                            "DELETE FROM push_outbox WHERE id IN (SELECT id FROM push_outbox WHERE status <> 'pending' AND created_at < ?1 LIMIT 2000)",
                            [ms(before)],
                        )
                        .map_err(backend)?;
                    Ok((sms + push) as i64)
                })
                .await?;
            total += n;
            if n == 0 {
                return Ok(total);
            }
        }
    }

    async fn postpone_device_pushes(&self, device_id: i64, until: OffsetDateTime) -> StoreResult<()> {
        self.db
            .write(move |conn| {
                conn.execute(
                    "UPDATE push_outbox SET next_attempt_at = max(next_attempt_at, ?2) WHERE device_id = ?1 AND status = 'pending'",
                    params![device_id, ms(until)],
                )
                .map_err(backend)?;
                Ok(())
            })
            .await
    }

    async fn pushes_finished(&self, results: Vec<(i64, PushRecord)>, at: OffsetDateTime) -> StoreResult<()> {
        self.db
            .write(move |conn| {
                let now = ms(at);
                for (id, result) in results {
                    match result {
                        PushRecord::Sent => conn
                            .prepare_cached("UPDATE push_outbox SET status = 'sent', attempts = attempts + 1, sent_at = ?2, last_error = NULL WHERE id = ?1")
                            .and_then(|mut s| s.execute(params![id, now])),
                        PushRecord::Failed { error, next_attempt_at: Some(next) } => conn
                            .prepare_cached("UPDATE push_outbox SET attempts = attempts + 1, last_error = ?2, next_attempt_at = ?3 WHERE id = ?1")
                            .and_then(|mut s| s.execute(params![id, error, ms(next)])),
                        PushRecord::Failed { error, next_attempt_at: None } => conn
                            .prepare_cached("UPDATE push_outbox SET status = 'failed', attempts = attempts + 1, last_error = ?2 WHERE id = ?1")
                            .and_then(|mut s| s.execute(params![id, error])),
                        PushRecord::Skipped { reason } => conn
                            .prepare_cached("UPDATE push_outbox SET status = 'skipped', last_error = ?2 WHERE id = ?1")
                            .and_then(|mut s| s.execute(params![id, reason])),
                        PushRecord::DeviceGone => conn
                            .prepare_cached("DELETE FROM devices WHERE id = (SELECT device_id FROM push_outbox WHERE id = ?1)")
                            .and_then(|mut s| s.execute([id])),
                    }
                    .map_err(backend)?;
                }
                Ok(())
            })
            .await
    }

    async fn pending_pushes(&self) -> StoreResult<i64> {
        self.db.read(|conn| conn.query_row("SELECT count(*) FROM push_outbox WHERE status = 'pending'", [], |r| r.get(0)).map_err(backend)).await
    }

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
