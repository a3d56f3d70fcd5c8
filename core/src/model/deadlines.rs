//! Service standards: how many working days each open stage may take, and when a complaint's
//! current stage is due, overdue, or overdue long enough to be raised to the supervisors.
//!
//! Days are counted as the 124 offices work: on Iran's clock (UTC+03:30), in the Iranian week
//! (Friday off, Thursday off where the operator says so), skipping the public holidays the
//! operator lists as Jalali dates. The day a stage is entered never counts (a complaint that
//! arrives at closing time must not lose a day), so a stage entered on a holiday's eve starts
//! its count on the first working day after the holiday; and since only working days are
//! counted, a deadline never falls on a day off. A stage is due at the end of its last day,
//! i.e. at midnight in Iran.

use std::collections::BTreeSet;

use strum::{EnumString, IntoStaticStr, VariantArray};
use time::{Date, OffsetDateTime, PrimitiveDateTime, Time, Weekday};

use super::clock::IRAN;
use super::jalali::JalaliDate;
use super::text::ascii_digits;
use super::Stage;

/// Working days each open stage may take, by default. The reasoning is in the README: an
/// expert reads a complaint the same week; the guild body gives the business a week to answer;
/// an inspection is planned, made and written up within two weeks; the case file follows the
/// report within days; the Ta'zirat has its own hearings and is given six weeks.
pub const DEFAULT_WORKING_DAYS: [(Stage, u32); 6] = [
    (Stage::Received, 1),
    (Stage::ExpertReview, 3),
    (Stage::SelfRegulation, 7),
    (Stage::Inspection, 10),
    (Stage::InspectionReported, 3),
    (Stage::Taazirat, 30),
];

/// Working days past its deadline after which a complaint is raised to the supervisors, by default.
pub const DEFAULT_RAISE_AFTER_DAYS: u32 = 3;

/// How many working days each stage may take; stages without an entry have no clock (the
/// verdict and the closed stages).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StageDeadlines {
    days: Vec<(Stage, u32)>,
}

impl Default for StageDeadlines {
    fn default() -> Self {
        StageDeadlines { days: DEFAULT_WORKING_DAYS.to_vec() }
    }
}

impl StageDeadlines {
    /// The working days `stage` may take, if it has a clock.
    pub fn working_days(&self, stage: Stage) -> Option<u32> {
        if stage.is_final() {
            return None;
        }
        self.days.iter().find(|(s, _)| *s == stage).map(|(_, d)| *d)
    }

    /// Sets the working days of an open stage (`stage_name=days`, e.g. `inspection=10`).
    pub fn set(&mut self, stage: Stage, days: u32) -> Result<(), DeadlineConfigError> {
        if stage.is_final() {
            return Err(DeadlineConfigError::FinalStage(stage.wire_name().to_owned()));
        }
        if days == 0 {
            return Err(DeadlineConfigError::ZeroDays(stage.wire_name().to_owned()));
        }
        self.days.retain(|(s, _)| *s != stage);
        self.days.push((stage, days));
        Ok(())
    }

    /// Parses one `stage=days` setting, as the server's `--deadline` flag takes it.
    pub fn parse_setting(raw: &str) -> Result<(Stage, u32), DeadlineConfigError> {
        let (name, days) = raw.split_once('=').ok_or_else(|| DeadlineConfigError::Malformed(raw.to_owned()))?;
        let stage = Stage::from_wire(name.trim()).ok_or_else(|| DeadlineConfigError::UnknownStage(name.trim().to_owned()))?;
        let days = ascii_digits(days.trim()).parse::<u32>().map_err(|_| DeadlineConfigError::Malformed(raw.to_owned()))?;
        Ok((stage, days))
    }
}

