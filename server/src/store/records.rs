//! The records the store reads and writes: sessions and staff, complaints and their events,
//! the SMS and push outboxes, devices, the registry. Plain data, the same for every backend.

use samat_core::model::api::{ComplaintFields, LicenceStatus, PushKind, PushMessage};
use samat_core::model::text::{search_key, sort_key};
use samat_core::model::{Actor, Category, Channel, PhoneNumber, Province, Role, Stage, TrackingCode};
use serde_json::Value;
use strum::{EnumString, IntoStaticStr, VariantArray};
use time::OffsetDateTime;
use uuid::Uuid;

/// Who a session belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// A citizen, known by the phone they verified.
    Citizen {
        /// The verified phone.
        phone: PhoneNumber,
    },
    /// A staff member.
    Staff {
        /// Staff id.
        id: i64,
        username: String,
        role: Role,
        /// The province the account works in; `None` for a national account.
        province: Option<Province>,
    },
}

/// A staff account as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffRecord {
    pub id: i64,
    /// Login name (lower case).
    pub username: String,
    /// The person's name as colleagues read it in queues and histories.
    pub display_name: Option<String>,
    /// Argon2 PHC string.
    pub password_hash: String,
    pub role: Role,
    /// The province the account works in; `None` for a national account.
    pub province: Option<Province>,
    /// Whether the account may log in.
    pub active: bool,
    /// When it was created.
    pub created_at: OffsetDateTime,
}

impl StaffRecord {
    /// The name to show: the display name, else the username.
    pub fn shown_name(&self) -> &str {
        self.display_name.as_deref().filter(|n| !n.is_empty()).unwrap_or(&self.username)
    }
}

/// A staff account to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewStaff {
    /// Login name (lower case, checked by the caller).
    pub username: String,
    /// The person's name.
    pub display_name: Option<String>,
    /// Argon2 PHC string.
    pub password_hash: String,
    pub role: Role,
    /// Province; `None` for national.
    pub province: Option<Province>,
}

/// What a supervisor changes on a staff account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffUpdate {
    pub role: Role,
    /// Province; `None` for national.
    pub province: Option<Province>,
    /// Whether the account may log in (disabling it ends its sessions).
    pub active: bool,
    /// The person's name.
    pub display_name: Option<String>,
}

/// An SMS to queue in the outbox, in the same transaction as what caused it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSms {
    /// Recipient.
    pub to: PhoneNumber,
    /// Full text.
    pub text: String,
    /// `otp` (sent through the gateway's verification template) or `notice`.
    pub kind: SmsKind,
    /// The template token for `otp` messages (the code).
    pub token: Option<String>,
}

/// Kinds of outgoing SMS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmsKind {
    /// A login code.
    Otp,
    /// A notice about a complaint.
    Notice,
}

impl SmsKind {
    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            SmsKind::Otp => "otp",
            SmsKind::Notice => "notice",
        }
    }
}

/// An SMS waiting in the outbox.
#[derive(Debug, Clone)]
pub struct OutboxSms {
    /// Outbox id, also the de-duplication key given to the gateway.
    pub id: i64,
    /// Recipient.
    pub to: PhoneNumber,
    pub text: String,
    pub kind: SmsKind,
    /// Template token.
    pub token: Option<String>,
    /// Attempts so far.
    pub attempts: i64,
}

/// Where a device's pushes go, as stored.
#[derive(Clone, PartialEq, Eq)]
pub enum DeviceTarget {
    /// A Web Push subscription: endpoint URL, the device's P-256 public key (65 bytes,
    /// uncompressed) and its 16-byte authentication secret.
    UnifiedPush {
        /// Endpoint URL.
        endpoint: String,
        /// `p256dh`, decoded.
        p256dh: Vec<u8>,
        /// `auth`, decoded.
        auth: Vec<u8>,
    },
    /// An FCM registration token.
    Fcm { token: String },
    /// An APNs device token (lower-case hex).
    Apns { token: String },
}

