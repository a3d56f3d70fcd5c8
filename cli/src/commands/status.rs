//! `status`, `list`, `show`, `track`, `events` and `seen`: what this device knows about the
//! citizen's complaints, refreshed from the server where that makes sense.

use serde_json::{json, Value};

use samat_core::client::{LocalComplaint, OutboxKind, OutboxState};
use samat_core::model::api::{ComplaintDetail, EventView};
use samat_core::model::journey::{self, CitizenChoices, NextStep};
use samat_core::model::{Category, Stage};
use samat_core::ClientError;

use crate::context::Ctx;
use crate::error::{CliError, CliResult};
use crate::output::{
    category_label, count, event_block, event_json, event_line, masked_phone, outbox_line, rials_label, stage_label, verdict_label, wire_name, Output,
};

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
            "{who}\nserver:     {}\ndata dir:   {}\ndrafts:     {drafts}\noutbox:     {queued} queued, {refused} refused\ncomplaints: {complaints}\nunseen:     {}\n",
            ctx.client.server_url(),
            ctx.data_dir.display(),
            count(unseen, "event", "events"),
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
                let when = c.events.last().map(|e| format!("  {}", ctx.out.time(e.event.at))).unwrap_or_default();
                let asked = if c.choices().decide { "  ← awaiting your answer: samat decide" } else { "" };
                s.push_str(&format!("  {}  {}  {category}  {business}{when}{asked}\n", c.tracking_code, stage_label(c.stage)));
            }
        }
        if outbox.is_empty() {
            s.push_str("outbox: empty\n");
        } else {
            s.push_str("outbox:\n");
            for i in &outbox {
                s.push_str(&format!("  {}\n", outbox_line(i)));
                if let Some(r) = i.last_error.as_ref().filter(|_| i.state == OutboxState::Failed) {
                    let fix = match (i.kind, i.draft_id.as_deref()) {
                        (OutboxKind::Complaint, Some(d)) => {
                            format!("fix the draft (`samat draft edit {d}`) and `samat submit {d}` again, or `samat discard {}`", i.id)
                        }
                        _ => format!("`samat discard {}` removes it", i.id),
                    };
                    s.push_str(&format!("        refused: {} — {} ({fix})\n", samat_core::model::labels::error_message_fa(&r.code), r.message));
                } else if i.state == OutboxState::Queued {
                    s.push_str("        waiting to be sent: `samat sync`\n");
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
    doc["choices"] = serde_json::to_value(complaint.choices()).unwrap_or(Value::Null);
    doc["business_answer"] = complaint.business_answer().and_then(|e| e.note).map_or(Value::Null, Value::String);
    doc["verdict"] = serde_json::to_value(complaint.verdict()).unwrap_or(Value::Null);
    doc["next_step"] = serde_json::to_value(complaint.next_step()).unwrap_or(Value::Null);
    doc["next_step_fa"] = Value::String(complaint.next_step().text_fa());
    doc["next_commands"] = json!(next_commands(complaint.tracking_code.as_str(), complaint.choices()));
    if let Some(n) = note {
        ctx.out.note(n);
        doc["note"] = Value::String(n.to_owned());
    }
    ctx.out.emit(&doc, || local_text(&complaint, &ctx.out));
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
        let c = Shown {
            code: detail.tracking_code.as_str(),
            stage: detail.stage,
            category: Some(detail.category),
            business: detail.business_name.as_deref(),
            detail: Some(&detail),
            events: &detail.events,
        };
        let mut s = complaint_text(&c, &ctx.out);
        if journey::next_step(detail.stage) == NextStep::AnswerBusiness {
            s.push_str(&format!(
                "to answer: samat login PHONE (the number this complaint was filed with), then samat decide {} accept|reject\n",
                detail.tracking_code
            ));
        }
        s
    });
    Ok(())
}

/// Events not yet shown; with `mark_seen`, taken (marked seen as they are printed, so no other
/// process reports them again).
pub async fn events(ctx: &Ctx, mark_seen: bool) -> CliResult {
    let events = if mark_seen { ctx.client.take_unseen(None).await? } else { ctx.client.unseen_events().await? };
    let list: Vec<Value> = events.iter().map(event_json).collect();
    ctx.out.emit(&list, || {
        if events.is_empty() {
            return "no unseen events".to_owned();
        }
        events.iter().map(|e| format!("#{:<6} {}\n", e.event.seq, event_line(e, &ctx.out))).collect()
    });
    Ok(())
}

