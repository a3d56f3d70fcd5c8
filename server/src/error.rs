//! The one error type of the HTTP API. Every failure becomes an RFC 7807 problem document
//! (`application/problem+json`) with a stable `code` and its Persian `message_fa` from the core's
//! one table of messages; internal details are logged, never sent.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use samat_core::model::api::{FieldError, Problem};
use samat_core::model::labels::error_message_fa;

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
            message_fa: error_message_fa(self.code).to_owned(),
            fields: self.fields.into_iter().map(|f| FieldError { message_fa: error_message_fa(&f.code).to_owned(), ..f }).collect(),
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

#[cfg(test)]
mod tests {
    use std::path::Path;

    use samat_core::model::labels::is_known_code;

    /// The stable codes this source hands to `ApiError` and `FieldError` as literals: the
    /// first string literal among the arguments of each `ApiError::new(`, `forbidden(`
    /// and `bad_request(` call (the status may come first), and the second
    /// argument of each `FieldError::new(` and `field_error(` (the first is the field), when it
    /// is a literal. Definitions (`fn forbidden(`) are skipped.
    fn codes_in(source: &str) -> Vec<String> {
        let mut found = Vec::new();
        for (call, position) in [
            ("ApiError::new(", None),
            ("Self::new(", None),
            ("forbidden(", None),
            ("bad_request(", None),
            ("FieldError::new(", Some(1)),
            ("field_error(", Some(1)),
        ] {
            let mut from = 0;
            while let Some(at) = source[from..].find(call) {
                let begin = from + at;
                let start = begin + call.len();
                from = start;
                let before = &source[..begin];
                if before.ends_with("fn ") || before.ends_with(|c: char| c.is_ascii_alphanumeric() || c == '_') {
                    continue;
                }
                let literals = literal_arguments(&source[start..]);
                let code = match position {
                    Some(n) => literals.get(n).cloned().flatten(),
                    None => literals.into_iter().flatten().next(),
                };
                if let Some(code) = code.filter(|c| !c.is_empty() && c.chars().all(|c| c.is_ascii_lowercase() || c == '_' || c.is_ascii_digit())) {
                    found.push(code);
                }
            }
        }
        found
    }

    /// The arguments of a call whose text starts just after its `(`, up to the matching `)`,
    /// in order: the text of each that is a plain string literal, `None` for the others.
    fn literal_arguments(args: &str) -> Vec<Option<String>> {
        let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
        let (mut current, mut out) = (String::new(), Vec::new());
        for c in args.chars() {
            if in_string {
                current.push(c);
                match (escaped, c) {
                    (true, _) => escaped = false,
                    (false, '\\') => escaped = true,
                    (false, '"') => in_string = false,
                    _ => {}
                }
                continue;
            }
            match c {
                '"' => {
                    in_string = true;
                    current.push(c);
                }
                '(' | '[' | '{' => {
                    depth += 1;
                    current.push(c);
                }
                ')' | ']' | '}' if depth == 0 => break,
                ')' | ']' | '}' => {
                    depth -= 1;
                    current.push(c);
                }
                ',' if depth == 0 => out.push(std::mem::take(&mut current)),
                _ => current.push(c),
            }
        }
        out.push(current);
        out.iter()
            .map(|a| {
                let a = a.trim();
                a.strip_prefix('"').and_then(|r| r.strip_suffix('"')).filter(|lit| !lit.contains('"')).map(str::to_owned)
            })
            .collect()
    }

    fn sources(dir: &Path, out: &mut Vec<(String, String)>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                sources(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push((path.display().to_string(), std::fs::read_to_string(&path).unwrap()));
            }
        }
    }

    #[test]
    fn every_code_the_server_sends_has_a_persian_message() {
        let mut files = Vec::new();
        let here = Path::new(env!("CARGO_MANIFEST_DIR"));
        // The server's own sources, and the core's rules, whose refusals the server sends too.
        sources(&here.join("src"), &mut files);
        sources(&here.join("../core/src/model"), &mut files);
        let mut missing = Vec::new();
        let mut seen = 0;
        for (path, source) in &files {
            for code in codes_in(source) {
                seen += 1;
                if !is_known_code(&code) {
                    missing.push(format!("{path}: {code}"));
                }
            }
        }
        assert!(seen > 50, "the scan found only {seen} codes: is it still reading the sources?");
        assert!(missing.is_empty(), "codes without a message in core/src/model/labels.rs:\n{}", missing.join("\n"));
    }

    #[test]
    fn a_problem_carries_the_persian_message_of_its_code() {
        use axum::response::IntoResponse;
        let e = super::ApiError::invalid_fields(vec![samat_core::model::api::FieldError::new("phone", "invalid_phone", "bad")]);
        let response = e.into_response();
        let body = futures_body(response);
        let p: samat_core::model::api::Problem = serde_json::from_slice(&body).unwrap();
        assert_eq!(p.message_fa, samat_core::model::labels::error_message_fa("validation_failed"));
        assert_eq!(p.fields[0].message_fa, samat_core::model::labels::error_message_fa("invalid_phone"));
    }

    fn futures_body(response: axum::response::Response) -> Vec<u8> {
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        rt.block_on(async { axum::body::to_bytes(response.into_body(), 1 << 20).await.unwrap().to_vec() })
    }
}
