//! What an attacker and an independent checker found, each with a test that failed before the
//! fix: memory under a login flood, lockouts, per-citizen quotas, photos that are not photos,
//! slow and idle connections, staff reading what they do not handle, unbounded amounts, and
//! the headers a public service owes its clients.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use samat_tests::{Api, Server};
use serde_json::{json, Value};
use uuid::Uuid;

fn server(extra: &[&str]) -> Server {
    Server::start(env!("CARGO_BIN_EXE_e2e-server"), extra)
}

/// Peak resident memory of a process, in MB (`VmHWM`).
fn peak_rss_mb(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("proc status");
    let kb: f64 = status.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| l.split_whitespace().nth(1)).and_then(|v| v.parse().ok()).expect("VmHWM");
    kb / 1024.0
}

#[tokio::test]
async fn a_login_flood_with_new_usernames_keeps_memory_bounded() {
    let s = server(&[]);
    let pid = s.pid().expect("running");
    let before = peak_rss_mb(pid);
    let http = reqwest::Client::new();
    let mut outcomes = Vec::new();
    for round in 0..4 {
        let calls = (0..64).map(|i| {
            let http = http.clone();
            let url = format!("{}/v1/staff/login", s.url);
            async move {
                let r = http.post(url).json(&json!({"username": format!("nobody-{round}-{i}"), "password": "guess-guess"})).send().await.unwrap();
                (r.status(), r.headers().get("retry-after").is_some())
            }
        });
        outcomes.extend(futures::future::join_all(calls).await);
    }
    let after = peak_rss_mb(pid);
    // Argon2 takes ~19 MB per check: 64 at once grew the server by over a gigabyte before.
    assert!(after - before < 250.0, "peak RSS grew from {before:.0} MB to {after:.0} MB");
    for (status, retry_after) in &outcomes {
        assert!(*status == StatusCode::UNAUTHORIZED || (*status == StatusCode::TOO_MANY_REQUESTS && *retry_after), "{status}");
    }
    assert!(outcomes.iter().any(|(st, _)| *st == StatusCode::UNAUTHORIZED));
    // Still serving: the health check is answered (the flood is over; a server still busy
    // with 256 password checks would not answer before this deadline).
    let health = http.get(format!("{}/healthz", s.url)).timeout(Duration::from_secs(30)).send().await.expect("healthz answered after the flood");
    assert_eq!(health.status(), StatusCode::OK);
}

#[tokio::test]
async fn wrong_passwords_from_one_network_do_not_lock_the_owner_out() {
    let s = server(&["--trust-forwarded-for", "--staff-logins-per-15min", "10"]);
    let http = reqwest::Client::new();
    let login = |from: &'static str, password: &'static str| {
        let http = http.clone();
        let url = format!("{}/v1/staff/login", s.url);
        async move {
            let r = http.post(url).header("x-forwarded-for", from).json(&json!({"username": "guild", "password": password})).send().await.unwrap();
            (r.status(), r.headers().get("retry-after").cloned())
        }
    };
    for _ in 0..11 {
        login("203.0.113.7", "wrong-password").await;
    }
    let (st, retry) = login("203.0.113.7", "demo").await;
    assert_eq!(st, StatusCode::TOO_MANY_REQUESTS, "the guessing network waits");
    assert!(retry.is_some(), "and is told how long");
    let (st, _) = login("198.51.100.20", "demo").await;
    assert_eq!(st, StatusCode::OK, "the account's owner, elsewhere, logs in");
}

async fn file(citizen: &Api, client_id: &str) -> (StatusCode, Value) {
    citizen.post("/v1/complaints", json!({"client_id": client_id, "category": "fraud", "description": "تقلب", "guild_id": "10010010011"})).await
}

