//! Logging in: citizens by a one-time code sent by SMS, staff by username and password.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::{Json, Router};
use samat_core::model::api::{OtpRequest, OtpSent, StaffLoginRequest, TokenResponse, VerifyRequest};
use samat_core::model::text::digits_only;
use samat_core::model::PhoneNumber;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ClientIp};
use crate::limits::Limit;
use crate::state::AppState;
use crate::store::{NewSms, OtpCheck, Principal, SmsKind, StaffRecord};
use crate::{notice, passwords};

/// Routes of this module.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/auth/otp", post(request_otp))
        .route("/v1/auth/verify", post(verify_otp))
        .route("/v1/auth/logout", post(logout))
        .route("/v1/staff/login", post(staff_login))
}

pub fn parse_phone(raw: &str) -> ApiResult<PhoneNumber> {
    PhoneNumber::parse(raw).map_err(|e| ApiError::bad_request("invalid_phone", e.to_string()))
}

fn otp_hash(phone: &PhoneNumber, code: &str) -> Vec<u8> {
    Sha256::digest(format!("samat-otp:{}:{code}", phone.as_str()).as_bytes()).to_vec()
}

fn new_otp() -> String {
    use rand::Rng;
    format!("{:06}", rand::thread_rng().gen_range(0..1_000_000))
}

/// Sends a six-digit login code by SMS.
#[utoipa::path(post, path = "/v1/auth/otp", tag = "auth", request_body = OtpRequest,
    responses((status = 202, body = OtpSent), (status = 400, description = "invalid_phone"), (status = 429, description = "rate_limited")))]
pub async fn request_otp(State(state): State<AppState>, ClientIp(ip): ClientIp, ApiJson(req): ApiJson<OtpRequest>) -> ApiResult<(StatusCode, Json<OtpSent>)> {
    let phone = parse_phone(&req.phone)?;
    let expires_in = send_login_code(&state, &phone, ip).await?;
    Ok((StatusCode::ACCEPTED, Json(OtpSent { expires_in })))
}

/// Sends `phone` a fresh login code by SMS, under the per-network and per-phone limits;
/// returns the seconds it lives. The API and the portal share it.
pub async fn send_login_code(state: &AppState, phone: &PhoneNumber, ip: std::net::IpAddr) -> ApiResult<u32> {
    state
        .limits
        .check(Limit::OtpIp, &ip.to_string())
        .await?
        .map_err(|wait| ApiError::rate_limited("too many login codes requested from this network; wait and try again").wait(wait))?;
    state
        .limits
        .check(Limit::OtpPhone, phone.as_str())
        .await?
        .map_err(|wait| ApiError::rate_limited("too many login codes sent to this phone; wait a few minutes").wait(wait))?;
    let code = new_otp();
    let expires = OffsetDateTime::now_utc() + state.settings.otp_ttl;
    let sms = NewSms { to: phone.clone(), text: notice::otp(&code), kind: SmsKind::Otp, token: Some(code.clone()) };
    state.store.put_otp(phone, otp_hash(phone, &code), expires, sms).await?;
    state.outbox_wake.notify_one();
    Ok(state.settings.otp_ttl.as_secs() as u32)
}

/// Exchanges the SMS code for a session token.
#[utoipa::path(post, path = "/v1/auth/verify", tag = "auth", request_body = VerifyRequest,
    responses((status = 200, body = TokenResponse), (status = 401, description = "wrong_code or code_expired"), (status = 429, description = "too_many_attempts")))]
pub async fn verify_otp(State(state): State<AppState>, ApiJson(req): ApiJson<VerifyRequest>) -> ApiResult<Json<TokenResponse>> {
    let phone = parse_phone(&req.phone)?;
    let token = verify_login_code(&state, &phone, &req.code).await?;
    Ok(Json(TokenResponse { token, role: None }))
}

