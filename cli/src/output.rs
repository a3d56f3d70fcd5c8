//! Printing: one JSON document or readable text on stdout, errors on stderr, and the small
//! formatting helpers every command shares: stages and verdicts "فارسی (English)", times in
//! the Solar Hijri calendar with Persian digits (or ISO 8601 with `--gregorian`), amounts,
//! tracking codes always as their ten Latin digits, and counts with their plurals.

use std::io::Write;

use serde::Serialize;
use serde_json::{json, Value};
use time::OffsetDateTime;

use samat_core::client::{ComplaintEvent, OutboxItem, OutboxKind};
use samat_core::model::api::{EventKind, EventView, VerdictDetails};
use samat_core::model::clock::IRAN;
use samat_core::model::jalali::{format_instant_fa, JalaliDate};
use samat_core::model::labels::actor_label_fa;
use samat_core::model::text::format_rials_fa;
use samat_core::model::{Category, PhoneNumber, Stage};

use crate::error::CliError;

/// Where results go and how dates read: text by default, JSON with `--json`; Jalali dates with
/// Persian digits by default, ISO 8601 with `--gregorian`.
#[derive(Debug, Clone, Copy)]
pub struct Output {
    /// Whether `--json` was given.
    pub json: bool,
    /// Whether `--gregorian` was given.
    pub gregorian: bool,
}

/// Writes to stdout, ignoring a closed pipe (`samat list | head`).
fn write_stdout(s: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(s.as_bytes());
    let _ = out.flush();
}

impl Output {
    /// An output in text or JSON mode, with Jalali or Gregorian dates.
    pub fn new(json: bool, gregorian: bool) -> Self {
        Output { json, gregorian }
    }

    /// An instant: `۷ آذر ۱۴۰۵، ۱۴:۰۵` (Iran time), or `2026-11-28T14:05:00+03:30` with
    /// `--gregorian`.
    pub fn time(&self, at: OffsetDateTime) -> String {
        if self.gregorian {
            iso_time(at)
        } else {
            format_instant_fa(at)
        }
    }

    /// A day: `۱۴۰۵/۰۹/۰۷`, or `2026-11-28` with `--gregorian`.
    pub fn day(&self, date: time::Date) -> String {
        if self.gregorian {
            format!("{:04}-{:02}-{:02}", date.year(), u8::from(date.month()), date.day())
        } else {
            JalaliDate::from_gregorian(date).format_numeric_fa()
        }
    }

    /// Prints a command's result: `value` as one (pretty) JSON document with `--json`,
    /// otherwise the text `text` builds.
    pub fn emit<T: Serialize + ?Sized>(&self, value: &T, text: impl FnOnce() -> String) {
        if self.json {
            let doc = serde_json::to_string_pretty(value).unwrap_or_else(|e| format!("{{\"error\":{{\"code\":\"json\",\"message\":\"{e}\"}}}}"));
            write_stdout(&format!("{doc}\n"));
        } else {
            let mut s = text();
            if !s.ends_with('\n') {
                s.push('\n');
            }
            write_stdout(&s);
        }
    }

    /// Prints one JSON object on one line (`watch --json`), or a line of text.
    pub fn line<T: Serialize + ?Sized>(&self, value: &T, text: impl FnOnce() -> String) {
        if self.json {
            let doc = serde_json::to_string(value).unwrap_or_default();
            write_stdout(&format!("{doc}\n"));
        } else {
            write_stdout(&format!("{}\n", text()));
        }
    }

    /// A remark for people on stderr (both modes: stdout stays one document).
    pub fn note(&self, text: &str) {
        let _ = writeln!(std::io::stderr().lock(), "samat: {text}");
    }

    /// Reports a failed command: one line on stderr, plus the JSON error document on stdout
    /// with `--json`.
    pub fn error(&self, e: &CliError) {
        let _ = writeln!(std::io::stderr().lock(), "samat: {}", e.message);
        if self.json && !e.reported_on_stdout() {
            write_stdout(&format!("{}\n", error_json(e)));
        }
    }
}

/// `{"error": {"code", "message", "fields"?}}`.
pub fn error_json(e: &CliError) -> Value {
    let mut err = json!({ "code": e.code, "message": e.message });
    if !e.fields.is_empty() {
        err["fields"] = serde_json::to_value(&e.fields).unwrap_or(Value::Null);
    }
    json!({ "error": err })
}

