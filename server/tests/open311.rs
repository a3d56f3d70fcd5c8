//! Open311 GeoReport v2 through the whole router, in-process over a temp SQLite store: every
//! endpoint in both formats, the filters, what public answers leave out, one SMS per filing
//! whatever the retries, keys revoked and rate-limited, and bad input answered in Open311's
//! own error format, never with a 500.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, HeaderMap, Request, StatusCode};
use http_body_util::BodyExt;
use samat_server::open311::keys;
use samat_server::store::{self, Store};
use samat_server::{router, AppState, Settings};
use serde_json::Value;
use time::OffsetDateTime;
use tower::ServiceExt;

const PHONE: &str = "09121234567";

struct App {
    state: AppState,
    _dir: tempfile::TempDir,
}

struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    text: String,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }
}

impl App {
    async fn new(settings: Settings) -> App {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("t.db").display());
        let store: Arc<dyn Store> = store::open(&url).await.unwrap();
        App { state: AppState::new(store, settings), _dir: dir }
    }

    async fn key(&self, name: &str) -> (i64, String) {
        let key = keys::generate();
        let id = self.state.store.add_api_key(name, keys::hash(&key), OffsetDateTime::now_utc()).await.unwrap();
        (id, key)
    }

    async fn call(&self, method: &str, uri: &str, content_type: Option<&str>, body: &str) -> Answer {
        let mut req = Request::builder().method(method).uri(uri);
        if let Some(ct) = content_type {
            req = req.header(header::CONTENT_TYPE, ct);
        }
        let resp = router(self.state.clone()).oneshot(req.body(Body::from(body.to_owned())).unwrap()).await.unwrap();
        let (status, headers) = (resp.status(), resp.headers().clone());
        let text = String::from_utf8(resp.into_body().collect().await.unwrap().to_bytes().to_vec()).unwrap();
        Answer { status, headers, text }
    }

    async fn get(&self, uri: &str) -> Answer {
        self.call("GET", uri, None, "").await
    }

    async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Answer {
        let body = form(fields);
        self.call("POST", path, Some("application/x-www-form-urlencoded"), &body).await
    }

    /// How many SMS due now contain `text_part` (claims them, as a worker would).
    async fn sms_to(&self, text_part: &str) -> usize {
        self.state.store.due_sms(OffsetDateTime::now_utc(), 1000).await.unwrap().iter().filter(|s| s.text.contains(text_part)).count()
    }
}

fn form(fields: &[(&str, &str)]) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in fields {
        s.append_pair(k, v);
    }
    s.finish()
}

fn filing<'a>(key: &'a str, description: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("api_key", key),
        ("service_code", "no_invoice"),
        ("description", description),
        ("phone", PHONE),
        ("first_name", "Ali"),
        ("last_name", "Rezaei"),
        ("email", "ali@example.org"),
        ("jurisdiction_id", "tehran"),
        ("attribute[city]", "تهران"),
        ("attribute[business_name]", "فروشگاه <نمونه> & شرکا"),
    ]
}

/// The one element of an XML list answer named `tag`'s text.
fn xml_text<'a>(xml: &'a str, tag: &str) -> Option<&'a str> {
    let open = format!("<{tag}>");
    let start = xml.find(&open)? + open.len();
    let end = xml[start..].find(&format!("</{tag}>"))? + start;
    Some(&xml[start..end])
}

