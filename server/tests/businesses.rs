//! The guild registry and its barcodes through the router (`oneshot`, temp SQLite): lookup
//! with ETag, the picker search, the published keys, the staff-only sticker QR decoded back
//! and verified, the public /g page, and the CSV import.

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::http::{header, HeaderMap, Request, StatusCode};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use http_body_util::BodyExt;
use samat_core::model::api::LicenceStatus;
use samat_core::model::guild::{self, GuildKey, PayloadForm};
use samat_core::model::Role;
use samat_server::keys::GuildKeys;
use samat_server::registry::{import_csv, BadRow};
use samat_server::store::{self, BusinessFields, BusinessRecord, Store};
use samat_server::{router, AppState, Settings};
use serde_json::{json, Value};
use time::OffsetDateTime;
use tower::ServiceExt;

struct App {
    state: AppState,
    _dir: tempfile::TempDir,
}

struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    fn header(&self, name: header::HeaderName) -> &str {
        self.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
    }
}

fn signing(id: &str, byte: u8) -> (String, ed25519_dalek::SigningKey) {
    (id.to_owned(), guild::signing_key_from_seed(&URL_SAFE_NO_PAD.encode([byte; 32])).unwrap())
}

fn business(guild_id: &str, name: &str, status: Option<LicenceStatus>, city: &str) -> BusinessRecord {
    BusinessRecord {
        guild_id: guild_id.into(),
        name: name.into(),
        guild: Some("اتحادیه نمونه".into()),
        licence_no: Some("1401-23-1".into()),
        licence_status: status,
        province: Some("تهران".into()),
        city: Some(city.into()),
        address: Some("خیابان آزادی".into()),
    }
}

impl App {
    async fn with(settings: Settings) -> App {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("t.db").display());
        let store: Arc<dyn Store> = store::open(&url).await.unwrap();
        App { state: AppState::new(store, settings), _dir: dir }
    }

    /// Signing key `m2026`, retired key `m2025`.
    async fn new() -> App {
        let (_, retired) = signing("m2025", 2);
        let keys = GuildKeys::new(Some(signing("m2026", 1)), vec![guild::public_key("m2025", &retired)]);
        App::with(Settings { guild_keys: keys, ..Settings::default() }).await
    }

    async fn put(&self, b: BusinessRecord) {
        self.state.store.upsert_business(b, OffsetDateTime::now_utc()).await.unwrap();
    }

    async fn send(&self, method: &str, uri: &str, token: Option<&str>, headers: &[(&str, &str)], body: Option<Value>) -> Reply {
        let mut req = Request::builder().method(method).uri(uri);
        if let Some(t) = token {
            req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let req = match body {
            Some(b) => req.header(header::CONTENT_TYPE, "application/json").body(Body::from(b.to_string())).unwrap(),
            None => req.body(Body::empty()).unwrap(),
        };
        let resp = router(self.state.clone()).oneshot(req).await.unwrap();
        let (parts, body) = resp.into_parts();
        Reply { status: parts.status, headers: parts.headers, body: body.collect().await.unwrap().to_bytes() }
    }

    async fn get(&self, uri: &str) -> Reply {
        self.send("GET", uri, None, &[], None).await
    }

    async fn staff(&self) -> String {
        let hash = samat_server::passwords::hash("s3cret-pass").unwrap();
        let staff = samat_server::store::NewStaff { username: "printer".into(), display_name: None, password_hash: hash, role: Role::Operator, province: None };
        self.state.store.add_staff(staff).await.unwrap();
        let r = self.send("POST", "/v1/staff/login", None, &[], Some(json!({"username": "printer", "password": "s3cret-pass"}))).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        r.json()["token"].as_str().unwrap().to_owned()
    }

    async fn citizen(&self, phone: &str) -> String {
        let r = self.send("POST", "/v1/auth/otp", None, &[], Some(json!({"phone": phone}))).await;
        assert_eq!(r.status, StatusCode::ACCEPTED);
        let due = self.state.store.due_sms(OffsetDateTime::now_utc(), 100).await.unwrap();
        let code = due.iter().rev().find_map(|s| s.token.clone()).expect("otp queued");
        let r = self.send("POST", "/v1/auth/verify", None, &[], Some(json!({"phone": phone, "code": code}))).await;
        r.json()["token"].as_str().unwrap().to_owned()
    }
}

