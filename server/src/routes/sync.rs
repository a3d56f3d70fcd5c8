//! The citizen's sync feed: events after a cursor, and with `wait` a long-poll that answers as
//! soon as one arrives, so an app in the foreground sees changes at once without Google
//! services. An idle poll is answered from the hub's memory, without touching the database.

use std::time::Duration;

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use samat_core::model::api::{SyncEvent, SyncResponse};
use serde::Deserialize;
use tokio::time::Instant;

use crate::error::ApiResult;
use crate::extract::{ApiQuery, Bounds, Citizen};
use crate::state::AppState;
use crate::views::{self, Audience};

/// Routes of this module.
pub fn router() -> Router<AppState> {
    Router::new().route("/v1/sync", get(sync))
}

/// Events per answer.
pub const SYNC_LIMIT: Bounds = Bounds { default: 200, min: 1, max: 500 };
/// The cursor: 0 is the beginning.
const SINCE: Bounds = Bounds { default: 0, min: 0, max: i64::MAX };

/// Query of `GET /v1/sync`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SyncQuery {
    /// The cursor from the previous answer (0 or absent: from the beginning).
    #[param(minimum = 0)]
    pub since: Option<i64>,
    /// Seconds to wait for a new event when there is none (0–60, or the server's
    /// `--max-wait`).
    #[param(minimum = 0, maximum = 60)]
    pub wait: Option<i64>,
    /// Most events per answer (1–500, default 200).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
}

/// The caller's events after `since`.
#[utoipa::path(get, path = "/v1/sync", tag = "sync", params(SyncQuery), security(("bearer" = [])),
    responses((status = 200, body = SyncResponse), (status = 400, description = "invalid_wait")))]
pub async fn sync(State(state): State<AppState>, citizen: Citizen, ApiQuery(q): ApiQuery<SyncQuery>) -> ApiResult<Json<SyncResponse>> {
    let since = SINCE.check(q.since, "invalid_since", "since")?;
    let max_wait = Bounds { default: 0, min: 0, max: state.settings.max_wait.as_secs() as i64 };
    let wait = Duration::from_secs(max_wait.check(q.wait, "invalid_wait", "wait (seconds)")? as u64);
    let limit = SYNC_LIMIT.check(q.limit, "invalid_limit", "limit")?;
    let key = citizen.phone.as_str();
    let deadline = Instant::now() + wait;
    let _waiting = (!wait.is_zero()).then(|| state.hub.enter());
    loop {
        let (notify, known) = state.hub.watch(key);
        let notified = notify.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        let latest = match known {
            Some(l) => l,
            None => {
                let l = state.store.latest_seq(&citizen.phone).await?;
                state.hub.remember(key, l);
                l
            }
        };
        if latest > since {
            let mut events = state.store.events_since(&citizen.phone, since, limit + 1).await?;
            if !events.is_empty() {
                let more = events.len() as i64 > limit;
                events.truncate(limit as usize);
                let cursor = events.last().map_or(since, |e| e.seq);
                let events = events
                    .iter()
                    .filter_map(|e| views::event(e, Audience::Citizen).map(|ev| SyncEvent { tracking_code: e.tracking_code, event: ev }))
                    .collect();
                return Ok(Json(SyncResponse { events, cursor, more }));
            }
        }
        if Instant::now() >= deadline {
            return Ok(Json(SyncResponse { events: Vec::new(), cursor: since, more: false }));
        }
        tokio::select! {
            _ = &mut notified => {}
            _ = tokio::time::sleep_until(deadline) => {}
        }
    }
}
