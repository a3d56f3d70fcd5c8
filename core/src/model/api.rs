//! The HTTP protocol between the app (and any other client) and the server: request and
//! response bodies, and the validation of a new complaint, which the phone runs offline on a
//! draft and the server runs again on arrival, with the same codes.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use super::category::Category;
use super::channel::Channel;
use super::province::Province;
use super::role::Role;
use super::stage::Stage;
use super::text::{self, char_len, normalize_optional, normalize_text};
use super::tracking::TrackingCode;

/// Largest amount in rials a complaint may state (a quadrillion rials: far above any retail case).
pub const MAX_AMOUNT_RIALS: i64 = 1_000_000_000_000_000;
/// Longest business identification code, in digits.
pub const MAX_GUILD_ID_DIGITS: usize = 20;

/// An RFC 7807 problem document: every error the server returns has this shape, served as
/// `application/problem+json`, with a stable `code` the client translates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Problem {
    /// A URI naming the problem type (`urn:samat:problem:<code>`).
    #[serde(rename = "type")]
    pub type_uri: String,
    /// A short English title.
    pub title: String,
    /// The HTTP status.
    pub status: u16,
    /// The stable error code (`invalid_phone`, `invalid_transition`, ...).
    pub code: String,
    /// What went wrong and what to do about it (English, for developers and logs).
    pub detail: String,
    /// What to tell a person, in Persian: the message of `code` in the core's one table
    /// ([`super::labels::error_message_fa`]).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub message_fa: String,
    /// Per-field problems, when the body failed validation.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldError>,
}

/// One problem with one field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record), uniffi(name = "FieldProblem"))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldError {
    /// The field's wire name.
    pub field: String,
    /// Stable code (`missing_category`, `description_too_long`, ...).
    pub code: String,
    /// English explanation.
    pub message: String,
    /// What to tell a person, in Persian (the message of `code` in the core's one table).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub message_fa: String,
}

impl FieldError {
    /// A problem with `field`, with its stable `code`, an English explanation, and the
    /// Persian message of the code.
    pub fn new(field: &str, code: &str, message: impl Into<String>) -> Self {
        FieldError { field: field.to_owned(), code: code.to_owned(), message: message.into(), message_fa: super::labels::error_message_fa(code).to_owned() }
    }
}

/// `GET /v1/categories` item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CategoryInfo {
    /// Wire name.
    pub name: Category,
    /// Persian label.
    pub label_fa: String,
    /// English label.
    pub label_en: String,
}

/// `POST /v1/auth/otp`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OtpRequest {
    /// The citizen's mobile number, any common spelling.
    pub phone: String,
}

/// `POST /v1/auth/otp` answer (202).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OtpSent {
    /// Seconds until the code expires.
    pub expires_in: u32,
}

/// `POST /v1/auth/verify`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VerifyRequest {
    /// The same phone the code was sent to.
    pub phone: String,
    /// The six-digit code from the SMS (Persian digits fine).
    pub code: String,
}

/// A session token (citizen or staff).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TokenResponse {
    /// Opaque bearer token for `Authorization: Bearer …`.
    pub token: String,
    /// The staff role, for staff logins.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
}

/// `POST /v1/staff/login`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StaffLoginRequest {
    /// Username.
    pub username: String,
    /// Password.
    pub password: String,
}

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

/// Parses a `YYYY-MM-DD` date, Persian digits allowed.
pub fn parse_date(s: &str) -> Option<Date> {
    let ascii = text::ascii_digits(s.trim());
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(&ascii, fmt).ok()
}

/// A day on the wire: `"YYYY-MM-DD"`. Reading also takes `[year, day of year]`, the shape
/// earlier builds wrote (and apps may still hold in their local copies).
mod iso_date {
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
        1300..=1499 => super::jalali::JalaliDate { year, month, day }.to_gregorian(),
        1900..=9999 => Date::from_calendar_date(year, time::Month::try_from(month).ok()?, day).ok(),
        _ => None,
    }
}

