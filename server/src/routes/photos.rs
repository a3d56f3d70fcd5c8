//! Photos attached to complaints. The app uploads each photo after the complaint exists, with
//! the UUID it gave the photo, so an interrupted upload is simply sent again.

use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use axum::{Json, Router};
use samat_core::model::api::{PhotoInfo, MAX_PHOTO_BYTES};
use samat_core::model::TrackingCode;
use uuid::Uuid;

use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiBytes, ApiPath, Citizen, Staff};
use crate::routes::complaints::own;
use crate::state::AppState;
use crate::store::ComplaintRecord;
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

/// The image types an upload may declare (any parameters after `;` are ignored): the bytes
/// are decoded whatever was declared, and kept as JPEG.
pub fn accepted_type(declared: &str) -> bool {
    let essence = declared.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    matches!(essence.as_str(), "image/jpeg" | "image/png" | "image/webp" | "image/gif")
}

/// Uploads one photo (JPEG, PNG, WebP or GIF, at most 5 MiB); it is decoded, checked,
/// downscaled and kept as JPEG without metadata. Idempotent on `photo_id`.
#[utoipa::path(put, path = "/v1/complaints/{tracking_code}/photos/{photo_id}", tag = "complaints", security(("bearer" = [])),
    params(("tracking_code" = String, Path), ("photo_id" = String, Path, description = "UUID made by the app")),
    request_body(content = Vec<u8>, content_type = "image/jpeg"),
    responses((status = 201, body = PhotoInfo), (status = 200, body = PhotoInfo, description = "already uploaded"),
              (status = 409, description = "photo_id_conflict or too_many_photos"), (status = 413, description = "body_too_large or image_too_large"),
              (status = 415), (status = 422, description = "invalid_image")))]
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
    if !accepted_type(declared) {
        return Err(ApiError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type", "upload image/jpeg, image/png, image/webp or image/gif"));
    }
    let upload = crate::actions::normalize_upload(&state, body.to_vec()).await?;
    let (p, created) = crate::actions::attach_photo(&state, &c, photo_id, upload).await?;
    Ok((if created { StatusCode::CREATED } else { StatusCode::OK }, Json(views::photo(&p))))
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
    crate::actions::audit_read(&state, staff.who(), &c, crate::store::ReadKind::Photo);
    photo_response(&state, &c, photo_id).await
}

#[cfg(test)]
mod tests {
    #[test]
    fn declared_types_with_parameters_are_accepted() {
        for (declared, ok) in [
            ("image/jpeg", true),
            ("image/png; charset=binary", true),
            ("IMAGE/WEBP", true),
            ("image/gif", true),
            ("text/html", false),
            ("image/svg+xml", false),
            ("", false),
        ] {
            assert_eq!(super::accepted_type(declared), ok, "{declared}");
        }
    }
}
