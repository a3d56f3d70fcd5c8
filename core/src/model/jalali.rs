//! Dates in the Solar Hijri (Jalali) calendar, the one Iranians read: "۷ آذر ۱۴۰۵".
//!
//! The calendar arithmetic is ICU4X's (`icu_calendar`'s `Persian`, the same rules as CLDR and
//! the platforms' own calendars); this module only picks Iran's clock for the day boundary and
//! writes the result with Persian digits and month names.

use icu_calendar::cal::Persian;
use icu_calendar::Date as IcuDate;
use time::{Date, Month, OffsetDateTime};

use super::clock::IRAN;
use super::text::persian_digits;

/// A day of the Solar Hijri calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record), uniffi(name = "JalaliDay"))]
pub struct JalaliDate {
    /// Year of the Hijra (solar), e.g. 1405.
    pub year: i32,
    /// 1 (Farvardin) to 12 (Esfand).
    pub month: u8,
    /// 1 to 31.
    pub day: u8,
}

/// The Persian month names, Farvardin first.
pub const MONTHS_FA: [&str; 12] = ["فروردین", "اردیبهشت", "خرداد", "تیر", "مرداد", "شهریور", "مهر", "آبان", "آذر", "دی", "بهمن", "اسفند"];

/// The Persian weekday names, Monday first (ISO order).
const WEEKDAYS_FA: [&str; 7] = ["دوشنبه", "سه‌شنبه", "چهارشنبه", "پنجشنبه", "جمعه", "شنبه", "یکشنبه"];

impl JalaliDate {
    /// The Jalali day of a Gregorian date.
    pub fn from_gregorian(date: Date) -> JalaliDate {
        let persian = iso(date).to_calendar(Persian);
        JalaliDate { year: persian.era_year().year, month: persian.month().ordinal, day: persian.day_of_month().0 }
    }

    /// The Jalali day an instant falls on in Iran (UTC+03:30), whatever the phone's time zone.
    pub fn of_instant(at: OffsetDateTime) -> JalaliDate {
        JalaliDate::from_gregorian(in_iran(at).date())
    }

    /// The Gregorian date of this day, or `None` when it does not exist (month 13, 31 Mehr, ...).
    pub fn to_gregorian(self) -> Option<Date> {
        let persian = IcuDate::try_new_persian(self.year, self.month, self.day).ok()?;
        let g = persian.to_calendar(icu_calendar::Iso);
        let month = Month::try_from(g.month().ordinal).ok()?;
        Date::from_calendar_date(g.era_year().extended_year, month, g.day_of_month().0).ok()
    }

    /// The month's Persian name.
    pub fn month_name_fa(self) -> &'static str {
        MONTHS_FA[(self.month.clamp(1, 12) - 1) as usize]
    }

    /// `۱۴۰۵/۰۹/۰۷`: the short form, for lists.
    pub fn format_numeric_fa(self) -> String {
        persian_digits(&format!("{:04}/{:02}/{:02}", self.year, self.month, self.day))
    }

    /// `۷ آذر ۱۴۰۵`: the long form, for a detail screen.
    pub fn format_long_fa(self) -> String {
        persian_digits(&format!("{} {} {}", self.day, self.month_name_fa(), self.year))
    }
}

fn iso(date: Date) -> IcuDate<icu_calendar::Iso> {
    // A `time::Date` is always a valid ISO date within ICU's range (±9999 years).
    IcuDate::try_new_iso(date.year(), date.month() as u8, date.day()).unwrap_or_else(|_| IcuDate::try_new_iso(1970, 1, 1).expect("epoch"))
}

/// `۷ آذر ۱۴۰۵، ۱۴:۰۵` in Iran's time: how the app shows when something happened.
pub fn format_instant_fa(at: OffsetDateTime) -> String {
    let local = in_iran(at);
    let day = JalaliDate::from_gregorian(local.date());
    format!("{}، {}", day.format_long_fa(), persian_digits(&format!("{:02}:{:02}", local.hour(), local.minute())))
}

