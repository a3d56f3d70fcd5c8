//! The ministry's staff: work queues by role and province, reading a complaint with internal
//! notes, moving it through the workflow, taking and handing it over, adding notes (how the
//! guild body records the business's answer), filing for callers and counter visitors, and
//! closing escalations. A provincial account sees its own province only: another province's
//! complaint answers 404 as if it did not exist.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};
use samat_core::model::api::{AssignRequest, EventView, NoteRequest, ProvinceRequest, QueueResponse, StaffIntakeRequest, SubmitResponse, TransitionRequest};
use samat_core::model::deadlines::ServiceStandards;
use samat_core::model::workflow::{self, queue_stages};
use samat_core::model::{Category, Channel, PhoneNumber, Province, Stage};
use serde::Deserialize;
use time::OffsetDateTime;

use crate::actions::{self, Handling, Move, Who};
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiPath, ApiQuery, Bounds, CodePath, Staff};
use crate::routes::complaints::detail_response;
use crate::state::AppState;
use crate::store::{AuditFilter, Holding, QueueFilter, ReadKind};
use crate::views::{self, Audience};

/// Routes of this module.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/staff/queue", get(queue))
        .route("/v1/staff/complaints/{tracking_code}", get(show))
        .route("/v1/staff/complaints/{tracking_code}/transition", post(transition))
        .route("/v1/staff/complaints/{tracking_code}/notes", post(add_note))
        .route("/v1/staff/complaints/{tracking_code}/assign", post(assign))
        .route("/v1/staff/complaints/{tracking_code}/province", post(set_province))
        .route("/v1/staff/intake", post(intake))
        .route("/v1/staff/escalations/{feedback_id}/close", post(close_escalation))
        .route("/v1/staff/audit", get(audit))
}

/// Items per queue or audit page.
pub const PAGE_LIMIT: Bounds = Bounds { default: 100, min: 1, max: 500 };
/// Items skipped before a page.
const OFFSET: Bounds = Bounds { default: 0, min: 0, max: i64::MAX };

/// Query of the queue.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QueueQuery {
    /// Most items (1–500, default 100).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// Items to skip (paging).
    #[param(minimum = 0)]
    pub offset: Option<i64>,
    /// `all` (default), `mine` or `unassigned`.
    pub holding: Option<String>,
    /// Only this stage (of the role's queue).
    pub stage: Option<String>,
    /// Only this category.
    pub category: Option<String>,
    /// Only this channel.
    pub channel: Option<String>,
    /// Only this city.
    pub city: Option<String>,
    /// Only this province (national accounts; a provincial account always sees its own).
    pub province: Option<String>,
    /// Only what is `overdue` (past its stage's deadline), or `soon`: overdue or due by the end
    /// of the next working day.
    #[param(pattern = r"^\s*(overdue|soon)?\s*$")]
    pub due: Option<String>,
}

/// The instant a `due` filter selects up to: `overdue` → now, `soon` → the end of the next
/// working day.
pub fn due_filter(raw: &str, standards: &ServiceStandards, now: OffsetDateTime) -> Option<OffsetDateTime> {
    match raw {
        "overdue" => Some(now),
        "soon" => Some(standards.due_soon_by(now)),
        _ => None,
    }
}

fn parse_or<T>(raw: Option<&str>, parse: impl Fn(&str) -> Option<T>, code: &'static str, what: &str) -> ApiResult<Option<T>> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => parse(s).map(Some).ok_or_else(|| ApiError::bad_request(code, format!("unknown {what} {s:?}"))),
    }
}

/// What the caller's role may act on in its province, the soonest due first (so the most
/// overdue lead, whatever their stages), with each stage's deadline, its age and who holds each
/// complaint. Supervisors also get the open escalated complaints about handling, ahead of the
/// first page's rows.
#[utoipa::path(get, path = "/v1/staff/queue", tag = "staff", params(QueueQuery), security(("bearer" = [])),
    responses((status = 200, body = QueueResponse), (status = 400)))]
