//! `sync`: sends the outbox (with a progress bar on a terminal) and pulls new events.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::{json, Value};

use samat_core::client::{ComplaintEvent, OutboxKind, SyncProgress, SyncReport};
use samat_core::ClientError;

use crate::context::Ctx;
use crate::error::{CliError, CliResult, REFUSED};
use crate::output::{count, event_json, event_line, kind_label};

/// Sends everything queued, then prints what happened: the tracking codes the complaints just
/// sent got, and the new events no other process reported (which then count as seen).
/// Offline: `server unreachable: N complaints stay queued`, exit 1. Items the server refused:
/// the report, then exit 1 (`refused`).
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
                format!(
                    "not logged in, or the session expired: {} queued; run `samat login PHONE`, then `samat sync`",
                    count(n, "complaint stays", "complaints stay")
                ),
            ));
        }
        Err(e) => return Err(e.into()),
    };
    let refused = (report.failed > 0).then(|| {
        CliError::new(
            REFUSED,
            format!(
                "the server refused {}: see `samat list`; fix and submit again, or `samat discard ID`",
                count(report.failed as usize, "queued item", "queued items")
            ),
        )
    });
    // Of the events this sync brought, those no other process (`samat watch`) reported first:
    // each event is reported once between them.
    let seqs: Vec<i64> = report.new_events.iter().map(|e| e.event.seq).collect();
    let mine = if seqs.is_empty() { Vec::new() } else { ctx.client.take_unseen(Some(seqs)).await? };
    print_report(ctx, &report, &mine, refused.as_ref());
    refused.map_or(Ok(()), Err)
}

/// `server unreachable: N complaints stay queued`.
async fn unreachable(ctx: &Ctx) -> CliError {
    match ctx.queued_complaints().await {
        Ok(n) => CliError::offline(format!("{} queued", count(n, "complaint stays", "complaints stay"))),
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

/// The report as JSON: the client's `SyncReport` with `new_events` the events this sync
/// reports (each with `stage_fa`/`stage_en`), and `filed`, the tracking codes the complaints
/// just sent got.
fn report_json(r: &SyncReport, events: &[ComplaintEvent]) -> Value {
    let mut v = serde_json::to_value(r).unwrap_or_else(|_| json!({}));
    v["new_events"] = Value::Array(events.iter().map(event_json).collect());
    v["filed"] = json!(filed(r).iter().map(|(code, draft)| json!({ "tracking_code": code, "draft_id": draft })).collect::<Vec<_>>());
    v
}

/// The tracking codes of the complaints this sync filed, with the draft each came from.
fn filed(r: &SyncReport) -> Vec<(String, Option<String>)> {
    r.items.iter().filter(|i| i.delivered && i.kind == OutboxKind::Complaint).filter_map(|i| i.tracking_code.clone().map(|c| (c, None))).collect()
}

fn print_report(ctx: &Ctx, r: &SyncReport, events: &[ComplaintEvent], refused: Option<&CliError>) {
    let mut doc = report_json(r, events);
    if let Some(e) = refused {
        // The one document says both what happened and that it was not all well.
        doc["error"] = crate::output::error_json(e)["error"].clone();
    }
    ctx.out.emit(&doc, || {
        let mut s = format!("delivered {}, refused {}, still queued {}\n", r.delivered, r.failed, r.pending);
        for (code, _) in filed(r) {
            s.push_str(&format!("filed: tracking code {code} (کد رهگیری; it also comes by SMS) — `samat show {code}`\n"));
        }
        if r.failed > 0 {
            s.push_str("refused items stay in the outbox with the server's reason: see `samat list`\n");
        }
        if events.is_empty() {
            s.push_str("no new events\n");
        } else {
            s.push_str(&format!("{}:\n", count(events.len(), "new event", "new events")));
            for e in events {
                s.push_str(&format!("  {}\n", event_line(e, &ctx.out)));
            }
        }
        s
    });
}
