//! `status`, `list`, `show`, `track`, `events` and `seen`: what this device knows about the
//! citizen's complaints, refreshed from the server where that makes sense.

use serde_json::{json, Value};

use samat_core::client::{LocalComplaint, OutboxState};
use samat_core::model::api::{ComplaintDetail, EventView};
use samat_core::model::{Category, Stage};
use samat_core::ClientError;

use crate::context::Ctx;
use crate::error::{CliError, CliResult};
use crate::output::{category_label, event_block, event_json, event_line, group_digits, masked_phone, outbox_line, stage_label, time_label, wire_name};

/// The session (phone masked) and counts of what is stored locally.
pub async fn status(ctx: &Ctx) -> CliResult {
    let session = ctx.client.session().await?;
    let drafts = ctx.client.drafts().await?.len();
    let outbox = ctx.client.outbox().await?;
    let queued = outbox.iter().filter(|i| i.state == OutboxState::Queued).count();
    let refused = outbox.len() - queued;
    let complaints = ctx.client.complaints().await?.len();
    let unseen = ctx.client.unseen_events().await?.len();
    let next_retry = ctx.client.next_retry_at().await?;
    let phone = session.phone.as_deref().map(masked_phone);
    let pending_login = ctx.pending_login_path().exists();
    let doc = json!({
        "server": ctx.client.server_url(),
        "data_dir": ctx.data_dir.display().to_string(),
        "logged_in": phone.is_some() && !session.expired,
        "phone": phone,
        "expired": session.expired,
        "pending_login": pending_login,
        "drafts": drafts,
        "outbox": { "queued": queued, "refused": refused },
        "complaints": complaints,
        "unseen_events": unseen,
        "next_retry_at": next_retry.and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok()),
    });
    ctx.out.emit(&doc, || {
        let who = match &phone {
            Some(p) if session.expired => format!("session of {p} expired: run `samat login PHONE`"),
            Some(p) => format!("logged in as {p}"),
            None if pending_login => "not logged in (a login waits for `samat verify CODE`)".to_owned(),
            None => "not logged in".to_owned(),
        };
        format!(
            "{who}\nserver:     {}\ndata dir:   {}\ndrafts:     {drafts}\noutbox:     {queued} queued, {refused} refused\ncomplaints: {complaints}\nunseen:     {unseen} events\n",
            ctx.client.server_url(),
            ctx.data_dir.display()
        )
    });
    Ok(())
}

/// Submitted complaints, every outbox item, and (in JSON) the drafts.
pub async fn list(ctx: &Ctx) -> CliResult {
    let complaints = ctx.client.complaints().await?;
    let outbox = ctx.client.outbox().await?;
    let drafts = ctx.client.drafts().await?;
    let doc = json!({ "complaints": complaints, "outbox": outbox, "drafts": drafts });
    ctx.out.emit(&doc, || {
        let mut s = String::new();
        if complaints.is_empty() {
            s.push_str("no complaints on this device yet\n");
        } else {
            s.push_str("complaints:\n");
            for c in &complaints {
                let category = c.category.map(|c| c.label_fa().to_owned()).unwrap_or_else(|| "-".into());
                let business = c.business_name.as_deref().unwrap_or("-");
                s.push_str(&format!("  {}  {}  {category}  {business}\n", c.tracking_code, stage_label(c.stage)));
            }
        }
        if outbox.is_empty() {
            s.push_str("outbox: empty\n");
        } else {
            s.push_str("outbox:\n");
            for i in &outbox {
                s.push_str(&format!("  {}\n", outbox_line(i)));
                if let Some(r) = i.last_error.as_ref().filter(|_| i.state == OutboxState::Failed) {
                    s.push_str(&format!("        refused: {}  (fix it, or `samat discard {}`)\n", r.message, i.id));
                }
            }
        }
        s.push_str(&format!("drafts: {}{}\n", drafts.len(), if drafts.is_empty() { "" } else { " (samat draft list)" }));
        s
    });
    Ok(())
}

