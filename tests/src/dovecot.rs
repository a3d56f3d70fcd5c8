//! A throwaway IMAP server for the inbound e-mail tests: Debian's Dovecot (`dovecot-imapd`,
//! which `scripts/with-postgres` installs when missing) started in the foreground with a
//! config of its own in a temp folder, IMAP over TLS only on a free loopback port, and stopped
//! when dropped, whatever the test did.
//!
//! The config, and why:
//! - `passwd-file` auth with one user and a plain password; a static userdb whose mail lives
//!   in a maildir under the temp folder.
//! - TLS with a certificate made at start by `openssl`: a test CA and a server certificate
//!   for `127.0.0.1` signed by it (rustls refuses a self-signed CA certificate used as the
//!   server's own), trusted by the server under test through `--imap-ca-file`.
//! - As root (CI), Dovecot's processes run as its own users (`dovecot` for internal
//!   services, `dovenull` for the login processes) and the mail as `nobody` — Dovecot never
//!   touches mail as UID 0 — so the temp folder is opened to them and the maildir given to
//!   `nobody`. As another user, everything runs as that user.
//!
//! If Dovecot is not installed the helper panics saying how to install it: an e-mail test
//! never passes without having talked to a real IMAP server.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::TryStreamExt;

/// The mailbox's login.
pub const USER: &str = "124";
/// Its password.
pub const PASSWORD: &str = "mailbox-test-password";

/// A running Dovecot.
pub struct Dovecot {
    dir: tempfile::TempDir,
    child: Option<Child>,
    /// The IMAPS port on 127.0.0.1.
    pub port: u16,
}

fn dovecot_binary() -> PathBuf {
    ["/usr/sbin/dovecot", "/usr/local/sbin/dovecot"].iter().map(PathBuf::from).find(|p| p.exists()).unwrap_or_else(|| {
        panic!("Dovecot is not installed: the inbound e-mail tests need a real IMAP server. Run `apt-get install -y dovecot-imapd` (scripts/with-postgres does, as root)")
    })
}

fn run(cmd: &mut Command) {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(out.status.success(), "{cmd:?}: {}", String::from_utf8_lossy(&out.stderr));
}

/// A test CA (`ca.pem`) and a certificate for 127.0.0.1 signed by it (`cert.pem`, `key.pem`).
fn make_certificates(dir: &Path) {
    let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
    run(Command::new("openssl").current_dir(dir).args(["req", "-x509"]).args(ec).args([
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "2",
        "-subj",
        "/CN=samat test CA",
    ]));
    run(Command::new("openssl").current_dir(dir).args(["req"]).args(ec).args(["-keyout", "key.pem", "-out", "cert.csr", "-subj", "/CN=127.0.0.1"]));
    std::fs::write(
        dir.join("cert.ext"),
        "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=critical,CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    run(Command::new("openssl").current_dir(dir).args([
        "x509",
        "-req",
        "-in",
        "cert.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "cert.pem",
        "-days",
        "2",
        "-extfile",
        "cert.ext",
    ]));
}

fn uid_gid(name: &str) -> Option<(u32, u32)> {
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    passwd
        .lines()
        .map(|l| l.split(':').collect::<Vec<_>>())
        .find(|f| f.first() == Some(&name))
        .and_then(|f| Some((f.get(2)?.parse().ok()?, f.get(3)?.parse().ok()?)))
}

