//! The `samat-server` command line: runs the 124 complaint server, or manages its staff
//! accounts. Lives in the library so the end-to-end tests run exactly this code in a child
//! process they can kill.

use std::io::{BufRead, IsTerminal};
use std::net::SocketAddr;
use std::time::Duration;

use crate::push::{self, apns, fcm, PushConfig, VapidKey};
use crate::sms::{self, KavenegarOptions, SmsConfig};
use crate::store::NewStaff;
use crate::{demo, keys, passwords, registry, store, AppState, Settings};
use clap::{Args, Parser, Subcommand};
use samat_core::model::deadlines::{self, ServiceStandards, StageDeadlines, WorkCalendar};
use samat_core::model::{Province, Role, Stage};

#[derive(Parser, Debug)]
#[command(name = "samat-server", version, about = "The 124 consumer-complaint server (intake, SMS, seven-stage workflow, staff, sync feed)")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    serve: ServeArgs,
    /// Database URL: sqlite://PATH.
    #[arg(long, env = "SAMAT_DATABASE", default_value = "sqlite://samat.db", global = true)]
    database: String,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Manage staff accounts.
    Staff {
        #[command(subcommand)]
        command: StaffCommand,
    },
    /// Manage the guild registry (the businesses behind the barcodes).
    Businesses {
        #[command(subcommand)]
        command: BusinessesCommand,
    },
    /// Manage the Open311 API keys third-party apps file complaints with.
    Apikeys {
        #[command(subcommand)]
        command: ApiKeysCommand,
    },
    /// Text messages to the 124 line.
    Inbound {
        #[command(subcommand)]
        command: InboundCommand,
    },
    /// Copy everything from a SQLite database into an empty PostgreSQL one (complaints,
    /// events, photos, outboxes, sessions, devices, registry, keys), checking every table's
    /// row count before committing. The SQLite server may keep running; what it writes after
    /// the copy began is not copied, so stop it before switching over.
    Migrate {
        /// The SQLite database, e.g. sqlite://samat.db.
        #[arg(long)]
        from: String,
        /// The PostgreSQL database, e.g. postgres://samat@db.example:5432/samat.
        #[arg(long)]
        to: String,
    },
}

#[derive(Subcommand, Debug)]
enum BusinessesCommand {
    /// Import (insert or update) businesses from a UTF-8 CSV file whose header row names the
    /// columns guild_id,name,guild,licence_no,licence_status,province,city,address in any
    /// order (guild_id and name required). Bad rows are reported with their line and skipped.
    Import {
        /// The CSV file.
        file: std::path::PathBuf,
    },
}

#[derive(Subcommand, Debug)]
enum ApiKeysCommand {
    /// Issue a key for an app or organisation; the key is printed once (only its hash is kept).
    Add {
        /// Who the key is for, e.g. "Shahrdari app".
        #[arg(long)]
        name: String,
    },
    /// List the keys: id, name, when issued, whether revoked.
    List,
    /// Revoke a key by its id: POSTs with it are refused from then on.
    Revoke {
        /// The key's id (from `apikeys list`).
        id: i64,
    },
}

#[derive(Subcommand, Debug)]
enum InboundCommand {
    /// Hand in one text as if the gateway had delivered it (development and tests): it is
    /// handled on the database directly, exactly as the webhook and the inbox reader handle
    /// theirs, and the reply waits in the SMS outbox for the server to send.
    Sms {
        /// The sender's mobile number (0912…, +98912…, Persian digits fine).
        #[arg(long)]
        from: String,
        /// The text.
        #[arg(long)]
        text: String,
        /// The message id (handing in the same id again does nothing twice); a fresh one
        /// when unset.
        #[arg(long)]
        id: Option<String>,
    },
}

#[derive(Subcommand, Debug)]
enum StaffCommand {
    /// Create a staff account; the password is read from SAMAT_STAFF_PASSWORD or standard input.
    Add {
        /// Login name.
        #[arg(long)]
        username: String,
        /// operator, expert, guild, inspector, taazirat or supervisor.
        #[arg(long, value_parser = parse_role)]
        role: Role,
        /// The province the account works in (wire name like tehran, or the Persian name);
        /// without it the account is national.
        #[arg(long, value_parser = parse_province)]
        province: Option<Province>,
        /// The person's name as colleagues see it.
        #[arg(long)]
        name: Option<String>,
    },
}

fn parse_province(s: &str) -> Result<Province, String> {
    Province::from_text(s).ok_or_else(|| format!("unknown province {s:?}: use a name like tehran, fars or razavi_khorasan (or its Persian name)"))
}

