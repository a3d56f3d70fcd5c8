//! `decide`, `withdraw`, `feedback` and `discard`: citizen actions are queued first (so they
//! survive being offline), then sent at once if the server is reachable.

use serde_json::json;

use samat_core::client::{OutboxItem, OutboxState};
use samat_core::ClientError;

use crate::args::Decision;
use crate::context::Ctx;
use crate::error::{describe_fields, CliError, CliResult};
use crate::output::kind_label;

/// Queues the answer to the business's reply, then tries to send it.
pub async fn decide(ctx: &Ctx, code: &str, answer: Decision, note: Option<String>) -> CliResult {
    let item = ctx.client.decide(code, answer == Decision::Accept, note).await?;
    send_now(ctx, item).await
}

/// Queues a withdrawal, then tries to send it.
pub async fn withdraw(ctx: &Ctx, code: &str, note: Option<String>) -> CliResult {
    let item = ctx.client.withdraw(code, note).await?;
    send_now(ctx, item).await
}

/// Queues feedback on the handling, then tries to send it.
pub async fn feedback(ctx: &Ctx, code: &str, rating: i64, comment: Option<String>, escalate: bool) -> CliResult {
    let item = ctx.client.feedback(code, rating, comment, escalate).await?;
    send_now(ctx, item).await
}

/// Gives up an item the server refused.
pub async fn discard(ctx: &Ctx, id: i64) -> CliResult {
    ctx.client.discard(id).await?;
    ctx.out.emit(&json!({ "discarded": id }), || format!("discarded outbox item #{id}"));
    Ok(())
}

/// Runs one `sync()` and reports what became of `item`: sent (exit 0), still queued because
/// the server is unreachable, needs a login or failed (exit 0: the work is safe), or refused
/// (exit 1 with the server's code; the item stays in the outbox until discarded).
///
/// JSON: `{"status": "sent"|"queued", "reason": null|"offline"|"login_needed"|"retrying",
/// "message", "item": OutboxItem as queued}`.
async fn send_now(ctx: &Ctx, item: OutboxItem) -> CliResult {
    let what = kind_label(item.kind);
    let code = item.tracking_code.clone().unwrap_or_default();
    let (status, reason, message) = match ctx.client.sync().await {
        Ok(_) => match ctx.client.outbox().await?.into_iter().find(|i| i.id == item.id) {
            None => ("sent", None, format!("{what} for {code} sent")),
            Some(i) if i.state == OutboxState::Failed => {
                let r = i.last_error.unwrap_or_else(|| samat_core::client::Rejection { code: "refused".into(), message: String::new(), fields: vec![] });
                let extra = if r.fields.is_empty() { String::new() } else { format!(" — {}", describe_fields(&r.fields)) };
                return Err(CliError {
                    code: r.code.clone(),
                    message: format!("the server refused the {what} for {code} ({}): {}{extra}; `samat discard {}` removes it", r.code, r.message, i.id),
                    fields: r.fields,
                });
            }
            Some(_) => ("queued", Some("retrying"), format!("{what} for {code} queued; the server did not take it yet, `samat sync` retries")),
        },
        Err(ClientError::Offline { .. }) => {
            ("queued", Some("offline"), format!("server unreachable: {what} for {code} queued; will be sent when online (`samat sync`)"))
        }
        Err(ClientError::Unauthorized) if !ctx.server_reachable().await => (
            "queued",
            Some("offline"),
            format!("server unreachable: {what} for {code} queued; will be sent when online (log in first: `samat login PHONE`, then `samat sync`)"),
        ),
        Err(ClientError::Unauthorized) => {
            ("queued", Some("login_needed"), format!("{what} for {code} queued; will be sent once you log in (`samat login PHONE`, then `samat sync`)"))
        }
        // A server error (a 5xx, a proxy's 502) after the send or instead of it: the outbox
        // says which, and either way the work is safe.
        Err(ClientError::Server { status, .. }) => match ctx.client.outbox().await?.into_iter().find(|i| i.id == item.id) {
            None => ("sent", None, format!("{what} for {code} sent (the server then answered {status} to the update check)")),
            Some(_) => ("queued", Some("retrying"), format!("{what} for {code} queued; the server answered {status}, `samat sync` retries")),
        },
        Err(e) => return Err(e.into()),
    };
    ctx.out.emit(&json!({ "status": status, "reason": reason, "message": message, "item": item }), || message.clone());
    Ok(())
}
