//! Text messages to the 124 line, end to end against the real server: a fake Kavenegar inbox
//! (read by the server's poller) and the push webhook deliver texts, repeated messages and
//! messages across a restart, each filed or answered exactly once; a phone-only citizen files,
//! follows and answers the business by SMS alone; a stranger's phone cannot act on someone's
//! code; bad secrets are refused and junk texts get the help text, the unreadable ones waiting
//! in the operators' triage list to be filed from there.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Form, Path, State};
use axum::routing::post;
use axum::{Json, Router};
use reqwest::StatusCode;
use samat_core::model::Stage;
use samat_tests::{Api, Server, Sms};
use serde_json::{json, Value};
use std::collections::HashMap;

const SECRET: &str = "inbound-test-secret";
const LINE: &str = "10004346";

/// A request the fake inbox got: `KEY/METHOD` and its form.
type Read = (String, HashMap<String, String>);

/// The fake inbox: what `sms/receive.json` answers, and every request it got.
#[derive(Clone, Default)]
struct Inbox {
    /// Entries answered to every read (a gateway that never marks them read) …
    sticky: Arc<Mutex<Vec<Value>>>,
    /// … and entries answered once.
    unread: Arc<Mutex<Vec<Value>>>,
    reads: Arc<Mutex<Vec<Read>>>,
}

impl Inbox {
    fn deliver(&self, id: u64, from: &str, text: &str) {
        self.unread.lock().unwrap().push(entry(id, from, text));
    }
}

fn entry(id: u64, from: &str, text: &str) -> Value {
    json!({"messageid": id, "message": text, "sender": from, "receptor": LINE, "date": 1_700_000_000})
}

async fn receive(State(inbox): State<Inbox>, Path((key, method)): Path<(String, String)>, Form(form): Form<HashMap<String, String>>) -> Json<Value> {
    inbox.reads.lock().unwrap().push((format!("{key}/{method}"), form));
    let mut entries: Vec<Value> = inbox.sticky.lock().unwrap().clone();
    entries.append(&mut inbox.unread.lock().unwrap());
    Json(json!({"return": {"status": 200, "message": "تایید شد"}, "entries": entries}))
}

async fn fake_inbox() -> (String, Inbox) {
    let inbox = Inbox::default();
    let app = Router::new().route("/v1/{key}/{*method}", post(receive)).with_state(inbox.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, inbox)
}

fn server(inbox_url: &str) -> Server {
    Server::start(
        env!("CARGO_BIN_EXE_e2e-server"),
        &[
            "--inbound-sms-secret",
            SECRET,
            "--kavenegar-url",
            inbox_url,
            "--kavenegar-inbox-key",
            "INBOXKEY",
            "--kavenegar-inbox-line",
            LINE,
            "--kavenegar-inbox-interval",
            "1",
        ],
    )
}

/// Pushes a text through the webhook as Kavenegar forwards it (a form), with the secret.
async fn push(srv: &Server, id: u64, from: &str, text: &str) -> Value {
    let form = [("messageid", id.to_string()), ("from", from.to_owned()), ("to", LINE.to_owned()), ("message", text.to_owned())];
    let resp = reqwest::Client::new().post(format!("{}/v1/inbound/sms?secret={SECRET}", srv.url)).form(&form).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    resp.json().await.unwrap()
}

/// The SMS to `phone` so far.
fn sms_to(srv: &Server, phone: &str) -> Vec<Sms> {
    srv.sms().into_iter().filter(|s| s.to == phone).collect()
}

/// The ten-digit tracking code in an SMS.
fn code_in(text: &str) -> String {
    text.split(|c: char| !c.is_ascii_digit()).find(|w| w.len() == 10).expect("a tracking code").to_owned()
}

