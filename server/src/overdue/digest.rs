//! The digest of what is overdue, by province, as a sweep leaves it for the supervisors'
//! dashboard: plain data, which the server's state holds and the sweep ([`super`]) makes.

use std::collections::BTreeMap;

use samat_core::model::deadlines::Standing;
use samat_core::model::{Province, Stage, TrackingCode};
use time::{Date, OffsetDateTime};

/// Complaints listed by name in the digest, per province (the counts cover them all).
pub const DIGEST_LIST: usize = 20;

/// One overdue complaint in the digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OverdueItem {
    /// Its tracking code.
    pub tracking_code: TrackingCode,
    /// The stage it is late in.
    pub stage: Stage,
    /// The stage's last working day.
    pub due_day: Date,
    /// Overdue, or raised to the supervisors.
    pub standing: Standing,
}

/// What is overdue in one province (or not yet placed in one).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProvinceDigest {
    /// Overdue complaints (raised ones included).
    pub overdue: i64,
    /// Of those, raised to the supervisors.
    pub raised: i64,
    /// The longest overdue, up to [`DIGEST_LIST`].
    pub items: Vec<OverdueItem>,
}

/// The digest of one sweep.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OverdueDigest {
    /// When it was made.
    pub made_at: OffsetDateTime,
    /// By province (`None`: not yet placed).
    pub provinces: BTreeMap<Option<Province>, ProvinceDigest>,
}

impl OverdueDigest {
    /// The digest a supervisor reads: their province's, or every province's for a national account.
    pub fn for_supervisor(&self, province: Option<Province>) -> Vec<(Option<Province>, &ProvinceDigest)> {
        self.provinces.iter().filter(|(p, _)| province.is_none() || **p == province).map(|(p, d)| (*p, d)).collect()
    }
}
