//! The single fields a citizen or an operator types into a form: the incident date (Gregorian
//! or Jalali), the province, the business ID and an amount in rials.

use samat_core::model::api::{parse_date, parse_incident_date};
use samat_core::model::guild::{normalize_guild_id, MAX_GUILD_ID_DIGITS};
use samat_core::model::jalali::JalaliDate;
use samat_core::model::text::{ascii_digits, format_rials_fa, group_thousands, persian_digits};
use samat_core::model::Province;
use samat_server::web::form::parse_rials;
use time::macros::format_description;

/// Reads the bytes as each field in turn.
pub fn form_fields(data: &[u8]) {
    let Some(input) = crate::text_of(data, 1024) else { return };
    incident_date(&input);
    province(&input);
    guild_id(&input);
    rials(&input);
}

/// An accepted date is a real day from 1900 on; written `YYYY-MM-DD` it reads back the same,
/// and a Jalali date is the day the citizen typed.
fn incident_date(input: &str) {
    let Some(date) = parse_incident_date(input) else { return };
    assert!((1900..=9999).contains(&date.year()), "{date} from {input:?}");
    let iso = date.format(format_description!("[year]-[month]-[day]")).expect("a date formats");
    assert_eq!(parse_incident_date(&iso), Some(date), "{iso}");
    assert_eq!(parse_date(&iso), Some(date), "{iso}");
    let jalali = JalaliDate::from_gregorian(date);
    assert_eq!(jalali.to_gregorian(), Some(date), "{jalali:?}");
    let ascii = ascii_digits(input.trim());
    let typed: Vec<&str> = ascii.split(['-', '/', '.', '\u{060D}']).collect();
    if let [y, m, d] = typed.as_slice() {
        let (y, m, d): (i32, u8, u8) = (y.parse().unwrap_or(0), m.parse().unwrap_or(0), d.parse().unwrap_or(0));
        if (1300..=1499).contains(&y) {
            assert_eq!(jalali, JalaliDate { year: y, month: m, day: d }, "{input:?} -> {date}");
        } else {
            assert_eq!((date.year(), u8::from(date.month()), date.day()), (y, m, d), "{input:?}");
        }
    }
    if (1300..=1499).contains(&jalali.year) {
        assert_eq!(parse_incident_date(&jalali.format_numeric_fa()), Some(date), "{}", jalali.format_numeric_fa());
    }
}

/// A recognised province is also recognised by its wire name, ISO code and Persian name.
fn province(input: &str) {
    let Some(p) = Province::from_text(input) else { return };
    for name in [p.wire_name(), p.iso_code(), p.label_fa(), p.label_en()] {
        assert_eq!(Province::from_text(name), Some(p), "{name:?}");
    }
}

/// An accepted business ID is 1 to 20 ASCII digits, and a fixed point in either script.
fn guild_id(input: &str) {
    let Some(id) = normalize_guild_id(input) else { return };
    assert!(!id.is_empty() && id.len() <= MAX_GUILD_ID_DIGITS && id.bytes().all(|b| b.is_ascii_digit()), "{id:?}");
    assert_eq!(normalize_guild_id(&id).as_ref(), Some(&id));
    assert_eq!(normalize_guild_id(&persian_digits(&id)).as_ref(), Some(&id));
}

/// An accepted amount is a whole number of rials that reads back from how the pages print it.
fn rials(input: &str) {
    let Ok(Some(amount)) = parse_rials(input) else { return };
    assert!(amount >= 0, "{amount} from {input:?}");
    for printed in [amount.to_string(), group_thousands(amount, ','), format_rials_fa(amount).trim_end_matches(" ریال").to_owned()] {
        assert_eq!(parse_rials(&printed), Ok(Some(amount)), "{printed:?}");
    }
}
