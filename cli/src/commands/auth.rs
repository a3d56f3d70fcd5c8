//! `login`, `verify` and `logout`: the SMS-code login, interactive or in two steps for scripts.

use std::io::{BufRead, Write};

use serde_json::json;

use samat_core::client::Session;
use samat_core::ClientError;

use crate::context::{write_private, Ctx};
use crate::error::{CliError, CliResult};
use crate::output::masked_phone;

/// Requests a login code for `phone`; then, unless `no_wait`, prompts for it on stderr, reads
/// it from stdin and completes the login. The phone is remembered in `pending-login` so that
/// `samat verify CODE` can finish later.
pub async fn login(ctx: &Ctx, phone: &str, no_wait: bool) -> CliResult {
    let phone = phone.trim();
    ctx.client.request_otp(phone).await.map_err(|e| CliError::or_offline(e, "no login code was sent; try again when online"))?;
    write_private(&ctx.pending_login_path(), phone)?;
    if no_wait {
        ctx.out.emit(&json!({ "code_sent": true, "phone": phone, "next": "samat verify CODE" }), || {
            format!("a login code was sent by SMS to {phone}; finish with: samat verify CODE")
        });
        return Ok(());
    }
    let code = prompt_code()?;
    finish(ctx, phone, &code).await
}

/// Completes the login started by `samat login PHONE --no-wait`.
pub async fn verify(ctx: &Ctx, code: &str) -> CliResult {
    let path = ctx.pending_login_path();
    let phone = match std::fs::read_to_string(&path) {
        Ok(p) if !p.trim().is_empty() => p.trim().to_owned(),
        _ => return Err(CliError::new("no_pending_login", "no login in progress: run `samat login PHONE --no-wait` first")),
    };
    finish(ctx, &phone, code).await
}

/// Logs out; the token is revoked on the server when it is reachable.
pub async fn logout(ctx: &Ctx) -> CliResult {
    ctx.client.logout().await?;
    let _ = std::fs::remove_file(ctx.pending_login_path());
    ctx.out.emit(&json!({ "logged_in": false }), || "logged out; queued work is kept".to_owned());
    Ok(())
}

async fn finish(ctx: &Ctx, phone: &str, code: &str) -> CliResult {
    let code = code.trim();
    if code.is_empty() {
        return Err(CliError::new("missing_code", "no code given: finish with `samat verify CODE`"));
    }
    let session = ctx.client.verify_otp(phone, code).await.map_err(|e| match e {
        // wrong_code, code_expired, too_many_attempts: say which, and what to do.
        ClientError::Rejected { server_code, detail, .. } if matches!(server_code.as_str(), "wrong_code" | "code_expired" | "too_many_attempts") => {
            CliError::new(&server_code, format!("{detail}: check the SMS and run `samat verify CODE`, or get a new code with `samat login PHONE`"))
        }
        other => CliError::or_offline(other, "the code was not checked; run `samat verify CODE` when online"),
    })?;
    let _ = std::fs::remove_file(ctx.pending_login_path());
    print_session(ctx, &session);
    Ok(())
}

/// Prints a session, with the phone masked.
pub fn print_session(ctx: &Ctx, session: &Session) {
    let phone = session.phone.as_deref().map(masked_phone);
    ctx.out.emit(&json!({ "logged_in": phone.is_some() && !session.expired, "phone": phone, "expired": session.expired }), || match &phone {
        Some(p) if session.expired => format!("session of {p} expired: run `samat login PHONE`"),
        Some(p) => format!("logged in as {p}"),
        None => "not logged in".to_owned(),
    });
}

/// Prompts "SMS code: " on stderr and reads one line from stdin (a terminal or a pipe).
fn prompt_code() -> CliResult<String> {
    {
        let mut err = std::io::stderr().lock();
        let _ = err.write_all(b"SMS code: ");
        let _ = err.flush();
    }
    let mut line = String::new();
    let n = std::io::stdin().lock().read_line(&mut line)?;
    if n == 0 || line.trim().is_empty() {
        return Err(CliError::new("missing_code", "no code entered: finish later with `samat verify CODE`"));
    }
    Ok(line.trim().to_owned())
}
