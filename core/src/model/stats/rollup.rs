//! From complaints to the published figures: [`Tallies`] counts what each complaint's stage
//! path says (filed when and where, where it stands now, how long each stage it left took and
//! whether it left it on time), and [`publish`] turns the tallies into [`PublicStats`],
//! withholding small counts across every table at once.

use std::collections::HashMap;

use time::{Date, OffsetDateTime};

use super::percentile::{days_to_one_decimal, quantile};
use super::suppression::{suppress, SumConstraint};
use super::{Area, FiledCell, FunnelCell, JalaliMonth, Outcome, OutcomeCell, PublicStats, TimingCell, FUNNEL_STAGES};
use crate::model::clock::IRAN;
use crate::model::deadlines::ServiceStandards;
use crate::model::{Category, Stage};

/// One complaint as the statistics see it: no text, no phone, no business.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StagePath {
    /// Its category.
    pub category: Category,
    /// Its province (or none yet).
    pub area: Area,
    /// When it was filed.
    pub filed_at: OffsetDateTime,
    /// Every stage it entered, in order, with when (the first is `received`, at filing).
    pub entered: Vec<(Stage, OffsetDateTime)>,
    /// The stage it is in now.
    pub stage: Stage,
}

/// The stages left from one category × province: their durations and how many were on time.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExitTally {
    /// Minutes each visit took.
    pub minutes: Vec<u32>,
    /// Of those, left before the stage's deadline.
    pub on_time: u64,
}

/// The counts made from the complaints, before anything is withheld.
#[derive(Debug, Clone, Default)]
pub struct Tallies {
    /// Complaints filed, by category, area and month.
    pub filed: HashMap<(Category, Area, JalaliMonth), u64>,
    /// Complaints in each stage now.
    pub now_in: HashMap<(Category, Area, Stage), u64>,
    /// Stages left.
    pub exits: HashMap<(Category, Area, Stage), ExitTally>,
    /// When a stage entered on a day (in Iran) is due; the clock is the same for every
    /// complaint entering that stage that day, and a million complaints enter few distinct days.
    due: HashMap<(Stage, Date), Option<OffsetDateTime>>,
    /// The month of each day of filing.
    months: HashMap<Date, JalaliMonth>,
}

impl Tallies {
    /// Counts one complaint, judging its deadlines by `standards`.
    pub fn add(&mut self, standards: &ServiceStandards, c: &StagePath) {
        let day = c.filed_at.to_offset(IRAN).date();
        let month = *self.months.entry(day).or_insert_with(|| JalaliMonth::of_instant(c.filed_at));
        *self.filed.entry((c.category, c.area, month)).or_default() += 1;
        *self.now_in.entry((c.category, c.area, c.stage)).or_default() += 1;
        for pair in c.entered.windows(2) {
            let ((stage, entered), (_, left)) = (pair[0], pair[1]);
            if stage.is_final() {
                continue;
            }
            let due = *self.due.entry((stage, entered.to_offset(IRAN).date())).or_insert_with(|| standards.deadline(stage, entered).map(|d| d.due_at));
            let tally = self.exits.entry((c.category, c.area, stage)).or_default();
            let minutes = ((left - entered).whole_minutes()).clamp(0, i64::from(u32::MAX)) as u32;
            tally.minutes.push(minutes);
            tally.on_time += u64::from(due.is_some_and(|due| left < due));
        }
    }

    /// How many complaints were counted.
    pub fn complaints(&self) -> u64 {
        self.filed.values().sum()
    }
}

/// A cell of the linked tables that are suppressed together.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Key {
    Filed(Option<Category>, Option<Area>, Option<JalaliMonth>),
    Outcome(Option<Category>, Option<Area>, Outcome),
    Reached(Option<Category>, Option<Area>, Stage),
}

#[derive(Default)]
struct Cells {
    index: HashMap<Key, usize>,
    keys: Vec<Key>,
    values: Vec<u64>,
}

impl Cells {
    fn id(&mut self, key: Key) -> usize {
        if let Some(&i) = self.index.get(&key) {
            return i;
        }
        self.keys.push(key);
        self.values.push(0);
        self.index.insert(key, self.keys.len() - 1);
        self.keys.len() - 1
    }

