//! Who acts on a complaint: the citizen who filed it, or a member of the ministry's staff.

use serde::{Deserialize, Serialize};
use strum::{EnumString, IntoStaticStr, VariantArray};

use super::names::wire_names;

/// A staff role. Wire names are the snake_case variant names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, IntoStaticStr, EnumString, VariantArray)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Role {
    /// Call-centre and counter operators: file complaints for callers and visitors.
    Operator,
    /// Experts: evaluate complaints and route them.
    Expert,
    /// The guild's self-regulation body: records the business's answer to compensation claims.
    Guild,
    /// Inspectors: visit the business and report.
    Inspector,
    /// Ta'zirat liaison: records the penalties body's verdict.
    Taazirat,
    /// Supervisors: may act in any staff role and handle escalated complaints about handling.
    Supervisor,
}

wire_names!(Role, "Every staff role.");

impl Role {
    /// The Persian title of the role.
    pub fn label_fa(self) -> &'static str {
        match self {
            Role::Operator => "اپراتور",
            Role::Expert => "کارشناس",
            Role::Guild => "حوزه خودتنظیمی",
            Role::Inspector => "بازرس",
            Role::Taazirat => "رابط تعزیرات",
            Role::Supervisor => "سرپرست",
        }
    }
}

/// Who performs an action on a complaint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Actor {
    /// The citizen who filed the complaint.
    Citizen,
    /// A staff member in a role.
    Staff(Role),
}

impl Actor {
    /// Every actor, for exhaustive tests: the citizen, then each role in [`Role::ALL`].
    pub const ALL: [Actor; Role::ALL.len() + 1] = {
        let mut all = [Actor::Citizen; Role::ALL.len() + 1];
        let mut i = 0;
        while i < Role::ALL.len() {
            all[i + 1] = Actor::Staff(Role::ALL[i]);
            i += 1;
        }
        all
    };

    /// The wire name recorded in the audit trail (`citizen` or the role's name).
    pub fn wire_name(self) -> &'static str {
        match self {
            Actor::Citizen => "citizen",
            Actor::Staff(r) => r.wire_name(),
        }
    }

    /// Parses what [`wire_name`](Actor::wire_name) wrote.
    pub fn from_wire(name: &str) -> Option<Self> {
        Actor::ALL.into_iter().find(|a| a.wire_name() == name)
    }
}
