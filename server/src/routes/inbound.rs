//! Text messages to the 124 line: the gateway's push webhook (`POST /v1/inbound/sms`,
//! Kavenegar's forwarding format as JSON or a form, with the shared secret), and the
//! operators' triage list of messages that could not be filed on their own.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};
use samat_core::model::api::{FieldError, InboundMessageView, SubmitResponse, TriageDismissRequest, TriageFileRequest};
use samat_core::model::workflow;
use samat_core::model::PhoneNumber;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiBytes, ApiJson, ApiPath, ApiQuery, Staff};
use crate::inbound::{self, kavenegar, InboundSms};
use crate::routes::staff::PAGE_LIMIT;
use crate::state::AppState;
use crate::store::{InboundRecord, InboundStatus};

/// Routes of this module.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/inbound/sms", post(push))
        .route("/v1/staff/inbound", get(list))
        .route("/v1/staff/inbound/{id}/file", post(file))
        .route("/v1/staff/inbound/{id}/dismiss", post(dismiss))
}

/// What the webhook answers.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PushAnswer {
    /// Where the message stands: `filed`, `answered`, `triage`, `limited`, or `pending` when
    /// another replica is handling it right now.
    pub status: String,
    /// Whether it had been received before (a redelivery: nothing was done again).
    pub repeat: bool,
}

/// The shared secret as the gateway sends it: `Authorization: Bearer …`, `X-Samat-Secret`,
/// or `?secret=` in the URL (Kavenegar's forwarding only lets you set a URL).
fn given_secret(headers: &HeaderMap, query: &HashMap<String, String>) -> Option<String> {
    let bearer = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer ")).map(str::to_owned);
    bearer.or_else(|| headers.get("x-samat-secret").and_then(|v| v.to_str().ok()).map(str::to_owned)).or_else(|| query.get("secret").cloned())
}

/// A pushed message's fields, from JSON or a form.
fn pushed_fields(headers: &HeaderMap, body: &[u8]) -> ApiResult<HashMap<String, Value>> {
    let json = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|t| t.contains("json"));
    if json {
        return serde_json::from_slice(body).map_err(|e| ApiError::bad_request("invalid_json", format!("the body is not a JSON object: {e}")));
    }
    let pairs: Vec<(String, String)> = form_pairs(body).ok_or_else(|| ApiError::bad_request("invalid_inbound_sms", "the body is neither JSON nor a form"))?;
    Ok(pairs.into_iter().map(|(k, v)| (k, Value::String(v))).collect())
}

/// Decodes `application/x-www-form-urlencoded` pairs.
fn form_pairs(body: &[u8]) -> Option<Vec<(String, String)>> {
    let text = std::str::from_utf8(body).ok()?;
    let decode = |s: &str| percent_encoding::percent_decode_str(&s.replace('+', " ")).decode_utf8().ok().map(|c| c.into_owned());
    text.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => Some((decode(k)?, decode(v)?)),
            None => Some((decode(p)?, String::new())),
        })
        .collect()
}

fn text_field(fields: &HashMap<String, Value>, name: &str) -> String {
    match fields.get(name) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    }
}

/// A text message pushed by the gateway (Kavenegar's forwarding: `messageid`, `from`, `to`,
/// `message`, `date`), authenticated with the shared secret. The same message pushed again
/// is answered as before and does nothing twice.
#[utoipa::path(post, path = "/v1/inbound/sms", tag = "inbound",
    params(("secret" = Option<String>, Query, description = "the shared secret, when the gateway cannot send a header")),
    responses((status = 200, body = PushAnswer), (status = 401, description = "invalid_inbound_secret"),
              (status = 404, description = "inbound_sms_off: no secret is configured"), (status = 400, description = "invalid_inbound_sms")))]
pub async fn push(
    State(state): State<AppState>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    ApiBytes(body): ApiBytes,
) -> ApiResult<Json<PushAnswer>> {
    let Some(secret) = &state.settings.inbound_sms_secret else {
        return Err(ApiError::new(StatusCode::NOT_FOUND, "inbound_sms_off", "this server takes no pushed SMS (--inbound-sms-secret is not set)"));
    };
    if !given_secret(&headers, &query).is_some_and(|given| secret.matches(&given)) {
        return Err(ApiError::new(StatusCode::UNAUTHORIZED, "invalid_inbound_secret", "the shared secret is wrong or missing"));
    }
    let fields = pushed_fields(&headers, &body)?;
    let message_id = fields.get("messageid").and_then(kavenegar::message_id);
    let from = text_field(&fields, "from");
    let (Some(message_id), false) = (message_id, from.trim().is_empty()) else {
        return Err(ApiError::bad_request("invalid_inbound_sms", "a pushed SMS has a messageid and a sender (from)"));
    };
    let sms = InboundSms {
        message_id,
        from,
        to: text_field(&fields, "to"),
        text: text_field(&fields, "message"),
        received_at: kavenegar::message_date(fields.get("date")),
    };
    let received = inbound::receive(&state, sms).await?;
    Ok(Json(PushAnswer { status: received.status.as_str().to_owned(), repeat: received.repeat }))
}

