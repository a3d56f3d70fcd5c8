//! E-mail to the 124 mailbox (issue 17): what a message says ([`read`], a pure function over
//! its bytes) and what it does ([`decide`]), through the same pipeline as a text message —
//! stored once per message id, claimed, handled, finished with its reply SMS in one
//! transaction (see the [module above](super)).
//!
//! A message becomes a complaint (channel `email`) when its text names a mobile number (the
//! complainant's phone, which gets the tracking code by SMS) and words the classifier trusts;
//! its images become the complaint's photos through the one photo path
//! ([`actions::normalize_upload`]). A reply in a complaint's thread (`In-Reply-To` /
//! `References` naming a message that filed or was added to it, or the tracking code in the
//! subject) becomes a note for staff. Everything else waits in the operators' triage list
//! with its reason (`no_phone`, `no_text`, `unreadable`, `too_large`, `too_long`,
//! `unclassified`), never dropped.

use mail_parser::{MessageParser, MimeHeaders};
use samat_core::model::api::{EventKind, NewComplaint, MAX_PHOTOS_PER_COMPLAINT};
use samat_core::model::inbound::{classify, find_phone, unreadable};
use samat_core::model::text::{ascii_digits, normalize_text, MAX_DESCRIPTION_CHARS};
use samat_core::model::{Actor, Channel, TrackingCode};
use time::OffsetDateTime;
use uuid::Uuid;

use super::{message_uuid, outcome, reply_to};
use crate::actions::{self, Who};
use crate::error::ApiResult;
use crate::limits::Limit;
use crate::notice;
use crate::state::AppState;
use crate::store::{ChangeRecord, InboundOutcome, InboundRecord, InboundStatus, NewInbound, NewSms};

/// The largest message read whole, in bytes; a larger one is kept by its header alone and
/// waits in triage (`too_large`) for an operator to open it in the mailbox.
pub const MAX_MAIL_BYTES: usize = 25 * 1024 * 1024;

/// One message read from the mailbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboundMail {
    /// The id used when the message has no `Message-ID`: the mailbox's UIDVALIDITY and the
    /// message's UID (`imap:HOST/MAILBOX:UIDVALIDITY:UID`).
    pub fallback_id: String,
    /// The mailbox it was read from.
    pub mailbox: String,
    /// The message's bytes, or its header alone when `truncated`.
    pub raw: Vec<u8>,
    /// Whether the message was larger than [`MAX_MAIL_BYTES`] (only its header was read).
    pub truncated: bool,
    /// When the mailbox received it.
    pub received_at: OffsetDateTime,
}

/// What a message says, as far as the 124 line cares.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Mail {
    /// Its `Message-ID`, without angle brackets.
    pub message_id: Option<String>,
    /// The sender's address, lower-cased (empty when it has none).
    pub from: String,
    pub subject: Option<String>,
    /// The text: the plain part, or the HTML part reduced to text.
    pub text: String,
    /// The messages it replies to (`In-Reply-To`, then `References` from the nearest), without
    /// angle brackets.
    pub thread: Vec<String>,
    /// The bytes of its image attachments (inline or attached), in order.
    pub images: Vec<Vec<u8>>,
}

/// Reads a message's bytes; `None` when they are not a message at all.
pub fn read(raw: &[u8]) -> Option<Mail> {
    let message = MessageParser::default().parse(raw)?;
    let from = message.from().and_then(|a| a.first()).and_then(|a| a.address()).map(|a| a.trim().to_lowercase()).unwrap_or_default();
    let mut thread: Vec<String> = Vec::new();
    for header in [message.in_reply_to(), message.references()] {
        // `References` lists the thread oldest first: the nearest message is its last.
        for id in header.as_text_list().unwrap_or_default().iter().rev() {
            let id = id.trim().trim_matches(['<', '>']).to_owned();
            if !id.is_empty() && !thread.contains(&id) {
                thread.push(id);
            }
        }
    }
    let images = message
        .attachments()
        .filter(|part| part.content_type().is_some_and(|c| c.ctype().eq_ignore_ascii_case("image")))
        .map(|part| part.contents().to_vec())
        .filter(|bytes| !bytes.is_empty())
        .collect();
    Some(Mail {
        message_id: message.message_id().map(|id| id.trim().trim_matches(['<', '>']).to_owned()).filter(|id| !id.is_empty()),
        from,
        subject: message.subject().map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()),
        text: message.body_text(0).map(|t| t.trim().to_owned()).unwrap_or_default(),
        thread,
        images,
    })
}