    fn add(&mut self, key: Key, n: u64) {
        let i = self.id(key);
        self.values[i] += n;
    }
}

/// `None` (all) followed by every value.
fn with_all<T: Copy>(values: &[T]) -> Vec<Option<T>> {
    std::iter::once(None).chain(values.iter().copied().map(Some)).collect()
}

/// The published figures of `tallies`, withholding counts under `threshold` and whatever
/// would give them away. Timing is published nationally, by category and by province.
pub fn publish(tallies: &Tallies, generated_at: OffsetDateTime, threshold: u64) -> PublicStats {
    let categories: Vec<Category> = Category::ALL.to_vec();
    let areas: Vec<Area> = Area::all().collect();
    let months: Vec<JalaliMonth> = match (tallies.filed.keys().map(|k| k.2).min(), tallies.filed.keys().map(|k| k.2).max()) {
        (Some(first), Some(last)) => std::iter::successors(Some(first), |m| Some(m.next()).filter(|n| *n <= last)).collect(),
        _ => Vec::new(),
    };
    let mut cells = Cells::default();
    let mut sums: Vec<SumConstraint> = Vec::new();

    // Filed: the cube and every total of it; each total adds up its cells along one dimension.
    for c in with_all(&categories) {
        for a in with_all(&areas) {
            for m in with_all(&months) {
                cells.id(Key::Filed(c, a, m));
            }
        }
    }
    for (&(c, a, m), &n) in &tallies.filed {
        for key in [(Some(c), Some(a)), (Some(c), None), (None, Some(a)), (None, None)] {
            for month in [Some(m), None] {
                cells.add(Key::Filed(key.0, key.1, month), n);
            }
        }
    }
    for c in with_all(&categories) {
        for a in with_all(&areas) {
            for m in with_all(&months) {
                let total = cells.id(Key::Filed(c, a, m));
                if c.is_none() {
                    sums.push(SumConstraint { total, parts: categories.iter().map(|&x| cells.id(Key::Filed(Some(x), a, m))).collect() });
                }
                if a.is_none() {
                    sums.push(SumConstraint { total, parts: areas.iter().map(|&x| cells.id(Key::Filed(c, Some(x), m))).collect() });
                }
                if m.is_none() && !months.is_empty() {
                    sums.push(SumConstraint { total, parts: months.iter().map(|&x| cells.id(Key::Filed(c, a, Some(x)))).collect() });
                }
            }
        }
    }

    // Outcomes and the funnel: national, by category, by province.
    let slices: Vec<(Option<Category>, Option<Area>)> =
        std::iter::once((None, None)).chain(categories.iter().map(|&c| (Some(c), None))).chain(areas.iter().map(|&a| (None, Some(a)))).collect();
    for &(c, a) in &slices {
        for o in Outcome::ALL {
            cells.id(Key::Outcome(c, a, o));
        }
        for s in FUNNEL_STAGES {
            cells.id(Key::Reached(c, a, s));
        }
    }
    for (&(c, a, stage), &n) in &tallies.now_in {
        for (sc, sa) in [(None, None), (Some(c), None), (None, Some(a))] {
            cells.add(Key::Outcome(sc, sa, Outcome::of(stage)), n);
            if FUNNEL_STAGES.contains(&stage) {
                cells.add(Key::Reached(sc, sa, stage), n);
            }
        }
    }
    for (&(c, a, stage), exits) in &tallies.exits {
        if FUNNEL_STAGES.contains(&stage) {
            for (sc, sa) in [(None, None), (Some(c), None), (None, Some(a))] {
                cells.add(Key::Reached(sc, sa, stage), exits.minutes.len() as u64);
            }
        }
    }
    for &(c, a) in &slices {
        let total = cells.id(Key::Filed(c, a, None));
        sums.push(SumConstraint { total, parts: Outcome::ALL.iter().map(|&o| cells.id(Key::Outcome(c, a, o))).collect() });
    }
    for o in Outcome::ALL {
        let total = cells.id(Key::Outcome(None, None, o));
        sums.push(SumConstraint { total, parts: categories.iter().map(|&c| cells.id(Key::Outcome(Some(c), None, o))).collect() });
        sums.push(SumConstraint { total, parts: areas.iter().map(|&a| cells.id(Key::Outcome(None, Some(a), o))).collect() });
    }
    for s in FUNNEL_STAGES {
        let total = cells.id(Key::Reached(None, None, s));
        sums.push(SumConstraint { total, parts: categories.iter().map(|&c| cells.id(Key::Reached(Some(c), None, s))).collect() });
        sums.push(SumConstraint { total, parts: areas.iter().map(|&a| cells.id(Key::Reached(None, Some(a), s))).collect() });
    }

    let hidden = suppress(&cells.values, &sums, threshold);
    let shown = |i: usize| (!hidden[i]).then_some(cells.values[i]);
    let mut filed = Vec::new();
    let mut outcomes = Vec::new();
    let mut funnel = Vec::new();
    for (i, key) in cells.keys.iter().enumerate() {
        match *key {
            Key::Filed(category, province, month) => {
                let is_cube = category.is_some() && province.is_some() && month.is_some();
                if !(is_cube && cells.values[i] == 0) {
                    filed.push(FiledCell { category, province, month, count: shown(i), suppressed: hidden[i] });
                }
            }
            Key::Outcome(category, province, outcome) => outcomes.push(OutcomeCell { category, province, outcome, count: shown(i), suppressed: hidden[i] }),
            Key::Reached(category, province, stage) => funnel.push(FunnelCell { category, province, stage, count: shown(i), suppressed: hidden[i] }),
        }
    }

    let mut timing = Vec::new();
    for &(c, a) in &slices {
        for stage in Stage::open_stages() {
            let mut minutes: Vec<u32> = Vec::new();
            let mut on_time = 0;
            for ((tc, ta, ts), t) in &tallies.exits {
                if *ts == stage && c.is_none_or(|c| c == *tc) && a.is_none_or(|a| a == *ta) {
                    minutes.extend_from_slice(&t.minutes);
                    on_time += t.on_time;
                }
            }
            timing.push(timing_cell(c, a, stage, minutes, on_time, threshold));
        }
    }
    PublicStats { generated_at, suppression_threshold: threshold, months, filed, outcomes, funnel, timing }
}

