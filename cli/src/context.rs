//! What every command works with: the opened client, the data directory and the output.

use std::path::{Path, PathBuf};

use samat_core::client::{Draft, OutboxKind, OutboxState};
use samat_core::Client;

use crate::error::{CliError, CliResult};
use crate::output::Output;

/// The opened client and where things go.
pub struct Ctx {
    /// The offline client.
    pub client: Client,
    /// The data directory.
    pub data_dir: PathBuf,
    /// Text or JSON.
    pub out: Output,
}

/// The data directory: `--data-dir`/`SAMAT_DATA_DIR`, else `$XDG_DATA_HOME/samat`, else
/// `~/.local/share/samat`.
pub fn data_dir(given: Option<PathBuf>) -> CliResult<PathBuf> {
    if let Some(d) = given.filter(|d| !d.as_os_str().is_empty()) {
        return Ok(d);
    }
    if let Some(x) = std::env::var_os("XDG_DATA_HOME").map(PathBuf::from).filter(|p| p.is_absolute()) {
        return Ok(x.join("samat"));
    }
    match std::env::var_os("HOME").filter(|h| !h.is_empty()) {
        Some(home) => Ok(PathBuf::from(home).join(".local/share/samat")),
        None => Err(CliError::new("no_data_dir", "no data directory: set --data-dir or SAMAT_DATA_DIR (HOME is not set)")),
    }
}

impl Ctx {
    /// Opens the client's storage in `data_dir` for `server`.
    pub async fn open(data_dir: PathBuf, server: &str, out: Output) -> CliResult<Ctx> {
        let client = Client::open(&data_dir, server).await?;
        Ok(Ctx { client, data_dir, out })
    }

    /// The file remembering the phone of a login waiting for `samat verify`.
    pub fn pending_login_path(&self) -> PathBuf {
        self.data_dir.join("pending-login")
    }

    /// Finds a draft by its id or a unique prefix of it.
    pub async fn find_draft(&self, id: &str) -> CliResult<Draft> {
        // Ids are lowercase hex; a prefix typed on a Persian keyboard or in capitals is the same.
        let normalized = samat_core::model::text::ascii_digits(id.trim()).to_ascii_lowercase();
        let id = normalized.as_str();
        if let Ok(d) = self.client.draft(id).await {
            return Ok(d);
        }
        if id.is_empty() {
            return Err(CliError::new("not_found", "not found: draft (empty id)"));
        }
        let mut matches: Vec<Draft> = self.client.drafts().await?.into_iter().filter(|d| d.id.starts_with(id)).collect();
        match matches.len() {
            0 => Err(CliError::new("not_found", format!("not found: draft {id}"))),
            1 => Ok(matches.remove(0)),
            n => Err(CliError::new("ambiguous_id", format!("{n} drafts start with {id}: give more of the id"))),
        }
    }

    /// How many complaints wait in the outbox to be sent.
    pub async fn queued_complaints(&self) -> CliResult<usize> {
        Ok(self.client.outbox().await?.iter().filter(|i| i.kind == OutboxKind::Complaint && i.state == OutboxState::Queued).count())
    }

    /// Whether the server answers at all. The client refuses to sync without a session
    /// before touching the network, so this tells "offline" from "not logged in".
    pub async fn server_reachable(&self) -> bool {
        self.client.ping().await.is_ok()
    }
}

/// Writes a small private file (the pending login's phone), readable by the owner only.
pub fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    let tmp = path.with_extension("tmp");
    {
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let mut f = opts.open(&tmp)?;
        std::io::Write::write_all(&mut f, contents.as_bytes())?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, path)
}
