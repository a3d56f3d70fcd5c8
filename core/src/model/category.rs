//! Complaint categories: the eight violations of the 124 seed article, plus `other`.

use serde::{Deserialize, Serialize};
use strum::{EnumString, IntoStaticStr, VariantArray};

use super::names::wire_names;

/// What the citizen complains about. Wire names are the snake_case variant names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, IntoStaticStr, EnumString, VariantArray)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Category {
    /// Selling or concealing smuggled goods (فروش و اختفای کالای قاچاق).
    SmuggledGoods,
    /// Fraud or adulteration (تقلب).
    Fraud,
    /// Hoarding (احتکار).
    Hoarding,
    /// Supplying outside the distribution network (عرضه خارج از شبکه).
    OffNetworkSupply,
    /// Not following pricing and distribution rules (اجرا نکردن ضوابط قیمت‌گذاری و توزیع).
    PricingViolation,
    /// Forced or tied selling (فروش اجباری).
    ForcedSelling,
    /// Not displaying prices (درج نکردن قیمت).
    NoPriceTag,
    /// Not issuing an invoice or receipt (صادر نکردن فاکتور و صورتحساب).
    NoInvoice,
    /// Anything else.
    Other,
}

wire_names!(Category, "Every category, in the order of the seed article.");

impl Category {
    /// The Persian label shown to citizens.
    pub fn label_fa(self) -> &'static str {
        match self {
            Category::SmuggledGoods => "فروش و اختفای کالای قاچاق",
            Category::Fraud => "تقلب",
            Category::Hoarding => "احتکار",
            Category::OffNetworkSupply => "عرضه خارج از شبکه",
            Category::PricingViolation => "اجرا نکردن ضوابط قیمت‌گذاری و توزیع",
            Category::ForcedSelling => "فروش اجباری",
            Category::NoPriceTag => "درج نکردن قیمت",
            Category::NoInvoice => "صادر نکردن فاکتور و صورتحساب",
            Category::Other => "سایر",
        }
    }

    /// One line that tells a citizen which complaints belong here, in Persian.
    pub fn explanation_fa(self) -> &'static str {
        match self {
            Category::SmuggledGoods => "کالایی که بدون ترخیص گمرکی وارد شده، یا پنهان و دور از چشم بازرس نگه داشته می‌شود",
            Category::Fraud => "کالای تقلبی یا بی‌کیفیت، کالایی جز آنچه گفته شده، یا کم‌فروشی",
            Category::Hoarding => "انبار کردن کالا و نفروختن آن تا گران شود",
            Category::OffNetworkSupply => "فروش کالای سهمیه‌ای یا یارانه‌ای بیرون از مسیر تعیین‌شده",
            Category::PricingViolation => "گران‌فروشی، یا فروش بالاتر از قیمت مصوب یا درج‌شده",
            Category::ForcedSelling => "فروش یک کالا به شرط خرید کالای دیگر",
            Category::NoPriceTag => "نبودن برچسب قیمت روی کالا یا در فروشگاه",
            Category::NoInvoice => "ندادن فاکتور، رسید یا صورتحساب خرید",
            Category::Other => "تخلف صنفی دیگری که در این فهرست نیست",
        }
    }

    /// The English label.
    pub fn label_en(self) -> &'static str {
        match self {
            Category::SmuggledGoods => "Selling or concealing smuggled goods",
            Category::Fraud => "Fraud or adulteration",
            Category::Hoarding => "Hoarding",
            Category::OffNetworkSupply => "Supplying outside the distribution network",
            Category::PricingViolation => "Not following pricing and distribution rules",
            Category::ForcedSelling => "Forced or tied selling",
            Category::NoPriceTag => "Not displaying prices",
            Category::NoInvoice => "Not issuing an invoice or receipt",
            Category::Other => "Other",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_category_is_labelled_and_explained() {
        for c in Category::ALL {
            assert!(!c.label_fa().is_empty() && !c.label_en().is_empty() && !c.explanation_fa().is_empty(), "{c:?}");
        }
    }
}
