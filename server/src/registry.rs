//! The guild registry import: a CSV export of the businesses (one row per business, a header
//! row naming the columns in any order) upserted into the store in batches.
//!
//! Columns: `guild_id,name,guild,licence_no,licence_status,province,city,address`; only
//! `guild_id` and `name` are required (`license_*` spellings are accepted too). A column the
//! file does not have leaves that field of existing businesses alone; an empty cell clears it.
//! Bad rows are reported with their line number and skipped; the rest is imported. Running
//! the same file again changes nothing.

use std::io::{BufRead, BufReader, Read};

use samat_core::model::api::{BusinessView, LicenceStatus};
use samat_core::model::guild::normalize_guild_id;
use samat_core::model::text::{ascii_digits, char_len, normalize_text, MAX_ADDRESS_CHARS, MAX_SHORT_CHARS};
use time::OffsetDateTime;

use crate::store::{BusinessFields, BusinessRecord, Store, Upserted};

/// The wire form of a stored business.
pub fn view(b: &BusinessRecord) -> BusinessView {
    BusinessView {
        guild_id: b.guild_id.clone(),
        name: b.name.clone(),
        guild: b.guild.clone(),
        licence_no: b.licence_no.clone(),
        licence_status: b.licence_status,
        province: b.province.clone(),
        city: b.city.clone(),
        address: b.address.clone(),
    }
}

/// Rows per write job: one commit (one fsync) per batch.
pub const BATCH_ROWS: usize = 500;

/// The columns of the import file.
pub const COLUMNS: [&str; 8] = ["guild_id", "name", "guild", "licence_no", "licence_status", "province", "city", "address"];

/// A row that was not imported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadRow {
    /// 1-based line of the file where the row starts (the header is line 1).
    pub line: u64,
    /// Why.
    pub reason: String,
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportReport {
    /// New businesses.
    pub imported: u64,
    /// Existing businesses whose data changed.
    pub updated: u64,
    /// Existing businesses already exactly so.
    pub unchanged: u64,
    /// Rows not imported, in file order.
    pub skipped: Vec<BadRow>,
    /// Remarks that skipped nothing (ignored columns, an ID repeated in the file).
    pub notes: Vec<String>,
}

impl ImportReport {
    /// `imported N, updated M, skipped K, unchanged U`.
    pub fn summary(&self) -> String {
        format!("imported {}, updated {}, skipped {}, unchanged {}", self.imported, self.updated, self.skipped.len(), self.unchanged)
    }
}

/// Why a file could not be imported at all.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file could not be read (also mid-way: batches before were imported).
    #[error("cannot read the file: {0}")]
    Read(String),
    /// The header row is missing a required column or is not a header.
    #[error("bad header row: {0}")]
    Header(String),
    /// The database failed.
    #[error("{0}")]
    Store(#[from] crate::store::StoreError),
}

/// Where each known column is in the file.
struct Layout {
    at: [Option<usize>; 8],
    width: usize,
}

impl Layout {
    fn from_header(header: &csv::ByteRecord, notes: &mut Vec<String>) -> Result<Layout, ImportError> {
        let mut at = [None; 8];
        for (i, raw) in header.iter().enumerate() {
            let name = String::from_utf8_lossy(raw).trim().trim_start_matches('\u{feff}').to_ascii_lowercase().replace(['-', ' '], "_");
            let name = name.replace("license", "licence");
            match COLUMNS.iter().position(|c| *c == name) {
                Some(c) if at[c].is_none() => at[c] = Some(i),
                Some(_) => notes.push(format!("column {name:?} appears twice; the first one is used")),
                None => notes.push(format!("column {:?} is not a registry column and is ignored", String::from_utf8_lossy(raw).trim())),
            }
        }
        let missing: Vec<&str> = [0, 1].iter().filter(|&&c| at[c].is_none()).map(|&c| COLUMNS[c]).collect();
        if !missing.is_empty() {
            return Err(ImportError::Header(format!("no {} column; the first row must name the columns: {}", missing.join(" or "), COLUMNS.join(","))));
        }
        Ok(Layout { at, width: header.len() })
    }