#[tokio::test]
async fn lookup_by_id_with_etag_and_304() {
    let app = App::new().await;
    app.put(business("10010010011", "سوپرمارکت نمونه", Some(LicenceStatus::Active), "تهران")).await;
    // Persian digits and separators in the path are the same business.
    let r = app.get("/v1/businesses/%DB%B1%DB%B0%DB%B0%DB%B1%DB%B0%DB%B0%DB%B1%DB%B0%DB%B0%DB%B1%DB%B1").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(
        r.json(),
        json!({"guild_id": "10010010011", "name": "سوپرمارکت نمونه", "guild": "اتحادیه نمونه", "licence_no": "1401-23-1",
               "licence_status": "active", "province": "تهران", "city": "تهران", "address": "خیابان آزادی"})
    );
    assert!(r.header(header::CACHE_CONTROL).starts_with("public, max-age="), "{:?}", r.headers);
    let etag = r.header(header::ETAG).to_owned();
    assert!(etag.starts_with('"'));

    let again = app.send("GET", "/v1/businesses/10010010011", None, &[("if-none-match", &etag)], None).await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    assert!(again.body.is_empty());
    assert_eq!(again.header(header::ETAG), etag);

    // A change to what the client sees changes the tag.
    app.put(business("10010010011", "سوپرمارکت نمونه", Some(LicenceStatus::Suspended), "تهران")).await;
    let changed = app.send("GET", "/v1/businesses/10010010011", None, &[("if-none-match", &etag)], None).await;
    assert_eq!(changed.status, StatusCode::OK);
    assert_eq!(changed.json()["licence_status"], "suspended");
    assert_ne!(changed.header(header::ETAG), etag);

    let missing = app.get("/v1/businesses/99999").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.json()["code"], "business_not_found");
    let bad = app.get("/v1/businesses/12ab").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(bad.json()["code"], "invalid_guild_id");
}

