//! The public statistics' rollup: at start and every `--stats-every` minutes, every
//! complaint's stage path is read from the store in one pass, tallied and published
//! ([`samat_core::model::stats::rollup`]), and the result kept in memory with its JSON and CSV
//! already written, so `/v1/stats`, `/v1/stats.csv` and `/stats` never touch the database.
//!
//! A full pass per rollup (rather than an incremental one) keeps the figures consistent: a
//! complaint placed in another province later, or moved on, is counted where it is now; on a
//! million complaints it takes seconds (see the README), once per period.

pub mod published;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use samat_core::model::stats::rollup::{publish, Tallies};
use samat_core::model::stats::SUPPRESSION_THRESHOLD;
use time::OffsetDateTime;

pub use self::published::{csv, gzip, FiledIndex, FiledKey, Published, CSV_HEADER};
use crate::state::AppState;
use crate::store::StoreError;

/// Reads every complaint and publishes the figures as of `now`.
pub async fn rollup(state: &AppState, now: OffsetDateTime) -> Result<Published, StoreError> {
    let started = Instant::now();
    let tallies = Arc::new(Mutex::new(Tallies::default()));
    let standards = state.settings.standards.clone();
    let sink = tallies.clone();
    state
        .store
        .each_stage_path(Box::new(move |path| {
            sink.lock().unwrap_or_else(|e| e.into_inner()).add(&standards, &path);
        }))
        .await?;
    let tallies = std::mem::take(&mut *tallies.lock().unwrap_or_else(|e| e.into_inner()));
    let published = tokio::task::spawn_blocking(move || Published::new(publish(&tallies, now, SUPPRESSION_THRESHOLD), tallies.complaints()))
        .await
        .map_err(|e| StoreError::Backend(format!("statistics rollup failed: {e}")))?;
    Ok(Published { took: started.elapsed(), ..published })
}

/// Rolls up at start and then every `every`, keeping the latest in the state, until shutdown.
pub async fn run(state: AppState, every: Duration, shutdown: tokio::sync::watch::Receiver<bool>) {
    crate::periodic::every(every, shutdown, || async {
        match rollup(&state, OffsetDateTime::now_utc()).await {
            Ok(p) => {
                tracing::info!(complaints = p.complaints, took_ms = p.took.as_millis() as u64, "statistics rolled up");
                *state.stats.write().unwrap_or_else(|e| e.into_inner()) = Some(Arc::new(p));
            }
            Err(e) => tracing::warn!(error = %e, "statistics rollup: could not read the complaints"),
        }
    })
    .await
}

/// The latest rollup, if one has ended.
pub fn latest(state: &AppState) -> Option<Arc<Published>> {
    state.stats.read().unwrap_or_else(|e| e.into_inner()).clone()
}