/// A deadline setting or holidays file the server refuses to start with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeadlineConfigError {
    /// Not `stage=days`.
    #[error("expected stage=working_days, got {0:?}")]
    Malformed(String),
    /// No such stage.
    #[error("unknown stage {0:?}")]
    UnknownStage(String),
    /// A verdict or a closed complaint has no clock.
    #[error("{0} is final and has no deadline")]
    FinalStage(String),
    /// A deadline of no days would be overdue on arrival.
    #[error("{0} needs at least one working day")]
    ZeroDays(String),
    /// A line of the holidays file is not a Jalali date.
    #[error("holidays line {line}: {text:?} is not a Jalali date (YYYY/MM/DD, or MM/DD for every year)")]
    Holiday {
        /// 1-based line number.
        line: usize,
        /// The line as written.
        text: String,
    },
}

/// A public holiday, as the operator writes it in the holidays file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holiday {
    /// One day (the lunar holidays move every solar year: `1404/01/12`).
    Once(JalaliDate),
    /// The same Jalali day every year (`01/01` for Nowruz, `11/22`).
    Yearly {
        /// 1–12.
        month: u8,
        /// 1–31.
        day: u8,
    },
}

/// Parses a holidays file: one Jalali date per line, `YYYY/MM/DD` for one day or `MM/DD` for
/// every year, in Persian or Latin digits (`-` works as well as `/`); `#` starts a comment
/// (the holiday's name), blank lines are skipped.
pub fn parse_holidays(text: &str) -> Result<Vec<Holiday>, DeadlineConfigError> {
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let bad = || DeadlineConfigError::Holiday { line: i + 1, text: raw.trim().to_owned() };
        let parts: Vec<&str> = line.split(['/', '-']).map(str::trim).collect();
        let num = |s: &str| ascii_digits(s).parse::<i32>().map_err(|_| bad());
        let holiday = match parts.as_slice() {
            [y, m, d] => {
                let date = JalaliDate { year: num(y)?, month: num(m)?.try_into().map_err(|_| bad())?, day: num(d)?.try_into().map_err(|_| bad())? };
                date.to_gregorian().ok_or_else(bad)?;
                Holiday::Once(date)
            }
            [m, d] => {
                let (month, day): (u8, u8) = (num(m)?.try_into().map_err(|_| bad())?, num(d)?.try_into().map_err(|_| bad())?);
                let longest = if month <= 6 { 31 } else { 30 };
                if !(1..=12).contains(&month) || !(1..=longest).contains(&day) {
                    return Err(bad());
                }
                Holiday::Yearly { month, day }
            }
            _ => return Err(bad()),
        };
        out.push(holiday);
    }
    Ok(out)
}

/// The office calendar: which days are worked.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct WorkCalendar {
    thursday_off: bool,
    once: BTreeSet<Date>,
    yearly: BTreeSet<(u8, u8)>,
}

impl WorkCalendar {
    /// Friday off, Thursday off too when `thursday_off`, and these holidays.
    pub fn new(thursday_off: bool, holidays: &[Holiday]) -> Self {
        let mut calendar = WorkCalendar { thursday_off, ..Default::default() };
        for h in holidays {
            match *h {
                Holiday::Once(j) => {
                    if let Some(d) = j.to_gregorian() {
                        calendar.once.insert(d);
                    }
                }
                Holiday::Yearly { month, day } => {
                    calendar.yearly.insert((month, day));
                }
            }
        }
        calendar
    }

    /// Whether offices work on `date` (a day of Iran's calendar).
    pub fn is_working_day(&self, date: Date) -> bool {
        match date.weekday() {
            Weekday::Friday => return false,
            Weekday::Thursday if self.thursday_off => return false,
            _ => {}
        }
        if self.once.contains(&date) {
            return false;
        }
        let j = JalaliDate::from_gregorian(date);
        !self.yearly.contains(&(j.month, j.day))
    }

