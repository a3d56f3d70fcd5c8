//! `watch`: prints each new event as it arrives (one line each; JSON lines with `--json`),
//! long-polling the server, retrying with backoff while offline, until Ctrl-C.

use std::time::Duration;

use samat_core::client::ComplaintEvent;
use samat_core::ClientError;

use crate::context::Ctx;
use crate::error::{CliError, CliResult};
use crate::output::{event_json, event_line};

/// Longest pause between attempts while the server is unreachable.
const MAX_BACKOFF: Duration = Duration::from_secs(60);

/// Prints events not yet shown, then waits for new ones. With `once`: returns after the
/// first batch (the unseen backlog, if any) or after one wait.
pub async fn watch(ctx: &Ctx, once: bool, wait: u64) -> CliResult {
    let backlog = ctx.client.unseen_events().await?;
    if !backlog.is_empty() {
        show(ctx, &backlog).await?;
        if once {
            return Ok(());
        }
    }
    let mut backoff = Duration::from_secs(1);
    loop {
        let result = tokio::select! {
            r = ctx.client.wait_for_updates(wait) => r,
            _ = tokio::signal::ctrl_c() => return Ok(()),
        };
        match result {
            Ok(events) => {
                backoff = Duration::from_secs(1);
                show(ctx, &events).await?;
                if once {
                    return Ok(());
                }
            }
            Err(ClientError::Offline { .. }) => {
                if once {
                    return Err(CliError::offline("no updates fetched; try again when online"));
                }
                ctx.out.note(&format!("server unreachable; retrying in {} s", backoff.as_secs()));
                tokio::select! {
                    _ = tokio::time::sleep(backoff) => {}
                    _ = tokio::signal::ctrl_c() => return Ok(()),
                }
                backoff = (backoff * 2).min(MAX_BACKOFF);
            }
            Err(e) => return Err(e.into()),
        }
    }
}

/// Prints events one per line, then marks them seen.
async fn show(ctx: &Ctx, events: &[ComplaintEvent]) -> CliResult {
    for e in events {
        ctx.out.line(&event_json(e), || event_line(e));
    }
    if !events.is_empty() {
        ctx.client.mark_seen(events.iter().map(|e| e.event.seq).collect()).await?;
    }
    Ok(())
}
