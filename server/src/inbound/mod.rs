//! Text messages and e-mail to the 124 line (issue 17): a citizen with any phone files a
//! complaint by SMS, asks for its stage, answers the business in self-regulation and
//! withdraws, all by text. Messages come from Kavenegar's inbox ([`kavenegar`], polled), its
//! push webhook (`POST /v1/inbound/sms`) or `samat-server inbound sms` (development); e-mails
//! from an IMAP mailbox ([`imap`], polled), read and decided in [`email`].
//!
//! Each message is handled once by its gateway message id, whichever replica gets it and
//! however often: the store keeps the id under a UNIQUE key and hands the message to one
//! handler at a time ([`InboundStore`](crate::store::InboundStore)). What a message does goes
//! through the same actions as every channel, keyed by ids derived from the message id (the
//! complaint's `client_id`, a decision's `action_id`), so doing it again after a crash finds
//! the first result; the reply is queued in the transaction that marks the message handled.
//! What the core's parser and classifier cannot settle waits in the operators' triage list.

pub mod email;
pub mod imap;
pub mod kavenegar;
pub mod options;

use axum::http::StatusCode;
use samat_core::model::api::{NewComplaint, SubmitResponse};
use samat_core::model::inbound::{classify, parse, InboundCommand};
use samat_core::model::workflow;
use samat_core::model::{Channel, PhoneNumber, Stage, TrackingCode};
use time::OffsetDateTime;
use uuid::Uuid;

pub use self::options::Secret;
use crate::actions::{self, StaffWho, Who};
use crate::error::{ApiError, ApiResult};
use crate::limits::Limit;
use crate::notice;
use crate::state::AppState;
use crate::store::{ComplaintRecord, InboundClaim, InboundOutcome, InboundRecord, InboundStatus, NewInbound, NewSms, SmsKind, CLAIM_LEASE};

/// One text message to the 124 line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboundSms {
    /// The gateway's id, prefixed with the gateway (`kavenegar:123`).
    pub message_id: String,
    /// The sender's number.
    pub from: String,
    /// The line it was sent to.
    pub to: String,
    pub text: String,
    /// When the gateway received it.
    pub received_at: OffsetDateTime,
}

/// What became of a message handed in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    /// Where it stands now.
    pub status: InboundStatus,
    /// Why, in a word (`track`, `unclassified`, …).
    pub reason: Option<String>,
    /// The complaint filed or acted on.
    pub tracking_code: Option<TrackingCode>,
    /// The reply queued now (`None` for a repeat, or when the workflow's own SMS answers).
    pub reply: Option<String>,
    /// Whether it had been handled before (a redelivery).
    pub repeat: bool,
}

/// The namespace of the UUIDs derived from message ids.
const MESSAGE_NAMESPACE: Uuid = Uuid::from_u128(0x6e1b_0124_5a3a_4d2e_9c8f_1b2a_3c4d_5e6f);

/// The id the complaint filed from message `message_id`, or the decision it carried, is
/// recorded under: the same message can only ever file one complaint and move one once.
pub fn message_uuid(message_id: &str) -> Uuid {
    Uuid::new_v5(&MESSAGE_NAMESPACE, message_id.as_bytes())
}

/// Hands in one message: stores it (once per message id) and handles it unless it was
/// handled before or another process is handling it now.
pub async fn receive(state: &AppState, sms: InboundSms) -> ApiResult<Received> {
    // PostgreSQL's text holds no NUL: a binary message keeps a mark where each was (and
    // still reads as unreadable).
    let storable = |s: String| if s.contains('\0') { s.replace('\0', "\u{FFFD}") } else { s };
    let new = NewInbound {
        message_id: storable(sms.message_id),
        sender: storable(sms.from),
        line: storable(sms.to),
        text: storable(sms.text),
        received_at: sms.received_at,
        channel: Channel::Sms,
        subject: None,
        raw: None,
    };
    receive_new(state, new).await
}

/// Hands in one e-mail read from the mailbox, as [`receive`] does a text message: stored once
/// per `Message-ID` (else UIDVALIDITY and UID), handled by [`email::decide`].
pub async fn receive_email(state: &AppState, mail: email::InboundMail) -> ApiResult<Received> {
    receive_new(state, email::to_inbound(mail)).await
}

