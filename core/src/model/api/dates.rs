//! Days on the wire and as citizens type them.

use time::Date;

use crate::model::jalali::JalaliDate;
use crate::model::text;

/// Parses a `YYYY-MM-DD` date, Persian digits allowed.
pub fn parse_date(s: &str) -> Option<Date> {
    let ascii = text::ascii_digits(s.trim());
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(&ascii, fmt).ok()
}

/// Parses the day of an incident as a citizen writes it: `YYYY-MM-DD` in the Gregorian
/// calendar, or a Solar Hijri (Jalali) date — the one Iranians use, `۱۴۰۳/۰۵/۱۰` or
/// `1403-05-10` — recognised by its year (1300–1499) and converted. `/`, `-`, `.` and the
/// Arabic date separator separate; Persian and Arabic-Indic digits are fine. `None` for
/// anything else, an impossible day, or a Gregorian year before 1900.
pub fn parse_incident_date(s: &str) -> Option<Date> {
    let ascii = text::ascii_digits(s.trim());
    let parts: Vec<&str> = ascii.split(['-', '/', '.', '\u{060D}']).collect();
    let [y, m, d] = parts.as_slice() else { return None };
    if y.len() != 4 || !(1..=2).contains(&m.len()) || !(1..=2).contains(&d.len()) {
        return None;
    }
    let (year, month, day): (i32, u8, u8) = (y.parse().ok()?, m.parse().ok()?, d.parse().ok()?);
    match year {
        1300..=1499 => JalaliDate { year, month, day }.to_gregorian(),
        1900..=9999 => Date::from_calendar_date(year, time::Month::try_from(month).ok()?, day).ok(),
        _ => None,
    }
}

/// A day on the wire: `"YYYY-MM-DD"`. Reading also takes `[year, day of year]`, the shape
/// earlier builds wrote (and apps may still hold in their local copies).
pub(super) mod iso_date {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use time::Date;

    const FORMAT: &[time::format_description::BorrowedFormatItem<'static>] = time::macros::format_description!("[year]-[month]-[day]");

    pub fn serialize<S: Serializer>(date: &Option<Date>, s: S) -> Result<S::Ok, S::Error> {
        date.map(|d| d.format(FORMAT)).transpose().map_err(serde::ser::Error::custom)?.serialize(s)
    }

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Wire {
        Text(String),
        OrdinalPair(i32, u16),
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Date>, D::Error> {
        match Option::<Wire>::deserialize(d)? {
            None => Ok(None),
            Some(Wire::Text(t)) => Date::parse(&t, FORMAT).map(Some).map_err(serde::de::Error::custom),
            Some(Wire::OrdinalPair(y, o)) => Date::from_ordinal_date(y, o).map(Some).map_err(serde::de::Error::custom),
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_day_goes_on_the_wire_as_yyyy_mm_dd_and_old_copies_still_read() {
        #[derive(serde::Serialize, serde::Deserialize, PartialEq, Debug)]
        struct T {
            #[serde(default, skip_serializing_if = "Option::is_none", with = "super::iso_date")]
            d: Option<time::Date>,
        }
        let day = time::macros::date!(2024 - 07 - 31);
        assert_eq!(serde_json::to_string(&T { d: Some(day) }).unwrap(), r#"{"d":"2024-07-31"}"#);
        assert_eq!(serde_json::to_string(&T { d: None }).unwrap(), "{}");
        for old in [r#"{"d":"2024-07-31"}"#, r#"{"d":[2024,213]}"#] {
            assert_eq!(serde_json::from_str::<T>(old).unwrap(), T { d: Some(day) }, "{old}");
        }
        assert_eq!(serde_json::from_str::<T>("{}").unwrap(), T { d: None });
        assert_eq!(serde_json::from_str::<T>(r#"{"d":null}"#).unwrap(), T { d: None });
        assert!(serde_json::from_str::<T>(r#"{"d":"31/07/2024"}"#).is_err());
    }

    #[test]
    fn incident_dates_in_either_calendar() {
        let day = |y, m, d| time::Date::from_calendar_date(y, time::Month::try_from(m).unwrap(), d).unwrap();
        for (input, expected) in [
            ("2024-07-31", Some(day(2024, 7, 31))),
            ("۲۰۲۴-۰۷-۳۱", Some(day(2024, 7, 31))),
            ("۱۴۰۳/۰۵/۱۰", Some(day(2024, 7, 31))), // 10 Mordad 1403
            ("1403-05-10", Some(day(2024, 7, 31))),
            ("١٤٠٣/٥/١٠", Some(day(2024, 7, 31))), // Arabic-Indic digits, no leading zeros
            ("1403.5.10", Some(day(2024, 7, 31))),
            ("1402/12/30", None),                   // 1402 is not a leap year: no 30 Esfand
            ("1403/12/30", Some(day(2025, 3, 20))), // 1403 is
            ("1403-07-31", None),                   // Mehr has 30 days
            ("1403-13-01", None),
            ("2024-02-30", None),
            ("1850-01-01", None),
            ("0403-05-10", None),
            ("10/05/1403", None),
            ("1403-05", None),
            ("yesterday", None),
        ] {
            assert_eq!(super::parse_incident_date(input), expected, "{input}");
        }
    }
}
