//! Push: registering where this device receives pushes, and the messages the server sends
//! when a complaint moves (only the tracking code, the new stage and the event cursor — never
//! personal data). The app syncs to read the details; each event is reported once, whether
//! the push or a sync brought it first. What to show is decided by pure functions:
//! [`notification`], and [`details_unreachable`] for a phone that cannot fetch the details
//! (then the push's own stage is shown, as a placeholder the later sync does not repeat).

use serde::{Deserialize, Serialize};

use super::error::Error;
use super::store::{complaints, kv};
use super::sync::pull;
use super::types::ComplaintEvent;
use super::{Client, ClientError, Public};
use crate::model::api::{DeviceView, EventKind, PushTarget};
use crate::model::{Stage, TrackingCode};

pub use crate::model::api::PushMessage;

/// What to show for a complaint's news.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record), uniffi(name = "PushNotification"))]
pub struct Notification {
    /// The complaint.
    pub tracking_code: TrackingCode,
    /// The stage reached.
    pub stage: Stage,
    /// Persian title.
    pub title_fa: String,
    /// Persian body.
    pub body_fa: String,
    /// The newest event shown (mark-seen position).
    pub seq: i64,
}

/// The Persian title and body for a complaint reaching `stage`. The tracking code is written
/// as the SMS writes it (Latin digits, to copy and type anywhere).
pub fn notification_text(code: TrackingCode, stage: Stage) -> (String, String) {
    let title = format!("شکایت {}", code.as_str());
    let body = match stage {
        Stage::Verdict => "رأی تعزیرات درباره شکایت شما صادر شد. برای دیدن رأی، شکایت را باز کنید.".to_owned(),
        Stage::SelfRegulation => "پاسخ واحد صنفی آماده است؛ اعلام کنید راضی هستید یا خیر.".to_owned(),
        Stage::Inspection => "بازرس برای رسیدگی به محل اعزام می‌شود.".to_owned(),
        s => format!("وضعیت جدید: {}", s.label_fa()),
    };
    (title, body)
}

/// Whether a push whose details could not be fetched (the pull failed with `error`) is still
/// shown, from its own tracking code and stage: yes when the phone cannot reach the server
/// or the server cannot answer (offline, a session to renew, a server error) — the news is
/// real, only its details wait; no for anything else, which the caller hears about.
pub fn details_unreachable(error: &ClientError) -> bool {
    matches!(error, ClientError::Offline { .. } | ClientError::Unauthorized | ClientError::Server { .. })
}

/// What to show for push `msg`, given the complaint's events `shown` now (those no sync and
/// no push reported before, oldest first) and whether its own stage was just recorded as a
/// `placeholder` because the details could not be fetched: the newest stage change among
/// them (a note only when there is nothing else), else the push's own stage, else nothing —
/// the news was already reported.
pub fn notification(msg: &PushMessage, shown: &[ComplaintEvent], placeholder: bool) -> Option<Notification> {
    let latest = shown.iter().rfind(|e| e.event.kind != EventKind::Note).or(shown.last());
    let (stage, seq) = match (latest, placeholder) {
        (Some(e), _) => (e.event.stage, e.event.seq),
        (None, true) => (msg.stage, msg.cursor),
        (None, false) => return None,
    };
    let code = msg.tracking_code;
    let (title_fa, body_fa) = notification_text(code, stage);
    Some(Notification { tracking_code: code, stage, title_fa, body_fa, seq })
}

impl Client {
    /// The server's VAPID public key (base64url), to create a UnifiedPush / Web Push
    /// subscription with (`applicationServerKey`).
    pub async fn push_vapid_key(&self) -> Public<String> {
        Ok(self.inner.http.vapid_key().await?)
    }

    /// Registers where this device receives pushes (a UnifiedPush subscription, an FCM token
    /// or an APNs token) and remembers its id; a token another account registered moves here.
    pub async fn register_push(&self, target: PushTarget) -> Public<DeviceView> {
        let token = self.session_token().await?;
        let device = self.inner.http.register_device(&token, &target).await?;
        let id = device.id.to_string();
        self.inner.db.write(move |conn| kv::set(conn, kv::PUSH_DEVICE, &id)).await?;
        Ok(device)
    }

    /// Unregisters this device's push target (the one last registered), if any.
    pub async fn unregister_push(&self) -> Public<()> {
        let Some(id) = self.inner.db.read(|conn| kv::get(conn, kv::PUSH_DEVICE)).await? else { return Ok(()) };
        let token = self.session_token().await?;
        match self.inner.http.unregister_device(&token, id.parse().unwrap_or(0)).await {
            Ok(()) | Err(Error::Http { status: 404, .. }) => {}
            Err(e) => return Err(e.into()),
        }
        self.inner
            .db
            .write(move |conn| {
                // Only the device this call unregistered (a register_push may have just replaced it).
                if kv::get(conn, kv::PUSH_DEVICE)?.as_deref() == Some(id.as_str()) {
                    kv::remove(conn, kv::PUSH_DEVICE)?;
                }
                Ok(())
            })
            .await?;
        Ok(())
    }

