//! Shared pieces of the benchmarks: an in-process server on a free port over a temp database,
//! a closed-loop HTTP load generator, the disk's raw fsync rate, and the QR scanner's hard set.

pub mod qr_hard;

use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use samat_core::model::PhoneNumber;
use samat_server::sessions::{new_token, token_hash};
use samat_server::store::{Principal, Store};
use samat_server::{AppState, Settings};

/// A server running in this process.
pub struct BenchServer {
    /// Base URL.
    pub url: String,
    /// Its state (for creating sessions directly).
    pub state: AppState,
    /// Keeps the database alive.
    pub dir: tempfile::TempDir,
}

/// Starts the real server (SQLite in a temp dir under `base`, SMS to a file) on a free port.
pub async fn start_server(base: Option<&Path>) -> anyhow::Result<BenchServer> {
    let dir = match base {
        Some(b) => tempfile::tempdir_in(b)?,
        None => tempfile::tempdir()?,
    };
    let url = format!("sqlite://{}", dir.path().join("bench.db").display());
    start_server_on(&url, dir).await
}

/// Starts the real server on the database `database` names (SMS to a file in `dir`) on a free
/// port; several calls on one PostgreSQL URL make replicas of one service in this process.
pub async fn start_server_on(database: &str, dir: tempfile::TempDir) -> anyhow::Result<BenchServer> {
    let store = samat_server::store::open(database).await?;
    let sms = samat_server::sms::build(
        &samat_server::sms::SmsConfig::File(dir.path().join("sms.jsonl")),
        samat_server::sms::KavenegarOptions { base_url: String::new(), otp_template: String::new(), sender: None },
    )?;
    // A benchmark's few citizens file far more than any citizen may in a day.
    let settings =
        Settings { quotas: samat_server::state::Quotas { complaints_per_citizen_per_day: i64::MAX / 2, ..Default::default() }, ..Settings::default() };
    let state = AppState::new(store, settings);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}", listener.local_addr()?);
    let s = state.clone();
    tokio::spawn(async move { samat_server::serve(listener, s, sms, std::future::pending()).await });
    Ok(BenchServer { url, state, dir })
}

/// Creates citizen sessions directly in the store (no SMS round trip).
pub async fn citizen_tokens(store: &dyn Store, n: usize) -> anyhow::Result<Vec<String>> {
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let phone = PhoneNumber::parse(&format!("0935{:07}", i))?;
        let token = new_token();
        store.create_session(token_hash(&token), &Principal::Citizen { phone }, time::OffsetDateTime::now_utc() + Duration::from_secs(3600)).await?;
        out.push(token);
    }
    Ok(out)
}

/// Result of a load run.
#[derive(Debug, Clone)]
pub struct LoadResult {
    /// Successful requests.
    pub ok: u64,
    /// Failed requests.
    pub failed: u64,
    /// Wall time.
    pub elapsed: Duration,
    /// Latencies of successful requests, sorted, in microseconds.
    pub latencies_us: Vec<u64>,
}

impl LoadResult {
    /// Successful requests per second.
    pub fn rate(&self) -> f64 {
        self.ok as f64 / self.elapsed.as_secs_f64()
    }
    /// A latency percentile in milliseconds.
    pub fn pct_ms(&self, p: f64) -> f64 {
        if self.latencies_us.is_empty() {
            return f64::NAN;
        }
        let i = ((self.latencies_us.len() as f64 - 1.0) * p).round() as usize;
        self.latencies_us[i] as f64 / 1000.0
    }
}

/// Runs `workers` closed loops for `duration`; each calls `request(worker, n)` and counts a
/// success when it returns true.
pub async fn closed_loop<F, Fut>(workers: usize, duration: Duration, request: F) -> LoadResult
where
    F: Fn(usize, u64) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = bool> + Send,
{
    let request = Arc::new(request);
    let stop = Arc::new(AtomicBool::new(false));
    let ok = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let mut handles = Vec::new();
    for w in 0..workers {
        let (request, stop, ok, failed) = (request.clone(), stop.clone(), ok.clone(), failed.clone());
        handles.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let mut n = 0u64;
            while !stop.load(Ordering::Relaxed) {
                let t = Instant::now();
                if request(w, n).await {
                    ok.fetch_add(1, Ordering::Relaxed);
                    lat.push(t.elapsed().as_micros() as u64);
                } else {
                    failed.fetch_add(1, Ordering::Relaxed);
                }
                n += 1;
            }
            lat
        }));
    }
    tokio::time::sleep(duration).await;
    stop.store(true, Ordering::Relaxed);
    let mut latencies_us = Vec::new();
    for h in handles {
        latencies_us.extend(h.await.unwrap_or_default());
    }
    let elapsed = started.elapsed();
    latencies_us.sort_unstable();
    LoadResult { ok: ok.load(Ordering::Relaxed), failed: failed.load(Ordering::Relaxed), elapsed, latencies_us }
}

/// The disk's raw rate of small synced appends in `dir` (write 512 bytes, `fdatasync`), per
/// second, over `duration`: what one commit at a time could reach.
pub fn raw_fsync_rate(dir: &Path, duration: Duration) -> anyhow::Result<f64> {
    let path = dir.join("fsync-probe");
    let mut f = std::fs::OpenOptions::new().create(true).write(true).truncate(true).open(&path)?;
    let block = [0u8; 512];
    let started = Instant::now();
    let mut n = 0u64;
    while started.elapsed() < duration {
        f.write_all(&block)?;
        f.sync_data()?;
        n += 1;
    }
    let rate = n as f64 / started.elapsed().as_secs_f64();
    let _ = std::fs::remove_file(path);
    Ok(rate)
}
