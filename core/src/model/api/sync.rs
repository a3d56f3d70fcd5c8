//! The citizen's sync feed (`GET /v1/sync`): every event of their complaints after a cursor.

use serde::{Deserialize, Serialize};

use super::EventView;
use crate::model::tracking::TrackingCode;

/// One event in the citizen's sync feed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SyncEvent {
    /// The complaint.
    pub tracking_code: TrackingCode,
    /// The event.
    #[serde(flatten)]
    pub event: EventView,
}

/// `GET /v1/sync` answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SyncResponse {
    /// Events after the cursor, oldest first.
    pub events: Vec<SyncEvent>,
    /// Pass this as `since` next time.
    pub cursor: i64,
    /// Whether more events wait beyond this page.
    pub more: bool,
}
