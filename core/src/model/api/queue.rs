//! A staff role's queue (`GET /v1/staff/queue`).

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::FeedbackView;
use crate::model::category::Category;
use crate::model::channel::Channel;
use crate::model::province::Province;
use crate::model::role::Role;
use crate::model::stage::Stage;
use crate::model::tracking::TrackingCode;

/// An entry of a staff queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QueueItem {
    /// The tracking code.
    pub tracking_code: TrackingCode,
    /// Current stage.
    pub stage: Stage,
    /// Category.
    pub category: Category,
    /// Intake channel.
    pub channel: Channel,
    /// Business name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub business_name: Option<String>,
    /// City.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// Compensation claim.
    pub wants_compensation: bool,
    /// Business ID given but not in the registry: check it.
    pub unknown_business: bool,
    /// When it entered its current stage.
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub stage_since: OffsetDateTime,
    /// Seconds in the current stage.
    pub stage_age_seconds: i64,
    /// When the current stage is due (absent: a stage without a clock).
    #[serde(default, skip_serializing_if = "Option::is_none", with = "time::serde::rfc3339::option")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub due_at: Option<OffsetDateTime>,
    /// Past `due_at`.
    #[serde(default)]
    pub overdue: bool,
    /// Due today or on the next working day (and not yet overdue).
    #[serde(default)]
    pub due_soon: bool,
    /// For supervisors: the escalated feedback that put it here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub escalation: Option<FeedbackView>,
    /// The province it is handled in (absent: not yet placed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub province: Option<Province>,
    /// The staff member handling it (absent: nobody yet).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub holder: Option<String>,
}

/// `GET /v1/staff/queue` answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QueueResponse {
    /// The caller's role.
    pub role: Role,
    /// Escalations first (a supervisor's first page), then the soonest due first.
    pub items: Vec<QueueItem>,
    /// How many complaints match in all (page with `offset`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<i64>,
}
