//! Open311 GeoReport v2 end to end with the real binary (on SQLite, or PostgreSQL with
//! `SAMAT_TEST_BACKEND=postgres`): a key issued by `apikeys add`, a request filed with it
//! form-encoded, the citizen's tracking-code SMS sent once whatever the retries, the request
//! read back in both formats without anything personal, and the key listed and revoked.

use std::process::Command;

use reqwest::StatusCode;
use samat_tests::Server;

const BIN: &str = env!("CARGO_BIN_EXE_e2e-server");
const PHONE: &str = "+989121234567";

/// Runs `e2e-server --database DB apikeys ARGS…`; returns stdout, failing on an error.
fn apikeys(db: &str, args: &[&str]) -> String {
    let out = Command::new(BIN).args(["--database", db, "apikeys"]).args(args).env("SAMAT_LOG", "warn").output().expect("run apikeys");
    assert!(out.status.success(), "apikeys {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

fn form(fields: &[(&str, &str)]) -> String {
    let mut url = reqwest::Url::parse("http://x/").unwrap();
    url.query_pairs_mut().extend_pairs(fields);
    url.query().unwrap_or_default().to_owned()
}

async fn post(srv: &Server, doc: &str, fields: &[(&str, &str)]) -> (StatusCode, String) {
    let r = reqwest::Client::new()
        .post(format!("{}/open311/v2/{doc}", srv.url))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form(fields))
        .send()
        .await
        .unwrap();
    (r.status(), r.text().await.unwrap())
}

async fn get(srv: &Server, path: &str) -> (StatusCode, String) {
    let r = reqwest::get(format!("{}{path}", srv.url)).await.unwrap();
    (r.status(), r.text().await.unwrap())
}

#[tokio::test]
async fn an_app_files_with_its_key_the_citizen_gets_one_sms_and_the_public_sees_no_one() {
    let srv = Server::start(BIN, &[]);
    let db = srv.database().to_owned();
    let key = apikeys(&db, &["add", "--name", "Shahr app"]).trim().to_owned();
    assert!(key.starts_with("samat311_"), "{key}");
    let fields = [
        ("api_key", key.as_str()),
        ("service_code", "no_invoice"),
        ("description", "فروشنده فاکتور نداد"),
        ("phone", "۰۹۱۲۱۲۳۴۵۶۷"),
        ("first_name", "Ali"),
        ("attribute[guild_id]", "10010010011"),
        ("client_id", "0b6f8d0e-5d1e-4c55-9d2a-6c2b3c4d5e6f"),
    ];
    let (st, body) = post(&srv, "requests.json", &fields).await;
    assert_eq!(st, StatusCode::OK, "{body}");
    let answer: serde_json::Value = serde_json::from_str(&body).unwrap();
    let id = answer[0]["service_request_id"].as_str().unwrap().to_owned();
    assert_eq!(answer[0]["token"], "0b6f8d0e-5d1e-4c55-9d2a-6c2b3c4d5e6f");
    let sms = srv.wait_sms(PHONE, |s| s.text.contains("کد رهگیری")).await;
    assert!(sms.text.contains("سوپرمارکت نمونه"), "the registry names the shop: {}", sms.text);
    let code: String = sms.text.split("کد رهگیری: ").nth(1).unwrap().chars().take(10).collect();

    // Retried twice (a flaky network): one request, one SMS.
    for doc in ["requests.json", "requests.xml"] {
        let (st, again) = post(&srv, doc, &fields).await;
        assert_eq!(st, StatusCode::OK, "{again}");
        assert!(again.contains(&id), "{again}");
    }
    srv.settled().await;
    assert_eq!(srv.sms().iter().filter(|s| s.text.contains(&code)).count(), 1, "{:?}", srv.sms());

    for path in [format!("/open311/v2/requests/{id}.xml"), format!("/open311/v2/requests.json?service_request_id={id}"), "/open311/v2/requests.xml".into()] {
        let (st, text) = get(&srv, &path).await;
        assert_eq!(st, StatusCode::OK, "{path}: {text}");
        assert!(text.contains(&id), "{path}: {text}");
        for secret in ["9121234567", "Ali", "فاکتور نداد", "سوپرمارکت", code.as_str()] {
            assert!(!text.contains(secret), "{path} carries {secret:?}: {text}");
        }
    }
    let (_, xml) = get(&srv, &format!("/open311/v2/requests/{id}.xml")).await;
    assert!(xml.contains("<status>open</status>") && xml.contains("<service_code>no_invoice</service_code>"), "{xml}");

    let listed = apikeys(&db, &["list"]);
    assert!(listed.contains("Shahr app") && listed.contains("active") && !listed.contains(&key), "the key is shown once only: {listed}");
    apikeys(&db, &["revoke", "1"]);
    let mut after = fields[..6].to_vec();
    after[2] = ("description", "پس از ابطال کلید");
    let (st, refused) = post(&srv, "requests.xml", &after).await;
    assert_eq!(st, StatusCode::FORBIDDEN, "{refused}");
    assert!(refused.contains("<errors><error><code>403</code>"), "{refused}");
    assert!(apikeys(&db, &["list"]).contains("revoked"));
}
