//! Request extractors: JSON bodies whose rejections are problem documents with codes, the
//! caller's address, and the authenticated citizen or staff member.

use std::net::{IpAddr, SocketAddr};

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::StatusCode;
use samat_core::model::{PhoneNumber, Province, Role, TrackingCode};
use serde::de::DeserializeOwned;

use crate::actions::StaffWho;
use crate::error::ApiError;
use crate::forwarded::last_forwarded_hop;
use crate::state::AppState;
use crate::store::Principal;

/// A JSON body; malformed JSON, a wrong content type or a wrong field type are 400/415 with a
/// code, never axum's plain-text rejection.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;
    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(ApiJson(v)),
            Err(rejection) => Err(json_rejection(rejection)),
        }
    }
}

fn json_rejection(r: JsonRejection) -> ApiError {
    match r {
        JsonRejection::MissingJsonContentType(_) => {
            ApiError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type", "send the body as JSON with Content-Type: application/json")
        }
        JsonRejection::JsonSyntaxError(e) => ApiError::bad_request("invalid_json", format!("the body is not valid JSON: {}", e.body_text())),
        JsonRejection::JsonDataError(e) => ApiError::bad_request("invalid_body", format!("the body has a wrong or missing field: {}", e.body_text())),
        JsonRejection::BytesRejection(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "body_too_large", "the request body is too large")
        }
        other => ApiError::bad_request("invalid_body", other.body_text()),
    }
}

/// Path parameters with a coded rejection (`invalid_path`), e.g. for a `%FF` in the path.
pub struct ApiPath<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|p| ApiPath(p.0))
            .map_err(|e: PathRejection| ApiError::bad_request("invalid_path", e.body_text()))
    }
}

/// A raw body with coded rejections: `body_too_large` (413) past the route's limit,
/// `invalid_body` when it cannot be read.
pub struct ApiBytes(pub axum::body::Bytes);

impl<S: Send + Sync> FromRequest<S> for ApiBytes {
    type Rejection = ApiError;
    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::body::Bytes::from_request(req, state).await {
            Ok(b) => Ok(ApiBytes(b)),
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                Err(ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "body_too_large", "the request body is too large"))
            }
            Err(e) => Err(ApiError::bad_request("invalid_body", e.body_text())),
        }
    }
}

/// Query string parameters with a coded rejection.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| ApiQuery(q.0))
            .map_err(|e: QueryRejection| ApiError::bad_request("invalid_query", e.body_text()))
    }
}

/// A numeric query parameter's default and inclusive range.
#[derive(Debug, Clone, Copy)]
pub struct Bounds {
    /// Used when the parameter is absent.
    pub default: i64,
    /// Smallest accepted value.
    pub min: i64,
    /// Largest accepted value.
    pub max: i64,
}

impl Bounds {
    /// The value of `name`, or the default; outside the range is refused with `code`
    /// rather than quietly clamped, so a client learns its request was not what it meant.
    pub fn check(self, raw: Option<i64>, code: &'static str, name: &str) -> Result<i64, ApiError> {
        let v = raw.unwrap_or(self.default);
        if (self.min..=self.max).contains(&v) {
            Ok(v)
        } else if self.max == i64::MAX {
            Err(ApiError::bad_request(code, format!("{name} is at least {}", self.min)))
        } else {
            Err(ApiError::bad_request(code, format!("{name} is {} to {}", self.min, self.max)))
        }
    }
}

/// A tracking code from the path: Persian digits and dashes are fine; a typo is
/// `invalid_tracking_code` before any lookup.
pub struct CodePath(pub TrackingCode);

impl<S: Send + Sync> FromRequestParts<S> for CodePath {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let axum::extract::Path(raw) = axum::extract::Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|e: PathRejection| ApiError::bad_request("invalid_path", e.body_text()))?;
        TrackingCode::parse(&raw).map(CodePath).map_err(|e| ApiError::bad_request("invalid_tracking_code", e.to_string()))
    }
}

/// The caller's IP: the socket peer, or, when the server is told it runs behind a trusted
/// reverse proxy, the address that proxy appended to `X-Forwarded-For` (the last hop: what a
/// client writes into the header itself comes before it and is never believed).
pub struct ClientIp(pub IpAddr);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        if state.settings.trust_forwarded_for {
            if let Some(ip) = last_forwarded_hop(&parts.headers) {
                return Ok(ClientIp(ip));
            }
        }
        let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
        Ok(ClientIp(peer.unwrap_or(IpAddr::from([127, 0, 0, 1]))))
    }
}

fn bearer(parts: &Parts) -> Result<&str, ApiError> {
    bearer_token(&parts.headers)
}

