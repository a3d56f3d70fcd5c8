//! Storage behind a trait. Handlers speak to [`Store`] in domain terms and never see SQL; each
//! backend lives in its own folder with its own migrations (SQLite in [`sqlite`]), chosen by
//! the database URL's scheme in [`open`].

pub mod sqlite;

use std::sync::Arc;

use async_trait::async_trait;
use samat_core::model::api::{ComplaintFields, LicenceStatus, PushKind, PushMessage};
use samat_core::model::{Actor, Category, Channel, PhoneNumber, Role, Stage, TrackingCode};
use serde_json::Value;
use time::OffsetDateTime;
use uuid::Uuid;

/// What can go wrong in storage.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A uniqueness rule was broken (username taken, client_id of another citizen, ...).
    #[error("conflict: {0}")]
    Conflict(String),
    /// The complaint moved on since it was read (a concurrent transition).
    #[error("the complaint changed stage concurrently")]
    StageChanged,
    /// The session the request came with was revoked or expired meanwhile.
    #[error("the session ended")]
    SessionEnded,
    /// An idempotency key (`action_id`) already recorded for another complaint.
    #[error("this action_id was used for another complaint")]
    ActionIdConflict,
    /// Something is wrong with the database itself.
    #[error("database error: {0}")]
    Backend(String),
}

/// Result of storage calls.
pub type StoreResult<T> = Result<T, StoreError>;

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
        /// Username.
        username: String,
        /// Role.
        role: Role,
    },
}

/// A staff account as stored.
#[derive(Debug, Clone)]
pub struct StaffRecord {
    /// Id.
    pub id: i64,
    /// Username.
    pub username: String,
    /// Argon2 PHC string.
    pub password_hash: String,
    /// Role.
    pub role: Role,
    /// Whether the account may log in.
    pub active: bool,
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
    /// Text.
    pub text: String,
    /// Kind.
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
    Fcm {
        /// The token.
        token: String,
    },
    /// An APNs device token (lower-case hex).
    Apns {
        /// The token.
        token: String,
    },
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
    /// Id.
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
    /// The device.
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

/// A complaint to insert.
#[derive(Debug, Clone)]
pub struct NewComplaintRecord {
    /// Idempotency key.
    pub client_id: Uuid,
    /// The complainant.
    pub phone: PhoneNumber,
    /// Channel.
    pub channel: Channel,
    /// Validated fields.
    pub fields: ComplaintFields,
    /// The operator who filed it, for assisted channels.
    pub filed_by_staff: Option<i64>,
    /// When.
    pub at: OffsetDateTime,
}

/// A complaint as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct ComplaintRecord {
    /// Internal id.
    pub id: i64,
    /// Tracking code.
    pub tracking_code: TrackingCode,
    /// Idempotency key.
    pub client_id: Uuid,
    /// Complainant.
    pub phone: PhoneNumber,
    /// Channel.
    pub channel: Channel,
    /// Category.
    pub category: Category,
    /// Description.
    pub description: String,
    /// Business ID.
    pub guild_id: Option<String>,
    /// Whether the business ID is in the registry.
    pub business_known: Option<bool>,
    /// Business name.
    pub business_name: Option<String>,
    /// Business address.
    pub business_address: Option<String>,
    /// Province.
    pub province: Option<String>,
    /// City.
    pub city: Option<String>,
    /// Incident date.
    pub incident_date: Option<time::Date>,
    /// Amount.
    pub amount_rials: Option<i64>,
    /// Compensation claim.
    pub wants_compensation: bool,
    /// Stage.
    pub stage: Stage,
    /// Since when.
    pub stage_since: OffsetDateTime,
    /// Filed.
    pub created_at: OffsetDateTime,
    /// Last change.
    pub updated_at: OffsetDateTime,
    /// Bumped on every change; the ETag.
    pub version: i64,
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
    /// Details.
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
    /// [`StoreError::StageChanged`] if the complaint is no longer there.
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
    /// The citizen's idempotency key for this action.
    pub action_id: Option<Uuid>,
    /// When.
    pub at: OffsetDateTime,
}

/// Feedback as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedbackRecord {
    /// Id.
    pub id: i64,
    /// The complaint.
    pub tracking_code: TrackingCode,
    /// 1–5.
    pub rating: i64,
    /// Comment.
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
    /// Size.
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
}