impl DeviceTarget {
    /// The push service.
    pub fn kind(&self) -> PushKind {
        match self {
            DeviceTarget::UnifiedPush { .. } => PushKind::UnifiedPush,
            DeviceTarget::Fcm { .. } => PushKind::Fcm,
            DeviceTarget::Apns { .. } => PushKind::Apns,
        }
    }

    /// The endpoint URL or token: what is unique across accounts.
    pub fn address(&self) -> &str {
        match self {
            DeviceTarget::UnifiedPush { endpoint, .. } => endpoint,
            DeviceTarget::Fcm { token } | DeviceTarget::Apns { token } => token,
        }
    }
}

impl std::fmt::Debug for DeviceTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Endpoints and tokens are capabilities: never in a log line.
        write!(f, "DeviceTarget::{}", self.kind().wire_name())
    }
}

/// A registered device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceRecord {
    pub id: i64,
    /// The citizen it belongs to.
    pub phone: PhoneNumber,
    /// Where its pushes go.
    pub target: DeviceTarget,
    /// Registered by this citizen.
    pub created_at: OffsetDateTime,
    /// Last registered.
    pub updated_at: OffsetDateTime,
}

/// What registering a device did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Registration {
    /// A target nobody had registered.
    New,
    /// The caller had it already (its keys are refreshed).
    Refreshed,
    /// Another account had it: it is the caller's now, and that account's pending pushes to it
    /// are dropped.
    Moved,
}

/// A push waiting in the outbox, with its device.
#[derive(Debug, Clone)]
pub struct OutboxPush {
    /// Outbox id.
    pub id: i64,
    pub device: DeviceRecord,
    /// What to say.
    pub message: PushMessage,
    /// Attempts so far.
    pub attempts: i64,
    /// When it was queued.
    pub created_at: OffsetDateTime,
}

/// How a push attempt ended, as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PushRecord {
    /// The push service accepted it.
    Sent,
    /// Not delivered; try again at `next_attempt_at`, or give up when `None`.
    Failed {
        /// Why.
        error: String,
        /// When to try again.
        next_attempt_at: Option<OffsetDateTime>,
    },
    /// Not attempted: the device's push service is not configured on this server.
    Skipped {
        /// Why.
        reason: String,
    },
    /// The push service says the device no longer exists: forget the device (and what is
    /// still queued for it).
    DeviceGone,
}

/// Outcome of checking a login code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OtpCheck {
    /// Right code; it is consumed.
    Valid,
    /// Wrong code; this many attempts remain.
    Wrong {
        /// Attempts left.
        remaining: i64,
    },
    /// Expired, or never sent, or already used.
    Expired,
    /// Five wrong attempts: the code is burnt.
    TooManyAttempts,
}

/// A complaint to insert, with everything decided: the fields as validated and completed
/// from the registry, whether the business is known, who filed it.
#[derive(Debug, Clone)]
pub struct NewComplaintRecord {
    /// The tracking code drawn for it (a code already taken is refused with
    /// [`Filed::CodeTaken`], and the caller draws another).
    pub tracking_code: TrackingCode,
    /// Idempotency key.
    pub client_id: Uuid,
    /// The complainant.
    pub phone: PhoneNumber,
    pub channel: Channel,
    /// Validated fields.
    pub fields: ComplaintFields,
    /// Whether the business ID is in the registry (`None`: no ID given).
    pub business_known: Option<bool>,
    /// Who filed it: the citizen, or the staff role that filed for them.
    pub actor: Actor,
    /// The staff member who filed it, for assisted channels.
    pub filed_by_staff: Option<i64>,
    /// The Open311 API key a third-party app filed it under, for the citizen.
    pub filed_by_api_key: Option<i64>,
    /// The citizen's own daily allowance, checked in the insert's transaction (`None`: none,
    /// as when staff file for a caller).
    pub quota: Option<Allowance>,
    /// When its first stage (`received`) is due, by the service standards.
    pub due_at: Option<OffsetDateTime>,
    /// When.
    pub at: OffsetDateTime,
}

/// An allowance over a window: at most `max` since `since`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Allowance {
    /// Start of the window.
    pub since: OffsetDateTime,
    /// Most in the window (complaints, or bytes).
    pub max: i64,
}

