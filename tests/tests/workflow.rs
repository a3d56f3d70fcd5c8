//! The server end to end: a real `samat-server` process on a free port with a temp database,
//! driven over HTTP as citizens and staff would.

use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use samat_core::model::{Role, Stage};
use samat_tests::{Api, Server};
use serde_json::{json, Value};
use uuid::Uuid;

fn server() -> Server {
    Server::start(env!("CARGO_BIN_EXE_e2e-server"), &[])
}

fn complaint(extra: Value) -> Value {
    let mut base = json!({
        "client_id": Uuid::new_v4().to_string(),
        "category": "no_invoice",
        "description": "فروشنده فاكتور نداد و قيمت را بالاتر حساب کرد",
        "guild_id": "۱۰۰۱۰۰۱۰۰۱۱",
        "city": "تهران",
        "amount_rials": 2_500_000,
        "wants_compensation": true,
    });
    if let (Some(b), Some(e)) = (base.as_object_mut(), extra.as_object()) {
        for (k, v) in e {
            b.insert(k.clone(), v.clone());
        }
    }
    base
}

async fn file(citizen: &Api, extra: Value) -> String {
    let (st, body) = citizen.post("/v1/complaints", complaint(extra)).await;
    assert_eq!(st, StatusCode::CREATED, "{body}");
    body["tracking_code"].as_str().unwrap().to_owned()
}

async fn transition(staff: &Api, code: &str, body: Value) -> (StatusCode, Value) {
    staff.post(&format!("/v1/staff/complaints/{code}/transition"), body).await
}

async fn must_move(staff: &Api, code: &str, body: Value) {
    let (st, b) = transition(staff, code, body).await;
    assert_eq!(st, StatusCode::OK, "{b}");
}

