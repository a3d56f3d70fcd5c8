//! Storage behind traits. Handlers speak to [`Store`] in domain terms and never see SQL; each
//! backend lives in its own folder with its own migrations (SQLite in [`sqlite`], PostgreSQL
//! in [`postgres`]), chosen by the database URL's scheme in [`open`].
//!
//! [`Store`] is the union of one trait per concern — logins and sessions ([`AuthStore`]),
//! staff accounts ([`StaffStore`]), complaints and their history ([`ComplaintStore`]), the SMS
//! and push outboxes ([`OutboxStore`]), push devices ([`DeviceStore`]), the guild registry and
//! settings ([`RegistryStore`]), Open311 keys and the public listing ([`Open311Store`]), text
//! messages to the 124 line ([`InboundStore`]), what several processes on one database share
//! ([`ReplicaStore`]), what the public statistics read ([`StatsStore`]) — so a backend
//! implements each in a file of its own. Policy
//! (what to say to whom, which tracking code to draw, whether a business is known) is decided
//! by the callers and passed in: a backend only stores, atomically and durably.

pub mod copy;
pub mod error;
pub mod filter;
pub mod postgres;
pub mod records;
pub mod sqlite;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use samat_core::model::{PhoneNumber, Stage, TrackingCode};
use time::OffsetDateTime;
use uuid::Uuid;

pub use error::{StoreError, StoreResult};
pub use records::*;
pub use samat_core::model::stats::rollup::StagePath;

/// Login codes and sessions.
#[async_trait]
pub trait AuthStore: Send + Sync + 'static {
    /// Stores a fresh login code for `phone` (replacing any earlier one) and queues its SMS.
    async fn put_otp(&self, phone: &PhoneNumber, code_hash: Vec<u8>, expires_at: OffsetDateTime, sms: NewSms) -> StoreResult<()>;
    /// Checks a login code; consumes it when right, counts the attempt when wrong.
    async fn check_otp(&self, phone: &PhoneNumber, code_hash: Vec<u8>, now: OffsetDateTime, max_attempts: i64) -> StoreResult<OtpCheck>;
    /// Creates a session for `who`.
    async fn create_session(&self, token_hash: Vec<u8>, who: &Principal, expires_at: OffsetDateTime) -> StoreResult<()>;
    /// Finds a live session (a staff session only while the account is active).
    async fn find_session(&self, token_hash: Vec<u8>, now: OffsetDateTime) -> StoreResult<Option<Principal>>;
    /// Revokes a session (and forgets the push targets registered under it); false when no
    /// unrevoked session had that token.
    async fn revoke_session(&self, token_hash: Vec<u8>) -> StoreResult<bool>;
}

/// The ministry's staff accounts.
#[async_trait]
pub trait StaffStore: Send + Sync + 'static {
    /// Adds a staff account; `Conflict` if the username is taken.
    async fn add_staff(&self, staff: NewStaff) -> StoreResult<i64>;
    /// Finds a staff account by username.
    async fn find_staff(&self, username: &str) -> StoreResult<Option<StaffRecord>>;
    /// A staff account by id.
    async fn staff_by_id(&self, id: i64) -> StoreResult<Option<StaffRecord>>;
    /// Every staff account, by username.
    async fn list_staff(&self) -> StoreResult<Vec<StaffRecord>>;
    /// Changes an account's role, province, name and whether it may log in; disabling it, or
    /// changing its role or province, ends its sessions. `false` if there is no such account.
    async fn update_staff(&self, id: i64, update: StaffUpdate) -> StoreResult<bool>;
    /// Sets an account's password and ends its sessions, except `keep` (the session of the
    /// person changing their own password). `false` if there is no such account.
    async fn set_staff_password(&self, id: i64, password_hash: &str, keep: Option<Vec<u8>>) -> StoreResult<bool>;
}

