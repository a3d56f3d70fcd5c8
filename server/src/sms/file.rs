//! The test gateway: appends one JSON object per line, `{"id": …, "to": "+98…", "text": "…"}`,
//! and syncs the file. Ids already in the file are not written again, so a message re-sent after
//! a crash appears once — also when several server processes (replicas) share the file: each
//! send holds an exclusive lock on it and first reads what the others appended.

use std::collections::HashSet;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use super::{SendError, SmsSender};
use crate::store::OutboxSms;

/// One line of the file.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct SmsLine {
    /// Outbox id.
    pub id: i64,
    /// Recipient, `+98…`.
    pub to: String,
    pub text: String,
}

/// Appends messages to a file.
pub struct FileSms {
    path: PathBuf,
    state: Mutex<Written>,
}

/// What this process knows of the file.
struct Written {
    file: File,
    /// Ids in the file up to `read`.
    seen: HashSet<i64>,
    /// How far the file has been read.
    read: u64,
}

impl Written {
    /// Reads the whole lines appended since the last read (by this process or another).
    fn catch_up(&mut self) -> std::io::Result<()> {
        self.file.seek(SeekFrom::Start(self.read))?;
        let mut tail = Vec::new();
        self.file.read_to_end(&mut tail)?;
        let complete = tail.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        for line in BufReader::new(&tail[..complete]).lines() {
            if let Ok(l) = serde_json::from_str::<SmsLine>(&line?) {
                self.seen.insert(l.id);
            }
        }
        self.read += complete as u64;
        Ok(())
    }
}

impl FileSms {
    /// Opens (creating) the file and reads the ids already written.
    pub fn open(path: &Path) -> anyhow::Result<FileSms> {
        let file = OpenOptions::new().create(true).read(true).append(true).open(path)?;
        let mut written = Written { file, seen: HashSet::new(), read: 0 };
        written.catch_up()?;
        Ok(FileSms { path: path.to_owned(), state: Mutex::new(written) })
    }
}

#[async_trait]
impl SmsSender for FileSms {
    async fn send(&self, sms: &OutboxSms) -> Result<(), SendError> {
        let mut guard = self.state.lock().map_err(|_| SendError::Retryable("file gateway poisoned".into()))?;
        let written = &mut *guard;
        if written.seen.contains(&sms.id) {
            return Ok(());
        }
        let line = SmsLine { id: sms.id, to: sms.to.as_str().to_owned(), text: sms.text.clone() };
        let mut buf = serde_json::to_vec(&line).map_err(|e| SendError::Permanent(e.to_string()))?;
        buf.push(b'\n');
        let failed = |e: std::io::Error| SendError::Retryable(format!("writing {}: {e}", self.path.display()));
        // Other processes writing the same file wait meanwhile (the lock goes with the
        // process if it dies).
        written.file.lock().map_err(failed)?;
        let result = (|| {
            written.catch_up()?;
            if !written.seen.contains(&sms.id) {
                written.file.write_all(&buf)?;
                written.file.sync_data()?;
                written.catch_up()?;
            }
            Ok(())
        })();
        let _ = written.file.unlock();
        result.map_err(failed)
    }
}
