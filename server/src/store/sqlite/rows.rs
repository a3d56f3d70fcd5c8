//! Rows to records and back: the column lists, the row readers, the stored forms of times,
//! and the small shared look-ups and inserts every concern's queries use.

use rusqlite::{params, Connection, OptionalExtension, Row};
use samat_core::model::api::{EventKind, LicenceStatus, PushKind, PushMessage};
use samat_core::model::{Actor, Category, Channel, PhoneNumber, Province, Stage, TrackingCode};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::store::{BusinessRecord, ComplaintRecord, DeviceRecord, DeviceTarget, EventRecord, FeedbackRecord, NewSms};

/// Milliseconds since the epoch, as stored.
pub fn ms(t: OffsetDateTime) -> i64 {
    (t.unix_timestamp_nanos() / 1_000_000) as i64
}

/// The instant of stored milliseconds.
pub fn from_ms(v: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(v as i128 * 1_000_000).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// A conversion error for column `col` holding something that is not a valid `what`.
pub fn bad(col: usize, what: &str) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(col, rusqlite::types::Type::Text, format!("bad {what} in database").into())
}

pub(super) fn stage_at(r: &Row, i: usize) -> rusqlite::Result<Stage> {
    Stage::from_wire(&r.get::<_, String>(i)?).ok_or_else(|| bad(i, "stage"))
}

/// The tracking code in column `i`.
pub fn code_at(r: &Row, i: usize) -> rusqlite::Result<TrackingCode> {
    TrackingCode::parse(&r.get::<_, String>(i)?).map_err(|_| bad(i, "tracking code"))
}

/// The phone in column `i`.
pub fn phone_at(r: &Row, i: usize) -> rusqlite::Result<PhoneNumber> {
    PhoneNumber::parse(&r.get::<_, String>(i)?).map_err(|_| bad(i, "phone"))
}

/// The province in column `i`, if any.
pub fn province_at(r: &Row, i: usize) -> rusqlite::Result<Option<Province>> {
    match r.get::<_, Option<String>>(i)? {
        None => Ok(None),
        Some(p) => Province::from_wire(&p).map(Some).ok_or_else(|| bad(i, "province")),
    }
}

/// The columns [`complaint_row`] reads, for a query aliasing `complaints` as `c`.
pub const COMPLAINT_COLUMNS: &str = "c.id, c.tracking_code, c.client_id, c.phone, c.channel, c.category, c.description, c.guild_id, \
     c.business_known, c.business_name, c.business_address, c.province_code, c.city, c.incident_date, c.amount_rials, \
     c.wants_compensation, c.stage, c.stage_since, c.created_at, c.updated_at, c.version, c.assigned_to";
/// How many columns [`COMPLAINT_COLUMNS`] names.
pub const COMPLAINT_WIDTH: usize = 22;

/// A complaint from a row of [`COMPLAINT_COLUMNS`].
pub fn complaint_row(r: &Row) -> rusqlite::Result<ComplaintRecord> {
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
        province: province_at(r, 11)?,
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
        assigned_to: r.get(21)?,
    })
}

/// The columns [`event_row`] reads (events `e` joined to complaints `c`).
pub const EVENT_COLUMNS: &str =
    "e.seq, c.tracking_code, e.kind, e.from_stage, e.to_stage, e.actor, e.actor_staff_id, e.at, e.note, e.internal_note, e.details, e.visible";

