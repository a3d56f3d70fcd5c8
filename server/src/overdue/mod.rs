//! Stage due times and the overdue sweep. At start, the due time stored with each open
//! complaint is checked against the service standards (they may have changed since it was
//! stored); then, at start and every hour, complaints past their stage's second threshold
//! are raised to the supervisors (a `raised` event in their history, once per stage), and the
//! digest of what is overdue, by province, is made for the supervisors' dashboard.
//!
//! Several replicas may sweep at once: a raise carries an action id derived from the complaint,
//! its stage and when it entered it, so the store keeps one event whoever writes it first.

pub mod digest;

use std::collections::BTreeMap;
use std::time::Duration;

use samat_core::model::api::EventKind;
use samat_core::model::deadlines::{ServiceStandards, Standing};
use samat_core::model::{Actor, Province, Role, Stage};
use time::OffsetDateTime;

pub use self::digest::{OverdueDigest, OverdueItem, ProvinceDigest, DIGEST_LIST};
use crate::state::AppState;
use crate::store::{ChangeRecord, ComplaintRecord, Holding, QueueFilter, StageClock, StoreError};

/// Rows read per page while sweeping.
const SWEEP_PAGE: i64 = 500;
/// Stage clocks read and put right per batch.
const REFRESH_BATCH: i64 = 2_000;
/// The action id of a complaint's raise in a stage: the same on every replica.
pub fn raise_action_id(c: &ComplaintRecord) -> uuid::Uuid {
    let key = format!("raise:{}:{}:{}", c.tracking_code.as_str(), c.stage.wire_name(), c.stage_since.unix_timestamp_nanos());
    uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_OID, key.as_bytes())
}

/// Sweeps every open stage: raises what is past the second threshold and returns the digest.
/// Only what is due by `now` is read (the queue's `due_by` filter, most overdue first), so
/// the work grows with what is late, not with all that is open.
pub async fn sweep(state: &AppState, now: OffsetDateTime) -> Result<OverdueDigest, StoreError> {
    let standards: &ServiceStandards = &state.settings.standards;
    let mut provinces: BTreeMap<Option<Province>, ProvinceDigest> = BTreeMap::new();
    let mut offset = 0;
    loop {
        let filter = QueueFilter {
            stages: Stage::open_stages().collect(),
            province: None,
            category: None,
            channel: None,
            city: None,
            holding: Holding::Any,
            search: None,
            due_by: Some(now),
            limit: SWEEP_PAGE,
            offset,
        };
        let page = state.store.queue(filter).await?;
        for row in &page.rows {
            let c = &row.complaint;
            // The stored due time selected it; the standards decide (they agree once
            // `refresh_due` has run).
            let Some(deadline) = standards.deadline(c.stage, c.stage_since) else { continue };
            let standing = standards.standing(&deadline, now);
            if !standing.is_overdue() {
                continue;
            }
            if standing == Standing::RaiseToSupervisors {
                raise(state, c, now).await?;
            }
            let entry = provinces.entry(c.province).or_default();
            entry.overdue += 1;
            entry.raised += i64::from(standing == Standing::RaiseToSupervisors);
            if entry.items.len() < DIGEST_LIST {
                entry.items.push(OverdueItem { tracking_code: c.tracking_code, stage: c.stage, due_day: deadline.due_day, standing });
            }
        }
        if (page.rows.len() as i64) < SWEEP_PAGE {
            break;
        }
        offset += SWEEP_PAGE;
    }
    Ok(OverdueDigest { made_at: now, provinces })
}

/// Puts right the stored due time of every open complaint whose stage clock, by the service
/// standards this server runs with, says otherwise: complaints from before due times were
/// stored, and all of them when the days per stage or the holidays changed. Returns how many
/// changed. Replicas may run it at once: each write is guarded by the stage it was computed for.
pub async fn refresh_due(state: &AppState) -> Result<u64, StoreError> {
    let standards: &ServiceStandards = &state.settings.standards;
    let mut after = 0;
    let mut changed = 0;
    loop {
        let clocks = state.store.stage_clocks(after, REFRESH_BATCH).await?;
        let Some(last) = clocks.last() else { break };
        after = last.id;
        let stale: Vec<StageClock> = clocks
            .iter()
            .filter_map(|c| {
                let due_at = standards.due_at(c.stage, c.stage_since);
                (due_at != c.due_at).then_some(StageClock { due_at, ..*c })
            })
            .collect();
        if !stale.is_empty() {
            changed += state.store.set_due(stale).await?;
        }
        if (clocks.len() as i64) < REFRESH_BATCH {
            break;
        }
    }
    Ok(changed)
}

/// Records the raise of `c` in its history (once per stage, whichever replica is first).
async fn raise(state: &AppState, c: &ComplaintRecord, now: OffsetDateTime) -> Result<(), StoreError> {
    let change = ChangeRecord {
        tracking_code: c.tracking_code,
        expected_stage: c.stage,
        to: c.stage,
        kind: EventKind::Raised,
        actor: Actor::Staff(Role::Supervisor),
        actor_staff_id: None,
        note: None,
        internal_note: Some(format!("مهلت مرحله «{}» گذشت؛ به صف سرپرستان ارجاع شد.", c.stage.label_fa())),
        details: Some(serde_json::json!({ "stage_since": c.stage_since.unix_timestamp() })),
        visible: false,
        sms: None,
        push: false,
        action_id: Some(raise_action_id(c)),
        holder_after: c.assigned_to,
        due_at: None,
        at: now,
    };
    match state.store.record_change(change).await {
        Ok(_) => {
            state.hub.publish_staff();
            Ok(())
        }
        // Moved on meanwhile: nothing is late any more.
        Err(StoreError::StageChanged) => Ok(()),
        Err(e) => Err(e),
    }
}

/// Puts the stored due times right ([`refresh_due`]), then sweeps at start and every `every`,
/// keeping the latest digest in the state, until shutdown.
pub async fn run(state: AppState, every: Duration, shutdown: tokio::sync::watch::Receiver<bool>) {
    match refresh_due(&state).await {
        Ok(0) => {}
        Ok(changed) => tracing::info!(changed, "stage due times put right by the service standards"),
        Err(e) => tracing::warn!(error = %e, "could not put the stage due times right; the queues' order may lag until the next start"),
    }
    crate::periodic::every(every, shutdown, || async {
        match sweep(&state, OffsetDateTime::now_utc()).await {
            Ok(digest) => {
                let (overdue, raised) = digest.provinces.values().fold((0, 0), |(o, r), d| (o + d.overdue, r + d.raised));
                tracing::info!(overdue, raised, "overdue sweep");
                *state.overdue.write().unwrap_or_else(|e| e.into_inner()) = Some(digest);
            }
            Err(e) => tracing::warn!(error = %e, "overdue sweep: could not read or update the complaints"),
        }
    })
    .await
}