    /// The `n`th working day after `from` (`from` itself never counts; `n = 0` is `from`).
    pub fn add_working_days(&self, from: Date, n: u32) -> Date {
        let mut day = from;
        let mut left = n;
        // A year of holidays in a row is a misconfiguration, not a reason to loop forever.
        let mut guard = 0u32;
        while left > 0 && guard < 366 * (n + 1) {
            day = match day.next_day() {
                Some(d) => d,
                None => return day,
            };
            guard += 1;
            if self.is_working_day(day) {
                left -= 1;
            }
        }
        day
    }

    /// Working days after `from` up to and including `to` (0 when `to` is not after `from`).
    pub fn working_days_between(&self, from: Date, to: Date) -> u32 {
        let mut count = 0;
        let mut day = from;
        while day < to {
            day = match day.next_day() {
                Some(d) => d,
                None => break,
            };
            if self.is_working_day(day) {
                count += 1;
            }
        }
        count
    }
}

/// When a stage is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deadline {
    /// The last working day of the stage, in Iran's calendar.
    pub due_day: Date,
    /// The end of that day (midnight in Iran): past this instant the stage is overdue.
    pub due_at: OffsetDateTime,
    /// Past this instant (the end of the `raise_after`th working day after the due day) the
    /// complaint is raised to the supervisors.
    pub raise_at: OffsetDateTime,
}

impl Deadline {
    /// The Jalali day the citizen is told to expect the next step by.
    pub fn expected_by(&self) -> JalaliDate {
        JalaliDate::from_gregorian(self.due_day)
    }

    /// «۷ آذر ۱۴۰۵»: the expected-by day, long form.
    pub fn expected_by_fa(&self) -> String {
        self.expected_by().format_long_fa()
    }
}

/// Everything the clock needs: the calendar, the days per stage, and the second threshold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceStandards {
    /// Which days are worked.
    pub calendar: WorkCalendar,
    /// Working days per stage.
    pub deadlines: StageDeadlines,
    /// Working days past the deadline before the supervisors get the complaint.
    pub raise_after_days: u32,
}

impl Default for ServiceStandards {
    fn default() -> Self {
        ServiceStandards { calendar: WorkCalendar::default(), deadlines: StageDeadlines::default(), raise_after_days: DEFAULT_RAISE_AFTER_DAYS }
    }
}

/// Where a complaint stands against its clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, IntoStaticStr, EnumString, VariantArray)]
#[strum(serialize_all = "snake_case")]
pub enum Standing {
    /// More than a working day left.
    OnTime,
    /// Due today or on the next working day.
    DueSoon,
    /// Past its deadline.
    Overdue,
    /// Past the second threshold: the supervisors' business.
    #[strum(serialize = "raise")]
    RaiseToSupervisors,
}

impl Standing {
    /// Whether the deadline has passed.
    pub fn is_overdue(self) -> bool {
        self >= Standing::Overdue
    }

    /// Wire name (`on_time`, `due_soon`, `overdue`, `raise`).
    pub fn wire_name(self) -> &'static str {
        self.into()
    }

    /// Persian label for the console.
    pub fn label_fa(self) -> &'static str {
        match self {
            Standing::OnTime => "در مهلت",
            Standing::DueSoon => "نزدیک به پایان مهلت",
            Standing::Overdue => "مهلت گذشته",
            Standing::RaiseToSupervisors => "ارجاع به سرپرست",
        }
    }
}

fn end_of_day_in_iran(day: Date) -> OffsetDateTime {
    let next = day.next_day().unwrap_or(day);
    PrimitiveDateTime::new(next, Time::MIDNIGHT).assume_offset(IRAN)
}

fn day_in_iran(at: OffsetDateTime) -> Date {
    at.checked_to_offset(IRAN).unwrap_or(at).date()
}

impl ServiceStandards {
    /// When a stage entered at `since` is due, or `None` for a stage without a clock.
    pub fn deadline(&self, stage: Stage, since: OffsetDateTime) -> Option<Deadline> {
        let days = self.deadlines.working_days(stage)?;
        let due_day = self.calendar.add_working_days(day_in_iran(since), days);
        let raise_day = self.calendar.add_working_days(due_day, self.raise_after_days.max(1));
        Some(Deadline { due_day, due_at: end_of_day_in_iran(due_day), raise_at: end_of_day_in_iran(raise_day) })
    }

