//! Push messages: what the server sends when a complaint moves (only the tracking code, the
//! new stage and the event cursor — never personal data), and what the app should show for
//! it. The app syncs to read the details; each event is reported once, whether the push or a
//! sync brought it first.

use serde::{Deserialize, Serialize};

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
}
