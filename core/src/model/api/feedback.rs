//! A complaint about the handling itself: the citizen's rating and words, and how they are
//! shown.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::FieldError;

/// `POST /v1/complaints/{tracking_code}/feedback`: a complaint about the handling itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FeedbackRequest {
    /// 1 (very unhappy) to 5 (very happy).
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 5))]
    pub rating: i64,
    /// What the citizen wants to say.
    #[serde(default)]
    pub comment: Option<String>,
    /// Put it in the supervisors' queue (the ministry's complaints centre).
    #[serde(default)]
    pub escalate: bool,
    /// A UUID the app made for this action: resending it (after a timeout) returns the first
    /// result instead of acting twice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(format = Uuid))]
    pub action_id: Option<String>,
}

/// Feedback as stored and shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FeedbackView {
    /// Id.
    pub id: i64,
    /// 1–5.
    pub rating: i64,
    /// Comment.
    pub comment: Option<String>,
    /// Whether it went to the supervisors.
    pub escalated: bool,
    /// When.
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub at: OffsetDateTime,
}

/// The lowest and highest rating a citizen gives the handling of their complaint.
pub const RATING_RANGE: std::ops::RangeInclusive<i64> = 1..=5;

/// Checks a rating of the handling (1 to 5).
pub fn check_rating(rating: i64) -> Result<(), FieldError> {
    if RATING_RANGE.contains(&rating) {
        Ok(())
    } else {
        Err(FieldError::new("rating", "invalid_rating", "rating is 1 to 5"))
    }
}