/// The stored id of the message with `Message-ID` `id`.
pub fn stored_id(id: &str) -> String {
    format!("email:{id}")
}

/// What is stored of a message read from the mailbox: its id (the `Message-ID`, else the
/// UIDVALIDITY and UID), sender, subject, text and bytes (not those of a message too large
/// to read whole).
pub fn to_inbound(mail: InboundMail) -> NewInbound {
    let parsed = read(&mail.raw).unwrap_or_default();
    let message_id = parsed.message_id.as_deref().map(stored_id).unwrap_or(mail.fallback_id);
    // PostgreSQL's text holds no NUL.
    let storable = |s: String| if s.contains('\0') { s.replace('\0', "\u{FFFD}") } else { s };
    NewInbound {
        message_id: storable(message_id),
        sender: storable(parsed.from),
        line: storable(mail.mailbox),
        text: if mail.truncated { String::new() } else { storable(parsed.text) },
        received_at: mail.received_at,
        channel: Channel::Email,
        subject: parsed.subject.map(storable),
        raw: (!mail.truncated).then_some(mail.raw),
    }
}

/// What an e-mail does, and the SMS to queue with its outcome.
pub(super) async fn decide(state: &AppState, record: &InboundRecord) -> ApiResult<(InboundOutcome, Option<NewSms>)> {
    let triage = |reason: &str| Ok((outcome(InboundStatus::Triage, reason, None), None));
    let Some(raw) = state.store.inbound_raw(record.id).await? else {
        // Too large to read whole: an operator opens it in the mailbox.
        return triage("too_large");
    };
    let Some(mail) = read(&raw) else { return triage("unreadable") };
    if let Some(code) = thread_of(state, &mail).await? {
        return note(state, record, &mail, code).await;
    }
    let text = normalize_text(&mail.text);
    if unreadable(&mail.text) {
        return triage("unreadable");
    }
    if !text.chars().any(char::is_alphanumeric) {
        return triage("no_text");
    }
    if text.chars().count() > MAX_DESCRIPTION_CHARS {
        return triage("too_long");
    }
    let Some(phone) = find_phone(&text).or_else(|| mail.subject.as_deref().and_then(find_phone)) else {
        return triage("no_phone");
    };
    if state.limits.check(Limit::InboundSender, phone.as_str()).await?.is_err() {
        tracing::warn!(from = %phone.masked(), "inbound e-mail over the sender's limit: kept, not answered");
        return Ok((outcome(InboundStatus::Limited, "rate_limited", None), None));
    }
    let class = classify(&format!("{} {text}", mail.subject.as_deref().unwrap_or_default()));
    if !class.trusted {
        return Ok((outcome(InboundStatus::Triage, "unclassified", None), reply_to(&phone, notice::inbound_triage())));
    }
    let body = NewComplaint {
        client_id: Some(message_uuid(&record.message_id).to_string()),
        category: Some(class.category.wire_name().to_owned()),
        description: Some(text),
        wants_compensation: Some(class.wants_compensation),
        ..NewComplaint::default()
    };
    match actions::file_complaint(state, phone.clone(), Channel::Email, &body, false, Who::Citizen).await {
        Ok((filed, _)) => {
            attach_photos(state, record, &mail, filed.tracking_code).await?;
            Ok((outcome(InboundStatus::Filed, class.category.wire_name(), Some(filed.tracking_code)), None))
        }
        Err(e) if e.code == "complaint_quota" => Ok((
            outcome(InboundStatus::Answered, "complaint_quota", None),
            reply_to(&phone, notice::inbound_quota(state.settings.quotas.complaints_per_citizen_per_day)),
        )),
        Err(e) if e.status == axum::http::StatusCode::UNPROCESSABLE_ENTITY => Ok((outcome(InboundStatus::Triage, e.code, None), None)),
        Err(e) => Err(e),
    }
}

