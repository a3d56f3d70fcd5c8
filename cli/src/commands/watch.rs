//! `watch`: prints each new event as it arrives (one line each; JSON lines with `--json`),
//! long-polling the server, retrying with backoff while offline, until Ctrl-C.

use std::time::Duration;

use samat_core::ClientError;

use crate::context::Ctx;
use crate::error::{CliError, CliResult};
use crate::output::{event_json, event_line};

/// Longest pause between attempts while the server is unreachable.
const MAX_BACKOFF: Duration = Duration::from_secs(60);

/// Prints events not yet shown, then waits for new ones. With `once`: returns after the
/// first batch (the unseen backlog, if any) or after one wait.
///
/// Whatever brought an event here — this long poll, a `samat sync` or `samat decide` beside it
/// — it is printed by whichever process takes it first from the unseen events, so `watch` and
/// `sync` report each event once between them.
pub async fn watch(ctx: &Ctx, once: bool, wait: u64) -> CliResult {
    if show(ctx).await? > 0 && once {
        return Ok(());
    }
    let mut backoff = Duration::from_secs(1);
    loop {
        let result = tokio::select! {
            r = ctx.client.wait_for_updates(wait) => r,
            _ = tokio::signal::ctrl_c() => return Ok(()),
        };
        match result {
            Ok(_) => {
                backoff = Duration::from_secs(1);
                let shown = show(ctx).await?;
                if once {
                    return Ok(());
                }
                if shown == 0 && wait == 0 {
                    // Nothing waited on the server: do not spin.
                    tokio::select! {
                        _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                        _ = tokio::signal::ctrl_c() => return Ok(()),
                    }
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

/// Takes the events no process has reported yet and prints them one per line; returns how many.
async fn show(ctx: &Ctx) -> CliResult<usize> {
    let events = ctx.client.take_unseen(None).await?;
    for e in &events {
        ctx.out.line(&event_json(e), || event_line(e, &ctx.out));
    }
    Ok(events.len())
}
