//! The records the client hands to the app: drafts, queued work, complaints and their events.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::model::api::{BusinessView, ComplaintDetail, EventView, FieldError, NewComplaint};
use crate::model::guild::normalize_guild_id;
use crate::model::journey::{self, CitizenChoices, NextStep, Verdict};
use crate::model::{Category, Stage, TrackingCode};

/// The editable fields of a draft complaint; all optional while editing. The app sends the
/// whole form on each update.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct DraftFields {
    /// Category wire name.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub category: Option<String>,
    /// What happened.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub description: Option<String>,
    /// Business identification code (from the guild barcode).
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub guild_id: Option<String>,
    /// Business name.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub business_name: Option<String>,
    /// Business address.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub business_address: Option<String>,
    /// Province.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub province: Option<String>,
    /// City.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub city: Option<String>,
    /// `YYYY-MM-DD`.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub incident_date: Option<String>,
    /// Amount in rials.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub amount_rials: Option<i64>,
    /// Compensation claim.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub wants_compensation: Option<bool>,
    /// The mobile number the complaint is filed under (must be the logged-in one).
    #[cfg_attr(feature = "uniffi", uniffi(default))]
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

impl DraftFields {
    /// Completes the fields from the registry's record of the business named by the guild ID:
    /// its name, address, city and province where the citizen gave none. What the citizen
    /// typed is kept.
    pub fn with_business(mut self, b: &BusinessView) -> Self {
        let empty = |v: &Option<String>| v.as_deref().is_none_or(|s| s.trim().is_empty());
        if empty(&self.business_name) {
            self.business_name = Some(b.name.clone());
        }
        if empty(&self.business_address) {
            self.business_address = b.address.clone();
        }
        if empty(&self.city) {
            self.city = b.city.clone();
        }
        if empty(&self.province) {
            self.province = b.province.clone();
        }
        self
    }

    /// The fields with the business the citizen chose by its guild ID (`guild_id` already
    /// normalised): typed, or picked from a registry search. The registry's record, when there
    /// is one, names the shop: its name, and its address, city and province where it gives
    /// them. Choosing another business than before drops the previous one's name and address,
    /// so two shops are never mixed; with no record, what the citizen typed is kept.
    pub fn choose_business(mut self, guild_id: &str, business: Option<&BusinessView>) -> Self {
        let previous = self.guild_id.as_deref().and_then(normalize_guild_id);
        if previous.is_some_and(|p| p != guild_id) {
            self.business_name = None;
            self.business_address = None;
        }
        self.guild_id = Some(guild_id.to_owned());
        if let Some(b) = business {
            self.business_name = Some(b.name.clone());
            if b.address.is_some() {
                self.business_address = b.address.clone();
            }
            if b.city.is_some() {
                self.city = b.city.clone();
            }
            if b.province.is_some() {
                self.province = b.province.clone();
            }
        }
        self
    }
}

/// What choosing a business by its guild ID gave: the draft as it is now, and the registry's
/// record of the business (none when the registry does not know the ID, or it is not cached
/// and the server cannot be reached: the citizen then types the name and address).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BusinessChoice {
    /// The draft with the business set.
    pub draft: Draft,
    /// The registry's record, when it knows the business.
    pub business: Option<BusinessView>,
}

/// A photo kept with a draft: already downscaled and re-encoded (no EXIF, no GPS).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
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
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
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
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
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
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
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
    pub kind: OutboxKind,
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
    pub event: EventView,
    /// Whether the app has shown it (cleared with `mark_seen`).
    pub seen: bool,
}

/// A complaint the citizen filed (or that staff filed for them), as known locally.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LocalComplaint {
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

impl LocalComplaint {
    /// The history as the server wrote it (the events kept on this device).
    fn history(&self) -> Vec<EventView> {
        self.events.iter().map(|e| e.event.clone()).collect()
    }

    /// What the citizen may do with it now (accept or reject the business's answer,
    /// withdraw, complain about the handling).
    pub fn choices(&self) -> CitizenChoices {
        journey::citizen_choices(self.stage)
    }

    /// The business's answer the citizen is asked to accept or reject (in self-regulation).
    pub fn business_answer(&self) -> Option<EventView> {
        journey::business_answer(self.stage, &self.history()).cloned()
    }

    /// The Ta'zirat verdict, once announced.
    pub fn verdict(&self) -> Option<Verdict> {
        journey::verdict(&self.history())
    }

    /// What the citizen should expect or do next.
    pub fn next_step(&self) -> NextStep {
        journey::next_step(self.stage)
    }