/// Marks events as seen.
pub async fn seen(ctx: &Ctx, seqs: Vec<i64>) -> CliResult {
    ctx.client.mark_seen(seqs.clone()).await?;
    ctx.out.emit(&json!({ "seen": seqs }), || format!("marked {} as seen", count(seqs.len(), "event", "events")));
    Ok(())
}

fn local_text(c: &LocalComplaint, out: &Output) -> String {
    let events: Vec<EventView> = c.events.iter().map(|e| e.event.clone()).collect();
    let shown = Shown {
        code: c.tracking_code.as_str(),
        stage: c.stage,
        category: c.category,
        business: c.business_name.as_deref(),
        detail: c.detail.as_ref(),
        events: &events,
    };
    let mut s = complaint_text(&shown, out);
    let choices = c.choices();
    if choices.decide {
        match c.business_answer().and_then(|e| e.note) {
            Some(answer) => s.push_str(&format!("the business answered: «{answer}»\n")),
            None => s.push_str("the business's answer is not recorded yet (an SMS tells you when it is); you may answer already\n"),
        }
    }
    let commands = next_commands(c.tracking_code.as_str(), choices);
    if !commands.is_empty() {
        s.push_str("what you can do now:\n");
        for (command, why) in commands {
            s.push_str(&format!("  {command:<52} {why}\n"));
        }
    }
    s
}

/// The commands that act on a complaint now, with what each does, as the core's rules allow.
fn next_commands(code: &str, choices: CitizenChoices) -> Vec<(String, &'static str)> {
    let mut out = Vec::new();
    if choices.decide {
        out.push((format!("samat decide {code} accept"), "satisfied with the business's answer: the complaint is closed"));
        out.push((format!("samat decide {code} reject"), "not satisfied: an inspector is sent"));
    }
    if choices.withdraw {
        out.push((format!("samat withdraw {code} --note \"...\""), "withdraw the complaint"));
    }
    if choices.feedback {
        out.push((format!("samat feedback {code} --rating 1..5 [--escalate]"), "rate the handling; --escalate sends it to the ministry"));
    }
    out
}

/// What a complaint's text shows.
struct Shown<'a> {
    code: &'a str,
    stage: Stage,
    category: Option<Category>,
    business: Option<&'a str>,
    detail: Option<&'a ComplaintDetail>,
    events: &'a [EventView],
}

/// A complaint and its history as labelled lines, ending with what comes next.
fn complaint_text(c: &Shown, out: &Output) -> String {
    let mut s = format!("complaint {}\n  stage:        {}\n", c.code, stage_label(c.stage));
    let mut row = |label: &str, value: Option<String>| {
        if let Some(v) = value {
            s.push_str(&format!("  {label:<13} {v}\n"));
        }
    };
    row("expected by:", c.detail.and_then(|d| d.expected_by_jalali(c.stage)).and_then(|j| j.to_gregorian()).map(|day| out.day(day)));
    row("category:", c.category.map(category_label));
    row("business:", c.business.map(str::to_owned));
    if let Some(d) = c.detail {
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
        row("incident:", d.incident_date.map(|day| out.day(day)));
        row("amount:", d.amount_rials.map(rials_label));
        row("compensation:", d.wants_compensation.then(|| "claimed".to_owned()));
        row("filed:", Some(format!("{} (by {})", out.time(d.created_at), wire_name(&d.channel))));
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
    if let Some(v) = journey::verdict(c.events) {
        row("verdict:", Some(format!("{} — {}", verdict_label(&v.details), out.time(v.at))));
    }
    if c.events.is_empty() {
        s.push_str("history: none on this device yet\n");
    } else {
        s.push_str("history:\n");
        for e in c.events {
            s.push_str(&event_block(e, out));
        }
    }
    let step = journey::next_step(c.stage);
    s.push_str(&format!("next: {} ({})\n", step.text_fa(), step.text_en()));
    s
}
