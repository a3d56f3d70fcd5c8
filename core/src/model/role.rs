//! Who acts on a complaint: the citizen who filed it, or a member of the ministry's staff.

use serde::{Deserialize, Serialize};

/// A staff role. Wire names are the snake_case variant names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
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

impl Role {
    /// Every staff role.
    pub const ALL: [Role; 6] = [Role::Operator, Role::Expert, Role::Guild, Role::Inspector, Role::Taazirat, Role::Supervisor];

    /// The wire name.
    pub fn wire_name(self) -> &'static str {
        match self {
            Role::Operator => "operator",
            Role::Expert => "expert",
            Role::Guild => "guild",
            Role::Inspector => "inspector",
            Role::Taazirat => "taazirat",
            Role::Supervisor => "supervisor",
        }
    }

    /// Parses a wire name.
    pub fn from_wire(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.wire_name() == name)
    }

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
    /// Every actor, for exhaustive tests.
    pub const ALL: [Actor; 7] = [
        Actor::Citizen,
        Actor::Staff(Role::Operator),
        Actor::Staff(Role::Expert),
        Actor::Staff(Role::Guild),
        Actor::Staff(Role::Inspector),
        Actor::Staff(Role::Taazirat),
        Actor::Staff(Role::Supervisor),
    ];

    /// The wire name recorded in the audit trail (`citizen` or the role's name).
    pub fn wire_name(self) -> &'static str {
        match self {
            Actor::Citizen => "citizen",
            Actor::Staff(r) => r.wire_name(),
        }
    }

    /// Parses what [`wire_name`](Actor::wire_name) wrote.
    pub fn from_wire(name: &str) -> Option<Self> {
        if name == "citizen" {
            Some(Actor::Citizen)
        } else {
            Role::from_wire(name).map(Actor::Staff)
        }
    }
}
