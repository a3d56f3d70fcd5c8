//! `submit`: freezes a draft into the outbox. Works offline; `samat sync` sends it.

use samat_core::client::validate_draft;
use samat_core::ClientError;

use crate::context::Ctx;
use crate::error::{describe_fields, CliError, CliResult};
use crate::output::outbox_line;

/// Validates the draft locally (every problem, per field, exit 1) and queues it.
pub async fn submit(ctx: &Ctx, id: &str) -> CliResult {
    let draft = ctx.find_draft(id).await?;
    let problems = validate_draft(&draft);
    if !problems.is_empty() {
        let message = format!("draft {} cannot be submitted yet: {}", draft.id, describe_fields(&problems));
        return Err(CliError { code: "validation_failed".into(), message, fields: problems });
    }
    let item = ctx.client.submit(&draft.id).await.map_err(|e| match e {
        ClientError::Invalid { fields } => {
            CliError { code: "validation_failed".into(), message: format!("draft {} cannot be submitted: {}", draft.id, describe_fields(&fields)), fields }
        }
        other => other.into(),
    })?;
    ctx.out.emit(&item, || format!("queued draft {} for sending: {}\nrun `samat sync` to send it (it waits here while offline)", draft.id, outbox_line(&item)));
    Ok(())
}
