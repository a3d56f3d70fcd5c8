//! What happens when someone acts on a complaint: the pure workflow rules decide, then one
//! store transaction records the change, its audit event and its SMS, and the waiters and the
//! SMS worker are woken. Shared by the citizen's and the staff's endpoints.

use axum::http::StatusCode;
use samat_core::model::api::{FieldError, NewComplaint, SubmitResponse, VerdictDetails};
use samat_core::model::text::{char_len, normalize_optional, MAX_NOTE_CHARS};
use samat_core::model::workflow::{check_transition, ComplaintFacts, TransitionDenied, TransitionInput};
use samat_core::model::{Actor, Channel, PhoneNumber, Stage};
use serde_json::Value;
use time::OffsetDateTime;

use crate::error::{ApiError, ApiResult};
use crate::notice;
use crate::state::AppState;
use crate::store::{ChangeRecord, ComplaintRecord, EventRecord, NewComplaintRecord, NewSms, SmsKind, StoreError};

pub use samat_core::model::clock::today_in_iran;

/// The HTTP answer for a refused move.
pub fn denied(e: TransitionDenied) -> ApiError {
    let status = match e {
        TransitionDenied::InvalidTransition { .. } | TransitionDenied::NotCompensationClaim => StatusCode::CONFLICT,
        TransitionDenied::ActorNotAllowed(_) => StatusCode::FORBIDDEN,
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    };
    ApiError::new(status, e.code(), e.to_string())
}

/// A note, normalised and length-checked.
pub fn note_field(field: &str, value: Option<&str>) -> ApiResult<Option<String>> {
    let note = normalize_optional(value);
    if note.as_deref().is_some_and(|n| char_len(n) > MAX_NOTE_CHARS) {
        return Err(ApiError::invalid_fields(vec![FieldError {
            field: field.into(),
            code: "too_long".into(),
            message: format!("at most {MAX_NOTE_CHARS} characters"),
        }]));
    }
    Ok(note)
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

/// Checks `mv` against the rules for `actor` and records it.
pub async fn move_complaint(state: &AppState, complaint: &ComplaintRecord, actor: Actor, staff_id: Option<i64>, mv: Move) -> ApiResult<EventRecord> {
    if let Some(action) = mv.action_id {
        // A retried action: answer what the first attempt did.
        if let Some(done) = state.store.event_by_action(action).await? {
            if done.tracking_code != complaint.tracking_code {
                return Err(ApiError::new(StatusCode::CONFLICT, "action_id_conflict", "this action_id was used for another complaint"));
            }
            return Ok(done);
        }
    }
    let verdict = match (mv.to, &mv.details) {
        (Stage::Verdict, Some(d)) => Some(serde_json::from_value::<VerdictDetails>(d.clone()).map_err(|e| {
            ApiError::invalid_fields(vec![FieldError {
                field: "details".into(),
                code: "invalid_details".into(),
                message: format!("a verdict's details are {{violation: bool, penalty_rials?, compensation_rials?}}: {e}"),
            }])
        })?),
        _ => None,
    };
    if let Some(v) = &verdict {
        if v.penalty_rials.is_some_and(|a| a < 0) || v.compensation_rials.is_some_and(|a| a < 0) {
            return Err(ApiError::invalid_fields(vec![FieldError {
                field: "details".into(),
                code: "negative_amount".into(),
                message: "penalty and compensation cannot be negative".into(),
            }]));
        }
    }
    let facts = ComplaintFacts { stage: complaint.stage, wants_compensation: complaint.wants_compensation };
    let input = TransitionInput { to: mv.to, has_note: mv.note.is_some(), has_verdict: verdict.is_some() };
    check_transition(actor, &facts, &input).map_err(denied)?;
    // Only a verdict carries structured details (the citizen and the public tracking page see
    // them); other moves say what they have to say in the note.
    let details = match verdict {
        Some(v) => Some(serde_json::to_value(v).map_err(ApiError::internal)?),
        None if mv.details.as_ref().is_some_and(|d| !(d.is_null() || d.as_object().is_some_and(|o| o.is_empty()))) => {
            return Err(ApiError::invalid_fields(vec![FieldError {
                field: "details".into(),
                code: "details_not_allowed".into(),
                message: "only a verdict carries details; write the rest in the note".into(),
            }]));
        }
        None => None,
    };
    let change = ChangeRecord {
        tracking_code: complaint.tracking_code,
        expected_stage: complaint.stage,
        to: mv.to,
        kind: samat_core::model::api::EventKind::Stage,
        actor,
        actor_staff_id: staff_id,
        note: mv.note,
        internal_note: mv.internal_note,
        details,
        visible: true,
        sms: Some(NewSms { to: complaint.phone.clone(), text: notice::stage_changed(complaint.tracking_code, mv.to), kind: SmsKind::Notice, token: None }),
        action_id: mv.action_id,
        at: OffsetDateTime::now_utc(),
    };
    let event = state.store.record_change(change).await?;
    state.metrics.transition();
    announce(state, &complaint.phone, event.seq);
    Ok(event)
}

/// Parses an optional `action_id`.
pub fn action_id(raw: Option<&str>) -> ApiResult<Option<uuid::Uuid>> {
    samat_core::model::api::parse_action_id(raw).map_err(|e| ApiError::invalid_fields(vec![e]))
}

/// Wakes the citizen's long-polls and the SMS and push workers after a commit.
pub fn announce(state: &AppState, phone: &PhoneNumber, seq: i64) {
    state.hub.publish(phone.as_str(), seq);
    state.outbox_wake.notify_one();
    state.push_wake.notify_one();
}

/// Files a complaint for `phone` through `channel` (idempotent on `client_id`). Returns the
/// answer and whether it was new.
pub async fn file_complaint(
    state: &AppState,
    phone: PhoneNumber,
    channel: Channel,
    body: &NewComplaint,
    client_id_required: bool,
    filed_by_staff: Option<i64>,
) -> ApiResult<(SubmitResponse, bool)> {
    let client_id = match body.parse_client_id() {
        Err(e) => return Err(ApiError::invalid_fields(vec![e])),
        Ok(Some(id)) => id,
        Ok(None) if client_id_required => {
            return Err(ApiError::invalid_fields(vec![FieldError {
                field: "client_id".into(),
                code: "missing_client_id".into(),
                message: "send the UUID the app made for this submission".into(),
            }]))
        }
        Ok(None) => uuid::Uuid::new_v4(),
    };
    let fields = body.validate(today_in_iran()).map_err(ApiError::invalid_fields)?;
    let record = NewComplaintRecord { client_id, phone: phone.clone(), channel, fields, filed_by_staff, at: OffsetDateTime::now_utc() };
    let sms_to = phone.clone();
    let sms = Box::new(move |code| NewSms { to: sms_to.clone(), text: notice::filed(code), kind: SmsKind::Notice, token: None });
    let (complaint, created_seq) = state.store.insert_complaint(record, sms).await.map_err(|e| match e {
        StoreError::Conflict(msg) => ApiError::new(StatusCode::CONFLICT, "client_id_conflict", msg),
        other => other.into(),
    })?;
    if let Some(seq) = created_seq {
        state.metrics.complaint_filed(channel.wire_name());
        announce(state, &phone, seq);
    }
    Ok((
        SubmitResponse { tracking_code: complaint.tracking_code, stage: complaint.stage, client_id: complaint.client_id, created_at: complaint.created_at },
        created_seq.is_some(),
    ))
}