/// Normalises a business identification code to ASCII digits, or `None` if it is not one.
pub fn normalize_guild_id(s: &str) -> Option<String> {
    let digits = text::digits_only(s.trim())?;
    (!digits.is_empty() && digits.len() <= MAX_GUILD_ID_DIGITS).then_some(digits)
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

/// `POST /v1/staff/intake`: an operator files for a caller or counter visitor.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StaffIntakeRequest {
    /// The citizen's mobile number; they get the tracking code by SMS and see the complaint
    /// in the app after logging in with it.
    pub phone: String,
    /// How the complaint reached the operator (`phone`, `counter`, `fax`, ...).
    pub channel: String,
    /// The complaint's fields.
    #[serde(flatten)]
    pub complaint: NewComplaint,
}

/// `POST /v1/staff/inbound/{id}/file`: the complaint an operator makes of an inbound message.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TriageFileRequest {
    /// The citizen's mobile number, when the message did not come from one (a landline, an
    /// e-mail) and the operator called them back; absent: the sender's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// The complaint's fields (the description defaults to the message's text).
    #[serde(flatten)]
    pub complaint: NewComplaint,
}

/// `POST /v1/staff/inbound/{id}/dismiss`: why a message is set aside.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TriageDismissRequest {
    /// The operator's reason, kept beside the message (at most a note's length).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// The verdict recorded by the Ta'zirat liaison (`details` of a move to `verdict`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VerdictDetails {
    /// Whether the Ta'zirat found a violation.
    pub violation: bool,
    /// Penalty imposed on the business, in rials.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub penalty_rials: Option<i64>,
    /// Compensation awarded to the citizen, in rials.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compensation_rials: Option<i64>,
}

impl VerdictDetails {
    /// Checks the amounts: neither negative nor past [`MAX_AMOUNT_RIALS`] (which keeps every
    /// amount a JSON number that JavaScript reads exactly, below 2^53).
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        for (field, amount) in [("penalty_rials", self.penalty_rials), ("compensation_rials", self.compensation_rials)] {
            match amount {
                Some(a) if a < 0 => errors.push(FieldError::new(field, "negative_amount", "the amount cannot be negative")),
                Some(a) if a > MAX_AMOUNT_RIALS => errors.push(FieldError::new(field, "amount_too_large", "the amount is implausibly large")),
                _ => {}
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

/// The lowest and highest rating a citizen gives the handling of their complaint.
pub const RATING_RANGE: std::ops::RangeInclusive<i64> = 1..=5;

/// Checks a rating of the handling (1 to 5).
pub fn check_rating(rating: i64) -> Result<(), FieldError> {
    if RATING_RANGE.contains(&rating) {
        Ok(())
    } else {
        Err(FieldError::new("rating", "invalid_rating", "rating is 1 to 5"))
    }
}

/// A note (a reason, a report, a comment), normalised; `None` when empty; `too_long` past
/// [`text::MAX_NOTE_CHARS`]. The phone runs it offline, the server on arrival.
pub fn note_field(field: &str, value: Option<&str>) -> Result<Option<String>, FieldError> {
    let note = normalize_optional(value);
    if note.as_deref().is_some_and(|n| char_len(n) > text::MAX_NOTE_CHARS) {
        return Err(FieldError::new(field, "too_long", format!("at most {} characters", text::MAX_NOTE_CHARS)));
    }
    Ok(note)
}

/// `POST /v1/staff/complaints/{tracking_code}/transition`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TransitionRequest {
    /// Target stage wire name.
    pub to: String,
    /// Note for the citizen (the reason, the report summary, ...).
    #[serde(default)]
    pub note: Option<String>,
    /// Note for staff only.
    #[serde(default)]
    pub internal_note: Option<String>,
    /// Structured details; for `verdict`, a [`VerdictDetails`].
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub details: Option<Value>,
}

/// `POST /v1/staff/complaints/{tracking_code}/notes`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NoteRequest {
    /// The note.
    pub note: String,
    /// Whether the citizen sees it (and gets an SMS about it).
    #[serde(default)]
    pub visible_to_citizen: bool,
}

/// `POST /v1/staff/complaints/{tracking_code}/assign`: who handles a complaint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AssignRequest {
    /// `take` ("I'm handling it"), `release`, or `hand_to` (supervisors, with `assignee`).
    pub action: String,
    /// The staff id to hand the complaint to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignee: Option<i64>,
}

