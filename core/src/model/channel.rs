//! Intake channels: every way a complaint can reach the ministry, all feeding one pipeline.

use serde::{Deserialize, Serialize};

/// The channel a complaint came through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// The "Samat-e Ma" mobile app.
    App,
    /// The web portal.
    Web,
    /// The 124 call centre.
    Phone,
    /// In person at a provincial counter (پیشخوان).
    Counter,
    /// SMS.
    Sms,
    /// Fax.
    Fax,
    /// E-mail.
    Email,
    /// The voice mailbox.
    Voicemail,
}

impl Channel {
    /// Every channel.
    pub const ALL: [Channel; 8] =
        [Channel::App, Channel::Web, Channel::Phone, Channel::Counter, Channel::Sms, Channel::Fax, Channel::Email, Channel::Voicemail];

    /// The wire name (`app`, `phone`, ...).
    pub fn wire_name(self) -> &'static str {
        match self {
            Channel::App => "app",
            Channel::Web => "web",
            Channel::Phone => "phone",
            Channel::Counter => "counter",
            Channel::Sms => "sms",
            Channel::Fax => "fax",
            Channel::Email => "email",
            Channel::Voicemail => "voicemail",
        }
    }

    /// Parses a wire name.
    pub fn from_wire(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.wire_name() == name)
    }

    /// The Persian label.
    pub fn label_fa(self) -> &'static str {
        match self {
            Channel::App => "اپلیکیشن صمت ما",
            Channel::Web => "درگاه اینترنتی",
            Channel::Phone => "تلفن ۱۲۴",
            Channel::Counter => "پیشخوان",
            Channel::Sms => "پیامک",
            Channel::Fax => "دورنگار",
            Channel::Email => "پست الکترونیک",
            Channel::Voicemail => "صندوق صوتی",
        }
    }

    /// Whether staff file on the citizen's behalf through this channel (everything but the
    /// citizen's own app and web session).
    pub fn is_assisted(self) -> bool {
        !matches!(self, Channel::App | Channel::Web)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_names_match_serde() {
        for c in Channel::ALL {
            assert_eq!(serde_json::to_string(&c).unwrap(), format!("\"{}\"", c.wire_name()));
            assert_eq!(Channel::from_wire(c.wire_name()), Some(c));
        }
        assert!(Channel::Phone.is_assisted() && !Channel::App.is_assisted());
    }
}