#[tokio::test]
async fn services_list_every_category_in_both_formats() {
    let app = App::new(Settings::default()).await;
    let json = app.get("/open311/v2/services.json").await;
    assert_eq!(json.status, StatusCode::OK);
    assert!(json.headers[header::CONTENT_TYPE].to_str().unwrap().starts_with("application/json"));
    let list = json.json();
    assert_eq!(list.as_array().unwrap().len(), 9);
    for field in ["service_code", "service_name", "description", "metadata", "type", "keywords", "group"] {
        assert!(list[0].get(field).is_some(), "services carry {field}");
    }
    assert_eq!(list[0]["service_code"], "smuggled_goods");
    assert_eq!(list[0]["service_name"], "فروش و اختفای کالای قاچاق");
    assert_eq!(app.get("/open311/v2/services.json?locale=en").await.json()[0]["service_name"], "Selling or concealing smuggled goods");
    let xml = app.get("/open311/v2/services.xml?jurisdiction_id=tehran").await;
    assert_eq!(xml.status, StatusCode::OK);
    assert!(xml.headers[header::CONTENT_TYPE].to_str().unwrap().starts_with("text/xml"));
    assert!(xml.text.starts_with("<?xml version=\"1.0\" encoding=\"utf-8\"?><services><service><service_code>smuggled_goods</service_code>"), "{}", xml.text);
    assert_eq!(xml.text.matches("<service>").count(), 9);

    let def = app.get("/open311/v2/services/fraud.json").await.json();
    assert_eq!(def["service_code"], "fraud");
    let codes: Vec<&str> = def["attributes"].as_array().unwrap().iter().map(|a| a["code"].as_str().unwrap()).collect();
    assert!(codes.contains(&"guild_id") && codes.contains(&"incident_date"), "{codes:?}");
    let def_xml = app.get("/open311/v2/services/fraud.xml").await;
    assert!(
        def_xml.text.contains("<service_definition><service_code>fraud</service_code><attributes><attribute><variable>true</variable>"),
        "{}",
        def_xml.text
    );
}

#[tokio::test]
async fn a_filed_request_reads_back_without_anything_personal_and_texts_the_code_once() {
    let app = App::new(Settings::default()).await;
    let (_, key) = app.key("Shahr app").await;
    let filed = app.post("/open311/v2/requests.json", &filing(&key, "فاکتور نداد؛ شماره من ۰۹۱۲۱۲۳۴۵۶۷ است")).await;
    assert_eq!(filed.status, StatusCode::OK, "{}", filed.text);
    let answer = filed.json();
    let id = answer[0]["service_request_id"].as_str().unwrap().to_owned();
    let token = answer[0]["token"].as_str().unwrap().to_owned();
    let c =
        app.state.store.public_complaints(samat_server::store::PublicFilter { ids: vec![id.parse().unwrap()], limit: 1, ..Default::default() }).await.unwrap();
    let code = c[0].tracking_code.as_str().to_owned();
    assert_ne!(id, code, "the public id is not the tracking code");
    assert!(!filed.text.contains(&code), "the app is not told the citizen's tracking code");
    assert_eq!(app.sms_to(&code).await, 1, "the tracking code goes to the citizen by SMS");

    // The same POST again (a retry after a lost answer): the same request, no second SMS.
    let again = app.post("/open311/v2/requests.xml", &filing(&key, "فاکتور نداد؛ شماره من ۰۹۱۲۱۲۳۴۵۶۷ است")).await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.text);
    assert_eq!(xml_text(&again.text, "service_request_id"), Some(id.as_str()));
    assert_eq!(app.state.store.pending_sms().await.unwrap(), 1, "still the one SMS (the first look claimed it, so count what waits)");

    for uri in [
        format!("/open311/v2/requests/{id}.json"),
        format!("/open311/v2/requests/{id}.xml"),
        "/open311/v2/requests.json".to_owned(),
        "/open311/v2/requests.xml?status=open".to_owned(),
        format!("/open311/v2/tokens/{token}.json"),
    ] {
        let a = app.get(&uri).await;
        assert_eq!(a.status, StatusCode::OK, "{uri}: {}", a.text);
        for secret in ["09121234567", "9121234567", "۰۹۱۲", "Ali", "Rezaei", "example.org", "فاکتور نداد", "نمونه", code.as_str(), "photo", "jpeg"]
        {
            assert!(!a.text.contains(secret), "{uri} carries {secret:?}: {}", a.text);
        }
        assert!(a.text.contains(&id), "{uri}");
    }
    let one = app.get(&format!("/open311/v2/requests/{id}.json")).await.json();
    let r = &one[0];
    for field in [
        "service_request_id",
        "status",
        "status_notes",
        "service_name",
        "service_code",
        "description",
        "agency_responsible",
        "service_notice",
        "requested_datetime",
        "updated_datetime",
        "expected_datetime",
        "address",
        "address_id",
        "zipcode",
        "lat",
        "long",
        "media_url",
    ] {
        assert!(r.get(field).is_some(), "requests carry {field}: {r}");
    }
    assert_eq!((r["status"].as_str(), r["status_notes"].as_str(), r["service_code"].as_str()), (Some("open"), Some("ثبت شد"), Some("no_invoice")));
    assert!(r["requested_datetime"].as_str().unwrap().ends_with("+03:30"), "{r}");
    assert!(r["expected_datetime"].as_str().unwrap().ends_with("+03:30"), "the stage's deadline: {r}");
    assert_eq!(r["address"], "تهران، تهران");
    assert_eq!(r["jurisdiction_id"], "tehran");
    let xml = app.get(&format!("/open311/v2/requests/{id}.xml?locale=en")).await.text;
    assert_eq!(xml_text(&xml, "status_notes"), Some("Received"));
    assert!(xml.contains("<lat/>") && xml.contains("<media_url/>"), "{xml}");

    let tok = app.get(&format!("/open311/v2/tokens/{token}.xml")).await.text;
    assert_eq!(xml_text(&tok, "service_request_id"), Some(id.as_str()));
}