/// A row of a staff queue.
#[derive(Debug, Clone)]
pub struct QueueRow {
    /// The complaint.
    pub complaint: ComplaintRecord,
    /// The escalated feedback, for supervisors.
    pub escalation: Option<FeedbackRecord>,
}

/// A business in the registry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BusinessRecord {
    /// Identification code (ASCII digits, normalised by `normalize_guild_id`).
    pub guild_id: String,
    /// Name.
    pub name: String,
    /// Guild / union.
    pub guild: Option<String>,
    /// Licence number.
    pub licence_no: Option<String>,
    /// Licence status (`None`: the registry does not say).
    pub licence_status: Option<LicenceStatus>,
    /// Province.
    pub province: Option<String>,
    /// City.
    pub city: Option<String>,
    /// Address.
    pub address: Option<String>,
}

/// Which optional fields of an upsert carry data. On an existing business the others keep
/// their stored values (an import of a file without a `city` column leaves cities alone);
/// a carried `None` clears the field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BusinessFields {
    /// `guild`.
    pub guild: bool,
    /// `licence_no`.
    pub licence_no: bool,
    /// `licence_status`.
    pub licence_status: bool,
    /// `province`.
    pub province: bool,
    /// `city`.
    pub city: bool,
    /// `address`.
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

/// Folds text for the business search: normalised Persian (Arabic yeh and kaf as Persian),
/// ASCII digits, lower case, alef and heh variants as the plain letter, no diacritics, and
/// nothing but letters and digits (so "سوپر مارکت" finds "سوپرمارکت" and a ZWNJ never matters).
pub fn search_key(s: &str) -> String {
    let t = samat_core::model::text::normalize_text(s);
    let mut out = String::with_capacity(t.len());
    for c in t.chars() {
        let c = match samat_core::model::text::ascii_digit(c) {
            'أ' | 'إ' | 'آ' | 'ٱ' => 'ا',
            'ة' | 'ۀ' | 'ە' => 'ه',
            'ؤ' => 'و',
            'ئ' => 'ی',
            '\u{064B}'..='\u{065F}' | '\u{0670}' => continue,
            c if c.is_alphanumeric() => c,
            _ => continue,
        };
        out.extend(c.to_lowercase());
    }
    out
}

/// The Persian alphabet in dictionary order (after [`search_key`] folding).
const PERSIAN_ORDER: &str = "ءابپتثجچحخدذرزژسشصضطظعغفقکگلمنوهی";