/// Checks a login code sent to `phone` and opens a citizen session; returns its token.
pub async fn verify_login_code(state: &AppState, phone: &PhoneNumber, code: &str) -> ApiResult<String> {
    let code = digits_only(code).filter(|c| c.len() == 6).ok_or_else(|| ApiError::bad_request("invalid_code", "the login code is six digits"))?;
    let check = state.store.check_otp(phone, otp_hash(phone, &code), OffsetDateTime::now_utc(), state.settings.otp_max_attempts).await?;
    match check {
        OtpCheck::Valid => state.sessions.create(&*state.store, Principal::Citizen { phone: phone.clone() }).await,
        OtpCheck::Wrong { remaining } => Err(ApiError::new(StatusCode::UNAUTHORIZED, "wrong_code", format!("wrong code; {remaining} attempts left"))),
        OtpCheck::Expired => Err(ApiError::new(StatusCode::UNAUTHORIZED, "code_expired", "the code has expired or was already used; request a new one")),
        OtpCheck::TooManyAttempts => Err(ApiError::new(StatusCode::TOO_MANY_REQUESTS, "too_many_attempts", "too many wrong codes; request a new code")),
    }
}

/// Ends the caller's session.
#[utoipa::path(post, path = "/v1/auth/logout", tag = "auth", security(("bearer" = [])), responses((status = 204), (status = 401)))]
pub async fn logout(State(state): State<AppState>, headers: HeaderMap) -> ApiResult<StatusCode> {
    let token = crate::extract::bearer_token(&headers).map_err(|_| ApiError::unauthorized("send the token to revoke as Authorization: Bearer <token>"))?;
    if state.sessions.revoke(&*state.store, token).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::new(StatusCode::UNAUTHORIZED, "session_not_found", "this token is not a live session (already logged out, or never issued)"))
    }
}

/// Staff log in with username and password.
#[utoipa::path(post, path = "/v1/staff/login", tag = "staff", request_body = StaffLoginRequest,
    responses((status = 200, body = TokenResponse), (status = 401, description = "invalid_credentials"), (status = 429)))]
pub async fn staff_login(State(state): State<AppState>, ClientIp(ip): ClientIp, ApiJson(req): ApiJson<StaffLoginRequest>) -> ApiResult<Json<TokenResponse>> {
    let a = authenticate_staff(&state, &req.username, req.password, ip).await?;
    let token = state.sessions.create(&*state.store, principal_of(&a)).await?;
    Ok(Json(TokenResponse { token, role: Some(a.role) }))
}

/// How long a login waits for a free password-hashing slot before it is told to come back.
const LOGIN_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

/// The session principal of a staff account.
pub fn principal_of(a: &StaffRecord) -> Principal {
    Principal::Staff { id: a.id, username: a.username.clone(), role: a.role, province: a.province }
}

/// Checks a staff member's username and password, under the login rate limits; the API's
/// login and the console's share it. A wrong username takes as long as a wrong password.
pub async fn authenticate_staff(state: &AppState, username: &str, password: String, ip: std::net::IpAddr) -> ApiResult<StaffRecord> {
    let username = username.trim().to_lowercase();
    // Throttle who is guessing (this network; this username from this network), never the
    // account's owner logging in from elsewhere.
    state
        .limits
        .check(Limit::StaffLoginIp, &ip.to_string())
        .await?
        .map_err(|wait| ApiError::rate_limited("too many logins from this network; wait and try again").wait(wait))?;
    state
        .limits
        .check(Limit::StaffLogin, &format!("{username}|{ip}"))
        .await?
        .map_err(|wait| ApiError::rate_limited("too many logins for this account from this network; wait and try again").wait(wait))?;
    let account = state.store.find_staff(&username).await?;
    let hash = account.as_ref().map(|a| a.password_hash.clone()).unwrap_or_else(|| passwords::decoy().to_owned());
    // Argon2 takes tens of megabytes per check: at most one per core at once; the rest wait a
    // little, then are told to come back.
    let ok = state.run_heavy_within(LOGIN_WAIT, move || passwords::verify(&password, &hash)).await?;
    match account {
        Some(a) if ok && a.active => Ok(a),
        _ => Err(ApiError::new(StatusCode::UNAUTHORIZED, "invalid_credentials", "wrong username or password")),
    }
}
