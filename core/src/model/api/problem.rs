//! The error document: every error the server answers is a [`Problem`].

use serde::{Deserialize, Serialize};

use super::FieldError;

/// An RFC 7807 problem document: every error the server returns has this shape, served as
/// `application/problem+json`, with a stable `code` the client translates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Problem {
    /// A URI naming the problem type (`urn:samat:problem:<code>`).
    #[serde(rename = "type")]
    pub type_uri: String,
    /// A short English title.
    pub title: String,
    /// The HTTP status.
    pub status: u16,
    /// The stable error code (`invalid_phone`, `invalid_transition`, ...).
    pub code: String,
    /// What went wrong and what to do about it (English, for developers and logs).
    pub detail: String,
    /// What to tell a person, in Persian: the message of `code` in the core's one table
    /// ([`super::labels::error_message_fa`]).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub message_fa: String,
    /// Per-field problems, when the body failed validation.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldError>,
}