/// `POST /v1/staff/complaints/{tracking_code}/province`: where a complaint is handled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProvinceRequest {
    /// The province: its wire name (`tehran`), ISO code (`IR-23`) or Persian name.
    pub province: String,
}

/// `POST /v1/complaints/{tracking_code}/decision`: the citizen's answer in self-regulation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DecisionRequest {
    /// `true`: satisfied with the business's answer (resolved); `false`: send an inspector.
    pub accept: bool,
    /// Optional words from the citizen.
    #[serde(default)]
    pub note: Option<String>,
    /// A UUID the app made for this action: resending it (after a timeout) returns the first
    /// result instead of acting twice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(format = Uuid))]
    pub action_id: Option<String>,
}

/// `POST /v1/complaints/{tracking_code}/withdraw`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WithdrawRequest {
    /// Optional reason.
    #[serde(default)]
    pub note: Option<String>,
    /// A UUID the app made for this action: resending it (after a timeout) returns the first
    /// result instead of acting twice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(format = Uuid))]
    pub action_id: Option<String>,
}

/// `POST /v1/complaints/{tracking_code}/feedback`: a complaint about the handling itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FeedbackRequest {
    /// 1 (very unhappy) to 5 (very happy).
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 5))]
    pub rating: i64,
    /// What the citizen wants to say.
    #[serde(default)]
    pub comment: Option<String>,
    /// Put it in the supervisors' queue (the ministry's complaints centre).
    #[serde(default)]
    pub escalate: bool,
    /// A UUID the app made for this action: resending it (after a timeout) returns the first
    /// result instead of acting twice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(format = Uuid))]
    pub action_id: Option<String>,
}

/// Feedback as stored and shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FeedbackView {
    /// Id.
    pub id: i64,
    /// 1–5.
    pub rating: i64,
    /// Comment.
    pub comment: Option<String>,
    /// Whether it went to the supervisors.
    pub escalated: bool,
    /// When.
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub at: OffsetDateTime,
}

/// What kind of entry an event is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// The complaint was filed.
    Created,
    /// The stage changed.
    Stage,
    /// A note without a stage change (the business's answer, ...).
    Note,
    /// Staff only: someone took, released or was handed the complaint.
    Assigned,
    /// Staff only: the complaint was placed in a province.
    Province,
    /// Staff only: its stage went past the deadline's second threshold, and it was raised to
    /// the supervisors (once per stage).
    Raised,
}

impl EventKind {
    /// Every kind.
    pub const ALL: [EventKind; 6] = [EventKind::Created, EventKind::Stage, EventKind::Note, EventKind::Assigned, EventKind::Province, EventKind::Raised];

    /// Wire (and stored) name.
    pub fn wire_name(self) -> &'static str {
        match self {
            EventKind::Created => "created",
            EventKind::Stage => "stage",
            EventKind::Note => "note",
            EventKind::Assigned => "assigned",
            EventKind::Province => "province",
            EventKind::Raised => "raised",
        }
    }

    /// The kind from its wire name.
    pub fn from_wire(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.wire_name() == name)
    }
}

/// One entry of a complaint's history, as the citizen sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EventView {
    /// The event's position in the feed (also the sync cursor).
    pub seq: i64,
    /// What kind of entry.
    pub kind: EventKind,
    /// The stage after the event.
    pub stage: Stage,
    /// The stage before, for stage changes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_stage: Option<Stage>,
    /// Who acted: `citizen` or a role name (never a person's name).
    pub actor: String,
    /// When.
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub at: OffsetDateTime,
    /// The note meant for the citizen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Structured details (the verdict, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub details: Option<Value>,
    /// Staff-only note; present only in staff views.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub internal_note: Option<String>,
}

/// A complaint in a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ComplaintSummary {
    /// The tracking code.
    pub tracking_code: TrackingCode,
    /// Current stage.
    pub stage: Stage,
    /// Category.
    pub category: Category,
    /// Intake channel.
    pub channel: Channel,
    /// Business name, if given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub business_name: Option<String>,
    /// Filed at.
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: OffsetDateTime,
    /// Last change.
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub updated_at: OffsetDateTime,
}

