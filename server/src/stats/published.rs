//! One rollup of the public statistics as it is served: the figures with their JSON and CSV
//! already written and gzipped, and the index the page reads cells by. Plain data, which the
//! server's state holds and the rollup ([`super`]) makes.

use std::collections::HashMap;
use std::time::Duration;

use samat_core::model::stats::{Area, JalaliMonth, PublicStats};
use samat_core::model::Category;
use sha2::{Digest, Sha256};

/// One rollup, ready to serve.
#[derive(Debug)]
pub struct Published {
    /// The figures.
    pub stats: PublicStats,
    /// `/v1/stats`'s body.
    pub json: Vec<u8>,
    /// `/v1/stats.csv`'s body (UTF-8 with a byte-order mark, so Excel reads the Persian).
    pub csv: Vec<u8>,
    /// `json` gzipped once per rollup, for clients that take gzip.
    pub json_gz: Vec<u8>,
    /// `csv` gzipped once per rollup.
    pub csv_gz: Vec<u8>,
    /// Where each cell of `stats.filed` is, for the page.
    pub filed_index: FiledIndex,
    /// The strong ETag of both (they change together).
    pub etag: String,
    /// How many complaints were counted.
    pub complaints: u64,
    /// How long the rollup took.
    pub took: Duration,
}

impl Published {
    /// The figures `stats`, counted over `complaints` complaints, with their JSON and CSV
    /// written, gzipped and tagged once (`took` is left for the rollup to fill in).
    pub fn new(stats: PublicStats, complaints: u64) -> Published {
        let json = serde_json::to_vec(&stats).unwrap_or_default();
        let csv = csv(&stats);
        let etag = format!("\"{}\"", hex(&Sha256::digest(&json)[..12]));
        let filed_index = FiledIndex::of(&stats);
        let (json_gz, csv_gz) = (gzip(&json), gzip(&csv));
        Published { stats, json, csv, json_gz, csv_gz, filed_index, etag, complaints, took: Duration::ZERO }
    }
}

/// `bytes` gzipped at the best ratio (done once per rollup, not per request).
pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut out = flate2::write::GzEncoder::new(Vec::with_capacity(bytes.len() / 8), flate2::Compression::best());
    // Writing to a Vec cannot fail.
    let _ = out.write_all(bytes);
    out.finish().unwrap_or_default()
}

/// A cell of complaints filed: category, province and month (`None`: all).
pub type FiledKey = (Option<Category>, Option<Area>, Option<JalaliMonth>);

/// The cells of complaints filed, by their key.
#[derive(Debug, Default)]
pub struct FiledIndex(HashMap<FiledKey, usize>);

impl FiledIndex {
    /// The index of `s`'s cells.
    pub fn of(s: &PublicStats) -> FiledIndex {
        FiledIndex(s.filed.iter().enumerate().map(|(i, c)| ((c.category, c.province, c.month), i)).collect())
    }

    /// The published count of a cell (`None`: withheld; a cube cell not listed is 0).
    pub fn count(&self, s: &PublicStats, category: Option<Category>, area: Option<Area>, month: Option<JalaliMonth>) -> Option<u64> {
        match self.0.get(&(category, area, month)) {
            Some(&i) => s.filed[i].count,
            None => Some(0),
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The CSV's header: one figure per row (long format), ready for a pivot table. `all` in a
/// dimension means every value of it; `value` is empty where withheld.
pub const CSV_HEADER: &str = "figure,category,category_fa,province,province_fa,month,month_fa,item,item_fa,value,suppressed";

fn field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

/// The figures as CSV, UTF-8 with a byte-order mark.
pub fn csv(s: &PublicStats) -> Vec<u8> {
    let mut out = String::from("\u{feff}");
    out.push_str(CSV_HEADER);
    out.push_str("\r\n");
    let category = |c: Option<Category>| c.map_or(("all", "همه"), |c| (c.wire_name(), c.label_fa()));
    let area = |a: Option<Area>| a.map_or(("all", "همه"), |a| (a.wire_name(), a.label_fa()));
    let month = |m: Option<JalaliMonth>| m.map_or(("all".to_owned(), "همه".to_owned()), |m| (m.wire_name(), m.label_fa()));
    let mut row = |figure: &str, c: Option<Category>, a: Option<Area>, m: Option<JalaliMonth>, item: (&str, &str), value: Option<String>, suppressed: bool| {
        let (c, a, m) = (category(c), area(a), month(m));
        let cols = [figure, c.0, c.1, a.0, a.1, &m.0, &m.1, item.0, item.1, value.as_deref().unwrap_or(""), if suppressed { "1" } else { "0" }];
        out.push_str(&cols.iter().map(|f| field(f)).collect::<Vec<_>>().join(","));
        out.push_str("\r\n");
    };
    for c in &s.filed {
        row("filed", c.category, c.province, c.month, ("", ""), c.count.map(|n| n.to_string()), c.suppressed);
    }
    for c in &s.outcomes {
        row("outcome", c.category, c.province, None, (c.outcome.wire_name(), c.outcome.label_fa()), c.count.map(|n| n.to_string()), c.suppressed);
    }
    for c in &s.funnel {
        row("reached_stage", c.category, c.province, None, (c.stage.wire_name(), c.stage.label_fa()), c.count.map(|n| n.to_string()), c.suppressed);
    }
    for t in &s.timing {
        let item = (t.stage.wire_name(), t.stage.label_fa());
        for (figure, value) in [("median_days", t.median_days), ("p90_days", t.p90_days), ("on_time_percent", t.on_time_percent)] {
            row(figure, t.category, t.province, None, item, value.map(|v| v.to_string()), value.is_none());
        }
    }
    out.into_bytes()
}
