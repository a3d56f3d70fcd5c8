//! The citizen's whole journey in Persian, end to end against the real server: a complaint
//! filed by guild ID alone is named by the registry everywhere (lists, pages, queues, SMS);
//! a citizen who filed by phone is told in the SMS and by `track` how to answer the business;
//! every SMS writes numbers in Persian digits but the tracking and login codes; refusals carry
//! their Persian message and no Rust name; and the `samat` CLI walks the whole path, with Jalali
//! dates, the next command to run, the tracking codes a sync got, and each event reported once
//! between `watch` and `sync`.

use std::process::{Command, Stdio};
use std::time::Duration;

use reqwest::StatusCode;
use samat_core::model::labels::error_message_fa;
use samat_tests::{Api, Server};
use serde_json::{json, Value};
use uuid::Uuid;

fn server() -> Server {
    Server::start(env!("CARGO_BIN_EXE_e2e-server"), &[])
}

async fn must_move(staff: &Api, code: &str, body: Value) {
    let (st, b) = staff.post(&format!("/v1/staff/complaints/{code}/transition"), body).await;
    assert_eq!(st, StatusCode::OK, "{b}");
}

async fn guild_answers(srv: &Server, code: &str, answer: &str) {
    let guild = srv.staff("guild").await;
    let (st, b) = guild.post(&format!("/v1/staff/complaints/{code}/notes"), json!({"note": answer, "visible_to_citizen": true})).await;
    assert_eq!(st, StatusCode::CREATED, "{b}");
}

/// `text` without the tracking code, the login code and web addresses: what must be in
/// Persian digits.
fn numbers_people_read(text: &str, code: &str) -> String {
    let without_code = text.replace(code, "");
    let login = samat_tests::otp_in(&without_code).filter(|_| text.contains("کد ورود")).unwrap_or_default();
    without_code.replace(&login, "").replace("124.ir", "")
}

#[tokio::test]
async fn a_complaint_filed_by_guild_id_alone_is_named_everywhere() {
    let srv = server();
    let citizen = srv.citizen("09121110031").await;
    let body = json!({
        "client_id": Uuid::new_v4().to_string(),
        "category": "no_invoice",
        "description": "فاکتور نداد",
        "guild_id": "۱۰۰۱۰۰۱۰۰۱۱",
    });
    let (st, filed) = citizen.post("/v1/complaints", body).await;
    assert_eq!(st, StatusCode::CREATED, "{filed}");
    assert_eq!(filed["business_name"], "سوپرمارکت نمونه", "the answer names the shop: {filed}");
    let code = filed["tracking_code"].as_str().unwrap().to_owned();

    let (_, list) = citizen.get("/v1/complaints").await;
    assert_eq!(list[0]["business_name"], "سوپرمارکت نمونه", "{list}");
    let (_, detail) = citizen.get(&format!("/v1/complaints/{code}")).await;
    assert_eq!(detail["business_address"], "خیابان انقلاب، پلاک ۱۲");
    assert_eq!(detail["city"], "تهران");
    assert_eq!(detail["next_step"], "wait");
    let expert = srv.staff("expert").await;
    let (_, queue) = expert.get("/v1/staff/queue").await;
    let item = queue["items"].as_array().unwrap().iter().find(|i| i["tracking_code"] == code.as_str()).cloned().unwrap();
    assert_eq!(item["business_name"], "سوپرمارکت نمونه", "{item}");
    srv.wait_sms("+989121110031", |s| s.text.contains(&code) && s.text.contains("از «سوپرمارکت نمونه» ثبت شد")).await;

    // An operator filing for a caller by guild ID alone: the same.
    let operator = srv.staff("operator").await;
    let (st, taken) = operator
        .post("/v1/staff/intake", json!({"phone": "09121110032", "channel": "phone", "category": "fraud", "description": "کم‌فروشی", "guild_id": "20020020021"}))
        .await;
    assert_eq!(st, StatusCode::CREATED, "{taken}");
    assert_eq!(taken["business_name"], "نانوایی سنگک برکت");
    srv.wait_sms("+989121110032", |s| s.text.contains("«نانوایی سنگک برکت»")).await;
}