/// What inserting a complaint did.
#[derive(Debug, Clone)]
pub enum Filed {
    /// A new complaint, with the seq of its `created` event.
    New(ComplaintRecord, i64),
    /// The complaint this citizen already filed with the same `client_id`.
    Existing(ComplaintRecord),
    /// The drawn tracking code belongs to another complaint: draw again.
    CodeTaken,
    /// The citizen filed as many complaints as the allowance holds in its window; the oldest
    /// of them was filed at this time.
    QuotaExceeded(OffsetDateTime),
}

/// A complaint as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct ComplaintRecord {
    /// Internal id.
    pub id: i64,
    pub tracking_code: TrackingCode,
    /// Idempotency key.
    pub client_id: Uuid,
    /// Complainant.
    pub phone: PhoneNumber,
    pub channel: Channel,
    pub category: Category,
    pub description: String,
    /// Business ID.
    pub guild_id: Option<String>,
    /// Whether the business ID is in the registry.
    pub business_known: Option<bool>,
    pub business_name: Option<String>,
    pub business_address: Option<String>,
    /// The province it is handled in (`None`: not yet known; national staff place it).
    pub province: Option<Province>,
    pub city: Option<String>,
    pub incident_date: Option<time::Date>,
    /// Amount.
    pub amount_rials: Option<i64>,
    /// Compensation claim.
    pub wants_compensation: bool,
    pub stage: Stage,
    /// Since when.
    pub stage_since: OffsetDateTime,
    /// Filed.
    pub created_at: OffsetDateTime,
    /// Last change.
    pub updated_at: OffsetDateTime,
    /// Bumped on every change; the ETag.
    pub version: i64,
    /// The staff member handling it in its current stage.
    pub assigned_to: Option<i64>,
}

/// One stored event.
#[derive(Debug, Clone, PartialEq)]
pub struct EventRecord {
    /// Feed position.
    pub seq: i64,
    /// The complaint's tracking code.
    pub tracking_code: TrackingCode,
    /// `created`, `stage` or `note`.
    pub kind: samat_core::model::api::EventKind,
    /// Before.
    pub from_stage: Option<Stage>,
    /// After.
    pub stage: Stage,
    /// Who.
    pub actor: Actor,
    /// Staff id of the actor.
    pub actor_staff_id: Option<i64>,
    /// When.
    pub at: OffsetDateTime,
    /// For the citizen.
    pub note: Option<String>,
    /// For staff.
    pub internal_note: Option<String>,
    pub details: Option<Value>,
    /// Whether the citizen sees it.
    pub visible: bool,
}

/// A stage change (or a note) to record, checked by the workflow rules beforehand.
#[derive(Debug, Clone)]
pub struct ChangeRecord {
    /// The complaint.
    pub tracking_code: TrackingCode,
    /// The stage the rules were checked against; the write fails with
    /// [`StoreError::StageChanged`](super::StoreError::StageChanged) if the complaint is no longer there.
    pub expected_stage: Stage,
    /// The new stage (equal to `expected_stage` for a note).
    pub to: Stage,
    /// `stage` or `note`.
    pub kind: samat_core::model::api::EventKind,
    /// Who.
    pub actor: Actor,
    /// Staff id.
    pub actor_staff_id: Option<i64>,
    /// Note for the citizen.
    pub note: Option<String>,
    /// Staff-only note.
    pub internal_note: Option<String>,
    /// Details (verdict).
    pub details: Option<Value>,
    /// Whether the citizen sees it.
    pub visible: bool,
    /// The SMS to the complainant, if any.
    pub sms: Option<NewSms>,
    /// Whether the complainant's devices hear of it by push (the caller decides; a stage
    /// change always, a note the citizen sees too).
    pub push: bool,
    /// The citizen's idempotency key for this action.
    pub action_id: Option<Uuid>,
    /// Who handles the complaint after a stage change (see
    /// [`holder_after_move`](samat_core::model::workflow::holder_after_move)); a note leaves
    /// the holder as it is.
    pub holder_after: Option<i64>,
    /// When the stage it moves to is due, by the service standards (kept as it was when the
    /// stage does not change; `None` for a stage without a clock).
    pub due_at: Option<OffsetDateTime>,
    /// When.
    pub at: OffsetDateTime,
}