/// A complaint with its whole history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ComplaintDetail {
    /// The tracking code.
    pub tracking_code: TrackingCode,
    /// The idempotency key it was filed with.
    pub client_id: Uuid,
    /// Current stage.
    pub stage: Stage,
    /// Category.
    pub category: Category,
    /// Intake channel.
    pub channel: Channel,
    /// Description.
    pub description: String,
    /// Business identification code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guild_id: Option<String>,
    /// Business name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub business_name: Option<String>,
    /// Business address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub business_address: Option<String>,
    /// Province.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub province: Option<String>,
    /// City.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// Incident date, `YYYY-MM-DD` (Gregorian).
    #[serde(default, skip_serializing_if = "Option::is_none", with = "iso_date")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Date))]
    pub incident_date: Option<Date>,
    /// Amount in rials.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount_rials: Option<i64>,
    /// Compensation claim.
    pub wants_compensation: bool,
    /// Whether the business ID was found in the registry (`false`: flagged for the expert).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub business_known: Option<bool>,
    /// Filed at.
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: OffsetDateTime,
    /// Last change.
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub updated_at: OffsetDateTime,
    /// History, oldest first.
    pub events: Vec<EventView>,
    /// Feedback the citizen gave about the handling.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub feedback: Vec<FeedbackView>,
    /// Photos the server holds for it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub photos: Vec<PhotoInfo>,
    /// Staff view only: the complainant's phone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// Staff view only, a complaint filed from an e-mail: the sender's address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_from: Option<String>,
    /// Citizen's and public tracking views: what the citizen should expect or do next
    /// (`answer_business` in self-regulation, with the ways to answer in `next_step_fa`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_step: Option<super::journey::NextStep>,
    /// What [`next_step`](ComplaintDetail::next_step) says, in Persian.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_step_fa: Option<String>,
    /// Staff view, open stages: when the current stage is due (midnight ending its last working day in Iran).
    #[serde(default, skip_serializing_if = "Option::is_none", with = "time::serde::rfc3339::option")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub due_at: Option<OffsetDateTime>,
    /// Staff view, open stages: whether the current stage is past `due_at`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub overdue: Option<bool>,
    /// Citizen's and public tracking views, open stages: the day (Gregorian `YYYY-MM-DD`, Iran's
    /// calendar) the current stage is expected to end by.
    #[serde(default, skip_serializing_if = "Option::is_none", with = "iso_date")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Date))]
    pub expected_by: Option<Date>,
    /// The same day in Jalali, as the citizen reads it: «۴ آذر ۱۴۰۴».
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_by_fa: Option<String>,
}

impl ComplaintDetail {
    /// The Jalali day the current stage is expected to end by, if this copy still describes
    /// `stage` (a later stage change makes its day stale) and the stage has a clock.
    pub fn expected_by_jalali(&self, stage: Stage) -> Option<super::jalali::JalaliDate> {
        self.expected_by.filter(|_| self.stage == stage).map(super::jalali::JalaliDate::from_gregorian)
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

/// Largest photo accepted, in bytes (the app downscales and re-encodes before upload).
pub const MAX_PHOTO_BYTES: usize = 5 * 1024 * 1024;
/// Most photos per complaint.
pub const MAX_PHOTOS_PER_COMPLAINT: usize = 10;

/// A photo attached to a complaint (`PUT /v1/complaints/{tracking_code}/photos/{photo_id}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PhotoInfo {
    /// The UUID the app gave the photo (uploads are idempotent on it).
    pub photo_id: Uuid,
    /// `image/jpeg`, `image/png` or `image/webp`.
    pub content_type: String,
    /// Size in bytes.
    pub size: i64,
    /// SHA-256 of the bytes, hex.
    pub sha256: String,
}

/// Parses an `action_id` (a UUID), if given.
pub fn parse_action_id(raw: Option<&str>) -> Result<Option<Uuid>, FieldError> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => Uuid::parse_str(s).map(Some).map_err(|_| FieldError::new("action_id", "invalid_action_id", "action_id must be a UUID")),
    }
}

