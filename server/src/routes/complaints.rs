//! The citizen's complaints: file, list, read (with ETag), answer self-regulation, withdraw,
//! give feedback on the handling; and public tracking by code and phone.

use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use samat_core::model::api::{
    ComplaintDetail, ComplaintSummary, DecisionRequest, EventView, FeedbackRequest, FeedbackView, NewComplaint, SubmitResponse, WithdrawRequest,
};
use samat_core::model::{Channel, PhoneNumber};
use serde::Deserialize;

use crate::actions::{self, Who};
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiBytes, ApiJson, ApiQuery, Citizen, ClientIp, CodePath};
use crate::state::AppState;
use crate::store::ComplaintRecord;
use crate::views::{self, Audience};

/// Routes of this module.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/complaints", post(submit).get(list))
        .route("/v1/complaints/{tracking_code}", get(show))
        .route("/v1/complaints/{tracking_code}/decision", post(decide))
        .route("/v1/complaints/{tracking_code}/withdraw", post(withdraw))
        .route("/v1/complaints/{tracking_code}/feedback", post(feedback))
        .route("/v1/track/{tracking_code}", get(track))
}

/// The caller's own complaint, or the same 404 whether it is missing or someone else's.
pub(crate) async fn own(state: &AppState, citizen: &Citizen, code: samat_core::model::TrackingCode) -> ApiResult<ComplaintRecord> {
    match state.store.complaint(code).await? {
        Some(c) if c.phone == citizen.phone => Ok(c),
        _ => Err(ApiError::complaint_not_found()),
    }
}

/// Answers a complaint's detail with an ETag, or 304 when the client's copy is current.
pub async fn detail_response(state: &AppState, c: &ComplaintRecord, headers: &HeaderMap, audience: Audience) -> ApiResult<Response> {
    let now = time::OffsetDateTime::now_utc();
    let etag = views::etag(c, audience, &state.settings.standards, now);
    let matches = headers.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()).is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    if matches {
        return Ok((StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response());
    }
    let events = state.store.events(c.id).await?;
    let fb = state.store.feedback(c.id).await?;
    let photos = state.store.photos(c.id).await?;
    let mut body = views::detail(c, &events, &fb, &photos, audience, &state.settings.standards, now);
    if audience == Audience::Staff && c.channel == Channel::Email {
        body.email_from = state.store.inbound_of_complaint(c.tracking_code).await?.map(|m| m.sender).filter(|s| !s.is_empty());
    }
    Ok(([(header::ETAG, etag), (header::CACHE_CONTROL, "no-store".to_owned())], Json(body)).into_response())
}

/// Files a complaint from the app. Resending the same `client_id` returns the same complaint.
#[utoipa::path(post, path = "/v1/complaints", tag = "complaints", request_body = NewComplaint, security(("bearer" = [])),
    responses((status = 201, body = SubmitResponse, description = "filed; tracking code sent by SMS"),
              (status = 200, body = SubmitResponse, description = "already filed with this client_id"),
              (status = 422, description = "validation_failed, with per-field codes"), (status = 409, description = "client_id_conflict")))]
pub async fn submit(State(state): State<AppState>, citizen: Citizen, ApiJson(body): ApiJson<NewComplaint>) -> ApiResult<(StatusCode, Json<SubmitResponse>)> {
    let (resp, created) = actions::file_complaint(&state, citizen.phone, Channel::App, &body, true, Who::Citizen).await?;
    Ok((if created { StatusCode::CREATED } else { StatusCode::OK }, Json(resp)))
}

/// The caller's complaints, newest first.
#[utoipa::path(get, path = "/v1/complaints", tag = "complaints", security(("bearer" = [])), responses((status = 200, body = [ComplaintSummary])))]
pub async fn list(State(state): State<AppState>, citizen: Citizen) -> ApiResult<Json<Vec<ComplaintSummary>>> {
    let list = state.store.complaints_of(&citizen.phone).await?;
    Ok(Json(list.iter().map(views::summary).collect()))
}

/// One of the caller's complaints with its history. Supports `If-None-Match`.
#[utoipa::path(get, path = "/v1/complaints/{tracking_code}", tag = "complaints", security(("bearer" = [])),
    params(("tracking_code" = String, Path, description = "ten digits, Persian digits and dashes fine")),
    responses((status = 200, body = ComplaintDetail), (status = 304), (status = 404, description = "complaint_not_found")))]
pub async fn show(State(state): State<AppState>, citizen: Citizen, CodePath(code): CodePath, headers: HeaderMap) -> ApiResult<Response> {
    let c = own(&state, &citizen, code).await?;
    detail_response(&state, &c, &headers, Audience::Citizen).await
}