/// Feedback as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedbackRecord {
    pub id: i64,
    /// The complaint.
    pub tracking_code: TrackingCode,
    /// 1–5.
    pub rating: i64,
    pub comment: Option<String>,
    /// In the supervisors' queue.
    pub escalated: bool,
    /// When.
    pub at: OffsetDateTime,
}

/// A stored photo's metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhotoRecord {
    /// The app's id for it.
    pub photo_id: Uuid,
    /// MIME type.
    pub content_type: String,
    pub size: i64,
    /// SHA-256, hex.
    pub sha256: String,
}

/// Outcome of storing a photo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PutPhoto {
    /// Stored.
    Created(PhotoRecord),
    /// The same photo was already there.
    Exists(PhotoRecord),
    /// Another photo already has this id.
    IdConflict,
    /// The complaint already has the most photos allowed.
    TooMany,
    /// The complaint's photos would pass the bytes allowed per complaint.
    ComplaintBytes,
    /// The citizen's photos of the window would pass the daily bytes allowed.
    DailyBytes,
}

/// What a complaint's photos may add up to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PhotoLimits {
    /// Most photos per complaint.
    pub max_photos: i64,
    /// Most bytes kept per complaint.
    pub max_bytes_per_complaint: i64,
    /// Most bytes kept per citizen in a window.
    pub daily: Option<Allowance>,
}

/// What recording feedback did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FeedbackOutcome {
    /// Recorded (or recorded before under the same `action_id`).
    Recorded(FeedbackRecord),
    /// An escalation of this complaint is still open: one at a time.
    EscalationOpen,
}

/// An open complaint's stage clock as stored: what the server checks against the service
/// standards at start, to put right the due times of complaints whose stage entered before
/// the standards (the days per stage, the holidays) last changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StageClock {
    /// Row id.
    pub id: i64,
    /// Its current stage.
    pub stage: Stage,
    /// When it entered that stage.
    pub stage_since: OffsetDateTime,
    /// When that stage is due, as stored (`None`: not computed yet, or no clock).
    pub due_at: Option<OffsetDateTime>,
}

/// A row of a staff queue.
#[derive(Debug, Clone)]
pub struct QueueRow {
    pub complaint: ComplaintRecord,
    /// The escalated feedback, for supervisors.
    pub escalation: Option<FeedbackRecord>,
    /// The name of the staff member handling it, if anyone is.
    pub holder: Option<String>,
}

/// Which complaints a queue shows, by who holds them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holding {
    /// Every complaint.
    Any,
    /// Those held by this staff member.
    Mine(i64),
    /// Those nobody holds.
    Unassigned,
}

/// A look-up in a queue, already told apart by the caller (a single search box takes any).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QueueSearch {
    /// One complaint by tracking code.
    TrackingCode(TrackingCode),
    /// The complaints of a phone.
    Phone(PhoneNumber),
    /// The complaints about a business ID.
    GuildId(String),
    /// Complaints whose business name contains this [`search_key`](samat_core::model::text::search_key).
    BusinessName(String),
}

/// What a staff queue holds: the stages, the account's province, filters, search and a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueFilter {
    /// Stages to show.
    pub stages: Vec<Stage>,
    /// Only this province (`None`: every province; provincial accounts always give theirs).
    pub province: Option<Province>,
    /// Only this category.
    pub category: Option<Category>,
    /// Only this channel.
    pub channel: Option<Channel>,
    /// Only this city ([`search_key`](samat_core::model::text::search_key) of it, exact).
    pub city: Option<String>,
    /// By holder.
    pub holding: Holding,
    /// A look-up.
    pub search: Option<QueueSearch>,
    /// Only complaints whose stage is due at or before this instant (the overdue: now; the
    /// overdue and the due soon: the end of the next working day).
    pub due_by: Option<OffsetDateTime>,
    /// Page size.
    pub limit: i64,
    /// Rows to skip.
    pub offset: i64,
}

