//! Logging in: a citizen by a code sent to their phone, staff by username and password.

use serde::{Deserialize, Serialize};

use crate::model::role::Role;

/// `POST /v1/auth/otp`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OtpRequest {
    /// The citizen's mobile number, any common spelling.
    pub phone: String,
}

/// `POST /v1/auth/otp` answer (202).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OtpSent {
    /// Seconds until the code expires.
    pub expires_in: u32,
}

/// `POST /v1/auth/verify`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VerifyRequest {
    /// The same phone the code was sent to.
    pub phone: String,
    /// The six-digit code from the SMS (Persian digits fine).
    pub code: String,
}

/// A session token (citizen or staff).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TokenResponse {
    /// Opaque bearer token for `Authorization: Bearer …`.
    pub token: String,
    /// The staff role, for staff logins.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
}

/// `POST /v1/staff/login`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StaffLoginRequest {
    /// Username.
    pub username: String,
    /// Password.
    pub password: String,
}
