//! Persian first: the category picker's list, and Solar Hijri dates. The labels of stages,
//! categories, channels and licence states are methods the core exports on its enums
//! (`stage.labelFa()` in Kotlin; see `samat-core`'s `ffi.rs`).
//! Every text comes from the core (`Stage::label_fa`, `model::labels`, `model::jalali`).

use samat_core::model::jalali::{self, JalaliDate};
use samat_core::model::text::persian_digits;

use crate::records::{Category, CategoryInfo, JalaliDay, Stage};

/// Every category in the seed article's order, with labels: the category picker.
#[uniffi::export]
pub fn categories() -> Vec<CategoryInfo> {
    Category::ALL
        .into_iter()
        .map(|c| CategoryInfo { category: c, wire_name: c.wire_name().into(), label_fa: c.label_fa().into(), label_en: c.label_en().into() })
        .collect()
}

/// Every stage in workflow order (the progress bar on the detail screen).
#[uniffi::export]
pub fn stages() -> Vec<Stage> {
    Stage::ALL.to_vec()
}

/// An instant (ms since the epoch) in the Solar Hijri calendar, Iran time:
/// `۷ آذر ۱۴۰۵، ۱۴:۰۵`.
#[uniffi::export]
pub fn format_jalali(at_ms: i64) -> String {
    jalali::format_instant_fa(jalali::instant_from_millis(at_ms))
}

/// The Solar Hijri day an instant (ms since the epoch) falls on in Iran.
#[uniffi::export]
pub fn jalali_day(at_ms: i64) -> JalaliDay {
    JalaliDate::of_instant(jalali::instant_from_millis(at_ms))
}

/// A Solar Hijri day as the Gregorian `YYYY-MM-DD` that `DraftFields.incident_date` takes;
/// none when the day does not exist. For a Jalali date picker.
#[uniffi::export]
pub fn jalali_to_iso_date(day: JalaliDay) -> Option<String> {
    day.to_gregorian().map(|d| format!("{:04}-{:02}-{:02}", d.year(), d.month() as u8, d.day()))
}

/// A Gregorian `YYYY-MM-DD` as a Solar Hijri day; none when it is not a date.
#[uniffi::export]
pub fn iso_date_to_jalali(iso_date: String) -> Option<JalaliDay> {
    samat_core::model::api::parse_date(&iso_date).map(JalaliDate::from_gregorian)
}

/// The Persian month names, Farvardin first.
#[uniffi::export]
pub fn jalali_month_names() -> Vec<String> {
    jalali::MONTHS_FA.iter().map(|m| m.to_string()).collect()
}

/// An amount of rials as typed in a form (`۲٬۵۰۰٬۰۰۰`, `2,500,000`, Persian or Arabic digits,
/// any thousands separator): none for an empty field; `Invalid` with `invalid_amount` for
/// anything that is not a whole number.
#[uniffi::export]
pub fn parse_rials(text: String) -> Result<Option<i64>, crate::SamatError> {
    samat_core::model::text::parse_rials(&text)
        .map_err(|_| samat_core::ClientError::invalid("amount_rials", "invalid_amount", "write the amount in rials, digits only"))
}

/// An amount of rials as people read it: `۲٬۵۰۰٬۰۰۰ ریال`.
#[uniffi::export]
pub fn format_rials(amount: i64) -> String {
    samat_core::model::text::format_rials_fa(amount)
}

/// `text` with Persian digits (amounts, counts) for display. Tracking codes are shown as
/// they come, in Latin digits, the way the SMS writes them.
#[uniffi::export]
pub fn to_persian_digits(text: String) -> String {
    persian_digits(&text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_and_dates_come_from_the_core() {
        assert_eq!(Stage::ExpertReview.label_fa(), "در حال بررسی کارشناس");
        assert_eq!(categories().len(), 9);
        assert_eq!(categories()[0].wire_name, "smuggled_goods");
        assert_eq!(stages().len(), 10);
        // 2026-11-28T10:35:00Z is 14:05 in Tehran, 7 Azar 1405.
        assert_eq!(format_jalali(1_795_862_100_000), "۷ آذر ۱۴۰۵، ۱۴:۰۵");
        let day = JalaliDay { year: 1405, month: 9, day: 7 };
        assert_eq!(jalali_to_iso_date(day).as_deref(), Some("2026-11-28"));
        assert_eq!(iso_date_to_jalali("2026-11-28".into()), Some(day));
        assert_eq!(jalali_to_iso_date(JalaliDay { year: 1405, month: 13, day: 1 }), None);
        assert_eq!(to_persian_digits("4013016562".into()), "۴۰۱۳۰۱۶۵۶۲");
    }
}

/// The Persian message for a stable error or field code (for codes kept from earlier, e.g. a
/// draft's `last_error`).
#[uniffi::export]
pub fn error_message_fa(code: String) -> String {
    samat_core::model::labels::error_message_fa(&code).to_owned()
}

/// The English message for a stable error or field code.
#[uniffi::export]
pub fn error_message_en(code: String) -> String {
    samat_core::model::labels::error_message_en(&code).to_owned()
}