/// A page of a queue and how many rows match in all.
#[derive(Debug, Clone)]
pub struct QueuePage {
    /// The rows, the soonest due first (so the most overdue lead), then by id.
    pub rows: Vec<QueueRow>,
    /// Rows matching the filter.
    pub total: i64,
}

/// Taking, releasing or handing over a complaint: checked by the workflow rules against the
/// stage and holder read; the write fails with [`StoreError::StageChanged`](super::StoreError::StageChanged) or
/// [`StoreError::HolderChanged`](super::StoreError::HolderChanged) if either moved meanwhile.
#[derive(Debug, Clone)]
pub struct AssignChange {
    /// The complaint.
    pub tracking_code: TrackingCode,
    /// The stage the rules were checked against.
    pub expected_stage: Stage,
    /// The holder the rules were checked against.
    pub expected_holder: Option<i64>,
    /// The new holder (`None`: released).
    pub to: Option<i64>,
    /// Who did it.
    pub actor: Actor,
    /// Their staff id.
    pub actor_staff_id: i64,
    /// When.
    pub at: OffsetDateTime,
}

/// Placing a complaint in a province (a national account, for a complaint whose business is
/// not in the registry).
#[derive(Debug, Clone)]
pub struct ProvinceChange {
    /// The complaint.
    pub tracking_code: TrackingCode,
    /// The stage the rules were checked against.
    pub expected_stage: Stage,
    pub province: Province,
    /// Who did it.
    pub actor: Actor,
    /// Their staff id.
    pub actor_staff_id: i64,
    /// When.
    pub at: OffsetDateTime,
}

/// What a staff member read of a complaint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadKind {
    /// Its page (the history, the phone, internal notes).
    View,
    /// Its printed case file.
    Print,
    /// One of its photos.
    Photo,
}

impl ReadKind {
    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            ReadKind::View => "view",
            ReadKind::Print => "print",
            ReadKind::Photo => "photo",
        }
    }

    /// From the stored name.
    pub fn from_stored(s: &str) -> Option<ReadKind> {
        [ReadKind::View, ReadKind::Print, ReadKind::Photo].into_iter().find(|k| k.as_str() == s)
    }

    /// In Persian.
    pub fn label_fa(self) -> &'static str {
        match self {
            ReadKind::View => "مشاهده",
            ReadKind::Print => "چاپ پرونده",
            ReadKind::Photo => "دیدن عکس",
        }
    }
}

/// A staff read to record.
#[derive(Debug, Clone, Copy)]
pub struct AuditEntry {
    /// Who.
    pub staff_id: i64,
    /// What complaint.
    pub complaint_id: i64,
    /// What of it.
    pub what: ReadKind,
    /// When.
    pub at: OffsetDateTime,
}

/// A recorded staff read, as supervisors see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRecord {
    /// Id (newest first).
    pub id: i64,
    /// When.
    pub at: OffsetDateTime,
    /// Who: staff id.
    pub staff_id: i64,
    /// Who: their username.
    pub username: String,
    /// What complaint.
    pub tracking_code: TrackingCode,
    /// What of it.
    pub what: ReadKind,
}

/// Which recorded reads to list: a complaint's, a staff member's, or all; newest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditFilter {
    /// Only this complaint.
    pub tracking_code: Option<TrackingCode>,
    /// Only this staff member.
    pub staff_id: Option<i64>,
    /// Only reads of complaints of this province (a provincial supervisor's view).
    pub province: Option<Province>,
    /// Only entries older than this id (paging).
    pub before: Option<i64>,
    /// Most entries.
    pub limit: i64,
}

/// How many complaints wait in a stage in a province (the supervisors' dashboard).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StageCount {
    pub stage: Stage,
    /// The province (`None`: not yet placed).
    pub province: Option<Province>,
    /// How many.
    pub count: i64,
}

/// A business in the registry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BusinessRecord {
    /// Identification code (ASCII digits, normalised by `normalize_guild_id`).
    pub guild_id: String,
    pub name: String,
    /// Guild / union.
    pub guild: Option<String>,
    /// Licence number.
    pub licence_no: Option<String>,
    /// Licence status (`None`: the registry does not say).
    pub licence_status: Option<LicenceStatus>,
    pub province: Option<String>,
    pub city: Option<String>,
    pub address: Option<String>,
}