pub async fn queue(State(state): State<AppState>, staff: Staff, ApiQuery(q): ApiQuery<QueueQuery>) -> ApiResult<Json<QueueResponse>> {
    let limit = PAGE_LIMIT.check(q.limit, "invalid_limit", "limit")?;
    let offset = OFFSET.check(q.offset, "invalid_offset", "offset")?;
    let holding = match q.holding.as_deref().map(str::trim) {
        None | Some("") | Some("all") => Holding::Any,
        Some("mine") => Holding::Mine(staff.id),
        Some("unassigned") => Holding::Unassigned,
        Some(other) => return Err(ApiError::bad_request("invalid_holding", format!("holding is all, mine or unassigned, not {other:?}"))),
    };
    let role_stages = queue_stages(staff.role);
    let stages = match parse_or(q.stage.as_deref(), Stage::from_wire, "unknown_stage", "stage")? {
        Some(s) if role_stages.contains(&s) => vec![s],
        Some(s) => return Err(ApiError::bad_request("unknown_stage", format!("{} is not in your queue", s.wire_name()))),
        None => role_stages.to_vec(),
    };
    let asked_province = parse_or(q.province.as_deref(), Province::from_text, "unknown_province", "province")?;
    let now = OffsetDateTime::now_utc();
    let due_by = parse_or(q.due.as_deref(), |d| due_filter(d, &state.settings.standards, now), "invalid_due", "due (overdue or soon)")?;
    let filter = QueueFilter {
        stages,
        province: staff.province.or(asked_province),
        category: parse_or(q.category.as_deref(), Category::from_wire, "unknown_category", "category")?,
        channel: parse_or(q.channel.as_deref(), Channel::from_wire, "unknown_channel", "channel")?,
        city: q.city.as_deref().map(samat_core::model::text::search_key).filter(|c| !c.is_empty()),
        holding,
        search: None,
        due_by,
        limit,
        offset,
    };
    let page = state.store.queue(filter).await?;
    let mut items = Vec::new();
    // Escalations are not paged with the queue: all of them (up to a page) lead the first
    // page, so no queue row is pushed off it.
    if workflow::may_close_escalations(staff.role) && offset == 0 && due_by.is_none() {
        let escalated = state.store.escalations(staff.province, limit, 0).await?;
        items.extend(escalated.rows.iter().map(|r| views::queue_item(r, &state.settings.standards, now)));
    }
    items.extend(page.rows.iter().map(|r| views::queue_item(r, &state.settings.standards, now)));
    Ok(Json(QueueResponse { role: staff.role, items, total: Some(page.total) }))
}

/// A complaint as staff see it: internal notes, who holds it and the complainant's phone.
#[utoipa::path(get, path = "/v1/staff/complaints/{tracking_code}", tag = "staff", params(("tracking_code" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = samat_core::model::api::ComplaintDetail), (status = 404)))]
pub async fn show(State(state): State<AppState>, staff: Staff, CodePath(code): CodePath, headers: HeaderMap) -> ApiResult<Response> {
    let c = actions::staff_complaint(&state, staff.who(), code).await?;
    actions::audit_read(&state, staff.who(), &c, ReadKind::View);
    detail_response(&state, &c, &headers, Audience::Staff).await
}

/// Moves a complaint to another stage. Refused moves: 409 `invalid_transition`, 403
/// `role_not_allowed`, 422 when a reason, report, case file or verdict is missing, 409
/// `stage_changed` when someone else moved it meanwhile.
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
    let c = actions::staff_complaint(&state, staff.who(), code).await?;
    let note = actions::note_field("note", req.note.as_deref())?;
    let internal_note = actions::note_field("internal_note", req.internal_note.as_deref())?;
    let e = actions::move_complaint(&state, &c, Who::Staff(staff.who()), Move { to, note, internal_note, details: req.details, action_id: None }).await?;
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
    let c = actions::staff_complaint(&state, staff.who(), code).await?;
    let e = actions::add_note(&state, &c, staff.who(), Some(&req.note), req.visible_to_citizen).await?;
    let view = views::event(&e, Audience::Staff).ok_or_else(|| ApiError::internal("staff event hidden"))?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// Takes a complaint ("I'm handling it"), releases it, or (supervisors) hands it to another
/// staff member. 409 `already_assigned` when someone else holds it.
#[utoipa::path(post, path = "/v1/staff/complaints/{tracking_code}/assign", tag = "staff", request_body = AssignRequest,
    params(("tracking_code" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = EventView), (status = 403), (status = 404), (status = 409, description = "already_assigned"), (status = 422)))]
pub async fn assign(State(state): State<AppState>, staff: Staff, CodePath(code): CodePath, ApiJson(req): ApiJson<AssignRequest>) -> ApiResult<Json<EventView>> {
    let handling = match (req.action.trim(), req.assignee) {
        ("take", None) => Handling::Take,
        ("release", None) => Handling::Release,
        ("hand_to", Some(id)) => Handling::HandTo(id),
        _ => return Err(ApiError::bad_request("invalid_assignment", "action is take, release, or hand_to with an assignee")),
    };
    let c = actions::staff_complaint(&state, staff.who(), code).await?;
    let e = actions::assign(&state, &c, staff.who(), handling).await?;
    views::event(&e, Audience::Staff).map(Json).ok_or_else(|| ApiError::internal("staff event hidden"))
}

/// Places a complaint in a province (national experts, operators and supervisors).
#[utoipa::path(post, path = "/v1/staff/complaints/{tracking_code}/province", tag = "staff", request_body = ProvinceRequest,
    params(("tracking_code" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = EventView), (status = 400, description = "unknown_province"), (status = 403), (status = 404)))]
