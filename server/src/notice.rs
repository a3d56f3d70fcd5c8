//! The Persian texts of the SMS the server sends.
//!
//! One rule for digits: every number a person reads (amounts, the 124 number) is written with
//! Persian digits; the tracking code and the login code stay in Latin (ASCII) digits, so they
//! copy into the app and type on any keypad; web addresses stay Latin. Each text names the
//! shop when the complaint knows it (from the citizen or the registry), so a citizen with
//! several complaints knows which one moved.

use samat_core::model::api::VerdictDetails;
use samat_core::model::journey::ANSWER_WAYS_FA;
use samat_core::model::{Role, Stage, TrackingCode};

/// The longest shop name an SMS carries, in characters (a longer one is cut with «…»): an SMS
/// in Persian holds 70 characters a part.
pub const MAX_SHOP_CHARS: usize = 30;

/// How to answer the business by SMS (see [`crate::inbound`]): the digits are Persian, as
/// people read them; the parser takes Latin ones too.
pub const ANSWER_BY_SMS_FA: &str = "یا به همین پیامک «۱» (راضی‌ام) یا «۲» (راضی نیستم) را پاسخ دهید";

/// The login code.
pub fn otp(code: &str) -> String {
    format!("کد ورود شما به سامانه ۱۲۴: {code}\nاین کد را به هیچ‌کس ندهید.")
}

/// « از «سوپرمارکت نمونه»», or nothing when the shop is not known.
fn about_shop(business: Option<&str>) -> String {
    match business.map(str::trim).filter(|b| !b.is_empty()) {
        Some(name) if name.chars().count() > MAX_SHOP_CHARS => format!(" از «{}…»", name.chars().take(MAX_SHOP_CHARS - 1).collect::<String>().trim_end()),
        Some(name) => format!(" از «{name}»"),
        None => String::new(),
    }
}

/// The tracking code of a new complaint (seed step 2).
pub fn filed(code: TrackingCode, business: Option<&str>) -> String {
    format!("سامانه ۱۲۴ وزارت صمت: شکایت شما{} ثبت شد.\nکد رهگیری: {}\nپیگیری: اپلیکیشن صمت ما یا 124.ir", about_shop(business), code.as_str())
}

/// A stage change (every stage is announced by SMS with the tracking code); in
/// self-regulation it says how to answer whatever channel the complaint came through, and a
/// verdict says what it is: violation or not, the penalty and the compensation.
pub fn stage_changed(code: TrackingCode, business: Option<&str>, stage: Stage, verdict: Option<&VerdictDetails>) -> String {
    let tail = match stage {
        Stage::SelfRegulation => format!("\nواحد صنفی پاسخ شما را می‌دهد. پاسخ را ببینید و اعلام کنید راضی هستید یا نه: {ANSWER_WAYS_FA}، {ANSWER_BY_SMS_FA}."),
        Stage::Verdict => match verdict {
            Some(v) => format!("\n{}", v.summary_fa()),
            None => "\nرأی صادرشده را در اپلیکیشن صمت ما یا 124.ir ببینید.".to_owned(),
        },
        _ => String::new(),
    };
    format!("سامانه ۱۲۴: شکایت {}{}\nوضعیت: {}{tail}", code.as_str(), about_shop(business), stage.label_fa())
}

/// A note the citizen should read. The guild body's note in self-regulation is the business's
/// answer: the SMS asks for the citizen's decision and says how to give it.
pub fn new_note(code: TrackingCode, business: Option<&str>, stage: Stage, writer: Role) -> String {
    if stage == Stage::SelfRegulation && writer == Role::Guild {
        return format!(
            "سامانه ۱۲۴: واحد صنفی به شکایت {}{} پاسخ داد. پاسخ را ببینید و اعلام کنید راضی هستید یا نه: {ANSWER_WAYS_FA}، {ANSWER_BY_SMS_FA}.",
            code.as_str(),
            about_shop(business)
        );
    }
    format!("سامانه ۱۲۴: پیام تازه‌ای درباره شکایت {}{} ثبت شد. آن را در اپلیکیشن صمت ما یا 124.ir ببینید.", code.as_str(), about_shop(business))
}

