//! Samat's client core for Android (Kotlin), iOS (Swift) and Python, through uniffi.
//!
//! A thin wrapper: [`SamatClient`] holds the core's `Client` (an `inner` field) and each
//! method converts, calls and converts back. Where the app needs something the core does not
//! have, it is added to the core, never here. What lives where:
//!
//! - [`client`]: `SamatClient`, every call of the core's client;
//! - [`records`]: the core's own enums and records (its `uniffi` feature), re-exported, and
//!   the few records the FFI adds Persian labels and Solar Hijri strings to;
//! - `SamatError`: the app's one error type with stable codes and Persian messages, which is
//!   the core's own `ClientError` (exported by its `uniffi` feature; Kotlin `ir.samat.core.SamatException`);
//! - [`updates`]: the `ComplaintUpdatesListener` and its `SubscriptionHandle`;
//! - [`persian`]: labels and Solar Hijri dates;
//! - [`runtime`]: the one tokio runtime.
//!
//! No panic crosses the boundary: the crate keeps `panic = "unwind"` and uniffi reports a
//! panic as an internal error; bad input (a corrupt database, an impossible camera frame) is
//! a [`SamatError`], not a panic.

uniffi::setup_scaffolding!();

pub mod client;
pub mod persian;
pub mod records;
mod runtime;
pub mod updates;

pub use client::SamatClient;
pub use samat_core::ClientError as SamatError;
pub use updates::{ComplaintUpdatesListener, SubscriptionHandle};

#[cfg(test)]
mod export_lint;