/// A key whose byte order is Persian alphabetical order: each Persian letter of the
/// [`search_key`] becomes a private-use character in dictionary order (after digits and
/// Latin letters). SQLite compares it with its plain binary collation.
pub fn sort_key(s: &str) -> String {
    search_key(s)
        .chars()
        .map(|c| match PERSIAN_ORDER.chars().position(|p| p == c) {
            Some(i) => char::from_u32(0xE000 + i as u32).unwrap_or(c),
            None => c,
        })
        .collect()
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

/// Everything the server keeps. Implementations must make every write durable before they
/// return (a 201 is only sent for what is on disk) and apply each write atomically.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Stores a fresh login code for `phone` (replacing any earlier one) and queues its SMS.
    async fn put_otp(&self, phone: &PhoneNumber, code_hash: Vec<u8>, expires_at: OffsetDateTime, sms: NewSms) -> StoreResult<()>;
    /// Checks a login code; consumes it when right, counts the attempt when wrong.
    async fn check_otp(&self, phone: &PhoneNumber, code_hash: Vec<u8>, now: OffsetDateTime, max_attempts: i64) -> StoreResult<OtpCheck>;
    /// Creates a session for `who`.
    async fn create_session(&self, token_hash: Vec<u8>, who: &Principal, expires_at: OffsetDateTime) -> StoreResult<()>;
    /// Finds a live session.
    async fn find_session(&self, token_hash: Vec<u8>, now: OffsetDateTime) -> StoreResult<Option<Principal>>;
    /// Revokes a session.
    async fn revoke_session(&self, token_hash: Vec<u8>) -> StoreResult<()>;
    /// Adds a staff account; `Conflict` if the username is taken.
    async fn add_staff(&self, username: &str, password_hash: &str, role: Role) -> StoreResult<i64>;
    /// Finds a staff account by username.
    async fn find_staff(&self, username: &str) -> StoreResult<Option<StaffRecord>>;

    /// Inserts a complaint with a fresh tracking code, its `created` event (whose seq is
    /// returned) and its SMS, or returns the complaint already filed with the same `client_id`
    /// (and no seq). `Conflict` if that `client_id` belongs to another citizen.
    async fn insert_complaint(&self, new: NewComplaintRecord, sms: Box<dyn Fn(TrackingCode) -> NewSms + Send>) -> StoreResult<(ComplaintRecord, Option<i64>)>;
    /// A complaint by tracking code.
    async fn complaint(&self, code: TrackingCode) -> StoreResult<Option<ComplaintRecord>>;
    /// A complaint's events (all of them; callers filter what the citizen may see).
    async fn events(&self, complaint_id: i64) -> StoreResult<Vec<EventRecord>>;
    /// A complaint's feedback.
    async fn feedback(&self, complaint_id: i64) -> StoreResult<Vec<FeedbackRecord>>;
    /// A citizen's complaints, newest first.
    async fn complaints_of(&self, phone: &PhoneNumber) -> StoreResult<Vec<ComplaintRecord>>;
    /// Records a stage change or a note, its event and its SMS in one transaction.
    async fn record_change(&self, change: ChangeRecord) -> StoreResult<EventRecord>;
    /// The event a citizen action with this idempotency key produced, if any.
    async fn event_by_action(&self, action_id: Uuid) -> StoreResult<Option<EventRecord>>;
    /// Records feedback about the handling; with an `action_id` already used, returns the
    /// feedback recorded then.
    async fn add_feedback(
        &self,
        code: TrackingCode,
        rating: i64,
        comment: Option<String>,
        escalate: bool,
        action_id: Option<Uuid>,
        at: OffsetDateTime,
    ) -> StoreResult<FeedbackRecord>;
    /// Stores a photo for a complaint (idempotent on `photo_id` with the same bytes).
    async fn put_photo(&self, complaint_id: i64, photo: PhotoRecord, bytes: Vec<u8>, max_photos: i64, at: OffsetDateTime) -> StoreResult<PutPhoto>;
    /// A complaint's photos.
    async fn photos(&self, complaint_id: i64) -> StoreResult<Vec<PhotoRecord>>;
    /// One photo's type and bytes.
    async fn photo_bytes(&self, complaint_id: i64, photo_id: Uuid) -> StoreResult<Option<(String, Vec<u8>)>>;
    /// Marks escalated feedback as handled by a supervisor; `false` if there is no such
    /// open escalation.
    async fn close_escalation(&self, feedback_id: i64) -> StoreResult<bool>;
    /// The citizen-visible events of `phone` after `since`, oldest first, at most `limit`.
    async fn events_since(&self, phone: &PhoneNumber, since: i64, limit: i64) -> StoreResult<Vec<EventRecord>>;
    /// The newest visible event seq of `phone` (0 when none).
    async fn latest_seq(&self, phone: &PhoneNumber) -> StoreResult<i64>;
    /// Open complaints in `stages`, oldest in stage first; with `escalated`, also complaints
    /// with unhandled escalated feedback.
    async fn queue(&self, stages: &[Stage], escalated: bool, limit: i64) -> StoreResult<Vec<QueueRow>>;

    /// SMS due for sending.
    async fn due_sms(&self, now: OffsetDateTime, limit: i64) -> StoreResult<Vec<OutboxSms>>;
    /// Marks SMS as delivered to the gateway (and forgets OTP texts).
    async fn sms_sent(&self, ids: Vec<i64>, at: OffsetDateTime) -> StoreResult<()>;
    /// Records a failed attempt; `next_attempt_at: None` gives up.
    async fn sms_failed(&self, id: i64, error: String, next_attempt_at: Option<OffsetDateTime>) -> StoreResult<()>;
    /// Number of SMS waiting.
    async fn pending_sms(&self) -> StoreResult<i64>;

    /// Registers a push target for `phone` under the session whose token hashes to `session`
    /// (see [`Registration`]; revoking that session forgets the target; a session that ended
    /// meanwhile is [`StoreError::SessionEnded`]); keeps at most
    /// `max_per_phone` devices per citizen, forgetting the least recently registered.
    async fn register_device(
        &self,
        phone: &PhoneNumber,
        session: Vec<u8>,
        target: DeviceTarget,
        at: OffsetDateTime,
        max_per_phone: i64,
    ) -> StoreResult<(DeviceRecord, Registration)>;
    /// A citizen's devices, oldest first.
    async fn devices_of(&self, phone: &PhoneNumber) -> StoreResult<Vec<DeviceRecord>>;
    /// Forgets a device of `phone` and its queued pushes; `false` if `phone` has no such device.
    async fn delete_device(&self, phone: &PhoneNumber, id: i64) -> StoreResult<bool>;
    /// Pushes due for sending, oldest first.
    async fn due_pushes(&self, now: OffsetDateTime, limit: i64) -> StoreResult<Vec<OutboxPush>>;
    /// Records how attempts ended, in one write.
    async fn pushes_finished(&self, results: Vec<(i64, PushRecord)>, at: OffsetDateTime) -> StoreResult<()>;
    /// Holds every pending push of a device until at least `until` (after a throttle or a
    /// failure, so later pushes neither hammer the service nor overtake the one retried).
    async fn postpone_device_pushes(&self, device_id: i64, until: OffsetDateTime) -> StoreResult<()>;
    /// Number of pushes waiting.
    async fn pending_pushes(&self) -> StoreResult<i64>;
    /// Forgets SMS and pushes that were finished (sent, given up, skipped) before `before`;
    /// what is still pending is never touched. Returns how many rows went.
    async fn prune_outboxes(&self, before: OffsetDateTime) -> StoreResult<i64>;

    /// Inserts or updates a business (every field).
    async fn upsert_business(&self, b: BusinessRecord, at: OffsetDateTime) -> StoreResult<Upserted>;
    /// Inserts or updates businesses in order, in one write (a batch of an import); on
    /// existing rows the optional fields not in `fields` keep their values. One outcome per row.
    async fn upsert_businesses(&self, rows: Vec<BusinessRecord>, fields: BusinessFields, at: OffsetDateTime) -> StoreResult<Vec<Upserted>>;
    /// A business by ID.
    async fn business(&self, guild_id: &str) -> StoreResult<Option<BusinessRecord>>;
    /// Businesses whose [`search_key`]ed name contains that of `name` and whose city contains
    /// that of `city` (each filter only when given); active licences first, then by name in
    /// Persian order; at most `limit`.
    async fn search_businesses(&self, name: Option<String>, city: Option<String>, limit: i64) -> StoreResult<Vec<BusinessRecord>>;
    /// A value of the `settings` table.
    async fn setting(&self, key: &str) -> StoreResult<Option<Vec<u8>>>;
    /// Stores `value` under `key` unless the key has a value already; returns the value that
    /// is stored now (so two racing writers agree on the first).
    async fn setting_or_insert(&self, key: &str, value: Vec<u8>) -> StoreResult<Vec<u8>>;
    /// Cheap liveness check of the database.
    async fn ping(&self) -> StoreResult<()>;
}