/// The timing of one stage over the visits of a slice, withheld when too few left it (and the
/// share when too few were on time, or late).
fn timing_cell(category: Option<Category>, province: Option<Area>, stage: Stage, mut minutes: Vec<u32>, on_time: u64, threshold: u64) -> TimingCell {
    let n = minutes.len() as u64;
    if n < threshold {
        return TimingCell { category, province, stage, median_days: None, p90_days: None, on_time_percent: None };
    }
    minutes.sort_unstable();
    let late = n - on_time;
    let small = |k: u64| k > 0 && k < threshold;
    TimingCell {
        category,
        province,
        stage,
        median_days: quantile(&minutes, 0.5).map(days_to_one_decimal),
        p90_days: quantile(&minutes, 0.9).map(days_to_one_decimal),
        on_time_percent: (!small(on_time) && !small(late)).then(|| (on_time as f64 * 1000.0 / n as f64).round() / 10.0),
    }
}

#[cfg(test)]
mod tests {
    use super::super::suppression::{pinned, published};
    use super::*;
    use crate::model::Province;
    use time::macros::datetime;
    use time::Duration;

    fn path(category: Category, area: Area, filed_at: OffsetDateTime, stages: &[(Stage, i64)]) -> StagePath {
        let mut entered = vec![(Stage::Received, filed_at)];
        entered.extend(stages.iter().map(|&(s, hours)| (s, filed_at + Duration::hours(hours))));
        StagePath { category, area, filed_at, stage: entered.last().unwrap().0, entered }
    }

    fn tehran() -> Area {
        Area::Province(Province::Tehran)
    }

