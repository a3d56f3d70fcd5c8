//! Guild stickers: the ministry's signing keys (fetched, cached for offline scans, refreshed
//! daily), QR codes read from a photo or a camera frame and checked against those keys, and
//! the draft a scanned code starts. What a sticker may claim is decided here, in pure
//! functions: its printed name counts only when a known key signed it.

use time::OffsetDateTime;

#[cfg(feature = "scan")]
use super::error::ClientError;
use super::error::Result;
#[cfg(feature = "scan")]
use super::scanning;
use super::store::{self, kv};
#[cfg(feature = "scan")]
use super::types::{Draft, DraftFields};
use super::{Client, Inner, Public};
#[cfg(feature = "scan")]
use crate::model::api::BusinessView;
use crate::model::guild::GuildKey;

/// How long cached sticker keys serve before a sync fetches them again (a new key signs new
/// stickers from the day it is published; a retired one stops verifying within this time).
pub const KEYS_MAX_AGE: time::Duration = time::Duration::days(1);

/// Whether keys fetched at `fetched` (Unix seconds, `None` never) are due for a refresh at `now`.
pub fn keys_stale(fetched: Option<i64>, now: OffsetDateTime) -> bool {
    fetched.is_none_or(|at| now.unix_timestamp() - at >= KEYS_MAX_AGE.whole_seconds() || at > now.unix_timestamp())
}

/// The draft a scanned guild code starts: the business's ID always; its name from the sticker
/// only when a known key signed it (an altered or unsigned sticker's name is never taken),
/// else the registry's; address, city and province from the registry's `record` when there
/// is one.
#[cfg(feature = "scan")]
pub fn scanned_business(code: &scanning::GuildCode, record: Option<&BusinessView>) -> DraftFields {
    let signed_name = if code.verified { code.name.clone() } else { None };
    DraftFields {
        guild_id: Some(code.guild_id.clone()),
        business_name: signed_name.or_else(|| record.map(|b| b.name.clone())),
        business_address: record.and_then(|b| b.address.clone()),
        city: record.and_then(|b| b.city.clone()),
        province: record.and_then(|b| b.province.clone()),
        ..Default::default()
    }
}

/// The app-facing error for a frame or image the scanner refused.
#[cfg(feature = "scan")]
pub fn scan_error(e: crate::scan::ScanError) -> ClientError {
    use crate::scan::ScanError;
    match e {
        ScanError::InvalidFrame(m) => ClientError::invalid("frame", "invalid_frame", &m),
        ScanError::TooLarge(m) => ClientError::invalid("image", "image_too_large", &m),
        ScanError::UnsupportedImage(m) => ClientError::Photo { detail: m },
    }
}

/// Fetches the sticker-signing keys and caches them (with the time, for [`keys_stale`]).
pub(super) async fn refresh_keys(inner: &Inner) -> Result<Vec<GuildKey>> {
    let keys = inner.http.keys().await?;
    let k = keys.clone();
    inner
        .db
        .write(move |conn| {
            store::registry::replace_keys(conn, &k)?;
            kv::set(conn, kv::KEYS_FETCHED, &store::now().unix_timestamp().to_string())
        })
        .await?;
    Ok(keys)
}

impl Client {
    /// Fetches the ministry's sticker-signing keys and caches them, so scans verify offline.
    pub async fn refresh_keys(&self) -> Public<Vec<GuildKey>> {
        Ok(refresh_keys(&self.inner).await?)
    }

    /// The cached sticker-signing keys.
    pub async fn guild_keys(&self) -> Public<Vec<GuildKey>> {
        Ok(self.inner.db.read(store::registry::keys).await?)
    }

    /// Creates a draft for the business a guild code identifies, named as
    /// [`scanned_business`] says, with the registry's record (cached or fetched) if any.
    #[cfg(feature = "scan")]
    pub async fn draft_from_scan(&self, code: &scanning::GuildCode) -> Public<Draft> {
        let business = match self.lookup_business(&code.guild_id).await {
            Ok(b) => b,
            Err(ClientError::Offline { .. }) => None,
            Err(e) => return Err(e),
        };
        self.create_draft(scanned_business(code, business.as_ref())).await
    }

    /// Scans a photo (JPEG, PNG, WebP or GIF) for QR codes and reads each as a guild code
    /// against the cached keys. Never panics on a hostile image; work per image is bounded.
    #[cfg(feature = "scan")]
    pub async fn scan_image(&self, bytes: Vec<u8>) -> Public<Vec<scanning::ScannedCode>> {
        let keys = self.guild_keys().await?;
        let codes: Vec<scanning::ScannedCode> =
            tokio::task::spawn_blocking(move || crate::scan::scan_image(&bytes).map(|codes| codes.iter().map(|c| scanning::identify(c, &keys)).collect()))
                .await
                .map_err(|e| ClientError::Storage { detail: e.to_string() })?
                .map_err(scan_error)?;
        self.with_registry_names(codes).await
    }

