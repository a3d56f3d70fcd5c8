//! The 31 provinces of Iran: where a complaint is handled. A complaint belongs to the province
//! of its business (from the registry) or to the one the citizen or operator names; a staff
//! account belongs to one province or is national. [`Province::from_text`] reads a province
//! as people and registry files write it ("خراسان رضوی", "Khorasan-e Razavi", "razavi_khorasan").

use serde::{Deserialize, Serialize};
use strum::{Display, EnumString, IntoStaticStr, VariantArray};

use super::names::wire_names;
use super::text::search_key as fold;

/// One of the 31 provinces (استان).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, IntoStaticStr, EnumString, VariantArray, Display)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Province {
    /// آذربایجان شرقی (Tabriz).
    EastAzerbaijan,
    /// آذربایجان غربی (Urmia).
    WestAzerbaijan,
    /// اردبیل.
    Ardabil,
    /// اصفهان.
    Isfahan,
    /// البرز (Karaj).
    Alborz,
    /// ایلام.
    Ilam,
    /// بوشهر.
    Bushehr,
    /// تهران.
    Tehran,
    /// چهارمحال و بختیاری (Shahrekord).
    ChaharmahalBakhtiari,
    /// خراسان جنوبی (Birjand).
    SouthKhorasan,
    /// خراسان رضوی (Mashhad).
    RazaviKhorasan,
    /// خراسان شمالی (Bojnurd).
    NorthKhorasan,
    /// خوزستان (Ahvaz).
    Khuzestan,
    /// زنجان.
    Zanjan,
    /// سمنان.
    Semnan,
    /// سیستان و بلوچستان (Zahedan).
    SistanBaluchestan,
    /// فارس (Shiraz).
    Fars,
    /// قزوین.
    Qazvin,
    /// قم.
    Qom,
    /// کردستان (Sanandaj).
    Kurdistan,
    /// کرمان.
    Kerman,
    /// کرمانشاه.
    Kermanshah,
    /// کهگیلویه و بویراحمد (Yasuj).
    KohgiluyehBoyerAhmad,
    /// گلستان (Gorgan).
    Golestan,
    /// گیلان (Rasht).
    Gilan,
    /// لرستان (Khorramabad).
    Lorestan,
    /// مازندران (Sari).
    Mazandaran,
    /// مرکزی (Arak).
    Markazi,
    /// هرمزگان (Bandar Abbas).
    Hormozgan,
    /// همدان.
    Hamadan,
    /// یزد.
    Yazd,
}

/// (province, Persian name, English name, ISO 3166-2 code, capital in Persian).
type Row = (Province, &'static str, &'static str, &'static str, &'static str);

/// Every province with its names, in Persian alphabetical order (how lists show them), as the
/// enum declares them.
const TABLE: [Row; Province::VARIANTS.len()] = [
    (Province::EastAzerbaijan, "آذربایجان شرقی", "East Azerbaijan", "IR-03", "تبریز"),
    (Province::WestAzerbaijan, "آذربایجان غربی", "West Azerbaijan", "IR-04", "ارومیه"),
    (Province::Ardabil, "اردبیل", "Ardabil", "IR-24", "اردبیل"),
    (Province::Isfahan, "اصفهان", "Isfahan", "IR-10", "اصفهان"),
    (Province::Alborz, "البرز", "Alborz", "IR-30", "کرج"),
    (Province::Ilam, "ایلام", "Ilam", "IR-16", "ایلام"),
    (Province::Bushehr, "بوشهر", "Bushehr", "IR-18", "بوشهر"),
    (Province::Tehran, "تهران", "Tehran", "IR-23", "تهران"),
    (Province::ChaharmahalBakhtiari, "چهارمحال و بختیاری", "Chaharmahal and Bakhtiari", "IR-14", "شهرکرد"),
    (Province::SouthKhorasan, "خراسان جنوبی", "South Khorasan", "IR-29", "بیرجند"),
    (Province::RazaviKhorasan, "خراسان رضوی", "Razavi Khorasan", "IR-09", "مشهد"),
    (Province::NorthKhorasan, "خراسان شمالی", "North Khorasan", "IR-28", "بجنورد"),
    (Province::Khuzestan, "خوزستان", "Khuzestan", "IR-06", "اهواز"),
    (Province::Zanjan, "زنجان", "Zanjan", "IR-19", "زنجان"),
    (Province::Semnan, "سمنان", "Semnan", "IR-20", "سمنان"),
    (Province::SistanBaluchestan, "سیستان و بلوچستان", "Sistan and Baluchestan", "IR-11", "زاهدان"),
    (Province::Fars, "فارس", "Fars", "IR-07", "شیراز"),
    (Province::Qazvin, "قزوین", "Qazvin", "IR-26", "قزوین"),
    (Province::Qom, "قم", "Qom", "IR-25", "قم"),
    (Province::Kurdistan, "کردستان", "Kurdistan", "IR-12", "سنندج"),
    (Province::Kerman, "کرمان", "Kerman", "IR-08", "کرمان"),
    (Province::Kermanshah, "کرمانشاه", "Kermanshah", "IR-05", "کرمانشاه"),
    (Province::KohgiluyehBoyerAhmad, "کهگیلویه و بویراحمد", "Kohgiluyeh and Boyer-Ahmad", "IR-17", "یاسوج"),
    (Province::Golestan, "گلستان", "Golestan", "IR-27", "گرگان"),
    (Province::Gilan, "گیلان", "Gilan", "IR-01", "رشت"),
    (Province::Lorestan, "لرستان", "Lorestan", "IR-15", "خرم‌آباد"),
    (Province::Mazandaran, "مازندران", "Mazandaran", "IR-02", "ساری"),
    (Province::Markazi, "مرکزی", "Markazi", "IR-00", "اراک"),
    (Province::Hormozgan, "هرمزگان", "Hormozgan", "IR-22", "بندرعباس"),
    (Province::Hamadan, "همدان", "Hamadan", "IR-13", "همدان"),
    (Province::Yazd, "یزد", "Yazd", "IR-21", "یزد"),
];

