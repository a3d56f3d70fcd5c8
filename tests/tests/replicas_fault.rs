//! Faults under load on several replicas of one PostgreSQL database. Alone in its test binary
//! (cargo runs test binaries one after another): it restarts the database, which would break
//! any test running beside it. Runs in the PostgreSQL pass of `scripts/test`.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use samat_tests::{on_postgres, Api, Server};
use serde_json::{json, Value};
use tokio::sync::Mutex;
use uuid::Uuid;

const BIN: &str = env!("CARGO_BIN_EXE_e2e-server");

fn complaint(client_id: &str, text: &str) -> Value {
    json!({"client_id": client_id, "category": "pricing_violation", "description": text, "guild_id": "10010010011"})
}

/// The same session, spoken to through another replica.
fn via(srv: &Server, api: &Api) -> Api {
    Api::new(&srv.url, api.token.clone())
}

/// A storm of submissions spread over two replicas (each client tries the other when one
/// fails) while replica B is SIGKILLed and restarted several times and the database itself is
/// restarted once: every acknowledged complaint exists once under the code its client was
/// told, every tracking-code SMS goes out once, and what clients saw was only successes,
/// retryable 503s with Retry-After, or a dropped connection.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_storm_over_two_replicas_survives_kills_and_a_database_restart() {
    if !on_postgres() {
        return;
    }
    const CLIENTS: usize = 8;
    let a = Server::start(BIN, &[]);
    let mut b = a.replica(&[]);
    let urls = [a.url.clone(), b.url.clone()];
    let mut citizens = Vec::new();
    for i in 0..CLIENTS {
        citizens.push(a.citizen(&format!("0912450{i:04}")).await);
    }
    let acked: Arc<Mutex<HashMap<String, (usize, String)>>> = Arc::default();
    let retried = Arc::new(AtomicUsize::new(0));
    let unavailable = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let mut tasks = Vec::new();
    for (i, citizen) in citizens.iter().cloned().enumerate() {
        let (acked, retried, unavailable, stop, urls) = (acked.clone(), retried.clone(), unavailable.clone(), stop.clone(), urls.clone());
        tasks.push(tokio::spawn(async move {
            let http = reqwest::Client::builder().timeout(Duration::from_secs(10)).build().unwrap();
            let token = citizen.token.clone().unwrap();
            let mut n = 0;
            while !stop.load(Ordering::Relaxed) {
                n += 1;
                let client_id = Uuid::new_v4().to_string();
                let body = complaint(&client_id, &format!("گران‌فروشی شماره {n}"));
                let deadline = Instant::now() + Duration::from_secs(120);
                let mut attempt = i + n;
                loop {
                    let url = &urls[attempt % 2];
                    attempt += 1;
                    if let Ok(resp) = http.post(format!("{url}/v1/complaints")).bearer_auth(&token).json(&body).send().await {
                        let status = resp.status();
                        if status == StatusCode::CREATED || status == StatusCode::OK {
                            if let Ok(v) = resp.json::<Value>().await {
                                acked.lock().await.insert(client_id.clone(), (i, v["tracking_code"].as_str().unwrap().to_owned()));
                                break;
                            }
                        } else {
                            assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "only a retryable refusal is allowed");
                            assert!(resp.headers().contains_key("retry-after"), "a 503 says when to come back");
                            unavailable.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                    retried.fetch_add(1, Ordering::Relaxed);
                    assert!(Instant::now() < deadline, "client {i} could not submit");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        }));
    }
    for round in 0..3u64 {
        tokio::time::sleep(Duration::from_millis(300 + 150 * round)).await;
        tokio::task::block_in_place(|| b.restart());
    }
    // The database goes down hard for two seconds and comes back.
    let bounce = std::env::var("SAMAT_TEST_POSTGRES_BOUNCE").expect("scripts/with-postgres sets SAMAT_TEST_POSTGRES_BOUNCE");
    tokio::time::sleep(Duration::from_millis(300)).await;
    let bounced = Instant::now();
    let status = tokio::task::block_in_place(|| std::process::Command::new(&bounce).arg("2").status().unwrap());
    assert!(status.success(), "restarting PostgreSQL failed");
    eprintln!("PostgreSQL was checkpointed, killed and back in {:?}", bounced.elapsed());
    let back = Instant::now();
    // The replicas serve again on their own once the database is back.
    let before = acked.lock().await.len();
    while acked.lock().await.len() == before {
        assert!(back.elapsed() < Duration::from_secs(30), "no complaint acknowledged 30 s after the database came back");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    eprintln!("the first acknowledgement after the database came back took {:?}", back.elapsed());
    tokio::task::block_in_place(|| b.restart());
    tokio::time::sleep(Duration::from_millis(500)).await;
    stop.store(true, Ordering::Relaxed);
    for t in tasks {
        t.await.unwrap();
    }
    let acked = acked.lock().await.clone();
    let (retried, unavailable) = (retried.load(Ordering::Relaxed), unavailable.load(Ordering::Relaxed));
    eprintln!("{} complaints acknowledged; {retried} attempts retried, {unavailable} of them after a 503", acked.len());
    assert!(acked.len() > CLIENTS * 5, "only {} acknowledged", acked.len());
    assert!(retried > 0, "the faults interrupted nothing, so this proves nothing");

    for (i, citizen) in citizens.iter().enumerate() {
        let (st, list) = via(&a, citizen).get("/v1/complaints").await;
        assert_eq!(st, StatusCode::OK, "{list}");
        let stored: Vec<String> = list.as_array().unwrap().iter().map(|c| c["tracking_code"].as_str().unwrap().to_owned()).collect();
        let unique: HashSet<_> = stored.iter().cloned().collect();
        assert_eq!(unique.len(), stored.len(), "duplicate complaints for client {i}");
        let mine: HashSet<String> = acked.values().filter(|(c, _)| *c == i).map(|(_, code)| code.clone()).collect();
        assert_eq!(unique, mine, "client {i}: stored and acknowledged complaints differ");
    }
    // Every tracking-code SMS once, after both replicas drain the outbox.
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let sms = a.sms();
        let ids: HashSet<i64> = sms.iter().map(|s| s.id).collect();
        assert_eq!(ids.len(), sms.len(), "an SMS was written twice");
        let sent: HashSet<&str> = sms.iter().filter_map(|s| s.text.split(|c: char| !c.is_ascii_digit()).find(|w| w.len() == 10)).collect();
        let missing = acked.values().filter(|(_, code)| !sent.contains(code.as_str())).count();
        if missing == 0 {
            break;
        }
        assert!(Instant::now() < deadline, "{missing} of {} tracking-code SMS never sent", acked.len());
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
