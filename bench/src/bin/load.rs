//! Mixed load: everything the service does at once, paced at fixed rates (open loop, so a slow
//! server shows as latency and backlog rather than as a politely slower client), against the
//! real `samat-server` binary on loopback, while the server's resident memory is sampled every
//! second. The mix per second (scaled by `--scale`):
//!
//! | what | rate |
//! |---|---|
//! | citizen logins (OTP requested, read from the SMS file, verified) | 5 |
//! | staff password guesses with a new username from a new address (refused: 401 or 429) | 20 |
//! | staff logins with the right password | 0.5 |
//! | complaints filed (half with a 1280×960 JPEG photo, decoded and re-encoded by the server) | 10 |
//! | public tracking look-ups (`/v1/track`, code + phone) | 40 |
//! | citizens reading their complaint | 20 |
//! | staff moves through the seven stages (expert, inspector, Ta'zirat) | 8 |
//! | long-polls held open by citizens (`/v1/sync?wait=20`) | 200 at all times |
//!
//! At the end every acknowledged complaint is looked up in its citizen's list: none may be
//! missing or doubled. With `--restart-at SECONDS` the server is killed (SIGKILL) at that time
//! and started again on the same database; the acknowledgements before the kill must survive.
//!
//! `cargo build --release -p samat-server -p samat-bench && target/release/load [--seconds 60]
//! [--scale 1.0] [--restart-at SECONDS] [--server PATH] [--only login,guess,staff-login,file,track,read,move,poll]`

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::{Read, Seek, SeekFrom};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context;
use rand::seq::SliceRandom;
use rand::Rng;
use reqwest::{Method, StatusCode};
use samat_tests::{otp_in, Server};
use serde_json::{json, Value};
use tokio::sync::Semaphore;

const GUILD_IDS: [&str; 4] = ["10010010011", "10010010012", "20020020021", "30030030031"];
const CITIZENS: usize = 120;
const LONG_POLLS: usize = 200;
/// Requests in flight at once, past which a tick is counted as "not sent" instead of piling up.
const MAX_IN_FLIGHT: usize = 512;

/// How one kind of request went.
#[derive(Default)]
struct Kind {
    ok: u64,
    /// Refusals the mix expects (a wrong password's 401, a busy 429).
    refused: u64,
    /// Other 4xx answers.
    client_errors: u64,
    server_errors: u64,
    /// No answer (connection refused or reset, timeout).
    no_answer: u64,
    /// Ticks skipped because too many requests were in flight.
    not_sent: u64,
    latencies_us: Vec<u64>,
}

#[derive(Default)]
struct Stats {
    kinds: Mutex<BTreeMap<&'static str, Kind>>,
}

enum Outcome {
    Ok,
    Refused,
    Status(StatusCode),
    NoAnswer,
}

impl Stats {
    fn record(&self, kind: &'static str, outcome: Outcome, took: Duration) {
        let mut kinds = self.kinds.lock().unwrap_or_else(|e| e.into_inner());
        let k = kinds.entry(kind).or_default();
        match outcome {
            Outcome::Ok => {
                k.ok += 1;
                k.latencies_us.push(took.as_micros() as u64);
            }
            Outcome::Refused => k.refused += 1,
            Outcome::Status(s) if s.is_server_error() => k.server_errors += 1,
            Outcome::Status(_) => k.client_errors += 1,
            Outcome::NoAnswer => k.no_answer += 1,
        }
    }

    fn not_sent(&self, kind: &'static str) {
        self.kinds.lock().unwrap_or_else(|e| e.into_inner()).entry(kind).or_default().not_sent += 1;
    }

    fn totals(&self) -> (u64, u64, u64) {
        let kinds = self.kinds.lock().unwrap_or_else(|e| e.into_inner());
        kinds.values().fold((0, 0, 0), |(ok, c, s), k| (ok + k.ok + k.refused, c + k.client_errors, s + k.server_errors))
    }
}

/// The login codes in the server's SMS file, read incrementally.
struct SmsTail {
    path: PathBuf,
    offset: u64,
    partial: String,
    codes: HashMap<String, String>,
}

