//! Push targets: a citizen registers where their phone hears about their complaints
//! (UnifiedPush endpoint, FCM or APNs token), lists and unregisters them; the app reads the
//! VAPID key it subscribes with. Delivery is the push worker's (`crate::push`).

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use samat_core::model::api::{DeviceView, DevicesResponse, FieldError, PushTarget, VapidKeyResponse};
use time::OffsetDateTime;

use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, Citizen};
use crate::push::ssrf::{self, EndpointProblem};
use crate::push::{apns, webpush, MAX_DEVICES_PER_CITIZEN};
use crate::state::AppState;
use crate::store::{DeviceRecord, DeviceTarget, Registration};

/// Longest FCM registration token accepted.
const MAX_FCM_TOKEN_LEN: usize = 4096;

/// Routes of this module.
pub fn router() -> Router<AppState> {
    Router::new().route("/v1/devices", post(register).get(list)).route("/v1/devices/{id}", delete(unregister)).route("/v1/push/vapid", get(vapid_key))
}

fn field_error(field: &str, code: &str, message: impl Into<String>) -> FieldError {
    FieldError::new(field, code, message)
}

fn view(d: &DeviceRecord) -> DeviceView {
    DeviceView { id: d.id, kind: d.target.kind(), created_at: d.created_at, updated_at: d.updated_at }
}

/// Checks a target and turns it into what is stored; SSRF refusals are
/// `422 endpoint_not_allowed`, other problems `422 validation_failed` with field codes.
async fn validate(target: PushTarget, allow_private: bool) -> ApiResult<DeviceTarget> {
    match target {
        PushTarget::UnifiedPush { endpoint, keys } => {
            let mut fields = Vec::new();
            let mut not_allowed = None;
            match ssrf::parse_endpoint(&endpoint, allow_private) {
                Ok(_) => {}
                Err(EndpointProblem::Invalid(why)) => fields.push(field_error("endpoint", "invalid_endpoint", why)),
                Err(EndpointProblem::NotAllowed(why)) => not_allowed = Some(why),
            }
            // Both keys are checked so the app hears of every problem at once.
            let p256dh = webpush::parse_p256dh(&keys.p256dh).map_err(|e| field_error("keys.p256dh", "invalid_p256dh", e.to_string()));
            let auth = webpush::parse_auth(&keys.auth).map_err(|e| field_error("keys.auth", "invalid_auth", e.to_string()));
            fields.extend(p256dh.as_ref().err().cloned());
            fields.extend(auth.as_ref().err().cloned());
            if !fields.is_empty() {
                return Err(ApiError::invalid_fields(fields));
            }
            if not_allowed.is_none() {
                if let Err(EndpointProblem::NotAllowed(why) | EndpointProblem::Invalid(why)) = ssrf::check_endpoint(&endpoint, allow_private).await {
                    not_allowed = Some(why);
                }
            }
            if let Some(why) = not_allowed {
                // The reason (which may name an internal address) stays in the log: telling it
                // to the caller would let anyone map the ministry's internal DNS.
                tracing::info!(reason = %why, "push endpoint refused");
                let public = "use the https endpoint your UnifiedPush distributor gave; this one is not reachable from the internet";
                let mut e = ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "endpoint_not_allowed", format!("this push endpoint cannot be used: {public}"));
                e.fields = vec![field_error("endpoint", "endpoint_not_allowed", public.to_owned())];
                return Err(e);
            }
            match (p256dh, auth) {
                (Ok(p256dh), Ok(auth)) => Ok(DeviceTarget::UnifiedPush { endpoint: endpoint.trim().to_owned(), p256dh, auth }),
                _ => Err(ApiError::internal("subscription keys failed after validation")),
            }
        }
        PushTarget::Fcm { token } => {
            let token = token.trim().to_owned();
            if token.is_empty() || token.len() > MAX_FCM_TOKEN_LEN || !token.bytes().all(|b| b.is_ascii_graphic()) {
                return Err(ApiError::invalid_fields(vec![field_error(
                    "token",
                    "invalid_token",
                    "an FCM registration token is printable ASCII, at most 4096 characters",
                )]));
            }
            Ok(DeviceTarget::Fcm { token })
        }
        PushTarget::Apns { token } => {
            let token = token.trim().to_ascii_lowercase();
            if !apns::valid_device_token(&token) {
                return Err(ApiError::invalid_fields(vec![field_error("token", "invalid_token", "an APNs device token is 64 to 200 hex digits")]));
            }
            Ok(DeviceTarget::Apns { token })
        }
    }
}

/// Registers a push target for the caller. A target another account registered moves to the
/// caller.
#[utoipa::path(post, path = "/v1/devices", tag = "push", request_body = PushTarget, security(("bearer" = [])),
    responses((status = 201, body = DeviceView, description = "registered"), (status = 200, body = DeviceView, description = "already the caller's (keys refreshed)"),
        (status = 422, description = "validation_failed (invalid_endpoint, invalid_p256dh, invalid_auth, invalid_token) or endpoint_not_allowed")))]
pub async fn register(State(state): State<AppState>, citizen: Citizen, ApiJson(body): ApiJson<PushTarget>) -> ApiResult<impl IntoResponse> {
    let target = validate(body, state.settings.push.allow_private_endpoints).await?;
    let (device, registration) =
        state.store.register_device(&citizen.phone, citizen.session, target, OffsetDateTime::now_utc(), MAX_DEVICES_PER_CITIZEN).await?;
    let status = match registration {
        Registration::Refreshed => StatusCode::OK,
        Registration::New | Registration::Moved => StatusCode::CREATED,
    };
    Ok((status, Json(view(&device))))
}

/// The caller's push targets.
#[utoipa::path(get, path = "/v1/devices", tag = "push", security(("bearer" = [])), responses((status = 200, body = DevicesResponse)))]
pub async fn list(State(state): State<AppState>, citizen: Citizen) -> ApiResult<Json<DevicesResponse>> {
    let devices = state.store.devices_of(&citizen.phone).await?;
    Ok(Json(DevicesResponse { devices: devices.iter().map(view).collect() }))
}

/// Unregisters one of the caller's push targets (and drops what is queued for it).
#[utoipa::path(delete, path = "/v1/devices/{id}", tag = "push", params(("id" = i64, Path, description = "device id")), security(("bearer" = [])),
    responses((status = 204), (status = 404, description = "device_not_found: no device of yours has this id")))]
pub async fn unregister(State(state): State<AppState>, citizen: Citizen, id: Result<Path<i64>, PathRejection>) -> ApiResult<StatusCode> {
    let Path(id) = id.map_err(|e| ApiError::bad_request("invalid_path", e.body_text()))?;
    if state.store.delete_device(&citizen.phone, id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::new(StatusCode::NOT_FOUND, "device_not_found", "no device of yours has this id"))
    }
}

/// The server's VAPID public key (the `applicationServerKey` UnifiedPush subscriptions use).
#[utoipa::path(get, path = "/v1/push/vapid", tag = "push",
    responses((status = 200, body = VapidKeyResponse), (status = 404, description = "push_not_configured: this server sends no Web Push")))]
pub async fn vapid_key(State(state): State<AppState>) -> ApiResult<impl IntoResponse> {
    let key = state.settings.push.vapid.as_ref().ok_or_else(|| {
        ApiError::new(StatusCode::NOT_FOUND, "push_not_configured", "this server has no VAPID key; follow complaints with GET /v1/sync?wait=")
    })?;
    Ok(([(header::CACHE_CONTROL, "public, max-age=300")], Json(VapidKeyResponse { public_key: key.public_key_b64() })))
}
