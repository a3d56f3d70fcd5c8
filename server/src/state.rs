//! The shared state every handler gets: the store, settings, sessions, long-poll hub, rate
//! limits, the SMS and push outbox wake-ups and metrics.

use std::sync::Arc;
use std::time::Duration;

use samat_core::model::deadlines::ServiceStandards;
use tokio::sync::{Notify, Semaphore};

use crate::hub::Hub;
use crate::keys::GuildKeys;
use crate::limits::{Limit, Limits};
use crate::metrics::Metrics;
use crate::push::PushConfig;
use crate::sessions::Sessions;
use crate::store::Store;

/// The public site printed in stickers unless `--public-url` says otherwise.
pub const DEFAULT_PUBLIC_URL: &str = "https://www.124.ir";

/// Runtime settings (built from the command line, or directly by tests).
#[derive(Debug, Clone)]
pub struct Settings {
    /// Login-code lifetime.
    pub otp_ttl: Duration,
    /// Wrong guesses allowed per code.
    pub otp_max_attempts: i64,
    /// Codes sent per phone per hour.
    pub otp_per_phone_per_hour: u32,
    /// Codes requested per IP per hour.
    pub otp_per_ip_per_hour: u32,
    /// Public tracking look-ups per IP per minute.
    pub track_per_ip_per_minute: u32,
    /// Photos read for barcodes (`POST /v1/scan`) per IP per minute.
    pub scans_per_ip_per_minute: u32,
    /// Open311 requests filed per API key per minute.
    pub open311_posts_per_key_per_minute: u32,
    /// Open311 look-ups per client address per minute.
    pub open311_reads_per_ip_per_minute: u32,
    /// Staff login attempts per username from one IP per 15 minutes.
    pub staff_logins_per_15min: u32,
    /// Staff login attempts per IP per 15 minutes, whatever the username.
    pub staff_logins_per_ip_per_15min: u32,
    /// How long a session lives.
    pub session_ttl: Duration,
    /// How long a staff console session lives (a working day).
    pub staff_session_ttl: Duration,
    /// Mark cookies `Secure` even when the request did not say it came over https (a proxy
    /// that terminates TLS without `X-Forwarded-Proto`).
    pub secure_cookies: bool,
    /// Use the first `X-Forwarded-For` hop as the client address.
    pub trust_forwarded_for: bool,
    /// Longest long-poll `wait`.
    pub max_wait: Duration,
    /// Time limit for ordinary requests (long-polls get `max_wait` on top).
    pub request_timeout: Duration,
    /// How long a client may take to send a request's headers, and keep an idle connection.
    pub header_timeout: Duration,
    /// Largest request body.
    pub max_body_bytes: usize,
    /// The public site printed in guild stickers (`https://www.124.ir`).
    pub public_url: String,
    /// The sticker signing key and the retired keys still published.
    pub guild_keys: GuildKeys,
    /// Push services and their keys.
    pub push: PushConfig,
    /// How long sent (or given-up) SMS and pushes are kept before they are pruned.
    pub outbox_retention: Duration,
    /// What one citizen may file and upload.
    pub quotas: Quotas,
    /// Who may read `/metrics`.
    pub metrics: MetricsAccess,
    /// How long each stage may take, and the office calendar the days are counted in.
    pub standards: ServiceStandards,
    /// Text messages to the 124 line handled per sending phone per hour.
    pub inbound_sms_per_phone_per_hour: u32,
    /// The shared secret of `POST /v1/inbound/sms` (`None`: the webhook is off).
    pub inbound_sms_secret: Option<crate::inbound::options::Secret>,
    /// Kavenegar's inbox to poll for text messages to the 124 line (`None`: no poller).
    pub inbound_poll: Option<crate::inbound::options::InboxOptions>,
    /// The IMAP mailbox to read e-mail to the 124 line from (`None`: no reader).
    pub inbound_imap: Option<crate::inbound::options::ImapOptions>,
    /// How often the public statistics are rolled up again (one rollup runs at start).
    pub stats_every: Duration,
}

impl Settings {
    /// How many requests per how long `limit` allows, as configured.
    pub fn quota(&self, limit: Limit) -> (u32, Duration) {
        let fifteen = Duration::from_secs(900);
        match limit {
            Limit::OtpPhone => (self.otp_per_phone_per_hour, Duration::from_secs(3600)),
            Limit::OtpIp => (self.otp_per_ip_per_hour, Duration::from_secs(3600)),
            Limit::TrackIp => (self.track_per_ip_per_minute, Duration::from_secs(60)),
            Limit::StaffLogin => (self.staff_logins_per_15min, fifteen),
            Limit::StaffLoginIp => (self.staff_logins_per_ip_per_15min, fifteen),
            Limit::ScanIp => (self.scans_per_ip_per_minute, Duration::from_secs(60)),
            Limit::Open311Key => (self.open311_posts_per_key_per_minute, Duration::from_secs(60)),
            Limit::Open311ReadIp => (self.open311_reads_per_ip_per_minute, Duration::from_secs(60)),
            Limit::InboundSender => (self.inbound_sms_per_phone_per_hour, Duration::from_secs(3600)),
        }
    }
}

/// Who may read the Prometheus metrics.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum MetricsAccess {
    /// Nobody: `/metrics` is 404.
    #[default]
    Off,
    /// Anyone who reaches the port (a private network's scraper).
    Public,
    /// Whoever sends `Authorization: Bearer <token>`.
    Token(String),
}

