//! Complaints: intake, the history of events, stage changes and notes, who handles what,
//! feedback about the handling, photos, the citizen's sync feed and the staff queues.
//!
//! What the SQLite backend gets from its single writer, this one gets from locks taken in a
//! fixed order: the citizen's advisory lock ([`lock_citizen`]), then the complaint's row.

use std::sync::LazyLock;

use async_trait::async_trait;
use samat_core::model::api::{EventKind, PushMessage};
use samat_core::model::text::search_key;
use samat_core::model::{PhoneNumber, Province, Stage, TrackingCode};
use time::OffsetDateTime;
use tokio_postgres::types::ToSql;
use tokio_postgres::Row;
use uuid::Uuid;

use super::rows::{
    code_at, complaint_by_code, complaint_row, event_by_action, event_row, feedback_row, get, insert_event, insert_event_as, lock_citizen, ms, next_ids,
    parsed, prepare_all, province_at, queue_push, queue_sms, Cached, NewEvent, COMPLAINT_COLUMNS, COMPLAINT_WIDTH, EVENT_COLUMNS, FEEDBACK_COLUMNS,
    INSERT_EVENT, LOCK_CITIZEN, NEXT_IDS, QUEUE_PUSH, QUEUE_SMS,
};
use super::{announce, pg, PgStore};
use crate::store::{
    AssignChange, AuditEntry, AuditFilter, AuditRecord, Change, ChangeRecord, ComplaintRecord, ComplaintStore, EventRecord, FeedbackOutcome, FeedbackRecord,
    Filed, NewComplaintRecord, NewSms, PhotoLimits, PhotoRecord, ProvinceChange, PutPhoto, QueueFilter, QueuePage, QueueRow, ReadKind, StageClock, StageCount,
    StoreError, StoreResult,
};

pub(super) type Param = Box<dyn ToSql + Sync + Send>;

/// Locks the complaint a change is about (its citizen first, then its row) and checks it is
/// still in the stage the rules saw.
async fn current_in_stage(c: &impl Cached, code: TrackingCode, expected: Stage) -> StoreResult<ComplaintRecord> {
    let Some(found) = complaint_by_code(c, code.as_str(), false).await? else { return Err(StoreError::StageChanged) };
    lock_citizen(c, found.phone.as_str()).await?;
    match complaint_by_code(c, code.as_str(), true).await? {
        Some(current) if current.stage == expected => Ok(current),
        _ => Err(StoreError::StageChanged),
    }
}

/// Marks a complaint changed (its ETag) at `now`.
async fn touch(c: &impl Cached, id: i64, now: OffsetDateTime) -> StoreResult<()> {
    c.execute_c("UPDATE complaints SET updated_at = $2, version = version + 1 WHERE id = $1", &[&id, &now]).await.map_err(pg)?;
    Ok(())
}

/// PostgreSQL's spelling of the shared queue filter.
const DIALECT: crate::store::filter::Dialect =
    crate::store::filter::Dialect { placeholder: |n| format!("${n}"), contains: |column, needle| format!("strpos({column}, {needle}) > 0") };

/// The WHERE clause and parameters of a queue filter (complaints `c`).
fn queue_where(f: &QueueFilter) -> (String, Vec<Param>) {
    let (clause, values) = crate::store::filter::queue_where(f, &DIALECT);
    (clause, params(values))
}

/// The WHERE clause and parameters of a public Open311 listing (complaints `c`).
pub(super) fn public_where(f: &crate::store::PublicFilter) -> (String, Vec<Param>) {
    let (clause, values) = crate::store::filter::public_where(f, &DIALECT);
    (clause, params(values))
}

fn params(values: Vec<crate::store::filter::FilterValue>) -> Vec<Param> {
    use crate::store::filter::FilterValue;
    values
        .into_iter()
        .map(|v| -> Param {
            match v {
                FilterValue::Text(t) => Box::new(t),
                FilterValue::Integer(i) => Box::new(i),
                FilterValue::Time(t) => Box::new(ms(t)),
                FilterValue::Uuid(u) => Box::new(u),
            }
        })
        .collect()
}

