//! What the app shows a person for a stable code: error and field-problem messages in Persian
//! (and English), and who acted on a complaint. Stage, category, channel and licence labels
//! live with their types (`Stage::label_fa`, ...).
//!
//! Codes are the ones the server's problem documents and the client's `ClientError::code()`
//! carry, so one table serves every platform; an unknown code gets a general message rather
//! than the raw code.

use super::role::Role;

/// A code and its messages.
struct Message {
    code: &'static str,
    fa: &'static str,
    en: &'static str,
}

const fn m(code: &'static str, fa: &'static str, en: &'static str) -> Message {
    Message { code, fa, en }
}

/// Every known code. Client-side codes first, then the server's, then per-field problems.
const MESSAGES: &[Message] = &[
    // The client (`ClientError::code()`).
    m(
        "offline",
        "اتصال به اینترنت برقرار نیست. کارهای شما ذخیره شده و با برقراری اتصال ارسال می‌شود.",
        "You are offline. Your work is saved and will be sent when you are back online.",
    ),
    m(
        "unauthorized",
        "لطفاً دوباره با شماره همراه و کد پیامکی وارد شوید. چیزی از دست نمی‌رود.",
        "Please log in again with your phone number and the SMS code. Nothing is lost.",
    ),
    m("validation_failed", "برخی از اطلاعات فرم درست نیست. موارد مشخص‌شده را اصلاح کنید.", "Some of the form is not right. Please correct the marked fields."),
    m("not_found", "مورد درخواستی پیدا نشد.", "Not found."),
    m("server_error", "سامانه موقتاً پاسخ نمی‌دهد. بعداً دوباره تلاش می‌شود.", "The service is not answering right now. It will be retried later."),
    m("invalid_photo", "این فایل تصویر قابل خواندن نیست. یک عکس JPEG یا PNG انتخاب کنید.", "This image cannot be read. Please choose a JPEG or PNG photo."),
    m("storage", "ذخیره‌سازی روی گوشی با مشکل روبه‌رو شد. فضای خالی گوشی را بررسی کنید.", "The phone's storage failed. Please check the free space."),
    m("internal", "خطای پیش‌بینی‌نشده‌ای رخ داد. لطفاً دوباره تلاش کنید.", "Something unexpected went wrong. Please try again."),
    m("draft_submitted", "این پیش‌نویس قبلاً برای ارسال ثبت شده است.", "This draft is already queued for sending."),
    m("phone_not_logged_in", "برای ثبت شکایت با این شماره، ابتدا با همین شماره وارد شوید.", "Log in with this phone number to file under it."),
    m("invalid_frame", "تصویر دوربین قابل پردازش نیست.", "The camera frame cannot be processed."),
    m("image_too_large", "تصویر بیش از حد بزرگ است.", "The image is too large."),
    m("invalid_push", "پیام دریافتی از سامانه قابل خواندن نیست.", "The notification could not be read."),
    // The server's problem codes.
    m("rate_limited", "تعداد درخواست‌ها زیاد است. چند دقیقه دیگر تلاش کنید.", "Too many requests. Please try again in a few minutes."),
    m("wrong_code", "کد واردشده درست نیست.", "The code is not right."),
    m("code_expired", "کد منقضی شده است. کد تازه‌ای درخواست کنید.", "The code has expired. Please ask for a new one."),
    m("too_many_attempts", "تعداد تلاش‌ها بیش از حد مجاز بود. کد تازه‌ای درخواست کنید.", "Too many attempts. Please ask for a new code."),
    m("invalid_code", "کد واردشده درست نیست.", "The code is not right."),
    m(
        "invalid_phone",
        "شماره همراه معتبر نیست. یک شماره ۱۱ رقمی که با ۰۹ شروع می‌شود وارد کنید.",
        "Not a valid mobile number: enter 11 digits starting with 09.",
    ),
    m("invalid_tracking_code", "کد رهگیری معتبر نیست.", "Not a valid tracking code."),
    m("complaint_not_found", "شکایتی با این کد رهگیری پیدا نشد.", "No complaint has this tracking code."),
    m("invalid_transition", "این اقدام در مرحله فعلی شکایت ممکن نیست.", "This action is not possible at the complaint's current stage."),
    m("stage_changed", "وضعیت شکایت در این فاصله تغییر کرده است. صفحه را تازه کنید.", "The complaint changed meanwhile. Please refresh."),
    m("role_not_allowed", "شما اجازه این اقدام را ندارید.", "You are not allowed to do this."),
    m("citizens_only", "این بخش فقط برای شهروندان است.", "This is for citizens only."),
    m("client_id_conflict", "این شکایت قبلاً با اطلاعات دیگری ثبت شده است.", "This complaint was already filed with different details."),
    m("action_id_conflict", "این درخواست قبلاً با اطلاعات دیگری ثبت شده است.", "This request was already made with different details."),
    m("photo_id_conflict", "این عکس قبلاً با محتوای دیگری ارسال شده است.", "This photo was already sent with different content."),
    m("invalid_image", "فایل ارسالی تصویر معتبری نیست.", "The file is not a valid image."),
    m("unsupported_media_type", "این نوع فایل پشتیبانی نمی‌شود.", "This kind of file is not supported."),
    m("business_not_found", "واحد صنفی با این شناسه پیدا نشد.", "No business has this ID."),
    m("session_not_found", "این نشست دیگر معتبر نیست؛ دوباره وارد شوید.", "This session is no longer valid; log in again."),
    m("invalid_credentials", "نام کاربری یا گذرواژه درست نیست.", "Wrong username or password."),
    m("reason_required", "دلیل رد شکایت را بنویسید.", "Write the reason for dismissing the complaint."),
    m("report_required", "گزارش بازرسی را بنویسید.", "Write the inspection report."),
    m("case_file_required", "خلاصه پرونده برای تعزیرات را بنویسید.", "Write the case-file summary for the Ta'zirat."),
    m(
        "verdict_details_required",
        "رأی را کامل کنید: تخلف محرز شد یا نه، و مبلغ جریمه و غرامت.",
        "Complete the verdict: violation or not, penalty and compensation.",
    ),
    m("not_a_compensation_claim", "فقط شکایت‌هایی که مطالبه خسارت دارند به خودتنظیمی می‌روند.", "Only compensation claims go to self-regulation."),
    m("complaint_closed", "این شکایت بسته شده است.", "This complaint is closed."),
    m("already_assigned", "همکار دیگری رسیدگی به این شکایت را به عهده گرفته است.", "A colleague is already handling this complaint."),
    m(
        "holder_changed",
        "مسئول رسیدگی به این شکایت در این فاصله تغییر کرده است. صفحه را تازه کنید.",
        "Someone took or released this complaint meanwhile. Please refresh.",
    ),
    m("not_assigned_to_you", "رسیدگی به این شکایت با شما نیست.", "You are not handling this complaint."),
    m("assignee_cannot_handle", "نقش همکار انتخاب‌شده به این مرحله رسیدگی نمی‌کند.", "The chosen colleague's role does not handle this stage."),
    m("unknown_staff", "همکار انتخاب‌شده در این استان فعال نیست.", "The chosen colleague is not active in this province."),
    m("invalid_assignment", "این درخواست برای تعیین مسئول رسیدگی درست نیست.", "This is not a valid assignment."),
    m("unknown_province", "نام استان شناخته نشد؛ یکی از ۳۱ استان کشور را انتخاب کنید.", "Choose one of Iran's 31 provinces."),
    m("unknown_stage", "این مرحله شناخته نیست.", "Unknown stage."),
    m("unknown_channel", "این درگاه شناخته نیست.", "Unknown channel."),
    m("invalid_channel", "این درگاه برای ثبت به‌جای شهروند نیست.", "This channel is not for filing on a citizen's behalf."),
    m("invalid_holding", "فیلتر مسئول رسیدگی درست نیست.", "Not a valid holder filter."),
    m("invalid_details", "جزئیات رأی درست نیست.", "The verdict's details are not valid."),
    m("details_not_allowed", "فقط رأی تعزیرات جزئیات دارد؛ بقیه را در توضیح بنویسید.", "Only a verdict carries details; write the rest in the note."),
    m("escalation_not_found", "این شکایت از رسیدگی باز نیست یا پیدا نشد.", "No open escalation has this id."),
    m("inbound_sms_off", "دریافت پیامک از درگاه روی این سرور فعال نیست.", "Inbound SMS pushes are not enabled on this server."),
    m("invalid_inbound_secret", "رمز مشترک درگاه پیامک درست نیست.", "The SMS gateway's shared secret is wrong or missing."),
    m("invalid_inbound_sms", "پیامک دریافتی شناسه یا فرستنده ندارد.", "The pushed SMS lacks its message id or sender."),
    m("inbound_not_found", "این پیامک پیدا نشد.", "No inbound message has this id."),
    m("inbound_handled", "این پیامک پیش‌تر ثبت یا کنار گذاشته شده است.", "This message was filed or set aside already."),
    m(
        "no_phone",
        "پیامک از شماره همراه نیامده است؛ با شهروند تماس بگیرید و شکایت را ثبت کنید.",
        "The message did not come from a mobile number; call the citizen and file it.",
    ),
    m("staff_only", "این بخش ویژه کارکنان وزارت است.", "This is for ministry staff only."),
    m("photo_not_found", "عکس پیدا نشد.", "The photo was not found."),
    m("invalid_photo_id", "شناسه عکس درست نیست.", "Not a valid photo id."),
    m("device_not_found", "این دستگاه ثبت نشده است.", "This device is not registered."),
    m("endpoint_not_allowed", "این نشانی دریافت اعلان پذیرفته نیست.", "This push endpoint is not accepted."),
    m("invalid_endpoint", "نشانی دریافت اعلان درست نیست.", "Not a valid push endpoint."),
    m("invalid_p256dh", "کلید اشتراک اعلان درست نیست.", "Not a valid push subscription key."),
    m("invalid_auth", "رمز اشتراک اعلان درست نیست.", "Not a valid push subscription secret."),
    m("invalid_token", "شناسه دستگاه برای اعلان درست نیست.", "Not a valid device token for push."),
    m("push_not_configured", "ارسال اعلان برای این نوع دستگاه روی سرور فعال نیست.", "Push for this kind of device is not configured on the server."),
    m("invalid_action_id", "شناسه اقدام درست نیست.", "Not a valid action id."),
    m("conflict", "این مورد با اطلاعات موجود تعارض دارد.", "This conflicts with what is stored."),
    m("body_too_large", "حجم درخواست یا فایل بیش از حد مجاز است.", "The request or file is too large."),
    m("invalid_json", "درخواست قابل خواندن نیست.", "The request cannot be read."),
    m("invalid_body", "درخواست قابل خواندن نیست.", "The request cannot be read."),
    m("invalid_path", "نشانی درخواست درست نیست.", "The address is not valid."),
    m("invalid_query", "پارامترهای درخواست درست نیست.", "The query is not valid."),
    m("invalid_wait", "مدت انتظار بیش از حد مجاز است.", "The wait is too long."),
    m("invalid_scale", "اندازه بارکد درست نیست.", "Not a valid barcode scale."),
    m("query_too_short", "دست‌کم دو حرف از نام یا نام شهر را بنویسید.", "Type at least two letters of the name, or a city."),
    m("no_signing_key", "این سرور کلید امضای برچسب ندارد.", "This server has no sticker signing key."),
    m("method_not_allowed", "این نوع درخواست پذیرفته نیست.", "This method is not allowed here."),
    m("timeout", "پاسخ بیش از حد طول کشید. دوباره تلاش کنید.", "The request took too long. Please try again."),
    m("csrf_failed", "این درخواست نشانه امنیتی صفحه را ندارد. صفحه را تازه کنید.", "The request lacks the page's security token. Please reload."),
    m(
        "request_timeout",
        "ارسال درخواست بیش از حد طول کشید. اتصال را بررسی کنید و دوباره بفرستید.",
        "The request arrived too slowly. Check the connection and send it again.",
    ),
    m("busy", "سامانه لحظه‌ای پرکار است. چند ثانیه بعد دوباره تلاش کنید.", "The service is busy. Try again in a few seconds."),
    m("stats_not_ready", "آمار در حال آماده شدن است. چند دقیقه بعد دوباره سر بزنید.", "The statistics are being prepared. Come back in a few minutes."),
    m(
        "complaint_quota",
        "امروز بیش از حد مجاز شکایت ثبت کرده‌اید. فردا دوباره تلاش کنید یا با ۱۲۴ تماس بگیرید.",
        "You filed the most complaints allowed today. Try tomorrow, or call 124.",
    ),
    m("photo_quota", "حجم عکس‌های این شکایت از حد مجاز بیشتر می‌شود.", "This complaint's photos would pass the size allowed."),
    m("photo_quota_daily", "امروز بیش از حد مجاز عکس فرستاده‌اید. بقیه را فردا بفرستید.", "You sent the most photos allowed today. Send the rest tomorrow."),
    m(
        "escalation_open",
        "شکایت شما از نحوه رسیدگی در حال بررسی است؛ پس از پاسخ آن می‌توانید دوباره بفرستید.",
        "Your complaint about the handling is still being looked at.",
    ),
    m("invalid_limit", "تعداد درخواستی خارج از محدوده مجاز است.", "The limit is out of range."),
    m("unavailable", "سامانه لحظه‌ای در دسترس نیست. چند ثانیه بعد دوباره تلاش کنید.", "The service is briefly unavailable. Try again in a few seconds."),
    // Per-field problems.
    m("missing_category", "نوع تخلف را انتخاب کنید.", "Choose what the violation is."),
    m("unknown_category", "نوع تخلف انتخاب‌شده معتبر نیست.", "The chosen violation type is not valid."),
    m("description_empty", "شرح شکایت را بنویسید.", "Describe what happened."),
    m("description_too_long", "شرح شکایت بیش از حد طولانی است.", "The description is too long."),
    m("too_long", "این متن بیش از حد طولانی است.", "This text is too long."),
    m("invalid_guild_id", "شناسه صنفی معتبر نیست (۱ تا ۲۰ رقم).", "Not a valid business ID (1 to 20 digits)."),
    m("invalid_date", "تاریخ معتبر نیست.", "Not a valid date."),
    m("date_in_future", "تاریخ رخداد نمی‌تواند در آینده باشد.", "The date cannot be in the future."),
    m("negative_amount", "مبلغ نمی‌تواند منفی باشد.", "The amount cannot be negative."),
    m("invalid_amount", "مبلغ را به ریال و فقط با رقم بنویسید (مثل ۲٬۵۰۰٬۰۰۰).", "Write the amount in rials, digits only (like 2,500,000)."),
    m("amount_too_large", "مبلغ بیش از حد بزرگ است.", "The amount is too large."),
    m("too_many_photos", "حداکثر ۱۰ عکس می‌توانید پیوست کنید.", "At most 10 photos."),
    m("invalid_rating", "امتیاز باید از ۱ تا ۵ باشد.", "The rating is 1 to 5."),
    m("invalid_client_id", "شناسه درخواست معتبر نیست.", "Not a valid request ID."),
    m("missing_client_id", "شناسه درخواست ارسال نشده است.", "The request ID is missing."),
    m("note_empty", "متن یادداشت را بنویسید.", "Write the note."),
];

