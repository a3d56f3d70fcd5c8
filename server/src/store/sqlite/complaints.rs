//! Complaints: intake, the history of events, stage changes and notes, who handles what,
//! feedback about the handling, photos, the citizen's sync feed and the staff queues.

use async_trait::async_trait;
use rusqlite::types::Value as SqlValue;
use rusqlite::{params, params_from_iter, Connection, OptionalExtension};
use samat_core::model::api::{EventKind, PushMessage};
use samat_core::model::text::search_key;
use samat_core::model::{PhoneNumber, Province, Stage, TrackingCode};
use time::OffsetDateTime;
use uuid::Uuid;

use super::db::backend;
use super::rows::{
    bad, code_at, complaint_by_code, complaint_row, event_by_action, event_row, feedback_row, from_ms, insert_event, ms, province_at, queue_push, queue_sms,
    stage_at, COMPLAINT_COLUMNS, COMPLAINT_WIDTH, EVENT_COLUMNS, FEEDBACK_COLUMNS,
};
use super::SqliteStore;
use crate::store::{
    AssignChange, AuditEntry, AuditFilter, AuditRecord, ChangeRecord, ComplaintRecord, ComplaintStore, EventRecord, FeedbackOutcome, FeedbackRecord, Filed,
    Holding, NewComplaintRecord, NewSms, PhotoLimits, PhotoRecord, ProvinceChange, PutPhoto, QueueFilter, QueuePage, QueueRow, QueueSearch, ReadKind,
    StageClock, StageCount, StoreError, StoreResult,
};

/// Reads the complaint a change is about and checks it is still in the stage the rules saw.
fn current_in_stage(conn: &Connection, code: TrackingCode, expected: Stage) -> StoreResult<ComplaintRecord> {
    match complaint_by_code(conn, code.as_str()).map_err(backend)? {
        Some(c) if c.stage == expected => Ok(c),
        _ => Err(StoreError::StageChanged),
    }
}

/// Marks a complaint changed (its ETag) at `now`.
fn touch(conn: &Connection, id: i64, now: i64) -> StoreResult<()> {
    conn.prepare_cached("UPDATE complaints SET updated_at = ?2, version = version + 1 WHERE id = ?1")
        .and_then(|mut s| s.execute(params![id, now]))
        .map_err(backend)?;
    Ok(())
}

/// SQLite's spelling of the shared queue filter.
const DIALECT: crate::store::filter::Dialect =
    crate::store::filter::Dialect { placeholder: |n| format!("?{n}"), contains: |column, needle| format!("instr({column}, {needle}) > 0") };

/// The WHERE clause and parameters of a queue filter (complaints `c`).
fn queue_where(f: &QueueFilter) -> (String, Vec<SqlValue>) {
    let (clause, values) = crate::store::filter::queue_where(f, &DIALECT);
    (clause, sql_values(values))
}

/// The WHERE clause and parameters of a public Open311 listing (complaints `c`).
pub(super) fn public_where(f: &crate::store::PublicFilter) -> (String, Vec<SqlValue>) {
    let (clause, values) = crate::store::filter::public_where(f, &DIALECT);
    (clause, sql_values(values))
}

fn sql_values(values: Vec<crate::store::filter::FilterValue>) -> Vec<SqlValue> {
    use crate::store::filter::FilterValue;
    values
        .into_iter()
        .map(|v| match v {
            FilterValue::Text(t) => SqlValue::Text(t),
            FilterValue::Integer(i) => SqlValue::Integer(i),
            FilterValue::Time(t) => SqlValue::Integer(ms(t)),
            FilterValue::Uuid(u) => SqlValue::Text(u.to_string()),
        })
        .collect()
}

fn holder_name_row(r: &rusqlite::Row, at: usize) -> rusqlite::Result<Option<String>> {
    let display: Option<String> = r.get(at)?;
    let username: Option<String> = r.get(at + 1)?;
    Ok(display.filter(|d| !d.is_empty()).or(username))
}

