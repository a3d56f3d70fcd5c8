//! Turning what the camera or a photo shows into a guild identification: each decoded code
//! is read as a guild payload and checked against the ministry keys (cached on the device, or
//! the server's own when the portal reads a photo). One policy for the app and the server: a
//! sticker's printed name is passed on only when a known key signed it.

use serde::{Deserialize, Serialize};

use super::FoundCode;
use crate::model::guild::{self, GuildKey, PayloadForm};

/// A decoded code, with its guild reading.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ScannedCode {
    /// The decoded text.
    pub text: String,
    /// The four corners in the input image's pixels (top-left, top-right, bottom-right,
    /// bottom-left of the symbol), for drawing a box on the preview.
    pub corners: [[f32; 2]; 4],
    /// The guild reading, or `None` when the code is something else (a web link, Wi-Fi, ...).
    pub guild: Option<GuildCode>,
}

/// A guild code as read from a sticker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GuildCode {
    /// Business identification code.
    pub guild_id: String,
    /// The name printed in the code — only when `verified` (an altered sticker's name is never
    /// passed on).
    pub name: Option<String>,
    /// Whether a known ministry key signed exactly this text.
    pub verified: bool,
    /// Why not, when not: `unsigned`, `unknown_key` or `bad_signature`.
    pub reason: Option<String>,
    /// The key that signed it.
    pub key_id: Option<String>,
    /// How the code was written.
    pub form: PayloadForm,
    /// The name the ministry's registry gives this ID, from what the device has cached (a
    /// lookup or a draft made before): it names the shop offline even when the sticker is
    /// unsigned or unverified, and shows a sticker whose printed name is not the shop's.
    #[serde(default)]
    pub registry_name: Option<String>,
}

/// `POST /v1/scan` answer: what a photo shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ScanResponse {
    /// Every code found, guild codes read and checked.
    pub codes: Vec<ScannedCode>,
}

/// Reads one decoded code against `keys`.
pub fn identify(found: &FoundCode, keys: &[GuildKey]) -> ScannedCode {
    let guild = guild::parse(&found.text).map(|p| match guild::verify(&p, keys) {
        Ok(key_id) => GuildCode { guild_id: p.guild_id, name: p.name, verified: true, reason: None, key_id: Some(key_id), form: p.form, registry_name: None },
        Err(why) => GuildCode {
            guild_id: p.guild_id,
            name: None,
            verified: false,
            reason: Some(why.code().to_owned()),
            key_id: p.key_id,
            form: p.form,
            registry_name: None,
        },
    });
    ScannedCode { text: found.text.clone(), corners: found.corners.map(|c| [c.x, c.y]), guild }
}

/// Fills each guild code's `registry_name` from `registry` (guild ID → registered name).
pub fn name_from_registry(codes: &mut [ScannedCode], registry: impl Fn(&str) -> Option<String>) {
    for g in codes.iter_mut().filter_map(|c| c.guild.as_mut()) {
        g.registry_name = registry(&g.guild_id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scan::Point;

    fn found(text: &str) -> FoundCode {
        FoundCode { text: text.into(), corners: [Point { x: 1.0, y: 2.0 }; 4], structured_append: None }
    }

    #[test]
    fn verified_unverified_and_foreign_codes() {
        let (key, _) = guild::generate_signing_key();
        let public = guild::public_key("k1", &key);
        let url = guild::sticker_url("https://www.124.ir", "123456", "نانوایی", "k1", &key);
        let ok = identify(&found(&url), std::slice::from_ref(&public));
        let g = ok.guild.unwrap();
        assert!(g.verified);
        assert_eq!(g.name.as_deref(), Some("نانوایی"));
        let tampered = identify(&found(&url.replace("123456", "123457")), std::slice::from_ref(&public)).guild.unwrap();
        assert!(!tampered.verified);
        assert_eq!((tampered.guild_id.as_str(), tampered.reason.as_deref(), tampered.name), ("123457", Some("bad_signature"), None));
        let no_keys = identify(&found(&url), &[]).guild.unwrap();
        assert_eq!(no_keys.reason.as_deref(), Some("unknown_key"));
        let bare = identify(&found("۱۲۳۴۵۶"), &[]).guild.unwrap();
        assert_eq!((bare.guild_id.as_str(), bare.reason.as_deref()), ("123456", Some("unsigned")));
        assert!(identify(&found("https://example.com"), &[]).guild.is_none());
        assert_eq!(ok.corners[0], [1.0, 2.0]);
    }

    #[test]
    fn the_registry_names_the_shop_whatever_the_sticker_says() {
        let mut codes = vec![identify(&found("۱۲۳۴۵۶"), &[]), identify(&found("999"), &[]), identify(&found("https://example.com"), &[])];
        name_from_registry(&mut codes, |id| (id == "123456").then(|| "نانوایی سنگک".to_owned()));
        assert_eq!(codes[0].guild.as_ref().unwrap().registry_name.as_deref(), Some("نانوایی سنگک"));
        assert_eq!(codes[0].guild.as_ref().unwrap().name, None, "an unsigned code's own name stays empty");
        assert_eq!(codes[1].guild.as_ref().unwrap().registry_name, None);
        assert!(codes[2].guild.is_none());
    }
}
