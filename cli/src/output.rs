//! Printing: one JSON document or readable text on stdout, errors on stderr, and the small
//! formatting helpers every command shares (stages "فارسی (English)", times in Iran, amounts).

use std::io::Write;

use serde::Serialize;
use serde_json::{json, Value};
use time::OffsetDateTime;

use samat_core::client::{ComplaintEvent, OutboxItem, OutboxKind};
use samat_core::model::api::{EventKind, EventView, VerdictDetails};
use samat_core::model::clock::IRAN;
use samat_core::model::{Category, PhoneNumber, Stage};

use crate::error::CliError;

/// Where results go: text by default, JSON with `--json`.
#[derive(Debug, Clone, Copy)]
pub struct Output {
    /// Whether `--json` was given.
    pub json: bool,
}

/// Writes to stdout, ignoring a closed pipe (`samat list | head`).
fn write_stdout(s: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(s.as_bytes());
    let _ = out.flush();
}

impl Output {
    /// An output in text or JSON mode.
    pub fn new(json: bool) -> Self {
        Output { json }
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
        // A partial scan already reported each file on its own line, a sync with refusals in
        // its report.
        if self.json && e.code != crate::commands::scan::PARTIAL && e.code != crate::commands::sync::REFUSED {
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

/// `2026-11-28 14:05 IRST` (Iran Standard Time).
pub fn time_label(at: OffsetDateTime) -> String {
    let t = at.to_offset(IRAN);
    format!("{:04}-{:02}-{:02} {:02}:{:02} IRST", t.year(), u8::from(t.month()), t.day(), t.hour(), t.minute())
}

/// `2,500,000`.
pub fn group_digits(n: i64) -> String {
    samat_core::model::text::group_thousands(n, ',')
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

/// One line for an outbox item: `#3 complaint  queued  attempts 1  last error: -`.
pub fn outbox_line(item: &OutboxItem) -> String {
    let state = wire_name(&item.state);
    let about = item.tracking_code.as_deref().map(|c| format!("  for {c}")).unwrap_or_default();
    let error = item.last_error.as_ref().map(|r| r.code.as_str()).unwrap_or("-");
    format!("#{:<4} {:<13} {:<7} attempts {}  last error: {error}{about}", item.id, kind_label(item.kind), state, item.attempts)
}

/// The verdict in words, from an event's `details`.
pub fn verdict_text(details: &Value) -> Option<String> {
    let v: VerdictDetails = serde_json::from_value(details.clone()).ok()?;
    let mut parts = vec![if v.violation { "violation found".to_owned() } else { "no violation found".to_owned() }];
    if let Some(p) = v.penalty_rials {
        parts.push(format!("penalty {} rials", group_digits(p)));
    }
    if let Some(c) = v.compensation_rials {
        parts.push(format!("compensation to you {} rials", group_digits(c)));
    }
    Some(parts.join("; "))
}

/// An event of a history, as indented lines: time, stage, then note and details.
pub fn event_block(e: &EventView) -> String {
    let what = match e.kind {
        EventKind::Note => format!("note (still {})", stage_label(e.stage)),
        _ => stage_label(e.stage),
    };
    let mut s = format!("  {}  {what}  [{}, #{}]\n", time_label(e.at), e.actor, e.seq);
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

/// One line for a new event: `4013016562  اعزام بازرس (Inspector dispatched)  2026-… — note`.
pub fn event_line(e: &ComplaintEvent) -> String {
    let mut s = format!("{}  {}  {}", e.tracking_code, stage_label(e.event.stage), time_label(e.event.at));
    if e.event.kind == EventKind::Note {
        s.push_str("  (note)");
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
    fn verdicts_read_as_words() {
        let d = json!({"violation": true, "penalty_rials": 50_000_000, "compensation_rials": 2_500_000});
        assert_eq!(verdict_text(&d).unwrap(), "violation found; penalty 50,000,000 rials; compensation to you 2,500,000 rials");
    }
}