/// An event from a row of [`EVENT_COLUMNS`]. Unreadable `details` are dropped here, where
/// the bytes are read; what a reader sees of them is decided by the views.
pub fn event_row(r: &Row) -> rusqlite::Result<EventRecord> {
    let kind = EventKind::from_wire(&r.get::<_, String>(2)?).ok_or_else(|| bad(2, "event kind"))?;
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

/// The columns [`feedback_row`] reads (feedback `f` joined to complaints `c`).
pub const FEEDBACK_COLUMNS: &str = "f.id, c.tracking_code, f.rating, f.comment, f.escalated, f.at";

/// Feedback from a row of [`FEEDBACK_COLUMNS`] starting at column `offset`.
pub fn feedback_row(r: &Row, offset: usize) -> rusqlite::Result<FeedbackRecord> {
    Ok(FeedbackRecord {
        id: r.get(offset)?,
        tracking_code: code_at(r, offset + 1)?,
        rating: r.get(offset + 2)?,
        comment: r.get(offset + 3)?,
        escalated: r.get(offset + 4)?,
        at: from_ms(r.get(offset + 5)?),
    })
}

/// The columns [`business_row`] reads.
pub const BUSINESS_COLUMNS: &str = "guild_id, name, guild, licence_no, licence_status, province, city, address";

/// A business from a row of [`BUSINESS_COLUMNS`].
pub fn business_row(r: &Row) -> rusqlite::Result<BusinessRecord> {
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

/// The columns [`device_row`] reads (devices `d`).
pub const DEVICE_COLUMNS: &str = "d.id, d.phone, d.kind, d.target, d.p256dh, d.auth, d.created_at, d.updated_at";
/// How many columns [`DEVICE_COLUMNS`] names.
pub const DEVICE_WIDTH: usize = 8;

/// A device from a row of [`DEVICE_COLUMNS`].
pub fn device_row(r: &Row) -> rusqlite::Result<DeviceRecord> {
    let target: String = r.get(3)?;
    let target = match PushKind::from_wire(&r.get::<_, String>(2)?) {
        Some(PushKind::UnifiedPush) => DeviceTarget::UnifiedPush { endpoint: target, p256dh: r.get(4)?, auth: r.get(5)? },
        Some(PushKind::Fcm) => DeviceTarget::Fcm { token: target },
        Some(PushKind::Apns) => DeviceTarget::Apns { token: target },
        None => return Err(bad(2, "device kind")),
    };
    Ok(DeviceRecord { id: r.get(0)?, phone: phone_at(r, 1)?, target, created_at: from_ms(r.get(6)?), updated_at: from_ms(r.get(7)?) })
}

/// Queues an SMS in the current transaction.
pub fn queue_sms(conn: &Connection, sms: &NewSms, now: i64) -> rusqlite::Result<()> {
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
pub fn queue_push(conn: &Connection, phone: &str, message: &PushMessage, now: i64) -> rusqlite::Result<usize> {
    let payload = serde_json::to_string(message).map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
    conn.prepare_cached("INSERT INTO push_outbox (device_id, payload, next_attempt_at, created_at) SELECT id, ?2, ?3, ?3 FROM devices WHERE phone = ?1")?
        .execute(params![phone, payload, now])
}

/// A device by id.
pub fn device_by_id(conn: &Connection, id: i64) -> rusqlite::Result<Option<DeviceRecord>> {
    conn.prepare_cached(&format!("SELECT {DEVICE_COLUMNS} FROM devices d WHERE d.id = ?1"))?.query_row([id], device_row).optional()
}

/// A complaint by tracking code.
pub fn complaint_by_code(conn: &Connection, code: &str) -> rusqlite::Result<Option<ComplaintRecord>> {
    conn.prepare_cached(&format!("SELECT {COMPLAINT_COLUMNS} FROM complaints c WHERE c.tracking_code = ?1"))?.query_row([code], complaint_row).optional()
}

/// The event recorded under a citizen action's idempotency key.
pub fn event_by_action(conn: &Connection, action: &str) -> rusqlite::Result<Option<EventRecord>> {
    conn.prepare_cached(&format!("SELECT {EVENT_COLUMNS} FROM events e JOIN complaints c ON c.id = e.complaint_id WHERE e.action_id = ?1"))?
        .query_row([action], event_row)
        .optional()
}

/// A business by ID.
pub fn business_by_id(conn: &Connection, guild_id: &str) -> rusqlite::Result<Option<BusinessRecord>> {
    conn.prepare_cached(&format!("SELECT {BUSINESS_COLUMNS} FROM businesses WHERE guild_id = ?1"))?.query_row([guild_id], business_row).optional()
}

/// Inserts an event and returns its seq.
#[allow(clippy::too_many_arguments)]
pub fn insert_event(
    conn: &Connection,
    complaint: &ComplaintRecord,
    kind: EventKind,
    from: Option<Stage>,
    to: Stage,
    actor: Actor,
    actor_staff_id: Option<i64>,
    at: i64,
    notes: (Option<&str>, Option<&str>),
    details: Option<&serde_json::Value>,
    visible: bool,
    action_id: Option<Uuid>,
) -> rusqlite::Result<i64> {
    conn.prepare_cached(
        "INSERT INTO events (complaint_id, phone, kind, from_stage, to_stage, actor, actor_staff_id, at, note, internal_note, details, visible, action_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
    )?
    .execute(params![
        complaint.id,
        complaint.phone.as_str(),
        kind.wire_name(),
        from.map(Stage::wire_name),
        to.wire_name(),
        actor.wire_name(),
        actor_staff_id,
        at,
        notes.0,
        notes.1,
        details.map(|d| d.to_string()),
        visible,
        action_id.map(|a| a.to_string()),
    ])?;
    Ok(conn.last_insert_rowid())
}