/// Query of the triage list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InboundQuery {
    /// `triage` (default: waiting for an operator), `limited` (kept over the sender's limit),
    /// `filed`, `answered`, `dismissed` or `pending`.
    #[param(pattern = r"^\s*(triage|limited|filed|answered|dismissed|pending)?\s*$")]
    pub status: Option<String>,
    /// Most items (1–500, default 100).
    pub limit: Option<i64>,
    /// Items to skip.
    pub offset: Option<i64>,
}

fn view(r: &InboundRecord) -> InboundMessageView {
    InboundMessageView {
        id: r.id,
        from: r.sender.clone(),
        channel: r.channel,
        subject: r.subject.clone(),
        text: r.text.clone(),
        received_at: r.received_at,
        status: r.status.as_str().to_owned(),
        reason: r.reason.clone(),
        tracking_code: r.tracking_code,
        note: r.note.clone(),
    }
}

fn operators_only(staff: &Staff) -> ApiResult<()> {
    if workflow::may_file_for_others(staff.role) {
        Ok(())
    } else {
        Err(ApiError::forbidden("role_not_allowed", "only operators and supervisors handle inbound messages"))
    }
}

fn message_id_path(raw: &str) -> ApiResult<i64> {
    raw.trim().parse().map_err(|_| ApiError::bad_request("invalid_path", "the message id is a number"))
}

/// Text messages and e-mails that could not be filed on their own (no category the words
/// point at, unreadable, too long, not from a mobile, an e-mail naming no phone), oldest first, with the original text; an
/// operator files each (`…/file`) or sets it aside (`…/dismiss`).
#[utoipa::path(get, path = "/v1/staff/inbound", tag = "staff", params(InboundQuery), security(("bearer" = [])),
    responses((status = 200, body = [InboundMessageView]), (status = 400, description = "invalid_query"), (status = 401), (status = 403, description = "role_not_allowed")))]
pub async fn list(State(state): State<AppState>, staff: Staff, ApiQuery(q): ApiQuery<InboundQuery>) -> ApiResult<Json<Vec<InboundMessageView>>> {
    operators_only(&staff)?;
    let status = match q.status.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => InboundStatus::Triage,
        Some(s) => InboundStatus::parse(s).ok_or_else(|| ApiError::bad_request("invalid_query", format!("unknown status {s:?}")))?,
    };
    let limit = q.limit.unwrap_or(PAGE_LIMIT.default).clamp(PAGE_LIMIT.min, PAGE_LIMIT.max);
    let rows = state.store.inbound_list(status, limit, q.offset.unwrap_or(0).max(0)).await?;
    Ok(Json(rows.iter().map(view).collect()))
}

/// Files a message of the triage list for the phone it came from, or the `phone` given (the
/// operator called the sender back; an e-mail without one: the mobile its text names), with
/// the category the operator picked (and the shop, province… as in staff intake); the
/// description defaults to the original text, and an e-mail's images become the complaint's
/// photos. The citizen gets the tracking code by SMS. Filing again answers the same complaint.
#[utoipa::path(post, path = "/v1/staff/inbound/{id}/file", tag = "staff", request_body = TriageFileRequest, params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 201, body = SubmitResponse), (status = 400), (status = 401), (status = 403, description = "role_not_allowed"), (status = 404, description = "inbound_not_found"),
              (status = 409, description = "inbound_handled, no_phone"), (status = 422, description = "validation_failed, invalid_phone")))]
pub async fn file(
    State(state): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<TriageFileRequest>,
) -> ApiResult<(StatusCode, Json<SubmitResponse>)> {
    operators_only(&staff)?;
    let phone = match body.phone.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
        None => None,
        Some(p) => Some(
            PhoneNumber::parse(p)
                .map_err(|_| ApiError::invalid_fields(vec![FieldError::new("phone", "invalid_phone", "an Iranian mobile number: 09XXXXXXXXX")]))?,
        ),
    };
    let (filed, created) = inbound::file_from_triage(&state, staff.who(), message_id_path(&id)?, phone, body.complaint).await?;
    Ok((if created { StatusCode::CREATED } else { StatusCode::OK }, Json(filed)))
}

/// Sets a message of the triage list aside: it is not a complaint (kept, with who decided).
#[utoipa::path(post, path = "/v1/staff/inbound/{id}/dismiss", tag = "staff", request_body = TriageDismissRequest, params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 204), (status = 400), (status = 401), (status = 403, description = "role_not_allowed"), (status = 404, description = "inbound_not_found"),
              (status = 409, description = "inbound_handled")))]
pub async fn dismiss(
    State(state): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<TriageDismissRequest>,
) -> ApiResult<StatusCode> {
    operators_only(&staff)?;
    let note = crate::actions::note_field("note", body.note.as_deref())?;
    inbound::dismiss(&state, staff.who(), message_id_path(&id)?, note).await?;
    Ok(StatusCode::NO_CONTENT)
}