fn parse_role(s: &str) -> Result<Role, String> {
    Role::from_wire(s).ok_or_else(|| format!("unknown role {s:?}: use operator, expert, guild, inspector, taazirat or supervisor"))
}

#[derive(Args, Debug)]
struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "SAMAT_LISTEN", default_value = "127.0.0.1:8124")]
    listen: SocketAddr,
    /// SMS gateway: console, file:PATH or kavenegar:API_KEY.
    #[arg(long, env = "SAMAT_SMS", default_value = "console")]
    sms: SmsConfig,
    /// Seed demo businesses and one staff account per role (username = role name).
    #[arg(long, env = "SAMAT_DEMO")]
    demo: bool,
    /// Password of the demo staff accounts.
    #[arg(long, env = "SAMAT_DEMO_PASSWORD", default_value = "demo")]
    demo_password: String,
    /// Kavenegar API base URL.
    #[arg(long, env = "SAMAT_KAVENEGAR_URL", default_value = "https://api.kavenegar.com")]
    kavenegar_url: String,
    /// Kavenegar verify/lookup template used for login codes.
    #[arg(long, env = "SAMAT_KAVENEGAR_OTP_TEMPLATE", default_value = "samat-otp")]
    kavenegar_otp_template: String,
    /// Kavenegar sender line for notices (the account default when unset).
    #[arg(long, env = "SAMAT_KAVENEGAR_SENDER")]
    kavenegar_sender: Option<String>,
    /// The shared secret of POST /v1/inbound/sms (the gateway's push of texts to the 124
    /// line): sent as `Authorization: Bearer`, `X-Samat-Secret` or `?secret=`. Unset, the
    /// webhook is off.
    #[arg(long, env = "SAMAT_INBOUND_SMS_SECRET", hide_env_values = true)]
    inbound_sms_secret: Option<String>,
    /// Read the texts to this line from Kavenegar's inbox (sms/receive) with the key of
    /// --sms kavenegar:KEY or --kavenegar-inbox-key.
    #[arg(long, env = "SAMAT_KAVENEGAR_INBOX_LINE")]
    kavenegar_inbox_line: Option<String>,
    /// The API key of the Kavenegar inbox (when --sms is not kavenegar:KEY).
    #[arg(long, env = "SAMAT_KAVENEGAR_INBOX_KEY", hide_env_values = true)]
    kavenegar_inbox_key: Option<String>,
    /// Seconds between two reads of the Kavenegar inbox (doubling up to five minutes while it fails).
    #[arg(long, env = "SAMAT_KAVENEGAR_INBOX_INTERVAL", default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..=3600))]
    kavenegar_inbox_interval: u64,
    /// Read the 124 mailbox over IMAP with TLS: imaps://USER@HOST[:PORT]/MAILBOX (`%40` for an
    /// `@` in the login); the password comes from SAMAT_IMAP_PASSWORD. Each message is handled
    /// once (by Message-ID), then flagged \Seen.
    #[arg(long, env = "SAMAT_IMAP")]
    imap: Option<String>,
    /// The password of the --imap login (give it in the environment, not on the command line).
    #[arg(long, env = "SAMAT_IMAP_PASSWORD", hide_env_values = true)]
    imap_password: Option<String>,
    /// A PEM file of the CA certificate(s) the IMAP server's certificate is checked against
    /// (a private CA, a self-signed test server) instead of the Mozilla roots.
    #[arg(long, env = "SAMAT_IMAP_CA_FILE")]
    imap_ca_file: Option<std::path::PathBuf>,
    /// Move handled messages to this folder of the mailbox (they are flagged \Seen either way).
    #[arg(long, env = "SAMAT_IMAP_DONE_FOLDER")]
    imap_done_folder: Option<String>,
    /// Seconds between two reads of the mailbox (doubling up to five minutes while it fails).
    #[arg(long, env = "SAMAT_IMAP_INTERVAL", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=3600))]
    imap_interval: u64,
    /// Texts to the 124 line handled per sending phone per hour (more are kept, not answered).
    #[arg(long, env = "SAMAT_INBOUND_SMS_PER_PHONE_PER_HOUR", default_value_t = 30)]
    inbound_sms_per_phone_per_hour: u32,
    /// Login codes sent per phone per hour.
    #[arg(long, env = "SAMAT_OTP_PER_PHONE_PER_HOUR", default_value_t = 5)]
    otp_per_phone_per_hour: u32,
    /// Login codes requested per client IP per hour.
    #[arg(long, env = "SAMAT_OTP_PER_IP_PER_HOUR", default_value_t = 30)]
    otp_per_ip_per_hour: u32,
    /// Public tracking look-ups per client IP per minute.
    #[arg(long, env = "SAMAT_TRACK_PER_IP_PER_MINUTE", default_value_t = 20)]
    track_per_ip_per_minute: u32,
    /// Photos read for guild barcodes (POST /v1/scan) per client IP per minute.
    #[arg(long, env = "SAMAT_SCANS_PER_IP_PER_MINUTE", default_value_t = 30)]
    scans_per_ip_per_minute: u32,
    /// Open311 requests filed (POST /open311/v2/requests) per API key per minute.
    #[arg(long, env = "SAMAT_OPEN311_POSTS_PER_KEY_PER_MINUTE", default_value_t = 60)]
    open311_posts_per_key_per_minute: u32,
    /// Open311 look-ups (GET of requests, one request or a token) per client IP per minute.
    #[arg(long, env = "SAMAT_OPEN311_READS_PER_IP_PER_MINUTE", default_value_t = 120)]
    open311_reads_per_ip_per_minute: u32,
    /// Staff login attempts per username from one network per 15 minutes.
    #[arg(long, env = "SAMAT_STAFF_LOGINS_PER_15MIN", default_value_t = 10)]
    staff_logins_per_15min: u32,
    /// Staff login attempts per network per 15 minutes, whatever the username.
    #[arg(long, env = "SAMAT_STAFF_LOGINS_PER_IP_PER_15MIN", default_value_t = 100)]
    staff_logins_per_ip_per_15min: u32,
    /// Take the client address from X-Forwarded-For: the last hop, the one your proxy appends
    /// (only behind a proxy you run; what clients write there themselves is ignored).
    #[arg(long, env = "SAMAT_TRUST_FORWARDED_FOR")]
    trust_forwarded_for: bool,
    /// Session lifetime in days.
    #[arg(long, env = "SAMAT_SESSION_DAYS", default_value_t = 90)]
    session_days: u64,
    /// Complaints one citizen may file in 24 hours (staff filing for callers are not counted).
    #[arg(long, env = "SAMAT_COMPLAINTS_PER_CITIZEN_PER_DAY", default_value_t = 20)]
    complaints_per_citizen_per_day: i64,
    /// Megabytes of photos kept per complaint (after re-encoding).
    #[arg(long, env = "SAMAT_PHOTO_MB_PER_COMPLAINT", default_value_t = 20)]
    photo_mb_per_complaint: i64,
    /// Megabytes of photos one citizen may upload in 24 hours (after re-encoding).
    #[arg(long, env = "SAMAT_PHOTO_MB_PER_CITIZEN_PER_DAY", default_value_t = 100)]
    photo_mb_per_citizen_per_day: i64,
    /// Serve /metrics to anyone who reaches the port (a scraper on a private network).
    #[arg(long, env = "SAMAT_PUBLIC_METRICS")]
    public_metrics: bool,
    /// Serve /metrics only to scrapers that send this bearer token (it wins over
    /// --public-metrics). Without either, /metrics is off.
    #[arg(long, env = "SAMAT_METRICS_TOKEN", hide_env_values = true)]
    metrics_token: Option<String>,
    /// How long a staff console login lasts, in hours.
    #[arg(long, env = "SAMAT_STAFF_SESSION_HOURS", default_value_t = 12)]
    staff_session_hours: u64,
    /// Mark the console's and portal's cookies Secure on every response (behind a TLS proxy
    /// that does not send X-Forwarded-Proto; with it, and --trust-forwarded-for, they are
    /// Secure whenever the request came over https).
    #[arg(long, env = "SAMAT_SECURE_COOKIES")]
    secure_cookies: bool,
    /// How long a client may take to send its request headers, and keep an idle connection
    /// open, in seconds.
    #[arg(long, env = "SAMAT_HEADER_TIMEOUT", default_value_t = 20)]
    header_timeout: u64,
    /// Longest a long-poll (`GET /v1/sync?wait=`) may hold its answer, in seconds (1–300).
    #[arg(long, env = "SAMAT_MAX_WAIT", default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=300))]
    max_wait: u64,
    /// Time limit of ordinary requests, in seconds.
    #[arg(long, env = "SAMAT_REQUEST_TIMEOUT", default_value_t = 30)]
    request_timeout: u64,
    /// The key that signs new guild stickers: KEY_ID:SEED, the 32-byte Ed25519 seed in base64url.
    /// Without it (and without --demo) QR stickers cannot be issued.
    #[arg(long, env = "SAMAT_SIGNING_KEY", value_parser = keys::parse_signing_key, hide_env_values = true)]
    signing_key: Option<(String, ed25519_dalek::SigningKey)>,
    /// A retired sticker key still published for verification: KEY_ID:PUBLIC (base64url);
    /// repeat the flag, or separate with commas in the variable.
    #[arg(long = "verify-key", env = "SAMAT_VERIFY_KEYS", value_parser = keys::parse_verify_key, value_delimiter = ',')]
    verify_keys: Vec<samat_core::model::guild::GuildKey>,
    /// The public site printed in guild stickers (its /g/{guild_id} page is served here).
    #[arg(long, env = "SAMAT_PUBLIC_URL", default_value = crate::state::DEFAULT_PUBLIC_URL, value_parser = parse_public_url)]
    public_url: String,
    /// The VAPID key that signs UnifiedPush / Web Push requests: the P-256 private key as its
    /// 32-byte scalar in base64url. Without it (and without --demo) UnifiedPush is off.
    #[arg(long, env = "SAMAT_VAPID_KEY", value_parser = VapidKey::parse, hide_env_values = true)]
    vapid_key: Option<VapidKey>,
    /// The operator contact in VAPID tokens: mailto:ADDRESS or an https:// URL.
    #[arg(long, env = "SAMAT_VAPID_SUBJECT", default_value = push::DEFAULT_VAPID_SUBJECT, value_parser = push::parse_vapid_subject)]
    vapid_subject: String,
    /// Accept UnifiedPush endpoints on private, loopback and link-local addresses and over
    /// plain http (tests, closed networks). Off, such endpoints are refused (SSRF).
    #[arg(long, env = "SAMAT_PUSH_ALLOW_PRIVATE_ENDPOINTS")]
    push_allow_private_endpoints: bool,
    /// The Firebase service-account JSON file (project_id, client_email, private_key, token_uri);
    /// without it FCM devices are skipped.
    #[arg(long, env = "SAMAT_FCM_SERVICE_ACCOUNT")]
    fcm_service_account: Option<std::path::PathBuf>,
    /// FCM API base URL (tests point it at a fake).
    #[arg(long, env = "SAMAT_FCM_BASE_URL", default_value = fcm::DEFAULT_BASE_URL, hide = true)]
    fcm_base_url: String,
    /// The APNs auth key (.p8 file, EC P-256); with --apns-key-id, --apns-team-id and
    /// --apns-topic. Without it APNs devices are skipped.
    #[arg(long, env = "SAMAT_APNS_KEY", requires_all = ["apns_key_id", "apns_team_id", "apns_topic"])]
    apns_key: Option<std::path::PathBuf>,
    /// The APNs key's id (10 characters, from the Apple developer account).
    #[arg(long, env = "SAMAT_APNS_KEY_ID")]
    apns_key_id: Option<String>,
    /// The Apple developer team id.
    #[arg(long, env = "SAMAT_APNS_TEAM_ID")]
    apns_team_id: Option<String>,
    /// The iOS app's bundle id (apns-topic).
    #[arg(long, env = "SAMAT_APNS_TOPIC")]
    apns_topic: Option<String>,
    /// Use the APNs sandbox (development builds of the app).
    #[arg(long, env = "SAMAT_APNS_SANDBOX")]
    apns_sandbox: bool,
    /// APNs base URL (tests point it at a fake; overrides --apns-sandbox).
    #[arg(long, env = "SAMAT_APNS_BASE_URL", hide = true)]
    apns_base_url: Option<String>,
    /// A stage's deadline in working days, STAGE=DAYS (e.g. inspection=12); repeatable.
    #[arg(long = "deadline", env = "SAMAT_DEADLINES", value_delimiter = ',', value_parser = parse_deadline)]
    deadlines: Vec<(Stage, u32)>,
    /// Thursday is a day off as well as Friday.
    #[arg(long, env = "SAMAT_THURSDAY_OFF")]
    thursday_off: bool,
    /// The public holidays: a file of Jalali dates, one a line (YYYY/MM/DD, or MM/DD for every year).
    #[arg(long, env = "SAMAT_HOLIDAYS")]
    holidays: Option<std::path::PathBuf>,
    /// Working days past its deadline before a complaint is raised to the supervisors.
    #[arg(long, env = "SAMAT_RAISE_AFTER_DAYS", default_value_t = deadlines::DEFAULT_RAISE_AFTER_DAYS, value_parser = clap::value_parser!(u32).range(1..=60))]
    raise_after_days: u32,
    /// How often the public statistics (`/stats`, `/v1/stats`) are rolled up again, one rollup
    /// running at start: `10m`, `30s`, `1h` (a bare number is minutes), 1 s to 24 h.
    #[arg(long, env = "SAMAT_STATS_EVERY", default_value = "10m", value_parser = parse_every)]
    stats_every: Duration,
}