pub(super) fn refs(args: &[Param]) -> Vec<&(dyn ToSql + Sync)> {
    args.iter().map(|a| &**a as &(dyn ToSql + Sync)).collect()
}

fn holder_name(r: &Row, at: usize) -> StoreResult<Option<String>> {
    let display: Option<String> = get(r, at)?;
    let username: Option<String> = get(r, at + 1)?;
    Ok(display.filter(|d| !d.is_empty()).or(username))
}

/// The event record of what a change wrote.
fn written(current: &ComplaintRecord, seq: i64, e: &NewEvent<'_>) -> EventRecord {
    EventRecord {
        seq,
        tracking_code: current.tracking_code,
        kind: e.kind,
        from_stage: e.from,
        stage: e.to,
        actor: e.actor,
        actor_staff_id: e.actor_staff_id,
        at: e.at,
        note: e.note.map(str::to_owned),
        internal_note: e.internal_note.map(str::to_owned),
        details: e.details.cloned(),
        visible: e.visible,
    }
}

/// The statement of [`by_client_id`].
static BY_CLIENT_ID: LazyLock<String> = LazyLock::new(|| format!("SELECT {COMPLAINT_COLUMNS} FROM complaints c WHERE c.client_id = $1"));

/// The complaint filed under a client's idempotency key.
async fn by_client_id(c: &impl Cached, client_id: Uuid) -> StoreResult<Option<ComplaintRecord>> {
    c.query_opt_c(&BY_CLIENT_ID, &[&client_id]).await.map_err(pg)?.as_ref().map(complaint_row).transpose()
}

/// The statement of [`recent_filings`].
const RECENT_FILINGS: &str = "SELECT count(*), min(created_at) FROM complaints WHERE phone = $1 AND filed_by_staff IS NULL AND created_at >= $2";

/// How many complaints a citizen filed themselves since `since`, and when the oldest of them was.
async fn recent_filings(c: &impl Cached, phone: &str, since: OffsetDateTime) -> StoreResult<(i64, Option<OffsetDateTime>)> {
    let row = c.query_one_c(RECENT_FILINGS, &[&phone, &ms(since)]).await.map_err(pg)?;
    Ok((get(&row, 0)?, get(&row, 1)?))
}

/// The statement that inserts a complaint under an id drawn beforehand.
static INSERT_COMPLAINT: LazyLock<String> = LazyLock::new(|| {
    format!(
        "INSERT INTO complaints AS c (id, tracking_code, client_id, phone, channel, category, description, guild_id, business_known,
         business_name, business_address, province, province_code, city, incident_date, amount_rials, wants_compensation, stage,
         stage_since, created_at, updated_at, filed_by_staff, search_business, search_city, api_key_id, due_at)
         VALUES ($21, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, 'received', $17, $17, $17, $18, $19, $20, $22, $23)
         ON CONFLICT (client_id) DO NOTHING RETURNING {COMPLAINT_COLUMNS}"
    )
});

/// What intake's transaction came to (returned once and matched at once: not worth a box).
#[allow(clippy::large_enum_variant)]
enum Intake {
    /// Decided: filed, found, refused or to be drawn again.
    Done(Filed),
    /// Another transaction filed this `client_id` meanwhile: this one is spoiled and rolled
    /// back, and the caller looks the complaint up.
    ClientIdTaken,
}

