//! The complaint categories as `GET /v1/categories` lists them.

use serde::{Deserialize, Serialize};

use crate::model::category::Category;

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
