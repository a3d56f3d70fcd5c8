//! The public statistics of the 124 service: what is published (the record types the server's
//! JSON, CSV and page share), how small counts are withheld ([`suppression`]), how durations
//! are summed up ([`percentile`]), and how the published figures are made from per-complaint
//! tallies ([`rollup`]).
//!
//! Only counts and durations are published: no free text, phone, tracking code or business.
//! Every count is of complaints; one under [`SUPPRESSION_THRESHOLD`] is withheld (`count:
//! null, suppressed: true`), with as many others as it takes so that none can be worked out
//! from the totals published beside it.

pub mod percentile;
pub mod rollup;
pub mod suppression;

use serde::{Deserialize, Serialize};
use strum::{EnumString, IntoStaticStr, VariantArray};
use time::OffsetDateTime;

use super::jalali::MONTHS_FA;
use super::text::persian_digits;
use super::{Category, Province, Stage};

/// Counts below this are withheld.
pub const SUPPRESSION_THRESHOLD: u64 = 5;

/// Where complaints are counted: a province, or not yet placed in one (a complaint filed
/// without a province until staff place it). Written as the province's wire name, or
/// `unplaced`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub enum Area {
    /// A province.
    Province(Province),
    /// Not placed in a province yet.
    Unplaced,
}

impl Area {
    /// Every area: the provinces in their order, then the unplaced.
    pub fn all() -> impl Iterator<Item = Area> {
        Province::ALL.into_iter().map(Area::Province).chain([Area::Unplaced])
    }

    /// The area of a complaint's province.
    pub fn of(province: Option<Province>) -> Area {
        province.map_or(Area::Unplaced, Area::Province)
    }

    /// The wire name (`tehran`, …, `unplaced`).
    pub fn wire_name(self) -> &'static str {
        match self {
            Area::Province(p) => p.wire_name(),
            Area::Unplaced => "unplaced",
        }
    }

    /// Parses a wire name.
    pub fn from_wire(name: &str) -> Option<Area> {
        Area::all().find(|a| a.wire_name() == name)
    }

    /// The Persian name.
    pub fn label_fa(self) -> &'static str {
        match self {
            Area::Province(p) => p.label_fa(),
            Area::Unplaced => "استان نامشخص",
        }
    }
}

impl From<Area> for String {
    fn from(a: Area) -> String {
        a.wire_name().to_owned()
    }
}

impl TryFrom<String> for Area {
    type Error = String;
    fn try_from(s: String) -> Result<Area, String> {
        Area::from_wire(&s).ok_or_else(|| format!("unknown province {s:?}"))
    }
}

/// A month of the Jalali calendar, in which complaints are counted by the day they were filed
/// in Iran. Written `1404-09`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub struct JalaliMonth {
    /// The year, e.g. 1404.
    pub year: i32,
    /// 1 (Farvardin) to 12 (Esfand).
    pub month: u8,
}

impl JalaliMonth {
    /// The month an instant falls in, in Iran.
    pub fn of_instant(at: OffsetDateTime) -> JalaliMonth {
        let d = super::jalali::JalaliDate::of_instant(at);
        JalaliMonth { year: d.year, month: d.month }
    }

    /// The month after this one.
    pub fn next(self) -> JalaliMonth {
        if self.month >= 12 {
            JalaliMonth { year: self.year + 1, month: 1 }
        } else {
            JalaliMonth { year: self.year, month: self.month + 1 }
        }
    }

    /// «آذر ۱۴۰۴».
    pub fn label_fa(self) -> String {
        format!("{} {}", MONTHS_FA[(self.month.clamp(1, 12) - 1) as usize], persian_digits(&self.year.to_string()))
    }

    /// `1404-09`.
    pub fn wire_name(self) -> String {
        format!("{:04}-{:02}", self.year, self.month)
    }

    /// Parses `1404-09`.
    pub fn from_wire(s: &str) -> Option<JalaliMonth> {
        let (y, m) = s.split_once('-')?;
        let month: u8 = m.parse().ok()?;
        (1..=12).contains(&month).then_some(())?;
        Some(JalaliMonth { year: y.parse().ok()?, month })
    }
}

impl From<JalaliMonth> for String {
    fn from(m: JalaliMonth) -> String {
        m.wire_name()
    }
}

impl TryFrom<String> for JalaliMonth {
    type Error = String;
    fn try_from(s: String) -> Result<JalaliMonth, String> {
        JalaliMonth::from_wire(&s).ok_or_else(|| format!("not a Jalali month (YYYY-MM): {s:?}"))
    }
}

/// Where a complaint stands now, for the shares of outcomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, IntoStaticStr, EnumString, VariantArray)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Outcome {
    /// Still in one of the open stages.
    InProgress,
    /// Resolved to the citizen's satisfaction.
    Resolved,
    /// A Ta'zirat verdict was announced.
    Verdict,
    /// Dismissed, with a reason.
    Dismissed,
    /// Withdrawn by the citizen.
    Withdrawn,
}