/// `30s`, `10m`, `1h`, or a bare number of minutes, between 1 second and 24 hours.
fn parse_every(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let (number, unit) = match s.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => (&s[..i], c),
        _ => (s, 'm'),
    };
    let n: u64 = number.trim().parse().map_err(|_| format!("expected a period like 10m, 30s or 1h, not {s:?}"))?;
    let secs = match unit {
        's' => n,
        'm' => n.saturating_mul(60),
        'h' => n.saturating_mul(3600),
        _ => return Err(format!("unknown unit in {s:?}: use s, m or h")),
    };
    if !(1..=24 * 3600).contains(&secs) {
        return Err(format!("{s:?} is outside 1s to 24h"));
    }
    Ok(Duration::from_secs(secs))
}

fn parse_deadline(s: &str) -> Result<(Stage, u32), String> {
    let (stage, days) = StageDeadlines::parse_setting(s).map_err(|e| e.to_string())?;
    StageDeadlines::default().set(stage, days).map_err(|e| e.to_string())?;
    Ok((stage, days))
}

fn parse_public_url(s: &str) -> Result<String, String> {
    let s = s.trim().trim_end_matches('/');
    let host = s.strip_prefix("https://").or_else(|| s.strip_prefix("http://")).ok_or("the public URL starts with https:// (or http://)")?;
    if host.is_empty() || host.contains(|c: char| c.is_whitespace() || c == '?' || c == '#') {
        return Err(format!("{s:?} is not a site URL like https://www.124.ir"));
    }
    Ok(s.to_owned())
}

