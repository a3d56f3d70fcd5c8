//! Rows to records and back for PostgreSQL: the column lists, the row readers, times to the
//! millisecond, and the inserts every concern's transactions share (events with their
//! `NOTIFY`, queued SMS and pushes).

use samat_core::model::api::{EventKind, LicenceStatus, PushKind, PushMessage};
use samat_core::model::{Actor, Category, Channel, PhoneNumber, Province, Stage, TrackingCode};
use time::OffsetDateTime;
use tokio_postgres::types::ToSql;
use tokio_postgres::Row;
use uuid::Uuid;

use super::pg;
use crate::store::{BusinessRecord, ComplaintRecord, DeviceRecord, DeviceTarget, EventRecord, FeedbackRecord, NewSms, StoreError, StoreResult};

/// Statements through each connection's cache: prepared once per connection, then one round
/// trip per call instead of two (what a busy intake spends most of its time on). For pooled
/// connections and their transactions alike.
#[async_trait::async_trait]
pub trait Cached: deadpool_postgres::GenericClient {
    /// `query` with a cached statement.
    async fn query_c(&self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Result<Vec<Row>, tokio_postgres::Error> {
        let statement = self.prepare_cached(sql).await?;
        self.query(&statement, params).await
    }
    /// `query_one` with a cached statement.
    async fn query_one_c(&self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Result<Row, tokio_postgres::Error> {
        let statement = self.prepare_cached(sql).await?;
        self.query_one(&statement, params).await
    }
    /// `query_opt` with a cached statement.
    async fn query_opt_c(&self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Result<Option<Row>, tokio_postgres::Error> {
        let statement = self.prepare_cached(sql).await?;
        self.query_opt(&statement, params).await
    }
    /// `execute` with a cached statement.
    async fn execute_c(&self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Result<u64, tokio_postgres::Error> {
        let statement = self.prepare_cached(sql).await?;
        self.execute(&statement, params).await
    }
}

impl<T: deadpool_postgres::GenericClient + ?Sized> Cached for T {}

/// `t` to the millisecond: what SQLite keeps, so both backends answer the same times.
pub fn ms(t: OffsetDateTime) -> OffsetDateTime {
    t.replace_nanosecond(t.nanosecond() / 1_000_000 * 1_000_000).unwrap_or(t)
}

/// A stored value that does not read as what it should be.
pub fn bad(what: &str, value: &str) -> StoreError {
    StoreError::Backend(format!("bad {what} in database: {value:?}"))
}

/// Reads column `i`.
pub fn get<'a, T: tokio_postgres::types::FromSql<'a>>(r: &'a Row, i: usize) -> StoreResult<T> {
    r.try_get(i).map_err(pg)
}

pub(super) fn parsed<T>(r: &Row, i: usize, what: &str, parse: impl Fn(&str) -> Option<T>) -> StoreResult<T> {
    let s: String = get(r, i)?;
    parse(&s).ok_or_else(|| bad(what, &s))
}

fn parsed_opt<T>(r: &Row, i: usize, what: &str, parse: impl Fn(&str) -> Option<T>) -> StoreResult<Option<T>> {
    match get::<Option<String>>(r, i)? {
        None => Ok(None),
        Some(s) => parse(&s).map(Some).ok_or_else(|| bad(what, &s)),
    }
}

/// The tracking code in column `i`.
pub fn code_at(r: &Row, i: usize) -> StoreResult<TrackingCode> {
    parsed(r, i, "tracking code", |s| TrackingCode::parse(s).ok())
}

/// The phone in column `i`.
pub fn phone_at(r: &Row, i: usize) -> StoreResult<PhoneNumber> {
    parsed(r, i, "phone", |s| PhoneNumber::parse(s).ok())
}

/// The province in column `i`, if any.
pub fn province_at(r: &Row, i: usize) -> StoreResult<Option<Province>> {
    parsed_opt(r, i, "province", Province::from_wire)
}

/// The columns [`complaint_row`] reads, for a query aliasing `complaints` as `c`.
pub const COMPLAINT_COLUMNS: &str = "c.id, c.tracking_code, c.client_id, c.phone, c.channel, c.category, c.description, c.guild_id, \
     c.business_known, c.business_name, c.business_address, c.province_code, c.city, c.incident_date, c.amount_rials, \
     c.wants_compensation, c.stage, c.stage_since, c.created_at, c.updated_at, c.version, c.assigned_to";
/// How many columns [`COMPLAINT_COLUMNS`] names.
pub const COMPLAINT_WIDTH: usize = 22;

/// A complaint from a row of [`COMPLAINT_COLUMNS`].
pub fn complaint_row(r: &Row) -> StoreResult<ComplaintRecord> {
    Ok(ComplaintRecord {
        id: get(r, 0)?,
        tracking_code: code_at(r, 1)?,
        client_id: get(r, 2)?,
        phone: phone_at(r, 3)?,
        channel: parsed(r, 4, "channel", Channel::from_wire)?,
        category: parsed(r, 5, "category", Category::from_wire)?,
        description: get(r, 6)?,
        guild_id: get(r, 7)?,
        business_known: get(r, 8)?,
        business_name: get(r, 9)?,
        business_address: get(r, 10)?,
        province: province_at(r, 11)?,
        city: get(r, 12)?,
        incident_date: get(r, 13)?,
        amount_rials: get(r, 14)?,
        wants_compensation: get(r, 15)?,
        stage: parsed(r, 16, "stage", Stage::from_wire)?,
        stage_since: get(r, 17)?,
        created_at: get(r, 18)?,
        updated_at: get(r, 19)?,
        version: get(r, 20)?,
        assigned_to: get(r, 21)?,
    })
}

/// The columns [`event_row`] reads (events `e` joined to complaints `c`).
pub const EVENT_COLUMNS: &str =
    "e.seq, c.tracking_code, e.kind, e.from_stage, e.to_stage, e.actor, e.actor_staff_id, e.at, e.note, e.internal_note, e.details, e.visible";

/// An event from a row of [`EVENT_COLUMNS`].
pub fn event_row(r: &Row) -> StoreResult<EventRecord> {
    Ok(EventRecord {
        seq: get(r, 0)?,
        tracking_code: code_at(r, 1)?,
        kind: parsed(r, 2, "event kind", EventKind::from_wire)?,
        from_stage: parsed_opt(r, 3, "stage", Stage::from_wire)?,
        stage: parsed(r, 4, "stage", Stage::from_wire)?,
        actor: parsed(r, 5, "actor", Actor::from_wire)?,
        actor_staff_id: get(r, 6)?,
        at: get(r, 7)?,
        note: get(r, 8)?,
        internal_note: get(r, 9)?,
        details: get(r, 10)?,
        visible: get(r, 11)?,
    })
}

/// The columns [`feedback_row`] reads (feedback `f` joined to complaints `c`).
pub const FEEDBACK_COLUMNS: &str = "f.id, c.tracking_code, f.rating, f.comment, f.escalated, f.at";

/// Feedback from a row of [`FEEDBACK_COLUMNS`] starting at column `offset`.
pub fn feedback_row(r: &Row, offset: usize) -> StoreResult<FeedbackRecord> {
    Ok(FeedbackRecord {
        id: get(r, offset)?,
        tracking_code: code_at(r, offset + 1)?,
        rating: get(r, offset + 2)?,
        comment: get(r, offset + 3)?,
        escalated: get(r, offset + 4)?,
        at: get(r, offset + 5)?,
    })
}

/// The columns [`business_row`] reads.
pub const BUSINESS_COLUMNS: &str = "guild_id, name, guild, licence_no, licence_status, province, city, address";

/// A business from a row of [`BUSINESS_COLUMNS`].
pub fn business_row(r: &Row) -> StoreResult<BusinessRecord> {
    Ok(BusinessRecord {
        guild_id: get(r, 0)?,
        name: get(r, 1)?,
        guild: get(r, 2)?,
        licence_no: get(r, 3)?,
        licence_status: parsed_opt(r, 4, "licence status", LicenceStatus::from_wire)?,
        province: get(r, 5)?,
        city: get(r, 6)?,
        address: get(r, 7)?,
    })
}

/// The columns [`device_row`] reads (devices `d`).
pub const DEVICE_COLUMNS: &str = "d.id, d.phone, d.kind, d.target, d.p256dh, d.auth, d.created_at, d.updated_at";
/// How many columns [`DEVICE_COLUMNS`] names.
pub const DEVICE_WIDTH: usize = 8;

/// A device from a row of [`DEVICE_COLUMNS`].
pub fn device_row(r: &Row) -> StoreResult<DeviceRecord> {
    let target: String = get(r, 3)?;
    let target = match parsed(r, 2, "device kind", PushKind::from_wire)? {
        PushKind::UnifiedPush => DeviceTarget::UnifiedPush {
            endpoint: target,
            p256dh: get::<Option<Vec<u8>>>(r, 4)?.unwrap_or_default(),
            auth: get::<Option<Vec<u8>>>(r, 5)?.unwrap_or_default(),
        },
        PushKind::Fcm => DeviceTarget::Fcm { token: target },
        PushKind::Apns => DeviceTarget::Apns { token: target },
    };
    Ok(DeviceRecord { id: get(r, 0)?, phone: phone_at(r, 1)?, target, created_at: get(r, 6)?, updated_at: get(r, 7)? })
}

/// Queues an SMS in the current transaction.
/// The statement of [`queue_sms`].
pub const QUEUE_SMS: &str = "INSERT INTO outbox (kind, recipient, body, token, next_attempt_at, created_at) VALUES ($1, $2, $3, $4, $5, $5)";

/// Queues one SMS in the outbox.
pub async fn queue_sms(c: &impl Cached, sms: &NewSms, now: OffsetDateTime) -> StoreResult<()> {
    c.execute_c(QUEUE_SMS, &[&sms.kind.as_str(), &sms.to.as_str(), &sms.text, &sms.token, &now]).await.map_err(pg)?;
    Ok(())
}

/// The statement of [`queue_push`].
pub const QUEUE_PUSH: &str =
    "INSERT INTO push_outbox (device_id, payload, next_attempt_at, created_at) SELECT id, $2, $3, $3 FROM devices WHERE phone = $1 FOR KEY SHARE";

/// Queues a push about `message` to every device of `phone`; returns how many. The devices
/// are locked against deletion until the transaction ends (one forgotten meanwhile by a
/// logout or a newer registration is left out, not an error).
pub async fn queue_push(c: &impl Cached, phone: &str, message: &PushMessage, now: OffsetDateTime) -> StoreResult<u64> {
    let payload = serde_json::to_string(message).map_err(|e| StoreError::Backend(e.to_string()))?;
    c.execute_c(QUEUE_PUSH, &[&phone, &payload, &now]).await.map_err(pg)
}

/// A complaint by tracking code; `lock`: its row is locked until the transaction ends (a
/// change checks the stage it read and writes with no one in between).
pub async fn complaint_by_code(c: &impl Cached, code: &str, lock: bool) -> StoreResult<Option<ComplaintRecord>> {
    let sql = format!("SELECT {COMPLAINT_COLUMNS} FROM complaints c WHERE c.tracking_code = $1{}", if lock { " FOR UPDATE" } else { "" });
    c.query_opt_c(&sql, &[&code]).await.map_err(pg)?.as_ref().map(complaint_row).transpose()
}

/// The event recorded under a citizen action's idempotency key.
pub async fn event_by_action(c: &impl Cached, action: Uuid) -> StoreResult<Option<EventRecord>> {
    let sql = format!("SELECT {EVENT_COLUMNS} FROM events e JOIN complaints c ON c.id = e.complaint_id WHERE e.action_id = $1");
    c.query_opt_c(&sql, &[&action]).await.map_err(pg)?.as_ref().map(event_row).transpose()
}

/// A business by ID.
pub async fn business_by_id(c: &impl Cached, guild_id: &str) -> StoreResult<Option<BusinessRecord>> {
    let sql = format!("SELECT {BUSINESS_COLUMNS} FROM businesses WHERE guild_id = $1");
    c.query_opt_c(&sql, &[&guild_id]).await.map_err(pg)?.as_ref().map(business_row).transpose()
}

/// A device by id.
pub async fn device_by_id(c: &impl Cached, id: i64) -> StoreResult<Option<DeviceRecord>> {
    let sql = format!("SELECT {DEVICE_COLUMNS} FROM devices d WHERE d.id = $1");
    c.query_opt_c(&sql, &[&id]).await.map_err(pg)?.as_ref().map(device_row).transpose()
}

/// The statement of [`lock_citizen`].
pub const LOCK_CITIZEN: &str = "SELECT pg_advisory_xact_lock(hashtextextended($1, 124))";

/// Serialises, until the transaction ends, everything that counts or orders one citizen's
/// rows: their daily allowances, and the order their events become visible in (a feed
/// cursor past an event must never skip one that commits later with a smaller seq).
pub async fn lock_citizen(c: &impl Cached, phone: &str) -> StoreResult<()> {
    c.execute_c(LOCK_CITIZEN, &[&phone]).await.map_err(pg)?;
    Ok(())
}

/// What an event insert needs besides the complaint.
pub struct NewEvent<'a> {
    pub kind: EventKind,
    /// Stage before a stage change.
    pub from: Option<Stage>,
    /// Stage after.
    pub to: Stage,
    /// Who.
    pub actor: Actor,
    /// Their staff id.
    pub actor_staff_id: Option<i64>,
    /// When.
    pub at: OffsetDateTime,
    /// For the citizen.
    pub note: Option<&'a str>,
    /// For staff.
    pub internal_note: Option<&'a str>,
    pub details: Option<&'a serde_json::Value>,
    /// Whether the citizen sees it.
    pub visible: bool,
    /// The citizen's idempotency key.
    pub action_id: Option<Uuid>,
}

/// Inserts an event of `complaint` (whose citizen the caller has locked); returns its seq.
/// The caller announces it to every replica once the transaction has committed.
pub async fn insert_event(c: &impl Cached, complaint: &ComplaintRecord, e: &NewEvent<'_>) -> StoreResult<i64> {
    insert_event_as(c, complaint.id, complaint.phone.as_str(), None, e).await
}

/// The statement of [`insert_event_as`].
pub const INSERT_EVENT: &str =
    "INSERT INTO events (seq, complaint_id, phone, kind, from_stage, to_stage, actor, actor_staff_id, at, note, internal_note, details, visible, action_id)
     VALUES (COALESCE($14::bigint, nextval(pg_get_serial_sequence('events', 'seq'))), $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
     RETURNING seq";

/// Inserts an event of the complaint `complaint_id` of `phone`, under `seq` when the caller
/// drew one beforehand ([`next_ids`]: intake sends its inserts in one round trip), else the
/// next one; returns the seq.
pub async fn insert_event_as(c: &impl Cached, complaint_id: i64, phone: &str, seq: Option<i64>, e: &NewEvent<'_>) -> StoreResult<i64> {
    let row = c
        .query_one_c(
            INSERT_EVENT,
            &[
                &complaint_id,
                &phone,
                &e.kind.wire_name(),
                &e.from.map(Stage::wire_name),
                &e.to.wire_name(),
                &e.actor.wire_name(),
                &e.actor_staff_id,
                &e.at,
                &e.note,
                &e.internal_note,
                &e.details,
                &e.visible,
                &e.action_id,
                &seq,
            ],
        )
        .await
        .map_err(pg)?;
    get(&row, 0)
}

/// Prepares `statements` on this connection (in one round trip for those it has not
/// prepared before, none for the others), so that statements sent together afterwards go
/// out in the order they are written: a statement still being prepared would otherwise let
/// the next one overtake it.
pub async fn prepare_all(c: &impl Cached, statements: &[&str]) -> StoreResult<()> {
    futures::future::try_join_all(statements.iter().map(|sql| c.prepare_cached(sql))).await.map_err(pg)?;
    Ok(())
}

/// The statement of [`next_ids`].
pub const NEXT_IDS: &str = "SELECT nextval(pg_get_serial_sequence('complaints', 'id')), nextval(pg_get_serial_sequence('events', 'seq'))";

/// Draws the id of a new complaint and the seq of its first event, so that intake can send
/// the complaint, its event and its messages in one round trip. A drawn number that is not
/// used leaves a gap, as a rolled-back insert does.
pub async fn next_ids(c: &impl Cached) -> StoreResult<(i64, i64)> {
    let row = c.query_one_c(NEXT_IDS, &[]).await.map_err(pg)?;
    Ok((get(&row, 0)?, get(&row, 1)?))
}