#[async_trait]
impl ComplaintStore for SqliteStore {
    async fn insert_complaint(&self, new: NewComplaintRecord, sms: NewSms) -> StoreResult<Filed> {
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
                    return Ok(Filed::Existing(existing));
                }
                if let Some(quota) = new.quota {
                    let (filed, oldest): (i64, Option<i64>) = conn
                        .prepare_cached("SELECT count(*), min(created_at) FROM complaints WHERE phone = ?1 AND filed_by_staff IS NULL AND created_at >= ?2")
                        .and_then(|mut s| s.query_row(params![new.phone.as_str(), ms(quota.since)], |r| Ok((r.get(0)?, r.get(1)?))))
                        .map_err(backend)?;
                    if filed >= quota.max {
                        return Ok(Filed::QuotaExceeded(from_ms(oldest.unwrap_or_else(|| ms(quota.since)))));
                    }
                }
                let taken = conn
                    .prepare_cached("SELECT 1 FROM complaints WHERE tracking_code = ?1")
                    .and_then(|mut s| s.exists([new.tracking_code.as_str()]))
                    .map_err(backend)?;
                if taken {
                    return Ok(Filed::CodeTaken);
                }
                let f = &new.fields;
                let now = ms(new.at);
                conn.prepare_cached(
                    "INSERT INTO complaints (tracking_code, client_id, phone, channel, category, description, guild_id, business_known,
                     business_name, business_address, province, province_code, city, incident_date, amount_rials, wants_compensation, stage,
                     stage_since, created_at, updated_at, filed_by_staff, search_business, search_city, api_key_id, due_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, 'received', ?17, ?17, ?17, ?18, ?19, ?20, ?21, ?22)",
                )
                .and_then(|mut s| {
                    s.execute(params![
                        new.tracking_code.as_str(),
                        client_id,
                        new.phone.as_str(),
                        new.channel.wire_name(),
                        f.category.wire_name(),
                        f.description,
                        f.guild_id,
                        new.business_known,
                        f.business_name,
                        f.business_address,
                        f.province.map(Province::label_fa),
                        f.province.map(Province::wire_name),
                        f.city,
                        f.incident_date.map(|d| d.to_string()),
                        f.amount_rials,
                        f.wants_compensation,
                        now,
                        new.filed_by_staff,
                        f.business_name.as_deref().map(search_key),
                        f.city.as_deref().map(search_key),
                        new.filed_by_api_key,
                        new.due_at.map(ms),
                    ])
                })
                .map_err(backend)?;
                let record = complaint_by_code(conn, new.tracking_code.as_str())
                    .map_err(backend)?
                    .ok_or_else(|| StoreError::Backend("inserted complaint vanished".into()))?;
                let seq =
                    insert_event(conn, &record, EventKind::Created, None, Stage::Received, new.actor, new.filed_by_staff, now, (None, None), None, true, None)
                        .map_err(backend)?;
                queue_sms(conn, &sms, now).map_err(backend)?;
                queue_push(conn, new.phone.as_str(), &PushMessage { tracking_code: new.tracking_code, stage: Stage::Received, cursor: seq }, now)
                    .map_err(backend)?;
                Ok(Filed::New(record, seq))
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
                let current = current_in_stage(conn, change.tracking_code, change.expected_stage)?;
                let now = ms(change.at);
                let stage_change = change.to != current.stage;
                conn.prepare_cached(
                    "UPDATE complaints SET stage = ?1, stage_since = CASE WHEN ?2 THEN ?3 ELSE stage_since END,
                     assigned_to = CASE WHEN ?2 THEN ?5 ELSE assigned_to END, assigned_at = CASE WHEN ?2 THEN ?3 ELSE assigned_at END,
                     due_at = CASE WHEN ?2 THEN ?6 ELSE due_at END, updated_at = ?3, version = version + 1 WHERE id = ?4",
                )
                .and_then(|mut s| s.execute(params![change.to.wire_name(), stage_change, now, current.id, change.holder_after, change.due_at.map(ms)]))
                .map_err(backend)?;
                let seq = insert_event(
                    conn,
                    &current,
                    change.kind,
                    stage_change.then_some(current.stage),
                    change.to,
                    change.actor,
                    change.actor_staff_id,
                    now,
                    (change.note.as_deref(), change.internal_note.as_deref()),
                    change.details.as_ref(),
                    change.visible,
                    change.action_id,
                )
                .map_err(backend)?;
                if let Some(sms) = &change.sms {
                    queue_sms(conn, sms, now).map_err(backend)?;
                }
                if change.push {
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

    async fn assign(&self, change: AssignChange) -> StoreResult<EventRecord> {
        self.db
            .write(move |conn| {
                let current = current_in_stage(conn, change.tracking_code, change.expected_stage)?;
                if current.assigned_to != change.expected_holder {
                    return Err(StoreError::HolderChanged);
                }
                let now = ms(change.at);
                conn.prepare_cached("UPDATE complaints SET assigned_to = ?2, assigned_at = ?3 WHERE id = ?1")
                    .and_then(|mut s| s.execute(params![current.id, change.to, now]))
                    .map_err(backend)?;
                touch(conn, current.id, now)?;
                let details = serde_json::json!({ "from": change.expected_holder, "to": change.to });
                let seq = insert_event(
                    conn,
                    &current,
                    EventKind::Assigned,
                    None,
                    current.stage,
                    change.actor,
                    Some(change.actor_staff_id),
                    now,
                    (None, None),
                    Some(&details),
                    false,
                    None,
                )
                .map_err(backend)?;
                Ok(EventRecord {
                    seq,
                    tracking_code: current.tracking_code,
                    kind: EventKind::Assigned,
                    from_stage: None,
                    stage: current.stage,
                    actor: change.actor,
                    actor_staff_id: Some(change.actor_staff_id),
                    at: from_ms(now),
                    note: None,
                    internal_note: None,
                    details: Some(details),
                    visible: false,
                })
            })
            .await
    }

    async fn set_province(&self, change: ProvinceChange) -> StoreResult<EventRecord> {
        self.db
            .write(move |conn| {
                let current = current_in_stage(conn, change.tracking_code, change.expected_stage)?;
                let now = ms(change.at);
                conn.prepare_cached("UPDATE complaints SET province_code = ?2, province = ?3 WHERE id = ?1")
                    .and_then(|mut s| s.execute(params![current.id, change.province.wire_name(), change.province.label_fa()]))
                    .map_err(backend)?;
                touch(conn, current.id, now)?;
                let details = serde_json::json!({ "from": current.province.map(Province::wire_name), "to": change.province.wire_name() });
                let seq = insert_event(
                    conn,
                    &current,
                    EventKind::Province,
                    None,
                    current.stage,
                    change.actor,
                    Some(change.actor_staff_id),
                    now,
                    (None, None),
                    Some(&details),
                    false,
                    None,
                )
                .map_err(backend)?;
                Ok(EventRecord {
                    seq,
                    tracking_code: current.tracking_code,
                    kind: EventKind::Province,
                    from_stage: None,
                    stage: current.stage,
                    actor: change.actor,
                    actor_staff_id: Some(change.actor_staff_id),
                    at: from_ms(now),
                    note: None,
                    internal_note: None,
                    details: Some(details),
                    visible: false,
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
    ) -> StoreResult<FeedbackOutcome> {
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
                        return Ok(FeedbackOutcome::Recorded(done));
                    }
                }
                let current = complaint_by_code(conn, code.as_str()).map_err(backend)?.ok_or(StoreError::StageChanged)?;
                if escalate {
                    let open = conn
                        .prepare_cached("SELECT 1 FROM feedback WHERE complaint_id = ?1 AND escalated = 1 AND handled = 0")
                        .and_then(|mut s| s.exists([current.id]))
                        .map_err(backend)?;
                    if open {
                        return Ok(FeedbackOutcome::EscalationOpen);
                    }
                }
                conn.execute(
                    "INSERT INTO feedback (complaint_id, rating, comment, escalated, at, action_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    params![current.id, rating, comment, escalate, ms(at), action],
                )
                .map_err(backend)?;
                let id = conn.last_insert_rowid();
                conn.execute("UPDATE complaints SET version = version + 1 WHERE id = ?1", [current.id]).map_err(backend)?;
                Ok(FeedbackOutcome::Recorded(FeedbackRecord { id, tracking_code: code, rating, comment, escalated: escalate, at: from_ms(ms(at)) }))
            })
            .await
    }

    async fn put_photo(&self, complaint_id: i64, photo: PhotoRecord, bytes: Vec<u8>, limits: PhotoLimits, at: OffsetDateTime) -> StoreResult<PutPhoto> {
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
                let (count, kept): (i64, i64) = conn
                    .query_row("SELECT count(*), coalesce(sum(size), 0) FROM photos WHERE complaint_id = ?1", [complaint_id], |r| Ok((r.get(0)?, r.get(1)?)))
                    .map_err(backend)?;
                if count >= limits.max_photos {
                    return Ok(PutPhoto::TooMany);
                }
                let size = bytes.len() as i64;
                if kept + size > limits.max_bytes_per_complaint {
                    return Ok(PutPhoto::ComplaintBytes);
                }
                if let Some(day) = limits.daily {
                    let today: i64 = conn
                        .prepare_cached(
                            "SELECT coalesce(sum(p.size), 0) FROM photos p JOIN complaints c ON c.id = p.complaint_id
                             WHERE c.phone = (SELECT phone FROM complaints WHERE id = ?1) AND p.created_at >= ?2",
                        )
                        .and_then(|mut s| s.query_row(params![complaint_id, ms(day.since)], |r| r.get(0)))
                        .map_err(backend)?;
                    if today + size > day.max {
                        return Ok(PutPhoto::DailyBytes);
                    }
                }
                conn.execute(
                    "INSERT INTO photos (complaint_id, photo_id, content_type, bytes, sha256, created_at, size) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                    params![complaint_id, id, photo.content_type, bytes, photo.sha256, ms(at), size],
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
                conn.prepare_cached("SELECT photo_id, content_type, size, sha256 FROM photos WHERE complaint_id = ?1 ORDER BY id")
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

    async fn latest_event_seq(&self) -> StoreResult<i64> {
        self.db.read(|conn| conn.query_row("SELECT coalesce(max(seq), 0) FROM events", [], |r| r.get(0)).map_err(backend)).await
    }

    async fn queue(&self, filter: QueueFilter) -> StoreResult<QueuePage> {
        self.db
            .read(move |conn| {
                let (clause, mut args) = queue_where(&filter);
                // A look-up by an exact key goes straight to its index; everything else walks
                // the queue index in display order (the first pages cost the same whatever the
                // table holds, and no plan depends on statistics being fresh).
                let exact = matches!(filter.search, Some(QueueSearch::TrackingCode(_) | QueueSearch::Phone(_) | QueueSearch::GuildId(_)));
                let narrowed =
                    filter.category.is_some() || filter.channel.is_some() || filter.city.is_some() || filter.holding != Holding::Any || filter.search.is_some();
                let walk = if exact { "" } else { "INDEXED BY complaints_queue_order" };
                let count_hint = if exact || !narrowed { "" } else { "INDEXED BY complaints_queue_order" };
                let total: i64 = conn
                    .prepare_cached(&format!("SELECT count(*) FROM complaints c {count_hint} WHERE {clause}"))
                    .and_then(|mut s| s.query_row(params_from_iter(args.iter()), |r| r.get(0)))
                    .map_err(backend)?;
                args.push(SqlValue::Integer(filter.limit));
                args.push(SqlValue::Integer(filter.offset));
                let n = args.len();
                let sql = format!(
                    "SELECT {COMPLAINT_COLUMNS}, s.display_name, s.username FROM complaints c {walk} LEFT JOIN staff s ON s.id = c.assigned_to
                     WHERE {clause} ORDER BY coalesce(c.due_at, 9223372036854775807), c.id LIMIT ?{} OFFSET ?{n}",
                    n - 1
                );
                let rows = conn
                    .prepare_cached(&sql)
                    .and_then(|mut s| {
                        s.query_map(params_from_iter(args.iter()), |r| {
                            Ok(QueueRow { complaint: complaint_row(r)?, escalation: None, holder: holder_name_row(r, COMPLAINT_WIDTH)? })
                        })?
                        .collect()
                    })
                    .map_err(backend)?;
                Ok(QueuePage { rows, total })
            })
            .await
    }

    async fn stage_clocks(&self, after: i64, limit: i64) -> StoreResult<Vec<StageClock>> {
        self.db
            .read(move |conn| {
                let sql = format!(
                    "SELECT id, stage, stage_since, due_at FROM complaints WHERE id > ?1 AND stage IN ({}) ORDER BY id LIMIT ?2",
                    crate::store::filter::open_stage_list()
                );
                conn.prepare_cached(&sql)
                    .and_then(|mut s| {
                        s.query_map(params![after, limit], |r| {
                            Ok(StageClock {
                                id: r.get(0)?,
                                stage: stage_at(r, 1)?,
                                stage_since: from_ms(r.get(2)?),
                                due_at: r.get::<_, Option<i64>>(3)?.map(from_ms),
                            })
                        })?
                        .collect()
                    })
                    .map_err(backend)
            })
            .await
    }

    async fn set_due(&self, clocks: Vec<StageClock>) -> StoreResult<u64> {
        self.db
            .write(move |conn| {
                let mut stmt = conn
                    .prepare_cached("UPDATE complaints SET due_at = ?2 WHERE id = ?1 AND stage = ?3 AND stage_since = ?4 AND due_at IS NOT ?2")
                    .map_err(backend)?;
                let mut changed = 0;
                for c in &clocks {
                    changed += stmt.execute(params![c.id, c.due_at.map(ms), c.stage.wire_name(), ms(c.stage_since)]).map_err(backend)? as u64;
                }
                Ok(changed)
            })
            .await
    }

    async fn escalations(&self, province: Option<Province>, limit: i64, offset: i64) -> StoreResult<QueuePage> {
        self.db
            .read(move |conn| {
                let province = province.map(Province::wire_name);
                let total: i64 = conn
                    .prepare_cached(
                        "SELECT count(*) FROM feedback f JOIN complaints c ON c.id = f.complaint_id
                         WHERE f.escalated = 1 AND f.handled = 0 AND (?1 IS NULL OR c.province_code = ?1)",
                    )
                    .and_then(|mut s| s.query_row(params![province], |r| r.get(0)))
                    .map_err(backend)?;
                let sql = format!(
                    "SELECT {COMPLAINT_COLUMNS}, {FEEDBACK_COLUMNS}, s.display_name, s.username FROM feedback f JOIN complaints c ON c.id = f.complaint_id
                     LEFT JOIN staff s ON s.id = c.assigned_to
                     WHERE f.escalated = 1 AND f.handled = 0 AND (?1 IS NULL OR c.province_code = ?1) ORDER BY f.at, f.id LIMIT ?2 OFFSET ?3"
                );
                let rows = conn
                    .prepare_cached(&sql)
                    .and_then(|mut s| {
                        s.query_map(params![province, limit, offset], |r| {
                            Ok(QueueRow {
                                complaint: complaint_row(r)?,
                                escalation: Some(feedback_row(r, COMPLAINT_WIDTH)?),
                                holder: holder_name_row(r, COMPLAINT_WIDTH + 6)?,
                            })
                        })?
                        .collect()
                    })
                    .map_err(backend)?;
                Ok(QueuePage { rows, total })
            })
            .await
    }

    async fn stage_counts(&self, stages: &[Stage]) -> StoreResult<Vec<StageCount>> {
        let stages = stages.to_vec();
        self.db
            .read(move |conn| {
                let mut out = Vec::new();
                let mut stmt =
                    conn.prepare_cached("SELECT province_code, count(*) FROM complaints WHERE stage = ?1 GROUP BY province_code").map_err(backend)?;
                for stage in stages {
                    let rows: Vec<(Option<Province>, i64)> =
                        stmt.query_map([stage.wire_name()], |r| Ok((province_at(r, 0)?, r.get(1)?))).and_then(|rows| rows.collect()).map_err(backend)?;
                    out.extend(rows.into_iter().map(|(province, count)| StageCount { stage, province, count }));
                }
                Ok(out)
            })
            .await
    }

    async fn record_read(&self, entry: AuditEntry) -> StoreResult<()> {
        self.db
            .write(move |conn| {
                conn.prepare_cached("INSERT INTO audit (staff_id, complaint_id, what, at) VALUES (?1, ?2, ?3, ?4)")
                    .and_then(|mut s| s.execute(params![entry.staff_id, entry.complaint_id, entry.what.as_str(), ms(entry.at)]))
                    .map_err(backend)?;
                Ok(())
            })
            .await
    }

    async fn audit(&self, filter: AuditFilter) -> StoreResult<Vec<AuditRecord>> {
        self.db
            .read(move |conn| {
                conn.prepare_cached(
                    "SELECT a.id, a.at, a.staff_id, s.username, c.tracking_code, a.what FROM audit a
                     JOIN staff s ON s.id = a.staff_id JOIN complaints c ON c.id = a.complaint_id
                     WHERE (?1 IS NULL OR c.tracking_code = ?1) AND (?2 IS NULL OR a.staff_id = ?2)
                       AND (?3 IS NULL OR c.province_code = ?3) AND (?4 IS NULL OR a.id < ?4)
                     ORDER BY a.id DESC LIMIT ?5",
                )
                .and_then(|mut s| {
                    s.query_map(
                        params![
                            filter.tracking_code.map(|c| c.as_str().to_owned()),
                            filter.staff_id,
                            filter.province.map(Province::wire_name),
                            filter.before,
                            filter.limit
                        ],
                        |r| {
                            Ok(AuditRecord {
                                id: r.get(0)?,
                                at: from_ms(r.get(1)?),
                                staff_id: r.get(2)?,
                                username: r.get(3)?,
                                tracking_code: code_at(r, 4)?,
                                what: ReadKind::from_stored(&r.get::<_, String>(5)?).ok_or_else(|| bad(5, "audit kind"))?,
                            })
                        },
                    )?
                    .collect()
                })
                .map_err(backend)
            })
            .await
    }
}
