//! Filing a complaint: the fields a client sends ([`NewComplaint`]), their validation into
//! [`ComplaintFields`] (the phone runs it offline on a draft, the server again on arrival,
//! with the same codes), and the answer ([`SubmitResponse`]).

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use super::businesses::BusinessView;
use super::dates::parse_incident_date;
use super::FieldError;
use crate::model::category::Category;
use crate::model::guild::{normalize_guild_id, MAX_GUILD_ID_DIGITS};
use crate::model::province::Province;
use crate::model::stage::Stage;
use crate::model::text::{self, char_len, normalize_optional, normalize_text};
use crate::model::tracking::TrackingCode;

/// Largest amount in rials a complaint may state (a quadrillion rials: far above any retail case).
pub const MAX_AMOUNT_RIALS: i64 = 1_000_000_000_000_000;

/// The fields of a complaint as a client sends them (`POST /v1/complaints`, and inside
/// `POST /v1/staff/intake`). Fields are plain strings so that every problem gets its own
/// code from [`NewComplaint::validate`] instead of a generic JSON error.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewComplaint {
    /// A UUID made on the phone when the citizen pressed "submit": resending it returns the
    /// same complaint. Required from the app; optional for staff intake.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(format = Uuid))]
    pub client_id: Option<String>,
    /// Category wire name.
    #[serde(default)]
    pub category: Option<String>,
    /// What happened.
    #[serde(default)]
    pub description: Option<String>,
    /// The business identification code (from the guild barcode), digits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guild_id: Option<String>,
    /// The business's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub business_name: Option<String>,
    /// The business's address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub business_address: Option<String>,
    /// Province.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub province: Option<String>,
    /// City.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// When it happened, `YYYY-MM-DD` (Gregorian).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incident_date: Option<String>,
    /// The amount involved, in rials.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount_rials: Option<i64>,
    /// Whether the citizen claims damages/compensation (goes to self-regulation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wants_compensation: Option<bool>,
}

impl NewComplaint {
    /// Checks every field and returns all problems at once, or the normalised complaint.
    /// `today` is the date against which "in the future" is judged (the caller's clock, in
    /// Iran's time zone).
    pub fn validate(&self, today: Date) -> Result<ComplaintFields, Vec<FieldError>> {
        let mut errors = Vec::new();
        let category = match self.category.as_deref().map(str::trim) {
            None | Some("") => {
                errors.push(FieldError::new("category", "missing_category", "choose a category"));
                None
            }
            Some(name) => match Category::from_wire(name) {
                Some(c) => Some(c),
                None => {
                    errors.push(FieldError::new("category", "unknown_category", format!("unknown category {name:?}; see GET /v1/categories")));
                    None
                }
            },
        };
        let description = normalize_text(self.description.as_deref().unwrap_or(""));
        if description.is_empty() {
            errors.push(FieldError::new("description", "description_empty", "describe what happened"));
        } else if char_len(&description) > text::MAX_DESCRIPTION_CHARS {
            errors.push(FieldError::new("description", "description_too_long", format!("at most {} characters", text::MAX_DESCRIPTION_CHARS)));
        }
        let guild_id = match self.guild_id.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(raw) => match normalize_guild_id(raw) {
                Some(id) => Some(id),
                None => {
                    errors.push(FieldError::new("guild_id", "invalid_guild_id", format!("a business ID is 1 to {MAX_GUILD_ID_DIGITS} digits")));
                    None
                }
            },
        };
        let mut short = |field: &str, value: &Option<String>, max: usize| {
            let v = normalize_optional(value.as_deref());
            if v.as_deref().is_some_and(|v| char_len(v) > max) {
                errors.push(FieldError::new(field, "too_long", format!("at most {max} characters")));
            }
            v
        };
        let business_name = short("business_name", &self.business_name, text::MAX_SHORT_CHARS);
        let business_address = short("business_address", &self.business_address, text::MAX_ADDRESS_CHARS);
        let city = short("city", &self.city, text::MAX_SHORT_CHARS);
        let province = match normalize_optional(self.province.as_deref()) {
            None => None,
            Some(raw) => match Province::from_text(&raw) {
                Some(p) => Some(p),
                None => {
                    errors.push(FieldError::new("province", "unknown_province", "name one of Iran's 31 provinces (e.g. تهران, خراسان رضوی)"));
                    None
                }
            },
        };
        let incident_date = match self.incident_date.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(raw) => match parse_incident_date(raw) {
                None => {
                    errors.push(FieldError::new("incident_date", "invalid_date", "use YYYY-MM-DD (Gregorian) or ۱۴۰۳/۰۵/۱۰ (Jalali)"));
                    None
                }
                Some(d) if d > today => {
                    errors.push(FieldError::new("incident_date", "date_in_future", "the incident date is in the future"));
                    None
                }
                Some(d) => Some(d),
            },
        };
        match self.amount_rials {
            Some(a) if a < 0 => errors.push(FieldError::new("amount_rials", "negative_amount", "the amount cannot be negative")),
            Some(a) if a > MAX_AMOUNT_RIALS => errors.push(FieldError::new("amount_rials", "amount_too_large", "the amount is implausibly large")),
            _ => {}
        }
        match (errors.is_empty(), category) {
            (true, Some(category)) => Ok(ComplaintFields {
                category,
                description,
                guild_id,
                business_name,
                business_address,
                province,
                city,
                incident_date,
                amount_rials: self.amount_rials,
                wants_compensation: self.wants_compensation.unwrap_or(false),
            }),
            _ => Err(errors),
        }
    }

    /// Parses `client_id`, the idempotency key of a submission.
    pub fn parse_client_id(&self) -> Result<Option<Uuid>, FieldError> {
        match self.client_id.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => Ok(None),
            Some(s) => Uuid::parse_str(s).map(Some).map_err(|_| FieldError::new("client_id", "invalid_client_id", "client_id must be a UUID")),
        }
    }
}

