//! Helpers for the end-to-end tests: start the real server binary on a free port with a temp
//! SQLite database and SMS written to a file, kill and restart it, read the SMS it sent, and
//! speak its HTTP API as a citizen or a staff member.

pub mod dovecot;

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde::Deserialize;
use serde_json::{json, Value};

/// A running server process.
pub struct Server {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    /// The port (kept across restarts).
    pub port: u16,
    dir: std::sync::Arc<tempfile::TempDir>,
    database: String,
    binary: PathBuf,
    extra: Vec<String>,
    child: Option<Child>,
}

/// Whether the end-to-end servers run on PostgreSQL (`SAMAT_TEST_BACKEND=postgres`, with
/// `SAMAT_TEST_POSTGRES` naming a cluster, as `scripts/with-postgres` sets) rather than on
/// SQLite, the default.
pub fn on_postgres() -> bool {
    std::env::var("SAMAT_TEST_BACKEND").is_ok_and(|b| b == "postgres")
}

/// A fresh, empty database for one test server: a new PostgreSQL database on the cluster
/// of `SAMAT_TEST_POSTGRES` when [`on_postgres`], else a SQLite file in `dir`.
pub fn test_database(dir: &Path) -> String {
    if on_postgres() {
        fresh_postgres_database()
    } else {
        format!("sqlite://{}", dir.join("samat.db").display())
    }
}

/// Creates an empty database on the cluster `SAMAT_TEST_POSTGRES` names and returns its URL.
pub fn fresh_postgres_database() -> String {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let admin = std::env::var("SAMAT_TEST_POSTGRES").expect("SAMAT_TEST_POSTGRES names a PostgreSQL cluster (scripts/with-postgres sets it)");
    let name = format!("samat_{}_{}", std::process::id(), NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
    let out = Command::new("psql").args([admin.as_str(), "-q", "-v", "ON_ERROR_STOP=1", "-c", &format!("CREATE DATABASE {name}")]).output().expect("run psql");
    assert!(out.status.success(), "CREATE DATABASE {name}: {}", String::from_utf8_lossy(&out.stderr));
    let base = admin.rsplit_once('/').map(|(base, _)| base).unwrap_or(&admin);
    format!("{base}/{name}")
}

/// Whether something on `port` answers an HTTP request (any status).
fn answers_http(port: u16) -> bool {
    use std::io::{Read, Write};
    let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", port)) else { return false };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    let _ = stream.set_write_timeout(Some(Duration::from_secs(2)));
    let mut head = [0u8; 5];
    stream.write_all(b"GET /healthz HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").is_ok() && stream.read_exact(&mut head).is_ok() && &head == b"HTTP/"
}

/// A free loopback port.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("free port")
}

impl Server {
    /// Starts `binary` with `--demo`, a temp database and file SMS, plus `extra` flags.
    pub fn start(binary: &str, extra: &[&str]) -> Server {
        let dir = tempfile::tempdir().expect("temp dir");
        let database = test_database(dir.path());
        Server::start_in(binary, dir, database, extra)
    }

    /// Starts `binary` as [`Server::start`] does, on the database `database` names.
    pub fn start_on(binary: &str, database: &str, extra: &[&str]) -> Server {
        Server::start_in(binary, tempfile::tempdir().expect("temp dir"), database.to_owned(), extra)
    }

    fn start_in(binary: &str, dir: tempfile::TempDir, database: String, extra: &[&str]) -> Server {
        let port = free_port();
        let mut s = Server {
            url: format!("http://127.0.0.1:{port}"),
            port,
            dir: std::sync::Arc::new(dir),
            database,
            binary: binary.into(),
            extra: extra.iter().map(|s| s.to_string()).collect(),
            child: None,
        };
        s.spawn();
        s
    }