    #[test]
    fn stages_left_before_their_deadline_count_as_on_time() {
        let standards = ServiceStandards::default();
        let mut t = Tallies::default();
        // Saturday morning: received is due at the end of Sunday; expert review 3 working days later.
        let sat = datetime!(2025-11-22 09:00 +03:30);
        t.add(&standards, &path(Category::Fraud, tehran(), sat, &[(Stage::ExpertReview, 5), (Stage::Dismissed, 24 * 10)]));
        t.add(&standards, &path(Category::Fraud, tehran(), sat, &[(Stage::ExpertReview, 24 * 4), (Stage::Dismissed, 24 * 5)]));
        let received = &t.exits[&(Category::Fraud, tehran(), Stage::Received)];
        assert_eq!(received.minutes, vec![300, 4 * 24 * 60]);
        assert_eq!(received.on_time, 1, "four days in `received` is late");
        let review = &t.exits[&(Category::Fraud, tehran(), Stage::ExpertReview)];
        assert_eq!(review.on_time, 1, "a day in review is on time; nine and a bit is not");
        assert_eq!(t.now_in[&(Category::Fraud, tehran(), Stage::Dismissed)], 2);
        assert_eq!(t.filed[&(Category::Fraud, tehran(), JalaliMonth { year: 1404, month: 9 })], 2);
    }

    #[test]
    fn filing_months_are_iran_months() {
        // 20:45 UTC on 21 Nov 2025 (30 Aban) is 00:15 on 1 Azar in Tehran.
        let mut t = Tallies::default();
        t.add(&ServiceStandards::default(), &path(Category::Other, Area::Unplaced, datetime!(2025-11-21 20:45 UTC), &[]));
        assert_eq!(t.filed.keys().next().unwrap().2, JalaliMonth { year: 1404, month: 9 });
    }

    fn twelve_and_three() -> PublicStats {
        let standards = ServiceStandards::default();
        let mut t = Tallies::default();
        let at = datetime!(2025-11-22 09:00 +03:30);
        for _ in 0..12 {
            t.add(&standards, &path(Category::Fraud, tehran(), at, &[(Stage::ExpertReview, 5)]));
        }
        for _ in 0..3 {
            t.add(&standards, &path(Category::NoInvoice, tehran(), at, &[(Stage::ExpertReview, 5)]));
        }
        publish(&t, at, 5)
    }

    #[test]
    fn a_small_category_is_withheld_and_cannot_be_worked_out() {
        let s = twelve_and_three();
        let m = Some(JalaliMonth { year: 1404, month: 9 });
        let small = s.filed(Some(Category::NoInvoice), Some(tehran()), m).unwrap();
        assert_eq!((small.count, small.suppressed), (None, true));
        let all_tehran = s.filed(None, Some(tehran()), m).unwrap();
        let fraud = s.filed(Some(Category::Fraud), Some(tehran()), m).unwrap();
        // Either the 12 or the 15 beside it is withheld too: 15 − 12 is not on the page.
        assert!(all_tehran.suppressed || fraud.suppressed, "{all_tehran:?} {fraud:?}");
        for cell in &s.filed {
            assert!(!matches!(cell.count, Some(1..=4)), "{cell:?}");
        }
        for cell in s.outcomes.iter().map(|c| c.count).chain(s.funnel.iter().map(|c| c.count)) {
            assert!(!matches!(cell, Some(1..=4)));
        }
    }

    #[test]
    fn nothing_withheld_can_be_worked_out_across_the_tables() {
        // Varied complaints over three months, many small cells.
        let standards = ServiceStandards::default();
        let mut t = Tallies::default();
        let start = datetime!(2025-09-01 09:00 +03:30);
        let mut x: u64 = 7;
        for i in 0..600u64 {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let category = Category::ALL[((x >> 33) % 4) as usize];
            let area = [tehran(), Area::Unplaced, Area::Province(Province::ALL[0]), Area::Province(Province::ALL[3])][((x >> 40) % 4) as usize];
            let filed = start + Duration::days(((x >> 20) % 80) as i64);
            let stages: &[(Stage, i64)] = match i % 5 {
                0 => &[],
                1 => &[(Stage::ExpertReview, 30)],
                2 => &[(Stage::ExpertReview, 30), (Stage::Dismissed, 100)],
                3 => &[(Stage::ExpertReview, 30), (Stage::Inspection, 200), (Stage::InspectionReported, 300)],
                _ => &[(Stage::Withdrawn, 2)],
            };
            t.add(&standards, &path(category, area, filed, stages));
        }
        let s = publish(&t, start, 5);
        // Rebuild the cells and sums from the publication alone, as an outsider would.
        let (cells, sums) = outsider_view(&s);
        assert!(cells.iter().any(Option::is_none), "some cells are withheld");
        assert_eq!(pinned(&cells, &sums), Vec::<usize>::new());
        let _ = published;
    }