#[tokio::test]
async fn listings_filter_by_service_status_dates_and_province() {
    let app = App::new(Settings::default()).await;
    let (_, key) = app.key("k").await;
    let mut ids = Vec::new();
    for (code, province, text) in [("fraud", "tehran", "یک"), ("no_invoice", "fars", "دو"), ("fraud", "fars", "سه")] {
        let fields = [("api_key", key.as_str()), ("service_code", code), ("description", text), ("phone", PHONE), ("jurisdiction_id", province)];
        let a = app.post("/open311/v2/requests.json", &fields).await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.text);
        ids.push(a.json()[0]["service_request_id"].as_str().unwrap().to_owned());
    }
    let ids_of = |v: Value| -> Vec<String> { v.as_array().unwrap().iter().map(|r| r["service_request_id"].as_str().unwrap().to_owned()).collect() };
    assert_eq!(ids_of(app.get("/open311/v2/requests.json").await.json()), vec![ids[2].clone(), ids[1].clone(), ids[0].clone()], "newest first");
    assert_eq!(ids_of(app.get("/open311/v2/requests.json?service_code=fraud").await.json()), vec![ids[2].clone(), ids[0].clone()]);
    assert_eq!(ids_of(app.get("/open311/v2/requests.json?jurisdiction_id=fars&service_code=fraud").await.json()), vec![ids[2].clone()]);
    assert_eq!(
        ids_of(app.get(&format!("/open311/v2/requests.json?service_request_id={},{}", ids[0], ids[1])).await.json()),
        vec![ids[1].clone(), ids[0].clone()]
    );
    assert!(ids_of(app.get("/open311/v2/requests.json?status=closed").await.json()).is_empty());
    assert_eq!(ids_of(app.get("/open311/v2/requests.json?status=open").await.json()).len(), 3);
    assert!(ids_of(app.get("/open311/v2/requests.json?start_date=2999-01-01T00:00:00Z").await.json()).is_empty());
    assert_eq!(ids_of(app.get("/open311/v2/requests.json?end_date=2999-01-01T00:00:00%2B03:30").await.json()).len(), 3);
    assert_eq!(ids_of(app.get("/open311/v2/requests.json?updated_after=2020-01-01").await.json()).len(), 3);
    assert!(ids_of(app.get("/open311/v2/requests.json?updated_after=2999-01-01").await.json()).is_empty());
}

#[tokio::test]
async fn keys_are_required_revocable_and_rate_limited() {
    let app = App::new(Settings { open311_posts_per_key_per_minute: 2, ..Settings::default() }).await;
    let (id, key) = app.key("k").await;
    let no_key = app.post("/open311/v2/requests.xml", &[("service_code", "fraud"), ("description", "x"), ("phone", PHONE)]).await;
    assert_eq!(no_key.status, StatusCode::FORBIDDEN);
    assert_eq!(xml_text(&no_key.text, "code"), Some("403"), "{}", no_key.text);
    assert!(no_key.text.contains("<errors><error><code>403</code><description>"), "{}", no_key.text);
    let wrong = app.post("/open311/v2/requests.json", &filing("samat311_not-a-key", "x")).await;
    assert_eq!(wrong.status, StatusCode::FORBIDDEN);
    assert_eq!(wrong.json()[0]["code"], 403);

    for n in 0..2 {
        let a = app.post("/open311/v2/requests.json", &filing(&key, &format!("شکایت {n}"))).await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    }
    let limited = app.post("/open311/v2/requests.json", &filing(&key, "سومی")).await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(limited.headers.get(header::RETRY_AFTER).is_some());
    assert_eq!(limited.json()[0]["code"], 429);

    assert!(app.state.store.revoke_api_key(id, OffsetDateTime::now_utc()).await.unwrap());
    let revoked = app.post("/open311/v2/requests.json", &filing(&key, "بعد از ابطال")).await;
    assert_eq!(revoked.status, StatusCode::FORBIDDEN, "{}", revoked.text);
    assert_eq!(app.get("/open311/v2/requests.json").await.json().as_array().unwrap().len(), 2, "GETs need no key");
}