#[tokio::test]
async fn search_matches_arabic_letter_forms_and_lists_active_first() {
    let app = App::new().await;
    app.put(business("1", "فروشگاه یاس", Some(LicenceStatus::Expired), "تهران")).await;
    app.put(business("2", "فروشگاه پارس", Some(LicenceStatus::Active), "تهران")).await;
    app.put(business("3", "فروشگاه\u{200C}کیان", None, "شیراز")).await;
    app.put(business("4", "فروشگاه بهار", Some(LicenceStatus::Active), "تهران")).await;
    app.put(business("5", "نانوایی", Some(LicenceStatus::Active), "تهران")).await;

    // Arabic yeh and kaf in the query, a space where the name has a ZWNJ.
    let q = |s: &str| percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string();
    let r = app.get(&format!("/v1/businesses?q={}", q("فروشگاه"))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let ids: Vec<String> = r.json()["businesses"].as_array().unwrap().iter().map(|b| b["guild_id"].as_str().unwrap().to_owned()).collect();
    assert_eq!(ids, ["4", "2", "3", "1"], "active first (بهار before پارس), then the rest by name");

    let r = app.get(&format!("/v1/businesses?q={}", q("ياس"))).await;
    assert_eq!(r.json()["businesses"][0]["name"], "فروشگاه یاس");
    assert_eq!(r.json()["businesses"].as_array().unwrap().len(), 1);
    let r = app.get(&format!("/v1/businesses?q={}", q("گاه كيان"))).await;
    assert_eq!(r.json()["businesses"][0]["guild_id"], "3");

    let r = app.get(&format!("/v1/businesses?q={}&city={}&limit=1", q("فروشگاه"), q("تهران"))).await;
    assert_eq!(r.json()["businesses"].as_array().unwrap().len(), 1);
    assert_eq!(r.json()["businesses"][0]["guild_id"], "4");
    let r = app.get(&format!("/v1/businesses?city={}", q("شيراز"))).await;
    assert_eq!(r.json()["businesses"].as_array().unwrap().len(), 1, "a city alone is a search");

    for bad in [format!("/v1/businesses?q={}", q("ی")), "/v1/businesses?q=%20%20".into(), "/v1/businesses".into()] {
        let r = app.get(&bad).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{bad}");
        assert_eq!(r.json()["code"], "query_too_short", "{bad}");
    }
}

#[tokio::test]
async fn keys_list_the_signing_key_first_then_retired_ones() {
    let app = App::new().await;
    let r = app.get("/v1/keys").await;
    assert_eq!(r.status, StatusCode::OK);
    let keys: Vec<GuildKey> = serde_json::from_value(r.json()["keys"].clone()).unwrap();
    assert_eq!(keys.iter().map(|k| k.key_id.as_str()).collect::<Vec<_>>(), ["m2026", "m2025"]);
    assert_eq!(keys[0], guild::public_key("m2026", &signing("m2026", 1).1));
    assert!(keys.iter().all(|k| k.algorithm == "Ed25519"));

    let keyless = App::with(Settings::default()).await;
    assert_eq!(keyless.get("/v1/keys").await.json(), json!({"keys": []}));
}

fn decode_qr(png: &[u8]) -> String {
    let img = image::load_from_memory_with_format(png, image::ImageFormat::Png).expect("a PNG").to_luma8();
    let mut prepared = rqrr::PreparedImage::prepare(img);
    let grids = prepared.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code in the image");
    let (meta, text) = grids[0].decode().expect("decodes");
    assert_eq!(meta.ecc_level, 2, "error correction H (format bits 10)");
    text
}

#[tokio::test]
async fn the_sticker_qr_is_for_staff_and_verifies_against_the_published_keys() {
    let app = App::new().await;
    app.put(business("10010010011", "سوپرماركت علي", Some(LicenceStatus::Active), "تهران")).await;
    let uri = "/v1/businesses/10010010011/qr.png";
    let anonymous = app.get(uri).await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    let citizen = app.citizen("09121234567").await;
    let r = app.send("GET", uri, Some(&citizen), &[], None).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.json()["code"], "staff_only");

    let staff = app.staff().await;
    let r = app.send("GET", uri, Some(&staff), &[], None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.header(header::CONTENT_TYPE), "image/png");
    let text = decode_qr(&r.body);
    assert!(text.starts_with("https://www.124.ir/g/10010010011?n="), "{text}");
    let payload = guild::parse(&text).unwrap();
    assert_eq!(payload.form, PayloadForm::SignedUrl);
    assert_eq!(payload.name.as_deref(), Some("سوپرمارکت علی"));
    let keys: Vec<GuildKey> = serde_json::from_value(app.get("/v1/keys").await.json()["keys"].clone()).unwrap();
    assert_eq!(guild::verify(&payload, &keys), Ok("m2026".to_owned()));

    // ~8 px per module by default; ?scale= changes it.
    let default_width = image::load_from_memory(&r.body).unwrap().width();
    assert_eq!(default_width % 8, 0);
    let small = app.send("GET", &format!("{uri}?scale=2"), Some(&staff), &[], None).await;
    assert_eq!(image::load_from_memory(&small.body).unwrap().width() * 4, default_width);
    assert_eq!(decode_qr(&small.body), text);
    for bad in ["?scale=1", "?scale=21", "?scale=x"] {
        let r = app.send("GET", &format!("{uri}{bad}"), Some(&staff), &[], None).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{bad}");
    }
    let r = app.send("GET", "/v1/businesses/123/qr.png", Some(&staff), &[], None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.json()["code"], "business_not_found");
}

#[tokio::test]
async fn without_a_signing_key_stickers_are_503_with_a_reason() {
    let app = App::with(Settings { public_url: "https://test.example".into(), ..Settings::default() }).await;
    app.put(business("10010010011", "نمونه", None, "تهران")).await;
    let staff = app.staff().await;
    let r = app.send("GET", "/v1/businesses/10010010011/qr.png", Some(&staff), &[], None).await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(r.json()["code"], "no_signing_key");
    assert!(r.json()["detail"].as_str().unwrap().contains("--signing-key"));
}