/// `ثبت شد (Received)`.
pub fn stage_label(stage: Stage) -> String {
    format!("{} ({})", stage.label_fa(), stage.label_en())
}

/// `تقلب (Fraud or adulteration)`.
pub fn category_label(category: Category) -> String {
    format!("{} ({})", category.label_fa(), category.label_en())
}

/// A category wire name as typed in a draft, with its labels when it is a known one.
pub fn category_wire_label(name: &str) -> String {
    match Category::from_wire(name.trim()) {
        Some(c) => format!("{} — {}", c.wire_name(), category_label(c)),
        None => format!("{name} (unknown category)"),
    }
}

/// `2026-11-28T14:05:00+03:30`: ISO 8601 in Iran's time, to the second, for scripts.
pub fn iso_time(at: OffsetDateTime) -> String {
    let t = at.checked_to_offset(IRAN).unwrap_or(at);
    let t = t.replace_nanosecond(0).unwrap_or(t);
    t.format(&time::format_description::well_known::Rfc3339).unwrap_or_else(|_| t.to_string())
}

/// `2,500,000`.
pub fn group_digits(n: i64) -> String {
    samat_core::model::text::group_thousands(n, ',')
}

/// An amount in Persian with the English beside it: `۲٬۵۰۰٬۰۰۰ ریال (2,500,000 rials)`.
pub fn rials_label(amount: i64) -> String {
    format!("{} ({} rials)", format_rials_fa(amount), group_digits(amount))
}

/// `1 complaint`, `2 complaints`: a count with its noun in the right number.
pub fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// A phone number safe to print: `+98912***4567` (or `(unreadable)`).
pub fn masked_phone(phone: &str) -> String {
    PhoneNumber::parse(phone).map(|p| p.masked()).unwrap_or_else(|_| "(unreadable number)".to_owned())
}

/// The wire name of a serde enum value (`queued`, `counter`, ...).
pub fn wire_name<T: Serialize>(value: &T) -> String {
    serde_json::to_value(value).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}

/// An outbox kind in words.
pub fn kind_label(kind: OutboxKind) -> &'static str {
    match kind {
        OutboxKind::Complaint => "complaint",
        OutboxKind::Photo => "photo upload",
        OutboxKind::Decision => "decision",
        OutboxKind::Withdraw => "withdrawal",
        OutboxKind::Feedback => "feedback",
    }
}

/// One line for an outbox item: `#3    complaint     queued  attempts 1  last error: -`.
pub fn outbox_line(item: &OutboxItem) -> String {
    let state = wire_name(&item.state);
    let about = item.tracking_code.as_deref().map(|c| format!("  for {c}")).unwrap_or_default();
    let error = item.last_error.as_ref().map(|r| r.code.as_str()).unwrap_or("-");
    format!("#{:<4} {:<13} {:<7} attempts {}  last error: {error}{about}", item.id, kind_label(item.kind), state, item.attempts)
}

/// The verdict in Persian with the English beside it, from an event's `details`:
/// `تخلف محرز شد؛ جریمه واحد صنفی: ۵۰٬۰۰۰٬۰۰۰ ریال (violation found; penalty 50,000,000 rials)`.
pub fn verdict_text(details: &Value) -> Option<String> {
    let v: VerdictDetails = serde_json::from_value(details.clone()).ok()?;
    Some(verdict_label(&v))
}

/// A verdict in Persian with the English beside it.
pub fn verdict_label(v: &VerdictDetails) -> String {
    format!("{} ({})", v.summary_fa().trim_end_matches('.'), v.summary_en())
}

/// An event of a history, as indented lines: time, stage, who, then note and verdict.
pub fn event_block(e: &EventView, out: &Output) -> String {
    let what = match e.kind {
        EventKind::Note => format!("پیام (message), still {}", stage_label(e.stage)),
        _ => stage_label(e.stage),
    };
    let mut s = format!("  {}  {what}  [{} ({}), #{}]\n", out.time(e.at), actor_label_fa(&e.actor), e.actor, e.seq);
    if let Some(n) = e.note.as_deref().filter(|n| !n.trim().is_empty()) {
        s.push_str(&format!("      note: {n}\n"));
    }
    if let Some(d) = &e.details {
        match verdict_text(d).filter(|_| e.stage == Stage::Verdict) {
            Some(v) => s.push_str(&format!("      verdict: {v}\n")),
            None => s.push_str(&format!("      details: {d}\n")),
        }
    }
    s
}

