//! What happens when someone acts on a complaint, whichever door they came through (the JSON
//! API, the staff console, the citizens' portal): the core's pure workflow rules decide, one
//! store transaction records the change, its audit event, its SMS and pushes, and the
//! waiters and workers are woken. Errors are [`ApiError`]s with stable codes, which the API
//! sends as problem documents and the web pages show in Persian.

use axum::http::StatusCode;
use samat_core::model::api::{check_rating, note_field as core_note_field, EventKind, FieldError, NewComplaint, SubmitResponse, MAX_PHOTOS_PER_COMPLAINT};
use samat_core::model::workflow::{self, check_transition, AssignDenied, ComplaintFacts, NoteDenied, TransitionDenied, TransitionInput};
use samat_core::model::{Actor, Channel, PhoneNumber, Province, Role, Stage, TrackingCode};
use serde_json::Value;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::error::{ApiError, ApiResult};
use crate::notice;
use crate::registry;
use crate::state::AppState;
use crate::store::{
    Allowance, AssignChange, AuditEntry, ChangeRecord, ComplaintRecord, EventRecord, FeedbackOutcome, FeedbackRecord, Filed, NewComplaintRecord, NewSms,
    PhotoLimits, PhotoRecord, ProvinceChange, PutPhoto, ReadKind, SmsKind, StoreError,
};

pub use samat_core::model::clock::today_in_iran;

/// Who acts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Who {
    /// The citizen the complaint belongs to.
    Citizen,
    /// A staff member.
    Staff(StaffWho),
}

/// A staff member as the rules see them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StaffWho {
    /// Staff id.
    pub id: i64,
    pub role: Role,
    /// Province (`None`: national).
    pub province: Option<Province>,
}

impl Who {
    /// The actor recorded in the history.
    pub fn actor(self) -> Actor {
        match self {
            Who::Citizen => Actor::Citizen,
            Who::Staff(s) => Actor::Staff(s.role),
        }
    }

    fn staff(self) -> Option<StaffWho> {
        match self {
            Who::Citizen => None,
            Who::Staff(s) => Some(s),
        }
    }
}

/// The HTTP answer for a refused move.
pub fn denied(e: TransitionDenied) -> ApiError {
    let status = match e {
        TransitionDenied::InvalidTransition { .. } | TransitionDenied::NotCompensationClaim => StatusCode::CONFLICT,
        TransitionDenied::ActorNotAllowed(_) => StatusCode::FORBIDDEN,
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    };
    ApiError::new(status, e.code(), e.to_string())
}

fn assign_denied(e: AssignDenied) -> ApiError {
    let status = match e {
        AssignDenied::NotYourStage | AssignDenied::SupervisorsOnly => StatusCode::FORBIDDEN,
        AssignDenied::AssigneeCannotHandle => StatusCode::UNPROCESSABLE_ENTITY,
        AssignDenied::Final | AssignDenied::HeldByOther | AssignDenied::NotHolder => StatusCode::CONFLICT,
    };
    ApiError::new(status, e.code(), e.to_string())
}

/// A note, normalised and length-checked (`too_long` as a field problem).
pub fn note_field(field: &str, value: Option<&str>) -> ApiResult<Option<String>> {
    core_note_field(field, value).map_err(|e| ApiError::invalid_fields(vec![e]))
}

/// A complaint a staff member may see: one outside their province, or in a stage their role
/// does not handle, is the same 404 as one that does not exist.
pub async fn staff_complaint(state: &AppState, staff: StaffWho, code: TrackingCode) -> ApiResult<ComplaintRecord> {
    match state.store.complaint(code).await? {
        Some(c) if workflow::in_jurisdiction(staff.province, c.province) && workflow::may_read(staff.role, c.stage) => Ok(c),
        _ => Err(ApiError::new(StatusCode::NOT_FOUND, "complaint_not_found", "no complaint has this tracking code")),
    }
}

/// Records that a staff member read a complaint's personal data (its page, print, a photo),
/// for the supervisors' audit. Written in the background: the page does not wait for it.
pub fn audit_read(state: &AppState, staff: StaffWho, complaint: &ComplaintRecord, what: ReadKind) {
    let store = state.store.clone();
    let entry = AuditEntry { staff_id: staff.id, complaint_id: complaint.id, what, at: OffsetDateTime::now_utc() };
    tokio::spawn(async move {
        if let Err(e) = store.record_read(entry).await {
            tracing::warn!(error = %e, "could not record a staff read for the audit");
        }
    });
}

