//! The guild barcode (بارکد صنفی): what the ministry prints on a shop's sticker and how a scan
//! of it is read, and the business identification code it carries ([`normalize_guild_id`]).
//!
//! A sticker holds a URL, `https://<public host>/g/<guild_id>?n=<name>&k=<key id>&s=<signature>`,
//! so a plain phone camera opens the business's web page, while the app checks the Ed25519
//! signature of the ministry key `k` over [`signed_message`] offline. A sticker whose text was
//! altered, or that is signed by a key the app does not know, is **unverified**: the business ID
//! is still offered, never silently trusted. The same URL without a signature, and a bare
//! business ID (Persian digits too), are accepted as unverified guild codes.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde::{Deserialize, Serialize};
use strum::{EnumString, IntoStaticStr, VariantArray};

use super::text::{self, normalize_text};

/// Longest business identification code, in digits.
pub const MAX_GUILD_ID_DIGITS: usize = 20;

/// Normalises a business identification code to ASCII digits, or `None` if it is not one.
pub fn normalize_guild_id(s: &str) -> Option<String> {
    let digits = text::digits_only(s.trim())?;
    (!digits.is_empty() && digits.len() <= MAX_GUILD_ID_DIGITS).then_some(digits)
}

/// What a scanned guild code says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GuildPayload {
    /// The business identification code, ASCII digits.
    pub guild_id: String,
    /// The business name printed in the code, if any.
    pub name: Option<String>,
    /// The signing key's id, if signed.
    pub key_id: Option<String>,
    /// The signature, base64url, if signed.
    pub signature: Option<String>,
    /// How it was written.
    pub form: PayloadForm,
}

/// The forms a guild code comes in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PayloadForm {
    /// The sticker URL with a signature.
    SignedUrl,
    /// The sticker URL without a signature.
    Url,
    /// Just the business ID.
    BareId,
}

/// Why a guild code is not verified.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, IntoStaticStr, EnumString, VariantArray)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Unverified {
    /// No signature (a plain URL or a bare ID).
    Unsigned,
    /// Signed by a key this device does not know (not yet fetched, or not the ministry's).
    UnknownKey,
    /// The signature does not match the text: the sticker was altered.
    BadSignature,
}

impl Unverified {
    /// Stable code.
    pub fn code(self) -> &'static str {
        self.into()
    }
}

/// A public key the ministry signs stickers with (`GET /v1/keys`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GuildKey {
    /// Key id (printed in each sticker as `k`).
    pub key_id: String,
    /// Always `Ed25519`.
    pub algorithm: String,
    /// The 32-byte public key, base64url without padding.
    pub public_key: String,
}

/// The bytes a sticker's signature covers: a version tag, the ID and the normalised name.
pub fn signed_message(guild_id: &str, name: &str) -> Vec<u8> {
    format!("samat-guild-v1\n{guild_id}\n{}", normalize_text(name)).into_bytes()
}

/// Characters escaped in the name parameter (everything but unreserved ASCII).
const QUERY: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');

/// The sticker URL for a business, signed with `key`.
pub fn sticker_url(public_base: &str, guild_id: &str, name: &str, key_id: &str, key: &SigningKey) -> String {
    let name = normalize_text(name);
    let sig = key.sign(&signed_message(guild_id, &name));
    format!(
        "{}/g/{guild_id}?n={}&k={}&s={}",
        public_base.trim_end_matches('/'),
        utf8_percent_encode(&name, QUERY),
        utf8_percent_encode(key_id, QUERY),
        URL_SAFE_NO_PAD.encode(sig.to_bytes())
    )
}

/// The public half of `key` as published.
pub fn public_key(key_id: &str, key: &SigningKey) -> GuildKey {
    GuildKey { key_id: key_id.to_owned(), algorithm: "Ed25519".into(), public_key: URL_SAFE_NO_PAD.encode(key.verifying_key().to_bytes()) }
}

/// Reads a scanned text as a guild code, or `None` when it is something else.
pub fn parse(text: &str) -> Option<GuildPayload> {
    let t = text.trim();
    if let Some(id) = normalize_guild_id(t) {
        return Some(GuildPayload { guild_id: id, name: None, key_id: None, signature: None, form: PayloadForm::BareId });
    }
    let rest = t.strip_prefix("https://").or_else(|| t.strip_prefix("http://")).or_else(|| t.strip_prefix("HTTPS://"))?;
    let slash = rest.find('/')?;
    let (host, path_query) = rest.split_at(slash);
    if host.is_empty() || host.contains(char::is_whitespace) {
        return None;
    }
    let (path, query) = match path_query.split_once('?') {
        Some((p, q)) => (p, q.split('#').next().unwrap_or("")),
        None => (path_query.split('#').next().unwrap_or(""), ""),
    };
    let id_part = path.strip_prefix("/g/")?.trim_end_matches('/');
    let guild_id = normalize_guild_id(&percent_decode_str(id_part).decode_utf8().ok()?)?;
    let (mut name, mut key_id, mut signature) = (None, None, None);
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let v = percent_decode_str(&v.replace('+', " ")).decode_utf8().ok()?.into_owned();
        match k {
            "n" => name = Some(v),
            "k" => key_id = Some(v),
            "s" => signature = Some(v),
            _ => {}
        }
    }
    let form = if signature.is_some() && key_id.is_some() { PayloadForm::SignedUrl } else { PayloadForm::Url };
    Some(GuildPayload { guild_id, name, key_id, signature, form })
}

