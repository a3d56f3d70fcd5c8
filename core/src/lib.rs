//! Samat core: the shared heart of the "Samat-e Ma" app and the 124 complaint server.
//!
//! [`model`] holds the domain model and the wire protocol. It builds without any client
//! feature, so the server compiles exactly the same types and rules as the phone: the two
//! can never drift apart. [`client`] (feature `client`, on by default) is the offline client
//! the app embeds: drafts, photos, the sync outbox and status polling. With the `uniffi`
//! feature the enums and plain records also derive uniffi, so the mobile bindings
//! (`samat-ffi`) export these very types rather than copies of them.

pub mod model;

#[cfg(feature = "client")]
pub mod client;
#[cfg(feature = "uniffi")]
mod ffi;
#[cfg(feature = "photo")]
pub mod photo;
#[cfg(feature = "scan")]
pub mod scan;
#[cfg(feature = "sqlite")]
pub mod schema;

#[cfg(feature = "uniffi")]
uniffi::setup_scaffolding!("samat_core");
#[cfg(feature = "client")]
pub use client::{Client, ClientError};