/// Files a complaint in the transaction `c` in two round trips: first the citizen's lock and
/// what is read under it (the idempotency key, the quota) with the new rows' ids drawn, then
/// the complaint, its first event, its SMS and its pushes. The statements of a round trip run
/// in the order they are written, one after the other, as if sent one by one.
async fn insert_complaint(c: &impl Cached, new: &NewComplaintRecord, sms: &NewSms) -> StoreResult<Intake> {
    prepare_all(c, &[LOCK_CITIZEN, &BY_CLIENT_ID, RECENT_FILINGS, NEXT_IDS, &INSERT_COMPLAINT, INSERT_EVENT, QUEUE_SMS, QUEUE_PUSH]).await?;
    let phone = new.phone.as_str();
    // The citizen's lock first: their quota is counted, and their events ordered, one
    // transaction at a time.
    let quota = async {
        match new.quota {
            Some(quota) => recent_filings(c, phone, quota.since).await.map(|recent| Some((quota, recent))),
            None => Ok(None),
        }
    };
    let (locked, existing, recent, ids) = tokio::join!(biased; lock_citizen(c, phone), by_client_id(c, new.client_id), quota, next_ids(c));
    locked?;
    if let Some(existing) = existing? {
        if existing.phone != new.phone {
            return Err(StoreError::Conflict("this client_id was used for another citizen's complaint".into()));
        }
        return Ok(Intake::Done(Filed::Existing(existing)));
    }
    if let Some((quota, (filed, oldest))) = recent? {
        if filed >= quota.max {
            return Ok(Intake::Done(Filed::QuotaExceeded(oldest.unwrap_or(quota.since))));
        }
    }
    let (id, seq) = ids?;
    // A drawn code already taken fails the insert below (and the caller draws again).
    let f = &new.fields;
    let now = ms(new.at);
    let due_at = new.due_at.map(ms);
    let params: [&(dyn ToSql + Sync); 23] = [
        &new.tracking_code.as_str(),
        &new.client_id,
        &phone,
        &new.channel.wire_name(),
        &f.category.wire_name(),
        &f.description,
        &f.guild_id,
        &new.business_known,
        &f.business_name,
        &f.business_address,
        &f.province.map(Province::label_fa),
        &f.province.map(Province::wire_name),
        &f.city,
        &f.incident_date,
        &f.amount_rials,
        &f.wants_compensation,
        &now,
        &new.filed_by_staff,
        &f.business_name.as_deref().map(search_key),
        &f.city.as_deref().map(search_key),
        &id,
        &new.filed_by_api_key,
        &due_at,
    ];
    let event = NewEvent {
        kind: EventKind::Created,
        from: None,
        to: Stage::Received,
        actor: new.actor,
        actor_staff_id: new.filed_by_staff,
        at: now,
        note: None,
        internal_note: None,
        details: None,
        visible: true,
        action_id: None,
    };
    let push = PushMessage { tracking_code: new.tracking_code, stage: Stage::Received, cursor: seq };
    let (inserted, event, queued_sms, queued_push) = tokio::join!(
        biased;
        c.query_opt_c(&INSERT_COMPLAINT, &params),
        insert_event_as(c, id, phone, Some(seq), &event),
        queue_sms(c, sms, now),
        queue_push(c, phone, &push, now),
    );
    // The complaint's insert is the first statement: when it failed, the others failed
    // only because the transaction had.
    let record = match inserted.map_err(pg) {
        Ok(Some(row)) => complaint_row(&row)?,
        // Filed meanwhile with this client_id by another transaction.
        Ok(None) => return Ok(Intake::ClientIdTaken),
        // Another transaction took the code between the draw and the insert.
        Err(StoreError::Conflict(constraint)) if constraint.contains("tracking_code") => return Ok(Intake::Done(Filed::CodeTaken)),
        Err(e) => return Err(e),
    };
    event?;
    queued_sms?;
    queued_push?;
    Ok(Intake::Done(Filed::New(record, seq)))
}

#[async_trait]
impl ComplaintStore for PgStore {
    async fn insert_complaint(&self, new: NewComplaintRecord, sms: NewSms) -> StoreResult<Filed> {
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await.map_err(pg)?;
        let filed = match insert_complaint(&tx, &new, &sms).await? {
            Intake::Done(filed) => filed,
            Intake::ClientIdTaken => {
                drop(tx);
                return match by_client_id(&conn, new.client_id).await? {
                    Some(e) if e.phone == new.phone => Ok(Filed::Existing(e)),
                    _ => Err(StoreError::Conflict("this client_id was used for another citizen's complaint".into())),
                };
            }
        };
        if let Filed::New(record, seq) = &filed {
            tx.commit().await.map_err(pg)?;
            announce(&mut conn, Change::Event { phone: record.phone.as_str().to_owned(), seq: *seq, visible: true }).await;
        }
        Ok(filed)
    }

    async fn complaint(&self, code: TrackingCode) -> StoreResult<Option<ComplaintRecord>> {
        complaint_by_code(&self.conn().await?, code.as_str(), false).await
    }