    fn fields(&self) -> BusinessFields {
        BusinessFields {
            guild: self.at[2].is_some(),
            licence_no: self.at[3].is_some(),
            licence_status: self.at[4].is_some(),
            province: self.at[5].is_some(),
            city: self.at[6].is_some(),
            address: self.at[7].is_some(),
        }
    }
}

/// Reads a licence status as the registry writes it: the wire names in any case, or Persian.
pub fn parse_licence_status(s: &str) -> Option<LicenceStatus> {
    let t = normalize_text(s).to_lowercase().replace('\u{200C}', " ");
    match t.as_str() {
        "active" | "valid" | "فعال" | "معتبر" => Some(LicenceStatus::Active),
        "suspended" | "تعلیق" | "معلق" | "تعلیق شده" => Some(LicenceStatus::Suspended),
        "expired" | "منقضی" | "منقضی شده" | "باطل" => Some(LicenceStatus::Expired),
        _ => None,
    }
}

fn cell(record: &csv::ByteRecord, at: Option<usize>) -> Result<Option<&str>, String> {
    match at.and_then(|i| record.get(i)) {
        None => Ok(None),
        Some(bytes) => std::str::from_utf8(bytes).map(Some).map_err(|_| "not UTF-8 text (save the file as UTF-8)".to_owned()),
    }
}

fn short(field: &str, value: Option<&str>, max: usize) -> Result<Option<String>, String> {
    let v = value.map(normalize_text).filter(|t| !t.is_empty());
    match v {
        Some(t) if char_len(&t) > max => Err(format!("{field} is longer than {max} characters")),
        other => Ok(other),
    }
}

/// One data row as a business, or why not.
fn business(layout: &Layout, record: &csv::ByteRecord) -> Result<BusinessRecord, String> {
    if record.len() != layout.width {
        return Err(format!("wrong column count: expected {}, found {}", layout.width, record.len()));
    }
    let raw_id = cell(record, layout.at[0])?.unwrap_or("");
    let guild_id = normalize_guild_id(raw_id).ok_or_else(|| format!("bad guild_id {:?}: digits only, at most 20", raw_id.trim()))?;
    let name = normalize_text(cell(record, layout.at[1])?.unwrap_or(""));
    if name.is_empty() {
        return Err("empty name".into());
    }
    if char_len(&name) > MAX_SHORT_CHARS {
        return Err(format!("name is longer than {MAX_SHORT_CHARS} characters"));
    }
    let licence_status = match cell(record, layout.at[4])?.map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(parse_licence_status(s).ok_or_else(|| format!("unknown licence status {s:?}: use active, suspended or expired"))?),
    };
    Ok(BusinessRecord {
        guild_id,
        name,
        guild: short("guild", cell(record, layout.at[2])?, MAX_SHORT_CHARS)?,
        licence_no: short("licence_no", cell(record, layout.at[3])?, MAX_SHORT_CHARS)?.map(|n| ascii_digits(&n)),
        licence_status,
        province: short("province", cell(record, layout.at[5])?, MAX_SHORT_CHARS)?,
        city: short("city", cell(record, layout.at[6])?, MAX_SHORT_CHARS)?,
        address: short("address", cell(record, layout.at[7])?, MAX_ADDRESS_CHARS)?,
    })
}

/// One data row of the file: a business, or why it was skipped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Row {
    /// A good row, with the 1-based line it starts on.
    Business {
        /// Line of the file where the row starts.
        line: u64,
        /// The business, normalised.
        record: BusinessRecord,
    },
    /// A row that is not imported.
    Bad(BadRow),
}

/// Where the input's line breaks are (the offset of every CR and LF byte, and which of them
/// is a newline), as the CSV parser reads ahead: enough to name the line a record starts on.
/// The csv crate's own line numbers skip blank lines and miscount CRLF files, and the byte
/// offset it gives for a record can point at the line breaks before it, so the breaks from
/// that offset on are stepped over first. What is held is bounded by the parser's read-ahead.
#[derive(Default)]
struct LineTracker {
    breaks: Breaks,
    passed: u64,
}

