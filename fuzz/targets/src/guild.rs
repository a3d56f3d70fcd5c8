//! The guild sticker payload: [`guild::parse`] of whatever a QR code held, [`guild::verify`]
//! of its signature, and the round trip of [`guild::sticker_url`].

use std::sync::OnceLock;

use ed25519_dalek::SigningKey;
use samat_core::model::guild::{self, GuildKey, GuildPayload, PayloadForm, Unverified, MAX_GUILD_ID_DIGITS};
use samat_core::model::text::normalize_text;

/// The key id the fuzz key signs as.
pub const KEY_ID: &str = "fuzz-2026";
/// The seed of the fuzz signing key (a test key: never a ministry key).
pub const KEY_SEED: [u8; 32] = [0x5a; 32];

/// The fuzz signing key and its published half.
pub fn key() -> &'static (SigningKey, GuildKey) {
    static KEY: OnceLock<(SigningKey, GuildKey)> = OnceLock::new();
    KEY.get_or_init(|| {
        let signing = SigningKey::from_bytes(&KEY_SEED);
        let public = guild::public_key(KEY_ID, &signing);
        (signing, public)
    })
}

/// The first byte chooses: a multiple of 4 signs a sticker for an ID and name made of the
/// other bytes and reads it back; anything else parses the other bytes as scanned text.
pub fn guild(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else { return };
    let Some(text) = crate::text_of(rest, crate::MAX_TEXT_BYTES) else { return };
    if mode % 4 == 0 {
        sticker_round_trip(rest, &text);
    } else if let Some(payload) = guild::parse(&text) {
        parsed(&text, &payload);
    }
}

/// What any accepted text gives: a business ID of 1 to 20 ASCII digits, a form that matches
/// the fields present, and a verification that succeeds only for the key that really signed.
fn parsed(text: &str, p: &GuildPayload) {
    assert!(!p.guild_id.is_empty() && p.guild_id.len() <= MAX_GUILD_ID_DIGITS && p.guild_id.bytes().all(|b| b.is_ascii_digit()), "{p:?} from {text:?}");
    match p.form {
        PayloadForm::BareId => assert!(p.name.is_none() && p.key_id.is_none() && p.signature.is_none(), "{p:?}"),
        PayloadForm::SignedUrl => assert!(p.key_id.is_some() && p.signature.is_some(), "{p:?}"),
        PayloadForm::Url => assert!(p.key_id.is_none() || p.signature.is_none(), "{p:?}"),
    }
    let (signing, public) = key();
    let unsigned = p.key_id.is_none() || p.signature.is_none();
    match guild::verify(p, std::slice::from_ref(public)) {
        Ok(id) => {
            assert_eq!(id, KEY_ID);
            assert_eq!(p.form, PayloadForm::SignedUrl);
            // A verified payload says what the key signed: signing it again verifies too.
            let again = guild::sticker_url("https://www.124.ir", &p.guild_id, p.name.as_deref().unwrap_or(""), KEY_ID, signing);
            assert_eq!(guild::parse(&again).map(|q| guild::verify(&q, std::slice::from_ref(public))), Some(Ok(KEY_ID.to_owned())));
        }
        Err(Unverified::Unsigned) => assert!(unsigned, "{p:?}"),
        Err(Unverified::UnknownKey | Unverified::BadSignature) => assert!(!unsigned, "{p:?}"),
    }
    assert!(guild::verify(p, &[]).is_err(), "verified without any key: {p:?}");
}

/// A sticker signed for any ID and name parses back to that ID and the normalised name,
/// verifies, and stops verifying when its name is changed.
fn sticker_round_trip(raw: &[u8], text: &str) {
    let id: String = raw.iter().take(MAX_GUILD_ID_DIGITS).map(|b| char::from(b'0' + b % 10)).collect();
    let id = if id.is_empty() { "0".to_owned() } else { id };
    let (signing, public) = key();
    let url = guild::sticker_url("https://www.124.ir/", &id, text, KEY_ID, signing);
    let p = guild::parse(&url).unwrap_or_else(|| panic!("a sticker URL is not read: {url:?}"));
    assert_eq!(p.form, PayloadForm::SignedUrl);
    assert_eq!(p.guild_id, id);
    assert_eq!(p.name.as_deref(), Some(normalize_text(text).as_str()), "{url}");
    assert_eq!(guild::verify(&p, std::slice::from_ref(public)), Ok(KEY_ID.to_owned()), "{url}");
    let mut altered = p.clone();
    altered.name = Some(format!("{}x", p.name.as_deref().unwrap_or("")));
    assert_eq!(guild::verify(&altered, std::slice::from_ref(public)), Err(Unverified::BadSignature));
    parsed(&url, &p);
}
