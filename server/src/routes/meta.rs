//! Reference data and operations: categories and stages with their labels, health and
//! metrics (the OpenAPI document serves itself, from `crate::openapi`).

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use samat_core::model::api::CategoryInfo;
use samat_core::model::{Category, Stage};
use serde::Serialize;

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// Routes of this module.
pub fn router() -> Router<AppState> {
    Router::new().route("/v1/categories", get(categories)).route("/v1/stages", get(stages)).route("/healthz", get(healthz)).route("/metrics", get(metrics))
}

/// The complaint categories with Persian and English labels.
#[utoipa::path(get, path = "/v1/categories", tag = "reference", responses((status = 200, body = [CategoryInfo])))]
pub async fn categories() -> impl IntoResponse {
    let list: Vec<CategoryInfo> =
        Category::ALL.into_iter().map(|c| CategoryInfo { name: c, label_fa: c.label_fa().into(), label_en: c.label_en().into() }).collect();
    ([(header::CACHE_CONTROL, "public, max-age=3600")], Json(list))
}

/// A stage with its labels.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct StageInfo {
    /// Wire name.
    pub name: Stage,
    /// Persian label.
    pub label_fa: &'static str,
    /// English label.
    pub label_en: &'static str,
    /// Whether nothing follows it.
    pub is_final: bool,
}

/// The stages with their labels.
#[utoipa::path(get, path = "/v1/stages", tag = "reference", responses((status = 200, body = [StageInfo])))]
pub async fn stages() -> impl IntoResponse {
    let list: Vec<StageInfo> =
        Stage::ALL.into_iter().map(|s| StageInfo { name: s, label_fa: s.label_fa(), label_en: s.label_en(), is_final: s.is_final() }).collect();
    ([(header::CACHE_CONTROL, "public, max-age=3600")], Json(list))
}

/// Liveness and database reachability.
#[utoipa::path(get, path = "/healthz", tag = "operations", responses((status = 200), (status = 503)))]
pub async fn healthz(State(state): State<AppState>) -> impl IntoResponse {
    match state.store.ping().await {
        Ok(()) => (StatusCode::OK, Json(serde_json::json!({"status": "ok"}))),
        Err(e) => {
            tracing::error!(error = %e, "health check failed");
            (StatusCode::SERVICE_UNAVAILABLE, Json(serde_json::json!({"status": "database unavailable"})))
        }
    }
}

/// Prometheus metrics (OpenMetrics text), when the server was started with `--public-metrics`
/// or `--metrics-token` (then with that bearer token).
#[utoipa::path(get, path = "/metrics", tag = "operations", security((), ("bearer" = [])),
    responses((status = 200, content_type = "application/openmetrics-text; version=1.0.0; charset=utf-8", body = String),
        (status = 401, description = "unauthorized"), (status = 404, description = "not_found: metrics are off")))]
pub async fn metrics(State(state): State<AppState>, headers: axum::http::HeaderMap) -> ApiResult<impl IntoResponse> {
    match &state.settings.metrics {
        crate::state::MetricsAccess::Off => return Err(ApiError::new(StatusCode::NOT_FOUND, "not_found", "metrics are off on this server")),
        crate::state::MetricsAccess::Public => {}
        crate::state::MetricsAccess::Token(token) => {
            let given = crate::extract::bearer_token(&headers)?;
            let ok = given.len() == token.len() && given.bytes().zip(token.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0;
            if !ok {
                return Err(ApiError::unauthorized("send the metrics token as Authorization: Bearer <token>"));
            }
        }
    }
    let pending = state.store.pending_sms().await?;
    let pushes = state.store.pending_pushes().await?;
    let body = state.metrics.render(pending, pushes, state.hub.waiting());
    Ok(([(header::CONTENT_TYPE, "application/openmetrics-text; version=1.0.0; charset=utf-8")], body))
}