#[tokio::test]
async fn bad_input_is_an_open311_error_with_the_right_status_never_a_500() {
    let app = App::new(Settings::default()).await;
    let (_, key) = app.key("k").await;
    let gets = [
        ("/open311/v2/services/potholes.json", StatusCode::NOT_FOUND),
        ("/open311/v2/services/potholes.xml", StatusCode::NOT_FOUND),
        ("/open311/v2/services.json?jurisdiction_id=narnia", StatusCode::NOT_FOUND),
        ("/open311/v2/services.yaml", StatusCode::NOT_FOUND),
        ("/open311/v2/stats.json", StatusCode::NOT_FOUND),
        ("/open311/v2/requests.json?start_date=yesterday", StatusCode::BAD_REQUEST),
        ("/open311/v2/requests.xml?end_date=2025-02-30", StatusCode::BAD_REQUEST),
        ("/open311/v2/requests.json?updated_after=%00", StatusCode::BAD_REQUEST),
        ("/open311/v2/requests.json?service_code=potholes", StatusCode::BAD_REQUEST),
        ("/open311/v2/requests.json?status=pending", StatusCode::BAD_REQUEST),
        ("/open311/v2/requests.json?service_request_id=1%27%20OR%201=1", StatusCode::BAD_REQUEST),
        ("/open311/v2/requests.json?jurisdiction_id=narnia", StatusCode::NOT_FOUND),
        ("/open311/v2/requests/99999.json", StatusCode::NOT_FOUND),
        ("/open311/v2/requests/99999999999999999999999.xml", StatusCode::NOT_FOUND),
        ("/open311/v2/requests/abc.json", StatusCode::NOT_FOUND),
        ("/open311/v2/tokens/abc.xml", StatusCode::NOT_FOUND),
        ("/open311/v2/tokens/6f1c1c7e-4a55-4f1e-9d2a-1c2b3c4d5e6f.json", StatusCode::NOT_FOUND),
    ];
    for (uri, status) in gets {
        let a = app.get(uri).await;
        assert_eq!(a.status, status, "{uri}: {}", a.text);
        if uri.contains(".xml") {
            assert!(a.text.contains("<errors><error><code>") && a.text.contains("</description></error></errors>"), "{uri}: {}", a.text);
        } else {
            let e = a.json();
            assert_eq!(e[0]["code"], status.as_u16(), "{uri}");
            assert!(e[0]["description"].as_str().is_some_and(|d| !d.is_empty()), "{uri}");
        }
    }
    let base: Vec<(&str, &str)> = vec![("api_key", key.as_str()), ("service_code", "fraud"), ("description", "x"), ("phone", PHONE)];
    let with = |extra: &[(&'static str, &'static str)]| {
        let mut all = base.clone();
        for (k, v) in extra {
            all.retain(|(n, _)| n != k);
            all.push((*k, *v));
        }
        form(&all)
    };
    let posts: Vec<(String, &str, StatusCode)> = vec![
        (with(&[("service_code", "potholes")]), "requests.json", StatusCode::BAD_REQUEST),
        (with(&[("service_code", "")]), "requests.xml", StatusCode::BAD_REQUEST),
        (with(&[("phone", "")]), "requests.json", StatusCode::BAD_REQUEST),
        (with(&[("phone", "12345")]), "requests.json", StatusCode::BAD_REQUEST),
        (with(&[("description", "")]), "requests.xml", StatusCode::BAD_REQUEST),
        (with(&[("jurisdiction_id", "narnia")]), "requests.json", StatusCode::NOT_FOUND),
        (with(&[("attribute[incident_date]", "last week")]), "requests.json", StatusCode::BAD_REQUEST),
        (with(&[("attribute[incident_date]", "2999-01-01")]), "requests.json", StatusCode::BAD_REQUEST),
        (with(&[("attribute[amount_rials]", "-5")]), "requests.json", StatusCode::BAD_REQUEST),
        (with(&[("attribute[guild_id]", "abc")]), "requests.json", StatusCode::BAD_REQUEST),
        (with(&[("lat", "NaN")]), "requests.json", StatusCode::BAD_REQUEST),
        (with(&[("api_key", "")]), "requests.xml", StatusCode::FORBIDDEN),
        ("%%%&&&=".to_owned(), "requests.json", StatusCode::BAD_REQUEST),
        (with(&[]), "services.json", StatusCode::METHOD_NOT_ALLOWED),
    ];
    for (body, doc, status) in posts {
        let a = app.call("POST", &format!("/open311/v2/{doc}"), Some("application/x-www-form-urlencoded"), &body).await;
        assert_eq!(a.status, status, "{doc} {body}: {}", a.text);
        assert!(a.text.contains(&format!("{}", status.as_u16())), "{doc} {body}: {}", a.text);
        if doc.ends_with(".xml") {
            assert!(a.text.contains("<errors><error>"), "{}", a.text);
        }
    }
    for (method, uri) in [("PUT", "/open311/v2/requests.xml"), ("DELETE", "/open311/v2/requests/1.json"), ("POST", "/open311/v2/tokens/x.xml")] {
        let a = app.call(method, uri, None, "").await;
        assert_eq!(a.status, StatusCode::METHOD_NOT_ALLOWED, "{method} {uri}");
        assert!(a.text.contains("405"), "{method} {uri}: {}", a.text);
        assert_eq!(a.text.contains("<errors>"), uri.ends_with(".xml"), "{method} {uri}: {}", a.text);
    }
    // A JSON body where the XML path expects a form; XML; a JSON body that is not an object.
    let json_body = serde_json::json!({"api_key": key, "service_code": "fraud", "description": "x", "phone": PHONE}).to_string();
    let a = app.call("POST", "/open311/v2/requests.xml", Some("application/json"), &json_body).await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert!(a.text.contains("<errors><error><code>400</code>"), "{}", a.text);
    let a = app.call("POST", "/open311/v2/requests.json", Some("application/xml"), "<request/>").await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert_eq!(app.call("POST", "/open311/v2/requests.json", Some("application/json"), "[1]").await.status, StatusCode::BAD_REQUEST);
    assert_eq!(app.call("POST", "/open311/v2/requests.json", Some("application/json"), "{not json").await.status, StatusCode::BAD_REQUEST);
    // …while a flat JSON object on the JSON path files like the form.
    let a = app.call("POST", "/open311/v2/requests.json", Some("application/json"), &json_body).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
}

