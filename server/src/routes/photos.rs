//! Photos attached to complaints. The app uploads each photo after the complaint exists, with
//! the UUID it gave the photo, so an interrupted upload is simply sent again.

use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use axum::{Json, Router};
use samat_core::model::api::{PhotoInfo, MAX_PHOTOS_PER_COMPLAINT, MAX_PHOTO_BYTES};
use samat_core::model::TrackingCode;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiBytes, ApiPath, Citizen, Staff};
use crate::routes::complaints::own;
use crate::state::AppState;
use crate::store::{ComplaintRecord, PhotoRecord, PutPhoto};
use crate::views;

/// Routes of this module (with their own, larger body limit).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/complaints/{tracking_code}/photos/{photo_id}", put(upload).get(download))
        .route("/v1/staff/complaints/{tracking_code}/photos/{photo_id}", get(staff_download))
        .layer(DefaultBodyLimit::max(MAX_PHOTO_BYTES))
}

fn parse_path(code: &str, photo_id: &str) -> ApiResult<(TrackingCode, Uuid)> {
    let code = TrackingCode::parse(code).map_err(|e| ApiError::bad_request("invalid_tracking_code", e.to_string()))?;
    let id = Uuid::parse_str(photo_id.trim()).map_err(|_| ApiError::bad_request("invalid_photo_id", "the photo id is a UUID"))?;
    Ok((code, id))
}

/// The image type the bytes really are (by magic number), if accepted.
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some("image/webp")
    } else {
        None
    }
}

/// Uploads one photo (JPEG, PNG or WebP, at most 5 MiB). Idempotent on `photo_id`.
#[utoipa::path(put, path = "/v1/complaints/{tracking_code}/photos/{photo_id}", tag = "complaints", security(("bearer" = [])),
    params(("tracking_code" = String, Path), ("photo_id" = String, Path, description = "UUID made by the app")),
    request_body(content = Vec<u8>, content_type = "image/jpeg"),
    responses((status = 201, body = PhotoInfo), (status = 200, body = PhotoInfo, description = "already uploaded"),
              (status = 409, description = "photo_id_conflict or too_many_photos"), (status = 413), (status = 415), (status = 422, description = "invalid_image")))]
pub async fn upload(
    State(state): State<AppState>,
    citizen: Citizen,
    ApiPath((code, photo_id)): ApiPath<(String, String)>,
    headers: HeaderMap,
    ApiBytes(body): ApiBytes,
) -> ApiResult<(StatusCode, Json<PhotoInfo>)> {
    let (code, photo_id) = parse_path(&code, &photo_id)?;
    let c = own(&state, &citizen, code).await?;
    let declared = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    if !matches!(declared, "image/jpeg" | "image/png" | "image/webp") {
        return Err(ApiError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type", "upload image/jpeg, image/png or image/webp"));
    }
    if body.is_empty() {
        return Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_image", "the photo is empty"));
    }
    let actual = sniff(&body).ok_or_else(|| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_image", "the bytes are not a JPEG, PNG or WebP image"))?;
    let photo = PhotoRecord { photo_id, content_type: actual.to_owned(), size: body.len() as i64, sha256: hex(&Sha256::digest(&body)) };
    match state.store.put_photo(c.id, photo, body.to_vec(), MAX_PHOTOS_PER_COMPLAINT as i64, OffsetDateTime::now_utc()).await? {
        PutPhoto::Created(p) => Ok((StatusCode::CREATED, Json(views::photo(&p)))),
        PutPhoto::Exists(p) => Ok((StatusCode::OK, Json(views::photo(&p)))),
        PutPhoto::IdConflict => Err(ApiError::new(StatusCode::CONFLICT, "photo_id_conflict", "another photo was already uploaded with this id")),
        PutPhoto::TooMany => Err(ApiError::new(StatusCode::CONFLICT, "too_many_photos", format!("a complaint has at most {MAX_PHOTOS_PER_COMPLAINT} photos"))),
    }
}

async fn photo_response(state: &AppState, c: &ComplaintRecord, photo_id: Uuid) -> ApiResult<Response> {
    let (content_type, bytes) = state
        .store
        .photo_bytes(c.id, photo_id)
        .await?
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "photo_not_found", "no photo with this id on this complaint"))?;
    Ok(photo_bytes_response(&content_type, bytes, photo_id))
}

/// A stored photo as a response: its type never sniffed into anything else, shown inline
/// under a harmless file name, and cached only by the one browser that asked.
pub fn photo_bytes_response(content_type: &str, bytes: Vec<u8>, photo_id: Uuid) -> Response {
    let ext = match content_type {
        "image/png" => "png",
        "image/webp" => "webp",
        _ => "jpg",
    };
    let content_type = if matches!(content_type, "image/png" | "image/webp" | "image/jpeg") { content_type } else { "application/octet-stream" };
    (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (header::CACHE_CONTROL, "private, max-age=86400".into()),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".into()),
            (header::CONTENT_DISPOSITION, format!("inline; filename=\"photo-{photo_id}.{ext}\"")),
            (header::CONTENT_SECURITY_POLICY, "default-src 'none'; sandbox".into()),
        ],
        bytes,
    )
        .into_response()
}

/// One of the caller's photos.
#[utoipa::path(get, path = "/v1/complaints/{tracking_code}/photos/{photo_id}", tag = "complaints", security(("bearer" = [])),
    params(("tracking_code" = String, Path), ("photo_id" = String, Path)), responses((status = 200, content_type = "image/jpeg"), (status = 404)))]
pub async fn download(State(state): State<AppState>, citizen: Citizen, ApiPath((code, photo_id)): ApiPath<(String, String)>) -> ApiResult<Response> {
    let (code, photo_id) = parse_path(&code, &photo_id)?;
    let c = own(&state, &citizen, code).await?;
    photo_response(&state, &c, photo_id).await
}

/// A photo, for staff.
#[utoipa::path(get, path = "/v1/staff/complaints/{tracking_code}/photos/{photo_id}", tag = "staff", security(("bearer" = [])),
    params(("tracking_code" = String, Path), ("photo_id" = String, Path)), responses((status = 200, content_type = "image/jpeg"), (status = 404)))]
pub async fn staff_download(State(state): State<AppState>, staff: Staff, ApiPath((code, photo_id)): ApiPath<(String, String)>) -> ApiResult<Response> {
    let (code, photo_id) = parse_path(&code, &photo_id)?;
    let c = crate::actions::staff_complaint(&state, staff.who(), code).await?;
    photo_response(&state, &c, photo_id).await
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn image_types_are_sniffed_from_the_bytes() {
        assert_eq!(super::sniff(&[0xFF, 0xD8, 0xFF, 0xE0]), Some("image/jpeg"));
        assert_eq!(super::sniff(b"\x89PNG\r\n\x1a\n...."), Some("image/png"));
        assert_eq!(super::sniff(b"RIFF\0\0\0\0WEBPVP8 "), Some("image/webp"));
        assert_eq!(super::sniff(b"GIF89a"), None);
        assert_eq!(super::sniff(b""), None);
    }
}
