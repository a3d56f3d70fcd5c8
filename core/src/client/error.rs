//! Errors. Inside the client, [`Error`] wraps whatever failed (`?` works on everything); the
//! app only ever sees [`ClientError`], a small enum it can act on. The one mapping between the
//! two is [`From<Error> for ClientError`]. Neither ever carries a phone number or a token.

use crate::model::api::{FieldError, Problem};

/// What the app gets: each variant says what the user (or the app) can do about it, and
/// [`code`](ClientError::code) is its stable code.
///
/// With the `uniffi` feature this is the app's one error type: Kotlin sees `SamatException`
/// (package `ir.samat.core`, a sealed class with one subclass per variant), Swift and Python
/// `SamatError`. No variant has a field named `message` (it would clash with Kotlin's
/// `Throwable.message`): what is kept for logs is `detail`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Error), uniffi(name = "SamatError"))]
pub enum ClientError {
    /// The server could not be reached; queued work stays queued. Try again when online.
    #[error("offline: {detail}")]
    Offline {
        /// What failed, for logs.
        detail: String,
    },
    /// Not logged in, or the session expired: ask for the phone and an SMS code again.
    /// Nothing queued is lost.
    #[error("log in again: the session is missing or expired")]
    Unauthorized,
    /// The server refused the request (a 4xx other than 401); `server_code` (also what
    /// `code()` returns) is stable.
    #[error("rejected by the server ({server_code}): {detail}")]
    Rejected {
        /// HTTP status.
        status: u16,
        /// The server's stable code (`invalid_transition`, `complaint_not_found`, ...; named so
        /// that it does not shadow `code()` in Python).
        server_code: String,
        /// The server's explanation, for logs.
        detail: String,
    },
    /// Input failed validation; every problem, per field, with a stable code and its Persian
    /// message.
    #[error("invalid input: {}", fields.iter().map(|f| format!("{} ({})", f.field, f.code)).collect::<Vec<_>>().join(", "))]
    Invalid {
        /// The problems.
        fields: Vec<FieldError>,
    },
    /// A local thing (draft, photo, complaint) does not exist.
    #[error("not found: {what}")]
    NotFound {
        /// What was looked for.
        what: String,
    },
    /// The server failed (5xx); retried automatically for queued work.
    #[error("server error {status}: {detail}")]
    Server {
        /// HTTP status.
        status: u16,
        /// What failed, for logs.
        detail: String,
    },
    /// A photo could not be read or is not an image.
    #[error("photo problem: {detail}")]
    Photo {
        /// What failed, for logs.
        detail: String,
    },
    /// Local storage failed (disk full, corrupt database, ...).
    #[error("storage problem: {detail}")]
    Storage {
        /// What failed, for logs.
        detail: String,
    },
    /// A bug: something that should not happen did (reported, never a crash).
    #[error("internal error: {detail}")]
    Internal {
        /// What failed, for logs.
        detail: String,
    },
}

impl ClientError {
    /// A stable code for the app to translate (`offline`, `unauthorized`, the server's code for
    /// rejections, `validation_failed`, `not_found`, `server_error`, `invalid_photo`, `storage`,
    /// `internal`).
    pub fn code(&self) -> &str {
        match self {
            ClientError::Offline { .. } => "offline",
            ClientError::Unauthorized => "unauthorized",
            ClientError::Rejected { server_code, .. } => server_code,
            ClientError::Invalid { .. } => "validation_failed",
            ClientError::NotFound { .. } => "not_found",
            ClientError::Server { .. } => "server_error",
            ClientError::Photo { .. } => "invalid_photo",
            ClientError::Storage { .. } => "storage",
            ClientError::Internal { .. } => "internal",
        }
    }

    /// One invalid field.
    pub fn invalid(field: &str, code: &str, message: &str) -> Self {
        ClientError::Invalid { fields: vec![FieldError::new(field, code, message)] }
    }
}

