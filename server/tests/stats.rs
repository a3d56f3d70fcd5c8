//! The public statistics end to end: complaints filed in the store, one rollup, then
//! `/v1/stats`, `/v1/stats.csv` and `/stats` through the router: their shape, caching, small
//! cells withheld (and not derivable), and no personal data anywhere.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, HeaderMap, Request, StatusCode};
use http_body_util::BodyExt;
use samat_core::model::api::{ComplaintFields, EventKind};
use samat_core::model::stats::{Area, JalaliMonth, PublicStats};
use samat_core::model::{Actor, Category, Channel, PhoneNumber, Province, Role, Stage, TrackingCode};
use samat_server::store::{self, ChangeRecord, Filed, NewComplaintRecord, NewSms, SmsKind, Store};
use samat_server::{router, AppState, Settings};
use time::OffsetDateTime;
use tower::ServiceExt;
use uuid::Uuid;

const DESCRIPTION: &str = "فروشنده‌ی کوچه‌ی یاس قیمت را دو برابر گرفت";
const BUSINESS: &str = "فروشگاه زنجیره‌ای نمونه‌آزمایی";

struct App {
    state: AppState,
    codes: Vec<String>,
    _dir: tempfile::TempDir,
}

impl App {
    /// 12 fraud complaints and 3 about invoices in Tehran, some moved along.
    async fn new() -> App {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("t.db").display());
        let store: Arc<dyn Store> = store::open(&url).await.unwrap();
        let mut codes = Vec::new();
        for (n, category) in (0..15u64).map(|n| (n, if n < 12 { Category::Fraud } else { Category::NoInvoice })) {
            let phone = PhoneNumber::parse(&format!("0912{:07}", 7_654_300 + n)).unwrap();
            let mut rng = <rand::rngs::StdRng as rand::SeedableRng>::seed_from_u64(n + 77);
            let code = TrackingCode::generate(&mut rng);
            let new = NewComplaintRecord {
                tracking_code: code,
                client_id: Uuid::new_v4(),
                phone: phone.clone(),
                channel: Channel::App,
                fields: ComplaintFields {
                    category,
                    description: DESCRIPTION.into(),
                    guild_id: None,
                    business_name: Some(BUSINESS.into()),
                    business_address: Some("خیابان آزمایش، پلاک ۹۹".into()),
                    province: Some(Province::Tehran),
                    city: Some("تهران".into()),
                    incident_date: None,
                    amount_rials: Some(2_000_000),
                    wants_compensation: false,
                },
                business_known: None,
                actor: Actor::Citizen,
                filed_by_staff: None,
                filed_by_api_key: None,
                quota: None,
                due_at: None,
                at: OffsetDateTime::now_utc(),
            };
            let sms = NewSms { to: phone, text: "ثبت شد".into(), kind: SmsKind::Notice, token: None };
            let Filed::New(c, _) = store.insert_complaint(new, sms).await.unwrap() else { panic!("not filed") };
            if n % 2 == 0 {
                store
                    .record_change(ChangeRecord {
                        tracking_code: c.tracking_code,
                        expected_stage: Stage::Received,
                        to: Stage::ExpertReview,
                        kind: EventKind::Stage,
                        actor: Actor::Staff(Role::Expert),
                        actor_staff_id: None,
                        note: Some("یادداشت آزاد کارشناس".into()),
                        internal_note: None,
                        details: None,
                        visible: true,
                        sms: None,
                        push: false,
                        action_id: None,
                        holder_after: None,
                        due_at: None,
                        at: OffsetDateTime::now_utc(),
                    })
                    .await
                    .unwrap();
            }
            codes.push(c.tracking_code.as_str().to_owned());
        }
        App { state: AppState::new(store, Settings::default()), codes, _dir: dir }
    }

    async fn rollup(&self) {
        let p = samat_server::stats::rollup(&self.state, OffsetDateTime::now_utc()).await.unwrap();
        *self.state.stats.write().unwrap() = Some(Arc::new(p));
    }

    async fn get(&self, uri: &str, headers: &[(header::HeaderName, &str)]) -> (StatusCode, HeaderMap, Vec<u8>) {
        let mut req = Request::builder().uri(uri);
        for (k, v) in headers {
            req = req.header(k, *v);
        }
        let resp = router(self.state.clone()).oneshot(req.body(Body::empty()).unwrap()).await.unwrap();
        let (status, headers) = (resp.status(), resp.headers().clone());
        (status, headers, resp.into_body().collect().await.unwrap().to_bytes().to_vec())
    }

    /// Nothing personal: no phone, tracking code, description, note, business or address.
    fn assert_nothing_personal(&self, what: &str, body: &[u8]) {
        let text = String::from_utf8_lossy(body);
        for needle in [DESCRIPTION, BUSINESS, "خیابان آزمایش", "یادداشت آزاد", "7654300", "765430", "۷۶۵۴۳"] {
            assert!(!text.contains(needle), "{what} carries {needle:?}");
        }
        for code in &self.codes {
            assert!(!text.contains(code.as_str()), "{what} carries a tracking code");
        }
    }
}

