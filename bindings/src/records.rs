//! The records and enums the app sees, each converted from (and, where the app hands it back,
//! to) the core type it mirrors. Instants cross as milliseconds since the Unix epoch; every
//! instant a person reads also comes formatted in the Solar Hijri calendar, Iran time, with
//! Persian digits (the formatting is the core's `model::jalali`).

use samat_core::client as core;
use samat_core::model::api::{self, FieldError};
use samat_core::model::jalali::{self, JalaliDate};
use samat_core::model::journey;
use samat_core::model::labels;
use time::OffsetDateTime;

use crate::error::SamatError;

fn ms(at: OffsetDateTime) -> i64 {
    jalali::millis(at)
}

fn jalali_text(at: OffsetDateTime) -> String {
    jalali::format_instant_fa(at)
}

// ---- enums mirrored from the model ---------------------------------------------------------

/// Where a complaint stands: the seven stages and the three endings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum Stage {
    /// Filed; the tracking code went out by SMS.
    Received,
    /// An expert is evaluating it.
    ExpertReview,
    /// A compensation claim, with the guild's self-regulation body.
    SelfRegulation,
    /// An inspector is dispatched.
    Inspection,
    /// The inspection report is recorded.
    InspectionReported,
    /// The case file went to the Ta'zirat.
    Taazirat,
    /// The Ta'zirat verdict was announced.
    Verdict,
    /// Closed to the citizen's satisfaction.
    Resolved,
    /// Closed without action.
    Dismissed,
    /// Withdrawn by the citizen.
    Withdrawn,
}

macro_rules! mirror_enum {
    ($ffi:ident, $core:ty, [$($v:ident),+ $(,)?]) => {
        impl From<$core> for $ffi {
            fn from(v: $core) -> Self {
                match v { $(<$core>::$v => $ffi::$v),+ }
            }
        }
        impl From<$ffi> for $core {
            fn from(v: $ffi) -> Self {
                match v { $($ffi::$v => <$core>::$v),+ }
            }
        }
    };
}

mirror_enum!(
    Stage,
    samat_core::model::Stage,
    [Received, ExpertReview, SelfRegulation, Inspection, InspectionReported, Taazirat, Verdict, Resolved, Dismissed, Withdrawn]
);

/// What the citizen complains about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum Category {
    /// Selling or concealing smuggled goods.
    SmuggledGoods,
    /// Fraud or adulteration.
    Fraud,
    /// Hoarding.
    Hoarding,
    /// Supplying outside the distribution network.
    OffNetworkSupply,
    /// Not following pricing and distribution rules.
    PricingViolation,
    /// Forced or tied selling.
    ForcedSelling,
    /// Not displaying prices.
    NoPriceTag,
    /// Not issuing an invoice or receipt.
    NoInvoice,
    /// Anything else.
    Other,
}

mirror_enum!(
    Category,
    samat_core::model::Category,
    [SmuggledGoods, Fraud, Hoarding, OffNetworkSupply, PricingViolation, ForcedSelling, NoPriceTag, NoInvoice, Other]
);

/// How a complaint reached the ministry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum Channel {
    /// This app.
    App,
    /// The web portal.
    Web,
    /// The 124 call centre.
    Phone,
    /// A provincial counter.
    Counter,
    /// SMS.
    Sms,
    /// Fax.
    Fax,
    /// E-mail.
    Email,
    /// The voice mailbox.
    Voicemail,
}

mirror_enum!(Channel, samat_core::model::Channel, [App, Web, Phone, Counter, Sms, Fax, Email, Voicemail]);

/// What kind of history entry an event is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum EventKind {
    /// The complaint was filed.
    Created,
    /// The stage changed.
    Stage,
    /// A note without a stage change (the business's answer, ...).
    Note,
    /// Staff only (never in a citizen's history): the complaint changed hands.
    Assigned,
    /// Staff only (never in a citizen's history): the complaint was placed in a province.
    Province,
    /// Staff only (never in a citizen's history): past its deadline's second threshold, it was
    /// raised to the supervisors.
    Raised,
}

mirror_enum!(EventKind, api::EventKind, [Created, Stage, Note, Assigned, Province, Raised]);

/// A business licence's status in the registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum LicenceStatus {
    /// Valid.
    Active,
    /// Suspended.
    Suspended,
    /// Expired.
    Expired,
}

mirror_enum!(LicenceStatus, api::LicenceStatus, [Active, Suspended, Expired]);

/// How a guild code was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum PayloadForm {
    /// The sticker URL with a signature.
    SignedUrl,
    /// The sticker URL without a signature.
    Url,
    /// Just the business ID.
    BareId,
}

mirror_enum!(PayloadForm, samat_core::model::guild::PayloadForm, [SignedUrl, Url, BareId]);

