//! The Persian texts of the SMS the server sends. Tracking codes stay in ASCII digits so they
//! can be copied into the app and typed on any keypad.

use samat_core::model::{Stage, TrackingCode};

/// The login code.
pub fn otp(code: &str) -> String {
    format!("کد ورود شما به سامانه ۱۲۴: {code}\nاین کد را به هیچ‌کس ندهید.")
}

/// The tracking code of a new complaint (seed step 2).
pub fn filed(code: TrackingCode) -> String {
    format!("سامانه ۱۲۴ وزارت صمت: شکایت شما ثبت شد.\nکد رهگیری: {}\nپیگیری: اپلیکیشن صمت ما یا 124.ir", code.as_str())
}

/// A stage change (every stage is announced by SMS with the tracking code).
pub fn stage_changed(code: TrackingCode, stage: Stage) -> String {
    let tail = match stage {
        Stage::SelfRegulation => "\nپاسخ واحد صنفی را در اپلیکیشن ببینید و اعلام کنید راضی هستید یا خیر.",
        Stage::Verdict => "\nرأی صادرشده را در اپلیکیشن صمت ما یا 124.ir ببینید.",
        _ => "",
    };
    format!("سامانه ۱۲۴: شکایت {}\nوضعیت: {}{tail}", code.as_str(), stage.label_fa())
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
            let text = stage_changed(code, stage);
            assert!(text.contains(code.as_str()) && text.contains(stage.label_fa()), "{stage:?}");
        }
        assert!(otp("123456").contains("123456"));
    }
}