/// Other spellings people and registry files use, folded by [`search_key`](super::text::search_key).
const ALIASES: &[(&str, Province)] = &[
    ("اذربایجانشرقی", Province::EastAzerbaijan),
    ("اذربایجانغربی", Province::WestAzerbaijan),
    ("خراسانرضوی", Province::RazaviKhorasan),
    ("چهارمحالوبختیاری", Province::ChaharmahalBakhtiari),
    ("چهارمحالبختیاری", Province::ChaharmahalBakhtiari),
    ("سیستانوبلوچستان", Province::SistanBaluchestan),
    ("سیستانبلوچستان", Province::SistanBaluchestan),
    ("کهگیلویهوبویراحمد", Province::KohgiluyehBoyerAhmad),
    ("کهکیلویهوبویراحمد", Province::KohgiluyehBoyerAhmad),
    ("khorasanerazavi", Province::RazaviKhorasan),
    ("sistanandbaluchestan", Province::SistanBaluchestan),
    ("kohgiluyehandboyerahmad", Province::KohgiluyehBoyerAhmad),
    ("chaharmahalandbakhtiari", Province::ChaharmahalBakhtiari),
    ("esfahan", Province::Isfahan),
    ("kordestan", Province::Kurdistan),
    ("azarbayjanesharqi", Province::EastAzerbaijan),
    ("azarbayjanegharbi", Province::WestAzerbaijan),
];

wire_names!(Province, "Every province, in Persian alphabetical order.");

impl Province {
    fn row(self) -> &'static Row {
        // TABLE holds every variant exactly once (tested).
        TABLE.iter().find(|r| r.0 == self).unwrap_or(&TABLE[7])
    }

    /// The Persian name: «خراسان رضوی».
    pub fn label_fa(self) -> &'static str {
        self.row().1
    }

    /// The English name.
    pub fn label_en(self) -> &'static str {
        self.row().2
    }

    /// The ISO 3166-2 code (`IR-23` for Tehran), for data exchange (Open311 `jurisdiction_id`).
    pub fn iso_code(self) -> &'static str {
        self.row().3
    }

    /// The province from its ISO 3166-2 code.
    pub fn from_iso_code(code: &str) -> Option<Province> {
        TABLE.iter().find(|r| r.3.eq_ignore_ascii_case(code.trim())).map(|r| r.0)
    }

    /// The capital city's Persian name.
    pub fn capital_fa(self) -> &'static str {
        self.row().4
    }

    /// Reads a province as people write it: its wire name, ISO code, Persian name (Arabic
    /// letter forms, ZWNJ, "استان" in front and spacing do not matter), English name, or a
    /// common transliteration. `None` for anything else.
    pub fn from_text(s: &str) -> Option<Province> {
        let trimmed = s.trim();
        if let Some(p) = Province::from_wire(trimmed).or_else(|| Province::from_iso_code(trimmed)) {
            return Some(p);
        }
        let key = fold(trimmed);
        let key = key.strip_prefix("استان").unwrap_or(&key);
        let key = key.strip_suffix("province").unwrap_or(key);
        if key.is_empty() {
            return None;
        }
        TABLE
            .iter()
            .find(|r| fold(r.1) == key || fold(r.2) == key || fold(r.0.wire_name()) == key)
            .map(|r| r.0)
            .or_else(|| ALIASES.iter().find(|(a, _)| *a == key).map(|(_, p)| *p))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_holds_each_province_once_in_order_and_names_round_trip() {
        assert_eq!(TABLE.map(|r| r.0), Province::ALL, "the table lists the provinces as the enum declares them");
        for p in Province::ALL {
            assert_eq!(p.to_string(), p.wire_name());
            assert_eq!(Province::from_iso_code(p.iso_code()), Some(p));
            assert_eq!(Province::from_text(p.label_fa()), Some(p), "{}", p.label_fa());
            assert_eq!(Province::from_text(p.label_en()), Some(p), "{}", p.label_en());
        }
        let mut iso: Vec<&str> = Province::ALL.iter().map(|p| p.iso_code()).collect();
        iso.sort();
        iso.dedup();
        assert_eq!(iso.len(), 31);
    }

    #[test]
    fn provinces_as_people_write_them() {
        for (text, expected) in [
            ("تهران", Some(Province::Tehran)),
            ("استان تهران", Some(Province::Tehran)),
            ("خراسان‌رضوی", Some(Province::RazaviKhorasan)),
            ("خراسان  رضوي", Some(Province::RazaviKhorasan)),
            ("Khorasan-e Razavi", Some(Province::RazaviKhorasan)),
            ("آذربایجان شرقی", Some(Province::EastAzerbaijan)),
            ("اذربايجان غربي", Some(Province::WestAzerbaijan)),
            ("كهگيلويه و بويراحمد", Some(Province::KohgiluyehBoyerAhmad)),
            ("چهارمحال بختیاری", Some(Province::ChaharmahalBakhtiari)),
            ("Esfahan", Some(Province::Isfahan)),
            ("Tehran Province", Some(Province::Tehran)),
            ("IR-23", Some(Province::Tehran)),
            ("razavi_khorasan", Some(Province::RazaviKhorasan)),
            ("خراسان", None),
            ("", None),
            ("استان", None),
            ("Texas", None),
        ] {
            assert_eq!(Province::from_text(text), expected, "{text:?}");
        }
    }
}