impl ServeArgs {
    /// The push configuration, reading the FCM and APNs key files (the VAPID key is added by
    /// `run`, which may make a demo one).
    fn push_config(&self) -> anyhow::Result<PushConfig> {
        let fcm = match &self.fcm_service_account {
            Some(path) => Some(std::sync::Arc::new(fcm::FcmConfig::from_file(path, &self.fcm_base_url)?)),
            None => None,
        };
        let apns = match &self.apns_key {
            Some(path) => {
                let pem = std::fs::read(path).map_err(|e| anyhow::anyhow!("cannot read --apns-key {}: {e}", path.display()))?;
                let base = self.apns_base_url.clone().unwrap_or_else(|| if self.apns_sandbox { apns::SANDBOX_URL } else { apns::PRODUCTION_URL }.to_owned());
                let config = apns::ApnsConfig::new(
                    &pem,
                    self.apns_key_id.clone().unwrap_or_default(),
                    self.apns_team_id.clone().unwrap_or_default(),
                    self.apns_topic.clone().unwrap_or_default(),
                    base,
                )
                .map_err(|e| anyhow::anyhow!("--apns-key {}: {e}", path.display()))?;
                Some(std::sync::Arc::new(config))
            }
            None => None,
        };
        Ok(PushConfig {
            vapid: self.vapid_key.clone(),
            vapid_subject: self.vapid_subject.clone(),
            allow_private_endpoints: self.push_allow_private_endpoints,
            fcm,
            apns,
        })
    }

