//! `categories` and `stages`: the reference lists, with Persian and English labels.

use serde_json::json;

use samat_core::model::{Category, Stage};

use crate::error::CliResult;
use crate::output::Output;

/// Prints the categories: wire name (for `--category`), Persian and English label.
pub fn categories(out: Output) -> CliResult {
    let list: Vec<_> = Category::ALL.iter().map(|c| json!({ "name": c.wire_name(), "label_fa": c.label_fa(), "label_en": c.label_en() })).collect();
    out.emit(&list, || Category::ALL.iter().map(|c| format!("{:<20} {} ({})\n", c.wire_name(), c.label_fa(), c.label_en())).collect());
    Ok(())
}

/// Prints the stages in workflow order, marking the final ones.
pub fn stages(out: Output) -> CliResult {
    let list: Vec<_> =
        Stage::ALL.iter().map(|s| json!({ "name": s.wire_name(), "label_fa": s.label_fa(), "label_en": s.label_en(), "final": s.is_final() })).collect();
    out.emit(&list, || {
        Stage::ALL
            .iter()
            .map(|s| format!("{:<20} {} ({}){}\n", s.wire_name(), s.label_fa(), s.label_en(), if s.is_final() { "  [final]" } else { "" }))
            .collect()
    });
    Ok(())
}

/// Fetches and caches the ministry's sticker-signing keys (for offline scans) and lists them.
pub async fn keys(ctx: &crate::context::Ctx) -> CliResult {
    let keys = match ctx.client.refresh_keys().await {
        Ok(k) => k,
        Err(samat_core::ClientError::Offline { .. }) => {
            let cached = ctx.client.guild_keys().await?;
            eprintln!("samat: server unreachable: showing the {} cached", crate::output::count(cached.len(), "key", "keys"));
            cached
        }
        Err(e) => return Err(e.into()),
    };
    ctx.out.emit(&keys, || keys.iter().map(|k| format!("{}  {}  {}\n", k.key_id, k.algorithm, k.public_key)).collect());
    Ok(())
}