/// One event in the citizen's sync feed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SyncEvent {
    /// The complaint.
    pub tracking_code: TrackingCode,
    /// The event.
    #[serde(flatten)]
    pub event: EventView,
}

/// `GET /v1/sync` answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SyncResponse {
    /// Events after the cursor, oldest first.
    pub events: Vec<SyncEvent>,
    /// Pass this as `since` next time.
    pub cursor: i64,
    /// Whether more events wait beyond this page.
    pub more: bool,
}

/// An entry of a staff queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QueueItem {
    /// The tracking code.
    pub tracking_code: TrackingCode,
    /// Current stage.
    pub stage: Stage,
    /// Category.
    pub category: Category,
    /// Intake channel.
    pub channel: Channel,
    /// Business name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub business_name: Option<String>,
    /// City.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// Compensation claim.
    pub wants_compensation: bool,
    /// Business ID given but not in the registry: check it.
    pub unknown_business: bool,
    /// When it entered its current stage.
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub stage_since: OffsetDateTime,
    /// Seconds in the current stage.
    pub stage_age_seconds: i64,
    /// When the current stage is due (absent: a stage without a clock).
    #[serde(default, skip_serializing_if = "Option::is_none", with = "time::serde::rfc3339::option")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub due_at: Option<OffsetDateTime>,
    /// Past `due_at`.
    #[serde(default)]
    pub overdue: bool,
    /// Due today or on the next working day (and not yet overdue).
    #[serde(default)]
    pub due_soon: bool,
    /// For supervisors: the escalated feedback that put it here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub escalation: Option<FeedbackView>,
    /// The province it is handled in (absent: not yet placed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub province: Option<Province>,
    /// The staff member handling it (absent: nobody yet).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub holder: Option<String>,
}

/// `GET /v1/staff/queue` answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QueueResponse {
    /// The caller's role.
    pub role: Role,
    /// Escalations first (a supervisor's first page), then the soonest due first.
    pub items: Vec<QueueItem>,
    /// How many complaints match in all (page with `offset`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<i64>,
}

/// A text message to the 124 line as operators see it (`GET /v1/staff/inbound`): the
/// original text, who sent it and how it ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InboundMessageView {
    /// What the triage actions take (`POST /v1/staff/inbound/{id}/file`).
    pub id: i64,
    /// The sender: the phone number as the gateway wrote it, or the e-mail address.
    pub from: String,
    /// How it came: `sms` or `email`.
    pub channel: Channel,
    /// An e-mail's subject.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// The text as received (an e-mail's, with HTML reduced to text).
    pub text: String,
    /// When the gateway received it.
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub received_at: OffsetDateTime,
    /// `pending`, `filed`, `answered`, `triage`, `dismissed` or `limited`.
    pub status: String,
    /// Why it ended so: `unclassified` (no category the words point at), `unreadable`,
    /// `too_long`, `no_phone` (an e-mail naming no mobile number, or an SMS not from one),
    /// `no_text` and `too_large` (e-mail), `rate_limited`, a command (`track`, `reject`, …),
    /// `thread_note` (an e-mail reply added to its complaint as a note for staff).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The complaint it filed or acted on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracking_code: Option<TrackingCode>,
    /// The operator's reason, when it was set aside with one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// One staff read of a complaint's personal data (`GET /v1/staff/audit`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditView {
    /// Id; page with `before`.
    pub id: i64,
    /// When.
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub at: OffsetDateTime,
    /// The staff member's id.
    pub staff_id: i64,
    /// Their username.
    pub username: String,
    /// The complaint.
    pub tracking_code: TrackingCode,
    /// `view`, `print` or `photo`.
    pub what: String,
}

/// `GET /v1/staff/audit` answer, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditResponse {
    /// The reads.
    pub entries: Vec<AuditView>,
}

/// A business's licence status in the registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum LicenceStatus {
    /// The licence is valid.
    Active,
    /// Suspended by the guild body or the authorities.
    Suspended,
    /// Expired and not renewed.
    Expired,
}

impl LicenceStatus {
    /// Every status.
    pub const ALL: [LicenceStatus; 3] = [LicenceStatus::Active, LicenceStatus::Suspended, LicenceStatus::Expired];