/// Complaints, their history, feedback, photos and the staff queues.
#[async_trait]
pub trait ComplaintStore: Send + Sync + 'static {
    /// Inserts a complaint under its drawn tracking code, with its `created` event and its
    /// SMS (and a push to the citizen's devices), or returns the complaint already filed with
    /// the same `client_id`. `Conflict` if that `client_id` belongs to another citizen.
    async fn insert_complaint(&self, new: NewComplaintRecord, sms: NewSms) -> StoreResult<Filed>;
    /// A complaint by tracking code.
    async fn complaint(&self, code: TrackingCode) -> StoreResult<Option<ComplaintRecord>>;
    /// A complaint's events (all of them; callers filter what the citizen may see).
    async fn events(&self, complaint_id: i64) -> StoreResult<Vec<EventRecord>>;
    /// A complaint's feedback.
    async fn feedback(&self, complaint_id: i64) -> StoreResult<Vec<FeedbackRecord>>;
    /// A citizen's complaints, newest first.
    async fn complaints_of(&self, phone: &PhoneNumber) -> StoreResult<Vec<ComplaintRecord>>;
    /// Records a stage change or a note, its event, its SMS and pushes in one transaction.
    async fn record_change(&self, change: ChangeRecord) -> StoreResult<EventRecord>;
    /// Takes, releases or hands over a complaint, with an internal event.
    async fn assign(&self, change: AssignChange) -> StoreResult<EventRecord>;
    /// Places a complaint in a province, with an internal event.
    async fn set_province(&self, change: ProvinceChange) -> StoreResult<EventRecord>;
    /// The event a citizen action with this idempotency key produced, if any.
    async fn event_by_action(&self, action_id: Uuid) -> StoreResult<Option<EventRecord>>;
    /// Records feedback about the handling; with an `action_id` already used, returns the
    /// feedback recorded then. An escalation while another of the complaint's is open is
    /// refused ([`FeedbackOutcome::EscalationOpen`]).
    async fn add_feedback(
        &self,
        code: TrackingCode,
        rating: i64,
        comment: Option<String>,
        escalate: bool,
        action_id: Option<Uuid>,
        at: OffsetDateTime,
    ) -> StoreResult<FeedbackOutcome>;
    /// Stores a photo for a complaint (idempotent on `photo_id` with the same hash), within
    /// `limits` (checked in the same transaction).
    async fn put_photo(&self, complaint_id: i64, photo: PhotoRecord, bytes: Vec<u8>, limits: PhotoLimits, at: OffsetDateTime) -> StoreResult<PutPhoto>;
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
    /// The newest event seq of all (0 when none): what the staff console's live refresh
    /// waits to pass.
    async fn latest_event_seq(&self) -> StoreResult<i64>;
    /// A page of a staff queue: open complaints matching `filter`, the soonest due first (the
    /// most overdue lead), then by id.
    async fn queue(&self, filter: QueueFilter) -> StoreResult<QueuePage>;
    /// The stage clocks of complaints in an open stage with an id above `after`, by id, at
    /// most `limit`.
    async fn stage_clocks(&self, after: i64, limit: i64) -> StoreResult<Vec<StageClock>>;
    /// Stores each clock's `due_at` where the complaint is still in the stage it entered at
    /// `stage_since` (one that moved meanwhile got its due time with the move); returns how
    /// many rows changed.
    async fn set_due(&self, clocks: Vec<StageClock>) -> StoreResult<u64>;
    /// A page of the escalated complaints about the handling still open (`province`: only
    /// that province's), oldest first.
    async fn escalations(&self, province: Option<samat_core::model::Province>, limit: i64, offset: i64) -> StoreResult<QueuePage>;
    /// How many complaints wait in each open stage, per province (the dashboard).
    async fn stage_counts(&self, stages: &[Stage]) -> StoreResult<Vec<StageCount>>;
    /// Records a staff read of a complaint's personal data.
    async fn record_read(&self, entry: AuditEntry) -> StoreResult<()>;
    /// Recorded staff reads, newest first.
    async fn audit(&self, filter: AuditFilter) -> StoreResult<Vec<AuditRecord>>;
}

/// Open311 GeoReport v2: the API keys third-party apps file under, and the public listing of
/// complaints (which callers reduce to what may be published).
#[async_trait]
pub trait Open311Store: Send + Sync + 'static {
    /// Stores a new key by the hash of its secret; returns its id.
    async fn add_api_key(&self, name: &str, key_hash: Vec<u8>, at: OffsetDateTime) -> StoreResult<i64>;
    /// The key whose secret hashes to `key_hash`, revoked or not.
    async fn api_key(&self, key_hash: Vec<u8>) -> StoreResult<Option<ApiKeyRecord>>;
    /// Every key, by id.
    async fn api_keys(&self) -> StoreResult<Vec<ApiKeyRecord>>;
    /// Revokes a key; `false` if there is no such key or it was revoked already.
    async fn revoke_api_key(&self, id: i64, at: OffsetDateTime) -> StoreResult<bool>;
    /// Complaints matching `filter`, newest first, at most `filter.limit`.
    async fn public_complaints(&self, filter: PublicFilter) -> StoreResult<Vec<ComplaintRecord>>;
}

/// What the public statistics read: every complaint's stage path, without any personal data.
#[async_trait]
pub trait StatsStore: Send + Sync + 'static {
    /// Calls `each` with every complaint's category, province, filing time, current stage and
    /// the stages it entered (from its `created` and `stage` events, in order), in one
    /// consistent read, in no promised order. For a periodic job: it reads every complaint.
    async fn each_stage_path(&self, each: Box<dyn FnMut(StagePath) + Send>) -> StoreResult<()>;
}