/// The answer to a text the 124 line could not act on: what may be sent to it.
pub fn inbound_help() -> String {
    "سامانه ۱۲۴: برای ثبت شکایت، شرح آن را با نام و نشانی فروشگاه پیامک کنید. برای پیگیری، کد رهگیری را بفرستید. \
     پاسخ به واحد صنفی: «۱» (راضی‌ام) یا «۲» (راضی نیستم). انصراف: «انصراف» و کد رهگیری."
        .to_owned()
}

/// A complaint's stage, asked for by texting its tracking code.
pub fn inbound_stage(code: TrackingCode, business: Option<&str>, stage: Stage) -> String {
    stage_changed(code, business, stage, None)
}

/// A tracking code this phone has no complaint under (someone else's, or none at all: the
/// same answer, so nobody learns of another's complaint).
pub fn inbound_not_found() -> String {
    "سامانه ۱۲۴: شکایتی با این کد رهگیری برای این شماره پیدا نشد. کد را از پیامک ثبت شکایت بردارید.".to_owned()
}

/// «۱» or «۲» with no complaint of this phone waiting for the citizen's answer.
pub fn inbound_nothing_to_answer() -> String {
    "سامانه ۱۲۴: شکایتی از شما منتظر پاسخ به واحد صنفی نیست. برای پیگیری، کد رهگیری را بفرستید.".to_owned()
}

/// «۱» or «۲» (or «انصراف») when several complaints could be meant: the codes to choose from.
pub fn inbound_which(codes: &[TrackingCode], example_word: &str) -> String {
    let list: Vec<&str> = codes.iter().map(TrackingCode::as_str).collect();
    format!(
        "سامانه ۱۲۴: کدام شکایت؟ پاسخ را همراه با کد رهگیری بفرستید، مثلاً «{example_word} {}».\n{}",
        list.first().copied().unwrap_or_default(),
        list.join("\n")
    )
}

/// A command the complaint's stage does not allow (a decision outside self-regulation, a
/// withdrawal after the verdict).
pub fn inbound_refused(code: TrackingCode, stage: Stage) -> String {
    format!("سامانه ۱۲۴: شکایت {} در مرحله «{}» است و این درخواست اکنون پذیرفته نیست.", code.as_str(), stage.label_fa())
}

/// A text kept for an operator (no category the words point at, or unreadable).
pub fn inbound_triage() -> String {
    "سامانه ۱۲۴: پیام شما رسید. کارشناس ۱۲۴ آن را می‌خواند و ثبت می‌کند و کد رهگیری برایتان پیامک می‌شود.".to_owned()
}