/// Where a draft stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum DraftState {
    /// Being written.
    Editing,
    /// Queued for sending; frozen.
    Submitted,
    /// The server refused it: fix it (see `last_error`) and submit again.
    Rejected,
}

mirror_enum!(DraftState, core::DraftState, [Editing, Submitted, Rejected]);

/// Kinds of queued work.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum OutboxKind {
    /// A complaint to file.
    Complaint,
    /// A photo to upload.
    Photo,
    /// The answer to the business's offer.
    Decision,
    /// A withdrawal.
    Withdraw,
    /// Feedback on the handling.
    Feedback,
}

mirror_enum!(OutboxKind, core::OutboxKind, [Complaint, Photo, Decision, Withdraw, Feedback]);

/// States of queued work.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum OutboxState {
    /// Waiting to be sent (again).
    Queued,
    /// Refused by the server: see `last_error`, then discard it or fix the draft.
    Failed,
}

mirror_enum!(OutboxState, core::OutboxState, [Queued, Failed]);

// ---- records ------------------------------------------------------------------------------

/// Whether someone is logged in.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Session {
    /// The logged-in phone (`+98…`), if any.
    pub phone: Option<String>,
    /// The server refused the stored session: log in again (queued work is kept).
    pub expired: bool,
}

impl From<core::Session> for Session {
    fn from(s: core::Session) -> Self {
        Session { phone: s.phone, expired: s.expired }
    }
}

/// One problem with one field, with a stable code and messages to show.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct FieldProblem {
    /// The field (`category`, `description`, `phone`, `photos`, ...).
    pub field: String,
    /// Stable code (`missing_category`, `invalid_phone`, ...).
    pub code: String,
    /// The explanation in English, for logs.
    pub message: String,
    /// The message to show, in Persian.
    pub message_fa: String,
}

impl From<FieldError> for FieldProblem {
    fn from(f: FieldError) -> Self {
        let message_fa = labels::error_message_fa(&f.code).to_owned();
        FieldProblem { field: f.field, code: f.code, message: f.message, message_fa }
    }
}

impl From<FieldProblem> for FieldError {
    fn from(f: FieldProblem) -> Self {
        FieldError { field: f.field, code: f.code, message: f.message, message_fa: f.message_fa }
    }
}

/// The editable fields of a draft complaint; all optional while editing. Send the whole form
/// on each update.
#[derive(Debug, Clone, Default, PartialEq, Eq, uniffi::Record)]
pub struct DraftFields {
    /// Category wire name (`pricing_violation`, ...; see `categories()`).
    #[uniffi(default)]
    pub category: Option<String>,
    /// What happened.
    #[uniffi(default)]
    pub description: Option<String>,
    /// Business identification code (from the guild barcode).
    #[uniffi(default)]
    pub guild_id: Option<String>,
    /// Business name.
    #[uniffi(default)]
    pub business_name: Option<String>,
    /// Business address.
    #[uniffi(default)]
    pub business_address: Option<String>,
    /// Province.
    #[uniffi(default)]
    pub province: Option<String>,
    /// City.
    #[uniffi(default)]
    pub city: Option<String>,
    /// Gregorian `YYYY-MM-DD` (see `jalali_to_iso_date` for a Jalali date picker).
    #[uniffi(default)]
    pub incident_date: Option<String>,
    /// Amount in rials.
    #[uniffi(default)]
    pub amount_rials: Option<i64>,
    /// Compensation claim.
    #[uniffi(default)]
    pub wants_compensation: Option<bool>,
    /// The mobile number to file under (must be the logged-in one).
    #[uniffi(default)]
    pub phone: Option<String>,
}

impl From<core::DraftFields> for DraftFields {
    fn from(f: core::DraftFields) -> Self {
        DraftFields {
            category: f.category,
            description: f.description,
            guild_id: f.guild_id,
            business_name: f.business_name,
            business_address: f.business_address,
            province: f.province,
            city: f.city,
            incident_date: f.incident_date,
            amount_rials: f.amount_rials,
            wants_compensation: f.wants_compensation,
            phone: f.phone,
        }
    }
}

impl From<DraftFields> for core::DraftFields {
    fn from(f: DraftFields) -> Self {
        core::DraftFields {
            category: f.category,
            description: f.description,
            guild_id: f.guild_id,
            business_name: f.business_name,
            business_address: f.business_address,
            province: f.province,
            city: f.city,
            incident_date: f.incident_date,
            amount_rials: f.amount_rials,
            wants_compensation: f.wants_compensation,
            phone: f.phone,
        }
    }
}