/// One line for a new event: `4013016562  اعزام بازرس (Inspector dispatched)  ۷ آذر ۱۴۰۵، ۱۴:۰۵ — note`.
pub fn event_line(e: &ComplaintEvent, out: &Output) -> String {
    let mut s = format!("{}  {}  {}", e.tracking_code, stage_label(e.event.stage), out.time(e.event.at));
    if e.event.kind == EventKind::Note {
        s.push_str("  (پیام / message)");
    }
    if let Some(n) = e.event.note.as_deref().filter(|n| !n.trim().is_empty()) {
        s.push_str(&format!(" — {}", n.replace('\n', " ")));
    }
    if let Some(v) = e.event.details.as_ref().and_then(verdict_text) {
        s.push_str(&format!(" — verdict: {v}"));
    }
    s
}

/// An event as JSON: the stored event (`tracking_code`, `event`, `seen`) plus `stage_fa` and
/// `stage_en`.
pub fn event_json(e: &ComplaintEvent) -> Value {
    let mut v = serde_json::to_value(e).unwrap_or(Value::Null);
    if let Value::Object(m) = &mut v {
        m.insert("stage_fa".into(), e.event.stage.label_fa().into());
        m.insert("stage_en".into(), e.event.stage.label_en().into());
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_are_grouped_by_thousands() {
        assert_eq!(group_digits(0), "0");
        assert_eq!(group_digits(999), "999");
        assert_eq!(group_digits(1000), "1,000");
        assert_eq!(group_digits(50_000_000), "50,000,000");
        assert_eq!(group_digits(-2_500_000), "-2,500,000");
    }

    #[test]
    fn phones_are_masked_and_stages_bilingual() {
        assert_eq!(masked_phone("09121234567"), "+98912***4567");
        assert_eq!(stage_label(Stage::Received), "ثبت شد (Received)");
    }

    #[test]
    fn verdicts_read_in_persian_with_the_english_beside() {
        let d = json!({"violation": true, "penalty_rials": 50_000_000, "compensation_rials": 2_500_000});
        assert_eq!(
            verdict_text(&d).unwrap(),
            "رأی تعزیرات: تخلف محرز شد؛ جریمه واحد صنفی: ۵۰٬۰۰۰٬۰۰۰ ریال؛ غرامت به شما: ۲٬۵۰۰٬۰۰۰ ریال (violation found; penalty 50,000,000 rials; compensation to you 2,500,000 rials)"
        );
    }

    #[test]
    fn dates_are_jalali_with_persian_digits_unless_gregorian() {
        // 2026-11-28T10:35:00Z is 14:05 in Tehran, 7 Azar 1405.
        let at = OffsetDateTime::from_unix_timestamp(1_795_862_100).unwrap();
        assert_eq!(Output::new(false, false).time(at), "۷ آذر ۱۴۰۵، ۱۴:۰۵");
        assert_eq!(Output::new(false, true).time(at), "2026-11-28T14:05:00+03:30");
        assert_eq!(Output::new(false, true).time(at + time::Duration::milliseconds(330)), "2026-11-28T14:05:00+03:30", "to the second");
        let day = time::macros::date!(2026 - 11 - 28);
        assert_eq!(Output::new(false, false).day(day), "۱۴۰۵/۰۹/۰۷");
        assert_eq!(Output::new(true, true).day(day), "2026-11-28");
    }

    #[test]
    fn counts_take_their_plural() {
        assert_eq!(count(1, "complaint stays", "complaints stay"), "1 complaint stays");
        assert_eq!(count(0, "complaint stays", "complaints stay"), "0 complaints stay");
        assert_eq!(count(3, "event", "events"), "3 events");
        assert_eq!(rials_label(2_500_000), "۲٬۵۰۰٬۰۰۰ ریال (2,500,000 rials)");
    }
}
