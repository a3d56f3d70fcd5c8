//! The Persian texts of the SMS the server sends. Numbers a person reads (amounts, counts)
//! are written with Persian digits; the tracking code and the login code stay in ASCII digits
//! so they copy into the app and type on any keypad.

use samat_core::model::api::VerdictDetails;
use samat_core::model::text::format_rials_fa;
use samat_core::model::{Stage, TrackingCode};

/// The login code.
pub fn otp(code: &str) -> String {
    format!("کد ورود شما به سامانه ۱۲۴: {code}\nاین کد را به هیچ‌کس ندهید.")
}

/// The tracking code of a new complaint (seed step 2).
pub fn filed(code: TrackingCode) -> String {
    format!("سامانه ۱۲۴ وزارت صمت: شکایت شما ثبت شد.\nکد رهگیری: {}\nپیگیری: اپلیکیشن صمت ما یا 124.ir", code.as_str())
}

/// A stage change (every stage is announced by SMS with the tracking code); a verdict says
/// what it is: violation or not, the penalty and the compensation.
pub fn stage_changed(code: TrackingCode, stage: Stage, verdict: Option<&VerdictDetails>) -> String {
    let tail = match stage {
        Stage::SelfRegulation => format!("\nپاسخ واحد صنفی برای شما ثبت می‌شود. آن را ببینید و اعلام کنید راضی هستید یا خیر: {ANSWER_WAYS}"),
        Stage::Verdict => match verdict {
            Some(v) => format!("\n{}", verdict_fa(v)),
            None => "\nرأی صادرشده را در اپلیکیشن صمت ما یا 124.ir ببینید.".to_owned(),
        },
        _ => String::new(),
    };
    format!("سامانه ۱۲۴: شکایت {}\nوضعیت: {}{tail}", code.as_str(), stage.label_fa())
}

/// Where a citizen answers, whichever channel they filed through: log in with the phone the
/// SMS came to.
const ANSWER_WAYS: &str = "اپلیکیشن صمت ما یا درگاه 124.ir (ورود با همین شماره همراه)";

/// The verdict in one Persian sentence: «تخلف محرز شد؛ جریمه: ۵۰٬۰۰۰٬۰۰۰ ریال؛ غرامت به شما: ۲٬۵۰۰٬۰۰۰ ریال.»
pub fn verdict_fa(v: &VerdictDetails) -> String {
    let mut parts = vec![if v.violation {
        "رأی تعزیرات: تخلف محرز شد".to_owned()
    } else {
        "رأی تعزیرات: تخلفی محرز نشد".to_owned()
    }];
    if let Some(p) = v.penalty_rials.filter(|p| *p > 0) {
        parts.push(format!("جریمه واحد صنفی: {}", format_rials_fa(p)));
    }
    if let Some(c) = v.compensation_rials.filter(|c| *c > 0) {
        parts.push(format!("غرامت به شما: {}", format_rials_fa(c)));
    }
    format!("{}.", parts.join("؛ "))
}

/// A note the citizen should read (the business's answer, ...).
pub fn new_note(code: TrackingCode) -> String {
    format!("سامانه ۱۲۴: پیام تازه‌ای درباره شکایت {} ثبت شد. آن را در اپلیکیشن صمت ما ببینید.", code.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_notice_carries_the_tracking_code() {
        let code = TrackingCode::parse("1234567890").or_else(|_| TrackingCode::parse("1234567893"));
        let code = code.unwrap_or_else(|_| TrackingCode::generate(&mut rand::thread_rng()));
        assert!(filed(code).contains(code.as_str()));
        assert!(new_note(code).contains(code.as_str()));
        for stage in Stage::ALL {
            let text = stage_changed(code, stage, None);
            assert!(text.contains(code.as_str()) && text.contains(stage.label_fa()), "{stage:?}");
        }
        assert!(otp("123456").contains("123456"));
    }

    #[test]
    fn a_verdict_sms_says_what_was_decided_with_persian_digits() {
        let code = TrackingCode::generate(&mut rand::thread_rng());
        let v = VerdictDetails { violation: true, penalty_rials: Some(50_000_000), compensation_rials: Some(2_500_000) };
        let text = stage_changed(code, Stage::Verdict, Some(&v));
        assert!(text.contains("تخلف محرز شد") && text.contains("۵۰٬۰۰۰٬۰۰۰ ریال") && text.contains("۲٬۵۰۰٬۰۰۰ ریال"), "{text}");
        assert!(text.contains(code.as_str()), "the tracking code stays in ASCII digits");
        let none = VerdictDetails { violation: false, penalty_rials: None, compensation_rials: None };
        assert!(stage_changed(code, Stage::Verdict, Some(&none)).contains("تخلفی محرز نشد"));
        assert!(stage_changed(code, Stage::SelfRegulation, None).contains("همین شماره همراه"), "it says how to answer");
    }
}