    /// The Kavenegar inbox to read, when a line is given.
    fn inbox_options(&self) -> Option<crate::inbound::kavenegar::InboxOptions> {
        let line = self.kavenegar_inbox_line.clone()?;
        let key = match (&self.kavenegar_inbox_key, &self.sms) {
            (Some(key), _) => key.clone(),
            (None, SmsConfig::Kavenegar(key)) => key.clone(),
            (None, _) => return None,
        };
        Some(crate::inbound::kavenegar::InboxOptions {
            base_url: self.kavenegar_url.clone(),
            key,
            line,
            interval: Duration::from_secs(self.kavenegar_inbox_interval),
        })
    }

    /// The IMAP mailbox to read, when --imap is given (its URL, password and CA file checked now).
    fn imap_options(&self) -> anyhow::Result<Option<crate::inbound::imap::ImapOptions>> {
        let Some(url) = self.imap.as_deref().filter(|u| !u.trim().is_empty()) else { return Ok(None) };
        let password =
            self.imap_password.clone().filter(|p| !p.is_empty()).ok_or_else(|| anyhow::anyhow!("--imap needs the password in SAMAT_IMAP_PASSWORD"))?;
        let mut options = crate::inbound::imap::ImapOptions::from_url(url.trim(), crate::inbound::Secret(password))?;
        options.ca_file = self.imap_ca_file.clone();
        options.done_folder = self.imap_done_folder.clone().filter(|f| !f.trim().is_empty());
        options.interval = Duration::from_secs(self.imap_interval);
        options.tls()?;
        Ok(Some(options))
    }