/// The citizen's answer to the business's reply in self-regulation: accept (resolved) or
/// reject (an inspector is sent).
#[utoipa::path(post, path = "/v1/complaints/{tracking_code}/decision", tag = "complaints", request_body = DecisionRequest, security(("bearer" = [])),
    params(("tracking_code" = String, Path)), responses((status = 200, body = EventView), (status = 409, description = "invalid_transition"),
        (status = 422, description = "validation_failed: action_id is not a UUID")))]
pub async fn decide(
    State(state): State<AppState>,
    citizen: Citizen,
    CodePath(code): CodePath,
    ApiJson(req): ApiJson<DecisionRequest>,
) -> ApiResult<Json<EventView>> {
    let c = own(&state, &citizen, code).await?;
    let action_id = actions::action_id(req.action_id.as_deref())?;
    let e = actions::decide(&state, &c, req.accept, req.note.as_deref(), action_id).await?;
    views::event(&e, Audience::Citizen).map(Json).ok_or_else(|| ApiError::internal("citizen event hidden"))
}

/// Withdraws the complaint (any time before a verdict).
#[utoipa::path(post, path = "/v1/complaints/{tracking_code}/withdraw", tag = "complaints", request_body = Option<WithdrawRequest>, security(("bearer" = [])),
    params(("tracking_code" = String, Path)), responses((status = 200, body = EventView), (status = 409, description = "invalid_transition"),
        (status = 422, description = "validation_failed: action_id is not a UUID")))]
pub async fn withdraw(State(state): State<AppState>, citizen: Citizen, CodePath(code): CodePath, ApiBytes(body): ApiBytes) -> ApiResult<Json<EventView>> {
    let c = own(&state, &citizen, code).await?;
    // The body is optional: an empty one withdraws without a reason.
    let req: WithdrawRequest = if body.iter().all(u8::is_ascii_whitespace) {
        WithdrawRequest::default()
    } else {
        serde_json::from_slice(&body).map_err(|e| ApiError::bad_request("invalid_json", format!("the body is not a valid withdrawal: {e}")))?
    };
    let action_id = actions::action_id(req.action_id.as_deref())?;
    let e = actions::withdraw(&state, &c, req.note.as_deref(), action_id).await?;
    views::event(&e, Audience::Citizen).map(Json).ok_or_else(|| ApiError::internal("citizen event hidden"))
}

/// A complaint about how the complaint was handled; `escalate` sends it to the supervisors
/// (the ministry's complaints centre).
#[utoipa::path(post, path = "/v1/complaints/{tracking_code}/feedback", tag = "complaints", request_body = FeedbackRequest, security(("bearer" = [])),
    params(("tracking_code" = String, Path)), responses((status = 201, body = FeedbackView), (status = 422, description = "invalid_rating")))]
pub async fn feedback(
    State(state): State<AppState>,
    citizen: Citizen,
    CodePath(code): CodePath,
    ApiJson(req): ApiJson<FeedbackRequest>,
) -> ApiResult<(StatusCode, Json<FeedbackView>)> {
    let c = own(&state, &citizen, code).await?;
    let action_id = actions::action_id(req.action_id.as_deref())?;
    let f = actions::feedback(&state, &c, req.rating, req.comment.as_deref(), req.escalate, action_id).await?;
    Ok((StatusCode::CREATED, Json(views::feedback(&f))))
}

/// Query of the public tracking page.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TrackQuery {
    /// The phone the complaint was filed with.
    pub phone: String,
}

/// Public tracking for complaints filed by phone or at a counter: answers only when the phone
/// matches; otherwise the same 404 as a code that does not exist.
#[utoipa::path(get, path = "/v1/track/{tracking_code}", tag = "complaints",
    params(("tracking_code" = String, Path), TrackQuery),
    responses((status = 200, body = ComplaintDetail), (status = 404, description = "complaint_not_found"), (status = 429)))]
pub async fn track(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    CodePath(code): CodePath,
    ApiQuery(q): ApiQuery<TrackQuery>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    state
        .limits
        .check(crate::limits::Limit::TrackIp, &ip.to_string())
        .await?
        .map_err(|wait| ApiError::rate_limited("too many tracking look-ups from this network; wait a minute").wait(wait))?;
    let phone = PhoneNumber::parse(&q.phone).map_err(|e| ApiError::bad_request("invalid_phone", e.to_string()))?;
    match state.store.complaint(code).await? {
        Some(c) if c.phone == phone => detail_response(&state, &c, &headers, Audience::Citizen).await,
        _ => Err(ApiError::complaint_not_found()),
    }
}