/// The token of an `Authorization: Bearer <token>` header (the scheme in any case).
pub fn bearer_token(headers: &axum::http::HeaderMap) -> Result<&str, ApiError> {
    let value = headers.get(axum::http::header::AUTHORIZATION).ok_or_else(|| ApiError::unauthorized("log in first: send Authorization: Bearer <token>"))?;
    let value = value.to_str().map_err(|_| ApiError::unauthorized("malformed Authorization header"))?;
    value
        .trim()
        .split_once(' ')
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim())
        .filter(|t| !t.is_empty())
        .ok_or_else(|| ApiError::unauthorized("use Authorization: Bearer <token>"))
}

/// Resolves the bearer token of a request to its principal.
pub async fn principal(parts: &Parts, state: &AppState) -> Result<Principal, ApiError> {
    let token = bearer(parts)?;
    state.sessions.resolve(&*state.store, token).await?.ok_or_else(|| ApiError::unauthorized("the session has expired or was revoked; log in again"))
}

/// An authenticated citizen.
pub struct Citizen {
    /// The verified phone.
    pub phone: PhoneNumber,
    /// The hash of the session's token (what the session is stored under).
    pub session: Vec<u8>,
}

impl FromRequestParts<AppState> for Citizen {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        // The portal's pages call the API with their session cookie (and, for anything but a
        // read, the session's CSRF token in `X-CSRF-Token`); apps send a bearer token.
        if !parts.headers.contains_key(axum::http::header::AUTHORIZATION) {
            if let Some(token) = crate::web::session::cookie(&parts.headers, crate::web::session::CITIZEN_COOKIE) {
                let safe = matches!(parts.method, axum::http::Method::GET | axum::http::Method::HEAD);
                let given = parts.headers.get("x-csrf-token").and_then(|v| v.to_str().ok()).unwrap_or("");
                if !safe && !crate::web::session::csrf_ok(&token, given) {
                    return Err(ApiError::forbidden("csrf_failed", "send the page's CSRF token in X-CSRF-Token"));
                }
                return match state.sessions.resolve(&*state.store, &token).await? {
                    Some(Principal::Citizen { phone }) => Ok(Citizen { phone, session: crate::sessions::token_hash(&token) }),
                    _ => Err(ApiError::unauthorized("the session has expired or was revoked; log in again")),
                };
            }
        }
        match principal(parts, state).await? {
            Principal::Citizen { phone } => Ok(Citizen { phone, session: crate::sessions::token_hash(bearer(parts)?) }),
            Principal::Staff { .. } => Err(ApiError::forbidden("citizens_only", "this endpoint is for citizens; staff use /v1/staff/…")),
        }
    }
}

/// An authenticated staff member.
#[derive(Debug, Clone)]
pub struct Staff {
    /// Staff id.
    pub id: i64,
    pub username: String,
    pub role: Role,
    /// Province (`None`: national).
    pub province: Option<Province>,
}

impl Staff {
    /// The staff member as the workflow rules see them.
    pub fn who(&self) -> StaffWho {
        StaffWho { id: self.id, role: self.role, province: self.province }
    }
}

impl FromRequestParts<AppState> for Staff {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        match principal(parts, state).await? {
            Principal::Staff { id, username, role, province } => Ok(Staff { id, username, role, province }),
            Principal::Citizen { .. } => Err(ApiError::forbidden("staff_only", "this endpoint is for ministry staff")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::{HeaderMap, HeaderValue};

    fn headers(name: &'static str, values: &[&'static str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append(name, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn the_bearer_scheme_in_any_case() {
        for (value, token) in
            [("Bearer abc", Some("abc")), ("bearer abc", Some("abc")), ("BEARER  abc ", Some("abc")), ("Basic abc", None), ("Bearer ", None), ("abc", None)]
        {
            let h = headers("authorization", &[value]);
            assert_eq!(bearer_token(&h).ok(), token, "{value:?}");
        }
    }

    #[test]
    fn bounds_give_the_default_and_refuse_what_is_outside() {
        let b = Bounds { default: 20, min: 1, max: 50 };
        for (raw, expected) in [(None, Ok(20)), (Some(1), Ok(1)), (Some(50), Ok(50)), (Some(0), Err("limit is 1 to 50")), (Some(51), Err("limit is 1 to 50"))] {
            let got = b.check(raw, "invalid_limit", "limit").map_err(|e| e.detail);
            assert_eq!(got, expected.map_err(str::to_owned), "{raw:?}");
        }
        let open = Bounds { default: 0, min: 0, max: i64::MAX };
        assert_eq!(open.check(Some(-1), "invalid_offset", "offset").map_err(|e| e.detail), Err("offset is at least 0".to_owned()));
    }
}