    /// The service standards: the deadlines set, the week, and the holidays file read.
    fn standards(&self) -> anyhow::Result<ServiceStandards> {
        let holidays = match &self.holidays {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|e| anyhow::anyhow!("cannot read --holidays {}: {e}", path.display()))?;
                deadlines::parse_holidays(&text).map_err(|e| anyhow::anyhow!("--holidays {}: {e}", path.display()))?
            }
            None => Vec::new(),
        };
        let mut stages = StageDeadlines::default();
        for (stage, days) in &self.deadlines {
            stages.set(*stage, *days)?;
        }
        Ok(ServiceStandards { calendar: WorkCalendar::new(self.thursday_off, &holidays), deadlines: stages, raise_after_days: self.raise_after_days })
    }

    fn settings(&self) -> Settings {
        Settings {
            otp_per_phone_per_hour: self.otp_per_phone_per_hour,
            otp_per_ip_per_hour: self.otp_per_ip_per_hour,
            track_per_ip_per_minute: self.track_per_ip_per_minute,
            scans_per_ip_per_minute: self.scans_per_ip_per_minute,
            open311_posts_per_key_per_minute: self.open311_posts_per_key_per_minute,
            open311_reads_per_ip_per_minute: self.open311_reads_per_ip_per_minute,
            staff_logins_per_15min: self.staff_logins_per_15min,
            staff_logins_per_ip_per_15min: self.staff_logins_per_ip_per_15min,
            trust_forwarded_for: self.trust_forwarded_for,
            session_ttl: Duration::from_secs(self.session_days.max(1) * 24 * 3600),
            staff_session_ttl: Duration::from_secs(self.staff_session_hours.clamp(1, 24 * 30) * 3600),
            secure_cookies: self.secure_cookies,
            request_timeout: Duration::from_secs(self.request_timeout.max(1)),
            header_timeout: Duration::from_secs(self.header_timeout.max(1)),
            max_wait: Duration::from_secs(self.max_wait),
            public_url: self.public_url.clone(),
            metrics: match (&self.metrics_token, self.public_metrics) {
                (Some(token), _) if !token.is_empty() => crate::state::MetricsAccess::Token(token.clone()),
                (_, true) => crate::state::MetricsAccess::Public,
                _ => crate::state::MetricsAccess::Off,
            },
            inbound_sms_per_phone_per_hour: self.inbound_sms_per_phone_per_hour,
            inbound_sms_secret: self.inbound_sms_secret.clone().filter(|s| !s.is_empty()).map(crate::inbound::Secret),
            inbound_poll: self.inbox_options(),
            quotas: crate::state::Quotas {
                complaints_per_citizen_per_day: self.complaints_per_citizen_per_day.max(1),
                photo_bytes_per_complaint: self.photo_mb_per_complaint.max(1) * 1024 * 1024,
                photo_bytes_per_citizen_per_day: self.photo_mb_per_citizen_per_day.max(1) * 1024 * 1024,
            },
            stats_every: self.stats_every,
            ..Settings::default()
        }
    }
}

/// `samat-server apikeys …`: issue, list and revoke Open311 API keys.
async fn api_keys(database: &str, command: ApiKeysCommand) -> anyhow::Result<()> {
    let store = store::open(database).await?;
    let now = time::OffsetDateTime::now_utc();
    match command {
        ApiKeysCommand::Add { name } => {
            let name = name.trim();
            anyhow::ensure!(!name.is_empty(), "--name says who the key is for");
            let key = crate::open311::keys::generate();
            let id = store.add_api_key(name, crate::open311::keys::hash(&key), now).await?;
            eprintln!("API key {id} issued to {name:?}; it is shown only now, keep it secret:");
            println!("{key}");
        }
        ApiKeysCommand::List => {
            println!("{:>5}  {:<25}  {:<25}  status", "id", "issued", "name");
            for k in store.api_keys().await? {
                let status = match k.revoked_at {
                    Some(at) => format!("revoked {}", crate::open311::format::w3c(at)),
                    None => "active".to_owned(),
                };
                println!("{:>5}  {:<25}  {:<25}  {status}", k.id, crate::open311::format::w3c(k.created_at), k.name);
            }
        }
        ApiKeysCommand::Revoke { id } => {
            anyhow::ensure!(store.revoke_api_key(id, now).await?, "no active API key has id {id} (see apikeys list)");
            println!("API key {id} revoked");
        }
    }
    Ok(())
}

