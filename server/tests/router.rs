//! Router tests: the whole API in-process through `tower::ServiceExt::oneshot`, over a temp
//! SQLite store, reading login codes straight from the SMS outbox.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use http_body_util::BodyExt;
use samat_server::store::{self, Store};
use samat_server::{router, AppState, Settings};
use serde_json::{json, Value};
use time::OffsetDateTime;
use tower::ServiceExt;

struct App {
    state: AppState,
    _dir: tempfile::TempDir,
}

impl App {
    async fn new() -> App {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("t.db").display());
        let store: Arc<dyn Store> = store::open(&url).await.unwrap();
        App { state: AppState::new(store, Settings::default()), _dir: dir }
    }

    async fn send(&self, method: &str, uri: &str, token: Option<&str>, body: Option<Value>) -> (StatusCode, Value) {
        let mut req = Request::builder().method(method).uri(uri);
        if let Some(t) = token {
            req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        let req = match body {
            Some(b) => req.header(header::CONTENT_TYPE, "application/json").body(Body::from(b.to_string())).unwrap(),
            None => req.body(Body::empty()).unwrap(),
        };
        let resp = router(self.state.clone()).oneshot(req).await.unwrap();
        let status = resp.status();
        let bytes = resp.into_body().collect().await.unwrap().to_bytes();
        (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
    }

    /// Logs a citizen in with the code taken from the outbox (sent, as the worker would).
    async fn citizen(&self, phone: &str) -> String {
        let (st, _) = self.send("POST", "/v1/auth/otp", None, Some(json!({"phone": phone}))).await;
        assert_eq!(st, StatusCode::ACCEPTED);
        let due = self.state.store.due_sms(OffsetDateTime::now_utc(), 100).await.unwrap();
        let otp = due.iter().rev().find(|s| s.token.is_some()).expect("otp queued");
        let code = otp.token.clone().unwrap();
        self.state.store.sms_sent(vec![otp.id], OffsetDateTime::now_utc()).await.unwrap();
        let (st, body) = self.send("POST", "/v1/auth/verify", None, Some(json!({"phone": phone, "code": code}))).await;
        assert_eq!(st, StatusCode::OK, "{body}");
        body["token"].as_str().unwrap().to_owned()
    }
}

#[tokio::test]
async fn categories_list_the_eight_violations_and_other() {
    let app = App::new().await;
    let (st, body) = app.send("GET", "/v1/categories", None, None).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(body.as_array().unwrap().len(), 9);
    assert_eq!(body[0]["name"], "smuggled_goods");
    assert_eq!(body[0]["label_en"], "Selling or concealing smuggled goods");
}

#[tokio::test]
async fn filing_queues_the_tracking_code_sms_in_the_same_transaction() {
    let app = App::new().await;
    let token = app.citizen("09121234567").await;
    let client_id = uuid::Uuid::new_v4().to_string();
    let body = json!({"client_id": client_id, "category": "forced_selling", "description": "فروش اجباری"});
    let (st, filed) = app.send("POST", "/v1/complaints", Some(&token), Some(body.clone())).await;
    assert_eq!(st, StatusCode::CREATED, "{filed}");
    assert_eq!(filed["stage"], "received");
    let code = filed["tracking_code"].as_str().unwrap();
    let due = app.state.store.due_sms(OffsetDateTime::now_utc(), 100).await.unwrap();
    assert_eq!(due.iter().filter(|s| s.text.contains(code)).count(), 1);
    assert_eq!(app.state.store.pending_sms().await.unwrap(), 1);
    let (st, again) = app.send("POST", "/v1/complaints", Some(&token), Some(body)).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(again["tracking_code"], filed["tracking_code"]);
    assert_eq!(app.state.store.pending_sms().await.unwrap(), 1, "a resubmission queues no second SMS");
}

#[tokio::test]
async fn validation_reports_every_field_at_once() {
    let app = App::new().await;
    let token = app.citizen("09121234568").await;
    let (st, body) =
        app.send("POST", "/v1/complaints", Some(&token), Some(json!({"client_id": "x", "category": "", "description": "", "amount_rials": -1}))).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    let mut codes: Vec<&str> = body["fields"].as_array().unwrap().iter().map(|f| f["code"].as_str().unwrap()).collect();
    codes.sort();
    assert_eq!(codes, ["invalid_client_id"], "client_id is checked first: {body}");
    let (_, body) = app
        .send("POST", "/v1/complaints", Some(&token), Some(json!({"client_id": uuid::Uuid::new_v4(), "category": "", "description": "", "amount_rials": -1})))
        .await;
    let mut codes: Vec<&str> = body["fields"].as_array().unwrap().iter().map(|f| f["code"].as_str().unwrap()).collect();
    codes.sort();
    assert_eq!(codes, ["description_empty", "missing_category", "negative_amount"]);
}

#[tokio::test]
async fn staff_accounts_log_in_with_their_role() {
    let app = App::new().await;
    let hash = samat_server::passwords::hash("s3cret-pass").unwrap();
    app.state
        .store
        .add_staff(samat_server::store::NewStaff {
            username: "maryam".into(),
            display_name: None,
            password_hash: hash,
            role: samat_core::model::Role::Inspector,
            province: None,
        })
        .await
        .unwrap();
    let (st, body) = app.send("POST", "/v1/staff/login", None, Some(json!({"username": "Maryam", "password": "s3cret-pass"}))).await;
    assert_eq!(st, StatusCode::OK, "{body}");
    assert_eq!(body["role"], "inspector");
    let token = body["token"].as_str().unwrap();
    let (st, queue) = app.send("GET", "/v1/staff/queue", Some(token), None).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(queue["role"], "inspector");
}

#[tokio::test]
async fn the_sync_feed_starts_empty_and_follows_the_cursor() {
    let app = App::new().await;
    let token = app.citizen("09121234569").await;
    let (_, empty) = app.send("GET", "/v1/sync", Some(&token), None).await;
    assert_eq!(empty, json!({"events": [], "cursor": 0, "more": false}));
    for n in 0..3 {
        let body = json!({"client_id": uuid::Uuid::new_v4(), "category": "fraud", "description": format!("مورد {n}")});
        app.send("POST", "/v1/complaints", Some(&token), Some(body)).await;
    }
    let (_, page) = app.send("GET", "/v1/sync?since=0&limit=2", Some(&token), None).await;
    assert_eq!(page["events"].as_array().unwrap().len(), 2);
    assert_eq!(page["more"], true);
    let (_, rest) = app.send("GET", &format!("/v1/sync?since={}", page["cursor"]), Some(&token), None).await;
    assert_eq!(rest["events"].as_array().unwrap().len(), 1);
    assert_eq!(rest["more"], false);
}

#[tokio::test]
async fn finished_sms_are_pruned_and_pending_ones_kept() {
    let app = App::new().await;
    let token = app.citizen("09121234570").await;
    let body = json!({"client_id": uuid::Uuid::new_v4(), "category": "fraud", "description": "کم‌فروشی"});
    app.send("POST", "/v1/complaints", Some(&token), Some(body)).await;
    let store = &app.state.store;
    // The login code went out at login; the tracking code is still waiting.
    let due = store.due_sms(OffsetDateTime::now_utc(), 100).await.unwrap();
    assert_eq!(due.len(), 1, "the tracking code");
    let later = OffsetDateTime::now_utc() + time::Duration::seconds(1);
    assert_eq!(store.prune_outboxes(later).await.unwrap(), 1);
    assert_eq!(store.pending_sms().await.unwrap(), 1, "pending work is never pruned");
    assert_eq!(store.prune_outboxes(later).await.unwrap(), 0);
}

#[tokio::test]
async fn metrics_are_off_unless_the_operator_turns_them_on() {
    let app = App::new().await;
    let (st, body) = app.send("GET", "/metrics", None, None).await;
    assert_eq!((st, body["code"].as_str()), (StatusCode::NOT_FOUND, Some("not_found")));
    let public = App {
        state: AppState::new(app.state.store.clone(), Settings { metrics: samat_server::state::MetricsAccess::Public, ..Settings::default() }),
        _dir: tempfile::tempdir().unwrap(),
    };
    let (st, _) = public.send("GET", "/metrics", None, None).await;
    assert_eq!(st, StatusCode::OK);
}

/// Puts a complaint in `stage` as if it had entered it `days` calendar days ago, behind the
/// server's back (as a database restored from elsewhere would be); the server's start-up
/// check of the stored due times ([`samat_server::overdue::refresh_due`]) then puts its due
/// time right.
async fn backdate_stage_to(app: &App, code: &str, stage: &str, days: i64) {
    {
        let db = rusqlite::Connection::open(app._dir.path().join("t.db")).unwrap();
        let ms = (OffsetDateTime::now_utc() - time::Duration::days(days)).unix_timestamp() * 1000;
        let n = db.execute("UPDATE complaints SET stage = ?3, stage_since = ?1 WHERE tracking_code = ?2", rusqlite::params![ms, code, stage]).unwrap();
        assert_eq!(n, 1);
    }
    assert_eq!(samat_server::overdue::refresh_due(&app.state).await.unwrap(), 1, "its due time is put right");
    assert_eq!(samat_server::overdue::refresh_due(&app.state).await.unwrap(), 0, "and stays right");
}

/// [`backdate_stage_to`] in the stage it is in (`received`).
async fn backdate_stage(app: &App, code: &str, days: i64) {
    backdate_stage_to(app, code, "received", days).await;
}

#[tokio::test]
async fn staff_see_due_at_and_overdue_and_citizens_an_expected_day() {
    let app = App::new().await;
    let token = app.citizen("09121234569").await;
    let (st, filed) = app
        .send("POST", "/v1/complaints", Some(&token), Some(json!({"client_id": uuid::Uuid::new_v4(), "category": "no_invoice", "description": "فاکتور نداد"})))
        .await;
    assert_eq!(st, StatusCode::CREATED, "{filed}");
    let code = filed["tracking_code"].as_str().unwrap().to_owned();
    let hash = samat_server::passwords::hash("s3cret-pass").unwrap();
    let new = |username: &str| samat_server::store::NewStaff {
        username: username.into(),
        display_name: None,
        password_hash: hash.clone(),
        role: samat_core::model::Role::Expert,
        province: None,
    };
    app.state.store.add_staff(new("reza")).await.unwrap();
    let (_, login) = app.send("POST", "/v1/staff/login", None, Some(json!({"username": "reza", "password": "s3cret-pass"}))).await;
    let staff = login["token"].as_str().unwrap().to_owned();

    // Just filed: due at the end of the next working day, not overdue.
    let (_, queue) = app.send("GET", "/v1/staff/queue", Some(&staff), None).await;
    let item = &queue["items"][0];
    assert_eq!(item["tracking_code"], code.as_str());
    assert_eq!(item["overdue"], false);
    let due_at = OffsetDateTime::parse(item["due_at"].as_str().unwrap(), &time::format_description::well_known::Rfc3339).unwrap();
    assert!(due_at > OffsetDateTime::now_utc());
    let (_, detail) = app.send("GET", &format!("/v1/staff/complaints/{code}"), Some(&staff), None).await;
    assert_eq!((detail["due_at"].clone(), detail["overdue"].clone()), (item["due_at"].clone(), json!(false)));
    assert!(detail.get("expected_by_fa").is_none(), "staff read due_at, not the citizen's words");

    // The citizen and the public tracking answer say the day in Jalali, and not due_at.
    let expected = samat_core::model::deadlines::ServiceStandards::default()
        .deadline(samat_core::model::Stage::Received, OffsetDateTime::now_utc())
        .unwrap()
        .expected_by_fa();
    let (_, mine) = app.send("GET", &format!("/v1/complaints/{code}"), Some(&token), None).await;
    assert_eq!(mine["expected_by_fa"], expected.as_str(), "{mine}");
    assert!(mine["expected_by"].as_str().is_some() && mine.get("due_at").is_none());
    let (_, tracked) = app.send("GET", &format!("/v1/track/{code}?phone=09121234569"), None, None).await;
    assert_eq!(tracked["expected_by_fa"], expected.as_str(), "{tracked}");

    // Three weeks in "received": overdue in the queue and on the complaint.
    backdate_stage(&app, &code, 21).await;
    let (_, queue) = app.send("GET", "/v1/staff/queue", Some(&staff), None).await;
    assert_eq!(queue["items"][0]["overdue"], true, "{queue}");
    let (_, detail) = app.send("GET", &format!("/v1/staff/complaints/{code}"), Some(&staff), None).await;
    assert_eq!(detail["overdue"], true);
}

#[tokio::test]
async fn a_supervisors_queue_leads_with_the_overdue_of_every_stage_and_filters_by_due() {
    let app = App::new().await;
    let token = app.citizen("09121234571").await;
    let mut codes = Vec::new();
    for description in ["فاکتور نداد", "قیمت نداشت", "کم‌فروشی"] {
        let (st, filed) = app
            .send(
                "POST",
                "/v1/complaints",
                Some(&token),
                Some(json!({"client_id": uuid::Uuid::new_v4(), "category": "no_invoice", "description": description})),
            )
            .await;
        assert_eq!(st, StatusCode::CREATED, "{filed}");
        codes.push(filed["tracking_code"].as_str().unwrap().to_owned());
    }
    // Ten days at the Ta'zirat (30 working days: on time) came before eight days in
    // "received" (1 working day: late); the third was just filed.
    backdate_stage_to(&app, &codes[0], "taazirat", 10).await;
    backdate_stage(&app, &codes[1], 8).await;
    let hash = samat_server::passwords::hash("s3cret-pass").unwrap();
    app.state
        .store
        .add_staff(samat_server::store::NewStaff {
            username: "sara".into(),
            display_name: None,
            password_hash: hash,
            role: samat_core::model::Role::Supervisor,
            province: None,
        })
        .await
        .unwrap();
    let (_, login) = app.send("POST", "/v1/staff/login", None, Some(json!({"username": "sara", "password": "s3cret-pass"}))).await;
    let staff = login["token"].as_str().unwrap().to_owned();
    let listed = |queue: &serde_json::Value| -> Vec<String> {
        queue["items"].as_array().unwrap().iter().map(|i| i["tracking_code"].as_str().unwrap().to_owned()).collect()
    };

    let (st, queue) = app.send("GET", "/v1/staff/queue", Some(&staff), None).await;
    assert_eq!(st, StatusCode::OK, "{queue}");
    assert_eq!(listed(&queue), vec![codes[1].clone(), codes[2].clone(), codes[0].clone()], "soonest due first: {queue}");
    assert_eq!(queue["items"][0]["overdue"], true);
    // One row a page: the late one is page one, whatever the stages.
    let (_, first) = app.send("GET", "/v1/staff/queue?limit=1", Some(&staff), None).await;
    assert_eq!(listed(&first), vec![codes[1].clone()]);
    assert_eq!(first["total"], 3);

    let (_, overdue) = app.send("GET", "/v1/staff/queue?due=overdue", Some(&staff), None).await;
    assert_eq!((listed(&overdue), overdue["total"].clone()), (vec![codes[1].clone()], json!(1)), "{overdue}");
    // Just filed: due by the end of the next working day, so due soon.
    let (_, soon) = app.send("GET", "/v1/staff/queue?due=soon", Some(&staff), None).await;
    assert_eq!(listed(&soon), vec![codes[1].clone(), codes[2].clone()], "{soon}");
    let (st, bad) = app.send("GET", "/v1/staff/queue?due=late", Some(&staff), None).await;
    assert_eq!((st, bad["code"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_due")), "{bad}");
}

#[tokio::test]
async fn the_sweep_raises_a_late_complaint_once_and_digests_it_by_province() {
    let app = App::new().await;
    let token = app.citizen("09121234570").await;
    let (_, filed) = app
        .send("POST", "/v1/complaints", Some(&token), Some(json!({"client_id": uuid::Uuid::new_v4(), "category": "no_invoice", "description": "فاکتور نداد"})))
        .await;
    let code = filed["tracking_code"].as_str().unwrap().to_owned();
    let (_, on_time) = app
        .send("POST", "/v1/complaints", Some(&token), Some(json!({"client_id": uuid::Uuid::new_v4(), "category": "no_price_tag", "description": "قیمت نداشت"})))
        .await;

    // Nothing is late yet: no digest entries, no raise.
    let digest = samat_server::overdue::sweep(&app.state, OffsetDateTime::now_utc()).await.unwrap();
    assert!(digest.provinces.is_empty(), "{digest:?}");

    backdate_stage(&app, &code, 30).await;
    // Two replicas sweeping at the same moment write one raise.
    let now = OffsetDateTime::now_utc();
    let (a, b) = tokio::join!(samat_server::overdue::sweep(&app.state, now), samat_server::overdue::sweep(&app.state, now));
    let digest = a.unwrap();
    assert_eq!(digest, b.unwrap());
    let unplaced = &digest.provinces[&None];
    assert_eq!((unplaced.overdue, unplaced.raised), (1, 1));
    assert_eq!(unplaced.items[0].tracking_code.as_str(), code);
    samat_server::overdue::sweep(&app.state, OffsetDateTime::now_utc()).await.unwrap();

    let c = app.state.store.complaint(samat_core::model::TrackingCode::parse(&code).unwrap()).await.unwrap().unwrap();
    let events = app.state.store.events(c.id).await.unwrap();
    let raised: Vec<_> = events.iter().filter(|e| e.kind == samat_core::model::api::EventKind::Raised).collect();
    assert_eq!(raised.len(), 1, "one raise per stage, however many sweeps");
    assert!(!raised[0].visible);
    let other = samat_core::model::TrackingCode::parse(on_time["tracking_code"].as_str().unwrap()).unwrap();
    let other = app.state.store.complaint(other).await.unwrap().unwrap();
    assert_eq!(app.state.store.events(other.id).await.unwrap().len(), 1, "the complaint on time is left alone");

    // The citizen's history does not show it.
    let (_, mine) = app.send("GET", &format!("/v1/complaints/{code}"), Some(&token), None).await;
    assert!(mine["events"].as_array().unwrap().iter().all(|e| e["kind"] != "raised"), "{mine}");
}
