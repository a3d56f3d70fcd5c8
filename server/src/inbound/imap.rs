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

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use futures::TryStreamExt;
use time::OffsetDateTime;
use tokio::sync::watch;

use super::email::{InboundMail, MAX_MAIL_BYTES};
use super::kavenegar::poll_delay;
use super::Secret;
use crate::state::AppState;
use crate::store::InboundStatus;

/// The default port of IMAP over TLS.
pub const IMAPS_PORT: u16 = 993;

/// Where and how to read the mailbox.
#[derive(Clone)]
pub struct ImapOptions {
    /// The server's host name (or IP address), as its certificate names it.
    pub host: String,
    /// Its port (993 unless the URL says otherwise).
    pub port: u16,
    /// The login.
    pub user: String,
    /// The password.
    pub password: Secret,
    /// The mailbox read (`INBOX`).
    pub mailbox: String,
    /// A PEM file of the CA certificates to trust instead of the Mozilla roots.
    pub ca_file: Option<PathBuf>,
    /// Where handled messages are moved (besides being flagged `\Seen`).
    pub done_folder: Option<String>,
    /// The pause between two reads while all is well.
    pub interval: Duration,
}

impl std::fmt::Debug for ImapOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ImapOptions")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("user", &self.user)
            .field("mailbox", &self.mailbox)
            .field("ca_file", &self.ca_file)
            .field("done_folder", &self.done_folder)
            .field("interval", &self.interval)
            .finish()
    }
}

impl ImapOptions {
    /// Reads `imaps://USER@HOST[:PORT]/MAILBOX` (`%40` for an `@` in the login; the mailbox
    /// defaults to `INBOX`).
    pub fn from_url(url: &str, password: Secret) -> anyhow::Result<ImapOptions> {
        let rest = match url.split_once("://") {
            Some(("imaps", rest)) => rest,
            Some(("imap", _)) => anyhow::bail!("--imap: plain imap:// would send the password in clear; use imaps:// (IMAP over TLS, port 993)"),
            _ => anyhow::bail!("--imap: expected imaps://USER@HOST[:PORT]/MAILBOX"),
        };
        let (authority, mailbox) = rest.split_once('/').unwrap_or((rest, ""));
        let (user, hostport) = authority.rsplit_once('@').context("--imap: the URL names no login (imaps://USER@HOST/INBOX)")?;
        let decode = |s: &str| percent_encoding::percent_decode_str(s).decode_utf8().map(|c| c.into_owned());
        let user = decode(user).context("--imap: the login is not UTF-8")?;
        let port_of = |p: &str| p.parse::<u16>().with_context(|| format!("--imap: bad port {p:?}"));
        let (host, port) = match hostport.strip_prefix('[') {
            Some(v6) => {
                let (host, after) = v6.split_once(']').context("--imap: an IPv6 address is written [ADDRESS]")?;
                let port = if after.is_empty() { IMAPS_PORT } else { port_of(after.strip_prefix(':').context("--imap: bad port")?)? };
                (host.to_owned(), port)
            }
            None => match hostport.rsplit_once(':') {
                Some((host, port)) => (host.to_owned(), port_of(port)?),
                None => (hostport.to_owned(), IMAPS_PORT),
            },
        };
        anyhow::ensure!(!user.is_empty() && !host.is_empty(), "--imap: expected imaps://USER@HOST[:PORT]/MAILBOX");
        let mailbox = decode(mailbox).context("--imap: the mailbox is not UTF-8")?;
        Ok(ImapOptions {
            host,
            port,
            user,
            password,
            mailbox: if mailbox.is_empty() { "INBOX".to_owned() } else { mailbox },
            ca_file: None,
            done_folder: None,
            interval: Duration::from_secs(30),
        })
    }

    /// The TLS client: the CA file's certificates, else the Mozilla roots.
    pub fn tls(&self) -> anyhow::Result<tokio_rustls::TlsConnector> {
        use rustls::pki_types::pem::PemObject;
        let mut roots = rustls::RootCertStore::empty();
        match &self.ca_file {
            Some(path) => {
                for cert in rustls::pki_types::CertificateDer::pem_file_iter(path).with_context(|| format!("--imap-ca-file {}", path.display()))? {
                    roots.add(cert.with_context(|| format!("--imap-ca-file {}", path.display()))?)?;
                }
                anyhow::ensure!(!roots.is_empty(), "--imap-ca-file {} holds no certificate", path.display());
            }
            None => roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
        }
        let config = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()?
            .with_root_certificates(roots)
            .with_no_client_auth();
        Ok(tokio_rustls::TlsConnector::from(Arc::new(config)))
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(url: &str) -> anyhow::Result<ImapOptions> {
        ImapOptions::from_url(url, Secret("pw".into()))
    }

    #[test]
    fn mailbox_urls_are_read_and_plain_imap_refused() {
        let o = parse("imaps://124%40samat.ir@mail.samat.ir/INBOX").unwrap();
        assert_eq!((o.user.as_str(), o.host.as_str(), o.port, o.mailbox.as_str()), ("124@samat.ir", "mail.samat.ir", 993, "INBOX"));
        let o = parse("imaps://complaints@127.0.0.1:10993/Shekayat").unwrap();
        assert_eq!((o.host.as_str(), o.port, o.mailbox.as_str()), ("127.0.0.1", 10993, "Shekayat"));
        let o = parse("imaps://u@[::1]:994").unwrap();
        assert_eq!((o.host.as_str(), o.port, o.mailbox.as_str()), ("::1", 994, "INBOX"));
        for bad in ["imap://u@host/INBOX", "https://u@host/", "imaps://host/INBOX", "imaps://u@host:x/INBOX", "u@host"] {
            assert!(parse(bad).is_err(), "{bad}");
        }
        assert!(!format!("{:?}", parse("imaps://u@h/INBOX").unwrap()).contains("pw"), "the password is never printed");
    }
}
