//! Push notifications about complaint outcomes, with the long-poll sync feed as the fallback.
//!
//! Every stage change queues one row per device of the complainant in `push_outbox`, in the
//! transaction that queues the SMS (see the store). The [`outbox`] worker delivers them
//! through [`Pusher`] to one of three services: UnifiedPush / Web Push ([`webpush`], works
//! without Google services), FCM HTTP v1 ([`fcm`]) and APNs ([`apns`]). A push carries no
//! personal data: the tracking code, the new stage and the sync cursor. A service that is
//! not configured is skipped with one log line; a device its service reports gone is
//! forgotten; [`ssrf`] keeps citizen-chosen endpoints off the ministry's own network.

pub mod apns;
pub mod fcm;
pub mod outbox;
pub mod ssrf;
pub mod webpush;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use samat_core::model::api::PushKind;

use crate::store::{DeviceTarget, OutboxPush, Store};

pub use webpush::VapidKey;

/// The `settings` key holding the demo VAPID key (base64url private scalar).
pub const DEMO_VAPID_SETTING: &str = "demo_vapid_key";
/// The VAPID contact unless `--vapid-subject` says otherwise.
pub const DEFAULT_VAPID_SUBJECT: &str = "mailto:push@124.ir";
/// Devices kept per citizen; registering another forgets the least recently registered.
pub const MAX_DEVICES_PER_CITIZEN: i64 = 10;

/// Push settings (from the command line, or built directly by tests and benchmarks).
#[derive(Clone)]
pub struct PushConfig {
    /// The VAPID key; without it UnifiedPush devices are skipped and `GET /v1/push/vapid` is 404.
    pub vapid: Option<VapidKey>,
    /// The operator contact in VAPID tokens (`mailto:` or `https:`).
    pub vapid_subject: String,
    /// Accept and call endpoints on private and loopback addresses, and over plain http.
    pub allow_private_endpoints: bool,
    /// FCM, when configured.
    pub fcm: Option<Arc<fcm::FcmConfig>>,
    /// APNs, when configured.
    pub apns: Option<Arc<apns::ApnsConfig>>,
}

impl Default for PushConfig {
    fn default() -> Self {
        PushConfig { vapid: None, vapid_subject: DEFAULT_VAPID_SUBJECT.to_owned(), allow_private_endpoints: false, fcm: None, apns: None }
    }
}

impl std::fmt::Debug for PushConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Keys stay out of logs: only what is configured.
        f.debug_struct("PushConfig")
            .field("vapid", &self.vapid.as_ref().map(VapidKey::public_key_b64))
            .field("vapid_subject", &self.vapid_subject)
            .field("allow_private_endpoints", &self.allow_private_endpoints)
            .field("fcm", &self.fcm.as_ref().map(|c| &c.project_id))
            .field("apns", &self.apns.as_ref().map(|c| &c.topic))
            .finish()
    }
}

/// Checks `--vapid-subject`: a `mailto:` or `https:` contact (RFC 8292 section 2.1).
pub fn parse_vapid_subject(s: &str) -> Result<String, String> {
    let s = s.trim();
    let ok = s.strip_prefix("mailto:").is_some_and(|a| a.contains('@')) || s.strip_prefix("https://").is_some_and(|h| !h.is_empty());
    if ok {
        Ok(s.to_owned())
    } else {
        Err(format!("{s:?} is not a contact: use mailto:ADDRESS or an https:// URL"))
    }
}

/// The demo VAPID key of this database: made on first use and kept in `settings`, so the
/// apps' subscriptions stay valid across restarts.
pub async fn demo_vapid_key(store: &dyn Store) -> anyhow::Result<VapidKey> {
    let stored = match store.setting(DEMO_VAPID_SETTING).await? {
        Some(v) => v,
        None => store.setting_or_insert(DEMO_VAPID_SETTING, VapidKey::generate().to_b64().into_bytes()).await?,
    };
    let text = std::str::from_utf8(&stored).map_err(|_| anyhow::anyhow!("the stored demo VAPID key is not text"))?;
    VapidKey::parse(text).map_err(|e| anyhow::anyhow!("the stored demo VAPID key is unusable: {e}"))
}

