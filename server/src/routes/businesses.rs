//! The guild registry and its barcodes: look a business up (public, cacheable), search it for
//! the app's picker, publish the sticker keys, render a business's signed sticker QR (staff),
//! and the route of the public page `/g/{guild_id}` a phone camera opens from a sticker
//! (rendered by [`crate::web::public`]).

use std::io::Cursor;

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use samat_core::model::api::{check_business_query, BusinessSearchResponse, BusinessView, GuildKeysResponse};
use samat_core::model::guild::{self, normalize_guild_id};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiQuery, Bounds, Staff};
use crate::registry::view;
use crate::state::AppState;
use samat_core::model::text::search_key;

/// How long clients and proxies may keep a business record.
pub const BUSINESS_MAX_AGE: u32 = 300;
/// How long the published keys may be kept.
pub const KEYS_MAX_AGE: u32 = 3600;
/// Default and bounds of a search's `limit`.
pub const SEARCH_LIMIT: Bounds = Bounds { default: 20, min: 1, max: 50 };
/// Shortest name query, in characters (after folding): the core's rule.
pub const MIN_QUERY_CHARS: usize = samat_core::model::api::MIN_BUSINESS_QUERY_CHARS;
/// Default pixels per QR module, and the bounds of `?scale=`.
pub const QR_SCALE: Bounds = Bounds { default: 8, min: 2, max: 20 };
/// Light modules around the code, as the QR standard asks.
pub const QR_QUIET_ZONE: u32 = 4;

/// Routes of this module.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/businesses", get(search))
        .route("/v1/businesses/{guild_id}", get(show))
        .route("/v1/businesses/{guild_id}/qr.png", get(qr_png))
        .route("/v1/keys", get(keys))
        .route("/g/{guild_id}", get(crate::web::public::business_page))
}

/// The guild ID of the path, Persian digits and separators allowed.
fn guild_id_of(raw: Result<Path<String>, PathRejection>) -> ApiResult<String> {
    let Path(raw) = raw.map_err(|e| ApiError::bad_request("invalid_path", e.body_text()))?;
    normalize_guild_id(&raw).ok_or_else(|| ApiError::bad_request("invalid_guild_id", "a business identification code is digits only (at most 20)"))
}

fn not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "business_not_found", "no business with this identification code is in the registry")
}

/// A strong ETag over the view's content: it changes exactly when what the client sees does.
pub fn etag(v: &BusinessView) -> String {
    let digest = Sha256::digest(serde_json::to_vec(v).unwrap_or_default());
    let hex: String = digest.iter().take(10).map(|b| format!("{b:02x}")).collect();
    format!("\"b-{hex}\"")
}

fn matches_etag(headers: &HeaderMap, etag: &str) -> bool {
    headers.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()).is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"))
}

fn public_cache(seconds: u32) -> (header::HeaderName, String) {
    (header::CACHE_CONTROL, format!("public, max-age={seconds}"))
}

/// A business of the registry, by identification code (Persian digits are fine).
#[utoipa::path(get, path = "/v1/businesses/{guild_id}", tag = "businesses",
    params(("guild_id" = String, Path, description = "business identification code, digits")),
    responses((status = 200, body = BusinessView, headers(("ETag" = String), ("Cache-Control" = String))),
        (status = 304, description = "If-None-Match matched"),
        (status = 400, description = "invalid_guild_id"), (status = 404, description = "business_not_found")))]
pub async fn show(State(state): State<AppState>, raw: Result<Path<String>, PathRejection>, headers: HeaderMap) -> ApiResult<Response> {
    let guild_id = guild_id_of(raw)?;
    let b = state.store.business(&guild_id).await?.ok_or_else(not_found)?;
    let body = view(&b);
    let etag = etag(&body);
    let cache = public_cache(BUSINESS_MAX_AGE);
    if matches_etag(&headers, &etag) {
        return Ok((StatusCode::NOT_MODIFIED, [(header::ETAG, etag), cache]).into_response());
    }
    Ok(([(header::ETAG, etag), cache], Json(body)).into_response())
}

/// Query of `GET /v1/businesses`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// Part of the name, at least 2 letters (Arabic and Persian letter forms, digits of any
    /// script, spaces and ZWNJ do not matter).
    pub q: Option<String>,
    /// Part of the city name.
    pub city: Option<String>,
    /// Most results (1–50, default 20).
    #[param(minimum = 1, maximum = 50)]
    pub limit: Option<i64>,
}

/// Searches the registry by name and/or city for the app's business picker: active licences
/// first, then by name.
#[utoipa::path(get, path = "/v1/businesses", tag = "businesses", params(SearchQuery),
    responses((status = 200, body = BusinessSearchResponse), (status = 400, description = "query_too_short")))]
pub async fn search(State(state): State<AppState>, ApiQuery(q): ApiQuery<SearchQuery>) -> ApiResult<Response> {
    let name = q.q.filter(|s| !s.trim().is_empty());
    let city = q.city.filter(|s| !search_key(s).is_empty());
    if check_business_query(name.as_deref(), city.as_deref()).is_err() {
        return Err(ApiError::bad_request("query_too_short", format!("give q with at least {MIN_QUERY_CHARS} letters of the business name, or a city")));
    }
    let limit = SEARCH_LIMIT.check(q.limit, "invalid_limit", "limit")?;
    let found = state.store.search_businesses(name, city, limit).await?;
    let body = BusinessSearchResponse { businesses: found.iter().map(view).collect() };
    Ok(([public_cache(60)], Json(body)).into_response())
}

