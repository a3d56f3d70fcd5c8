//! `samat scan IMAGE...`: reads guild barcodes (and any other QR code) in photos with the
//! app's own scanner, and says whether each sticker is verified by a ministry key.

use std::path::PathBuf;

use serde_json::json;

use samat_core::client::scanning::{GuildCode, ScannedCode};
use samat_core::ClientError;

use crate::context::Ctx;
use crate::error::{CliError, CliResult, PARTIAL_SCAN};

fn verdict(g: &GuildCode) -> String {
    let name = g.name.as_deref().map(|n| format!(" «{n}»")).unwrap_or_default();
    if g.verified {
        format!("guild code {}{name}: verified (ministry key {})", g.guild_id, g.key_id.as_deref().unwrap_or("?"))
    } else {
        let why = match g.reason.as_deref() {
            Some("bad_signature") => "the sticker's text was altered",
            Some("unknown_key") => "signed by a key this device does not know (run `samat keys` when online)",
            _ => "not signed",
        };
        format!("guild code {}{name}: UNVERIFIED — {why}", g.guild_id)
    }
}

fn describe(file: &str, codes: &[ScannedCode]) -> String {
    if codes.is_empty() {
        return format!("{file}: no QR code found");
    }
    let mut s = format!("{file}: {}", crate::output::count(codes.len(), "code", "codes"));
    for c in codes {
        let corners: Vec<String> = c.corners.iter().map(|[x, y]| format!("({x:.0},{y:.0})")).collect();
        s.push_str(&format!("\n  text: {}\n  corners: {}", c.text, corners.join(" ")));
        match &c.guild {
            Some(g) => s.push_str(&format!("\n  {}", verdict(g))),
            None => s.push_str("\n  not a guild code"),
        }
    }
    s
}

/// Scans each image; with `draft`, creates a draft from the first guild code found.
pub async fn scan(ctx: &Ctx, images: &[PathBuf], draft: bool) -> CliResult {
    // Fresh keys when online; the cached ones otherwise.
    match ctx.client.refresh_keys().await {
        Ok(_) | Err(ClientError::Offline { .. }) => {}
        Err(e) => tracing_note(&format!("keys not refreshed: {e}")),
    }
    let mut failed = 0;
    let mut first_guild = None;
    for path in images {
        let file = path.display().to_string();
        let result = match std::fs::read(path) {
            Ok(bytes) => ctx.client.scan_image(bytes).await.map_err(CliError::from),
            Err(e) => Err(CliError::new("unreadable", format!("cannot read: {e}"))),
        };
        match result {
            Ok(codes) => {
                if first_guild.is_none() {
                    first_guild = codes.iter().find_map(|c| c.guild.clone());
                }
                ctx.out.line(&json!({"file": file, "codes": codes}), || describe(&file, &codes));
            }
            Err(e) => {
                failed += 1;
                ctx.out.line(&json!({"file": file, "error": e.message, "code": e.code}), || format!("{file}: error: {}", e.message));
            }
        }
    }
    if draft {
        let guild = first_guild.ok_or_else(|| CliError::new("no_guild_code", "no guild code found to start a draft from"))?;
        let d = ctx.client.draft_from_scan(&guild).await?;
        ctx.out.line(&json!({"draft": d}), || format!("draft {} created for business {}", d.id, guild.guild_id));
    }
    if failed > 0 {
        return Err(CliError::new(PARTIAL_SCAN, format!("{failed} of {} could not be scanned", crate::output::count(images.len(), "file", "files"))));
    }
    Ok(())
}

fn tracing_note(s: &str) {
    eprintln!("samat: {s}");
}
