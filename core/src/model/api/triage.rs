//! The messages to the 124 line that wait for an operator (`/v1/staff/inbound`): how they are
//! shown, and the operator's two answers, filing one as a complaint or setting it aside.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::NewComplaint;
use crate::model::channel::Channel;
use crate::model::tracking::TrackingCode;

/// `POST /v1/staff/inbound/{id}/file`: the complaint an operator makes of an inbound message.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TriageFileRequest {
    /// The citizen's mobile number, when the message did not come from one (a landline, an
    /// e-mail) and the operator called them back; absent: the sender's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// The complaint's fields (the description defaults to the message's text).
    #[serde(flatten)]
    pub complaint: NewComplaint,
}

/// `POST /v1/staff/inbound/{id}/dismiss`: why a message is set aside.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TriageDismissRequest {
    /// The operator's reason, kept beside the message (at most a note's length).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A text message to the 124 line as operators see it (`GET /v1/staff/inbound`): the
/// original text, who sent it and how it ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InboundMessageView {
    /// What the triage actions take (`POST /v1/staff/inbound/{id}/file`).
    pub id: i64,
    /// The sender: the phone number as the gateway wrote it, or the e-mail address.
    pub from: String,
    /// How it came: `sms` or `email`.
    pub channel: Channel,
    /// An e-mail's subject.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// The text as received (an e-mail's, with HTML reduced to text).
    pub text: String,
    /// When the gateway received it.
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub received_at: OffsetDateTime,
    /// `pending`, `filed`, `answered`, `triage`, `dismissed` or `limited`.
    pub status: String,
    /// Why it ended so: `unclassified` (no category the words point at), `unreadable`,
    /// `too_long`, `no_phone` (an e-mail naming no mobile number, or an SMS not from one),
    /// `no_text` and `too_large` (e-mail), `rate_limited`, a command (`track`, `reject`, …),
    /// `thread_note` (an e-mail reply added to its complaint as a note for staff).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The complaint it filed or acted on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracking_code: Option<TrackingCode>,
    /// The operator's reason, when it was set aside with one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}