/// A requested move.
pub struct Move {
    /// Target stage.
    pub to: Stage,
    /// Note for the citizen.
    pub note: Option<String>,
    /// Staff-only note.
    pub internal_note: Option<String>,
    /// Structured details.
    pub details: Option<Value>,
    /// The citizen's idempotency key.
    pub action_id: Option<uuid::Uuid>,
}

/// Checks `mv` against the rules for `who` and records it.
pub async fn move_complaint(state: &AppState, complaint: &ComplaintRecord, who: Who, mv: Move) -> ApiResult<EventRecord> {
    if let Some(action) = mv.action_id {
        // A retried action: answer what the first attempt did.
        if let Some(done) = state.store.event_by_action(action).await? {
            if done.tracking_code != complaint.tracking_code {
                return Err(ApiError::new(StatusCode::CONFLICT, "action_id_conflict", "this action_id was used for another complaint"));
            }
            return Ok(done);
        }
    }
    let verdict = workflow::verdict_details(mv.to, mv.details.as_ref()).map_err(ApiError::invalid_fields)?;
    let facts = ComplaintFacts { stage: complaint.stage, wants_compensation: complaint.wants_compensation };
    let input = TransitionInput { to: mv.to, has_note: mv.note.is_some(), has_verdict: verdict.is_some() };
    check_transition(who.actor(), &facts, &input).map_err(denied)?;
    let details = match &verdict {
        Some(v) => Some(serde_json::to_value(v).map_err(ApiError::internal)?),
        None => {
            workflow::check_no_details(mv.details.as_ref()).map_err(|e| ApiError::invalid_fields(vec![e]))?;
            None
        }
    };
    let mover = who.staff().map(|s| (s.id, s.role));
    let now = OffsetDateTime::now_utc();
    let change = ChangeRecord {
        tracking_code: complaint.tracking_code,
        expected_stage: complaint.stage,
        to: mv.to,
        kind: EventKind::Stage,
        actor: who.actor(),
        actor_staff_id: mover.map(|m| m.0),
        note: mv.note,
        internal_note: mv.internal_note,
        details,
        visible: true,
        sms: Some(NewSms {
            to: complaint.phone.clone(),
            text: notice::stage_changed(complaint.tracking_code, complaint.business_name.as_deref(), mv.to, verdict.as_ref()),
            kind: SmsKind::Notice,
            token: None,
        }),
        push: true,
        action_id: mv.action_id,
        holder_after: workflow::holder_after_move(complaint.assigned_to, mover, mv.to),
        due_at: state.settings.standards.due_at(mv.to, now),
        at: now,
    };
    let event = state.store.record_change(change).await?;
    state.metrics.transition();
    announce(state, &complaint.phone, event.seq);
    Ok(event)
}

/// A staff note on a complaint; a note the citizen sees is announced by SMS and push.
pub async fn add_note(state: &AppState, complaint: &ComplaintRecord, staff: StaffWho, note: Option<&str>, visible: bool) -> ApiResult<EventRecord> {
    if let Err(denied) = workflow::check_note(staff.role, complaint.stage, visible) {
        let status = if denied == NoteDenied::Closed { StatusCode::CONFLICT } else { StatusCode::FORBIDDEN };
        return Err(ApiError::new(status, denied.code(), denied.to_string()));
    }
    let note = note_field("note", note)?.ok_or_else(|| ApiError::invalid_fields(vec![FieldError::new("note", "note_empty", "write the note")]))?;
    let change = ChangeRecord {
        tracking_code: complaint.tracking_code,
        expected_stage: complaint.stage,
        to: complaint.stage,
        kind: EventKind::Note,
        actor: Actor::Staff(staff.role),
        actor_staff_id: Some(staff.id),
        note: visible.then(|| note.clone()),
        internal_note: (!visible).then_some(note),
        details: None,
        visible,
        sms: visible.then(|| NewSms {
            to: complaint.phone.clone(),
            text: notice::new_note(complaint.tracking_code, complaint.business_name.as_deref(), complaint.stage, staff.role),
            kind: SmsKind::Notice,
            token: None,
        }),
        push: visible,
        action_id: None,
        holder_after: complaint.assigned_to,
        due_at: None,
        at: OffsetDateTime::now_utc(),
    };
    let e = state.store.record_change(change).await?;
    if visible {
        announce(state, &complaint.phone, e.seq);
    } else {
        state.hub.publish_staff();
    }
    Ok(e)
}

/// What to do about who handles a complaint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Handling {
    /// "I'm handling it."
    Take,
    /// Let go of it.
    Release,
    /// A supervisor hands it to this staff member.
    HandTo(i64),
}