#[tokio::test]
async fn before_the_first_rollup_the_figures_are_not_ready() {
    let app = App::new().await;
    let (st, _, body) = app.get("/v1/stats", &[]).await;
    assert_eq!(st, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(serde_json::from_slice::<serde_json::Value>(&body).unwrap()["code"], "stats_not_ready");
    let (st, _, _) = app.get("/stats", &[]).await;
    assert_eq!(st, StatusCode::SERVICE_UNAVAILABLE);
}

#[tokio::test]
async fn the_json_is_cacheable_and_withholds_the_three() {
    let app = App::new().await;
    app.rollup().await;
    let (st, headers, body) = app.get("/v1/stats", &[]).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(headers[header::CONTENT_TYPE], "application/json");
    assert_eq!(headers[header::CACHE_CONTROL], "public, max-age=300");
    let etag = headers[header::ETAG].to_str().unwrap().to_owned();
    let (st, _, _) = app.get("/v1/stats", &[(header::IF_NONE_MATCH, &etag)]).await;
    assert_eq!(st, StatusCode::NOT_MODIFIED);
    app.assert_nothing_personal("the JSON", &body);

    let raw: serde_json::Value = serde_json::from_slice(&body).unwrap();
    for key in ["generated_at", "suppression_threshold", "months", "filed", "outcomes", "funnel", "timing"] {
        assert!(raw.get(key).is_some(), "{key} missing");
    }
    assert_eq!(raw["suppression_threshold"], 5);
    let s: PublicStats = serde_json::from_slice(&body).unwrap();
    let month = Some(JalaliMonth::of_instant(OffsetDateTime::now_utc()));
    let tehran = Some(Area::Province(Province::Tehran));
    let find = |c, a, m| s.filed(c, a, m).unwrap_or_else(|| panic!("no cell {c:?} {a:?} {m:?}"));
    let three = find(Some(Category::NoInvoice), tehran, month);
    assert_eq!((three.count, three.suppressed), (None, true));
    assert_eq!(find(None, None, None).count, Some(15), "the grand total is large enough to show");
    // Whatever is shown, the 3 cannot be had by subtraction: of each sum it is in, another
    // member is withheld too.
    assert!(find(Some(Category::Fraud), tehran, month).suppressed || find(None, tehran, month).suppressed);
    assert!(find(Some(Category::NoInvoice), tehran, None).suppressed);
    assert!(find(Some(Category::NoInvoice), None, month).suppressed);
    for c in &s.filed {
        assert!(!matches!(c.count, Some(1..=4)), "{c:?}");
    }
    for n in s.outcomes.iter().map(|c| c.count).chain(s.funnel.iter().map(|c| c.count)) {
        assert!(!matches!(n, Some(1..=4)));
    }
}

#[tokio::test]
async fn clients_that_take_gzip_get_the_same_figures_gzipped_under_their_own_etag() {
    use std::io::Read;
    let app = App::new().await;
    app.rollup().await;
    for path in ["/v1/stats", "/v1/stats.csv"] {
        let (_, plain_headers, plain) = app.get(path, &[]).await;
        assert!(plain_headers.get(header::CONTENT_ENCODING).is_none(), "{path}: no gzip unless asked");
        let (st, headers, body) = app.get(path, &[(header::ACCEPT_ENCODING, "br;q=1.0, gzip;q=0.8")]).await;
        assert_eq!(st, StatusCode::OK, "{path}");
        assert_eq!(headers[header::CONTENT_ENCODING], "gzip", "{path}");
        assert_eq!(headers[header::VARY], "accept-encoding", "{path}");
        let mut unzipped = Vec::new();
        flate2::read::GzDecoder::new(&body[..]).read_to_end(&mut unzipped).unwrap();
        assert_eq!(unzipped, plain, "{path}: the same bytes");
        assert!(body.len() < plain.len(), "{path}: smaller");
        let etag = headers[header::ETAG].to_str().unwrap().to_owned();
        assert_ne!(etag, plain_headers[header::ETAG].to_str().unwrap(), "{path}: each encoding its own ETag");
        let (st, _, _) = app.get(path, &[(header::ACCEPT_ENCODING, "gzip"), (header::IF_NONE_MATCH, &etag)]).await;
        assert_eq!(st, StatusCode::NOT_MODIFIED, "{path}");
        let (_, refused, _) = app.get(path, &[(header::ACCEPT_ENCODING, "gzip;q=0, identity")]).await;
        assert!(refused.get(header::CONTENT_ENCODING).is_none(), "{path}: q=0 refuses gzip");
    }
}

#[tokio::test]
async fn the_csv_has_a_bom_a_header_and_the_same_withheld_cells() {
    let app = App::new().await;
    app.rollup().await;
    let (st, headers, body) = app.get("/v1/stats.csv", &[]).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(headers[header::CONTENT_TYPE], "text/csv; charset=utf-8");
    assert!(headers[header::CONTENT_DISPOSITION].to_str().unwrap().contains("attachment"));
    assert!(headers.contains_key(header::ETAG));
    assert!(body.starts_with("\u{feff}".as_bytes()), "a byte-order mark for Excel");
    let text = String::from_utf8(body[3..].to_vec()).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next().unwrap(), samat_server::stats::CSV_HEADER);
    let width = samat_server::stats::CSV_HEADER.split(',').count();
    let month = JalaliMonth::of_instant(OffsetDateTime::now_utc()).wire_name();
    let mut seen_three = false;
    for line in lines {
        assert_eq!(line.split(',').count(), width, "{line}");
        let cols: Vec<&str> = line.split(',').collect();
        if cols[0] == "filed" && cols[1] == "no_invoice" && cols[3] == "tehran" && cols[5] == month {
            assert_eq!((cols[9], cols[10]), ("", "1"), "{line}");
            seen_three = true;
        }
        assert!(!matches!(cols[9].parse::<u64>(), Ok(1..=4)) || cols[0].ends_with("days") || cols[0] == "on_time_percent", "{line}");
    }
    assert!(seen_three);
    app.assert_nothing_personal("the CSV", &body);
}