/// How long an outbox row handed to a worker stays its own: if the worker's process dies
/// before it records how the attempt ended, the row is due again after this.
pub const CLAIM_LEASE: Duration = Duration::from_secs(60);

/// The SMS and push outboxes, drained by the workers. Each due row is handed to one caller at
/// a time, whatever the number of processes: taking it claims it for [`CLAIM_LEASE`].
#[async_trait]
pub trait OutboxStore: Send + Sync + 'static {
    /// Claims the SMS due for sending, oldest first.
    async fn due_sms(&self, now: OffsetDateTime, limit: i64) -> StoreResult<Vec<OutboxSms>>;
    /// Marks SMS as delivered to the gateway (and forgets OTP texts).
    async fn sms_sent(&self, ids: Vec<i64>, at: OffsetDateTime) -> StoreResult<()>;
    /// Records a failed attempt; `next_attempt_at: None` gives up.
    async fn sms_failed(&self, id: i64, error: String, next_attempt_at: Option<OffsetDateTime>) -> StoreResult<()>;
    /// Number of SMS waiting.
    async fn pending_sms(&self) -> StoreResult<i64>;
    /// Claims the pushes due for sending, oldest first.
    async fn due_pushes(&self, now: OffsetDateTime, limit: i64) -> StoreResult<Vec<OutboxPush>>;
    /// Records how attempts ended, in one write.
    async fn pushes_finished(&self, results: Vec<(i64, PushRecord)>, at: OffsetDateTime) -> StoreResult<()>;
    /// Holds every pending push of a device until at least `until` (after a throttle or a
    /// failure, so later pushes neither hammer the service nor overtake the one retried), and
    /// releases their claims.
    async fn postpone_device_pushes(&self, device_id: i64, until: OffsetDateTime) -> StoreResult<()>;
    /// Number of pushes waiting.
    async fn pending_pushes(&self) -> StoreResult<i64>;
    /// Forgets SMS and pushes that were finished (sent, given up, skipped) before `before`;
    /// what is still pending is never touched. Returns how many rows went.
    async fn prune_outboxes(&self, before: OffsetDateTime) -> StoreResult<i64>;
}

/// The citizens' push targets.
#[async_trait]
pub trait DeviceStore: Send + Sync + 'static {
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
}

/// The guild registry, and the server's own settings (keys made for `--demo`).
#[async_trait]
pub trait RegistryStore: Send + Sync + 'static {
    /// Inserts or updates a business (every field).
    async fn upsert_business(&self, b: BusinessRecord, at: OffsetDateTime) -> StoreResult<Upserted>;
    /// Inserts or updates businesses in order, in one write (a batch of an import); on
    /// existing rows the optional fields not in `fields` keep their values. One outcome per row.
    async fn upsert_businesses(&self, rows: Vec<BusinessRecord>, fields: BusinessFields, at: OffsetDateTime) -> StoreResult<Vec<Upserted>>;
    /// A business by ID.
    async fn business(&self, guild_id: &str) -> StoreResult<Option<BusinessRecord>>;
    /// Businesses whose [`search_key`](samat_core::model::text::search_key)ed name contains
    /// that of `name` and whose city contains that of `city` (each filter only when given);
    /// active licences first, then by name in Persian order; at most `limit`.
    async fn search_businesses(&self, name: Option<String>, city: Option<String>, limit: i64) -> StoreResult<Vec<BusinessRecord>>;
    /// A value of the `settings` table.
    async fn setting(&self, key: &str) -> StoreResult<Option<Vec<u8>>>;
    /// Stores `value` under `key` unless the key has a value already; returns the value that
    /// is stored now (so two racing writers agree on the first).
    async fn setting_or_insert(&self, key: &str, value: Vec<u8>) -> StoreResult<Vec<u8>>;
    /// Cheap liveness check of the database.
    async fn ping(&self) -> StoreResult<()>;
}

