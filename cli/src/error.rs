//! The CLI's one error type: a stable code, a one-line message, and per-field problems.

use std::fmt;

use samat_core::model::api::FieldError;
use samat_core::ClientError;

/// A failed command: printed as `samat: <message>` on stderr (and as
/// `{"error": {"code", "message", "fields"?}}` on stdout with `--json`); exit code 1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CliError {
    /// Stable code (`offline`, `unauthorized`, `validation_failed`, the server's code, ...).
    pub code: String,
    /// One line for people.
    pub message: String,
    /// Per-field problems, for validation errors.
    pub fields: Vec<FieldError>,
}

/// The result of a command.
pub type CliResult<T = ()> = Result<T, CliError>;

/// The code of a scan where some files could not be read; each was already reported on its
/// own line, so no extra JSON document follows.
pub const PARTIAL_SCAN: &str = "partial_scan";

/// The code of a sync that ran but had items refused (its report, printed already, says
/// which): exit 1 without a second JSON document.
pub const REFUSED: &str = "refused";

impl CliError {
    /// An error with a code and a message.
    pub fn new(code: &str, message: impl Into<String>) -> Self {
        CliError { code: code.to_owned(), message: message.into(), fields: Vec::new() }
    }

    /// The server could not be reached; `what` says what happened to the work.
    pub fn offline(what: impl fmt::Display) -> Self {
        CliError::new("offline", format!("server unreachable: {what}"))
    }

    /// Whether stdout already says what went wrong (a partial scan's lines, a sync's report
    /// with its refusals), so `--json` adds no error document after it.
    pub fn reported_on_stdout(&self) -> bool {
        self.code == PARTIAL_SCAN || self.code == REFUSED
    }

    /// Maps a client error, saying `what` happened to the work if it was `Offline`.
    pub fn or_offline(e: ClientError, what: impl fmt::Display) -> Self {
        match e {
            ClientError::Offline { .. } => CliError::offline(what),
            other => other.into(),
        }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for CliError {}

/// `field: code (message); field: code (message)`.
pub fn describe_fields(fields: &[FieldError]) -> String {
    fields.iter().map(|f| format!("{}: {} ({})", f.field, f.code, f.message)).collect::<Vec<_>>().join("; ")
}

impl From<ClientError> for CliError {
    fn from(e: ClientError) -> Self {
        let code = e.code().to_owned();
        match e {
            ClientError::Offline { .. } => CliError::new(&code, "server unreachable"),
            ClientError::Unauthorized => CliError::new(&code, "not logged in, or the session expired: run `samat login PHONE` (queued work is kept)"),
            ClientError::Rejected { server_code, detail, .. } => CliError::new(
                &code,
                if detail.is_empty() { format!("the server refused it ({server_code})") } else { format!("the server refused it ({server_code}): {detail}") },
            ),
            ClientError::Invalid { fields } => CliError { code, message: format!("invalid input: {}", describe_fields(&fields)), fields },
            ClientError::NotFound { what } => CliError::new(&code, format!("not found: {what}")),
            ClientError::Server { status, detail } => {
                CliError::new(&code, if detail.is_empty() { format!("server error {status}") } else { format!("server error {status}: {detail}") })
            }
            ClientError::Photo { detail } => CliError::new(&code, format!("photo problem: {detail}")),
            ClientError::Storage { detail } => CliError::new(&code, format!("local storage problem: {detail}")),
            ClientError::Internal { detail } => CliError::new(&code, format!("internal error (please report it): {detail}")),
        }
    }
}

impl From<std::io::Error> for CliError {
    fn from(e: std::io::Error) -> Self {
        CliError::new("io", e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_errors_name_every_field_and_code() {
        let e = CliError::from(ClientError::Invalid {
            fields: vec![
                FieldError::new("category", "missing_category", "choose a category"),
                FieldError::new("description", "description_empty", "describe what happened"),
            ],
        });
        assert_eq!(e.code, "validation_failed");
        assert!(e.message.contains("category: missing_category"), "{}", e.message);
        assert!(e.message.contains("description: description_empty"), "{}", e.message);
        assert_eq!(e.fields.len(), 2);
    }

    #[test]
    fn offline_says_what_happened_to_the_work() {
        let e = CliError::or_offline(ClientError::Offline { detail: "connection refused".into() }, "2 complaints stay queued");
        assert_eq!(e.code, "offline");
        assert_eq!(e.message, "server unreachable: 2 complaints stay queued");
    }

    #[test]
    fn only_a_partial_scan_and_a_refused_sync_are_on_stdout_already() {
        for (code, reported) in [(PARTIAL_SCAN, true), (REFUSED, true), ("offline", false), ("unauthorized", false), ("validation_failed", false)] {
            assert_eq!(CliError::new(code, "m").reported_on_stdout(), reported, "{code}");
        }
    }
}
