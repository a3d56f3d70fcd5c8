//! The one error type of the HTTP API. Every failure becomes an RFC 7807 problem document
//! (`application/problem+json`) with a stable `code`; internal details are logged, never sent.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use samat_core::model::api::{FieldError, Problem};

use crate::store::StoreError;

/// An error answered to the client.
#[derive(Debug)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Stable code.
    pub code: &'static str,
    /// What happened and what to do.
    pub detail: String,
    /// Per-field problems.
    pub fields: Vec<FieldError>,
    /// Seconds after which a retry may succeed (`Retry-After`), for 429 and 503.
    pub retry_after: Option<u64>,
}

/// Handler result.
pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    /// An error with a status, code and detail.
    pub fn new(status: StatusCode, code: &'static str, detail: impl Into<String>) -> Self {
        ApiError { status, code, detail: detail.into(), fields: Vec::new(), retry_after: None }
    }
    /// 400 with a code.
    pub fn bad_request(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, detail)
    }
    /// 422 `validation_failed` with every field problem.
    pub fn invalid_fields(fields: Vec<FieldError>) -> Self {
        let detail = fields.iter().map(|f| format!("{}: {}", f.field, f.message)).collect::<Vec<_>>().join("; ");
        ApiError { status: StatusCode::UNPROCESSABLE_ENTITY, code: "validation_failed", detail, fields, retry_after: None }
    }
    /// 404 for a complaint that does not exist or is not the caller's: the same answer for
    /// both, so nobody can probe for other people's tracking codes.
    pub fn complaint_not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "complaint_not_found", "no complaint of yours has this tracking code")
    }
    /// 401.
    pub fn unauthorized(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", detail)
    }
    /// 403.
    pub fn forbidden(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, code, detail)
    }
    /// 429.
    pub fn rate_limited(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", detail)
    }
    /// The same error, telling the client to retry after `wait`.
    pub fn wait(self, wait: std::time::Duration) -> Self {
        self.retry_after(crate::limits::retry_after_secs(wait))
    }
    /// The same error, telling the client when to retry.
    pub fn retry_after(mut self, seconds: u64) -> Self {
        self.retry_after = Some(seconds.max(1));
        self
    }
    /// 500, with the cause logged here and not sent.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(%cause, "internal error");
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "something went wrong on our side; please try again")
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict(msg) => ApiError::new(StatusCode::CONFLICT, "conflict", msg),
            StoreError::StageChanged => {
                ApiError::new(StatusCode::CONFLICT, "stage_changed", "the complaint was moved by someone else meanwhile; reload it and try again")
            }
            StoreError::HolderChanged => {
                ApiError::new(StatusCode::CONFLICT, "holder_changed", "someone took or released this complaint meanwhile; reload it and try again")
            }
            StoreError::Unavailable(msg) => {
                tracing::warn!(%msg, "database unavailable");
                ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", "the service is briefly unavailable; try again in a few seconds").retry_after(5)
            }
            StoreError::SessionEnded => ApiError::unauthorized("the session has expired or was revoked; log in again"),
            StoreError::ActionIdConflict => ApiError::new(StatusCode::CONFLICT, "action_id_conflict", "this action_id was used for another complaint"),
            StoreError::Backend(msg) => ApiError::internal(msg),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let problem = Problem {
            type_uri: format!("urn:samat:problem:{}", self.code),
            title: self.status.canonical_reason().unwrap_or("Error").to_owned(),
            status: self.status.as_u16(),
            code: self.code.to_owned(),
            detail: self.detail,
            fields: self.fields,
        };
        let body = serde_json::to_vec(&problem).unwrap_or_default();
        let mut response = (self.status, [(header::CONTENT_TYPE, "application/problem+json")], body).into_response();
        // Every 429 and 503 says when to come back.
        let retry = self.retry_after.or(match self.status {
            StatusCode::TOO_MANY_REQUESTS => Some(60),
            StatusCode::SERVICE_UNAVAILABLE => Some(5),
            _ => None,
        });
        if let Some(seconds) = retry {
            response.headers_mut().insert(header::RETRY_AFTER, header::HeaderValue::from(seconds));
        }
        response
    }
}
