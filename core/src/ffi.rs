//! What the core needs to be a uniffi component of its own (feature `uniffi`; the scaffolding
//! itself is set up in `lib.rs`, at the crate root where uniffi needs it): how the types uniffi
//! does not know cross the boundary, and the exported methods of the enums and of the app's one
//! error, `ClientError` (`SamatError` to the app). The enums and plain records
//! carry their own `cfg_attr(feature = "uniffi", derive(...))` beside their definitions; the
//! bindings crate (`samat-ffi`) uses them as they are. Their Kotlin lands in `ir.samat.core`,
//! their Swift in the same module as the bindings' (see `core/uniffi.toml`).

// The app's name for the client's error: uniffi files an impl block's methods under the name
// written after `impl`, which must be the exported name.
use crate::client::ClientError as SamatError;
use crate::model::api::LicenceStatus;
use crate::model::{labels, Category, Channel, Stage, TrackingCode};

// A tracking code crosses as its ten ASCII digits; a string that is no tracking code is refused
// when the app hands one back.
uniffi::custom_type!(TrackingCode, String, {
    lower: |code| code.as_str().to_owned(),
    try_lift: |text| Ok(TrackingCode::parse(&text)?),
});

// The labels and wire names the app shows, as methods on the enums (`stage.labelFa()` in
// Kotlin). The core's own methods return `&'static str`, which uniffi cannot return; these
// hand out owned copies under the same names.

#[uniffi::export]
impl Stage {
    /// The Persian label shown to citizens (the one the SMS uses).
    #[uniffi::method(name = "label_fa")]
    pub fn label_fa_text(&self) -> String {
        self.label_fa().to_owned()
    }

    /// The English label.
    #[uniffi::method(name = "label_en")]
    pub fn label_en_text(&self) -> String {
        self.label_en().to_owned()
    }

    /// The wire name (`expert_review`, ...).
    #[uniffi::method(name = "wire_name")]
    pub fn wire_name_text(&self) -> String {
        self.wire_name().to_owned()
    }

    /// Whether nothing can follow (verdict, resolved, dismissed, withdrawn).
    #[uniffi::method(name = "is_final")]
    pub fn is_final_stage(&self) -> bool {
        self.is_final()
    }
}

#[uniffi::export]
impl Category {
    /// The Persian label.
    #[uniffi::method(name = "label_fa")]
    pub fn label_fa_text(&self) -> String {
        self.label_fa().to_owned()
    }

    /// The English label.
    #[uniffi::method(name = "label_en")]
    pub fn label_en_text(&self) -> String {
        self.label_en().to_owned()
    }

    /// The wire name, what `DraftFields.category` takes.
    #[uniffi::method(name = "wire_name")]
    pub fn wire_name_text(&self) -> String {
        self.wire_name().to_owned()
    }
}

#[uniffi::export]
impl Channel {
    /// The Persian label.
    #[uniffi::method(name = "label_fa")]
    pub fn label_fa_text(&self) -> String {
        self.label_fa().to_owned()
    }
}

#[uniffi::export]
impl LicenceStatus {
    /// The Persian label.
    #[uniffi::method(name = "label_fa")]
    pub fn label_fa_text(&self) -> String {
        self.label_fa().to_owned()
    }
}

#[uniffi::export]
impl SamatError {
    /// A stable code to branch on or translate: `offline`, `unauthorized`, the server's code for
    /// rejections, `validation_failed`, `not_found`, `server_error`, `invalid_photo`, `storage`,
    /// `internal`.
    #[uniffi::method(name = "code")]
    pub fn code_text(&self) -> String {
        self.code().to_owned()
    }

    /// What to tell the user, in Persian.
    pub fn message_fa(&self) -> String {
        labels::error_message_fa(self.code()).to_owned()
    }

    /// What to tell the user, in English.
    pub fn message_en(&self) -> String {
        labels::error_message_en(self.code()).to_owned()
    }
}
