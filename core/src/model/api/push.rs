//! Push notifications: where a device is reached, what a push carries, and the server's VAPID
//! key.

use serde::{Deserialize, Serialize};
use strum::{EnumString, IntoStaticStr, VariantArray};
use time::OffsetDateTime;

use crate::model::names::wire_names;
use crate::model::stage::Stage;
use crate::model::tracking::TrackingCode;

/// Which push service a device is reached through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, IntoStaticStr, EnumString, VariantArray)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
#[strum(serialize_all = "lowercase")]
pub enum PushKind {
    /// Web Push through a UnifiedPush distributor (works without Google services).
    UnifiedPush,
    /// Firebase Cloud Messaging.
    Fcm,
    /// Apple Push Notification service.
    Apns,
}

wire_names!(PushKind, "Every kind.");

/// The keys of a W3C `PushSubscription`, base64url: the device's P-256 public key
/// (uncompressed point, 65 bytes) and its 16-byte authentication secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PushKeys {
    /// The device's ECDH public key, base64url of the 65-byte uncompressed P-256 point.
    pub p256dh: String,
    /// The 16-byte authentication secret, base64url.
    pub auth: String,
}

/// `POST /v1/devices` body: where to push this device's notifications.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind")]
pub enum PushTarget {
    /// A UnifiedPush / Web Push subscription (the W3C `PushSubscription` shape).
    #[serde(rename = "unifiedpush")]
    UnifiedPush {
        /// The push endpoint URL the distributor gave the app (https).
        endpoint: String,
        /// The subscription's keys.
        keys: PushKeys,
    },
    /// An FCM registration token.
    #[serde(rename = "fcm")]
    Fcm {
        /// The registration token.
        token: String,
    },
    /// An APNs device token (hex).
    #[serde(rename = "apns")]
    Apns {
        /// The device token, hex.
        token: String,
    },
}

impl PushTarget {
    /// The push service this target is reached through.
    pub fn kind(&self) -> PushKind {
        match self {
            PushTarget::UnifiedPush { .. } => PushKind::UnifiedPush,
            PushTarget::Fcm { .. } => PushKind::Fcm,
            PushTarget::Apns { .. } => PushKind::Apns,
        }
    }
}

/// A registered push target as the API returns it (`POST /v1/devices`, `GET /v1/devices`).
/// The endpoint or token itself is not echoed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeviceView {
    /// Id, for `DELETE /v1/devices/{id}`.
    pub id: i64,
    /// The push service.
    pub kind: PushKind,
    /// When it was first registered by this citizen.
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: OffsetDateTime,
    /// When it was last registered (keys may have changed).
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub updated_at: OffsetDateTime,
}

/// `GET /v1/devices` answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DevicesResponse {
    /// The caller's devices, oldest first.
    pub devices: Vec<DeviceView>,
}

/// What a push carries: only that a complaint changed. No personal data; the app syncs
/// (`GET /v1/sync?since=`) to read the details. Over FCM every value is a string.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PushMessage {
    /// The complaint.
    pub tracking_code: TrackingCode,
    /// The stage it is in now.
    pub stage: Stage,
    /// The sync-feed position of the event (its `seq`).
    #[serde(deserialize_with = "number_or_string")]
    pub cursor: i64,
}

impl PushMessage {
    /// Parses a push as it arrives: the Web Push JSON, FCM's `data` (string values), or an
    /// APNs payload with the keys next to `aps`.
    pub fn parse(payload: &str) -> Option<PushMessage> {
        serde_json::from_str(payload.trim()).ok()
    }
}

/// FCM `data` values are strings; Web Push and APNs carry numbers. Accept both.
fn number_or_string<'de, D: serde::Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum N {
        Num(i64),
        Str(String),
    }
    match N::deserialize(d)? {
        N::Num(n) => Ok(n),
        N::Str(s) => s.trim().parse().map_err(serde::de::Error::custom),
    }
}

/// `GET /v1/push/vapid` answer: the server's VAPID public key, for the app to subscribe with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VapidKeyResponse {
    /// The 65-byte uncompressed P-256 point, base64url without padding
    /// (the `applicationServerKey`).
    pub public_key: String,
}
