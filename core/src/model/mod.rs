//! The domain model of the 124 complaint channel, shared by the server and the client.
//!
//! Each submodule holds one concept: [`category`], [`channel`], [`stage`], [`role`], the
//! pure [`workflow`] rules, the service standards' clocks ([`deadlines`]), the citizen's side of them ([`journey`]: what they may do now, the
//! business's answer, the verdict), [`tracking`] codes, [`phone`] numbers, [`text`]
//! normalisation, what an SMS to the 124 line asks for ([`inbound`]), [`labels`] (the one table of Persian messages for every error code), and
//! [`api`], the request and response types of the HTTP protocol.

pub mod api;
pub mod category;
pub mod channel;
pub mod clock;
pub mod deadlines;
pub mod guild;
pub mod inbound;
pub mod jalali;
pub mod journey;
pub mod labels;
mod names;
pub mod phone;
pub mod province;
pub mod role;
pub mod stage;
pub mod stats;
pub mod text;
pub mod tracking;
pub mod workflow;

pub use category::Category;
pub use channel::Channel;
pub use phone::{PhoneError, PhoneNumber};
pub use province::Province;
pub use role::{Actor, Role};
pub use stage::Stage;
pub use tracking::{TrackingCode, TrackingCodeError};
pub use workflow::{check_transition, ComplaintFacts, TransitionDenied, TransitionInput};