/// Over the day's complaints from one phone.
pub fn inbound_quota(per_day: i64) -> String {
    format!(
        "سامانه ۱۲۴: امروز بیش از {} شکایت از این شماره ثبت شده است. برای شکایت بیشتر با ۱۲۴ تماس بگیرید.",
        samat_core::model::text::persian_digits(&per_day.to_string())
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `text` without the tracking code, the login code and web addresses: what must be
    /// written with Persian digits.
    fn read_by_people(text: &str, code: TrackingCode, login: &str) -> String {
        text.replace(code.as_str(), "").replace(login, "").replace("124.ir", "")
    }

    #[test]
    fn every_notice_carries_the_tracking_code_in_latin_digits_and_other_numbers_in_persian() {
        let code = TrackingCode::generate(&mut rand::thread_rng());
        let v = VerdictDetails { violation: true, penalty_rials: Some(50_000_000), compensation_rials: Some(2_500_000) };
        let mut texts = vec![filed(code, None), filed(code, Some("سوپرمارکت نمونه"))];
        for stage in Stage::ALL {
            for business in [None, Some("سوپرمارکت ۲۴ ساعته 24")] {
                let text = stage_changed(code, business, stage, (stage == Stage::Verdict).then_some(&v));
                assert!(text.contains(stage.label_fa()), "{stage:?}");
                texts.push(text);
                for role in Role::ALL {
                    texts.push(new_note(code, business, stage, role));
                }
            }
        }
        for text in &texts {
            assert!(text.contains(code.as_str()), "{text}");
            // The shop's own name may hold digits as the registry writes them; everything the
            // server writes itself is Persian.
            let ours = read_by_people(text, code, "").replace("سوپرمارکت ۲۴ ساعته 24", "");
            assert!(!ours.chars().any(|c| c.is_ascii_digit()), "Latin digits outside the code: {text}");
        }
        let other = TrackingCode::generate(&mut rand::thread_rng());
        let inbound = [
            inbound_help(),
            inbound_stage(code, Some("سوپرمارکت نمونه"), Stage::Inspection),
            inbound_not_found(),
            inbound_nothing_to_answer(),
            inbound_which(&[code, other], "۲").replace(other.as_str(), ""),
            inbound_refused(code, Stage::Verdict),
            inbound_triage(),
            inbound_quota(20),
        ];
        for text in &inbound {
            assert!(text.starts_with("سامانه ۱۲۴"), "{text}");
            assert!(!read_by_people(text, code, "").chars().any(|c| c.is_ascii_digit()), "Latin digits outside the code: {text}");
        }
        let login = otp("123456");
        assert!(login.contains("123456"));
        assert!(!read_by_people(&login, code, "123456").chars().any(|c| c.is_ascii_digit()), "{login}");
    }

    #[test]
    fn notices_name_the_shop_briefly() {
        let code = TrackingCode::generate(&mut rand::thread_rng());
        assert!(filed(code, Some("سوپرمارکت نمونه")).contains("از «سوپرمارکت نمونه»"));
        assert!(stage_changed(code, Some("سوپرمارکت نمونه"), Stage::Inspection, None).contains("«سوپرمارکت نمونه»"));
        let long = "فروشگاه بزرگ لوازم خانگی و صوتی و تصویری برادران امیدوار";
        let text = filed(code, Some(long));
        assert!(text.contains('…') && !text.contains(long), "{text}");
        assert!(!filed(code, Some("  ")).contains('«'));
    }

    #[test]
    fn a_verdict_sms_says_what_was_decided_with_persian_digits() {
        let code = TrackingCode::generate(&mut rand::thread_rng());
        let v = VerdictDetails { violation: true, penalty_rials: Some(50_000_000), compensation_rials: Some(2_500_000) };
        let text = stage_changed(code, None, Stage::Verdict, Some(&v));
        assert!(text.contains("تخلف محرز شد") && text.contains("۵۰٬۰۰۰٬۰۰۰ ریال") && text.contains("۲٬۵۰۰٬۰۰۰ ریال"), "{text}");
        let none = VerdictDetails { violation: false, penalty_rials: None, compensation_rials: None };
        assert!(stage_changed(code, None, Stage::Verdict, Some(&none)).contains("تخلفی محرز نشد"));
    }

    #[test]
    fn asking_for_a_decision_names_every_way_to_answer() {
        let code = TrackingCode::generate(&mut rand::thread_rng());
        for text in [stage_changed(code, None, Stage::SelfRegulation, None), new_note(code, None, Stage::SelfRegulation, Role::Guild)] {
            for way in ["همین شماره همراه", "اپلیکیشن صمت ما", "124.ir", "samat", "«۱»", "«۲»", "پیامک"] {
                assert!(text.contains(way), "{way} in {text}");
            }
        }
        assert!(!new_note(code, None, Stage::Inspection, Role::Inspector).contains("راضی"));
    }
}
