//! Push and long-poll benchmark, two parts:
//!
//! 1. **Push delivery rate**: the push outbox is filled (one device per citizen, several
//!    stage notices each) before the worker starts; then the real worker encrypts (RFC 8291),
//!    signs (VAPID) and posts them to a local Web Push receiver that answers 201. Prints pushes
//!    delivered per second.
//! 2. **10,000 long-poll waiters**: the server runs in this process; a child process (this
//!    binary with `clients`) opens one keep-alive connection per citizen and sends
//!    `GET /v1/sync?since=<cursor>&wait=60`. The server's RSS (`/proc/self/status`) before and
//!    with all waiters parked gives the memory per waiter; then every complaint is moved and
//!    the time from sending the stage change to each waiter's answer gives p50/p99.
//!
//! `cargo run --release -p samat-bench --bin push -- [PUSHES] [WAITERS]` (defaults 10000 10000).
//! Each process needs ~WAITERS file descriptors; the bench raises its soft limit to the hard
//! one (`ulimit -Hn`; raise that first if it is below WAITERS + 1000).

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use p256::elliptic_curve::sec1::ToEncodedPoint;
use samat_core::model::api::NewComplaint;
use samat_core::model::{PhoneNumber, Role};
use samat_server::push::{PushConfig, VapidKey};
use samat_server::sessions::{new_token, token_hash};
use samat_server::store::{DeviceTarget, NewComplaintRecord, NewSms, Principal, SmsKind, Store};
use samat_server::{AppState, Settings};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Complaints per citizen in part 1 (so each device has a short queue, delivered in order).
const PUSHES_PER_DEVICE: usize = 5;

fn raise_fd_limit() -> u64 {
    unsafe {
        let mut lim = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) == 0 {
            lim.rlim_cur = lim.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &lim);
            #[allow(clippy::unnecessary_cast)] // rlim_t is not u64 everywhere
            return lim.rlim_cur as u64;
        }
    }
    0
}

/// Resident memory of this process in bytes (`VmRSS`).
fn rss_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status.lines().find_map(|l| l.strip_prefix("VmRSS:")).and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok()).map_or(0, |kb| kb * 1024)
}

fn now_ns() -> u128 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default().as_nanos()
}

fn pct(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

async fn open_state(dir: &std::path::Path, push: PushConfig) -> anyhow::Result<AppState> {
    let store = samat_server::store::open(&format!("sqlite://{}", dir.join("bench.db").display())).await?;
    Ok(AppState::new(store, Settings { push, ..Settings::default() }))
}

async fn serve(state: &AppState, dir: &std::path::Path) -> anyhow::Result<String> {
    let sms = samat_server::sms::build(
        &samat_server::sms::SmsConfig::File(dir.join("sms.jsonl")),
        samat_server::sms::KavenegarOptions { base_url: String::new(), otp_template: String::new(), sender: None },
    )?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}", listener.local_addr()?);
    let s = state.clone();
    tokio::spawn(async move { samat_server::serve(listener, s, sms, std::future::pending()).await });
    Ok(url)
}

fn phone(i: usize) -> PhoneNumber {
    PhoneNumber::parse(&format!("0936{i:07}")).expect("bench phone")
}

async fn file_directly(store: &dyn Store, who: PhoneNumber) -> anyhow::Result<()> {
    let body = NewComplaint { client_id: None, category: Some("fraud".into()), description: Some("تقلب در فروش".into()), ..NewComplaint::default() };
    let fields = body.validate(samat_core::model::clock::today_in_iran()).map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let record = NewComplaintRecord {
        tracking_code: samat_core::model::TrackingCode::generate(&mut rand::thread_rng()),
        client_id: uuid::Uuid::new_v4(),
        phone: who.clone(),
        channel: samat_core::model::Channel::App,
        fields,
        business_known: None,
        actor: samat_core::model::Actor::Citizen,
        filed_by_staff: None,
        filed_by_api_key: None,
        quota: None,
        due_at: None,
        at: time::OffsetDateTime::now_utc(),
    };
    let sms = NewSms { to: who.clone(), text: "ثبت شد".into(), kind: SmsKind::Notice, token: None };
    store.insert_complaint(record, sms).await?;
    Ok(())
}

