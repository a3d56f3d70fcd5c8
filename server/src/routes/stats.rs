//! The public statistics as data: `GET /v1/stats` (JSON) and `GET /v1/stats.csv`, served from
//! the latest rollup held in memory ([`crate::stats`]), cacheable by anyone, with an ETag.

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use samat_core::model::stats::PublicStats;

use crate::error::ApiError;
use crate::state::AppState;
use crate::stats::{latest, Published};

/// How long caches may keep the figures (they change once per rollup).
pub const CACHE_CONTROL: &str = "public, max-age=300";

/// Routes of this module.
pub fn router() -> Router<AppState> {
    Router::new().route("/v1/stats", get(stats_json)).route("/v1/stats.csv", get(stats_csv))
}

/// The figures, or 503 `stats_not_ready` before the first rollup has ended.
pub fn ready(state: &AppState) -> Result<std::sync::Arc<Published>, ApiError> {
    latest(state).ok_or_else(|| {
        ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "stats_not_ready", "the statistics are being prepared; try again in a minute").retry_after(60)
    })
}

/// Whether the request's `Accept-Encoding` takes gzip (and does not refuse it with `q=0`).
pub fn takes_gzip(headers: &HeaderMap) -> bool {
    headers.get_all(header::ACCEPT_ENCODING).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(',')).any(|coding| {
        let mut parts = coding.split(';').map(str::trim);
        let name = parts.next().unwrap_or_default();
        let q = parts.find_map(|p| p.strip_prefix("q=")).and_then(|q| q.trim().parse::<f32>().ok()).unwrap_or(1.0);
        (name.eq_ignore_ascii_case("gzip") || name == "*") && q > 0.0
    })
}

/// `body` (or its gzipped copy when the client takes gzip) with the caching headers, or 304
/// when the client has it already. The two encodings carry their own ETags, as caches expect.
fn cached(headers: &HeaderMap, p: &Published, content_type: &'static str, body: &[u8], gzipped: &[u8]) -> Response {
    let gzip = takes_gzip(headers) && !gzipped.is_empty();
    let tag = if gzip { format!("{}-gzip\"", p.etag.trim_end_matches('"')) } else { p.etag.clone() };
    let etag = HeaderValue::from_str(&tag).unwrap_or(HeaderValue::from_static("\"\""));
    let fresh = headers.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()).is_some_and(|v| v.split(',').any(|t| t.trim() == tag || t.trim() == "*"));
    let cache = (header::CACHE_CONTROL, HeaderValue::from_static(CACHE_CONTROL));
    let vary = (header::VARY, HeaderValue::from_static("accept-encoding"));
    if fresh {
        return (StatusCode::NOT_MODIFIED, [(header::ETAG, etag), cache, vary]).into_response();
    }
    let mut r = (StatusCode::OK, [(header::CONTENT_TYPE, HeaderValue::from_static(content_type)), (header::ETAG, etag), cache, vary]).into_response();
    if gzip {
        r.headers_mut().insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        *r.body_mut() = axum::body::Body::from(gzipped.to_vec());
    } else {
        *r.body_mut() = axum::body::Body::from(body.to_vec());
    }
    r
}

/// The public statistics: complaints filed by category × province × Jalali month (and every
/// total), where they stand now, how many reached each stage, and how long each stage took
/// (median, 90th percentile, share on time). Counts under `suppression_threshold` are
/// withheld (`count: null, suppressed: true`), with whatever would give them away.
#[utoipa::path(get, path = "/v1/stats", tag = "statistics",
    responses((status = 200, body = PublicStats, headers(("etag" = String), ("cache-control" = String))),
        (status = 304, description = "not modified since the ETag sent"),
        (status = 503, description = "stats_not_ready: the first rollup has not ended yet")))]
pub async fn stats_json(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    let p = ready(&state)?;
    Ok(cached(&headers, &p, "application/json", &p.json, &p.json_gz))
}

/// The same figures as CSV (UTF-8 with a byte-order mark), one figure a row:
/// `figure,category,category_fa,province,province_fa,month,month_fa,item,item_fa,value,suppressed`,
/// `all` in a dimension for its total, `value` empty where withheld.
#[utoipa::path(get, path = "/v1/stats.csv", tag = "statistics",
    responses((status = 200, content_type = "text/csv; charset=utf-8", body = String),
        (status = 304, description = "not modified since the ETag sent"),
        (status = 503, description = "stats_not_ready: the first rollup has not ended yet")))]
pub async fn stats_csv(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    let p = ready(&state)?;
    let mut r = cached(&headers, &p, "text/csv; charset=utf-8", &p.csv, &p.csv_gz);
    r.headers_mut().insert(header::CONTENT_DISPOSITION, HeaderValue::from_static("attachment; filename=\"samat-124-stats.csv\""));
    Ok(r)
}