/// `migrate`: copies, then prints each table's count in both databases.
async fn migrate(from: &str, to: &str) -> anyhow::Result<()> {
    let copied = store::copy::sqlite_to_postgres(from, to).await?;
    println!("{:<12} {:>10} {:>10}", "table", "sqlite", "postgres");
    for (table, source, target) in &copied.tables {
        println!("{table:<12} {source:>10} {target:>10}");
    }
    println!("every table's count matches; the copy is committed");
    Ok(())
}

/// Parses the process arguments and runs the command; exits non-zero with a one-line reason
/// on failure.
pub async fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_env("SAMAT_LOG").unwrap_or_else(|_| "info".into()))
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let result = match cli.command {
        Some(Command::Staff { command: StaffCommand::Add { username, role, province, name } }) => {
            add_staff(&cli.database, &username, role, province, name).await
        }
        Some(Command::Businesses { command: BusinessesCommand::Import { file } }) => import_businesses(&cli.database, &file).await,
        Some(Command::Migrate { from, to }) => migrate(&from, &to).await,
        Some(Command::Apikeys { command }) => api_keys(&cli.database, command).await,
        Some(Command::Inbound { command: InboundCommand::Sms { from, text, id } }) => inbound_sms(&cli.database, &cli.serve, from, text, id).await,
        None => run(&cli.database, cli.serve).await,
    };
    if let Err(e) = result {
        eprintln!("samat-server: {e:#}");
        std::process::exit(1);
    }
}

/// Sets up the process (the allocator, then the tokio runtime) and runs [`main`]: what the
/// `samat-server` binary does.
pub fn run_main() {
    return_big_allocations_to_the_system();
    match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt.block_on(main()),
        Err(e) => {
            eprintln!("samat-server: cannot start the runtime: {e}");
            std::process::exit(1);
        }
    }
}

/// glibc serves a large allocation (an Argon2 check's 19 MiB, a decoded photo) from a fresh
/// mapping and returns it on free — until the first such free raises its threshold, after
/// which freed blocks stay in the process: a burst of logins left the server at 1.7 GB. A
/// fixed threshold keeps big blocks mapped and returned.
fn return_big_allocations_to_the_system() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets an allocator parameter; `run_main` calls it once, before any
    // other thread exists.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 128 * 1024);
    }
}

async fn run(database: &str, args: ServeArgs) -> anyhow::Result<()> {
    let standards = args.standards()?;
    let store = store::open(database).await?;
    if args.demo {
        demo::seed(&*store, &args.demo_password).await?;
        tracing::info!("demo data ready: staff accounts {} with password from --demo-password", role_names());
    }
    let sender = sms::build(
        &args.sms,
        KavenegarOptions { base_url: args.kavenegar_url.clone(), otp_template: args.kavenegar_otp_template.clone(), sender: args.kavenegar_sender.clone() },
    )?;
    let signing = match (&args.signing_key, args.demo) {
        (Some(key), _) => Some(key.clone()),
        (None, true) => Some(keys::demo_signing_key(&*store).await?),
        (None, false) => None,
    };
    match &signing {
        Some((id, _)) => tracing::info!(key_id = %id, "guild stickers are signed with key {id}"),
        None => tracing::warn!("no --signing-key: guild sticker QR codes cannot be issued (503 no_signing_key)"),
    }
    let guild_keys = keys::GuildKeys::new(signing, args.verify_keys.clone());
    let mut push = args.push_config()?;
    if push.vapid.is_none() && args.demo {
        push.vapid = Some(push::demo_vapid_key(&*store).await?);
    }
    log_push(&push);
    let listener = tokio::net::TcpListener::bind(args.listen).await.map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", args.listen))?;
    tracing::info!("samat-server listening on http://{}", listener.local_addr()?);
    let inbound_imap = args.imap_options()?;
    let state = AppState::new(store, Settings { guild_keys, push, standards, inbound_imap, ..args.settings() });
    crate::serve(listener, state, sender, shutdown_signal()).await?;
    tracing::info!("samat-server stopped");
    Ok(())
}