pub async fn set_province(
    State(state): State<AppState>,
    staff: Staff,
    CodePath(code): CodePath,
    ApiJson(req): ApiJson<ProvinceRequest>,
) -> ApiResult<Json<EventView>> {
    let province = Province::from_text(&req.province).ok_or_else(|| ApiError::bad_request("unknown_province", "name one of Iran's 31 provinces"))?;
    let c = actions::staff_complaint(&state, staff.who(), code).await?;
    let e = actions::set_province(&state, &c, staff.who(), province).await?;
    views::event(&e, Audience::Staff).map(Json).ok_or_else(|| ApiError::internal("staff event hidden"))
}

/// An operator files for a caller (124) or a counter visitor; the citizen gets the tracking
/// code by SMS and sees the complaint in the app after logging in with that phone.
#[utoipa::path(post, path = "/v1/staff/intake", tag = "staff", request_body = StaffIntakeRequest, security(("bearer" = [])),
    responses((status = 201, body = SubmitResponse), (status = 200, body = SubmitResponse, description = "already filed with this client_id"),
              (status = 403, description = "role_not_allowed"), (status = 422)))]
pub async fn intake(State(state): State<AppState>, staff: Staff, ApiJson(req): ApiJson<StaffIntakeRequest>) -> ApiResult<(StatusCode, Json<SubmitResponse>)> {
    if !workflow::may_file_for_others(staff.role) {
        return Err(ApiError::forbidden("role_not_allowed", "only operators and supervisors file complaints for citizens"));
    }
    let phone = PhoneNumber::parse(&req.phone).map_err(|e| ApiError::bad_request("invalid_phone", e.to_string()))?;
    let channel = intake_channel(&req.channel)?;
    let (resp, created) = actions::file_complaint(&state, phone, channel, &req.complaint, false, Who::Staff(staff.who())).await?;
    Ok((if created { StatusCode::CREATED } else { StatusCode::OK }, Json(resp)))
}

/// The channel of a staff intake: any but the app, which files with the citizen's own session.
pub fn intake_channel(raw: &str) -> ApiResult<Channel> {
    match Channel::from_wire(raw.trim()) {
        Some(Channel::App) => Err(ApiError::bad_request("invalid_channel", "the app files through POST /v1/complaints with the citizen's own session")),
        Some(c) => Ok(c),
        None => Err(ApiError::bad_request("unknown_channel", format!("unknown channel {raw:?}"))),
    }
}

/// A supervisor closes an escalated complaint about handling (it leaves the queue).
#[utoipa::path(post, path = "/v1/staff/escalations/{feedback_id}/close", tag = "staff", params(("feedback_id" = i64, Path)), security(("bearer" = [])),
    responses((status = 204), (status = 403), (status = 404, description = "escalation_not_found")))]
pub async fn close_escalation(State(state): State<AppState>, staff: Staff, ApiPath(id): ApiPath<String>) -> ApiResult<StatusCode> {
    let id: i64 = id.trim().parse().map_err(|_| ApiError::bad_request("invalid_path", "the escalation id is a number"))?;
    actions::close_escalation(&state, staff.who(), id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Query of the audit.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Only this complaint's reads.
    pub tracking_code: Option<String>,
    /// Only this staff member's reads.
    pub staff_id: Option<i64>,
    /// Only entries older than this id (the next page).
    pub before: Option<i64>,
    /// Most entries (1–500, default 100).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
}

/// Who read which complaint's personal data, and when (supervisors; a provincial supervisor
/// sees their province's complaints).
#[utoipa::path(get, path = "/v1/staff/audit", tag = "staff", params(AuditQuery), security(("bearer" = [])),
    responses((status = 200, body = samat_core::model::api::AuditResponse), (status = 400), (status = 401), (status = 403, description = "role_not_allowed")))]
pub async fn audit(State(state): State<AppState>, staff: Staff, ApiQuery(q): ApiQuery<AuditQuery>) -> ApiResult<Json<samat_core::model::api::AuditResponse>> {
    if !workflow::may_manage_staff(staff.role) {
        return Err(ApiError::forbidden("role_not_allowed", "only supervisors read the audit"));
    }
    let limit = PAGE_LIMIT.check(q.limit, "invalid_limit", "limit")?;
    let tracking_code = match q.tracking_code.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(raw) => Some(samat_core::model::TrackingCode::parse(raw).map_err(|e| ApiError::bad_request("invalid_tracking_code", e.to_string()))?),
        None => None,
    };
    let entries = state.store.audit(AuditFilter { tracking_code, staff_id: q.staff_id, province: staff.province, before: q.before, limit }).await?;
    Ok(Json(samat_core::model::api::AuditResponse { entries: entries.into_iter().map(views::audit).collect() }))
}