    /// The published cells, and the sums anyone can see hold between them.
    fn outsider_view(s: &PublicStats) -> (Vec<Option<u64>>, Vec<SumConstraint>) {
        let mut index: HashMap<Key, usize> = HashMap::new();
        let mut cells: Vec<Option<u64>> = Vec::new();
        let mut id = |key: Key, value: Option<u64>, index: &mut HashMap<Key, usize>| {
            *index.entry(key).or_insert_with(|| {
                cells.push(value);
                cells.len() - 1
            })
        };
        for c in &s.filed {
            id(Key::Filed(c.category, c.province, c.month), c.count, &mut index);
        }
        for c in &s.outcomes {
            id(Key::Outcome(c.category, c.province, c.outcome), c.count, &mut index);
        }
        for c in &s.funnel {
            id(Key::Reached(c.category, c.province, c.stage), c.count, &mut index);
        }
        let categories: Vec<Category> = Category::ALL.to_vec();
        let areas: Vec<Area> = Area::all().collect();
        let mut sums = Vec::new();
        // Cube cells not listed are zero.
        let mut get = |key: Key, index: &mut HashMap<Key, usize>| id(key, Some(0), index);
        for c in with_all(&categories) {
            for a in with_all(&areas) {
                for m in with_all(&s.months) {
                    let total = get(Key::Filed(c, a, m), &mut index);
                    if c.is_none() {
                        sums.push(SumConstraint { total, parts: categories.iter().map(|&x| get(Key::Filed(Some(x), a, m), &mut index)).collect() });
                    }
                    if a.is_none() {
                        sums.push(SumConstraint { total, parts: areas.iter().map(|&x| get(Key::Filed(c, Some(x), m), &mut index)).collect() });
                    }
                    if m.is_none() {
                        sums.push(SumConstraint { total, parts: s.months.iter().map(|&x| get(Key::Filed(c, a, Some(x)), &mut index)).collect() });
                    }
                }
            }
        }
        let slices: Vec<(Option<Category>, Option<Area>)> =
            std::iter::once((None, None)).chain(categories.iter().map(|&c| (Some(c), None))).chain(areas.iter().map(|&a| (None, Some(a)))).collect();
        for &(c, a) in &slices {
            let total = get(Key::Filed(c, a, None), &mut index);
            sums.push(SumConstraint { total, parts: Outcome::ALL.iter().map(|&o| get(Key::Outcome(c, a, o), &mut index)).collect() });
        }
        for o in Outcome::ALL {
            let total = get(Key::Outcome(None, None, o), &mut index);
            sums.push(SumConstraint { total, parts: categories.iter().map(|&c| get(Key::Outcome(Some(c), None, o), &mut index)).collect() });
            sums.push(SumConstraint { total, parts: areas.iter().map(|&a| get(Key::Outcome(None, Some(a), o), &mut index)).collect() });
        }
        for st in FUNNEL_STAGES {
            let total = get(Key::Reached(None, None, st), &mut index);
            sums.push(SumConstraint { total, parts: categories.iter().map(|&c| get(Key::Reached(Some(c), None, st), &mut index)).collect() });
            sums.push(SumConstraint { total, parts: areas.iter().map(|&a| get(Key::Reached(None, Some(a), st), &mut index)).collect() });
        }
        (cells, sums)
    }

    #[test]
    fn timing_is_withheld_under_the_threshold() {
        let s = twelve_and_three();
        let national = s.timing.iter().find(|t| t.category.is_none() && t.province.is_none() && t.stage == Stage::Received).unwrap();
        assert_eq!(national.median_days, Some(0.2));
        assert_eq!(national.on_time_percent, Some(100.0));
        let small = s.timing.iter().find(|t| t.category == Some(Category::NoInvoice) && t.stage == Stage::Received).unwrap();
        assert_eq!((small.median_days, small.p90_days, small.on_time_percent), (None, None, None));
    }
}