    async fn events(&self, complaint_id: i64) -> StoreResult<Vec<EventRecord>> {
        let conn = self.conn().await?;
        let sql = format!("SELECT {EVENT_COLUMNS} FROM events e JOIN complaints c ON c.id = e.complaint_id WHERE e.complaint_id = $1 ORDER BY e.seq");
        conn.query_c(&sql, &[&complaint_id]).await.map_err(pg)?.iter().map(event_row).collect()
    }

    async fn feedback(&self, complaint_id: i64) -> StoreResult<Vec<FeedbackRecord>> {
        let conn = self.conn().await?;
        let sql = format!("SELECT {FEEDBACK_COLUMNS} FROM feedback f JOIN complaints c ON c.id = f.complaint_id WHERE f.complaint_id = $1 ORDER BY f.id");
        conn.query_c(&sql, &[&complaint_id]).await.map_err(pg)?.iter().map(|r| feedback_row(r, 0)).collect()
    }

    async fn complaints_of(&self, phone: &PhoneNumber) -> StoreResult<Vec<ComplaintRecord>> {
        let conn = self.conn().await?;
        let sql = format!("SELECT {COMPLAINT_COLUMNS} FROM complaints c WHERE c.phone = $1 ORDER BY c.created_at DESC, c.id DESC");
        conn.query_c(&sql, &[&phone.as_str()]).await.map_err(pg)?.iter().map(complaint_row).collect()
    }

    async fn record_change(&self, change: ChangeRecord) -> StoreResult<EventRecord> {
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await.map_err(pg)?;
        let c = &tx;
        let current = current_in_stage(c, change.tracking_code, change.expected_stage).await;
        // A retried action: the first result (checked after the complaint's lock, so two
        // requests racing with one key meet here one after the other).
        if let Some(action) = change.action_id {
            if let Some(done) = event_by_action(c, action).await? {
                if done.tracking_code != change.tracking_code {
                    return Err(StoreError::ActionIdConflict);
                }
                return Ok(done);
            }
        }
        let current = current?;
        let now = ms(change.at);
        let stage_change = change.to != current.stage;
        c.execute_c(
            "UPDATE complaints SET stage = $1, stage_since = CASE WHEN $2 THEN $3 ELSE stage_since END,
             assigned_to = CASE WHEN $2 THEN $5 ELSE assigned_to END, assigned_at = CASE WHEN $2 THEN $3 ELSE assigned_at END,
             due_at = CASE WHEN $2 THEN $6 ELSE due_at END, updated_at = $3, version = version + 1 WHERE id = $4",
            &[&change.to.wire_name(), &stage_change, &now, &current.id, &change.holder_after, &change.due_at.map(ms)],
        )
        .await
        .map_err(pg)?;
        let event = NewEvent {
            kind: change.kind,
            from: stage_change.then_some(current.stage),
            to: change.to,
            actor: change.actor,
            actor_staff_id: change.actor_staff_id,
            at: now,
            note: change.note.as_deref(),
            internal_note: change.internal_note.as_deref(),
            details: change.details.as_ref(),
            visible: change.visible,
            action_id: change.action_id,
        };
        let seq = insert_event(c, &current, &event).await.map_err(|e| match e {
            StoreError::Conflict(k) if k.contains("action") => StoreError::ActionIdConflict,
            other => other,
        })?;
        if let Some(sms) = &change.sms {
            queue_sms(c, sms, now).await?;
        }
        if change.push {
            queue_push(c, current.phone.as_str(), &PushMessage { tracking_code: current.tracking_code, stage: change.to, cursor: seq }, now).await?;
        }
        let record = written(&current, seq, &event);
        tx.commit().await.map_err(pg)?;
        announce(&mut conn, Change::Event { phone: current.phone.as_str().to_owned(), seq, visible: record.visible }).await;
        Ok(record)
    }