    /// When a stage entered at `since` is due (`None`: a stage without a clock).
    pub fn due_at(&self, stage: Stage, since: OffsetDateTime) -> Option<OffsetDateTime> {
        self.deadline(stage, since).map(|d| d.due_at)
    }

    /// The end of the next working day after `now`'s: a stage due at or before it is
    /// [`Standing::DueSoon`] or past its deadline at `now` (what a "due soon" filter selects).
    pub fn due_soon_by(&self, now: OffsetDateTime) -> OffsetDateTime {
        end_of_day_in_iran(self.calendar.add_working_days(day_in_iran(now), 1))
    }

    /// Where a deadline stands at `now`.
    pub fn standing(&self, deadline: &Deadline, now: OffsetDateTime) -> Standing {
        if now >= deadline.raise_at {
            Standing::RaiseToSupervisors
        } else if now >= deadline.due_at {
            Standing::Overdue
        } else if self.calendar.working_days_between(day_in_iran(now), deadline.due_day) <= 1 {
            Standing::DueSoon
        } else {
            Standing::OnTime
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    fn j(year: i32, month: u8, day: u8) -> Holiday {
        Holiday::Once(JalaliDate { year, month, day })
    }

    /// Nowruz 1404 and the days around it, and 14–15 Khordad 1404, as an operator would list them.
    fn holidays_1404() -> Vec<Holiday> {
        parse_holidays(
            "# تعطیلات رسمی\n\
             ۰۱/۰۱ # نوروز\n01/02\n01/03\n01/04\n01/12 # روز جمهوری اسلامی\n01/13\n\
             1403/12/29 # ملی شدن صنعت نفت\n\
             1404/03/14\n۱۴۰۴/۰۳/۱۵\n",
        )
        .unwrap()
    }

    #[test]
    fn stages_are_due_after_their_working_days() {
        // (stage, entered at, Thursday off, due day)
        let cases = [
            // A plain week: Saturday + 3 working days.
            (Stage::ExpertReview, datetime!(2025-11-22 10:00 +03:30), false, date!(2025 - 11 - 25)),
            // Friday is skipped: Wednesday + 3 = Thursday, Saturday, Sunday.
            (Stage::ExpertReview, datetime!(2025-11-26 10:00 +03:30), false, date!(2025 - 11 - 30)),
            // With Thursday off as well: Saturday, Sunday, Monday.
            (Stage::ExpertReview, datetime!(2025-11-26 10:00 +03:30), true, date!(2025 - 12 - 01)),
            // Entered on a Friday (a day off): the count starts on Saturday.
            (Stage::Received, datetime!(2025-11-28 09:00 +03:30), false, date!(2025 - 11 - 29)),
            // Entered on the eve of 14–15 Khordad (Tuesday): Wed, Thu holidays, Fri off, then Sat, Sun, Mon.
            (Stage::ExpertReview, datetime!(2025-06-03 23:00 +03:30), false, date!(2025 - 06 - 09)),
            // Counted in calendar days it would end on 29 Esfand (a holiday): it moves to the next working day.
            (Stage::ExpertReview, datetime!(2025-03-16 11:00 +03:30), false, date!(2025 - 03 - 20)),
            // ...and with Thursday off, past Friday and the four days of Nowruz.
            (Stage::ExpertReview, datetime!(2025-03-16 11:00 +03:30), true, date!(2025 - 03 - 25)),
            // Ten working days of inspection across Nowruz, 12 and 13 Farvardin.
            (Stage::Inspection, datetime!(2025-03-18 12:00 +03:30), false, date!(2025 - 04 - 06)),
            // The day is Iran's: 21:00 UTC on Tuesday is 00:30 on Wednesday in Tehran.
            (Stage::ExpertReview, datetime!(2025-11-25 21:00 UTC), false, date!(2025 - 11 - 30)),
            (Stage::SelfRegulation, datetime!(2025-11-22 08:00 +03:30), false, date!(2025 - 11 - 30)),
            (Stage::InspectionReported, datetime!(2025-11-22 08:00 +03:30), false, date!(2025 - 11 - 25)),
        ];
        for (stage, since, thursday_off, due_day) in cases {
            let standards = ServiceStandards { calendar: WorkCalendar::new(thursday_off, &holidays_1404()), ..Default::default() };
            let d = standards.deadline(stage, since).unwrap();
            assert_eq!(d.due_day, due_day, "{stage:?} from {since}, thursday off {thursday_off}");
            assert!(standards.calendar.is_working_day(d.due_day), "a deadline never falls on a day off: {due_day}");
            assert_eq!(d.due_at, PrimitiveDateTime::new(due_day.next_day().unwrap(), Time::MIDNIGHT).assume_offset(IRAN));
        }
    }

    #[test]
    fn a_verdict_and_closed_complaints_have_no_clock() {
        let standards = ServiceStandards::default();
        for stage in [Stage::Verdict, Stage::Resolved, Stage::Dismissed, Stage::Withdrawn] {
            assert_eq!(standards.deadline(stage, datetime!(2025-11-22 10:00 UTC)), None, "{stage:?}");
        }
        for stage in Stage::open_stages() {
            assert!(standards.deadline(stage, datetime!(2025-11-22 10:00 UTC)).is_some(), "{stage:?}");
        }
    }

    #[test]
    fn standing_moves_from_on_time_to_raised() {
        let standards = ServiceStandards::default();
        // Expert review entered Saturday 22 Nov: due end of Tuesday 25th; raised after Wed, Thu, Sat.
        let d = standards.deadline(Stage::ExpertReview, datetime!(2025-11-22 10:00 +03:30)).unwrap();
        let cases = [
            (datetime!(2025-11-22 12:00 +03:30), Standing::OnTime),
            (datetime!(2025-11-23 12:00 +03:30), Standing::OnTime),
            (datetime!(2025-11-24 09:00 +03:30), Standing::DueSoon),
            (datetime!(2025-11-25 23:59 +03:30), Standing::DueSoon),
            (datetime!(2025-11-26 00:00 +03:30), Standing::Overdue),
            (datetime!(2025-11-29 23:59 +03:30), Standing::Overdue),
            (datetime!(2025-11-30 00:00 +03:30), Standing::RaiseToSupervisors),
        ];
        for (now, standing) in cases {
            assert_eq!(standards.standing(&d, now), standing, "{now}");
        }
        assert!(Standing::Overdue.is_overdue() && Standing::RaiseToSupervisors.is_overdue() && !Standing::DueSoon.is_overdue());
    }

    #[test]
    fn standings_have_wire_names() {
        let names = [(Standing::OnTime, "on_time"), (Standing::DueSoon, "due_soon"), (Standing::Overdue, "overdue"), (Standing::RaiseToSupervisors, "raise")];
        assert_eq!(names.map(|(s, _)| s), Standing::VARIANTS);
        for (standing, name) in names {
            assert_eq!(standing.wire_name(), name);
            assert_eq!(name.parse::<Standing>().ok(), Some(standing));
        }
    }

    #[test]
    fn the_stored_due_time_selects_exactly_the_overdue_and_the_due_soon() {
        // What a queue's `due` filter compares (`due_at <= now`, `due_at <= due_soon_by(now)`)
        // agrees with `standing`, for every stage entered on any day of three weeks around
        // Nowruz and looked at on any of them, with Thursday off and the holidays listed.
        let standards = ServiceStandards { calendar: WorkCalendar::new(true, &holidays_1404()), ..Default::default() };
        let start = datetime!(2025-03-10 09:00 +03:30);
        for entered in 0..21 {
            for stage in [Stage::Received, Stage::ExpertReview, Stage::SelfRegulation] {
                let since = start + time::Duration::days(entered);
                let d = standards.deadline(stage, since).unwrap();
                assert_eq!(standards.due_at(stage, since), Some(d.due_at));
                for looked in 0..40 {
                    for hour in [0, 11, 23] {
                        let now = start + time::Duration::days(looked) + time::Duration::hours(hour);
                        let standing = standards.standing(&d, now);
                        assert_eq!(d.due_at <= now, standing.is_overdue(), "{stage:?} entered {since}, at {now}");
                        assert_eq!(d.due_at <= standards.due_soon_by(now), standing >= Standing::DueSoon, "{stage:?} entered {since}, at {now}");
                    }
                }
            }
        }
    }

    #[test]
    fn due_soon_skips_the_weekend() {
        // Due on Saturday: on the Wednesday before (Thursday off), only Saturday is left.
        let standards = ServiceStandards { calendar: WorkCalendar::new(true, &[]), ..Default::default() };
        let d = standards.deadline(Stage::ExpertReview, datetime!(2025-11-24 10:00 +03:30)).unwrap();
        assert_eq!(d.due_day, date!(2025 - 11 - 29));
        assert_eq!(standards.standing(&d, datetime!(2025-11-25 10:00 +03:30)), Standing::OnTime);
        assert_eq!(standards.standing(&d, datetime!(2025-11-26 10:00 +03:30)), Standing::DueSoon);
    }

    #[test]
    fn the_citizen_reads_the_due_day_in_jalali() {
        let d = ServiceStandards::default().deadline(Stage::ExpertReview, datetime!(2025-11-22 10:00 +03:30)).unwrap();
        assert_eq!(d.expected_by(), JalaliDate { year: 1404, month: 9, day: 4 });
        assert_eq!(d.expected_by_fa(), "۴ آذر ۱۴۰۴");
    }

    #[test]
    fn holidays_files_are_read_line_by_line() {
        assert_eq!(holidays_1404().len(), 9);
        assert_eq!(parse_holidays("\n# only a comment\n").unwrap(), vec![]);
        assert_eq!(parse_holidays("1404-01-12").unwrap(), vec![j(1404, 1, 12)]);
        for (text, line) in [("1404/13/01", 1), ("01/01\n1404/07/31", 2), ("فردا", 1), ("1404/01", 1), ("13/01", 1), ("01/32", 1), ("1/2/3/4", 1)] {
            match parse_holidays(text) {
                Err(DeadlineConfigError::Holiday { line: l, .. }) => assert_eq!(l, line, "{text}"),
                other => panic!("{text}: {other:?}"),
            }
        }
    }

    #[test]
    fn stage_settings_are_checked() {
        assert_eq!(StageDeadlines::parse_setting("inspection=12"), Ok((Stage::Inspection, 12)));
        assert_eq!(StageDeadlines::parse_setting(" taazirat = ۴۵ "), Ok((Stage::Taazirat, 45)));
        assert!(matches!(StageDeadlines::parse_setting("inspection"), Err(DeadlineConfigError::Malformed(_))));
        assert!(matches!(StageDeadlines::parse_setting("nap=3"), Err(DeadlineConfigError::UnknownStage(_))));
        let mut d = StageDeadlines::default();
        assert!(matches!(d.set(Stage::Verdict, 5), Err(DeadlineConfigError::FinalStage(_))));
        assert!(matches!(d.set(Stage::Inspection, 0), Err(DeadlineConfigError::ZeroDays(_))));
        d.set(Stage::Inspection, 12).unwrap();
        assert_eq!(d.working_days(Stage::Inspection), Some(12));
        assert_eq!(d.working_days(Stage::ExpertReview), Some(3));
    }
}
