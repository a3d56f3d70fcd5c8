//! What staff send about a complaint: filing for a caller, moving it on (with the verdict's
//! details), a note, who holds it, and where it is handled.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{FieldError, NewComplaint, MAX_AMOUNT_RIALS};

/// `POST /v1/staff/intake`: an operator files for a caller or counter visitor.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StaffIntakeRequest {
    /// The citizen's mobile number; they get the tracking code by SMS and see the complaint
    /// in the app after logging in with it.
    pub phone: String,
    /// How the complaint reached the operator (`phone`, `counter`, `fax`, ...).
    pub channel: String,
    /// The complaint's fields.
    #[serde(flatten)]
    pub complaint: NewComplaint,
}

/// `POST /v1/staff/complaints/{tracking_code}/transition`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TransitionRequest {
    /// Target stage wire name.
    pub to: String,
    /// Note for the citizen (the reason, the report summary, ...).
    #[serde(default)]
    pub note: Option<String>,
    /// Note for staff only.
    #[serde(default)]
    pub internal_note: Option<String>,
    /// Structured details; for `verdict`, a [`VerdictDetails`].
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub details: Option<Value>,
}

/// The verdict recorded by the Ta'zirat liaison (`details` of a move to `verdict`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VerdictDetails {
    /// Whether the Ta'zirat found a violation.
    pub violation: bool,
    /// Penalty imposed on the business, in rials.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub penalty_rials: Option<i64>,
    /// Compensation awarded to the citizen, in rials.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compensation_rials: Option<i64>,
}

impl VerdictDetails {
    /// Checks the amounts: neither negative nor past [`MAX_AMOUNT_RIALS`] (which keeps every
    /// amount a JSON number that JavaScript reads exactly, below 2^53).
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        for (field, amount) in [("penalty_rials", self.penalty_rials), ("compensation_rials", self.compensation_rials)] {
            match amount {
                Some(a) if a < 0 => errors.push(FieldError::new(field, "negative_amount", "the amount cannot be negative")),
                Some(a) if a > MAX_AMOUNT_RIALS => errors.push(FieldError::new(field, "amount_too_large", "the amount is implausibly large")),
                _ => {}
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

/// `POST /v1/staff/complaints/{tracking_code}/notes`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NoteRequest {
    /// The note.
    pub note: String,
    /// Whether the citizen sees it (and gets an SMS about it).
    #[serde(default)]
    pub visible_to_citizen: bool,
}

/// `POST /v1/staff/complaints/{tracking_code}/assign`: who handles a complaint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AssignRequest {
    /// `take` ("I'm handling it"), `release`, or `hand_to` (supervisors, with `assignee`).
    pub action: String,
    /// The staff id to hand the complaint to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignee: Option<i64>,
}

/// `POST /v1/staff/complaints/{tracking_code}/province`: where a complaint is handled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProvinceRequest {
    /// The province: its wire name (`tehran`), ISO code (`IR-23`) or Persian name.
    pub province: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intake_request_flattens_the_complaint() {
        let json = r#"{"phone":"09121234567","channel":"phone","category":"fraud","description":"x"}"#;
        let r: StaffIntakeRequest = serde_json::from_str(json).unwrap();
        assert_eq!(r.complaint.category.as_deref(), Some("fraud"));
    }
}
