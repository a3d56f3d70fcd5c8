//! The registry of businesses: a business and its licence, searching it, and the keys its
//! stickers are signed with.

use serde::{Deserialize, Serialize};
use strum::{EnumString, IntoStaticStr, VariantArray};

use super::FieldError;
use crate::model::guild::GuildKey;
use crate::model::names::wire_names;
use crate::model::text;

/// A business's licence status in the registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, IntoStaticStr, EnumString, VariantArray)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum LicenceStatus {
    /// The licence is valid.
    Active,
    /// Suspended by the guild body or the authorities.
    Suspended,
    /// Expired and not renewed.
    Expired,
}

wire_names!(LicenceStatus, "Every status.");

impl LicenceStatus {
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
    pub keys: Vec<GuildKey>,
}