    async fn assign(&self, change: AssignChange) -> StoreResult<EventRecord> {
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await.map_err(pg)?;
        let c = &tx;
        let current = current_in_stage(c, change.tracking_code, change.expected_stage).await?;
        if current.assigned_to != change.expected_holder {
            return Err(StoreError::HolderChanged);
        }
        let now = ms(change.at);
        c.execute_c("UPDATE complaints SET assigned_to = $2, assigned_at = $3 WHERE id = $1", &[&current.id, &change.to, &now]).await.map_err(pg)?;
        touch(c, current.id, now).await?;
        let details = serde_json::json!({ "from": change.expected_holder, "to": change.to });
        let event = NewEvent {
            kind: EventKind::Assigned,
            from: None,
            to: current.stage,
            actor: change.actor,
            actor_staff_id: Some(change.actor_staff_id),
            at: now,
            note: None,
            internal_note: None,
            details: Some(&details),
            visible: false,
            action_id: None,
        };
        let seq = insert_event(c, &current, &event).await?;
        let record = written(&current, seq, &event);
        tx.commit().await.map_err(pg)?;
        announce(&mut conn, Change::Event { phone: current.phone.as_str().to_owned(), seq, visible: record.visible }).await;
        Ok(record)
    }

    async fn set_province(&self, change: ProvinceChange) -> StoreResult<EventRecord> {
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await.map_err(pg)?;
        let c = &tx;
        let current = current_in_stage(c, change.tracking_code, change.expected_stage).await?;
        let now = ms(change.at);
        c.execute_c(
            "UPDATE complaints SET province_code = $2, province = $3 WHERE id = $1",
            &[&current.id, &change.province.wire_name(), &change.province.label_fa()],
        )
        .await
        .map_err(pg)?;
        touch(c, current.id, now).await?;
        let details = serde_json::json!({ "from": current.province.map(Province::wire_name), "to": change.province.wire_name() });
        let event = NewEvent {
            kind: EventKind::Province,
            from: None,
            to: current.stage,
            actor: change.actor,
            actor_staff_id: Some(change.actor_staff_id),
            at: now,
            note: None,
            internal_note: None,
            details: Some(&details),
            visible: false,
            action_id: None,
        };
        let seq = insert_event(c, &current, &event).await?;
        let record = written(&current, seq, &event);
        tx.commit().await.map_err(pg)?;
        announce(&mut conn, Change::Event { phone: current.phone.as_str().to_owned(), seq, visible: record.visible }).await;
        Ok(record)
    }

    async fn event_by_action(&self, action_id: Uuid) -> StoreResult<Option<EventRecord>> {
        event_by_action(&self.conn().await?, action_id).await
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
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await.map_err(pg)?;
        let c = &tx;
        // The complaint's row, locked: one escalation check at a time.
        let current = complaint_by_code(c, code.as_str(), true).await?.ok_or(StoreError::StageChanged)?;
        if let Some(action) = action_id {
            let sql = format!("SELECT {FEEDBACK_COLUMNS} FROM feedback f JOIN complaints c ON c.id = f.complaint_id WHERE f.action_id = $1");
            if let Some(row) = c.query_opt_c(&sql, &[&action]).await.map_err(pg)? {
                let done = feedback_row(&row, 0)?;
                if done.tracking_code != code {
                    return Err(StoreError::ActionIdConflict);
                }
                return Ok(FeedbackOutcome::Recorded(done));
            }
        }
        if escalate
            && c.query_opt_c("SELECT 1 FROM feedback WHERE complaint_id = $1 AND escalated AND NOT handled", &[&current.id]).await.map_err(pg)?.is_some()
        {
            return Ok(FeedbackOutcome::EscalationOpen);
        }
        let at = ms(at);
        let row = c
            .query_one_c(
                "INSERT INTO feedback (complaint_id, rating, comment, escalated, at, action_id) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                &[&current.id, &rating, &comment, &escalate, &at, &action_id],
            )
            .await
            .map_err(|e| match pg(e) {
                StoreError::Conflict(k) if k.contains("action") => StoreError::ActionIdConflict,
                other => other,
            })?;
        let id: i64 = get(&row, 0)?;
        c.execute_c("UPDATE complaints SET version = version + 1 WHERE id = $1", &[&current.id]).await.map_err(pg)?;
        tx.commit().await.map_err(pg)?;
        announce(&mut conn, Change::Staff).await;
        Ok(FeedbackOutcome::Recorded(FeedbackRecord { id, tracking_code: code, rating, comment, escalated: escalate, at }))
    }

