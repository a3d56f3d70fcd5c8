//! `watch`: prints each new event as it arrives (one line each; JSON lines with `--json`),
//! following the core's updates stream (long polls, backoff while offline) until Ctrl-C.

use samat_core::client::{Delivery, Update};
use samat_core::ClientError;

use crate::context::Ctx;
use crate::error::{CliError, CliResult};
use crate::output::{event_json, event_line};

/// Prints events not yet shown, then waits for new ones. With `once`: returns after the
/// first batch (the unseen backlog, if any) or after one wait.
///
/// Whatever brought an event here — this long poll, a `samat sync` or `samat decide` beside it
/// — it is printed by whichever process takes it first from the unseen events, so `watch` and
/// `sync` report each event once between them.
pub async fn watch(ctx: &Ctx, once: bool, wait: u64) -> CliResult {
    let mut updates = ctx.client.updates(Delivery::Take).waiting(wait);
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);
    while let Some(update) = updates.next_until(&mut ctrl_c).await {
        match update {
            Update::Events(events) => {
                for e in &events {
                    ctx.out.line(&event_json(e), || event_line(e, &ctx.out));
                }
                if once {
                    return Ok(());
                }
            }
            Update::Connection(_) => {}
            Update::Failed { error: ClientError::Offline { .. }, retry_in, .. } => {
                if once {
                    return Err(CliError::offline("no updates fetched; try again when online"));
                }
                ctx.out.note(&format!("server unreachable; retrying in {} s", retry_in.as_millis().div_ceil(1000)));
            }
            Update::Failed { error, .. } => return Err(error.into()),
        }
    }
    Ok(())
}
