//! Provinces and assignment through the staff API, end to end: a provincial account sees its
//! own province only (another province's complaint is 404 everywhere), complaints take their
//! business's province, and taking a complaint a colleague holds is refused.

use reqwest::StatusCode;
use samat_tests::{Api, Server};
use serde_json::{json, Value};
use uuid::Uuid;

fn server() -> Server {
    Server::start(env!("CARGO_BIN_EXE_e2e-server"), &[])
}

async fn file(citizen: &Api, guild_id: Option<&str>, province: Option<&str>) -> String {
    let mut body = json!({
        "client_id": Uuid::new_v4().to_string(),
        "category": "pricing_violation",
        "description": "گران‌فروشی",
    });
    if let Some(g) = guild_id {
        body["guild_id"] = json!(g);
    }
    if let Some(p) = province {
        body["province"] = json!(p);
    }
    let (st, b) = citizen.post("/v1/complaints", body).await;
    assert_eq!(st, StatusCode::CREATED, "{b}");
    b["tracking_code"].as_str().unwrap().to_owned()
}

fn codes(queue: &Value) -> Vec<String> {
    queue["items"].as_array().unwrap().iter().map(|i| i["tracking_code"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn a_provincial_account_sees_only_its_province() {
    let s = server();
    let citizen = s.citizen("09123330001").await;
    // The demo registry: 10010010011 is in Tehran, 20020020021 in Isfahan.
    let tehran = file(&citizen, Some("10010010011"), None).await;
    let isfahan = file(&citizen, Some("20020020021"), Some("تهران")).await;
    let unplaced = file(&citizen, None, None).await;
    let typed = file(&citizen, None, Some("خراسان‌ رضوی")).await;

    let national = s.staff("expert").await;
    let (_, c) = national.get(&format!("/v1/staff/complaints/{isfahan}")).await;
    assert_eq!(c["province"], "اصفهان", "the business's province wins over the one typed");
    let (_, c) = national.get(&format!("/v1/staff/complaints/{typed}")).await;
    assert_eq!(c["province"], "خراسان رضوی");
    let (_, c) = citizen.get(&format!("/v1/complaints/{tehran}")).await;
    assert_eq!(c["business_name"], "سوپرمارکت نمونه", "a guild ID alone names the shop");

    let (_, q) = national.get("/v1/staff/queue").await;
    for code in [&tehran, &isfahan, &unplaced, &typed] {
        assert!(codes(&q).contains(code), "national sees {code}");
    }
    let provincial = s.staff("expert-tehran").await;
    let (st, q) = provincial.get("/v1/staff/queue").await;
    assert_eq!(st, StatusCode::OK, "{q}");
    assert_eq!(codes(&q), vec![tehran.clone()]);
    assert_eq!(q["items"][0]["province"], "tehran");
    for code in [&isfahan, &unplaced] {
        let (st, b) = provincial.get(&format!("/v1/staff/complaints/{code}")).await;
        assert_eq!((st, b["code"].as_str()), (StatusCode::NOT_FOUND, Some("complaint_not_found")), "{code}");
        let (st, _) = provincial.post(&format!("/v1/staff/complaints/{code}/transition"), json!({"to": "expert_review"})).await;
        assert_eq!(st, StatusCode::NOT_FOUND, "{code}");
    }
    // A national account places the unplaced complaint; then Tehran's expert has it.
    let (st, b) = provincial.post(&format!("/v1/staff/complaints/{unplaced}/province"), json!({"province": "tehran"})).await;
    assert_eq!(st, StatusCode::NOT_FOUND, "{b}");
    let (st, b) = national.post(&format!("/v1/staff/complaints/{unplaced}/province"), json!({"province": "IR-23"})).await;
    assert_eq!(st, StatusCode::OK, "{b}");
    let (_, q) = provincial.get("/v1/staff/queue").await;
    assert!(codes(&q).contains(&unplaced));
    let (st, b) = national.post(&format!("/v1/staff/complaints/{unplaced}/province"), json!({"province": "Atlantis"})).await;
    assert_eq!((st, b["code"].as_str()), (StatusCode::BAD_REQUEST, Some("unknown_province")));
    // The citizen's own history never shows staff bookkeeping.
    let (_, c) = citizen.get(&format!("/v1/complaints/{unplaced}")).await;
    assert!(c["events"].as_array().unwrap().iter().all(|e| e["kind"] != "province"), "{c}");
}

#[tokio::test]
async fn taking_a_complaint_a_colleague_holds_is_refused() {
    let s = server();
    let citizen = s.citizen("09123330002").await;
    let code = file(&citizen, Some("10010010011"), None).await;
    let a = s.staff("expert").await;
    let b = s.staff("expert-tehran").await;
    let path = format!("/v1/staff/complaints/{code}/assign");
    let (st, e) = a.post(&path, json!({"action": "take"})).await;
    assert_eq!(st, StatusCode::OK, "{e}");
    assert_eq!(e["kind"], "assigned");
    let (st, e) = b.post(&path, json!({"action": "take"})).await;
    assert_eq!((st, e["code"].as_str()), (StatusCode::CONFLICT, Some("already_assigned")), "{e}");
    let (st, e) = b.post(&path, json!({"action": "release"})).await;
    assert_eq!((st, e["code"].as_str()), (StatusCode::CONFLICT, Some("not_assigned_to_you")), "{e}");
    let (_, q) = a.get("/v1/staff/queue?holding=mine").await;
    assert_eq!(codes(&q), vec![code.clone()]);
    assert!(q["items"][0]["holder"].is_string());
    let (_, q) = b.get("/v1/staff/queue?holding=unassigned").await;
    assert!(!codes(&q).contains(&code));

    // The holder opens the review and keeps it; the next stage's role finds it unassigned.
    let (st, _) = a.post(&format!("/v1/staff/complaints/{code}/transition"), json!({"to": "expert_review"})).await;
    assert_eq!(st, StatusCode::OK);
    let (_, q) = a.get("/v1/staff/queue?holding=mine").await;
    assert_eq!(codes(&q), vec![code.clone()], "the expert goes on reviewing");
    let (st, _) = a.post(&format!("/v1/staff/complaints/{code}/transition"), json!({"to": "inspection"})).await;
    assert_eq!(st, StatusCode::OK);
    let inspector = s.staff("inspector").await;
    let (_, q) = inspector.get("/v1/staff/queue?holding=unassigned").await;
    assert!(codes(&q).contains(&code), "inspection waits unassigned");

    // Handing over is a supervisor's, to someone whose role works on the stage.
    let (st, e) = a.post(&path, json!({"action": "hand_to", "assignee": 1})).await;
    assert_eq!((st, e["code"].as_str()), (StatusCode::FORBIDDEN, Some("role_not_allowed")), "{e}");
    let supervisor = s.staff("supervisor").await;
    let (st, e) = supervisor.post(&path, json!({"action": "hand_to", "assignee": 2})).await;
    assert_eq!((st, e["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("assignee_cannot_handle")), "the demo expert (id 2) does not inspect: {e}");
    let (st, e) = supervisor.post(&path, json!({"action": "hand_to", "assignee": 4})).await;
    assert_eq!(st, StatusCode::OK, "the demo inspector (id 4): {e}");
    let (_, q) = inspector.get("/v1/staff/queue?holding=mine").await;
    assert_eq!(codes(&q), vec![code]);
}

#[tokio::test]
async fn intake_records_who_filed_and_the_province_given() {
    let s = server();
    let op = s.staff("operator").await;
    let (st, b) = op
        .post("/v1/staff/intake", json!({"phone": "09123330003", "channel": "phone", "category": "hoarding", "description": "احتکار روغن", "province": "fars"}))
        .await;
    assert_eq!(st, StatusCode::CREATED, "{b}");
    let code = b["tracking_code"].as_str().unwrap().to_owned();
    let (_, c) = op.get(&format!("/v1/staff/complaints/{code}")).await;
    assert_eq!(c["province"], "فارس");
    assert_eq!(c["events"][0]["actor"], "operator");
    let sup = s.staff("supervisor").await;
    let (st, b) = sup.post("/v1/staff/intake", json!({"phone": "09123330003", "channel": "counter", "category": "hoarding", "description": "احتکار"})).await;
    assert_eq!(st, StatusCode::CREATED, "{b}");
    let (_, c) = sup.get(&format!("/v1/staff/complaints/{}", b["tracking_code"].as_str().unwrap())).await;
    assert_eq!(c["events"][0]["actor"], "supervisor", "a supervisor's intake is recorded as the supervisor's");
    let ex = s.staff("expert-tehran").await;
    let (st, b) = ex.post("/v1/staff/intake", json!({"phone": "09123330003", "channel": "phone", "category": "hoarding", "description": "x"})).await;
    assert_eq!((st, b["code"].as_str()), (StatusCode::FORBIDDEN, Some("role_not_allowed")));
}
