//! Reading a photo of a shop's guild barcode on the server, for browsers (the citizens' portal
//! on a phone opens the camera and sends the picture): the core's own scanner reads it, each
//! guild code is checked against the ministry's keys, and the registry names the shop. The
//! image is never stored. Rate-limited per network; one read per core at a time.

use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::routing::post;
use axum::{Json, Router};
use samat_core::scan::identify::{identify, name_from_registry, ScanResponse};

use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiBytes, ClientIp};
use crate::routes::photos::accepted_type;
use crate::state::AppState;

/// Largest photo read for a barcode.
pub const MAX_SCAN_BYTES: usize = 10 * 1024 * 1024;

/// Routes of this module (with their own body limit).
pub fn router() -> Router<AppState> {
    Router::new().route("/v1/scan", post(scan)).layer(DefaultBodyLimit::max(MAX_SCAN_BYTES))
}

/// Reads the codes in a photo (JPEG, PNG, WebP or GIF, at most 10 MiB): each with its text,
/// and for guild codes the business ID, whether a ministry key signed it (the printed name
/// only then), and the registry's name for the ID.
#[utoipa::path(post, path = "/v1/scan", tag = "businesses", request_body(content = Vec<u8>, content_type = "image/jpeg"),
    responses((status = 200, body = ScanResponse), (status = 413, description = "body_too_large or image_too_large"), (status = 415),
        (status = 422, description = "invalid_image"), (status = 429, description = "rate_limited")))]
pub async fn scan(State(state): State<AppState>, ClientIp(ip): ClientIp, headers: HeaderMap, ApiBytes(body): ApiBytes) -> ApiResult<Json<ScanResponse>> {
    state
        .limits
        .check(crate::limits::Limit::ScanIp, &ip.to_string())
        .await?
        .map_err(|wait| ApiError::rate_limited("too many photos read from this network; wait a minute").wait(wait))?;
    let declared = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    if !accepted_type(declared) {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send the photo as image/jpeg, image/png, image/webp or image/gif",
        ));
    }
    Ok(Json(read_codes(&state, body.to_vec()).await?))
}

/// Reads the guild codes in `image` (shared by the API and the portal's form).
pub async fn read_codes(state: &AppState, image: Vec<u8>) -> ApiResult<ScanResponse> {
    let found = state.run_heavy(move || samat_core::scan::scan_image(&image)).await?.map_err(|e| {
        let too_large = matches!(e, samat_core::scan::ScanError::TooLarge(_));
        let (status, code) = if too_large { (StatusCode::PAYLOAD_TOO_LARGE, "image_too_large") } else { (StatusCode::UNPROCESSABLE_ENTITY, "invalid_image") };
        ApiError::new(status, code, e.to_string())
    })?;
    let keys = state.settings.guild_keys.published();
    let mut codes: Vec<_> = found.iter().map(|f| identify(f, &keys)).collect();
    let mut names = std::collections::HashMap::new();
    for g in codes.iter().filter_map(|c| c.guild.as_ref()) {
        if let Some(b) = state.store.business(&g.guild_id).await? {
            names.insert(g.guild_id.clone(), b.name);
        }
    }
    name_from_registry(&mut codes, |id| names.get(id).cloned());
    Ok(ScanResponse { codes })
}