/// Part 1: pushes delivered per second.
async fn push_rate(total: usize) -> anyhow::Result<()> {
    let received = Arc::new(AtomicU64::new(0));
    let r = received.clone();
    let receiver = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let origin = format!("http://{}", receiver.local_addr()?);
    let app = axum::Router::new().route(
        "/push/{id}",
        axum::routing::post(move |_body: axum::body::Bytes| {
            let r = r.clone();
            async move {
                r.fetch_add(1, Ordering::Relaxed);
                axum::http::StatusCode::CREATED
            }
        }),
    );
    tokio::spawn(async move { axum::serve(receiver, app).await });

    let dir = tempfile::tempdir()?;
    let push = PushConfig { vapid: Some(VapidKey::generate()), allow_private_endpoints: true, ..PushConfig::default() };
    let state = open_state(dir.path(), push).await?;
    let devices = total.div_ceil(PUSHES_PER_DEVICE);
    let filling = Instant::now();
    let store = state.store.clone();
    futures::future::try_join_all((0..devices).map(|i| {
        let store = store.clone();
        let origin = origin.clone();
        async move {
            let key = p256::SecretKey::random(&mut rand::rngs::OsRng);
            let target = DeviceTarget::UnifiedPush {
                endpoint: format!("{origin}/push/{i}"),
                p256dh: key.public_key().to_encoded_point(false).as_bytes().to_vec(),
                auth: vec![7u8; 16],
            };
            let session = format!("bench-session-{i}").into_bytes();
            let who = samat_server::store::Principal::Citizen { phone: phone(i) };
            store.create_session(session.clone(), &who, time::OffsetDateTime::now_utc() + time::Duration::days(1)).await?;
            store.register_device(&phone(i), session, target, time::OffsetDateTime::now_utc(), 10).await?;
            for _ in 0..PUSHES_PER_DEVICE {
                file_directly(&*store, phone(i)).await?;
            }
            anyhow::Ok(())
        }
    }))
    .await?;
    let queued = store.pending_pushes().await?;
    println!("push delivery: {queued} pushes queued for {devices} UnifiedPush devices in {:.1} s", filling.elapsed().as_secs_f64());

    let started = Instant::now();
    let _url = serve(&state, dir.path()).await?;
    while received.load(Ordering::Relaxed) < queued as u64 {
        anyhow::ensure!(started.elapsed() < Duration::from_secs(300), "only {} of {queued} pushes arrived", received.load(Ordering::Relaxed));
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let elapsed = started.elapsed();
    // Wait for the last "sent" marks to commit, then check nothing was left or doubled.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let left = store.pending_pushes().await?;
    println!(
        "push delivery: {queued} encrypted + VAPID-signed pushes delivered in {:.2} s → {:.0} pushes/s ({} received, {left} still pending)",
        elapsed.as_secs_f64(),
        queued as f64 / elapsed.as_secs_f64(),
        received.load(Ordering::Relaxed),
    );
    Ok(())
}

/// Part 2: memory per long-poll waiter and wake-up latency.
async fn waiters(n: usize) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let state = open_state(dir.path(), PushConfig::default()).await?;
    let url = serve(&state, dir.path()).await?;
    let store = state.store.clone();

    // Citizens with one complaint each, their sessions and cursors; a staff session to move them.
    let prep = Instant::now();
    let rows: Vec<(String, String, i64)> = futures::future::try_join_all((0..n).map(|i| {
        let store = store.clone();
        async move {
            let p = phone(i);
            file_directly(&*store, p.clone()).await?;
            let token = new_token();
            store
                .create_session(token_hash(&token), &Principal::Citizen { phone: p.clone() }, time::OffsetDateTime::now_utc() + Duration::from_secs(3600))
                .await?;
            let code = store.complaints_of(&p).await?.first().map(|c| c.tracking_code.as_str().to_owned()).unwrap_or_default();
            let cursor = store.latest_seq(&p).await?;
            anyhow::Ok((token, code, cursor))
        }
    }))
    .await?;
    let staff_id = store
        .add_staff(samat_server::store::NewStaff {
            username: "bench-expert".into(),
            display_name: None,
            password_hash: "unused".into(),
            role: Role::Expert,
            province: None,
        })
        .await?;
    let staff = new_token();
    store
        .create_session(
            token_hash(&staff),
            &Principal::Staff { id: staff_id, username: "bench-expert".into(), role: Role::Expert, province: None },
            time::OffsetDateTime::now_utc() + Duration::from_secs(3600),
        )
        .await?;
    let list = dir.path().join("waiters.txt");
    let mut f = std::fs::File::create(&list)?;
    for (token, _, cursor) in &rows {
        writeln!(f, "{token} {cursor}")?;
    }
    drop(f);
    println!("long-poll: {n} citizens with a complaint and a session ready in {:.1} s", prep.elapsed().as_secs_f64());

    // The hub's per-citizen entries exist once a citizen polled; warm them so the waiters'
    // memory is what is measured, not the first poll's cache fill.
    let warm = reqwest::Client::builder().pool_max_idle_per_host(64).build()?;
    for chunk in rows.chunks(256) {
        futures::future::join_all(chunk.iter().map(|(t, _, c)| warm.get(format!("{url}/v1/sync?since={c}")).bearer_auth(t).send())).await;
    }
    drop(warm);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let rss_before = rss_bytes();

    let exe = std::env::current_exe()?;
    let mut child = Command::new(exe).args(["clients", &url, &list.display().to_string()]).stdout(Stdio::piped()).stdin(Stdio::null()).spawn()?;
    let mut lines = BufReader::new(child.stdout.take().ok_or_else(|| anyhow::anyhow!("no child stdout"))?).lines();
    let connect = Instant::now();
    while state.hub.waiting() < n as i64 {
        anyhow::ensure!(connect.elapsed() < Duration::from_secs(60), "only {} of {n} waiters parked", state.hub.waiting());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let rss_after = rss_bytes();
    println!(
        "long-poll: {n} waiters parked in {:.1} s; server RSS {:.1} MiB → {:.1} MiB: {:.1} KiB per waiter (connection, request, task)",
        connect.elapsed().as_secs_f64(),
        rss_before as f64 / 1048576.0,
        rss_after as f64 / 1048576.0,
        (rss_after.saturating_sub(rss_before)) as f64 / n as f64 / 1024.0
    );

    // Move every complaint; note when each change was sent.
    let http = reqwest::Client::builder().pool_max_idle_per_host(64).build()?;
    let sent_at: Arc<std::sync::Mutex<Vec<u128>>> = Arc::new(std::sync::Mutex::new(vec![0; n]));
    let moving = Instant::now();
    let mut commit_ms = Vec::with_capacity(n);
    for chunk in (0..n).collect::<Vec<_>>().chunks(64) {
        let results = futures::future::join_all(chunk.iter().map(|&i| {
            let http = http.clone();
            let sent_at = sent_at.clone();
            let url = format!("{url}/v1/staff/complaints/{}/transition", rows[i].1);
            let staff = staff.clone();
            async move {
                let t = Instant::now();
                sent_at.lock().unwrap()[i] = now_ns();
                let ok = http.post(url).bearer_auth(staff).json(&json!({"to": "expert_review"})).send().await.is_ok_and(|r| r.status().is_success());
                (ok, t.elapsed().as_secs_f64() * 1000.0)
            }
        }))
        .await;
        for (ok, ms) in results {
            anyhow::ensure!(ok, "a stage change failed");
            commit_ms.push(ms);
        }
    }
    let moved = moving.elapsed();

    let mut answered: HashMap<usize, u128> = HashMap::with_capacity(n);
    for line in lines.by_ref() {
        let line = line?;
        if line == "DONE" {
            break;
        }
        let mut parts = line.split(' ');
        if let (Some(i), Some(t)) = (parts.next().and_then(|v| v.parse().ok()), parts.next().and_then(|v| v.parse().ok())) {
            answered.insert(i, t);
        }
    }
    let _ = child.wait();
    let sent_at = sent_at.lock().unwrap().clone();
    let mut latency_ms: Vec<f64> = answered.iter().map(|(&i, &t)| (t.saturating_sub(sent_at[i])) as f64 / 1e6).collect();
    latency_ms.sort_by(|a, b| a.total_cmp(b));
    commit_ms.sort_by(|a, b| a.total_cmp(b));
    println!(
        "long-poll: {n} stage changes sent in {:.1} s ({:.0}/s; the staff request itself p50 {:.1} ms, p99 {:.1} ms)",
        moved.as_secs_f64(),
        n as f64 / moved.as_secs_f64(),
        pct(&commit_ms, 0.5),
        pct(&commit_ms, 0.99)
    );
    println!(
        "long-poll: {} of {n} waiters answered; stage change sent → waiter's response: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        latency_ms.len(),
        pct(&latency_ms, 0.5),
        pct(&latency_ms, 0.99),
        latency_ms.last().copied().unwrap_or(f64::NAN)
    );
    Ok(())
}

/// The child process: one raw keep-alive HTTP/1.1 connection per waiter, so the parent's
/// memory is the server's alone. Prints `INDEX UNIX_NANOS` per answer, then `DONE`.
async fn clients(url: &str, list: &str) -> anyhow::Result<()> {
    raise_fd_limit();
    let addr = url.trim_start_matches("http://").to_owned();
    let rows: Vec<(String, i64)> =
        std::fs::read_to_string(list)?.lines().filter_map(|l| l.split_once(' ').and_then(|(t, c)| Some((t.to_owned(), c.parse().ok()?)))).collect();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(usize, u128)>();
    let mut tasks = Vec::with_capacity(rows.len());
    for (i, (token, cursor)) in rows.into_iter().enumerate() {
        let tx = tx.clone();
        let addr = addr.clone();
        tasks.push(tokio::spawn(async move {
            let Ok(mut conn) = tokio::net::TcpStream::connect(&addr).await else { return };
            let request = format!("GET /v1/sync?since={cursor}&wait=60 HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n\r\n");
            if conn.write_all(request.as_bytes()).await.is_err() {
                return;
            }
            let mut buf = [0u8; 512];
            if let Ok(n) = conn.read(&mut buf).await {
                if n > 0 && buf[..n].starts_with(b"HTTP/1.1 200") {
                    let _ = tx.send((i, now_ns()));
                }
            }
        }));
        // Stay under the listener's accept backlog.
        if i % 512 == 511 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
    drop(tx);
    let mut out = std::io::stdout().lock();
    while let Some((i, t)) = rx.recv().await {
        writeln!(out, "{i} {t}")?;
    }
    writeln!(out, "DONE")?;
    out.flush()?;
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("clients") {
        return clients(&args[2], &args[3]).await;
    }
    let pushes: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(10_000);
    let waiters_n: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(10_000);
    let limit = raise_fd_limit();
    if limit < waiters_n as u64 + 1000 {
        eprintln!("note: the open-file limit is {limit}; raise it (ulimit -n) to at least {} for {waiters_n} waiters", waiters_n + 1000);
    }
    push_rate(pushes).await?;
    waiters(waiters_n).await?;
    Ok(())
}
