//! One problem with one field ([`FieldError`]), and the field checks several bodies share: a
//! note and an action's idempotency key.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::model::labels::error_message_fa;
use crate::model::text::{self, char_len, normalize_optional};

/// One problem with one field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record), uniffi(name = "FieldProblem"))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldError {
    /// The field's wire name.
    pub field: String,
    /// Stable code (`missing_category`, `description_too_long`, ...).
    pub code: String,
    /// English explanation.
    pub message: String,
    /// What to tell a person, in Persian (the message of `code` in the core's one table).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub message_fa: String,
}

impl FieldError {
    /// A problem with `field`, with its stable `code`, an English explanation, and the
    /// Persian message of the code.
    pub fn new(field: &str, code: &str, message: impl Into<String>) -> Self {
        FieldError { field: field.to_owned(), code: code.to_owned(), message: message.into(), message_fa: error_message_fa(code).to_owned() }
    }

    /// The same problem with the Persian message of its code from the core's one table (a
    /// problem document may have come without one).
    pub fn with_persian(self) -> Self {
        FieldError { message_fa: error_message_fa(&self.code).to_owned(), ..self }
    }
}

/// A note (a reason, a report, a comment), normalised; `None` when empty; `too_long` past
/// [`text::MAX_NOTE_CHARS`]. The phone runs it offline, the server on arrival.
pub fn note_field(field: &str, value: Option<&str>) -> Result<Option<String>, FieldError> {
    let note = normalize_optional(value);
    if note.as_deref().is_some_and(|n| char_len(n) > text::MAX_NOTE_CHARS) {
        return Err(FieldError::new(field, "too_long", format!("at most {} characters", text::MAX_NOTE_CHARS)));
    }
    Ok(note)
}

/// Parses an `action_id` (a UUID), if given.
pub fn parse_action_id(raw: Option<&str>) -> Result<Option<Uuid>, FieldError> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => Uuid::parse_str(s).map(Some).map_err(|_| FieldError::new("action_id", "invalid_action_id", "action_id must be a UUID")),
    }
}