/// Takes, releases or hands over a complaint, as the rules allow.
pub async fn assign(state: &AppState, complaint: &ComplaintRecord, staff: StaffWho, handling: Handling) -> ApiResult<EventRecord> {
    let holder = complaint.assigned_to;
    let to = match handling {
        Handling::Take => {
            workflow::check_take(staff.role, complaint.stage, holder, staff.id).map_err(assign_denied)?;
            Some(staff.id)
        }
        Handling::Release => {
            workflow::check_release(staff.role, holder, staff.id).map_err(assign_denied)?;
            None
        }
        Handling::HandTo(id) => {
            let target =
                state.store.staff_by_id(id).await?.filter(|t| t.active && workflow::in_jurisdiction(t.province, complaint.province)).ok_or_else(|| {
                    ApiError::invalid_fields(vec![FieldError::new("assignee", "unknown_staff", "no active staff member of this province has this id")])
                })?;
            workflow::check_reassign(staff.role, complaint.stage, target.role).map_err(assign_denied)?;
            Some(target.id)
        }
    };
    let change = AssignChange {
        tracking_code: complaint.tracking_code,
        expected_stage: complaint.stage,
        expected_holder: holder,
        to,
        actor: Actor::Staff(staff.role),
        actor_staff_id: staff.id,
        at: OffsetDateTime::now_utc(),
    };
    let e = state.store.assign(change).await?;
    state.hub.publish_staff();
    Ok(e)
}

/// Places a complaint in a province (national accounts).
pub async fn set_province(state: &AppState, complaint: &ComplaintRecord, staff: StaffWho, province: Province) -> ApiResult<EventRecord> {
    if !workflow::may_set_province(staff.role, staff.province, complaint.stage) {
        return Err(ApiError::forbidden("role_not_allowed", "only national experts, operators and supervisors place an open complaint in a province"));
    }
    let change = ProvinceChange {
        tracking_code: complaint.tracking_code,
        expected_stage: complaint.stage,
        province,
        actor: Actor::Staff(staff.role),
        actor_staff_id: staff.id,
        at: OffsetDateTime::now_utc(),
    };
    let e = state.store.set_province(change).await?;
    state.hub.publish_staff();
    Ok(e)
}

/// The citizen's answer to the business's reply in self-regulation.
pub async fn decide(state: &AppState, complaint: &ComplaintRecord, accept: bool, note: Option<&str>, action_id: Option<uuid::Uuid>) -> ApiResult<EventRecord> {
    if let Some(a) = action_id {
        if let Some(done) = state.store.event_by_action(a).await?.filter(|e| e.tracking_code == complaint.tracking_code) {
            return Ok(done);
        }
    }
    let to = workflow::decision_move(complaint.stage, accept).map_err(|_| {
        ApiError::new(
            StatusCode::CONFLICT,
            "invalid_transition",
            format!("a decision is only taken in self_regulation; this complaint is in {}", complaint.stage.wire_name()),
        )
    })?;
    let note = note_field("note", note)?;
    move_complaint(state, complaint, Who::Citizen, Move { to, note, internal_note: None, details: None, action_id }).await
}

/// The citizen withdraws the complaint (any time before a verdict).
pub async fn withdraw(state: &AppState, complaint: &ComplaintRecord, note: Option<&str>, action_id: Option<uuid::Uuid>) -> ApiResult<EventRecord> {
    let note = note_field("note", note)?;
    move_complaint(state, complaint, Who::Citizen, Move { to: Stage::Withdrawn, note, internal_note: None, details: None, action_id }).await
}

/// The citizen's complaint about the handling; `escalate` puts it in the supervisors' queue.
pub async fn feedback(
    state: &AppState,
    complaint: &ComplaintRecord,
    rating: i64,
    comment: Option<&str>,
    escalate: bool,
    action_id: Option<uuid::Uuid>,
) -> ApiResult<FeedbackRecord> {
    check_rating(rating).map_err(|e| ApiError::invalid_fields(vec![e]))?;
    let comment = note_field("comment", comment)?;
    match state.store.add_feedback(complaint.tracking_code, rating, comment, escalate, action_id, OffsetDateTime::now_utc()).await? {
        FeedbackOutcome::Recorded(f) => {
            if escalate {
                state.hub.publish_staff();
            }
            Ok(f)
        }
        FeedbackOutcome::EscalationOpen => Err(ApiError::new(
            StatusCode::CONFLICT,
            "escalation_open",
            "a complaint about the handling of this complaint is already with the supervisors; they will answer it first",
        )),
    }
}

