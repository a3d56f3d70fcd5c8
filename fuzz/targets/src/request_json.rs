//! Request bodies as the API reads them (`ApiJson<T>`: serde_json into the shared wire
//! types), followed by the checks the handlers run on them.

use samat_core::model::api::{
    check_rating, note_field, parse_action_id, AssignRequest, DecisionRequest, FeedbackRequest, FieldError, NewComplaint, NoteRequest, OtpRequest,
    ProvinceRequest, PushTarget, StaffIntakeRequest, StaffLoginRequest, TransitionRequest, VerdictDetails, VerifyRequest, WithdrawRequest,
};
use samat_core::model::text::digits_only;
use samat_core::model::{Channel, PhoneNumber, Province, Stage};
use samat_server::push::{apns, ssrf, webpush};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::fmt::Debug;
use std::net::IpAddr;
use time::macros::{date, format_description};
use time::Date;

/// The day validation judges "in the future" against: fixed, so a replayed corpus file
/// always meets the same rules.
const TODAY: Date = date!(2026 - 12 - 01);

/// Largest body looked at (the server's limits are of this order).
const MAX_BODY_BYTES: usize = 64 * 1024;

/// Reads the bytes as the body of every JSON endpoint. Each type either reads it or refuses
/// it without panicking; what it reads survives a JSON round trip and then passes the
/// handler's checks without panicking and with the same answer every time.
pub fn request_json(data: &[u8]) {
    if data.len() > MAX_BODY_BYTES {
        return;
    }
    if let Some(c) = read::<NewComplaint>(data) {
        new_complaint(&c);
    }
    if let Some(r) = read::<StaffIntakeRequest>(data) {
        let _ = PhoneNumber::parse(&r.phone);
        let _ = Channel::from_wire(r.channel.trim());
        new_complaint(&r.complaint);
    }
    if let Ok(r) = serde_json::from_slice::<TransitionRequest>(data) {
        let _ = Stage::from_wire(r.to.trim());
        notes(&[r.note.as_deref(), r.internal_note.as_deref()]);
        if let Some(details) = r.details {
            if let Ok(verdict) = serde_json::from_value::<VerdictDetails>(details) {
                assert_eq!(verdict.validate(), verdict.validate());
            }
        }
    }
    if let Some(r) = read::<NoteRequest>(data) {
        notes(&[Some(&r.note)]);
    }
    let _ = read::<AssignRequest>(data);
    if let Some(r) = read::<ProvinceRequest>(data) {
        if let Some(p) = Province::from_text(&r.province) {
            assert_eq!(Province::from_text(p.wire_name()), Some(p));
        }
    }
    if let Some(r) = read::<DecisionRequest>(data) {
        notes(&[r.note.as_deref()]);
        action_id(r.action_id.as_deref());
    }
    if let Some(r) = read::<WithdrawRequest>(data) {
        notes(&[r.note.as_deref()]);
        action_id(r.action_id.as_deref());
    }
    if let Some(r) = read::<FeedbackRequest>(data) {
        assert_eq!(check_rating(r.rating).is_ok(), (1..=5).contains(&r.rating));
        notes(&[r.comment.as_deref()]);
        action_id(r.action_id.as_deref());
    }
    if let Some(r) = read::<OtpRequest>(data) {
        let _ = PhoneNumber::parse(&r.phone);
    }
    if let Some(r) = read::<VerifyRequest>(data) {
        let _ = PhoneNumber::parse(&r.phone);
        let _ = digits_only(&r.code).filter(|c| c.len() == 6);
    }
    let _ = read::<StaffLoginRequest>(data);
    if let Some(t) = read::<PushTarget>(data) {
        push_target(&t);
    }
}

/// The body as a `T`, checked to survive serialising and reading back unchanged.
fn read<T: DeserializeOwned + Serialize + PartialEq + Debug>(data: &[u8]) -> Option<T> {
    let value: T = serde_json::from_slice(data).ok()?;
    let json = serde_json::to_vec(&value).expect("a request serialises");
    let again: T = serde_json::from_slice(&json).unwrap_or_else(|e| panic!("{value:?} does not read back from {}: {e}", String::from_utf8_lossy(&json)));
    assert_eq!(again, value);
    Some(value)
}

