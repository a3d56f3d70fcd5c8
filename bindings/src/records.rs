//! The records the app sees that the core does not have as such: each adds what a screen
//! needs to the core's data — Persian labels and messages, instants in the Solar Hijri
//! calendar (Iran time, Persian digits, from the core's `model::jalali`) beside milliseconds
//! since the Unix epoch — or gives it a shape Kotlin and Swift can hold.
//!
//! Everything else the app sees is the core's own type, exported by `samat-core`'s `uniffi`
//! feature and re-exported here under the names the app has always used (Kotlin: package
//! `ir.samat.core`).

pub use samat_core::client::push::Notification as PushNotification;
pub use samat_core::client::scanning::GuildCode;
pub use samat_core::client::types::{Connection, DraftFields, DraftPhoto, DraftState, OutboxKind, OutboxState, PhotoState};
pub use samat_core::client::Session;
pub use samat_core::model::api::{BusinessView as Business, EventKind, FieldError as FieldProblem, LicenceStatus};
pub use samat_core::model::guild::{GuildKey, PayloadForm};
pub use samat_core::model::jalali::JalaliDate as JalaliDay;
pub use samat_core::model::journey::{CitizenChoices, NextStep};
pub use samat_core::model::{Category, Channel, Stage};

use samat_core::client as core;
use samat_core::model::api::{self, FieldError};
use samat_core::model::jalali::{self, JalaliDate};
use samat_core::model::journey;
use samat_core::model::labels;
use time::OffsetDateTime;

use crate::SamatError;

fn ms(at: OffsetDateTime) -> i64 {
    jalali::millis(at)
}

fn jalali_text(at: OffsetDateTime) -> String {
    jalali::format_instant_fa(at)
}

// ---- records ------------------------------------------------------------------------------

/// A server refusal kept with a draft or an outbox item.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Rejection {
    /// Stable code.
    pub code: String,
    /// The server's explanation (English, for logs).
    pub message: String,
    /// The message to show, in Persian.
    pub message_fa: String,
    /// Per-field problems, if any.
    pub fields: Vec<FieldProblem>,
}

impl From<core::Rejection> for Rejection {
    fn from(r: core::Rejection) -> Self {
        let message_fa = labels::error_message_fa(&r.code).to_owned();
        Rejection { code: r.code, message: r.message, message_fa, fields: r.fields.into_iter().map(FieldError::with_persian).collect() }
    }
}

impl From<Rejection> for core::Rejection {
    fn from(r: Rejection) -> Self {
        core::Rejection { code: r.code, message: r.message, fields: r.fields }
    }
}

/// A draft complaint.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
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
    /// Created, ms since the epoch.
    pub created_at_ms: i64,
    /// Last edit, ms since the epoch.
    pub updated_at_ms: i64,
    /// Last edit in the Solar Hijri calendar (`۷ آذر ۱۴۰۵، ۱۴:۰۵`).
    pub updated_at_jalali: String,
}

impl From<core::Draft> for Draft {
    fn from(d: core::Draft) -> Self {
        Draft {
            id: d.id,
            fields: d.fields,
            photos: d.photos,
            state: d.state,
            last_error: d.last_error.map(Into::into),
            created_at_ms: ms(d.created_at),
            updated_at_ms: ms(d.updated_at),
            updated_at_jalali: jalali_text(d.updated_at),
        }
    }
}

impl From<Draft> for core::Draft {
    fn from(d: Draft) -> Self {
        core::Draft {
            id: d.id,
            fields: d.fields,
            photos: d.photos,
            state: d.state,
            last_error: d.last_error.map(Into::into),
            created_at: jalali::instant_from_millis(d.created_at_ms),
            updated_at: jalali::instant_from_millis(d.updated_at_ms),
        }
    }
}

