//! The web pages `samat-server` serves itself: the staff console (`/staff/…`) and the
//! citizens' portal, from compile-time-checked askama templates (`server/templates/`) with one
//! style sheet and small scripts that only enhance (`server/assets/`). Persian and right to
//! left first, Jalali dates and Persian digits, usable at 360 px; forms post and redirect and
//! work without JavaScript; nothing is loaded from another host.
//!
//! The pages act through the same [`actions`](crate::actions) as the JSON API, so the
//! workflow rules, limits and notifications are the same whichever door a person uses.

pub mod assets;
pub mod chart;
pub mod form;
pub mod format;
pub mod page;
pub mod portal;
pub mod public;
pub mod session;
pub mod staff;
pub mod stats;

use axum::Router;

use crate::state::AppState;

/// Routes of every page and asset.
pub fn router() -> Router<AppState> {
    Router::new().merge(assets::router()).merge(staff::router()).merge(portal::router()).merge(stats::router())
}