    /// Wire (and stored) name.
    pub fn wire_name(self) -> &'static str {
        match self {
            LicenceStatus::Active => "active",
            LicenceStatus::Suspended => "suspended",
            LicenceStatus::Expired => "expired",
        }
    }

    /// The status from its wire name.
    pub fn from_wire(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.wire_name() == name)
    }

    /// Persian label.
    pub fn label_fa(self) -> &'static str {
        match self {
            LicenceStatus::Active => "پروانه کسب معتبر",
            LicenceStatus::Suspended => "پروانه کسب تعلیق شده",
            LicenceStatus::Expired => "پروانه کسب منقضی شده",
        }
    }
}

/// A business in the registry (`GET /v1/businesses/{guild_id}`, and the items of a search).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record), uniffi(name = "Business"))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BusinessView {
    /// The business identification code, ASCII digits.
    pub guild_id: String,
    /// Name.
    pub name: String,
    /// The guild / union it belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guild: Option<String>,
    /// Licence (پروانه کسب) number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub licence_no: Option<String>,
    /// Licence status; absent when the registry does not say.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub licence_status: Option<LicenceStatus>,
    /// Province.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub province: Option<String>,
    /// City.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// Address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
}

/// The fewest letters of a business's name a registry search takes (after folding with
/// [`text::search_key`]).
pub const MIN_BUSINESS_QUERY_CHARS: usize = 2;

/// Checks a registry search: at least [`MIN_BUSINESS_QUERY_CHARS`] letters of a name, or a
/// city. The server answers `query_too_short` to anything less, and the app refuses it before
/// asking.
pub fn check_business_query(name: Option<&str>, city: Option<&str>) -> Result<(), FieldError> {
    let city_given = city.is_some_and(|c| !text::search_key(c).is_empty());
    let too_short = match name.filter(|n| !n.trim().is_empty()) {
        Some(n) => text::search_key(n).chars().count() < MIN_BUSINESS_QUERY_CHARS,
        None => !city_given,
    };
    if too_short {
        return Err(FieldError::new("q", "query_too_short", format!("give at least {MIN_BUSINESS_QUERY_CHARS} letters of the business name, or a city")));
    }
    Ok(())
}

/// `GET /v1/businesses?q=&city=&limit=` answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BusinessSearchResponse {
    /// Matches: active licences first, then by name.
    pub businesses: Vec<BusinessView>,
}

/// `GET /v1/keys` answer: the keys stickers are verified with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GuildKeysResponse {
    /// The key that signs new stickers first, then retired keys still in use on old stickers.
    pub keys: Vec<super::guild::GuildKey>,
}

/// Which push service a device is reached through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum PushKind {
    /// Web Push through a UnifiedPush distributor (works without Google services).
    #[serde(rename = "unifiedpush")]
    UnifiedPush,
    /// Firebase Cloud Messaging.
    #[serde(rename = "fcm")]
    Fcm,
    /// Apple Push Notification service.
    #[serde(rename = "apns")]
    Apns,
}

impl PushKind {
    /// Every kind.
    pub const ALL: [PushKind; 3] = [PushKind::UnifiedPush, PushKind::Fcm, PushKind::Apns];

    /// Wire (and stored) name.
    pub fn wire_name(self) -> &'static str {
        match self {
            PushKind::UnifiedPush => "unifiedpush",
            PushKind::Fcm => "fcm",
            PushKind::Apns => "apns",
        }
    }

    /// The kind from its wire name.
    pub fn from_wire(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.wire_name() == name)
    }
}

/// The keys of a W3C `PushSubscription`, base64url: the device's P-256 public key
/// (uncompressed point, 65 bytes) and its 16-byte authentication secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PushKeys {
    /// The device's ECDH public key, base64url of the 65-byte uncompressed P-256 point.
    pub p256dh: String,
    /// The 16-byte authentication secret, base64url.
    pub auth: String,
}