fn log_push(push: &PushConfig) {
    let on: Vec<&str> = [("unifiedpush", push.vapid.is_some()), ("fcm", push.fcm.is_some()), ("apns", push.apns.is_some())]
        .into_iter()
        .filter_map(|(name, on)| on.then_some(name))
        .collect();
    if on.is_empty() {
        tracing::warn!("no push service configured (--vapid-key, --fcm-service-account, --apns-key): apps follow complaints by long-poll only");
    } else {
        tracing::info!("push via {}", on.join(", "));
    }
    if push.allow_private_endpoints {
        tracing::warn!("--push-allow-private-endpoints: UnifiedPush endpoints on private and loopback addresses are accepted");
    }
}

fn role_names() -> String {
    Role::ALL.iter().map(|r| r.wire_name()).collect::<Vec<_>>().join(", ")
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down: finishing requests in flight");
}

async fn add_staff(database: &str, username: &str, role: Role, province: Option<Province>, name: Option<String>) -> anyhow::Result<()> {
    let username = username.trim().to_lowercase();
    anyhow::ensure!(
        !username.is_empty() && username.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c)),
        "a username is letters, digits, '.', '_' or '-'"
    );
    let password = match std::env::var("SAMAT_STAFF_PASSWORD") {
        Ok(p) => p,
        Err(_) if std::io::stdin().is_terminal() => rpassword::prompt_password(format!("password for {username}: "))?,
        Err(_) => {
            let mut line = String::new();
            std::io::stdin().lock().read_line(&mut line)?;
            line.trim_end_matches(['\r', '\n']).to_owned()
        }
    };
    anyhow::ensure!(password.chars().count() >= passwords::MIN_PASSWORD_CHARS, "the password must have at least {} characters", passwords::MIN_PASSWORD_CHARS);
    let store = store::open(database).await?;
    let hash = passwords::hash(&password)?;
    let display_name = name.map(|n| samat_core::model::text::normalize_text(&n)).filter(|n| !n.is_empty());
    let id = store
        .add_staff(NewStaff { username: username.clone(), display_name, password_hash: hash, role, province })
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let place = province.map_or("national".to_owned(), |p| p.wire_name().to_owned());
    println!("created staff account {username} (id {id}, role {}, {place})", role.wire_name());
    Ok(())
}

/// `inbound sms`: hands one text in on the database and says what became of it.
async fn inbound_sms(database: &str, args: &ServeArgs, from: String, text: String, id: Option<String>) -> anyhow::Result<()> {
    let store = store::open(database).await?;
    let state = AppState::new(store, Settings { standards: args.standards()?, ..args.settings() });
    let message_id = format!("cli:{}", id.unwrap_or_else(|| uuid::Uuid::new_v4().to_string()));
    let sms = crate::inbound::InboundSms { message_id: message_id.clone(), from, to: "124".to_owned(), text, received_at: time::OffsetDateTime::now_utc() };
    let received = crate::inbound::receive(&state, sms).await.map_err(|e| anyhow::anyhow!("{}: {}", e.code, e.detail))?;
    let mut line = format!("{message_id}: {}", received.status.as_str());
    if let Some(reason) = &received.reason {
        line.push_str(&format!(" ({reason})"));
    }
    if let Some(code) = received.tracking_code {
        line.push_str(&format!(", complaint {code}"));
    }
    if received.repeat {
        line.push_str(", handled before: nothing done again");
    }
    println!("{line}");
    if let Some(reply) = &received.reply {
        println!("reply queued:\n{reply}");
    }
    Ok(())
}

async fn import_businesses(database: &str, file: &std::path::Path) -> anyhow::Result<()> {
    let input = std::fs::File::open(file).map_err(|e| anyhow::anyhow!("cannot open {}: {e}", file.display()))?;
    let store = store::open(database).await?;
    let started = std::time::Instant::now();
    let result = registry::import_csv(&*store, input).await;
    let report = match result {
        Ok(report) => report,
        Err(e) => anyhow::bail!("{}: {e}", file.display()),
    };
    for note in &report.notes {
        println!("note: {note}");
    }
    for bad in &report.skipped {
        println!("line {}: skipped: {}", bad.line, bad.reason);
    }
    println!("{} ({:.1} s)", report.summary(), started.elapsed().as_secs_f64());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stats_periods_read_with_their_units() {
        for (raw, secs) in
            [("10m", Some(600)), ("30s", Some(30)), ("1h", Some(3600)), ("15", Some(900)), ("0s", None), ("25h", None), ("5d", None), ("m", None)]
        {
            assert_eq!(parse_every(raw).ok(), secs.map(Duration::from_secs), "{raw}");
        }
    }
}
