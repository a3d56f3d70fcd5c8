//! Public statistics benchmark: 1,000,000 complaints with their stage histories written
//! straight into SQLite (spread over a year of months, the categories, the provinces and the
//! workflow's paths), one rollup timed, then the page and the API timed one request at a time
//! over loopback. Target: p95 ≤ 50 ms for the page.
//!
//! `cargo run --release -p samat-bench --bin stats -- [COMPLAINTS] [REQUESTS]`

use std::time::Instant;

use rand::{Rng, SeedableRng};
use rusqlite::params;
use samat_bench::start_server;
use samat_core::model::{Category, Province, Stage, TrackingCode};

/// The workflow's usual paths after `received`; a complaint stops somewhere along its path.
const PATHS: [&[Stage]; 6] = [
    &[Stage::ExpertReview, Stage::Dismissed],
    &[Stage::ExpertReview, Stage::SelfRegulation, Stage::Resolved],
    &[Stage::ExpertReview, Stage::SelfRegulation, Stage::Inspection, Stage::InspectionReported, Stage::Resolved],
    &[Stage::ExpertReview, Stage::Inspection, Stage::InspectionReported, Stage::Taazirat, Stage::Verdict],
    &[Stage::ExpertReview, Stage::Inspection, Stage::InspectionReported, Stage::Dismissed],
    &[Stage::Withdrawn],
];

/// Writes `n` complaints and their `created` and `stage` events (one transaction).
fn seed(db: &std::path::Path, n: usize) -> anyhow::Result<(usize, usize)> {
    let mut conn = rusqlite::Connection::open(db)?;
    conn.pragma_update(None, "synchronous", "OFF")?;
    let tx = conn.transaction()?;
    let mut rng = rand::rngs::StdRng::seed_from_u64(14);
    let now = time::OffsetDateTime::now_utc().unix_timestamp() * 1000;
    let day = 86_400_000_i64;
    let (mut complaints, mut events) = (0, 0);
    {
        let mut complaint = tx.prepare(
            "INSERT INTO complaints (tracking_code, client_id, phone, channel, category, description, wants_compensation,
             province, province_code, stage, stage_since, created_at, updated_at)
             VALUES (?1, ?2, ?3, 'app', ?4, 'شکایت آزمایشی', 0, ?5, ?6, ?7, ?8, ?9, ?8)",
        )?;
        let mut event = tx
            .prepare("INSERT INTO events (complaint_id, phone, kind, from_stage, to_stage, actor, at, visible) VALUES (?1, ?2, ?3, ?4, ?5, 'expert', ?6, 1)")?;
        while complaints < n {
            let code = TrackingCode::generate(&mut rng);
            // Tehran files a fifth of the complaints; a few are not placed yet.
            let province = match rng.gen_range(0..100) {
                0..=19 => Some(Province::Tehran),
                20..=22 => None,
                _ => Some(Province::ALL[rng.gen_range(0..Province::ALL.len())]),
            };
            let category = Category::ALL[(rng.gen_range(0..Category::ALL.len() * 3) / 3 + rng.gen_range(0..2)) % Category::ALL.len()];
            let created = now - rng.gen_range(0..365 * day);
            let path = PATHS[rng.gen_range(0..PATHS.len())];
            let mut entered = vec![(Stage::Received, created)];
            let mut at = created;
            for &stage in path {
                at += rng.gen_range(day / 10..12 * day);
                if at >= now || rng.gen_bool(0.08) {
                    break;
                }
                entered.push((stage, at));
            }
            let (stage, since) = *entered.last().unwrap_or(&(Stage::Received, created));
            let phone = format!("+98912{:07}", rng.gen_range(0..10_000_000));
            let inserted = complaint.execute(params![
                code.as_str(),
                uuid::Uuid::new_v4().to_string(),
                phone,
                category.wire_name(),
                province.map(Province::label_fa),
                province.map(Province::wire_name),
                stage.wire_name(),
                since,
                created,
            ]);
            if inserted.is_err() {
                continue; // a tracking-code collision: draw again
            }
            let id = tx.last_insert_rowid();
            let mut from: Option<&str> = None;
            for (i, (stage, at)) in entered.iter().enumerate() {
                event.execute(params![id, phone, if i == 0 { "created" } else { "stage" }, from, stage.wire_name(), at])?;
                from = Some(stage.wire_name());
                events += 1;
            }
            complaints += 1;
        }
    }
    tx.commit()?;
    conn.execute_batch("ANALYZE; PRAGMA wal_checkpoint(TRUNCATE);")?;
    Ok((complaints, events))
}