/// Text messages to the 124 line (issue 17). Each gateway message id is stored once; whoever
/// stores it, or finds its previous handler's claim lapsed, handles it, and records how it
/// ended together with the reply SMS in one transaction, so a redelivered message, another
/// replica or a crash between cannot answer it twice or not at all.
#[async_trait]
pub trait InboundStore: Send + Sync + 'static {
    /// Stores `message` unless its id is known, and claims it for `lease` when it is new or
    /// still pending with a lapsed claim.
    async fn claim_inbound(&self, message: NewInbound, now: OffsetDateTime, lease: Duration) -> StoreResult<InboundClaim>;
    /// Claims, for `lease`, pending messages whose handler's claim lapsed (it died), oldest first.
    async fn lapsed_inbound(&self, now: OffsetDateTime, lease: Duration, limit: i64) -> StoreResult<Vec<InboundRecord>>;
    /// Moves message `id` from status `from` to `outcome`, queuing `reply` in the same
    /// transaction; `false` (and nothing queued) when it was no longer in `from`.
    async fn finish_inbound(&self, id: i64, from: InboundStatus, outcome: InboundOutcome, reply: Option<NewSms>, at: OffsetDateTime) -> StoreResult<bool>;
    /// A message by row id.
    async fn inbound_message(&self, id: i64) -> StoreResult<Option<InboundRecord>>;
    /// A page of the messages in `status`, oldest first.
    async fn inbound_list(&self, status: InboundStatus, limit: i64, offset: i64) -> StoreResult<Vec<InboundRecord>>;
    /// How many messages are in `status` (the console's count of those waiting, its pages).
    async fn inbound_count(&self, status: InboundStatus) -> StoreResult<i64>;
    /// The raw bytes kept with message `id` (an e-mail's), if any.
    async fn inbound_raw(&self, id: i64) -> StoreResult<Option<Vec<u8>>>;
    /// The complaint that one of the messages with these ids filed or was added to (the
    /// thread an e-mail replies to), if any.
    async fn inbound_thread(&self, message_ids: Vec<String>) -> StoreResult<Option<TrackingCode>>;
    /// The message that filed complaint `code`, if it came in by SMS or e-mail.
    async fn inbound_of_complaint(&self, code: TrackingCode) -> StoreResult<Option<InboundRecord>>;
}

/// A change committed by some process on the database, that every process serving from it
/// must hear of at once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// An event was recorded on a complaint of `phone` (`visible`: the citizen's feed has it).
    Event {
        /// The complainant.
        phone: String,
        /// The event's feed position.
        seq: i64,
        /// Whether the citizen sees it.
        visible: bool,
    },
    /// Something else staff queues show changed (feedback, an escalation closed).
    Staff,
    /// The session with this token hash was revoked.
    SessionRevoked(Vec<u8>),
    /// A staff account changed (disabled, new role, province or password): its sessions.
    StaffAccount(i64),
    /// Changes may have been missed (the listening connection was lost): whatever was
    /// cached must be read again.
    Resync,
}

/// What several server processes sharing one database need from it. A backend only one
/// process opens (SQLite) keeps the defaults: no change feed, rate limits kept in memory.
#[async_trait]
pub trait ReplicaStore: Send + Sync + 'static {
    /// Changes committed by any process on this database, this one's too, as they commit;
    /// `None` when no other process can write to it.
    fn changes(&self) -> Option<tokio::sync::broadcast::Receiver<Change>> {
        None
    }
    /// Whether rate limits are kept in the database, shared by every process.
    fn shares_rate_limits(&self) -> bool {
        false
    }
    /// Takes one from the shared allowance `key`: the generic cell rate algorithm with a cell
    /// every `interval` and bursts up to `tolerance` ahead; `Err(wait)` when none is left.
    async fn take_rate(&self, key: &str, interval: Duration, tolerance: Duration) -> StoreResult<Result<(), Duration>> {
        let _ = (key, interval, tolerance);
        Err(StoreError::Backend("this database keeps no rate limits".into()))
    }
    /// Forgets shared allowances that are full again; returns how many.
    async fn prune_rates(&self) -> StoreResult<u64> {
        Ok(0)
    }
    /// The backend's name, for logs and health answers.
    fn backend(&self) -> &'static str;
}

/// Everything the server keeps. Implementations must make every write durable before they
/// return (a 201 is only sent for what is on disk) and apply each write atomically.
pub trait Store:
    AuthStore + StaffStore + ComplaintStore + OutboxStore + DeviceStore + RegistryStore + ReplicaStore + Open311Store + InboundStore + StatsStore
{
}

impl<T: AuthStore + StaffStore + ComplaintStore + OutboxStore + DeviceStore + RegistryStore + ReplicaStore + Open311Store + InboundStore + StatsStore> Store
    for T
{
}

/// Opens the store a database URL names: `sqlite://PATH` (or `sqlite:PATH`), or
/// `postgres://USER@HOST:PORT/DB` (or `postgresql://…`; libpq's URL options such as
/// `sslmode`, and samat's `pool_size`).
pub async fn open(url: &str) -> anyhow::Result<Arc<dyn Store>> {
    if let Some(path) = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")) {
        let store = sqlite::SqliteStore::open(path).await?;
        return Ok(Arc::new(store));
    }
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let store = postgres::PgStore::open(url).await?;
        return Ok(Arc::new(store));
    }
    anyhow::bail!("unsupported database URL {url:?}: use sqlite://PATH or postgres://USER@HOST:PORT/DATABASE")
}
