//! The ministry's staff: work queues by role, reading a complaint with internal notes, moving
//! it through the workflow, adding notes (how the guild body records the business's answer),
//! filing for callers and counter visitors, and closing escalations.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};
use samat_core::model::api::{EventKind, EventView, FieldError, NoteRequest, QueueResponse, StaffIntakeRequest, SubmitResponse, TransitionRequest};
use samat_core::model::workflow::queue_stages;
use samat_core::model::{Actor, Channel, PhoneNumber, Role, Stage, TrackingCode};
use serde::Deserialize;
use time::OffsetDateTime;

use crate::actions::{self, Move};
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiPath, ApiQuery, CodePath, Staff};
use crate::notice;
use crate::routes::complaints::detail_response;
use crate::state::AppState;
use crate::store::{ChangeRecord, ComplaintRecord, NewSms, SmsKind};
use crate::views::{self, Audience};

/// Routes of this module.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/staff/queue", get(queue))
        .route("/v1/staff/complaints/{tracking_code}", get(show))
        .route("/v1/staff/complaints/{tracking_code}/transition", post(transition))
        .route("/v1/staff/complaints/{tracking_code}/notes", post(add_note))
        .route("/v1/staff/intake", post(intake))
        .route("/v1/staff/escalations/{feedback_id}/close", post(close_escalation))
}

async fn existing(state: &AppState, code: TrackingCode) -> ApiResult<ComplaintRecord> {
    state.store.complaint(code).await?.ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "complaint_not_found", "no complaint has this tracking code"))
}

/// Query of the queue.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct QueueQuery {
    /// Most items (1–500, default 100).
    pub limit: Option<i64>,
}

/// What the caller's role may act on, oldest in its stage first, with the stage's age.
/// Supervisors also get the escalated complaints about handling.
#[utoipa::path(get, path = "/v1/staff/queue", tag = "staff", params(QueueQuery), security(("bearer" = [])),
    responses((status = 200, body = QueueResponse)))]
pub async fn queue(State(state): State<AppState>, staff: Staff, ApiQuery(q): ApiQuery<QueueQuery>) -> ApiResult<Json<QueueResponse>> {
    let limit = q.limit.unwrap_or(100).clamp(1, 500);
    let rows = state.store.queue(queue_stages(staff.role), staff.role == Role::Supervisor, limit).await?;
    let now = OffsetDateTime::now_utc();
    let mut items: Vec<_> = rows.iter().map(|r| views::queue_item(r, now)).collect();
    items.sort_by_key(|i| i.escalation.as_ref().map_or(i.stage_since, |e| e.at));
    items.truncate(limit as usize);
    Ok(Json(QueueResponse { role: staff.role, items }))
}

/// A complaint as staff see it: internal notes and the complainant's phone included.
#[utoipa::path(get, path = "/v1/staff/complaints/{tracking_code}", tag = "staff", params(("tracking_code" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = samat_core::model::api::ComplaintDetail), (status = 404)))]
pub async fn show(State(state): State<AppState>, _staff: Staff, CodePath(code): CodePath, headers: HeaderMap) -> ApiResult<Response> {
    let c = existing(&state, code).await?;
    detail_response(&state, &c, &headers, Audience::Staff).await
}

/// Moves a complaint to another stage. Refused moves: 409 `invalid_transition`, 403
/// `role_not_allowed`, 422 when a reason, report, case file or verdict is missing.
#[utoipa::path(post, path = "/v1/staff/complaints/{tracking_code}/transition", tag = "staff", request_body = TransitionRequest,
    params(("tracking_code" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = EventView), (status = 403, description = "role_not_allowed"), (status = 409, description = "invalid_transition"), (status = 422)))]
pub async fn transition(
    State(state): State<AppState>,
    staff: Staff,
    CodePath(code): CodePath,
    ApiJson(req): ApiJson<TransitionRequest>,
) -> ApiResult<Json<EventView>> {
    let to = Stage::from_wire(req.to.trim()).ok_or_else(|| ApiError::bad_request("unknown_stage", format!("unknown stage {:?}", req.to)))?;
    let c = existing(&state, code).await?;
    let note = actions::note_field("note", req.note.as_deref())?;
    let internal_note = actions::note_field("internal_note", req.internal_note.as_deref())?;
    let e =
        actions::move_complaint(&state, &c, Actor::Staff(staff.role), Some(staff.id), Move { to, note, internal_note, details: req.details, action_id: None })
            .await?;
    views::event(&e, Audience::Staff).map(Json).ok_or_else(|| ApiError::internal("staff event hidden"))
}

