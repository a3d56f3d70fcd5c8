//! Intake benchmark: complaints acknowledged per second (each 201 only after its group commit
//! is on disk with synchronous=FULL), next to the raw fsync rate of the same disk measured in
//! the same run. Target: intake ≥ 10× the raw fsync rate.
//!
//! `cargo run --release -p samat-bench --bin intake -- [SECONDS] [CLIENTS]`

use std::time::Duration;

use samat_bench::{citizen_tokens, closed_loop, raw_fsync_rate, start_server};
use serde_json::json;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let seconds: u64 = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(10);
    let clients: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(128);
    let base = std::env::current_dir()?;
    let server = start_server(Some(&base)).await?;
    let fsync = raw_fsync_rate(server.dir.path(), Duration::from_secs(3))?;
    let tokens = citizen_tokens(&*server.state.store, clients).await?;
    let http = reqwest::Client::builder().pool_max_idle_per_host(clients).build()?;
    let url = format!("{}/v1/complaints", server.url);
    let result = closed_loop(clients, Duration::from_secs(seconds), move |w, n| {
        let req = http.post(&url).bearer_auth(&tokens[w]).json(&json!({
            "client_id": uuid::Uuid::new_v4(),
            "category": "pricing_violation",
            "description": format!("گران‌فروشی {w}-{n}"),
            "guild_id": "10010010011",
        }));
        async move { matches!(req.send().await, Ok(r) if r.status().as_u16() == 201) }
    })
    .await;
    let rate = result.rate();
    println!("intake benchmark ({clients} concurrent clients, {seconds} s, SQLite WAL synchronous=FULL, disk under {})", base.display());
    println!("  raw fsync rate (512 B append + fdatasync): {fsync:>10.0} /s");
    println!("  complaints acknowledged (201):             {rate:>10.0} /s  ({} ok, {} failed)", result.ok, result.failed);
    println!("  latency p50 {:.1} ms, p99 {:.1} ms", result.pct_ms(0.5), result.pct_ms(0.99));
    println!("  intake / fsync = {:.1}x (target >= 10x): {}", rate / fsync, if rate >= 10.0 * fsync { "MET" } else { "NOT MET" });
    Ok(())
}