type Breaks = std::sync::Arc<std::sync::Mutex<std::collections::VecDeque<(u64, bool)>>>;

impl LineTracker {
    /// The 1-based line of the first byte of a record the parser says starts at `offset`;
    /// offsets must not decrease between calls.
    fn line_at(&mut self, offset: u64) -> u64 {
        let mut breaks = self.breaks.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut start = offset;
        while let Some(&(at, newline)) = breaks.front() {
            if at > start {
                break;
            }
            if at == start {
                start += 1;
            }
            breaks.pop_front();
            self.passed += u64::from(newline);
        }
        self.passed + 1
    }
}

/// A reader that notes the offset of every CR and LF that passes through it.
struct Lines<R> {
    inner: R,
    read: u64,
    breaks: Breaks,
}

impl<R: Read> Read for Lines<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let mut breaks = self.breaks.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let base = self.read;
        breaks.extend(buf[..n].iter().enumerate().filter(|(_, &b)| b == b'\n' || b == b'\r').map(|(i, &b)| (base + i as u64, b == b'\n')));
        self.read += n as u64;
        Ok(n)
    }
}

/// The rows of a registry CSV, read without a store: the header's layout first, then one
/// [`Row`] per data line (blank lines are passed over). [`import_csv`] writes what it yields;
/// the fuzz targets read hostile files through it directly.
pub struct RegistryReader<R: Read> {
    reader: csv::Reader<Lines<BufReader<R>>>,
    lines: LineTracker,
    layout: Layout,
    record: csv::ByteRecord,
    notes: Vec<String>,
}

impl<R: Read> RegistryReader<R> {
    /// Reads the header row of `input` (UTF-8, with or without a BOM). An unreadable file, an
    /// empty one or a header without `guild_id` and `name` is an error.
    pub fn new(input: R) -> Result<Self, ImportError> {
        let mut input = BufReader::new(input);
        // A BOM would otherwise stick to the first column name.
        let head = input.fill_buf().map_err(|e| ImportError::Read(e.to_string()))?;
        if head.starts_with(b"\xEF\xBB\xBF") {
            input.consume(3);
        }
        let lines = LineTracker::default();
        let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(Lines { inner: input, read: 0, breaks: lines.breaks.clone() });
        let mut record = csv::ByteRecord::new();
        let has_header = reader.read_byte_record(&mut record).map_err(|e| ImportError::Read(e.to_string()))?;
        if !has_header {
            return Err(ImportError::Header("the file is empty".into()));
        }
        let mut notes = Vec::new();
        let layout = Layout::from_header(&record, &mut notes)?;
        Ok(RegistryReader { reader, lines, layout, record, notes })
    }

    /// Which optional fields the file carries (the columns it has).
    pub fn fields(&self) -> BusinessFields {
        self.layout.fields()
    }

    /// Remarks about the header (ignored or repeated columns), taken once.
    pub fn take_notes(&mut self) -> Vec<String> {
        std::mem::take(&mut self.notes)
    }

    /// The next data row, `Ok(None)` at the end of the file, or an error when the file
    /// cannot be read on (rows yielded before stay good).
    pub fn next_row(&mut self) -> Result<Option<Row>, ImportError> {
        loop {
            if !self.reader.read_byte_record(&mut self.record).map_err(|e| ImportError::Read(e.to_string()))? {
                return Ok(None);
            }
            if self.record.iter().all(|f| f.iter().all(u8::is_ascii_whitespace)) {
                continue; // a blank line (or one of only commas)
            }
            let line = self.lines.line_at(self.record.position().map_or(0, |p| p.byte()));
            return Ok(Some(match business(&self.layout, &self.record) {
                Ok(record) => Row::Business { line, record },
                Err(reason) => Row::Bad(BadRow { line, reason }),
            }));
        }
    }
}