/// Which optional fields of an upsert carry data. On an existing business the others keep
/// their stored values (an import of a file without a `city` column leaves cities alone);
/// a carried `None` clears the field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BusinessFields {
    pub guild: bool,
    /// `licence_no`.
    pub licence_no: bool,
    /// `licence_status`.
    pub licence_status: bool,
    pub province: bool,
    pub city: bool,
    pub address: bool,
}

impl BusinessFields {
    /// Every field.
    pub const ALL: BusinessFields = BusinessFields { guild: true, licence_no: true, licence_status: true, province: true, city: true, address: true };

    /// `new` with the fields it does not carry taken from `old`.
    pub fn merge(self, new: BusinessRecord, old: &BusinessRecord) -> BusinessRecord {
        let pick = |carried: bool, n: Option<String>, o: &Option<String>| if carried { n } else { o.clone() };
        BusinessRecord {
            guild_id: new.guild_id,
            name: new.name,
            guild: pick(self.guild, new.guild, &old.guild),
            licence_no: pick(self.licence_no, new.licence_no, &old.licence_no),
            licence_status: if self.licence_status { new.licence_status } else { old.licence_status },
            province: pick(self.province, new.province, &old.province),
            city: pick(self.city, new.city, &old.city),
            address: pick(self.address, new.address, &old.address),
        }
    }
}

/// What an upsert did to one business.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Upserted {
    /// It was new.
    Inserted,
    /// It existed and something changed.
    Updated,
    /// It existed exactly so.
    Unchanged,
}

/// The stored search keys of a business.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BusinessKeys {
    /// [`search_key`] of the name.
    pub name: String,
    /// [`search_key`] of the city.
    pub city: Option<String>,
    /// [`sort_key`] of the name.
    pub sort: String,
}

impl BusinessKeys {
    /// The keys of a business with this name and city.
    pub fn of(name: &str, city: Option<&str>) -> BusinessKeys {
        BusinessKeys { name: search_key(name), city: city.map(search_key), sort: sort_key(name) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inbound_statuses_keep_their_stored_names() {
        let names: Vec<&str> = InboundStatus::VARIANTS.iter().map(|s| s.as_str()).collect();
        assert_eq!(names, ["pending", "filed", "answered", "triage", "dismissed", "limited"]);
        for &s in InboundStatus::VARIANTS {
            assert_eq!(InboundStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(InboundStatus::parse("Pending"), None);
    }

    #[test]
    fn merging_keeps_the_fields_a_batch_does_not_carry() {
        let old = BusinessRecord {
            guild_id: "1".into(),
            name: "الف".into(),
            guild: Some("g".into()),
            licence_no: Some("L".into()),
            licence_status: Some(LicenceStatus::Active),
            province: Some("p".into()),
            city: Some("c".into()),
            address: Some("a".into()),
        };
        let new = BusinessRecord { name: "ب".into(), city: None, licence_status: None, ..old.clone() };
        let only_city = BusinessFields { guild: false, licence_no: false, licence_status: false, province: false, city: true, address: false };
        let merged = only_city.merge(new.clone(), &old);
        assert_eq!(merged, BusinessRecord { name: "ب".into(), city: None, ..old.clone() });
        assert_eq!(BusinessFields::ALL.merge(new.clone(), &old), new);
    }
}

/// An Open311 API key as stored: only a hash of the key itself is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKeyRecord {
    pub id: i64,
    /// Who it was issued to (the app or organisation).
    pub name: String,
    /// When it was issued.
    pub created_at: OffsetDateTime,
    /// When it was revoked (`None`: it works).
    pub revoked_at: Option<OffsetDateTime>,
}

/// Which complaints a public Open311 listing shows; every condition given must hold. The
/// listing is newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PublicFilter {
    /// Only these internal ids (the public `service_request_id`s); empty: any.
    pub ids: Vec<i64>,
    /// Only these categories; empty: any.
    pub categories: Vec<Category>,
    /// Only these stages; empty: any.
    pub stages: Vec<Stage>,
    /// Only this province's.
    pub province: Option<Province>,
    /// Filed at or after.
    pub filed_from: Option<OffsetDateTime>,
    /// Filed at or before.
    pub filed_to: Option<OffsetDateTime>,
    /// Changed after.
    pub updated_after: Option<OffsetDateTime>,
    /// The one filed with this idempotency key.
    pub client_id: Option<Uuid>,
    /// At most this many.
    pub limit: i64,
}

/// A text message to the 124 line, as a gateway delivered it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewInbound {
    /// The gateway's id of the message (`kavenegar:…`, `cli:…`): a message is handled once per id.
    pub message_id: String,
    /// The sender as the gateway wrote it (a phone number, normally).
    pub sender: String,
    /// The line it was sent to.
    pub line: String,
    /// The text, as received.
    pub text: String,
    /// When the gateway received it.
    pub received_at: OffsetDateTime,
    /// How it came: [`Channel::Sms`](samat_core::model::Channel::Sms) or
    /// [`Channel::Email`](samat_core::model::Channel::Email).
    pub channel: samat_core::model::Channel,
    /// An e-mail's subject.
    pub subject: Option<String>,
    /// An e-mail as received (RFC 5322 bytes, for its attachments when it is filed), `None`
    /// for an SMS or a message too large to keep.
    pub raw: Option<Vec<u8>>,
}

/// Where an inbound message stands; its stored name (`pending`, ...) is what the database and
/// the triage list's URLs say.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, IntoStaticStr, EnumString, VariantArray)]
#[strum(serialize_all = "snake_case")]
pub enum InboundStatus {
    /// Received, not yet handled (or its handler died: due again after its claim lapses).
    Pending,
    /// A complaint was filed from it.
    Filed,
    /// A command was carried out or answered (stage, decision, withdrawal, help).
    Answered,
    /// Waiting in the operators' triage list.
    Triage,
    /// An operator set it aside (not a complaint).
    Dismissed,
    /// The sender was over their limit: kept, not answered.
    Limited,
}

impl InboundStatus {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        s.parse().ok()
    }
}