    async fn put_photo(&self, complaint_id: i64, photo: PhotoRecord, bytes: Vec<u8>, limits: PhotoLimits, at: OffsetDateTime) -> StoreResult<PutPhoto> {
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await.map_err(pg)?;
        let c = &tx;
        let Some(owner) = c.query_opt_c("SELECT phone FROM complaints WHERE id = $1", &[&complaint_id]).await.map_err(pg)? else {
            return Err(StoreError::StageChanged);
        };
        let phone: String = get(&owner, 0)?;
        // The citizen's lock: their photos of the day are counted one upload at a time.
        lock_citizen(c, &phone).await?;
        if let Some(row) =
            c.query_opt_c("SELECT sha256 FROM photos WHERE complaint_id = $1 AND photo_id = $2", &[&complaint_id, &photo.photo_id]).await.map_err(pg)?
        {
            let sha: String = get(&row, 0)?;
            return Ok(if sha == photo.sha256 { PutPhoto::Exists(photo) } else { PutPhoto::IdConflict });
        }
        let row = c.query_one_c("SELECT count(*), coalesce(sum(size), 0)::bigint FROM photos WHERE complaint_id = $1", &[&complaint_id]).await.map_err(pg)?;
        let (count, kept): (i64, i64) = (get(&row, 0)?, get(&row, 1)?);
        if count >= limits.max_photos {
            return Ok(PutPhoto::TooMany);
        }
        let size = bytes.len() as i64;
        if kept + size > limits.max_bytes_per_complaint {
            return Ok(PutPhoto::ComplaintBytes);
        }
        if let Some(day) = limits.daily {
            let row = c
                .query_one_c(
                    "SELECT coalesce(sum(p.size), 0)::bigint FROM photos p JOIN complaints c ON c.id = p.complaint_id WHERE c.phone = $1 AND p.created_at >= $2",
                    &[&phone, &ms(day.since)],
                )
                .await
                .map_err(pg)?;
            let today: i64 = get(&row, 0)?;
            if today + size > day.max {
                return Ok(PutPhoto::DailyBytes);
            }
        }
        c.execute_c(
            "INSERT INTO photos (complaint_id, photo_id, content_type, bytes, sha256, created_at, size) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            &[&complaint_id, &photo.photo_id, &photo.content_type, &bytes, &photo.sha256, &ms(at), &size],
        )
        .await
        .map_err(pg)?;
        c.execute_c("UPDATE complaints SET version = version + 1 WHERE id = $1", &[&complaint_id]).await.map_err(pg)?;
        tx.commit().await.map_err(pg)?;
        Ok(PutPhoto::Created(photo))
    }

    async fn photos(&self, complaint_id: i64) -> StoreResult<Vec<PhotoRecord>> {
        let conn = self.conn().await?;
        let rows =
            conn.query_c("SELECT photo_id, content_type, size, sha256 FROM photos WHERE complaint_id = $1 ORDER BY id", &[&complaint_id]).await.map_err(pg)?;
        rows.iter().map(|r| Ok(PhotoRecord { photo_id: get(r, 0)?, content_type: get(r, 1)?, size: get(r, 2)?, sha256: get(r, 3)? })).collect()
    }

    async fn photo_bytes(&self, complaint_id: i64, photo_id: Uuid) -> StoreResult<Option<(String, Vec<u8>)>> {
        let conn = self.conn().await?;
        let row = conn
            .query_opt_c("SELECT content_type, bytes FROM photos WHERE complaint_id = $1 AND photo_id = $2", &[&complaint_id, &photo_id])
            .await
            .map_err(pg)?;
        row.map(|r| Ok((get(&r, 0)?, get(&r, 1)?))).transpose()
    }

