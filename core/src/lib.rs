//! Samat core: the shared heart of the "Samat-e Ma" app and the 124 complaint server.
//!
//! [`model`] holds the domain model and the wire protocol. It builds without any client
//! feature, so the server compiles exactly the same types and rules as the phone: the two
//! can never drift apart. [`client`] (feature `client`, on by default) is the offline client
//! the app embeds: drafts, photos, the sync outbox and status polling.

pub mod model;

#[cfg(feature = "client")]
pub mod client;
#[cfg(feature = "photo")]
pub mod photo;
#[cfg(feature = "scan")]
pub mod scan;
#[cfg(feature = "sqlite")]
pub mod schema;
#[cfg(feature = "client")]
pub use client::{Client, ClientError};