    /// Handles a push payload (Web Push / UnifiedPush message, FCM `data`, APNs payload):
    /// syncs to read the details and returns what to show, or `None` when there is nothing
    /// new (a sync already reported it). Each event is reported once, whichever of the push
    /// and a sync brings it first; the events shown are marked seen. Offline, the push's own
    /// stage is shown and the later sync does not repeat it.
    pub async fn handle_push(&self, payload: &str) -> Public<Option<Notification>> {
        let msg = PushMessage::parse(payload).ok_or_else(|| ClientError::invalid("payload", "invalid_push", "not a Samat push message"))?;
        if self.inner.db.read(|conn| kv::get(conn, kv::TOKEN)).await?.is_none() {
            // Logged out (the server forgets the device once the logout reaches it): the
            // account's news is no longer this phone's to show.
            return Ok(None);
        }
        let pulled = pull(&self.inner, 0, false).await;
        let code = msg.tracking_code;
        let placeholder = match pulled.map_err(ClientError::from) {
            Ok(_) => false,
            Err(e) if details_unreachable(&e) => {
                let (stage, seq) = (msg.stage, msg.cursor);
                self.inner.db.write(move |conn| complaints::add_pushed(conn, code, stage, seq)).await?
            }
            Err(e) => return Err(e),
        };
        let shown = self
            .inner
            .db
            .write(move |conn| {
                let tx = conn.transaction()?;
                // What no sync has returned and no push has shown yet, and the app has not seen.
                let unseen = complaints::unreported_of(&tx, code)?;
                complaints::mark_seen(&tx, &unseen.iter().map(|e| e.event.seq).collect::<Vec<_>>())?;
                complaints::mark_notified(&tx, &unseen)?;
                tx.commit()?;
                Ok(unseen)
            })
            .await?;
        Ok(notification(&msg, &shown, placeholder))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_from_every_provider_parse() {
        let code = TrackingCode::generate(&mut rand::thread_rng());
        for payload in [
            format!(r#"{{"tracking_code":"{code}","stage":"verdict","cursor":42}}"#),
            format!(r#"{{"tracking_code":"{code}","stage":"verdict","cursor":"42"}}"#),
            format!(r#"{{"aps":{{"alert":{{"title":"x"}}}},"tracking_code":"{code}","stage":"verdict","cursor":42}}"#),
        ] {
            let m = PushMessage::parse(&payload).unwrap();
            assert_eq!((m.tracking_code, m.stage, m.cursor), (code, Stage::Verdict, 42), "{payload}");
        }
        for bad in ["", "{}", "not json", r#"{"tracking_code":"123","stage":"verdict","cursor":1}"#, r#"{"tracking_code":"x","stage":"nope","cursor":1}"#] {
            assert!(PushMessage::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn every_stage_has_persian_text_with_the_code() {
        let code = TrackingCode::generate(&mut rand::thread_rng());
        for stage in Stage::ALL {
            let (title, body) = notification_text(code, stage);
            assert!(title.contains(code.as_str()), "{title}");
            assert!(!body.is_empty());
        }
    }

    fn event(code: TrackingCode, seq: i64, kind: EventKind, stage: Stage) -> ComplaintEvent {
        let event = crate::model::api::EventView::bare(seq, kind, stage, "expert", time::OffsetDateTime::UNIX_EPOCH);
        ComplaintEvent { tracking_code: code, event, seen: false }
    }

    #[test]
    fn a_push_shows_the_newest_stage_else_its_own_when_offline_else_nothing() {
        let code = TrackingCode::generate(&mut rand::thread_rng());
        let msg = PushMessage { tracking_code: code, stage: Stage::Verdict, cursor: 42 };
        let review = event(code, 40, EventKind::Stage, Stage::ExpertReview);
        let note = event(code, 41, EventKind::Note, Stage::ExpertReview);
        let verdict = event(code, 42, EventKind::Stage, Stage::Verdict);
        for (shown, placeholder, expected) in [
            (vec![review.clone(), verdict.clone()], false, Some((Stage::Verdict, 42))),
            (vec![review.clone(), note.clone()], false, Some((Stage::ExpertReview, 40))),
            (vec![note.clone()], false, Some((Stage::ExpertReview, 41))),
            (vec![review.clone()], true, Some((Stage::ExpertReview, 40))),
            (vec![], true, Some((Stage::Verdict, 42))),
            (vec![], false, None),
        ] {
            let shown_seqs: Vec<i64> = shown.iter().map(|e| e.event.seq).collect();
            let n = notification(&msg, &shown, placeholder);
            assert_eq!(n.as_ref().map(|n| (n.stage, n.seq)), expected, "{shown_seqs:?} placeholder {placeholder}");
            if let Some(n) = n {
                assert_eq!(n.tracking_code, code);
                assert_eq!((n.title_fa, n.body_fa), notification_text(code, n.stage));
            }
        }
    }

    #[test]
    fn a_push_is_shown_from_its_own_stage_only_when_the_details_cannot_be_fetched() {
        for (error, placeholder) in [
            (ClientError::Offline { detail: "no route".into() }, true),
            (ClientError::Unauthorized, true),
            (ClientError::Server { status: 503, detail: String::new() }, true),
            (ClientError::Rejected { status: 404, server_code: "complaint_not_found".into(), detail: String::new() }, false),
            (ClientError::Storage { detail: "disk full".into() }, false),
            (ClientError::invalid("payload", "invalid_push", "x"), false),
        ] {
            assert_eq!(details_unreachable(&error), placeholder, "{error:?}");
        }
    }
}