/// Imports a registry CSV (UTF-8, with or without a BOM) from `input` into `store`, one write
/// per [`BATCH_ROWS`] good rows. Bad rows are skipped and reported; an unreadable file or
/// header is an error (rows of batches already written stay imported).
pub async fn import_csv(store: &dyn Store, input: impl Read) -> Result<ImportReport, ImportError> {
    let mut rows = RegistryReader::new(input)?;
    let mut report = ImportReport { notes: rows.take_notes(), ..ImportReport::default() };
    let fields = rows.fields();
    let at = OffsetDateTime::now_utc();
    // First line of each guild ID seen, to point out repeats (the later row wins).
    let mut seen: std::collections::HashMap<String, u64> = std::collections::HashMap::new();
    let mut batch: Vec<BusinessRecord> = Vec::with_capacity(BATCH_ROWS);
    loop {
        let row = match rows.next_row() {
            Ok(Some(row)) => row,
            Ok(None) => break,
            Err(e) => {
                // Whatever was read so far is still imported.
                flush(store, &mut batch, fields, at, &mut report).await?;
                return Err(e);
            }
        };
        match row {
            Row::Business { line, record } => {
                if let Some(first) = seen.insert(record.guild_id.clone(), line) {
                    report.notes.push(format!("line {line}: guild_id {} was already on line {first}; this later row wins", record.guild_id));
                }
                batch.push(record);
                if batch.len() >= BATCH_ROWS {
                    flush(store, &mut batch, fields, at, &mut report).await?;
                }
            }
            Row::Bad(bad) => report.skipped.push(bad),
        }
    }
    flush(store, &mut batch, fields, at, &mut report).await?;
    Ok(report)
}

async fn flush(
    store: &dyn Store,
    batch: &mut Vec<BusinessRecord>,
    fields: BusinessFields,
    at: OffsetDateTime,
    report: &mut ImportReport,
) -> Result<(), ImportError> {
    if batch.is_empty() {
        return Ok(());
    }
    for outcome in store.upsert_businesses(std::mem::take(batch), fields, at).await? {
        match outcome {
            Upserted::Inserted => report.imported += 1,
            Upserted::Updated => report.updated += 1,
            Upserted::Unchanged => report.unchanged += 1,
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn licence_statuses_in_english_or_persian() {
        assert_eq!(parse_licence_status(" Active "), Some(LicenceStatus::Active));
        assert_eq!(parse_licence_status("تعليق شده"), Some(LicenceStatus::Suspended));
        assert_eq!(parse_licence_status("منقضی\u{200C}شده"), Some(LicenceStatus::Expired));
        assert_eq!(parse_licence_status("revoked"), None);
    }

    #[test]
    fn rows_are_read_without_a_store_with_their_lines() {
        let file = "\u{FEFF}guild_id,name,city,extra\r\n۱۰۰۱۱,\"كتاب, فروشي\",تهران,x\r\n\r\n12a,y,,\r\n13,z\r\n".as_bytes();
        let mut rows = RegistryReader::new(file).unwrap();
        assert!(rows.fields().city && !rows.fields().address);
        assert_eq!(rows.take_notes().len(), 1, "the extra column is noted");
        match rows.next_row().unwrap() {
            Some(Row::Business { line: 2, record }) => assert_eq!((record.guild_id.as_str(), record.name.as_str()), ("10011", "کتاب, فروشی")),
            other => panic!("{other:?}"),
        }
        assert!(matches!(rows.next_row().unwrap(), Some(Row::Bad(BadRow { line: 4, .. }))), "the blank line is passed over");
        assert!(matches!(rows.next_row().unwrap(), Some(Row::Bad(BadRow { line: 5, .. }))), "a short row is bad");
        assert!(rows.next_row().unwrap().is_none());
        assert!(matches!(RegistryReader::new(&b"id,title\n1,a\n"[..]), Err(ImportError::Header(_))));
    }
}