#[tokio::test]
async fn a_citizen_who_filed_by_phone_is_told_how_to_answer_and_reads_persian_numbers() {
    let srv = server();
    let phone = "+989121110033";
    let operator = srv.staff("operator").await;
    let (st, taken) = operator
        .post(
            "/v1/staff/intake",
            json!({"phone": "۰۹۱۲۱۱۱۰۰۳۳", "channel": "counter", "category": "no_invoice", "description": "پول را پس نداد", "guild_id": "10010010012", "wants_compensation": true}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{taken}");
    let code = taken["tracking_code"].as_str().unwrap().to_owned();
    let expert = srv.staff("expert").await;
    must_move(&expert, &code, json!({"to": "expert_review"})).await;
    must_move(&expert, &code, json!({"to": "self_regulation", "note": "ارجاع به اتحادیه"})).await;
    let asked = srv.wait_sms(phone, |s| s.text.contains("ارجاع به حوزه خودتنظیمی")).await;
    for way in ["همین شماره همراه", "اپلیکیشن صمت ما", "124.ir", "samat"] {
        assert!(asked.text.contains(way), "{way} in {}", asked.text);
    }
    guild_answers(&srv, &code, "فروشنده پول را پس می‌دهد").await;
    let answered = srv.wait_sms(phone, |s| s.text.contains("پاسخ داد")).await;
    assert!(answered.text.contains("samat") && answered.text.contains("«لوازم خانگی امید»"), "{}", answered.text);

    // Public tracking, no login: the business's answer and how to answer it.
    let nobody = Api::new(&srv.url, None);
    let (st, tracked) = nobody.get(&format!("/v1/track/{code}?phone=09121110033")).await;
    assert_eq!(st, StatusCode::OK, "{tracked}");
    assert_eq!(tracked["next_step"], "answer_business");
    assert!(tracked["next_step_fa"].as_str().unwrap().contains("samat"), "{tracked}");

    // Logging in with that phone, the citizen answers.
    let citizen = srv.citizen("09121110033").await;
    let (st, _) = citizen.post(&format!("/v1/complaints/{code}/decision"), json!({"accept": false})).await;
    assert_eq!(st, StatusCode::OK);
    let inspector = srv.staff("inspector").await;
    must_move(&inspector, &code, json!({"to": "inspection_reported", "note": "گزارش"})).await;
    must_move(&inspector, &code, json!({"to": "taazirat", "note": "پرونده"})).await;
    let taazirat = srv.staff("taazirat").await;
    must_move(&taazirat, &code, json!({"to": "verdict", "details": {"violation": true, "penalty_rials": 50_000_000, "compensation_rials": 2_500_000}})).await;
    let verdict = srv.wait_sms(phone, |s| s.text.contains("رأی تعزیرات")).await;
    assert!(verdict.text.contains("تخلف محرز شد") && verdict.text.contains("۵۰٬۰۰۰٬۰۰۰ ریال") && verdict.text.contains("۲٬۵۰۰٬۰۰۰ ریال"), "{}", verdict.text);
    let (_, tracked) = nobody.get(&format!("/v1/track/{code}?phone=09121110033")).await;
    assert_eq!(tracked["next_step"], "read_verdict");

    // Every SMS this citizen got: Latin digits only in the tracking code and the login code.
    let all: Vec<_> = srv.sms().into_iter().filter(|s| s.to == phone).collect();
    assert!(all.len() >= 8, "{all:?}");
    for s in all {
        let rest = numbers_people_read(&s.text, &code);
        assert!(!rest.chars().any(|c| c.is_ascii_digit()), "Latin digits outside the codes: {}", s.text);
    }
}

#[tokio::test]
async fn refusals_carry_their_persian_message_and_no_rust_names() {
    let srv = server();
    let citizen = srv.citizen("09121110034").await;
    let (st, filed) = citizen
        .post("/v1/complaints", json!({"client_id": Uuid::new_v4().to_string(), "category": "fraud", "description": "x", "guild_id": "10010010011"}))
        .await;
    assert_eq!(st, StatusCode::CREATED);
    let code = filed["tracking_code"].as_str().unwrap();
    let operator = srv.staff("operator").await;
    for to in ["expert_review", "inspection_reported", "verdict"] {
        let (st, problem) = operator.post(&format!("/v1/staff/complaints/{code}/transition"), json!({"to": to, "note": "x"})).await;
        assert!(st == StatusCode::FORBIDDEN || st == StatusCode::CONFLICT, "{problem}");
        let detail = problem["detail"].as_str().unwrap();
        for rust in ["Staff(", "Operator", "ExpertReview", "InspectionReported", "Received"] {
            assert!(!detail.contains(rust), "{rust} in {detail}");
        }
        assert_eq!(problem["message_fa"], error_message_fa(problem["code"].as_str().unwrap()), "{problem}");
    }
    let (st, problem) = citizen.post("/v1/complaints", json!({"client_id": Uuid::new_v4().to_string()})).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    for f in problem["fields"].as_array().unwrap() {
        assert_eq!(f["message_fa"], error_message_fa(f["code"].as_str().unwrap()), "{f}");
    }
}

fn samat(data: &std::path::Path, server: &str, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_e2e-samat"));
    c.arg("--data-dir").arg(data).args(["--server", server]).args(args).stdin(Stdio::null());
    c
}

/// Runs `samat` and returns its stdout, failing the test with stderr when it fails.
fn ok(data: &std::path::Path, server: &str, args: &[&str]) -> String {
    let out = samat(data, server, args).output().unwrap();
    assert!(out.status.success(), "samat {args:?} failed:\n{}\n{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

fn seqs_of_lines(text: &str) -> Vec<i64> {
    text.lines().filter_map(|l| serde_json::from_str::<Value>(l).ok()).filter_map(|v| v["event"]["seq"].as_i64()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_walks_the_whole_journey_in_persian() {
    let srv = server();
    let dir = tempfile::tempdir().unwrap();
    let (d, url) = (dir.path(), srv.url.as_str());
    let after = srv.last_sms_id();
    ok(d, url, &["login", "09121110035", "--no-wait"]);
    let otp = srv.otp_for("09121110035", after).await;
    ok(d, url, &["verify", &otp]);

    // A complaint by guild ID alone, queued, then sent: the sync says its tracking code.
    let draft: Value = serde_json::from_str(&ok(
        d,
        url,
        &[
            "--json",
            "draft",
            "new",
            "--category",
            "no_invoice",
            "--description",
            "فاکتور نداد",
            "--guild-id",
            "۱۰۰۱۰۰۱۰۰۱۱",
            "--compensation",
            "--amount",
            "۲٬۵۰۰٬۰۰۰",
        ],
    ))
    .unwrap();
    ok(d, url, &["submit", draft["id"].as_str().unwrap()]);
    let synced = ok(d, url, &["sync"]);
    let code = synced.lines().find_map(|l| l.strip_prefix("filed: tracking code ")).map(|rest| rest[..10].to_owned()).unwrap_or_else(|| panic!("{synced}"));
    let list = ok(d, url, &["list"]);
    assert!(list.contains(&code) && list.contains("سوپرمارکت نمونه") && list.contains("ثبت شد (Received)"), "{list}");
    assert!(list.contains("۱۴"), "Jalali dates with Persian digits: {list}");

    // Self-regulation: `show` quotes the business's answer and says what to run.
    let expert = srv.staff("expert").await;
    must_move(&expert, &code, json!({"to": "expert_review"})).await;
    must_move(&expert, &code, json!({"to": "self_regulation", "note": "ارجاع به اتحادیه"})).await;
    guild_answers(&srv, &code, "فاکتور را فردا می‌دهیم").await;
    let shown = ok(d, url, &["show", &code]);
    for expected in [
        "فاکتور را فردا می‌دهیم",
        &format!("samat decide {code} accept"),
        &format!("samat decide {code} reject"),
        "ارجاع به حوزه خودتنظیمی (Referred to guild self-regulation)",
        "۲٬۵۰۰٬۰۰۰ ریال (2,500,000 rials)",
    ] {
        assert!(shown.contains(expected), "{expected} in:\n{shown}");
    }
    assert!(!shown.contains(&format!("{}-{}", &code[..3], &code[3..6])), "one format for tracking codes:\n{shown}");
    let iso = ok(d, url, &["--gregorian", "show", &code]);
    // A Jalali date reads «۷ آذر ۱۴۰۵»: a month name between Persian digits.
    let jalali_date = samat_core::model::jalali::MONTHS_FA.iter().any(|m| iso.contains(&format!(" {m} ۱۴")));
    let history: Vec<&str> =
        iso.lines().skip_while(|l| !l.starts_with("history:")).skip(1).take_while(|l| l.starts_with("  ")).filter(|l| !l.starts_with("      ")).collect();
    assert!(!history.is_empty() && history.iter().all(|l| l.trim_start().starts_with("20")), "history lines start with an ISO date:\n{iso}");
    assert!(iso.contains("+03:30") && !jalali_date && !iso.contains("۱۴۰"), "ISO dates with --gregorian:\n{iso}");
    assert!(history.iter().all(|l| !l.split_whitespace().next().unwrap_or_default().contains('.')), "to the second:\n{iso}");

    // `decide` pulls the next stage without printing it; `watch` reports it.
    ok(d, url, &["decide", &code, "reject"]);
    let watched = ok(d, url, &["--json", "watch", "--once", "--wait", "0"]);
    assert!(watched.contains("\"inspection\""), "{watched}");

    // `watch` running beside `sync`: each event reported once between them.
    let mut watch = samat(d, url, &["--json", "watch", "--wait", "5"]).stdout(Stdio::piped()).stderr(Stdio::null()).spawn().unwrap();
    let watched_out = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let reader = {
        let (out, stdout) = (watched_out.clone(), watch.stdout.take().unwrap());
        std::thread::spawn(move || {
            use std::io::BufRead;
            for line in std::io::BufReader::new(stdout).lines().map_while(Result::ok) {
                out.lock().unwrap().push_str(&(line + "\n"));
            }
        })
    };
    srv.wait_sync_waiters(1).await;
    let inspector = srv.staff("inspector").await;
    must_move(&inspector, &code, json!({"to": "inspection_reported", "note": "فاکتور صادر نمی‌شود"})).await;
    must_move(&inspector, &code, json!({"to": "taazirat", "note": "پرونده"})).await;
    let taazirat = srv.staff("taazirat").await;
    must_move(&taazirat, &code, json!({"to": "verdict", "details": {"violation": true, "penalty_rials": 50_000_000}})).await;
    let synced: Value = serde_json::from_str(&ok(d, url, &["--json", "sync"])).unwrap();
    let by_sync: Vec<i64> = synced["new_events"].as_array().unwrap().iter().filter_map(|e| e["event"]["seq"].as_i64()).collect();
    let (_, detail) = srv.citizen("09121110035").await.get(&format!("/v1/complaints/{code}")).await;
    let last_three: Vec<i64> = detail["events"].as_array().unwrap().iter().rev().take(3).filter_map(|e| e["seq"].as_i64()).collect();
    // Wait until watch and sync between them have reported all three (or a deadline passes).
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while !last_three.iter().all(|seq| by_sync.contains(seq) || seqs_of_lines(&watched_out.lock().unwrap()).contains(seq)) {
        assert!(std::time::Instant::now() < deadline, "watch never reported {last_three:?}: {}", watched_out.lock().unwrap());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // And until watch is parked in its long poll again: whatever it was going to print about
    // these events (a second copy of one included), it has printed.
    srv.wait_sync_waiters(1).await;
    unsafe { libc::kill(watch.id() as i32, libc::SIGINT) };
    watch.wait().unwrap();
    reader.join().unwrap();
    let mut reported: Vec<i64> = seqs_of_lines(&watched_out.lock().unwrap());
    reported.extend(by_sync);
    for seq in last_three {
        assert_eq!(reported.iter().filter(|s| **s == seq).count(), 1, "event {seq} reported once between watch and sync: {reported:?}");
    }

    // The verdict in Persian with the English beside it.
    let shown = ok(d, url, &["show", &code]);
    assert!(shown.contains("تخلف محرز شد") && shown.contains("(violation found; penalty 50,000,000 rials)"), "{shown}");
}
