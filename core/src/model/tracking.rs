//! Tracking codes (کد رهگیری): ten digits, random, the last one a Verhoeff check digit.
//!
//! Verhoeff catches every single-digit error and every swap of adjacent digits, the two
//! mistakes people make when they read a code off an SMS and type it, so the app can say
//! "this code is mistyped" without asking the server.

use std::fmt;

use rand::Rng;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::text::digits_only;

/// Number of digits in a tracking code, check digit included.
pub const TRACKING_CODE_LEN: usize = 10;

/// Why a tracking code was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TrackingCodeError {
    /// Not ten digits (after removing separators).
    #[error("a tracking code has exactly 10 digits")]
    Malformed,
    /// Ten digits, but the check digit does not match: a typo.
    #[error("this tracking code has a typo (its check digit does not match)")]
    CheckDigit,
}

impl TrackingCodeError {
    /// The stable error code clients translate (`invalid_tracking_code` for both cases, so a
    /// client needs one message; `detail` tells them apart).
    pub fn code(&self) -> &'static str {
        "invalid_tracking_code"
    }
}

/// A valid tracking code, stored as ten ASCII digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TrackingCode([u8; TRACKING_CODE_LEN]);

const D: [[u8; 10]; 10] = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    [1, 2, 3, 4, 0, 6, 7, 8, 9, 5],
    [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
    [3, 4, 0, 1, 2, 8, 9, 5, 6, 7],
    [4, 0, 1, 2, 3, 9, 5, 6, 7, 8],
    [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
    [6, 5, 9, 8, 7, 1, 0, 4, 3, 2],
    [7, 6, 5, 9, 8, 2, 1, 0, 4, 3],
    [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
    [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
];
const P: [[u8; 10]; 8] = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    [1, 5, 7, 6, 2, 8, 3, 0, 9, 4],
    [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
    [8, 9, 1, 6, 0, 4, 3, 5, 2, 7],
    [9, 4, 5, 3, 1, 2, 6, 8, 7, 0],
    [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
    [2, 7, 9, 3, 8, 0, 6, 4, 1, 5],
    [7, 0, 4, 6, 9, 1, 3, 2, 5, 8],
];
const INV: [u8; 10] = [0, 4, 3, 2, 1, 5, 6, 7, 8, 9];

/// The Verhoeff check digit for `digits` (values 0..=9, most significant first).
fn verhoeff_check_digit(digits: &[u8]) -> u8 {
    let mut c = 0u8;
    for (i, &d) in digits.iter().rev().enumerate() {
        c = D[c as usize][P[(i + 1) % 8][d as usize] as usize];
    }
    INV[c as usize]
}

/// Whether `digits` (check digit last) pass the Verhoeff check.
fn verhoeff_valid(digits: &[u8]) -> bool {
    let mut c = 0u8;
    for (i, &d) in digits.iter().rev().enumerate() {
        c = D[c as usize][P[i % 8][d as usize] as usize];
    }
    c == 0
}

impl TrackingCode {
    /// A fresh random code. The first digit is never 0, so the code survives spreadsheets and
    /// people who drop leading zeros.
    pub fn generate<R: Rng + ?Sized>(rng: &mut R) -> Self {
        let mut digits = [0u8; TRACKING_CODE_LEN];
        digits[0] = rng.gen_range(1..=9);
        for d in digits.iter_mut().take(TRACKING_CODE_LEN - 1).skip(1) {
            *d = rng.gen_range(0..=9);
        }
        digits[TRACKING_CODE_LEN - 1] = verhoeff_check_digit(&digits[..TRACKING_CODE_LEN - 1]);
        TrackingCode(digits.map(|d| b'0' + d))
    }

    /// Parses a code typed or pasted by a person: Persian or Arabic-Indic digits, spaces and
    /// dashes are fine; the check digit must match.
    pub fn parse(input: &str) -> Result<Self, TrackingCodeError> {
        let digits = digits_only(input.trim()).ok_or(TrackingCodeError::Malformed)?;
        if digits.len() != TRACKING_CODE_LEN {
            return Err(TrackingCodeError::Malformed);
        }
        let values: Vec<u8> = digits.bytes().map(|b| b - b'0').collect();
        if !verhoeff_valid(&values) {
            return Err(TrackingCodeError::CheckDigit);
        }
        let mut out = [0u8; TRACKING_CODE_LEN];
        out.copy_from_slice(digits.as_bytes());
        Ok(TrackingCode(out))
    }

    /// The ten ASCII digits.
    pub fn as_str(&self) -> &str {
        // Only ever built from ASCII digits.
        std::str::from_utf8(&self.0).unwrap_or("0000000000")
    }

    /// A grouped form for reading aloud or printing: `123-456-7890`.
    pub fn grouped(&self) -> String {
        let s = self.as_str();
        format!("{}-{}-{}", &s[..3], &s[3..6], &s[6..])
    }
}

impl fmt::Display for TrackingCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for TrackingCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TrackingCode({})", self.as_str())
    }
}

impl std::str::FromStr for TrackingCode {
    type Err = TrackingCodeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl Serialize for TrackingCode {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for TrackingCode {
    fn deserialize<D2: Deserializer<'de>>(d: D2) -> Result<Self, D2::Error> {
        let s = String::deserialize(d)?;
        TrackingCode::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for TrackingCode {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .pattern(Some("^[0-9]{10}$"))
            .description(Some("Ten-digit tracking code with a Verhoeff check digit"))
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for TrackingCode {}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn permutation_table_rows_are_successive_powers() {
        for k in 1..8 {
            for x in 0..10 {
                assert_eq!(P[k][x], P[1][P[k - 1][x] as usize], "P[{k}][{x}]");
            }
        }
        for j in 0..10 {
            assert_eq!(D[j][INV[j] as usize], 0, "INV[{j}]");
        }
    }

    #[test]
    fn verhoeff_known_vectors() {
        // Classic published examples: 236 -> 3, 12345 -> 1, 142857 -> 0.
        for (input, check) in [(&[2u8, 3, 6][..], 3u8), (&[1, 2, 3, 4, 5], 1), (&[1, 4, 2, 8, 5, 7], 0)] {
            assert_eq!(verhoeff_check_digit(input), check, "{input:?}");
            let mut full = input.to_vec();
            full.push(check);
            assert!(verhoeff_valid(&full));
        }
    }

    #[test]
    fn generated_codes_parse_back_in_every_script() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        for _ in 0..1000 {
            let code = TrackingCode::generate(&mut rng);
            assert_eq!(code.as_str().len(), 10);
            assert_ne!(&code.as_str()[..1], "0");
            assert_eq!(TrackingCode::parse(code.as_str()), Ok(code));
            assert_eq!(TrackingCode::parse(&code.grouped()), Ok(code));
            let persian = super::super::text::persian_digits(code.as_str());
            assert_eq!(TrackingCode::parse(&persian), Ok(code));
        }
    }

    #[test]
    fn every_single_digit_typo_and_adjacent_swap_is_caught() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(11);
        for _ in 0..200 {
            let code = TrackingCode::generate(&mut rng);
            let s = code.as_str().as_bytes().to_vec();
            for i in 0..10 {
                for d in b'0'..=b'9' {
                    if d == s[i] {
                        continue;
                    }
                    let mut t = s.clone();
                    t[i] = d;
                    let typo = String::from_utf8(t).unwrap();
                    assert_eq!(TrackingCode::parse(&typo), Err(TrackingCodeError::CheckDigit), "{typo}");
                }
                if i + 1 < 10 && s[i] != s[i + 1] {
                    let mut t = s.clone();
                    t.swap(i, i + 1);
                    let swapped = String::from_utf8(t).unwrap();
                    assert_eq!(TrackingCode::parse(&swapped), Err(TrackingCodeError::CheckDigit), "{swapped}");
                }
            }
        }
    }

    #[test]
    fn malformed_codes_are_rejected() {
        for input in ["", "123", "12345678901", "12345abcde", "۱۲۳"] {
            assert_eq!(TrackingCode::parse(input), Err(TrackingCodeError::Malformed), "{input}");
        }
    }

    #[test]
    fn generated_codes_are_not_sequential() {
        let mut rng = rand::thread_rng();
        let a = TrackingCode::generate(&mut rng);
        let b = TrackingCode::generate(&mut rng);
        assert_ne!(a, b);
    }
}
