//! The records the client hands to the app: drafts, queued work, complaints and their events.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::model::api::{ComplaintDetail, EventView, FieldError, NewComplaint};
use crate::model::{Category, Stage, TrackingCode};

/// The editable fields of a draft complaint; all optional while editing. The app sends the
/// whole form on each update.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DraftFields {
    /// Category wire name.
    pub category: Option<String>,
    /// What happened.
    pub description: Option<String>,
    /// Business identification code (from the guild barcode).
    pub guild_id: Option<String>,
    /// Business name.
    pub business_name: Option<String>,
    /// Business address.
    pub business_address: Option<String>,
    /// Province.
    pub province: Option<String>,
    /// City.
    pub city: Option<String>,
    /// `YYYY-MM-DD`.
    pub incident_date: Option<String>,
    /// Amount in rials.
    pub amount_rials: Option<i64>,
    /// Compensation claim.
    pub wants_compensation: Option<bool>,
    /// The mobile number the complaint is filed under (must be the logged-in one).
    pub phone: Option<String>,
}

impl DraftFields {
    /// The wire body for these fields with `client_id`.
    pub fn to_new_complaint(&self, client_id: Option<String>) -> NewComplaint {
        NewComplaint {
            client_id,
            category: self.category.clone(),
            description: self.description.clone(),
            guild_id: self.guild_id.clone(),
            business_name: self.business_name.clone(),
            business_address: self.business_address.clone(),
            province: self.province.clone(),
            city: self.city.clone(),
            incident_date: self.incident_date.clone(),
            amount_rials: self.amount_rials,
            wants_compensation: self.wants_compensation,
        }
    }
}

/// A photo kept with a draft: already downscaled and re-encoded (no EXIF, no GPS).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DraftPhoto {
    /// UUID, also used for the idempotent upload.
    pub id: String,
    /// The JPEG in the client's own storage.
    pub path: String,
    /// Pixels.
    pub width: u32,
    /// Pixels.
    pub height: u32,
    /// Bytes.
    pub size: u64,
}

/// Where a draft stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DraftState {
    /// Being written.
    Editing,
    /// Frozen into the outbox, waiting to be sent.
    Submitted,
    /// The server refused it; fix and submit again (see `last_error`).
    Rejected,
}

/// A draft complaint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Draft {
    /// UUID.
    pub id: String,
    /// The form.
    pub fields: DraftFields,
    /// Photos, in the order added.
    pub photos: Vec<DraftPhoto>,
    /// State.
    pub state: DraftState,
    /// Why the server refused it, if it did.
    pub last_error: Option<Rejection>,
    /// Created.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// Last edit.
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// A server refusal kept for the user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rejection {
    /// Stable code.
    pub code: String,
    /// Explanation.
    pub message: String,
    /// Per-field problems, if any.
    #[serde(default)]
    pub fields: Vec<FieldError>,
}

/// Kinds of queued work.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutboxKind {
    /// A complaint to file.
    Complaint,
    /// A photo to upload to a filed complaint.
    Photo,
    /// Accept or reject the self-regulation answer.
    Decision,
    /// Withdraw a complaint.
    Withdraw,
    /// Feedback on the handling.
    Feedback,
}

impl OutboxKind {
    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            OutboxKind::Complaint => "complaint",
            OutboxKind::Photo => "photo",
            OutboxKind::Decision => "decision",
            OutboxKind::Withdraw => "withdraw",
            OutboxKind::Feedback => "feedback",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        [OutboxKind::Complaint, OutboxKind::Photo, OutboxKind::Decision, OutboxKind::Withdraw, OutboxKind::Feedback].into_iter().find(|k| k.as_str() == s)
    }
}

/// States of queued work.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutboxState {
    /// Waiting to be sent (again).
    Queued,
    /// Refused by the server; see `last_error`.
    Failed,
}

/// An item of queued work, as the app lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxItem {
    /// Local id.
    pub id: i64,
    /// Kind.
    pub kind: OutboxKind,
    /// State.
    pub state: OutboxState,
    /// The idempotency key sent with it (`client_id`, `action_id` or photo id).
    pub key: String,
    /// The draft it came from (complaints).
    pub draft_id: Option<String>,
    /// The complaint it concerns, once known.
    pub tracking_code: Option<String>,
    /// Attempts so far.
    pub attempts: u32,
    /// Earliest automatic retry.
    #[serde(with = "time::serde::rfc3339")]
    pub next_attempt_at: OffsetDateTime,
    /// The last refusal.
    pub last_error: Option<Rejection>,
}

/// One event of a complaint's history, as stored locally.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ComplaintEvent {
    /// The complaint.
    pub tracking_code: TrackingCode,
    /// The event.
    pub event: EventView,
    /// Whether the app has shown it (cleared with `mark_seen`).
    pub seen: bool,
}

/// A complaint the citizen filed (or that staff filed for them), as known locally.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LocalComplaint {
    /// Tracking code.
    pub tracking_code: TrackingCode,
    /// Current stage.
    pub stage: Stage,
    /// Category, once known.
    pub category: Option<Category>,
    /// Business name, once known.
    pub business_name: Option<String>,
    /// The full detail from the last refresh.
    pub detail: Option<ComplaintDetail>,
    /// History, oldest first.
    pub events: Vec<ComplaintEvent>,
}

/// What a `sync()` did.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SyncReport {
    /// Items delivered.
    pub delivered: u32,
    /// Items refused now (see the outbox).
    pub failed: u32,
    /// Items still queued.
    pub pending: u32,
    /// New events pulled (each reported once).
    pub new_events: Vec<ComplaintEvent>,
    /// What happened to each item this sync tried, in order.
    pub items: Vec<ItemResult>,
}

/// The fate of one outbox item in a sync.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemResult {
    /// Outbox id.
    pub id: i64,
    /// Its idempotency key.
    pub key: String,
    /// Kind.
    pub kind: OutboxKind,
    /// `true`: the server has it; `false`: refused (see `error`).
    pub delivered: bool,
    /// The complaint concerned (for a filed complaint, its new tracking code).
    pub tracking_code: Option<String>,
    /// Why it was refused.
    pub error: Option<Rejection>,
}

/// Progress of a sync, for progress bars.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SyncProgress {
    /// About to send `total` items.
    Sending {
        /// Items to send.
        total: u32,
    },
    /// One item finished (delivered or not).
    Sent {
        /// Kind.
        kind: OutboxKind,
        /// Bytes of the photo, for photos.
        bytes: u64,
    },
}
