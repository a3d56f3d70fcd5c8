//! Samat core: the shared heart of the "Samat-e Ma" app and the 124 complaint server.
//!
//! [`model`] holds the domain model and the wire protocol. It builds without any client
//! feature, so the server compiles exactly the same types and rules as the phone: the two
//! can never drift apart.

pub mod model;