/// Waits until `phone` has received `n` SMS matching `pred`; then until the server has read
/// the inbox twice more (so every text the gateway holds, repeats included, was handled after
/// those SMS were seen; webhook texts are handled before their answer) and its outbox is empty.
/// A reply that should not exist would be there by then: the count is final, with no sleep.
async fn exactly(srv: &Server, inbox: &Inbox, phone: &str, n: usize, pred: impl Fn(&Sms) -> bool) -> Vec<Sms> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let got: Vec<Sms> = sms_to(srv, phone).into_iter().filter(&pred).collect();
        if got.len() >= n {
            let reads = inbox.reads.lock().unwrap().len();
            while inbox.reads.lock().unwrap().len() < reads + 2 {
                assert!(Instant::now() < deadline, "the server stopped reading the inbox");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            srv.settled().await;
            let got: Vec<Sms> = sms_to(srv, phone).into_iter().filter(&pred).collect();
            assert_eq!(got.len(), n, "{got:?}");
            return got;
        }
        assert!(
            Instant::now() < deadline,
            "expected {n} SMS to {phone}; got {:?}\nserver log:\n{}",
            sms_to(srv, phone),
            std::fs::read_to_string(srv.log_path()).unwrap_or_default()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn stage_of(staff: &Api, code: &str) -> String {
    let (st, c) = staff.get(&format!("/v1/staff/complaints/{code}")).await;
    assert_eq!(st, StatusCode::OK, "{c}");
    c["stage"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_phone_only_citizen_files_follows_and_answers_the_business_by_sms() {
    let (url, inbox) = fake_inbox().await;
    let srv = server(&url);
    let phone = "+989121117001";
    // Filed by text from the inbox: the tracking code comes back.
    inbox.deliver(7001, "09121117001", "نانوایی سنگک سر کوچه فاکتور نداد و پولم را پس نداد");
    let filed = srv.wait_sms(phone, |s| s.text.contains("شکایت شما")).await;
    let code = code_in(&filed.text);
    let operator = srv.staff("supervisor").await;
    let (_, c) = operator.get(&format!("/v1/staff/complaints/{code}")).await;
    assert_eq!((c["channel"].as_str(), c["category"].as_str()), (Some("sms"), Some("no_invoice")), "{c}");
    let (key, form) = inbox.reads.lock().unwrap()[0].clone();
    assert_eq!(key, "INBOXKEY/sms/receive.json");
    assert_eq!((form["linenumber"].as_str(), form["isread"].as_str()), (LINE, "0"));

    // The code alone, in Persian digits: its stage.
    let persian: String = code.chars().map(|d| char::from_u32(0x06F0 + d.to_digit(10).unwrap()).unwrap()).collect();
    push(&srv, 7002, "09121117001", &persian).await;
    srv.wait_sms(phone, |s| s.text.contains(&code) && s.text.contains(Stage::Received.label_fa()) && s.text.contains("وضعیت")).await;

    // In self-regulation the SMS says how to answer by text; «۲» sends an inspector.
    let expert = srv.staff("expert").await;
    for to in ["expert_review", "self_regulation"] {
        let (st, b) = expert.post(&format!("/v1/staff/complaints/{code}/transition"), json!({"to": to, "note": "ارجاع"})).await;
        assert_eq!(st, StatusCode::OK, "{b}");
    }
    let asked = srv.wait_sms(phone, |s| s.text.contains(Stage::SelfRegulation.label_fa())).await;
    assert!(asked.text.contains("«۱»") && asked.text.contains("«۲»"), "{}", asked.text);
    inbox.deliver(7003, "09121117001", "۲");
    srv.wait_sms(phone, |s| s.text.contains(&code) && s.text.contains(Stage::Inspection.label_fa())).await;
    assert_eq!(stage_of(&operator, &code).await, "inspection");
}

#[tokio::test]
async fn repeated_messages_are_handled_once_by_poller_webhook_and_across_a_restart() {
    let (url, inbox) = fake_inbox().await;
    let mut srv = server(&url);
    let phone = "+989121117002";
    // The gateway answers the same two messages to every read, and pushes one of them too.
    inbox.sticky.lock().unwrap().extend([entry(8001, "09121117002", "فروشگاه محله شیر را گران فروخت"), entry(8002, "09121117002", "راهنما")]);
    push(&srv, 8001, "09121117002", "فروشگاه محله شیر را گران فروخت").await;
    let again = push(&srv, 8001, "09121117002", "فروشگاه محله شیر را گران فروخت").await;
    assert_eq!(again["repeat"], true, "{again}");
    let filed = exactly(&srv, &inbox, phone, 1, |s| s.text.contains("شکایت شما")).await;
    let code = code_in(&filed[0].text);
    exactly(&srv, &inbox, phone, 1, |s| s.text.contains("پاسخ به واحد صنفی")).await;

    // A restart: the poller reads them again, and a new message arrives meanwhile.
    srv.restart();
    // (Answered to every read: a read the killed process sent may still be answered by the
    // fake after the restart, and what it drained would be lost to the test.)
    inbox.sticky.lock().unwrap().push(entry(8003, "09121117002", &code));
    exactly(&srv, &inbox, phone, 1, |s| s.text.contains("وضعیت")).await;
    exactly(&srv, &inbox, phone, 1, |s| s.text.contains("شکایت شما")).await;
    exactly(&srv, &inbox, phone, 1, |s| s.text.contains("پاسخ به واحد صنفی")).await;
    let citizen = srv.citizen("09121117002").await;
    let (_, list) = citizen.get("/v1/complaints").await;
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
    assert_eq!(list[0]["category"], "pricing_violation", "{list}");
}

#[tokio::test]
async fn a_strangers_phone_cannot_act_on_someone_elses_code() {
    let (url, inbox) = fake_inbox().await;
    let srv = server(&url);
    push(&srv, 9001, "09121117003", "قصابی محله کم‌فروشی کرد و گوشت را کمتر داد").await;
    let code = code_in(&srv.wait_sms("+989121117003", |s| s.text.contains("شکایت شما")).await.text);
    let stranger = "+989121117004";
    push(&srv, 9002, "09121117004", &format!("انصراف {code}")).await;
    push(&srv, 9003, "09121117004", &code).await;
    let replies = exactly(&srv, &inbox, stranger, 2, |s| s.text.contains("پیدا نشد")).await;
    assert!(replies.iter().all(|s| !s.text.contains(&code)), "nothing about the complaint: {replies:?}");
    let operator = srv.staff("supervisor").await;
    assert_eq!(stage_of(&operator, &code).await, "received");
    // Its owner may withdraw it.
    push(&srv, 9004, "09121117003", &format!("انصراف {code}")).await;
    srv.wait_sms("+989121117003", |s| s.text.contains(Stage::Withdrawn.label_fa())).await;
    assert_eq!(stage_of(&operator, &code).await, "withdrawn");
}

#[tokio::test]
async fn bad_secrets_are_refused_and_junk_waits_for_an_operator_to_file_it() {
    let (url, inbox) = fake_inbox().await;
    let srv = server(&url);
    let http = reqwest::Client::new();
    let body = json!({"messageid": 1, "from": "09121117005", "to": LINE, "message": "سلام"});
    for (query, header) in [("", None), ("?secret=wrong", None), ("", Some("Bearer wrong")), ("?secret=", None)] {
        let mut req = http.post(format!("{}/v1/inbound/sms{query}", srv.url)).json(&body);
        if let Some(h) = header {
            req = req.header("authorization", h);
        }
        let resp = req.send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::UNAUTHORIZED, "{query} {header:?}");
        let problem: Value = resp.json().await.unwrap();
        assert_eq!(problem["code"], "invalid_inbound_secret");
    }
    // JSON with the secret in a header works too.
    let resp = http.post(format!("{}/v1/inbound/sms", srv.url)).bearer_auth(SECRET).json(&body).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);

    let phone = "+989121117005";
    push(&srv, 2, "09121117005", "").await;
    push(&srv, 3, "09121117005", "\u{0}\u{1}\u{2}\u{3}\u{fffd}").await;
    push(&srv, 4, "09121117005", &"خیلی بد ".repeat(200)).await;
    push(&srv, 5, "09121117005", "برخورد فروشنده با مشتری بسیار زشت بود").await;
    exactly(&srv, &inbox, phone, 4, |s| s.text.contains("راهنما") || s.text.contains("برای ثبت شکایت")).await;
    exactly(&srv, &inbox, phone, 1, |s| s.text.contains("کارشناس ۱۲۴")).await;

    let operator = srv.staff("operator").await;
    let (st, triage) = operator.get("/v1/staff/inbound").await;
    assert_eq!(st, StatusCode::OK, "{triage}");
    let items = triage.as_array().unwrap();
    let reasons: Vec<&str> = items.iter().map(|i| i["reason"].as_str().unwrap()).collect();
    assert_eq!(reasons, ["unreadable", "too_long", "unclassified"], "{triage}");
    assert_eq!(items[2]["text"], "برخورد فروشنده با مشتری بسیار زشت بود");
    let expert = srv.staff("expert").await;
    assert_eq!(expert.get("/v1/staff/inbound").await.0, StatusCode::FORBIDDEN);

    // Filed from the list with the category the operator picked; the citizen gets the code.
    let id = items[2]["id"].as_i64().unwrap();
    let (st, filed) = operator.post(&format!("/v1/staff/inbound/{id}/file"), json!({"category": "other"})).await;
    assert_eq!(st, StatusCode::CREATED, "{filed}");
    let code = filed["tracking_code"].as_str().unwrap();
    srv.wait_sms(phone, |s| s.text.contains(code) && s.text.contains("کد رهگیری")).await;
    let (st, twice) = operator.post(&format!("/v1/staff/inbound/{id}/file"), json!({"category": "other"})).await;
    assert_eq!((st, twice["code"].as_str()), (StatusCode::CONFLICT, Some("inbound_handled")), "{twice}");
    let (st, _) = operator.post(&format!("/v1/staff/inbound/{}/dismiss", items[0]["id"]), json!({})).await;
    assert_eq!(st, StatusCode::NO_CONTENT);
    // Set aside with the operator's reason, which the list keeps.
    let (st, _) = operator.post(&format!("/v1/staff/inbound/{}/dismiss", items[1]["id"]), json!({"note": "متن تبلیغاتی بود"})).await;
    assert_eq!(st, StatusCode::NO_CONTENT);
    let (_, dismissed) = operator.get("/v1/staff/inbound?status=dismissed").await;
    let notes: Vec<Option<&str>> = dismissed.as_array().unwrap().iter().map(|i| i["note"].as_str()).collect();
    assert_eq!(notes, [None, Some("متن تبلیغاتی بود")], "{dismissed}");
    let (_, left) = operator.get("/v1/staff/inbound").await;
    assert!(left.as_array().unwrap().is_empty(), "{left}");

    // From a landline: it waits for a call back, and is filed for the mobile the citizen gave
    // on the phone (typed in Persian digits); a number that is no mobile is refused.
    push(&srv, 6, "02188776655", "فروشنده فاکتور نداد").await;
    let (_, waiting) = operator.get("/v1/staff/inbound").await;
    let landline = &waiting.as_array().unwrap()[0];
    assert_eq!(landline["reason"], "no_phone", "{waiting}");
    let url = format!("/v1/staff/inbound/{}/file", landline["id"]);
    let (st, bad) = operator.post(&url, json!({"category": "no_invoice", "phone": "02188776655"})).await;
    assert_eq!(
        (st, bad["fields"][0]["field"].as_str(), bad["fields"][0]["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("phone"), Some("invalid_phone")),
        "{bad}"
    );
    let (st, filed) = operator.post(&url, json!({"category": "no_invoice", "phone": "۰۹۱۲۱۱۱۷۰۰۶"})).await;
    assert_eq!(st, StatusCode::CREATED, "{filed}");
    let code = filed["tracking_code"].as_str().unwrap();
    srv.wait_sms("+989121117006", |s| s.text.contains(code)).await;
}