    /// Starts `n` processes of `binary` at the same moment on one fresh database and SMS file
    /// (replicas starting together, each seeding the demo data), each on a port of its own.
    pub fn start_many(binary: &str, n: usize, extra: &[&str]) -> Vec<Server> {
        let dir = std::sync::Arc::new(tempfile::tempdir().expect("temp dir"));
        let database = test_database(dir.path());
        let mut servers: Vec<Server> = (0..n)
            .map(|_| {
                let port = free_port();
                Server {
                    url: format!("http://127.0.0.1:{port}"),
                    port,
                    dir: dir.clone(),
                    database: database.clone(),
                    binary: binary.into(),
                    extra: extra.iter().map(|s| s.to_string()).collect(),
                    child: None,
                }
            })
            .collect();
        servers.iter_mut().for_each(Server::launch);
        servers.iter_mut().for_each(|s| s.become_ready(true));
        servers
    }

    /// Starts another process of `binary` on the same database and SMS file (a replica
    /// behind the same load balancer), on a port of its own, with `extra` flags.
    pub fn replica(&self, extra: &[&str]) -> Server {
        let port = free_port();
        let mut s = Server {
            url: format!("http://127.0.0.1:{port}"),
            port,
            dir: self.dir.clone(),
            database: self.database.clone(),
            binary: self.binary.clone(),
            extra: extra.iter().map(|s| s.to_string()).collect(),
            child: None,
        };
        s.spawn();
        s
    }

    /// The database URL the server runs on.
    pub fn database(&self) -> &str {
        &self.database
    }

    /// The folder holding the database and the SMS file.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The SMS file.
    pub fn sms_path(&self) -> PathBuf {
        self.dir.path().join("sms.jsonl")
    }

    fn launch(&mut self) {
        let db = self.database.clone();
        let sms = format!("file:{}", self.sms_path().display());
        let log = std::fs::OpenOptions::new().create(true).append(true).open(self.log_path()).expect("log file");
        let child = Command::new(&self.binary)
            .args(["--demo", "--database", &db, "--sms", &sms, "--listen", &format!("127.0.0.1:{}", self.port)])
            .args(if self.extra.iter().any(|e| e == "--metrics-token") { None } else { Some("--public-metrics") })
            .args(self.default_limits())
            .args(&self.extra)
            .env("SAMAT_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start server");
        self.child = Some(child);
    }

    fn spawn(&mut self) {
        self.launch();
        self.become_ready(true);
    }

