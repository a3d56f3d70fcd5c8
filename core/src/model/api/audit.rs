//! The trail of staff reads of personal data (`GET /v1/staff/audit`).

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::model::tracking::TrackingCode;

/// One staff read of a complaint's personal data (`GET /v1/staff/audit`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditView {
    /// Id; page with `before`.
    pub id: i64,
    /// When.
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub at: OffsetDateTime,
    /// The staff member's id.
    pub staff_id: i64,
    /// Their username.
    pub username: String,
    /// The complaint.
    pub tracking_code: TrackingCode,
    /// `view`, `print` or `photo`.
    pub what: String,
}

/// `GET /v1/staff/audit` answer, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditResponse {
    /// The reads.
    pub entries: Vec<AuditView>,
}
