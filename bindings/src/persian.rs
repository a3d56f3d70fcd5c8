//! Persian first: the labels of stages, categories, channels and licence states (methods on
//! the enums: `stage.labelFa()` in Kotlin), the category picker's list, and Solar Hijri dates.
//! Every text comes from the core (`Stage::label_fa`, `model::labels`, `model::jalali`).

use samat_core::model::jalali::{self, JalaliDate};
use samat_core::model::text::persian_digits;

use crate::records::{Category, CategoryInfo, Channel, JalaliDay, LicenceStatus, Stage};

#[uniffi::export]
impl Stage {
    /// The Persian label shown to citizens (the one the SMS uses).
    pub fn label_fa(&self) -> String {
        samat_core::model::Stage::from(*self).label_fa().to_owned()
    }

    /// The English label.
    pub fn label_en(&self) -> String {
        samat_core::model::Stage::from(*self).label_en().to_owned()
    }

    /// The wire name (`expert_review`, ...).
    pub fn wire_name(&self) -> String {
        samat_core::model::Stage::from(*self).wire_name().to_owned()
    }

    /// Whether nothing can follow (verdict, resolved, dismissed, withdrawn).
    pub fn is_final(&self) -> bool {
        samat_core::model::Stage::from(*self).is_final()
    }
}

#[uniffi::export]
impl Category {
    /// The Persian label.
    pub fn label_fa(&self) -> String {
        samat_core::model::Category::from(*self).label_fa().to_owned()
    }

    /// The English label.
    pub fn label_en(&self) -> String {
        samat_core::model::Category::from(*self).label_en().to_owned()
    }

    /// The wire name, what `DraftFields.category` takes.
    pub fn wire_name(&self) -> String {
        samat_core::model::Category::from(*self).wire_name().to_owned()
    }
}

#[uniffi::export]
impl Channel {
    /// The Persian label.
    pub fn label_fa(&self) -> String {
        samat_core::model::Channel::from(*self).label_fa().to_owned()
    }
}

#[uniffi::export]
impl LicenceStatus {
    /// The Persian label.
    pub fn label_fa(&self) -> String {
        samat_core::model::api::LicenceStatus::from(*self).label_fa().to_owned()
    }
}

/// Every category in the seed article's order, with labels: the category picker.
#[uniffi::export]
pub fn categories() -> Vec<CategoryInfo> {
    samat_core::model::Category::ALL
        .into_iter()
        .map(|c| CategoryInfo { category: c.into(), wire_name: c.wire_name().into(), label_fa: c.label_fa().into(), label_en: c.label_en().into() })
        .collect()
}

/// Every stage in workflow order (the progress bar on the detail screen).
#[uniffi::export]
pub fn stages() -> Vec<Stage> {
    samat_core::model::Stage::ALL.into_iter().map(Into::into).collect()
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
    JalaliDate::of_instant(jalali::instant_from_millis(at_ms)).into()
}

/// A Solar Hijri day as the Gregorian `YYYY-MM-DD` that `DraftFields.incident_date` takes;
/// none when the day does not exist. For a Jalali date picker.
#[uniffi::export]
pub fn jalali_to_iso_date(day: JalaliDay) -> Option<String> {
    JalaliDate { year: day.year, month: day.month, day: day.day }.to_gregorian().map(|d| format!("{:04}-{:02}-{:02}", d.year(), d.month() as u8, d.day()))
}

/// A Gregorian `YYYY-MM-DD` as a Solar Hijri day; none when it is not a date.
#[uniffi::export]
pub fn iso_date_to_jalali(iso_date: String) -> Option<JalaliDay> {
    samat_core::model::api::parse_date(&iso_date).map(|d| JalaliDate::from_gregorian(d).into())
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
        .map_err(|_| samat_core::ClientError::invalid("amount_rials", "invalid_amount", "write the amount in rials, digits only").into())
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