/// How one delivery attempt ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The push service accepted the message.
    Delivered,
    /// The service says this device is gone (404/410, unregistered token): forget it.
    DeviceGone(String),
    /// The service refused this message for good (another 4xx): give it up.
    Rejected(String),
    /// The service wants us to slow down (413/429), maybe saying for how long.
    Throttled {
        /// From `Retry-After`.
        retry_after: Option<Duration>,
        /// What it said.
        error: String,
    },
    /// The whole service (not just this device) wants us to slow down: a project-wide FCM
    /// quota, APNs's provider-token limit. Every device of the service waits with it.
    ServiceThrottled {
        /// From `Retry-After`.
        retry_after: Option<Duration>,
        /// What it said.
        error: String,
    },
    /// Not attempted: the service asked this server to pause, for this much longer.
    Paused(Duration),
    /// Worth trying again (network, 5xx).
    Temporary(String),
    /// This server has no credentials for the device's service.
    NotConfigured,
}

impl Outcome {
    /// Short label for metrics.
    pub fn label(&self) -> &'static str {
        match self {
            Outcome::Delivered => "sent",
            Outcome::DeviceGone(_) => "device_gone",
            Outcome::Rejected(_) => "rejected",
            Outcome::Throttled { .. } | Outcome::ServiceThrottled { .. } => "throttled",
            Outcome::Paused(_) => "paused",
            Outcome::Temporary(_) => "failed",
            Outcome::NotConfigured => "skipped",
        }
    }
}

/// Reads `Retry-After` as delay-seconds, or as an HTTP date.
pub fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let value = headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = time::OffsetDateTime::parse(value, &time::format_description::well_known::Rfc2822).ok()?;
    let secs = (at - time::OffsetDateTime::now_utc()).whole_seconds();
    Some(Duration::from_secs(secs.max(0) as u64))
}

/// An error with its sources, for a log line (reqwest's top-level message alone says little).
pub fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}

/// The three push services behind one `send`.
pub struct Pusher {
    webpush: Option<webpush::WebPush>,
    fcm: Option<fcm::Fcm>,
    apns: Option<apns::Apns>,
    /// Whether "not configured" was logged, per kind.
    warned: [AtomicBool; 3],
    /// Until when each service asked for a pause (see [`Outcome::ServiceThrottled`]).
    paused_until: std::sync::Mutex<[Option<std::time::Instant>; 3]>,
}

/// How long a service-wide throttle that names no `Retry-After` pauses the service.
pub const SERVICE_PAUSE: Duration = Duration::from_secs(60);

fn kind_index(kind: PushKind) -> usize {
    match kind {
        PushKind::UnifiedPush => 0,
        PushKind::Fcm => 1,
        PushKind::Apns => 2,
    }
}

impl Pusher {
    /// Builds the HTTP clients of the configured services.
    pub fn new(config: &PushConfig) -> anyhow::Result<Pusher> {
        Ok(Pusher {
            webpush: match &config.vapid {
                Some(key) => Some(webpush::WebPush::new(key.clone(), config.vapid_subject.clone(), config.allow_private_endpoints)?),
                None => None,
            },
            fcm: match &config.fcm {
                Some(c) => Some(fcm::Fcm::new(c.clone())?),
                None => None,
            },
            apns: match &config.apns {
                Some(c) => Some(apns::Apns::new(c.clone())?),
                None => None,
            },
            warned: Default::default(),
            paused_until: Default::default(),
        })
    }

    /// How much longer the service of `kind` asked to be left alone, if it did.
    pub fn paused_for(&self, kind: PushKind) -> Option<Duration> {
        let until = self.paused_until.lock().unwrap_or_else(|e| e.into_inner())[kind_index(kind)]?;
        until.checked_duration_since(std::time::Instant::now()).filter(|d| !d.is_zero())
    }