impl Outcome {
    /// Every outcome, in the order the page shows them (not the declaration order, which the
    /// derived `Ord` follows).
    pub const ALL: [Outcome; Outcome::VARIANTS.len()] = [Outcome::Resolved, Outcome::Verdict, Outcome::Dismissed, Outcome::Withdrawn, Outcome::InProgress];

    /// The outcome of a complaint in `stage`.
    pub fn of(stage: Stage) -> Outcome {
        match stage {
            Stage::Resolved => Outcome::Resolved,
            Stage::Verdict => Outcome::Verdict,
            Stage::Dismissed => Outcome::Dismissed,
            Stage::Withdrawn => Outcome::Withdrawn,
            _ => Outcome::InProgress,
        }
    }

    /// The wire name.
    pub fn wire_name(self) -> &'static str {
        self.into()
    }

    /// The Persian name.
    pub fn label_fa(self) -> &'static str {
        match self {
            Outcome::InProgress => "در دست رسیدگی",
            Outcome::Resolved => "رسیدگی و مختومه",
            Outcome::Verdict => "رأی تعزیرات",
            Outcome::Dismissed => "رد شده",
            Outcome::Withdrawn => "انصراف شاکی",
        }
    }
}

/// The stages of the funnel: the open stages after intake (every complaint is received, so
/// that stage's count is the total of complaints).
pub const FUNNEL_STAGES: [Stage; 5] = [Stage::ExpertReview, Stage::SelfRegulation, Stage::Inspection, Stage::InspectionReported, Stage::Taazirat];

/// Complaints filed, in one cell of category × province × month or one of its totals: a field
/// left out (`null`) means "all" (the cell with no field is the grand total). Cube cells of
/// zero complaints are left out of the list; totals are all listed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FiledCell {
    /// The category, or all.
    pub category: Option<Category>,
    /// The province (a wire name, or `unplaced`), or all.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub province: Option<Area>,
    /// The Jalali month of filing (`1404-09`), or all.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub month: Option<JalaliMonth>,
    /// How many; `null` when withheld.
    pub count: Option<u64>,
    /// Whether it is withheld (fewer than the threshold, or so others cannot be worked out).
    pub suppressed: bool,
}

/// Complaints by where they stand now, nationally, by category or by province.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OutcomeCell {
    /// The category, or all.
    pub category: Option<Category>,
    /// The province (a wire name, or `unplaced`), or all.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub province: Option<Area>,
    /// The outcome.
    pub outcome: Outcome,
    /// How many; `null` when withheld.
    pub count: Option<u64>,
    /// Whether it is withheld.
    pub suppressed: bool,
}

/// Complaints that reached a stage of the funnel (are in it now or went through it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FunnelCell {
    /// The category, or all.
    pub category: Option<Category>,
    /// The province (a wire name, or `unplaced`), or all.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub province: Option<Area>,
    /// The stage.
    pub stage: Stage,
    /// How many; `null` when withheld.
    pub count: Option<u64>,
    /// Whether it is withheld.
    pub suppressed: bool,
}

/// How long a stage took, over the complaints that left it: the median and the 90th
/// percentile in calendar days, and the share that left it before its deadline in working
/// days (the service standards). Each is `null` when fewer than the threshold left the stage,
/// and the share also when fewer than the threshold were on time or were late.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TimingCell {
    /// The category, or all.
    pub category: Option<Category>,
    /// The province (a wire name, or `unplaced`), or all.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub province: Option<Area>,
    /// The stage.
    pub stage: Stage,
    /// Median days in the stage, to one decimal.
    pub median_days: Option<f64>,
    /// 90th percentile of days in the stage, to one decimal.
    pub p90_days: Option<f64>,
    /// Percent left on time, to one decimal.
    pub on_time_percent: Option<f64>,
}

/// Everything published, as of one rollup.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PublicStats {
    /// When the figures were computed.
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub generated_at: OffsetDateTime,
    /// Counts below this are withheld.
    pub suppression_threshold: u64,
    /// The Jalali months covered (`1404-09`), oldest first.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>))]
    pub months: Vec<JalaliMonth>,
    /// Complaints filed by category × province × month, and every total of it.
    pub filed: Vec<FiledCell>,
    /// Where complaints stand now.
    pub outcomes: Vec<OutcomeCell>,
    /// How many reached each stage.
    pub funnel: Vec<FunnelCell>,
    /// How long each stage took.
    pub timing: Vec<TimingCell>,
}

impl PublicStats {
    /// The cell of complaints filed for a category, province and month (`None`: all), if
    /// listed (a cube cell not listed is zero).
    pub fn filed(&self, category: Option<Category>, province: Option<Area>, month: Option<JalaliMonth>) -> Option<&FiledCell> {
        self.filed.iter().find(|c| c.category == category && c.province == province && c.month == month)
    }
}