impl Dovecot {
    /// Starts Dovecot on a free loopback port with an empty INBOX.
    pub fn start() -> Dovecot {
        let binary = dovecot_binary();
        let dir = tempfile::tempdir().expect("temp dir");
        let root = unsafe { libc::geteuid() } == 0;
        make_certificates(dir.path());
        let (mail_uid, mail_gid) = if root { uid_gid("nobody").expect("a user nobody") } else { unsafe { (libc::geteuid(), libc::getegid()) } };
        let me = std::env::var("USER").ok().filter(|u| !u.is_empty()).unwrap_or_else(|| "nobody".into());
        let (internal, login) = if root { ("dovecot".to_owned(), "dovenull".to_owned()) } else { (me.clone(), me) };
        let home = dir.path().join("home");
        std::fs::create_dir_all(home.join(USER)).unwrap();
        std::fs::create_dir_all(dir.path().join("state")).unwrap();
        std::fs::write(dir.path().join("passwd"), format!("{USER}:{{PLAIN}}{PASSWORD}::::::\n")).unwrap();
        if root {
            // Dovecot's users read the password file and reach the mail through the temp folder.
            std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
            std::fs::set_permissions(dir.path().join("passwd"), std::fs::Permissions::from_mode(0o644)).unwrap();
            for path in [home.clone(), home.join(USER)] {
                std::os::unix::fs::chown(&path, Some(mail_uid), Some(mail_gid)).unwrap();
            }
        }
        let d = dir.path().display().to_string();
        let mut dovecot = Dovecot { dir, child: None, port: 0 };
        for _ in 0..5 {
            dovecot.port = crate::free_port();
            let config = format!(
                r#"# A throwaway Dovecot for the samat tests (tests/src/dovecot.rs).
base_dir = {d}/run
state_dir = {d}/state
log_path = {d}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = required
ssl_cert = <{d}/cert.pem
ssl_key = <{d}/key.pem
ssl_min_protocol = TLSv1.2
auth_mechanisms = plain login
default_internal_user = {internal}
default_login_user = {login}
first_valid_uid = {mail_uid}
last_valid_uid = {mail_uid}
mail_location = maildir:~/Maildir
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {d}/passwd
}}
userdb {{
  driver = static
  args = uid={mail_uid} gid={mail_gid} home={d}/home/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    port = 0
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {port}
    ssl = yes
  }}
}}
service anvil {{
  chroot =
}}
"#,
                port = dovecot.port
            );
            std::fs::write(dovecot.dir.path().join("dovecot.conf"), config).unwrap();
            let log = std::fs::OpenOptions::new().create(true).append(true).open(dovecot.dir.path().join("stderr.log")).unwrap();
            let child = Command::new(&binary)
                .args(["-F", "-c"])
                .arg(dovecot.dir.path().join("dovecot.conf"))
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(log)
                .spawn()
                .expect("start dovecot");
            dovecot.child = Some(child);
            if dovecot.wait_ready() {
                return dovecot;
            }
            dovecot.stop();
        }
        panic!("dovecot did not start:\n{}", dovecot.logs());
    }

    /// `true` once a TLS connection is greeted, `false` if the process exited first.
    fn wait_ready(&mut self) -> bool {
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Some(child) = self.child.as_mut() {
                if matches!(child.try_wait(), Ok(Some(_))) {
                    return false;
                }
            }
            if std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        false
    }

    /// What Dovecot logged, for a failing test's message.
    pub fn logs(&self) -> String {
        let read = |name: &str| std::fs::read_to_string(self.dir.path().join(name)).unwrap_or_default();
        format!("{}{}", read("stderr.log"), read("dovecot.log"))
    }

    /// The `--imap` URL of the mailbox.
    pub fn url(&self) -> String {
        format!("imaps://{USER}@127.0.0.1:{}/INBOX", self.port)
    }

    /// The CA file that makes the server's certificate trusted (`--imap-ca-file`).
    pub fn ca_file(&self) -> PathBuf {
        self.dir.path().join("ca.pem")
    }

    /// The flags the server under test reads the mailbox with.
    pub fn server_flags(&self) -> Vec<String> {
        vec![
            "--imap".into(),
            self.url(),
            "--imap-password".into(),
            PASSWORD.into(),
            "--imap-ca-file".into(),
            self.ca_file().display().to_string(),
            "--imap-interval".into(),
            "1".into(),
        ]
    }

    /// A logged-in IMAP session with INBOX selected, as a mail client would have.
    pub async fn session(&self) -> async_imap::Session<tokio_rustls::client::TlsStream<tokio::net::TcpStream>> {
        use rustls::pki_types::pem::PemObject;
        let mut roots = rustls::RootCertStore::empty();
        for cert in rustls::pki_types::CertificateDer::pem_file_iter(self.ca_file()).unwrap() {
            roots.add(cert.unwrap()).unwrap();
        }
        let config = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth();
        let tcp = tokio::net::TcpStream::connect(("127.0.0.1", self.port)).await.expect("connect to dovecot");
        let name = rustls::pki_types::ServerName::try_from("127.0.0.1").unwrap();
        let tls = tokio_rustls::TlsConnector::from(Arc::new(config)).connect(name.to_owned(), tcp).await.expect("TLS to dovecot");
        let mut client = async_imap::Client::new(tls);
        client.read_response().await.expect("greeting").expect("greeting");
        let mut session = client.login(USER, PASSWORD).await.map_err(|(e, _)| e).unwrap_or_else(|e| panic!("login: {e}\n{}", self.logs()));
        session.select("INBOX").await.expect("select INBOX");
        session
    }

    /// Delivers a message into INBOX by IMAP APPEND, unseen.
    pub async fn deliver(&self, raw: &[u8]) {
        let mut session = self.session().await;
        session.append("INBOX", None, None, raw).await.unwrap_or_else(|e| panic!("APPEND: {e}\n{}", self.logs()));
        session.logout().await.ok();
    }

    /// How many messages of INBOX are not flagged `\Seen`.
    pub async fn unseen(&self) -> usize {
        let mut session = self.session().await;
        let n = session.uid_search("UNSEEN").await.expect("search").len();
        session.logout().await.ok();
        n
    }

    /// Marks every message of INBOX unseen again (as if the reader died before flagging them).
    pub async fn mark_all_unseen(&self) {
        let mut session = self.session().await;
        let _: Vec<_> = session.uid_store("1:*", "-FLAGS.SILENT (\\Seen)").await.expect("store").try_collect().await.expect("store");
        session.logout().await.ok();
    }

    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            // SIGTERM lets the master stop its login, auth and imap processes with it.
            unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
            let deadline = Instant::now() + Duration::from_secs(10);
            while Instant::now() < deadline {
                if matches!(child.try_wait(), Ok(Some(_))) {
                    return;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Dovecot {
    fn drop(&mut self) {
        self.stop();
    }
}
