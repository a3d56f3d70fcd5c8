//! The 31 provinces of Iran: where a complaint is handled. A complaint belongs to the province
//! of its business (from the registry) or to the one the citizen or operator names; a staff
//! account belongs to one province or is national. [`Province::from_text`] reads a province
//! as people and registry files write it ("خراسان رضوی", "Khorasan-e Razavi", "razavi_khorasan").

use serde::{Deserialize, Serialize};

use super::text::search_key as fold;

/// One of the 31 provinces (استان).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
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

/// (province, wire name, Persian name, English name, ISO 3166-2 code, capital in Persian).
type Row = (Province, &'static str, &'static str, &'static str, &'static str, &'static str);

/// Every province with its names, in Persian alphabetical order (how lists show them).
const TABLE: [Row; 31] = [
    (Province::EastAzerbaijan, "east_azerbaijan", "آذربایجان شرقی", "East Azerbaijan", "IR-03", "تبریز"),
    (Province::WestAzerbaijan, "west_azerbaijan", "آذربایجان غربی", "West Azerbaijan", "IR-04", "ارومیه"),
    (Province::Ardabil, "ardabil", "اردبیل", "Ardabil", "IR-24", "اردبیل"),
    (Province::Isfahan, "isfahan", "اصفهان", "Isfahan", "IR-10", "اصفهان"),
    (Province::Alborz, "alborz", "البرز", "Alborz", "IR-30", "کرج"),
    (Province::Ilam, "ilam", "ایلام", "Ilam", "IR-16", "ایلام"),
    (Province::Bushehr, "bushehr", "بوشهر", "Bushehr", "IR-18", "بوشهر"),
    (Province::Tehran, "tehran", "تهران", "Tehran", "IR-23", "تهران"),
    (Province::ChaharmahalBakhtiari, "chaharmahal_bakhtiari", "چهارمحال و بختیاری", "Chaharmahal and Bakhtiari", "IR-14", "شهرکرد"),
    (Province::SouthKhorasan, "south_khorasan", "خراسان جنوبی", "South Khorasan", "IR-29", "بیرجند"),
    (Province::RazaviKhorasan, "razavi_khorasan", "خراسان رضوی", "Razavi Khorasan", "IR-09", "مشهد"),
    (Province::NorthKhorasan, "north_khorasan", "خراسان شمالی", "North Khorasan", "IR-28", "بجنورد"),
    (Province::Khuzestan, "khuzestan", "خوزستان", "Khuzestan", "IR-06", "اهواز"),
    (Province::Zanjan, "zanjan", "زنجان", "Zanjan", "IR-19", "زنجان"),
    (Province::Semnan, "semnan", "سمنان", "Semnan", "IR-20", "سمنان"),
    (Province::SistanBaluchestan, "sistan_baluchestan", "سیستان و بلوچستان", "Sistan and Baluchestan", "IR-11", "زاهدان"),
    (Province::Fars, "fars", "فارس", "Fars", "IR-07", "شیراز"),
    (Province::Qazvin, "qazvin", "قزوین", "Qazvin", "IR-26", "قزوین"),
    (Province::Qom, "qom", "قم", "Qom", "IR-25", "قم"),
    (Province::Kurdistan, "kurdistan", "کردستان", "Kurdistan", "IR-12", "سنندج"),
    (Province::Kerman, "kerman", "کرمان", "Kerman", "IR-08", "کرمان"),
    (Province::Kermanshah, "kermanshah", "کرمانشاه", "Kermanshah", "IR-05", "کرمانشاه"),
    (Province::KohgiluyehBoyerAhmad, "kohgiluyeh_boyer_ahmad", "کهگیلویه و بویراحمد", "Kohgiluyeh and Boyer-Ahmad", "IR-17", "یاسوج"),
    (Province::Golestan, "golestan", "گلستان", "Golestan", "IR-27", "گرگان"),
    (Province::Gilan, "gilan", "گیلان", "Gilan", "IR-01", "رشت"),
    (Province::Lorestan, "lorestan", "لرستان", "Lorestan", "IR-15", "خرم‌آباد"),
    (Province::Mazandaran, "mazandaran", "مازندران", "Mazandaran", "IR-02", "ساری"),
    (Province::Markazi, "markazi", "مرکزی", "Markazi", "IR-00", "اراک"),
    (Province::Hormozgan, "hormozgan", "هرمزگان", "Hormozgan", "IR-22", "بندرعباس"),
    (Province::Hamadan, "hamadan", "همدان", "Hamadan", "IR-13", "همدان"),
    (Province::Yazd, "yazd", "یزد", "Yazd", "IR-21", "یزد"),
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

impl Province {
    /// Every province, in Persian alphabetical order.
    pub const ALL: [Province; 31] = {
        let mut all = [Province::Tehran; 31];
        let mut i = 0;
        while i < 31 {
            all[i] = TABLE[i].0;
            i += 1;
        }
        all
    };

    fn row(self) -> &'static Row {
        // TABLE holds every variant exactly once (tested).
        TABLE.iter().find(|r| r.0 == self).unwrap_or(&TABLE[7])
    }

    /// The wire (and stored) name: `tehran`, `razavi_khorasan`, ...
    pub fn wire_name(self) -> &'static str {
        self.row().1
    }

    /// The province from its wire name.
    pub fn from_wire(name: &str) -> Option<Province> {
        TABLE.iter().find(|r| r.1 == name).map(|r| r.0)
    }

    /// The Persian name: «خراسان رضوی».
    pub fn label_fa(self) -> &'static str {
        self.row().2
    }

    /// The English name.
    pub fn label_en(self) -> &'static str {
        self.row().3
    }

    /// The ISO 3166-2 code (`IR-23` for Tehran), for data exchange (Open311 `jurisdiction_id`).
    pub fn iso_code(self) -> &'static str {
        self.row().4
    }

    /// The province from its ISO 3166-2 code.
    pub fn from_iso_code(code: &str) -> Option<Province> {
        TABLE.iter().find(|r| r.4.eq_ignore_ascii_case(code.trim())).map(|r| r.0)
    }

    /// The capital city's Persian name.
    pub fn capital_fa(self) -> &'static str {
        self.row().5
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
            .find(|r| fold(r.2) == key || fold(r.3) == key || fold(r.1) == key)
            .map(|r| r.0)
            .or_else(|| ALIASES.iter().find(|(a, _)| *a == key).map(|(_, p)| *p))
    }
}

impl std::fmt::Display for Province {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.wire_name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_holds_each_province_once_and_names_round_trip() {
        for (i, p) in Province::ALL.iter().enumerate() {
            assert!(Province::ALL[i + 1..].iter().all(|o| o != p), "{p:?} twice");
            assert_eq!(Province::from_wire(p.wire_name()), Some(*p));
            assert_eq!(Province::from_iso_code(p.iso_code()), Some(*p));
            assert_eq!(Province::from_text(p.label_fa()), Some(*p), "{}", p.label_fa());
            assert_eq!(Province::from_text(p.label_en()), Some(*p), "{}", p.label_en());
            assert_eq!(serde_json::to_string(p).unwrap(), format!("\"{}\"", p.wire_name()));
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