#[tokio::test]
async fn the_page_draws_charts_beside_tables_and_filters_without_script() {
    let app = App::new().await;
    app.rollup().await;
    let (st, headers, body) = app.get("/stats", &[]).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(headers[header::CACHE_CONTROL], "public, max-age=300");
    let html = String::from_utf8(body.clone()).unwrap();
    assert!(html.contains(r#"<html lang="fa" dir="rtl">"#));
    assert!(html.matches(r#"<svg class="chart" role="img""#).count() >= 5, "months, categories, provinces, outcomes, funnel, on time");
    assert!(html.matches("<table class=\"figure-table\"").count() >= 6);
    assert!(html.contains("منتشر نمی‌شود"), "the withheld cells say so");
    assert!(html.contains("<form class=\"stats-filter card\" method=\"get\" action=\"/stats\">"));
    assert!(html.contains("/v1/stats.csv"));
    assert!(!html.contains("<script src=\"http"), "nothing from another host");
    app.assert_nothing_personal("the page", &body);

    let (st, _, body) = app.get("/stats?province=tehran&category=", &[]).await;
    assert_eq!(st, StatusCode::OK);
    let html = String::from_utf8(body).unwrap();
    assert!(html.contains("<h2>تهران</h2>"));
    assert!(html.contains(r#"<option value="tehran" selected>"#));
    let (st, _, _) = app.get("/stats?province=atlantis&category=x", &[]).await;
    assert_eq!(st, StatusCode::OK, "an unknown filter means all");
    let (st, _, body) = app.get("/stats?province=tehran&category=fraud", &[]).await;
    assert_eq!(st, StatusCode::OK);
    assert!(String::from_utf8(body).unwrap().contains("نه برای یک موضوع در یک استان"));
}

#[tokio::test]
async fn the_home_page_and_the_footer_link_to_the_statistics() {
    let app = App::new().await;
    let (_, _, body) = app.get("/", &[]).await;
    let html = String::from_utf8(body).unwrap();
    assert!(html.matches("href=\"/stats\"").count() >= 2, "{html}");
}
