//! The one error the app sees: [`SamatError`], a small flat enum of what the app can act on,
//! each with a stable [`code`](SamatError::code) and a Persian message from the core's table.
//! The mapping from the core's `ClientError` lives here and nowhere else.
//!
//! Kotlin sees `SamatException` (a sealed class, one subclass per variant), Swift `SamatError`,
//! Python `SamatError.Offline` etc. No variant carries a field named `message` (it would clash
//! with Kotlin's `Throwable.message`); details for logs are in `detail`.

use samat_core::model::labels;
use samat_core::ClientError;

use crate::records::{with_persian, FieldProblem};

/// What went wrong, as the app can act on it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
pub enum SamatError {
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
    /// The server refused the request; `server_code` (also what `code()` returns) is stable:
    /// `wrong_code`, `invalid_transition`, `rate_limited`, ...
    #[error("rejected by the server ({server_code}): {detail}")]
    Rejected {
        /// HTTP status.
        status: u16,
        /// The server's stable code (named so it does not shadow `code()` in Python).
        server_code: String,
        /// The server's explanation, for logs.
        detail: String,
    },
    /// Input failed validation: every problem, per field.
    #[error("invalid input: {}", fields.iter().map(|f| format!("{} ({})", f.field, f.code)).collect::<Vec<_>>().join(", "))]
    Invalid {
        /// The problems, each with a Persian message.
        fields: Vec<FieldProblem>,
    },
    /// A draft, photo, complaint or outbox item does not exist (here).
    #[error("not found: {what}")]
    NotFound {
        /// What was looked for.
        what: String,
    },
    /// The server failed (5xx); queued work is retried automatically.
    #[error("server error {status}: {detail}")]
    Server {
        /// HTTP status.
        status: u16,
        /// Detail, for logs.
        detail: String,
    },
    /// A photo could not be read or is not an image.
    #[error("photo problem: {detail}")]
    Photo {
        /// Detail, for logs.
        detail: String,
    },
    /// Local storage failed (disk full, a corrupt database, ...).
    #[error("storage problem: {detail}")]
    Storage {
        /// Detail, for logs.
        detail: String,
    },
    /// A bug: something that should not happen did (reported, never a crash).
    #[error("internal error: {detail}")]
    Internal {
        /// Detail, for logs.
        detail: String,
    },
}

impl From<ClientError> for SamatError {
    fn from(e: ClientError) -> Self {
        match e {
            ClientError::Offline { message } => SamatError::Offline { detail: message },
            ClientError::Unauthorized => SamatError::Unauthorized,
            ClientError::Rejected { status, code, message } => SamatError::Rejected { status, server_code: code, detail: message },
            ClientError::Invalid { fields } => SamatError::Invalid { fields: fields.into_iter().map(with_persian).collect() },
            ClientError::NotFound { what } => SamatError::NotFound { what },
            ClientError::Server { status, message } => SamatError::Server { status, detail: message },
            ClientError::Photo { message } => SamatError::Photo { detail: message },
            ClientError::Storage { message } => SamatError::Storage { detail: message },
        }
    }
}

#[uniffi::export]
impl SamatError {
    /// A stable code to branch on or translate: `offline`, `unauthorized`, the server's code
    /// for rejections, `validation_failed`, `not_found`, `server_error`, `invalid_photo`,
    /// `storage`, `internal`.
    pub fn code(&self) -> String {
        match self {
            SamatError::Offline { .. } => "offline",
            SamatError::Unauthorized => "unauthorized",
            SamatError::Rejected { server_code, .. } => server_code,
            SamatError::Invalid { .. } => "validation_failed",
            SamatError::NotFound { .. } => "not_found",
            SamatError::Server { .. } => "server_error",
            SamatError::Photo { .. } => "invalid_photo",
            SamatError::Storage { .. } => "storage",
            SamatError::Internal { .. } => "internal",
        }
        .to_owned()
    }

    /// What to tell the user, in Persian.
    pub fn message_fa(&self) -> String {
        labels::error_message_fa(&self.code()).to_owned()
    }

    /// What to tell the user, in English.
    pub fn message_en(&self) -> String {
        labels::error_message_en(&self.code()).to_owned()
    }
}

/// The Persian message for a stable error or field code (for codes kept from earlier, e.g. a
/// draft's `last_error`).
#[uniffi::export]
pub fn error_message_fa(code: String) -> String {
    labels::error_message_fa(&code).to_owned()
}

/// The English message for a stable error or field code.
#[uniffi::export]
pub fn error_message_en(code: String) -> String {
    labels::error_message_en(&code).to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use samat_core::model::api::FieldError;

    #[test]
    fn every_client_error_keeps_its_code() {
        let cases = vec![
            ClientError::Offline { message: "refused".into() },
            ClientError::Unauthorized,
            ClientError::Rejected { status: 409, code: "invalid_transition".into(), message: "no".into() },
            ClientError::Invalid { fields: vec![FieldError::new("phone", "invalid_phone", "m")] },
            ClientError::NotFound { what: "draft x".into() },
            ClientError::Server { status: 503, message: "down".into() },
            ClientError::Photo { message: "not an image".into() },
            ClientError::Storage { message: "disk full".into() },
        ];
        for e in cases {
            let code = e.code().to_owned();
            let ffi = SamatError::from(e);
            assert_eq!(ffi.code(), code);
            assert!(!ffi.message_fa().is_empty());
        }
    }

    #[test]
    fn field_problems_carry_persian_messages() {
        let e = SamatError::from(ClientError::invalid("phone", "invalid_phone", "bad"));
        let SamatError::Invalid { fields } = e else { panic!() };
        assert_eq!(fields[0].message_fa, labels::error_message_fa("invalid_phone"));
    }
}