/// `شنبه ۷ آذر ۱۴۰۵`: a day with its weekday, for section headers.
pub fn format_day_with_weekday_fa(date: Date) -> String {
    let weekday = WEEKDAYS_FA[date.weekday().number_days_from_monday() as usize];
    format!("{weekday} {}", JalaliDate::from_gregorian(date).format_long_fa())
}

/// `at` in Iran's time; at the very edge of the representable range (where the offset
/// would overflow) the instant is kept as it is rather than panicking.
fn in_iran(at: OffsetDateTime) -> OffsetDateTime {
    at.checked_to_offset(IRAN).unwrap_or(at)
}

/// An instant given as milliseconds since the Unix epoch (what the mobile bindings pass).
pub fn instant_from_millis(ms: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(ms as i128 * 1_000_000).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// Milliseconds since the Unix epoch.
pub fn millis(at: OffsetDateTime) -> i64 {
    (at.unix_timestamp_nanos() / 1_000_000) as i64
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    #[test]
    fn known_days_convert_both_ways() {
        // Nowruz, and days the whole country knows.
        let cases = [
            (date!(2024 - 03 - 20), JalaliDate { year: 1403, month: 1, day: 1 }),
            (date!(2025 - 03 - 21), JalaliDate { year: 1404, month: 1, day: 1 }),
            (date!(2025 - 03 - 20), JalaliDate { year: 1403, month: 12, day: 30 }), // 1403 is a leap year
            (date!(1979 - 02 - 11), JalaliDate { year: 1357, month: 11, day: 22 }),
            (date!(2026 - 11 - 28), JalaliDate { year: 1405, month: 9, day: 7 }),
        ];
        for (g, j) in cases {
            assert_eq!(JalaliDate::from_gregorian(g), j, "{g}");
            assert_eq!(j.to_gregorian(), Some(g), "{j:?}");
        }
    }

    #[test]
    fn impossible_days_have_no_gregorian_date() {
        assert_eq!(JalaliDate { year: 1404, month: 13, day: 1 }.to_gregorian(), None);
        assert_eq!(JalaliDate { year: 1404, month: 7, day: 31 }.to_gregorian(), None);
        assert_eq!(JalaliDate { year: 1404, month: 12, day: 30 }.to_gregorian(), None, "1404 is not a leap year");
    }

    #[test]
    fn a_day_is_counted_on_iran_time() {
        // 21:00 UTC on 20 March 2025 is already 00:30 on Nowruz in Tehran.
        let at = datetime!(2025-03-20 21:00 UTC);
        assert_eq!(JalaliDate::of_instant(at), JalaliDate { year: 1404, month: 1, day: 1 });
        assert_eq!(format_instant_fa(at), "۱ فروردین ۱۴۰۴، ۰۰:۳۰");
    }

    #[test]
    fn formats_use_persian_digits_and_month_names() {
        let d = JalaliDate { year: 1405, month: 9, day: 7 };
        assert_eq!(d.format_numeric_fa(), "۱۴۰۵/۰۹/۰۷");
        assert_eq!(d.format_long_fa(), "۷ آذر ۱۴۰۵");
        assert_eq!(format_day_with_weekday_fa(date!(2026 - 11 - 28)), "شنبه ۷ آذر ۱۴۰۵");
        assert_eq!(millis(instant_from_millis(1_764_000_000_123)), 1_764_000_000_123);
    }

    #[test]
    fn every_day_of_a_century_round_trips() {
        let mut d = date!(1950 - 01 - 01);
        let mut previous = JalaliDate::from_gregorian(d.previous_day().unwrap());
        while d < date!(2050 - 01 - 01) {
            let j = JalaliDate::from_gregorian(d);
            assert!(j > previous, "{d}");
            assert_eq!(j.to_gregorian(), Some(d));
            previous = j;
            d = d.next_day().unwrap();
        }
    }
}

#[cfg(test)]
mod edge_tests {
    use super::*;

    #[test]
    fn the_last_instants_of_the_calendar_do_not_panic() {
        for ms in [253_402_300_799_000i64, -377_705_116_800_000, i64::MAX, i64::MIN] {
            let at = instant_from_millis(ms);
            let _ = format_instant_fa(at);
            let _ = JalaliDate::of_instant(at);
        }
    }
}