/// The complaint whose thread `mail` replies to: a message of ours it names, else a tracking
/// code in its subject of a complaint that this same address filed by e-mail (anyone can type
/// a code; a stranger's mail naming one is a message of its own, not a note on that complaint).
async fn thread_of(state: &AppState, mail: &Mail) -> ApiResult<Option<TrackingCode>> {
    if !mail.thread.is_empty() {
        if let Some(code) = state.store.inbound_thread(mail.thread.iter().map(|id| stored_id(id)).collect()).await? {
            return Ok(Some(code));
        }
    }
    let subject = ascii_digits(mail.subject.as_deref().unwrap_or_default());
    for word in subject.split(|c: char| !c.is_ascii_digit()).filter(|w| w.len() == 10) {
        if let Ok(code) = TrackingCode::parse(word) {
            let origin = state.store.inbound_of_complaint(code).await?;
            if origin.is_some_and(|o| o.channel == Channel::Email && o.sender.eq_ignore_ascii_case(&mail.from)) {
                return Ok(Some(code));
            }
        }
    }
    Ok(None)
}

/// Adds a reply in a complaint's thread as a note for staff (once: keyed by the message id),
/// with its images as the complaint's photos.
async fn note(state: &AppState, record: &InboundRecord, mail: &Mail, code: TrackingCode) -> ApiResult<(InboundOutcome, Option<NewSms>)> {
    let key = message_uuid(&record.message_id);
    if state.store.event_by_action(key).await?.is_none() {
        let Some(complaint) = state.store.complaint(code).await? else {
            return Ok((outcome(InboundStatus::Triage, "thread_gone", None), None));
        };
        // The quoted message below a reply is ours already.
        let reply: Vec<&str> = mail.text.lines().filter(|l| !l.trim_start().starts_with('>')).collect();
        let mut text = normalize_text(&reply.join("\n"));
        if text.chars().count() > MAX_DESCRIPTION_CHARS {
            text = text.chars().take(MAX_DESCRIPTION_CHARS).collect::<String>() + "…";
        }
        let from = if mail.from.is_empty() { "?" } else { mail.from.as_str() };
        let change = ChangeRecord {
            tracking_code: code,
            expected_stage: complaint.stage,
            to: complaint.stage,
            kind: EventKind::Note,
            actor: Actor::Citizen,
            actor_staff_id: None,
            note: None,
            internal_note: Some(format!("پاسخ ایمیلی از {from}:\n{text}")),
            details: None,
            visible: false,
            sms: None,
            push: false,
            action_id: Some(key),
            holder_after: complaint.assigned_to,
            due_at: None,
            at: OffsetDateTime::now_utc(),
        };
        state.store.record_change(change).await?;
        state.hub.publish_staff();
    }
    attach_photos(state, record, mail, code).await?;
    Ok((outcome(InboundStatus::Answered, "thread_note", Some(code)), None))
}

