//! A complaint as lists and its page show it, and what the citizen does with it: decide in
//! self-regulation, or withdraw.

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use super::dates::iso_date;
use super::{EventView, FeedbackView, PhotoInfo};
use crate::model::category::Category;
use crate::model::channel::Channel;
use crate::model::jalali::JalaliDate;
use crate::model::journey::NextStep;
use crate::model::stage::Stage;
use crate::model::tracking::TrackingCode;

/// A complaint in a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ComplaintSummary {
    /// The tracking code.
    pub tracking_code: TrackingCode,
    /// Current stage.
    pub stage: Stage,
    /// Category.
    pub category: Category,
    /// Intake channel.
    pub channel: Channel,
    /// Business name, if given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub business_name: Option<String>,
    /// Filed at.
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: OffsetDateTime,
    /// Last change.
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub updated_at: OffsetDateTime,
}

/// A complaint with its whole history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ComplaintDetail {
    /// The tracking code.
    pub tracking_code: TrackingCode,
    /// The idempotency key it was filed with.
    pub client_id: Uuid,
    /// Current stage.
    pub stage: Stage,
    /// Category.
    pub category: Category,
    /// Intake channel.
    pub channel: Channel,
    /// Description.
    pub description: String,
    /// Business identification code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guild_id: Option<String>,
    /// Business name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub business_name: Option<String>,
    /// Business address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub business_address: Option<String>,
    /// Province.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub province: Option<String>,
    /// City.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// Incident date, `YYYY-MM-DD` (Gregorian).
    #[serde(default, skip_serializing_if = "Option::is_none", with = "iso_date")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Date))]
    pub incident_date: Option<Date>,
    /// Amount in rials.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount_rials: Option<i64>,
    /// Compensation claim.
    pub wants_compensation: bool,
    /// Whether the business ID was found in the registry (`false`: flagged for the expert).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub business_known: Option<bool>,
    /// Filed at.
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: OffsetDateTime,
    /// Last change.
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub updated_at: OffsetDateTime,
    /// History, oldest first.
    pub events: Vec<EventView>,
    /// Feedback the citizen gave about the handling.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub feedback: Vec<FeedbackView>,
    /// Photos the server holds for it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub photos: Vec<PhotoInfo>,
    /// Staff view only: the complainant's phone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// Staff view only, a complaint filed from an e-mail: the sender's address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_from: Option<String>,
    /// Citizen's and public tracking views: what the citizen should expect or do next
    /// (`answer_business` in self-regulation, with the ways to answer in `next_step_fa`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_step: Option<NextStep>,
    /// What [`next_step`](ComplaintDetail::next_step) says, in Persian.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_step_fa: Option<String>,
    /// Staff view, open stages: when the current stage is due (midnight ending its last working day in Iran).
    #[serde(default, skip_serializing_if = "Option::is_none", with = "time::serde::rfc3339::option")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub due_at: Option<OffsetDateTime>,
    /// Staff view, open stages: whether the current stage is past `due_at`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub overdue: Option<bool>,
    /// Citizen's and public tracking views, open stages: the day (Gregorian `YYYY-MM-DD`, Iran's
    /// calendar) the current stage is expected to end by.
    #[serde(default, skip_serializing_if = "Option::is_none", with = "iso_date")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Date))]
    pub expected_by: Option<Date>,
    /// The same day in Jalali, as the citizen reads it: «۴ آذر ۱۴۰۴».
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_by_fa: Option<String>,
}

impl ComplaintDetail {
    /// The Jalali day the current stage is expected to end by, if this copy still describes
    /// `stage` (a later stage change makes its day stale) and the stage has a clock.
    pub fn expected_by_jalali(&self, stage: Stage) -> Option<JalaliDate> {
        self.expected_by.filter(|_| self.stage == stage).map(JalaliDate::from_gregorian)
    }
}

/// `POST /v1/complaints/{tracking_code}/decision`: the citizen's answer in self-regulation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DecisionRequest {
    /// `true`: satisfied with the business's answer (resolved); `false`: send an inspector.
    pub accept: bool,
    /// Optional words from the citizen.
    #[serde(default)]
    pub note: Option<String>,
    /// A UUID the app made for this action: resending it (after a timeout) returns the first
    /// result instead of acting twice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(format = Uuid))]
    pub action_id: Option<String>,
}

/// `POST /v1/complaints/{tracking_code}/withdraw`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WithdrawRequest {
    /// Optional reason.
    #[serde(default)]
    pub note: Option<String>,
    /// A UUID the app made for this action: resending it (after a timeout) returns the first
    /// result instead of acting twice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(format = Uuid))]
    pub action_id: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_expected_day_holds_only_for_the_stage_it_was_given_for() {
        let detail: ComplaintDetail = serde_json::from_value(serde_json::json!({
            "tracking_code": "1234567890", "client_id": "6f1c1c7e-4a55-4f1e-9d2a-1c2b3c4d5e6f", "stage": "expert_review",
            "category": "no_invoice", "channel": "app", "description": "فاکتور نداد", "wants_compensation": false,
            "created_at": "2025-11-22T10:00:00Z", "updated_at": "2025-11-22T10:00:00Z", "events": [],
            "expected_by": "2025-11-25", "expected_by_fa": "۴ آذر ۱۴۰۴"
        }))
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(detail.expected_by_jalali(Stage::ExpertReview), Some(JalaliDate { year: 1404, month: 9, day: 4 }));
        assert_eq!(detail.expected_by_jalali(Stage::Inspection), None, "the stage moved on since this copy");
    }
}