/// What one citizen may file and upload (staff filing for a caller are not counted).
#[derive(Debug, Clone, Copy)]
pub struct Quotas {
    /// Complaints a citizen files in 24 hours.
    pub complaints_per_citizen_per_day: i64,
    /// Bytes of photos kept per complaint.
    pub photo_bytes_per_complaint: i64,
    /// Bytes of photos a citizen uploads in 24 hours.
    pub photo_bytes_per_citizen_per_day: i64,
}

impl Default for Quotas {
    fn default() -> Self {
        Quotas { complaints_per_citizen_per_day: 20, photo_bytes_per_complaint: 20 * 1024 * 1024, photo_bytes_per_citizen_per_day: 100 * 1024 * 1024 }
    }
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            otp_ttl: Duration::from_secs(120),
            otp_max_attempts: 5,
            otp_per_phone_per_hour: 5,
            otp_per_ip_per_hour: 30,
            track_per_ip_per_minute: 20,
            scans_per_ip_per_minute: 30,
            open311_posts_per_key_per_minute: 60,
            open311_reads_per_ip_per_minute: 120,
            staff_logins_per_15min: 10,
            staff_logins_per_ip_per_15min: 100,
            session_ttl: Duration::from_secs(90 * 24 * 3600),
            staff_session_ttl: Duration::from_secs(12 * 3600),
            secure_cookies: false,
            trust_forwarded_for: false,
            max_wait: Duration::from_secs(60),
            request_timeout: Duration::from_secs(30),
            header_timeout: Duration::from_secs(20),
            max_body_bytes: 64 * 1024,
            public_url: DEFAULT_PUBLIC_URL.to_owned(),
            guild_keys: GuildKeys::default(),
            push: PushConfig::default(),
            outbox_retention: Duration::from_secs(7 * 24 * 3600),
            quotas: Quotas::default(),
            metrics: MetricsAccess::Off,
            standards: ServiceStandards::default(),
            inbound_sms_per_phone_per_hour: 30,
            inbound_sms_secret: None,
            inbound_poll: None,
            inbound_imap: None,
            stats_every: Duration::from_secs(600),
        }
    }
}

/// Handler state; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// Storage.
    pub store: Arc<dyn Store>,
    pub settings: Arc<Settings>,
    /// Session cache over the store.
    pub sessions: Arc<Sessions>,
    /// Long-poll waiters.
    pub hub: Arc<Hub>,
    /// Rate limiters.
    pub limits: Arc<Limits>,
    /// Wakes the SMS outbox worker after a commit queued something.
    pub outbox_wake: Arc<Notify>,
    /// Wakes the push outbox worker after a commit queued something.
    pub push_wake: Arc<Notify>,
    /// Prometheus metrics.
    pub metrics: Arc<Metrics>,
    /// The latest overdue digest (made at start and every hour by [`crate::overdue::run`]).
    pub overdue: Arc<std::sync::RwLock<Option<crate::overdue::digest::OverdueDigest>>>,
    /// The latest public statistics (rolled up at start and every `stats_every` by
    /// [`crate::stats::run`]); `None` until the first rollup ends.
    pub stats: Arc<std::sync::RwLock<Option<Arc<crate::stats::published::Published>>>>,
    /// Permits for CPU-heavy work (decoding photos, reading barcodes, hashing passwords):
    /// at most one job per core runs at once, the rest wait their turn.
    pub heavy: Arc<Semaphore>,
}

impl AppState {
    /// Runs CPU-heavy `work` on the blocking pool if a permit frees within `wait`; otherwise
    /// answers 429 `busy` (come back in a moment).
    pub async fn run_heavy_within<T: Send + 'static>(
        &self,
        wait: std::time::Duration,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, crate::error::ApiError> {
        let permit = tokio::time::timeout(wait, self.heavy.clone().acquire_owned()).await.map_err(|_| {
            crate::error::ApiError::new(axum::http::StatusCode::TOO_MANY_REQUESTS, "busy", "the server is busy; try again in a moment").retry_after(2)
        })?;
        let _permit = permit.map_err(crate::error::ApiError::internal)?;
        tokio::task::spawn_blocking(work).await.map_err(crate::error::ApiError::internal)
    }

    /// Runs CPU-heavy `work` on the blocking pool once a permit is free.
    pub async fn run_heavy<T: Send + 'static>(&self, work: impl FnOnce() -> T + Send + 'static) -> Result<T, crate::error::ApiError> {
        let _permit = self.heavy.clone().acquire_owned().await.map_err(crate::error::ApiError::internal)?;
        tokio::task::spawn_blocking(work).await.map_err(crate::error::ApiError::internal)
    }

    /// State over `store` with `settings`.
    pub fn new(store: Arc<dyn Store>, settings: Settings) -> Self {
        let limits = Limits::for_store(|l| settings.quota(l), &store);
        AppState {
            store,
            sessions: Arc::new(Sessions::new(settings.session_ttl)),
            settings: Arc::new(settings),
            hub: Arc::new(Hub::default()),
            limits: Arc::new(limits),
            outbox_wake: Arc::new(Notify::new()),
            push_wake: Arc::new(Notify::new()),
            metrics: Arc::new(Metrics::new()),
            overdue: Arc::new(std::sync::RwLock::new(None)),
            stats: Arc::new(std::sync::RwLock::new(None)),
            heavy: Arc::new(Semaphore::new(std::thread::available_parallelism().map_or(2, |n| n.get()))),
        }
    }
}