/// Adds a note without changing the stage; a note visible to the citizen is announced by SMS.
#[utoipa::path(post, path = "/v1/staff/complaints/{tracking_code}/notes", tag = "staff", request_body = NoteRequest,
    params(("tracking_code" = String, Path)), security(("bearer" = [])),
    responses((status = 201, body = EventView), (status = 403, description = "role_not_allowed"), (status = 409, description = "complaint_closed"), (status = 422)))]
pub async fn add_note(
    State(state): State<AppState>,
    staff: Staff,
    CodePath(code): CodePath,
    ApiJson(req): ApiJson<NoteRequest>,
) -> ApiResult<(StatusCode, Json<EventView>)> {
    let c = existing(&state, code).await?;
    let visible = req.visible_to_citizen;
    if let Err(denied) = samat_core::model::workflow::check_note(staff.role, c.stage, visible) {
        let status = if denied == samat_core::model::workflow::NoteDenied::Closed { StatusCode::CONFLICT } else { StatusCode::FORBIDDEN };
        return Err(ApiError::new(status, denied.code(), denied.to_string()));
    }
    let note = actions::note_field("note", Some(&req.note))?
        .ok_or_else(|| ApiError::invalid_fields(vec![FieldError { field: "note".into(), code: "note_empty".into(), message: "write the note".into() }]))?;
    let change = ChangeRecord {
        tracking_code: c.tracking_code,
        expected_stage: c.stage,
        to: c.stage,
        kind: EventKind::Note,
        actor: Actor::Staff(staff.role),
        actor_staff_id: Some(staff.id),
        note: visible.then(|| note.clone()),
        internal_note: (!visible).then_some(note),
        details: None,
        visible,
        sms: visible.then(|| NewSms { to: c.phone.clone(), text: notice::new_note(c.tracking_code), kind: SmsKind::Notice, token: None }),
        action_id: None,
        at: OffsetDateTime::now_utc(),
    };
    let e = state.store.record_change(change).await?;
    if visible {
        actions::announce(&state, &c.phone, e.seq);
    }
    let view = views::event(&e, Audience::Staff).ok_or_else(|| ApiError::internal("staff event hidden"))?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// An operator files for a caller (124) or a counter visitor; the citizen gets the tracking
/// code by SMS and sees the complaint in the app after logging in with that phone.
#[utoipa::path(post, path = "/v1/staff/intake", tag = "staff", request_body = StaffIntakeRequest, security(("bearer" = [])),
    responses((status = 201, body = SubmitResponse), (status = 200, body = SubmitResponse, description = "already filed with this client_id"),
              (status = 403, description = "role_not_allowed"), (status = 422)))]
pub async fn intake(State(state): State<AppState>, staff: Staff, ApiJson(req): ApiJson<StaffIntakeRequest>) -> ApiResult<(StatusCode, Json<SubmitResponse>)> {
    if !matches!(staff.role, Role::Operator | Role::Supervisor) {
        return Err(ApiError::forbidden("role_not_allowed", "only operators and supervisors file complaints for citizens"));
    }
    let phone = PhoneNumber::parse(&req.phone).map_err(|e| ApiError::bad_request("invalid_phone", e.to_string()))?;
    let channel = match Channel::from_wire(req.channel.trim()) {
        Some(Channel::App) => return Err(ApiError::bad_request("invalid_channel", "the app files through POST /v1/complaints with the citizen's own session")),
        Some(c) => c,
        None => return Err(ApiError::bad_request("unknown_channel", format!("unknown channel {:?}", req.channel))),
    };
    let (resp, created) = actions::file_complaint(&state, phone, channel, &req.complaint, false, Some(staff.id)).await?;
    Ok((if created { StatusCode::CREATED } else { StatusCode::OK }, Json(resp)))
}

/// A supervisor closes an escalated complaint about handling (it leaves the queue).
#[utoipa::path(post, path = "/v1/staff/escalations/{feedback_id}/close", tag = "staff", params(("feedback_id" = i64, Path)), security(("bearer" = [])),
    responses((status = 204), (status = 403), (status = 404, description = "escalation_not_found")))]
pub async fn close_escalation(State(state): State<AppState>, staff: Staff, ApiPath(id): ApiPath<String>) -> ApiResult<StatusCode> {
    if staff.role != Role::Supervisor {
        return Err(ApiError::forbidden("role_not_allowed", "only supervisors handle escalations"));
    }
    let id: i64 = id.trim().parse().map_err(|_| ApiError::bad_request("invalid_path", "the escalation id is a number"))?;
    if state.store.close_escalation(id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::new(StatusCode::NOT_FOUND, "escalation_not_found", "no open escalation has this id"))
    }
}