    /// Generous rate limits so tests can log in often, unless the test sets a limit itself.
    fn default_limits(&self) -> Vec<&'static str> {
        [
            ("--otp-per-ip-per-hour", "100000"),
            ("--otp-per-phone-per-hour", "1000"),
            ("--staff-logins-per-15min", "100000"),
            ("--staff-logins-per-ip-per-15min", "100000"),
            ("--track-per-ip-per-minute", "100000"),
            ("--complaints-per-citizen-per-day", "1000000"),
            ("--photo-mb-per-citizen-per-day", "100000"),
        ]
        .into_iter()
        .filter(|(flag, _)| !self.extra.iter().any(|e| e == flag))
        .flat_map(|(f, v)| [f, v])
        .collect()
    }

    /// The file the process writes its log to (one per port, so replicas keep theirs apart).
    pub fn log_path(&self) -> PathBuf {
        self.dir.path().join(format!("server-{}.log", self.port))
    }

    /// Waits until the launched process answers HTTP. One that exited first (its port was
    /// taken between [`free_port`] and its bind, by another test's server or outgoing
    /// connection) is launched again: on a new port when `may_move`, else on its own port
    /// once that is free again (a restart keeps its URL).
    fn become_ready(&mut self, may_move: bool) {
        for _ in 0..5 {
            if self.wait_ready() {
                return;
            }
            if may_move {
                self.port = free_port();
                self.url = format!("http://127.0.0.1:{}", self.port);
            } else {
                std::thread::sleep(Duration::from_millis(250));
            }
            self.launch();
        }
        panic!("server exited at every start; log:\n{}", std::fs::read_to_string(self.log_path()).unwrap_or_default());
    }

    /// `true` once the process answers an HTTP request on its port, `false` if it exited
    /// first. A bare TCP connect is not enough: with nothing listening, a connection from an
    /// ephemeral port equal to the target port connects to itself.
    fn wait_ready(&mut self) -> bool {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Some(child) = self.child.as_mut() {
                if matches!(child.try_wait(), Ok(Some(_))) {
                    self.child = None;
                    return false;
                }
            }
            if answers_http(self.port) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("server did not start; log:\n{}", std::fs::read_to_string(self.log_path()).unwrap_or_default());
    }

    /// The process id, while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// SIGKILL: no shutdown, no flush beyond what was committed.
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// SIGTERM and wait for a graceful exit; returns whether it exited successfully.
    pub fn terminate(&mut self) -> bool {
        match self.child.take() {
            Some(mut c) => {
                unsafe { libc::kill(c.id() as i32, libc::SIGTERM) };
                c.wait().map(|s| s.success()).unwrap_or(false)
            }
            None => true,
        }
    }

    /// Starts the process again on the same port and database.
    pub fn restart(&mut self) {
        self.kill();
        self.launch();
        self.become_ready(false);
    }

    /// Every SMS written so far.
    pub fn sms(&self) -> Vec<Sms> {
        let Ok(f) = std::fs::File::open(self.sms_path()) else { return Vec::new() };
        BufReader::new(f).lines().map_while(Result::ok).filter_map(|l| serde_json::from_str(&l).ok()).collect()
    }

    /// Waits until an SMS to `phone` matching `pred` arrives and returns it.
    pub async fn wait_sms(&self, phone: &str, pred: impl Fn(&Sms) -> bool) -> Sms {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(s) = self.sms().into_iter().rev().find(|s| s.to == phone && pred(s)) {
                return s;
            }
            assert!(Instant::now() < deadline, "no matching SMS to {phone}; got {:?}", self.sms());
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// A figure from the server's `/metrics` (public on test servers unless a test sets a
    /// token): the sum of every sample named `name` (e.g. `samat_outbox_pending`), 0 when absent.
    pub async fn metric(&self, name: &str) -> f64 {
        let text = reqwest::get(format!("{}/metrics", self.url))
            .await
            .and_then(|r| r.error_for_status())
            .expect("/metrics answers")
            .text()
            .await
            .expect("/metrics body");
        metric_in(&text, name)
    }

    /// Waits (20 s at most) until the server has nothing left to send: no SMS and no push
    /// waiting in its outboxes. Every message a request already answered could have caused is
    /// queued in the same commit as the change, so what a test counts afterwards is final:
    /// "exactly one SMS" needs no sleep to see that a second does not come.
    pub async fn settled(&self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let (sms, pushes) = (self.metric("samat_outbox_pending").await, self.metric("samat_push_outbox_pending").await);
            if sms == 0.0 && pushes == 0.0 {
                return;
            }
            assert!(Instant::now() < deadline, "the outboxes still hold {sms} SMS and {pushes} pushes after 20 s");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Waits (20 s at most) until `n` long-polls are parked on the server (`samat_sync_waiters`).
    pub async fn wait_sync_waiters(&self, n: usize) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while self.metric("samat_sync_waiters").await < n as f64 {
            assert!(Instant::now() < deadline, "{n} long-polls are not waiting after 20 s");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// The newest login code sent to `phone` after SMS number `after` (an SMS id), waiting for it.
    pub async fn otp_for(&self, phone: &str, after: i64) -> String {
        let canonical = samat_core::model::PhoneNumber::parse(phone).expect("test phone").to_string();
        let sms = self.wait_sms(&canonical, |s| s.id > after && s.text.contains("کد ورود")).await;
        otp_in(&sms.text).expect("code in SMS")
    }

    /// The id of the newest SMS so far (0 when none).
    pub fn last_sms_id(&self) -> i64 {
        self.sms().iter().map(|s| s.id).max().unwrap_or(0)
    }

    /// Logs a core [`samat_core::Client`] in through OTP read from the SMS file.
    pub async fn login_client(&self, client: &samat_core::Client, phone: &str) {
        let after = self.last_sms_id();
        client.request_otp(phone).await.expect("otp requested");
        let code = self.otp_for(phone, after).await;
        client.verify_otp(phone, &code).await.expect("verified");
    }

    /// Logs a citizen in through OTP read from the SMS file; returns their API.
    pub async fn citizen(&self, phone: &str) -> Api {
        let api = Api::new(&self.url, None);
        let canonical = samat_core::model::PhoneNumber::parse(phone).expect("test phone").to_string();
        let before = self.sms().len();
        let (st, body) = api.call(Method::POST, "/v1/auth/otp", Some(json!({ "phone": phone }))).await;
        assert_eq!(st, StatusCode::ACCEPTED, "{body}");
        let deadline = Instant::now() + Duration::from_secs(20);
        let code = loop {
            let all = self.sms();
            if let Some(s) = all.iter().skip(before).rev().find(|s| s.to == canonical && s.text.contains("کد ورود")) {
                break otp_in(&s.text).expect("code in SMS");
            }
            assert!(Instant::now() < deadline, "no OTP SMS");
            tokio::time::sleep(Duration::from_millis(20)).await;
        };
        let (st, body) = api.call(Method::POST, "/v1/auth/verify", Some(json!({ "phone": phone, "code": code }))).await;
        assert_eq!(st, StatusCode::OK, "{body}");
        Api::new(&self.url, body["token"].as_str().map(str::to_owned))
    }

    /// Logs in the demo staff account of `role`.
    pub async fn staff(&self, role: &str) -> Api {
        let api = Api::new(&self.url, None);
        let (st, body) = api.call(Method::POST, "/v1/staff/login", Some(json!({ "username": role, "password": "demo" }))).await;
        assert_eq!(st, StatusCode::OK, "{body}");
        Api::new(&self.url, body["token"].as_str().map(str::to_owned))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The sum of the samples named `name` in a Prometheus text exposition (0 when there are none).
pub fn metric_in(exposition: &str, name: &str) -> f64 {
    exposition
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| {
            let (series, value) = l.rsplit_once(' ')?;
            let metric = series.split('{').next()?;
            (metric == name).then(|| value.parse::<f64>().ok()).flatten()
        })
        .sum()
}

/// The six-digit code in an OTP SMS.
pub fn otp_in(text: &str) -> Option<String> {
    text.split(|c: char| !c.is_ascii_digit()).find(|w| w.len() == 6).map(str::to_owned)
}

/// One line of the SMS file.
#[derive(Debug, Clone, Deserialize)]
pub struct Sms {
    /// Outbox id.
    pub id: i64,
    /// Recipient.
    pub to: String,
    pub text: String,
}

/// A thin JSON client with an optional bearer token.
#[derive(Clone)]
pub struct Api {
    base: String,
    /// The session token.
    pub token: Option<String>,
    http: reqwest::Client,
}

impl Api {
    /// A client for `base`.
    pub fn new(base: &str, token: Option<String>) -> Api {
        Api { base: base.to_owned(), token, http: reqwest::Client::builder().timeout(Duration::from_secs(90)).build().expect("client") }
    }

    /// Sends a request and returns the status and the JSON body (`Null` when empty).
    pub async fn call(&self, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some(t) = &self.token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.expect("request sent");
        let status = resp.status();
        let text = resp.text().await.unwrap_or_default();
        (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }

    /// GET.
    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.call(Method::GET, path, None).await
    }

    /// POST with a JSON body.
    pub async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.call(Method::POST, path, Some(body)).await
    }

    /// The underlying HTTP client, for requests this helper does not shape.
    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// The base URL.
    pub fn base(&self) -> &str {
        &self.base
    }
}