    async fn stage_clocks(&self, after: i64, limit: i64) -> StoreResult<Vec<StageClock>> {
        let conn = self.conn().await?;
        let sql = format!(
            "SELECT id, stage, stage_since, due_at FROM complaints WHERE id > $1 AND stage IN ({}) ORDER BY id LIMIT $2",
            crate::store::filter::open_stage_list()
        );
        conn.query_c(&sql, &[&after, &limit])
            .await
            .map_err(pg)?
            .iter()
            .map(|r| Ok(StageClock { id: get(r, 0)?, stage: parsed(r, 1, "stage", Stage::from_wire)?, stage_since: get(r, 2)?, due_at: get(r, 3)? }))
            .collect()
    }

    async fn set_due(&self, clocks: Vec<StageClock>) -> StoreResult<u64> {
        if clocks.is_empty() {
            return Ok(0);
        }
        let conn = self.conn().await?;
        let ids: Vec<i64> = clocks.iter().map(|c| c.id).collect();
        let stages: Vec<&str> = clocks.iter().map(|c| c.stage.wire_name()).collect();
        let since: Vec<OffsetDateTime> = clocks.iter().map(|c| ms(c.stage_since)).collect();
        let due: Vec<Option<OffsetDateTime>> = clocks.iter().map(|c| c.due_at.map(ms)).collect();
        // One statement for the batch: the arrays are zipped back into rows.
        conn.execute_c(
            "UPDATE complaints c SET due_at = d.due_at
             FROM unnest($1::bigint[], $2::text[], $3::timestamptz[], $4::timestamptz[]) AS d(id, stage, stage_since, due_at)
             WHERE c.id = d.id AND c.stage = d.stage AND c.stage_since = d.stage_since AND c.due_at IS DISTINCT FROM d.due_at",
            &[&ids, &stages, &since, &due],
        )
        .await
        .map_err(pg)
    }

    async fn close_escalation(&self, feedback_id: i64) -> StoreResult<bool> {
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await.map_err(pg)?;
        let n = tx.execute_c("UPDATE feedback SET handled = true WHERE id = $1 AND escalated AND NOT handled", &[&feedback_id]).await.map_err(pg)?;
        tx.commit().await.map_err(pg)?;
        announce(&mut conn, Change::Staff).await;
        Ok(n == 1)
    }

    async fn events_since(&self, phone: &PhoneNumber, since: i64, limit: i64) -> StoreResult<Vec<EventRecord>> {
        let conn = self.conn().await?;
        let sql = format!(
            "SELECT {EVENT_COLUMNS} FROM events e JOIN complaints c ON c.id = e.complaint_id
             WHERE e.phone = $1 AND e.visible AND e.seq > $2 ORDER BY e.seq LIMIT $3"
        );
        conn.query_c(&sql, &[&phone.as_str(), &since, &limit]).await.map_err(pg)?.iter().map(event_row).collect()
    }

    async fn latest_seq(&self, phone: &PhoneNumber) -> StoreResult<i64> {
        let conn = self.conn().await?;
        let row = conn.query_one_c("SELECT coalesce(max(seq), 0)::bigint FROM events WHERE phone = $1 AND visible", &[&phone.as_str()]).await.map_err(pg)?;
        get(&row, 0)
    }

    async fn latest_event_seq(&self) -> StoreResult<i64> {
        let conn = self.conn().await?;
        let row = conn.query_one_c("SELECT coalesce(max(seq), 0)::bigint FROM events", &[]).await.map_err(pg)?;
        get(&row, 0)
    }

    async fn queue(&self, filter: QueueFilter) -> StoreResult<QueuePage> {
        let conn = self.conn().await?;
        let (clause, mut args) = queue_where(&filter);
        let total: i64 = get(&conn.query_one_c(&format!("SELECT count(*) FROM complaints c WHERE {clause}"), &refs(&args)).await.map_err(pg)?, 0)?;
        args.push(Box::new(filter.limit));
        args.push(Box::new(filter.offset));
        let n = args.len();
        let sql = format!(
            "SELECT {COMPLAINT_COLUMNS}, s.display_name, s.username FROM complaints c LEFT JOIN staff s ON s.id = c.assigned_to
             WHERE {clause} ORDER BY c.due_at, c.id LIMIT ${} OFFSET ${n}",
            n - 1
        );
        let rows = conn.query_c(&sql, &refs(&args)).await.map_err(pg)?;
        let rows = rows
            .iter()
            .map(|r| Ok(QueueRow { complaint: complaint_row(r)?, escalation: None, holder: holder_name(r, COMPLAINT_WIDTH)? }))
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(QueuePage { rows, total })
    }