/// The keys guild stickers are signed with: the current signing key first, then retired keys
/// still valid on old stickers.
#[utoipa::path(get, path = "/v1/keys", tag = "businesses", responses((status = 200, body = GuildKeysResponse)))]
pub async fn keys(State(state): State<AppState>) -> impl IntoResponse {
    ([public_cache(KEYS_MAX_AGE)], Json(GuildKeysResponse { keys: state.settings.guild_keys.published() }))
}

/// Query of `GET /v1/businesses/{guild_id}/qr.png`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QrQuery {
    /// Pixels per module (2–20, default 8).
    #[param(minimum = 2, maximum = 20)]
    pub scale: Option<i64>,
}

/// The business's sticker: a QR code (error correction H, 4-module quiet zone) of its signed
/// sticker URL, as PNG. For ministry staff printing stickers.
#[utoipa::path(get, path = "/v1/businesses/{guild_id}/qr.png", tag = "businesses", security(("bearer" = [])),
    params(("guild_id" = String, Path), QrQuery),
    responses((status = 200, content_type = "image/png"), (status = 400, description = "invalid_guild_id or invalid_scale"),
        (status = 401), (status = 403, description = "staff_only"), (status = 404, description = "business_not_found"),
        (status = 503, description = "no_signing_key")))]
pub async fn qr_png(
    State(state): State<AppState>,
    _staff: Staff,
    raw: Result<Path<String>, PathRejection>,
    ApiQuery(q): ApiQuery<QrQuery>,
) -> ApiResult<Response> {
    let guild_id = guild_id_of(raw)?;
    let scale = QR_SCALE.check(q.scale, "invalid_scale", "scale (pixels per module)")? as u32;
    let b = state.store.business(&guild_id).await?.ok_or_else(not_found)?;
    let Some((key_id, key)) = state.settings.guild_keys.signing() else {
        return Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "no_signing_key",
            "this server has no sticker signing key; start it with --signing-key KEY_ID:SEED (or SAMAT_SIGNING_KEY)",
        ));
    };
    let url = guild::sticker_url(&state.settings.public_url, &b.guild_id, &b.name, key_id, key);
    let png = tokio::task::spawn_blocking(move || render_qr(&url, scale)).await.map_err(ApiError::internal)??;
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("image/png")),
            (header::CACHE_CONTROL, HeaderValue::from_static("private, max-age=300")),
            (header::CONTENT_DISPOSITION, HeaderValue::from_str(&format!("inline; filename=\"guild-{}.png\"", b.guild_id)).map_err(ApiError::internal)?),
        ],
        png,
    )
        .into_response())
}

/// Renders `text` as a black-on-white QR code PNG with error correction H (falling back to
/// lower levels only for text too long for H), a 4-module quiet zone and `scale` px per module.
pub fn render_qr(text: &str, scale: u32) -> ApiResult<Vec<u8>> {
    use qrcode::{Color, EcLevel, QrCode};
    let code = [EcLevel::H, EcLevel::Q, EcLevel::M, EcLevel::L]
        .into_iter()
        .find_map(|level| QrCode::with_error_correction_level(text.as_bytes(), level).ok())
        .ok_or_else(|| ApiError::internal(format!("sticker text of {} bytes does not fit a QR code", text.len())))?;
    let modules = code.width() as u32;
    let size = (modules + 2 * QR_QUIET_ZONE) * scale;
    let mut img = image::GrayImage::from_pixel(size, size, image::Luma([255]));
    for (i, color) in code.to_colors().into_iter().enumerate() {
        if color != Color::Dark {
            continue;
        }
        let (mx, my) = (i as u32 % modules, i as u32 / modules);
        let (x0, y0) = ((mx + QR_QUIET_ZONE) * scale, (my + QR_QUIET_ZONE) * scale);
        for y in y0..y0 + scale {
            for x in x0..x0 + scale {
                img.put_pixel(x, y, image::Luma([0]));
            }
        }
    }
    let mut png = Vec::new();
    img.write_to(&mut Cursor::new(&mut png), image::ImageFormat::Png).map_err(ApiError::internal)?;
    Ok(png)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qr_codes_have_the_quiet_zone_and_scale() {
        let png = render_qr("https://www.124.ir/g/1", 3).unwrap();
        let img = image::load_from_memory(&png).unwrap().to_luma8();
        // A QR code is 17 + 4 × version modules wide, plus 4 light ones on each side.
        let modules = img.width() / 3 - 8;
        assert_eq!(img.width() % 3, 0);
        assert_eq!((modules - 17) % 4, 0, "{modules}");
        assert_eq!(img.get_pixel(11, 11).0, [255], "the quiet zone is light");
        assert_eq!(img.get_pixel(12, 12).0, [0], "the finder pattern starts after it");
    }
}