/// An item of queued work.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct OutboxItem {
    /// Local id (for `discard`).
    pub id: i64,
    pub kind: OutboxKind,
    pub state: OutboxState,
    /// The idempotency key sent with it.
    pub key: String,
    /// The draft it came from (complaints).
    pub draft_id: Option<String>,
    /// The complaint it concerns, once known.
    pub tracking_code: Option<String>,
    /// Attempts so far.
    pub attempts: u32,
    /// Earliest automatic retry, ms since the epoch.
    pub next_attempt_at_ms: i64,
    /// The last refusal.
    pub last_error: Option<Rejection>,
}

impl From<core::OutboxItem> for OutboxItem {
    fn from(i: core::OutboxItem) -> Self {
        OutboxItem {
            id: i.id,
            kind: i.kind,
            state: i.state,
            key: i.key,
            draft_id: i.draft_id,
            tracking_code: i.tracking_code,
            attempts: i.attempts,
            next_attempt_at_ms: ms(i.next_attempt_at),
            last_error: i.last_error.map(Into::into),
        }
    }
}

/// One entry of a complaint's history.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ComplaintEvent {
    /// The complaint.
    pub tracking_code: String,
    /// Position in the feed (pass to `mark_seen`).
    pub seq: i64,
    /// What kind of entry.
    pub kind: EventKind,
    /// The stage after the event.
    pub stage: Stage,
    /// The stage before, for stage changes.
    pub from_stage: Option<Stage>,
    /// Who acted: `citizen` or a staff role's wire name.
    pub actor: String,
    /// Who acted, in Persian ("شما", "کارشناس", ...).
    pub actor_label_fa: String,
    /// When, ms since the epoch.
    pub at_ms: i64,
    /// When, in the Solar Hijri calendar.
    pub at_jalali: String,
    /// The note meant for the citizen.
    pub note: Option<String>,
    /// The verdict, on the event that announced it (the only event with details).
    pub verdict: Option<Verdict>,
    /// Whether the app has shown it.
    pub seen: bool,
}

impl ComplaintEvent {
    pub(crate) fn from_view(tracking_code: String, e: api::EventView, seen: bool) -> Self {
        let verdict = journey::verdict(std::slice::from_ref(&e)).map(Into::into);
        ComplaintEvent {
            tracking_code,
            seq: e.seq,
            kind: e.kind,
            stage: e.stage,
            from_stage: e.from_stage,
            actor_label_fa: labels::actor_label_fa(&e.actor).to_owned(),
            actor: e.actor,
            at_ms: ms(e.at),
            at_jalali: jalali_text(e.at),
            verdict,
            note: e.note,
            seen,
        }
    }
}

impl From<core::ComplaintEvent> for ComplaintEvent {
    fn from(e: core::ComplaintEvent) -> Self {
        ComplaintEvent::from_view(e.tracking_code.to_string(), e.event, e.seen)
    }
}

/// The Ta'zirat verdict, typed, with the words and amounts to show.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Verdict {
    /// Whether a violation was found.
    pub violation: bool,
    /// The penalty imposed on the business, in rials.
    pub penalty_rials: Option<i64>,
    /// The compensation awarded to the citizen, in rials.
    pub compensation_rials: Option<i64>,
    /// «تخلف محرز شد» or «تخلفی محرز نشد».
    pub outcome_fa: String,
    /// The penalty as people read it (`۵۰٬۰۰۰٬۰۰۰ ریال`), when there is one.
    pub penalty_fa: Option<String>,
    /// The compensation as people read it, when there is one.
    pub compensation_fa: Option<String>,
    /// The whole verdict in one Persian sentence (what the SMS says).
    pub summary_fa: String,
    /// When it was announced, ms since the epoch.
    pub at_ms: i64,
    /// When it was announced, in the Solar Hijri calendar.
    pub at_jalali: String,
}

impl From<journey::Verdict> for Verdict {
    fn from(v: journey::Verdict) -> Self {
        let d = &v.details;
        Verdict {
            violation: d.violation,
            penalty_rials: d.penalty_rials,
            compensation_rials: d.compensation_rials,
            outcome_fa: d.outcome_fa().to_owned(),
            penalty_fa: d.penalty_fa(),
            compensation_fa: d.compensation_fa(),
            summary_fa: d.summary_fa(),
            at_ms: ms(v.at),
            at_jalali: jalali_text(v.at),
        }
    }
}