    fn pause(&self, kind: PushKind, wait: Option<Duration>) {
        let wait = wait.unwrap_or(SERVICE_PAUSE).clamp(Duration::from_secs(1), outbox::MAX_DELAY);
        let until = std::time::Instant::now() + wait;
        let mut paused = self.paused_until.lock().unwrap_or_else(|e| e.into_inner());
        let slot = &mut paused[kind_index(kind)];
        if slot.is_none_or(|t| t < until) {
            *slot = Some(until);
        }
        tracing::warn!(provider = kind.wire_name(), pause = ?wait, "push: the service throttles this server; pausing it");
    }

    /// Delivers one queued push.
    pub async fn send(&self, push: &OutboxPush) -> Outcome {
        let kind = push.device.target.kind();
        if let Some(left) = self.paused_for(kind) {
            return Outcome::Paused(left);
        }
        let outcome = match &push.device.target {
            DeviceTarget::UnifiedPush { endpoint, p256dh, auth } => match &self.webpush {
                Some(w) => w.send(endpoint, p256dh, auth, &push.message).await,
                None => Outcome::NotConfigured,
            },
            DeviceTarget::Fcm { token } => match &self.fcm {
                Some(f) => f.send(token, &push.message).await,
                None => Outcome::NotConfigured,
            },
            DeviceTarget::Apns { token } => match &self.apns {
                Some(a) => a.send(token, &push.message).await,
                None => Outcome::NotConfigured,
            },
        };
        match &outcome {
            Outcome::NotConfigured => self.warn_once(kind),
            Outcome::ServiceThrottled { retry_after, .. } => self.pause(kind, *retry_after),
            _ => {}
        }
        outcome
    }

    fn warn_once(&self, kind: PushKind) {
        let how = match kind {
            PushKind::UnifiedPush => "--vapid-key (or --demo)",
            PushKind::Fcm => "--fcm-service-account",
            PushKind::Apns => "--apns-key, --apns-key-id, --apns-team-id and --apns-topic",
        };
        let i = kind_index(kind);
        if !self.warned[i].swap(true, Ordering::Relaxed) {
            tracing::warn!(provider = kind.wire_name(), "push: {} is not configured ({how}); its devices' pushes are skipped", kind.wire_name());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vapid_subjects() {
        assert_eq!(parse_vapid_subject("mailto:push@124.ir").as_deref(), Ok("mailto:push@124.ir"));
        assert!(parse_vapid_subject("https://www.124.ir/contact").is_ok());
        for bad in ["", "push@124.ir", "mailto:", "http://124.ir", "https://"] {
            assert!(parse_vapid_subject(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn retry_after_in_seconds_or_as_a_date() {
        let mut h = reqwest::header::HeaderMap::new();
        assert_eq!(retry_after(&h), None);
        h.insert(reqwest::header::RETRY_AFTER, "120".parse().unwrap());
        assert_eq!(retry_after(&h), Some(Duration::from_secs(120)));
        h.insert(reqwest::header::RETRY_AFTER, "Wed, 21 Oct 2015 07:28:00 GMT".parse().unwrap());
        assert_eq!(retry_after(&h), Some(Duration::ZERO), "a date in the past means now");
        h.insert(reqwest::header::RETRY_AFTER, "soon".parse().unwrap());
        assert_eq!(retry_after(&h), None);
    }

    #[test]
    fn a_push_carries_no_personal_data() {
        let code = samat_core::model::TrackingCode::generate(&mut rand::thread_rng());
        let m = samat_core::model::api::PushMessage { tracking_code: code, stage: samat_core::model::Stage::Verdict, cursor: 42 };
        let json = serde_json::to_value(&m).unwrap();
        let mut keys: Vec<&str> = json.as_object().unwrap().keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(keys, ["cursor", "stage", "tracking_code"], "only these, never a phone or a name");
        assert!(!json.to_string().contains("+98"));
    }
}
