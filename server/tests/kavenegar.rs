//! The Kavenegar gateway against a local fake of its REST API: the request shapes it sends
//! and how it reads the answers.

use std::sync::{Arc, Mutex};

use axum::extract::{Form, Path, State};
use axum::routing::post;
use axum::{Json, Router};
use samat_core::model::PhoneNumber;
use samat_server::sms::kavenegar::KavenegarSms;
use samat_server::sms::{KavenegarOptions, SendError, SmsSender};
use samat_server::store::{OutboxSms, SmsKind};
use serde_json::{json, Value};
use std::collections::HashMap;

type Seen = Arc<Mutex<Vec<(String, String, HashMap<String, String>)>>>;

async fn fake(
    State((seen, status)): State<(Seen, i64)>,
    Path((key, method)): Path<(String, String)>,
    Form(form): Form<HashMap<String, String>>,
) -> Json<Value> {
    seen.lock().unwrap().push((key, method, form));
    Json(json!({"return": {"status": status, "message": "پیام"}, "entries": []}))
}

async fn start(status: i64) -> (String, Seen) {
    let seen: Seen = Arc::default();
    let app = Router::new().route("/v1/{key}/{*method}", post(fake)).with_state((seen.clone(), status));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, seen)
}

fn sms(kind: SmsKind, token: Option<&str>) -> OutboxSms {
    OutboxSms { id: 42, to: PhoneNumber::parse("+989121234567").unwrap(), text: "متن پیام".into(), kind, token: token.map(Into::into), attempts: 0 }
}

fn gateway(url: &str) -> KavenegarSms {
    KavenegarSms::new("KEY123".into(), KavenegarOptions { base_url: url.into(), otp_template: "samat-otp".into(), sender: Some("10004346".into()) }).unwrap()
}

#[tokio::test]
async fn login_codes_use_verify_lookup_and_notices_use_sms_send_with_localid() {
    let (url, seen) = start(200).await;
    let g = gateway(&url);
    g.send(&sms(SmsKind::Otp, Some("123456"))).await.unwrap();
    g.send(&sms(SmsKind::Notice, None)).await.unwrap();
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 2);
    let (key, method, form) = &seen[0];
    assert_eq!((key.as_str(), method.as_str()), ("KEY123", "verify/lookup.json"));
    assert_eq!(form["receptor"], "09121234567");
    assert_eq!(form["token"], "123456");
    assert_eq!(form["template"], "samat-otp");
    let (_, method, form) = &seen[1];
    assert_eq!(method, "sms/send.json");
    assert_eq!(form["message"], "متن پیام");
    assert_eq!(form["localid"], "42");
    assert_eq!(form["sender"], "10004346");
}

#[tokio::test]
async fn gateway_answers_are_classified() {
    let (url, _) = start(418).await;
    assert!(matches!(gateway(&url).send(&sms(SmsKind::Notice, None)).await, Err(SendError::Retryable(_))), "no credit: retry later");
    let (url, _) = start(411).await;
    assert!(matches!(gateway(&url).send(&sms(SmsKind::Notice, None)).await, Err(SendError::Permanent(_))), "bad receptor: give up");
    let dead = gateway("http://127.0.0.1:9");
    assert!(matches!(dead.send(&sms(SmsKind::Notice, None)).await, Err(SendError::Retryable(_))), "unreachable: retry");
}