/// A photo kept with a draft: already downscaled and re-encoded as JPEG (no EXIF, no GPS).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct DraftPhoto {
    /// UUID.
    pub id: String,
    /// The JPEG file in the client's storage (for thumbnails).
    pub path: String,
    /// Pixels.
    pub width: u32,
    /// Pixels.
    pub height: u32,
    /// Bytes.
    pub size: u64,
}

impl From<core::DraftPhoto> for DraftPhoto {
    fn from(p: core::DraftPhoto) -> Self {
        DraftPhoto { id: p.id, path: p.path, width: p.width, height: p.height, size: p.size }
    }
}

impl From<DraftPhoto> for core::DraftPhoto {
    fn from(p: DraftPhoto) -> Self {
        core::DraftPhoto { id: p.id, path: p.path, width: p.width, height: p.height, size: p.size }
    }
}

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
        Rejection { code: r.code, message: r.message, message_fa, fields: r.fields.into_iter().map(Into::into).collect() }
    }
}

impl From<Rejection> for core::Rejection {
    fn from(r: Rejection) -> Self {
        core::Rejection { code: r.code, message: r.message, fields: r.fields.into_iter().map(Into::into).collect() }
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
    /// State.
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
            fields: d.fields.into(),
            photos: d.photos.into_iter().map(Into::into).collect(),
            state: d.state.into(),
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
            fields: d.fields.into(),
            photos: d.photos.into_iter().map(Into::into).collect(),
            state: d.state.into(),
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
    /// Kind.
    pub kind: OutboxKind,
    /// State.
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
            kind: i.kind.into(),
            state: i.state.into(),
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
            kind: e.kind.into(),
            stage: e.stage.into(),
            from_stage: e.from_stage.map(Into::into),
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

/// What the citizen may do with a complaint now: the buttons its page offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct CitizenChoices {
    /// Accept or reject the business's answer (`decide`).
    pub decide: bool,
    /// Withdraw it (`withdraw`).
    pub withdraw: bool,
    /// Complain about the handling: rating, comment, escalate (`feedback`).
    pub feedback: bool,
}

impl From<journey::CitizenChoices> for CitizenChoices {
    fn from(c: journey::CitizenChoices) -> Self {
        CitizenChoices { decide: c.decide, withdraw: c.withdraw, feedback: c.feedback }
    }
}

/// What the citizen should expect or do next.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum NextStep {
    /// Staff are working on it; each stage comes by SMS.
    Wait,
    /// Read the business's answer and accept or reject it.
    AnswerBusiness,
    /// Read the verdict.
    ReadVerdict,
    /// The handling has ended.
    Closed,
}

mirror_enum!(NextStep, journey::NextStep, [Wait, AnswerBusiness, ReadVerdict, Closed]);

/// Where a photo of a filed complaint is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum PhotoState {
    /// On this device, waiting to be uploaded.
    Queued,
    /// On this device and on the server.
    Uploaded,
    /// Only on the server: `fetch_photo` brings a copy for a thumbnail.
    OnServer,
}

mirror_enum!(PhotoState, core::PhotoState, [Queued, Uploaded, OnServer]);

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
        ComplaintPhoto { photo_id: p.photo_id, path: p.path, width: p.width, height: p.height, size: p.size, state: p.state.into() }
    }
}

/// Whether the server could be reached, as the last request found: the offline indicator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum Connection {
    /// Nothing was sent yet.
    Unknown,
    /// The server answered.
    Online,
    /// The server could not be reached; queued work waits.
    Offline,
}

mirror_enum!(Connection, core::Connection, [Unknown, Online, Offline]);

/// Feedback the citizen gave about the handling.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Feedback {
    /// Id.
    pub id: i64,
    /// 1 to 5.
    pub rating: i64,
    /// Comment.
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
    /// Tracking code.
    pub tracking_code: String,
    /// Current stage.
    pub stage: Stage,
    /// Category.
    pub category: Category,
    /// Intake channel.
    pub channel: Channel,
    /// Description.
    pub description: String,
    /// Business identification code.
    pub guild_id: Option<String>,
    /// Business name.
    pub business_name: Option<String>,
    /// Business address.
    pub business_address: Option<String>,
    /// Province.
    pub province: Option<String>,
    /// City.
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
            next_step: step.into(),
            next_step_fa: step.text_fa(),
            stage: d.stage.into(),
            category: d.category.into(),
            channel: d.channel.into(),
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
    /// Tracking code.
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
        let choices = c.choices().into();
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
            stage: c.stage.into(),
            category: c.category.map(Into::into),
            business_name: c.business_name,
            detail,
            events,
            choices,
            business_answer,
            verdict,
            next_step: step.into(),
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
    /// Kind.
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
        ItemResult { id: i.id, key: i.key, kind: i.kind.into(), delivered: i.delivered, tracking_code: i.tracking_code, error: i.error.map(Into::into) }
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

