//! Client-core benchmark: draft save latency (p50/p99), `Client::open` with 1,000 complaints
//! and 10,000 events stored, and the time to sync 100 queued complaints to a server on
//! loopback. Targets: save p50 ≤ 1 ms, open ≤ 50 ms, 100 complaints synced ≤ 2 s.
//!
//! `cargo run --release -p samat-bench --bin client`

use std::time::{Duration, Instant};

use samat_bench::{citizen_tokens, start_server};
use samat_core::client::store::{complaints, kv, LocalDb};
use samat_core::client::DraftFields;
use samat_core::model::api::{EventKind, EventView};
use samat_core::model::{Stage, TrackingCode};
use samat_core::Client;

fn pct(sorted: &[Duration], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize].as_secs_f64() * 1000.0
}

fn fields(n: usize) -> DraftFields {
    DraftFields {
        category: Some("no_invoice".into()),
        description: Some(format!("فروشنده فاکتور نداد؛ مورد {n}")),
        guild_id: Some("10010010011".into()),
        business_name: Some("سوپرمارکت نمونه".into()),
        ..Default::default()
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let base = std::env::current_dir()?;

    // 1. Draft saves (each is a durable SQLite commit).
    let dir = tempfile::tempdir_in(&base)?;
    let client = Client::open(dir.path(), "http://127.0.0.1:9").await?;
    let draft = client.create_draft(fields(0)).await?;
    let mut saves = Vec::new();
    for n in 0..1000 {
        let t = Instant::now();
        client.update_draft(&draft.id, fields(n)).await?;
        saves.push(t.elapsed());
    }
    saves.sort();
    let mut creates = Vec::new();
    for n in 0..300 {
        let t = Instant::now();
        client.create_draft(fields(n)).await?;
        creates.push(t.elapsed());
    }
    creates.sort();
    drop(client);

    // 2. Opening with a long history.
    let dir2 = tempfile::tempdir_in(&base)?;
    {
        let db = LocalDb::open(&dir2.path().join("samat.db"))?;
        db.write(|conn| {
            let tx = conn.transaction()?;
            let mut rng = rand::thread_rng();
            let mut seq = 0;
            for _ in 0..1000 {
                let code = TrackingCode::generate(&mut rng);
                for k in 0..10 {
                    seq += 1;
                    let e = EventView {
                        seq,
                        kind: if k == 0 { EventKind::Created } else { EventKind::Stage },
                        stage: Stage::ALL[k % 7],
                        from_stage: None,
                        actor: "expert".into(),
                        at: time::OffsetDateTime::now_utc(),
                        note: Some("یادداشت کارشناس برای شهروند".into()),
                        details: None,
                        internal_note: None,
                    };
                    complaints::add_event(&tx, code, &e)?;
                }
            }
            kv::set(&tx, kv::CURSOR, &seq.to_string())?;
            tx.commit()?;
            Ok(())
        })
        .await?;
    }
    let mut opens = Vec::new();
    for _ in 0..20 {
        let t = Instant::now();
        let c = Client::open(dir2.path(), "http://127.0.0.1:9").await?;
        opens.push(t.elapsed());
        drop(c);
    }
    opens.sort();

    // 3. Syncing 100 queued complaints to a real server on loopback.
    let server = start_server(Some(&base)).await?;
    let token = citizen_tokens(&*server.state.store, 1).await?.remove(0);
    let dir3 = tempfile::tempdir_in(&base)?;
    {
        let db = LocalDb::open(&dir3.path().join("samat.db"))?;
        let t = token.clone();
        db.write(move |conn| {
            kv::set(conn, kv::TOKEN, &t)?;
            kv::set(conn, kv::PHONE, "+989350000000")
        })
        .await?;
    }
    let client = Client::open(dir3.path(), &server.url).await?;
    for n in 0..100 {
        let d = client.create_draft(fields(n)).await?;
        client.submit(&d.id).await?;
    }
    let t = Instant::now();
    let report = client.sync().await?;
    let sync_time = t.elapsed();
    assert_eq!(report.delivered, 100, "{report:?}");

    println!("client-core benchmark (SQLite WAL synchronous=FULL, disk under {})", base.display());
    println!(
        "  draft save (update):  p50 {:.3} ms  p99 {:.3} ms  (target p50 <= 1 ms): {}",
        pct(&saves, 0.5),
        pct(&saves, 0.99),
        verdict(pct(&saves, 0.5) <= 1.0)
    );
    println!("  draft create:         p50 {:.3} ms  p99 {:.3} ms", pct(&creates, 0.5), pct(&creates, 0.99));
    println!(
        "  Client::open, 1,000 complaints / 10,000 events: median {:.2} ms, max {:.2} ms (target <= 50 ms): {}",
        pct(&opens, 0.5),
        pct(&opens, 1.0),
        verdict(pct(&opens, 0.5) <= 50.0)
    );
    println!(
        "  sync of 100 queued complaints over loopback: {:.0} ms (target <= 2000 ms): {}",
        sync_time.as_secs_f64() * 1000.0,
        verdict(sync_time <= Duration::from_secs(2))
    );
    Ok(())
}

fn verdict(ok: bool) -> &'static str {
    if ok {
        "MET"
    } else {
        "NOT MET"
    }
}
