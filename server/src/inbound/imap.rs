//! The 124 mailbox over IMAP (`--imap imaps://USER@HOST[:PORT]/MAILBOX`, the password from
//! `SAMAT_IMAP_PASSWORD`): every few seconds a connection over TLS (rustls; the Mozilla roots,
//! or the CA file of `--imap-ca-file` for a private CA), the unseen messages read with
//! `BODY.PEEK[]` (so reading marks nothing), each handed in ([`super::receive_email`]), and only
//! then flagged `\Seen` (and moved to `--imap-done-folder`, when set). A message handed in but
//! not flagged (the process died between) is read again and found handled: each is handled
//! once by its `Message-ID`, else its UIDVALIDITY and UID, whichever replica reads it. While
//! the server cannot connect or log in, the reads back off as the SMS inbox's do and the
//! server goes on serving.
//!
//! Plain `imap://` is refused: the password would cross the network in clear.

use std::time::Duration;

use anyhow::Context;
use futures::TryStreamExt;
use time::OffsetDateTime;
use tokio::sync::watch;

use super::email::{InboundMail, MAX_MAIL_BYTES};
use super::kavenegar::poll_delay;
pub use super::options::{ImapOptions, IMAPS_PORT};
use crate::state::AppState;
use crate::store::InboundStatus;

/// The longest a read of the mailbox may take before it is abandoned (and retried).
const READ_TIMEOUT: Duration = Duration::from_secs(300);

/// Reads the mailbox once: hands in every unseen message and flags those handled. Returns how
/// many were handed in.
pub async fn read_once(state: &AppState, options: &ImapOptions, tls: &tokio_rustls::TlsConnector) -> anyhow::Result<usize> {
    let tcp = tokio::time::timeout(Duration::from_secs(30), tokio::net::TcpStream::connect((options.host.as_str(), options.port)))
        .await
        .context("connecting timed out")?
        .with_context(|| format!("cannot connect to {}:{}", options.host, options.port))?;
    let name = rustls::pki_types::ServerName::try_from(options.host.clone()).context("the host is not a valid TLS name")?;
    let stream = tls.connect(name, tcp).await.context("TLS handshake failed")?;
    let mut client = async_imap::Client::new(stream);
    client.read_response().await.context("no greeting")?.context("the server closed the connection")?;
    let mut session = client.login(&options.user, &options.password.0).await.map_err(|(e, _)| anyhow::anyhow!("login refused: {e}"))?;
    let mailbox = session.select(&options.mailbox).await.with_context(|| format!("cannot open mailbox {:?}", options.mailbox))?;
    let validity = mailbox.uid_validity.unwrap_or(0);
    let mut uids: Vec<u32> = session.uid_search("UNSEEN").await.context("UID SEARCH UNSEEN")?.into_iter().collect();
    uids.sort_unstable();
    let mut handed = 0;
    for uid in uids {
        let sizes: Vec<_> = session.uid_fetch(uid.to_string(), "(UID RFC822.SIZE)").await?.try_collect().await?;
        let Some(size) = sizes.iter().find(|f| f.uid == Some(uid)).and_then(|f| f.size) else { continue };
        let truncated = size as usize > MAX_MAIL_BYTES;
        let query = if truncated { "(UID BODY.PEEK[HEADER])" } else { "(UID BODY.PEEK[])" };
        let fetched: Vec<_> = session.uid_fetch(uid.to_string(), query).await?.try_collect().await?;
        let Some(message) = fetched.iter().find(|f| f.uid == Some(uid)) else { continue };
        let raw = if truncated { message.header() } else { message.body() }.unwrap_or_default().to_vec();
        let mail = InboundMail {
            fallback_id: format!("imap:{}/{}:{validity}:{uid}", options.host, options.mailbox),
            mailbox: options.mailbox.clone(),
            raw,
            truncated,
            received_at: OffsetDateTime::now_utc(),
        };
        handed += 1;
        match super::receive_email(state, mail).await {
            // Another replica is handling it: it flags it when done.
            Ok(r) if r.status == InboundStatus::Pending => {}
            Ok(_) => {
                let _: Vec<_> = session.uid_store(uid.to_string(), "+FLAGS.SILENT (\\Seen)").await?.try_collect().await?;
                if let Some(folder) = &options.done_folder {
                    session.uid_mv(uid.to_string(), folder).await.with_context(|| format!("cannot move a message to {folder:?}"))?;
                }
            }
            // Left unseen: read and handed in again next time.
            Err(e) => tracing::warn!(uid, code = e.code, "an inbound e-mail could not be handled now; trying again"),
        }
    }
    session.logout().await.ok();
    Ok(handed)
}

/// Reads the mailbox until shutdown, backing off while the server cannot be reached.
pub async fn run(state: AppState, options: ImapOptions, mut shutdown: watch::Receiver<bool>) {
    let tls = match options.tls() {
        Ok(t) => t,
        Err(e) => {
            tracing::error!(error = %format!("{e:#}"), "cannot start the IMAP mailbox reader");
            return;
        }
    };
    let mut failures = 0u32;
    loop {
        let read = tokio::select! {
            r = tokio::time::timeout(READ_TIMEOUT, read_once(&state, &options, &tls)) => r.unwrap_or_else(|_| Err(anyhow::anyhow!("the read timed out"))),
            _ = shutdown.changed() => return,
        };
        match read {
            Ok(_) => failures = 0,
            Err(e) => {
                failures = failures.saturating_add(1);
                tracing::warn!(
                    error = %format!("{e:#}"),
                    host = %options.host,
                    mailbox = %options.mailbox,
                    retry_in = ?poll_delay(options.interval, failures),
                    "could not read the IMAP mailbox"
                );
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(poll_delay(options.interval, failures)) => {}
            _ = shutdown.changed() => return,
        }
    }
}
