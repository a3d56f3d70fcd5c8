//! `draft new|list|show|edit|attach|delete`: draft complaints kept on this device. Drafts store
//! the text as typed; it is normalised when the server accepts the complaint.

use std::io::Read;
use std::path::PathBuf;

use serde_json::json;

use samat_core::client::{validate_draft, Draft, DraftFields, DraftState};

use crate::args::DraftFieldArgs;
use crate::context::Ctx;
use crate::error::{describe_fields, CliError, CliResult};
use crate::output::{category_wire_label, count, group_digits, rials_label, Output};

/// Creates a draft from the given fields and prints it.
pub async fn new(ctx: &Ctx, args: DraftFieldArgs) -> CliResult {
    let mut fields = DraftFields::default();
    apply(&mut fields, args)?;
    let draft = ctx.client.create_draft(fields).await?;
    ctx.out.emit(&draft, || format!("created draft {}\n{}", draft.id, draft_text(&draft, &ctx.out)));
    Ok(())
}

/// Lists all drafts, newest first.
pub async fn list(ctx: &Ctx) -> CliResult {
    let drafts = ctx.client.drafts().await?;
    ctx.out.emit(&drafts, || {
        if drafts.is_empty() {
            return "no drafts: start one with `samat draft new`".to_owned();
        }
        drafts.iter().map(|d| format!("{}\n", draft_line(d))).collect()
    });
    Ok(())
}

/// Prints one draft.
pub async fn show(ctx: &Ctx, id: &str) -> CliResult {
    let draft = ctx.find_draft(id).await?;
    ctx.out.emit(&draft, || draft_text(&draft, &ctx.out));
    Ok(())
}

/// Changes only the given fields of a draft.
pub async fn edit(ctx: &Ctx, id: &str, args: DraftFieldArgs) -> CliResult {
    let draft = ctx.find_draft(id).await?;
    let mut fields = draft.fields.clone();
    apply(&mut fields, args)?;
    let draft = if fields == draft.fields { draft } else { ctx.client.update_draft(&draft.id, fields).await? };
    ctx.out.emit(&draft, || format!("draft {}\n{}", draft.id, draft_text(&draft, &ctx.out)));
    Ok(())
}

/// Attaches photos to a draft, in order; stops at the first that fails (those before it stay).
pub async fn attach(ctx: &Ctx, id: &str, photos: &[PathBuf]) -> CliResult {
    let draft = ctx.find_draft(id).await?;
    let mut added = Vec::new();
    for path in photos {
        let photo = ctx.client.add_photo_file(&draft.id, path).await.map_err(|e| {
            let mut err = CliError::from(e);
            err.message = format!(
                "{}: {}{}",
                path.display(),
                err.message,
                if added.is_empty() { String::new() } else { format!(" ({} attached before it)", added.len()) }
            );
            err
        })?;
        added.push(photo);
    }
    let draft = ctx.client.draft(&draft.id).await?;
    ctx.out.emit(&draft, || {
        let mut s: String = added
            .iter()
            .map(|p| format!("attached photo {} ({}×{}, {} bytes, without EXIF/GPS)\n", p.id, p.width, p.height, group_digits(p.size as i64)))
            .collect();
        s.push_str(&draft_text(&draft, &ctx.out));
        s
    });
    Ok(())
}

/// Deletes a draft and its photos.
pub async fn delete(ctx: &Ctx, id: &str) -> CliResult {
    let draft = ctx.find_draft(id).await?;
    ctx.client.delete_draft(&draft.id).await?;
    ctx.out.emit(&json!({ "deleted": draft.id }), || format!("deleted draft {}", draft.id));
    Ok(())
}

/// Sets the given flags on `fields`; an empty value clears the field.
fn apply(fields: &mut DraftFields, args: DraftFieldArgs) -> CliResult {
    fn set(slot: &mut Option<String>, value: Option<String>) {
        if let Some(v) = value {
            *slot = if v.trim().is_empty() { None } else { Some(v) };
        }
    }
    let description = match args.description.as_deref() {
        Some("-") => {
            let mut s = String::new();
            std::io::stdin().read_to_string(&mut s)?;
            Some(s.trim_end_matches(['\n', '\r']).to_owned())
        }
        _ => args.description,
    };
    set(&mut fields.category, args.category);
    set(&mut fields.description, description);
    set(&mut fields.guild_id, args.guild_id);
    set(&mut fields.business_name, args.business_name);
    set(&mut fields.business_address, args.business_address);
    set(&mut fields.province, args.province);
    set(&mut fields.city, args.city);
    set(&mut fields.incident_date, args.incident_date);
    set(&mut fields.phone, args.phone);
    if let Some(a) = args.amount {
        fields.amount_rials = a.0;
    }
    if args.compensation {
        fields.wants_compensation = Some(true);
    } else if args.no_compensation {
        fields.wants_compensation = Some(false);
    }
    Ok(())
}

fn state_name(state: DraftState) -> &'static str {
    match state {
        DraftState::Editing => "editing",
        DraftState::Submitted => "submitted (queued)",
        DraftState::Rejected => "refused by the server",
    }
}

/// One line per draft: id, state, category, start of the description.
fn draft_line(d: &Draft) -> String {
    let category = d.fields.category.as_deref().unwrap_or("(no category)");
    let description: String = d.fields.description.as_deref().unwrap_or("").chars().take(40).collect::<String>().replace('\n', " ");
    let photos = if d.photos.is_empty() { String::new() } else { format!("  [{}]", count(d.photos.len(), "photo", "photos")) };
    format!("{}  {:<22} {:<18} {description}{photos}", d.id, state_name(d.state), category)
}

/// A draft as labelled lines, ending with what still keeps it from being submitted.
pub fn draft_text(d: &Draft, out: &Output) -> String {
    let f = &d.fields;
    let mut s = format!("  state:            {}\n", state_name(d.state));
    let mut row = |label: &str, value: Option<String>| {
        if let Some(v) = value {
            s.push_str(&format!("  {label:<17} {v}\n"));
        }
    };
    row("category:", f.category.as_deref().map(category_wire_label));
    row("description:", f.description.clone());
    row("business name:", f.business_name.clone());
    row("business ID:", f.guild_id.clone());
    row("address:", f.business_address.clone());
    row("province:", f.province.clone());
    row("city:", f.city.clone());
    row("incident date:", f.incident_date.clone());
    row("amount:", f.amount_rials.map(rials_label));
    row("compensation:", f.wants_compensation.map(|w| if w { "claimed".to_owned() } else { "not claimed".to_owned() }));
    row("phone:", f.phone.clone());
    row("photos:", (!d.photos.is_empty()).then(|| d.photos.len().to_string()));
    row("updated:", Some(out.time(d.updated_at)));
    if let Some(r) = &d.last_error {
        let fields = if r.fields.is_empty() { String::new() } else { format!(" — {}", describe_fields(&r.fields)) };
        row("server refused:", Some(format!("{}: {}{fields}", r.code, r.message)));
    }
    if d.state != DraftState::Submitted {
        let problems = validate_draft(d);
        if problems.is_empty() {
            s.push_str(&format!("  ready to submit: samat submit {}\n", d.id));
        } else {
            s.push_str("  still needed before submitting:\n");
            for p in problems {
                s.push_str(&format!("    {}: {} ({})\n", p.field, p.code, p.message));
            }
        }
    }
    s
}
