//! Several `samat-server` processes on one PostgreSQL database, as behind a load balancer,
//! behave as one server: idempotent intake, long-polls, logouts, rate limits, the registry and
//! the signing keys hold across them. (Faults — a replica killed, the database restarted — are
//! in `replicas_fault.rs`, a binary of its own, since restarting the database would break the
//! tests running beside it.)
//!
//! These run in the PostgreSQL pass of `scripts/test` (`SAMAT_TEST_BACKEND=postgres`); on
//! SQLite, which one process owns, they have nothing to test and return at once.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use samat_tests::{on_postgres, Api, Server};
use serde_json::{json, Value};
use uuid::Uuid;

const BIN: &str = env!("CARGO_BIN_EXE_e2e-server");

fn complaint(client_id: &str, text: &str) -> Value {
    json!({"client_id": client_id, "category": "pricing_violation", "description": text, "guild_id": "10010010011"})
}

/// The same session, spoken to through another replica.
fn via(srv: &Server, api: &Api) -> Api {
    Api::new(&srv.url, api.token.clone())
}

#[tokio::test]
async fn replicas_started_together_seed_once_and_share_registry_and_keys() {
    if !on_postgres() {
        return;
    }
    let servers = Server::start_many(BIN, 3, &[]);
    let mut keys = HashSet::new();
    for srv in &servers {
        let anon = Api::new(&srv.url, None);
        let (st, health) = anon.get("/healthz").await;
        assert_eq!((st, health["status"].as_str()), (StatusCode::OK, Some("ok")));
        let (st, b) = anon.get("/v1/businesses/10010010011").await;
        assert_eq!(st, StatusCode::OK, "{b}");
        let (st, k) = anon.get("/v1/keys").await;
        assert_eq!(st, StatusCode::OK, "{k}");
        keys.insert(k.to_string());
        // Every demo account exists once and logs in on every replica.
        srv.staff("supervisor").await;
    }
    assert_eq!(keys.len(), 1, "one signing key for all: {keys:?}");
    let out =
        std::process::Command::new("psql").args([servers[0].database(), "-tA", "-c", "SELECT count(*), count(DISTINCT username) FROM staff"]).output().unwrap();
    let counts = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    let (all, distinct) = counts.split_once('|').unwrap();
    assert_eq!(all, distinct, "no account seeded twice");
}

#[tokio::test]
async fn a_long_poll_on_one_replica_wakes_for_an_event_committed_on_the_other() {
    if !on_postgres() {
        return;
    }
    let a = Server::start(BIN, &[]);
    let b = a.replica(&[]);
    let on_a = a.citizen("09124440001").await;
    let on_b = via(&b, &on_a);
    let (st, feed) = on_b.get("/v1/sync?since=0").await;
    assert_eq!(st, StatusCode::OK, "{feed}");
    let cursor = feed["cursor"].as_i64().unwrap();
    let poll = tokio::spawn(async move {
        let started = Instant::now();
        let (st, body) = on_b.get(&format!("/v1/sync?since={cursor}&wait=25")).await;
        (st, body, started.elapsed())
    });
    b.wait_sync_waiters(1).await;
    let (st, filed) = on_a.post("/v1/complaints", complaint(&Uuid::new_v4().to_string(), "گران‌فروشی")).await;
    assert_eq!(st, StatusCode::CREATED, "{filed}");
    let (st, body, waited) = poll.await.unwrap();
    assert_eq!(st, StatusCode::OK, "{body}");
    let events = body["events"].as_array().unwrap();
    assert!(events.iter().any(|e| e["tracking_code"] == filed["tracking_code"]), "woken by the event: {body}");
    eprintln!("the long-poll on B answered {waited:?} after it began (the event was committed on A once it was parked)");
}

#[tokio::test]
async fn a_logout_on_one_replica_refuses_the_token_on_the_other() {
    if !on_postgres() {
        return;
    }
    let a = Server::start(BIN, &[]);
    let b = a.replica(&[]);
    let on_a = a.citizen("09124440002").await;
    let on_b = via(&b, &on_a);
    // B has the session in its cache now.
    assert_eq!(on_b.get("/v1/complaints").await.0, StatusCode::OK);
    let (st, body) = on_a.post("/v1/auth/logout", json!({})).await;
    assert_eq!(st, StatusCode::NO_CONTENT, "{body}");
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let (st, _) = on_b.get("/v1/complaints").await;
        if st == StatusCode::UNAUTHORIZED {
            break;
        }
        assert_eq!(st, StatusCode::OK);
        assert!(Instant::now() < deadline, "B still accepts a token logged out on A");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn twelve_resubmits_spread_over_two_replicas_make_one_complaint_and_one_sms() {
    if !on_postgres() {
        return;
    }
    let a = Server::start(BIN, &[]);
    let b = a.replica(&[]);
    let on_a = a.citizen("09124440003").await;
    let on_b = via(&b, &on_a);
    let client_id = Uuid::new_v4().to_string();
    let body = complaint(&client_id, "فروش اجباری کالا");
    let tasks: Vec<_> = (0..12)
        .map(|i| {
            let api = if i % 2 == 0 { Api::new(on_a.base(), on_a.token.clone()) } else { Api::new(on_b.base(), on_b.token.clone()) };
            let body = body.clone();
            tokio::spawn(async move { api.post("/v1/complaints", body).await })
        })
        .collect();
    let mut created = 0;
    let mut codes = HashSet::new();
    for t in tasks {
        let (st, v) = t.await.unwrap();
        assert!(st == StatusCode::CREATED || st == StatusCode::OK, "{st}: {v}");
        created += usize::from(st == StatusCode::CREATED);
        codes.insert(v["tracking_code"].as_str().unwrap().to_owned());
    }
    assert_eq!((created, codes.len()), (1, 1));
    let code = codes.into_iter().next().unwrap();
    a.wait_sms("+989124440003", |s| s.text.contains(&code)).await;
    a.settled().await;
    assert_eq!(a.sms().iter().filter(|s| s.text.contains(&code)).count(), 1, "one tracking-code SMS");
    let (_, mine) = on_b.get("/v1/complaints").await;
    assert_eq!(mine.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn rate_limits_hold_across_replicas() {
    if !on_postgres() {
        return;
    }
    let a = Server::start(BIN, &["--otp-per-phone-per-hour", "3"]);
    let b = a.replica(&["--otp-per-phone-per-hour", "3"]);
    let mut statuses = Vec::new();
    for i in 0..4 {
        let srv = if i % 2 == 0 { &a } else { &b };
        let (st, body) = Api::new(&srv.url, None).call(Method::POST, "/v1/auth/otp", Some(json!({"phone": "09124440004"}))).await;
        statuses.push((st, body["code"].as_str().map(str::to_owned)));
    }
    assert_eq!(statuses[..3].iter().map(|s| s.0).collect::<Vec<_>>(), [StatusCode::ACCEPTED; 3]);
    assert_eq!(statuses[3].0, StatusCode::TOO_MANY_REQUESTS, "the fourth code in the hour, on whichever replica: {statuses:?}");
}
