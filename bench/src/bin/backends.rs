//! SQLite against PostgreSQL, and one PostgreSQL replica against two, in the same run:
//! complaints acknowledged per second (each 201 only after its commit is durable) next to the
//! disk's raw fsync rate and, on PostgreSQL, to the WAL flushes the cluster made meanwhile
//! (more filings than flushes is group commit at work: concurrent commits share one flush),
//! and idle `GET /v1/sync` polls next to a bare axum handler.
//!
//! Needs a PostgreSQL cluster: `SAMAT_TEST_POSTGRES=postgres://…/postgres` (a superuser URL;
//! the bench creates its own databases), which `scripts/with-postgres` provides:
//!
//! `bash scripts/with-postgres cargo run --release -p samat-bench --bin backends -- [SECONDS] [CLIENTS]`
//!
//! The replicas run in this process (each with its own pool, caches and workers), so two
//! replicas share the same cores as one: the figure shows what the shared database costs, not
//! what a second machine adds.

use std::time::Duration;

use axum::routing::get;
use samat_bench::{citizen_tokens, closed_loop, raw_fsync_rate, start_server_on, BenchServer, LoadResult};
use serde_json::json;

async fn ok_body(req: reqwest::RequestBuilder) -> bool {
    match req.send().await {
        Ok(r) if r.status().is_success() => r.bytes().await.is_ok(),
        _ => false,
    }
}

/// Complaints filed by `clients` citizens at once, spread over `servers`.
/// Filings by `clients` citizens spread over `servers`; with `cluster` (a PostgreSQL admin
/// URL), also how many WAL flushes the cluster made meanwhile.
async fn intake(servers: &[BenchServer], clients: usize, seconds: u64, cluster: Option<&str>) -> anyhow::Result<(LoadResult, Option<u64>)> {
    let tokens = citizen_tokens(&*servers[0].state.store, clients).await?;
    let flushes_before = cluster.map(wal_syncs).transpose()?;
    let http = reqwest::Client::builder().pool_max_idle_per_host(clients).build()?;
    let urls: Vec<String> = servers.iter().map(|s| format!("{}/v1/complaints", s.url)).collect();
    let result = closed_loop(clients, Duration::from_secs(seconds), move |w, n| {
        let req = http.post(&urls[w % urls.len()]).bearer_auth(&tokens[w]).json(&json!({
            "client_id": uuid::Uuid::new_v4(),
            "category": "pricing_violation",
            "description": format!("گران‌فروشی {w}-{n}"),
            "guild_id": "10010010011",
        }));
        async move { matches!(req.send().await, Ok(r) if r.status().as_u16() == 201) }
    })
    .await;
    let flushes = match (cluster, flushes_before) {
        (Some(cluster), Some(before)) => Some(wal_syncs(cluster)? - before),
        _ => None,
    };
    Ok((result, flushes))
}

/// Idle polls by `clients` citizens who each have a complaint, spread over `servers`.
async fn polls(servers: &[BenchServer], clients: usize, seconds: u64) -> anyhow::Result<LoadResult> {
    let tokens = citizen_tokens(&*servers[0].state.store, clients).await?;
    let http = reqwest::Client::builder().pool_max_idle_per_host(clients).build()?;
    let mut urls = Vec::new();
    for (w, t) in tokens.iter().enumerate() {
        let base = &servers[w % servers.len()].url;
        http.post(format!("{base}/v1/complaints"))
            .bearer_auth(t)
            .json(&json!({"client_id": uuid::Uuid::new_v4(), "category": "fraud", "description": "تقلب"}))
            .send()
            .await?
            .error_for_status()?;
        let feed: serde_json::Value = http.get(format!("{base}/v1/sync")).bearer_auth(t).send().await?.json().await?;
        urls.push(format!("{base}/v1/sync?since={}", feed["cursor"].as_i64().unwrap_or(0)));
    }
    Ok(closed_loop(clients, Duration::from_secs(seconds), move |w, _| {
        let req = http.get(&urls[w]).bearer_auth(&tokens[w]);
        async move { ok_body(req).await }
    })
    .await)
}

