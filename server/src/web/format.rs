//! How the pages write what a person reads: Persian digits, Jalali dates, ages ("۳ روز"),
//! amounts in rials, and the Persian names of codes. Templates receive these strings ready.

use samat_core::model::jalali::{format_instant_fa, JalaliDate};
use samat_core::model::text::{format_rials_fa, persian_digits};
use time::OffsetDateTime;

/// `۷ آذر ۱۴۰۵، ۱۴:۰۵` (Iran time).
pub fn when(at: OffsetDateTime) -> String {
    format_instant_fa(at)
}

/// `۱۴۰۵/۰۹/۰۷`.
pub fn day(date: time::Date) -> String {
    JalaliDate::from_gregorian(date).format_numeric_fa()
}

/// How long something has waited, in the largest whole unit: «۳ روز», «۵ ساعت», «۱۲ دقیقه»,
/// «کمتر از یک دقیقه».
pub fn age(seconds: i64) -> String {
    let s = seconds.max(0);
    let (n, unit) = if s >= 86_400 {
        (s / 86_400, "روز")
    } else if s >= 3_600 {
        (s / 3_600, "ساعت")
    } else if s >= 60 {
        (s / 60, "دقیقه")
    } else {
        return "کمتر از یک دقیقه".to_owned();
    };
    format!("{} {unit}", persian_digits(&n.to_string()))
}

/// `۲٬۵۰۰٬۰۰۰ ریال`.
pub fn rials(amount: i64) -> String {
    format_rials_fa(amount)
}

/// A number with Persian digits.
pub fn number(n: i64) -> String {
    persian_digits(&n.to_string())
}

/// A tracking code or other code as people read it: Latin digits, grouped for reading aloud
/// over the phone («401 301 6562» reads as three short groups).
pub fn spaced_code(code: &str) -> String {
    match code.len() {
        10 => format!("{} {} {}", &code[..3], &code[3..6], &code[6..]),
        _ => code.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_read_in_the_largest_whole_unit() {
        for (seconds, expected) in
            [(-5, "کمتر از یک دقیقه"), (59, "کمتر از یک دقیقه"), (60, "۱ دقیقه"), (3_599, "۵۹ دقیقه"), (7_200, "۲ ساعت"), (3 * 86_400 + 5, "۳ روز")]
        {
            assert_eq!(age(seconds), expected, "{seconds}");
        }
    }

    #[test]
    fn codes_are_grouped_for_reading_aloud() {
        assert_eq!(spaced_code("4013016562"), "401 301 6562");
        assert_eq!(spaced_code("12"), "12");
    }
}