/// A public key the ministry signs guild stickers with.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct GuildKey {
    /// Key id.
    pub key_id: String,
    /// Always `Ed25519`.
    pub algorithm: String,
    /// The public key, base64url.
    pub public_key: String,
}

impl From<samat_core::model::guild::GuildKey> for GuildKey {
    fn from(k: samat_core::model::guild::GuildKey) -> Self {
        GuildKey { key_id: k.key_id, algorithm: k.algorithm, public_key: k.public_key }
    }
}

/// A business from the registry.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Business {
    /// Business identification code.
    pub guild_id: String,
    /// Name.
    pub name: String,
    /// The guild (union) it belongs to.
    pub guild: Option<String>,
    /// Licence number.
    pub licence_no: Option<String>,
    /// Licence status, when the registry says.
    pub licence_status: Option<LicenceStatus>,
    /// Province.
    pub province: Option<String>,
    /// City.
    pub city: Option<String>,
    /// Address.
    pub address: Option<String>,
}

impl From<api::BusinessView> for Business {
    fn from(b: api::BusinessView) -> Self {
        Business {
            guild_id: b.guild_id,
            name: b.name,
            guild: b.guild,
            licence_no: b.licence_no,
            licence_status: b.licence_status.map(Into::into),
            province: b.province,
            city: b.city,
            address: b.address,
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
        BusinessChoice { draft: c.draft.into(), business: c.business.map(Into::into) }
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

/// A guild code as read from a sticker.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct GuildCode {
    /// Business identification code.
    pub guild_id: String,
    /// The printed name — only when `verified`.
    pub name: Option<String>,
    /// Whether a known ministry key signed exactly this text.
    pub verified: bool,
    /// Why not, when not: `unsigned`, `unknown_key` or `bad_signature`.
    pub reason: Option<String>,
    /// The key that signed it.
    pub key_id: Option<String>,
    /// How the code was written.
    pub form: PayloadForm,
    /// The name the registry cached on the device gives this ID (names the shop offline, even
    /// for an unsigned sticker).
    pub registry_name: Option<String>,
}

impl From<core::scanning::GuildCode> for GuildCode {
    fn from(g: core::scanning::GuildCode) -> Self {
        GuildCode {
            guild_id: g.guild_id,
            name: g.name,
            verified: g.verified,
            reason: g.reason,
            key_id: g.key_id,
            form: g.form.into(),
            registry_name: g.registry_name,
        }
    }
}

impl From<GuildCode> for core::scanning::GuildCode {
    fn from(g: GuildCode) -> Self {
        core::scanning::GuildCode {
            guild_id: g.guild_id,
            name: g.name,
            verified: g.verified,
            reason: g.reason,
            key_id: g.key_id,
            form: g.form.into(),
            registry_name: g.registry_name,
        }
    }
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
        ScannedCode { text: c.text, corners: c.corners.iter().map(|[x, y]| Point { x: *x, y: *y }).collect(), guild: c.guild.map(Into::into) }
    }
}

/// What to show for a push message: a notification in Persian.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct PushNotification {
    /// The complaint.
    pub tracking_code: String,
    /// The stage reached.
    pub stage: Stage,
    /// Persian title.
    pub title_fa: String,
    /// Persian body.
    pub body_fa: String,
    /// The newest event shown.
    pub seq: i64,
}

impl From<core::push::Notification> for PushNotification {
    fn from(n: core::push::Notification) -> Self {
        PushNotification { tracking_code: n.tracking_code.to_string(), stage: n.stage.into(), title_fa: n.title_fa, body_fa: n.body_fa, seq: n.seq }
    }
}

/// A category with its wire name and labels, for the category picker.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct CategoryInfo {
    /// The category.
    pub category: Category,
    /// Wire name, what `DraftFields.category` takes.
    pub wire_name: String,
    /// Persian label.
    pub label_fa: String,
    /// English label.
    pub label_en: String,
}

/// A day of the Solar Hijri calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct JalaliDay {
    /// Year, e.g. 1405.
    pub year: i32,
    /// 1 (Farvardin) to 12 (Esfand).
    pub month: u8,
    /// 1 to 31.
    pub day: u8,
}

impl From<JalaliDate> for JalaliDay {
    fn from(d: JalaliDate) -> Self {
        JalaliDay { year: d.year, month: d.month, day: d.day }
    }
}

/// Converts a list with `Into`, for the wrappers' one-liners.
pub(crate) fn all<A, B: From<A>>(v: Vec<A>) -> Vec<B> {
    v.into_iter().map(B::from).collect()
}

/// Converts a core result's error to the app's error type.
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
    Fcm {
        /// The token.
        token: String,
    },
    /// An APNs device token (hex).
    Apns {
        /// The token.
        token: String,
    },
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
