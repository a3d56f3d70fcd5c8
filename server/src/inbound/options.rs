//! How the inbound channels are set up: the webhook's shared secret, Kavenegar's inbox and
//! the IMAP mailbox, as the command line gives them. Plain configuration, which the server's
//! settings hold and the pollers ([`super::kavenegar`], [`super::imap`]) read.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;

/// A shared secret, never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(pub String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(…)")
    }
}

impl Secret {
    /// Whether `given` is the secret, in time that does not depend on where they differ.
    pub fn matches(&self, given: &str) -> bool {
        let (a, b) = (self.0.as_bytes(), given.as_bytes());
        let mut diff = a.len() ^ b.len();
        for i in 0..a.len().max(b.len()) {
            diff |= usize::from(a.get(i).copied().unwrap_or(0) ^ b.get(i).copied().unwrap_or(0));
        }
        diff == 0 && !a.is_empty()
    }
}

/// Where and how often to read the inbox.
#[derive(Clone)]
pub struct InboxOptions {
    /// API base URL (`https://api.kavenegar.com`; tests point it at a fake).
    pub base_url: String,
    /// The API key.
    pub key: String,
    /// The 124 line whose inbox is read.
    pub line: String,
    /// The pause between two reads while all is well.
    pub interval: Duration,
}

impl std::fmt::Debug for InboxOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InboxOptions").field("base_url", &self.base_url).field("line", &self.line).field("interval", &self.interval).finish()
    }
}

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