    async fn escalations(&self, province: Option<Province>, limit: i64, offset: i64) -> StoreResult<QueuePage> {
        let conn = self.conn().await?;
        let province = province.map(Province::wire_name);
        let total: i64 = get(
            &conn
                .query_one_c(
                    "SELECT count(*) FROM feedback f JOIN complaints c ON c.id = f.complaint_id
                     WHERE f.escalated AND NOT f.handled AND ($1::text IS NULL OR c.province_code = $1)",
                    &[&province],
                )
                .await
                .map_err(pg)?,
            0,
        )?;
        let sql = format!(
            "SELECT {COMPLAINT_COLUMNS}, {FEEDBACK_COLUMNS}, s.display_name, s.username FROM feedback f JOIN complaints c ON c.id = f.complaint_id
             LEFT JOIN staff s ON s.id = c.assigned_to
             WHERE f.escalated AND NOT f.handled AND ($1::text IS NULL OR c.province_code = $1) ORDER BY f.at, f.id LIMIT $2 OFFSET $3"
        );
        let rows = conn.query_c(&sql, &[&province, &limit, &offset]).await.map_err(pg)?;
        let rows = rows
            .iter()
            .map(|r| {
                Ok(QueueRow { complaint: complaint_row(r)?, escalation: Some(feedback_row(r, COMPLAINT_WIDTH)?), holder: holder_name(r, COMPLAINT_WIDTH + 6)? })
            })
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(QueuePage { rows, total })
    }

    async fn stage_counts(&self, stages: &[Stage]) -> StoreResult<Vec<StageCount>> {
        let conn = self.conn().await?;
        let mut out = Vec::new();
        for &stage in stages {
            let rows = conn
                .query_c("SELECT province_code, count(*) FROM complaints WHERE stage = $1 GROUP BY province_code", &[&stage.wire_name()])
                .await
                .map_err(pg)?;
            for r in &rows {
                out.push(StageCount { stage, province: province_at(r, 0)?, count: get(r, 1)? });
            }
        }
        Ok(out)
    }

    async fn record_read(&self, entry: AuditEntry) -> StoreResult<()> {
        let conn = self.conn().await?;
        conn.execute_c(
            "INSERT INTO audit (staff_id, complaint_id, what, at) VALUES ($1, $2, $3, $4)",
            &[&entry.staff_id, &entry.complaint_id, &entry.what.as_str(), &ms(entry.at)],
        )
        .await
        .map_err(pg)?;
        Ok(())
    }

    async fn audit(&self, filter: AuditFilter) -> StoreResult<Vec<AuditRecord>> {
        let conn = self.conn().await?;
        let rows = conn
            .query_c(
                "SELECT a.id, a.at, a.staff_id, s.username, c.tracking_code, a.what FROM audit a
                 JOIN staff s ON s.id = a.staff_id JOIN complaints c ON c.id = a.complaint_id
                 WHERE ($1::text IS NULL OR c.tracking_code = $1) AND ($2::bigint IS NULL OR a.staff_id = $2)
                   AND ($3::text IS NULL OR c.province_code = $3) AND ($4::bigint IS NULL OR a.id < $4)
                 ORDER BY a.id DESC LIMIT $5",
                &[
                    &filter.tracking_code.map(|c| c.as_str().to_owned()),
                    &filter.staff_id,
                    &filter.province.map(Province::wire_name),
                    &filter.before,
                    &filter.limit,
                ],
            )
            .await
            .map_err(pg)?;
        rows.iter()
            .map(|r| {
                let what: String = get(r, 5)?;
                Ok(AuditRecord {
                    id: get(r, 0)?,
                    at: get(r, 1)?,
                    staff_id: get(r, 2)?,
                    username: get(r, 3)?,
                    tracking_code: code_at(r, 4)?,
                    what: ReadKind::from_stored(&what).ok_or_else(|| super::rows::bad("audit kind", &what))?,
                })
            })
            .collect()
    }
}