#[tokio::test]
async fn lookups_are_rate_limited_per_address_and_the_services_are_not() {
    let app = App::new(Settings { open311_reads_per_ip_per_minute: 3, ..Settings::default() }).await;
    for path in ["/open311/v2/requests.json", "/open311/v2/requests/1.json", "/open311/v2/tokens/7f0c1b0e-1d1a-4f5e-9c43-0a3c8b5a6e21.json"] {
        let a = app.get(path).await;
        assert_ne!(a.status, StatusCode::TOO_MANY_REQUESTS, "{path}: {}", a.text);
    }
    for path in ["/open311/v2/requests.json", "/open311/v2/requests/1.xml", "/open311/v2/tokens/7f0c1b0e-1d1a-4f5e-9c43-0a3c8b5a6e21.json"] {
        let limited = app.get(path).await;
        assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS, "{path}: {}", limited.text);
        assert!(limited.headers.get(header::RETRY_AFTER).is_some(), "{path}");
        if path.ends_with(".xml") {
            assert_eq!(xml_text(&limited.text, "code"), Some("429"), "{}", limited.text);
        } else {
            assert_eq!(limited.json()[0]["code"], 429, "{}", limited.text);
        }
    }
    let services = app.get("/open311/v2/services.json").await;
    assert_eq!(services.status, StatusCode::OK, "the list of services is static and never limited");
}
