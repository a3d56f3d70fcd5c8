//! Idle sync-poll benchmark: `GET /v1/sync?since=<cursor>` with nothing new (the app's
//! foreground poll), requests per second, next to a bare axum handler in the same process,
//! driven by the same load generator. Target: sync polls ≥ 0.7× the bare handler.
//!
//! `cargo run --release -p samat-bench --bin poll -- [SECONDS] [CLIENTS]`

use std::time::Duration;

use axum::routing::get;
use samat_bench::{citizen_tokens, closed_loop, start_server};
use serde_json::json;

/// Sends and reads the whole body; true on a 2xx.
async fn ok_body(req: reqwest::RequestBuilder) -> bool {
    match req.send().await {
        Ok(r) if r.status().is_success() => r.bytes().await.is_ok(),
        _ => false,
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let seconds: u64 = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(8);
    let clients: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(32);

    // The bare handler.
    let bare = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let bare_url = format!("http://{}/bare", bare.local_addr()?);
    tokio::spawn(async move { axum::serve(bare, axum::Router::new().route("/bare", get(|| async { "ok" }))).await });

    // The real server with citizens who each have one complaint, so their cursor is real.
    let server = start_server(None).await?;
    let tokens = citizen_tokens(&*server.state.store, clients).await?;
    let http = reqwest::Client::builder().pool_max_idle_per_host(clients).build()?;
    let mut cursors = Vec::new();
    for t in &tokens {
        http.post(format!("{}/v1/complaints", server.url))
            .bearer_auth(t)
            .json(&json!({"client_id": uuid::Uuid::new_v4(), "category": "fraud", "description": "تقلب"}))
            .send()
            .await?
            .error_for_status()?;
        let feed: serde_json::Value = http.get(format!("{}/v1/sync", server.url)).bearer_auth(t).send().await?.json().await?;
        cursors.push(feed["cursor"].as_i64().unwrap_or(0));
    }

    let h = http.clone();
    let bare_result = closed_loop(clients, Duration::from_secs(seconds), move |_, _| {
        let req = h.get(&bare_url);
        async move { ok_body(req).await }
    })
    .await;

    let urls: Vec<String> = cursors.iter().map(|c| format!("{}/v1/sync?since={c}", server.url)).collect();
    let h = http.clone();
    let poll_result = closed_loop(clients, Duration::from_secs(seconds), move |w, _| {
        let req = h.get(&urls[w]).bearer_auth(&tokens[w]);
        async move { ok_body(req).await }
    })
    .await;

    let (b, p) = (bare_result.rate(), poll_result.rate());
    println!("idle sync-poll benchmark ({clients} concurrent keep-alive clients, {seconds} s each, same process and load generator)");
    println!("  bare axum handler:   {b:>10.0} req/s  p50 {:.2} ms  p99 {:.2} ms", bare_result.pct_ms(0.5), bare_result.pct_ms(0.99));
    println!(
        "  GET /v1/sync (idle): {p:>10.0} req/s  p50 {:.2} ms  p99 {:.2} ms  ({} failed)",
        poll_result.pct_ms(0.5),
        poll_result.pct_ms(0.99),
        poll_result.failed
    );
    println!("  sync / bare = {:.2} (target >= 0.70): {}", p / b, if p >= 0.7 * b { "MET" } else { "NOT MET" });
    Ok(())
}