/// Attaches the message's images to complaint `code`, each under an id derived from the
/// message (attaching again after a crash finds them there). An image the photo path refuses
/// (not an image, too large, over the complaint's limit) is left out with a log line: the
/// complaint stands, and the original stays in the mailbox.
pub(super) async fn attach_photos(state: &AppState, record: &InboundRecord, mail: &Mail, code: TrackingCode) -> ApiResult<()> {
    if mail.images.is_empty() {
        return Ok(());
    }
    let Some(complaint) = state.store.complaint(code).await? else { return Ok(()) };
    let base = message_uuid(&record.message_id);
    for (index, image) in mail.images.iter().take(MAX_PHOTOS_PER_COMPLAINT).enumerate() {
        let photo_id = Uuid::new_v5(&base, &(index as u64).to_be_bytes());
        let attached = match actions::normalize_upload(state, image.clone()).await {
            Ok(upload) => actions::attach_photo(state, &complaint, photo_id, upload).await.map(|_| ()),
            Err(e) => Err(e),
        };
        if let Err(e) = attached {
            if e.status.is_server_error() {
                return Err(e);
            }
            tracing::warn!(id = record.id, code = e.code, "an image of an inbound e-mail was not kept as a photo");
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const PLAIN: &str = "Message-ID: <a1@example.com>\r\nFrom: Ali <Ali@Example.com>\r\nTo: 124@samat.ir\r\nSubject: =?UTF-8?B?2LTaqdin24zYqg==?=\r\n\
        Content-Type: text/plain; charset=utf-8\r\n\r\nفروشنده فاکتور نداد. شماره من ۰۹۱۲۱۲۳۴۵۶۷\r\n";

    #[test]
    fn a_plain_message_gives_its_id_sender_subject_and_text() {
        let mail = read(PLAIN.as_bytes()).unwrap();
        assert_eq!(mail.message_id.as_deref(), Some("a1@example.com"));
        assert_eq!(mail.from, "ali@example.com");
        assert_eq!(mail.subject.as_deref(), Some("شکایت"));
        assert_eq!(mail.text, "فروشنده فاکتور نداد. شماره من ۰۹۱۲۱۲۳۴۵۶۷");
        assert!(mail.thread.is_empty() && mail.images.is_empty());
    }

    #[test]
    fn html_is_reduced_to_text_and_a_thread_is_read_nearest_first() {
        let raw = "Message-ID: <b2@example.com>\r\nFrom: x@example.com\r\nIn-Reply-To: <c3@samat>\r\nReferences: <a1@samat> <c3@samat>\r\n\
            Content-Type: text/html; charset=utf-8\r\n\r\n<html><body><p>قیمت <b>گران</b></p><script>x()</script></body></html>\r\n";
        let mail = read(raw.as_bytes()).unwrap();
        assert!(mail.text.contains("قیمت") && mail.text.contains("گران") && !mail.text.contains('<'), "{}", mail.text);
        assert_eq!(mail.thread, ["c3@samat", "a1@samat"]);
    }

    #[test]
    fn a_legacy_charset_is_decoded() {
        // «سلام» in windows-1256.
        let mut raw = b"From: x@example.com\r\nContent-Type: text/plain; charset=windows-1256\r\n\r\n".to_vec();
        raw.extend([0xD3, 0xE1, 0xC7, 0xE3]);
        assert_eq!(read(&raw).unwrap().text, "سلام");
    }

    #[test]
    fn a_message_without_an_id_is_known_by_its_uid_and_one_too_large_keeps_no_bytes() {
        let raw = b"From: x@example.com\r\nSubject: hi\r\n\r\nbody".to_vec();
        let mail = |truncated| InboundMail {
            fallback_id: "imap:h/INBOX:7:42".into(),
            mailbox: "INBOX".into(),
            raw: raw.clone(),
            truncated,
            received_at: OffsetDateTime::UNIX_EPOCH,
        };
        let whole = to_inbound(mail(false));
        assert_eq!((whole.message_id.as_str(), whole.channel, whole.text.as_str()), ("imap:h/INBOX:7:42", Channel::Email, "body"));
        assert!(whole.raw.is_some());
        let cut = to_inbound(mail(true));
        assert_eq!((cut.raw, cut.text.as_str(), cut.subject.as_deref()), (None, "", Some("hi")));
        assert_eq!(to_inbound(InboundMail { raw: PLAIN.as_bytes().to_vec(), ..mail(false) }).message_id, "email:a1@example.com");
    }
}
