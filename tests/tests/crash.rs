//! Durability under crashes: many clients submit with retries while the server is killed with
//! SIGKILL and restarted several times. Afterwards every acknowledged complaint is there
//! exactly once, under the tracking code the client was given, and its tracking-code SMS went
//! out exactly once.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use samat_tests::Server;
use serde_json::json;
use tokio::sync::Mutex;
use uuid::Uuid;

const CLIENTS: usize = 8;
const KILLS: usize = 5;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn acknowledged_complaints_survive_sigkill_exactly_once() {
    let mut srv = Server::start(env!("CARGO_BIN_EXE_e2e-server"), &[]);
    let mut citizens = Vec::new();
    for i in 0..CLIENTS {
        citizens.push(srv.citizen(&format!("0912200{:04}", i)).await);
    }
    let acked: Arc<Mutex<HashMap<String, (usize, String)>>> = Arc::default();
    let failures = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let mut tasks = Vec::new();
    for (i, citizen) in citizens.iter().cloned().enumerate() {
        let acked = acked.clone();
        let failures = failures.clone();
        let stop = stop.clone();
        tasks.push(tokio::spawn(async move {
            let quick = reqwest::Client::builder().timeout(Duration::from_secs(5)).build().unwrap();
            // Keep submitting until the kills are over, so they land on requests in flight.
            let mut n = 0;
            while !stop.load(Ordering::Relaxed) {
                n += 1;
                let client_id = Uuid::new_v4().to_string();
                let body = json!({"client_id": client_id, "category": "pricing_violation", "description": format!("گران‌فروشی شماره {n}")});
                let deadline = Instant::now() + Duration::from_secs(120);
                loop {
                    let sent = quick.post(format!("{}/v1/complaints", citizen.base())).bearer_auth(citizen.token.as_ref().unwrap()).json(&body).send().await;
                    if let Ok(resp) = sent {
                        let status = resp.status();
                        if status == StatusCode::CREATED || status == StatusCode::OK {
                            if let Ok(v) = resp.json::<serde_json::Value>().await {
                                let code = v["tracking_code"].as_str().unwrap().to_owned();
                                acked.lock().await.insert(client_id.clone(), (i, code));
                                break;
                            }
                        } else {
                            assert!(status.is_server_error(), "a retry must never be rejected: {status}");
                        }
                    }
                    failures.fetch_add(1, Ordering::Relaxed);
                    assert!(Instant::now() < deadline, "client {i} could not submit");
                    tokio::time::sleep(Duration::from_millis(30)).await;
                }
                // A phone's pace, not a flood: keeps the final checks quick.
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        }));
    }
    for round in 0..KILLS {
        tokio::time::sleep(Duration::from_millis(150 + 100 * round as u64)).await;
        tokio::task::block_in_place(|| srv.restart());
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    stop.store(true, Ordering::Relaxed);
    for t in tasks {
        t.await.unwrap();
    }
    let acked = acked.lock().await.clone();
    assert!(acked.len() > CLIENTS * 10, "only {} complaints acknowledged", acked.len());
    // The kills really hit requests in flight (otherwise this test proves nothing).
    let failed = failures.load(Ordering::Relaxed);
    assert!(failed > 0, "no request was interrupted by the kills");
    eprintln!("{} complaints acknowledged; {failed} submissions failed mid-crash and were retried", acked.len());

    // Every acknowledged complaint exactly once, with the code the client was told.
    for (i, citizen) in citizens.iter().enumerate() {
        let (st, list) = citizen.get("/v1/complaints").await;
        assert_eq!(st, StatusCode::OK);
        let stored: Vec<String> = list.as_array().unwrap().iter().map(|c| c["tracking_code"].as_str().unwrap().to_owned()).collect();
        let unique: HashSet<_> = stored.iter().cloned().collect();
        assert_eq!(unique.len(), stored.len(), "duplicate complaints for client {i}");
        let mine: HashSet<String> = acked.values().filter(|(c, _)| *c == i).map(|(_, code)| code.clone()).collect();
        assert_eq!(unique, mine, "client {i}: stored and acknowledged complaints differ");
    }
    for (client_id, (i, code)) in acked.iter().take(20) {
        let (_, d) = citizens[*i].get(&format!("/v1/complaints/{code}")).await;
        assert_eq!(d["client_id"].as_str(), Some(client_id.as_str()));
    }

    // Every tracking-code SMS exactly once, after the outbox drains.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let sms = srv.sms();
        let ids: HashSet<i64> = sms.iter().map(|s| s.id).collect();
        assert_eq!(ids.len(), sms.len(), "an SMS was written twice");
        let mut per_code: HashMap<&str, usize> = HashMap::new();
        for s in &sms {
            if let Some(code) = s.text.split(|c: char| !c.is_ascii_digit()).find(|w| w.len() == 10) {
                *per_code.entry(code).or_default() += 1;
            }
        }
        let all_acked_sent = acked.values().all(|(_, code)| per_code.contains_key(code.as_str()));
        if all_acked_sent {
            assert!(per_code.values().all(|&n| n == 1), "a tracking code was sent more than once");
            break;
        }
        assert!(Instant::now() < deadline, "only {} of {} tracking-code SMS sent", per_code.len(), acked.len());
        drop(per_code);
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
