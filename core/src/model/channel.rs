//! Intake channels: every way a complaint can reach the ministry, all feeding one pipeline.

use serde::{Deserialize, Serialize};
use strum::{EnumString, IntoStaticStr, VariantArray};

use super::names::wire_names;

/// The channel a complaint came through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, IntoStaticStr, EnumString, VariantArray)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
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

wire_names!(Channel, "Every channel.");

impl Channel {
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
    fn staff_file_for_the_citizen_on_assisted_channels_only() {
        assert!(Channel::Phone.is_assisted() && !Channel::App.is_assisted());
    }
}