/// Validation is a function of the body: the same answer twice, field errors that name a
/// field and a code, and a valid complaint that is a fixed point (sending back what it was
/// normalised to is valid and normalises to the same).
fn new_complaint(c: &NewComplaint) {
    let first = c.validate(TODAY);
    assert_eq!(first, c.validate(TODAY), "validation is not deterministic for {c:?}");
    match first {
        Err(errors) => {
            assert!(!errors.is_empty(), "refused without a reason: {c:?}");
            assert!(errors.iter().all(|e| !e.field.is_empty() && !e.code.is_empty()), "{errors:?}");
        }
        Ok(fields) => {
            let resent = NewComplaint {
                client_id: c.client_id.clone(),
                category: Some(fields.category.wire_name().to_owned()),
                description: Some(fields.description.clone()),
                guild_id: fields.guild_id.clone(),
                business_name: fields.business_name.clone(),
                business_address: fields.business_address.clone(),
                province: fields.province.map(|p| p.wire_name().to_owned()),
                city: fields.city.clone(),
                incident_date: fields.incident_date.map(|d| d.format(format_description!("[year]-[month]-[day]")).expect("a date formats")),
                amount_rials: fields.amount_rials,
                wants_compensation: Some(fields.wants_compensation),
            };
            assert_eq!(resent.validate(TODAY).as_ref(), Ok(&fields), "the normalised complaint {resent:?} validates differently");
        }
    }
    let id = c.parse_client_id();
    assert_eq!(id, c.parse_client_id());
}

/// Notes are normalised or refused as too long; a kept note is within the limit.
fn notes(values: &[Option<&str>]) {
    for value in values {
        match note_field("note", *value) {
            Ok(Some(n)) => assert!(!n.is_empty() && n.chars().count() <= samat_core::model::text::MAX_NOTE_CHARS),
            Ok(None) => {}
            Err(FieldError { code, .. }) => assert_eq!(code, "too_long"),
        }
    }
}

fn action_id(raw: Option<&str>) {
    assert_eq!(parse_action_id(raw), parse_action_id(raw));
}

/// The registration checks that need no network: an endpoint the offline SSRF check accepts
/// is https without user info and, if its host is an IP literal, not a loopback, private,
/// link-local or unspecified address, in either family or IPv4 mapped into IPv6.
fn push_target(t: &PushTarget) {
    match t {
        PushTarget::UnifiedPush { endpoint, keys } => {
            if let Ok(url) = ssrf::check_endpoint_offline(endpoint, false) {
                assert_eq!(url.scheme(), "https", "{endpoint:?}");
                assert!(url.username().is_empty() && url.password().is_none(), "{endpoint:?}");
                let host = url.host_str().unwrap_or_default().trim_start_matches('[').trim_end_matches(']');
                if let Ok(ip) = host.parse::<IpAddr>() {
                    assert!(!obviously_internal(ip), "{endpoint:?} reaches {ip}");
                }
            }
            if let Ok(key) = webpush::parse_p256dh(&keys.p256dh) {
                assert!(key.len() == 65 && key[0] == 4);
            }
            if let Ok(auth) = webpush::parse_auth(&keys.auth) {
                assert_eq!(auth.len(), 16);
            }
        }
        // The FCM token is checked inline by the handler; the JSON round trip covers it here.
        PushTarget::Fcm { .. } => {}
        PushTarget::Apns { token } => {
            let token = token.trim().to_ascii_lowercase();
            if apns::valid_device_token(&token) {
                assert!(token.len() >= 64 && token.bytes().all(|b| b.is_ascii_hexdigit()));
            }
        }
    }
}

/// The addresses no push may ever reach, judged independently of `ssrf::address_allowed`.
fn obviously_internal(ip: IpAddr) -> bool {
    let ip = match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(IpAddr::V6(v6)),
        v4 => v4,
    };
    match ip {
        IpAddr::V4(v4) => v4.is_loopback() || v4.is_private() || v4.is_link_local() || v4.is_unspecified() || v4.octets()[0] == 0,
        IpAddr::V6(v6) => v6.is_loopback() || v6.is_unspecified() || (v6.segments()[0] & 0xfe00) == 0xfc00 || (v6.segments()[0] & 0xffc0) == 0xfe80,
    }
}
