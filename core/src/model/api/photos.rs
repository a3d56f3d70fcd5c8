//! Photos attached to a complaint, and their limits.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Largest photo accepted, in bytes (the app downscales and re-encodes before upload).
pub const MAX_PHOTO_BYTES: usize = 5 * 1024 * 1024;

/// Most photos per complaint.
pub const MAX_PHOTOS_PER_COMPLAINT: usize = 10;

/// A photo attached to a complaint (`PUT /v1/complaints/{tracking_code}/photos/{photo_id}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PhotoInfo {
    /// The UUID the app gave the photo (uploads are idempotent on it).
    pub photo_id: Uuid,
    /// `image/jpeg`, `image/png` or `image/webp`.
    pub content_type: String,
    /// Size in bytes.
    pub size: i64,
    /// SHA-256 of the bytes, hex.
    pub sha256: String,
}
