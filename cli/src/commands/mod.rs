//! The commands, one module per area, and the dispatch from the parsed command line.

mod actions;
mod auth;
mod drafts;
mod reference;
mod scan;
mod status;
mod submit;
mod sync;
mod watch;

use crate::args::{Cli, Command, DraftCommand};
use crate::context::{self, Ctx};
use crate::error::CliResult;
use crate::output::Output;

/// Runs the parsed command.
pub async fn run(cli: Cli, out: Output) -> CliResult {
    // Reference data needs no storage.
    let command = match cli.command {
        Command::Categories => return reference::categories(out),
        Command::Stages => return reference::stages(out),
        other => other,
    };
    let dir = context::data_dir(cli.data_dir)?;
    let ctx = Ctx::open(dir, &cli.server, out).await?;
    match command {
        Command::Login { phone, no_wait } => auth::login(&ctx, &phone, no_wait).await,
        Command::Verify { code } => auth::verify(&ctx, &code).await,
        Command::Logout => auth::logout(&ctx).await,
        Command::Status => status::status(&ctx).await,
        Command::Draft(d) => match d {
            DraftCommand::New(fields) => drafts::new(&ctx, fields).await,
            DraftCommand::List => drafts::list(&ctx).await,
            DraftCommand::Show { id } => drafts::show(&ctx, &id).await,
            DraftCommand::Edit { id, fields } => drafts::edit(&ctx, &id, fields).await,
            DraftCommand::Attach { id, photos } => drafts::attach(&ctx, &id, &photos).await,
            DraftCommand::Delete { id } => drafts::delete(&ctx, &id).await,
        },
        Command::Submit { id } => submit::submit(&ctx, &id).await,
        Command::Sync => sync::sync(&ctx).await,
        Command::List => status::list(&ctx).await,
        Command::Show { tracking_code } => status::show(&ctx, &tracking_code).await,
        Command::Watch { once, wait } => watch::watch(&ctx, once, wait).await,
        Command::Decide { tracking_code, answer, note } => actions::decide(&ctx, &tracking_code, answer, note).await,
        Command::Withdraw { tracking_code, note } => actions::withdraw(&ctx, &tracking_code, note).await,
        Command::Feedback { tracking_code, rating, comment, escalate } => actions::feedback(&ctx, &tracking_code, rating, comment, escalate).await,
        Command::Track { tracking_code, phone } => status::track(&ctx, &tracking_code, &phone).await,
        Command::Events { mark_seen } => status::events(&ctx, mark_seen).await,
        Command::Seen { seqs } => status::seen(&ctx, seqs).await,
        Command::Discard { id } => actions::discard(&ctx, id).await,
        Command::Scan { images, draft } => scan::scan(&ctx, &images, draft).await,
        Command::Keys => reference::keys(&ctx).await,
        Command::Categories => reference::categories(out),
        Command::Stages => reference::stages(out),
    }
}