async fn receive_new(state: &AppState, new: NewInbound) -> ApiResult<Received> {
    let now = OffsetDateTime::now_utc();
    match state.store.claim_inbound(new, now, CLAIM_LEASE).await? {
        InboundClaim::Mine(record) => handle(state, &record).await,
        InboundClaim::Done(r) => Ok(Received { status: r.status, reason: r.reason, tracking_code: r.tracking_code, reply: None, repeat: true }),
        InboundClaim::Busy => Ok(Received { status: InboundStatus::Pending, reason: None, tracking_code: None, reply: None, repeat: true }),
    }
}

/// Handles the messages whose handler died before finishing (their claim lapsed); returns
/// how many. Runs beside the server so a message stored before a crash is still answered.
pub async fn handle_lapsed(state: &AppState) -> ApiResult<usize> {
    let lapsed = state.store.lapsed_inbound(OffsetDateTime::now_utc(), CLAIM_LEASE, 32).await?;
    for record in &lapsed {
        if let Err(e) = handle(state, record).await {
            tracing::warn!(id = record.id, code = e.code, "an inbound message could not be handled; it is tried again later");
        }
    }
    Ok(lapsed.len())
}

/// Every few seconds, until shutdown, handles what a dead handler left.
pub async fn sweep(state: AppState, shutdown: tokio::sync::watch::Receiver<bool>) {
    crate::periodic::every(std::time::Duration::from_secs(15), shutdown, || async {
        if let Err(e) = handle_lapsed(&state).await {
            tracing::warn!(code = e.code, "could not look for unfinished inbound messages");
        }
    })
    .await
}

/// Handles a message this process has claimed and records how it ended with its reply.
async fn handle(state: &AppState, record: &InboundRecord) -> ApiResult<Received> {
    let (outcome, reply) = match record.channel {
        Channel::Email => email::decide(state, record).await?,
        _ => decide(state, record).await?,
    };
    let text = reply.as_ref().map(|r| r.text.clone());
    let finished = state.store.finish_inbound(record.id, InboundStatus::Pending, outcome.clone(), reply, OffsetDateTime::now_utc()).await?;
    if finished {
        state.metrics.inbound_sms(outcome.status.as_str());
        state.outbox_wake.notify_one();
        if outcome.status == InboundStatus::Triage {
            state.hub.publish_staff();
        }
    }
    Ok(Received { status: outcome.status, reason: outcome.reason, tracking_code: outcome.tracking_code, reply: text.filter(|_| finished), repeat: !finished })
}

fn outcome(status: InboundStatus, reason: &str, code: Option<TrackingCode>) -> InboundOutcome {
    InboundOutcome { status, reason: Some(reason.to_owned()), tracking_code: code, handled_by: None, note: None }
}

fn reply_to(phone: &PhoneNumber, text: String) -> Option<NewSms> {
    Some(NewSms { to: phone.clone(), text, kind: SmsKind::Notice, token: None })
}

/// The complaint `code` if it belongs to `phone`; someone else's is as unknown as none.
async fn own(state: &AppState, phone: &PhoneNumber, code: TrackingCode) -> ApiResult<Option<ComplaintRecord>> {
    Ok(state.store.complaint(code).await?.filter(|c| &c.phone == phone))
}