#[tokio::test]
async fn the_public_page_is_persian_rtl_and_escapes_everything() {
    let app = App::new().await;
    app.put(BusinessRecord {
        address: Some("\"><img src=x onerror=alert(1)>".into()),
        ..business("10010010011", "<script>alert('x')</script> & شرکا", Some(LicenceStatus::Expired), "تهران")
    })
    .await;
    let r = app.get("/g/10010010011").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.header(header::CONTENT_TYPE).starts_with("text/html"));
    let html = r.text();
    assert!(html.contains(r#"<html lang="fa" dir="rtl">"#));
    assert!(!html.contains("<script"), "{html}");
    assert!(!html.contains("<img src=x"), "{html}");
    // The name is shown, escaped (as numeric or named entities).
    let unescaped = html.replace("&#60;", "<").replace("&lt;", "<").replace("&#62;", ">").replace("&gt;", ">").replace("&#38;", "&").replace("&amp;", "&");
    assert!(unescaped.contains("<script>alert(") && unescaped.contains("</script> & شرکا"), "{html}");
    assert!(html.contains("۱۰۰۱۰۰۱۰۰۱۱"), "the ID in Persian digits");
    assert!(html.contains("منقضی"), "the licence status");
    assert!(html.contains("tel:124"), "how to complain");

    let missing = app.get("/g/999").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(missing.text().contains(r#"dir="rtl""#));
    let junk = app.get("/g/%3Cb%3E").await;
    assert_eq!(junk.status, StatusCode::NOT_FOUND);
    assert!(!junk.text().contains("<b>"));
}

#[tokio::test]
async fn the_public_page_tells_a_genuine_sticker_from_a_forged_one() {
    let app = App::new().await;
    app.put(business("10010010011", "سوپرمارکت نمونه", Some(LicenceStatus::Active), "تهران")).await;
    let (id, key) = signing("m2026", 1);
    let url = guild::sticker_url("https://www.124.ir", "10010010011", "سوپرمارکت نمونه", &id, &key);
    let path = url.trim_start_matches("https://www.124.ir");
    assert!(app.get(path).await.text().contains("معتبر است"));
    let (stranger, _) = guild::generate_signing_key();
    let forged = guild::sticker_url("https://www.124.ir", "10010010011", "سوپرمارکت نمونه", &id, &stranger);
    assert!(app.get(forged.trim_start_matches("https://www.124.ir")).await.text().contains("جعلی"));
    assert!(!app.get("/g/10010010011").await.text().contains("جعلی"));
}

#[tokio::test]
async fn openapi_lists_the_registry_endpoints() {
    let app = App::new().await;
    let doc = app.get("/openapi.json").await.json();
    for path in ["/v1/businesses", "/v1/businesses/{guild_id}", "/v1/businesses/{guild_id}/qr.png", "/v1/keys", "/g/{guild_id}"] {
        assert!(doc["paths"][path].is_object(), "{path}");
    }
    assert!(doc["components"]["schemas"]["BusinessView"].is_object());
}

const GOOD_CSV: &str = "\u{feff}name,guild_id,city,licence_status,licence_no,guild,province,address
سوپرمارکت نمونه,10010010011,تهران,active,۱۴۰۱-۲۳,اتحادیه خواربار,تهران,\"خیابان انقلاب، پلاک ۱۲\"
داروخانه شفا,۳۰۰۳۰۰۳۰۰۳۱,مشهد,فعال,,,خراسان رضوی,
بدون شناسه,12ab,تهران,active,,,,
,20020020021,اصفهان,active,,,,
نانوایی,20020020022,اصفهان,revoked,,,,
کوتاه,20020020023,اصفهان
\"نام با
دو خط\",40040040041,شیراز,SUSPENDED,,,,
داروخانه شفا,30030030031,مشهد,فعال,,,خراسان رضوی,
";

#[tokio::test]
async fn csv_import_reports_bad_lines_and_is_idempotent() {
    let app = App::new().await;
    let store = &*app.state.store;
    let report = import_csv(store, GOOD_CSV.as_bytes()).await.unwrap();
    let lines: Vec<u64> = report.skipped.iter().map(|b| b.line).collect();
    assert_eq!(lines, [4, 5, 6, 7], "{report:?}");
    let reason = |line: u64| report.skipped.iter().find(|b: &&BadRow| b.line == line).unwrap().reason.clone();
    assert!(reason(4).contains("bad guild_id"), "{}", reason(4));
    assert!(reason(5).contains("empty name"), "{}", reason(5));
    assert!(reason(6).contains("unknown licence status"), "{}", reason(6));
    assert!(reason(7).contains("column count"), "{}", reason(7));
    assert_eq!((report.imported, report.updated, report.unchanged), (3, 0, 1), "{report:?}");
    assert!(report.notes.iter().any(|n| n.contains("line 10") && n.contains("line 3")), "the repeated ID is pointed out: {:?}", report.notes);
    assert_eq!(report.summary(), "imported 3, updated 0, skipped 4, unchanged 1");

    let b = store.business("10010010011").await.unwrap().unwrap();
    assert_eq!(b.licence_no.as_deref(), Some("1401-23"));
    assert_eq!(b.licence_status, Some(LicenceStatus::Active));
    assert_eq!(b.address.as_deref(), Some("خیابان انقلاب، پلاک ۱۲"));
    let multi = store.business("40040040041").await.unwrap().unwrap();
    assert_eq!((multi.name.as_str(), multi.licence_status), ("نام با\nدو خط", Some(LicenceStatus::Suspended)));
    assert_eq!(store.business("30030030031").await.unwrap().unwrap().licence_status, Some(LicenceStatus::Active));

    let again = import_csv(store, GOOD_CSV.as_bytes()).await.unwrap();
    assert_eq!((again.imported, again.updated, again.unchanged, again.skipped.len()), (0, 0, 4, 4), "{again:?}");

    // A file with fewer columns updates what it has and leaves the rest alone.
    let partial = "guild_id,name\n10010010011,سوپرمارکت نمونه (شعبه ۱)\n";
    let r = import_csv(store, partial.as_bytes()).await.unwrap();
    assert_eq!((r.imported, r.updated), (0, 1));
    let b = store.business("10010010011").await.unwrap().unwrap();
    assert_eq!(b.name, "سوپرمارکت نمونه (شعبه ۱)");
    assert_eq!(b.city.as_deref(), Some("تهران"), "no city column: the city stays");

    // A file that is not a registry export is refused as a whole.
    assert!(import_csv(store, "id;title\n1;x\n".as_bytes()).await.is_err());
    assert!(import_csv(store, "".as_bytes()).await.is_err());
}

#[tokio::test]
async fn a_large_import_goes_in_batches() {
    let app = App::new().await;
    let mut csv = String::from("guild_id,name,city,licence_status\n");
    for i in 0..2_345 {
        csv.push_str(&format!("{},فروشگاه شماره {i},تهران,active\n", 50_000_000 + i));
    }
    let r = import_csv(&*app.state.store, csv.as_bytes()).await.unwrap();
    assert_eq!((r.imported, r.skipped.len()), (2_345, 0));
    let found = app.state.store.search_businesses(Some("شماره ۱۲۳۴".into()), None, 50).await.unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].guild_id, "50001234");
    // The batch upsert leaves fields it does not carry alone.
    let only_names = BusinessFields { guild: false, licence_no: false, licence_status: false, province: false, city: false, address: false };
    let out = app.state.store.upsert_businesses(vec![business("50000000", "نام تازه", None, "x")], only_names, OffsetDateTime::now_utc()).await.unwrap();
    assert_eq!(out, [samat_server::store::Upserted::Updated]);
    let b = app.state.store.business("50000000").await.unwrap().unwrap();
    assert_eq!((b.name.as_str(), b.city.as_deref(), b.licence_status), ("نام تازه", Some("تهران"), Some(LicenceStatus::Active)));
}

#[tokio::test]
async fn complaints_about_registered_businesses_are_linked() {
    let app = App::new().await;
    import_csv(&*app.state.store, "guild_id,name\n10010010011,نمونه\n".as_bytes()).await.unwrap();
    let token = app.citizen("09121234599").await;
    for (guild_id, known) in [("۱۰۰۱۰۰۱۰۰۱۱", true), ("555", false)] {
        let body = json!({"client_id": uuid::Uuid::new_v4(), "category": "no_invoice", "description": "فاکتور نداد", "guild_id": guild_id});
        let filed = app.send("POST", "/v1/complaints", Some(&token), &[], Some(body)).await;
        assert_eq!(filed.status, StatusCode::CREATED, "{}", filed.text());
        let code = filed.json()["tracking_code"].as_str().unwrap().to_owned();
        let detail = app.send("GET", &format!("/v1/complaints/{code}"), Some(&token), &[], None).await.json();
        assert_eq!(detail["business_known"], known, "{detail}");
    }
}