/// One complaint with its history: refreshed when the server is reachable, otherwise the
/// local copy with a note saying so. Its events then count as seen.
pub async fn show(ctx: &Ctx, code: &str) -> CliResult {
    let (complaint, note) = match ctx.client.refresh(code).await {
        Ok(c) => (c, None),
        Err(e @ (ClientError::Offline { .. } | ClientError::Unauthorized | ClientError::Server { .. })) => {
            let why = match e {
                ClientError::Offline { .. } => "server unreachable: showing the copy on this device",
                ClientError::Unauthorized => "not logged in: showing the copy on this device (run `samat login PHONE` to refresh)",
                _ => "the server failed: showing the copy on this device",
            };
            match ctx.client.complaint(code).await {
                Ok(c) => (c, Some(why)),
                Err(ClientError::NotFound { .. }) => {
                    // Without a session the client never reaches the network: check it here.
                    let offline = match e {
                        ClientError::Offline { .. } => true,
                        ClientError::Unauthorized => !ctx.server_reachable().await,
                        _ => false,
                    };
                    return Err(if offline {
                        CliError::offline(format!("complaint {} is not on this device yet; try again when online", code.trim()))
                    } else {
                        e.into()
                    });
                }
                Err(other) => return Err(other.into()),
            }
        }
        Err(e) => return Err(e.into()),
    };
    let mut doc = serde_json::to_value(&complaint).unwrap_or_else(|_| json!({}));
    doc["refreshed"] = Value::Bool(note.is_none());
    if let Some(n) = note {
        ctx.out.note(n);
        doc["note"] = Value::String(n.to_owned());
    }
    ctx.out.emit(&doc, || local_text(&complaint));
    let unseen: Vec<i64> = complaint.events.iter().filter(|e| !e.seen).map(|e| e.event.seq).collect();
    if !unseen.is_empty() {
        ctx.client.mark_seen(unseen).await?;
    }
    Ok(())
}

/// Public tracking with the phone the complaint was filed under.
pub async fn track(ctx: &Ctx, code: &str, phone: &str) -> CliResult {
    let detail = ctx.client.track(code, phone).await.map_err(|e| CliError::or_offline(e, "could not look the complaint up; try again when online"))?;
    ctx.out.emit(&detail, || {
        let events: Vec<EventView> = detail.events.clone();
        complaint_text(detail.tracking_code.grouped(), detail.stage, Some(detail.category), detail.business_name.as_deref(), Some(&detail), &events)
    });
    Ok(())
}

/// Events not yet shown (optionally marking them seen).
pub async fn events(ctx: &Ctx, mark_seen: bool) -> CliResult {
    let events = ctx.client.unseen_events().await?;
    let list: Vec<Value> = events.iter().map(event_json).collect();
    ctx.out.emit(&list, || {
        if events.is_empty() {
            return "no unseen events".to_owned();
        }
        events.iter().map(|e| format!("#{:<6} {}\n", e.event.seq, event_line(e))).collect()
    });
    if mark_seen && !events.is_empty() {
        ctx.client.mark_seen(events.iter().map(|e| e.event.seq).collect()).await?;
    }
    Ok(())
}

/// Marks events as seen.
pub async fn seen(ctx: &Ctx, seqs: Vec<i64>) -> CliResult {
    ctx.client.mark_seen(seqs.clone()).await?;
    ctx.out.emit(&json!({ "seen": seqs }), || format!("marked {} events as seen", seqs.len()));
    Ok(())
}

fn local_text(c: &LocalComplaint) -> String {
    let events: Vec<EventView> = c.events.iter().map(|e| e.event.clone()).collect();
    complaint_text(c.tracking_code.grouped(), c.stage, c.category, c.business_name.as_deref(), c.detail.as_ref(), &events)
}

/// A complaint and its history as labelled lines.
fn complaint_text(
    code: String,
    stage: Stage,
    category: Option<Category>,
    business: Option<&str>,
    detail: Option<&ComplaintDetail>,
    events: &[EventView],
) -> String {
    let mut s = format!("complaint {code}\n  stage:        {}\n", stage_label(stage));
    let mut row = |label: &str, value: Option<String>| {
        if let Some(v) = value {
            s.push_str(&format!("  {label:<13} {v}\n"));
        }
    };
    row("category:", category.map(category_label));
    row("business:", business.map(str::to_owned));
    if let Some(d) = detail {
        row("business ID:", d.guild_id.clone());
        row("address:", d.business_address.clone());
        row(
            "place:",
            match (&d.city, &d.province) {
                (Some(c), Some(p)) => Some(format!("{c}, {p}")),
                (Some(x), None) | (None, Some(x)) => Some(x.clone()),
                _ => None,
            },
        );
        row("incident:", d.incident_date.map(|d| d.to_string()));
        row("amount:", d.amount_rials.map(|a| format!("{} rials", group_digits(a))));
        row("compensation:", d.wants_compensation.then(|| "claimed".to_owned()));
        row("filed:", Some(format!("{} (by {})", time_label(d.created_at), wire_name(&d.channel))));
        row("photos:", (!d.photos.is_empty()).then(|| d.photos.len().to_string()));
        row("description:", Some(d.description.clone()));
        for f in &d.feedback {
            row(
                "feedback:",
                Some(format!(
                    "{}/5{}{}",
                    f.rating,
                    if f.escalated { " (escalated)" } else { "" },
                    f.comment.as_deref().map(|c| format!(": {c}")).unwrap_or_default()
                )),
            );
        }
    }
    if events.is_empty() {
        s.push_str("history: none on this device yet\n");
    } else {
        s.push_str("history:\n");
        for e in events {
            s.push_str(&event_block(e));
        }
    }
    if stage.is_final() {
        s.push_str("this complaint is closed\n");
    }
    s
}