/// What a text message does, and the reply to queue with its outcome.
async fn decide(state: &AppState, record: &InboundRecord) -> ApiResult<(InboundOutcome, Option<NewSms>)> {
    let Ok(phone) = PhoneNumber::parse(&record.sender) else {
        // Not a mobile number we can answer (a landline, an alphanumeric sender): an operator reads it.
        return Ok((outcome(InboundStatus::Triage, "no_phone", None), None));
    };
    if state.limits.check(Limit::InboundSender, phone.as_str()).await?.is_err() {
        tracing::warn!(from = %phone.masked(), "inbound SMS over the sender's limit: kept, not answered");
        return Ok((outcome(InboundStatus::Limited, "rate_limited", None), None));
    }
    let key = message_uuid(&record.message_id);
    let answered = |reason: &str, code: Option<TrackingCode>, text: String| Ok((outcome(InboundStatus::Answered, reason, code), reply_to(&phone, text)));
    match parse(&record.text) {
        InboundCommand::Track(code) => match own(state, &phone, code).await? {
            Some(c) => answered("track", Some(code), notice::inbound_stage(code, c.business_name.as_deref(), c.stage)),
            None => answered("not_found", None, notice::inbound_not_found()),
        },
        InboundCommand::Accept(code) => citizen_act(state, &phone, key, code, Act::Decide(true)).await,
        InboundCommand::Reject(code) => citizen_act(state, &phone, key, code, Act::Decide(false)).await,
        InboundCommand::Withdraw(code) => citizen_act(state, &phone, key, code, Act::Withdraw).await,
        InboundCommand::Complaint(text) => {
            let class = classify(&text);
            if !class.trusted {
                return Ok((outcome(InboundStatus::Triage, "unclassified", None), reply_to(&phone, notice::inbound_triage())));
            }
            let body = NewComplaint {
                client_id: Some(key.to_string()),
                category: Some(class.category.wire_name().to_owned()),
                description: Some(text),
                wants_compensation: Some(class.wants_compensation),
                ..NewComplaint::default()
            };
            match actions::file_complaint(state, phone.clone(), Channel::Sms, &body, false, Who::Citizen).await {
                // The tracking code's SMS was queued with the complaint, as for every channel.
                Ok((filed, _)) => Ok((outcome(InboundStatus::Filed, class.category.wire_name(), Some(filed.tracking_code)), None)),
                Err(e) if e.code == "complaint_quota" => {
                    answered("complaint_quota", None, notice::inbound_quota(state.settings.quotas.complaints_per_citizen_per_day))
                }
                Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => {
                    Ok((outcome(InboundStatus::Triage, e.code, None), reply_to(&phone, notice::inbound_triage())))
                }
                Err(e) => Err(e),
            }
        }
        InboundCommand::Help(reason) if reason.needs_operator() => {
            Ok((outcome(InboundStatus::Triage, reason.code(), None), reply_to(&phone, notice::inbound_help())))
        }
        InboundCommand::Help(reason) => answered(reason.code(), None, notice::inbound_help()),
    }
}

/// A citizen's action by SMS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Act {
    /// Accept (`true`) or reject the business's answer.
    Decide(bool),
    /// Withdraw the complaint.
    Withdraw,
}

/// Carries out `act` on the complaint `code` names, or, without a code, on the sender's one
/// complaint it can apply to (several: the reply lists their codes to choose from).
async fn citizen_act(state: &AppState, phone: &PhoneNumber, key: Uuid, code: Option<TrackingCode>, act: Act) -> ApiResult<(InboundOutcome, Option<NewSms>)> {
    let reason = match act {
        Act::Decide(true) => "accept",
        Act::Decide(false) => "reject",
        Act::Withdraw => "withdraw",
    };
    // Done before (the process died before recording it): the stage change's SMS was sent then.
    if let Some(done) = state.store.event_by_action(key).await? {
        return Ok((outcome(InboundStatus::Answered, reason, Some(done.tracking_code)), None));
    }
    let answered = |code: Option<TrackingCode>, text: String| Ok((outcome(InboundStatus::Answered, reason, code), reply_to(phone, text)));
    let complaint = match code {
        Some(code) => match own(state, phone, code).await? {
            Some(c) => c,
            None => return answered(None, notice::inbound_not_found()),
        },
        None => {
            let applies = |c: &ComplaintRecord| match act {
                Act::Decide(_) => c.stage == Stage::SelfRegulation,
                Act::Withdraw => workflow::movers(c.stage, Stage::Withdrawn).is_some(),
            };
            let mut candidates: Vec<ComplaintRecord> = state.store.complaints_of(phone).await?.into_iter().filter(applies).collect();
            match (candidates.len(), act) {
                (0, Act::Decide(_)) => return answered(None, notice::inbound_nothing_to_answer()),
                (0, Act::Withdraw) => return answered(None, notice::inbound_help()),
                // Withdrawing is not undone: it always names the complaint.
                (1, Act::Decide(_)) => candidates.remove(0),
                _ => {
                    let codes: Vec<TrackingCode> = candidates.iter().map(|c| c.tracking_code).collect();
                    let word = match act {
                        Act::Decide(true) => "۱",
                        Act::Decide(false) => "۲",
                        Act::Withdraw => "انصراف",
                    };
                    return answered(None, notice::inbound_which(&codes, word));
                }
            }
        }
    };
    let result = match act {
        Act::Decide(accept) => actions::decide(state, &complaint, accept, None, Some(key)).await,
        Act::Withdraw => actions::withdraw(state, &complaint, None, Some(key)).await,
    };
    match result {
        // The stage change's own SMS is the answer.
        Ok(e) => Ok((outcome(InboundStatus::Answered, reason, Some(e.tracking_code)), None)),
        Err(e) if matches!(e.status, StatusCode::CONFLICT | StatusCode::FORBIDDEN | StatusCode::UNPROCESSABLE_ENTITY) => {
            let now = state.store.complaint(complaint.tracking_code).await?.map_or(complaint.stage, |c| c.stage);
            answered(Some(complaint.tracking_code), notice::inbound_refused(complaint.tracking_code, now))
        }
        Err(e) => Err(e),
    }
}