    /// Names each guild code's shop from the cached registry.
    #[cfg(feature = "scan")]
    async fn with_registry_names(&self, mut codes: Vec<scanning::ScannedCode>) -> Public<Vec<scanning::ScannedCode>> {
        if codes.iter().all(|c| c.guild.is_none()) {
            return Ok(codes);
        }
        let ids: Vec<String> = codes.iter().filter_map(|c| c.guild.as_ref().map(|g| g.guild_id.clone())).collect();
        let names = self
            .inner
            .db
            .read(move |conn| {
                let mut names = std::collections::HashMap::new();
                for id in ids {
                    if let Some((body, _)) = store::registry::business(conn, &id)? {
                        if let Ok(b) = serde_json::from_str::<BusinessView>(&body) {
                            names.insert(id, b.name);
                        }
                    }
                }
                Ok(names)
            })
            .await?;
        scanning::name_from_registry(&mut codes, |id| names.get(id).cloned());
        Ok(codes)
    }

    /// Scans a camera frame's luma (Y) plane, `row_stride` bytes per row, as CameraX and
    /// AVFoundation deliver it (no RGB copy).
    #[cfg(feature = "scan")]
    pub async fn scan_frame(&self, luma: Vec<u8>, width: u32, height: u32, row_stride: u32) -> Public<Vec<scanning::ScannedCode>> {
        let keys = self.guild_keys().await?;
        let codes: Vec<scanning::ScannedCode> = tokio::task::spawn_blocking(move || {
            crate::scan::scan_frame(&luma, width, height, row_stride).map(|codes| codes.iter().map(|c| scanning::identify(c, &keys)).collect())
        })
        .await
        .map_err(|e| ClientError::Storage { detail: e.to_string() })?
        .map_err(scan_error)?;
        self.with_registry_names(codes).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sticker_keys_are_refetched_daily_and_when_the_clock_went_back() {
        let now = OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap();
        let t = now.unix_timestamp();
        let day = KEYS_MAX_AGE.whole_seconds();
        for (fetched, stale) in
            [(None, true), (Some(t), false), (Some(t - day + 1), false), (Some(t - day), true), (Some(t - 10 * day), true), (Some(t + 60), true)]
        {
            assert_eq!(keys_stale(fetched, now), stale, "{fetched:?}");
        }
    }

    #[cfg(feature = "scan")]
    #[test]
    fn only_a_signed_stickers_name_is_taken_else_the_registrys() {
        use crate::model::guild::PayloadForm;
        let sticker = |verified: bool, name: Option<&str>| scanning::GuildCode {
            guild_id: "10010010011".into(),
            name: name.map(str::to_owned),
            verified,
            reason: (!verified).then(|| "bad_signature".to_owned()),
            key_id: Some("k1".into()),
            form: PayloadForm::SignedUrl,
            registry_name: None,
        };
        let record = BusinessView {
            guild_id: "10010010011".into(),
            name: "سوپرمارکت نمونه".into(),
            guild: None,
            licence_no: None,
            licence_status: None,
            province: Some("تهران".into()),
            city: Some("تهران".into()),
            address: Some("خیابان آزادی".into()),
        };
        let signed = Some("نانوایی");
        for (code, registry, name) in [
            (sticker(true, signed), Some(&record), Some("نانوایی")),
            (sticker(true, signed), None, Some("نانوایی")),
            (sticker(true, None), Some(&record), Some("سوپرمارکت نمونه")),
            (sticker(false, signed), Some(&record), Some("سوپرمارکت نمونه")),
            (sticker(false, signed), None, None),
            (sticker(false, None), None, None),
        ] {
            let fields = scanned_business(&code, registry);
            assert_eq!(fields.business_name.as_deref(), name, "verified {} registry {}", code.verified, registry.is_some());
            assert_eq!(fields.guild_id.as_deref(), Some("10010010011"));
            assert_eq!(fields.city, registry.and_then(|b| b.city.clone()));
            assert_eq!(fields.business_address, registry.and_then(|b| b.address.clone()));
            assert_eq!(fields.province, registry.and_then(|b| b.province.clone()));
            assert_eq!(fields.category, None, "nothing else is filled in");
        }
    }
}