/// A supervisor closes an escalated complaint about the handling.
pub async fn close_escalation(state: &AppState, staff: StaffWho, feedback_id: i64) -> ApiResult<()> {
    if !workflow::may_close_escalations(staff.role) {
        return Err(ApiError::forbidden("role_not_allowed", "only supervisors handle escalations"));
    }
    if state.store.close_escalation(feedback_id).await? {
        state.hub.publish_staff();
        Ok(())
    } else {
        Err(ApiError::new(StatusCode::NOT_FOUND, "escalation_not_found", "no open escalation has this id"))
    }
}

/// A photo made safe to keep ([`samat_core::photo::normalize`]), with the hash of the bytes
/// that came in (which tells a retry of the same photo from a different one).
pub struct Upload {
    /// What is kept.
    pub photo: samat_core::photo::Photo,
    /// SHA-256 of the uploaded bytes, hex.
    pub sha256: String,
}

/// Decodes an uploaded photo with limits and re-encodes it (a decompression bomb, or a PNG
/// header before HTML, is refused; what is kept carries no metadata), on the heavy-work pool.
pub async fn normalize_upload(state: &AppState, bytes: Vec<u8>) -> ApiResult<Upload> {
    if bytes.is_empty() {
        return Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_image", "the photo is empty"));
    }
    let sha256 = hex(&Sha256::digest(&bytes));
    let photo = state.run_heavy(move || samat_core::photo::normalize(&bytes)).await?.map_err(|e| {
        let status = if e.code() == "image_too_large" { StatusCode::PAYLOAD_TOO_LARGE } else { StatusCode::UNPROCESSABLE_ENTITY };
        ApiError::new(status, e.code(), e.to_string())
    })?;
    Ok(Upload { photo, sha256 })
}

/// Attaches a photo to a complaint under `photo_id` — the same photo sent again is the same
/// photo. Returns what is stored and whether it is new.
pub async fn attach_photo(state: &AppState, complaint: &ComplaintRecord, photo_id: uuid::Uuid, upload: Upload) -> ApiResult<(PhotoRecord, bool)> {
    let record = PhotoRecord { photo_id, content_type: "image/jpeg".to_owned(), size: upload.photo.jpeg.len() as i64, sha256: upload.sha256 };
    let now = OffsetDateTime::now_utc();
    let q = &state.settings.quotas;
    let limits = PhotoLimits {
        max_photos: MAX_PHOTOS_PER_COMPLAINT as i64,
        max_bytes_per_complaint: q.photo_bytes_per_complaint,
        daily: Some(Allowance { since: now - time::Duration::DAY, max: q.photo_bytes_per_citizen_per_day }),
    };
    match state.store.put_photo(complaint.id, record, upload.photo.jpeg, limits, now).await? {
        PutPhoto::Created(p) => Ok((p, true)),
        PutPhoto::Exists(p) => Ok((p, false)),
        PutPhoto::IdConflict => Err(ApiError::new(StatusCode::CONFLICT, "photo_id_conflict", "another photo was already uploaded with this id")),
        PutPhoto::TooMany => Err(ApiError::new(StatusCode::CONFLICT, "too_many_photos", format!("a complaint has at most {MAX_PHOTOS_PER_COMPLAINT} photos"))),
        PutPhoto::ComplaintBytes => Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "photo_quota",
            format!("a complaint's photos add up to at most {} MB", q.photo_bytes_per_complaint / (1024 * 1024)),
        )),
        PutPhoto::DailyBytes => Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "photo_quota_daily",
            format!("at most {} MB of photos a day; send the rest tomorrow", q.photo_bytes_per_citizen_per_day / (1024 * 1024)),
        )
        .retry_after(3600)),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Parses an optional `action_id`.
pub fn action_id(raw: Option<&str>) -> ApiResult<Option<uuid::Uuid>> {
    samat_core::model::api::parse_action_id(raw).map_err(|e| ApiError::invalid_fields(vec![e]))
}

/// Wakes the citizen's long-polls, the staff consoles and the SMS and push workers after a
/// commit.
pub fn announce(state: &AppState, phone: &PhoneNumber, seq: i64) {
    state.hub.publish(phone.as_str(), seq);
    state.hub.publish_staff();
    state.outbox_wake.notify_one();
    state.push_wake.notify_one();
}

/// How many tracking codes intake draws before giving up (one collision in a billion codes
/// is already rare; sixteen in a row means something else is wrong).
const CODE_DRAWS: usize = 16;