/// `POST /v1/devices` body: where to push this device's notifications.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind")]
pub enum PushTarget {
    /// A UnifiedPush / Web Push subscription (the W3C `PushSubscription` shape).
    #[serde(rename = "unifiedpush")]
    UnifiedPush {
        /// The push endpoint URL the distributor gave the app (https).
        endpoint: String,
        /// The subscription's keys.
        keys: PushKeys,
    },
    /// An FCM registration token.
    #[serde(rename = "fcm")]
    Fcm {
        /// The registration token.
        token: String,
    },
    /// An APNs device token (hex).
    #[serde(rename = "apns")]
    Apns {
        /// The device token, hex.
        token: String,
    },
}

impl PushTarget {
    /// The push service this target is reached through.
    pub fn kind(&self) -> PushKind {
        match self {
            PushTarget::UnifiedPush { .. } => PushKind::UnifiedPush,
            PushTarget::Fcm { .. } => PushKind::Fcm,
            PushTarget::Apns { .. } => PushKind::Apns,
        }
    }
}

/// A registered push target as the API returns it (`POST /v1/devices`, `GET /v1/devices`).
/// The endpoint or token itself is not echoed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeviceView {
    /// Id, for `DELETE /v1/devices/{id}`.
    pub id: i64,
    /// The push service.
    pub kind: PushKind,
    /// When it was first registered by this citizen.
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: OffsetDateTime,
    /// When it was last registered (keys may have changed).
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub updated_at: OffsetDateTime,
}

/// `GET /v1/devices` answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DevicesResponse {
    /// The caller's devices, oldest first.
    pub devices: Vec<DeviceView>,
}

/// What a push carries: only that a complaint changed. No personal data; the app syncs
/// (`GET /v1/sync?since=`) to read the details. Over FCM every value is a string.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PushMessage {
    /// The complaint.
    pub tracking_code: TrackingCode,
    /// The stage it is in now.
    pub stage: Stage,
    /// The sync-feed position of the event (its `seq`).
    #[serde(deserialize_with = "number_or_string")]
    pub cursor: i64,
}

/// FCM `data` values are strings; Web Push and APNs carry numbers. Accept both.
fn number_or_string<'de, D: serde::Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum N {
        Num(i64),
        Str(String),
    }
    match N::deserialize(d)? {
        N::Num(n) => Ok(n),
        N::Str(s) => s.trim().parse().map_err(serde::de::Error::custom),
    }
}

impl PushMessage {
    /// Parses a push as it arrives: the Web Push JSON, FCM's `data` (string values), or an
    /// APNs payload with the keys next to `aps`.
    pub fn parse(payload: &str) -> Option<PushMessage> {
        serde_json::from_str(payload.trim()).ok()
    }
}

/// `GET /v1/push/vapid` answer: the server's VAPID public key, for the app to subscribe with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VapidKeyResponse {
    /// The 65-byte uncompressed P-256 point, base64url without padding
    /// (the `applicationServerKey`).
    pub public_key: String,
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

    #[test]
    fn intake_request_flattens_the_complaint() {
        let json = r#"{"phone":"09121234567","channel":"phone","category":"fraud","description":"x"}"#;
        let r: StaffIntakeRequest = serde_json::from_str(json).unwrap();
        assert_eq!(r.complaint.category.as_deref(), Some("fraud"));
    }
}

#[cfg(test)]
mod expected_by_tests {
    use super::*;
    use crate::model::jalali::JalaliDate;

    #[test]
    fn the_expected_day_holds_only_for_the_stage_it_was_given_for() {
        let detail: ComplaintDetail = serde_json::from_value(serde_json::json!({
            "tracking_code": "1234567890", "client_id": "6f1c1c7e-4a55-4f1e-9d2a-1c2b3c4d5e6f", "stage": "expert_review",
            "category": "no_invoice", "channel": "app", "description": "فاکتور نداد", "wants_compensation": false,
            "created_at": "2025-11-22T10:00:00Z", "updated_at": "2025-11-22T10:00:00Z", "events": [],
            "expected_by": "2025-11-25", "expected_by_fa": "۴ آذر ۱۴۰۴"
        }))
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(detail.expected_by_jalali(Stage::ExpertReview), Some(JalaliDate { year: 1404, month: 9, day: 4 }));
        assert_eq!(detail.expected_by_jalali(Stage::Inspection), None, "the stage moved on since this copy");
    }
}