/// An operator files a message from the triage list, with the category (and whatever else)
/// they set, for the phone it came from, or for `phone` when they give one (they called the
/// sender back: a landline, an e-mail); an e-mail without one is filed for the mobile its text
/// names. The citizen gets the tracking code by SMS and an e-mail's images become the
/// complaint's photos. Filing the same message again answers the same complaint.
pub async fn file_from_triage(
    state: &AppState,
    staff: StaffWho,
    id: i64,
    phone: Option<PhoneNumber>,
    mut body: NewComplaint,
) -> ApiResult<(SubmitResponse, bool)> {
    let record = triaged(state, id).await?;
    let phone = match (phone, record.channel) {
        (Some(p), _) => p,
        (None, Channel::Email) => samat_core::model::inbound::find_phone(&record.text).ok_or_else(|| {
            ApiError::new(StatusCode::CONFLICT, "no_phone", "the e-mail names no mobile number: call or write to the sender and give their phone")
        })?,
        (None, _) => PhoneNumber::parse(&record.sender).map_err(|_| {
            ApiError::new(
                StatusCode::CONFLICT,
                "no_phone",
                "the message did not come from a mobile number; call the citizen and file with POST /v1/staff/intake",
            )
        })?,
    };
    body.client_id = Some(message_uuid(&record.message_id).to_string());
    if body.description.as_deref().is_none_or(|d| d.trim().is_empty()) {
        body.description = Some(record.text.clone());
    }
    let channel = if record.channel == Channel::Email { Channel::Email } else { Channel::Sms };
    let (filed, created) = actions::file_complaint(state, phone, channel, &body, false, Who::Staff(staff)).await?;
    if record.channel == Channel::Email {
        if let Some(mail) = state.store.inbound_raw(record.id).await?.as_deref().and_then(email::read) {
            email::attach_photos(state, &record, &mail, filed.tracking_code).await?;
        }
    }
    let done = InboundOutcome {
        status: InboundStatus::Filed,
        reason: Some("triage".to_owned()),
        tracking_code: Some(filed.tracking_code),
        handled_by: Some(staff.id),
        note: None,
    };
    state.store.finish_inbound(record.id, record.status, done, None, OffsetDateTime::now_utc()).await?;
    state.hub.publish_staff();
    Ok((filed, created))
}

/// An operator sets a message of the triage list aside (it is not a complaint), with their
/// reason in their own words when they give one.
pub async fn dismiss(state: &AppState, staff: StaffWho, id: i64, note: Option<String>) -> ApiResult<()> {
    let record = triaged(state, id).await?;
    let done = InboundOutcome { status: InboundStatus::Dismissed, reason: Some("dismissed".to_owned()), tracking_code: None, handled_by: Some(staff.id), note };
    state.store.finish_inbound(record.id, record.status, done, None, OffsetDateTime::now_utc()).await?;
    state.hub.publish_staff();
    Ok(())
}

/// A message still waiting for an operator (in triage, or kept over its sender's limit).
async fn triaged(state: &AppState, id: i64) -> ApiResult<InboundRecord> {
    match state.store.inbound_message(id).await? {
        Some(r) if matches!(r.status, InboundStatus::Triage | InboundStatus::Limited) => Ok(r),
        Some(_) => Err(ApiError::new(StatusCode::CONFLICT, "inbound_handled", "this message was filed or set aside already")),
        None => Err(ApiError::new(StatusCode::NOT_FOUND, "inbound_not_found", "no inbound message has this id")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_compare_whole() {
        let s = Secret("s3cret-value".into());
        for (given, ok) in [("s3cret-value", true), ("s3cret-valuE", false), ("s3cret", false), ("s3cret-value-and-more", false), ("", false)] {
            assert_eq!(s.matches(given), ok, "{given}");
        }
        assert!(!Secret(String::new()).matches(""), "an empty secret lets nobody in");
        assert_eq!(format!("{s:?}"), "Secret(…)");
    }

    #[test]
    fn message_ids_give_stable_distinct_keys() {
        assert_eq!(message_uuid("kavenegar:1"), message_uuid("kavenegar:1"));
        assert_ne!(message_uuid("kavenegar:1"), message_uuid("kavenegar:2"));
        assert_ne!(message_uuid("kavenegar:1"), message_uuid("cli:1"));
    }
}
