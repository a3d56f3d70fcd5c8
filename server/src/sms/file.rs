//! The test gateway: appends one JSON object per line, `{"id": …, "to": "+98…", "text": "…"}`,
//! and syncs the file. Ids already in the file are not written again, so a message re-sent after
//! a crash appears once.

use std::collections::HashSet;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
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
    /// Text.
    pub text: String,
}

/// Appends messages to a file.
pub struct FileSms {
    path: PathBuf,
    state: Mutex<(File, HashSet<i64>)>,
}

impl FileSms {
    /// Opens (creating) the file and reads the ids already written.
    pub fn open(path: &Path) -> anyhow::Result<FileSms> {
        let mut seen = HashSet::new();
        if let Ok(f) = File::open(path) {
            for line in BufReader::new(f).lines() {
                if let Ok(l) = serde_json::from_str::<SmsLine>(&line?) {
                    seen.insert(l.id);
                }
            }
        }
        let file = OpenOptions::new().create(true).append(true).open(path)?;
        Ok(FileSms { path: path.to_owned(), state: Mutex::new((file, seen)) })
    }
}

#[async_trait]
impl SmsSender for FileSms {
    async fn send(&self, sms: &OutboxSms) -> Result<(), SendError> {
        let mut guard = self.state.lock().map_err(|_| SendError::Retryable("file gateway poisoned".into()))?;
        let (file, seen) = &mut *guard;
        if seen.contains(&sms.id) {
            return Ok(());
        }
        let line = SmsLine { id: sms.id, to: sms.to.as_str().to_owned(), text: sms.text.clone() };
        let mut buf = serde_json::to_vec(&line).map_err(|e| SendError::Permanent(e.to_string()))?;
        buf.push(b'\n');
        file.write_all(&buf).and_then(|_| file.sync_data()).map_err(|e| SendError::Retryable(format!("writing {}: {e}", self.path.display())))?;
        seen.insert(sms.id);
        Ok(())
    }
}