/// Internal errors, converted to [`ClientError`] at the public edge.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// SQLite.
    #[error("database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// Files.
    #[error("file: {0}")]
    Io(#[from] std::io::Error),
    /// JSON stored locally.
    #[error("stored data: {0}")]
    Json(#[from] serde_json::Error),
    /// The network: no connection, timeout, TLS, ...
    #[error("network: {0}")]
    Network(String),
    /// An HTTP error answer.
    #[error("HTTP {status}: {code}")]
    Http {
        status: u16,
        /// Code from the problem document (or `http_<status>`).
        code: String,
        detail: String,
        /// Per-field problems.
        fields: Vec<FieldError>,
    },
    /// Decoding a photo.
    #[error("image: {0}")]
    Image(String),
    /// A public error produced directly.
    #[error("{0}")]
    Public(ClientError),
    /// A blocking task died.
    #[error("background task: {0}")]
    Task(String),
}

impl From<reqwest::Error> for Error {
    fn from(e: reqwest::Error) -> Self {
        // Never keep the URL: it may hold a tracking code and, for tracking, a phone.
        Error::Network(e.without_url().to_string())
    }
}

impl From<ClientError> for Error {
    fn from(e: ClientError) -> Self {
        Error::Public(e)
    }
}

impl Error {
    /// An error from a problem document.
    pub fn from_problem(status: u16, problem: Option<Problem>) -> Self {
        match problem {
            Some(p) => Error::Http { status, code: p.code, detail: p.detail, fields: p.fields },
            None => Error::Http { status, code: format!("http_{status}"), detail: String::new(), fields: Vec::new() },
        }
    }
}

impl From<Error> for ClientError {
    fn from(e: Error) -> Self {
        match e {
            Error::Public(p) => p,
            Error::Network(detail) => ClientError::Offline { detail },
            Error::Http { status: 401, .. } => ClientError::Unauthorized,
            Error::Http { status: 422, fields, .. } if !fields.is_empty() => {
                ClientError::Invalid { fields: fields.into_iter().map(FieldError::with_persian).collect() }
            }
            Error::Http { status, code, detail, .. } if (400..500).contains(&status) => ClientError::Rejected { status, server_code: code, detail },
            Error::Http { status, detail, .. } => ClientError::Server { status, detail },
            Error::Image(detail) => ClientError::Photo { detail },
            Error::Sqlite(e) => ClientError::Storage { detail: e.to_string() },
            Error::Io(e) => ClientError::Storage { detail: e.to_string() },
            Error::Json(e) => ClientError::Storage { detail: format!("stored data unreadable: {e}") },
            Error::Task(detail) => ClientError::Storage { detail },
        }
    }
}

/// Internal result.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_answers_map_to_what_the_app_can_do() {
        let cases: Vec<(Error, &str)> = vec![
            (Error::Network("connection refused".into()), "offline"),
            (Error::from_problem(401, None), "unauthorized"),
            (Error::Http { status: 409, code: "invalid_transition".into(), detail: "x".into(), fields: vec![] }, "invalid_transition"),
            (
                Error::Http {
                    status: 422,
                    code: "validation_failed".into(),
                    detail: "x".into(),
                    fields: vec![FieldError::new("category", "unknown_category", "m")],
                },
                "validation_failed",
            ),
            (Error::from_problem(503, None), "server_error"),
            (Error::Image("bad".into()), "invalid_photo"),
            (Error::Sqlite(rusqlite::Error::QueryReturnedNoRows), "storage"),
        ];
        for (err, code) in cases {
            assert_eq!(ClientError::from(err).code(), code);
        }
    }

    #[test]
    fn every_code_has_a_message_for_the_user() {
        let cases = vec![
            ClientError::Offline { detail: "refused".into() },
            ClientError::Unauthorized,
            ClientError::Rejected { status: 409, server_code: "invalid_transition".into(), detail: "no".into() },
            ClientError::invalid("phone", "invalid_phone", "m"),
            ClientError::NotFound { what: "draft x".into() },
            ClientError::Server { status: 503, detail: "down".into() },
            ClientError::Photo { detail: "not an image".into() },
            ClientError::Storage { detail: "disk full".into() },
            ClientError::Internal { detail: "no runtime".into() },
        ];
        for e in cases {
            assert!(crate::model::labels::is_known_code(e.code()), "{}: no message of its own in the labels table", e.code());
        }
    }

    #[test]
    fn field_problems_from_the_server_get_their_persian_message() {
        let bare = FieldError { field: "phone".into(), code: "invalid_phone".into(), message: "bad".into(), message_fa: String::new() };
        let e = ClientError::from(Error::Http { status: 422, code: "validation_failed".into(), detail: String::new(), fields: vec![bare] });
        let ClientError::Invalid { fields } = e else { panic!("not Invalid: {e:?}") };
        assert_eq!(fields[0].message_fa, crate::model::labels::error_message_fa("invalid_phone"));
        assert!(!fields[0].message_fa.is_empty());
    }
}