fn stages_of(events: &Value) -> Vec<String> {
    events.as_array().unwrap().iter().filter(|e| e["kind"] != "note").map(|e| e["stage"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn whole_path_from_otp_to_verdict() {
    let srv = server();
    // Persian digits in the phone number are normal input.
    let citizen = srv.citizen("۰۹۱۲ ۱۱۱ ۰۰۰۱").await;
    let phone = "+989121110001";
    let code = file(&citizen, json!({})).await;
    assert_eq!(code.len(), 10);
    // The tracking code arrives by SMS.
    srv.wait_sms(phone, |s| s.text.contains(&code) && s.text.contains("ثبت شد")).await;

    let expert = srv.staff("expert").await;
    let (st, queue) = expert.get("/v1/staff/queue").await;
    assert_eq!(st, StatusCode::OK);
    assert!(queue["items"].as_array().unwrap().iter().any(|i| i["tracking_code"] == code.as_str()), "{queue}");

    must_move(&expert, &code, json!({"to": "expert_review"})).await;
    must_move(&expert, &code, json!({"to": "self_regulation", "note": "ادعای خسارت به حوزه خودتنظیمی ارجاع شد"})).await;

    // The guild body records the business's answer as a note the citizen sees.
    let guild = srv.staff("guild").await;
    let (st, _) = guild.post(&format!("/v1/staff/complaints/{code}/notes"), json!({"note": "فروشنده حاضر به پرداخت نیست", "visible_to_citizen": true})).await;
    assert_eq!(st, StatusCode::CREATED);

    // The citizen is not satisfied: an inspector goes (seed step 4).
    let (st, ev) = citizen.post(&format!("/v1/complaints/{code}/decision"), json!({"accept": false})).await;
    assert_eq!(st, StatusCode::OK, "{ev}");
    assert_eq!(ev["stage"], "inspection");

    // The guild body's part is over: the case is out of its sight (a stage it does not handle).
    let (st, b) = guild.post(&format!("/v1/staff/complaints/{code}/notes"), json!({"note": "پیگیری", "visible_to_citizen": true})).await;
    assert_eq!((st, b["code"].as_str()), (StatusCode::NOT_FOUND, Some("complaint_not_found")), "{b}");

    let inspector = srv.staff("inspector").await;
    must_move(&inspector, &code, json!({"to": "inspection_reported", "note": "تخلف عدم صدور فاکتور تأیید شد", "internal_note": "عکس‌ها در پرونده"})).await;
    must_move(&inspector, &code, json!({"to": "taazirat", "note": "پرونده تخلف تشکیل و ارسال شد"})).await;

    let taazirat = srv.staff("taazirat").await;
    must_move(
        &taazirat,
        &code,
        json!({"to": "verdict", "note": "رأی صادر شد", "details": {"violation": true, "penalty_rials": 50_000_000, "compensation_rials": 2_500_000}}),
    )
    .await;

    // The citizen sees the whole history in order, without internal notes.
    let (st, detail) = citizen.get(&format!("/v1/complaints/{code}")).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(detail["stage"], "verdict");
    assert_eq!(stages_of(&detail["events"]), ["received", "expert_review", "self_regulation", "inspection", "inspection_reported", "taazirat", "verdict"]);
    assert!(!detail.to_string().contains("عکس‌ها در پرونده"), "internal note leaked: {detail}");
    assert!(detail.get("phone").is_none());
    let verdict = detail["events"].as_array().unwrap().last().unwrap();
    assert_eq!(verdict["details"]["violation"], true);
    assert_eq!(verdict["details"]["penalty_rials"], 50_000_000);
    assert_eq!(detail["business_known"], true);

    // Staff see the internal note and the phone.
    let (_, staff_view) = expert.get(&format!("/v1/staff/complaints/{code}")).await;
    assert!(staff_view.to_string().contains("عکس‌ها در پرونده"));
    assert_eq!(staff_view["phone"], phone);

    // The sync feed carries every event once, in order, and an empty page after the cursor.
    let (_, feed) = citizen.get("/v1/sync?since=0").await;
    let seqs: Vec<i64> = feed["events"].as_array().unwrap().iter().map(|e| e["seq"].as_i64().unwrap()).collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{seqs:?}");
    assert_eq!(stages_of(&feed["events"]).len(), 7);
    assert_eq!(feed["events"].as_array().unwrap().len(), 8, "7 stages and the guild's note");
    let (_, again) = citizen.get(&format!("/v1/sync?since={}", feed["cursor"])).await;
    assert_eq!(again["events"].as_array().unwrap().len(), 0);
    assert_eq!(again["cursor"], feed["cursor"]);

    // Every stage was announced by SMS with the tracking code.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let notices = srv.sms().into_iter().filter(|s| s.to == phone && s.text.contains(&code)).count();
        if notices >= 8 {
            assert_eq!(notices, 8, "filed + 6 stage changes + the guild's note");
            break;
        }
        assert!(Instant::now() < deadline, "only {notices} notices");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The moves of the seed's seven steps and who makes them, written out here rather than asked
/// of the core, so the sweep below checks the server against an independent table. Any open
/// stage also goes to `withdrawn`, by the citizen.
const SEED_MOVES: &[(Stage, Stage, &[&str])] = &[
    (Stage::Received, Stage::ExpertReview, &["expert", "supervisor"]),
    (Stage::ExpertReview, Stage::SelfRegulation, &["expert", "supervisor"]),
    (Stage::ExpertReview, Stage::Inspection, &["expert", "supervisor"]),
    (Stage::ExpertReview, Stage::Dismissed, &["expert", "supervisor"]),
    (Stage::SelfRegulation, Stage::Resolved, &["citizen"]),
    (Stage::SelfRegulation, Stage::Inspection, &["citizen"]),
    (Stage::Inspection, Stage::InspectionReported, &["inspector", "supervisor"]),
    (Stage::InspectionReported, Stage::Taazirat, &["inspector", "expert", "supervisor"]),
    (Stage::InspectionReported, Stage::Resolved, &["expert", "supervisor"]),
    (Stage::InspectionReported, Stage::Dismissed, &["expert", "supervisor"]),
    (Stage::Taazirat, Stage::Verdict, &["taazirat", "supervisor"]),
];

/// Which stages each role may read (another stage's complaint is 404 to it).
fn reads(role: Role, stage: Stage) -> bool {
    match role {
        Role::Supervisor | Role::Expert | Role::Operator => true,
        Role::Guild => matches!(stage, Stage::SelfRegulation | Stage::Resolved),
        Role::Inspector => matches!(stage, Stage::Inspection | Stage::InspectionReported | Stage::Taazirat | Stage::Verdict),
        Role::Taazirat => matches!(stage, Stage::Taazirat | Stage::Verdict),
    }
}

#[tokio::test]
async fn every_forbidden_transition_is_refused_with_its_code() {
    let srv = server();
    let citizen = srv.citizen("09121110002").await;
    let mut staff = Vec::new();
    for role in Role::ALL {
        staff.push((role, srv.staff(role.wire_name()).await));
    }
    // One complaint parked in each open stage.
    let path: [(Stage, &str, Value); 5] = [
        (Stage::ExpertReview, "expert", json!({"to": "expert_review"})),
        (Stage::SelfRegulation, "expert", json!({"to": "self_regulation"})),
        (Stage::Inspection, "citizen", json!({"accept": false})),
        (Stage::InspectionReported, "inspector", json!({"to": "inspection_reported", "note": "گزارش"})),
        (Stage::Taazirat, "inspector", json!({"to": "taazirat", "note": "پرونده"})),
    ];
    let expert = &staff[1].1;
    let inspector = &staff[3].1;
    let mut parked = vec![(Stage::Received, file(&citizen, json!({})).await)];
    for depth in 1..=path.len() {
        let code = file(&citizen, json!({})).await;
        for (_, who, body) in &path[..depth] {
            let (st, b) = match *who {
                "expert" => transition(expert, &code, body.clone()).await,
                "inspector" => transition(inspector, &code, body.clone()).await,
                _ => citizen.post(&format!("/v1/complaints/{code}/decision"), body.clone()).await,
            };
            assert_eq!(st, StatusCode::OK, "{b}");
        }
        parked.push((path[depth - 1].0, code));
    }
    for (stage, code) in &parked {
        for (role, api) in &staff {
            for to in Stage::ALL {
                let movers = SEED_MOVES.iter().find(|(f, t, _)| f == stage && *t == to).map(|m| m.2);
                let movers = movers.or((to == Stage::Withdrawn).then_some(&["citizen"][..]));
                if movers.is_some_and(|m| m.contains(&role.wire_name())) {
                    continue; // legal moves are exercised elsewhere; here only refusals
                }
                let (st, body) = transition(api, code, json!({"to": to.wire_name(), "note": "n", "details": {"violation": false}})).await;
                let (want_status, want_code) = if !reads(*role, *stage) {
                    (StatusCode::NOT_FOUND, "complaint_not_found")
                } else if movers.is_none() {
                    (StatusCode::CONFLICT, "invalid_transition")
                } else {
                    (StatusCode::FORBIDDEN, "role_not_allowed")
                };
                assert_eq!((st, body["code"].as_str().unwrap()), (want_status, want_code), "{stage:?} --{role:?}--> {to:?}: {body}");
            }
        }
    }
    // Moves that miss what they must carry.
    let (_, received) = &parked[0];
    must_move(expert, received, json!({"to": "expert_review"})).await;
    let (st, body) = transition(expert, received, json!({"to": "dismissed"})).await;
    assert_eq!((st, body["code"].as_str().unwrap()), (StatusCode::UNPROCESSABLE_ENTITY, "reason_required"));
    let (st, body) = transition(expert, received, json!({"to": "inspection", "details": {"blob": "x".repeat(60_000)}})).await;
    assert_eq!((st, body["fields"][0]["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("details_not_allowed")), "{body}");
    let (_, at_inspection) = &parked[3];
    let (st, body) = transition(inspector, at_inspection, json!({"to": "inspection_reported"})).await;
    assert_eq!((st, body["code"].as_str().unwrap()), (StatusCode::UNPROCESSABLE_ENTITY, "report_required"));
    let (_, at_taazirat) = &parked[5];
    let (st, body) = transition(&staff[4].1, at_taazirat, json!({"to": "verdict", "details": {"penalty": "high"}})).await;
    assert_eq!((st, body["code"].as_str().unwrap()), (StatusCode::UNPROCESSABLE_ENTITY, "validation_failed"), "{body}");
    let (st, body) = transition(&staff[4].1, at_taazirat, json!({"to": "verdict"})).await;
    assert_eq!((st, body["code"].as_str().unwrap()), (StatusCode::UNPROCESSABLE_ENTITY, "verdict_details_required"));
    // Not a compensation claim: no self-regulation.
    let plain = file(&citizen, json!({"wants_compensation": false})).await;
    must_move(expert, &plain, json!({"to": "expert_review"})).await;
    let (st, body) = transition(expert, &plain, json!({"to": "self_regulation"})).await;
    assert_eq!((st, body["code"].as_str().unwrap()), (StatusCode::CONFLICT, "not_a_compensation_claim"));
    // Supervisors may act for any staff role.
    must_move(&staff[5].1, &plain, json!({"to": "dismissed", "note": "تکراری"})).await;
}

#[tokio::test]
async fn resubmitting_the_same_client_id_keeps_one_complaint() {
    let srv = server();
    let citizen = srv.citizen("09121110003").await;
    let body = complaint(json!({}));
    let results = futures::future::join_all((0..12).map(|_| citizen.post("/v1/complaints", body.clone()))).await;
    let created = results.iter().filter(|(st, _)| *st == StatusCode::CREATED).count();
    let replayed = results.iter().filter(|(st, _)| *st == StatusCode::OK).count();
    assert_eq!((created, replayed), (1, 11), "{results:?}");
    let codes: std::collections::HashSet<_> = results.iter().map(|(_, b)| b["tracking_code"].as_str().unwrap().to_owned()).collect();
    assert_eq!(codes.len(), 1);
    let (_, list) = citizen.get("/v1/complaints").await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    // One tracking-code SMS, not twelve.
    srv.settled().await;
    let code = codes.into_iter().next().unwrap();
    assert_eq!(srv.sms().iter().filter(|s| s.text.contains(&code)).count(), 1);
    // The same client_id from another citizen is a conflict, not a leak of the first complaint.
    let other = srv.citizen("09121110004").await;
    let (st, b) = other.post("/v1/complaints", body).await;
    assert_eq!((st, b["code"].as_str().unwrap()), (StatusCode::CONFLICT, "client_id_conflict"));
    assert!(!b.to_string().contains(&code));
}

#[tokio::test]
async fn another_citizens_complaint_is_a_404_never_a_403() {
    let srv = server();
    let owner = srv.citizen("09121110005").await;
    let intruder = srv.citizen("09121110006").await;
    let code = file(&owner, json!({})).await;
    for path in [format!("/v1/complaints/{code}")] {
        let (st, b) = intruder.get(&path).await;
        assert_eq!((st, b["code"].as_str().unwrap()), (StatusCode::NOT_FOUND, "complaint_not_found"));
    }
    for (path, body) in [
        (format!("/v1/complaints/{code}/decision"), json!({"accept": true})),
        (format!("/v1/complaints/{code}/withdraw"), json!({})),
        (format!("/v1/complaints/{code}/feedback"), json!({"rating": 1})),
    ] {
        let (st, b) = intruder.post(&path, body).await;
        assert_eq!((st, b["code"].as_str().unwrap()), (StatusCode::NOT_FOUND, "complaint_not_found"), "{path}");
    }
    let (st, _) = intruder.get(&format!("/v1/complaints/{code}/photos/{}", Uuid::new_v4())).await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    // Public tracking answers only to the right phone.
    let anon = Api::new(&srv.url, None);
    let (st, b) = anon.get(&format!("/v1/track/{code}?phone=09121110006")).await;
    assert_eq!((st, b["code"].as_str().unwrap()), (StatusCode::NOT_FOUND, "complaint_not_found"));
    let (st, b) = anon.get(&format!("/v1/track/{code}?phone=%2B989121110005")).await;
    assert_eq!(st, StatusCode::OK, "{b}");
    assert_eq!(b["tracking_code"], code.as_str());
    // The intruder's own list and feed do not show it.
    let (_, list) = intruder.get("/v1/complaints").await;
    assert_eq!(list.as_array().unwrap().len(), 0);
    let (_, feed) = intruder.get("/v1/sync").await;
    assert_eq!(feed["events"].as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn bad_input_gets_a_clear_4xx_code_never_a_5xx() {
    let srv = server();
    let citizen = srv.citizen("09121110007").await;
    let expert = srv.staff("expert").await;
    let anon = Api::new(&srv.url, None);
    let code = file(&citizen, json!({})).await;
    let raw = |method: Method, path: &str, ctype: &str, body: Vec<u8>, token: Option<&String>| {
        let mut r = citizen.http().request(method, format!("{}{path}", srv.url)).header("content-type", ctype).body(body);
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        r.send()
    };
    let tok = citizen.token.as_ref();
    let mut cases: Vec<(&str, StatusCode, Value, &str)> = Vec::new();
    let mut check = |name: &'static str, st: StatusCode, body: Value, want: &'static str, want_status: StatusCode| {
        assert!(st.is_client_error(), "{name}: {st} {body}");
        assert_eq!(st, want_status, "{name}: {body}");
        assert_eq!(body["code"].as_str(), Some(want), "{name}: {body}");
        cases.push((name, st, body, want));
    };
    let resp = raw(Method::POST, "/v1/complaints", "application/json", b"{not json".to_vec(), tok).await.unwrap();
    check("malformed json", resp.status(), resp.json().await.unwrap(), "invalid_json", StatusCode::BAD_REQUEST);
    let resp = raw(Method::POST, "/v1/complaints", "text/plain", b"{}".to_vec(), tok).await.unwrap();
    check("wrong content type", resp.status(), resp.json().await.unwrap(), "unsupported_media_type", StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let resp = raw(Method::POST, "/v1/complaints", "application/json", br#"{"amount_rials":"lots"}"#.to_vec(), tok).await.unwrap();
    check("wrong field type", resp.status(), resp.json().await.unwrap(), "invalid_body", StatusCode::BAD_REQUEST);
    let huge = serde_json::to_vec(&complaint(json!({"description": "ا".repeat(100_000)}))).unwrap();
    // On a connection of its own: the server answers before reading the whole body and then
    // closes the connection, which a pooled client could otherwise pick for the next request.
    let resp = reqwest::Client::new()
        .post(format!("{}/v1/complaints", srv.url))
        .header("content-type", "application/json")
        .bearer_auth(tok.unwrap())
        .body(huge)
        .send()
        .await
        .unwrap();
    check("oversized body", resp.status(), resp.json().await.unwrap(), "body_too_large", StatusCode::PAYLOAD_TOO_LARGE);
    let (_, filed) = citizen.post("/v1/complaints", complaint(json!({}))).await;
    let filed = filed["tracking_code"].as_str().unwrap().to_owned();
    let resp = reqwest::Client::new()
        .put(format!("{}/v1/complaints/{filed}/photos/{}", srv.url, Uuid::new_v4()))
        .header("content-type", "image/jpeg")
        .bearer_auth(tok.unwrap())
        .body(vec![0xFFu8; 7 * 1024 * 1024])
        .send()
        .await
        .unwrap();
    check("oversized photo", resp.status(), resp.json().await.unwrap(), "body_too_large", StatusCode::PAYLOAD_TOO_LARGE);
    let resp = raw(Method::GET, &format!("/v1/complaints/{filed}/photos/%FF"), "application/json", Vec::new(), tok).await.unwrap();
    check("undecodable path", resp.status(), resp.json().await.unwrap(), "invalid_path", StatusCode::BAD_REQUEST);

    let (st, b) = citizen.post("/v1/complaints", complaint(json!({"category": "bribery"}))).await;
    assert_eq!(b["fields"][0]["code"], "unknown_category");
    check("unknown category", st, b, "validation_failed", StatusCode::UNPROCESSABLE_ENTITY);
    let (st, b) = citizen.post("/v1/complaints", complaint(json!({"description": "ب".repeat(4001)}))).await;
    assert_eq!(b["fields"][0]["code"], "description_too_long");
    check("oversized text", st, b, "validation_failed", StatusCode::UNPROCESSABLE_ENTITY);
    let (st, b) = citizen.post("/v1/complaints", json!({"description": "x"})).await;
    let codes: Vec<_> = b["fields"].as_array().unwrap().iter().map(|f| f["code"].as_str().unwrap().to_owned()).collect();
    assert!(codes.contains(&"missing_client_id".to_owned()), "{b}");
    check("missing client id", st, b, "validation_failed", StatusCode::UNPROCESSABLE_ENTITY);
    let (st, b) = citizen.post("/v1/complaints", complaint(json!({"client_id": "42"}))).await;
    check("bad client id", st, b, "validation_failed", StatusCode::UNPROCESSABLE_ENTITY);
    let (st, b) = citizen.post("/v1/complaints", complaint(json!({"incident_date": "2999-01-01", "amount_rials": -5}))).await;
    assert_eq!(b["fields"].as_array().unwrap().len(), 2, "{b}");
    check("future date and negative amount", st, b, "validation_failed", StatusCode::UNPROCESSABLE_ENTITY);
    let (st, b) = citizen.post("/v1/complaints", complaint(json!({"incident_date": "۱۴۰۳/۰۷/۳۱"}))).await;
    assert_eq!(b["fields"][0]["code"], "invalid_date", "Mehr has 30 days: {b}");
    check("impossible Jalali day", st, b, "validation_failed", StatusCode::UNPROCESSABLE_ENTITY);
    // The date as Iranians write it (Solar Hijri, Persian digits) is stored as the day it is.
    let (st, b) = citizen.post("/v1/complaints", complaint(json!({"incident_date": "۱۴۰۳/۰۵/۱۰"}))).await;
    assert_eq!(st, StatusCode::CREATED, "{b}");
    let (_, d) = citizen.get(&format!("/v1/complaints/{}", b["tracking_code"].as_str().unwrap())).await;
    assert_eq!(d["incident_date"], "2024-07-31", "{d}");

    let (st, b) = anon.post("/v1/auth/otp", json!({"phone": "02112345678"})).await;
    check("landline", st, b, "invalid_phone", StatusCode::BAD_REQUEST);
    let (st, b) = anon.post("/v1/auth/otp", json!({"phone": "0912abc4567"})).await;
    check("letters in phone", st, b, "invalid_phone", StatusCode::BAD_REQUEST);
    let (st, b) = anon.post("/v1/auth/verify", json!({"phone": "09121110007", "code": "12"})).await;
    check("short otp", st, b, "invalid_code", StatusCode::BAD_REQUEST);

    let mut typo = code.clone().into_bytes();
    typo[3] = if typo[3] == b'9' { b'0' } else { typo[3] + 1 };
    let typo = String::from_utf8(typo).unwrap();
    let (st, b) = citizen.get(&format!("/v1/complaints/{typo}")).await;
    check("tracking code typo", st, b, "invalid_tracking_code", StatusCode::BAD_REQUEST);
    let (st, b) = citizen.get("/v1/complaints/12345").await;
    check("short tracking code", st, b, "invalid_tracking_code", StatusCode::BAD_REQUEST);
    // Persian digits and dashes in a tracking code are fine.
    let persian: String = samat_core::model::text::persian_digits(&format!("{}-{}-{}", &code[..3], &code[3..6], &code[6..]));
    let (st, _) = citizen.get(&format!("/v1/complaints/{}", urlencode(&persian))).await;
    assert_eq!(st, StatusCode::OK);

    let (st, b) = transition(&expert, &code, json!({"to": "closed"})).await;
    check("unknown stage", st, b, "unknown_stage", StatusCode::BAD_REQUEST);
    let (st, b) = citizen.get("/v1/staff/queue").await;
    check("citizen on staff endpoint", st, b, "staff_only", StatusCode::FORBIDDEN);
    let (st, b) = expert.get("/v1/complaints").await;
    check("staff on citizen endpoint", st, b, "citizens_only", StatusCode::FORBIDDEN);
    let (st, b) = anon.get("/v1/complaints").await;
    check("no token", st, b, "unauthorized", StatusCode::UNAUTHORIZED);
    let (st, b) = Api::new(&srv.url, Some("forged".into())).get("/v1/complaints").await;
    check("forged token", st, b, "unauthorized", StatusCode::UNAUTHORIZED);
    let (st, b) = citizen.get("/v1/sync?wait=61").await;
    check("wait too long", st, b, "invalid_wait", StatusCode::BAD_REQUEST);
    let (st, b) = citizen.get("/v1/sync?since=abc").await;
    check("bad cursor", st, b, "invalid_query", StatusCode::BAD_REQUEST);
    let (st, b) = citizen.post(&format!("/v1/complaints/{code}/feedback"), json!({"rating": 6})).await;
    check("rating out of range", st, b, "validation_failed", StatusCode::UNPROCESSABLE_ENTITY);
    let (st, b) = citizen.post(&format!("/v1/complaints/{code}/decision"), json!({"accept": true})).await;
    check("decision outside self-regulation", st, b, "invalid_transition", StatusCode::CONFLICT);
    let (st, b) = anon.post("/v1/staff/login", json!({"username": "expert", "password": "nope"})).await;
    check("wrong password", st, b, "invalid_credentials", StatusCode::UNAUTHORIZED);
    let (st, b) = anon.post("/v1/staff/login", json!({"username": "nobody", "password": "demo"})).await;
    check("unknown staff", st, b, "invalid_credentials", StatusCode::UNAUTHORIZED);
    let (st, b) = anon.get("/v1/nothing-here").await;
    check("unknown endpoint", st, b, "not_found", StatusCode::NOT_FOUND);
    let (st, b) = anon.call(Method::DELETE, "/v1/categories", None).await;
    check("wrong method", st, b, "method_not_allowed", StatusCode::METHOD_NOT_ALLOWED);
    let (st, b) = anon.get(&format!("/v1/track/{code}?phone=nope")).await;
    check("bad phone in tracking", st, b, "invalid_phone", StatusCode::BAD_REQUEST);
    let (st, b) = anon.get(&format!("/v1/track/{code}")).await;
    check("missing phone in tracking", st, b, "invalid_query", StatusCode::BAD_REQUEST);
    // Problem documents say so in their content type.
    let resp = anon.http().get(format!("{}/v1/complaints", srv.url)).send().await.unwrap();
    assert_eq!(resp.headers()["content-type"], "application/problem+json");
}

fn urlencode(s: &str) -> String {
    s.bytes().map(|b| if b.is_ascii_alphanumeric() || b == b'-' { (b as char).to_string() } else { format!("%{b:02X}") }).collect()
}

#[tokio::test]
async fn operator_intake_reaches_the_citizen_app_and_public_tracking() {
    let srv = server();
    let operator = srv.staff("operator").await;
    let (st, body) = operator
        .post("/v1/staff/intake", json!({"phone": "0912-111-0008", "channel": "phone", "category": "hoarding", "description": "احتکار روغن در انبار مغازه"}))
        .await;
    assert_eq!(st, StatusCode::CREATED, "{body}");
    let code = body["tracking_code"].as_str().unwrap().to_owned();
    srv.wait_sms("+989121110008", |s| s.text.contains(&code)).await;
    // A counter visit by the same person.
    let (st, _) = operator.post("/v1/staff/intake", json!({"phone": "09121110008", "channel": "counter", "category": "fraud", "description": "کم‌فروشی"})).await;
    assert_eq!(st, StatusCode::CREATED);
    // Channels are checked.
    let (st, b) = operator.post("/v1/staff/intake", json!({"phone": "09121110008", "channel": "pigeon", "category": "fraud", "description": "x"})).await;
    assert_eq!((st, b["code"].as_str().unwrap()), (StatusCode::BAD_REQUEST, "unknown_channel"));
    // Only operators (and supervisors) file for others.
    let inspector = srv.staff("inspector").await;
    let (st, b) = inspector.post("/v1/staff/intake", json!({"phone": "09121110008", "channel": "phone", "category": "fraud", "description": "x"})).await;
    assert_eq!((st, b["code"].as_str().unwrap()), (StatusCode::FORBIDDEN, "role_not_allowed"));

    let citizen = srv.citizen("09121110008").await;
    let (_, list) = citizen.get("/v1/complaints").await;
    let channels: Vec<_> = list.as_array().unwrap().iter().map(|c| c["channel"].as_str().unwrap().to_owned()).collect();
    assert_eq!(channels, ["counter", "phone"], "newest first");
    let (_, feed) = citizen.get("/v1/sync").await;
    assert_eq!(feed["events"].as_array().unwrap().len(), 2);
    assert_eq!(feed["events"][0]["actor"], "operator");
    let anon = Api::new(&srv.url, None);
    let (st, tracked) = anon.get(&format!("/v1/track/{code}?phone=09121110008")).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(tracked["channel"], "phone");
}

#[tokio::test]
async fn long_poll_answers_as_soon_as_the_stage_changes() {
    let srv = server();
    let citizen = srv.citizen("09121110009").await;
    let code = file(&citizen, json!({})).await;
    let (_, feed) = citizen.get("/v1/sync").await;
    let cursor = feed["cursor"].as_i64().unwrap();
    let waiter = {
        let citizen = citizen.clone();
        tokio::spawn(async move {
            let started = Instant::now();
            let r = citizen.get(&format!("/v1/sync?since={cursor}&wait=30")).await;
            (r, started.elapsed())
        })
    };
    // Parked on the server with nothing to tell it: it must still be waiting.
    srv.wait_sync_waiters(1).await;
    assert!(!waiter.is_finished(), "an idle long-poll must wait");
    let expert = srv.staff("expert").await;
    must_move(&expert, &code, json!({"to": "expert_review"})).await;
    let ((st, body), waited) = tokio::time::timeout(Duration::from_secs(20), waiter).await.unwrap().unwrap();
    assert_eq!(st, StatusCode::OK);
    assert!(waited < Duration::from_secs(25), "answered by the event, not the timeout");
    assert_eq!(body["events"][0]["stage"], "expert_review");
    assert!(body["cursor"].as_i64().unwrap() > cursor);
    // An idle poll with a short wait returns empty with the same cursor.
    let (_, empty) = citizen.get(&format!("/v1/sync?since={}&wait=1", body["cursor"])).await;
    assert_eq!(empty["events"].as_array().unwrap().len(), 0);
    assert_eq!(empty["cursor"], body["cursor"]);
    // Internal notes do not wake the citizen or show in the feed.
    let (st, _) = expert.post(&format!("/v1/staff/complaints/{code}/notes"), json!({"note": "بررسی داخلی", "visible_to_citizen": false})).await;
    assert_eq!(st, StatusCode::CREATED);
    let (_, none) = citizen.get(&format!("/v1/sync?since={}&wait=1", body["cursor"])).await;
    assert_eq!(none["events"].as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn etag_and_if_none_match() {
    let srv = server();
    let citizen = srv.citizen("09121110010").await;
    let code = file(&citizen, json!({})).await;
    let url = format!("{}/v1/complaints/{code}", srv.url);
    let token = citizen.token.clone().unwrap();
    let first = citizen.http().get(&url).bearer_auth(&token).send().await.unwrap();
    let etag = first.headers()["etag"].to_str().unwrap().to_owned();
    let again = citizen.http().get(&url).bearer_auth(&token).header("if-none-match", &etag).send().await.unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    let expert = srv.staff("expert").await;
    must_move(&expert, &code, json!({"to": "expert_review"})).await;
    let changed = citizen.http().get(&url).bearer_auth(&token).header("if-none-match", &etag).send().await.unwrap();
    assert_eq!(changed.status(), StatusCode::OK);
    assert_ne!(changed.headers()["etag"].to_str().unwrap(), etag);
}

#[tokio::test]
async fn withdrawal_feedback_and_escalation() {
    let srv = server();
    let citizen = srv.citizen("09121110011").await;
    let code = file(&citizen, json!({})).await;
    let action = Uuid::new_v4().to_string();
    let (st, ev) = citizen.post(&format!("/v1/complaints/{code}/withdraw"), json!({"note": "با فروشنده توافق کردم", "action_id": action})).await;
    assert_eq!(st, StatusCode::OK, "{ev}");
    assert_eq!(ev["stage"], "withdrawn");
    // A retry of the same action (its answer was lost) returns the same event.
    let (st, again) = citizen.post(&format!("/v1/complaints/{code}/withdraw"), json!({"action_id": action})).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(again["seq"], ev["seq"]);
    // A new withdrawal is refused: nothing follows a final stage.
    let (st, b) = citizen.post(&format!("/v1/complaints/{code}/withdraw"), json!({})).await;
    assert_eq!((st, b["code"].as_str().unwrap()), (StatusCode::CONFLICT, "invalid_transition"));
    // Closed: staff write no more on it, except a supervisor (answering about the handling).
    let note = json!({"note": "پیگیری پس از انصراف", "visible_to_citizen": true});
    let (st, b) = srv.staff("expert").await.post(&format!("/v1/staff/complaints/{code}/notes"), note.clone()).await;
    assert_eq!((st, b["code"].as_str()), (StatusCode::CONFLICT, Some("complaint_closed")), "{b}");
    let (st, b) = srv.staff("supervisor").await.post(&format!("/v1/staff/complaints/{code}/notes"), note).await;
    assert_eq!(st, StatusCode::CREATED, "{b}");

    // A complaint about the handling, escalated to the supervisors.
    let fb_action = Uuid::new_v4().to_string();
    let body = json!({"rating": 1, "comment": "کسی پاسخ نداد", "escalate": true, "action_id": fb_action});
    let (st, fb) = citizen.post(&format!("/v1/complaints/{code}/feedback"), body.clone()).await;
    assert_eq!(st, StatusCode::CREATED, "{fb}");
    let (_, fb2) = citizen.post(&format!("/v1/complaints/{code}/feedback"), body).await;
    assert_eq!(fb2["id"], fb["id"], "a retried feedback is not recorded twice");
    // The same key on another complaint is a conflict, not the first complaint's feedback.
    let (_, other) = citizen.post("/v1/complaints", complaint(json!({}))).await;
    let other = other["tracking_code"].as_str().unwrap().to_owned();
    let reuse = json!({"rating": 5, "comment": "این یکی خوب بود", "action_id": fb_action});
    let (st, b) = citizen.post(&format!("/v1/complaints/{other}/feedback"), reuse).await;
    assert_eq!((st, b["code"].as_str()), (StatusCode::CONFLICT, Some("action_id_conflict")), "{b}");
    let supervisor = srv.staff("supervisor").await;
    let (_, queue) = supervisor.get("/v1/staff/queue").await;
    let escalated: Vec<_> = queue["items"].as_array().unwrap().iter().filter(|i| !i["escalation"].is_null()).collect();
    assert_eq!(escalated.len(), 1, "{queue}");
    assert_eq!(escalated[0]["tracking_code"], code.as_str());
    // Experts do not see escalations.
    let (_, eq) = srv.staff("expert").await.get("/v1/staff/queue").await;
    assert!(eq["items"].as_array().unwrap().iter().all(|i| i["escalation"].is_null()));
    let id = fb["id"].as_i64().unwrap();
    let (st, _) = supervisor.post(&format!("/v1/staff/escalations/{id}/close"), json!({})).await;
    assert_eq!(st, StatusCode::NO_CONTENT);
    let (st, _) = supervisor.post(&format!("/v1/staff/escalations/{id}/close"), json!({})).await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    let (_, queue) = supervisor.get("/v1/staff/queue").await;
    assert!(queue["items"].as_array().unwrap().iter().all(|i| i["escalation"].is_null()));
    // The citizen sees their feedback on the complaint.
    let (_, d) = citizen.get(&format!("/v1/complaints/{code}")).await;
    assert_eq!(d["feedback"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn photos_are_uploaded_once_per_id() {
    let srv = server();
    let citizen = srv.citizen("09121110012").await;
    let code = file(&citizen, json!({})).await;
    let token = citizen.token.clone().unwrap();
    let image = |shade: u8| {
        let img = image::RgbImage::from_pixel(64, 48, image::Rgb([shade, 90, 30]));
        let mut out = Vec::new();
        image::DynamicImage::ImageRgb8(img).write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Jpeg).unwrap();
        out
    };
    let jpeg = image(200);
    let id = Uuid::new_v4();
    let url = format!("{}/v1/complaints/{code}/photos/{id}", srv.url);
    let put = |bytes: Vec<u8>, ctype: &'static str| citizen.http().put(&url).bearer_auth(&token).header("content-type", ctype).body(bytes).send();
    assert_eq!(put(jpeg.clone(), "image/jpeg").await.unwrap().status(), StatusCode::CREATED);
    assert_eq!(put(jpeg.clone(), "image/jpeg").await.unwrap().status(), StatusCode::OK);
    let conflict = put(image(10), "image/jpeg").await.unwrap();
    assert_eq!(conflict.status(), StatusCode::CONFLICT);
    let not_image = citizen
        .http()
        .put(format!("{}/v1/complaints/{code}/photos/{}", srv.url, Uuid::new_v4()))
        .bearer_auth(&token)
        .header("content-type", "image/jpeg")
        .body("hello")
        .send()
        .await
        .unwrap();
    assert_eq!(not_image.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // What is kept is the photo re-encoded: a JPEG of the same picture, no metadata.
    let back = citizen.http().get(&url).bearer_auth(&token).send().await.unwrap().bytes().await.unwrap().to_vec();
    let kept = image::load_from_memory(&back).unwrap();
    assert_eq!((kept.width(), kept.height()), (64, 48));
    let (_, d) = citizen.get(&format!("/v1/complaints/{code}")).await;
    assert_eq!(d["photos"].as_array().unwrap().len(), 1);
    assert_eq!(d["photos"][0]["size"], back.len());
}

#[tokio::test]
async fn otp_codes_allow_five_attempts_and_are_single_use() {
    let srv = Server::start(env!("CARGO_BIN_EXE_e2e-server"), &["--otp-per-phone-per-hour", "3"]);
    let anon = Api::new(&srv.url, None);
    let (st, _) = anon.post("/v1/auth/otp", json!({"phone": "09121110013"})).await;
    assert_eq!(st, StatusCode::ACCEPTED);
    let sms = srv.wait_sms("+989121110013", |s| s.text.contains("کد ورود")).await;
    let code = samat_tests::otp_in(&sms.text).unwrap();
    let wrong = if code == "000000" { "111111" } else { "000000" };
    for left in (0..5).rev() {
        let (st, b) = anon.post("/v1/auth/verify", json!({"phone": "09121110013", "code": wrong})).await;
        assert_eq!((st, b["code"].as_str().unwrap()), (StatusCode::UNAUTHORIZED, "wrong_code"));
        assert!(b["detail"].as_str().unwrap().contains(&format!("{left} attempts")), "{b}");
    }
    let (st, b) = anon.post("/v1/auth/verify", json!({"phone": "09121110013", "code": code})).await;
    assert_eq!((st, b["code"].as_str().unwrap()), (StatusCode::TOO_MANY_REQUESTS, "too_many_attempts"), "burnt after five wrong tries");
    // A new code works once, in Persian digits too.
    anon.post("/v1/auth/otp", json!({"phone": "09121110013"})).await;
    let before = sms.id;
    let sms = srv.wait_sms("+989121110013", |s| s.id > before && s.text.contains("کد ورود")).await;
    let code = samat_tests::otp_in(&sms.text).unwrap();
    let (st, b) = anon.post("/v1/auth/verify", json!({"phone": "09121110013", "code": samat_core::model::text::persian_digits(&code)})).await;
    assert_eq!(st, StatusCode::OK, "{b}");
    let citizen = Api::new(&srv.url, b["token"].as_str().map(str::to_owned));
    let (st, b) = anon.post("/v1/auth/verify", json!({"phone": "09121110013", "code": code})).await;
    assert_eq!((st, b["code"].as_str().unwrap()), (StatusCode::UNAUTHORIZED, "code_expired"));
    // The per-phone rate limit (3 per hour here; two were used).
    let (st, _) = anon.post("/v1/auth/otp", json!({"phone": "09121110013"})).await;
    assert_eq!(st, StatusCode::ACCEPTED);
    let (st, b) = anon.post("/v1/auth/otp", json!({"phone": "۰۹۱۲۱۱۱۰۰۱۳"})).await;
    assert_eq!((st, b["code"].as_str().unwrap_or("")), (StatusCode::TOO_MANY_REQUESTS, "rate_limited"));
    // Logging out revokes the token at once.
    let (st, _) = citizen.get("/v1/complaints").await;
    assert_eq!(st, StatusCode::OK);
    let (st, _) = citizen.post("/v1/auth/logout", json!({})).await;
    assert_eq!(st, StatusCode::NO_CONTENT);
    let (st, b) = citizen.get("/v1/complaints").await;
    assert_eq!((st, b["code"].as_str().unwrap()), (StatusCode::UNAUTHORIZED, "unauthorized"));
    // A second logout with the same token is told the session is gone.
    let (st, b) = citizen.post("/v1/auth/logout", json!({})).await;
    assert_eq!((st, b["code"].as_str().unwrap()), (StatusCode::UNAUTHORIZED, "session_not_found"));
}

#[tokio::test]
async fn reference_data_openapi_metrics_and_graceful_shutdown() {
    let mut srv = server();
    let anon = Api::new(&srv.url, None);
    let (st, cats) = anon.get("/v1/categories").await;
    assert_eq!(st, StatusCode::OK);
    let names: Vec<_> = cats.as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap().to_owned()).collect();
    assert_eq!(
        names,
        ["smuggled_goods", "fraud", "hoarding", "off_network_supply", "pricing_violation", "forced_selling", "no_price_tag", "no_invoice", "other"]
    );
    assert_eq!(cats[2]["label_fa"], "احتکار");
    let (_, doc) = anon.get("/openapi.json").await;
    for path in ["/v1/complaints", "/v1/sync", "/v1/staff/complaints/{tracking_code}/transition", "/v1/staff/intake", "/v1/track/{tracking_code}"] {
        assert!(doc["paths"].get(path).is_some(), "{path} missing from openapi");
    }
    let (st, _) = anon.get("/healthz").await;
    assert_eq!(st, StatusCode::OK);
    let metrics = anon.http().get(format!("{}/metrics", srv.url)).send().await.unwrap().text().await.unwrap();
    assert!(metrics.contains("samat_http_requests_total"), "{metrics}");
    assert!(metrics.contains("samat_outbox_pending"));
    assert!(srv.terminate(), "SIGTERM ends the server cleanly");
}

#[tokio::test]
async fn staff_accounts_are_added_from_the_command_line() {
    let srv = server();
    let db = srv.database().to_owned();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_e2e-server"))
        .args(["--database", &db, "staff", "add", "--username", "Maryam.K", "--role", "inspector"])
        .env("SAMAT_STAFF_PASSWORD", "a-long-password")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let anon = Api::new(&srv.url, None);
    let (st, b) = anon.post("/v1/staff/login", json!({"username": "maryam.k", "password": "a-long-password"})).await;
    assert_eq!(st, StatusCode::OK, "{b}");
    assert_eq!(b["role"], "inspector");
    // The same username again, a short password or an unknown role: a clear one-line error.
    for (args, password, expected) in [
        (["--username", "maryam.k", "--role", "inspector"], "a-long-password", "taken"),
        (["--username", "ali", "--role", "inspector"], "short", "at least 8"),
        (["--username", "ali", "--role", "mayor"], "a-long-password", "unknown role"),
    ] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_e2e-server"))
            .args(["--database", &db, "staff", "add"])
            .args(args)
            .env("SAMAT_STAFF_PASSWORD", password)
            .output()
            .unwrap();
        assert!(!out.status.success());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(expected), "{err}");
    }
}

#[tokio::test]
async fn public_tracking_is_rate_limited_per_ip() {
    let srv = Server::start(env!("CARGO_BIN_EXE_e2e-server"), &["--track-per-ip-per-minute", "3"]);
    let citizen = srv.citizen("09121110014").await;
    let code = file(&citizen, json!({})).await;
    let anon = Api::new(&srv.url, None);
    for _ in 0..3 {
        let (st, _) = anon.get(&format!("/v1/track/{code}?phone=09121110099")).await;
        assert_eq!(st, StatusCode::NOT_FOUND);
    }
    let (st, b) = anon.get(&format!("/v1/track/{code}?phone=09121110014")).await;
    assert_eq!((st, b["code"].as_str().unwrap()), (StatusCode::TOO_MANY_REQUESTS, "rate_limited"), "guessing phones is throttled");
}
