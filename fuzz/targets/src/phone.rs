//! Phone numbers as citizens type them: [`PhoneNumber::parse`].

use samat_core::model::text::{ascii_digits, persian_digits};
use samat_core::model::PhoneNumber;

/// Parses the bytes as a phone number. An accepted number is `+989` and nine digits, parses
/// back to itself in its canonical, national and Persian-digit forms, keeps the digits that
/// were typed, never shows whole in `Debug`, and survives JSON.
pub fn phone(data: &[u8]) {
    let Some(input) = crate::text_of(data, crate::MAX_TEXT_BYTES) else { return };
    let phone = match PhoneNumber::parse(&input) {
        Ok(phone) => phone,
        Err(e) => return assert_eq!(e.code(), "invalid_phone"),
    };
    let canonical = phone.as_str();
    assert!(canonical.len() == 13 && canonical.starts_with("+989") && canonical[1..].bytes().all(|b| b.is_ascii_digit()), "{canonical:?} from {input:?}");
    for form in [canonical.to_owned(), phone.national(), persian_digits(&phone.national()), phone.to_string()] {
        assert_eq!(PhoneNumber::parse(&form).as_ref(), Ok(&phone), "{form:?}");
    }
    // The national number is the last ten digits typed (any script).
    let typed: String = ascii_digits(&input).chars().filter(char::is_ascii_digit).collect();
    assert!(typed.ends_with(&canonical[3..]), "{input:?} -> {canonical}");
    let masked = phone.masked();
    assert!(masked.starts_with(&canonical[..6]) && masked.ends_with(&canonical[9..]) && masked.contains("***"), "{masked}");
    assert!(!format!("{phone:?}").contains(&canonical[3..]), "Debug shows the whole number");
    let json = serde_json::to_string(&phone).expect("a phone serialises");
    assert_eq!(json, format!("\"{canonical}\""));
    assert_eq!(serde_json::from_str::<PhoneNumber>(&json).ok().as_ref(), Some(&phone));
}