impl SmsTail {
    fn code_for(&mut self, canonical_phone: &str) -> Option<String> {
        if let Ok(mut f) = std::fs::File::open(&self.path) {
            if f.seek(SeekFrom::Start(self.offset)).is_ok() {
                let mut more = String::new();
                if let Ok(n) = f.read_to_string(&mut more) {
                    self.offset += n as u64;
                    self.partial.push_str(&more);
                }
            }
        }
        while let Some(end) = self.partial.find('\n') {
            let line: String = self.partial.drain(..=end).collect();
            if let Ok(v) = serde_json::from_str::<Value>(&line) {
                let (to, text) = (v["to"].as_str().unwrap_or(""), v["text"].as_str().unwrap_or(""));
                if text.contains("کد ورود") {
                    if let Some(code) = otp_in(text) {
                        self.codes.insert(to.to_owned(), code);
                    }
                }
            }
        }
        self.codes.remove(canonical_phone)
    }
}

struct Ctx {
    url: String,
    http: reqwest::Client,
    stats: Stats,
    sms: Mutex<SmsTail>,
    citizens: Vec<Citizen>,
    /// (citizen index, tracking code) of every acknowledged complaint.
    filed: Mutex<Vec<(usize, String)>>,
    photos: Vec<Vec<u8>>,
    staff: Mutex<HashMap<&'static str, String>>,
    stop: AtomicBool,
    next_phone: AtomicU64,
    in_flight: Arc<Semaphore>,
}

struct Citizen {
    phone: String,
    token: Mutex<String>,
}

fn random_ip() -> String {
    let mut r = rand::thread_rng();
    format!("10.{}.{}.{}", r.gen_range(0..=255), r.gen_range(0..=255), r.gen_range(1..=254))
}

