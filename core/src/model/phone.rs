//! Iranian mobile numbers, accepted in every form people write them and stored as `+989XXXXXXXXX`.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::text::digits_only;

/// Why a phone number was refused. Its [`code`](PhoneError::code) is always `invalid_phone`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not an Iranian mobile number (expected 09xxxxxxxxx or +989xxxxxxxxx)")]
pub struct PhoneError;

impl PhoneError {
    /// The stable error code clients translate.
    pub fn code(&self) -> &'static str {
        "invalid_phone"
    }
}

/// A normalised Iranian mobile number, always `+989` followed by nine digits.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PhoneNumber(String);

impl PhoneNumber {
    /// Parses `09…`, `9…`, `+98…`, `0098…`, `98…` with Persian or Arabic-Indic digits, spaces
    /// and dashes (and brackets around the area prefix).
    pub fn parse(input: &str) -> Result<Self, PhoneError> {
        let trimmed = input.trim();
        let (plus, rest) = match trimmed.strip_prefix('+') {
            Some(r) => (true, r),
            None => (false, trimmed),
        };
        let cleaned: String = rest.chars().filter(|c| !matches!(c, '(' | ')')).collect();
        let digits = digits_only(&cleaned).ok_or(PhoneError)?;
        let national = if plus {
            digits.strip_prefix("98").ok_or(PhoneError)?
        } else if let Some(r) = digits.strip_prefix("0098") {
            r
        } else if digits.len() == 12 && digits.starts_with("98") {
            &digits[2..]
        } else if let Some(r) = digits.strip_prefix('0') {
            r
        } else {
            &digits
        };
        if national.len() != 10 || !national.starts_with('9') {
            return Err(PhoneError);
        }
        Ok(PhoneNumber(format!("+98{national}")))
    }

    /// The canonical `+989XXXXXXXXX` form.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The national form `09XXXXXXXXX` that Iranian SMS gateways expect.
    pub fn national(&self) -> String {
        format!("0{}", &self.0[3..])
    }

    /// A form safe for logs: `+98912***4567`.
    pub fn masked(&self) -> String {
        format!("{}***{}", &self.0[..6], &self.0[self.0.len() - 4..])
    }
}

impl fmt::Display for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Debug output is masked so a phone number never ends up whole in a log or an error.
impl fmt::Debug for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PhoneNumber({})", self.masked())
    }
}

impl std::str::FromStr for PhoneNumber {
    type Err = PhoneError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl Serialize for PhoneNumber {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for PhoneNumber {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        PhoneNumber::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_common_spelling_normalises_to_the_same_number() {
        for input in [
            "09121234567",
            "9121234567",
            "+989121234567",
            "00989121234567",
            "989121234567",
            "۰۹۱۲۱۲۳۴۵۶۷",
            "٠٩١٢١٢٣٤٥٦٧",
            "0912 123 4567",
            "0912-123-4567",
            "+98 (912) 123-4567",
            " ۰۹۱۲ ۱۲۳ ۴۵ ۶۷ ",
        ] {
            assert_eq!(PhoneNumber::parse(input).unwrap().as_str(), "+989121234567", "{input}");
        }
    }

    #[test]
    fn non_mobile_or_malformed_numbers_are_rejected() {
        for input in [
            "",
            "02112345678",  // Tehran landline
            "0912123456",   // too short
            "091212345678", // too long
            "+19121234567", // not Iran
            "+989121234567x",
            "0912l234567", // letter l
            "98912123456", // 98 prefix but one digit short
            "++989121234567",
            "8121234567",
        ] {
            let err = PhoneNumber::parse(input).unwrap_err();
            assert_eq!(err.code(), "invalid_phone", "{input}");
        }
    }

    #[test]
    fn national_and_masked_forms() {
        let p = PhoneNumber::parse("09121234567").unwrap();
        assert_eq!(p.national(), "09121234567");
        assert_eq!(p.masked(), "+98912***4567");
        assert!(!format!("{p:?}").contains("1234567"));
    }

    #[test]
    fn serde_round_trip_normalises() {
        let p: PhoneNumber = serde_json::from_str("\"۰۹۱۲۱۲۳۴۵۶۷\"").unwrap();
        assert_eq!(serde_json::to_string(&p).unwrap(), "\"+989121234567\"");
    }
}
