//! The services of GeoReport v2: one per complaint category, and each one's definition (the
//! extra facts a complaint about a shop carries, as Open311 `attribute[...]` fields).

use samat_core::model::Category;

use super::format::{Record, Val};

/// Which language names and notes are written in: Persian unless the client asks for English
/// with `locale=en` (the codes are the same in both).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// Persian, the default for this jurisdiction.
    Fa,
    /// English.
    En,
}

impl Lang {
    /// The language a `locale` parameter asks for (`en`, `en_US`, `en-GB`: English; anything
    /// else or none: Persian).
    pub fn from_locale(locale: Option<&str>) -> Lang {
        match locale {
            Some(l) if l.trim().to_ascii_lowercase().starts_with("en") => Lang::En,
            _ => Lang::Fa,
        }
    }
}

/// The group a category is listed under (`group`), in `lang`.
pub fn group(c: Category, lang: Lang) -> &'static str {
    match (c, lang) {
        (Category::SmuggledGoods | Category::Hoarding | Category::OffNetworkSupply, Lang::Fa) => "توزیع و عرضه کالا",
        (Category::SmuggledGoods | Category::Hoarding | Category::OffNetworkSupply, Lang::En) => "Supply and distribution",
        (Category::PricingViolation | Category::NoPriceTag | Category::NoInvoice, Lang::Fa) => "قیمت و صورتحساب",
        (Category::PricingViolation | Category::NoPriceTag | Category::NoInvoice, Lang::En) => "Prices and invoices",
        (Category::Fraud | Category::ForcedSelling, Lang::Fa) => "شیوه فروش",
        (Category::Fraud | Category::ForcedSelling, Lang::En) => "Selling practices",
        (Category::Other, Lang::Fa) => "سایر",
        (Category::Other, Lang::En) => "Other",
    }
}

/// Search words for a category (`keywords`, comma-separated as the spec writes them).
pub fn keywords(c: Category) -> &'static str {
    match c {
        Category::SmuggledGoods => "قاچاق,smuggling,customs",
        Category::Fraud => "تقلب,کم‌فروشی,fraud,adulteration",
        Category::Hoarding => "احتکار,hoarding",
        Category::OffNetworkSupply => "یارانه,سهمیه,subsidy,distribution",
        Category::PricingViolation => "گران‌فروشی,قیمت,overpricing,price",
        Category::ForcedSelling => "فروش اجباری,tied selling",
        Category::NoPriceTag => "برچسب قیمت,price tag",
        Category::NoInvoice => "فاکتور,رسید,invoice,receipt",
        Category::Other => "سایر,other",
    }
}

/// A category as a GeoReport v2 service.
pub fn service(c: Category, lang: Lang) -> Record {
    let (name, description) = match lang {
        Lang::Fa => (c.label_fa(), c.explanation_fa()),
        Lang::En => (c.label_en(), c.label_en()),
    };
    Record::default()
        .with("service_code", c.wire_name())
        .with("service_name", name)
        .with("description", description)
        .with("metadata", Val::Bool(true))
        .with("type", "realtime")
        .with("keywords", keywords(c))
        .with("group", group(c, lang))
}

/// One extra field a complaint may carry: `(code, datatype, required, Persian, English)`.
type AttributeSpec = (&'static str, &'static str, bool, &'static str, &'static str);

/// The extra fields every service takes, as `attribute[code]` on a POST: the shop by its
/// guild ID (which names it from the registry) or by name, the day it happened, the amount,
/// and whether the citizen claims compensation.
pub const ATTRIBUTES: [AttributeSpec; 6] = [
    ("guild_id", "string", false, "شناسه صنفی فروشگاه (از بارکد صنفی)", "The shop's guild ID (from its guild barcode)"),
    ("business_name", "string", false, "نام فروشگاه", "The shop's name"),
    ("city", "string", false, "شهر", "City"),
    ("incident_date", "datetime", false, "تاریخ رخداد", "When it happened"),
    ("amount_rials", "number", false, "مبلغ (ریال)", "The amount involved, in rials"),
    ("wants_compensation", "singlevaluelist", false, "مطالبه خسارت", "Claims compensation"),
];

/// A service's definition (`/services/{code}`): its code and attributes.
pub fn definition(c: Category, lang: Lang) -> Record {
    let attributes = ATTRIBUTES
        .iter()
        .enumerate()
        .map(|(i, (code, datatype, required, fa, en))| {
            let description = if lang == Lang::En { *en } else { *fa };
            let values = if *datatype == "singlevaluelist" {
                let (yes, no) = if lang == Lang::En { ("Yes", "No") } else { ("بله", "خیر") };
                vec![Record::default().with("key", "true").with("name", yes), Record::default().with("key", "false").with("name", no)]
            } else {
                Vec::new()
            };
            Record::default()
                .with("variable", Val::Bool(true))
                .with("code", *code)
                .with("datatype", *datatype)
                .with("required", Val::Bool(*required))
                .with("datatype_description", Val::Null)
                .with("order", Val::Int(i as i64 + 1))
                .with("description", description)
                .with("values", Val::List("value", values))
        })
        .collect();
    Record::default().with("service_code", c.wire_name()).with("attributes", Val::List("attribute", attributes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_category_is_a_service_in_a_group() {
        for c in Category::ALL {
            let s = service(c, Lang::Fa);
            assert_eq!(s.get("service_code"), Some(&Val::Text(c.wire_name().into())));
            assert_eq!(s.get("service_name"), Some(&Val::Text(c.label_fa().into())));
            assert!(!group(c, Lang::En).is_empty() && !keywords(c).is_empty());
            assert_eq!(service(c, Lang::En).get("service_name"), Some(&Val::Text(c.label_en().into())));
        }
    }

    #[test]
    fn locale_picks_english_only_when_asked() {
        let cases =
            [(None, Lang::Fa), (Some("fa"), Lang::Fa), (Some("en"), Lang::En), (Some("en_GB"), Lang::En), (Some("EN-us"), Lang::En), (Some("de"), Lang::Fa)];
        for (locale, want) in cases {
            assert_eq!(Lang::from_locale(locale), want, "{locale:?}");
        }
    }

    #[test]
    fn the_compensation_attribute_lists_its_values() {
        let d = definition(Category::Fraud, Lang::En);
        let Some(Val::List(_, attrs)) = d.get("attributes") else { panic!("no attributes") };
        assert_eq!(attrs.len(), ATTRIBUTES.len());
        let comp = attrs.iter().find(|a| a.get("code") == Some(&Val::Text("wants_compensation".into()))).unwrap();
        let Some(Val::List(_, values)) = comp.get("values") else { panic!("no values") };
        assert_eq!(values.len(), 2);
    }
}
