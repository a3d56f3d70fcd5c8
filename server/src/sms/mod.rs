//! Outgoing SMS: the gateways ([`console`], [`file`], [`kavenegar`]) behind [`SmsSender`], and
//! the [`outbox`] worker that delivers what transactions queued, with retries.

pub mod console;
pub mod file;
pub mod kavenegar;
pub mod outbox;

use std::sync::Arc;

use async_trait::async_trait;

use crate::store::OutboxSms;

/// Why a send failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// Worth retrying (network, 5xx, gateway busy).
    #[error("temporary failure: {0}")]
    Retryable(String),
    /// Will never work (bad number, bad key, blocked recipient).
    #[error("permanent failure: {0}")]
    Permanent(String),
}

/// An SMS gateway. `send` must be idempotent for the same outbox id where the gateway allows
/// it, so a retry after a crash does not reach the phone twice.
#[async_trait]
pub trait SmsSender: Send + Sync + 'static {
    /// Sends one message.
    async fn send(&self, sms: &OutboxSms) -> Result<(), SendError>;
}

/// The `--sms` setting: `console`, `file:PATH` or `kavenegar:API_KEY`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SmsConfig {
    /// Log each message.
    Console,
    /// Append JSON lines to a file.
    File(std::path::PathBuf),
    /// Kavenegar's REST API with this key.
    Kavenegar(String),
}

impl std::str::FromStr for SmsConfig {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s == "console" {
            Ok(SmsConfig::Console)
        } else if let Some(path) = s.strip_prefix("file:").filter(|p| !p.is_empty()) {
            Ok(SmsConfig::File(path.into()))
        } else if let Some(key) = s.strip_prefix("kavenegar:").filter(|k| !k.is_empty()) {
            Ok(SmsConfig::Kavenegar(key.to_owned()))
        } else {
            Err(format!("unknown SMS gateway {s:?}: use console, file:PATH or kavenegar:API_KEY"))
        }
    }
}

/// Kavenegar options besides the key.
#[derive(Debug, Clone)]
pub struct KavenegarOptions {
    /// API base URL.
    pub base_url: String,
    /// The verify/lookup template for login codes.
    pub otp_template: String,
    /// Sender line for notices (the account's default line when unset).
    pub sender: Option<String>,
}

/// Builds the configured gateway.
pub fn build(config: &SmsConfig, kavenegar: KavenegarOptions) -> anyhow::Result<Arc<dyn SmsSender>> {
    Ok(match config {
        SmsConfig::Console => Arc::new(console::ConsoleSms),
        SmsConfig::File(path) => Arc::new(file::FileSms::open(path)?),
        SmsConfig::Kavenegar(key) => Arc::new(kavenegar::KavenegarSms::new(key.clone(), kavenegar)?),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sms_settings_parse() {
        assert_eq!("console".parse(), Ok(SmsConfig::Console));
        assert_eq!("file:/tmp/x.jsonl".parse(), Ok(SmsConfig::File("/tmp/x.jsonl".into())));
        assert_eq!("kavenegar:ABC".parse(), Ok(SmsConfig::Kavenegar("ABC".into())));
        for bad in ["", "file:", "kavenegar:", "twilio:x"] {
            assert!(bad.parse::<SmsConfig>().is_err(), "{bad}");
        }
    }
}