impl Ctx {
    async fn send(&self, method: Method, path: &str, token: Option<&str>, body: Option<Value>, ip: Option<String>) -> Result<(StatusCode, Value), ()> {
        let mut req = self.http.request(method, format!("{}{path}", self.url));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(ip) = ip {
            req = req.header("x-forwarded-for", ip);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.map_err(|_| ())?;
        let status = resp.status();
        let bytes = resp.bytes().await.map_err(|_| ())?;
        Ok((status, serde_json::from_slice(&bytes).unwrap_or(Value::Null)))
    }

    /// Sends and records one request of `kind`; `refused` lists the statuses the mix expects
    /// as refusals.
    #[allow(clippy::too_many_arguments)]
    async fn timed(
        &self,
        kind: &'static str,
        refused: &[u16],
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
        ip: Option<String>,
    ) -> Option<Value> {
        let t = Instant::now();
        match self.send(method, path, token, body, ip).await {
            Ok((s, v)) if s.is_success() => {
                self.stats.record(kind, Outcome::Ok, t.elapsed());
                Some(v)
            }
            Ok((s, _)) if refused.contains(&s.as_u16()) => {
                self.stats.record(kind, Outcome::Refused, t.elapsed());
                None
            }
            Ok((s, _)) => {
                self.stats.record(kind, Outcome::Status(s), t.elapsed());
                None
            }
            Err(()) => {
                self.stats.record(kind, Outcome::NoAnswer, t.elapsed());
                None
            }
        }
    }

    async fn otp_login(&self, phone: &str) -> Option<String> {
        let canonical = samat_core::model::PhoneNumber::parse(phone).ok()?.to_string();
        self.timed("login: OTP request", &[429], Method::POST, "/v1/auth/otp", None, Some(json!({"phone": phone})), Some(random_ip())).await?;
        let deadline = Instant::now() + Duration::from_secs(15);
        let code = loop {
            if let Some(c) = self.sms.lock().unwrap_or_else(|e| e.into_inner()).code_for(&canonical) {
                break c;
            }
            if Instant::now() > deadline {
                return None;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        };
        let v =
            self.timed("login: OTP verify", &[], Method::POST, "/v1/auth/verify", None, Some(json!({"phone": phone, "code": code})), Some(random_ip())).await?;
        v["token"].as_str().map(str::to_owned)
    }

    async fn staff_token(&self, role: &'static str) -> Option<String> {
        if let Some(t) = self.staff.lock().unwrap_or_else(|e| e.into_inner()).get(role) {
            return Some(t.clone());
        }
        let v = self
            .timed("staff login", &[429], Method::POST, "/v1/staff/login", None, Some(json!({"username": role, "password": "demo"})), Some(random_ip()))
            .await?;
        let token = v["token"].as_str()?.to_owned();
        self.staff.lock().unwrap_or_else(|e| e.into_inner()).insert(role, token.clone());
        Some(token)
    }

    fn citizen_token(&self, i: usize) -> String {
        self.citizens[i].token.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn random_filing(&self) -> Option<(usize, String)> {
        let filed = self.filed.lock().unwrap_or_else(|e| e.into_inner());
        filed.choose(&mut rand::thread_rng()).cloned()
    }
}

async fn file_one(ctx: Arc<Ctx>) {
    let (i, with_photo, category, guild) = {
        let mut r = rand::thread_rng();
        let cats = ["pricing_violation", "no_price_tag", "no_invoice", "fraud", "hoarding", "forced_selling"];
        (r.gen_range(0..ctx.citizens.len()), r.gen_bool(0.5), *cats.choose(&mut r).unwrap_or(&"fraud"), *GUILD_IDS.choose(&mut r).unwrap_or(&GUILD_IDS[0]))
    };
    let token = ctx.citizen_token(i);
    let body = json!({
        "client_id": uuid::Uuid::new_v4(), "category": category, "guild_id": guild,
        "description": "فروشنده قیمت را بیشتر از برچسب حساب کرد و فاکتور نداد", "wants_compensation": rand::thread_rng().gen_bool(0.3),
    });
    let Some(v) = ctx.timed("file complaint", &[], Method::POST, "/v1/complaints", Some(&token), Some(body), None).await else { return };
    let Some(code) = v["tracking_code"].as_str().map(str::to_owned) else { return };
    ctx.filed.lock().unwrap_or_else(|e| e.into_inner()).push((i, code.clone()));
    if with_photo {
        let photo = ctx.photos.choose(&mut rand::thread_rng()).cloned().unwrap_or_default();
        let t = Instant::now();
        let sent = ctx
            .http
            .put(format!("{}/v1/complaints/{code}/photos/{}", ctx.url, uuid::Uuid::new_v4()))
            .bearer_auth(&token)
            .header("content-type", "image/jpeg")
            .body(photo)
            .send()
            .await;
        let outcome = match sent {
            Ok(r) if r.status().is_success() => Outcome::Ok,
            Ok(r) if r.status() == StatusCode::TOO_MANY_REQUESTS || r.status() == StatusCode::SERVICE_UNAVAILABLE => Outcome::Refused,
            Ok(r) => Outcome::Status(r.status()),
            Err(_) => Outcome::NoAnswer,
        };
        ctx.stats.record("photo upload", outcome, t.elapsed());
    }
}

async fn track_one(ctx: Arc<Ctx>) {
    let Some((i, code)) = ctx.random_filing() else { return };
    let phone = ctx.citizens[i].phone.clone();
    ctx.timed("public tracking", &[429], Method::GET, &format!("/v1/track/{code}?phone={phone}"), None, None, Some(random_ip())).await;
}

async fn read_one(ctx: Arc<Ctx>) {
    let Some((i, code)) = ctx.random_filing() else { return };
    let token = ctx.citizen_token(i);
    ctx.timed("citizen reads complaint", &[], Method::GET, &format!("/v1/complaints/{code}"), Some(&token), None, None).await;
}

async fn login_one(ctx: Arc<Ctx>) {
    let n = ctx.next_phone.fetch_add(1, Ordering::Relaxed);
    ctx.otp_login(&format!("0936{:07}", n % 10_000_000)).await;
}

async fn guess_one(ctx: Arc<Ctx>) {
    let username = format!("u{}", uuid::Uuid::new_v4().simple());
    ctx.timed(
        "staff password guess",
        &[401, 429],
        Method::POST,
        "/v1/staff/login",
        None,
        Some(json!({"username": username, "password": "123456"})),
        Some(random_ip()),
    )
    .await;
}

async fn staff_login_one(ctx: Arc<Ctx>) {
    ctx.timed("staff login", &[429], Method::POST, "/v1/staff/login", None, Some(json!({"username": "inspector", "password": "demo"})), Some(random_ip()))
        .await;
}

/// The next move a role makes on a queue item, if any: (target, note, details).
fn next_move(role: &str, stage: &str, wants_compensation: bool) -> Option<(&'static str, Option<&'static str>, Option<Value>)> {
    match (role, stage) {
        ("expert", "received") => Some(("expert_review", None, None)),
        ("expert", "expert_review") if wants_compensation => Some(("self_regulation", Some("ارجاع به اتحادیه برای جبران خسارت"), None)),
        ("expert", "expert_review") => Some(("inspection", Some("اعزام بازرس"), None)),
        ("expert", "inspection_reported") => Some(("taazirat", Some("پرونده به تعزیرات ارسال شد"), None)),
        ("inspector", "inspection") => Some(("inspection_reported", Some("تخلف گران‌فروشی در بازرسی تأیید شد"), None)),
        ("taazirat", "taazirat") => Some(("verdict", Some("رأی صادر شد"), Some(json!({"violation": true, "penalty_rials": 25_000_000})))),
        _ => None,
    }
}

/// One staff member working their queue: each call makes at most one move.
async fn move_one(ctx: Arc<Ctx>, role: &'static str) {
    let Some(token) = ctx.staff_token(role).await else { return };
    let Some(queue) = ctx.timed("staff queue", &[], Method::GET, "/v1/staff/queue?limit=50", Some(&token), None, None).await else { return };
    let items = queue["items"].as_array().cloned().unwrap_or_default();
    let Some((code, (to, note, details))) = items.iter().find_map(|it| {
        let m = next_move(role, it["stage"].as_str()?, it["wants_compensation"].as_bool().unwrap_or(false))?;
        Some((it["tracking_code"].as_str()?.to_owned(), m))
    }) else {
        return;
    };
    let mut body = json!({"to": to});
    if let Some(n) = note {
        body["note"] = json!(n);
    }
    if let Some(d) = details {
        body["details"] = d;
    }
    // 409: another worker (or the citizen) moved it first.
    ctx.timed("staff move", &[409], Method::POST, &format!("/v1/staff/complaints/{code}/transition"), Some(&token), Some(body), None).await;
}

async fn long_poll(ctx: Arc<Ctx>, i: usize) {
    let mut since = 0i64;
    while !ctx.stop.load(Ordering::Relaxed) {
        let token = ctx.citizen_token(i);
        let t = Instant::now();
        match ctx.send(Method::GET, &format!("/v1/sync?since={since}&wait=20&limit=200"), Some(&token), None, None).await {
            Ok((s, v)) if s.is_success() => {
                since = v["cursor"].as_i64().unwrap_or(since);
                ctx.stats.record("long-poll", Outcome::Ok, t.elapsed());
            }
            Ok((s, _)) => {
                ctx.stats.record("long-poll", Outcome::Status(s), t.elapsed());
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
            Err(()) => {
                ctx.stats.record("long-poll", Outcome::NoAnswer, t.elapsed());
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        }
    }
}

/// Calls `f` `rate` times a second until stopped, each in its own task.
fn paced<F, Fut>(ctx: Arc<Ctx>, kind: &'static str, rate: f64, f: F) -> tokio::task::JoinHandle<()>
where
    F: Fn(Arc<Ctx>) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    tokio::spawn(async move {
        if rate <= 0.0 {
            return;
        }
        let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / rate));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
        while !ctx.stop.load(Ordering::Relaxed) {
            tick.tick().await;
            match ctx.in_flight.clone().try_acquire_owned() {
                Ok(permit) => {
                    let fut = f(ctx.clone());
                    tokio::spawn(async move {
                        fut.await;
                        drop(permit);
                    });
                }
                Err(_) => ctx.stats.not_sent(kind),
            }
        }
    })
}

/// The process's resident memory and, of it, the anonymous part (heap and stacks, not
/// mapped files), in MB.
fn rss_mb(pid: u32) -> Option<(f64, f64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |name: &str| -> Option<f64> {
        let line = status.lines().find(|l| l.starts_with(name))?;
        Some(line.split_whitespace().nth(1)?.parse::<f64>().ok()? / 1024.0)
    };
    Some((field("VmRSS:")?, field("RssAnon:")?))
}

/// A photo as a phone camera makes them: 1280×960, detail everywhere (so JPEG cannot make it
/// tiny), about 200-400 KB.
fn photo(seed: u64) -> anyhow::Result<Vec<u8>> {
    use rand::SeedableRng;
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let img = image::RgbImage::from_fn(1280, 960, |x, y| {
        let n: u8 = rng.gen_range(0..40);
        image::Rgb([((x * 7 + y) % 200) as u8 + n, ((y * 3) % 180) as u8 + n, ((x ^ y) % 150) as u8 + n])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 85).encode_image(&img)?;
    Ok(out.into_inner())
}

fn arg<T: std::str::FromStr>(args: &[String], name: &str) -> Option<T> {
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).and_then(|v| v.parse().ok())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let seconds: u64 = arg(&args, "--seconds").unwrap_or(60);
    let scale: f64 = arg(&args, "--scale").unwrap_or(1.0);
    let restart_at: Option<u64> = arg(&args, "--restart-at");
    let binary: PathBuf = arg::<String>(&args, "--server").map(PathBuf::from).unwrap_or(std::env::current_exe()?.with_file_name("samat-server"));
    anyhow::ensure!(binary.exists(), "no server binary at {}; build it: cargo build --release -p samat-server", binary.display());

    // Limits as in production except the ones every request from one machine would trip:
    // addresses come from X-Forwarded-For (random 10.x.x.x per anonymous request), and the
    // filing citizens are a small pool that files more than a real citizen would.
    let mut server = Server::start(
        &binary.to_string_lossy(),
        &[
            "--trust-forwarded-for",
            "--otp-per-ip-per-hour",
            "20",
            "--track-per-ip-per-minute",
            "20",
            "--staff-logins-per-ip-per-15min",
            "20",
            "--staff-logins-per-15min",
            "10",
            "--complaints-per-citizen-per-day",
            "100000",
            "--photo-mb-per-citizen-per-day",
            "100000",
            "--max-wait",
            "30",
        ],
    );
    let http = reqwest::Client::builder().timeout(Duration::from_secs(45)).pool_max_idle_per_host(1024).build()?;
    let photos = (0..3).map(photo).collect::<anyhow::Result<Vec<_>>>()?;
    let photo_kb = photos.iter().map(Vec::len).sum::<usize>() / photos.len() / 1024;
    let ctx = Arc::new(Ctx {
        url: server.url.clone(),
        http,
        stats: Stats::default(),
        sms: Mutex::new(SmsTail { path: server.sms_path(), offset: 0, partial: String::new(), codes: HashMap::new() }),
        citizens: Vec::new(),
        filed: Mutex::new(Vec::new()),
        photos,
        staff: Mutex::new(HashMap::new()),
        stop: AtomicBool::new(false),
        next_phone: AtomicU64::new(0),
        in_flight: Arc::new(Semaphore::new(MAX_IN_FLIGHT)),
    });

    // The filing citizens log in first (through the SMS file, as everyone does).
    let mut citizens = Vec::with_capacity(CITIZENS);
    for i in 0..CITIZENS {
        let phone = format!("0912{:07}", 5_000_000 + i);
        let token = ctx.otp_login(&phone).await.with_context(|| format!("citizen {phone} could not log in"))?;
        citizens.push(Citizen { phone, token: Mutex::new(token) });
    }
    let ctx = Arc::new(Ctx { citizens, ..Arc::into_inner(ctx).context("setup still shared")? });
    ctx.stats.kinds.lock().unwrap_or_else(|e| e.into_inner()).clear();
    for role in ["expert", "inspector", "taazirat"] {
        ctx.staff_token(role).await.with_context(|| format!("{role} could not log in"))?;
    }

    println!(
        "mixed load for {seconds} s at scale {scale} against {} (pid {}), {CITIZENS} filing citizens, {LONG_POLLS} long-polls, photos ~{photo_kb} KB",
        binary.display(),
        server.pid().unwrap_or(0)
    );
    let started = Instant::now();
    // `--only file,poll` runs part of the mix (to find what a change in memory comes from).
    let only: Option<Vec<String>> = arg::<String>(&args, "--only").map(|s| s.split(',').map(str::to_owned).collect());
    let on = |part: &str, rate: f64| if only.as_ref().is_none_or(|o| o.iter().any(|p| p == part)) { rate * scale } else { 0.0 };
    let mut tasks = vec![
        paced(ctx.clone(), "login: OTP request", on("login", 5.0), login_one),
        paced(ctx.clone(), "staff password guess", on("guess", 20.0), guess_one),
        paced(ctx.clone(), "staff login", on("staff-login", 0.5), staff_login_one),
        paced(ctx.clone(), "file complaint", on("file", 10.0), file_one),
        paced(ctx.clone(), "public tracking", on("track", 40.0), track_one),
        paced(ctx.clone(), "citizen reads complaint", on("read", 20.0), read_one),
        paced(ctx.clone(), "staff move", on("move", 4.0), |c| move_one(c, "expert")),
        paced(ctx.clone(), "staff move", on("move", 2.0), |c| move_one(c, "inspector")),
        paced(ctx.clone(), "staff move", on("move", 2.0), |c| move_one(c, "taazirat")),
    ];
    if on("poll", 1.0) > 0.0 {
        for i in 0..LONG_POLLS {
            tasks.push(tokio::spawn(long_poll(ctx.clone(), i % CITIZENS)));
        }
    }

    // Sample memory every second; print every five.
    let mut samples: Vec<(u64, f64, f64)> = Vec::new();
    let mut restarted = false;
    let mut acked_before_kill = Vec::new();
    let mut answered_before = 0;
    println!("{:>5} {:>9} {:>9} {:>9} {:>7} {:>7}  healthz", "t (s)", "RSS (MB)", "anon (MB)", "answers", "4xx", "5xx");
    while started.elapsed() < Duration::from_secs(seconds) {
        tokio::time::sleep(Duration::from_secs(1)).await;
        let t = started.elapsed().as_secs();
        if let Some(at) = restart_at {
            if !restarted && t >= at {
                acked_before_kill = ctx.filed.lock().unwrap_or_else(|e| e.into_inner()).clone();
                println!("{t:>5}  -- SIGKILL the server ({} complaints acknowledged so far), start it again", acked_before_kill.len());
                // The restart blocks while the new process comes up; the load keeps running.
                tokio::task::block_in_place(|| server.restart());
                restarted = true;
            }
        }
        let Some((rss, anon)) = server.pid().and_then(rss_mb) else { continue };
        samples.push((t, rss, anon));
        if t.is_multiple_of(5) {
            let (answers, c4, c5) = ctx.stats.totals();
            let h = Instant::now();
            let health = match ctx.send(Method::GET, "/healthz", None, None, None).await {
                Ok((s, _)) => format!("{} in {:.1} ms", s.as_u16(), h.elapsed().as_secs_f64() * 1000.0),
                Err(()) => "no answer".into(),
            };
            println!("{t:>5} {rss:>9.1} {anon:>9.1} {:>9} {:>7} {:>7}  {health}", answers - answered_before, c4, c5);
            answered_before = answers;
        }
    }
    ctx.stop.store(true, Ordering::Relaxed);
    let elapsed = started.elapsed();
    for t in &tasks {
        t.abort();
    }
    // Let what is in flight finish (long-polls were aborted).
    let _ = tokio::time::timeout(Duration::from_secs(30), ctx.in_flight.acquire_many(MAX_IN_FLIGHT as u32)).await;

    // Every acknowledged complaint is in its citizen's list, once.
    let filed = ctx.filed.lock().unwrap_or_else(|e| e.into_inner()).clone();
    let mut by_citizen: HashMap<usize, Vec<String>> = HashMap::new();
    for (i, code) in &filed {
        by_citizen.entry(*i).or_default().push(code.clone());
    }
    let mut doubled = 0usize;
    let mut listed: HashSet<(usize, String)> = HashSet::new();
    for i in by_citizen.keys() {
        let (s, v) = ctx
            .send(Method::GET, "/v1/complaints", Some(&ctx.citizen_token(*i)), None, None)
            .await
            .map_err(|_| anyhow::anyhow!("listing citizen {i}'s complaints: no answer"))?;
        anyhow::ensure!(s.is_success(), "listing citizen {i}'s complaints: {s}");
        let codes: Vec<String> = v.as_array().map(|a| a.iter().filter_map(|c| c["tracking_code"].as_str().map(str::to_owned)).collect()).unwrap_or_default();
        let before = listed.len();
        let n = codes.len();
        listed.extend(codes.into_iter().map(|c| (*i, c)));
        doubled += n - (listed.len() - before);
    }
    let missing = filed.iter().filter(|f| !listed.contains(*f)).count();

    println!();
    println!(
        "{:<26} {:>7} {:>7} {:>8} {:>7} {:>7} {:>8} {:>9} {:>9} {:>9}",
        "request", "ok", "/s", "refused", "4xx", "5xx", "no answer", "not sent", "p50 ms", "p99 ms"
    );
    let mut kinds = ctx.stats.kinds.lock().unwrap_or_else(|e| e.into_inner());
    let mut total_ok = 0;
    for (name, k) in kinds.iter_mut() {
        k.latencies_us.sort_unstable();
        let pct = |p: f64| k.latencies_us.get(((k.latencies_us.len().max(1) - 1) as f64 * p).round() as usize).map_or(f64::NAN, |&us| us as f64 / 1000.0);
        total_ok += k.ok + k.refused;
        println!(
            "{name:<26} {:>7} {:>7.1} {:>8} {:>7} {:>7} {:>8} {:>9} {:>9.1} {:>9.1}",
            k.ok,
            k.ok as f64 / elapsed.as_secs_f64(),
            k.refused,
            k.client_errors,
            k.server_errors,
            k.no_answer,
            k.not_sent,
            pct(0.5),
            pct(0.99)
        );
    }
    println!(
        "answered: {total_ok} in {:.0} s = {:.0} requests/s (long-polls count when they return)",
        elapsed.as_secs_f64(),
        total_ok as f64 / elapsed.as_secs_f64()
    );

    let third = samples.len() / 3;
    let avg = |s: &[(u64, f64, f64)], anon: bool| s.iter().map(|x| if anon { x.2 } else { x.1 }).sum::<f64>() / s.len().max(1) as f64;
    if samples.len() >= 3 {
        let (first, last) = (&samples[..third], &samples[samples.len() - third..]);
        let max = samples.iter().map(|s| s.1).fold(0.0, f64::max);
        println!(
            "server RSS: first third {:.1} MB (anon {:.1}), last third {:.1} MB (anon {:.1}), peak {max:.1} MB, after {:.0} s",
            avg(first, false),
            avg(first, true),
            avg(last, false),
            avg(last, true),
            samples.last().map_or(0, |s| s.0)
        );
        // The median of each minute: transient peaks (a photo being decoded, a password being
        // hashed) come and go; a leak shows as medians that keep rising.
        let medians: Vec<String> = samples
            .chunks(60)
            .map(|m| {
                let mut v: Vec<f64> = m.iter().map(|s| s.1).collect();
                v.sort_by(f64::total_cmp);
                format!("{:.0}", v[v.len() / 2])
            })
            .collect();
        println!("server RSS median per minute (MB): {}", medians.join(", "));
    }
    println!("complaints acknowledged: {}; missing afterwards: {missing}; listed twice: {doubled}", filed.len());
    if restarted {
        let survived = acked_before_kill.iter().filter(|f| listed.contains(*f)).count();
        println!("acknowledged before the SIGKILL: {}; found after it: {survived}", acked_before_kill.len());
    }
    drop(kinds);
    server.kill();
    anyhow::ensure!(missing == 0 && doubled == 0, "acknowledged complaints were lost or doubled");
    Ok(())
}
