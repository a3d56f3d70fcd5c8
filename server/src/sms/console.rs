//! The development gateway: logs each message (the default, so `--demo` works with no account).

use async_trait::async_trait;

use super::{SendError, SmsSender};
use crate::store::OutboxSms;

/// Logs messages instead of sending them.
pub struct ConsoleSms;

#[async_trait]
impl SmsSender for ConsoleSms {
    async fn send(&self, sms: &OutboxSms) -> Result<(), SendError> {
        tracing::info!(target: "samat::sms", id = sms.id, to = %sms.to.masked(), "SMS\n{}", sms.text);
        Ok(())
    }
}