/// Opens the store a database URL names: `sqlite://PATH` (or `sqlite::memory:`).
pub async fn open(url: &str) -> anyhow::Result<Arc<dyn Store>> {
    if let Some(path) = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")) {
        let store = sqlite::SqliteStore::open(path).await?;
        return Ok(Arc::new(store));
    }
    anyhow::bail!("unsupported database URL {url:?}: use sqlite://PATH (PostgreSQL support is planned)")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_keys_fold_what_people_type_differently() {
        assert_eq!(search_key("سوپرماركت  علي"), search_key("سوپرمارکت علی"));
        assert_eq!(search_key("داروخانه\u{200C}ها"), search_key("داروخانه ها"));
        assert_eq!(search_key("داروخانه‌ها"), "داروخانهها");
        assert_eq!(search_key("آرایشگاه"), search_key("ارایشگاه"));
        assert_eq!(search_key("Pars-Mobile ۱۲"), "parsmobile12");
        assert_eq!(search_key(" - "), "");
    }

    #[test]
    fn sort_keys_follow_the_persian_alphabet() {
        let mut names = vec!["یاس", "گلستان", "پارس", "بهار", "چمن", "کوثر", "ژاله", "آفتاب", "Zeta", "12 فروردین"];
        names.sort_by_key(|n| sort_key(n));
        assert_eq!(names, ["12 فروردین", "Zeta", "آفتاب", "بهار", "پارس", "چمن", "ژاله", "کوثر", "گلستان", "یاس"]);
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
