//! Tracking codes typed off an SMS: [`TrackingCode::parse`].

use samat_core::model::text::{digits_only, persian_digits};
use samat_core::model::{TrackingCode, TrackingCodeError};

/// Parses the bytes as a tracking code. An accepted code is ten ASCII digits that parse back
/// in every written form, and its check digit is right: changing any one digit makes it a
/// typo. A refused one is refused for the reason it says: `Malformed` exactly when the input
/// is not ten digits and separators; `CheckDigit` for ten digits of which exactly one choice
/// of the last would pass.
pub fn tracking_code(data: &[u8]) {
    let Some(input) = crate::text_of(data, crate::MAX_TEXT_BYTES) else { return };
    let digits = digits_only(input.trim()).filter(|d| d.len() == 10);
    match TrackingCode::parse(&input) {
        Ok(code) => accepted(code),
        Err(TrackingCodeError::Malformed) => assert!(digits.is_none(), "{input:?} has ten digits but was called malformed"),
        Err(TrackingCodeError::CheckDigit) => {
            let digits = digits.unwrap_or_else(|| panic!("{input:?} is not ten digits but was called a typo"));
            let valid_last = (b'0'..=b'9').filter(|&d| TrackingCode::parse(&with_digit(&digits, 9, d)).is_ok()).count();
            assert_eq!(valid_last, 1, "{digits}: one check digit completes any nine digits");
        }
    }
}

fn accepted(code: TrackingCode) {
    let s = code.as_str();
    assert!(s.len() == 10 && s.bytes().all(|b| b.is_ascii_digit()), "{s:?}");
    for form in [s.to_owned(), code.grouped(), persian_digits(s), persian_digits(&code.grouped())] {
        assert_eq!(TrackingCode::parse(&form), Ok(code), "{form:?}");
    }
    for (i, old) in s.bytes().enumerate() {
        for d in (b'0'..=b'9').filter(|&d| d != old) {
            let typo = with_digit(s, i, d);
            assert_eq!(TrackingCode::parse(&typo), Err(TrackingCodeError::CheckDigit), "{s} -> {typo} is not caught");
        }
    }
    let json = serde_json::to_string(&code).expect("a code serialises");
    assert_eq!(serde_json::from_str::<TrackingCode>(&json).ok(), Some(code));
}

/// `digits` with the digit at `i` replaced by `d`.
fn with_digit(digits: &str, i: usize, d: u8) -> String {
    let mut bytes = digits.as_bytes().to_vec();
    bytes[i] = d;
    String::from_utf8(bytes).unwrap_or_default()
}