/// A new empty database on the cluster.
fn fresh_database(admin: &str, name: &str) -> anyhow::Result<String> {
    let out = std::process::Command::new("psql")
        .args([admin, "-q", "-c", &format!("DROP DATABASE IF EXISTS {name}"), "-c", &format!("CREATE DATABASE {name}")])
        .output()?;
    anyhow::ensure!(out.status.success(), "creating {name}: {}", String::from_utf8_lossy(&out.stderr));
    Ok(format!("{}/{name}", admin.rsplit_once('/').map(|(b, _)| b).unwrap_or(admin)))
}

/// How many times the cluster has flushed its WAL to disk so far (`pg_stat_wal.wal_sync`):
/// filings per flush above 1 is group commit at work.
fn wal_syncs(admin: &str) -> anyhow::Result<u64> {
    let out = std::process::Command::new("psql").args([admin, "-tAc", "SELECT wal_sync FROM pg_stat_wal"]).output()?;
    anyhow::ensure!(out.status.success(), "reading pg_stat_wal: {}", String::from_utf8_lossy(&out.stderr));
    Ok(String::from_utf8_lossy(&out.stdout).trim().parse()?)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let seconds: u64 = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(8);
    let clients: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(128);
    let pollers = 32;
    let admin = std::env::var("SAMAT_TEST_POSTGRES")
        .map_err(|_| anyhow::anyhow!("set SAMAT_TEST_POSTGRES to a PostgreSQL superuser URL, or run under scripts/with-postgres"))?;

    let bare = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let bare_url = format!("http://{}/bare", bare.local_addr()?);
    tokio::spawn(async move { axum::serve(bare, axum::Router::new().route("/bare", get(|| async { "ok" }))).await });
    let h = reqwest::Client::builder().pool_max_idle_per_host(pollers).build()?;
    let bare_result = closed_loop(pollers, Duration::from_secs(seconds), move |_, _| {
        let req = h.get(&bare_url);
        async move { ok_body(req).await }
    })
    .await;

    let base = std::env::current_dir()?;
    let fsync = raw_fsync_rate(&base, Duration::from_secs(3))?;
    println!("backends benchmark: {clients} filing clients, {pollers} idle pollers, {seconds} s each; disk under {}", base.display());
    println!("  raw fsync rate (512 B append + fdatasync): {fsync:.0} /s; bare axum handler {:.0} req/s", bare_result.rate());
    println!(
        "  {:<22} {:>12} {:>9} {:>9} {:>8} {:>14} {:>12} {:>11}",
        "backend", "intake /s", "p50 ms", "p99 ms", "×fsync", "filings/flush", "idle poll /s", "÷bare"
    );
    let mut rows = Vec::new();
    for (label, replicas) in [("sqlite", 0usize), ("postgres, 1 replica", 1), ("postgres, 2 replicas", 2)] {
        let make = |kind: &'static str| {
            let (admin, base) = (admin.clone(), base.clone());
            async move {
                let mut servers = Vec::new();
                if replicas == 0 {
                    let dir = tempfile::tempdir_in(&base)?;
                    let url = format!("sqlite://{}", dir.path().join("bench.db").display());
                    servers.push(start_server_on(&url, dir).await?);
                } else {
                    let url = fresh_database(&admin, &format!("samat_bench_{kind}_{replicas}"))?;
                    for _ in 0..replicas {
                        servers.push(start_server_on(&url, tempfile::tempdir()?).await?);
                    }
                }
                anyhow::Ok(servers)
            }
        };
        let (i, flushes) = intake(&make("intake").await?, clients, seconds, (replicas > 0).then_some(admin.as_str())).await?;
        let per_flush = flushes.map_or_else(|| "-".to_owned(), |f| format!("{:.1}", i.ok as f64 / f.max(1) as f64));
        let p = polls(&make("poll").await?, pollers, seconds).await?;
        println!(
            "  {label:<22} {:>12.0} {:>9.1} {:>9.1} {:>7.1}x {:>14} {:>12.0} {:>11.2}",
            i.rate(),
            i.pct_ms(0.5),
            i.pct_ms(0.99),
            i.rate() / fsync,
            per_flush,
            p.rate(),
            p.rate() / bare_result.rate()
        );
        rows.push((label, i, p));
    }
    for (label, i, p) in &rows {
        if i.failed + p.failed > 0 {
            println!("  {label}: {} filings and {} polls failed", i.failed, p.failed);
        }
    }
    Ok(())
}
