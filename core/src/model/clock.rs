//! Time as the 124 service counts it: Iran Standard Time (UTC+03:30, no daylight saving since
//! 2022), so "today" and "in the future" mean the same on the phone and on the server.

use time::{Date, OffsetDateTime, UtcOffset};

/// Iran Standard Time.
pub const IRAN: UtcOffset = match UtcOffset::from_hms(3, 30, 0) {
    Ok(o) => o,
    Err(_) => UtcOffset::UTC,
};

/// Today's date in Iran.
pub fn today_in_iran() -> Date {
    OffsetDateTime::now_utc().to_offset(IRAN).date()
}