const FALLBACK_FA: &str = "درخواست انجام نشد. لطفاً دوباره تلاش کنید.";
const FALLBACK_EN: &str = "The request could not be completed. Please try again.";

/// The Persian message for a stable error or field-problem code; a general message for a code
/// this version does not know.
pub fn error_message_fa(code: &str) -> &'static str {
    MESSAGES.iter().find(|e| e.code == code).map_or(FALLBACK_FA, |e| e.fa)
}

/// The English message for a stable error or field-problem code.
pub fn error_message_en(code: &str) -> &'static str {
    MESSAGES.iter().find(|e| e.code == code).map_or(FALLBACK_EN, |e| e.en)
}

/// Whether this version has a message of its own for `code`.
pub fn is_known_code(code: &str) -> bool {
    MESSAGES.iter().any(|e| e.code == code)
}

/// Who acted on an event, in Persian: `citizen` is the user themself ("شما"), a staff role its
/// title, anything else "سامانه".
pub fn actor_label_fa(actor: &str) -> &'static str {
    match actor {
        "citizen" => "شما",
        other => Role::from_wire(other).map_or("سامانه", Role::label_fa),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{PhoneNumber, TrackingCode};

    #[test]
    fn every_code_has_one_entry_and_both_languages() {
        for (i, e) in MESSAGES.iter().enumerate() {
            assert!(!e.fa.is_empty() && !e.en.is_empty(), "{}", e.code);
            assert!(MESSAGES[i + 1..].iter().all(|o| o.code != e.code), "{} twice", e.code);
        }
    }

    #[test]
    fn codes_the_core_produces_have_their_own_message() {
        let produced = [
            PhoneNumber::parse("12").unwrap_err().code(),
            TrackingCode::parse("x").unwrap_err().code(),
            "offline",
            "unauthorized",
            "validation_failed",
            "not_found",
            "server_error",
            "invalid_photo",
            "storage",
        ];
        for code in produced {
            assert!(is_known_code(code), "{code}");
        }
        assert_eq!(error_message_fa("no_such_code"), FALLBACK_FA);
        assert_eq!(error_message_en("offline"), MESSAGES[0].en);
    }

    #[test]
    fn every_form_problem_has_its_own_message() {
        use crate::model::api::NewComplaint;
        let long = "ب".repeat(10_000);
        let bad = [
            NewComplaint::default(),
            NewComplaint {
                category: Some("bribery".into()),
                description: Some(long.clone()),
                guild_id: Some("x".into()),
                business_name: Some(long),
                incident_date: Some("2999-01-01".into()),
                amount_rials: Some(-1),
                ..Default::default()
            },
            NewComplaint { incident_date: Some("1404-13-01".into()), amount_rials: Some(i64::MAX), ..Default::default() },
        ];
        let today = time::macros::date!(2026 - 01 - 01);
        for body in bad {
            for problem in body.validate(today).unwrap_err() {
                assert!(is_known_code(&problem.code), "{}", problem.code);
            }
        }
    }

    #[test]
    fn every_workflow_refusal_has_a_message_and_names_no_rust_type() {
        use crate::model::workflow::{check_note, check_take, check_transition, AssignDenied, ComplaintFacts, TransitionInput};
        use crate::model::{Actor, Role, Stage};
        let debug_names: Vec<String> = Stage::ALL.iter().map(|s| format!("{s:?}")).chain(Role::ALL.iter().map(|r| format!("{r:?}"))).collect();
        let mut refusals: Vec<(String, String)> = Vec::new();
        for actor in Actor::ALL {
            for from in Stage::ALL {
                for to in Stage::ALL {
                    for (has_note, has_verdict) in [(false, false), (true, true)] {
                        for wants_compensation in [false, true] {
                            let facts = ComplaintFacts { stage: from, wants_compensation };
                            if let Err(e) = check_transition(actor, &facts, &TransitionInput { to, has_note, has_verdict }) {
                                refusals.push((e.code().to_owned(), e.to_string()));
                            }
                        }
                    }
                }
            }
        }
        for role in Role::ALL {
            for stage in Stage::ALL {
                if let Err(e) = check_note(role, stage, true) {
                    refusals.push((e.code().to_owned(), e.to_string()));
                }
                if let Err(e) = check_take(role, stage, Some(99), 1) {
                    refusals.push((e.code().to_owned(), e.to_string()));
                }
            }
        }
        refusals.push((AssignDenied::AssigneeCannotHandle.code().to_owned(), AssignDenied::AssigneeCannotHandle.to_string()));
        for (code, text) in refusals {
            assert!(is_known_code(&code), "{code} has no message");
            // Single-word names (`Received`) are ordinary English; a Rust name shows as
            // CamelCase (`ExpertReview`) or a tuple (`Staff(Operator)`).
            for name in debug_names.iter().filter(|n| n.chars().filter(char::is_ascii_uppercase).count() > 1) {
                assert!(!text.contains(name.as_str()), "{text:?} shows {name}");
            }
            assert!(!text.contains("Staff("), "{text:?}");
        }
    }

    #[cfg(feature = "photo")]
    #[test]
    fn photo_refusals_have_messages() {
        let bad = crate::photo::normalize(b"BM not a bitmap").unwrap_err();
        assert!(is_known_code(bad.code()));
        assert!(is_known_code("image_too_large"));
    }

    #[test]
    fn field_problems_carry_their_persian_message() {
        let f = crate::model::api::FieldError::new("category", "missing_category", "choose a category");
        assert_eq!(f.message_fa, error_message_fa("missing_category"));
    }

    #[test]
    fn actors_read_as_people_not_wire_names() {
        assert_eq!(actor_label_fa("citizen"), "شما");
        assert_eq!(actor_label_fa("inspector"), "بازرس");
        assert_eq!(actor_label_fa("system"), "سامانه");
    }
}