/// A photo of a filed complaint, for its page.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ComplaintPhoto {
    /// The photo's UUID.
    pub photo_id: String,
    /// The JPEG on this device (for a thumbnail); none while it is only on the server.
    pub path: Option<String>,
    /// Pixels, when on this device.
    pub width: Option<u32>,
    /// Pixels, when on this device.
    pub height: Option<u32>,
    /// Bytes.
    pub size: u64,
    /// Where it is.
    pub state: PhotoState,
}

impl From<core::ComplaintPhoto> for ComplaintPhoto {
    fn from(p: core::ComplaintPhoto) -> Self {
        ComplaintPhoto { photo_id: p.photo_id, path: p.path, width: p.width, height: p.height, size: p.size, state: p.state }
    }
}

/// Feedback the citizen gave about the handling.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Feedback {
    pub id: i64,
    /// 1 to 5.
    pub rating: i64,
    pub comment: Option<String>,
    /// Whether it went to the supervisors.
    pub escalated: bool,
    /// When, ms since the epoch.
    pub at_ms: i64,
}

/// A photo the server holds for a complaint.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ServerPhoto {
    /// The UUID the app gave it.
    pub photo_id: String,
    /// MIME type.
    pub content_type: String,
    /// Bytes.
    pub size: i64,
}

/// A complaint with its whole history, as the server last sent it.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ComplaintDetail {
    pub tracking_code: String,
    /// Current stage.
    pub stage: Stage,
    pub category: Category,
    /// Intake channel.
    pub channel: Channel,
    pub description: String,
    /// Business identification code.
    pub guild_id: Option<String>,
    pub business_name: Option<String>,
    pub business_address: Option<String>,
    pub province: Option<String>,
    pub city: Option<String>,
    /// Incident date, Gregorian `YYYY-MM-DD`.
    pub incident_date: Option<String>,
    /// Incident date in the Solar Hijri calendar (`۷ آذر ۱۴۰۵`).
    pub incident_date_jalali: Option<String>,
    /// The day the current stage is expected to end by (`۴ آذر ۱۴۰۴`), while it has a clock.
    pub expected_by_jalali: Option<String>,
    /// Amount in rials.
    pub amount_rials: Option<i64>,
    /// Compensation claim.
    pub wants_compensation: bool,
    /// Whether the business ID is in the registry (`false`: flagged for the expert).
    pub business_known: Option<bool>,
    /// Filed, ms since the epoch.
    pub created_at_ms: i64,
    /// Filed, in the Solar Hijri calendar.
    pub created_at_jalali: String,
    /// Last change, ms since the epoch.
    pub updated_at_ms: i64,
    /// Last change, in the Solar Hijri calendar.
    pub updated_at_jalali: String,
    /// History, oldest first.
    pub events: Vec<ComplaintEvent>,
    /// Feedback given.
    pub feedback: Vec<Feedback>,
    /// Photos on the server.
    pub photos: Vec<ServerPhoto>,
    /// The verdict, once announced.
    pub verdict: Option<Verdict>,
    /// The business's answer the citizen is asked to accept or reject (in self-regulation).
    pub business_answer: Option<String>,
    /// What the citizen should expect or do next.
    pub next_step: NextStep,
    /// The same in Persian, with the ways to answer for those who filed by phone or at a
    /// counter.
    pub next_step_fa: String,
}

