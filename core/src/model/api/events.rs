//! The entries of a complaint's history.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use strum::{EnumString, IntoStaticStr, VariantArray};
use time::OffsetDateTime;

use crate::model::names::wire_names;
use crate::model::stage::Stage;

/// What kind of entry an event is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, IntoStaticStr, EnumString, VariantArray)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum EventKind {
    /// The complaint was filed.
    Created,
    /// The stage changed.
    Stage,
    /// A note without a stage change (the business's answer, ...).
    Note,
    /// Staff only: someone took, released or was handed the complaint.
    Assigned,
    /// Staff only: the complaint was placed in a province.
    Province,
    /// Staff only: its stage went past the deadline's second threshold, and it was raised to
    /// the supervisors (once per stage).
    Raised,
}

wire_names!(EventKind, "Every kind.");

/// One entry of a complaint's history, as the citizen sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EventView {
    /// The event's position in the feed (also the sync cursor).
    pub seq: i64,
    /// What kind of entry.
    pub kind: EventKind,
    /// The stage after the event.
    pub stage: Stage,
    /// The stage before, for stage changes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_stage: Option<Stage>,
    /// Who acted: `citizen` or a role name (never a person's name).
    pub actor: String,
    /// When.
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub at: OffsetDateTime,
    /// The note meant for the citizen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Structured details (the verdict, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub details: Option<Value>,
    /// Staff-only note; present only in staff views.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub internal_note: Option<String>,
}

impl EventView {
    /// An event with no notes, details or previous stage: what a push says before the full
    /// history is fetched (add the rest with struct update syntax).
    pub fn bare(seq: i64, kind: EventKind, stage: Stage, actor: &str, at: OffsetDateTime) -> Self {
        EventView { seq, kind, stage, from_stage: None, actor: actor.to_owned(), at, note: None, details: None, internal_note: None }
    }
}
