//! The HTTP protocol between the app (and any other client) and the server: request and
//! response bodies, and the validation of a new complaint, which the phone runs offline on a
//! draft and the server runs again on arrival, with the same codes.
//!
//! One module per resource; every type is re-exported here, so callers name it
//! `samat_core::model::api::X` whichever file holds it.

// `Problem::message_fa`'s documentation links `super::labels::error_message_fa`, written when
// it lived in model/api.rs; utoipa copies that text into /openapi.json word for word, so the
// link keeps its words and resolves through this import.
#[allow(unused_imports)]
use super::labels;

mod audit;
mod auth;
mod businesses;
mod categories;
mod complaints;
mod dates;
mod events;
mod feedback;
mod fields;
mod filing;
mod photos;
mod problem;
mod push;
mod queue;
mod staff;
mod sync;
mod triage;

pub use audit::*;
pub use auth::*;
pub use businesses::*;
pub use categories::*;
pub use complaints::*;
pub use dates::*;
pub use events::*;
pub use feedback::*;
pub use fields::*;
pub use filing::*;
pub use photos::*;
pub use problem::*;
pub use push::*;
pub use queue::*;
pub use staff::*;
pub use sync::*;
pub use triage::*;