impl From<api::ComplaintDetail> for ComplaintDetail {
    fn from(d: api::ComplaintDetail) -> Self {
        let code = d.tracking_code.to_string();
        let step = journey::next_step(d.stage);
        let verdict = journey::verdict(&d.events).map(Into::into);
        let business_answer = journey::business_answer(d.stage, &d.events).and_then(|e| e.note.clone());
        let expected_by_jalali = d.expected_by_jalali(d.stage).map(JalaliDate::format_long_fa);
        ComplaintDetail {
            verdict,
            business_answer,
            next_step: step,
            next_step_fa: step.text_fa(),
            stage: d.stage,
            category: d.category,
            channel: d.channel,
            description: d.description,
            guild_id: d.guild_id,
            business_name: d.business_name,
            business_address: d.business_address,
            province: d.province,
            city: d.city,
            incident_date: d.incident_date.map(|day| format!("{:04}-{:02}-{:02}", day.year(), day.month() as u8, day.day())),
            incident_date_jalali: d.incident_date.map(|day| JalaliDate::from_gregorian(day).format_long_fa()),
            expected_by_jalali,
            amount_rials: d.amount_rials,
            wants_compensation: d.wants_compensation,
            business_known: d.business_known,
            created_at_ms: ms(d.created_at),
            created_at_jalali: jalali_text(d.created_at),
            updated_at_ms: ms(d.updated_at),
            updated_at_jalali: jalali_text(d.updated_at),
            events: d.events.into_iter().map(|e| ComplaintEvent::from_view(code.clone(), e, true)).collect(),
            feedback: d
                .feedback
                .into_iter()
                .map(|f| Feedback { id: f.id, rating: f.rating, comment: f.comment, escalated: f.escalated, at_ms: ms(f.at) })
                .collect(),
            photos: d.photos.into_iter().map(|p| ServerPhoto { photo_id: p.photo_id.to_string(), content_type: p.content_type, size: p.size }).collect(),
            tracking_code: code,
        }
    }
}

/// A complaint the citizen filed (or that staff filed for them), as known on the phone.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct LocalComplaint {
    pub tracking_code: String,
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
    /// What the citizen may do now: the buttons of the complaint's page.
    pub choices: CitizenChoices,
    /// The business's answer the citizen is asked to accept or reject (in self-regulation).
    pub business_answer: Option<String>,
    /// The verdict, once announced.
    pub verdict: Option<Verdict>,
    /// What the citizen should expect or do next.
    pub next_step: NextStep,
    /// The same in Persian.
    pub next_step_fa: String,
    /// The day the current stage is expected to end by (`۴ آذر ۱۴۰۴`), as of the last refresh.
    pub expected_by_jalali: Option<String>,
}

impl From<core::LocalComplaint> for LocalComplaint {
    fn from(c: core::LocalComplaint) -> Self {
        let choices = c.choices();
        let business_answer = c.business_answer().and_then(|e| e.note);
        let verdict = c.verdict().map(Into::into);
        let step = c.next_step();
        let expected_by_jalali = c.expected_by().map(JalaliDate::format_long_fa);
        let events: Vec<ComplaintEvent> = c.events.into_iter().map(Into::into).collect();
        let mut detail: Option<ComplaintDetail> = c.detail.map(Into::into);
        // The detail's copy of the history carries the device's own `seen` flags too.
        if let Some(d) = &mut detail {
            for e in &mut d.events {
                e.seen = events.iter().find(|l| l.seq == e.seq).is_none_or(|l| l.seen);
            }
        }
        LocalComplaint {
            tracking_code: c.tracking_code.to_string(),
            stage: c.stage,
            category: c.category,
            business_name: c.business_name,
            detail,
            events,
            choices,
            business_answer,
            verdict,
            next_step: step,
            next_step_fa: step.text_fa(),
            expected_by_jalali,
        }
    }
}

/// The fate of one outbox item in a sync.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
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

impl From<core::ItemResult> for ItemResult {
    fn from(i: core::ItemResult) -> Self {
        ItemResult { id: i.id, key: i.key, kind: i.kind, delivered: i.delivered, tracking_code: i.tracking_code, error: i.error.map(Into::into) }
    }
}

/// What a `sync()` did.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
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

