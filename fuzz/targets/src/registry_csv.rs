//! The guild registry import: a CSV file from the ministry's registry, read row by row by
//! [`RegistryReader`] (what `registry::import_csv` writes to the store).

use samat_core::model::guild::MAX_GUILD_ID_DIGITS;
use samat_core::model::text::{normalize_text, MAX_ADDRESS_CHARS, MAX_SHORT_CHARS};
use samat_server::registry::{RegistryReader, Row};

/// Largest file looked at: a few hundred rows.
const MAX_FILE_BYTES: usize = 64 * 1024;

/// Reads the bytes as a registry file. Reading never panics and ends; every business it
/// yields is one the store may keep (a 1–20 digit ID, normalised fields within their limits),
/// rows come in file order, and reading the same bytes again gives the same rows.
pub fn registry_csv(data: &[u8]) {
    if data.len() > MAX_FILE_BYTES {
        return;
    }
    let first = read_all(data);
    assert_eq!(first, read_all(data), "two readings of the same file differ");
    let Some(rows) = first else { return };
    let lines = data.split(|&b| b == b'\n').count() as u64;
    let mut last_line = 1;
    for row in &rows {
        let line = match row {
            Row::Business { line, record } => {
                let id = &record.guild_id;
                assert!(!id.is_empty() && id.len() <= MAX_GUILD_ID_DIGITS && id.bytes().all(|b| b.is_ascii_digit()), "{record:?}");
                kept(&record.name, MAX_SHORT_CHARS, false);
                for (value, max) in [
                    (&record.guild, MAX_SHORT_CHARS),
                    (&record.province, MAX_SHORT_CHARS),
                    (&record.city, MAX_SHORT_CHARS),
                    (&record.address, MAX_ADDRESS_CHARS),
                ] {
                    if let Some(v) = value {
                        kept(v, max, true);
                    }
                }
                if let Some(n) = &record.licence_no {
                    assert!(!n.is_empty() && !n.chars().any(|c| matches!(c, '\u{06F0}'..='\u{06F9}' | '\u{0660}'..='\u{0669}')), "{n:?}");
                }
                *line
            }
            Row::Bad(bad) => {
                assert!(!bad.reason.is_empty());
                bad.line
            }
        };
        assert!(line >= last_line, "row on line {line} after line {last_line}");
        assert!(line <= lines, "line {line} of a {lines}-line file");
        last_line = line;
    }
}

/// A field the store keeps: normalised, non-empty, at most `max` characters.
fn kept(value: &str, max: usize, optional: bool) {
    assert!(!value.is_empty(), "an empty {} field is kept", if optional { "optional" } else { "required" });
    assert_eq!(normalize_text(value), value, "not normalised");
    assert!(value.chars().count() <= max, "{} characters kept, limit {max}", value.chars().count());
}

/// Every row of the file, or `None` when the file (or its header) cannot be read at all.
fn read_all(data: &[u8]) -> Option<Vec<Row>> {
    let mut reader = RegistryReader::new(data).ok()?;
    let _ = reader.fields();
    let _ = reader.take_notes();
    let mut rows = Vec::new();
    // A read error mid-way ends the import; rows read before it stay.
    while let Ok(Some(row)) = reader.next_row() {
        rows.push(row);
    }
    Some(rows)
}