/// A complaint that passed validation, normalised and typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComplaintFields {
    /// Category.
    pub category: Category,
    /// Normalised description.
    pub description: String,
    /// Business identification code, ASCII digits.
    pub guild_id: Option<String>,
    /// Business name.
    pub business_name: Option<String>,
    /// Business address.
    pub business_address: Option<String>,
    /// Province, when the citizen or operator named one.
    pub province: Option<Province>,
    /// City.
    pub city: Option<String>,
    /// Date of the incident.
    pub incident_date: Option<Date>,
    /// Amount in rials.
    pub amount_rials: Option<i64>,
    /// Compensation claim.
    pub wants_compensation: bool,
}

impl ComplaintFields {
    /// Completes the fields from the registry's record of the business: its name, address
    /// and city where the citizen gave none, and its province, which is where the complaint
    /// is handled (the business's province wins over one the citizen typed).
    pub fn with_business(mut self, b: &BusinessView) -> Self {
        if self.business_name.is_none() {
            self.business_name = Some(b.name.clone());
        }
        if self.business_address.is_none() {
            self.business_address = b.address.clone();
        }
        if self.city.is_none() {
            self.city = b.city.clone();
        }
        if let Some(p) = b.province.as_deref().and_then(Province::from_text) {
            self.province = Some(p);
        }
        self
    }
}

/// `POST /v1/complaints` and intake answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SubmitResponse {
    /// The tracking code (also sent by SMS).
    pub tracking_code: TrackingCode,
    /// Always `received` for a new complaint; the current stage for a resubmission.
    pub stage: Stage,
    /// The idempotency key.
    pub client_id: Uuid,
    /// The business's name as the complaint records it: the one given, else the registry's
    /// for its business ID (absent when neither names it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub business_name: Option<String>,
    /// When it was filed.
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: OffsetDateTime,
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 11 - 28);

    fn valid() -> NewComplaint {
        NewComplaint {
            client_id: Some(Uuid::new_v4().to_string()),
            category: Some("no_invoice".into()),
            description: Some("فاكتور نداد".into()),
            ..Default::default()
        }
    }

    fn codes(c: &NewComplaint) -> Vec<(String, String)> {
        c.validate(TODAY).unwrap_err().into_iter().map(|e| (e.field, e.code)).collect()
    }

    #[test]
    fn a_valid_complaint_is_normalised() {
        let mut c = valid();
        c.guild_id = Some("۱۲۳-۴۵۶".into());
        c.incident_date = Some("۲۰۲۶-۱۱-۲۰".into());
        c.business_name = Some("  فروشگاه  علي ".into());
        let f = c.validate(TODAY).unwrap();
        assert_eq!(f.category, Category::NoInvoice);
        assert_eq!(f.description, "فاکتور نداد");
        assert_eq!(f.guild_id.as_deref(), Some("123456"));
        assert_eq!(f.business_name.as_deref(), Some("فروشگاه علی"));
        assert_eq!(f.incident_date, Some(date!(2026 - 11 - 20)));
        assert!(!f.wants_compensation);
    }

    #[test]
    fn every_problem_is_reported_at_once_with_its_code() {
        let c = NewComplaint {
            client_id: None,
            category: None,
            description: Some("   ".into()),
            guild_id: Some("12a".into()),
            business_name: Some("x".repeat(201)),
            incident_date: Some("2026-11-29".into()),
            amount_rials: Some(-1),
            ..Default::default()
        };
        let got = codes(&c);
        for expected in [
            ("category", "missing_category"),
            ("description", "description_empty"),
            ("guild_id", "invalid_guild_id"),
            ("business_name", "too_long"),
            ("incident_date", "date_in_future"),
            ("amount_rials", "negative_amount"),
        ] {
            assert!(got.contains(&(expected.0.into(), expected.1.into())), "{expected:?} in {got:?}");
        }
        assert_eq!(got.len(), 6);
    }

    #[test]
    fn single_field_problems() {
        type Mutation = fn(&mut NewComplaint);
        let cases: Vec<(Mutation, &str)> = vec![
            (|c| c.category = Some("bribery".into()), "unknown_category"),
            (|c| c.description = Some("ب".repeat(4001)), "description_too_long"),
            (|c| c.incident_date = Some("1403/07/31".into()), "invalid_date"),
            (|c| c.amount_rials = Some(MAX_AMOUNT_RIALS + 1), "amount_too_large"),
            (|c| c.city = Some("ش".repeat(201)), "too_long"),
        ];
        for (mutate, code) in cases {
            let mut c = valid();
            mutate(&mut c);
            let got = codes(&c);
            assert_eq!(got.len(), 1, "{got:?}");
            assert_eq!(got[0].1, code);
        }
    }

    #[test]
    fn client_id_must_be_a_uuid() {
        let mut c = valid();
        assert!(c.parse_client_id().unwrap().is_some());
        c.client_id = Some("not-a-uuid".into());
        assert_eq!(c.parse_client_id().unwrap_err().code, "invalid_client_id");
        c.client_id = None;
        assert_eq!(c.parse_client_id().unwrap(), None);
    }
}