/// Files a complaint for `phone` through `channel` (idempotent on `client_id`), filed by the
/// citizen or by a staff member for them. A business ID known to the registry names the shop
/// (name, address, city) and places the complaint in the business's province; otherwise the
/// province given, or the filing staff member's own. Returns the answer and whether it was new.
pub async fn file_complaint(
    state: &AppState,
    phone: PhoneNumber,
    channel: Channel,
    body: &NewComplaint,
    client_id_required: bool,
    who: Who,
) -> ApiResult<(SubmitResponse, bool)> {
    file_complaint_with_key(state, phone, channel, body, client_id_required, who, None).await
}

/// [`file_complaint`] for a third-party app filing for the citizen under the Open311 API key
/// `api_key` (kept with the complaint, so a supervisor can tell which app filed it).
pub async fn file_complaint_with_key(
    state: &AppState,
    phone: PhoneNumber,
    channel: Channel,
    body: &NewComplaint,
    client_id_required: bool,
    who: Who,
    api_key: Option<i64>,
) -> ApiResult<(SubmitResponse, bool)> {
    if let Who::Staff(s) = who {
        if !workflow::may_file_for_others(s.role) {
            return Err(ApiError::forbidden("role_not_allowed", "only operators and supervisors file complaints for citizens"));
        }
    }
    let client_id = match body.parse_client_id() {
        Err(e) => return Err(ApiError::invalid_fields(vec![e])),
        Ok(Some(id)) => id,
        Ok(None) if client_id_required => {
            return Err(ApiError::invalid_fields(vec![FieldError::new("client_id", "missing_client_id", "send the UUID the app made for this submission")]))
        }
        Ok(None) => uuid::Uuid::new_v4(),
    };
    let mut fields = body.validate(today_in_iran()).map_err(ApiError::invalid_fields)?;
    let business = match &fields.guild_id {
        Some(id) => Some(state.store.business(id).await?),
        None => None,
    };
    if let Some(Some(b)) = &business {
        fields = fields.with_business(&registry::view(b));
    }
    if fields.province.is_none() {
        fields.province = who.staff().and_then(|s| s.province);
    }
    let shop = fields.business_name.clone();
    let sms_for = |code: TrackingCode| NewSms { to: phone.clone(), text: notice::filed(code, shop.as_deref()), kind: SmsKind::Notice, token: None };
    let now = OffsetDateTime::now_utc();
    let mut record = NewComplaintRecord {
        tracking_code: TrackingCode::generate(&mut rand::thread_rng()),
        client_id,
        phone: phone.clone(),
        channel,
        fields,
        business_known: business.as_ref().map(Option::is_some),
        actor: who.actor(),
        filed_by_staff: who.staff().map(|s| s.id),
        filed_by_api_key: api_key,
        // A citizen's own filings have a daily allowance; staff filing for a caller do not.
        quota: (who == Who::Citizen).then(|| Allowance { since: now - time::Duration::DAY, max: state.settings.quotas.complaints_per_citizen_per_day }),
        due_at: state.settings.standards.due_at(Stage::Received, now),
        at: now,
    };
    let mut filed = None;
    for _ in 0..CODE_DRAWS {
        let sms = sms_for(record.tracking_code);
        match state.store.insert_complaint(record.clone(), sms).await {
            Ok(Filed::CodeTaken) => record.tracking_code = TrackingCode::generate(&mut rand::thread_rng()),
            Ok(Filed::QuotaExceeded(oldest)) => {
                let wait = (oldest + time::Duration::DAY - OffsetDateTime::now_utc()).whole_seconds().max(60) as u64;
                return Err(ApiError::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    "complaint_quota",
                    format!("at most {} complaints a day from one phone; to report more, call 124", state.settings.quotas.complaints_per_citizen_per_day),
                )
                .retry_after(wait));
            }
            Ok(other) => {
                filed = Some(other);
                break;
            }
            Err(StoreError::Conflict(msg)) => return Err(ApiError::new(StatusCode::CONFLICT, "client_id_conflict", msg)),
            Err(e) => return Err(e.into()),
        }
    }
    let (complaint, created) = match filed {
        Some(Filed::New(c, seq)) => {
            state.metrics.complaint_filed(channel.wire_name());
            announce(state, &phone, seq);
            (c, true)
        }
        Some(Filed::Existing(c)) => (c, false),
        Some(Filed::CodeTaken | Filed::QuotaExceeded(_)) | None => return Err(ApiError::internal("could not draw a free tracking code")),
    };
    Ok((
        SubmitResponse {
            tracking_code: complaint.tracking_code,
            stage: complaint.stage,
            client_id: complaint.client_id,
            business_name: complaint.business_name,
            created_at: complaint.created_at,
        },
        created,
    ))
}