/// Checks a payload against the known keys: `Ok(key_id)` when verified.
pub fn verify(p: &GuildPayload, keys: &[GuildKey]) -> Result<String, Unverified> {
    let (Some(key_id), Some(sig)) = (&p.key_id, &p.signature) else { return Err(Unverified::Unsigned) };
    let key = keys.iter().find(|k| &k.key_id == key_id && k.algorithm == "Ed25519").ok_or(Unverified::UnknownKey)?;
    let public: [u8; 32] = URL_SAFE_NO_PAD.decode(&key.public_key).ok().and_then(|b| b.try_into().ok()).ok_or(Unverified::UnknownKey)?;
    let verifying = VerifyingKey::from_bytes(&public).map_err(|_| Unverified::UnknownKey)?;
    let sig: [u8; 64] = URL_SAFE_NO_PAD.decode(sig).ok().and_then(|b| b.try_into().ok()).ok_or(Unverified::BadSignature)?;
    let message = signed_message(&p.guild_id, p.name.as_deref().unwrap_or(""));
    verifying.verify(&message, &Signature::from_bytes(&sig)).map(|_| key_id.clone()).map_err(|_| Unverified::BadSignature)
}

/// A signing key from its 32-byte seed in base64url (what `--signing-key` takes).
pub fn signing_key_from_seed(seed_b64: &str) -> Option<SigningKey> {
    let seed: [u8; 32] = URL_SAFE_NO_PAD.decode(seed_b64.trim()).ok()?.try_into().ok()?;
    Some(SigningKey::from_bytes(&seed))
}

/// A fresh random signing key and its seed in base64url.
pub fn generate_signing_key() -> (SigningKey, String) {
    use rand::RngCore;
    let mut seed = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut seed);
    (SigningKey::from_bytes(&seed), URL_SAFE_NO_PAD.encode(seed))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> (SigningKey, GuildKey) {
        let k = signing_key_from_seed(&URL_SAFE_NO_PAD.encode([7u8; 32])).unwrap();
        let p = public_key("m2026", &k);
        (k, p)
    }

    #[test]
    fn a_signed_sticker_verifies_and_round_trips_the_name() {
        let (k, p) = key();
        let url = sticker_url("https://www.124.ir", "10010010011", "سوپرمارکت  نمونه علي", "m2026", &k);
        assert!(url.starts_with("https://www.124.ir/g/10010010011?n="));
        let parsed = parse(&url).unwrap();
        assert_eq!(parsed.form, PayloadForm::SignedUrl);
        assert_eq!(parsed.guild_id, "10010010011");
        assert_eq!(parsed.name.as_deref(), Some("سوپرمارکت نمونه علی"));
        assert_eq!(verify(&parsed, &[p]), Ok("m2026".to_owned()));
    }

    #[test]
    fn altered_or_foreign_stickers_are_unverified() {
        let (k, p) = key();
        let url = sticker_url("https://www.124.ir", "10010010011", "نمونه", "m2026", &k);
        let other_id = url.replace("10010010011", "10010010012");
        assert_eq!(verify(&parse(&other_id).unwrap(), std::slice::from_ref(&p)), Err(Unverified::BadSignature));
        let mut other_name = parse(&url).unwrap();
        other_name.name = Some("نمونهٔ".into());
        assert_eq!(verify(&other_name, std::slice::from_ref(&p)), Err(Unverified::BadSignature));
        let (stranger, _) = generate_signing_key();
        let forged = sticker_url("https://www.124.ir", "10010010011", "نمونه", "m2026", &stranger);
        assert_eq!(verify(&parse(&forged).unwrap(), std::slice::from_ref(&p)), Err(Unverified::BadSignature));
        let unknown = sticker_url("https://www.124.ir", "10010010011", "نمونه", "other", &k);
        assert_eq!(verify(&parse(&unknown).unwrap(), std::slice::from_ref(&p)), Err(Unverified::UnknownKey));
        let garbage_sig = format!("{}&s=!!!", url.split("&s=").next().unwrap());
        assert_eq!(verify(&parse(&garbage_sig).unwrap(), &[p]), Err(Unverified::BadSignature));
    }

    #[test]
    fn unsigned_urls_and_bare_ids_are_guild_codes_other_text_is_not() {
        let plain = parse("https://www.124.ir/g/۱۰۰۱۰۰۱۰۰۱۱").unwrap();
        assert_eq!((plain.guild_id.as_str(), plain.form), ("10010010011", PayloadForm::Url));
        assert_eq!(verify(&plain, &[]), Err(Unverified::Unsigned));
        let bare = parse(" ۱۰۰-۱۰۰-۱۰۰۱۱ ").unwrap();
        assert_eq!((bare.guild_id.as_str(), bare.form), ("10010010011", PayloadForm::BareId));
        for other in ["", "hello", "https://example.com/", "https://www.124.ir/x/123", "https://www.124.ir/g/abc", "WIFI:S:x;;", "123456789012345678901"] {
            assert!(parse(other).is_none(), "{other:?}");
        }
    }

    #[test]
    fn the_parser_never_panics_on_arbitrary_text() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(3);
        let alphabet: Vec<char> = "https:/g?&=%nks0123456789۰۱۲abcد+#\u{200c} ".chars().collect();
        for _ in 0..20_000 {
            let len = rng.gen_range(0..60);
            let s: String = (0..len).map(|_| alphabet[rng.gen_range(0..alphabet.len())]).collect();
            if let Some(p) = parse(&s) {
                assert!(p.guild_id.chars().all(|c| c.is_ascii_digit()));
                let _ = verify(&p, &[]);
            }
        }
    }
}