#[tokio::test]
async fn a_citizen_has_daily_allowances_that_staff_intake_does_not_count() {
    let s = server(&["--complaints-per-citizen-per-day", "3", "--photo-mb-per-complaint", "1"]);
    let citizen = s.citizen("09124440001").await;
    let mut ids = Vec::new();
    for _ in 0..3 {
        let id = Uuid::new_v4().to_string();
        let (st, b) = file(&citizen, &id).await;
        assert_eq!(st, StatusCode::CREATED, "{b}");
        ids.push((id, b["tracking_code"].as_str().unwrap().to_owned()));
    }
    let r = citizen
        .http()
        .post(format!("{}/v1/complaints", s.url))
        .bearer_auth(citizen.token.as_deref().unwrap())
        .json(&json!({"client_id": Uuid::new_v4(), "category": "fraud", "description": "تقلب"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(r.headers().get("retry-after").is_some());
    assert_eq!(r.json::<Value>().await.unwrap()["code"], "complaint_quota");
    // A retry of one already filed is not a new filing.
    let (st, b) = file(&citizen, &ids[0].0).await;
    assert_eq!((st, b["tracking_code"].as_str()), (StatusCode::OK, Some(ids[0].1.as_str())));
    // An operator filing for the same caller is not counted.
    let (st, b) = s
        .staff("operator")
        .await
        .post("/v1/staff/intake", json!({"phone": "09124440001", "channel": "phone", "category": "fraud", "description": "تلفنی"}))
        .await;
    assert_eq!(st, StatusCode::CREATED, "{b}");

    // Photos: at most 1 MB kept per complaint here (each of these is a few hundred KB as JPEG).
    let code = &ids[1].1;
    let mut codes = Vec::new();
    for i in 0..8 {
        let r = citizen
            .http()
            .put(format!("{}/v1/complaints/{code}/photos/{}", s.url, Uuid::new_v4()))
            .bearer_auth(citizen.token.as_deref().unwrap())
            .header("content-type", "image/png; charset=binary")
            .body(noisy_png(600, 450, i))
            .send()
            .await
            .unwrap();
        codes.push((r.status(), r.json::<Value>().await.unwrap()));
    }
    assert_eq!(codes[0].0, StatusCode::CREATED, "content-type parameters are fine: {:?}", codes[0].1);
    assert!(codes.iter().any(|(st, b)| *st == StatusCode::UNPROCESSABLE_ENTITY && b["code"] == "photo_quota"), "{codes:?}");

    // One open escalation per complaint.
    let fb = json!({"rating": 1, "comment": "بی‌پاسخ", "escalate": true});
    let (st, _) = citizen.post(&format!("/v1/complaints/{code}/feedback"), fb.clone()).await;
    assert_eq!(st, StatusCode::CREATED);
    let (st, b) = citizen.post(&format!("/v1/complaints/{code}/feedback"), fb.clone()).await;
    assert_eq!((st, b["code"].as_str()), (StatusCode::CONFLICT, Some("escalation_open")));
    let (_, q) = s.staff("supervisor").await.get("/v1/staff/queue").await;
    let id = q["items"].as_array().unwrap().iter().find_map(|i| i["escalation"]["id"].as_i64()).unwrap();
    let (st, _) = s.staff("supervisor").await.post(&format!("/v1/staff/escalations/{id}/close"), json!({})).await;
    assert_eq!(st, StatusCode::NO_CONTENT);
    let (st, _) = citizen.post(&format!("/v1/complaints/{code}/feedback"), fb).await;
    assert_eq!(st, StatusCode::CREATED, "once the supervisors answered, another may be sent");
}

/// The CRC-32 of PNG chunks (IEEE, reflected).
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

/// A PNG of random pixels (it does not compress: its JPEG is large).
fn noisy_png(width: u32, height: u32, seed: u64) -> Vec<u8> {
    use rand::{Rng, SeedableRng};
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let img = image::RgbImage::from_fn(width, height, |_, _| image::Rgb([rng.gen(), rng.gen(), rng.gen()]));
    let mut out = Vec::new();
    image::DynamicImage::ImageRgb8(img).write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png).unwrap();
    out
}

#[tokio::test]
async fn photos_are_decoded_and_kept_as_jpeg_and_a_bomb_or_disguise_is_refused() {
    let s = server(&[]);
    let citizen = s.citizen("09124440002").await;
    let (_, b) = file(&citizen, &Uuid::new_v4().to_string()).await;
    let code = b["tracking_code"].as_str().unwrap().to_owned();
    let put = |bytes: Vec<u8>, content_type: &'static str| {
        let http = citizen.http().clone();
        let url = format!("{}/v1/complaints/{code}/photos/{}", s.url, Uuid::new_v4());
        let token = citizen.token.clone().unwrap();
        async move {
            let r = http.put(url).bearer_auth(token).header("content-type", content_type).body(bytes).send().await.unwrap();
            (r.status(), r.json::<Value>().await.unwrap())
        }
    };
    // A 60000 x 60000 PNG header (with its checksum right): refused before any pixel is
    // allocated.
    let mut bomb = noisy_png(2, 2, 1);
    bomb[16..20].copy_from_slice(&60_000u32.to_be_bytes());
    bomb[20..24].copy_from_slice(&60_000u32.to_be_bytes());
    let crc = crc32(&bomb[12..29]);
    bomb[29..33].copy_from_slice(&crc.to_be_bytes());
    let (st, b) = put(bomb, "image/png").await;
    assert_eq!((st, b["code"].as_str()), (StatusCode::PAYLOAD_TOO_LARGE, Some("image_too_large")), "{b}");
    let mut disguised = b"\x89PNG\r\n\x1a\n".to_vec();
    disguised.extend_from_slice(b"<html><script>alert(document.cookie)</script></html>");
    let (st, b) = put(disguised, "image/png").await;
    assert_eq!((st, b["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_image")), "{b}");
    let (st, b) = put(noisy_png(300, 200, 2), "image/png").await;
    assert_eq!(st, StatusCode::CREATED, "{b}");
    assert_eq!(b["content_type"], "image/jpeg", "kept as JPEG");
    let r = citizen
        .http()
        .get(format!("{}/v1/staff/complaints/{code}/photos/{}", s.url, b["photo_id"].as_str().unwrap()))
        .bearer_auth(s.staff("expert").await.token.unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    assert!(r.headers()["content-disposition"].to_str().unwrap().starts_with("inline; filename=\"photo-"));
    assert_eq!(&r.bytes().await.unwrap()[..3], &[0xFF, 0xD8, 0xFF]);
}

/// Reads from `stream` until the server closes it, or `limit` passes; returns whether it
/// closed.
fn closed_within(stream: &mut TcpStream, limit: Duration) -> bool {
    stream.set_read_timeout(Some(Duration::from_millis(200))).unwrap();
    let deadline = Instant::now() + limit;
    let mut buf = [0u8; 4096];
    while Instant::now() < deadline {
        match stream.read(&mut buf) {
            Ok(0) => return true,
            Ok(_) => continue,
            Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => continue,
            Err(_) => return true,
        }
    }
    false
}

#[tokio::test]
async fn slow_and_idle_connections_time_out() {
    let s = server(&["--header-timeout", "1", "--request-timeout", "2"]);
    let addr = format!("127.0.0.1:{}", s.port);
    // Headers that never end.
    let mut half = TcpStream::connect(&addr).unwrap();
    half.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n").unwrap();
    assert!(closed_within(&mut half, Duration::from_secs(5)), "a half-sent request is cut off");
    // A kept-alive connection left idle.
    let mut idle = TcpStream::connect(&addr).unwrap();
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    assert!(closed_within(&mut idle, Duration::from_secs(5)), "an idle connection is closed");
    // A body that trickles in: 408, not 503.
    let mut slow = TcpStream::connect(&addr).unwrap();
    slow.write_all(b"POST /v1/auth/otp HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"phone\":").unwrap();
    slow.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    while !String::from_utf8_lossy(&answer).contains("request_timeout") {
        match slow.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => answer.extend_from_slice(&buf[..n]),
        }
    }
    let text = String::from_utf8_lossy(&answer);
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    assert!(text.contains("request_timeout"), "{text}");
}

#[tokio::test]
async fn staff_read_what_their_role_handles_and_every_read_is_audited() {
    let s = server(&[]);
    let citizen = s.citizen("09124440003").await;
    let (_, b) = file(&citizen, &Uuid::new_v4().to_string()).await;
    let code = b["tracking_code"].as_str().unwrap().to_owned();
    let expert = s.staff("expert").await;
    assert_eq!(expert.post(&format!("/v1/staff/complaints/{code}/transition"), json!({"to": "expert_review"})).await.0, StatusCode::OK);
    let (st, b) = s.staff("guild").await.get(&format!("/v1/staff/complaints/{code}")).await;
    assert_eq!((st, b["code"].as_str()), (StatusCode::NOT_FOUND, Some("complaint_not_found")), "the guild does not read expert review");
    let (st, _) = s.staff("taazirat").await.get(&format!("/v1/staff/complaints/{code}")).await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    let (st, b) = expert.get(&format!("/v1/staff/complaints/{code}")).await;
    assert_eq!(st, StatusCode::OK);
    assert!(b["phone"].is_string());
    let supervisor = s.staff("supervisor").await;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (st, a) = supervisor.get(&format!("/v1/staff/audit?tracking_code={code}")).await;
        assert_eq!(st, StatusCode::OK, "{a}");
        let readers: Vec<&str> = a["entries"].as_array().unwrap().iter().filter_map(|e| e["username"].as_str()).collect();
        if readers.contains(&"expert") {
            assert!(!readers.contains(&"guild"), "a refused read reads nothing");
            break;
        }
        assert!(Instant::now() < deadline, "the read was not audited: {a}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (st, _) = expert.get("/v1/staff/audit").await;
    assert_eq!(st, StatusCode::FORBIDDEN, "the audit is for supervisors");
}

#[tokio::test]
async fn amounts_are_bounded_and_responses_say_how_to_cache_and_when_to_retry() {
    let s = server(&["--otp-per-phone-per-hour", "1"]);
    let citizen = s.citizen("09124440004").await;
    let (_, b) = file(&citizen, &Uuid::new_v4().to_string()).await;
    let code = b["tracking_code"].as_str().unwrap().to_owned();
    let expert = s.staff("expert").await;
    assert_eq!(expert.post(&format!("/v1/staff/complaints/{code}/transition"), json!({"to": "expert_review"})).await.0, StatusCode::OK);
    assert_eq!(expert.post(&format!("/v1/staff/complaints/{code}/transition"), json!({"to": "inspection"})).await.0, StatusCode::OK);
    let inspector = s.staff("inspector").await;
    assert_eq!(inspector.post(&format!("/v1/staff/complaints/{code}/transition"), json!({"to": "inspection_reported", "note": "r"})).await.0, StatusCode::OK);
    assert_eq!(inspector.post(&format!("/v1/staff/complaints/{code}/transition"), json!({"to": "taazirat", "note": "f"})).await.0, StatusCode::OK);
    let (st, b) = s
        .staff("taazirat")
        .await
        .post(&format!("/v1/staff/complaints/{code}/transition"), json!({"to": "verdict", "details": {"violation": true, "penalty_rials": i64::MAX}}))
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    assert_eq!(b["fields"][0]["code"], "amount_too_large");
    assert_eq!(b["fields"][0]["field"], "details.penalty_rials");

    // A second login code within the hour: 429 with Retry-After.
    let http = reqwest::Client::new();
    let r = http.post(format!("{}/v1/auth/otp", s.url)).json(&json!({"phone": "09124440004"})).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = r.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!(wait > 60 && wait <= 3600, "{wait}");
    // Tokens and personal data are never stored by caches; the public registry may be.
    let r = http.post(format!("{}/v1/staff/login", s.url)).json(&json!({"username": "expert", "password": "demo"})).send().await.unwrap();
    assert_eq!(r.headers()["cache-control"], "no-store");
    let r = http.get(format!("{}/v1/complaints/{code}", s.url)).bearer_auth(citizen.token.as_deref().unwrap()).send().await.unwrap();
    assert_eq!(r.headers()["cache-control"], "no-store");
    let r = http.get(format!("{}/v1/businesses/10010010011", s.url)).send().await.unwrap();
    assert!(r.headers()["cache-control"].to_str().unwrap().starts_with("public"));
    // A page: the security headers.
    let r = http.get(format!("{}/staff/login", s.url)).send().await.unwrap();
    let csp = r.headers()["content-security-policy"].to_str().unwrap().to_owned();
    assert!(csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"), "{csp}");
    assert_eq!(r.headers()["referrer-policy"], "same-origin");
}

#[tokio::test]
async fn metrics_are_off_unless_asked_for_and_then_behind_their_token() {
    let s = server(&["--metrics-token", "scrape-secret"]);
    let http = reqwest::Client::new();
    let r = http.get(format!("{}/metrics", s.url)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let r = http.get(format!("{}/metrics", s.url)).bearer_auth("wrong").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let r = http.get(format!("{}/metrics", s.url)).bearer_auth("scrape-secret").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.unwrap().contains("samat_http_requests_total"));
}