/// p50, p95 and p99 of `n` sequential GETs of `path`, in ms, and the body's size.
async fn time_gets(http: &reqwest::Client, url: &str, n: usize) -> anyhow::Result<(f64, f64, f64, usize)> {
    let mut times = Vec::with_capacity(n);
    let mut size = 0;
    for _ in 0..n {
        let started = Instant::now();
        let r = http.get(url).send().await?;
        anyhow::ensure!(r.status().is_success(), "{url} answered {}", r.status());
        size = r.bytes().await?.len();
        times.push(started.elapsed());
    }
    times.sort();
    let pct = |p: f64| times[((times.len() as f64 * p) as usize).min(times.len() - 1)].as_secs_f64() * 1000.0;
    Ok((pct(0.5), pct(0.95), pct(0.99), size))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let n: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(1_000_000);
    let requests: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(2_000);
    let base_dir = std::env::var_os("SAMAT_BENCH_DIR").map(std::path::PathBuf::from);
    let server = start_server(base_dir.as_deref()).await?;
    let started = Instant::now();
    let (complaints, events) = seed(&server.dir.path().join("bench.db"), n)?;
    println!("seeded {complaints} complaints and {events} stage events in {:.1} s", started.elapsed().as_secs_f64());

    let p = samat_server::stats::rollup(&server.state, time::OffsetDateTime::now_utc()).await?;
    println!(
        "rollup: {} complaints read, tallied and published in {:.2} s ({} cells; JSON {:.0} KB, CSV {:.0} KB)",
        p.complaints,
        p.took.as_secs_f64(),
        p.stats.filed.len() + p.stats.outcomes.len() + p.stats.funnel.len() + p.stats.timing.len(),
        p.json.len() as f64 / 1024.0,
        p.csv.len() as f64 / 1024.0
    );
    *server.state.stats.write().map_err(|_| anyhow::anyhow!("poisoned"))? = Some(std::sync::Arc::new(p));

    let http = reqwest::Client::new();
    let base = server.url.clone();
    time_gets(&http, &format!("{base}/stats"), 20).await?;
    println!("statistics benchmark: {complaints} complaints, {requests} sequential requests per case, SQLite, release build");
    println!("  {:<44} {:>8} {:>8} {:>8} {:>9}", "request", "p50 ms", "p95 ms", "p99 ms", "body KB");
    let mut page_p95 = 0.0f64;
    for (name, path) in [
        ("page /stats (national)", "/stats"),
        ("page /stats?province=tehran", "/stats?province=tehran"),
        ("page /stats?category=fraud", "/stats?category=fraud"),
        ("page /stats?province=tehran&category=fraud", "/stats?province=tehran&category=fraud"),
        ("GET /v1/stats (JSON)", "/v1/stats"),
        ("GET /v1/stats.csv", "/v1/stats.csv"),
    ] {
        let (p50, p95, p99, size) = time_gets(&http, &format!("{base}{path}"), requests).await?;
        if path.starts_with("/stats") {
            page_p95 = page_p95.max(p95);
        }
        println!("  {name:<44} {p50:>8.2} {p95:>8.2} {p99:>8.2} {:>9.1}", size as f64 / 1024.0);
    }
    println!("  worst page p95 {page_p95:.2} ms; target <= 50 ms: {}", if page_p95 <= 50.0 { "MET" } else { "NOT MET" });
    Ok(())
}
