//! `sync`: sends the outbox (with a progress bar on a terminal) and pulls new events.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::{json, Value};

use samat_core::client::{SyncProgress, SyncReport};
use samat_core::ClientError;

use crate::context::Ctx;
use crate::error::{CliError, CliResult};
use crate::output::{event_json, event_line, kind_label};

/// The error code of a sync that ran but had items refused (its report, printed already,
/// says which): exit 1 without a second JSON document.
pub const REFUSED: &str = "refused";

/// Sends everything queued, then prints what happened and the new events (which then count
/// as seen). Offline: `server unreachable: N complaints stay queued`, exit 1. Items the
/// server refused: the report, then exit 1 (`refused`).
pub async fn sync(ctx: &Ctx) -> CliResult {
    let bar = progress_bar(!ctx.out.json && std::io::stderr().is_terminal());
    let progress = {
        let bar = bar.clone();
        move |p: SyncProgress| match p {
            SyncProgress::Sending { total } => bar.inc_length(u64::from(total)),
            SyncProgress::Sent { kind, bytes } => {
                bar.set_message(if bytes > 0 { format!("{} ({} KiB)", kind_label(kind), bytes.div_ceil(1024)) } else { kind_label(kind).to_owned() });
                bar.inc(1);
            }
        }
    };
    let result = ctx.client.sync_with(false, &progress).await;
    bar.finish_and_clear();
    let report = match result {
        Ok(r) => r,
        Err(ClientError::Offline { .. }) => return Err(unreachable(ctx).await),
        Err(ClientError::Unauthorized) => {
            // The client checks the session before the network: find out which it is.
            if !ctx.server_reachable().await {
                return Err(unreachable(ctx).await);
            }
            let n = ctx.queued_complaints().await?;
            return Err(CliError::new(
                "unauthorized",
                format!("not logged in, or the session expired: {n} complaints stay queued; run `samat login PHONE`, then `samat sync`"),
            ));
        }
        Err(e) => return Err(e.into()),
    };
    let refused = (report.failed > 0).then(|| {
        CliError::new(REFUSED, format!("the server refused {} queued item(s): see `samat list`; fix and submit again, or `samat discard ID`", report.failed))
    });
    print_report(ctx, &report, refused.as_ref());
    let seqs: Vec<i64> = report.new_events.iter().map(|e| e.event.seq).collect();
    if !seqs.is_empty() {
        ctx.client.mark_seen(seqs).await?;
    }
    refused.map_or(Ok(()), Err)
}

/// `server unreachable: N complaints stay queued`.
async fn unreachable(ctx: &Ctx) -> CliError {
    match ctx.queued_complaints().await {
        Ok(n) => CliError::offline(format!("{n} complaints stay queued")),
        Err(e) => e,
    }
}

fn progress_bar(visible: bool) -> ProgressBar {
    if !visible {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template("sending {bar:30} {pos}/{len} {msg}") {
        bar.set_style(style);
    }
    bar
}

/// The report as JSON: the client's `SyncReport`, each new event with `stage_fa`/`stage_en`.
fn report_json(r: &SyncReport) -> Value {
    let mut v = serde_json::to_value(r).unwrap_or_else(|_| json!({}));
    v["new_events"] = Value::Array(r.new_events.iter().map(event_json).collect());
    v
}

fn print_report(ctx: &Ctx, r: &SyncReport, refused: Option<&CliError>) {
    let mut doc = report_json(r);
    if let Some(e) = refused {
        // The one document says both what happened and that it was not all well.
        doc["error"] = crate::output::error_json(e)["error"].clone();
    }
    ctx.out.emit(&doc, || {
        let mut s = format!("delivered {}, refused {}, still queued {}\n", r.delivered, r.failed, r.pending);
        if r.failed > 0 {
            s.push_str("refused items stay in the outbox with the server's reason: see `samat list`\n");
        }
        if r.new_events.is_empty() {
            s.push_str("no new events\n");
        } else {
            s.push_str(&format!("{} new events:\n", r.new_events.len()));
            for e in &r.new_events {
                s.push_str(&format!("  {}\n", event_line(e)));
            }
        }
        s
    });
}