impl From<core::SyncReport> for SyncReport {
    fn from(r: core::SyncReport) -> Self {
        SyncReport {
            delivered: r.delivered,
            failed: r.failed,
            pending: r.pending,
            new_events: r.new_events.into_iter().map(Into::into).collect(),
            items: r.items.into_iter().map(Into::into).collect(),
        }
    }
}

/// What choosing a business by its guild ID gave (`choose_business`).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct BusinessChoice {
    /// The draft with the business set (named from the registry when it knows it).
    pub draft: Draft,
    /// The registry's record; none when the registry does not know the ID (or it is not cached
    /// and the server cannot be reached): the citizen then types the name and address.
    pub business: Option<Business>,
}

impl From<core::BusinessChoice> for BusinessChoice {
    fn from(c: core::BusinessChoice) -> Self {
        BusinessChoice { draft: c.draft.into(), business: c.business }
    }
}

/// A point in the scanned image, in pixels.
#[derive(Debug, Clone, Copy, PartialEq, uniffi::Record)]
pub struct Point {
    /// From the left edge.
    pub x: f32,
    /// From the top edge.
    pub y: f32,
}

/// A decoded QR code, with its guild reading.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ScannedCode {
    /// The decoded text.
    pub text: String,
    /// The symbol's four corners (top-left, top-right, bottom-right, bottom-left), for drawing
    /// a box on the preview.
    pub corners: Vec<Point>,
    /// The guild reading, or none when the code is something else.
    pub guild: Option<GuildCode>,
}

impl From<core::scanning::ScannedCode> for ScannedCode {
    fn from(c: core::scanning::ScannedCode) -> Self {
        ScannedCode { text: c.text, corners: c.corners.iter().map(|[x, y]| Point { x: *x, y: *y }).collect(), guild: c.guild }
    }
}

/// A category with its wire name and labels, for the category picker.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct CategoryInfo {
    pub category: Category,
    /// Wire name, what `DraftFields.category` takes.
    pub wire_name: String,
    /// Persian label.
    pub label_fa: String,
    /// English label.
    pub label_en: String,
}

/// Converts a list with `Into`, for the wrappers' one-liners.
pub(crate) fn all<A, B: From<A>>(v: Vec<A>) -> Vec<B> {
    v.into_iter().map(B::from).collect()
}

/// A result whose error is the app's one error, the core's own (`SamatError`).
pub(crate) type Result<T> = std::result::Result<T, SamatError>;

/// Where this device receives pushes.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum PushTarget {
    /// A UnifiedPush / Web Push subscription (works without Google services): the endpoint
    /// the distributor gave, and the subscription's keys (base64url).
    UnifiedPush {
        /// The push endpoint URL.
        endpoint: String,
        /// The subscription's P-256 public key (65 bytes, base64url).
        p256dh: String,
        /// The subscription's auth secret (16 bytes, base64url).
        auth: String,
    },
    /// An FCM registration token.
    Fcm { token: String },
    /// An APNs device token (hex).
    Apns { token: String },
}

impl From<PushTarget> for api::PushTarget {
    fn from(t: PushTarget) -> Self {
        match t {
            PushTarget::UnifiedPush { endpoint, p256dh, auth } => api::PushTarget::UnifiedPush { endpoint, keys: api::PushKeys { p256dh, auth } },
            PushTarget::Fcm { token } => api::PushTarget::Fcm { token },
            PushTarget::Apns { token } => api::PushTarget::Apns { token },
        }
    }
}

/// A registered push target.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct PushDevice {
    /// Server id.
    pub id: i64,
    /// `unifiedpush`, `fcm` or `apns`.
    pub kind: String,
    /// Last registered, ms since the epoch.
    pub updated_at_ms: i64,
}

impl From<api::DeviceView> for PushDevice {
    fn from(d: api::DeviceView) -> Self {
        let kind = serde_json::to_value(d.kind).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
        PushDevice { id: d.id, kind, updated_at_ms: ms(d.updated_at) }
    }
}