    /// The day the current stage is expected to end by, as the server said at the last
    /// refresh; `None` for a stage without a clock, or once the stage moved on since.
    pub fn expected_by(&self) -> Option<crate::model::jalali::JalaliDate> {
        self.detail.as_ref().and_then(|d| d.expected_by_jalali(self.stage))
    }
}

/// Where a photo of a filed complaint is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(rename_all = "snake_case")]
pub enum PhotoState {
    /// On this device, waiting to be uploaded (the next `sync()` sends it).
    Queued,
    /// On this device and on the server.
    Uploaded,
    /// Only on the server (filed on the portal or by an operator): `fetch_photo` brings a copy.
    OnServer,
}

/// A photo of a filed complaint, for its page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComplaintPhoto {
    /// The photo's UUID.
    pub photo_id: String,
    /// The JPEG on this device (for a thumbnail); `None` while it is only on the server.
    pub path: Option<String>,
    /// Pixels, when the photo is on this device.
    pub width: Option<u32>,
    /// Pixels, when the photo is on this device.
    pub height: Option<u32>,
    /// Bytes.
    pub size: u64,
    /// Where it is.
    pub state: PhotoState,
    /// When it came to this device.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub added_at: Option<OffsetDateTime>,
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
        kind: OutboxKind,
        /// Bytes of the photo, for photos.
        bytes: u64,
    },
}

/// Whether the server could be reached, as the last request found: what an app's offline
/// indicator shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(rename_all = "snake_case")]
pub enum Connection {
    /// Nothing was sent yet.
    Unknown,
    /// The server answered the last request (whatever it answered).
    Online,
    /// The last request did not reach the server; queued work waits for the next sync.
    Offline,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shop(guild_id: &str, name: &str, address: Option<&str>, city: Option<&str>) -> BusinessView {
        BusinessView {
            guild_id: guild_id.into(),
            name: name.into(),
            guild: None,
            licence_no: None,
            licence_status: None,
            province: city.map(|_| "تهران".into()),
            city: city.map(str::to_owned),
            address: address.map(str::to_owned),
        }
    }

    fn typed(guild_id: Option<&str>, name: &str, address: &str, city: &str) -> DraftFields {
        DraftFields {
            guild_id: guild_id.map(str::to_owned),
            business_name: Some(name.into()),
            business_address: Some(address.into()),
            city: Some(city.into()),
            description: Some("فاکتور نداد".into()),
            ..Default::default()
        }
    }

    #[test]
    fn choosing_a_business_names_it_from_the_registry_and_never_mixes_two_shops() {
        let market = shop("10010010011", "سوپرمارکت نمونه", Some("خیابان انقلاب"), Some("تهران"));
        // Typed name and address, then a guild ID the registry knows: the registry names it.
        let f = typed(None, "سوپری", "نمی‌دانم", "کرج").choose_business("10010010011", Some(&market));
        assert_eq!(f.guild_id.as_deref(), Some("10010010011"));
        assert_eq!(f.business_name.as_deref(), Some("سوپرمارکت نمونه"));
        assert_eq!(f.business_address.as_deref(), Some("خیابان انقلاب"));
        assert_eq!(f.city.as_deref(), Some("تهران"));
        assert_eq!(f.description.as_deref(), Some("فاکتور نداد"), "the rest of the form is kept");
        // An ID the registry does not know: what was typed stays (the citizen names it).
        let f = typed(None, "سوپری", "نمی‌دانم", "کرج").choose_business("999", None);
        assert_eq!((f.guild_id.as_deref(), f.business_name.as_deref(), f.city.as_deref()), (Some("999"), Some("سوپری"), Some("کرج")));
        // Another shop than before: the first one's name and address go, even if unknown.
        let f = typed(Some("۱۰۰۱۰۰۱۰۰۱۱"), "سوپرمارکت نمونه", "خیابان انقلاب", "تهران").choose_business("999", None);
        assert_eq!((f.business_name.as_deref(), f.business_address.as_deref()), (None, None));
        // The same shop again keeps what was there; a record without a city keeps the city.
        let bare = shop("10010010011", "سوپرمارکت نمونه", None, None);
        let f = typed(Some("10010010011"), "سوپرمارکت نمونه", "خیابان انقلاب", "تهران").choose_business("10010010011", Some(&bare));
        assert_eq!((f.business_address.as_deref(), f.city.as_deref()), (Some("خیابان انقلاب"), Some("تهران")));
    }
}
