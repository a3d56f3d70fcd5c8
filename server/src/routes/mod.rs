//! The HTTP routes, one module per area, each exposing its own `router()`.

pub mod auth;
pub mod businesses;
pub mod complaints;
pub mod devices;
pub mod inbound;
pub mod meta;
pub mod photos;
pub mod scan;
pub mod staff;
pub mod stats;
pub mod sync;

use std::time::Duration;

use axum::extract::{DefaultBodyLimit, Request};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Router;
use tower_http::catch_panic::CatchPanicLayer;

use crate::error::ApiError;
use crate::state::AppState;

/// The whole API.
pub fn router(state: AppState) -> Router {
    let timeout = state.settings.request_timeout;
    let long_poll_timeout = state.settings.max_wait + Duration::from_secs(15);
    // Photos come over slow mobile links.
    let upload_timeout = Duration::from_secs(300);
    let api = Router::new()
        .merge(auth::router())
        .merge(complaints::router())
        .merge(staff::router())
        .merge(meta::router())
        .merge(crate::openapi::router())
        .merge(stats::router())
        .merge(businesses::router())
        .merge(devices::router())
        .merge(crate::open311::router())
        .merge(inbound::router())
        .layer(axum::middleware::from_fn(move |req, next| time_limit(timeout, req, next)));
    // Pages: a filing form with photos comes over slow mobile links too.
    let pages = crate::web::router().layer(axum::middleware::from_fn(move |req, next| time_limit(upload_timeout, req, next)));
    let polling = sync::router().layer(axum::middleware::from_fn(move |req, next| time_limit(long_poll_timeout, req, next)));
    let small_bodies = Router::new().merge(api).merge(polling).merge(pages).layer(DefaultBodyLimit::max(state.settings.max_body_bytes));
    let uploads =
        Router::new().merge(photos::router()).merge(scan::router()).layer(axum::middleware::from_fn(move |req, next| time_limit(upload_timeout, req, next)));
    Router::new()
        .merge(small_bodies)
        .merge(uploads)
        .fallback(|| async { ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such endpoint; see /openapi.json") })
        .method_not_allowed_fallback(|| async {
            ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", "this endpoint does not take that method")
        })
        .layer(axum::middleware::from_fn(no_store_by_default))
        .layer(axum::middleware::from_fn_with_state(state.metrics.clone(), crate::metrics::track))
        .layer(CatchPanicLayer::custom(|_| ApiError::internal("handler panicked").into_response()))
        .with_state(state)
}

/// Answers that say nothing about caching are not to be stored anywhere: tokens, a citizen's
/// complaints, staff views. Public data (the registry, reference lists, assets) says otherwise.
async fn no_store_by_default(req: Request, next: Next) -> Response {
    let mut response = next.run(req).await;
    response.headers_mut().entry(axum::http::header::CACHE_CONTROL).or_insert(axum::http::HeaderValue::from_static("no-store"));
    response
}

/// Answers when the handler takes longer than `limit`: `408 request_timeout` if the client
/// had not finished sending the request body (a slow client), else `503 timeout` (a slow
/// server; the client may retry).
async fn time_limit(limit: Duration, req: Request, next: Next) -> Response {
    let (parts, body) = req.into_parts();
    let (body, received) = crate::http::tracked(body);
    match tokio::time::timeout(limit, next.run(Request::from_parts(parts, body))).await {
        Ok(response) => response,
        Err(_) if !received.load(std::sync::atomic::Ordering::Acquire) => {
            ApiError::new(StatusCode::REQUEST_TIMEOUT, "request_timeout", "the request body arrived too slowly; send it again").into_response()
        }
        Err(_) => ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "timeout", "the request took too long; try again").into_response(),
    }
}
