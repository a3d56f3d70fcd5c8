//! What the core needs to be a uniffi component of its own (feature `uniffi`; the scaffolding
//! itself is set up in `lib.rs`, at the crate root where uniffi needs it): how the types uniffi
//! does not know cross the boundary, and the enums' exported methods. The enums and plain records
//! carry their own `cfg_attr(feature = "uniffi", derive(...))` beside their definitions; the
//! bindings crate (`samat-ffi`) uses them as they are. Their Kotlin lands in `ir.samat.core`,
//! their Swift in the same module as the bindings' (see `core/uniffi.toml`).

use crate::model::api::LicenceStatus;
use crate::model::{Category, Channel, Stage, TrackingCode};

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