/// A stored inbound message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboundRecord {
    /// Row id (what the triage list acts on).
    pub id: i64,
    /// The gateway's message id.
    pub message_id: String,
    /// The sender as received: a phone number for an SMS, the address for an e-mail.
    pub sender: String,
    /// The line it was sent to (the mailbox, for an e-mail).
    pub line: String,
    /// The text as received (an e-mail's text, HTML reduced to text).
    pub text: String,
    /// When the gateway received it.
    pub received_at: OffsetDateTime,
    /// How it came (`sms` or `email`).
    pub channel: samat_core::model::Channel,
    /// An e-mail's subject.
    pub subject: Option<String>,
    /// Where it stands.
    pub status: InboundStatus,
    /// Why it ended as it did (`unclassified`, `too_long`, `track`, `complaint_quota`, …).
    pub reason: Option<String>,
    /// The complaint it filed or acted on.
    pub tracking_code: Option<TrackingCode>,
    /// The operator who filed or dismissed it from the triage list.
    pub handled_by: Option<i64>,
    /// When it was stored.
    pub created_at: OffsetDateTime,
    /// When it was handled.
    pub handled_at: Option<OffsetDateTime>,
    /// The operator's words when they set it aside from the triage list.
    pub note: Option<String>,
}

/// What [`InboundStore::claim_inbound`](super::InboundStore::claim_inbound) found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InboundClaim {
    /// The caller handles it now (new, or its previous handler's claim lapsed).
    Mine(InboundRecord),
    /// It was handled already: a redelivery.
    Done(InboundRecord),
    /// Another process is handling it right now.
    Busy,
}

/// How an inbound message ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboundOutcome {
    /// The new status.
    pub status: InboundStatus,
    /// Why.
    pub reason: Option<String>,
    /// The complaint concerned.
    pub tracking_code: Option<TrackingCode>,
    /// The operator, when one acted from the triage list.
    pub handled_by: Option<i64>,
    /// The operator's words, when they set it aside.
    pub note: Option<String>,
}
